/* libFuzzer target for gzip bodies in the HTTP response parser. The first
 * byte picks how the body is delimited (chunked in pieces of 1..64 bytes,
 * Content-Length, or the close), the Content-Encoding spelling, the largest
 * feed size, and whether the rest of the input is
 *   - the body as it is (a gzip stream, corrupt or not: the seeds are gzip
 *     responses), or
 *   - text that the harness compresses itself (zlib's deflate, a flush
 *     point every few bytes taken from the input), which must come out of
 *     the parser exactly as it went in.
 * The response is parsed whole, in pieces whose sizes come from the input,
 * and byte by byte; the three transcripts (body, completion, codes, error
 * message) must be equal. Callbacks check the contract: no empty piece, no
 * piece over GF_INFLATE_STEP, nothing after a failure or the completion. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gemflow.h"
#include "http/http.h"
#include "http/inflate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define gf__fz_check(ok)                                                       \
  do {                                                                         \
    if (!(ok)) {                                                               \
      fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #ok);                 \
      abort();                                                                 \
    }                                                                          \
  } while (0)

typedef struct gf__fz_out {
  gf__buf body;
  int completes, stopped, feed_rc, eof_rc;
  char msg[128];
} gf__fz_out;

static int gf__fz_body(void *ud, const char *p, size_t n) {
  gf__fz_out *o = ud;
  gf__fz_check(!o->stopped && !o->completes && n > 0 && n <= GF_INFLATE_STEP);
  gf__buf_append(&o->body, p, n);
  return 0;
}

static int gf__fz_complete(void *ud) {
  gf__fz_out *o = ud;
  gf__fz_check(!o->stopped && !o->completes++);
  return 0;
}

static const gf__http_resp_cbs gf__fz_cbs = {NULL, NULL, gf__fz_body,
                                             gf__fz_complete};

/* step 0: whole; else piece sizes 1..step from sizes[]. */
static void gf__fz_run(const char *in, size_t n, const uint8_t *sizes,
                       size_t nsizes, size_t step, gf__fz_out *o) {
  memset(o, 0, sizeof *o);
  gf__buf_init(&o->body, 0);
  gf__buf_append(&o->body, "", 0);
  gf__http_resp *p = gf__http_resp_new(&gf__fz_cbs, o);
  if (!p)
    abort();
  size_t at = 0;
  for (size_t i = 0; at < n; i++) {
    size_t k = n - at;
    if (step) {
      size_t want = nsizes ? 1 + sizes[i % nsizes] % step : 1;
      k = want < k ? want : k;
    }
    int rc = gf__http_resp_feed(p, in + at, k);
    gf__fz_check(!o->feed_rc || rc == o->feed_rc);
    if (rc && !o->feed_rc) {
      o->feed_rc = rc;
      o->stopped = 1;
    }
    at += k;
  }
  o->eof_rc = gf__http_resp_eof(p);
  gf__fz_check(!o->feed_rc || o->eof_rc == o->feed_rc);
  gf__fz_check(o->eof_rc != 0 || o->completes == 1);
  snprintf(o->msg, sizeof o->msg, "%s", gf__http_resp_errmsg(p));
  for (const char *m = o->msg; *m; m++)
    gf__fz_check(*m >= 0x20 && *m < 0x7f);
  gf__http_resp_free(p);
}

static void gf__fz_compare(const gf__fz_out *a, const gf__fz_out *b) {
  if (a->feed_rc != b->feed_rc || a->eof_rc != b->eof_rc ||
      a->completes != b->completes || strcmp(a->msg, b->msg) != 0 ||
      a->body.len != b->body.len ||
      memcmp(a->body.data, b->body.data, a->body.len) != 0) {
    fprintf(stderr, "transcripts differ: feed %d/%d eof %d/%d body %zu/%zu "
            "%s / %s\n", a->feed_rc, b->feed_rc, a->eof_rc, b->eof_rc,
            a->body.len, b->body.len, a->msg, b->msg);
    abort();
  }
}

/* gzip of p[0..n), a sync flush every `every` bytes (0: none). */
static void gf__fz_deflate(const uint8_t *p, size_t n, size_t every,
                           gf__buf *out) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (deflateInit2(&z, 1, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    abort();
  unsigned char buf[4096];
  size_t at = 0;
  int rc;
  do {
    size_t take = every && n - at > every ? every : n - at;
    int flush = at + take == n ? Z_FINISH : Z_SYNC_FLUSH;
    z.next_in = (unsigned char *)(uintptr_t)(p + at);
    z.avail_in = (unsigned)take;
    do {
      z.next_out = buf;
      z.avail_out = sizeof buf;
      rc = deflate(&z, flush);
      gf__buf_append(out, (char *)buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0);
    at += take;
  } while (rc != Z_STREAM_END);
  deflateEnd(&z);
}

/* The wire bytes: head and body delimited as flags say. */
static void gf__fz_wire(uint8_t flags, const gf__buf *body, gf__buf *w) {
  static const char *const codings[] = {"gzip", "x-gzip", "GZIP",
                                        "identity, gzip"};
  gf__buf_printf(w, "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\n",
                 codings[(flags >> 2) & 3]);
  switch (flags & 3) {
  case 0:
    gf__buf_printf(w, "Content-Length: %zu\r\n\r\n", body->len);
    gf__buf_append(w, body->data, body->len);
    break;
  case 1:
    gf__buf_printf(w, "\r\n"); /* ends with the connection */
    gf__buf_append(w, body->data, body->len);
    break;
  default: {
    size_t chunk = 1 + (size_t)(flags >> 5) * 9;
    gf__buf_printf(w, "Transfer-Encoding: chunked\r\n\r\n");
    for (size_t at = 0; at < body->len; at += chunk) {
      size_t k = body->len - at < chunk ? body->len - at : chunk;
      gf__buf_printf(w, "%zx\r\n", k);
      gf__buf_append(w, body->data + at, k);
      gf__buf_append(w, "\r\n", 2);
    }
    gf__buf_append(w, "0\r\n\r\n", 5);
  }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2 || size > 65536)
    return 0;
  uint8_t flags = data[0], mode = data[1];
  const uint8_t *rest = data + 2;
  size_t nrest = size - 2;
  int own = mode & 1; /* the harness compresses rest itself */
  gf__buf body, wire;
  gf__buf_init(&body, 0);
  gf__buf_init(&wire, 0);
  if (own)
    gf__fz_deflate(rest, nrest, mode >> 1, &body);
  else
    gf__buf_append(&body, (const char *)rest, nrest);
  gf__buf_append(&body, "", 0);
  gf__fz_wire(flags, &body, &wire);

  gf__fz_out whole, split, bytes;
  gf__fz_run(wire.data, wire.len, NULL, 0, 0, &whole);
  if (own) { /* what went in comes out */
    gf__fz_check(whole.feed_rc == 0 && whole.eof_rc == 0);
    gf__fz_check(whole.body.len == nrest &&
                 (!nrest || !memcmp(whole.body.data, rest, nrest)));
  }
  gf__fz_run(wire.data, wire.len, data, size, (flags & 0x10) ? 255 : 17,
             &split);
  gf__fz_compare(&whole, &split);
  gf__buf_free(&split.body);
  if (wire.len <= 8192) {
    gf__fz_run(wire.data, wire.len, NULL, 0, 1, &bytes);
    gf__fz_compare(&whole, &bytes);
    gf__buf_free(&bytes.body);
  }
  gf__buf_free(&whole.body);
  gf__buf_free(&body);
  gf__buf_free(&wire);
  return 0;
}
