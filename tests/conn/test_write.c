/* Sending a long request: 32 MiB through a conn to a server on the test's
 * loop that does not read at first, over plain TCP and over TLS. The
 * conn never holds more than about 64 KiB for the socket (the request is
 * sent by reference, encrypted as the socket drains), says it is still
 * sending until the last byte is taken, and every byte arrives in order. */
#include <netinet/in.h>
#include <unistd.h>
#include <uv.h>

#include "conn/conn.h"
#include "gemflow.h"
#include "test.h"
#include "tls/tls.h"

#define BODY (32u * 1024 * 1024)
#define BOUND (96u * 1024) /* 64 KiB in flight, a step and record headers */

static uv_loop_t loop;
static char read_buf[65536];

typedef struct run {
  int tls;
  uv_tcp_t listener, peer;
  int peer_open;
  gf__tls *srv;
  gf__conn *conn;
  char *body;
  uint64_t got;      /* body bytes the server read, after the head */
  size_t head_seen;  /* bytes of "HEAD\n" read */
  int bad_byte;      /* an out-of-order byte arrived */
  size_t max_buffered;
  int sending_while_stalled;
  int done, closed, ended;
  uv_timer_t timer;
} run;

static const char head[] = "HEAD\n";

static char pattern(uint64_t i) { return (char)((i * 131u + (i >> 13)) & 0xff); }

/* ---- the server ----------------------------------------------------------- */

static void take_plain(run *r, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (r->head_seen < sizeof head - 1) {
      r->bad_byte |= p[i] != head[r->head_seen++];
      continue;
    }
    r->bad_byte |= p[i] != pattern(r->got);
    r->got++;
  }
  size_t b = gf__conn_buffered(r->conn);
  if (b > r->max_buffered)
    r->max_buffered = b;
}

static int srv_cipher(void *ud, const char *p, size_t n) {
  run *r = ud;
  uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
  CHECK_INT(uv_try_write((uv_stream_t *)&r->peer, &b, 1), (int)n);
  return 0;
}

static int srv_plain(void *ud, const char *p, size_t n) {
  take_plain(ud, p, n);
  return 0;
}

static void srv_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  static char buf[65536];
  *b = uv_buf_init(buf, sizeof buf);
}

static void srv_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  run *r = s->data;
  if (n < 0) {
    uv_read_stop(s);
    return;
  }
  if (r->tls)
    CHECK_INT(gf__tls_feed(r->srv, b->base, (size_t)n), 0);
  else
    take_plain(r, b->base, (size_t)n);
}

static void on_accept(uv_stream_t *l, int status) {
  run *r = l->data;
  CHECK_INT(status, 0);
  uv_tcp_init(&loop, &r->peer);
  r->peer.data = r;
  r->peer_open = 1;
  CHECK_INT(uv_accept(l, (uv_stream_t *)&r->peer), 0);
  if (r->tls) /* the handshake must run: reading stops once it is done */
    uv_read_start((uv_stream_t *)&r->peer, srv_alloc, srv_read);
}

/* ---- the client ----------------------------------------------------------- */

static void check_stalled(uv_timer_t *t) {
  run *r = t->data;
  size_t b = gf__conn_buffered(r->conn);
  if (b > r->max_buffered)
    r->max_buffered = b;
  r->sending_while_stalled = gf__conn_sending(r->conn);
  /* now drain it */
  uv_read_start((uv_stream_t *)&r->peer, srv_alloc, srv_read);
}

static void on_connected(void *ud) {
  run *r = ud;
  if (r->tls) /* the server stops reading for a while */
    uv_read_stop((uv_stream_t *)&r->peer);
  CHECK_INT(gf__conn_write(r->conn, head, sizeof head - 1), 0);
  CHECK_INT(gf__conn_write_ref(r->conn, r->body, BODY), 0);
  /* one request at a time */
  CHECK_INT(gf__conn_write(r->conn, "x", 1), GF_EINVAL);
  CHECK(gf__conn_buffered(r->conn) <= BOUND);
  uv_timer_start(&r->timer, check_stalled, 300, 0);
}

static int on_data(void *ud, const char *p, size_t n) { return 0; }

static void on_end(void *ud, int err, const char *msg) {
  run *r = ud;
  r->ended = 1;
  fprintf(stderr, "unexpected end: %s %s\n", gf_err_name(err), msg ? msg : "");
}

static void on_closed(void *ud) { ((run *)ud)->closed = 1; }

static const gf__conn_cbs cbs = {on_connected, on_data, on_end, on_closed,
                                 NULL};

static void noop_close(uv_handle_t *h) {}

static void poll_done(uv_idle_t *i) {
  run *r = i->data;
  if (r->got < BODY || r->done)
    return;
  if (gf__conn_sending(r->conn))
    return; /* the last write's callback is still to come */
  r->done = 1;
  gf__conn_close(r->conn);
  uv_close((uv_handle_t *)&r->listener, noop_close);
  uv_close((uv_handle_t *)&r->peer, noop_close);
  uv_close((uv_handle_t *)&r->timer, noop_close);
  uv_close((uv_handle_t *)i, noop_close);
}

static void send_32mib(int tls) {
  run r = {.tls = tls};
  r.body = malloc(BODY);
  for (uint64_t i = 0; i < BODY; i++)
    r.body[i] = pattern(i);
  uv_loop_init(&loop);
  uv_timer_init(&loop, &r.timer);
  r.timer.data = &r;
  uv_tcp_init(&loop, &r.listener);
  r.listener.data = &r;
  struct sockaddr_in sa;
  uv_ip4_addr("127.0.0.1", 0, &sa);
  CHECK_INT(uv_tcp_bind(&r.listener, (struct sockaddr *)&sa, 0), 0);
  CHECK_INT(uv_listen((uv_stream_t *)&r.listener, 4, on_accept), 0);
  int len = sizeof sa;
  uv_tcp_getsockname(&r.listener, (struct sockaddr *)&sa, &len);

  char dir[] = "/tmp/gf-test-write-XXXXXX", ca[64], crt[64], key[64], u[64];
  gf__tls_config *ccfg = NULL, *scfg = NULL;
  if (tls) {
    CHECK(mkdtemp(dir) != NULL);
    CHECK_INT(gf__tls_make_test_certs(dir, NULL, 0), 0);
    snprintf(ca, sizeof ca, "%s/ca.pem", dir);
    snprintf(crt, sizeof crt, "%s/server.pem", dir);
    snprintf(key, sizeof key, "%s/server.key", dir);
    CHECK_INT(gf__tls_config_client(&ccfg, ca, NULL), 0);
    CHECK_INT(gf__tls_config_server(&scfg, crt, key, NULL), 0);
    static const gf__tls_cbs scbs = {srv_cipher, srv_plain, NULL};
    CHECK_INT(gf__tls_new(&r.srv, scfg, NULL, &scbs, &r), 0);
  }
  snprintf(u, sizeof u, "%s://127.0.0.1:%d", tls ? "https" : "http",
           ntohs(sa.sin_port));
  gf__url url;
  CHECK_INT(gf__url_parse(u, &url), 0);
  gf__conn_opts o = {.loop = &loop, .url = &url, .tls = ccfg,
                     .connect_timeout_ms = 10000, .read_buf = read_buf,
                     .read_buf_len = sizeof read_buf};
  CHECK_INT(gf__conn_open(&r.conn, &o, &cbs, &r), 0);
  uv_idle_t idle;
  uv_idle_init(&loop, &idle);
  idle.data = &r;
  uv_idle_start(&idle, poll_done);
  uv_run(&loop, UV_RUN_DEFAULT);

  CHECK_INT(r.got, BODY);
  CHECK_INT(r.head_seen, sizeof head - 1);
  CHECK(!r.bad_byte);
  CHECK(!r.ended);
  CHECK(r.closed);
  CHECK(r.sending_while_stalled); /* 32 MiB exceed the socket buffers */
  fprintf(stderr, "%s: at most %zu bytes held for the socket\n",
          tls ? "tls" : "plain", r.max_buffered);
  CHECK(r.max_buffered <= BOUND);
  CHECK_INT(uv_loop_close(&loop), 0);
  if (tls) {
    gf__tls_free(r.srv);
    gf__tls_config_free(ccfg);
    gf__tls_config_free(scfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
  }
  free(r.body);
}

static void test_plain(void) { send_32mib(0); }
static void test_tls(void) { send_32mib(1); }

TEST_MAIN(TEST(test_plain), TEST(test_tls))
