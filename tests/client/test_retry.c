/* The retry policy: which outcomes are retried, and the delays. */
#include "client/retry.h"
#include "gemflow.h"
#include "test.h"

static void test_transient_http(void) {
  static const int yes[] = {408, 429, 500, 502, 503, 504};
  static const int no[] = {400, 401, 403, 404, 409, 413, 501, 505};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    CHECK_INT(gf__retry_transient(GF_ESTATUS, yes[i], 0, NULL), 1);
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
    CHECK_INT(gf__retry_transient(GF_ESTATUS, no[i], 0, NULL), 0);
  /* the status line decides, not the body's code */
  CHECK_INT(gf__retry_transient(GF_ESTATUS, 400, 429, "RESOURCE_EXHAUSTED"),
            0);
}

static void test_transient_stream_errors(void) {
  CHECK_INT(gf__retry_transient(GF_EAPI, 200, 429, NULL), 1);
  CHECK_INT(gf__retry_transient(GF_EAPI, 200, 500, NULL), 1);
  CHECK_INT(gf__retry_transient(GF_EAPI, 200, 503, NULL), 1);
  CHECK_INT(gf__retry_transient(GF_EAPI, 200, 504, NULL), 1);
  CHECK_INT(gf__retry_transient(GF_EAPI, 200, 0, "RESOURCE_EXHAUSTED"), 1);
  CHECK_INT(gf__retry_transient(GF_EAPI, 200, 0, "INTERNAL"), 1);
  CHECK_INT(gf__retry_transient(GF_EAPI, 200, 0, "UNAVAILABLE"), 1);
  CHECK_INT(gf__retry_transient(GF_EAPI, 200, 400, "INVALID_ARGUMENT"), 0);
  CHECK_INT(gf__retry_transient(GF_EAPI, 200, 0, NULL), 0);
}

static void test_transient_transport(void) {
  static const int yes[] = {GF_ECONNECT, GF_ERESET, GF_ETRUNCATED,
                            GF_ENOFINISH, GF_ETIMEDOUT};
  static const int no[] = {GF_EINVAL,  GF_ENOMEM,   GF_EDNS,     GF_ETLS,
                           GF_ECERT,   GF_EHOSTNAME, GF_EHTTP,   GF_EJSON,
                           GF_EB64,    GF_EFINISH,  GF_EBLOCKED, GF_ENOIMAGE,
                           GF_ECANCELED, GF_EIO,    GF_ETOOBIG,  GF_OK,
                           GF_EINSECURE, GF_EPROXY, GF_EURL,     GF_ECAFILE};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    CHECK_INT(gf__retry_transient(yes[i], 0, 0, NULL), 1);
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
    CHECK_INT(gf__retry_transient(no[i], 200, 0, NULL), 0);
}

static const gf__retry_policy pol = {5, 1000, 60000, 2};

static void test_delay_bounds(void) {
  /* rnd 0 is the bottom of the range, all ones the top */
  CHECK_INT(gf__retry_delay_ms(&pol, 1, -1, 0), 0);
  CHECK_INT(gf__retry_delay_ms(&pol, 1, -1, ~0ull), 1000);
  CHECK_INT(gf__retry_delay_ms(&pol, 2, -1, ~0ull), 2000);
  CHECK_INT(gf__retry_delay_ms(&pol, 3, -1, ~0ull), 4000);
  CHECK_INT(gf__retry_delay_ms(&pol, 7, -1, ~0ull), 60000); /* 64 s capped */
  CHECK_INT(gf__retry_delay_ms(&pol, 200, -1, ~0ull), 60000);
  /* half way */
  CHECK_INT(gf__retry_delay_ms(&pol, 2, -1, 1ull << 63), 1000);
}

static void test_delay_honours_server(void) {
  /* never earlier than the server asks, rounded up to the millisecond */
  CHECK_INT(gf__retry_delay_ms(&pol, 1, 1.5, 0), 1500);
  CHECK_INT(gf__retry_delay_ms(&pol, 1, 57.2301, 0), 57231);
  CHECK_INT(gf__retry_delay_ms(&pol, 3, 0.5, ~0ull), 4000); /* jitter wins */
  CHECK_INT(gf__retry_delay_ms(&pol, 1, 60, 0), 60000);     /* at the cap */
  CHECK_INT(gf__retry_delay_ms(&pol, 1, 60.001, 0), -1);    /* past it */
  CHECK_INT(gf__retry_delay_ms(&pol, 1, 3600, ~0ull), -1);
}

static void test_jitter_spread(void) {
  /* full jitter: the draws cover the range, mean near half of it */
  uint64_t st = 42;
  int64_t lo = 1 << 30, hi = -1;
  double sum = 0;
  for (int i = 0; i < 10000; i++) {
    int64_t d = gf__retry_delay_ms(&pol, 3, -1, gf__retry_rand(&st));
    CHECK(d >= 0 && d <= 4000);
    lo = d < lo ? d : lo;
    hi = d > hi ? d : hi;
    sum += (double)d;
  }
  CHECK(lo < 100);
  CHECK(hi > 3900);
  CHECK(sum / 10000 > 1800 && sum / 10000 < 2200);
}

TEST_MAIN(TEST(test_transient_http), TEST(test_transient_stream_errors),
          TEST(test_transient_transport), TEST(test_delay_bounds),
          TEST(test_delay_honours_server), TEST(test_jitter_spread))
