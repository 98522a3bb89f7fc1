/* uv_try_write first, uv_write for the rest, counted. */
#include "conn/wire.h"

#include <stdlib.h>
#include <string.h>

#include "gemflow.h"

typedef struct wreq {
  uv_write_t req;
  gf__wire *w;
  char *data;
  size_t len;
  int wipe;
} wreq;

void gf__wire_init(gf__wire *w, void (*on_written)(void *ud, int status),
                   void *ud) {
  memset(w, 0, sizeof *w);
  w->on_written = on_written;
  w->ud = ud;
}

void gf__wire_attach(gf__wire *w, uv_stream_t *s) {
  w->s = s;
  w->in_flight = 0;
}

static void free_wreq(wreq *r) {
  if (r->wipe)
    memset(r->data, 0, r->len);
  free(r->data);
  free(r);
}

static void on_write(uv_write_t *req, int status) {
  wreq *r = (wreq *)req;
  gf__wire *w = r->w;
  /* a stream given up (a connect race's loser) is no longer w's */
  int current = req->handle == w->s;
  if (current)
    w->in_flight -= r->len;
  free_wreq(r);
  if (current && w->on_written)
    w->on_written(w->ud, status);
}

/* How much the kernel takes now: nothing while writes wait before. A
 * broken stream takes nothing here: the uv_write that follows reports
 * why, through on_written, as any failed write does. */
static size_t try_now(gf__wire *w, const char *p, size_t n) {
  if (w->in_flight || !n)
    return 0;
  uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
  int r = uv_try_write(w->s, &b, 1);
  return r > 0 ? (size_t)r : 0;
}

/* data (malloc'd, len bytes) to a uv_write of its own; freed either way. */
static int queue(gf__wire *w, char *data, size_t len, int wipe) {
  wreq *r = malloc(sizeof *r);
  if (!r) {
    if (wipe)
      memset(data, 0, len);
    free(data);
    return GF_ENOMEM;
  }
  *r = (wreq){.w = w, .data = data, .len = len, .wipe = wipe};
  uv_buf_t b = uv_buf_init(data, (unsigned)len);
  if (uv_write(&r->req, w->s, &b, 1, on_write) < 0) {
    free_wreq(r);
    return GF_ERESET;
  }
  w->in_flight += len;
  return 0;
}

int gf__wire_send(gf__wire *w, const char *p, size_t n) {
  if (!w->s)
    return GF_ERESET;
  size_t took = try_now(w, p, n);
  if (took == n)
    return 0;
  char *rest = malloc(n - took);
  if (!rest)
    return GF_ENOMEM;
  memcpy(rest, p + took, n - took);
  return queue(w, rest, n - took, 0);
}

int gf__wire_send_buf(gf__wire *w, gf__buf *b, int wipe) {
  if (!w->s) {
    gf__buf_reset(b);
    return GF_ERESET;
  }
  size_t took = try_now(w, b->data, b->len);
  if (took == b->len) {
    if (wipe && b->data)
      memset(b->data, 0, b->len);
    gf__buf_reset(b);
    return 0;
  }
  if (took) { /* the rest moves to the front: the buffer goes with it */
    memmove(b->data, b->data + took, b->len - took);
    if (wipe) /* the bytes left behind it are wiped with it only here */
      memset(b->data + b->len - took, 0, took);
    gf__buf_truncate(b, b->len - took);
  }
  size_t len;
  char *data = gf__buf_steal(b, &len);
  return queue(w, data, len, wipe);
}
