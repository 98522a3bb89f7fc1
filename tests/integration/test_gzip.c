/* gf_client_options.compressed end to end against gemflow-sim over loopback
 * TLS: the simulator (--gzip=auto) compresses because the client asks, as
 * its log says; the image is byte for byte what it serves; the callbacks
 * come in the same order as without gzip, and the thoughts arrive while
 * the simulator still thinks (each event is flushed); a kept connection
 * carries the next generation; an error answer in gzip gives the same code
 * and message as in plain; a simulator that gzips unasked (--gzip=always)
 * is read all the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "harness.h"
#include "test.h"

static it_sim sim;

typedef struct rec {
  char order[64]; /* t thought, b image begin, e image end, d done */
  int status, http_status, conn_reused;
  char message[512], api_status[64];
  unsigned char sha[32];
  uint64_t bytes;
  double first_thought, image_start;
} rec;

static void add(rec *r, char c) {
  size_t n = strlen(r->order);
  if (n + 1 < sizeof r->order)
    r->order[n] = c;
}

static void on_thought(gf_gen *g, const char *t, size_t n, void *ud) {
  (void)g, (void)t, (void)n;
  add(ud, 't');
}
static void on_begin(gf_gen *g, const gf_image_info *i, void *ud) {
  (void)g, (void)i;
  add(ud, 'b');
}
static void on_end(gf_gen *g, const gf_image_info *i, void *ud) {
  (void)g, (void)i;
  add(ud, 'e');
}
static void on_done(gf_gen *g, const gf_result *res, void *ud) {
  rec *r = ud;
  (void)g;
  add(r, 'd');
  r->status = res->status;
  r->http_status = res->http_status;
  r->conn_reused = res->conn_reused;
  snprintf(r->message, sizeof r->message, "%s",
           res->message ? res->message : "");
  snprintf(r->api_status, sizeof r->api_status, "%s",
           res->api_status ? res->api_status : "");
  memcpy(r->sha, res->sha256, 32);
  r->bytes = res->bytes;
  r->first_thought = res->timings->first_thought;
  r->image_start = res->timings->image_start;
}

/* Runs the prompts one after the other on one client (compressed or
 * not), so that the second may reuse the first one's connection. */
static void run(const char *url, const char *ca, int compressed,
                const char *const *prompts, rec *recs, int n) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  gf_client_options co;
  gf_client_options_init(&co);
  co.base_url = url;
  co.ca_file = ca;
  co.api_key = "gzip-test-key";
  co.max_attempts = 1;
  co.compressed = compressed;
  gf_client *client = NULL;
  CHECK_INT(gf_client_new(&loop, &co, &client), 0);
  gf_callbacks cbs;
  gf_callbacks_init(&cbs);
  cbs.on_thought = on_thought;
  cbs.on_image_begin = on_begin;
  cbs.on_image_end = on_end;
  cbs.on_done = on_done;
  for (int i = 0; i < n; i++) {
    memset(&recs[i], 0, sizeof recs[i]);
    gf_request *req = it_req(prompts[i], "1:1", "1K");
    CHECK_INT(gf_generate(client, req, NULL, &cbs, &recs[i], NULL), 0);
    gf_request_free(req);
    /* until this one is done: a kept connection keeps the loop alive */
    for (int guard = 0; !strchr(recs[i].order, 'd') && guard < 1000000;
         guard++)
      uv_run(&loop, UV_RUN_ONCE);
    CHECK_STR(&recs[i].order[strlen(recs[i].order) - 1], "d");
  }
  gf_client_free(client);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&loop), 0);
}

/* The "gzip" field of the simulator's log lines for prompt, in order:
 * 't' or 'f' each, into out. */
static void logged_gzip(const it_sim *s, const char *prompt, int expect,
                        char *out, size_t cap) {
  it_sim_requests_for(s, prompt, expect);
  FILE *f = fopen(s->log, "r");
  char line[16384], want[1024];
  snprintf(want, sizeof want, "\"prompt\":\"%s\"", prompt);
  size_t n = 0;
  while (f && fgets(line, sizeof line, f) && n + 1 < cap)
    if (strstr(line, want))
      out[n++] = strstr(line, "\"gzip\":true") ? 't' : 'f';
  out[n] = '\0';
  if (f)
    fclose(f);
}

static void check_image(const rec *r, const char *prompt) {
  unsigned char want[32];
  uint64_t bytes = 0;
  it_sim_render(prompt, "1:1", "1K", want, &bytes);
  CHECK_INT(r->status, GF_OK);
  CHECK_MEM(r->sha, 32, want, 32);
  CHECK_INT(r->bytes, bytes);
}

/* Compressed and plain, each twice on one client: exact images, the same
 * callbacks in the same order, the second on the kept connection, and
 * gzip only where asked. */
static void test_exact_and_reuse(void) {
  static const char *const gz[] = {"a gzip kestrel", "a gzip kestrel two"};
  static const char *const plain[] = {"a plain kestrel",
                                      "a plain kestrel two"};
  rec z[2], p[2];
  run(sim.url, sim.ca, 1, gz, z, 2);
  run(sim.url, sim.ca, 0, plain, p, 2);
  for (int i = 0; i < 2; i++) {
    check_image(&z[i], gz[i]);
    check_image(&p[i], plain[i]);
    CHECK_STR(z[i].order, "tttbed");
    CHECK_STR(z[i].order, p[i].order);
  }
  CHECK_INT(z[0].conn_reused, 0);
  CHECK_INT(z[1].conn_reused, 1);
  CHECK_INT(p[1].conn_reused, 1);
  char g[8];
  logged_gzip(&sim, gz[0], 1, g, sizeof g);
  CHECK_STR(g, "t");
  logged_gzip(&sim, gz[1], 1, g, sizeof g);
  CHECK_STR(g, "t");
  logged_gzip(&sim, plain[0], 1, g, sizeof g);
  CHECK_STR(g, "f");
}

/* Thoughts 300 ms apart: each reaches the client as it is written, so the
 * first comes well before the image (a compressor that waited for more
 * input would hand it over with the image). */
static void test_thoughts_live(void) {
  static const char *const prompts[] = {"a slow gzip owl [[think:300]]"};
  rec r[1];
  run(sim.url, sim.ca, 1, prompts, r, 1);
  check_image(&r[0], prompts[0]);
  CHECK_STR(r[0].order, "tttbed");
  CHECK(r[0].first_thought >= 0);
  CHECK(r[0].image_start - r[0].first_thought > 700);
  char g[8];
  logged_gzip(&sim, prompts[0], 1, g, sizeof g);
  CHECK_STR(g, "t");
}

/* An error answer in gzip: the same code, HTTP status, API status and
 * message as the same answer in plain. */
static void test_error_body(void) {
  static const char *const faults[] = {"a gzip error [[fault:503]]",
                                       "a gzip error [[fault:429]]",
                                       "a gzip error [[fault:500]]",
                                       "a gzip error [[fault:error-event]]"};
  for (int i = 0; i < 4; i++) {
    rec z[1], p[1];
    run(sim.url, sim.ca, 1, &faults[i], z, 1);
    run(sim.url, sim.ca, 0, &faults[i], p, 1);
    CHECK(z[0].status != GF_OK);
    CHECK_INT(z[0].status, p[0].status);
    CHECK_INT(z[0].http_status, p[0].http_status);
    CHECK_STR(z[0].api_status, p[0].api_status);
    CHECK_STR(z[0].message, p[0].message);
    CHECK(z[0].message[0] != '\0');
    char g[8];
    logged_gzip(&sim, faults[i], 2, g, sizeof g);
    CHECK_STR(g, "tf");
  }
}

/* A simulator that compresses whatever the client says: a client that did
 * not ask still reads it. */
static void test_unasked(void) {
  static const char *const args[] = {"--gzip=always", NULL};
  it_sim always;
  it_sim_start(&always, args);
  static const char *const prompts[] = {"an unasked gzip wren"};
  rec r[1];
  run(always.url, always.ca, 0, prompts, r, 1);
  check_image(&r[0], prompts[0]);
  CHECK_STR(r[0].order, "tttbed");
  char g[8];
  logged_gzip(&always, prompts[0], 1, g, sizeof g);
  CHECK_STR(g, "t");
  it_sim_stop(&always);
}

int main(int argc, char **argv) {
  unsetenv("SSL_CERT_FILE");
  it_sim_start(&sim, NULL);
  static const gf_t_case cases[] = {
      TEST(test_exact_and_reuse), TEST(test_thoughts_live),
      TEST(test_error_body), TEST(test_unasked)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  it_sim_stop(&sim);
  return rc;
}
