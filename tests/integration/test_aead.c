/* The AEAD choice end to end against gemflow-sim (built with the same TLS
 * engine): gf_client_options.aead forced to either family gives that
 * family's suite, as the client's trace reports it ("* connected to ...
 * with SUITE"), and a byte-exact image; GF_AEAD_AUTO gives the one the
 * engine measured faster; a value outside GF_AEAD_* is GF_EINVAL from
 * gf_client_new. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "harness.h"
#include "test.h"
#include "tls/tls.h"

static it_sim sim;

typedef struct run {
  int done, status;
  unsigned char sha[32];
  char suite[128]; /* from the trace */
} run;

static void on_done(gf_gen *g, const gf_result *r, void *ud) {
  run *x = ud;
  x->done++;
  x->status = r->status;
  memcpy(x->sha, r->sha256, 32);
}

/* "* connected to 127.0.0.1:PORT with SUITE[ (session resumed)]" */
static void on_trace(const char *line, void *ud) {
  run *x = ud;
  const char *w = strstr(line, " with ");
  if (strncmp(line, "* connected to ", 15) != 0 || !w)
    return;
  snprintf(x->suite, sizeof x->suite, "%.*s", (int)strcspn(w + 6, " "), w + 6);
}

static void client_opts(gf_client_options *co, int aead, run *x) {
  gf_client_options_init(co);
  co->base_url = sim.url;
  co->ca_file = sim.ca;
  co->api_key = "aead-test-key";
  co->max_attempts = 1;
  co->aead = aead;
  co->on_trace = on_trace;
  co->trace_ud = x;
}

static void generate(int aead, run *x) {
  static const char prompt[] = "aead: a lighthouse";
  uv_loop_t loop;
  gf_client_options co;
  gf_client *c = NULL;
  memset(x, 0, sizeof *x);
  uv_loop_init(&loop);
  client_opts(&co, aead, x);
  CHECK_INT(gf_client_new(&loop, &co, &c), 0);
  if (!c)
    return;
  gf_request *req = it_req(prompt, NULL, NULL);
  gf_callbacks cb;
  gf_callbacks_init(&cb);
  cb.on_done = on_done;
  CHECK_INT(gf_generate(c, req, NULL, &cb, x, NULL), 0);
  gf_request_free(req);
  uv_run(&loop, UV_RUN_DEFAULT);
  gf_client_free(c);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&loop), 0);
  CHECK_INT(x->done, 1);
  CHECK_INT(x->status, GF_OK);
  unsigned char want[32];
  uint64_t bytes;
  it_sim_render(prompt, NULL, NULL, want, &bytes);
  CHECK_MEM(x->sha, 32, want, 32);
}

/* The suite the engine built negotiates with gemflow-sim for an AEAD:
 * OpenSSL speaks TLS 1.3, mbedTLS 2.28 TLS 1.2 with the simulator's
 * ECDSA certificate. */
static const char *suite_for(int aead) {
  int v13 = strcmp(gf__tls_engine(), "openssl") == 0;
  if (aead == GF_AEAD_AES_GCM)
    return v13 ? "TLS-AES-128-GCM-SHA256"
               : "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256";
  return v13 ? "TLS-CHACHA20-POLY1305-SHA256"
             : "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256";
}

static void test_forced_aes_gcm(void) {
  run x;
  generate(GF_AEAD_AES_GCM, &x);
  CHECK_STR(x.suite, suite_for(GF_AEAD_AES_GCM));
}

static void test_forced_chacha20(void) {
  run x;
  generate(GF_AEAD_CHACHA20, &x);
  CHECK_STR(x.suite, suite_for(GF_AEAD_CHACHA20));
}

/* The simulator, another process, measures too: OpenSSL's follows the
 * client's order whatever it found, mbedTLS's walks its own list in the
 * order it measured, the same machine and library. */
static void test_auto_is_the_measured_one(void) {
  double aes = 0, chacha = 0;
  int pick = gf__tls_aead_auto(&aes, &chacha);
  printf("  %s: AES-128-GCM %.0f MB/s, ChaCha20-Poly1305 %.0f MB/s\n",
         gf__tls_engine(), aes, chacha);
  run x;
  generate(GF_AEAD_AUTO, &x);
  CHECK_STR(x.suite, suite_for(pick));
}

static void test_bad_value(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  static const int bad[] = {-1, 3, 100};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    run x;
    gf_client_options co;
    gf_client *c = NULL;
    client_opts(&co, bad[i], &x);
    CHECK_INT(gf_client_new(&loop, &co, &c), GF_EINVAL);
    CHECK(c == NULL);
  }
  CHECK_INT(uv_loop_close(&loop), 0);
}

int main(int argc, char **argv) {
  it_sim_start(&sim, NULL);
  static const gf_t_case cases[] = {
      TEST(test_forced_aes_gcm), TEST(test_forced_chacha20),
      TEST(test_auto_is_the_measured_one), TEST(test_bad_value)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  it_sim_stop(&sim);
  return rc;
}
