/* Timeouts against gemflow-sim and a listener that never answers: the
 * connect timeout (per address: a stalled address gives way to the next),
 * the idle timeout and the whole attempt's timeout, each a transient fault
 * that the retry policy retries. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

static it_sim sim;

static it_opts opts(void) {
  it_opts o = {0};
  o.url = sim.url;
  o.ca = sim.ca;
  o.max_attempts = 1;
  o.retry_initial_ms = 20;
  return o;
}

/* A listener that never accepts: the kernel completes TCP handshakes into
 * its backlog, and nothing ever answers a ClientHello. Returns the fd;
 * *port is its port. */
static int stalled_listener(int family, int *port) {
  int fd = socket(family, SOCK_STREAM, 0);
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t len;
  if (family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    a->sin6_port = htons((uint16_t)*port);
    len = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a->sin_port = htons((uint16_t)*port);
    len = sizeof *a;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) != 0 ||
      listen(fd, 16) != 0) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  getsockname(fd, (struct sockaddr *)&ss, &len);
  *port = family == AF_INET6
              ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
              : ntohs(((struct sockaddr_in *)&ss)->sin_port);
  return fd;
}

static void test_connect_timeout(void) {
  int port = 0;
  int fd = stalled_listener(AF_INET, &port);
  CHECK(fd >= 0);
  char url[64];
  snprintf(url, sizeof url, "https://127.0.0.1:%d", port);
  it_rec r = {0};
  it_opts o = opts();
  o.url = url;
  o.connect_ms = 300;
  o.max_attempts = 2;
  it_run1(&o, "never answered", NULL, NULL, &r);
  close(fd);
  CHECK_INT(r.status, GF_ETIMEDOUT);
  CHECK_STR(r.message, "connect timeout");
  CHECK_INT(r.attempts, 2); /* a timeout is transient */
  CHECK(r.timings.done >= 600 && r.timings.done < 20000);
}

/* Waiting in line for a connection slot does not count against the
 * connect timeout: with one slot, the second generation dials only when
 * the first has timed out, and times out a whole timeout later. */
static void test_connect_timeout_not_in_line(void) {
  int port = 0;
  int fd = stalled_listener(AF_INET, &port);
  CHECK(fd >= 0);
  char url[64];
  snprintf(url, sizeof url, "https://127.0.0.1:%d", port);
  gf_request *reqs[2] = {it_req("first in line", NULL, NULL),
                         it_req("second in line", NULL, NULL)};
  it_rec r[2];
  memset(r, 0, sizeof r);
  it_opts o = opts();
  o.url = url;
  o.connect_ms = 400;
  o.max_connecting = 1;
  it_run(&o, reqs, r, 2);
  close(fd);
  for (int i = 0; i < 2; i++) {
    CHECK_INT(r[i].status, GF_ETIMEDOUT);
    gf_request_free(reqs[i]);
  }
  CHECK(r[0].timings.done >= 395);
  CHECK(r[1].timings.done >= 795); /* 400 in line, then 400 dialing */
  CHECK_INT(it_last_waits, 1);
}

/* "localhost" resolving to ::1 first, then 127.0.0.1 (Debian's
 * /etc/hosts): the first address stalls in its handshake, the second is
 * the simulator, on the same port. */
static int localhost_v6_then_v4(void) {
  struct addrinfo hints = {0}, *res = NULL;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo("localhost", "443", &hints, &res) != 0)
    return 0;
  int ok = res && res->ai_family == AF_INET6 && res->ai_next &&
           res->ai_next->ai_family == AF_INET;
  freeaddrinfo(res);
  return ok;
}

static void test_next_address_after_timeout(void) {
  if (!localhost_v6_then_v4()) {
    printf("  skipped: localhost does not resolve to ::1, then 127.0.0.1\n");
    return;
  }
  int port = 0;
  int fd = stalled_listener(AF_INET6, &port);
  if (fd < 0) {
    printf("  skipped: no IPv6 loopback\n");
    return;
  }
  it_sim v4;
  char portarg[16];
  snprintf(portarg, sizeof portarg, "%d", port);
  const char *args[] = {"--host", "127.0.0.1", "--port", portarg, NULL};
  it_sim_start(&v4, args);
  it_rec r = {0};
  it_opts o = opts();
  o.url = v4.url; /* https://localhost:PORT */
  o.ca = v4.ca;
  o.connect_ms = 400;
  it_run1(&o, "the second address", NULL, NULL, &r);
  it_sim_stop(&v4);
  close(fd);
  CHECK_INT(r.status, GF_OK);
  CHECK_INT(r.attempts, 1);
  CHECK(r.timings.connected >= 400);
}

static void test_idle_timeout_retried(void) {
  const char *p = "slow thinker [[think:1200]] [[thoughts:2]]";
  it_rec r = {0};
  it_opts o = opts();
  o.idle_ms = 300;
  o.max_attempts = 2;
  it_run1(&o, p, NULL, NULL, &r);
  CHECK_INT(r.status, GF_ETIMEDOUT);
  CHECK(strstr(r.message, "idle") != NULL);
  CHECK_INT(r.attempts, 2);
  CHECK_INT(r.retries[0].status, GF_ETIMEDOUT);
  CHECK_INT(it_sim_requests_for(&sim, p, 2), 2);
}

/* Bytes keep coming (no idle timeout), but the whole attempt is too long. */
static void test_attempt_timeout(void) {
  const char *p = "long story [[think:300]] [[thoughts:10]]";
  it_rec r = {0};
  it_opts o = opts();
  o.idle_ms = 5000;
  o.attempt_ms = 1000;
  it_run1(&o, p, NULL, NULL, &r);
  CHECK_INT(r.status, GF_ETIMEDOUT);
  CHECK_STR(r.message, "the attempt took longer than the 1 s timeout");
  if (r.timings.done < 995)
    fprintf(stderr, "done after %.3f ms\n", r.timings.done);
  CHECK(r.timings.done >= 995 && r.timings.done < 20000); /* ms clock */
  CHECK(strchr(r.order, 't') != NULL); /* thoughts came first */
}

int main(int argc, char **argv) {
  unsetenv("SSL_CERT_FILE");
  it_sim_start(&sim, NULL);
  static const gf_t_case cases[] = {
      TEST(test_connect_timeout), TEST(test_connect_timeout_not_in_line), TEST(test_next_address_after_timeout),
      TEST(test_idle_timeout_retried), TEST(test_attempt_timeout)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  it_sim_stop(&sim);
  return rc;
}
