/* libFuzzer target for the HTTP request parser (the simulator's side). The
 * first byte picks a prefix (none, a request line, plus a chunked or a
 * Content-Length header) and the largest piece size; the rest is the
 * connection's bytes. Parsed whole, in pieces whose sizes come from the
 * input's own bytes, and byte by byte: the transcripts (each request's
 * headers, method, target, keep-alive, body, completion, and the result)
 * must be equal, but for GF_ETOOBIG against GF_EHTTP on a header that is
 * both over-long and malformed (see http.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemflow.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct gf__fz_rec {
  gf__http_req *p;
  gf__buf log;
  int in_request, stopped;
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
  gf__fz_check(!r->stopped && !r->in_request);
  gf__fz_check(n[nl] == '\0' && v[vl] == '\0' && nl > 0);
  gf__fz_check(nl + vl <= GF_HTTP_MAX_HEADER);
  gf__buf_printf(&r->log, "H%s:%s\n", n, v);
  return 0;
}

static int gf__fz_headers_done(void *ud, const char *method,
                               const char *target) {
  gf__fz_rec *r = ud;
  gf__fz_check(!r->stopped && !r->in_request);
  gf__fz_check(method && target && strlen(target) <= GF_HTTP_MAX_HEADER);
  r->in_request = 1;
  gf__buf_printf(&r->log, "R%s %s %d\n", method, target,
                 gf__http_req_keep_alive(r->p));
  return strcmp(target, "/stop") ? 0 : 77;
}

static int gf__fz_body(void *ud, const char *p, size_t n) {
  gf__fz_rec *r = ud;
  gf__fz_check(!r->stopped && r->in_request && n > 0);
  /* the log holds body bytes as they come; pieces are not marked */
  gf__buf_append(&r->log, p, n);
  return 0;
}

static int gf__fz_complete(void *ud) {
  gf__fz_rec *r = ud;
  gf__fz_check(!r->stopped && r->in_request);
  r->in_request = 0;
  gf__buf_printf(&r->log, "\nC%d\n", gf__http_req_keep_alive(r->p));
  return 0;
}

static const gf__http_req_cbs gf__fz_cbs = {gf__fz_header, gf__fz_headers_done,
                                            gf__fz_body, gf__fz_complete};

static int gf__fz_run(const char *in, size_t n, const uint8_t *sizes,
                      size_t nsizes, size_t step, gf__fz_rec *r) {
  memset(r, 0, sizeof *r);
  gf__buf_init(&r->log, 0);
  gf__buf_append(&r->log, "", 0);
  r->p = gf__http_req_new(&gf__fz_cbs, r);
  if (!r->p)
    abort();
  int first = 0;
  size_t at = 0;
  for (size_t i = 0; at < n; i++) {
    size_t k = n - at;
    if (step) {
      size_t want = nsizes ? 1 + sizes[i % nsizes] % step : 1;
      k = want < k ? want : k;
    }
    int rc = gf__http_req_feed(r->p, in + at, k);
    gf__fz_check(!first || rc == first); /* sticky */
    if (rc && !first) {
      first = rc;
      r->stopped = 1;
    }
    at += k;
  }
  gf__http_req_free(r->p);
  return first;
}

static int gf__fz_same_rc(int a, int b) {
  if (a == b)
    return 1;
  return (a == GF_EHTTP || a == GF_ETOOBIG) &&
         (b == GF_EHTTP || b == GF_ETOOBIG);
}

static void gf__fz_compare(int rca, const gf__fz_rec *a, int rcb,
                           const gf__fz_rec *b) {
  if (!gf__fz_same_rc(rca, rcb) || a->log.len != b->log.len ||
      memcmp(a->log.data, b->log.data, a->log.len) != 0) {
    fprintf(stderr, "transcripts differ: %d/%d\n%s\n--\n%s\n", rca, rcb,
            a->log.data, b->log.data);
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const prefixes[] = {
      "", "POST / HTTP/1.1\r\n",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 16\r\n"};
  static const size_t steps[] = {1, 3, 17, 255};
  if (size < 1)
    return 0;
  const char *prefix = prefixes[data[0] & 3];
  size_t step = steps[(data[0] >> 2) & 3];
  size_t plen = strlen(prefix), n = plen + size - 1;
  char *in = malloc(n + 1);
  memcpy(in, prefix, plen);
  memcpy(in + plen, data + 1, size - 1);

  gf__fz_rec whole, split, bytes;
  int rw = gf__fz_run(in, n, NULL, 0, 0, &whole);
  int rs = gf__fz_run(in, n, data, size, step, &split);
  gf__fz_compare(rw, &whole, rs, &split);
  gf__buf_free(&split.log);
  if (n <= 8192) {
    int rb = gf__fz_run(in, n, NULL, 0, 1, &bytes);
    gf__fz_compare(rw, &whole, rb, &bytes);
    gf__buf_free(&bytes.log);
  }
  gf__buf_free(&whole.log);
  free(in);
  return 0;
}
