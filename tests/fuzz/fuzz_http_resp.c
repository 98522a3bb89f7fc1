/* libFuzzer target for the HTTP response parser. The first byte picks a
 * prefix (none, a status line, plus a chunked or a Content-Length header)
 * and the largest piece size; the rest is the response. It is parsed whole,
 * in pieces whose sizes come from the input's own bytes, and byte by byte;
 * each ends with the eof. The three transcripts (headers, status, body,
 * completion, results) must be equal. The one allowed difference: an
 * over-long header that is also malformed may be GF_ETOOBIG in one and
 * GF_EHTTP in another (see http.h). Callbacks also check the contract:
 * whole NUL-terminated headers, no empty body piece, no 1xx status, at most
 * one status and one completion, nothing after a failure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gemflow.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct gf__fz_rec {
  gf__buf log, body;
  int statuses, completes, stopped, fail_complete;
} gf__fz_rec;

/* abort, saying which promise broke */
#define gf__fz_check(ok)                                                       \
  do {                                                                         \
    if (!(ok)) {                                                               \
      fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #ok);                 \
      abort();                                                                 \
    }                                                                          \
  } while (0)

static int gf__fz_header(void *ud, const char *n, size_t nl, const char *v,
                         size_t vl) {
  gf__fz_rec *r = ud;
  gf__fz_check(!r->stopped && !r->statuses);
  gf__fz_check(n[nl] == '\0' && v[vl] == '\0' && nl > 0);
  gf__fz_check(nl + vl <= GF_HTTP_MAX_HEADER);
  /* trimmed */
  gf__fz_check(!vl || (v[0] != ' ' && v[0] != '\t' && v[vl - 1] != ' ' &&
                       v[vl - 1] != '\t'));
  gf__buf_append(&r->log, "H", 1);
  gf__buf_append(&r->log, n, nl);
  gf__buf_append(&r->log, ":", 1);
  gf__buf_append(&r->log, v, vl);
  gf__buf_append(&r->log, "\n", 1);
  return nl == 6 && !strncasecmp(n, "x-stop", 6) ? 77 : 0;
}

static int gf__fz_status(void *ud, int status) {
  gf__fz_rec *r = ud;
  gf__fz_check(!r->stopped && !r->statuses++);
  gf__fz_check(status >= 200 && status <= 999);
  gf__buf_printf(&r->log, "S%d\n", status);
  return 0;
}

static int gf__fz_body(void *ud, const char *p, size_t n) {
  gf__fz_rec *r = ud;
  gf__fz_check(!r->stopped && r->statuses && !r->completes && n > 0);
  gf__buf_append(&r->body, p, n);
  return 0;
}

static int gf__fz_complete(void *ud) {
  gf__fz_rec *r = ud;
  gf__fz_check(!r->stopped && r->statuses && !r->completes++);
  gf__buf_append(&r->log, "C\n", 2);
  return r->fail_complete ? 79 : 0;
}

static const gf__http_resp_cbs gf__fz_cbs = {gf__fz_header, gf__fz_status,
                                             gf__fz_body, gf__fz_complete};

typedef struct gf__fz_out {
  gf__fz_rec rec;
  int feed_rc, eof_rc;
} gf__fz_out;

/* Pieces: step 0 = whole; otherwise sizes 1..step taken from sizes[]. */
static void gf__fz_run(const char *in, size_t n, const uint8_t *sizes,
                       size_t nsizes, size_t step, int fail_complete,
                       gf__fz_out *o) {
  memset(o, 0, sizeof *o);
  gf__buf_init(&o->rec.log, 0);
  gf__buf_init(&o->rec.body, 0);
  gf__buf_append(&o->rec.log, "", 0);
  o->rec.fail_complete = fail_complete;
  gf__http_resp *p = gf__http_resp_new(&gf__fz_cbs, &o->rec);
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
    gf__fz_check(!o->feed_rc || rc == o->feed_rc); /* sticky */
    if (rc && !o->feed_rc) {
      o->feed_rc = rc;
      o->rec.stopped = 1; /* no callback may run after this */
    }
    at += k;
  }
  o->eof_rc = gf__http_resp_eof(p);
  gf__fz_check(!o->feed_rc || o->eof_rc == o->feed_rc);
  gf__fz_check(o->eof_rc != 0 || o->rec.completes == 1);
  const char *msg = gf__http_resp_errmsg(p);
  for (; *msg; msg++)
    gf__fz_check(*msg >= 0x20 && *msg < 0x7f);
  gf__http_resp_free(p);
}

static int gf__fz_same_rc(int a, int b) {
  if (a == b)
    return 1;
  return (a == GF_EHTTP || a == GF_ETOOBIG) &&
         (b == GF_EHTTP || b == GF_ETOOBIG);
}

static void gf__fz_compare(const gf__fz_out *a, const gf__fz_out *b) {
  if (!gf__fz_same_rc(a->feed_rc, b->feed_rc) ||
      !gf__fz_same_rc(a->eof_rc, b->eof_rc) ||
      a->rec.log.len != b->rec.log.len ||
      memcmp(a->rec.log.data, b->rec.log.data, a->rec.log.len) != 0 ||
      a->rec.body.len != b->rec.body.len ||
      (a->rec.body.len &&
       memcmp(a->rec.body.data, b->rec.body.data, a->rec.body.len) != 0)) {
    fprintf(stderr, "transcripts differ: feed %d/%d eof %d/%d\n%s\n--\n%s\n",
            a->feed_rc, b->feed_rc, a->eof_rc, b->eof_rc, a->rec.log.data,
            b->rec.log.data);
    abort();
  }
}

static void gf__fz_free(gf__fz_out *o) {
  gf__buf_free(&o->rec.log);
  gf__buf_free(&o->rec.body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const prefixes[] = {
      "", "HTTP/1.1 200 OK\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 16\r\n"};
  static const size_t steps[] = {1, 3, 17, 255};
  if (size < 1)
    return 0;
  uint8_t flags = data[0];
  const char *prefix = prefixes[flags & 3];
  size_t step = steps[(flags >> 2) & 3];
  int fail_complete = (flags >> 4) & 1;
  size_t plen = strlen(prefix), n = plen + size - 1;
  char *in = malloc(n + 1);
  memcpy(in, prefix, plen);
  memcpy(in + plen, data + 1, size - 1);

  gf__fz_out whole, split, bytes;
  gf__fz_run(in, n, NULL, 0, 0, fail_complete, &whole);
  gf__fz_run(in, n, data, size, step, fail_complete, &split);
  gf__fz_compare(&whole, &split);
  gf__fz_free(&split);
  if (n <= 8192) {
    gf__fz_run(in, n, NULL, 0, 1, fail_complete, &bytes);
    gf__fz_compare(&whole, &bytes);
    gf__fz_free(&bytes);
  }
  gf__fz_free(&whole);
  free(in);
  return 0;
}
