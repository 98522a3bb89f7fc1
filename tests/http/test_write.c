/* The writers: exact bytes, refusals that leave the buffer as it was, and
 * reason phrases. (Round trips through the parsers are in test_req.c and
 * test_resp.c.) */
#include "gemflow.h"
#include "http/http.h"
#include "test.h"

#define CHECK_BUF(b, s) CHECK_MEM((b).data, (b).len, s, strlen(s))

static void test_request_bytes(void) {
  gf__buf out;
  gf__buf_init(&out, 0);
  gf__http_header h[] = {{"Content-Type", "application/json"},
                         {"x-goog-api-key", "K"},
                         {"X-Tab", "a\tb"},
                         {"X-Empty", ""}};
  CHECK_INT(gf__http_write_request(&out, "POST", "/v1beta/x:y?alt=sse", "h:1",
                                   h, 4, 12),
            0);
  CHECK_BUF(out, "POST /v1beta/x:y?alt=sse HTTP/1.1\r\n"
                 "Host: h:1\r\n"
                 "Content-Type: application/json\r\n"
                 "x-goog-api-key: K\r\n"
                 "X-Tab: a\tb\r\n"
                 "X-Empty: \r\n"
                 "Content-Length: 12\r\n"
                 "\r\n");

  /* appends; a bodiless GET says nothing about a body */
  CHECK_INT(gf__http_write_request(&out, "GET", "/healthz", "h", NULL, 0, 0),
            0);
  CHECK(out.len > 100);
  CHECK_STR(strstr(out.data, "GET"),
            "GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n");

  gf__buf_reset(&out);
  CHECK_INT(gf__http_write_request(&out, "GET", "/", "h", NULL, 0, 5), 0);
  CHECK_BUF(out, "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n");
  gf__buf_reset(&out);
  CHECK_INT(gf__http_write_request(&out, "POST", "/", "h", NULL, 0, 0), 0);
  CHECK_BUF(out, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
  gf__buf_reset(&out);
  CHECK_INT(gf__http_write_request(&out, "PUT", "*", "h", NULL, 0,
                                   UINT64_C(18446744073709551615)),
            0);
  CHECK_BUF(out, "PUT * HTTP/1.1\r\nHost: h\r\n"
                 "Content-Length: 18446744073709551615\r\n\r\n");
  gf__buf_free(&out);
}

/* Each refusal: GF_EINVAL and the buffer exactly as before. */
static void refuse_request(const char *method, const char *target,
                           const char *host, const gf__http_header *h,
                           size_t n) {
  gf__buf out;
  gf__buf_init(&out, 0);
  gf__buf_append(&out, "before", 6);
  CHECK_INT(gf__http_write_request(&out, method, target, host, h, n, 1),
            GF_EINVAL);
  CHECK_BUF(out, "before");
  CHECK_INT(out.data[out.len], '\0');
  gf__buf_free(&out);
}

static void test_request_refusals(void) {
  refuse_request("PO ST", "/", "h", NULL, 0);
  refuse_request("", "/", "h", NULL, 0);
  refuse_request("GET\r\n", "/", "h", NULL, 0);
  refuse_request(NULL, "/", "h", NULL, 0);
  refuse_request("GET", "", "h", NULL, 0);
  refuse_request("GET", "/a b", "h", NULL, 0);
  refuse_request("GET", "/a\r\nX: y", "h", NULL, 0);
  refuse_request("GET", "/\x7f", "h", NULL, 0);
  refuse_request("GET", NULL, "h", NULL, 0);
  refuse_request("GET", "/", "", NULL, 0);
  refuse_request("GET", "/", "h\r\nX-Injected: 1", NULL, 0);
  refuse_request("GET", "/", "h h", NULL, 0);
  refuse_request("GET", "/", NULL, NULL, 0);
  refuse_request("GET", "/", "h", NULL, 1);

  const gf__http_header bad[][2] = {
      {{"Good", "1"}, {"Bad Name", "x"}},
      {{"Good", "1"}, {"X:Y", "x"}},
      {{"Good", "1"}, {"", "x"}},
      {{"Good", "1"}, {"X", "a\r\nInjected: 1"}},
      {{"Good", "1"}, {"X", "a\nb"}},
      {{"Good", "1"}, {"X", "a\x01"}},
      {{"Good", "1"}, {"X", "a\x7f"}},
      {{"Good", "1"}, {NULL, "x"}},
      {{"Good", "1"}, {"X", NULL}},
      /* the framing is ours to write */
      {{"Good", "1"}, {"Content-Length", "5"}},
      {{"Good", "1"}, {"content-length", "5"}},
      {{"Good", "1"}, {"Transfer-Encoding", "chunked"}},
      {{"Good", "1"}, {"HOST", "other"}},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    refuse_request("GET", "/", "h", bad[i], 2);

  /* a limited buffer that is too small: GF_ETOOBIG, buffer as before */
  gf__buf out;
  gf__buf_init(&out, 40);
  gf__buf_append(&out, "before", 6);
  CHECK_INT(gf__http_write_request(&out, "POST", "/a/long/target", "host", NULL,
                                   0, 1),
            GF_ETOOBIG);
  CHECK_BUF(out, "before");
  gf__buf_free(&out);
}

static void test_response_bytes(void) {
  gf__buf out;
  gf__buf_init(&out, 0);
  gf__http_header h[] = {{"Content-Type", "text/event-stream"},
                         {"Host", "allowed in a response"}};
  CHECK_INT(gf__http_write_response_head(&out, 200, h, 1, -1), 0);
  CHECK_BUF(out, "HTTP/1.1 200 OK\r\n"
                 "Content-Type: text/event-stream\r\n"
                 "Transfer-Encoding: chunked\r\n"
                 "\r\n");
  gf__buf_reset(&out);
  CHECK_INT(gf__http_write_response_head(&out, 429, NULL, 0, 0), 0);
  CHECK_BUF(out, "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n");
  gf__buf_reset(&out);
  CHECK_INT(gf__http_write_response_head(&out, 503, h, 2, 1234567890123), 0);
  CHECK_BUF(out, "HTTP/1.1 503 Service Unavailable\r\n"
                 "Content-Type: text/event-stream\r\n"
                 "Host: allowed in a response\r\n"
                 "Content-Length: 1234567890123\r\n"
                 "\r\n");
  /* no framing where there is no body */
  const int bodiless[] = {100, 103, 204, 304};
  const char *want[] = {
      "HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 103 Early Hints\r\n\r\n",
      "HTTP/1.1 204 No Content\r\n\r\n", "HTTP/1.1 304 Not Modified\r\n\r\n"};
  for (int i = 0; i < 4; i++) {
    gf__buf_reset(&out);
    CHECK_INT(gf__http_write_response_head(&out, bodiless[i], NULL, 0, -1), 0);
    CHECK_BUF(out, want[i]);
  }
  gf__buf_reset(&out);
  CHECK_INT(gf__http_write_response_head(&out, 599, NULL, 0, 3), 0);
  CHECK_BUF(out, "HTTP/1.1 599 Server Error\r\nContent-Length: 3\r\n\r\n");

  /* refusals */
  gf__buf_reset(&out);
  gf__buf_append(&out, "x", 1);
  gf__http_header te[] = {{"Transfer-Encoding", "chunked"}};
  gf__http_header cr[] = {{"X", "1\r\n\r\n<html>"}};
  CHECK_INT(gf__http_write_response_head(&out, 99, NULL, 0, 0), GF_EINVAL);
  CHECK_INT(gf__http_write_response_head(&out, 1000, NULL, 0, 0), GF_EINVAL);
  CHECK_INT(gf__http_write_response_head(&out, -200, NULL, 0, 0), GF_EINVAL);
  CHECK_INT(gf__http_write_response_head(&out, 200, te, 1, -1), GF_EINVAL);
  CHECK_INT(gf__http_write_response_head(&out, 200, cr, 1, 0), GF_EINVAL);
  CHECK_BUF(out, "x");
  gf__buf_free(&out);
}

static void test_chunks(void) {
  gf__buf out;
  gf__buf_init(&out, 0);
  CHECK_INT(gf__http_write_chunk(&out, "abc", 3), 0);
  CHECK_BUF(out, "3\r\nabc\r\n");
  char big[4096];
  memset(big, 'z', sizeof big);
  gf__buf_reset(&out);
  CHECK_INT(gf__http_write_chunk(&out, big, 255), 0);
  CHECK_INT((long long)out.len, 4 + 255 + 2);
  CHECK_MEM(out.data, 4, "ff\r\n", 4);
  CHECK_MEM(out.data + 259, 2, "\r\n", 2);
  gf__buf_reset(&out);
  CHECK_INT(gf__http_write_chunk(&out, big, 4096), 0);
  CHECK_MEM(out.data, 6, "1000\r\n", 6);
  CHECK_INT((long long)out.len, 6 + 4096 + 2);
  gf__buf_reset(&out);
  CHECK_INT(gf__http_write_chunk(&out, NULL, 0), 0);
  CHECK_BUF(out, "0\r\n\r\n");
  gf__buf_free(&out);

  gf__buf_init(&out, 10);
  CHECK_INT(gf__http_write_chunk(&out, "abcdefgh", 8), GF_ETOOBIG);
  CHECK_INT((long long)out.len, 0);
  gf__buf_free(&out);
}

static void test_reasons(void) {
  CHECK_STR(gf__http_reason(200), "OK");
  CHECK_STR(gf__http_reason(400), "Bad Request");
  CHECK_STR(gf__http_reason(403), "Forbidden");
  CHECK_STR(gf__http_reason(404), "Not Found");
  CHECK_STR(gf__http_reason(408), "Request Timeout");
  CHECK_STR(gf__http_reason(429), "Too Many Requests");
  CHECK_STR(gf__http_reason(499), "Client Closed Request");
  CHECK_STR(gf__http_reason(500), "Internal Server Error");
  CHECK_STR(gf__http_reason(502), "Bad Gateway");
  CHECK_STR(gf__http_reason(503), "Service Unavailable");
  CHECK_STR(gf__http_reason(504), "Gateway Timeout");
  CHECK_STR(gf__http_reason(150), "Informational");
  CHECK_STR(gf__http_reason(299), "Success");
  CHECK_STR(gf__http_reason(399), "Redirection");
  CHECK_STR(gf__http_reason(418), "Client Error");
  CHECK_STR(gf__http_reason(599), "Server Error");
  CHECK_STR(gf__http_reason(600), "Unknown");
  CHECK_STR(gf__http_reason(0), "Unknown");
  CHECK_STR(gf__http_reason(-1), "Unknown");
}

TEST_MAIN(TEST(test_request_bytes), TEST(test_request_refusals),
          TEST(test_response_bytes), TEST(test_chunks), TEST(test_reasons))
