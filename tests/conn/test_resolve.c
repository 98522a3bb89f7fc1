/* The c-ares resolver on a libuv loop: /etc/hosts, IP literals without a
 * lookup, a name that cannot exist, and cancels (right after start, and
 * during a lookup that never gets an answer: a DNS server on loopback
 * that reads and never replies). Every run ends with no handle left on
 * the loop. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "conn/resolve.h"
#include "gemflow.h"
#include "test.h"

static uv_loop_t loop;

typedef struct result {
  int calls;
  int status;
  size_t n;
  int ttl;
  struct sockaddr_storage addrs[8];
} result;

static void on_done(void *ud, int status, const struct sockaddr_storage *a,
                    size_t n, int ttl_s) {
  result *r = ud;
  r->calls++;
  r->status = status;
  r->ttl = ttl_s;
  r->n = n;
  for (size_t i = 0; i < n && i < 8; i++)
    r->addrs[i] = a[i];
}

static void walk_count(uv_handle_t *h, void *arg) { ++*(int *)arg; }

/* Runs the loop dry; closes it, checking that no handle is left. */
static uint64_t run_dry(void) {
  uint64_t t0 = uv_hrtime();
  uv_run(&loop, UV_RUN_DEFAULT);
  uint64_t ms = (uv_hrtime() - t0) / 1000000;
  int left = 0;
  uv_walk(&loop, walk_count, &left);
  CHECK_INT(left, 0);
  return ms;
}

static void test_localhost(void) {
  result r = {0};
  gf__resolve *res;
  CHECK_INT(gf__resolve_start(&res, &loop, "localhost", 8443, on_done, &r), 0);
  CHECK_INT(r.calls, 0); /* never from start */
  run_dry();
  CHECK_INT(r.calls, 1);
  CHECK_INT(r.status, 0);
  CHECK_INT(r.ttl, -1); /* /etc/hosts gives none */
  CHECK(r.n >= 1);
  int v4 = 0, seen_v4 = 0, v6_after_v4 = 0;
  for (size_t i = 0; i < r.n && i < 8; i++) {
    if (r.addrs[i].ss_family == AF_INET) {
      struct sockaddr_in *s = (struct sockaddr_in *)&r.addrs[i];
      CHECK_INT(ntohs(s->sin_port), 8443);
      v4 += s->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
      seen_v4 = 1;
    } else {
      CHECK_INT(r.addrs[i].ss_family, AF_INET6);
      CHECK_INT(ntohs(((struct sockaddr_in6 *)&r.addrs[i])->sin6_port), 8443);
      v6_after_v4 |= seen_v4;
    }
  }
  CHECK_INT(v4, 1);        /* /etc/hosts: 127.0.0.1 localhost */
  CHECK_INT(v6_after_v4, 0); /* AAAA answers first */
}

static void test_literal_v4(void) {
  result r = {0};
  gf__resolve *res;
  CHECK_INT(gf__resolve_start_servers(&res, &loop, "192.0.2.7", 443, on_done,
                                      &r, "127.0.0.1:1"), 0);
  run_dry();
  CHECK_INT(r.calls, 1);
  CHECK_INT(r.status, 0);
  CHECK_INT(r.n, 1);
  struct sockaddr_in *s = (struct sockaddr_in *)&r.addrs[0];
  CHECK_INT(s->sin_family, AF_INET);
  CHECK_INT(ntohs(s->sin_port), 443);
  CHECK_INT(ntohl(s->sin_addr.s_addr), 0xC0000207);
}

static void test_literal_v6(void) {
  result r = {0};
  gf__resolve *res;
  CHECK_INT(gf__resolve_start_servers(&res, &loop, "2001:db8::5", 80, on_done,
                                      &r, "127.0.0.1:1"), 0);
  run_dry();
  CHECK_INT(r.calls, 1);
  CHECK_INT(r.status, 0);
  CHECK_INT(r.n, 1);
  struct sockaddr_in6 *s = (struct sockaddr_in6 *)&r.addrs[0];
  CHECK_INT(s->sin6_family, AF_INET6);
  CHECK_INT(ntohs(s->sin6_port), 80);
  struct in6_addr want;
  inet_pton(AF_INET6, "2001:db8::5", &want);
  CHECK(memcmp(&s->sin6_addr, &want, sizeof want) == 0);
}

/* The system's resolver: NXDOMAIN from DNS, or no DNS at all (an
 * unreachable server is refused at once on loopback-only sandboxes); a
 * DNS that drops the query would take c-ares's own timeouts. */
static void test_nonexistent(void) {
  result r = {0};
  gf__resolve *res;
  CHECK_INT(gf__resolve_start(&res, &loop, "nonexistent.invalid", 443,
                              on_done, &r), 0);
  uint64_t ms = run_dry();
  CHECK_INT(r.calls, 1);
  CHECK_INT(r.status, GF_EDNS);
  CHECK_INT(r.n, 0);
  printf("  nonexistent.invalid: GF_EDNS in %llu ms\n", (unsigned long long)ms);
}

/* A server that refuses (nothing listens on the port): GF_EDNS. */
static void test_refused_server(void) {
  result r = {0};
  gf__resolve *res;
  CHECK_INT(gf__resolve_start_servers(&res, &loop, "example.test", 443,
                                      on_done, &r, "127.0.0.1:1"), 0);
  run_dry();
  CHECK_INT(r.calls, 1);
  CHECK_INT(r.status, GF_EDNS);
}

static void test_cancel_at_once(void) {
  result r = {0};
  gf__resolve *res;
  CHECK_INT(gf__resolve_start(&res, &loop, "localhost", 443, on_done, &r), 0);
  gf__resolve_cancel(res);
  run_dry();
  CHECK_INT(r.calls, 0);
  CHECK_INT(gf__resolve_start(&res, &loop, "127.0.0.1", 443, on_done, &r), 0);
  gf__resolve_cancel(res);
  run_dry();
  CHECK_INT(r.calls, 0);
}

/* ---- a lookup that never gets an answer --------------------------------- */

typedef struct hang {
  int fd;
  int port;
  uv_timer_t timer;
  gf__resolve *res;
  uint64_t canceled_at;
} hang;

static int silent_server(int *port) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0)
    return -1;
  *port = ntohs(a.sin_port);
  return fd;
}

static void on_cancel_timer(uv_timer_t *t) {
  hang *h = t->data;
  gf__resolve_cancel(h->res);
  h->canceled_at = uv_hrtime();
  uv_close((uv_handle_t *)t, NULL);
}

static void test_cancel_during_lookup(void) {
  hang h = {0};
  h.fd = silent_server(&h.port);
  CHECK(h.fd >= 0);
  if (h.fd < 0)
    return;
  char servers[64];
  snprintf(servers, sizeof servers, "127.0.0.1:%d", h.port);
  result r = {0};
  /* a name /etc/hosts does not have: the lookup goes to the server */
  CHECK_INT(gf__resolve_start_servers(&h.res, &loop, "hangs.example.test", 443,
                                      on_done, &r, servers), 0);
  uv_timer_init(&loop, &h.timer);
  h.timer.data = &h;
  uv_timer_start(&h.timer, on_cancel_timer, 200, 0);
  run_dry();
  uint64_t after = (uv_hrtime() - h.canceled_at) / 1000000;
  CHECK_INT(r.calls, 0);
  CHECK(after < 100);
  printf("  the loop ended %llu ms after the cancel\n",
         (unsigned long long)after);
  /* the query did reach the server */
  char buf[512];
  CHECK(recv(h.fd, buf, sizeof buf, MSG_DONTWAIT) > 0);
  close(h.fd);
}

int main(int argc, char **argv) {
  uv_loop_init(&loop);
  static const gf_t_case cases[] = {
      TEST(test_localhost),      TEST(test_literal_v4),
      TEST(test_literal_v6),     TEST(test_nonexistent),
      TEST(test_refused_server), TEST(test_cancel_at_once),
      TEST(test_cancel_during_lookup)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  CHECK_INT(uv_loop_close(&loop), 0);
  return rc;
}
