/* The proxy's URL, NO_PROXY matching, the CONNECT request and the reader of
 * the proxy's answer, fed split at every point. */
#include "conn/proxy.h"
#include "gemflow.h"
#include "test.h"

static void test_parse(void) {
  gf__proxy p;
  CHECK_INT(gf__proxy_parse("http://127.0.0.1:3128", &p), 0);
  CHECK_STR(p.url.host, "127.0.0.1");
  CHECK_INT(p.url.port, 3128);
  CHECK_STR(p.name, "127.0.0.1:3128");
  CHECK(p.userinfo == NULL && p.auth == NULL);
  gf__proxy_free(&p);
  CHECK_INT(gf__proxy_parse("proxy.example:8080", &p), 0); /* no scheme */
  CHECK_STR(p.name, "proxy.example:8080");
  gf__proxy_free(&p);
  CHECK_INT(gf__proxy_parse("HTTP://proxy.example/", &p), 0);
  CHECK_INT(p.url.port, 1080); /* curl's default */
  gf__proxy_free(&p);
  CHECK_INT(gf__proxy_parse("http://[::1]:8080", &p), 0);
  CHECK_STR(p.url.host, "::1");
  CHECK_STR(p.name, "[::1]:8080");
  gf__proxy_free(&p);
  CHECK_INT(gf__proxy_parse("http://[::1]", &p), 0);
  CHECK_STR(p.name, "[::1]:1080");
  gf__proxy_free(&p);
}

static void test_credentials(void) {
  gf__proxy p;
  CHECK_INT(gf__proxy_parse("http://u%40x:p%3Ass@h:1/", &p), 0);
  CHECK_STR(p.userinfo, "u@x:p:ss");
  CHECK_STR(p.name, "h:1"); /* never the credentials */
  gf__proxy_free(&p);
  CHECK(p.userinfo == NULL);
  CHECK_INT(gf__proxy_parse("http://user@h:1", &p), 0);
  CHECK_STR(p.userinfo, "user:");
  gf__proxy_free(&p);
  CHECK_INT(gf__proxy_parse("http://a:b@c@h:1", &p), 0); /* the last @ */
  CHECK_STR(p.userinfo, "a:b@c");
  CHECK_STR(p.url.host, "h");
  gf__proxy_free(&p);
}

static void test_rejects(void) {
  static const char *bad[] = {
      "https://h:1", "socks5://h:1", "ftp://h", "http://h:1/path",
      "http://:1", "http://h:0", "http://h:1?x", "http://u:%zz@h:1",
      "http://:pass@h:1", "http://u%3Ax:p@h:1", "http://u:p%00@h:1",
      "http://h:1:2", "http://[::1", "http://", "", "http://h h:1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gf__proxy p;
    int rc = gf__proxy_parse(bad[i], &p);
    if (rc != GF_EINVAL)
      fprintf(stderr, "accepted: %s\n", bad[i]);
    CHECK_INT(rc, GF_EINVAL);
    CHECK(p.userinfo == NULL);
  }
  gf__proxy p;
  CHECK_INT(gf__proxy_parse(NULL, &p), GF_EINVAL);
}

static void test_no_proxy(void) {
  CHECK_INT(gf__proxy_bypass(NULL, "localhost"), 0);
  CHECK_INT(gf__proxy_bypass("", "localhost"), 0);
  CHECK_INT(gf__proxy_bypass("*", "anything.example"), 1);
  CHECK_INT(gf__proxy_bypass("a.com, *", "b.com"), 1);
  CHECK_INT(gf__proxy_bypass("localhost", "localhost"), 1);
  CHECK_INT(gf__proxy_bypass("localhost", "LOCALHOST."), 1);
  CHECK_INT(gf__proxy_bypass("localhost", "notlocalhost"), 0);
  CHECK_INT(gf__proxy_bypass(".example.com", "a.example.com"), 1);
  CHECK_INT(gf__proxy_bypass(".example.com", "example.com"), 1);
  CHECK_INT(gf__proxy_bypass("example.com", "www.example.com"), 1);
  CHECK_INT(gf__proxy_bypass("example.com", "badexample.com"), 0);
  CHECK_INT(gf__proxy_bypass("example.com.", "example.com"), 1);
  CHECK_INT(gf__proxy_bypass("a.com,b.com c.com", "x.c.com"), 1);
  CHECK_INT(gf__proxy_bypass("a.com,b.com", "x.d.com"), 0);
  CHECK_INT(gf__proxy_bypass("googleapis.com",
                             "generativelanguage.googleapis.com"), 1);
  CHECK_INT(gf__proxy_bypass("127.0.0.1", "127.0.0.1"), 1);
  CHECK_INT(gf__proxy_bypass("127.0.0.1", "127.0.0.10"), 0);
  CHECK_INT(gf__proxy_bypass("0.0.1", "127.0.0.1"), 0); /* no IP suffixes */
  CHECK_INT(gf__proxy_bypass("10.0.0.0/8", "10.2.3.4"), 1);
  CHECK_INT(gf__proxy_bypass("10.0.0.0/8", "11.0.0.1"), 0);
  CHECK_INT(gf__proxy_bypass("192.168.1.0/23", "192.168.0.7"), 1);
  CHECK_INT(gf__proxy_bypass("192.168.2.0/23", "192.168.1.7"), 0);
  CHECK_INT(gf__proxy_bypass("10.0.0.0/8", "ten.example"), 0);
  CHECK_INT(gf__proxy_bypass("::1", "::1"), 1);
  CHECK_INT(gf__proxy_bypass("[::1]", "::1"), 1);
  CHECK_INT(gf__proxy_bypass("fd00::/8", "fd12::1"), 1);
  CHECK_INT(gf__proxy_bypass("[fd00::]/8", "fe12::1"), 0);
  CHECK_INT(gf__proxy_bypass("10.0.0.0/99", "10.0.0.1"), 0);
}

static void test_request(void) {
  gf__proxy p;
  gf__url o;
  CHECK_INT(gf__proxy_parse("http://127.0.0.1:3128", &p), 0);
  CHECK_INT(gf__url_parse("https://localhost:8443/v1", &o), 0);
  gf__buf b;
  gf__buf_init(&b, 0);
  CHECK_INT(gf__proxy_request(&b, &p, &o), 0);
  CHECK_STR(b.data, "CONNECT localhost:8443 HTTP/1.1\r\n"
                    "Host: localhost:8443\r\n\r\n");
  gf__buf_reset(&b);
  CHECK_INT(gf__url_parse("https://[::1]", &o), 0);
  p.auth = "Basic dTpw";
  CHECK_INT(gf__proxy_request(&b, &p, &o), 0);
  CHECK_STR(b.data, "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n"
                    "Proxy-Authorization: Basic dTpw\r\n\r\n");
  gf__buf_free(&b);
}

/* Feeds s split at k: the result, the status, and what follows the head. */
static int feed2(const char *s, size_t k, gf__proxy_head *h, char *rest,
                 size_t cap) {
  size_t n = strlen(s), used = 0;
  gf__proxy_head_init(h);
  rest[0] = '\0';
  int rc = gf__proxy_head_feed(h, s, k, &used);
  size_t off = used;
  if (rc == 0) {
    rc = gf__proxy_head_feed(h, s + k, n - k, &used);
    off = k + used;
  }
  if (rc == 1)
    snprintf(rest, cap, "%s", s + off);
  return rc;
}

static void test_head_split(void) {
  static const char *answers[] = {
      "HTTP/1.1 200 Connection established\r\n\r\nTLS",
      "HTTP/1.0 200 Connection established\nProxy-agent: x\n\nTLS",
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nVia: 1.1 p\r\n\r\nTLS",
  };
  for (size_t a = 0; a < 3; a++)
    for (size_t k = 0; k <= strlen(answers[a]); k++) {
      gf__proxy_head h;
      char rest[64];
      CHECK_INT(feed2(answers[a], k, &h, rest, sizeof rest), 1);
      CHECK_INT(h.status, 200);
      CHECK_STR(rest, "TLS");
    }
  gf__proxy_head h;
  char rest[64];
  CHECK_INT(feed2("HTTP/1.1 200 Connection established\r\n\r\n", 5, &h, rest,
                  sizeof rest), 1);
  CHECK_STR(h.reason, "Connection established");
  CHECK_STR(rest, "");
}

static void test_head_refusals(void) {
  const char *s = "HTTP/1.0 407 Proxy Authentication Required\r\n"
                  "Proxy-Authenticate: Basic realm=\"tinyproxy\"\r\n\r\n<html>";
  for (size_t k = 0; k <= strlen(s); k++) {
    gf__proxy_head h;
    char rest[64];
    CHECK_INT(feed2(s, k, &h, rest, sizeof rest), 1);
    CHECK_INT(h.status, 407);
    CHECK_STR(h.reason, "Proxy Authentication Required");
  }
  gf__proxy_head h;
  char rest[64];
  CHECK_INT(feed2("HTTP/1.1 403\r\n\r\n", 3, &h, rest, sizeof rest), 1);
  CHECK_INT(h.status, 403);
  CHECK_STR(h.reason, "");
  CHECK_INT(feed2("HTTP/1.1 502 Bad\x01\x7f Gateway\r\n\r\n", 3, &h, rest,
                  sizeof rest), 1);
  CHECK_STR(h.reason, "Bad Gateway"); /* controls dropped */
}

static void test_head_malformed(void) {
  static const char *bad[] = {"SSH-2.0-OpenSSH_9.2\r\n", "HTTP/1.1 20 x\r\n",
                              "HTTP/2 200\r\n\r\n", "\r\n\r\n",
                              "HTTP/1.1 200x\r\n\r\n", "HTTP/1.1 099 x\r\n"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gf__proxy_head h;
    char rest[8];
    CHECK_INT(feed2(bad[i], 1, &h, rest, sizeof rest), GF_EHTTP);
  }
  gf__buf b;
  gf__buf_init(&b, 0);
  for (int i = 0; i < 9; i++)
    gf__buf_printf(&b, "HTTP/1.1 100 Continue\r\n\r\n");
  gf__buf_printf(&b, "HTTP/1.1 200 OK\r\n\r\n");
  gf__proxy_head h;
  char rest[8];
  CHECK_INT(feed2(b.data, 0, &h, rest, sizeof rest), GF_EHTTP);
  gf__buf_reset(&b);
  gf__buf_printf(&b, "HTTP/1.1 200 OK\r\n");
  while (b.len <= GF__PROXY_HEAD_MAX)
    gf__buf_printf(&b, "X-Pad: 0123456789abcdef0123456789abcdef\r\n");
  gf__buf_printf(&b, "\r\n");
  CHECK_INT(feed2(b.data, 100, &h, rest, sizeof rest), GF_ETOOBIG);
  gf__buf_free(&b);
  /* one byte at a time: more is needed until the blank line */
  const char *s = "HTTP/1.1 200 OK\r\n\r\n";
  gf__proxy_head_init(&h);
  for (size_t i = 0; i < strlen(s); i++) {
    size_t used = 0;
    int rc = gf__proxy_head_feed(&h, s + i, 1, &used);
    CHECK_INT(rc, i + 1 == strlen(s) ? 1 : 0);
    CHECK_INT((long long)used, 1);
  }
}

TEST_MAIN(TEST(test_parse), TEST(test_credentials), TEST(test_rejects),
          TEST(test_no_proxy), TEST(test_request), TEST(test_head_split),
          TEST(test_head_refusals), TEST(test_head_malformed))
