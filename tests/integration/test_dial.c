/* No handshake storm: at most max_connecting connections are established
 * at once, the others wait in line (their connect timeout not running);
 * the first handshakes leave a TLS session the later ones resume, and one
 * name lookup serves them all. */
#include <string.h>

#include "harness.h"
#include "test.h"

static it_sim sim;

static it_opts opts(void) {
  it_opts o = {0};
  o.url = sim.url;
  o.ca = sim.ca;
  return o;
}

static void test_slots_sessions_lookups(void) {
  enum { N = 12, SLOTS = 3 };
  gf_request *reqs[N];
  it_rec recs[N];
  memset(recs, 0, sizeof recs);
  char prompt[N][64];
  for (int i = 0; i < N; i++) {
    snprintf(prompt[i], sizeof prompt[i], "dial slot %d", i);
    reqs[i] = it_req(prompt[i], NULL, NULL);
  }
  it_opts o = opts();
  o.max_connecting = SLOTS;
  it_run(&o, reqs, recs, N);
  int resumed = 0;
  for (int i = 0; i < N; i++) {
    CHECK_INT(recs[i].status, GF_OK);
    resumed += recs[i].tls_resumed;
    unsigned char want[32];
    uint64_t bytes;
    it_sim_render(prompt[i], NULL, NULL, want, &bytes);
    CHECK_MEM(recs[i].sha, 32, want, 32);
    gf_request_free(reqs[i]);
  }
  /* the first SLOTS dial at once: lookups and full handshakes; every
   * later one waited, found the answer cached and resumed a session */
  CHECK_INT(it_last_waits, N - SLOTS);
  CHECK_INT(it_last_dns_hits, N - SLOTS);
  CHECK_INT(resumed, N - SLOTS);
}

/* A generation canceled while it waits in line leaves it at once; the
 * others go on. */
static void test_cancel_in_line(void) {
  enum { N = 4 };
  gf_request *reqs[N];
  it_rec recs[N];
  memset(recs, 0, sizeof recs);
  for (int i = 0; i < N; i++)
    reqs[i] = it_req("waiting in line", NULL, NULL);
  recs[2].cancel_on = 's'; /* right after gf_generate: still in line */
  it_opts o = opts();
  o.max_connecting = 1;
  it_run(&o, reqs, recs, N);
  for (int i = 0; i < N; i++) {
    CHECK_INT(recs[i].status, i == 2 ? GF_ECANCELED : GF_OK);
    CHECK_INT(recs[i].done_count, 1);
    gf_request_free(reqs[i]);
  }
  CHECK_INT(it_last_waits, N - 1);
}

int main(int argc, char **argv) {
  unsetenv("SSL_CERT_FILE");
  it_sim_start(&sim, NULL);
  static const gf_t_case cases[] = {TEST(test_slots_sessions_lookups),
                                    TEST(test_cancel_in_line)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  it_sim_stop(&sim);
  return rc;
}
