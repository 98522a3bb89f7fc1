/* The response parser: vectors fed whole, split at every point (and at
 * every pair of points for the short ones, a few hundred for the long
 * ones), and byte by byte, each giving the same transcript; the end of the
 * connection after every prefix; callback codes; writers round-tripped. */
#include <strings.h>

#include "gemflow.h"
#include "http/http.h"
#include "test.h"

/* ---- a recorder of everything the parser reports ---- */

typedef struct rec {
  gf__buf log;  /* "H name: value\n", "S 200\n", "C\n" */
  gf__buf body; /* de-chunked body bytes, in pieces as they came */
  int body_calls, completes, bad_pieces;
  /* codes the callbacks return (0: go on) */
  const char *fail_header;
  int fail_header_rc, fail_status_rc, fail_body_rc, fail_complete_rc;
} rec;

static int r_header(void *ud, const char *n, size_t nl, const char *v,
                    size_t vl) {
  rec *r = ud;
  /* names and values come whole and NUL-terminated */
  if (n[nl] != '\0' || v[vl] != '\0' || strlen(n) != nl || strlen(v) != vl)
    r->bad_pieces++;
  gf__buf_append(&r->log, "H ", 2);
  gf__buf_append(&r->log, n, nl);
  gf__buf_append(&r->log, ": ", 2);
  gf__buf_append(&r->log, v, vl);
  gf__buf_append(&r->log, "\n", 1);
  if (r->fail_header && strlen(r->fail_header) == nl &&
      !strncasecmp(r->fail_header, n, nl))
    return r->fail_header_rc;
  return 0;
}

static int r_status(void *ud, int status) {
  rec *r = ud;
  gf__buf_printf(&r->log, "S %d\n", status);
  return r->fail_status_rc;
}

static int r_body(void *ud, const char *p, size_t n) {
  rec *r = ud;
  if (n == 0)
    r->bad_pieces++;
  r->body_calls++;
  gf__buf_append(&r->body, p, n);
  return r->fail_body_rc;
}

static int r_complete(void *ud) {
  rec *r = ud;
  r->completes++;
  gf__buf_append(&r->log, "C\n", 2);
  return r->fail_complete_rc;
}

static const gf__http_resp_cbs rec_cbs = {r_header, r_status, r_body,
                                          r_complete};

static void rec_init(rec *r) {
  memset(r, 0, sizeof *r);
  gf__buf_init(&r->log, 0);
  gf__buf_init(&r->body, 0);
  gf__buf_append(&r->log, "", 0); /* data never NULL */
}

static void rec_clear(rec *r) {
  gf__buf_reset(&r->log);
  gf__buf_reset(&r->body);
  r->body_calls = r->completes = r->bad_pieces = 0;
}

static void rec_free(rec *r) {
  gf__buf_free(&r->log);
  gf__buf_free(&r->body);
}

/* Feeds in[0..len) cut at cuts[] (ascending), or in pieces of step bytes
 * when step is not 0, then ends the connection when eof is set. Once a
 * feed fails, every later feed and the eof must return the same code
 * (errors are sticky). *feed_rc: the first non-zero feed result. Returns
 * the eof result (or 1 when eof is not set). */
static int run(rec *r, const char *in, size_t len, const size_t *cuts,
               size_t ncuts, size_t step, int eof, int *feed_rc) {
  gf__http_resp *p = gf__http_resp_new(&rec_cbs, r);
  CHECK(p != NULL);
  int first = 0;
  size_t at = 0;
  for (size_t i = 0; at < len || i == 0; i++) {
    size_t end = step        ? (len - at < step ? len : at + step)
                 : i < ncuts ? cuts[i]
                             : len;
    int rc = gf__http_resp_feed(p, in + at, end - at);
    if (first && rc != first) {
      fprintf(stderr, "error not sticky: %d then %d\n", first, rc);
      r->bad_pieces++;
    }
    if (!first)
      first = rc;
    at = end;
  }
  *feed_rc = first;
  int eof_rc = 1;
  if (eof) {
    eof_rc = gf__http_resp_eof(p);
    if (first && eof_rc != first)
      r->bad_pieces++;
    /* after the end, a feed says how it ended */
    if (gf__http_resp_feed(p, "x", 1) != eof_rc)
      r->bad_pieces++;
  }
  gf__http_resp_free(p);
  return eof_rc;
}

/* ---- vectors ---- */

typedef struct vec {
  const char *name;
  char *in;
  size_t len;
  char *log; /* expected after the feeds and the eof */
  char *body;
  size_t body_len;
  int feed_rc, eof_rc;
  size_t msg_end;      /* where the response ends; bytes after are ignored */
  int close_delimited; /* the eof ends the body */
} vec;

static char *dupn(const char *s, size_t n) {
  char *d = malloc(n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

static vec mk(const char *name, const char *in, const char *log,
              const char *body, int feed_rc, int eof_rc) {
  vec v = {name,
           dupn(in, strlen(in)),
           strlen(in),
           dupn(log, strlen(log)),
           dupn(body, strlen(body)),
           strlen(body),
           feed_rc,
           eof_rc,
           0,
           0};
  v.msg_end = v.len;
  return v;
}

static void vec_free(vec *v) {
  free(v->in);
  free(v->log);
  free(v->body);
}

/* Runs v with the given cuts and compares the transcript. Reports the
 * first mismatch only (the caller stops there). */
static int check_run(const vec *v, const size_t *cuts, size_t ncuts,
                     size_t step, const char *how) {
  rec r;
  rec_init(&r);
  int feed_rc;
  int eof_rc = run(&r, v->in, v->len, cuts, ncuts, step, 1, &feed_rc);
  int ok = feed_rc == v->feed_rc && eof_rc == v->eof_rc &&
           !strcmp(r.log.data, v->log) && r.body.len == v->body_len &&
           !memcmp(r.body.data ? r.body.data : "", v->body, v->body_len) &&
           r.completes == (v->eof_rc == 0 && v->feed_rc == 0) &&
           r.bad_pieces == 0;
  if (!ok) {
    fprintf(stderr,
            "%s (%s, %zu cuts, first %zu): feed %d eof %d (want %d %d), "
            "body %zu bytes (want %zu), %d completes, %d bad pieces\n"
            "log:\n%.2000s\nwant:\n%.2000s\n",
            v->name, how, ncuts, ncuts ? cuts[0] : 0, feed_rc, eof_rc,
            v->feed_rc, v->eof_rc, r.body.len, v->body_len, r.completes,
            r.bad_pieces, r.log.data, v->log);
  }
  CHECK(ok);
  rec_free(&r);
  return ok;
}

/* The split points to try: all of them for short inputs; for long ones
 * every point near both ends plus ~250 spread over the middle. */
static size_t split_points(size_t len, size_t *pts, size_t cap) {
  size_t n = 0;
  if (len <= 4096) {
    for (size_t i = 1; i < len && n < cap; i++)
      pts[n++] = i;
    return n;
  }
  for (size_t i = 1; i < 64; i++)
    pts[n++] = i;
  for (size_t k = 1; k < 250; k++)
    pts[n++] = 64 + (len - 128) / 250 * k + k % 7;
  for (size_t i = len - 63; i < len; i++)
    pts[n++] = i;
  return n;
}

static void check_all_splits(const vec *v) {
  if (!check_run(v, NULL, 0, 0, "whole"))
    return;
  static size_t pts[5000];
  size_t np = split_points(v->len, pts, 5000);
  for (size_t i = 0; i < np; i++)
    if (!check_run(v, &pts[i], 1, 0, "one split"))
      return;
  if (v->len <= 300)
    for (size_t i = 1; i < v->len; i++)
      for (size_t j = i + 1; j < v->len; j++) {
        size_t two[2] = {i, j};
        if (!check_run(v, two, 2, 0, "two splits"))
          return;
      }
  check_run(v, NULL, 0, 1, "byte by byte");
}

/* The connection ends after each prefix: a prefix that holds the whole
 * response (or the head of a close-delimited one) is complete, any other
 * is truncated. */
static void check_truncations(const vec *v) {
  size_t head_end = 0;
  const char *blank = strstr(v->in, "\r\n\r\n");
  if (blank)
    head_end = (size_t)(blank - v->in) + 4;
  static size_t pts[5000];
  size_t np = split_points(v->len, pts, 4998);
  pts[np++] = 0;
  pts[np++] = v->len;
  for (size_t i = 0; i < np; i++) {
    size_t k = pts[i];
    int want = k >= v->msg_end || (v->close_delimited && k >= head_end)
                   ? 0
                   : GF_ETRUNCATED;
    rec r;
    rec_init(&r);
    int feed_rc;
    int eof_rc = run(&r, v->in, k, NULL, 0, 0, 1, &feed_rc);
    int ok = feed_rc == 0 && eof_rc == want && r.completes == (want == 0) &&
             r.bad_pieces == 0;
    if (!ok)
      fprintf(stderr, "%s: prefix of %zu: feed %d eof %d (want %d)\n", v->name,
              k, feed_rc, eof_rc, want);
    CHECK(ok);
    rec_free(&r);
    if (!ok)
      return;
  }
}

/* ---- the vectors ---- */

#define CHUNKED_EXT                                                            \
  "HTTP/1.1 200 OK\r\n"                                                        \
  "Content-Type: text/event-stream\r\n"                                        \
  "Transfer-Encoding: chunked\r\n"                                             \
  "Trailer: X-Checksum\r\n"                                                    \
  "\r\n"                                                                       \
  "5;name=value\r\nhello\r\n"                                                  \
  "1;flag;q=\"a b\"\r\n \r\n"                                                  \
  "0A\r\n world, 42\r\n"                                                       \
  "b;x=\"\"\r\ndata: x\r\n\r\n\r\n"                                            \
  "0;end=\"yes\"\r\n"                                                          \
  "X-Checksum: abc\r\n"                                                        \
  "\r\n"

static vec v_chunked(void) {
  return mk("chunked with extensions and trailers", CHUNKED_EXT,
            "H Content-Type: text/event-stream\n"
            "H Transfer-Encoding: chunked\n"
            "H Trailer: X-Checksum\n"
            "S 200\n"
            "C\n",
            "hello  world, 42data: x\r\n\r\n", 0, 0);
}

#define AFTER "HTTP/1.1 500 Oops\r\nContent-Length: 1\r\n\r\n!\x01garbage"

static vec v_content_length(void) {
  vec v = mk("content-length, then bytes that are not ours",
             "HTTP/1.1 200 OK\r\n"
             "Content-Type: application/json\r\n"
             "Content-Length: 11\r\n"
             "\r\n"
             "{\"ok\":true}" AFTER,
             "H Content-Type: application/json\n"
             "H Content-Length: 11\n"
             "S 200\n"
             "C\n",
             "{\"ok\":true}", 0, 0);
  v.msg_end = v.len - strlen(AFTER);
  return v;
}

static vec v_close_delimited(void) {
  vec v = mk("close-delimited",
             "HTTP/1.1 200 OK\r\n"
             "Content-Type: text/event-stream\r\n"
             "Connection: close\r\n"
             "\r\n"
             "data: 1\n\ndata: 2\n\n",
             "H Content-Type: text/event-stream\n"
             "H Connection: close\n"
             "S 200\n"
             "C\n",
             "data: 1\n\ndata: 2\n\n", 0, 0);
  v.close_delimited = 1;
  v.msg_end = (size_t)-1; /* only the eof ends it */
  return v;
}

static vec v_close_delimited_empty(void) {
  vec v = mk("HTTP/1.0, close-delimited, empty",
             "HTTP/1.0 200 OK\r\nServer: x\r\n\r\n", "H Server: x\nS 200\nC\n",
             "", 0, 0);
  v.close_delimited = 1;
  v.msg_end = (size_t)-1;
  return v;
}

static vec v_continue(void) {
  return mk("100 Continue and 103 Early Hints, then 200",
            "HTTP/1.1 100 Continue\r\n"
            "X-Interim: 1\r\n"
            "\r\n"
            "HTTP/1.1 103 Early Hints\r\n"
            "Link: </style.css>; rel=preload\r\n"
            "\r\n"
            "HTTP/1.1 200 OK\r\n"
            "Content-Length: 2\r\n"
            "\r\n"
            "hi",
            "H Content-Length: 2\nS 200\nC\n", "hi", 0, 0);
}

static vec v_continue_with_length(void) {
  return mk("a 100 that claims a body, then 200",
            "HTTP/1.1 100 Continue\r\nContent-Length: 2\r\n\r\n"
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
            "H Content-Length: 2\nS 200\nC\n", "hi", 0, 0);
}

static vec v_204_with_length(void) {
  vec v = mk("a 204 that claims a body",
             "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello",
             "H Content-Length: 5\nS 204\nC\n", "", 0, 0);
  v.msg_end = v.len - 5;
  return v;
}

static vec v_304_chunked(void) {
  vec v = mk("a 304 that claims a chunked body",
             "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n"
             "\r\n5\r\nhello\r\n0\r\n\r\n",
             "H Transfer-Encoding: chunked\nS 304\nC\n", "", 0, 0);
  v.msg_end = v.len - 15;
  return v;
}

#define ERR_JSON                                                               \
  "{\n  \"error\": {\n    \"code\": 429,\n    \"message\": \"Resource has "    \
  "been exhausted (e.g. check quota).\",\n    \"status\": "                    \
  "\"RESOURCE_EXHAUSTED\"\n  }\n}\n"

static vec v_429(void) {
  char in[512];
  snprintf(in, sizeof in,
           "HTTP/1.1 429 Too Many Requests\r\n"
           "Content-Type: application/json; charset=UTF-8\r\n"
           "Retry-After: 30\r\n"
           "Content-Length: %zu\r\n"
           "\r\n" ERR_JSON,
           strlen(ERR_JSON));
  char log[256];
  snprintf(log, sizeof log,
           "H Content-Type: application/json; charset=UTF-8\n"
           "H Retry-After: 30\n"
           "H Content-Length: %zu\n"
           "S 429\n"
           "C\n",
           strlen(ERR_JSON));
  return mk("429 with a JSON body", in, log, ERR_JSON, 0, 0);
}

/* A 3000-byte value padded with whitespace, an empty one, one of spaces
 * only: split at every point, the value comes in up to 3000 pieces. */
static vec v_pieces(void) {
  char in[4096], log[4096], val[3001];
  for (int i = 0; i < 3000; i++)
    val[i] = "abcdefghijklmnopqrstuvwxyz0123456789;=, \"/"[i % 42];
  val[2999] = 'Z'; /* the trimming must stop at a non-blank */
  val[3000] = '\0';
  snprintf(in, sizeof in,
           "HTTP/1.1 204 No Content\r\n"
           "X-Long: \t %s \t \r\n"
           "X-Empty:\r\n"
           "X-Spaces:    \r\n"
           "x-lower-case:MiXeD  Case\r\n"
           "\r\n",
           val);
  snprintf(log, sizeof log,
           "H X-Long: %s\n"
           "H X-Empty: \n"
           "H X-Spaces: \n"
           "H x-lower-case: MiXeD  Case\n"
           "S 204\n"
           "C\n",
           val);
  return mk("a header value in many pieces", in, log, "", 0, 0);
}

static vec v_bad_status(void) {
  return mk("invalid status line",
            "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", "", "", GF_EHTTP,
            GF_EHTTP);
}

static vec v_low_status(void) {
  return mk("a status below 100", "HTTP/1.1 099 Low\r\nA: b\r\n\r\n", "", "",
            GF_EHTTP, GF_EHTTP);
}

static vec v_no_reason(void) {
  return mk("a status line without a reason",
            "HTTP/1.1 200\r\nContent-Length: 3\r\n\r\nabc",
            "H Content-Length: 3\nS 200\nC\n", "abc", 0, 0);
}

static vec v_bad_version(void) {
  return mk("not HTTP", "HTTX/1.1 200 OK\r\n\r\n", "", "", GF_EHTTP, GF_EHTTP);
}

static vec v_bad_header(void) {
  return mk("a header line without a colon",
            "HTTP/1.1 200 OK\r\nA: 1\r\nBad Header\r\n\r\n", "H A: 1\n", "",
            GF_EHTTP, GF_EHTTP);
}

static vec v_empty_name(void) {
  return mk("an empty header name",
            "HTTP/1.1 200 OK\r\nA: 1\r\n: x\r\nContent-Length: 0\r\n\r\n",
            "H A: 1\n", "", GF_EHTTP, GF_EHTTP);
}

static vec v_bad_chunk(void) {
  return mk("an invalid chunk size after a good chunk",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            "5\r\nhello\r\nzz\r\n",
            "H Transfer-Encoding: chunked\nS 200\n", "hello", GF_EHTTP,
            GF_EHTTP);
}

static vec v_te_and_cl(void) {
  /* request smuggling's favourite: llhttp refuses both framings at once */
  return mk("Transfer-Encoding and Content-Length",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
            "Content-Length: 5\r\n\r\n0\r\n\r\n",
            "H Transfer-Encoding: chunked\nH Content-Length: 5\n", "", GF_EHTTP,
            GF_EHTTP);
}

static vec v_101(void) {
  return mk("101 Switching Protocols (never asked for)",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\n\r\n\x81\x05hello",
            "", "", GF_EHTTP, GF_EHTTP);
}

/* A header of name + value = limit + extra bytes. */
static vec v_big_header(int extra) {
  size_t vlen = GF_HTTP_MAX_HEADER - strlen("X-Big") + (size_t)extra;
  char *val = malloc(vlen + 1);
  memset(val, 'v', vlen);
  val[vlen] = '\0';
  size_t cap = vlen + 256;
  char *in = malloc(cap), *log = malloc(cap);
  snprintf(in, cap,
           "HTTP/1.1 200 OK\r\nX-First: 1\r\nX-Big: %s\r\n"
           "Content-Length: 0\r\n\r\n",
           val);
  if (extra > 0)
    snprintf(log, cap, "H X-First: 1\n");
  else
    snprintf(log, cap,
             "H X-First: 1\nH X-Big: %s\nH Content-Length: 0\n"
             "S 200\nC\n",
             val);
  vec v = mk(extra > 0 ? "header over the limit" : "header at the limit", in,
             log, "", extra > 0 ? GF_ETOOBIG : 0, extra > 0 ? GF_ETOOBIG : 0);
  free(val);
  free(in);
  free(log);
  return v;
}

static vec v_many_headers(int n) {
  gf__buf in, log;
  gf__buf_init(&in, 0);
  gf__buf_init(&log, 0);
  gf__buf_printf(&in, "HTTP/1.1 200 OK\r\n");
  for (int i = 1; i < n; i++) {
    gf__buf_printf(&in, "X-H%d: %d\r\n", i, i);
    gf__buf_printf(&log, "H X-H%d: %d\n", i, i);
  }
  gf__buf_printf(&in, "Content-Length: 0\r\n\r\n");
  int over = n > GF_HTTP_MAX_HEADERS;
  if (!over)
    gf__buf_printf(&log, "H Content-Length: 0\nS 200\nC\n");
  vec v =
      mk(over ? "one header too many" : "as many headers as allowed", in.data,
         log.data, "", over ? GF_ETOOBIG : 0, over ? GF_ETOOBIG : 0);
  gf__buf_free(&in);
  gf__buf_free(&log);
  return v;
}

typedef vec (*vec_fn)(void);

static void each(vec_fn f, void (*check)(const vec *)) {
  vec v = f();
  check(&v);
  vec_free(&v);
}

static void test_vectors_split_everywhere(void) {
  vec_fn fs[] = {v_chunked,
                 v_content_length,
                 v_close_delimited,
                 v_close_delimited_empty,
                 v_continue,
                 v_429,
                 v_pieces,
                 v_bad_status,
                 v_bad_version,
                 v_bad_header,
                 v_bad_chunk,
                 v_te_and_cl,
                 v_101,
                 v_low_status,
                 v_no_reason,
                 v_continue_with_length,
                 v_204_with_length,
                 v_304_chunked,
                 v_empty_name};
  for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
    each(fs[i], check_all_splits);
}

static void test_truncation_at_every_point(void) {
  vec_fn fs[] = {v_chunked,
                 v_content_length,
                 v_close_delimited,
                 v_close_delimited_empty,
                 v_continue,
                 v_429,
                 v_pieces,
                 v_no_reason,
                 v_continue_with_length,
                 v_204_with_length,
                 v_304_chunked};
  for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
    each(fs[i], check_truncations);
}

static void test_header_limits(void) {
  vec v = v_big_header(0);
  check_all_splits(&v);
  check_truncations(&v);
  vec_free(&v);
  v = v_big_header(1);
  check_all_splits(&v);
  vec_free(&v);
  v = v_many_headers(GF_HTTP_MAX_HEADERS);
  check_all_splits(&v);
  vec_free(&v);
  v = v_many_headers(GF_HTTP_MAX_HEADERS + 1);
  check_all_splits(&v);
  vec_free(&v);
}

static void test_long_name(void) {
  size_t n = GF_HTTP_MAX_HEADER + 1;
  char *in = malloc(n + 64);
  memcpy(in, "HTTP/1.1 200 OK\r\n", 17);
  memset(in + 17, 'N', n);
  memcpy(in + 17 + n, ": v\r\n\r\n", 8);
  vec v = mk("a name over the limit", in, "", "", GF_ETOOBIG, GF_ETOOBIG);
  check_all_splits(&v);
  vec_free(&v);
  free(in);
}

/* ---- 5 MB chunked in odd chunk sizes ---- */

static void test_big_chunked_body(void) {
  static const size_t sizes[] = {1,   3,    7,      4093, 65521,   17, 999983,
                                 255, 4097, 131071, 9,    1048573, 2,  300007};
  const size_t total = 5u << 20;
  gf__buf in, body;
  gf__buf_init(&in, 0);
  gf__buf_init(&body, 0);
  uint32_t x = 12345;
  for (size_t i = 0; i < total; i++) {
    x = x * 1103515245u + 12345u;
    gf__buf_appendc(&body, (char)(x >> 16));
  }
  gf__buf_printf(&in, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n");
  size_t off = 0;
  for (size_t k = 0; off < total; k++) {
    size_t n = sizes[k % (sizeof sizes / sizeof sizes[0])];
    if (n > total - off)
      n = total - off;
    /* upper- and lower-case hex, some with an extension */
    if (k % 3 == 0)
      gf__buf_printf(&in, "%zX;i=%zu\r\n", n, k);
    else
      gf__buf_printf(&in, "%zx\r\n", n);
    gf__buf_append(&in, body.data + off, n);
    gf__buf_append(&in, "\r\n", 2);
    off += n;
  }
  gf__buf_printf(&in, "0\r\n\r\n");
  vec v = {"5 MB chunked",
           in.data,
           in.len,
           "H Content-Type: text/event-stream\n"
           "H Transfer-Encoding: chunked\n"
           "S 200\nC\n",
           body.data,
           body.len,
           0,
           0,
           in.len,
           0};
  check_all_splits(&v); /* whole, ~370 splits, byte by byte */
  check_truncations(&v);
  gf__buf_free(&in);
  gf__buf_free(&body);
}

/* ---- callback codes ---- */

static void test_body_code_stops_feed(void) {
  const char *in = CHUNKED_EXT;
  rec r;
  rec_init(&r);
  r.fail_body_rc = 1234;
  int feed_rc;
  int eof_rc = run(&r, in, strlen(in), NULL, 0, 0, 1, &feed_rc);
  CHECK_INT(feed_rc, 1234);
  CHECK_INT(eof_rc, 1234);
  CHECK_INT(r.body_calls, 1); /* nothing after the refusal */
  CHECK_MEM(r.body.data, r.body.len, "hello", 5);
  CHECK_INT(r.completes, 0);
  CHECK_INT(r.bad_pieces, 0);

  /* byte by byte: the first body byte is refused */
  rec_clear(&r);
  eof_rc = run(&r, in, strlen(in), NULL, 0, 1, 1, &feed_rc);
  CHECK_INT(feed_rc, 1234);
  CHECK_INT(eof_rc, 1234);
  CHECK_INT(r.body_calls, 1);
  CHECK_MEM(r.body.data, r.body.len, "h", 1);
  CHECK_INT(r.bad_pieces, 0);
  rec_free(&r);
}

static void test_header_code_stops_feed(void) {
  const char *in = CHUNKED_EXT;
  rec r;
  rec_init(&r);
  r.fail_header = "transfer-encoding";
  r.fail_header_rc = GF_ECANCELED;
  int feed_rc;
  int eof_rc = run(&r, in, strlen(in), NULL, 0, 0, 1, &feed_rc);
  CHECK_INT(feed_rc, GF_ECANCELED);
  CHECK_INT(eof_rc, GF_ECANCELED);
  CHECK_STR(r.log.data, "H Content-Type: text/event-stream\n"
                        "H Transfer-Encoding: chunked\n");
  CHECK_INT(r.body_calls, 0);
  rec_free(&r);
}

static void test_status_code_stops_feed(void) {
  const char *in = CHUNKED_EXT;
  rec r;
  rec_init(&r);
  r.fail_status_rc = -99;
  int feed_rc;
  int eof_rc = run(&r, in, strlen(in), NULL, 0, 0, 1, &feed_rc);
  CHECK_INT(feed_rc, -99);
  CHECK_INT(eof_rc, -99);
  CHECK_INT(r.body_calls, 0);
  CHECK_INT(r.completes, 0);
  rec_free(&r);
}

static void test_complete_code(void) {
  rec r;
  rec_init(&r);
  r.fail_complete_rc = 7;
  int feed_rc;
  const char *cl = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
  int eof_rc = run(&r, cl, strlen(cl), NULL, 0, 0, 1, &feed_rc);
  CHECK_INT(feed_rc, 7);
  CHECK_INT(eof_rc, 7);
  CHECK_INT(r.completes, 1);

  /* a close-delimited body completes in the eof, which returns the code */
  rec_clear(&r);
  const char *cd = "HTTP/1.1 200 OK\r\n\r\nx";
  eof_rc = run(&r, cd, strlen(cd), NULL, 0, 0, 1, &feed_rc);
  CHECK_INT(feed_rc, 0);
  CHECK_INT(eof_rc, 7);
  CHECK_INT(r.completes, 1);
  CHECK_INT(r.bad_pieces, 0);
  rec_free(&r);
}

/* ---- odds and ends ---- */

static void test_errmsg(void) {
  gf__http_resp *p = gf__http_resp_new(&rec_cbs, NULL);
  CHECK_STR(gf__http_resp_errmsg(p), "no error");
  CHECK_INT(gf__http_resp_feed(p, "HTTP/1.1 2x0", 12), GF_EHTTP);
  CHECK_STR(gf__http_resp_errmsg(p),
            "HPE_INVALID_STATUS: Invalid response status");
  gf__http_resp_free(p);

  rec r;
  rec_init(&r);
  p = gf__http_resp_new(&rec_cbs, &r);
  const char *s = "HTTP/1.1 101 Switching Protocols\r\n\r\n";
  CHECK_INT(gf__http_resp_feed(p, s, strlen(s)), GF_EHTTP);
  CHECK_STR(gf__http_resp_errmsg(p), "unexpected 101 Switching Protocols");
  gf__http_resp_free(p);

  p = gf__http_resp_new(&rec_cbs, &r);
  CHECK_INT(gf__http_resp_feed(p, "HTTP/1.1 000 X\r\n", 16), GF_EHTTP);
  CHECK_STR(gf__http_resp_errmsg(p), "status 000");
  gf__http_resp_free(p);

  p = gf__http_resp_new(&rec_cbs, &r);
  CHECK_INT(gf__http_resp_eof(p), GF_ETRUNCATED);
  CHECK_STR(gf__http_resp_errmsg(p), "connection closed inside the response");
  CHECK_INT(gf__http_resp_feed(p, "HTTP/1.1 200 OK\r\n", 17), GF_ETRUNCATED);
  gf__http_resp_free(p);
  CHECK_STR(r.log.data, "");
  rec_free(&r);
}

/* Interim responses are skipped, but not without end: GF_HTTP_MAX_INTERIM
 * of them are fine, one more is an error. */
static void test_interim_bound(void) {
  for (int extra = 0; extra < 2; extra++) {
    rec r;
    rec_init(&r);
    gf__http_resp *p = gf__http_resp_new(&rec_cbs, &r);
    const char *early = "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n";
    int rc = 0;
    for (int i = 0; i < GF_HTTP_MAX_INTERIM + extra && !rc; i++)
      rc = gf__http_resp_feed(p, early, strlen(early));
    const char *ok = "HTTP/1.1 204 No Content\r\n\r\n";
    if (!rc)
      rc = gf__http_resp_feed(p, ok, strlen(ok));
    if (extra) {
      CHECK_INT(rc, GF_EHTTP);
      CHECK_STR(gf__http_resp_errmsg(p), "more than 8 interim (1xx) responses");
      CHECK_STR(r.log.data, "");
    } else {
      CHECK_INT(rc, 0);
      CHECK_STR(r.log.data, "S 204\nC\n");
    }
    gf__http_resp_free(p);
    rec_free(&r);
  }
}

static void test_empty_feed_and_null_callbacks(void) {
  /* callbacks may be left out; empty feeds are no-ops */
  gf__http_resp_cbs none = {0};
  gf__http_resp *p = gf__http_resp_new(&none, NULL);
  CHECK_INT(gf__http_resp_feed(p, NULL, 0), 0);
  const char *s = "HTTP/1.1 200 OK\r\nA: b\r\nTransfer-Encoding: chunked\r\n"
                  "\r\n3\r\nabc\r\n0\r\n\r\n";
  CHECK_INT(gf__http_resp_feed(p, s, strlen(s)), 0);
  CHECK_INT(gf__http_resp_feed(p, NULL, 0), 0);
  CHECK_INT(gf__http_resp_eof(p), 0);
  gf__http_resp_free(p);
  gf__http_resp_free(NULL);
}

/* ---- writers through the parser ---- */

static void test_round_trip_chunked(void) {
  gf__buf out;
  gf__buf_init(&out, 0);
  gf__http_header h[] = {{"Content-Type", "text/event-stream"},
                         {"Cache-Control", "no-cache"}};
  CHECK_INT(gf__http_write_response_head(&out, 200, h, 2, -1), 0);
  char big[300];
  for (int i = 0; i < 300; i++)
    big[i] = (char)('a' + i % 26);
  CHECK_INT(gf__http_write_chunk(&out, "data: a\n\n", 9), 0);
  CHECK_INT(gf__http_write_chunk(&out, "\n", 1), 0);
  CHECK_INT(gf__http_write_chunk(&out, big, 300), 0);
  CHECK_INT(gf__http_write_chunk(&out, NULL, 0), 0);
  char body[310];
  memcpy(body, "data: a\n\n\n", 10);
  memcpy(body + 10, big, 300);
  vec v = {"written, chunked",
           out.data,
           out.len,
           "H Content-Type: text/event-stream\n"
           "H Cache-Control: no-cache\n"
           "H Transfer-Encoding: chunked\n"
           "S 200\nC\n",
           body,
           310,
           0,
           0,
           out.len,
           0};
  check_all_splits(&v);
  check_truncations(&v);
  gf__buf_free(&out);
}

static void test_round_trip_length(void) {
  gf__buf out;
  gf__buf_init(&out, 0);
  /* an interim response first, then the final one */
  CHECK_INT(gf__http_write_response_head(&out, 100, NULL, 0, 0), 0);
  gf__http_header h[] = {{"Content-Type", "application/json"}};
  CHECK_INT(
      gf__http_write_response_head(&out, 429, h, 1, (int64_t)strlen(ERR_JSON)),
      0);
  gf__buf_append(&out, ERR_JSON, strlen(ERR_JSON));
  char log[256];
  snprintf(log, sizeof log,
           "H Content-Type: application/json\nH Content-Length: %zu\n"
           "S 429\nC\n",
           strlen(ERR_JSON));
  char *body = dupn(ERR_JSON, strlen(ERR_JSON));
  vec v = {"written, 100 then 429",
           out.data,
           out.len,
           log,
           body,
           strlen(body),
           0,
           0,
           out.len,
           0};
  check_all_splits(&v);
  check_truncations(&v);
  free(body);

  /* 204: no framing header, complete at the end of the head */
  gf__buf_reset(&out);
  CHECK_INT(gf__http_write_response_head(&out, 204, NULL, 0, 0), 0);
  vec e = {"written, 204", out.data, out.len, "S 204\nC\n", "", 0, 0, 0,
           out.len,        0};
  check_all_splits(&e);
  gf__buf_free(&out);
}

/* Lower bounds set by the client's options: a header past max bytes, a
 * response past max headers; fed whole and byte by byte. */
static void test_configured_limits(void) {
  /* the longest header: "A" and 20 digits, 21 bytes */
  static const char head[] = "HTTP/1.1 200 OK\r\nA: 12345678901234567890\r\n"
                             "B: 2\r\nContent-Length: 0\r\n\r\n";
  static const struct {
    size_t bytes;
    unsigned count;
    int want;
  } cases[] = {{0, 0, 0},  {21, 0, 0}, {20, 0, GF_ETOOBIG}, {0, 3, 0},
               {0, 2, GF_ETOOBIG}, {21, 3, 0}, {21, 2, GF_ETOOBIG}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    for (size_t step = 0; step <= 1; step++) {
      rec r;
      rec_init(&r);
      gf__http_resp *p = gf__http_resp_new(&rec_cbs, &r);
      gf__http_resp_limits(p, cases[i].bytes, cases[i].count);
      int rc = 0;
      if (step)
        for (size_t k = 0; k < sizeof head - 1 && !rc; k++)
          rc = gf__http_resp_feed(p, head + k, 1);
      else
        rc = gf__http_resp_feed(p, head, sizeof head - 1);
      if (rc != cases[i].want)
        fprintf(stderr, "case %zu step %zu\n", i, step);
      CHECK_INT(rc, cases[i].want);
      CHECK_INT(r.completes, cases[i].want ? 0 : 1);
      gf__http_resp_free(p);
      rec_free(&r);
    }
  }
}

/* Whether the connection may carry another request, at every split of
 * the response and of what follows it. */
static int reusable_at(const char *in, size_t len, size_t cut, int eof) {
  rec r;
  rec_init(&r);
  gf__http_resp *p = gf__http_resp_new(&rec_cbs, &r);
  gf__http_resp_feed(p, in, cut);
  gf__http_resp_feed(p, in + cut, len - cut);
  if (eof)
    gf__http_resp_eof(p);
  int ok = gf__http_resp_reusable(p);
  gf__http_resp_free(p);
  rec_free(&r);
  return ok;
}

static void test_reusable(void) {
  static const struct {
    const char *in;
    int eof, want;
  } cases[] = {
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "3\r\nabc\r\n0\r\n\r\n", 0, 1},
      {"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 2\r\n\r\n{}", 0,
       1},
      {"HTTP/1.1 100 Continue\r\nConnection: close\r\n\r\n"
       "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 1},
      {"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\n"
       "Content-Length: 0\r\n\r\n", 0, 0},
      {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0},
      {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
       "Content-Length: 0\r\n\r\n", 0, 1},
      {"HTTP/1.1 200 OK\r\n\r\nclose-delimited", 1, 0},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1", 0, 0},
      {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nxy", 0, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t len = strlen(cases[i].in);
    for (size_t cut = 0; cut <= len; cut++) {
      int got = reusable_at(cases[i].in, len, cut, cases[i].eof);
      if (got != cases[i].want)
        fprintf(stderr, "case %zu cut %zu\n", i, cut);
      CHECK_INT(got, cases[i].want);
    }
  }
}

TEST_MAIN(TEST(test_reusable), TEST(test_configured_limits), TEST(test_vectors_split_everywhere),
          TEST(test_truncation_at_every_point), TEST(test_header_limits),
          TEST(test_long_name), TEST(test_big_chunked_body),
          TEST(test_body_code_stops_feed), TEST(test_header_code_stops_feed),
          TEST(test_status_code_stops_feed), TEST(test_complete_code),
          TEST(test_errmsg), TEST(test_empty_feed_and_null_callbacks),
          TEST(test_round_trip_chunked), TEST(test_round_trip_length),
          TEST(test_interim_bound))
