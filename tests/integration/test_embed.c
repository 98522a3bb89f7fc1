/* The embedding contract: gf_client_close's close_cb (after every on_done,
 * from the loop, once), the client's data pointer, gf_gen_pause/resume
 * (nothing read and no timeout while paused), and callbacks read only up
 * to the caller's struct_size. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "harness.h"
#include "test.h"

static it_sim sim;

typedef struct run {
  uv_loop_t loop;
  gf_client *client;
  int done, canceled, closed, in_close_call, done_before_close;
  int status;
  unsigned char sha[32];
  /* pause */
  gf_gen *gen;
  uv_timer_t timer;
  int thoughts, checks;
  uint64_t data_bytes;
  uint64_t snap_thoughts, snap_bytes;
} run;

static void new_client(run *r, uint64_t idle_ms) {
  memset(r, 0, sizeof *r);
  uv_loop_init(&r->loop);
  gf_client_options co;
  gf_client_options_init(&co);
  co.base_url = sim.url;
  co.ca_file = sim.ca;
  co.api_key = "embed-test-key";
  co.max_attempts = 1;
  if (idle_ms)
    co.idle_timeout_ms = idle_ms;
  CHECK_INT(gf_client_new(&r->loop, &co, &r->client), 0);
  CHECK(gf_client_get_data(r->client) == NULL);
  gf_client_set_data(r->client, r);
}

static void on_done(gf_gen *g, const gf_result *res, void *ud) {
  run *r = ud;
  r->done++;
  r->status = res->status;
  if (res->status == GF_ECANCELED)
    r->canceled++;
  memcpy(r->sha, res->sha256, 32);
}

static gf_gen *start(run *r, const char *prompt, const gf_callbacks *cbs) {
  gf_request *req = it_req(prompt, NULL, NULL);
  gf_gen *g = NULL;
  CHECK_INT(gf_generate(r->client, req, NULL, cbs, r, &g), 0);
  gf_request_free(req);
  return g;
}

static void on_close(gf_client *c) {
  run *r = gf_client_get_data(c);
  CHECK(r != NULL);
  CHECK_INT(r->in_close_call, 0); /* never from inside gf_client_close */
  r->closed++;
  r->done_before_close = r->done;
}

static void close_and_run(run *r) {
  r->in_close_call = 1;
  gf_client_close(r->client, on_close);
  gf_client_close(r->client, on_close); /* a second close is ignored */
  r->in_close_call = 0;
  CHECK_INT(r->closed, 0);
  uv_run(&r->loop, UV_RUN_DEFAULT);
  CHECK_INT(r->closed, 1);
  CHECK_INT(uv_loop_close(&r->loop), 0); /* every handle is closed */
}

static void test_close_cancels_then_calls_back(void) {
  run r;
  new_client(&r, 0);
  gf_callbacks cbs;
  gf_callbacks_init(&cbs);
  cbs.on_done = on_done;
  start(&r, "closed while thinking one [[think:3000]]", &cbs);
  start(&r, "closed while thinking two [[think:3000]]", &cbs);
  close_and_run(&r);
  CHECK_INT(r.canceled, 2);
  CHECK_INT(r.done_before_close, 2); /* both on_done before close_cb */
}

static void test_close_idle_client(void) {
  run r;
  new_client(&r, 0);
  close_and_run(&r);
  CHECK_INT(r.done, 0);
}

/* ---- pause -------------------------------------------------------------- */

static void on_data(gf_gen *g, const unsigned char *p, size_t n, void *ud) {
  run *r = ud;
  r->data_bytes += n;
}

/* 200 ms into the pause: what was already read has been delivered; from
 * then to 1500 ms (five idle timeouts) nothing may come, then resume. */
static void on_tick(uv_timer_t *t) {
  run *r = t->data;
  if (r->checks++ == 0) {
    r->snap_thoughts = (uint64_t)r->thoughts;
    r->snap_bytes = r->data_bytes;
    uv_timer_start(t, on_tick, 1300, 0);
    return;
  }
  CHECK_INT(r->done, 0); /* no idle or attempt timeout while paused */
  CHECK_INT((uint64_t)r->thoughts, r->snap_thoughts);
  CHECK_INT(r->data_bytes, r->snap_bytes);
  CHECK_INT(gf_gen_resume(r->gen), 0);
  uv_close((uv_handle_t *)t, NULL);
}

static void on_thought_timed(gf_gen *g, const char *t, size_t n, void *ud) {
  run *r = ud;
  if (++r->thoughts == 1) {
    CHECK_INT(gf_gen_pause(g), 0);
    CHECK_INT(gf_gen_pause(g), 0); /* twice is once */
    uv_timer_start(&r->timer, on_tick, 200, 0);
  }
}

static void test_pause_resume(void) {
  run r;
  new_client(&r, 300); /* the pause lasts five idle timeouts */
  uv_timer_init(&r.loop, &r.timer);
  r.timer.data = &r;
  gf_callbacks cbs;
  gf_callbacks_init(&cbs);
  cbs.on_thought = on_thought_timed;
  cbs.on_image_data = on_data;
  cbs.on_done = on_done;
  const char *prompt = "paused by a slow reader [[think:100]]";
  r.gen = start(&r, prompt, &cbs);
  uv_run(&r.loop, UV_RUN_DEFAULT);
  CHECK_INT(r.checks, 2);
  CHECK_INT(r.done, 1);
  CHECK_INT(r.status, GF_OK);
  unsigned char want[32];
  uint64_t bytes;
  it_sim_render(prompt, NULL, NULL, want, &bytes);
  CHECK_MEM(r.sha, 32, want, 32);
  CHECK_INT(r.data_bytes, bytes);
  gf_client_free(r.client);
  uv_run(&r.loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&r.loop), 0);
}

/* Paused before it connects: connect and handshake go on, reading waits. */
static void test_pause_before_connect(void) {
  run r;
  new_client(&r, 300);
  uv_timer_init(&r.loop, &r.timer);
  r.timer.data = &r;
  gf_callbacks cbs;
  gf_callbacks_init(&cbs);
  cbs.on_thought = on_thought_timed;
  cbs.on_image_data = on_data;
  cbs.on_done = on_done;
  r.gen = start(&r, "paused at once", &cbs);
  CHECK_INT(gf_gen_pause(r.gen), 0);
  r.checks = 0;
  uv_timer_start(&r.timer, on_tick, 200, 0);
  uv_run(&r.loop, UV_RUN_DEFAULT);
  CHECK_INT(r.status, GF_OK);
  CHECK(r.thoughts > 0);
  gf_client_free(r.client);
  uv_run(&r.loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&r.loop), 0);
}

static void test_pause_after_done(void) {
  run r;
  new_client(&r, 0);
  gf_callbacks cbs;
  gf_callbacks_init(&cbs);
  cbs.on_done = on_done;
  gf_request *req = it_req("kept for a pause", NULL, NULL);
  gf_gen_options go;
  gf_gen_options_init(&go);
  go.keep_handle = 1;
  gf_gen *g = NULL;
  CHECK_INT(gf_generate(r.client, req, &go, &cbs, &r, &g), 0);
  gf_request_free(req);
  uv_run(&r.loop, UV_RUN_DEFAULT);
  CHECK_INT(r.status, GF_OK);
  CHECK_INT(gf_gen_pause(g), GF_EINVAL);
  CHECK_INT(gf_gen_resume(g), GF_EINVAL);
  CHECK_INT(gf_gen_pause(NULL), GF_EINVAL);
  gf_gen_release(g);
  gf_client_free(r.client);
  uv_run(&r.loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&r.loop), 0);
}

/* ---- struct_size -------------------------------------------------------- */

static int retry_calls;
static void on_retry_must_not_run(gf_gen *g, const gf_attempt *a, void *ud) {
  retry_calls++;
}

/* A program built before on_retry existed passes a shorter struct: what
 * lies beyond it (here a callback that must not run) is never read. */
static void test_callbacks_struct_size(void) {
  run r;
  memset(&r, 0, sizeof r);
  uv_loop_init(&r.loop);
  gf_client_options co;
  gf_client_options_init(&co);
  co.base_url = sim.url;
  co.ca_file = sim.ca;
  co.api_key = "embed-test-key";
  co.max_attempts = 2;
  co.retry_initial_ms = 10;
  CHECK_INT(gf_client_new(&r.loop, &co, &r.client), 0);
  gf_callbacks cbs;
  gf_callbacks_init(&cbs);
  cbs.on_done = on_done;
  cbs.on_retry = on_retry_must_not_run;
  cbs.struct_size = offsetof(gf_callbacks, on_retry);
  start(&r, "older callbacks [[fault:503]] [[times:1]] [[retry-delay:20]]",
        &cbs);
  uv_run(&r.loop, UV_RUN_DEFAULT);
  CHECK_INT(r.status, GF_OK);
  CHECK_INT(retry_calls, 0);
  cbs.struct_size = sizeof cbs; /* the whole struct: it runs */
  start(&r, "newer callbacks [[fault:503]] [[times:1]] [[retry-delay:20]]",
        &cbs);
  uv_run(&r.loop, UV_RUN_DEFAULT);
  CHECK_INT(r.status, GF_OK);
  CHECK_INT(retry_calls, 1);
  gf_client_free(r.client);
  uv_run(&r.loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&r.loop), 0);
}

int main(int argc, char **argv) {
  unsetenv("SSL_CERT_FILE");
  it_sim_start(&sim, NULL);
  static const gf_t_case cases[] = {
      TEST(test_close_cancels_then_calls_back), TEST(test_close_idle_client),
      TEST(test_pause_resume),                  TEST(test_pause_before_connect),
      TEST(test_pause_after_done),              TEST(test_callbacks_struct_size)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  it_sim_stop(&sim);
  return rc;
}
