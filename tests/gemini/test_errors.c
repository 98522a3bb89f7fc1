/* Google's error JSON (gf__gemini_parse_error) and the verdict on a
 * finished stream (gf__gemini_verdict). */
#include "gemini/gemini.h"
#include "test.h"

#define S(x) ((x) ? (x) : "-")

/* One line: rc code status message reason retry. */
static char *parse(const char *json, size_t n) {
  gf__api_error e;
  int rc = gf__gemini_parse_error(json, n, &e);
  char *out = malloc(1024);
  snprintf(out, 1024, "%s %d %s %s %s %g", gf_err_name(rc), e.code, S(e.status),
           S(e.message), S(e.reason), e.retry_delay_s);
  gf__api_error_free(&e);
  return out;
}

#define CHECK_PARSE(json, want)                                                \
  do {                                                                         \
    char *got_ = parse(json, strlen(json));                                    \
    CHECK_STR(got_, want);                                                     \
    free(got_);                                                                \
  } while (0)

static void test_quota(void) {
  CHECK_PARSE(
      "{\n  \"error\": {\n    \"code\": 429,\n    \"message\": \"You exceeded "
      "your current quota.\",\n    \"status\": \"RESOURCE_EXHAUSTED\",\n"
      "    \"details\": [\n      {\n        \"@type\": "
      "\"type.googleapis.com/google.rpc.QuotaFailure\",\n        "
      "\"violations\": [{\"quotaMetric\": \"generate_requests\", "
      "\"quotaValue\": \"10\"}]\n      },\n      {\n        \"@type\": "
      "\"type.googleapis.com/google.rpc.Help\",\n        \"links\": []\n"
      "      },\n      {\n        \"@type\": "
      "\"type.googleapis.com/google.rpc.RetryInfo\",\n        "
      "\"retryDelay\": \"57.23s\"\n      }\n    ]\n  }\n}\n",
      "ok 429 RESOURCE_EXHAUSTED You exceeded your current quota. - 57.23");
}

static void test_key_invalid(void) {
  CHECK_PARSE("{\"error\":{\"code\":400,\"message\":\"API key not valid. "
              "Please pass a valid API key.\",\"status\":\"INVALID_ARGUMENT\","
              "\"details\":[{\"@type\":\"type.googleapis.com/"
              "google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\","
              "\"domain\":\"googleapis.com\",\"metadata\":{\"service\":"
              "\"generativelanguage.googleapis.com\"}},{\"@type\":"
              "\"type.googleapis.com/google.rpc.LocalizedMessage\","
              "\"locale\":\"en-US\",\"message\":\"API key not valid.\"}]}}",
              "ok 400 INVALID_ARGUMENT API key not valid. Please pass a valid "
              "API key. API_KEY_INVALID -1");
}

static void test_shapes(void) {
  /* the streaming endpoint's array form */
  CHECK_PARSE("[{\"error\":{\"code\":503,\"message\":\"The model is "
              "overloaded.\",\"status\":\"UNAVAILABLE\"}}\n]",
              "ok 503 UNAVAILABLE The model is overloaded. - -1");
  /* gateways: a bare string, a numeric string code */
  CHECK_PARSE("{\"error\":\"Unauthorized\"}", "ok 0 - Unauthorized - -1");
  CHECK_PARSE("{\"error\":{\"code\":\"401\",\"message\":\"bad key\"}}",
              "ok 401 - bad key - -1");
  CHECK_PARSE("{\"error\":{\"code\":\"invalid_api_key\"}}", "ok 0 - - - -1");
  CHECK_PARSE(" {\"error\":{}}\r\n\r\n", "ok 0 - - - -1");
  /* the first ErrorInfo's reason counts */
  CHECK_PARSE("{\"error\":{\"details\":[{\"@type\":\"google.rpc.ErrorInfo\","
              "\"reason\":\"A\"},{\"@type\":\"google.rpc.ErrorInfo\","
              "\"reason\":\"B\"},{\"reason\":\"C\"},7]}}",
              "ok 0 - - A -1");
}

static void test_retry_delays(void) {
#define RETRY(d)                                                               \
  "{\"error\":{\"code\":429,\"details\":[{\"@type\":\"type.googleapis.com/"    \
  "google.rpc.RetryInfo\",\"retryDelay\":" d "}]}}"
  CHECK_PARSE(RETRY("\"57s\""), "ok 429 - - - 57");
  CHECK_PARSE(RETRY("\"0.5s\""), "ok 429 - - - 0.5");
  CHECK_PARSE(RETRY("\".25s\""), "ok 429 - - - 0.25");
  CHECK_PARSE(RETRY("\"57\""), "ok 429 - - - -1");
  CHECK_PARSE(RETRY("\"-1s\""), "ok 429 - - - -1");
  CHECK_PARSE(RETRY("\"1e3s\""), "ok 429 - - - -1");
  CHECK_PARSE(RETRY("\"s\""), "ok 429 - - - -1");
  CHECK_PARSE(RETRY("\"5s \""), "ok 429 - - - -1");
  CHECK_PARSE(RETRY("57"), "ok 429 - - - -1");
  CHECK_PARSE(RETRY("{\"seconds\":3,\"nanos\":500000000}"), "ok 429 - - - 3.5");
}

static void test_not_errors(void) {
  const char *bad = "bad_json 0 - - - -1";
  CHECK_PARSE("{\"foo\":1}", bad);
  CHECK_PARSE("", bad);
  CHECK_PARSE("   ", bad);
  CHECK_PARSE("{", bad);
  CHECK_PARSE("{\"error\":{\"code\":400}", bad);
  CHECK_PARSE("{\"error\":{}} x", bad);
  CHECK_PARSE("{\"error\":{}}{}", bad);
  CHECK_PARSE("{\"error\":5}", bad);
  CHECK_PARSE("{\"error\":null}", bad);
  CHECK_PARSE("[]", bad);
  CHECK_PARSE("[1]", bad);
  CHECK_PARSE("<html><body>502 Bad Gateway</body></html>", bad);
  CHECK_PARSE("{\"error\":{},}", bad); /* no trailing comma */
  CHECK_PARSE("{\"error\":{\"code\":01}}", bad);
  /* a NUL inside, and the length honoured (no NUL terminator needed) */
  char *got = parse("{\"error\":{}}\0{}", 15);
  CHECK_STR(got, bad);
  free(got);
  got = parse("{\"error\":{\"code\":7}}garbage", 20);
  CHECK_STR(got, "ok 7 - - - -1");
  free(got);
}

static void test_free_twice(void) {
  gf__api_error e;
  CHECK_INT(gf__gemini_parse_error("{\"error\":{\"status\":\"X\"}}", 24, &e),
            0);
  CHECK_STR(e.status, "X");
  gf__api_error_free(&e);
  CHECK(e.status == NULL);
  CHECK(e.retry_delay_s == -1);
  gf__api_error_free(&e);
  gf__api_error_free(NULL);
}

static void test_verdict(void) {
  char stop[] = "STOP", safety[] = "IMAGE_SAFETY", block[] = "SAFETY";
  gf__gem_summary s = {0};
  CHECK_INT(gf__gemini_verdict(&s), GF_ENOFINISH);
  s.images = 1;
  s.final_images = 1;
  CHECK_INT(gf__gemini_verdict(&s), GF_ENOFINISH); /* an image, no STOP */
  s.finish_reason = stop;
  CHECK_INT(gf__gemini_verdict(&s), 0);
  s.final_images = 0; /* only a thought image came: it is the result */
  CHECK_INT(gf__gemini_verdict(&s), 0);
  s.images = 0;
  CHECK_INT(gf__gemini_verdict(&s), GF_ENOIMAGE);
  s.finish_reason = safety;
  CHECK_INT(gf__gemini_verdict(&s), GF_EFINISH);
  s.block_reason = block;
  CHECK_INT(gf__gemini_verdict(&s), GF_EBLOCKED);
  s.have_error = 1;
  CHECK_INT(gf__gemini_verdict(&s), GF_EAPI);
  /* an error wins even over a complete image */
  gf__gem_summary t = {0};
  t.finish_reason = stop;
  t.images = t.final_images = 1;
  t.have_error = 1;
  CHECK_INT(gf__gemini_verdict(&t), GF_EAPI);
}

TEST_MAIN(TEST(test_quota), TEST(test_key_invalid), TEST(test_shapes),
          TEST(test_retry_delays), TEST(test_not_errors), TEST(test_free_twice),
          TEST(test_verdict))
