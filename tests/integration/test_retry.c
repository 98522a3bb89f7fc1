/* The retry policy end to end against gemflow-sim: each transient fault
 * retried exactly once more and ending ok (one new request, counted in the
 * simulator's log), server delays honoured, permanent faults not retried,
 * a failed attempt's partial image never in the file. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

static it_sim sim;

static it_opts opts(void) {
  it_opts o = {0};
  o.url = sim.url;
  o.ca = sim.ca;
  o.max_attempts = 3;
  o.retry_initial_ms = 20;
  return o;
}

static int requests_for(const char *prompt, int expect) {
  return it_sim_requests_for(&sim, prompt, expect);
}

static void check_served(const it_rec *r, const char *prompt) {
  unsigned char want[32];
  uint64_t bytes;
  it_sim_render(prompt, NULL, NULL, want, &bytes);
  CHECK_INT(r->status, GF_OK);
  CHECK_MEM(r->sha, 32, want, 32);
  CHECK_INT(r->bytes, bytes);
  CHECK_INT(r->done_count, 1);
}

static void once_then_ok(const char *prompt, int want_status, int want_http) {
  it_rec r = {0};
  it_opts o = opts();
  it_run1(&o, prompt, NULL, NULL, &r);
  fprintf(stderr, "  %s -> %s, attempts %d\n", prompt, r.err_name,
          r.attempts);
  check_served(&r, prompt);
  CHECK_INT(r.attempts, 2);
  CHECK_INT(r.nretries, 1);
  CHECK_INT(r.retry_count, 1);
  CHECK_INT(r.retries[0].status, want_status);
  CHECK_INT(r.retries[0].http_status, want_http);
  CHECK(r.retries[0].delay_s >= 0);
  CHECK_INT(requests_for(prompt, 2), 2);
  CHECK(strchr(r.order, 'r') != NULL);
  CHECK(r.order[strlen(r.order) - 1] == 'd');
}

static void test_each_transient_fault_once(void) {
  once_then_ok("a [[fault:429]] [[times:1]] [[retry-delay:50]]", GF_ESTATUS,
               429);
  once_then_ok("b [[fault:503]] [[times:1]] [[retry-delay:50]]", GF_ESTATUS,
               503);
  once_then_ok("c [[fault:500]] [[times:1]]", GF_ESTATUS, 500);
  once_then_ok("d [[fault:reset]] [[times:1]]", GF_ERESET, 200);
  once_then_ok("e [[fault:eof]] [[times:1]]", GF_ETRUNCATED, 200);
  once_then_ok("f [[fault:truncate]] [[times:1]]", GF_ENOFINISH, 200);
  once_then_ok("g [[fault:midstream]] [[times:1]] [[retry-delay:50]]",
               GF_EAPI, 200);
  once_then_ok("h [[fault:error-event]] [[times:1]] [[retry-delay:50]]",
               GF_EAPI, 200);
  once_then_ok("i [[fault:eof]] [[body:length]] [[times:1]]", GF_ETRUNCATED,
               200);
}

/* The discard event comes between the abandoned image and the new one;
 * the file holds exactly the served image and nothing else is left. */
static void test_partial_image_never_the_result(void) {
  char dir[600];
  snprintf(dir, sizeof dir, "%s/partial", it_tmpdir());
  mkdir(dir, 0700);
  char out[700];
  snprintf(out, sizeof out, "%s/img.png", dir);
  const char *p = "a tall ship [[fault:eof]] [[times:1]]";
  it_rec r = {0};
  it_opts o = opts();
  o.out_path = out;
  it_run1(&o, p, NULL, NULL, &r);
  check_served(&r, p);
  unsigned char sha[32];
  uint64_t bytes;
  it_sha_file(out, sha, &bytes);
  CHECK_MEM(sha, 32, r.sha, 32);
  CHECK_INT(bytes, r.bytes);
  /* t t t b (cut) r, then the full second attempt */
  CHECK(strncmp(r.order, "tttbr", 5) == 0 || strncmp(r.order, "tttbur", 6) == 0);
  const char *after = strchr(r.order, 'r');
  CHECK(after && strchr(after, 'b') && strchr(after, 'e'));
  DIR *d = opendir(dir);
  int files = 0;
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL) /* a .gemflow-*.part counts too */
    files += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  if (d)
    closedir(d);
  CHECK_INT(files, 1);
}

/* RetryInfo asks for 0.8 s: the retry does not come earlier, whatever the
 * jitter would have drawn. */
static void test_server_delay_honoured(void) {
  const char *p = "a slow river [[fault:429]] [[times:1]] [[retry-delay:800]]";
  it_rec r = {0};
  it_opts o = opts();
  it_run1(&o, p, NULL, NULL, &r);
  check_served(&r, p);
  CHECK_INT(r.attempts, 2);
  CHECK(r.retries[0].delay_s >= 0.8);
  CHECK(r.timings.done >= 800);
  CHECK_STR(r.retries[0].api_status, "RESOURCE_EXHAUSTED");
}

/* Asked for more than the cap: fail at once with that error. */
static void test_server_delay_past_cap(void) {
  const char *p = "wait long [[fault:503]] [[retry-delay:5000]]";
  it_rec r = {0};
  it_opts o = opts();
  o.retry_max_delay_ms = 1000;
  it_run1(&o, p, NULL, NULL, &r);
  CHECK_INT(r.status, GF_ESTATUS);
  CHECK_INT(r.http_status, 503);
  CHECK_INT(r.attempts, 1);
  CHECK(strstr(r.message, "more than the 1.0 s cap") != NULL);
  CHECK_INT(requests_for(p, 1), 1);
}

static void test_not_retried(void) {
  const char *prompts[] = {"no [[fault:safety]]", "no [[fault:block]]",
                           "no [[fault:badjson]]"};
  const int codes[] = {GF_EFINISH, GF_EBLOCKED, GF_EJSON};
  for (int i = 0; i < 3; i++) {
    it_rec r = {0};
    it_opts o = opts();
    it_run1(&o, prompts[i], NULL, NULL, &r);
    CHECK_INT(r.status, codes[i]);
    CHECK_INT(r.attempts, 1);
    CHECK_INT(r.retry_count, 0);
    CHECK_INT(requests_for(prompts[i], 1), 1);
  }
}

static void test_rejected_key_not_retried(void) {
  it_sim other;
  const char *args[] = {"--reject-key", "revoked-key-0001", NULL};
  it_sim_start(&other, args);
  it_rec r = {0};
  it_opts o = opts();
  o.url = other.url;
  o.ca = other.ca;
  o.key = "revoked-key-0001";
  it_run1(&o, "not for you", NULL, NULL, &r);
  for (int i = 0; i < 300 && it_sim_log_lines(&other) < 1; i++)
    usleep(10000);
  usleep(50000);
  int logged = it_sim_log_lines(&other);
  it_sim_stop(&other);
  CHECK_INT(r.status, GF_ESTATUS);
  CHECK_INT(r.http_status, 403);
  CHECK_INT(r.attempts, 1);
  CHECK_INT(logged, 1);
}

static void test_attempts_exhausted(void) {
  const char *p = "never [[fault:503]] [[retry-delay:10]]";
  it_rec r = {0};
  it_opts o = opts();
  it_run1(&o, p, NULL, NULL, &r);
  CHECK_INT(r.status, GF_ESTATUS);
  CHECK_INT(r.http_status, 503);
  CHECK_INT(r.attempts, 3);
  CHECK_INT(r.nretries, 2);
  CHECK_INT(r.retry_count, 2);
  CHECK_INT(requests_for(p, 3), 3);
  CHECK_STR(r.api_status, "UNAVAILABLE");
}

/* gf_cancel while waiting for the next attempt: on_done at once. */
static void test_cancel_during_backoff(void) {
  const char *p = "stop it [[fault:429]] [[retry-delay:5000]]";
  it_rec r = {0};
  r.cancel_on = 'r';
  r.cancel_after = 1;
  it_opts o = opts();
  it_run1(&o, p, NULL, NULL, &r);
  CHECK_INT(r.status, GF_ECANCELED);
  CHECK_INT(r.done_count, 1);
  CHECK(r.timings.done < 4000);
  CHECK_INT(requests_for(p, 1), 1);
}

/* Every attempt counts against the request rate: 3 attempts at 120 a
 * minute are spread over at least a second. */
static void test_rate_limit_spaces_attempts(void) {
  const char *p = "paced [[fault:500]] [[times:2]]";
  it_rec r = {0};
  it_opts o = opts();
  o.rpm = 120;
  it_run1(&o, p, NULL, NULL, &r);
  check_served(&r, p);
  CHECK_INT(r.attempts, 3);
  CHECK(r.timings.done >= 1000);
}

int main(int argc, char **argv) {
  unsetenv("SSL_CERT_FILE");
  it_sim_start(&sim, NULL);
  static const gf_t_case cases[] = {
      TEST(test_each_transient_fault_once),
      TEST(test_partial_image_never_the_result),
      TEST(test_server_delay_honoured), TEST(test_server_delay_past_cap),
      TEST(test_not_retried), TEST(test_rejected_key_not_retried),
      TEST(test_attempts_exhausted), TEST(test_cancel_during_backoff),
      TEST(test_rate_limit_spaces_attempts)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  it_sim_stop(&sim);
  return rc;
}
