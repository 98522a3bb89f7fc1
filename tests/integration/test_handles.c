/* A kept handle (gf_gen_options.keep_handle): valid after on_done until
 * gf_gen_release, so gf_cancel and gf_gen_userdata may be called on it at
 * any time; released before or after on_done, it is freed exactly once
 * (ASan and valgrind see to that). */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "harness.h"
#include "test.h"

static it_sim sim;

typedef struct run {
  uv_loop_t loop;
  gf_client *client;
  int done;
  int status;
  int release_in_done;
} run;

static void on_done(gf_gen *g, const gf_result *res, void *ud) {
  run *r = ud;
  r->done++;
  r->status = res->status;
  if (r->release_in_done)
    gf_gen_release(g); /* freed after on_done returns, not under it */
}

static gf_gen *start(run *r, const char *prompt, int keep) {
  uv_loop_init(&r->loop);
  gf_client_options co;
  gf_client_options_init(&co);
  co.base_url = sim.url;
  co.ca_file = sim.ca;
  co.api_key = "handles-test-key";
  co.max_attempts = 1;
  CHECK_INT(gf_client_new(&r->loop, &co, &r->client), 0);
  gf_request *req = gf_request_new();
  gf_request_set_prompt(req, prompt);
  gf_gen_options go;
  gf_gen_options_init(&go);
  go.keep_handle = keep;
  static const gf_callbacks cbs = {.on_done = on_done};
  gf_gen *g = NULL;
  CHECK_INT(gf_generate(r->client, req, &go, &cbs, r, &g), 0);
  gf_request_free(req);
  return g;
}

static void finish_loop(run *r) {
  gf_client_free(r->client);
  uv_run(&r->loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&r->loop), 0);
}

static void test_cancel_after_done(void) {
  run r = {0};
  gf_gen *g = start(&r, "a kept handle", 1);
  uv_run(&r.loop, UV_RUN_DEFAULT);
  CHECK_INT(r.done, 1);
  CHECK_INT(r.status, GF_OK);
  gf_cancel(g); /* after on_done: nothing happens */
  gf_cancel(g);
  CHECK(gf_gen_userdata(g) == &r);
  finish_loop(&r);
  gf_cancel(g); /* even after the client is gone */
  CHECK_INT(r.done, 1);
  gf_gen_release(g);
}

static void test_release_before_done(void) {
  run r = {0};
  gf_gen *g = start(&r, "released early [[think:200]]", 1);
  gf_gen_release(g); /* the generation goes on; freed after on_done */
  gf_gen_release(g); /* a second release is ignored (not yet freed) */
  uv_run(&r.loop, UV_RUN_DEFAULT);
  CHECK_INT(r.done, 1);
  CHECK_INT(r.status, GF_OK);
  finish_loop(&r);
}

static void test_release_in_done(void) {
  run r = {0};
  r.release_in_done = 1;
  gf_gen *g = start(&r, "released in on_done", 1);
  uv_run(&r.loop, UV_RUN_DEFAULT);
  CHECK_INT(r.done, 1);
  CHECK(g != NULL);
  finish_loop(&r);
}

static void test_cancel_kept_running(void) {
  run r = {0};
  gf_gen *g = start(&r, "canceled, kept [[think:2000]]", 1);
  gf_cancel(g);
  uv_run(&r.loop, UV_RUN_DEFAULT);
  CHECK_INT(r.done, 1);
  CHECK_INT(r.status, GF_ECANCELED);
  gf_cancel(g);
  finish_loop(&r);
  gf_gen_release(g);
}

/* Without keep_handle, gf_gen_release is ignored: the library frees the
 * generation after on_done as before. */
static void test_not_kept(void) {
  run r = {0};
  gf_gen *g = start(&r, "not kept", 0);
  gf_gen_release(g); /* ignored: before on_done, not a kept handle */
  uv_run(&r.loop, UV_RUN_DEFAULT);
  CHECK_INT(r.done, 1);
  finish_loop(&r);
}

int main(int argc, char **argv) {
  unsetenv("SSL_CERT_FILE");
  it_sim_start(&sim, NULL);
  static const gf_t_case cases[] = {
      TEST(test_cancel_after_done), TEST(test_release_before_done),
      TEST(test_release_in_done), TEST(test_cancel_kept_running),
      TEST(test_not_kept)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  it_sim_stop(&sim);
  return rc;
}
