/* End to end over loopback TLS against gemflow-sim: byte-exact images,
 * framings, faults, cancel, concurrency. */
#include <dirent.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

static it_sim sim;

static it_opts opts(void) {
  it_opts o = {0};
  o.url = sim.url;
  o.ca = sim.ca;
  return o;
}

/* Letters of the transcript without usage callbacks (their number depends
 * on how many events carry usageMetadata). */
static void order_wo_usage(const it_rec *r, char *out) {
  for (const char *p = r->order; *p; p++)
    if (*p != 'u')
      *out++ = *p;
  *out = '\0';
}

#define CHECK_ORDER(rec, expected)                                             \
  do {                                                                         \
    char o_[256];                                                              \
    order_wo_usage(rec, o_);                                                   \
    CHECK_STR(o_, expected);                                                   \
  } while (0)

static void check_served(const it_rec *r, const char *prompt,
                         const char *aspect, const char *size) {
  unsigned char want[32];
  uint64_t bytes;
  it_sim_render(prompt, aspect, size, want, &bytes);
  CHECK_INT(r->status, GF_OK);
  CHECK_MEM(r->sha, 32, want, 32);
  CHECK_MEM(r->last_sha, 32, want, 32);
  CHECK_INT(r->bytes, bytes);
  CHECK_STR(r->mime, "image/png");
  CHECK_STR(r->finish, "STOP");
  CHECK_INT(r->done_count, 1);
}

/* Files in dir (hidden ones too: a left-over temporary counts). */
static int count_files(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL)
    n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
  if (d)
    closedir(d);
  return n;
}

static const char *fresh_dir(const char *name) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", it_tmpdir(), name);
  mkdir(path, 0700);
  return path;
}

static void test_text_to_image(void) {
  it_rec r = {0};
  it_opts o = opts();
  char out[600];
  snprintf(out, sizeof out, "%s/fox.png", fresh_dir("t2i"));
  o.out_path = out;
  it_run1(&o, "a red fox in the snow", "16:9", "1K", &r);
  check_served(&r, "a red fox in the snow", "16:9", "1K");
  CHECK_ORDER(&r, "tttbed");
  CHECK_INT(r.width, 1376);
  CHECK_INT(r.height, 768);
  CHECK_STR(r.file, out);
  unsigned char filesha[32];
  it_sha_file(out, filesha, NULL);
  CHECK_MEM(filesha, 32, r.sha, 32);
  CHECK_INT(count_files(fresh_dir("t2i")), 1);
  CHECK_INT(r.usage.candidates_tokens, 1120);
  CHECK(r.usage.total_tokens > 0);
  CHECK(r.timings.connected >= 0 && r.timings.first_thought >= r.timings.connected);
  CHECK(r.timings.image_start >= r.timings.first_thought);
  CHECK(r.timings.done >= r.timings.image_end);
}

/* Not hashed on request: the result's sha256 is zero, the file is still
 * the served image, measured. */
static void test_no_sha256(void) {
  it_rec r = {0};
  it_opts o = opts();
  char out[600];
  snprintf(out, sizeof out, "%s/nohash.png", fresh_dir("nohash"));
  o.out_path = out;
  o.no_sha256 = 1;
  it_run1(&o, "a fox, not hashed", "16:9", "1K", &r);
  CHECK_INT(r.status, GF_OK);
  static const unsigned char zero[32];
  CHECK_MEM(r.sha, 32, zero, 32);
  unsigned char want[32], filesha[32];
  uint64_t bytes;
  it_sim_render("a fox, not hashed", "16:9", "1K", want, &bytes);
  it_sha_file(out, filesha, NULL);
  CHECK_MEM(filesha, 32, want, 32);
  CHECK_INT(r.bytes, bytes);
  CHECK_INT(r.width, 1376);
}

static void test_default_name(void) {
  it_rec r1 = {0}, r2 = {0};
  it_opts o = opts();
  o.out_dir = fresh_dir("names");
  it_run1(&o, "two in a row", NULL, NULL, &r1);
  it_run1(&o, "two in a row", NULL, NULL, &r2);
  CHECK_INT(r1.status, GF_OK);
  CHECK_INT(r2.status, GF_OK);
  char want1[600], want2[600];
  snprintf(want1, sizeof want1, "%s/gemflow.png", o.out_dir);
  snprintf(want2, sizeof want2, "%s/gemflow-1.png", o.out_dir);
  CHECK_STR(r1.file, want1);
  CHECK_STR(r2.file, want2);
  CHECK_INT(count_files(o.out_dir), 2);
}

/* A tiny valid image: the 1x1 PNG of the harness and a JPEG header. */
static const unsigned char jpg1[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F',
                                     'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
                                     0xff, 0xd9};

static void test_edit_with_refs(void) {
  it_rec r = {0};
  it_opts o = opts();
  gf_request *req = it_req("put a llama next to me", "1:1", "1K");
  CHECK_INT(gf_request_add_ref(req, it_png1, sizeof it_png1, NULL), 0);
  CHECK_INT(gf_request_add_ref(req, jpg1, sizeof jpg1, NULL), 0);
  it_run(&o, &req, &r, 1);
  gf_request_free(req);
  check_served(&r, "put a llama next to me", "1:1", "1K");
  CHECK_INT(r.width, 1024);
  CHECK_INT(r.height, 1024);
}

static void run_framing(const char *prompt, int array) {
  it_rec r = {0};
  it_opts o = opts();
  o.array = array;
  it_run1(&o, prompt, "1:1", "1K", &r);
  fprintf(stderr, "  framing %s%s: %s\n", prompt, array ? " (array)" : "",
          r.err_name);
  check_served(&r, prompt, "1:1", "1K");
  CHECK_ORDER(&r, "tttbed");
}

static void test_framings(void) {
  run_framing("framing [[eol:lf]]", 0);
  run_framing("framing [[eol:cr]]", 0);
  run_framing("framing [[eol:crlf]]", 0);
  run_framing("framing [[chunk:1]]", 0);
  run_framing("framing [[chunk:7]] [[eol:cr]]", 0);
  run_framing("framing [[chunk:1000000]]", 0);
  run_framing("framing [[comments]] [[eol:lf]]", 0);
  run_framing("framing [[array]]", 0);
  run_framing("framing [[array]] [[chunk:3]]", 0);
  run_framing("framing without alt=sse", 1);
  run_framing("framing [[body:length]]", 0);
  run_framing("framing [[body:close]] [[eol:lf]]", 0);
  run_framing("framing [[body:close]] [[array]]", 0);
  run_framing("framing [[eol:mixed]] [[chunk:5]]", 0);
  run_framing("framing [[bom]] [[sse-fields]] [[nospace]]", 0);
  run_framing("framing [[multiline]] [[ping]] [[eol:cr]]", 0);
  run_framing("framing [[bom]] [[sse-fields]] [[multiline]] [[nospace]] "
              "[[ping]] [[comments]] [[eol:mixed]] [[body:close]] [[chunk:3]]",
              0);
}

static int valid_utf8(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2
                           : (*p & 0xF8) == 0xF0 ? 3 : -1;
    if (n < 0)
      return 0;
    p++;
    for (int i = 0; i < n; i++, p++)
      if ((*p & 0xC0) != 0x80)
        return 0;
  }
  return 1;
}

static void test_thoughts_in_order(void) {
  it_rec r = {0};
  it_opts o = opts();
  it_run1(&o, "thinking hard [[comments]]", NULL, NULL, &r);
  CHECK_INT(r.status, GF_OK);
  CHECK_ORDER(&r, "tttbed");
  int bars = 0;
  for (const char *p = r.thoughts; *p; p++)
    bars += *p == '|';
  CHECK_INT(bars, 3);
  CHECK(valid_utf8(r.thoughts));
  CHECK(strlen(r.thoughts) > 10);
}

static void test_thought_images(void) {
  it_rec r = {0};
  it_opts o = opts();
  o.out_dir = fresh_dir("thoughtimg");
  it_run1(&o, "drafts first [[fault:thought-image]]", "1:1", "1K", &r);
  check_served(&r, "drafts first [[fault:thought-image]]", "1:1", "1K");
  CHECK_ORDER(&r, "tbetbetbed"); /* drafts come between thoughts */
  CHECK_INT(r.images, 3);
  CHECK_INT(r.fell_back, 0);
  CHECK_INT(r.last_thought, 0);
  CHECK_INT(count_files(o.out_dir), 1); /* drafts are not kept */
}

static void test_thought_only(void) {
  it_rec r = {0};
  it_opts o = opts();
  it_run1(&o, "flagged [[fault:thought-only]]", "1:1", "1K", &r);
  check_served(&r, "flagged [[fault:thought-only]]", "1:1", "1K");
  CHECK_INT(r.fell_back, 1);
  CHECK_INT(r.last_thought, 1);
}

static void test_key_order_and_text(void) {
  it_rec r = {0};
  it_opts o = opts();
  it_run1(&o, "keys [[fault:mime-after]] [[fault:text]]", "1:1", "1K", &r);
  check_served(&r, "keys [[fault:mime-after]] [[fault:text]]", "1:1", "1K");
  CHECK_ORDER(&r, "tttxbed");
  CHECK(strlen(r.texts) > 0);
}

static void expect_fail(const char *prompt, int code, const char *what) {
  it_rec r = {0};
  it_opts o = opts();
  o.out_dir = fresh_dir("faults");
  it_run1(&o, prompt, "1:1", "1K", &r);
  fprintf(stderr, "  %s -> %s: %s\n", prompt, r.err_name, r.message);
  CHECK_INT(r.status, code);
  CHECK_INT(r.done_count, 1);
  if (what)
    CHECK(strstr(r.message, what) != NULL);
  CHECK_INT(count_files(o.out_dir), 0);
  CHECK_STR(r.file, "");
}

static void test_faults(void) {
  expect_fail("no [[fault:safety]]", GF_EFINISH, "IMAGE_SAFETY");
  expect_fail("no [[fault:block]]", GF_EBLOCKED, "SAFETY");
  expect_fail("no [[fault:429]]", GF_ESTATUS, "429 RESOURCE_EXHAUSTED");
  expect_fail("no [[fault:503]]", GF_ESTATUS, "503 UNAVAILABLE");
  expect_fail("no [[fault:500]]", GF_ESTATUS, "500 INTERNAL");
  expect_fail("no [[fault:midstream]]", GF_EAPI, "UNAVAILABLE");
  expect_fail("no [[fault:error-event]]", GF_EAPI, "UNAVAILABLE");
  expect_fail("no [[fault:badjson]]", GF_EJSON, NULL);
  expect_fail("no [[fault:truncate]]", GF_ENOFINISH, NULL);
  expect_fail("no [[fault:eof]]", GF_ETRUNCATED, NULL);
  expect_fail("no [[fault:reset]]", GF_ERESET, NULL);
  expect_fail("no [[fault:midstream]] [[array]]", GF_EAPI, "UNAVAILABLE");
  expect_fail("no [[fault:eof]] [[array]]", GF_ETRUNCATED, NULL);
  expect_fail("no [[fault:eof]] [[body:close]]", GF_ETRUNCATED, NULL);
  expect_fail("no [[fault:eof]] [[body:length]]", GF_ETRUNCATED, NULL);
  expect_fail("no [[fault:reset]] [[body:length]]", GF_ERESET, NULL);
  expect_fail("no [[fault:midstream]] [[multiline]] [[ping]]", GF_EAPI,
              "UNAVAILABLE");
}

static void test_status_details(void) {
  it_rec r = {0};
  it_opts o = opts();
  it_run1(&o, "slow down [[fault:429]]", NULL, NULL, &r);
  CHECK_INT(r.http_status, 429);
  CHECK_STR(r.api_status, "RESOURCE_EXHAUSTED");
  CHECK(r.retry_after_s > 1.49 && r.retry_after_s < 1.51); /* RetryInfo */
}

static void test_rejected_key(void) {
  it_sim other;
  const char *args[] = {"--reject-key", "revoked-key-0001", NULL};
  it_sim_start(&other, args);
  it_rec r = {0};
  it_opts o = {0};
  o.url = other.url;
  o.ca = other.ca;
  o.key = "revoked-key-0001";
  it_run1(&o, "not for you", NULL, NULL, &r);
  it_sim_stop(&other);
  CHECK_INT(r.status, GF_ESTATUS);
  CHECK_INT(r.http_status, 403);
  CHECK_STR(r.api_status, "PERMISSION_DENIED");
  CHECK(strstr(r.message, "HTTP 403 PERMISSION_DENIED") == r.message);
  CHECK(strstr(r.message, "revoked-key-0001") == NULL);
}

static void test_plain_http(void) {
  it_sim other;
  const char *args[] = {"--plain", NULL};
  it_sim_start(&other, args);
  CHECK(strncmp(other.url, "http://", 7) == 0);
  it_rec r = {0};
  it_opts o = {0};
  o.url = other.url;
  it_run1(&o, "over plain http", "4:3", "1K", &r);
  it_sim_stop(&other);
  check_served(&r, "over plain http", "4:3", "1K");
  CHECK_INT(r.width, 1200);
  CHECK_INT(r.height, 896);
}

/* 1 when this machine can bind to the IPv6 loopback (::1, port 0). */
static int have_ipv6_loopback(void) {
  int fd = socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  struct sockaddr_in6 a;
  memset(&a, 0, sizeof a);
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  a.sin6_port = 0;
  int ok = bind(fd, (const struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

static void test_ip_literals(void) {
  char url[128];
  it_rec r = {0};
  it_opts o = opts();
  snprintf(url, sizeof url, "https://127.0.0.1:%d", sim.port);
  o.url = url;
  it_run1(&o, "by ip", NULL, NULL, &r);
  check_served(&r, "by ip", NULL, NULL);
  if (!have_ipv6_loopback()) {
    printf("  [::1]: skipped: no IPv6 loopback\n");
    return;
  }
  /* the simulator listens on ::1 too (same port), and its certificate
   * names ::1: where the machine has IPv6, it must work. */
  it_rec r6 = {0};
  snprintf(url, sizeof url, "https://[::1]:%d", sim.port);
  it_run1(&o, "by ipv6", NULL, NULL, &r6);
  if (r6.status != GF_OK)
    fprintf(stderr, "  [::1]: %s %s\n", r6.err_name, r6.message);
  check_served(&r6, "by ipv6", NULL, NULL);
}

static void test_untrusted_ca(void) {
  it_rec r = {0};
  it_opts o = opts();
  o.ca = "/etc/ssl/certs/ca-certificates.crt";
  it_run1(&o, "nobody trusts me", NULL, NULL, &r);
  CHECK_INT(r.status, GF_ECERT);
  CHECK_INT(r.http_status, 0);
}

/* The simulator's log line for the request with this exact prompt (the
 * last one), or NULL. It logs a request when its connection ends, which
 * may be just after on_done: waits for it (at most 3 s). */
static json_object *sim_log_for(const char *prompt) {
  for (int i = 0; i < 300; i++) {
    json_object *found = NULL, *v;
    FILE *f = fopen(sim.log, "r");
    char line[16384];
    while (f && fgets(line, sizeof line, f)) {
      json_object *o = json_tokener_parse(line);
      if (o && json_object_object_get_ex(o, "prompt", &v) &&
          json_object_is_type(v, json_type_string) &&
          strcmp(json_object_get_string(v), prompt) == 0) {
        json_object_put(found);
        found = o;
      } else {
        json_object_put(o);
      }
    }
    if (f)
      fclose(f);
    if (found)
      return found;
    usleep(10000);
  }
  return NULL;
}

/* Where the simulator saw the key come from (never the key itself). */
static void check_key_from(const char *prompt, const char *want) {
  json_object *o = sim_log_for(prompt), *v = NULL;
  CHECK(o != NULL);
  CHECK(o && json_object_object_get_ex(o, "key_from", &v));
  CHECK_STR(v ? json_object_get_string(v) : NULL, want);
  json_object_put(o);
}

static void test_key_in_header(void) {
  it_rec r = {0};
  it_opts o = opts();
  o.key_in = GF_KEY_IN_HEADER;
  it_run1(&o, "header key", NULL, NULL, &r);
  CHECK_INT(r.status, GF_OK);
  check_key_from("header key", "header");
  it_rec q = {0};
  it_opts d = opts(); /* the default: ?key= */
  it_run1(&d, "query key", NULL, NULL, &q);
  CHECK_INT(q.status, GF_OK);
  check_key_from("query key", "query");
  /* GF_KEY_IN_AUTO: the service's way (Google's is the header) */
  it_rec g = {0};
  it_opts a = opts();
  a.key_in = GF_KEY_IN_AUTO;
  a.service = "google";
  it_run1(&a, "google's way", NULL, NULL, &g);
  CHECK_INT(g.status, GF_OK);
  check_key_from("google's way", "header");
  it_rec y = {0};
  a.service = "anyfast";
  it_run1(&a, "the gateway's way", NULL, NULL, &y);
  CHECK_INT(y.status, GF_OK);
  check_key_from("the gateway's way", "query");
}

static void test_connection_refused(void) {
  it_rec r = {0};
  it_opts o = opts();
  o.url = "https://127.0.0.1:1";
  it_run1(&o, "nobody home", NULL, NULL, &r);
  CHECK_INT(r.status, GF_ECONNECT);
  CHECK(strstr(r.message, "127.0.0.1:1") != NULL);
}

static void run_cancel(char kind, int after, const char *dir) {
  it_rec r = {0};
  it_opts o = opts();
  o.out_dir = dir;
  r.cancel_on = kind;
  r.cancel_after = after;
  it_run1(&o, "cancel me [[chunk:1000]]", "1:1", "1K", &r);
  CHECK_INT(r.status, GF_ECANCELED);
  CHECK_INT(r.done_count, 1);
  CHECK_INT(r.order[strlen(r.order) - 1], 'd');
  if (kind == 's')
    CHECK_STR(r.order, "d");
  CHECK_INT(count_files(dir), 0);
}

static void test_cancel(void) {
  const char *dir = fresh_dir("cancel");
  run_cancel('s', 0, dir); /* before the connection exists */
  run_cancel('t', 1, dir);
  run_cancel('b', 1, dir);
  run_cancel('D', 5, dir);
}

static void test_idle_timeout(void) {
  it_rec r = {0};
  it_opts o = opts();
  o.idle_ms = 300;
  it_run1(&o, "thinking slowly [[think:1500]]", NULL, NULL, &r);
  CHECK_INT(r.status, GF_ETIMEDOUT);
  CHECK_INT(r.done_count, 1);
  CHECK(strstr(r.message, "idle") != NULL);
}

static void test_concurrent(void) {
  enum { N = 200, K = 8 };
  it_rec *recs = calloc(N, sizeof *recs);
  gf_request *reqs[N];
  char prompts[K][64];
  unsigned char want[K][32];
  for (int k = 0; k < K; k++) {
    snprintf(prompts[k], sizeof prompts[k], "concurrent %d [[think:50]]", k);
    it_sim_render(prompts[k], "1:1", "1K", want[k], NULL);
  }
  for (int i = 0; i < N; i++)
    reqs[i] = it_req(prompts[i % K], "1:1", "1K");
  it_opts o = opts();
  it_run(&o, reqs, recs, N);
  int ok = 0, exact = 0;
  for (int i = 0; i < N; i++) {
    ok += recs[i].status == GF_OK && recs[i].done_count == 1;
    exact += memcmp(recs[i].sha, want[i % K], 32) == 0;
    gf_request_free(reqs[i]);
  }
  CHECK_INT(ok, N);
  CHECK_INT(exact, N);
  free(recs);
}

int main(int argc, char **argv) {
  unsetenv("SSL_CERT_FILE");
  it_sim_start(&sim, NULL);
  static const gf_t_case cases[] = {
      TEST(test_text_to_image), TEST(test_no_sha256), TEST(test_default_name),
      TEST(test_edit_with_refs), TEST(test_framings),
      TEST(test_thoughts_in_order), TEST(test_thought_images),
      TEST(test_thought_only), TEST(test_key_order_and_text),
      TEST(test_faults), TEST(test_status_details), TEST(test_ip_literals),
      TEST(test_untrusted_ca), TEST(test_key_in_header),
      TEST(test_connection_refused), TEST(test_cancel),
      TEST(test_idle_timeout), TEST(test_rejected_key), TEST(test_plain_http),
      TEST(test_concurrent)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  it_sim_stop(&sim);
  return rc;
}
