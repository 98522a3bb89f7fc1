/* One client connection: TCP (libuv), TLS (the sans-IO engine) unless
 * plain, the HTTP request parser, and the response being streamed.
 *
 * Reads feed TLS, whose plaintext feeds the HTTP parser; a finished request
 * becomes a job. Its bytes are produced a piece at a time only while fewer
 * than GF_SIM_HIGH_WATER bytes wait in user space for the socket, and
 * production resumes from the write callbacks (or, when the kernel took
 * everything, from a zero timer after GF_SIM_PUMP_BUDGET bytes, so that one
 * fast client cannot hold the loop): a 40 MB answer never sits in memory
 * per connection. Chunks (of any size, 1 byte included) are gathered into
 * batches of about 64 KiB: one TLS write and one uv_write per batch.
 *
 * A body with a Content-Length (body:length) has no chunks; its head waits
 * until the images are made, since their size is part of it. A body ended
 * by the close (body:close) has neither: after its last byte come
 * close_notify and the FIN, as at the end of any response that does not
 * keep the connection. In both, the chunk size becomes the TLS record
 * size: each record carries that many body bytes at most.
 *
 * The faults the connection carries out: a reset, an EOF without
 * close_notify, or close_notify and the FIN, where the plan says (or,
 * [[at:head]] and [[at:headers]], before a byte of the head or after part
 * of it); and a stall, after which nothing is sent until the client
 * leaves. */
#include <json-c/json.h>
#include <linux/sockios.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>

#include "gemflow.h"
#include "http/http.h"
#include "conn/wire.h"
#include "sim/accept.h"
#include "sim/chunker.h"
#include "sim/server_int.h"

#define GF_SIM_HIGH_WATER (256 * 1024)
#define GF_SIM_LOW_WATER (128 * 1024)
#define GF_SIM_PUMP_BUDGET (1024 * 1024)
#define GF_SIM_BATCH (64 * 1024)
#define GF_SIM_LINGER_MS 2000
#define GF_SIM_RESET_POLL_MS 5
#define GF_SIM_RESET_POLLS 400
#define GF_SIM_MAX_QUEUED 16
#define GF_SIM_ACCEPT_MAX 4096

typedef enum gf__tx {
  TX_IDLE,  /* no job under way */
  TX_HEAD,  /* the head waits for an image (body:length) */
  TX_RUN,   /* producing */
  TX_PAUSE, /* the timer runs */
  TX_WAIT,  /* for an image */
  TX_DRAIN, /* all produced: waiting for the writes, then end_kind */
  TX_STALL, /* [[fault:stall]]: nothing more, until the client goes */
} gf__tx;

typedef enum gf__phase {
  PH_OPEN,
  PH_LINGER, /* shut down; waiting for the peer's EOF (or the timer) */
  PH_RESET,  /* waiting for the kernel to send what it has, then RST */
  PH_CLOSED, /* handles closing */
} gf__phase;

typedef struct gf__sim_rxs {
  char method[16];
  gf__buf target, key;
  gf__buf accept; /* Accept-Encoding, several headers joined with ", " */
  json_tokener *tok;
  json_object *root;
  int bad, too_big, started;
  uint64_t body;
} gf__sim_rxs;

struct gf__sim_conn {
  gf__sim *sim;
  gf__queue node; /* in sim->conns */
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_shutdown_t shut;
  int nhandles;
  gf__phase phase;
  gf__tls *tls;
  gf__http_req *http;
  gf__buf cipher; /* ciphertext gathered for one write */
  gf__wire out;   /* to the socket (conn/wire.h) */
  int reading, rx_dead;
  gf__sim_rxs rx;
  gf__sim_job *job;           /* being answered */
  gf__queue queue;            /* pipelined requests, in order */
  int nqueued;
  int keep_alive, logged;
  gf__tx tx;
  int end_kind; /* GF_SIM_END, GF_SIM_RESET, GF_SIM_EOF, GF_SIM_CLOSE */
  int reset_polls;
  int reset_sent; /* the last poll found the kernel's queue empty */
  gf__sim_chunker ch;
  size_t record; /* plaintext bytes per TLS record; 0: as large as can be */
  gf__sim_waiter waiter;
  gf__buf piece;
};

static const gf__http_req_cbs gf__sim_http_cbs;
static const gf__tls_cbs gf__sim_tls_cbs;

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf);
static void read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *buf);
static void close_cb(uv_handle_t *h);
static void timer_cb(uv_timer_t *t);
static void image_ready(gf__sim_waiter *w, gf__sim_img *img);
static int sink(void *ud, gf__buf *batch);
static int submit(gf__sim_conn *c, gf__buf *b);
static void written(void *ud, int status);
static void abort_conn(gf__sim_conn *c);
static void kick(gf__sim_conn *c);
static void pump(gf__sim_conn *c);
static void rx_reset(gf__sim_rxs *rx);
static int enqueue(gf__sim_conn *c, int keep_alive);

void gf__sim_conn_accept(gf__sim *s, uv_stream_t *server) {
  gf__sim_conn *c = calloc(1, sizeof *c);
  if (!c)
    return;
  c->sim = s;
  gf__buf_init(&c->cipher, 0);
  gf__buf_init(&c->piece, 0);
  gf__buf_init(&c->rx.target, 8192);
  gf__buf_init(&c->rx.key, 1024);
  gf__buf_init(&c->rx.accept, GF_SIM_ACCEPT_MAX);
  gf__sim_chunker_init(&c->ch, 16384, GF_SIM_BATCH, sink, c);
  gf__queue_init(&c->queue);
  gf__sim_waiter_init(&c->waiter, image_ready, c);
  uv_tcp_init(s->loop, &c->tcp);
  uv_timer_init(s->loop, &c->timer);
  c->tcp.data = c->timer.data = c;
  gf__wire_init(&c->out, written, c);
  gf__wire_attach(&c->out, (uv_stream_t *)&c->tcp);
  c->nhandles = 2;
  gf__queue_insert_tail(&s->conns, &c->node);
  if (uv_accept(server, (uv_stream_t *)&c->tcp)) {
    abort_conn(c);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  c->http = gf__http_req_new(&gf__sim_http_cbs, c);
  if (!c->http || (s->tls_cfg && gf__tls_new(&c->tls, s->tls_cfg, NULL,
                                             &gf__sim_tls_cbs, c))) {
    abort_conn(c);
    return;
  }
  if (uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) == 0)
    c->reading = 1;
  else
    abort_conn(c);
}

void gf__sim_conn_close_all(gf__sim *s) {
  gf__queue *q;
  /* abort_conn only starts the close: nothing leaves the list here */
  GF__QUEUE_FOREACH(q, &s->conns)
    abort_conn(GF__QUEUE_DATA(q, gf__sim_conn, node));
}

/* ---- closing ---- */

static void log_job(gf__sim_conn *c, int aborted) {
  if (c->job && !c->logged && c->sim->log)
    gf__sim_job_log(c->job, c->sim->log, aborted);
  c->logged = 1;
}

static void close_handles(gf__sim_conn *c) {
  if (c->phase == PH_CLOSED)
    return;
  c->phase = PH_CLOSED;
  gf__sim_img_unwait(&c->waiter);
  uv_close((uv_handle_t *)&c->timer, close_cb);
  if (!uv_is_closing((uv_handle_t *)&c->tcp))
    uv_close((uv_handle_t *)&c->tcp, close_cb);
}

/* At once: a broken connection, a client gone, or the server stopping. */
static void abort_conn(gf__sim_conn *c) {
  if (c->phase == PH_CLOSED)
    return;
  if (c->tx != TX_IDLE)
    log_job(c, 1);
  close_handles(c);
}

/* The next pipelined request, out of the queue; NULL when none waits. */
static gf__sim_job *dequeue(gf__sim_conn *c) {
  gf__queue *q = gf__queue_head(&c->queue);
  if (!q)
    return NULL;
  gf__queue_remove(q);
  c->nqueued--;
  return GF__QUEUE_DATA(q, gf__sim_job, node);
}

static void free_conn(gf__sim_conn *c) {
  gf__sim *s = c->sim;
  gf__queue_remove(&c->node);
  gf__tls_free(c->tls);
  gf__http_req_free(c->http);
  rx_reset(&c->rx);
  gf__buf_free(&c->rx.target);
  gf__buf_free(&c->rx.key);
  gf__buf_free(&c->rx.accept);
  gf__sim_job_free(c->job);
  gf__sim_job *j;
  while ((j = dequeue(c)))
    gf__sim_job_free(j);
  gf__sim_chunker_free(&c->ch);
  gf__buf_free(&c->cipher);
  gf__buf_free(&c->piece);
  free(c);
  gf__sim_server_maybe_free(s);
}

static void close_cb(uv_handle_t *h) {
  gf__sim_conn *c = h->data;
  if (--c->nhandles == 0)
    free_conn(c);
}

static void shutdown_cb(uv_shutdown_t *req, int status) {
  gf__sim_conn *c = req->data;
  if (c->phase != PH_LINGER)
    return;
  if (status) {
    close_handles(c);
    return;
  }
  /* Wait for the peer's EOF so that unread input cannot turn our close
   * into a reset; give up after a while. */
  uv_timer_start(&c->timer, timer_cb, GF_SIM_LINGER_MS, 0);
}

/* FIN after everything queued; then linger. tls_close: close_notify first
 * (a proper end), or not (the eof fault). */
static void shut_down(gf__sim_conn *c, int tls_close) {
  if (tls_close && c->tls && gf__tls_handshake_done(c->tls) &&
      !gf__tls_close(c->tls))
    submit(c, &c->cipher);
  c->phase = PH_LINGER;
  c->shut.data = c;
  if (uv_shutdown(&c->shut, (uv_stream_t *)&c->tcp, shutdown_cb)) {
    close_handles(c);
    return;
  }
  /* reading again shows the peer's EOF (discarding anything else) */
  if (!c->reading &&
      uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) == 0)
    c->reading = 1;
}

/* Linux: bytes the kernel still holds for sending (unsent or unacked). */
static int outq(gf__sim_conn *c) {
  uv_os_fd_t fd;
  int n = 0;
  if (uv_fileno((uv_handle_t *)&c->tcp, &fd) || ioctl(fd, SIOCOUTQ, &n))
    return 0;
  return n;
}

static void reset_now(gf__sim_conn *c) {
  if (c->phase == PH_CLOSED)
    return;
  c->phase = PH_CLOSED;
  gf__sim_img_unwait(&c->waiter);
  uv_close((uv_handle_t *)&c->timer, close_cb);
  if (uv_tcp_close_reset(&c->tcp, close_cb))
    uv_close((uv_handle_t *)&c->tcp, close_cb);
}

/* The response's last bytes have been handed to the kernel. */
static void drained(gf__sim_conn *c) {
  switch (c->end_kind) {
  case GF_SIM_RESET:
    /* a reset discards what the kernel has not sent yet: let it go first */
    c->phase = PH_RESET;
    c->reset_polls = 0;
    c->reset_sent = 0;
    uv_timer_start(&c->timer, timer_cb, 0, 0);
    return;
  case GF_SIM_EOF:
    shut_down(c, 0);
    return;
  case GF_SIM_CLOSE: /* a clean end where the response is not */
    shut_down(c, 1);
    return;
  default:
    break;
  }
  int again = c->keep_alive && (!gf__queue_empty(&c->queue) || !c->rx_dead);
  gf__sim_job_free(c->job);
  c->job = NULL;
  c->tx = TX_IDLE;
  if (!again) {
    shut_down(c, 1);
    return;
  }
  if ((c->job = dequeue(c)))
    c->keep_alive = c->job->keep_alive;
  if (gf__queue_empty(&c->queue) && !c->reading && c->phase == PH_OPEN &&
      uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) == 0)
    c->reading = 1;
  kick(c);
}

static void timer_cb(uv_timer_t *t) {
  gf__sim_conn *c = t->data;
  if (c->phase == PH_LINGER) {
    close_handles(c);
  } else if (c->phase == PH_RESET) {
    /* sent and acknowledged is not yet read: one more poll lets the peer
     * take the data before the RST, which would otherwise arrive in the
     * same read and hide it (as a TLS 1.3 peer's prompt ACK allows) */
    int sent = outq(c) == 0;
    if ((!sent || !c->reset_sent) && ++c->reset_polls < GF_SIM_RESET_POLLS) {
      c->reset_sent = sent;
      uv_timer_start(&c->timer, timer_cb, GF_SIM_RESET_POLL_MS, 0);
    } else {
      reset_now(c);
    }
  } else if (c->tx == TX_PAUSE || c->tx == TX_RUN) {
    c->tx = TX_RUN;
    pump(c);
  }
}

/* ---- writing ---- */

static void written(void *ud, int status) {
  gf__sim_conn *c = ud;
  if (status) {
    abort_conn(c);
    return;
  }
  if (c->phase != PH_OPEN)
    return;
  if (c->tx == TX_RUN && c->out.in_flight < GF_SIM_LOW_WATER)
    pump(c);
  else if (c->tx == TX_DRAIN && c->out.in_flight == 0)
    drained(c);
}

/* Sends b (left empty), its memory kept for the next batch when the kernel
 * takes it all (wire.h). */
static int submit(gf__sim_conn *c, gf__buf *b) {
  if (!b->len)
    return 0;
  if (c->phase == PH_CLOSED) {
    gf__buf_reset(b);
    return GF_ECONNECT;
  }
  return gf__wire_send_buf(&c->out, b, 0) ? GF_ECONNECT : 0;
}

/* The chunker's batches: encrypted, or as they are in plain mode. */
static int sink(void *ud, gf__buf *batch) {
  gf__sim_conn *c = ud;
  if (!c->tls)
    return submit(c, batch);
  size_t rec = c->record ? c->record : batch->len;
  int rc = 0;
  for (size_t off = 0; !rc && off < batch->len; off += rec)
    rc = gf__tls_write(c->tls, batch->data + off,
                       batch->len - off < rec ? batch->len - off : rec);
  gf__buf_reset(batch);
  return rc ? rc : submit(c, &c->cipher);
}

static int on_cipher(void *ud, const char *p, size_t n) {
  gf__sim_conn *c = ud;
  return gf__buf_append(&c->cipher, p, n);
}

/* ---- the response ---- */

static void finish(gf__sim_conn *c, int kind) {
  log_job(c, 0);
  c->end_kind = kind;
  c->tx = TX_DRAIN;
  if (c->out.in_flight == 0)
    drained(c);
}

/* The chunker for the job's body, and the TLS record size. */
static void body_framing(gf__sim_conn *c, const gf__sim_job *j) {
  gf__sim_chunker_free(&c->ch);
  c->record = 0;
  if (j->status != 200 || j->framing.body == GF_SIM_BODY_CHUNKED) {
    gf__sim_chunker_init(&c->ch, j->status == 200 ? j->framing.chunk : 16384,
                         GF_SIM_BATCH, sink, c);
    return;
  }
  /* tiny records cost about 30 bytes each on the wire: smaller batches
   * keep one batch's ciphertext near GF_SIM_BATCH */
  size_t batch = GF_SIM_BATCH;
  if (c->tls) {
    c->record = j->framing.chunk;
    if (c->record < GF_SIM_BATCH / 2048)
      batch = c->record * 2048;
  }
  gf__sim_chunker_init_raw(&c->ch, batch, sink, c);
}

/* 1 while the head waits for an image; 0 when it can be written (or the
 * connection was given up). */
static int head_waits(gf__sim_conn *c) {
  int slot;
  while ((slot = gf__sim_job_waits(c->job)) >= 0) {
    gf__sim_img *img = c->job->imgs[slot];
    c->tx = TX_HEAD;
    if (!img || img->status < 0) {
      abort_conn(c); /* logged as aborted */
      return 1;
    }
    if (!gf__sim_img_wait(img, &c->waiter))
      return 1;
  }
  return 0;
}

static void start_job(gf__sim_conn *c) {
  gf__sim_job *j = c->job;
  c->logged = 0;
  if (head_waits(c))
    return;
  body_framing(c, j);
  if ((j->status != 200 && j->err.close) ||
      (j->status == 200 && j->framing.body == GF_SIM_BODY_CLOSE))
    c->keep_alive = 0;
  if (j->head_cut)
    c->keep_alive = 0;
  if (j->head_cut == GF_SIM_AT_HEAD) { /* not a byte of the response */
    c->tx = TX_RUN;
    finish(c, j->cut_end);
    return;
  }
  if (gf__sim_job_head(j, c->keep_alive, &c->ch.batch)) {
    abort_conn(c);
    return;
  }
  /* the whole answer, or a head cut short ([[at:headers]]) */
  if (!gf__sim_job_streams(j) || j->head_cut) {
    c->tx = TX_RUN;
    if (gf__sim_chunker_flush(&c->ch)) {
      abort_conn(c);
      return;
    }
    finish(c, j->head_cut ? j->cut_end : GF_SIM_END);
    return;
  }
  c->tx = TX_RUN;
  pump(c);
}

static void kick(gf__sim_conn *c) {
  if (c->phase == PH_OPEN && c->tx == TX_IDLE && c->job)
    start_job(c);
}

static void image_ready(gf__sim_waiter *w, gf__sim_img *img) {
  gf__sim_conn *c = w->data;
  (void)img;
  if (c->tx == TX_HEAD && c->phase == PH_OPEN) {
    start_job(c);
  } else if (c->tx == TX_WAIT) {
    c->tx = TX_RUN;
    pump(c);
  }
}

/* One answer of the producer other than MORE; 0 to go on producing. */
static int step(gf__sim_conn *c, int r, unsigned ms, int slot) {
  gf__sim_job *j = c->job;
  switch (r) {
  case GF_SIM_PAUSE:
    if (gf__sim_chunker_flush(&c->ch))
      break;
    c->tx = TX_PAUSE;
    uv_timer_start(&c->timer, timer_cb, ms, 0);
    return 1;
  case GF_SIM_WAIT: {
    gf__sim_img *img = j->imgs[slot];
    if (!img || img->status < 0 || gf__sim_chunker_flush(&c->ch))
      break;
    if (gf__sim_img_wait(img, &c->waiter))
      return 0; /* ready meanwhile */
    c->tx = TX_WAIT;
    return 1;
  }
  case GF_SIM_END:
    if (gf__sim_chunker_end(&c->ch))
      break;
    finish(c, GF_SIM_END);
    return 1;
  case GF_SIM_RESET:
  case GF_SIM_EOF:
  case GF_SIM_CLOSE:
    if (gf__sim_chunker_flush(&c->ch))
      break;
    c->keep_alive = 0;
    finish(c, r);
    return 1;
  case GF_SIM_STALL: /* logged when the client gives up (aborted) */
    if (gf__sim_chunker_flush(&c->ch))
      break;
    c->tx = TX_STALL;
    return 1;
  default:
    break;
  }
  abort_conn(c);
  return 1;
}

static void pump(gf__sim_conn *c) {
  size_t budget = GF_SIM_PUMP_BUDGET;
  while (c->phase == PH_OPEN && c->tx == TX_RUN &&
         c->out.in_flight < GF_SIM_HIGH_WATER) {
    if (budget < GF_SIM_PIECE) {
      /* the kernel takes all we give: let other connections have a turn */
      uv_timer_start(&c->timer, timer_cb, 0, 0);
      return;
    }
    budget -= GF_SIM_PIECE;
    unsigned ms = 0;
    int slot = 0;
    gf__buf_reset(&c->piece);
    int r = gf__sim_job_next(c->job, &c->piece, GF_SIM_PIECE, &ms, &slot);
    /* compressed bytes may come with any answer: they go first */
    if (c->piece.len &&
        gf__sim_chunker_put(&c->ch, c->piece.data, c->piece.len)) {
      abort_conn(c);
      return;
    }
    if (r == GF_SIM_MORE)
      continue;
    if (step(c, r, ms, slot))
      return;
  }
}

/* ---- reading ---- */

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  gf__sim_conn *c = h->data;
  (void)hint;
  *buf = uv_buf_init(c->sim->rbuf, sizeof c->sim->rbuf);
}

/* The client went away, or said close_notify. */
static void peer_done(gf__sim_conn *c) {
  if (c->phase == PH_LINGER || c->tx == TX_IDLE || c->tx == TX_DRAIN)
    close_handles(c);
  else
    abort_conn(c); /* in the middle of a response: it was cancelled */
}

static void read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  gf__sim_conn *c = st->data;
  if (n < 0) {
    if (c->phase == PH_LINGER) {
      close_handles(c);
      return;
    }
    if (c->tx == TX_DRAIN) { /* the last bytes are on their way: let them */
      uv_read_stop(st);
      c->reading = 0;
      return;
    }
    peer_done(c);
    return;
  }
  if (n == 0 || c->phase != PH_OPEN)
    return;
  int rc = 0;
  if (c->tls) {
    rc = gf__tls_feed(c->tls, buf->base, (size_t)n);
    if (submit(c, &c->cipher))
      rc = GF_ECONNECT;
    if (!rc && gf__tls_closed(c->tls)) {
      peer_done(c);
      return;
    }
  } else if (!c->rx_dead) {
    if (gf__http_req_feed(c->http, buf->base, (size_t)n))
      c->rx_dead = 1;
  }
  if (rc) {
    abort_conn(c);
    return;
  }
  if (c->rx_dead && c->tx == TX_IDLE && !c->job && c->reading) {
    /* malformed HTTP: nothing sensible can follow */
    uv_read_stop(st);
    c->reading = 0;
    gf__sim_rx rx = {"", "", NULL, NULL, 0, 0};
    c->job = gf__sim_job_new(&c->sim->cfg, &rx);
    if (c->job) {
      gf__sim_err_set(&c->job->err, 400, "INVALID_ARGUMENT",
                      "Malformed HTTP request.");
      c->job->status = 400;
      c->job->err.close = 1;
    }
  }
  kick(c);
}

static int on_plain(void *ud, const char *p, size_t n) {
  gf__sim_conn *c = ud;
  if (!c->rx_dead && gf__http_req_feed(c->http, p, n))
    c->rx_dead = 1;
  return 0; /* a stopped parser must not fail the TLS session */
}

static void on_handshake(void *ud, int status) { (void)ud, (void)status; }

static const gf__tls_cbs gf__sim_tls_cbs = {on_cipher, on_plain, on_handshake};

/* ---- the request ---- */

static void rx_reset(gf__sim_rxs *rx) {
  rx->method[0] = '\0';
  gf__buf_reset(&rx->target);
  gf__buf_reset(&rx->key);
  gf__buf_reset(&rx->accept);
  if (rx->tok)
    json_tokener_free(rx->tok);
  rx->tok = NULL;
  json_object_put(rx->root);
  rx->root = NULL;
  rx->bad = rx->too_big = rx->started = 0;
  rx->body = 0;
}

static int name_is(const char *name, size_t n, const char *want) {
  return n == strlen(want) && strncasecmp(name, want, n) == 0;
}

static int on_header(void *ud, const char *name, size_t nlen,
                     const char *value, size_t vlen) {
  gf__sim_conn *c = ud;
  gf__sim_rxs *rx = &c->rx;
  if (!rx->started) {
    rx_reset(rx);
    rx->started = 1;
  }
  if (name_is(name, nlen, "x-goog-api-key")) {
    gf__buf_reset(&rx->key);
    if (gf__buf_append(&rx->key, value, vlen))
      gf__buf_append(&rx->key, "\x01too-long", 9);
  } else if (name_is(name, nlen, "accept-encoding")) {
    /* past the bound, the later headers are not read: a client that sends
     * kilobytes of codings gets what the first ones say */
    size_t mark = rx->accept.len;
    if ((mark && gf__buf_append(&rx->accept, ", ", 2)) ||
        gf__buf_append(&rx->accept, value, vlen))
      gf__buf_truncate(&rx->accept, mark);
  } else if (name_is(name, nlen, "content-length")) {
    unsigned long long v = 0;
    for (size_t i = 0; i < vlen && value[i] >= '0' && value[i] <= '9'; i++)
      v = v > GF_SIM_BODY_MAX ? v : v * 10 + (unsigned)(value[i] - '0');
    if (v > GF_SIM_BODY_MAX)
      rx->too_big = 1;
  }
  return 0;
}

/* The whole request is known (or enough of it, for a 413): it becomes a
 * job, answered in turn. */
static int enqueue(gf__sim_conn *c, int keep_alive) {
  gf__sim_rxs *rx = &c->rx;
  gf__sim_rx in = {rx->method, rx->target.data ? rx->target.data : "",
                   rx->key.len ? rx->key.data : NULL,
                   rx->bad ? NULL : rx->root, rx->too_big,
                   gf__sim_accepts_gzip(rx->accept.data, rx->accept.len)};
  gf__sim_job *j = gf__sim_job_new(&c->sim->cfg, &in);
  rx_reset(rx);
  if (!j)
    return GF_ENOMEM;
  j->keep_alive = keep_alive;
  if (!c->job) {
    c->job = j;
    c->keep_alive = keep_alive;
    return 0;
  }
  if (c->nqueued == GF_SIM_MAX_QUEUED) {
    gf__sim_job_free(j);
    return GF_ETOOBIG; /* the parser stops: what came after is not read */
  }
  /* pipelined: answered in turn; read nothing more until the queue empties */
  gf__queue_insert_tail(&c->queue, &j->node);
  c->nqueued++;
  if (c->reading) {
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = 0;
  }
  return 0;
}

static int on_headers_done(void *ud, const char *method, const char *target) {
  gf__sim_conn *c = ud;
  gf__sim_rxs *rx = &c->rx;
  if (!rx->started)
    rx_reset(rx);
  rx->started = 1;
  snprintf(rx->method, sizeof rx->method, "%s", method);
  if (gf__buf_append(&rx->target, target, strlen(target)))
    return GF_ETOOBIG;
  if (rx->too_big) /* answer now, read no further */
    return enqueue(c, 0) ? GF_ENOMEM : 1;
  rx->tok = gf__sim_json_tokener();
  return rx->tok ? 0 : GF_ENOMEM;
}

static int only_space(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!strchr(" \t\r\n", p[i]))
      return 0;
  return 1;
}

static int on_body(void *ud, const char *p, size_t n) {
  gf__sim_conn *c = ud;
  gf__sim_rxs *rx = &c->rx;
  rx->body += n;
  if (rx->body > GF_SIM_BODY_MAX) {
    rx->too_big = 1;
    return enqueue(c, 0) ? GF_ENOMEM : 1;
  }
  if (rx->bad)
    return 0;
  if (rx->root) {
    rx->bad = !only_space(p, n);
    return 0;
  }
  rx->root = json_tokener_parse_ex(rx->tok, p, (int)n);
  if (rx->root) {
    size_t used = json_tokener_get_parse_end(rx->tok);
    rx->bad = !only_space(p + used, n - used);
  } else if (json_tokener_get_error(rx->tok) != json_tokener_continue) {
    rx->bad = 1;
  }
  return 0;
}

static int on_complete(void *ud) {
  gf__sim_conn *c = ud;
  return enqueue(c, gf__http_req_keep_alive(c->http));
}

static const gf__http_req_cbs gf__sim_http_cbs = {on_header, on_headers_done,
                                                  on_body, on_complete};
