/* Connections: accept, read into the request parser, hand whole requests
 * to the routes, write answers, close. */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/queue.h"
#include "gemflow.h"

/* A callback's stop value for the parser: the request was answered (an
 * error) and the connection is closing. */
#define GAL_STOP 1

typedef enum gal_phase {
  GAL_IDLE,      /* between requests */
  GAL_READING,   /* a request under way */
  GAL_ANSWERING, /* its answer under way (an event stream stays here) */
} gal_phase;

struct gal_server {
  uv_loop_t *loop;
  uv_tcp_t listener;
  gal_routes routes;
  void *ud;
  gf__queue conns;
  int nconns, port, stopping, listener_open;
  size_t body_bytes; /* request bodies held, all connections */
};

struct gal_conn {
  gf__queue node;
  gal_server *srv;
  uv_tcp_t tcp;
  uv_timer_t timer;
  int handles; /* open libuv handles: freed at 0 */
  gf__http_req *parser;
  gal_phase phase;
  /* the request being read */
  const char *method; /* llhttp's static name */
  char *host, *origin, *ctype;
  int64_t content_length; /* -1: not given */
  size_t body_max;
  gf__buf target, body;
  int skip; /* pipelined behind an open answer: ignored */
  /* the answer */
  int keep_alive, close_after, closing, shut, lingering;
  int streaming;
  gal_conn_hooks hooks;
};

typedef struct gal_write {
  uv_write_t req;
  gal_conn *c;
  char *head; /* ours */
  void (*release)(void *arg);
  void *arg;
} gal_write;

static void on_connection(uv_stream_t *l, int status);
static void conn_close(gal_conn *c);
static void answer_done(gal_conn *c);
static const gf__http_req_cbs req_cbs;

/* ---- server ---- */

int gal_server_start(gal_server **out, uv_loop_t *loop, const char *host,
                     int port, const gal_routes *routes, void *ud,
                     const char **err) {
  *out = NULL;
  struct sockaddr_storage sa;
  int rc = strchr(host, ':')
               ? uv_ip6_addr(host, port, (struct sockaddr_in6 *)&sa)
               : uv_ip4_addr(host, port, (struct sockaddr_in *)&sa);
  if (rc)
    return *err = "the listen address is not an IP address", rc;
  gal_server *s = calloc(1, sizeof *s);
  if (!s)
    return *err = "out of memory", UV_ENOMEM;
  s->loop = loop;
  s->routes = *routes;
  s->ud = ud;
  gf__queue_init(&s->conns);
  uv_tcp_init(loop, &s->listener);
  s->listener.data = s;
  s->listener_open = 1;
  if ((rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&sa, 0)) ||
      (rc = uv_listen((uv_stream_t *)&s->listener, 128, on_connection))) {
    *err = "cannot listen there";
    gal_server_stop(s);
    return rc;
  }
  struct sockaddr_storage name;
  int len = sizeof name;
  uv_tcp_getsockname(&s->listener, (struct sockaddr *)&name, &len);
  s->port = ntohs(name.ss_family == AF_INET6
                      ? ((struct sockaddr_in6 *)&name)->sin6_port
                      : ((struct sockaddr_in *)&name)->sin_port);
  *out = s;
  return 0;
}

int gal_server_port(const gal_server *s) { return s->port; }

static void server_maybe_free(gal_server *s) {
  if (s->stopping && !s->listener_open && s->nconns == 0)
    free(s);
}

static void listener_closed(uv_handle_t *h) {
  gal_server *s = h->data;
  s->listener_open = 0;
  server_maybe_free(s);
}

void gal_server_stop(gal_server *s) {
  if (!s || s->stopping)
    return;
  s->stopping = 1;
  uv_close((uv_handle_t *)&s->listener, listener_closed);
  gf__queue *q;
  while ((q = gf__queue_head(&s->conns)))
    conn_close(GF__QUEUE_DATA(q, gal_conn, node));
}

/* ---- connection lifetime ---- */

static void request_reset(gal_conn *c) {
  c->srv->body_bytes -= c->body.len;
  free(c->host);
  free(c->origin);
  free(c->ctype);
  c->host = c->origin = c->ctype = NULL;
  c->content_length = -1;
  c->body_max = 0;
  gf__buf_free(&c->target);
  gf__buf_free(&c->body);
  gf__buf_init(&c->target, GF_HTTP_MAX_HEADER);
  gf__buf_init(&c->body, 0);
  c->skip = 0;
}

static void handle_closed(uv_handle_t *h) {
  gal_conn *c = h->data;
  if (--c->handles)
    return;
  gal_server *s = c->srv;
  request_reset(c);
  gf__buf_free(&c->target);
  gf__buf_free(&c->body);
  gf__http_req_free(c->parser);
  free(c);
  s->nconns--;
  server_maybe_free(s);
}

static void conn_close(gal_conn *c) {
  if (c->closing)
    return;
  c->closing = 1;
  gf__queue_remove(&c->node);
  if (c->streaming && c->hooks.on_close) {
    c->streaming = 0;
    c->hooks.on_close(c, c->hooks.ud);
  }
  uv_close((uv_handle_t *)&c->tcp, handle_closed);
  uv_close((uv_handle_t *)&c->timer, handle_closed);
}

static void on_timer(uv_timer_t *t) {
  gal_conn *c = t->data;
  /* an event stream is never timed out: the service may think for minutes */
  if (!c->streaming)
    conn_close(c);
}

static void arm(gal_conn *c, uint64_t ms) {
  if (!c->closing)
    uv_timer_start(&c->timer, on_timer, ms, 0);
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  /* One buffer for all: the loop has one thread and every read is
   * consumed (parsed, copied) before the next one. */
  static char mem[64 * 1024];
  buf->base = mem;
  buf->len = sizeof mem;
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf);

static void on_connection(uv_stream_t *l, int status) {
  gal_server *s = l->data;
  if (status < 0 || s->stopping)
    return;
  gal_conn *c = calloc(1, sizeof *c);
  if (!c)
    return;
  c->srv = s;
  c->parser = gf__http_req_new(&req_cbs, c);
  uv_tcp_init(s->loop, &c->tcp);
  uv_timer_init(s->loop, &c->timer);
  c->tcp.data = c->timer.data = c;
  c->handles = 2;
  gf__buf_init(&c->target, GF_HTTP_MAX_HEADER);
  gf__buf_init(&c->body, 0);
  c->content_length = -1;
  gf__queue_insert_tail(&s->conns, &c->node);
  s->nconns++;
  if (uv_accept(l, (uv_stream_t *)&c->tcp) || !c->parser ||
      s->nconns > GAL_MAX_CONNS) {
    conn_close(c); /* taken off the backlog all the same */
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, on_read);
  arm(c, GAL_HEAD_TIMEOUT_MS);
}

/* After the last answer of a connection: FIN once every write is out (a
 * shutdown waits for them), then read and drop what the client still sends
 * for a moment, so that a client still sending a body it was refused gets
 * our answer rather than a reset. */
static void on_shutdown(uv_shutdown_t *req, int status) {
  gal_conn *c = req->data;
  free(req);
  if (status < 0 || c->closing) {
    conn_close(c);
    return;
  }
  c->lingering = 1;
  arm(c, GAL_LINGER_MS);
}

static void begin_close(gal_conn *c) {
  if (c->shut || c->closing)
    return;
  c->shut = 1;
  uv_shutdown_t *req = malloc(sizeof *req);
  if (!req) {
    conn_close(c);
    return;
  }
  req->data = c;
  if (uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown)) {
    free(req);
    conn_close(c);
  }
}

/* ---- reading ---- */

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  gal_conn *c = st->data;
  if (n < 0) {
    conn_close(c);
    return;
  }
  if (n == 0 || c->lingering || c->shut)
    return;
  if (c->phase == GAL_IDLE) {
    c->phase = GAL_READING;
    arm(c, GAL_HEAD_TIMEOUT_MS);
  }
  int rc = gf__http_req_feed(c->parser, buf->base, (size_t)n);
  if (!rc || rc == GAL_STOP || c->closing || c->shut)
    return;
  if (c->phase == GAL_ANSWERING) /* no error answer inside another one */
    conn_close(c);
  else if (rc == GF_ETOOBIG)
    gal_respond_error(c, 431, "request head too large", 1);
  else if (rc)
    gal_respond_error(c, 400, "malformed request", 1);
}

static int is_header(const char *name, size_t nlen, const char *want) {
  return nlen == strlen(want) && strncasecmp(name, want, nlen) == 0;
}

static int set_str(char **dst, const char *v, size_t n) {
  free(*dst);
  *dst = strndup(v, n);
  return *dst ? 0 : GF_ENOMEM;
}

/* Content-Length as digits only; -2 when it is not a number we take. */
static int64_t parse_length(const char *v, size_t n) {
  if (n == 0 || n > 15)
    return -2;
  int64_t x = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i] < '0' || v[i] > '9')
      return -2;
    x = x * 10 + (v[i] - '0');
  }
  return x;
}

static int on_header(void *ud, const char *name, size_t nlen,
                     const char *value, size_t vlen) {
  gal_conn *c = ud;
  if (is_header(name, nlen, "host"))
    return set_str(&c->host, value, vlen);
  if (is_header(name, nlen, "origin"))
    return set_str(&c->origin, value, vlen);
  if (is_header(name, nlen, "content-type"))
    return set_str(&c->ctype, value, vlen);
  if (is_header(name, nlen, "content-length"))
    c->content_length = parse_length(value, vlen);
  return 0;
}

static int on_headers_done(void *ud, const char *method, const char *target) {
  gal_conn *c = ud;
  c->method = method;
  if (c->phase == GAL_ANSWERING) {
    /* pipelined behind an open event stream: not answered */
    c->skip = 1;
    c->close_after = 1;
    return 0;
  }
  c->phase = GAL_READING;
  if (gf__buf_append(&c->target, target, strlen(target)))
    return gal_respond_error(c, 414, "target too long", 1), GAL_STOP;
  char *q = strchr(c->target.data, '?');
  size_t limit = c->srv->routes.body_limit(
      method, q ? (*q = '\0', c->target.data) : c->target.data, c->srv->ud);
  if (q)
    *q = '?'; /* split again when the request is whole */
  if (c->content_length > (int64_t)limit || c->content_length == -2)
    return gal_respond_error(c, 413, "request body too large", 1), GAL_STOP;
  c->body_max = limit;
  return 0;
}

static int on_body(void *ud, const char *p, size_t n) {
  gal_conn *c = ud;
  if (c->skip)
    return 0;
  if (n > c->body_max - c->body.len || gf__buf_append(&c->body, p, n))
    return gal_respond_error(c, 413, "request body too large", 1), GAL_STOP;
  c->srv->body_bytes += n;
  /* many uploads at once: each within its limit, all within the budget */
  if (c->srv->body_bytes > GAL_BODY_BUDGET)
    return gal_respond_error(c, 503, "too many uploads at once", 1), GAL_STOP;
  return 0;
}

static int on_complete(void *ud) {
  gal_conn *c = ud;
  if (c->skip) {
    c->skip = 0;
    return 0;
  }
  uv_timer_stop(&c->timer);
  c->phase = GAL_ANSWERING;
  c->keep_alive = gf__http_req_keep_alive(c->parser);
  char *q = strchr(c->target.data, '?');
  if (q)
    *q++ = '\0';
  gal_req r = {.method = c->method, .path = c->target.data,
               .query = q ? q : ""};
  r.host = c->host;
  r.origin = c->origin;
  r.content_type = c->ctype;
  r.body = c->body.len ? c->body.data : NULL;
  r.body_len = c->body.len;
  c->srv->routes.handle(c, &r, c->srv->ud);
  request_reset(c);
  return c->closing || c->shut ? GAL_STOP : 0;
}

static const gf__http_req_cbs req_cbs = {
    .on_header = on_header,
    .on_headers_done = on_headers_done,
    .on_body = on_body,
    .on_complete = on_complete,
};

/* ---- writing ---- */

size_t gal_conn_queued(const gal_conn *c) {
  return uv_stream_get_write_queue_size((const uv_stream_t *)&c->tcp);
}

static void on_written(uv_write_t *req, int status) {
  gal_write *w = req->data;
  gal_conn *c = w->c;
  free(w->head);
  if (w->release)
    w->release(w->arg);
  free(w);
  if (status < 0) {
    conn_close(c);
    return;
  }
  if (c->streaming && c->hooks.on_written)
    c->hooks.on_written(c, c->hooks.ud);
}

/* Writes head (taken over) and then body (the caller's, released by
 * release(arg) once written or dropped). */
static int conn_write(gal_conn *c, gf__buf *head, const void *body, size_t n,
                      void (*release)(void *), void *arg) {
  gal_write *w = c->closing || c->shut ? NULL : calloc(1, sizeof *w);
  if (!w) {
    gf__buf_free(head);
    if (release)
      release(arg);
    conn_close(c);
    return UV_ENOMEM;
  }
  size_t hn = 0;
  w->head = gf__buf_steal(head, &hn);
  w->c = c;
  w->release = release;
  w->arg = arg;
  w->req.data = w;
  uv_buf_t bufs[2] = {uv_buf_init(w->head, (unsigned)hn),
                      uv_buf_init((char *)body, (unsigned)n)};
  int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, bufs, n ? 2 : 1,
                    on_written);
  if (rc) {
    free(w->head);
    if (release)
      release(arg);
    free(w);
    conn_close(c);
  }
  return rc;
}

/* The headers every answer carries. */
static int put_head(gal_conn *c, gf__buf *out, int status, const char *ctype,
                    const gf__http_header *hdrs, size_t nhdrs, int64_t len) {
  gf__http_header h[16];
  size_t k = 0;
  if (ctype)
    h[k++] = (gf__http_header){"Content-Type", ctype};
  h[k++] = (gf__http_header){"X-Content-Type-Options", "nosniff"};
  h[k++] = (gf__http_header){"Referrer-Policy", "no-referrer"};
  if (c->close_after || !c->keep_alive)
    h[k++] = (gf__http_header){"Connection", "close"};
  for (size_t i = 0; i < nhdrs && k < sizeof h / sizeof h[0]; i++)
    h[k++] = hdrs[i];
  return gf__http_write_response_head(out, status, h, k, len);
}

int gal_respond_ref(gal_conn *c, int status, const char *ctype,
                    const gf__http_header *hdrs, size_t nhdrs,
                    const void *body, size_t n, void (*release)(void *arg),
                    void *arg) {
  gf__buf head;
  gf__buf_init(&head, 0);
  int rc = put_head(c, &head, status, ctype, hdrs, nhdrs, (int64_t)n);
  if (rc) {
    gf__buf_free(&head);
    if (release)
      release(arg);
    conn_close(c);
    return rc;
  }
  rc = conn_write(c, &head, body, n, release, arg);
  answer_done(c);
  return rc;
}

int gal_respond(gal_conn *c, int status, const char *ctype, const void *body,
                size_t n) {
  char *copy = n ? malloc(n) : NULL;
  if (n && !copy) {
    conn_close(c);
    return UV_ENOMEM;
  }
  if (n)
    memcpy(copy, body, n);
  return gal_respond_ref(c, status, ctype, NULL, 0, copy, n, free, copy);
}

int gal_respond_error(gal_conn *c, int status, const char *msg, int close) {
  if (close)
    c->close_after = 1;
  gf__buf b;
  gf__buf_init(&b, 4096);
  /* msg is ours (a literal), never the client's: no escaping needed */
  gf__buf_printf(&b, "{\"error\":\"%s\"}\n", msg);
  int rc = gal_respond(c, status, "application/json", b.data, b.len);
  gf__buf_free(&b);
  return rc;
}

static void answer_done(gal_conn *c) {
  if (c->closing)
    return;
  c->phase = GAL_IDLE;
  if (c->close_after || !c->keep_alive) {
    begin_close(c);
    return;
  }
  arm(c, GAL_IDLE_MS);
}

/* ---- event streams ---- */

int gal_stream_open(gal_conn *c, const gal_conn_hooks *hooks) {
  static const gf__http_header h[] = {{"Cache-Control", "no-store"}};
  gf__buf head;
  gf__buf_init(&head, 0);
  int rc = put_head(c, &head, 200, "text/event-stream", h, 1, -1);
  if (rc) {
    gf__buf_free(&head);
    conn_close(c);
    return rc;
  }
  if ((rc = conn_write(c, &head, NULL, 0, NULL, NULL)))
    return rc;
  c->streaming = 1;
  c->hooks = *hooks;
  return 0;
}

int gal_stream_send(gal_conn *c, const char *p, size_t n) {
  if (!c->streaming || n == 0)
    return c->streaming ? 0 : UV_EINVAL;
  gf__buf chunk;
  gf__buf_init(&chunk, 0);
  int rc = gf__http_write_chunk(&chunk, p, n);
  if (rc) {
    gf__buf_free(&chunk);
    conn_close(c);
    return rc;
  }
  return conn_write(c, &chunk, NULL, 0, NULL, NULL);
}

void gal_stream_end(gal_conn *c) {
  if (!c->streaming)
    return;
  c->streaming = 0;
  gf__buf last;
  gf__buf_init(&last, 0);
  if (gf__http_write_chunk(&last, NULL, 0)) {
    gf__buf_free(&last);
    conn_close(c);
    return;
  }
  if (conn_write(c, &last, NULL, 0, NULL, NULL) == 0)
    answer_done(c);
}
