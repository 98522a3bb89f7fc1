/* Client options: the key never goes over plain http off loopback; the
 * defaults of the retry policy and the timeouts. No network is used: a
 * refused client fails in gf_client_new, before any lookup. */
#include <uv.h>

#include "gemflow.h"
#include "test.h"

static int make(const char *url, const char *key) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  gf_client_options o;
  gf_client_options_init(&o);
  o.base_url = url;
  o.api_key = key;
  gf_client *c = NULL;
  int rc = gf_client_new(&loop, &o, &c);
  if (c)
    gf_client_free(c);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&loop), 0);
  return rc;
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
  uv_loop_t loop;
  uv_loop_init(&loop);
  gf_client_options o;
  gf_client_options_init(&o);
  o.service = service;
  gf_client *c = NULL;
  int rc = gf_client_new(&loop, &o, &c);
  if (c)
    gf_client_free(c);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&loop), 0);
  return rc;
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
}

TEST_MAIN(TEST(test_plain_http_needs_loopback), TEST(test_services),
          TEST(test_defaults))
