/* Multi-turn editing against gemflow-sim, which checks that a follow-up
 * turn carries the model's previous parts with the signatures it issued
 * (its log says how many turns came and whether the signatures held). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "harness.h"
#include "test.h"

static it_sim sim;

typedef struct turn {
  int done, status, http_status;
  unsigned char sha[32];
  char file[512];
} turn;

static void on_done(gf_gen *g, const gf_result *res, void *ud) {
  turn *t = ud;
  t->done++;
  t->status = res->status;
  t->http_status = res->http_status;
  memcpy(t->sha, res->sha256, 32);
  snprintf(t->file, sizeof t->file, "%s", res->file ? res->file : "");
}

typedef struct env {
  uv_loop_t loop;
  gf_client *client;
} env;

static void env_open(env *e, int max_attempts) {
  uv_loop_init(&e->loop);
  gf_client_options co;
  gf_client_options_init(&co);
  co.base_url = sim.url;
  co.ca_file = sim.ca;
  co.api_key = "chat-test-key";
  co.max_attempts = max_attempts;
  co.retry_initial_ms = 10;
  CHECK_INT(gf_client_new(&e->loop, &co, &e->client), 0);
}

static void env_close(env *e) {
  gf_client_free(e->client);
  uv_run(&e->loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&e->loop), 0);
}

/* One turn of chat, run to its end. out_path may be NULL. */
static turn run_turn(env *e, gf_chat *chat, const char *prompt,
                     const char *out_path) {
  turn t = {0};
  gf_request *req = it_req(prompt, NULL, NULL);
  gf_gen_options go;
  gf_gen_options_init(&go);
  go.chat = chat;
  go.out_path = out_path;
  gf_callbacks cbs;
  gf_callbacks_init(&cbs);
  cbs.on_done = on_done;
  CHECK_INT(gf_generate(e->client, req, &go, &cbs, &t, NULL), 0);
  gf_request_free(req);
  uv_run(&e->loop, UV_RUN_DEFAULT);
  CHECK_INT(t.done, 1);
  return t;
}

/* The simulator's log line for prompt has every one of the fields. */
static int logged(const char *prompt, const char *f1, const char *f2) {
  it_sim_requests_for(&sim, prompt, 1);
  FILE *f = fopen(sim.log, "r");
  if (!f)
    return 0;
  char line[8192], want[1024];
  snprintf(want, sizeof want, "\"prompt\":\"%s\"", prompt);
  int found = 0;
  while (fgets(line, sizeof line, f))
    if (strstr(line, want) && strstr(line, f1) && (!f2 || strstr(line, f2)))
      found = 1;
  fclose(f);
  return found;
}

static void check_image(const turn *t, const char *prompt) {
  unsigned char want[32];
  uint64_t bytes;
  it_sim_render(prompt, NULL, NULL, want, &bytes);
  CHECK_MEM(t->sha, 32, want, 32);
}

static void test_two_turns(void) {
  env e;
  env_open(&e, 1);
  gf_chat *chat = gf_chat_new();
  turn a = run_turn(&e, chat, "chat: a lighthouse", NULL);
  CHECK_INT(a.status, GF_OK);
  CHECK_INT(gf_chat_turns(chat), 1);
  CHECK(logged("chat: a lighthouse", "\"turns\":1", NULL));
  turn b = run_turn(&e, chat, "chat: now at night", NULL);
  CHECK_INT(b.status, GF_OK);
  check_image(&b, "chat: now at night");
  CHECK_INT(gf_chat_turns(chat), 2);
  CHECK(logged("chat: now at night", "\"turns\":3", "\"signatures\":\"ok\""));
  turn c = run_turn(&e, chat, "chat: with snow", NULL);
  CHECK_INT(c.status, GF_OK);
  CHECK(logged("chat: with snow", "\"turns\":5", "\"signatures\":\"ok\""));
  gf_chat_free(chat);
  env_close(&e);
}

/* A failed turn leaves the chat as it was: the next one still fits. */
static void test_failed_turn_changes_nothing(void) {
  env e;
  env_open(&e, 1);
  gf_chat *chat = gf_chat_new();
  CHECK_INT(run_turn(&e, chat, "chat: a kite", NULL).status, GF_OK);
  turn bad = run_turn(&e, chat, "chat: fails [[fault:500]]", NULL);
  CHECK_INT(bad.status, GF_ESTATUS);
  CHECK_INT(gf_chat_turns(chat), 1);
  turn ok = run_turn(&e, chat, "chat: a red kite", NULL);
  CHECK_INT(ok.status, GF_OK);
  CHECK(logged("chat: a red kite", "\"turns\":3", "\"signatures\":\"ok\""));
  gf_chat_free(chat);
  env_close(&e);
}

/* A retried turn keeps only the attempt that succeeded: the abandoned
 * attempt's image and signature are not sent back. */
static void test_retried_turn(void) {
  env e;
  env_open(&e, 3);
  gf_chat *chat = gf_chat_new();
  turn a = run_turn(&e, chat, "chat: retried [[fault:truncate]] [[times:1]]",
                    NULL);
  CHECK_INT(a.status, GF_OK);
  char *json = gf_chat_to_json(chat);
  CHECK(json != NULL);
  int images = 0;
  for (const char *p = json; (p = strstr(p, "\"inlineData\"")); p++)
    images++;
  CHECK_INT(images, 1);
  gf_free(json);
  turn b = run_turn(&e, chat, "chat: after the retry", NULL);
  CHECK_INT(b.status, GF_OK);
  CHECK(logged("chat: after the retry", "\"turns\":3", "\"signatures\":\"ok\""));
  gf_chat_free(chat);
  env_close(&e);
}

static void test_one_generation_per_chat(void) {
  env e;
  env_open(&e, 1);
  gf_chat *chat = gf_chat_new();
  gf_request *req = it_req("chat: busy [[think:300]]", NULL, NULL);
  gf_gen_options go;
  gf_gen_options_init(&go);
  go.chat = chat;
  gf_callbacks cbs;
  gf_callbacks_init(&cbs);
  cbs.on_done = on_done;
  turn t = {0}, t2 = {0};
  CHECK_INT(gf_generate(e.client, req, &go, &cbs, &t, NULL), 0);
  CHECK_INT(gf_generate(e.client, req, &go, &cbs, &t2, NULL), GF_EINVAL);
  uv_run(&e.loop, UV_RUN_DEFAULT);
  CHECK_INT(t.status, GF_OK);
  CHECK_INT(t2.done, 0);
  /* free again once the first is done */
  CHECK_INT(gf_generate(e.client, req, &go, &cbs, &t2, NULL), 0);
  uv_run(&e.loop, UV_RUN_DEFAULT);
  CHECK_INT(t2.status, GF_OK);
  CHECK_INT(gf_chat_turns(chat), 2);
  gf_request_free(req);
  gf_chat_free(chat);
  env_close(&e);
}

/* Saved with the image as a file reference, loaded (as another process
 * would), continued; a tampered signature is refused by the service. */
static void test_saved_and_tampered(void) {
  env e;
  env_open(&e, 1);
  char path[600];
  snprintf(path, sizeof path, "%s/chat-first.png", it_tmpdir());
  gf_chat *chat = gf_chat_new();
  turn a = run_turn(&e, chat, "chat: saved", path);
  CHECK_INT(a.status, GF_OK);
  char *json = gf_chat_to_json(chat);
  CHECK(strstr(json, path) != NULL);
  gf_chat_free(chat);
  gf_chat *back = NULL;
  CHECK_INT(gf_chat_from_json(json, strlen(json), &back), 0);
  turn b = run_turn(&e, back, "chat: loaded", NULL);
  CHECK_INT(b.status, GF_OK);
  CHECK(logged("chat: loaded", "\"turns\":3", "\"signatures\":\"ok\""));
  gf_chat_free(back);
  /* one character of the signature changed */
  char *sig = strstr(json, "\"thoughtSignature\":\"");
  CHECK(sig != NULL);
  sig += strlen("\"thoughtSignature\":\"");
  sig[0] = sig[0] == 'A' ? 'B' : 'A';
  CHECK_INT(gf_chat_from_json(json, strlen(json), &back), 0);
  turn c = run_turn(&e, back, "chat: tampered", NULL);
  CHECK_INT(c.status, GF_ESTATUS);
  CHECK_INT(c.http_status, 400);
  CHECK_INT(gf_chat_turns(back), 1);
  gf_chat_free(back);
  gf_free(json);
  unlink(path);
  env_close(&e);
}

int main(int argc, char **argv) {
  unsetenv("SSL_CERT_FILE");
  it_sim_start(&sim, NULL);
  static const gf_t_case cases[] = {
      TEST(test_two_turns), TEST(test_failed_turn_changes_nothing),
      TEST(test_retried_turn), TEST(test_one_generation_per_chat),
      TEST(test_saved_and_tampered)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  it_sim_stop(&sim);
  return rc;
}
