/* The request parser (the simulator's side): pipelined requests fed whole,
 * split at every point and every pair of points, and byte by byte, each
 * giving the same transcript; keep-alive; errors; callback codes; the
 * request writer round-tripped through it. */
#include "gemflow.h"
#include "http/http.h"
#include "test.h"

typedef struct rec {
  gf__http_req *p;
  gf__buf
      log; /* "H name: value\n", "R METHOD target ka=1\n", "B ..\nC ka=1\n" */
  gf__buf body; /* of the current request */
  int bad;      /* broken promises: pieces, NULs, keep-alive changing */
  int ka_at_headers;
  int fail_body_rc, fail_target_rc;
} rec;

static int r_header(void *ud, const char *n, size_t nl, const char *v,
                    size_t vl) {
  rec *r = ud;
  if (n[nl] != '\0' || v[vl] != '\0' || strlen(n) != nl || strlen(v) != vl)
    r->bad++;
  gf__buf_printf(&r->log, "H %s: %s\n", n, v);
  return 0;
}

static int r_headers_done(void *ud, const char *method, const char *target) {
  rec *r = ud;
  r->ka_at_headers = gf__http_req_keep_alive(r->p);
  gf__buf_printf(&r->log, "R %s %s ka=%d\n", method, target, r->ka_at_headers);
  gf__buf_reset(&r->body);
  return strcmp(target, "/fail") ? 0 : r->fail_target_rc;
}

static int r_body(void *ud, const char *p, size_t n) {
  rec *r = ud;
  if (n == 0)
    r->bad++;
  gf__buf_append(&r->body, p, n);
  return r->fail_body_rc;
}

static int r_complete(void *ud) {
  rec *r = ud;
  if (gf__http_req_keep_alive(r->p) != r->ka_at_headers)
    r->bad++;
  gf__buf_printf(&r->log, "B %s\nC\n", r->body.data ? r->body.data : "");
  return 0;
}

static const gf__http_req_cbs rec_cbs = {r_header, r_headers_done, r_body,
                                         r_complete};

/* Feeds in cut at cuts[] (or in steps of step bytes); errors must be
 * sticky. Returns the first non-zero feed result. */
static int run(rec *r, const char *in, size_t len, const size_t *cuts,
               size_t ncuts, size_t step) {
  memset(r, 0, sizeof *r);
  gf__buf_init(&r->log, 0);
  gf__buf_init(&r->body, 0);
  gf__buf_append(&r->log, "", 0);
  r->p = gf__http_req_new(&rec_cbs, r);
  int first = 0;
  size_t at = 0;
  for (size_t i = 0; at < len || i == 0; i++) {
    size_t end = step        ? (len - at < step ? len : at + step)
                 : i < ncuts ? cuts[i]
                             : len;
    int rc = gf__http_req_feed(r->p, in + at, end - at);
    if (first && rc != first)
      r->bad++;
    if (!first)
      first = rc;
    at = end;
  }
  gf__http_req_free(r->p);
  return first;
}

static void rec_free(rec *r) {
  gf__buf_free(&r->log);
  gf__buf_free(&r->body);
}

static int check_run(const char *name, const char *in, size_t len,
                     const char *log, int want_rc, const size_t *cuts,
                     size_t ncuts, size_t step) {
  rec r;
  int rc = run(&r, in, len, cuts, ncuts, step);
  int ok = rc == want_rc && !strcmp(r.log.data, log) && r.bad == 0;
  if (!ok)
    fprintf(stderr,
            "%s (%zu cuts, first %zu, step %zu): rc %d (want %d), bad %d\n"
            "log:\n%s\nwant:\n%s\n",
            name, ncuts, ncuts ? cuts[0] : 0, step, rc, want_rc, r.bad,
            r.log.data, log);
  CHECK(ok);
  rec_free(&r);
  return ok;
}

/* Whole, every split, every pair of splits (short inputs), byte by byte. */
static void check_everywhere(const char *name, const char *in, const char *log,
                             int want_rc) {
  size_t len = strlen(in);
  if (!check_run(name, in, len, log, want_rc, NULL, 0, 0))
    return;
  for (size_t i = 1; i < len; i++)
    if (!check_run(name, in, len, log, want_rc, &i, 1, 0))
      return;
  if (len <= 400)
    for (size_t i = 1; i < len; i++)
      for (size_t j = i + 1; j < len; j++) {
        size_t two[2] = {i, j};
        if (!check_run(name, in, len, log, want_rc, two, 2, 0))
          return;
      }
  check_run(name, in, len, log, want_rc, NULL, 0, 1);
}

#define BODY "{\"contents\":[{\"parts\":[{\"text\":\"a cat\"}]}]}"
#define TARGET                                                                 \
  "/v1beta/models/gemini-3-pro-image-preview:streamGenerateContent?alt=sse"

static void test_two_pipelined(void) {
  char in[1024], log[1024];
  snprintf(in, sizeof in,
           "POST " TARGET " HTTP/1.1\r\n"
           "Host: localhost:8443\r\n"
           "x-goog-api-key: K1\r\n"
           "Content-Type: application/json\r\n"
           "Content-Length: %zu\r\n"
           "\r\n" BODY "GET /healthz HTTP/1.1\r\n"
           "Host: localhost\r\n"
           "Connection: close\r\n"
           "\r\n"
           /* after a request that closes: not parsed, not an error */
           "GET /ignored HTTP/1.1\r\n\r\n\x01\x02",
           strlen(BODY));
  snprintf(log, sizeof log,
           "H Host: localhost:8443\n"
           "H x-goog-api-key: K1\n"
           "H Content-Type: application/json\n"
           "H Content-Length: %zu\n"
           "R POST " TARGET " ka=1\n"
           "B " BODY "\n"
           "C\n"
           "H Host: localhost\n"
           "H Connection: close\n"
           "R GET /healthz ka=0\n"
           "B \n"
           "C\n",
           strlen(BODY));
  check_everywhere("two pipelined", in, log, 0);
}

static void test_chunked_and_http10(void) {
  check_everywhere(
      "chunked body with trailer, then HTTP/1.0 keep-alive and close",
      "POST /upload HTTP/1.1\r\n"
      "Host: x\r\n"
      "Transfer-Encoding: chunked\r\n"
      "\r\n"
      "3;x=1\r\nabc\r\n"
      "A\r\n0123456789\r\n"
      "0\r\n"
      "X-Trailer: t\r\n"
      "\r\n"
      "GET /a HTTP/1.0\r\n"
      "Connection: keep-alive\r\n"
      "\r\n"
      "GET /b HTTP/1.0\r\n"
      "\r\n"
      "GET /c HTTP/1.1\r\n\r\n",
      "H Host: x\n"
      "H Transfer-Encoding: chunked\n"
      "R POST /upload ka=1\n"
      "B abc0123456789\n"
      "C\n"
      "H Connection: keep-alive\n"
      "R GET /a ka=1\n"
      "B \n"
      "C\n"
      "R GET /b ka=0\n"
      "B \n"
      "C\n",
      0);
}

static void test_upgrade_not_taken(void) {
  check_everywhere("h2c upgrade offered, then another request",
                   "GET / HTTP/1.1\r\n"
                   "Host: x\r\n"
                   "Connection: Upgrade, HTTP2-Settings\r\n"
                   "Upgrade: h2c\r\n"
                   "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"
                   "\r\n"
                   "GET /b HTTP/1.1\r\n"
                   "Host: y\r\n"
                   "\r\n",
                   "H Host: x\n"
                   "H Connection: Upgrade, HTTP2-Settings\n"
                   "H Upgrade: h2c\n"
                   "H HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\n"
                   "R GET / ka=1\n"
                   "B \n"
                   "C\n"
                   "H Host: y\n"
                   "R GET /b ka=1\n"
                   "B \n"
                   "C\n",
                   0);
}

static void test_errors(void) {
  check_everywhere("invalid method", "FOO@ / HTTP/1.1\r\n\r\n", "", GF_EHTTP);
  check_everywhere("header without colon",
                   "GET / HTTP/1.1\r\nA: 1\r\nBad Header\r\n\r\n", "H A: 1\n",
                   GF_EHTTP);
  check_everywhere("empty header name", "GET / HTTP/1.1\r\nA: 1\r\n: x\r\n\r\n",
                   "H A: 1\n", GF_EHTTP);
  check_everywhere("a good request, then a bad one",
                   "GET /a HTTP/1.1\r\n\r\nGET /b HTTX/1.1\r\n\r\n",
                   "R GET /a ka=1\nB \nC\n", GF_EHTTP);
  check_everywhere("Content-Length and chunked",
                   "POST / HTTP/1.1\r\nContent-Length: 3\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                   "H Content-Length: 3\nH Transfer-Encoding: chunked\n",
                   GF_EHTTP);

  /* a target over the limit */
  size_t n = GF_HTTP_MAX_HEADER + 1;
  char *in = malloc(n + 64);
  memcpy(in, "GET /", 5);
  memset(in + 5, 'a', n - 1);
  strcpy(in + 4 + n, " HTTP/1.1\r\n\r\n");
  rec r;
  CHECK_INT(run(&r, in, strlen(in), NULL, 0, 0), GF_ETOOBIG);
  CHECK_STR(r.log.data, "");
  rec_free(&r);
  CHECK_INT(run(&r, in, strlen(in), NULL, 0, 1000), GF_ETOOBIG);
  rec_free(&r);
  /* one byte less fits */
  strcpy(in + 4 + n - 1, " HTTP/1.1\r\n\r\n");
  CHECK_INT(run(&r, in, strlen(in), NULL, 0, 1000), 0);
  /* "R GET " target " ka=1\n" "B \n" "C\n" */
  CHECK_INT((long long)r.log.len, (long long)(6 + n - 1 + 6 + 3 + 2));
  rec_free(&r);
  free(in);

  /* too many headers */
  gf__buf b;
  gf__buf_init(&b, 0);
  gf__buf_printf(&b, "GET / HTTP/1.1\r\n");
  for (int i = 0; i <= GF_HTTP_MAX_HEADERS; i++)
    gf__buf_printf(&b, "X-%d: %d\r\n", i, i);
  gf__buf_printf(&b, "\r\n");
  CHECK_INT(run(&r, b.data, b.len, NULL, 0, 0), GF_ETOOBIG);
  CHECK(strstr(r.log.data, "H X-127: 127\n") != NULL);
  CHECK(strstr(r.log.data, "X-128") == NULL);
  rec_free(&r);
  gf__buf_free(&b);
}

static void test_callback_codes(void) {
  const char *in = "POST /fail HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
                   "GET / HTTP/1.1\r\n\r\n";
  rec r;
  memset(&r, 0, sizeof r);
  /* run() clears the recorder, codes included: drive the parser here */
  gf__buf_init(&r.log, 0);
  gf__buf_init(&r.body, 0);
  gf__buf_append(&r.log, "", 0);
  r.fail_target_rc = -42;
  r.p = gf__http_req_new(&rec_cbs, &r);
  CHECK_INT(gf__http_req_feed(r.p, in, strlen(in)), -42);
  CHECK_INT(gf__http_req_feed(r.p, "GET", 3), -42);
  CHECK_STR(r.log.data, "H Content-Length: 3\nR POST /fail ka=1\n");
  CHECK_INT((long long)r.body.len, 0);
  gf__http_req_free(r.p);

  gf__buf_reset(&r.log);
  r.fail_target_rc = 0;
  r.fail_body_rc = 9;
  r.p = gf__http_req_new(&rec_cbs, &r);
  CHECK_INT(gf__http_req_feed(r.p, in, strlen(in)), 9);
  CHECK_INT(gf__http_req_feed(r.p, in, 1), 9);
  CHECK_STR(r.log.data, "H Content-Length: 3\nR POST /fail ka=1\n");
  CHECK_MEM(r.body.data, r.body.len, "abc", 3);
  gf__http_req_free(r.p);
  rec_free(&r);

  /* no callbacks at all */
  gf__http_req_cbs none = {0};
  gf__http_req *p = gf__http_req_new(&none, NULL);
  CHECK_INT(gf__http_req_feed(p, in, strlen(in)), 0);
  CHECK_INT(gf__http_req_keep_alive(p), 1);
  gf__http_req_free(p);
  gf__http_req_free(NULL);
}

static void test_writer_round_trip(void) {
  gf__buf out;
  gf__buf_init(&out, 0);
  gf__http_header h[] = {{"x-goog-api-key", "K2"},
                         {"Content-Type", "application/json"},
                         {"Accept", "text/event-stream"},
                         {"User-Agent", "gemflow/0.1.0"}};
  CHECK_INT(gf__http_write_request(&out, "POST", TARGET, "localhost:8443", h, 4,
                                   strlen(BODY)),
            0);
  gf__buf_append(&out, BODY, strlen(BODY));
  gf__http_header c[] = {{"Connection", "close"}};
  CHECK_INT(
      gf__http_write_request(&out, "GET", "/healthz", "[::1]:8443", c, 1, 0),
      0);
  char log[1024];
  snprintf(log, sizeof log,
           "H Host: localhost:8443\n"
           "H x-goog-api-key: K2\n"
           "H Content-Type: application/json\n"
           "H Accept: text/event-stream\n"
           "H User-Agent: gemflow/0.1.0\n"
           "H Content-Length: %zu\n"
           "R POST " TARGET " ka=1\n"
           "B " BODY "\n"
           "C\n"
           "H Host: [::1]:8443\n"
           "H Connection: close\n"
           "R GET /healthz ka=0\n"
           "B \n"
           "C\n",
           strlen(BODY));
  check_everywhere("written requests", out.data, log, 0);
  gf__buf_free(&out);
}

TEST_MAIN(TEST(test_two_pipelined), TEST(test_chunked_and_http10),
          TEST(test_upgrade_not_taken), TEST(test_errors),
          TEST(test_callback_codes), TEST(test_writer_round_trip))
