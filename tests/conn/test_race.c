/* The conn's connect race (RFC 8305) and CONNECT tunnel over loopback,
 * plain TCP (no TLS), with listeners on the test's own loop: a refused
 * address, a stalled one (a full backlog: the TCP handshake never
 * completes), a close at every stage, a fake proxy that answers CONNECT
 * (split, refusing, silent). Every run ends with on_closed once and no
 * handle left on the loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "conn/conn.h"
#include "gemflow.h"
#include "test.h"

static uv_loop_t loop;
static char read_buf[65536];

/* ---- listeners ---------------------------------------------------------- */

typedef struct server {
  uv_tcp_t tcp;
  int proxy;            /* answer CONNECT with answer[] */
  int close_on_head;    /* a proxy that closes instead */
  const char *answer[4];
  const char *greeting; /* sent to a plain client on accept */
  char head[1024];      /* what a proxy read */
  size_t head_len;
  int accepted;
  uv_tcp_t *peer;
} server;

static void on_peer_closed(uv_handle_t *h) { free(h); }

static void srv_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  static char buf[4096];
  *b = uv_buf_init(buf, sizeof buf);
}

static void srv_written(uv_write_t *w, int status) { free(w); }

static void srv_send(uv_tcp_t *t, const char *s) {
  uv_write_t *w = malloc(sizeof *w);
  uv_buf_t b = uv_buf_init((char *)s, (unsigned)strlen(s));
  uv_write(w, (uv_stream_t *)t, &b, 1, srv_written);
}

static void srv_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  server *sv = s->data;
  if (n < 0) {
    uv_read_stop(s);
    return;
  }
  size_t room = sizeof sv->head - 1 - sv->head_len;
  size_t take = (size_t)n < room ? (size_t)n : room;
  memcpy(sv->head + sv->head_len, b->base, take);
  sv->head_len += take;
  sv->head[sv->head_len] = '\0';
  if (sv->proxy && sv->close_on_head && strstr(sv->head, "\r\n\r\n")) {
    uv_close((uv_handle_t *)s, on_peer_closed);
    sv->peer = NULL;
    return;
  }
  if (sv->proxy && strstr(sv->head, "\r\n\r\n"))
    for (int i = 0; i < 4 && sv->answer[i]; i++)
      srv_send((uv_tcp_t *)s, sv->answer[i]); /* one write each */
}

static void on_conn(uv_stream_t *l, int status) {
  server *sv = l->data;
  uv_tcp_t *t = malloc(sizeof *t);
  uv_tcp_init(&loop, t);
  t->data = sv;
  if (uv_accept(l, (uv_stream_t *)t) != 0) {
    uv_close((uv_handle_t *)t, on_peer_closed);
    return;
  }
  sv->accepted++;
  if (sv->peer) /* one peer at a time is kept */
    uv_close((uv_handle_t *)sv->peer, on_peer_closed);
  sv->peer = t;
  uv_read_start((uv_stream_t *)t, srv_alloc, srv_read);
  if (sv->greeting)
    srv_send(t, sv->greeting);
}

/* A listener on ip:*port (0: any; set to the one chosen). */
static int srv_start(server *sv, const char *ip, int *port) {
  memset(sv, 0, sizeof *sv);
  struct sockaddr_storage a;
  if (strchr(ip, ':'))
    uv_ip6_addr(ip, *port, (struct sockaddr_in6 *)&a);
  else
    uv_ip4_addr(ip, *port, (struct sockaddr_in *)&a);
  uv_tcp_init(&loop, &sv->tcp);
  sv->tcp.data = sv;
  if (uv_tcp_bind(&sv->tcp, (struct sockaddr *)&a, 0) ||
      uv_listen((uv_stream_t *)&sv->tcp, 16, on_conn)) {
    uv_close((uv_handle_t *)&sv->tcp, NULL);
    return -1;
  }
  int len = sizeof a;
  uv_tcp_getsockname(&sv->tcp, (struct sockaddr *)&a, &len);
  *port = ntohs(((struct sockaddr_in *)&a)->sin_port);
  return 0;
}

static void srv_stop(server *sv) {
  if (sv->peer)
    uv_close((uv_handle_t *)sv->peer, on_peer_closed);
  sv->peer = NULL;
  uv_close((uv_handle_t *)&sv->tcp, NULL);
}

/* A listener whose backlog is full: SYNs to it are dropped, a connect
 * never completes. Returns its fd and the filler's (fds[1]), or -1. */
static int blackhole(const char *ip, int port, int fds[2]) {
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  fds[0] = socket(AF_INET, SOCK_STREAM, 0);
  if (fds[0] < 0 || bind(fds[0], (struct sockaddr *)&a, sizeof a) ||
      listen(fds[0], 0))
    return -1;
  fds[1] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  connect(fds[1], (struct sockaddr *)&a, sizeof a);
  struct pollfd p = {fds[1], POLLOUT, 0};
  if (poll(&p, 1, 2000) != 1)
    return -1;
  /* a probe must now stall */
  int probe = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  connect(probe, (struct sockaddr *)&a, sizeof a);
  p.fd = probe;
  int r = poll(&p, 1, 200);
  close(probe);
  return r == 0 ? 0 : -1;
}

static void blackhole_close(int fds[2]) {
  close(fds[1]);
  close(fds[0]);
}

/* ---- the conn ----------------------------------------------------------- */

typedef struct rec {
  gf__conn *conn;
  int connected, ended, closed, err;
  uint64_t t0, t_connected, t_end;
  char msg[400], peer[400], data[256];
  int close_at_connected;
  uint64_t close_after_ms; /* 0: never */
  uv_timer_t closer;
} rec;

static void on_connected(void *ud) {
  rec *r = ud;
  r->connected++;
  r->t_connected = uv_now(&loop) - r->t0;
  snprintf(r->peer, sizeof r->peer, "%s", gf__conn_peer(r->conn));
  if (r->close_at_connected)
    gf__conn_close(r->conn);
}

static int on_data(void *ud, const char *p, size_t n) {
  rec *r = ud;
  size_t have = strlen(r->data);
  if (have + n < sizeof r->data) {
    memcpy(r->data + have, p, n);
    r->data[have + n] = '\0';
  }
  return 0;
}

static void on_end(void *ud, int err, const char *msg) {
  rec *r = ud;
  r->ended++;
  r->err = err;
  r->t_end = uv_now(&loop) - r->t0;
  snprintf(r->msg, sizeof r->msg, "%s", msg ? msg : "");
  gf__conn_close(r->conn);
}

static void on_closed(void *ud) {
  rec *r = ud;
  r->closed++;
}

static void on_closer(uv_timer_t *t) {
  rec *r = t->data;
  if (!r->closed)
    gf__conn_close(r->conn);
}

typedef struct run_opts {
  const char *url, *pins, *proxy;
  uint64_t connect_ms;
} run_opts;

/* Runs one conn until on_closed (or 10 s); with close_at_connected, also
 * until it has been connected for a moment. */
static void run(const run_opts *o, rec *r) {
  gf__url u;
  gf__pins pins;
  gf__proxy px;
  memset(&px, 0, sizeof px);
  CHECK_INT(gf__url_parse(o->url, &u), 0);
  CHECK_INT(gf__pins_parse(o->pins, &pins), 0);
  if (o->proxy)
    CHECK_INT(gf__proxy_parse(o->proxy, &px), 0);
  gf__conn_opts co = {.loop = &loop,
                      .url = &u,
                      .connect_timeout_ms = o->connect_ms,
                      .read_buf = read_buf,
                      .read_buf_len = sizeof read_buf,
                      .pins = &pins,
                      .proxy = o->proxy ? &px : NULL};
  static const gf__conn_cbs cbs = {on_connected, on_data, on_end, on_closed,
                                   NULL};
  uv_update_time(&loop);
  r->t0 = uv_now(&loop);
  uv_timer_init(&loop, &r->closer);
  r->closer.data = r;
  if (r->close_after_ms)
    uv_timer_start(&r->closer, on_closer, r->close_after_ms, 0);
  CHECK_INT(gf__conn_open(&r->conn, &co, &cbs, r), 0);
  uint64_t give_up = r->t0 + 10000;
  while (!r->closed && uv_now(&loop) < give_up) {
    if (r->connected && !r->ended && !r->close_at_connected &&
        strlen(r->data) > 0)
      gf__conn_close(r->conn); /* got what the test waits for */
    uv_run(&loop, UV_RUN_ONCE);
  }
  CHECK_INT(r->closed, 1);
  uv_close((uv_handle_t *)&r->closer, NULL);
  uv_run(&loop, UV_RUN_NOWAIT);
  gf__pins_free(&pins);
  gf__proxy_free(&px);
}

static int port_for_tests(server *main_srv) {
  int port = 0;
  if (srv_start(main_srv, "127.0.0.1", &port))
    return 0;
  return port;
}

static void finish(void) {
  uv_run(&loop, UV_RUN_DEFAULT); /* every handle closes */
}

/* ---- cases -------------------------------------------------------------- */

static void test_refused_first(void) {
  server sv;
  int port = port_for_tests(&sv);
  CHECK(port > 0);
  sv.greeting = "hello";
  char url[64], pins[128];
  snprintf(url, sizeof url, "http://localhost:%d", port);
  snprintf(pins, sizeof pins, "localhost:%d:127.0.0.3,127.0.0.1", port);
  rec r = {0};
  run(&(run_opts){url, pins, NULL, 5000}, &r);
  CHECK_INT(r.connected, 1);
  char want[64];
  snprintf(want, sizeof want, "127.0.0.1:%d", port);
  CHECK_STR(r.peer, want);
  CHECK(r.t_connected < 200); /* the refusal starts the next at once */
  CHECK_STR(r.data, "hello");
  srv_stop(&sv);
  finish();
}

static void test_stalled_first(void) {
  server sv;
  int port = port_for_tests(&sv);
  sv.greeting = "hi";
  int bh[2];
  if (blackhole("127.0.0.2", port, bh)) {
    printf("  skipped: no stalling listener on 127.0.0.2\n");
    srv_stop(&sv);
    finish();
    return;
  }
  char url[64], pins[128];
  snprintf(url, sizeof url, "http://localhost:%d", port);
  snprintf(pins, sizeof pins, "localhost:%d:127.0.0.2,127.0.0.1", port);
  rec r = {0};
  run(&(run_opts){url, pins, NULL, 5000}, &r);
  CHECK_INT(r.connected, 1);
  if (r.t_connected < 240 || r.t_connected > 1500)
    fprintf(stderr, "connected after %llu ms\n",
            (unsigned long long)r.t_connected);
  CHECK(r.t_connected >= 240 && r.t_connected < 1500);
  CHECK_STR(r.data, "hi");
  /* stalled, refused, live: the refusal (at 250 ms, the first still
   * racing) starts the live one at once, not 250 ms later */
  snprintf(pins, sizeof pins, "localhost:%d:127.0.0.2,127.0.0.3,127.0.0.1",
           port);
  rec r2 = {0};
  run(&(run_opts){url, pins, NULL, 5000}, &r2);
  if (r2.t_connected < 240 || r2.t_connected >= 450)
    fprintf(stderr, "connected after %llu ms\n",
            (unsigned long long)r2.t_connected);
  CHECK(r2.t_connected >= 240 && r2.t_connected < 450);
  blackhole_close(bh);
  srv_stop(&sv);
  finish();
}

static void test_all_stalled_timeout(void) {
  server sv;
  int port = port_for_tests(&sv);
  int bh[2], bh2[2];
  if (blackhole("127.0.0.2", port, bh) || blackhole("127.0.0.4", port, bh2)) {
    printf("  skipped: no stalling listener\n");
    srv_stop(&sv);
    finish();
    return;
  }
  char url[64], pins[128];
  snprintf(url, sizeof url, "http://localhost:%d", port);
  snprintf(pins, sizeof pins, "localhost:%d:127.0.0.2,127.0.0.4", port);
  rec r = {0};
  /* the first times out at 400, the second (started at 250) at 650 */
  run(&(run_opts){url, pins, NULL, 400}, &r);
  CHECK_INT(r.connected, 0);
  CHECK_INT(r.err, GF_ETIMEDOUT);
  CHECK_STR(r.msg, "connect timeout");
  CHECK(r.t_end >= 640 && r.t_end < 2000);
  blackhole_close(bh);
  blackhole_close(bh2);
  srv_stop(&sv);
  finish();
}

static void test_all_refused(void) {
  char url[64], pins[128];
  int port = 1; /* nothing listens on 127.0.0.5:1 or 127.0.0.6:1 */
  snprintf(url, sizeof url, "http://localhost:%d", port);
  snprintf(pins, sizeof pins, "localhost:%d:127.0.0.5,127.0.0.6", port);
  rec r = {0};
  run(&(run_opts){url, pins, NULL, 5000}, &r);
  CHECK_INT(r.err, GF_ECONNECT);
  CHECK(strstr(r.msg, "127.0.0.6:1") != NULL); /* the last one's */
  CHECK(r.t_end < 200);
  finish();
}

/* A close at every stage: before the race, while one and two attempts
 * race, at on_connected. */
static void test_close_anywhere(void) {
  server sv;
  int port = port_for_tests(&sv);
  int bh[2];
  int have_bh = blackhole("127.0.0.2", port, bh) == 0;
  char url[64], pins[160];
  snprintf(url, sizeof url, "http://localhost:%d", port);
  snprintf(pins, sizeof pins, "localhost:%d:127.0.0.2,127.0.0.2,127.0.0.1",
           port);
  static const uint64_t when[] = {1, 100, 300, 600};
  for (size_t i = 0; i < 4; i++) {
    rec r = {0};
    r.close_after_ms = when[i];
    run(&(run_opts){url, have_bh ? pins : NULL, NULL, 5000}, &r);
    CHECK_INT(r.closed, 1);
    CHECK(r.ended <= 1);
  }
  rec r = {0};
  r.close_at_connected = 1;
  run(&(run_opts){url, NULL, NULL, 5000}, &r);
  CHECK_INT(r.connected, 1);
  CHECK_INT(r.ended, 0);
  /* DNS under way */
  rec r2 = {0};
  r2.close_after_ms = 1;
  run(&(run_opts){url, NULL, NULL, 5000}, &r2);
  CHECK_INT(r2.closed, 1);
  if (have_bh)
    blackhole_close(bh);
  srv_stop(&sv);
  finish();
}

static void test_v6_first(void) {
  server v4, v6;
  int port = port_for_tests(&v4);
  if (srv_start(&v6, "::1", &port)) {
    printf("  skipped: no IPv6 loopback\n");
    srv_stop(&v4);
    finish();
    return;
  }
  v4.greeting = "v4";
  v6.greeting = "v6";
  char url[64], pins[128];
  snprintf(url, sizeof url, "http://localhost:%d", port);
  snprintf(pins, sizeof pins, "localhost:%d:::1,127.0.0.1", port);
  rec r = {0};
  run(&(run_opts){url, pins, NULL, 5000}, &r);
  CHECK_STR(r.data, "v6");
  snprintf(pins, sizeof pins, "localhost:%d:127.0.0.1,[::1]", port);
  rec r2 = {0};
  run(&(run_opts){url, pins, NULL, 5000}, &r2);
  CHECK_STR(r2.data, "v4");
  /* interleaved: a stalled v4, then ::1 before the second v4 */
  int bh[2];
  if (blackhole("127.0.0.2", port, bh) == 0) {
    snprintf(pins, sizeof pins, "localhost:%d:127.0.0.2,127.0.0.2,::1", port);
    rec r3 = {0};
    run(&(run_opts){url, pins, NULL, 5000}, &r3);
    CHECK_STR(r3.data, "v6");
    CHECK(r3.t_connected >= 240 && r3.t_connected < 480);
    blackhole_close(bh);
  }
  srv_stop(&v4);
  srv_stop(&v6);
  finish();
}

static void test_proxy_tunnel(void) {
  server px;
  int pport = port_for_tests(&px);
  px.proxy = 1;
  /* the answer in pieces, the tunnel's first bytes with its end */
  px.answer[0] = "HTTP/1.1 200 Conn";
  px.answer[1] = "ection established\r\nVia: x\r";
  px.answer[2] = "\n\r\norigin-bytes";
  char url[64], proxy[96];
  snprintf(url, sizeof url, "http://origin.test:8080");
  snprintf(proxy, sizeof proxy, "http://u%%3a:p%%40ss@proxy.test:%d", pport);
  char pins[96];
  snprintf(pins, sizeof pins, "proxy.test:%d:127.0.0.1", pport);
  gf__proxy p;
  CHECK_INT(gf__proxy_parse(proxy, &p), GF_EINVAL); /* ':' in the user */
  snprintf(proxy, sizeof proxy, "http://proxy.test:%d", pport);
  rec r = {0};
  run(&(run_opts){url, pins, proxy, 5000}, &r);
  CHECK_INT(r.connected, 1);
  CHECK_STR(px.head, "CONNECT origin.test:8080 HTTP/1.1\r\n"
                     "Host: origin.test:8080\r\n\r\n");
  CHECK_STR(r.data, "origin-bytes");
  char want[128];
  snprintf(want, sizeof want, "origin.test:8080 via proxy 127.0.0.1:%d",
           pport);
  CHECK_STR(r.peer, want);
  srv_stop(&px);
  finish();
}

static void test_proxy_refuses(void) {
  server px;
  int pport = port_for_tests(&px);
  px.proxy = 1;
  px.answer[0] = "HTTP/1.0 407 Proxy Authentication Required\r\n"
                 "Proxy-Authenticate: Basic realm=\"x\"\r\n\r\n<html>";
  char proxy[96];
  snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", pport);
  rec r2 = {0};
  run(&(run_opts){"http://[::1]:9443", NULL, proxy, 5000}, &r2);
  CHECK_INT(r2.connected, 0);
  CHECK_INT(r2.err, GF_EPROXY); /* a 4xx: not worth a retry */
  char want[160];
  snprintf(want, sizeof want, "proxy 127.0.0.1:%d refused the tunnel to "
           "[::1]:9443: 407 Proxy Authentication Required", pport);
  CHECK_STR(r2.msg, want);
  CHECK(strncmp(px.head, "CONNECT [::1]:9443 HTTP/1.1\r\n", 29) == 0);
  srv_stop(&px);
  finish();
}

static void test_proxy_silent(void) {
  server px;
  int pport = port_for_tests(&px); /* accepts, never answers */
  char proxy[96];
  snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", pport);
  rec r = {0};
  run(&(run_opts){"http://origin.test:80", NULL, proxy, 300}, &r);
  CHECK_INT(r.err, GF_ETIMEDOUT);
  CHECK_STR(r.msg, "connect timeout");
  CHECK(r.t_end >= 290 && r.t_end < 2000);
  /* a proxy that closes before answering */
  px.proxy = 1;
  px.close_on_head = 1;
  rec r2 = {0};
  run(&(run_opts){"http://origin.test:80", NULL, proxy, 5000}, &r2);
  CHECK_INT(r2.err, GF_ECONNECT);
  char want[128];
  snprintf(want, sizeof want, "proxy 127.0.0.1:%d closed the connection "
           "before answering CONNECT", pport);
  CHECK_STR(r2.msg, want);
  srv_stop(&px);
  finish();
  rec r3 = {0};
  run(&(run_opts){"http://origin.test:80", NULL, proxy, 5000}, &r3);
  CHECK_INT(r3.err, GF_ECONNECT); /* refused: the proxy is gone */
  finish();
}

int main(int argc, char **argv) {
  uv_loop_init(&loop);
  static const gf_t_case cases[] = {
      TEST(test_refused_first),  TEST(test_stalled_first),
      TEST(test_all_stalled_timeout), TEST(test_all_refused),
      TEST(test_close_anywhere), TEST(test_v6_first),
      TEST(test_proxy_tunnel),   TEST(test_proxy_refuses),
      TEST(test_proxy_silent)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0) {
    fprintf(stderr, "handles left open on the loop\n");
    rc = 1;
  }
  return rc;
}
