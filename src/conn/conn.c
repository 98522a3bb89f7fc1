/* A client connection on libuv: resolve (or take a pin's addresses), race
 * the addresses' TCP connects, tunnel through a proxy if there is one,
 * TLS, read and write.
 *
 * Handles are counted: the conn is freed only when every TCP handle it
 * opened (each racing attempt's) and the timer have all called back, so a
 * close at any stage is safe. The resolver (conn/resolve.h) is canceled at
 * once by a close or an end: it needs no waiting for. One timer serves every
 * stage: the resolver's timeout; while connecting, the earliest of the
 * attempts' timeouts and the next attempt's start; then the idle timeout;
 * each bounded by the whole attempt's deadline. */
#include "conn/conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/queue.h"
#include "conn/resolve.h"
#include "conn/wire.h"
#include "gemflow.h"

enum { ST_RESOLVING, ST_CONNECTING, ST_PROXY, ST_HANDSHAKE, ST_OPEN, ST_ENDED };
/* An address: not tried yet, being tried, done with (failed or won). */
enum { A_NEW, A_BUSY, A_DONE };

#define GF__KEEPALIVE_S 30 /* idle seconds before the first TCP probe */
#define GF__STAGGER_MS 250 /* RFC 8305's Connection Attempt Delay */
#define GF__MAX_ADDRS 64
/* Writing a long request: plaintext encrypted this much at a time, and no
 * more while this much ciphertext waits in libuv for the socket. */
#define GF__WRITE_STEP (16 * 1024)
#define GF__WRITE_HIGH (64 * 1024)

/* One address's TCP connect. The handle comes first: on_handle_closed
 * frees the whole attempt. */
typedef struct gf__try {
  uv_tcp_t tcp;
  uv_connect_t req;
  gf__conn *c;
  gf__queue node;   /* in c->tries while it races */
  size_t idx;       /* into c->addrs */
  uint64_t started; /* loop time */
  int dropped;      /* closed: its connect callback is ignored */
} gf__try;

struct gf__conn {
  uv_loop_t *loop;
  const gf__url *url;
  gf__tls_config *tls_cfg;
  const gf__pins *pins;
  gf__dns_cache *dns;
  const gf__proxy *proxy;
  const char *dial_host; /* what is resolved and connected to: the */
  int dial_port;         /* origin, or the proxy */
  gf__conn_cbs cbs;
  void *ud;
  uint64_t connect_timeout_ms, idle_timeout_ms;
  uint64_t total_timeout_ms;
  uint64_t deadline;   /* loop time the whole attempt must end by; 0: none */
  int timer_is_deadline; /* the armed timer is the deadline's */
  char *read_buf;
  size_t read_buf_len;

  int state;
  int closing;
  int pending;  /* handles and requests still to call back */
  int stopped;  /* on_data asked to stop */
  int paused;   /* the owner's back-pressure (gf__conn_pause) */
  int awaiting_session; /* on_session is due (TLS 1.3 ticket) */
  uint64_t paused_at; /* loop time the pause began, once open */
  gf__resolve *res; /* the running lookup, if any */
  struct sockaddr_storage *addrs; /* in the order they are tried */
  unsigned char *astate;          /* A_* per address */
  size_t naddrs;
  gf__queue tries;     /* the racing attempts */
  uint64_t next_start; /* loop time the next attempt starts, if none fails */
  int last_err;        /* of the last address given up */
  gf__try *win;        /* the attempt whose TCP connect won */
  uv_tcp_t *tcp;       /* its handle */
  uv_timer_t timer;
  gf__tls *tls;
  gf__proxy_head ph;
  gf__buf out;         /* the CONNECT request, while it is made */
  gf__wire wire;       /* to the winner's socket (wire.h) */
  const char *wp;      /* the owner's plaintext still to send (by */
  size_t wn;           /* reference: gf__conn_write_ref) */
  char origin[300];    /* host:port of the URL, v6 bracketed */
  char peer[400];
  char msg[800];
};


static void start_resolve(gf__conn *c);
static void stop_resolve(gf__conn *c);
static void end(gf__conn *c, int err, const char *msg);
static void release(gf__conn *c);
static void open_reading(gf__conn *c);
static void arm_timer(gf__conn *c, uint64_t ms);
static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf);
static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static void on_written(void *ud, int status);

/* ---- public ------------------------------------------------------------- */

int gf__conn_open(gf__conn **out, const gf__conn_opts *o,
                  const gf__conn_cbs *cbs, void *ud) {
  if (o->url->tls && !o->tls)
    return GF_EINVAL;
  gf__conn *c = calloc(1, sizeof *c);
  if (!c)
    return GF_ENOMEM;
  c->loop = o->loop;
  c->url = o->url;
  c->tls_cfg = o->tls;
  c->pins = o->pins;
  c->dns = o->dns;
  c->proxy = o->proxy;
  c->dial_host = o->proxy ? o->proxy->url.host : o->url->host;
  c->dial_port = o->proxy ? o->proxy->url.port : o->url->port;
  snprintf(c->origin, sizeof c->origin,
           strchr(o->url->host, ':') ? "[%s]:%d" : "%s:%d", o->url->host,
           o->url->port);
  c->cbs = *cbs;
  c->ud = ud;
  c->connect_timeout_ms = o->connect_timeout_ms;
  c->idle_timeout_ms = o->idle_timeout_ms;
  /* the loop's clock is cached: a call from outside a callback (before
   * uv_run) would otherwise time from a stale now */
  uv_update_time(o->loop);
  if (o->total_timeout_ms)
    c->deadline = uv_now(o->loop) + o->total_timeout_ms;
  c->total_timeout_ms = o->total_timeout_ms;
  c->read_buf = o->read_buf;
  c->read_buf_len = o->read_buf_len;
  c->last_err = GF_ECONNECT;
  gf__queue_init(&c->tries);
  gf__proxy_head_init(&c->ph);
  gf__buf_init(&c->out, 0);
  gf__wire_init(&c->wire, on_written, c);
  uv_timer_init(c->loop, &c->timer);
  c->timer.data = c;
  c->pending = 1;
  *out = c; /* before anything can call back */
  start_resolve(c);
  return 0;
}

void gf__conn_close(gf__conn *c) {
  if (c->closing)
    return;
  stop_resolve(c);
  c->closing = 1;
  c->state = ST_ENDED;
  release(c);
}

const char *gf__conn_peer(const gf__conn *c) { return c->peer; }

const char *gf__conn_tls_suite(const gf__conn *c) {
  return c->tls ? gf__tls_suite(c->tls) : NULL;
}

int gf__conn_reusable(const gf__conn *c) {
  /* a request still being sent would run into the next one */
  return c->state == ST_OPEN && !c->closing && c->tcp && !c->wn &&
         !(c->tls && gf__tls_closed(c->tls));
}

void gf__conn_keep_loop(gf__conn *c, int on) {
  uv_handle_t *h[2] = {(uv_handle_t *)c->tcp, (uv_handle_t *)&c->timer};
  for (int i = 0; i < 2; i++) {
    if (!h[i])
      continue;
    if (on)
      uv_ref(h[i]);
    else
      uv_unref(h[i]);
  }
}

void gf__conn_set_owner(gf__conn *c, const gf__conn_cbs *cbs, void *ud) {
  c->cbs = *cbs;
  c->ud = ud;
}

void gf__conn_rebind(gf__conn *c, const gf__conn_cbs *cbs, void *ud,
                     uint64_t idle_ms, uint64_t total_ms) {
  gf__conn_set_owner(c, cbs, ud);
  c->idle_timeout_ms = idle_ms;
  c->total_timeout_ms = total_ms;
  c->deadline = total_ms ? uv_now(c->loop) + total_ms : 0;
  c->paused = 0;
  c->stopped = 0;
  /* UV_EALREADY when it still reads: fine */
  uv_read_start((uv_stream_t *)c->tcp, on_alloc, on_read);
  arm_timer(c, idle_ms);
}

int gf__conn_tls_resumed(const gf__conn *c) {
  return c->tls && gf__tls_resumed(c->tls);
}

int gf__conn_session_pending(const gf__conn *c) {
  return c->tls && gf__tls_handshake_done(c->tls) &&
         !gf__tls_session_kept(c->tls);
}

/* ---- teardown ----------------------------------------------------------- */

/* Drops one reference; the last one frees the conn and reports on_closed. */
static void unref(gf__conn *c) {
  if (--c->pending > 0)
    return;
  free(c->addrs);
  free(c->astate);
  if (c->tls)
    gf__tls_free(c->tls);
  gf__buf_free(&c->out);
  gf__conn_cbs cbs = c->cbs;
  void *ud = c->ud;
  free(c);
  if (cbs.on_closed)
    cbs.on_closed(ud);
}

static void on_handle_closed(uv_handle_t *h) {
  gf__conn *c = h->data;
  if (h != (uv_handle_t *)&c->timer)
    free(h); /* a gf__try, its handle first */
  unref(c);
}

/* Closes a racing attempt (a pending connect is canceled first). */
static void drop_try(gf__try *t) {
  gf__queue_remove(&t->node);
  t->dropped = 1;
  uv_close((uv_handle_t *)&t->tcp, on_handle_closed);
}

/* Closes every racing attempt, leaving their addresses in state st. */
static void drop_tries(gf__conn *c, int st) {
  gf__queue *q;
  while ((q = gf__queue_head(&c->tries)) != NULL) {
    gf__try *t = GF__QUEUE_DATA(q, gf__try, node);
    c->astate[t->idx] = (unsigned char)st;
    drop_try(t);
  }
}

/* Closes the winner's handle. */
static void close_tcp(gf__conn *c) {
  if (c->tcp) {
    uv_close((uv_handle_t *)c->tcp, on_handle_closed);
    c->tcp = NULL;
    c->win = NULL;
    gf__wire_attach(&c->wire, NULL);
  }
}

/* Starts closing what can be closed now. */
static void release(gf__conn *c) {
  close_tcp(c);
  drop_tries(c, A_DONE);
  c->pending++;
  uv_close((uv_handle_t *)&c->timer, on_handle_closed);
  unref(c); /* the reference taken at open */
}

static void end(gf__conn *c, int err, const char *msg) {
  if (c->state == ST_ENDED || c->closing)
    return;
  c->state = ST_ENDED;
  stop_resolve(c);
  uv_timer_stop(&c->timer);
  drop_tries(c, A_DONE);
  if (c->tcp)
    uv_read_stop((uv_stream_t *)c->tcp);
  c->cbs.on_end(c->ud, err, msg);
}

/* ---- timers ------------------------------------------------------------- */

static void race_tick(gf__conn *c);

static void on_timeout(uv_timer_t *t) {
  gf__conn *c = t->data;
  if (c->timer_is_deadline) {
    snprintf(c->msg, sizeof c->msg, "the attempt took longer than the "
             "%.0f s timeout", (double)c->total_timeout_ms / 1000);
    end(c, GF_ETIMEDOUT, c->msg);
  } else if (c->state == ST_OPEN) {
    snprintf(c->msg, sizeof c->msg, "no data from the server within the "
             "idle timeout (%.0f s)", (double)c->idle_timeout_ms / 1000);
    end(c, GF_ETIMEDOUT, c->msg);
  } else if (c->state == ST_RESOLVING) {
    end(c, GF_ETIMEDOUT, "name resolution timeout");
  } else if (c->state != ST_ENDED) {
    race_tick(c);
  }
}

/* Arms the timer for loop time due (0: nothing), or for the whole
 * attempt's deadline when that comes first. */
static void arm_at(gf__conn *c, uint64_t due) {
  c->timer_is_deadline = 0;
  if (c->deadline && (!due || c->deadline <= due)) {
    due = c->deadline;
    c->timer_is_deadline = 1;
  }
  if (!due) {
    uv_timer_stop(&c->timer);
    return;
  }
  uint64_t now = uv_now(c->loop);
  uv_timer_start(&c->timer, on_timeout, due > now ? due - now : 0, 0);
}

/* The stage's timeout (0: none), or what is left of the whole attempt's if
 * that comes first. */
static void arm_timer(gf__conn *c, uint64_t ms) {
  arm_at(c, ms ? uv_now(c->loop) + ms : 0);
}

/* ---- resolve ------------------------------------------------------------ */

static void begin_race(gf__conn *c);

static int alloc_addrs(gf__conn *c, size_t n) {
  if (n > GF__MAX_ADDRS)
    n = GF__MAX_ADDRS;
  c->addrs = calloc(n, sizeof *c->addrs);
  c->astate = calloc(n, 1); /* A_NEW */
  if (!c->addrs || !c->astate)
    return GF_ENOMEM;
  c->naddrs = n;
  return 0;
}

static void on_resolved(void *ud, int status,
                        const struct sockaddr_storage *addrs, size_t n,
                        int ttl_s) {
  gf__conn *c = ud;
  c->res = NULL; /* it frees itself */
  int rc = status;
  if (!rc)
    gf__dns_cache_put(c->dns, c->dial_host, c->dial_port, uv_now(c->loop),
                      addrs, n, ttl_s);
  if (!rc) {
    rc = alloc_addrs(c, n);
    if (!rc) {
      memcpy(c->addrs, addrs, c->naddrs * sizeof *c->addrs);
      gf__addrs_interleave(c->addrs, c->naddrs);
    }
  }
  if (rc == GF_EDNS) {
    snprintf(c->msg, sizeof c->msg, "cannot resolve %s%s: no IPv4 or IPv6 "
             "address found", c->proxy ? "the proxy's host " : "",
             c->dial_host);
    end(c, GF_EDNS, c->msg);
  } else if (rc) {
    end(c, rc, NULL);
  } else {
    begin_race(c);
  }
}

/* A running lookup is abandoned: no callback, nothing to wait for. */
static void stop_resolve(gf__conn *c) {
  if (c->res) {
    gf__resolve_cancel(c->res);
    c->res = NULL;
  }
}

static void start_resolve(gf__conn *c) {
  c->state = ST_RESOLVING;
  const gf__pin *pin = gf__pins_find(c->pins, c->dial_host, c->dial_port);
  const struct sockaddr_storage *known = NULL;
  size_t nknown = 0;
  if (pin) { /* pinned: no DNS */
    known = pin->addrs;
    nknown = pin->naddrs;
  } else {
    gf__dns_cache_get(c->dns, c->dial_host, c->dial_port, uv_now(c->loop),
                      &known, &nknown);
  }
  if (known) {
    int rc = alloc_addrs(c, nknown);
    if (rc) {
      end(c, rc, NULL);
      return;
    }
    memcpy(c->addrs, known, c->naddrs * sizeof *c->addrs);
    gf__addrs_interleave(c->addrs, c->naddrs);
    begin_race(c);
    return;
  }
  /* an IP literal resolves without a lookup */
  arm_timer(c, c->connect_timeout_ms);
  int rc = gf__resolve_start(&c->res, c->loop, c->dial_host, c->dial_port,
                             on_resolved, c);
  if (rc) {
    c->res = NULL;
    snprintf(c->msg, sizeof c->msg, "cannot resolve %s%s: %s",
             c->proxy ? "the proxy's host " : "", c->dial_host,
             rc == GF_ENOMEM ? "out of memory" : "the resolver cannot start");
    end(c, rc, c->msg);
  }
}

/* ---- the race (RFC 8305) ------------------------------------------------ */

static void on_try_connected(uv_connect_t *req, int status);

/* The first address not tried yet, in order. */
static int next_new(const gf__conn *c, size_t *idx) {
  for (size_t i = 0; i < c->naddrs; i++)
    if (c->astate[i] == A_NEW) {
      *idx = i;
      return 1;
    }
  return 0;
}

/* Gives up an attempt that failed or timed out; its address is done. */
static void fail_try(gf__conn *c, gf__try *t, int err, const char *why) {
  char name[64];
  gf__addr_name(&c->addrs[t->idx], name, sizeof name);
  if (err == GF_ETIMEDOUT)
    snprintf(c->msg, sizeof c->msg, "connect to %s timed out", name);
  else
    snprintf(c->msg, sizeof c->msg, "connect to %s: %s", name, why);
  c->last_err = err;
  c->astate[t->idx] = A_DONE;
  drop_try(t);
}

/* Starts the next address's connect (skipping those that fail at once).
 * 0 also when none is left. */
static int start_one(gf__conn *c) {
  size_t i;
  while (next_new(c, &i)) {
    gf__try *t = calloc(1, sizeof *t);
    if (!t)
      return GF_ENOMEM;
    c->astate[i] = A_BUSY;
    uv_tcp_init(c->loop, &t->tcp);
    t->tcp.data = c;
    t->req.data = t;
    t->c = c;
    t->idx = i;
    t->started = uv_now(c->loop);
    gf__queue_insert_tail(&c->tries, &t->node);
    c->pending++;
    uv_tcp_nodelay(&t->tcp, 1);
    int rc = uv_tcp_connect(&t->req, &t->tcp,
                            (const struct sockaddr *)&c->addrs[i],
                            on_try_connected);
    if (rc == 0) {
      c->next_start = t->started + GF__STAGGER_MS;
      return 0;
    }
    fail_try(c, t, GF_ECONNECT, uv_strerror(rc));
  }
  return 0;
}

/* Arms the timer while connecting: the winner's timeout, or the earliest
 * of the racing attempts' timeouts and the next attempt's start. */
static void schedule(gf__conn *c) {
  uint64_t due = 0, ct = c->connect_timeout_ms;
  if (c->win) {
    if (ct)
      due = c->win->started + ct;
  } else {
    gf__queue *q;
    GF__QUEUE_FOREACH(q, &c->tries) {
      gf__try *t = GF__QUEUE_DATA(q, gf__try, node);
      if (ct && (!due || t->started + ct < due))
        due = t->started + ct;
    }
    size_t i;
    if (next_new(c, &i) && (!due || c->next_start < due))
      due = c->next_start;
  }
  arm_at(c, due);
}

/* After a change in the race: starts the next address (now: at once, as
 * after a failure; always when nothing races), ends the conn when nothing
 * is left to try, else waits for what comes first. */
static void advance(gf__conn *c, int now) {
  if (now || gf__queue_empty(&c->tries)) {
    int rc = start_one(c);
    if (rc) {
      end(c, rc, NULL);
      return;
    }
  }
  if (gf__queue_empty(&c->tries)) {
    /* a stale answer must not fail the next connection too */
    gf__dns_cache_drop(c->dns, c->dial_host, c->dial_port);
    end(c, c->last_err,
        c->last_err == GF_ETIMEDOUT ? "connect timeout"
        : c->msg[0]                 ? c->msg
                                    : "no address to connect to");
    return;
  }
  schedule(c);
}

static void begin_race(gf__conn *c) {
  c->state = ST_CONNECTING;
  advance(c, 1);
}

/* The winner's CONNECT or TLS handshake took too long: its address is
 * given up, the race goes on with the addresses left (those it beat
 * included). */
static void drop_winner(gf__conn *c) {
  char name[64];
  gf__addr_name(&c->addrs[c->win->idx], name, sizeof name);
  snprintf(c->msg, sizeof c->msg, "connect to %s timed out", name);
  c->last_err = GF_ETIMEDOUT;
  close_tcp(c);
  if (c->tls) {
    gf__tls_free(c->tls);
    c->tls = NULL;
  }
  gf__buf_reset(&c->out);
  gf__wire_attach(&c->wire, NULL); /* its writes no longer count */
  gf__proxy_head_init(&c->ph);
  c->state = ST_CONNECTING;
  advance(c, 1);
}

static void race_tick(gf__conn *c) {
  uint64_t now = uv_now(c->loop), ct = c->connect_timeout_ms;
  if (c->win) { /* ST_PROXY or ST_HANDSHAKE */
    if (ct && now >= c->win->started + ct)
      drop_winner(c);
    else
      schedule(c);
    return;
  }
  int failed = 0;
  for (;;) {
    gf__try *late = NULL;
    gf__queue *q;
    GF__QUEUE_FOREACH(q, &c->tries) {
      gf__try *t = GF__QUEUE_DATA(q, gf__try, node);
      if (ct && now >= t->started + ct) {
        late = t;
        break;
      }
    }
    if (!late)
      break;
    fail_try(c, late, GF_ETIMEDOUT, NULL);
    failed = 1;
  }
  advance(c, failed || now >= c->next_start);
}

static int start_tls(gf__conn *c);

static void describe_peer(gf__conn *c) {
  char name[64];
  gf__addr_name(&c->addrs[c->win->idx], name, sizeof name);
  if (c->proxy)
    snprintf(c->peer, sizeof c->peer, "%s via proxy %s", c->origin, name);
  else
    snprintf(c->peer, sizeof c->peer, "%s", name);
}

/* Plaintext to the owner (no TLS). */
static void deliver(gf__conn *c, const char *p, size_t n) {
  if (c->cbs.on_data(c->ud, p, n) && c->tcp)
    uv_read_stop((uv_stream_t *)c->tcp);
}

/* The byte stream to the origin is there (TCP, or the proxy's tunnel,
 * with n bytes of it already read): TLS, or open. */
static void stream_ready(gf__conn *c, const char *p, size_t n) {
  if (!c->url->tls) {
    open_reading(c);
    c->cbs.on_connected(c->ud);
    if (n && c->state == ST_OPEN && !c->closing)
      deliver(c, p, n);
    return;
  }
  c->state = ST_HANDSHAKE;
  schedule(c);
  int rc = start_tls(c);
  if (!rc && n) {
    rc = gf__tls_feed(c->tls, p, n);
  }
  if (rc)
    end(c, rc, c->tls ? gf__tls_errmsg(c->tls) : NULL);
}

static void win(gf__conn *c, gf__try *t) {
  gf__queue_remove(&t->node);
  /* beaten, not failed: tried again should the winner's handshake stall */
  drop_tries(c, A_NEW);
  c->astate[t->idx] = A_DONE;
  c->win = t;
  c->tcp = &t->tcp;
  gf__wire_attach(&c->wire, (uv_stream_t *)c->tcp);
  /* the service may be silent for minutes: probes find a dead peer (set
   * on the connected socket: before it exists libuv keeps the flag but
   * not the delay) */
  uv_tcp_keepalive(c->tcp, 1, GF__KEEPALIVE_S);
  describe_peer(c);
  uv_read_start((uv_stream_t *)c->tcp, on_alloc, on_read);
  if (!c->proxy) {
    stream_ready(c, NULL, 0);
    return;
  }
  c->state = ST_PROXY;
  schedule(c);
  int rc = gf__proxy_request(&c->out, c->proxy, c->url);
  if (!rc) /* it may hold the proxy's credentials */
    rc = gf__wire_send_buf(&c->wire, &c->out, 1);
  if (rc) {
    gf__buf_reset(&c->out);
    end(c, rc, "the CONNECT request could not be sent");
  }
}

static void on_try_connected(uv_connect_t *req, int status) {
  gf__try *t = req->data;
  gf__conn *c = t->c;
  if (t->dropped || c->closing || c->state != ST_CONNECTING)
    return;
  if (status < 0) {
    fail_try(c, t, GF_ECONNECT, uv_strerror(status));
    advance(c, 1);
    return;
  }
  win(c, t);
}

/* ---- the proxy's answer ------------------------------------------------- */

static void proxy_read(gf__conn *c, const char *p, size_t n) {
  size_t used = 0;
  int rc = gf__proxy_head_feed(&c->ph, p, n, &used);
  if (rc == 0)
    return;
  if (rc < 0) {
    snprintf(c->msg, sizeof c->msg, "proxy %s sent %s answer to CONNECT",
             c->proxy->name, rc == GF_ETOOBIG ? "an over-long" : "a malformed");
    end(c, GF_ECONNECT, c->msg);
    return;
  }
  int st = c->ph.status;
  if (st < 200 || st > 299) {
    snprintf(c->msg, sizeof c->msg, "proxy %s refused the tunnel to %s: %d%s%s",
             c->proxy->name, c->origin, st, c->ph.reason[0] ? " " : "",
             c->ph.reason);
    /* 4xx (forbidden, credentials): asking again changes nothing; a 5xx
     * (the proxy could not reach the origin) may pass later */
    end(c, st >= 400 && st < 500 ? GF_EPROXY : GF_ECONNECT, c->msg);
    return;
  }
  stream_ready(c, p + used, n - used);
}

/* ---- TLS glue ----------------------------------------------------------- */

static int tls_cipher(void *ud, const char *p, size_t n) {
  gf__conn *c = ud;
  return gf__wire_send(&c->wire, p, n);
}

static int tls_plain(void *ud, const char *p, size_t n) {
  gf__conn *c = ud;
  if (c->state != ST_OPEN || c->stopped)
    return 0;
  int rc = c->cbs.on_data(c->ud, p, n);
  if (rc)
    c->stopped = 1;
  return rc;
}

static void tls_handshake(void *ud, int status) {
  gf__conn *c = ud;
  if (status) {
    end(c, status, gf__tls_errmsg(c->tls));
    return;
  }
  open_reading(c);
  c->awaiting_session = gf__conn_session_pending(c);
  c->cbs.on_connected(c->ud);
}

static int start_tls(gf__conn *c) {
  static const gf__tls_cbs cbs = {tls_cipher, tls_plain, tls_handshake};
  /* the origin's name, also through a proxy's tunnel */
  int rc = gf__tls_new(&c->tls, c->tls_cfg, c->url->host, &cbs, c);
  if (rc)
    return rc;
  return gf__tls_start(c->tls);
}

/* ---- reading ------------------------------------------------------------ */

/* The stream to the origin is open: read, or hold still when paused. */
static void open_reading(gf__conn *c) {
  c->state = ST_OPEN;
  if (!c->paused) {
    arm_timer(c, c->idle_timeout_ms);
    return;
  }
  c->paused_at = uv_now(c->loop);
  uv_timer_stop(&c->timer);
  uv_read_stop((uv_stream_t *)c->tcp);
}

void gf__conn_pause(gf__conn *c, int on) {
  if (!c || c->closing || c->state == ST_ENDED || c->paused == !!on)
    return;
  c->paused = !!on;
  if (c->state != ST_OPEN)
    return; /* applied by open_reading */
  if (on) {
    c->paused_at = uv_now(c->loop);
    uv_timer_stop(&c->timer);
    uv_read_stop((uv_stream_t *)c->tcp);
    return;
  }
  if (c->deadline)
    c->deadline += uv_now(c->loop) - c->paused_at;
  if (!c->stopped)
    uv_read_start((uv_stream_t *)c->tcp, on_alloc, on_read);
  arm_timer(c, c->idle_timeout_ms);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  gf__conn *c = h->data;
  buf->base = c->read_buf;
  buf->len = c->read_buf_len;
}

static int eof_status(gf__conn *c) {
  if (c->tls && !gf__tls_closed(c->tls))
    return c->state == ST_OPEN ? GF_ETRUNCATED : GF_ETLS;
  return 0;
}

/* A reset that lands right behind data reaches libuv as a hang-up after a
 * partial read, which it reports as an EOF: the socket's pending error
 * tells a reset from a clean FIN. */
static int reset_pending(gf__conn *c) {
  uv_os_fd_t fd;
  int err = 0;
  socklen_t len = sizeof err;
  return c->tcp && uv_fileno((uv_handle_t *)c->tcp, &fd) == 0 &&
         getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
         (err == ECONNRESET || err == EPIPE);
}

static void on_read_error(gf__conn *c, ssize_t nread) {
  if (c->state == ST_PROXY && nread == UV_EOF) {
    snprintf(c->msg, sizeof c->msg,
             "proxy %s closed the connection before answering CONNECT",
             c->proxy->name);
    end(c, GF_ECONNECT, c->msg);
  } else if (nread == UV_EOF && reset_pending(c)) {
    end(c, GF_ERESET, "connection reset by the server");
  } else if (nread == UV_EOF) {
    int err = eof_status(c);
    end(c, err, err == GF_ETLS ? "connection closed during the TLS handshake"
                : err         ? "connection closed without TLS close_notify"
                              : NULL);
  } else if (nread == UV_ECONNRESET || nread == UV_EPIPE) {
    end(c, GF_ERESET, "connection reset by the server");
  } else {
    snprintf(c->msg, sizeof c->msg, "read from %s: %s", c->peer,
             uv_strerror((int)nread));
    end(c, GF_ERESET, c->msg);
  }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  gf__conn *c = s->data;
  if (c->closing || c->state == ST_ENDED || nread == 0)
    return;
  if (nread < 0) {
    on_read_error(c, nread);
    return;
  }
  if (c->state == ST_PROXY) {
    proxy_read(c, buf->base, (size_t)nread);
    return;
  }
  if (c->state == ST_OPEN)
    arm_timer(c, c->idle_timeout_ms);
  if (!c->tls) {
    deliver(c, buf->base, (size_t)nread);
    return;
  }
  int rc = gf__tls_feed(c->tls, buf->base, (size_t)nread);
  if (!rc && c->awaiting_session && !gf__conn_session_pending(c) &&
      !c->closing) {
    c->awaiting_session = 0;
    if (c->cbs.on_session)
      c->cbs.on_session(c->ud);
  }
  if (c->stopped || c->closing) {
    if (c->tcp)
      uv_read_stop(s);
    return;
  }
  if (rc)
    end(c, rc, gf__tls_errmsg(c->tls));
  else if (gf__tls_closed(c->tls)) /* the end, whether or not a FIN follows */
    end(c, 0, NULL);
}

/* ---- writing ------------------------------------------------------------ */

static int pump(gf__conn *c);

/* A write ended: the next piece of a long request, or the failure. */
static void on_written(void *ud, int status) {
  gf__conn *c = ud;
  if (c->closing || status == UV_ECANCELED)
    return;
  if (status < 0) {
    end(c, status == UV_EPIPE || status == UV_ECONNRESET ? GF_ERESET
                                                          : GF_ECONNECT,
        uv_strerror(status));
    return;
  }
  int rc = pump(c);
  if (rc)
    end(c, rc, "sending the request failed");
}

/* Plaintext to ciphertext to the socket, a step at a time, for as long as
 * the socket keeps up: a request of many megabytes (reference images)
 * never sits in memory a second time, encrypted. */
static int send_plain(gf__conn *c, const char *p, size_t n) {
  return c->tls ? gf__tls_write(c->tls, p, n) : gf__wire_send(&c->wire, p, n);
}

static int pump(gf__conn *c) {
  while (c->wn && c->wire.in_flight < GF__WRITE_HIGH) {
    size_t k = c->wn < GF__WRITE_STEP ? c->wn : GF__WRITE_STEP;
    int rc = send_plain(c, c->wp, k);
    c->wp += k;
    c->wn -= k;
    if (rc)
      return rc;
  }
  if (!c->wn)
    c->wp = NULL;
  return 0;
}

int gf__conn_write(gf__conn *c, const char *p, size_t n) {
  if (c->state != ST_OPEN || c->closing || c->wn)
    return GF_EINVAL;
  return send_plain(c, p, n);
}

int gf__conn_write_ref(gf__conn *c, const char *p, size_t n) {
  if (c->state != ST_OPEN || c->closing || c->wn)
    return GF_EINVAL;
  c->wp = p;
  c->wn = n;
  return pump(c);
}

int gf__conn_sending(const gf__conn *c) {
  return c->wn > 0 || c->wire.in_flight > 0;
}

size_t gf__conn_buffered(const gf__conn *c) { return c->wire.in_flight; }
