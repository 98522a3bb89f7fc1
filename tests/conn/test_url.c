/* Base URL parsing: schemes, ports, IPv6 brackets, prefixes, rejects. */
#include "conn/url.h"
#include "gemflow.h"
#include "test.h"

static void test_https_default(void) {
  gf__url u;
  CHECK_INT(gf__url_parse("https://www.anyfast.ai", &u), 0);
  CHECK_INT(u.tls, 1);
  CHECK_INT(u.port, 443);
  CHECK_STR(u.host, "www.anyfast.ai");
  CHECK_STR(u.authority, "www.anyfast.ai");
  CHECK_STR(u.prefix, "");
  CHECK_INT(u.host_is_ip, 0);
}

static void test_ports_and_prefix(void) {
  gf__url u;
  CHECK_INT(gf__url_parse("http://localhost:8080/gw/v1/", &u), 0);
  CHECK_INT(u.tls, 0);
  CHECK_INT(u.port, 8080);
  CHECK_STR(u.authority, "localhost:8080");
  CHECK_STR(u.prefix, "/gw/v1");
  CHECK_INT(gf__url_parse("HTTPS://127.0.0.1:8443", &u), 0);
  CHECK_INT(u.host_is_ip, 1);
  CHECK_STR(u.authority, "127.0.0.1:8443");
}

static void test_ipv6(void) {
  gf__url u;
  CHECK_INT(gf__url_parse("https://[::1]:9000", &u), 0);
  CHECK_STR(u.host, "::1");
  CHECK_INT(u.port, 9000);
  CHECK_INT(u.host_is_ip, 1);
  CHECK_STR(u.authority, "[::1]:9000");
  CHECK_INT(gf__url_parse("https://[::1]", &u), 0);
  CHECK_STR(u.authority, "[::1]");
}

static void test_rejects(void) {
  gf__url u;
  const char *bad[] = {"", "ftp://x", "https://", "https://:80", "https://h:0",
                       "https://h:65536", "https://h:12a", "https://::1",
                       "https://[nothost]", "https://[::1", "https://u@h",
                       "https://h?x=1", "https://h/p?q", "https://h/a b",
                       "www.anyfast.ai", "https://h:"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = gf__url_parse(bad[i], &u);
    if (rc != GF_EURL)
      fprintf(stderr, "accepted: %s\n", bad[i]);
    CHECK_INT(rc, GF_EURL);
  }
  CHECK_INT(gf__url_parse(NULL, &u), GF_EURL);
}

static int loopback(const char *url) {
  gf__url u;
  CHECK_INT(gf__url_parse(url, &u), 0);
  return gf__url_is_loopback(&u);
}

static void test_loopback(void) {
  CHECK_INT(loopback("http://localhost:8080"), 1);
  CHECK_INT(loopback("http://LocalHost"), 1);
  CHECK_INT(loopback("http://localhost./x"), 1);
  CHECK_INT(loopback("http://127.0.0.1:1"), 1);
  CHECK_INT(loopback("http://127.255.0.9"), 1);
  CHECK_INT(loopback("http://[::1]:80"), 1);
  CHECK_INT(loopback("http://api.example.com"), 0);
  CHECK_INT(loopback("http://localhost.example.com"), 0);
  CHECK_INT(loopback("http://127.0.0.1.nip.io"), 0);
  CHECK_INT(loopback("http://128.0.0.1"), 0);
  CHECK_INT(loopback("http://10.0.0.1"), 0);
  CHECK_INT(loopback("http://[::2]"), 0);
  CHECK_INT(loopback("http://[::ffff:127.0.0.1]"), 0);
  CHECK_INT(loopback("http://0.0.0.0"), 0);
}

TEST_MAIN(TEST(test_https_default), TEST(test_ports_and_prefix),
          TEST(test_ipv6), TEST(test_rejects), TEST(test_loopback))
