/* Connection reuse and TLS session resumption. A response that ends as
 * its framing says leaves its connection to the client's next request; a
 * client's first handshake is full, later ones resume its session with
 * the ticket gemflow-sim issued. Images byte-exact either way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "harness.h"
#include "test.h"

static it_sim sim;

typedef struct res {
  int done, status, resumed, reused, attempts, retries;
  unsigned char sha[32];
} res;

static void on_done(gf_gen *g, const gf_result *r, void *ud) {
  res *x = ud;
  x->done++;
  x->status = r->status;
  x->resumed = r->tls_resumed;
  x->reused = r->conn_reused;
  x->attempts = r->attempts;
  memcpy(x->sha, r->sha256, 32);
}

static void on_retry(gf_gen *g, const gf_attempt *a, void *ud) {
  res *x = ud;
  x->retries++;
}

static void start(gf_client *c, const char *prompt, res *x) {
  gf_request *req = it_req(prompt, NULL, NULL);
  gf_callbacks cb;
  gf_callbacks_init(&cb);
  cb.on_done = on_done;
  cb.on_retry = on_retry;
  CHECK_INT(gf_generate(c, req, NULL, &cb, x, NULL), 0);
  gf_request_free(req);
}

/* How each attempt got its connection, as the trace tells it. */
static int traced_connects, traced_reuses;

static void print_trace(const char *line, void *ud) {
  traced_connects += strncmp(line, "* connected to ", 15) == 0;
  traced_reuses += strncmp(line, "* reusing a kept connection to 127.0.0.1:",
                           41) == 0;
  if (getenv("IT_TRACE"))
    fprintf(stderr, "%s\n", line);
}

/* keep_alive: 0 off, 1 on; keep_ms 0: the default */
static gf_client *client_with(uv_loop_t *loop, int keep_alive,
                              uint64_t keep_ms, int max_conns) {
  gf_client_options co;
  gf_client_options_init(&co);
  co.base_url = sim.url;
  co.ca_file = sim.ca;
  co.api_key = "reuse-test-key";
  co.max_attempts = 3;
  co.retry_initial_ms = 10;
  co.keep_alive = keep_alive;
  co.keep_alive_ms = keep_ms;
  co.max_connections = max_conns;
  co.on_trace = print_trace;
  traced_connects = traced_reuses = 0;
  gf_client *c = NULL;
  CHECK_INT(gf_client_new(loop, &co, &c), 0);
  return c;
}

static gf_client *client(uv_loop_t *loop, const char *ca) {
  gf_client_options co;
  gf_client_options_init(&co);
  co.base_url = sim.url;
  co.ca_file = ca;
  co.api_key = "resume-test-key";
  co.max_attempts = 1;
  co.keep_alive = 0; /* a new connection, so a new handshake, each time */
  gf_client *c = NULL;
  CHECK_INT(gf_client_new(loop, &co, &c), 0);
  return c;
}

static void check_sha(const res *x, const char *prompt) {
  unsigned char want[32];
  uint64_t bytes;
  it_sim_render(prompt, NULL, NULL, want, &bytes);
  CHECK_MEM(x->sha, 32, want, 32);
}

static void test_second_connection_resumes(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  gf_client *c = client(&loop, sim.ca);
  res a = {0}, b = {0}, c1 = {0}, c2 = {0};
  start(c, "resume: first", &a);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(a.status, GF_OK);
  CHECK_INT(a.resumed, 0); /* nothing to resume yet */
  start(c, "resume: second", &b);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(b.status, GF_OK);
  CHECK_INT(b.resumed, 1);
  check_sha(&b, "resume: second");
  /* two at once, both after the first: both resume */
  start(c, "resume: third", &c1);
  start(c, "resume: fourth", &c2);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(c1.resumed + c2.resumed, 2);
  check_sha(&c2, "resume: fourth");
  gf_client_free(c);
  uv_run(&loop, UV_RUN_DEFAULT);
  /* a new client has its own sessions: a full handshake again */
  c = client(&loop, sim.ca);
  res d = {0};
  start(c, "resume: new client", &d);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(d.status, GF_OK);
  CHECK_INT(d.resumed, 0);
  gf_client_free(c);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&loop), 0);
}

static void close_client(uv_loop_t *loop, gf_client *c) {
  gf_client_free(c); /* kept connections close too */
  uv_run(loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(loop), 0);
}

static void test_kept_connection_reused(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  gf_client *c = client_with(&loop, 1, 0, 0);
  res a = {0}, b = {0}, d = {0};
  start(c, "reuse: first", &a);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(a.status, GF_OK);
  CHECK_INT(a.reused, 0);
  start(c, "reuse: second", &b);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(b.status, GF_OK);
  CHECK_INT(b.reused, 1);
  CHECK_INT(b.resumed, 0); /* no handshake at all */
  check_sha(&b, "reuse: second");
  CHECK_INT(traced_connects, 1); /* the first only */
  CHECK_INT(traced_reuses, 1);
  /* an HTTP error with a whole body leaves the connection usable too */
  start(c, "reuse: refused [[fault:500]] [[times:2]]", &d);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(d.reused, 1);
  CHECK_INT(d.status, GF_OK); /* 500 then retried, on the same one */
  CHECK_INT(d.retries, 2);
  close_client(&loop, c);
}

static void test_keep_alive_off(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  gf_client *c = client_with(&loop, 0, 0, 0);
  res a = {0}, b = {0};
  start(c, "no reuse: first", &a);
  uv_run(&loop, UV_RUN_DEFAULT);
  start(c, "no reuse: second", &b);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(b.status, GF_OK);
  CHECK_INT(b.reused, 0);
  CHECK_INT(b.resumed, 1);
  close_client(&loop, c);
}

/* The server closes a kept connection as the request goes (its keep-alive
 * ran out): no answer came, so a new connection carries the same attempt;
 * on a new connection the same close is a failed attempt, retried. */
static void test_closed_kept_connection(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  gf_client *c = client_with(&loop, 1, 0, 0);
  res a = {0}, b = {0};
  start(c, "closed: first", &a);
  uv_run(&loop, UV_RUN_DEFAULT);
  const char *p = "closed: second [[fault:close]] [[at:head]] [[times:1]]";
  start(c, p, &b);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(b.status, GF_OK);
  CHECK_INT(b.attempts, 1);
  CHECK_INT(b.retries, 0);
  CHECK_INT(b.reused, 0); /* the new connection gave the result */
  CHECK_INT(it_sim_requests_for(&sim, p, 2), 2);
  close_client(&loop, c);
  uv_loop_init(&loop);
  c = client_with(&loop, 1, 0, 0);
  res x = {0};
  start(c, "closed: fresh [[fault:close]] [[at:head]] [[times:1]]", &x);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(x.status, GF_OK);
  CHECK_INT(x.attempts, 2);
  CHECK_INT(x.retries, 1);
  close_client(&loop, c);
}

static void on_later(uv_timer_t *t) { uv_close((uv_handle_t *)t, NULL); }

/* Kept keep_alive_ms, then closed: the next request opens a new one. */
static void test_idle_expiry(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  gf_client *c = client_with(&loop, 1, 200, 0);
  res a = {0}, b = {0};
  start(c, "expiry: first", &a);
  uv_run(&loop, UV_RUN_DEFAULT); /* returns once the kept one has closed */
  uv_timer_t t;
  uv_timer_init(&loop, &t);
  uv_timer_start(&t, on_later, 300, 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  start(c, "expiry: second", &b);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(b.status, GF_OK);
  CHECK_INT(b.reused, 0);
  close_client(&loop, c);
}

/* max_connections 1: three at once share one connection, in turn. */
static void test_max_connections(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  gf_client *c = client_with(&loop, 1, 0, 1);
  res r[3] = {{0}};
  start(c, "one conn: a", &r[0]);
  start(c, "one conn: b", &r[1]);
  start(c, "one conn: c", &r[2]);
  uv_run(&loop, UV_RUN_DEFAULT);
  for (int i = 0; i < 3; i++)
    CHECK_INT(r[i].status, GF_OK);
  CHECK_INT(r[0].reused + r[1].reused + r[2].reused, 2);
  check_sha(&r[2], "one conn: c");
  close_client(&loop, c);
}

int main(int argc, char **argv) {
  unsetenv("SSL_CERT_FILE");
  it_sim_start(&sim, NULL);
  static const gf_t_case cases[] = {
      TEST(test_second_connection_resumes), TEST(test_kept_connection_reused),
      TEST(test_keep_alive_off), TEST(test_closed_kept_connection),
      TEST(test_idle_expiry), TEST(test_max_connections)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  it_sim_stop(&sim);
  return rc;
}
