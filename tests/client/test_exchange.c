/* The exchange: one attempt's response bytes in, events and one outcome
 * out. Every response is also fed split at every byte boundary and byte
 * by byte; the events and the outcome must not change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/exchange.h"
#include "test.h"

#define IMG_B64 "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"

/* ---- a recorder --------------------------------------------------------- */

typedef struct rec {
  char ev[256];   /* t thought, x text, b begin, D data (once per run), e end, u usage */
  size_t bytes;
  int stop_on;    /* the event letter whose callback answers stop_rc */
  int stop_rc;
  int after_stop; /* callbacks after the stopping one */
  int stopped;
} rec;

static int note(rec *r, char c) {
  size_t n = strlen(r->ev);
  if (r->stopped)
    r->after_stop++;
  if (c != 'D' || n == 0 || r->ev[n - 1] != 'D') {
    if (n + 1 < sizeof r->ev) {
      r->ev[n] = c;
      r->ev[n + 1] = '\0';
    }
  }
  if (r->stop_on == c) {
    r->stopped = 1;
    return r->stop_rc;
  }
  return 0;
}

static int cb_thought(void *ud, const char *t, size_t n) { return note(ud, 't'); }
static int cb_text(void *ud, const char *t, size_t n) { return note(ud, 'x'); }
static int cb_begin(void *ud, const char *m, int th) { return note(ud, 'b'); }
static int cb_data(void *ud, const unsigned char *p, size_t n) {
  ((rec *)ud)->bytes += n;
  return note(ud, 'D');
}
static int cb_end(void *ud, const char *m, int th, uint64_t b) {
  return note(ud, 'e');
}
static int cb_usage(void *ud, const gf_usage *u) { return note(ud, 'u'); }

static const gf__ev_cbs cbs = {cb_thought, cb_text, cb_begin,
                               cb_data,    cb_end,  cb_usage, NULL};

/* The key the exchange redacts from its messages (NULL: none). */
static const char *secret;
static uint64_t image_limit; /* 0: none */
/* the client's other limits; 0: the defaults */
static size_t header_limit;
static unsigned headers_limit;
static int depth_limit;

/* What a run produced, for comparison across split points. */
typedef struct run {
  rec r;
  int status, http_status, api_code, image_bytes, stopped;
  char api_status[64], message[512], finish[32];
  double retry_after_s, retry_wait_s;
  int decided_early; /* feed returned 1 before the end */
} run;

static void take(run *out, gf__xch *x) {
  const gf__outcome *o = gf__xch_outcome(x);
  CHECK(o != NULL);
  if (!o)
    return;
  out->status = o->status;
  out->http_status = o->http_status;
  out->api_code = o->api_code;
  out->image_bytes = o->image_bytes;
  out->stopped = o->stopped;
  out->retry_after_s = o->retry_after_s;
  out->retry_wait_s = o->retry_wait_s;
  snprintf(out->api_status, sizeof out->api_status, "%s",
           o->api_status ? o->api_status : "");
  snprintf(out->message, sizeof out->message, "%s",
           o->message ? o->message : "");
  snprintf(out->finish, sizeof out->finish, "%s",
           o->summary->finish_reason ? o->summary->finish_reason : "");
}

/* Feeds s in pieces cut at the offsets in cuts (ascending, 0-terminated
 * list of at most 2), then ends the connection with end_err. */
static void feed_run(const char *s, size_t n, const size_t *cuts, size_t ncuts,
                     int end_err, const rec *proto, run *out) {
  memset(out, 0, sizeof *out);
  out->r = *proto;
  gf__xch_opts o = {.want_sse = 1, .now = 1700000000.0, .secret = secret,
                    .max_image_bytes = image_limit,
                    .max_header_bytes = header_limit,
                    .max_headers = headers_limit,
                    .max_json_depth = depth_limit};
  gf__xch *x = gf__xch_new(&o, &cbs, NULL, &out->r);
  size_t at = 0;
  int done = 0;
  for (size_t i = 0; i <= ncuts && !done; i++) {
    size_t to = i < ncuts ? cuts[i] : n;
    if (to > at)
      done = gf__xch_feed(x, s + at, to - at);
    at = to;
  }
  out->decided_early = done;
  CHECK(done || gf__xch_outcome(x) == NULL);
  gf__xch_end(x, end_err, end_err ? "transport said so" : NULL);
  take(out, x);
  gf__xch_free(x);
}

static int same(const run *a, const run *b) {
  return strcmp(a->r.ev, b->r.ev) == 0 && a->r.bytes == b->r.bytes &&
         a->status == b->status && a->http_status == b->http_status &&
         a->api_code == b->api_code && a->image_bytes == b->image_bytes &&
         strcmp(a->api_status, b->api_status) == 0 &&
         strcmp(a->message, b->message) == 0 &&
         strcmp(a->finish, b->finish) == 0 &&
         a->retry_after_s == b->retry_after_s &&
         a->retry_wait_s == b->retry_wait_s;
}

/* The whole response at once, then at every split point, then byte by
 * byte: all the same. Returns the whole-at-once run. */
static run check_splits(const char *s, int end_err, const rec *proto) {
  size_t n = strlen(s);
  run whole, part;
  feed_run(s, n, NULL, 0, end_err, proto, &whole);
  int bad = 0;
  for (size_t i = 1; i < n && !bad; i++) {
    feed_run(s, n, &i, 1, end_err, proto, &part);
    if (!same(&whole, &part)) {
      fprintf(stderr, "split at %zu: events %s vs %s, status %d vs %d (%s)\n",
              i, part.r.ev, whole.r.ev, part.status, whole.status,
              part.message);
      bad = 1;
    }
  }
  CHECK(!bad);
  /* byte by byte */
  memset(&part, 0, sizeof part);
  part.r = *proto;
  gf__xch_opts o = {.want_sse = 1, .now = 1700000000.0, .secret = secret,
                    .max_image_bytes = image_limit,
                    .max_header_bytes = header_limit,
                    .max_headers = headers_limit,
                    .max_json_depth = depth_limit};
  gf__xch *x = gf__xch_new(&o, &cbs, NULL, &part.r);
  for (size_t i = 0; i < n; i++)
    if (gf__xch_feed(x, s + i, 1))
      break;
  gf__xch_end(x, end_err, end_err ? "transport said so" : NULL);
  take(&part, x);
  gf__xch_free(x);
  CHECK(same(&whole, &part));
  return whole;
}

static const rec plain = {{0}, 0, 0, 0, 0, 0};

/* ---- responses ---------------------------------------------------------- */

#define SSE_HEAD                                                               \
  "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"                   \
  "Transfer-Encoding: chunked\r\n\r\n"

#define EV_THOUGHT                                                             \
  "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{"      \
  "\"text\":\"hmm\",\"thought\":true}]}}]}\r\n\r\n"
#define EV_IMAGE                                                               \
  "data: {\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{"         \
  "\"mimeType\":\"image/png\",\"data\":\"" IMG_B64 "\"}}]}}]}\r\n\r\n"
#define EV_STOP                                                                \
  "data: {\"candidates\":[{\"finishReason\":\"STOP\"}],\"usageMetadata\":{"   \
  "\"promptTokenCount\":8,\"candidatesTokenCount\":1120,"                    \
  "\"totalTokenCount\":1392}}\r\n\r\n"

static char *chunked(const char *head, const char *body) {
  size_t n = strlen(body);
  char *out = malloc(strlen(head) + n + 64);
  sprintf(out, "%s%zx\r\n%s\r\n0\r\n\r\n", head, n, body);
  return out;
}

static void test_sse_success(void) {
  char *s = chunked(SSE_HEAD, EV_THOUGHT EV_IMAGE EV_STOP);
  run r = check_splits(s, 0, &plain);
  CHECK_STR(r.r.ev, "tbDeu");
  CHECK_INT(r.status, GF_OK);
  CHECK_INT(r.http_status, 200);
  CHECK_INT(r.image_bytes, 1);
  CHECK_INT(r.r.bytes, 69);
  CHECK_STR(r.finish, "STOP");
  CHECK(r.decided_early); /* the last chunk decides: no need for EOF */
  free(s);
}

static void test_content_length_and_close(void) {
  const char *body = EV_THOUGHT EV_IMAGE EV_STOP;
  char s[4096];
  snprintf(s, sizeof s,
           "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
           "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
  run r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_OK);
  CHECK_STR(r.r.ev, "tbDeu");
  /* close-delimited: complete after a clean close only */
  snprintf(s, sizeof s,
           "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
           "Connection: close\r\n\r\n%s", body);
  r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_OK);
  r = check_splits(s, GF_ETRUNCATED, &plain);
  CHECK_INT(r.status, GF_ETRUNCATED);
}

static void test_array_forms(void) {
  const char *arr =
      "[{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hm\","
      "\"thought\":true}]}}]},\r\n{\"candidates\":[{\"content\":{\"parts\":[{"
      "\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"" IMG_B64
      "\"}}]},\"finishReason\":\"STOP\"}]}]";
  char *s = chunked("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n", arr);
  run r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_OK);
  CHECK_STR(r.r.ev, "tbDe");
  free(s);
  /* an array labelled as an event stream: the first byte tells */
  s = chunked(SSE_HEAD, arr);
  r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_OK);
  CHECK_STR(r.r.ev, "tbDe");
  free(s);
}

static void test_http_error_json(void) {
  const char *s =
      "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
      "Retry-After: 2\r\nContent-Length: 215\r\n\r\n"
      "{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted.\","
      "\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":"
      "\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":"
      "\"57.23s\"}]}}                        \n";
  run r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_ESTATUS);
  CHECK_INT(r.http_status, 429);
  CHECK_INT(r.api_code, 429);
  CHECK_STR(r.api_status, "RESOURCE_EXHAUSTED");
  CHECK(r.retry_after_s > 57.22 && r.retry_after_s < 57.24); /* RetryInfo */
  CHECK_STR(r.message,
            "HTTP 429 RESOURCE_EXHAUSTED: Resource has been exhausted.");
  CHECK_STR(r.r.ev, "");
}

static void test_http_error_retry_after_only(void) {
  const char *s = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\n"
                  "Content-Type: text/html\r\nContent-Length: 27\r\n\r\n"
                  "<html>overloaded\r\n</html>\n";
  run r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_ESTATUS);
  CHECK_INT(r.http_status, 503);
  CHECK_STR(r.api_status, "");
  CHECK(r.retry_after_s == 7);
  CHECK(r.retry_wait_s == 7);
  CHECK_STR(r.message,
            "HTTP 503 Service Unavailable: <html>overloaded  </html> ");
}

/* RetryInfo is reported (it is the more precise); the wait is the longer
 * of the two, so the retry never comes earlier than either asks. */
static void test_retry_hints_both(void) {
  const char *s =
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\n"
      "Content-Length: 156\r\n\r\n"
      "{\"error\":{\"code\":503,\"message\":\"busy\",\"status\":"
      "\"UNAVAILABLE\",\"details\":[{\"@type\":\"type.googleapis.com/"
      "google.rpc.RetryInfo\",\"retryDelay\":\"1.5s\"}]}}                   ";
  run r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_ESTATUS);
  CHECK_STR(r.api_status, "UNAVAILABLE");
  CHECK(r.retry_after_s == 1.5);
  CHECK(r.retry_wait_s == 2);
}

/* A redirect is not followed: the error names where it pointed (the host
 * only) and is not a transient fault. */
static void test_redirect(void) {
  run r = check_splits("HTTP/1.1 307 Temporary Redirect\r\n"
                       "Location: https://elsewhere.example:8443/v1?key=x\r\n"
                       "Content-Length: 0\r\n\r\n", 0, &plain);
  CHECK_INT(r.status, GF_ESTATUS);
  CHECK_INT(r.http_status, 307);
  CHECK_STR(r.message, "HTTP 307 Temporary Redirect: redirected to "
                       "elsewhere.example:8443; redirects are not followed "
                       "(check the base URL)");
  r = check_splits("HTTP/1.1 301 Moved Permanently\r\nLocation: /v2/x\r\n"
                   "Content-Length: 0\r\n\r\n", 0, &plain);
  CHECK(strstr(r.message, "redirected to the same host") != NULL);
  r = check_splits("HTTP/1.1 302 Found\r\nLocation: http://u:pw@proxy.example"
                   "/?key=sk-123\r\nContent-Length: 0\r\n\r\n", 0, &plain);
  CHECK(strstr(r.message, "redirected to proxy.example;") != NULL);
  CHECK(strstr(r.message, "pw") == NULL);
}

static void test_midstream_raw_error(void) {
  char *s = chunked(SSE_HEAD,
                    EV_THOUGHT "{\n  \"error\": {\n    \"code\": 503,\n"
                    "    \"message\": \"The model is overloaded.\",\n"
                    "    \"status\": \"UNAVAILABLE\"\n  }\n}\n");
  run r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_EAPI);
  CHECK_INT(r.http_status, 200);
  CHECK_INT(r.api_code, 503);
  CHECK_STR(r.api_status, "UNAVAILABLE");
  CHECK_STR(r.r.ev, "t");
  CHECK_STR(r.message, "error 503 UNAVAILABLE: The model is overloaded.");
  free(s);
}

static void test_error_event(void) {
  char *s = chunked(SSE_HEAD, EV_THOUGHT
                    "data: {\"error\":{\"code\":500,\"message\":\"boom\","
                    "\"status\":\"INTERNAL\"}}\r\n\r\n");
  run r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_EAPI);
  CHECK_INT(r.api_code, 500);
  CHECK_STR(r.api_status, "INTERNAL");
  free(s);
}

static void test_verdicts(void) {
  char *s = chunked(SSE_HEAD, EV_THOUGHT
                    "data: {\"candidates\":[{\"finishReason\":\"IMAGE_SAFETY\"}]}"
                    "\r\n\r\n");
  run r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_EFINISH);
  CHECK_STR(r.message, "finish reason IMAGE_SAFETY");
  free(s);
  s = chunked(SSE_HEAD, "data: {\"promptFeedback\":{\"blockReason\":"
                        "\"PROHIBITED_CONTENT\"}}\r\n\r\n");
  r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_EBLOCKED);
  CHECK_STR(r.message, "prompt blocked: PROHIBITED_CONTENT");
  free(s);
  s = chunked(SSE_HEAD, EV_THOUGHT EV_STOP);
  r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_ENOIMAGE);
  free(s);
  s = chunked(SSE_HEAD, EV_THOUGHT EV_IMAGE);
  r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_ENOFINISH);
  CHECK_INT(r.image_bytes, 1);
  free(s);
}

static void test_transport_faults(void) {
  run r = check_splits("", GF_ERESET, &plain);
  CHECK_INT(r.status, GF_ERESET);
  CHECK_INT(r.http_status, 0);
  CHECK_STR(r.message, "transport said so");
  r = check_splits("", 0, &plain);
  CHECK_INT(r.status, GF_ETRUNCATED);
  CHECK_STR(r.message, "connection closed before a response arrived");
  r = check_splits("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n",
                   0, &plain);
  CHECK_INT(r.status, GF_ETRUNCATED);
  /* cut inside the image event */
  char *s = chunked(SSE_HEAD, EV_THOUGHT EV_IMAGE EV_STOP);
  s[strlen(SSE_HEAD) + 300] = '\0';
  r = check_splits(s, GF_ERESET, &plain);
  CHECK_INT(r.status, GF_ERESET);
  CHECK_INT(r.http_status, 200);
  CHECK_INT(r.image_bytes, 1);
  free(s);
}

static void test_protocol_errors(void) {
  char *s = chunked(SSE_HEAD, "data: {\"candidates\":[}\r\n\r\n");
  run r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_EJSON);
  free(s);
  r = check_splits("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", 0, &plain);
  CHECK_INT(r.status, GF_EHTTP);
  CHECK(strncmp(r.message, "malformed HTTP response: ", 25) == 0);
  /* a 200 whose body is neither an event stream nor JSON */
  s = chunked("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
              "Transfer-Encoding: chunked\r\n\r\n", "<html><body>hi</body></html>\n");
  r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_EHTTP);
  CHECK_STR(r.message, "HTTP 200 but the body is not an event stream "
                       "(Content-Type text/html): <html><body>hi</body>"
                       "</html> ");
  CHECK_STR(r.r.ev, "");
  free(s);
}

static void test_owner_stops(void) {
  char *s = chunked(SSE_HEAD, EV_THOUGHT EV_IMAGE EV_STOP);
  rec stop = plain;
  stop.stop_on = 'b';
  stop.stop_rc = GF_EIO;
  run r = check_splits(s, 0, &stop);
  CHECK_INT(r.status, GF_EIO);
  CHECK_INT(r.stopped, 1);
  CHECK_STR(r.r.ev, "tb");
  CHECK_INT(r.r.after_stop, 0);
  CHECK(r.decided_early);
  free(s);
}

/* The key is redacted from the whole message before it is cut to size:
 * placed across the message's 512-byte cut and the excerpt's 200-character
 * cut, no prefix of it survives. */
static void test_key_redacted_before_cut(void) {
  static char body[2048], resp[4096];
  secret = "sk-0123456789abcdefghij";
  for (int at = 480; at < 520; at += 3) {
    /* "HTTP 400 INVALID_ARGUMENT: " is 27 bytes before the message */
    int pad = at - 27;
    snprintf(body, sizeof body,
             "{\"error\":{\"code\":400,\"status\":\"INVALID_ARGUMENT\","
             "\"message\":\"%*s%s tail\"}}", pad, "", secret);
    snprintf(resp, sizeof resp,
             "HTTP/1.1 400 Bad Request\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(body), body);
    run r = check_splits(resp, 0, &plain);
    CHECK_INT(r.status, GF_ESTATUS);
    CHECK(strstr(r.message, "sk-0123") == NULL);
  }
  for (int at = 180; at < 210; at += 3) {
    snprintf(body, sizeof body, "%*s%s and more", at, "", secret);
    snprintf(resp, sizeof resp,
             "HTTP/1.1 502 Bad Gateway\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(body), body);
    run r = check_splits(resp, 0, &plain);
    CHECK_INT(r.status, GF_ESTATUS);
    CHECK(strstr(r.message, "sk-0123") == NULL);
    CHECK(strstr(r.message, "sk-") == NULL);
  }
  /* without the secret the same message shows the prefix: the test bites */
  secret = NULL;
  snprintf(body, sizeof body, "%*s%s", 195, "", "sk-0123456789abcdefghij");
  snprintf(resp, sizeof resp,
           "HTTP/1.1 502 Bad Gateway\r\nContent-Length: %zu\r\n\r\n%s",
           strlen(body), body);
  run r = check_splits(resp, 0, &plain);
  CHECK(strstr(r.message, "sk-01") != NULL);
}

/* An image past the limit fails the attempt there, whatever the split
 * (how many of its bytes went out before depends on the pieces). */
static void test_image_limit(void) {
  char *s = chunked(SSE_HEAD, EV_THOUGHT EV_IMAGE EV_STOP);
  size_t n = strlen(s);
  image_limit = 68;
  for (size_t i = 1; i < n; i++) {
    run r;
    feed_run(s, n, &i, 1, 0, &plain, &r);
    CHECK_INT(r.status, GF_ETOOBIG);
    CHECK_STR(r.message, "an image larger than the limit of 68 bytes");
    CHECK(r.decided_early);
    CHECK(r.r.bytes <= 68);
    CHECK(strchr(r.r.ev, 'e') == NULL); /* never ended as if whole */
  }
  run r;
  image_limit = 69;
  r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_OK);
  image_limit = 0;
  free(s);
}

static void test_thought_images(void) {
  char *s = chunked(
      SSE_HEAD,
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"thought\":true,"
      "\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"" IMG_B64
      "\"}}]}}]}\r\n\r\n" EV_STOP);
  run r = check_splits(s, 0, &plain);
  CHECK_INT(r.status, GF_OK); /* the only image, flagged thought, is it */
  CHECK_STR(r.r.ev, "bDeu");
  free(s);
}

/* The client's limits reach the parsers: the same good response fails
 * with each one lowered, at every split. */
static void test_configured_limits(void) {
  char *s = chunked(SSE_HEAD, EV_THOUGHT EV_IMAGE EV_STOP);
  header_limit = 12; /* "Content-Type" + "text/event-stream" is longer */
  CHECK_INT(check_splits(s, 0, &plain).status, GF_ETOOBIG);
  header_limit = 0;
  headers_limit = 1;
  CHECK_INT(check_splits(s, 0, &plain).status, GF_ETOOBIG);
  headers_limit = 0;
  depth_limit = 3; /* candidates[0].content.parts[0] is deeper */
  CHECK_INT(check_splits(s, 0, &plain).status, GF_EJSON);
  depth_limit = 0;
  CHECK_INT(check_splits(s, 0, &plain).status, GF_OK);
  free(s);
}

TEST_MAIN(TEST(test_configured_limits), TEST(test_sse_success), TEST(test_content_length_and_close),
          TEST(test_array_forms), TEST(test_http_error_json),
          TEST(test_http_error_retry_after_only), TEST(test_retry_hints_both),
          TEST(test_redirect),
          TEST(test_midstream_raw_error), TEST(test_error_event),
          TEST(test_verdicts), TEST(test_transport_faults),
          TEST(test_protocol_errors), TEST(test_owner_stops),
          TEST(test_thought_images), TEST(test_key_redacted_before_cut),
          TEST(test_image_limit))
