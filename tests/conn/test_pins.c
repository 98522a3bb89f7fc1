/* Resolve pins (curl's --resolve syntax), the family interleave of RFC
 * 8305 and address names. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "conn/url.h"
#include "gemflow.h"
#include "test.h"

static const char *name(const struct sockaddr_storage *a) {
  static char buf[8][64];
  static int i;
  char *b = buf[i++ % 8];
  gf__addr_name(a, b, 64);
  return b;
}

static void test_one_entry(void) {
  gf__pins p;
  CHECK_INT(gf__pins_parse("localhost:8443:127.0.0.3,127.0.0.1", &p), 0);
  CHECK_INT((long long)p.n, 1);
  const gf__pin *e = gf__pins_find(&p, "LocalHost", 8443);
  CHECK(e != NULL);
  if (e) {
    CHECK_INT((long long)e->naddrs, 2);
    CHECK_STR(name(&e->addrs[0]), "127.0.0.3:8443");
    CHECK_STR(name(&e->addrs[1]), "127.0.0.1:8443");
  }
  CHECK(gf__pins_find(&p, "localhost", 443) == NULL);
  CHECK(gf__pins_find(&p, "example.com", 8443) == NULL);
  gf__pins_free(&p);
}

static void test_several_and_v6(void) {
  gf__pins p;
  CHECK_INT(gf__pins_parse(" a.example:443:[::1], 10.0.0.1 ;;"
                           "[::1]:9000:::1;b.example:80:fe80::2,1.2.3.4 ;",
                           &p), 0);
  CHECK_INT((long long)p.n, 3);
  const gf__pin *e = gf__pins_find(&p, "a.example", 443);
  CHECK(e && e->naddrs == 2);
  if (e) {
    CHECK_STR(name(&e->addrs[0]), "[::1]:443");
    CHECK_STR(name(&e->addrs[1]), "10.0.0.1:443");
  }
  e = gf__pins_find(&p, "::1", 9000);
  CHECK(e && e->naddrs == 1 && e->addrs[0].ss_family == AF_INET6);
  e = gf__pins_find(&p, "b.example", 80);
  CHECK(e && e->naddrs == 2);
  if (e)
    CHECK_STR(name(&e->addrs[0]), "[fe80::2]:80");
  gf__pins_free(&p);
  CHECK_INT(gf__pins_parse(NULL, &p), 0);
  CHECK_INT((long long)p.n, 0);
  CHECK(gf__pins_find(&p, "a", 1) == NULL);
  CHECK(gf__pins_find(NULL, "a", 1) == NULL);
  gf__pins_free(&p);
  CHECK_INT(gf__pins_parse("  ", &p), 0);
  CHECK_INT((long long)p.n, 0);
  gf__pins_free(&p);
}

static void test_malformed(void) {
  static const char *bad[] = {
      "localhost", "localhost:443", "localhost:443:", "localhost:0:127.0.0.1",
      "localhost:65536:127.0.0.1", ":443:1.2.3.4", "h:443:1.2.3.4,",
      "h:443:not-an-ip", "h:443:1.2.3", "[::1:443:1.2.3.4", "h:443:[::1",
      "h:x:1.2.3.4", "h:443:1.2.3.4;h", "h h:443:1.2.3.4", "h:443:[1.2.3.4",
      "h: 443:1.2.3.4", "[]:443:1.2.3.4"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gf__pins p = {(gf__pin *)1, 9};
    int rc = gf__pins_parse(bad[i], &p);
    if (rc != GF_EINVAL)
      fprintf(stderr, "accepted: %s\n", bad[i]);
    CHECK_INT(rc, GF_EINVAL);
    CHECK(p.v == NULL && p.n == 0);
  }
}

static struct sockaddr_storage ip(const char *s) {
  struct sockaddr_storage a = {0};
  struct sockaddr_in *a4 = (struct sockaddr_in *)&a;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&a;
  if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(1);
  } else {
    inet_pton(AF_INET6, s, &a6->sin6_addr);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(1);
  }
  return a;
}

static void test_interleave(void) {
  struct sockaddr_storage a[5] = {ip("1.0.0.1"), ip("1.0.0.2"), ip("::a"),
                                  ip("::b"), ip("::c")};
  gf__addrs_interleave(a, 5);
  CHECK_STR(name(&a[0]), "1.0.0.1:1");
  CHECK_STR(name(&a[1]), "[::a]:1");
  CHECK_STR(name(&a[2]), "1.0.0.2:1");
  CHECK_STR(name(&a[3]), "[::b]:1");
  CHECK_STR(name(&a[4]), "[::c]:1");
  struct sockaddr_storage b[4] = {ip("::a"), ip("::b"), ip("::c"),
                                  ip("1.0.0.1")};
  gf__addrs_interleave(b, 4);
  CHECK_STR(name(&b[0]), "[::a]:1");
  CHECK_STR(name(&b[1]), "1.0.0.1:1");
  CHECK_STR(name(&b[2]), "[::b]:1");
  CHECK_STR(name(&b[3]), "[::c]:1");
  struct sockaddr_storage c[3] = {ip("1.0.0.3"), ip("1.0.0.2"), ip("1.0.0.1")};
  gf__addrs_interleave(c, 3);
  CHECK_STR(name(&c[0]), "1.0.0.3:1");
  CHECK_STR(name(&c[2]), "1.0.0.1:1");
}

TEST_MAIN(TEST(test_one_entry), TEST(test_several_and_v6),
          TEST(test_malformed), TEST(test_interleave))
