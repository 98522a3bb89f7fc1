/* The layers above TLS, each alone over input shaped like an image stream:
 * 1 MiB of base64 (a slice of an inlineData string), an SSE stream whose
 * one big data line holds it, a chunked HTTP body of 16 KiB chunks, and
 * SHA-256 over the decoded bytes. Input arrives in 16 KiB pieces, as TLS
 * records hand it up. */
#include <stdlib.h>
#include <string.h>

#include "b64/b64.h"
#include "ceil.h"
#include "common/buf.h"
#include "common/sha256.h"
#include "http/http.h"
#include "sse/sse.h"

#define RAW (768 * 1024)          /* decoded bytes */
#define B64 (RAW / 3 * 4)         /* 1 MiB of base64 */
#define PIECE 16384

static char *make_b64(void) {
  unsigned char *raw = malloc(RAW);
  char *b = malloc(GF_B64_ENC_LEN(RAW) + 1);
  if (!raw || !b) {
    free(raw);
    free(b);
    return NULL;
  }
  uint32_t x = 2463534242u; /* xorshift: incompressible, like PNG data */
  for (size_t i = 0; i < RAW; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    raw[i] = (unsigned char)x;
  }
  gf__b64_encode(raw, RAW, b);
  free(raw);
  return b;
}

/* ---- base64 ----------------------------------------------------------------- */
typedef struct b64_ctx {
  const char *in;
  unsigned char *out;
} b64_ctx;

static int b64_work(void *ud) {
  b64_ctx *c = ud;
  gf__b64dec d;
  gf__b64_init(&d);
  for (size_t off = 0; off < B64; off += PIECE) {
    size_t n = B64 - off < PIECE ? B64 - off : PIECE, got;
    if (gf__b64_decode(&d, c->in + off, n, c->out, &got))
      return -1;
  }
  return 0;
}

double gfb_rate_b64(void) {
  b64_ctx c = {make_b64(), malloc(GF_B64_DEC_MAX(PIECE))};
  double r = c.in && c.out ? gfb_meter(b64_work, &c, B64) : -1;
  free((void *)c.in);
  free(c.out);
  return r;
}

/* ---- SSE ---------------------------------------------------------------------- */
static int sse_data(void *ud, const char *p, size_t n) { return 0; }
static int sse_dispatch(void *ud, const char *t, const char *id) { return 0; }

typedef struct sse_ctx {
  gf__buf stream;
  gf__sse *s;
} sse_ctx;

static int sse_work(void *ud) {
  sse_ctx *c = ud;
  gf__sse_reset(c->s);
  for (size_t off = 0; off < c->stream.len; off += PIECE) {
    size_t n = c->stream.len - off < PIECE ? c->stream.len - off : PIECE;
    if (gf__sse_feed(c->s, c->stream.data + off, n))
      return -1;
  }
  return 0;
}

double gfb_rate_sse(void) {
  sse_ctx c;
  gf__buf_init(&c.stream, 0);
  static const gf__sse_cbs cbs = {.on_data = sse_data,
                                  .on_dispatch = sse_dispatch};
  c.s = gf__sse_new(&cbs, NULL, 0);
  char *b = make_b64();
  double r = -1;
  /* the service's shape: small events, then the image event on one line */
  static const char small[] =
      "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"thinking\","
      "\"thought\":true}],\"role\":\"model\"},\"index\":0}]}";
  if (b && c.s && !gf__sse_write_event(&c.stream, small, sizeof small - 1, NULL) &&
      !gf__buf_printf(&c.stream, "data: {\"candidates\":[{\"content\":{\"parts\":"
                                 "[{\"inlineData\":{\"mimeType\":\"image/png\","
                                 "\"data\":\"%s\"}}]}}]}\r\n\r\n", b))
    r = gfb_meter(sse_work, &c, c.stream.len);
  free(b);
  gf__sse_free(c.s);
  gf__buf_free(&c.stream);
  return r;
}

/* ---- HTTP --------------------------------------------------------------------- */
static int h_header(void *ud, const char *n, size_t nl, const char *v,
                    size_t vl) {
  return 0;
}
static int h_done(void *ud, int status) { return 0; }
static int h_body(void *ud, const char *p, size_t n) { return 0; }
static int h_complete(void *ud) { return 0; }

typedef struct http_ctx {
  gf__buf msg;
} http_ctx;

static int http_work(void *ud) {
  http_ctx *c = ud;
  static const gf__http_resp_cbs cbs = {h_header, h_done, h_body, h_complete};
  gf__http_resp *r = gf__http_resp_new(&cbs, NULL);
  if (!r)
    return -1;
  int rc = 0;
  for (size_t off = 0; off < c->msg.len && !rc; off += PIECE) {
    size_t n = c->msg.len - off < PIECE ? c->msg.len - off : PIECE;
    rc = gf__http_resp_feed(r, c->msg.data + off, n);
  }
  gf__http_resp_free(r);
  return rc;
}

double gfb_rate_http(void) {
  http_ctx c;
  gf__buf_init(&c.msg, 0);
  char *b = make_b64();
  double r = -1;
  int rc = !b || gf__buf_printf(&c.msg,
                                "HTTP/1.1 200 OK\r\nContent-Type: "
                                "text/event-stream\r\nTransfer-Encoding: "
                                "chunked\r\nVary: Origin\r\n\r\n");
  for (size_t off = 0; !rc && off < B64; off += PIECE) {
    size_t n = B64 - off < PIECE ? B64 - off : PIECE;
    rc = gf__buf_printf(&c.msg, "%zx\r\n", n) ||
         gf__buf_append(&c.msg, b + off, n) ||
         gf__buf_append(&c.msg, "\r\n", 2);
  }
  if (!rc && !gf__buf_append(&c.msg, "0\r\n\r\n", 5))
    r = gfb_meter(http_work, &c, c.msg.len);
  free(b);
  gf__buf_free(&c.msg);
  return r;
}

/* ---- SHA-256 ------------------------------------------------------------------ */
static int sha_work(void *ud) {
  gf__sha256 s;
  unsigned char out[32];
  gf__sha256_init(&s);
  gf__sha256_update(&s, ud, RAW);
  gf__sha256_final(&s, out);
  return 0;
}

double gfb_rate_sha256(void) {
  char *b = make_b64();
  double r = b ? gfb_meter(sha_work, b, RAW) : -1;
  free(b);
  return r;
}
