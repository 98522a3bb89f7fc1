/* TLS session resumption: a client's first connection makes a full
 * handshake (the certificate verified), later ones resume its session
 * with the ticket gemflow-sim issued; images byte-exact either way. */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "harness.h"
#include "test.h"

static it_sim sim;

typedef struct res {
  int done, status, resumed;
  unsigned char sha[32];
} res;

static void on_done(gf_gen *g, const gf_result *r, void *ud) {
  res *x = ud;
  x->done++;
  x->status = r->status;
  x->resumed = r->tls_resumed;
  memcpy(x->sha, r->sha256, 32);
}

static void start(gf_client *c, const char *prompt, res *x) {
  gf_request *req = it_req(prompt, NULL, NULL);
  gf_callbacks cb;
  gf_callbacks_init(&cb);
  cb.on_done = on_done;
  CHECK_INT(gf_generate(c, req, NULL, &cb, x, NULL), 0);
  gf_request_free(req);
}

static gf_client *client(uv_loop_t *loop, const char *ca) {
  gf_client_options co;
  gf_client_options_init(&co);
  co.base_url = sim.url;
  co.ca_file = ca;
  co.api_key = "resume-test-key";
  co.max_attempts = 1;
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

int main(int argc, char **argv) {
  unsetenv("SSL_CERT_FILE");
  it_sim_start(&sim, NULL);
  static const gf_t_case cases[] = {TEST(test_second_connection_resumes)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  it_sim_stop(&sim);
  return rc;
}
