/* Client options: the key never goes over plain http off loopback; the
 * defaults of the retry policy and the timeouts. No network is used: a
 * refused client fails in gf_client_new, before any lookup. */
#include <uv.h>

#include "gemflow.h"
#include "test.h"

/* gf_client_new's answer for these options (the client freed again). */
static int make_with(const gf_client_options *o) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  gf_client *c = NULL;
  int rc = gf_client_new(&loop, o, &c);
  if (c)
    gf_client_free(c);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&loop), 0);
  return rc;
}

static int make(const char *url, const char *key) {
  gf_client_options o;
  gf_client_options_init(&o);
  o.base_url = url;
  o.api_key = key;
  return make_with(&o);
}

static void test_plain_http_needs_loopback(void) {
  CHECK_INT(make("http://api.example.com", "secret-key-123"), GF_EINSECURE);
  CHECK_INT(make("http://10.1.2.3:8080/v", "secret-key-123"), GF_EINSECURE);
  CHECK_INT(make("http://localhost.example.com", "k"), GF_EINSECURE);
  CHECK_INT(make("http://127.0.0.1:8080", "secret-key-123"), 0);
  CHECK_INT(make("http://localhost:1", "secret-key-123"), 0);
  CHECK_INT(make("http://[::1]:1", "secret-key-123"), 0);
  /* no key, nothing to leak */
  CHECK_INT(make("http://api.example.com", NULL), 0);
  CHECK_INT(make("http://api.example.com", ""), 0);
  CHECK_STR(gf_err_name(GF_EINSECURE), "insecure");
}

static int make_service(const char *service) {
  gf_client_options o;
  gf_client_options_init(&o);
  o.service = service;
  return make_with(&o);
}

static void test_services(void) {
  CHECK_STR(gf_service_base_url("anyfast"), "https://www.anyfast.ai");
  CHECK_STR(gf_service_base_url("google"),
            "https://generativelanguage.googleapis.com");
  CHECK(gf_service_base_url("Google") == NULL);
  CHECK(gf_service_base_url(NULL) == NULL);
  CHECK_INT(make_service("openai"), GF_EINVAL);
  CHECK_INT(make_service(""), GF_EINVAL);
}

static void test_defaults(void) {
  gf_client_options o;
  gf_client_options_init(&o);
  CHECK_INT(o.max_attempts, 5);
  CHECK_INT(o.retry_initial_ms, 1000);
  CHECK_INT(o.retry_max_delay_ms, 60000);
  CHECK(o.retry_factor == 2);
  CHECK_INT(o.connect_timeout_ms, 15000);
  CHECK_INT(o.idle_timeout_ms, 300000);
  CHECK_INT(o.attempt_timeout_ms, 900000);
  CHECK(o.requests_per_minute == 0);
  CHECK(o.service == NULL);
  CHECK(o.base_url == NULL);
  CHECK_INT(o.key_in, GF_KEY_IN_AUTO);
  CHECK_INT(o.max_image_bytes, 128u * 1024 * 1024);
  CHECK_INT(o.max_event_bytes, 4u * 1024 * 1024);
  CHECK_INT(o.max_header_bytes, 16 * 1024);
  CHECK_INT(o.max_headers, 128);
  CHECK_INT(o.max_json_depth, 32);
  CHECK_INT(o.max_request_bytes, 100u * 1024 * 1024);
}

static int make_limits(int depth, int headers) {
  gf_client_options o;
  gf_client_options_init(&o);
  o.base_url = "http://127.0.0.1:9";
  o.max_json_depth = depth;
  o.max_headers = headers;
  return make_with(&o);
}

static void test_limit_ranges(void) {
  CHECK_INT(make_limits(64, 1), 0);
  CHECK_INT(make_limits(0, 0), 0); /* the defaults */
  CHECK_INT(make_limits(65, 128), GF_EINVAL);
  CHECK_INT(make_limits(-1, 128), GF_EINVAL);
  CHECK_INT(make_limits(32, -1), GF_EINVAL);
}

/* A request body over max_request_bytes: refused at once, nothing
 * started (no callback; the loop has nothing to do). */
static int done_calls;
static void count_done(gf_gen *g, const gf_result *r, void *ud) {
  done_calls++;
}

static void test_request_too_big(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  gf_client_options o;
  gf_client_options_init(&o);
  o.base_url = "http://127.0.0.1:9";
  o.max_request_bytes = 2000;
  gf_client *c = NULL;
  CHECK_INT(gf_client_new(&loop, &o, &c), 0);
  gf_request *req = gf_request_new();
  gf_request_set_prompt(req, "small enough");
  static unsigned char png[1600] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  CHECK_INT(gf_request_add_ref(req, png, sizeof png, NULL), 0);
  gf_callbacks cb;
  gf_callbacks_init(&cb);
  cb.on_done = count_done;
  gf_gen *g = (gf_gen *)1;
  /* 1600 bytes are 2136 in base64 */
  CHECK_INT(gf_generate(c, req, NULL, &cb, NULL, &g), GF_ETOOBIG);
  CHECK(g == (gf_gen *)1);
  gf_request_free(req);
  gf_client_free(c);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(done_calls, 0);
  CHECK_INT(uv_loop_close(&loop), 0);
}

TEST_MAIN(TEST(test_plain_http_needs_loopback), TEST(test_services),
          TEST(test_defaults), TEST(test_limit_ranges),
          TEST(test_request_too_big))
