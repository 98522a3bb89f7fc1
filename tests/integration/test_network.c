/* The network path against gemflow-sim on loopback: resolve pins, the
 * connect race (RFC 8305, Happy Eyeballs) and a real HTTP proxy
 * (tinyproxy, started here) reached by CONNECT, with NO_PROXY, a refusal
 * and Basic authentication. tinyproxy missing fails the proxy tests. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "harness.h"
#include "test.h"

static it_sim sim;

/* ---- one generation with the network options ---------------------------- */

typedef struct nopts {
  const char *url, *ca, *resolve, *proxy, *no_proxy;
  uint64_t connect_ms; /* 0: 5000 */
} nopts;

typedef struct nrec {
  int status, done, attempts;
  char msg[512];
  double connected;
  unsigned char sha[32];
  uint64_t bytes;
  char trace[16384];
} nrec;

static void n_trace(const char *line, void *ud) {
  nrec *r = ud;
  size_t have = strlen(r->trace), n = strlen(line);
  if (have + n + 2 < sizeof r->trace) {
    memcpy(r->trace + have, line, n);
    r->trace[have + n] = '\n';
    r->trace[have + n + 1] = '\0';
  }
}

static void n_done(gf_gen *g, const gf_result *res, void *ud) {
  nrec *r = ud;
  r->done++;
  r->status = res->status;
  r->attempts = res->attempts;
  snprintf(r->msg, sizeof r->msg, "%s", res->message ? res->message : "");
  r->connected = res->timings->connected;
  memcpy(r->sha, res->sha256, 32);
  r->bytes = res->bytes;
}

/* 0, or gf_client_new's refusal. */
static int run_gen(const nopts *o, const char *prompt, nrec *r) {
  memset(r, 0, sizeof *r);
  uv_loop_t loop;
  uv_loop_init(&loop);
  gf_client_options co;
  gf_client_options_init(&co);
  co.base_url = o->url ? o->url : sim.url;
  co.ca_file = o->ca ? o->ca : sim.ca;
  co.api_key = "test-key-0123456789";
  co.max_attempts = 1;
  co.connect_timeout_ms = o->connect_ms ? o->connect_ms : 5000;
  co.resolve = o->resolve;
  co.proxy = o->proxy;
  co.no_proxy = o->no_proxy;
  co.on_trace = n_trace;
  co.trace_ud = r;
  gf_client *c;
  int rc = gf_client_new(&loop, &co, &c);
  if (rc == 0) {
    gf_callbacks cbs = {0};
    cbs.on_done = n_done;
    gf_request *req = it_req(prompt, NULL, NULL);
    gf_gen *g;
    CHECK_INT(gf_generate(c, req, NULL, &cbs, r, &g), 0);
    gf_request_free(req);
    uv_run(&loop, UV_RUN_DEFAULT);
    gf_client_free(c);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(r->done, 1);
  }
  CHECK_INT(uv_loop_close(&loop), 0);
  return rc;
}

/* The generation succeeded with the simulator's image, byte for byte. */
static void check_exact(const nrec *r, const char *prompt) {
  CHECK_INT(r->status, GF_OK);
  if (r->status)
    fprintf(stderr, "  %s: %s\n", gf_err_name(r->status), r->msg);
  unsigned char want[32];
  uint64_t bytes;
  it_sim_render(prompt, NULL, NULL, want, &bytes);
  CHECK_INT(r->bytes, bytes);
  CHECK_MEM(r->sha, 32, want, 32);
}

/* ---- listeners that stall ----------------------------------------------- */

static int bind_listen(const char *ip, int port, int backlog) {
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, backlog)) {
    close(fd);
    return -1;
  }
  return fd;
}

/* A listener on ip:port whose backlog is full: SYNs are dropped, a TCP
 * connect to it never completes. fds[0] the listener, fds[1] the filler. */
static int tcp_blackhole(const char *ip, int port, int fds[2]) {
  fds[0] = bind_listen(ip, port, 0);
  if (fds[0] < 0)
    return -1;
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  fds[1] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  connect(fds[1], (struct sockaddr *)&a, sizeof a);
  struct pollfd p = {fds[1], POLLOUT, 0};
  int ok = poll(&p, 1, 2000) == 1;
  int probe = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  connect(probe, (struct sockaddr *)&a, sizeof a);
  p.fd = probe;
  ok = ok && poll(&p, 1, 200) == 0; /* the probe stalls */
  close(probe);
  if (!ok) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  return 0;
}

static int v6_loopback(void) {
  int fd = socket(AF_INET6, SOCK_STREAM, 0);
  struct sockaddr_in6 a = {0};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  int ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
  if (fd >= 0)
    close(fd);
  return ok;
}

/* ---- resolve pins and the race ------------------------------------------ */

static void url_and_pin(char *url, size_t ulen, char *pin, size_t plen,
                        const char *addrs) {
  snprintf(url, ulen, "https://localhost:%d", sim.port);
  snprintf(pin, plen, "localhost:%d:%s", sim.port, addrs);
}

/* (a) the first addresses refuse: each failure starts the next at once,
 * so three refusals cost about nothing, not 3 x 250 ms (measured against
 * the live address alone, so that a slow machine cannot fail it) */
static void test_pin_refused_first(void) {
  char url[64], pin[128];
  url_and_pin(url, sizeof url, pin, sizeof pin, "127.0.0.1");
  nrec base;
  run_gen(&(nopts){.url = url, .resolve = pin}, "pinned", &base);
  check_exact(&base, "pinned");
  url_and_pin(url, sizeof url, pin, sizeof pin,
              "127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.1");
  nrec r;
  run_gen(&(nopts){.url = url, .resolve = pin}, "pinned, refused first", &r);
  check_exact(&r, "pinned, refused first");
  char want[64];
  snprintf(want, sizeof want, "* connected to 127.0.0.1:%d", sim.port);
  CHECK(strstr(r.trace, want) != NULL);
  if (r.connected >= base.connected + 400)
    fprintf(stderr, "  connected after %.1f ms (%.1f ms alone)\n",
            r.connected, base.connected);
  CHECK(r.connected >= 0 && r.connected < base.connected + 400);
}

/* (b) the first address never completes the TCP handshake: the second
 * starts 250 ms later and wins, long before the connect timeout */
static void test_pin_stalled_first(void) {
  int bh[2];
  if (tcp_blackhole("127.0.0.2", sim.port, bh)) {
    CHECK(!"no stalling listener on 127.0.0.2");
    return;
  }
  char url[64], pin[128];
  url_and_pin(url, sizeof url, pin, sizeof pin, "127.0.0.2,127.0.0.1");
  nrec r;
  run_gen(&(nopts){.url = url, .resolve = pin, .connect_ms = 10000},
          "pinned, stalled first", &r);
  close(bh[1]);
  close(bh[0]);
  check_exact(&r, "pinned, stalled first");
  if (r.connected < 240 || r.connected > 2000)
    fprintf(stderr, "  connected after %.1f ms\n", r.connected);
  CHECK(r.connected >= 240 && r.connected < 2000);
  char want[64];
  snprintf(want, sizeof want, "* connected to 127.0.0.1:%d", sim.port);
  CHECK(strstr(r.trace, want) != NULL);
}

/* The first address accepts TCP but never answers the ClientHello: it wins
 * the race, its handshake times out (the per-address connect timeout) and
 * the next address is tried. */
static void test_pin_tls_stalled_first(void) {
  int fd = bind_listen("127.0.0.2", sim.port, 16);
  CHECK(fd >= 0);
  char url[64], pin[128];
  url_and_pin(url, sizeof url, pin, sizeof pin, "127.0.0.2,127.0.0.1");
  nrec r;
  run_gen(&(nopts){.url = url, .resolve = pin, .connect_ms = 600},
          "pinned, handshake stalls", &r);
  close(fd);
  check_exact(&r, "pinned, handshake stalls");
  CHECK_INT(r.attempts, 1);
  CHECK(r.connected >= 600 && r.connected < 3000);
}

/* Every address stalls: the connect timeout, per address. */
static void test_pin_all_stalled(void) {
  int bh[2];
  if (tcp_blackhole("127.0.0.2", sim.port, bh)) {
    CHECK(!"no stalling listener on 127.0.0.2");
    return;
  }
  char url[64], pin[128];
  url_and_pin(url, sizeof url, pin, sizeof pin, "127.0.0.2");
  nrec r;
  run_gen(&(nopts){.url = url, .resolve = pin, .connect_ms = 300},
          "never connected", &r);
  close(bh[1]);
  close(bh[0]);
  CHECK_INT(r.status, GF_ETIMEDOUT);
  CHECK_STR(r.msg, "connect timeout");
}

/* (c) ::1 first, then 127.0.0.1, both live (the simulator listens on
 * both): the v6 one wins; the other order, the v4 one. */
static void test_pin_v6_first(void) {
  if (!v6_loopback()) {
    printf("  skipped: no IPv6 loopback\n");
    return;
  }
  char url[64], pin[128], want[64];
  url_and_pin(url, sizeof url, pin, sizeof pin, "::1,127.0.0.1");
  nrec r;
  run_gen(&(nopts){.url = url, .resolve = pin}, "v6 first", &r);
  check_exact(&r, "v6 first");
  snprintf(want, sizeof want, "* connected to [::1]:%d", sim.port);
  CHECK(strstr(r.trace, want) != NULL);
  url_and_pin(url, sizeof url, pin, sizeof pin, "127.0.0.1,[::1]");
  run_gen(&(nopts){.url = url, .resolve = pin}, "v4 first", &r);
  check_exact(&r, "v4 first");
  snprintf(want, sizeof want, "* connected to 127.0.0.1:%d", sim.port);
  CHECK(strstr(r.trace, want) != NULL);
  /* the families alternate: a stalled v4, then ::1 before the next v4 */
  int bh[2];
  if (tcp_blackhole("127.0.0.2", sim.port, bh) == 0) {
    url_and_pin(url, sizeof url, pin, sizeof pin,
                "127.0.0.2,127.0.0.2,::1");
    run_gen(&(nopts){.url = url, .resolve = pin}, "interleaved", &r);
    close(bh[1]);
    close(bh[0]);
    check_exact(&r, "interleaved");
    snprintf(want, sizeof want, "* connected to [::1]:%d", sim.port);
    CHECK(strstr(r.trace, want) != NULL);
    CHECK(r.connected >= 240 && r.connected < 490);
  }
}

static void test_bad_options(void) {
  static const char *bad_pins[] = {"localhost:443", "localhost:443:nope",
                                   "localhost:0:127.0.0.1",
                                   "localhost:443:127.0.0.1;x"};
  nrec r;
  for (size_t i = 0; i < sizeof bad_pins / sizeof bad_pins[0]; i++)
    CHECK_INT(run_gen(&(nopts){.resolve = bad_pins[i]}, "x", &r), GF_EINVAL);
  static const char *bad_proxies[] = {"https://127.0.0.1:3128",
                                      "socks5://127.0.0.1:1080",
                                      "http://127.0.0.1:3128/path",
                                      "http://u:%zz@127.0.0.1:1"};
  for (size_t i = 0; i < sizeof bad_proxies / sizeof bad_proxies[0]; i++)
    CHECK_INT(run_gen(&(nopts){.proxy = bad_proxies[i]}, "x", &r), GF_EINVAL);
  /* the key would cross to a proxy elsewhere in plain http */
  CHECK_INT(run_gen(&(nopts){.url = "http://127.0.0.1:9",
                             .proxy = "http://192.0.2.1:3128"},
                    "x", &r),
            GF_EINSECURE);
}

/* ---- tinyproxy ---------------------------------------------------------- */

typedef struct tproxy {
  pid_t pid;
  int port;
  char dir[300], log[400];
} tproxy;

static const char *tinyproxy_path(void) {
  static char found[512];
  const char *path = getenv("PATH");
  char dirs[4096];
  snprintf(dirs, sizeof dirs, "%s:/usr/sbin:/usr/bin:/sbin:/usr/local/sbin:"
           "/usr/local/bin", path ? path : "");
  for (char *d = strtok(dirs, ":"); d; d = strtok(NULL, ":")) {
    snprintf(found, sizeof found, "%s/tinyproxy", d);
    if (access(found, X_OK) == 0)
      return found;
  }
  return NULL;
}

static int free_port(void) {
  int fd = bind_listen("127.0.0.1", 0, 1);
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &len);
  close(fd);
  return ntohs(a.sin_port);
}

static int can_connect(int port) {
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

/* Starts tinyproxy on 127.0.0.1 with the extra configuration lines. 0, or
 * -1 (the test has failed, saying why). */
static int tp_start(tproxy *t, const char *extra) {
  static int seq;
  memset(t, 0, sizeof *t);
  const char *bin = tinyproxy_path();
  if (!bin) {
    fprintf(stderr, "  tinyproxy is not installed (Debian: apt-get install "
            "tinyproxy): the proxy tests cannot run\n");
    CHECK(!"tinyproxy is installed");
    return -1;
  }
  snprintf(t->dir, sizeof t->dir, "%s/tinyproxy%d", it_tmpdir(), seq++);
  mkdir(t->dir, 0700);
  snprintf(t->log, sizeof t->log, "%s/tinyproxy.log", t->dir);
  char conf[512], out[512];
  snprintf(conf, sizeof conf, "%s/tinyproxy.conf", t->dir);
  snprintf(out, sizeof out, "%s/stderr.txt", t->dir);
  t->port = free_port();
  FILE *f = fopen(conf, "w");
  CHECK(f != NULL);
  if (!f)
    return -1;
  fprintf(f, "Port %d\nListen 127.0.0.1\nTimeout 60\nAllow 127.0.0.1\n"
          "LogFile \"%s\"\nPidFile \"%s/tinyproxy.pid\"\nLogLevel Connect\n"
          "MaxClients 16\n%s\n", t->port, t->log, t->dir, extra);
  fclose(f);
  t->pid = fork();
  if (t->pid == 0) {
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execl(bin, bin, "-d", "-c", conf, (char *)NULL);
    _exit(127);
  }
  for (int i = 0; i < 500; i++) {
    if (can_connect(t->port))
      return 0;
    int st;
    if (waitpid(t->pid, &st, WNOHANG) == t->pid) {
      fprintf(stderr, "  tinyproxy exited at start (see %s)\n", out);
      t->pid = 0;
      CHECK(!"tinyproxy started");
      return -1;
    }
    usleep(10000);
  }
  CHECK(!"tinyproxy listens");
  return -1;
}

static void tp_stop(tproxy *t) {
  if (t->pid > 0) {
    kill(t->pid, SIGTERM);
    int st;
    waitpid(t->pid, &st, 0);
    t->pid = 0;
  }
}

/* CONNECT requests in the proxy's log (with want in the line, if set). */
static int tp_connects(const tproxy *t, const char *want) {
  FILE *f = fopen(t->log, "r");
  if (!f)
    return 0;
  char line[2048];
  int n = 0;
  while (fgets(line, sizeof line, f))
    n += strstr(line, "): CONNECT ") && (!want || strstr(line, want));
  fclose(f);
  return n;
}

/* Waits (at most 2 s) for the log to show at least expect of them. */
static int tp_wait_connects(const tproxy *t, const char *want, int expect) {
  for (int i = 0; i < 200 && tp_connects(t, want) < expect; i++)
    usleep(10000);
  return tp_connects(t, want);
}

static char connect_port_line[64];

static void test_proxy_tunnel(void) {
  tproxy t;
  if (tp_start(&t, connect_port_line))
    return;
  char proxy[64], target[64];
  snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", t.port);
  snprintf(target, sizeof target, "CONNECT localhost:%d ", sim.port);
  nrec r;
  run_gen(&(nopts){.proxy = proxy}, "through the proxy", &r);
  check_exact(&r, "through the proxy");
  CHECK_INT(tp_wait_connects(&t, target, 1), 1);
  char want[128];
  snprintf(want, sizeof want, "* connected to localhost:%d via proxy "
           "127.0.0.1:%d with ", sim.port, t.port);
  CHECK(strstr(r.trace, want) != NULL); /* and TLS, through the tunnel */
  /* the proxy's host by name, pinned: pins apply to what is dialed */
  char pin[64];
  snprintf(proxy, sizeof proxy, "http://proxy.gemflow.test:%d/", t.port);
  snprintf(pin, sizeof pin, "proxy.gemflow.test:%d:127.0.0.1", t.port);
  run_gen(&(nopts){.proxy = proxy, .resolve = pin}, "pinned proxy", &r);
  check_exact(&r, "pinned proxy");
  CHECK_INT(tp_wait_connects(&t, target, 2), 2);
  tp_stop(&t);
}

static void test_no_proxy(void) {
  tproxy t;
  if (tp_start(&t, connect_port_line))
    return;
  char proxy[64];
  snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", t.port);
  static const char *bypass[] = {"localhost", "example.com, .localhost",
                                 "*"};
  nrec r;
  for (size_t i = 0; i < 3; i++) {
    run_gen(&(nopts){.proxy = proxy, .no_proxy = bypass[i]}, "bypassed",
            &r);
    check_exact(&r, "bypassed");
    CHECK(strstr(r.trace, "via proxy") == NULL);
  }
  usleep(200000);
  CHECK_INT(tp_connects(&t, NULL), 0); /* nothing went through it */
  run_gen(&(nopts){.proxy = proxy, .no_proxy = "example.com,127.0.0.1"},
          "not bypassed", &r);
  check_exact(&r, "not bypassed");
  CHECK_INT(tp_wait_connects(&t, NULL, 1), 1);
  tp_stop(&t);
}

/* A proxy that does not allow CONNECT to the simulator's port: a clear
 * error naming the proxy and its status. */
static void test_proxy_refuses(void) {
  tproxy t;
  if (tp_start(&t, "ConnectPort 1"))
    return;
  char proxy[64], want[160];
  snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", t.port);
  nrec r;
  run_gen(&(nopts){.proxy = proxy}, "refused by the proxy", &r);
  CHECK_INT(r.status, GF_EPROXY);
  snprintf(want, sizeof want, "proxy 127.0.0.1:%d refused the tunnel to "
           "localhost:%d: 403 ", t.port, sim.port);
  if (strncmp(r.msg, want, strlen(want)) != 0)
    fprintf(stderr, "  message: %s\n", r.msg);
  CHECK(strncmp(r.msg, want, strlen(want)) == 0);
  CHECK_INT(tp_wait_connects(&t, NULL, 1), 1);
  tp_stop(&t);
}

static void test_proxy_basic_auth(void) {
  tproxy t;
  char conf[128];
  snprintf(conf, sizeof conf, "%s\nBasicAuth gfuser s3cret.pass",
           connect_port_line);
  if (tp_start(&t, conf))
    return;
  char proxy[128], want[160];
  nrec r;
  /* no credentials: 407 */
  snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", t.port);
  run_gen(&(nopts){.proxy = proxy}, "no credentials", &r);
  CHECK_INT(r.status, GF_EPROXY);
  snprintf(want, sizeof want, "proxy 127.0.0.1:%d refused the tunnel to "
           "localhost:%d: 407 Proxy Authentication Required", t.port,
           sim.port);
  CHECK_STR(r.msg, want);
  /* a wrong password: tinyproxy 1.11 answers 401 (not 407) to those */
  snprintf(proxy, sizeof proxy, "http://gfuser:wrong-pass@127.0.0.1:%d",
           t.port);
  run_gen(&(nopts){.proxy = proxy}, "wrong password", &r);
  CHECK_INT(r.status, GF_EPROXY);
  snprintf(want, sizeof want, "proxy 127.0.0.1:%d refused the tunnel to "
           "localhost:%d: ", t.port, sim.port);
  size_t wl = strlen(want);
  if (strncmp(r.msg, want, wl) != 0 ||
      (strncmp(r.msg + wl, "407 ", 4) != 0 &&
       strncmp(r.msg + wl, "401 ", 4) != 0))
    fprintf(stderr, "  message: %s\n", r.msg);
  CHECK(strncmp(r.msg, want, wl) == 0);
  CHECK(strncmp(r.msg + wl, "407 ", 4) == 0 ||
        strncmp(r.msg + wl, "401 ", 4) == 0);
  CHECK(strstr(r.msg, "wrong-pass") == NULL);
  CHECK(strstr(r.trace, "wrong-pass") == NULL);
  CHECK(strstr(r.trace, "gfuser") == NULL);
  /* the right ones (percent-encoded in part) */
  snprintf(proxy, sizeof proxy, "http://gfuser:s3cret%%2Epass@127.0.0.1:%d",
           t.port);
  run_gen(&(nopts){.proxy = proxy}, "right password", &r);
  check_exact(&r, "right password");
  CHECK(strstr(r.trace, "s3cret") == NULL);
  CHECK(strstr(r.trace, "gfuser") == NULL);
  tp_stop(&t);
}

/* ---- a cancel while the name is being resolved -------------------------- */

/* A cancel, and a gf_client_free, right after gf_generate against a name
 * (the conn is resolving it, on c-ares): on_done once with GF_ECANCELED,
 * the loop ends at once with no handle left. A lookup that hangs cannot be
 * made through the public API (c-ares 1.18 takes its servers from
 * resolv.conf only, no environment variable names another): the cancel of
 * a lookup that never gets an answer is tests/conn/test_resolve.c's. */
static void test_cancel_during_dns(void) {
  char url[128];
  snprintf(url, sizeof url, "https://localhost:%d", sim.port);
  for (int free_client = 0; free_client < 2; free_client++) {
    nrec r;
    memset(&r, 0, sizeof r);
    uv_loop_t loop;
    uv_loop_init(&loop);
    gf_client_options co;
    gf_client_options_init(&co);
    co.base_url = url;
    co.ca_file = sim.ca;
    co.api_key = "test-key-0123456789";
    co.max_attempts = 1;
    gf_client *c;
    CHECK_INT(gf_client_new(&loop, &co, &c), 0);
    gf_callbacks cbs = {0};
    cbs.on_done = n_done;
    gf_request *req = it_req("dns", NULL, NULL);
    gf_gen *g;
    CHECK_INT(gf_generate(c, req, NULL, &cbs, &r, &g), 0);
    gf_request_free(req);
    uint64_t t0 = uv_hrtime();
    if (free_client) {
      gf_client_free(c);
    } else {
      gf_cancel(g);
      uv_run(&loop, UV_RUN_DEFAULT);
      gf_client_free(c);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uint64_t ms = (uv_hrtime() - t0) / 1000000;
    CHECK_INT(r.done, 1);
    CHECK_INT(r.status, GF_ECANCELED);
    CHECK(ms < 100);
    CHECK_INT(uv_loop_close(&loop), 0);
  }
}

int main(int argc, char **argv) {
  unsetenv("SSL_CERT_FILE");
  it_sim_start(&sim, NULL); /* 127.0.0.1 and ::1, one port */
  snprintf(connect_port_line, sizeof connect_port_line, "ConnectPort %d",
           sim.port);
  static const gf_t_case cases[] = {
      TEST(test_pin_refused_first), TEST(test_pin_stalled_first),
      TEST(test_pin_tls_stalled_first), TEST(test_pin_all_stalled),
      TEST(test_pin_v6_first),      TEST(test_bad_options),
      TEST(test_proxy_tunnel),      TEST(test_no_proxy),
      TEST(test_proxy_refuses),     TEST(test_proxy_basic_auth),
      TEST(test_cancel_during_dns)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  it_sim_stop(&sim);
  return rc;
}
