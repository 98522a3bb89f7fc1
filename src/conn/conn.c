/* A client connection on libuv: resolve, connect, TLS, read and write.
 *
 * Handles are counted: the conn is freed only when the resolver request,
 * every TCP handle it opened and the timer have all called back, so a close
 * at any stage is safe. */
#include "conn/conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "gemflow.h"

enum { ST_RESOLVING, ST_CONNECTING, ST_HANDSHAKE, ST_OPEN, ST_ENDED };

#define GF__KEEPALIVE_S 30 /* idle seconds before the first TCP probe */

struct gf__conn {
  uv_loop_t *loop;
  const gf__url *url;
  gf__tls_config *tls_cfg;
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
  int resolving; /* the resolver request has not called back yet */
  uv_getaddrinfo_t gai;
  struct addrinfo *ai_list, *ai_next;
  uv_tcp_t *tcp;
  uv_connect_t creq;
  uv_timer_t timer;
  gf__tls *tls;
  gf__buf out;
  char peer[64];
  char msg[400];
};

typedef struct wreq {
  uv_write_t req;
  gf__conn *c;
  char *data;
} wreq;

static void start_resolve(gf__conn *c);
static void try_next_address(gf__conn *c);
static void end(gf__conn *c, int err, const char *msg);
static void release(gf__conn *c);

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
  gf__buf_init(&c->out, 0);
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
  if (c->resolving)
    uv_cancel((uv_req_t *)&c->gai); /* its callback still comes */
  c->closing = 1;
  c->state = ST_ENDED;
  release(c);
}

const char *gf__conn_peer(const gf__conn *c) { return c->peer; }

const char *gf__conn_tls_suite(const gf__conn *c) {
  return c->tls ? gf__tls_suite(c->tls) : NULL;
}

/* ---- teardown ----------------------------------------------------------- */

/* Drops one reference; the last one frees the conn and reports on_closed. */
static void unref(gf__conn *c) {
  if (--c->pending > 0)
    return;
  if (c->ai_list)
    uv_freeaddrinfo(c->ai_list);
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
    free(h);
  unref(c);
}

static void close_tcp(gf__conn *c) {
  if (c->tcp) {
    uv_close((uv_handle_t *)c->tcp, on_handle_closed);
    c->tcp = NULL;
  }
}

/* Starts closing what can be closed now; the resolver, if still running,
 * drops its reference from its own callback. */
static void release(gf__conn *c) {
  close_tcp(c);
  c->pending++;
  uv_close((uv_handle_t *)&c->timer, on_handle_closed);
  unref(c); /* the reference taken at open */
}

static void end(gf__conn *c, int err, const char *msg) {
  if (c->state == ST_ENDED || c->closing)
    return;
  c->state = ST_ENDED;
  uv_timer_stop(&c->timer);
  if (c->tcp)
    uv_read_stop((uv_stream_t *)c->tcp);
  c->cbs.on_end(c->ud, err, msg);
}

/* ---- timers ------------------------------------------------------------- */

static void drop_address(gf__conn *c);

static void on_timeout(uv_timer_t *t) {
  gf__conn *c = t->data;
  if (c->timer_is_deadline) {
    snprintf(c->msg, sizeof c->msg, "the attempt took longer than the "
             "%.0f s timeout", (double)c->total_timeout_ms / 1000);
    end(c, GF_ETIMEDOUT, c->msg);
  } else if (c->state == ST_OPEN) {
    end(c, GF_ETIMEDOUT, "no data from the server within the idle timeout");
  } else if ((c->state == ST_CONNECTING || c->state == ST_HANDSHAKE) &&
             c->ai_next) {
    /* the timeout is per address: this one is given up, the next tried */
    snprintf(c->msg, sizeof c->msg, "connect to %s timed out", c->peer);
    drop_address(c);
    try_next_address(c);
  } else {
    end(c, GF_ETIMEDOUT, c->state == ST_CONNECTING || c->state == ST_HANDSHAKE
                             ? "connect timeout" : "name resolution timeout");
  }
}

/* The stage's timeout, or what is left of the whole attempt's if that
 * comes first. */
static void arm_timer(gf__conn *c, uint64_t ms) {
  c->timer_is_deadline = 0;
  if (c->deadline) {
    uint64_t now = uv_now(c->loop);
    uint64_t left = c->deadline > now ? c->deadline - now : 1;
    if (!ms || left <= ms) {
      ms = left;
      c->timer_is_deadline = 1;
    }
  }
  if (ms)
    uv_timer_start(&c->timer, on_timeout, ms, 0);
  else
    uv_timer_stop(&c->timer);
}

/* ---- resolve and connect ------------------------------------------------ */

static void on_resolved(uv_getaddrinfo_t *req, int status,
                        struct addrinfo *res) {
  gf__conn *c = req->data;
  c->ai_list = res;
  c->resolving = 0;
  int closing = c->closing;
  unref(c); /* the reference this request held; frees c when closing */
  if (closing || c->state != ST_RESOLVING)
    return; /* closed, or timed out meanwhile */
  if (status < 0 || !res) {
    snprintf(c->msg, sizeof c->msg, "cannot resolve %s: %s", c->url->host,
             uv_strerror(status));
    end(c, GF_EDNS, c->msg);
    return;
  }
  c->ai_next = res;
  c->state = ST_CONNECTING;
  try_next_address(c);
}

static void start_resolve(gf__conn *c) {
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  if (c->url->host_is_ip)
    hints.ai_flags = AI_NUMERICHOST;
  char port[8];
  snprintf(port, sizeof port, "%d", c->url->port);
  c->gai.data = c;
  c->state = ST_RESOLVING;
  arm_timer(c, c->connect_timeout_ms);
  c->pending++;
  c->resolving = 1;
  int rc = uv_getaddrinfo(c->loop, &c->gai, on_resolved, c->url->host, port,
                          &hints);
  if (rc < 0) {
    c->pending--;
    c->resolving = 0;
    snprintf(c->msg, sizeof c->msg, "cannot resolve %s: %s", c->url->host,
             uv_strerror(rc));
    end(c, GF_EDNS, c->msg);
  }
}

static void describe_peer(gf__conn *c, const struct sockaddr *sa) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (sa->sa_family == AF_INET6) {
    uv_ip6_name((const struct sockaddr_in6 *)sa, ip, sizeof ip);
    snprintf(c->peer, sizeof c->peer, "[%s]:%d", ip, c->url->port);
  } else {
    uv_ip4_name((const struct sockaddr_in *)sa, ip, sizeof ip);
    snprintf(c->peer, sizeof c->peer, "%s:%d", ip, c->url->port);
  }
}

static void on_tcp_connected(uv_connect_t *req, int status);

static void try_next_address(gf__conn *c) {
  if (!c->ai_next) {
    end(c, GF_ECONNECT, c->msg[0] ? c->msg : "no address to connect to");
    return;
  }
  struct addrinfo *ai = c->ai_next;
  c->ai_next = ai->ai_next;
  describe_peer(c, ai->ai_addr);
  c->tcp = malloc(sizeof *c->tcp);
  if (!c->tcp) {
    end(c, GF_ENOMEM, NULL);
    return;
  }
  uv_tcp_init(c->loop, c->tcp);
  c->tcp->data = c;
  c->pending++;
  uv_tcp_nodelay(c->tcp, 1);
  /* the service may be silent for minutes: probes find a dead peer */
  uv_tcp_keepalive(c->tcp, 1, GF__KEEPALIVE_S);
  arm_timer(c, c->connect_timeout_ms);
  c->creq.data = c;
  int rc = uv_tcp_connect(&c->creq, c->tcp, ai->ai_addr, on_tcp_connected);
  if (rc < 0) {
    snprintf(c->msg, sizeof c->msg, "connect to %s: %s", c->peer,
             uv_strerror(rc));
    close_tcp(c);
    try_next_address(c);
  }
}

/* Gives up the address being tried: its socket and its TLS session. */
static void drop_address(gf__conn *c) {
  close_tcp(c);
  if (c->tls) {
    gf__tls_free(c->tls);
    c->tls = NULL;
  }
  gf__buf_reset(&c->out);
  c->state = ST_CONNECTING;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf);
static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static int start_tls(gf__conn *c);

static void on_tcp_connected(uv_connect_t *req, int status) {
  gf__conn *c = req->data;
  if (c->closing || c->state != ST_CONNECTING)
    return;
  if (status < 0) {
    snprintf(c->msg, sizeof c->msg, "connect to %s: %s", c->peer,
             uv_strerror(status));
    close_tcp(c);
    try_next_address(c);
    return;
  }
  uv_read_start((uv_stream_t *)c->tcp, on_alloc, on_read);
  if (!c->url->tls) {
    c->state = ST_OPEN;
    arm_timer(c, c->idle_timeout_ms);
    c->cbs.on_connected(c->ud);
    return;
  }
  c->state = ST_HANDSHAKE;
  int rc = start_tls(c);
  if (rc)
    end(c, rc, c->tls ? gf__tls_errmsg(c->tls) : NULL);
}

/* ---- TLS glue ----------------------------------------------------------- */

static int flush(gf__conn *c);

static int tls_cipher(void *ud, const char *p, size_t n) {
  gf__conn *c = ud;
  return gf__buf_append(&c->out, p, n);
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
  c->state = ST_OPEN;
  arm_timer(c, c->idle_timeout_ms);
  c->cbs.on_connected(c->ud);
}

static int start_tls(gf__conn *c) {
  static const gf__tls_cbs cbs = {tls_cipher, tls_plain, tls_handshake};
  int rc = gf__tls_new(&c->tls, c->tls_cfg, c->url->host, &cbs, c);
  if (rc)
    return rc;
  rc = gf__tls_start(c->tls);
  if (rc == 0)
    rc = flush(c);
  return rc;
}

/* ---- reading ------------------------------------------------------------ */

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

static void on_read_error(gf__conn *c, ssize_t nread) {
  if (nread == UV_EOF) {
    int err = eof_status(c);
    end(c, err, err == GF_ETLS ? "connection closed during the TLS handshake"
                : err         ? "connection closed without TLS close_notify"
                              : NULL);
  } else if (nread == UV_ECONNRESET || nread == UV_EPIPE) {
    end(c, GF_ERESET, NULL);
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
  if (c->state == ST_OPEN)
    arm_timer(c, c->idle_timeout_ms);
  if (!c->tls) {
    if (c->cbs.on_data(c->ud, buf->base, (size_t)nread))
      uv_read_stop(s);
    return;
  }
  int rc = gf__tls_feed(c->tls, buf->base, (size_t)nread);
  if (rc == 0)
    rc = flush(c);
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

static void on_written(uv_write_t *req, int status) {
  wreq *w = (wreq *)req;
  gf__conn *c = w->c;
  free(w->data);
  free(w);
  if (status < 0 && status != UV_ECANCELED && !c->closing)
    end(c, status == UV_EPIPE || status == UV_ECONNRESET ? GF_ERESET
                                                          : GF_ECONNECT,
        uv_strerror(status));
}

static int flush(gf__conn *c) {
  if (c->out.len == 0 || !c->tcp)
    return 0;
  wreq *w = malloc(sizeof *w);
  if (!w)
    return GF_ENOMEM;
  size_t n;
  w->c = c;
  w->data = gf__buf_steal(&c->out, &n);
  uv_buf_t b = uv_buf_init(w->data, (unsigned)n);
  int rc = uv_write(&w->req, (uv_stream_t *)c->tcp, &b, 1, on_written);
  if (rc < 0) {
    free(w->data);
    free(w);
    return GF_ERESET;
  }
  return 0;
}

int gf__conn_write(gf__conn *c, const char *p, size_t n) {
  if (c->state != ST_OPEN || c->closing)
    return GF_EINVAL;
  int rc = c->tls ? gf__tls_write(c->tls, p, n) : gf__buf_append(&c->out, p, n);
  return rc ? rc : flush(c);
}
