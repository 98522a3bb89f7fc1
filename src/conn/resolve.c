/* The resolver: one c-ares channel per resolve, its sockets and timeouts
 * on the caller's loop (c-ares's sock_state_cb, ares_process_fd and
 * ares_timeout).
 *
 * The answer is never handed over from inside c-ares (it may come from
 * inside ares_getaddrinfo itself, for /etc/hosts): it is kept, and the
 * timer, armed for 0 ms, delivers it; the channel is destroyed after that,
 * from the loop and never under a c-ares callback. Handles are counted:
 * the resolver is freed when the timer and every poll handle have closed. */
#include "conn/resolve.h"

#include <ares.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/queue.h"
#include "gemflow.h"

/* One socket of c-ares's, watched. The handle comes first: on_closed
 * frees the whole entry. */
typedef struct gf__rpoll {
  uv_poll_t poll;
  ares_socket_t fd;
  gf__queue node; /* in r->polls while open */
} gf__rpoll;

struct gf__resolve {
  uv_loop_t *loop;
  ares_channel ch;
  int has_ch;
  uv_timer_t timer;  /* c-ares's next timeout, or the answer's delivery */
  gf__queue polls;
  gf__resolve_cb cb;
  void *ud;
  int port;
  int answered;      /* status, addrs and n hold the answer */
  int status;
  struct sockaddr_storage *addrs;
  size_t n;
  int ttl_s;         /* the answer's smallest TTL, -1: none given */
  int done;          /* the callback ran, or was canceled */
  int handles;       /* open: the timer and the polls */
};

static uv_once_t lib_once = UV_ONCE_INIT;
static int lib_rc;

static void lib_init(void) { lib_rc = ares_library_init(ARES_LIB_INIT_ALL); }

/* ---- teardown ----------------------------------------------------------- */

static void on_closed(uv_handle_t *h) {
  gf__resolve *r = h->data;
  if (h != (uv_handle_t *)&r->timer)
    free(h); /* a gf__rpoll, its handle first */
  if (--r->handles > 0)
    return;
  free(r->addrs);
  free(r);
}

static void close_poll(gf__rpoll *p) {
  gf__queue_remove(&p->node);
  uv_close((uv_handle_t *)&p->poll, on_closed);
}

/* No callback after this; the channel goes (its sockets close, a query
 * still running is called back with ARES_EDESTRUCTION and ignored), the
 * handles close and the last one frees r. */
static void teardown(gf__resolve *r) {
  r->done = 1;
  if (r->has_ch) {
    r->has_ch = 0;
    ares_destroy(r->ch);
  }
  gf__queue *q;
  while ((q = gf__queue_head(&r->polls)) != NULL)
    close_poll(GF__QUEUE_DATA(q, gf__rpoll, node));
  uv_close((uv_handle_t *)&r->timer, on_closed);
}

void gf__resolve_cancel(gf__resolve *r) {
  if (r && !r->done)
    teardown(r);
}

/* ---- the loop's side ---------------------------------------------------- */

static void on_timer(uv_timer_t *t);

/* The timer for c-ares's next timeout, if it has one. */
static void rearm(gf__resolve *r) {
  if (r->answered || !r->has_ch)
    return;
  struct timeval tv;
  if (!ares_timeout(r->ch, NULL, &tv)) {
    uv_timer_stop(&r->timer);
    return;
  }
  uint64_t ms = (uint64_t)tv.tv_sec * 1000 + ((uint64_t)tv.tv_usec + 999) / 1000;
  uv_timer_start(&r->timer, on_timer, ms, 0);
}

static void deliver(gf__resolve *r) {
  r->done = 1;
  r->cb(r->ud, r->status, r->n ? r->addrs : NULL, r->n, r->ttl_s);
  teardown(r);
}

static void on_timer(uv_timer_t *t) {
  gf__resolve *r = t->data;
  if (r->done)
    return;
  if (r->answered) {
    deliver(r);
    return;
  }
  ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  rearm(r);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  gf__rpoll *p = (gf__rpoll *)h;
  gf__resolve *r = h->data;
  if (r->done)
    return;
  /* on an error c-ares finds it out by reading and writing */
  ares_socket_t rfd = status < 0 || (events & UV_READABLE) ? p->fd : ARES_SOCKET_BAD;
  ares_socket_t wfd = status < 0 || (events & UV_WRITABLE) ? p->fd : ARES_SOCKET_BAD;
  ares_process_fd(r->ch, rfd, wfd);
  rearm(r);
}

/* c-ares opens, watches and closes a socket. */
static void on_sock_state(void *data, ares_socket_t fd, int readable,
                          int writable) {
  gf__resolve *r = data;
  gf__rpoll *p = NULL;
  gf__queue *q;
  GF__QUEUE_FOREACH(q, &r->polls) {
    gf__rpoll *e = GF__QUEUE_DATA(q, gf__rpoll, node);
    if (e->fd == fd) {
      p = e;
      break;
    }
  }
  if (!readable && !writable) {
    if (p)
      close_poll(p); /* before c-ares closes the descriptor */
    return;
  }
  if (!p) {
    /* a socket that cannot be watched: the query times out (c-ares's
     * timeouts, on the timer) */
    p = calloc(1, sizeof *p);
    if (!p)
      return;
    if (uv_poll_init_socket(r->loop, &p->poll, fd) != 0) {
      free(p);
      return;
    }
    p->poll.data = r;
    p->fd = fd;
    gf__queue_insert_tail(&r->polls, &p->node);
    r->handles++;
  }
  uv_poll_start(&p->poll, (readable ? UV_READABLE : 0) |
                              (writable ? UV_WRITABLE : 0), on_poll);
}

/* ---- the answer --------------------------------------------------------- */

/* Keeps the answer (IPv6 first, then IPv4) and has the timer deliver it. */
static void answer(gf__resolve *r, int status) {
  r->answered = 1;
  r->status = status;
  if (status)
    r->n = 0;
  uv_timer_start(&r->timer, on_timer, 0, 0);
}

static void take(gf__resolve *r, const struct ares_addrinfo *res) {
  size_t n = 0;
  for (const struct ares_addrinfo_node *a = res ? res->nodes : NULL; a;
       a = a->ai_next)
    n += a->ai_family == AF_INET6 || a->ai_family == AF_INET;
  if (n == 0) {
    answer(r, GF_EDNS);
    return;
  }
  r->addrs = calloc(n, sizeof *r->addrs);
  if (!r->addrs) {
    answer(r, GF_ENOMEM);
    return;
  }
  static const int fams[2] = {AF_INET6, AF_INET};
  for (int f = 0; f < 2; f++)
    for (const struct ares_addrinfo_node *a = res->nodes; a; a = a->ai_next) {
      if (a->ai_family != fams[f])
        continue;
      /* /etc/hosts answers carry no TTL (0): only DNS's count */
      if (a->ai_ttl > 0 && (r->ttl_s < 0 || a->ai_ttl < r->ttl_s))
        r->ttl_s = a->ai_ttl;
      struct sockaddr_storage *s = &r->addrs[r->n++];
      if (f == 0) {
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)s;
        memcpy(v6, a->ai_addr, sizeof *v6);
        v6->sin6_port = htons((uint16_t)r->port);
      } else {
        struct sockaddr_in *v4 = (struct sockaddr_in *)s;
        memcpy(v4, a->ai_addr, sizeof *v4);
        v4->sin_port = htons((uint16_t)r->port);
      }
    }
  answer(r, 0);
}

static void on_answer(void *arg, int status, int timeouts,
                      struct ares_addrinfo *res) {
  gf__resolve *r = arg;
  if (!r->done && !r->answered) {
    if (status == ARES_SUCCESS)
      take(r, res);
    else
      answer(r, status == ARES_ENOMEM ? GF_ENOMEM : GF_EDNS);
  }
  if (res)
    ares_freeaddrinfo(res);
}

/* An IPv4 or IPv6 literal: the answer, without a lookup. */
static int literal(gf__resolve *r, const char *host) {
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  if (strchr(host, ':')
          ? uv_ip6_addr(host, r->port, (struct sockaddr_in6 *)&ss) != 0
          : uv_ip4_addr(host, r->port, (struct sockaddr_in *)&ss) != 0)
    return 0;
  r->addrs = malloc(sizeof *r->addrs);
  if (!r->addrs) {
    answer(r, GF_ENOMEM);
    return 1;
  }
  r->addrs[0] = ss;
  r->n = 1;
  answer(r, 0);
  return 1;
}

/* ---- start -------------------------------------------------------------- */

int gf__resolve_start_servers(gf__resolve **out, uv_loop_t *loop,
                              const char *host, int port, gf__resolve_cb cb,
                              void *ud, const char *servers) {
  if (!host || !*host || port < 0 || port > 65535)
    return GF_EDNS;
  uv_once(&lib_once, lib_init);
  if (lib_rc != ARES_SUCCESS)
    return GF_EDNS;
  gf__resolve *r = calloc(1, sizeof *r);
  if (!r)
    return GF_ENOMEM;
  r->loop = loop;
  r->cb = cb;
  r->ud = ud;
  r->port = port;
  r->ttl_s = -1;
  gf__queue_init(&r->polls);
  uv_timer_init(loop, &r->timer);
  r->timer.data = r;
  r->handles = 1;
  if (literal(r, host)) {
    *out = r;
    return 0;
  }
  struct ares_options opts;
  memset(&opts, 0, sizeof opts);
  opts.sock_state_cb = on_sock_state;
  opts.sock_state_cb_data = r;
  int rc = ares_init_options(&r->ch, &opts, ARES_OPT_SOCK_STATE_CB);
  if (rc == ARES_SUCCESS) {
    r->has_ch = 1;
    if (servers)
      rc = ares_set_servers_ports_csv(r->ch, servers);
  }
  if (rc != ARES_SUCCESS) {
    teardown(r); /* frees r from the loop */
    return rc == ARES_ENOMEM ? GF_ENOMEM : GF_EDNS;
  }
  struct ares_addrinfo_hints hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = ARES_AI_NOSORT;
  ares_getaddrinfo(r->ch, host, NULL, &hints, on_answer, r);
  rearm(r); /* unless answered already (/etc/hosts) */
  *out = r;
  return 0;
}

int gf__resolve_start(gf__resolve **out, uv_loop_t *loop, const char *host,
                      int port, gf__resolve_cb cb, void *ud) {
  return gf__resolve_start_servers(out, loop, host, port, cb, ud, NULL);
}
