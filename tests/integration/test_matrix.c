/* The fault matrix: every fault of gemflow-sim at every stage it can
 * happen, through the library with its retry policy on (3 attempts, the
 * first delay bound 20 ms), over loopback TLS. Each case checks the
 * outcome, the attempts, the requests the simulator logged for the prompt,
 * and the image: byte for byte what the simulator serves (the result's
 * sha256 and the file's) when the generation succeeds, no file at all when
 * it fails.
 *
 * A transient fault comes once ([[times:1]]), then the normal answer: one
 * retry and ok. Its permanent variant (no [[times:]]) uses every attempt.
 * Faults that are not transient are tried once.
 *
 * With GF_MATRIX_OUT set, one markdown table row per case goes to that
 * file: | fault | stage | outcome | attempts | requests | image |
 * (tools/matrix.sh makes docs/reliability.md of them). A row whose
 * outcome differs from the expected one says "FAILS: ..."; a case marked
 * known (a fault of the library reported, not yet fixed) does not fail the
 * test, any other mismatch does. */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

#define IDLE_MS 10000 /* a hang shows as a timeout, not a stuck test */

static it_sim sim;
static FILE *rows;
static int ncase;

typedef struct mcase {
  const char *fault, *stage; /* the first two columns */
  const char *prompt;        /* unique: the simulator's log is by prompt */
  int want;                  /* GF_OK or a GF_E* code */
  int attempts, requests;
  /* a fault once: how the first attempt failed, and the callbacks it had
   * made before the retry (it_rec.order: t thought, b image begun, e image
   * ended), which show where in the stream the fault came */
  int first, first_http;
  const char *before;
  /* accepted for a reset (the first attempt's or the last): GF_ETRUNCATED.
   * A reset that comes right behind data reaches libuv as a hang-up after
   * a partial read, which it reports as an EOF: whether the library sees
   * a reset or a cut depends on how far it had read. */
  int alt;
  uint64_t idle_ms;          /* 0: IDLE_MS */
  double min_ms;             /* the generation takes at least this long */
  const char *msg;           /* a part the message must hold, or NULL */
  int refused;               /* to a port where nothing listens */
  const char *known;         /* a known fault of the library: why */
} mcase;

static const char *code_name(int code) {
  switch (code) {
  case GF_OK:
    return "GF_OK";
#define NAME(name, code_, id, text)                                            \
  case code_:                                                                  \
    return "GF_" #name;
    GF_ERRNO_MAP(NAME)
#undef NAME
  }
  return "GF_?";
}

/* A loopback port that was just free: bound, read, closed. */
static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      listen(fd, 1) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0)
    close(fd);
  return port;
}

/* Every entry but "." and "..": the file sink's temporary files are
 * hidden ones (".gemflow-XXXXXX.part"). */
static int count_files(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL)
    n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  if (d)
    closedir(d);
  return n;
}

/* A table cell: no '|', no line ends. */
static void cell(char *out, size_t cap, const char *s) {
  size_t n = 0;
  for (; s && *s && n + 1 < cap; s++)
    out[n++] = *s == '|' ? '/' : *s == '\n' || *s == '\r' ? ' ' : *s;
  out[n] = '\0';
}

/* What the first attempt had seen when it failed, in words. */
static void seen(const it_rec *r, char *out, size_t cap) {
  const gf_attempt *a = &r->retries[0];
  if (!a->http_status) {
    snprintf(out, cap, "no response");
    return;
  }
  int thoughts = 0, begun = 0, ended = 0;
  for (const char *c = r->order; *c && *c != 'r'; c++) {
    thoughts += *c == 't';
    begun += *c == 'b';
    ended += *c == 'e';
  }
  int n = snprintf(out, cap, "HTTP %d", a->http_status);
  if (thoughts && n > 0 && (size_t)n < cap)
    n += snprintf(out + n, cap - (size_t)n, ", %d thought%s", thoughts,
                  thoughts > 1 ? "s" : "");
  if (begun && n > 0 && (size_t)n < cap)
    snprintf(out + n, cap - (size_t)n, ", %s", ended ? "the image"
                                                      : "part of the image");
}

/* The callbacks of the first attempt: it_rec.order up to the retry. */
static void before_retry(const it_rec *r, char *out, size_t cap) {
  size_t n = strcspn(r->order, "r");
  snprintf(out, cap, "%.*s", (int)n, r->order);
}

/* The outcome cell: the code; after a retry, how the first attempt
 * failed; for a failure, the message (the port of a refused connection
 * as PORT, so that the table is the same from run to run). A code with an
 * accepted alternative is written as both, whichever it was. */
static void outcome_text(const mcase *c, const it_rec *r, int port,
                         char *out, size_t cap) {
  char m[600], where[100], num[16];
  cell(m, sizeof m, r->message);
  snprintf(num, sizeof num, ":%d", port);
  char *at = port ? strstr(m, num) : NULL;
  if (at) { /* ":PORT" is never longer than ":<port>" */
    const char *rest = at + strlen(num);
    memmove(at + 5, rest, strlen(rest) + 1);
    memcpy(at, ":PORT", 5);
  }
  if (r->status == GF_OK && r->nretries) {
    seen(r, where, sizeof where);
    int st = r->retries[0].status;
    if (c->alt && (st == c->first || st == c->alt))
      snprintf(out, cap, "%s after %s or %s (%s)", code_name(r->status),
               code_name(c->first), code_name(c->alt), where);
    else
      snprintf(out, cap, "%s after %s (%s)", code_name(r->status),
               code_name(st), where);
  } else if (c->alt && (r->status == c->want || r->status == c->alt)) {
    snprintf(out, cap, "%s or %s", code_name(c->want), code_name(c->alt));
  } else if (r->status == GF_OK || !m[0]) {
    snprintf(out, cap, "%s", code_name(r->status));
  } else {
    snprintf(out, cap, "%s: %s", code_name(r->status), m);
  }
}

static void run_case(const mcase *c) {
  int idx = ncase++;
  char dir[600], out[700], url[64];
  int port = 0;
  snprintf(dir, sizeof dir, "%s/case%d", it_tmpdir(), idx);
  mkdir(dir, 0700);
  snprintf(out, sizeof out, "%s/image.png", dir);
  it_opts o = {0};
  o.url = sim.url;
  o.ca = sim.ca;
  o.max_attempts = 3;
  o.retry_initial_ms = 20;
  o.idle_ms = c->idle_ms ? c->idle_ms : IDLE_MS;
  o.out_path = out;
  if (c->refused) {
    port = free_port();
    snprintf(url, sizeof url, "https://127.0.0.1:%d", port);
    o.url = url;
  }
  it_rec r = {0};
  it_run1(&o, c->prompt, NULL, NULL, &r);
  int requests = it_sim_requests_for(&sim, c->prompt, c->requests);
  int files = count_files(dir);

  const char *image;
  int image_ok;
  if (r.status == GF_OK) {
    unsigned char want[32], got[32];
    uint64_t want_bytes = 0, got_bytes = 0;
    it_sim_render(c->prompt, NULL, NULL, want, &want_bytes);
    struct stat st;
    int have = stat(out, &st) == 0;
    if (have)
      it_sha_file(out, got, &got_bytes);
    image_ok = have && files == 1 && !memcmp(r.sha, want, 32) &&
               r.bytes == want_bytes && !memcmp(got, want, 32) &&
               got_bytes == want_bytes;
    image = image_ok ? "byte-exact (sha256 and file)" : "DIFFERS";
  } else {
    image_ok = files == 0;
    image = image_ok ? "no file left" : "FILE LEFT BEHIND";
  }
  int msg_ok = !c->msg || strstr(r.message, c->msg) != NULL;
  char before[64];
  before_retry(&r, before, sizeof before);
  int status = c->alt && r.status == c->alt && c->want != GF_OK ? c->want
                                                                : r.status;
  int first = r.nretries >= 1 ? r.retries[0].status : 0;
  if (c->alt && first == c->alt)
    first = c->first;
  int first_ok = !c->first ||
                 (r.nretries >= 1 && first == c->first &&
                  r.retries[0].http_status == c->first_http &&
                  !strcmp(before, c->before));
  int time_ok = r.timings.done >= c->min_ms;
  int pass = status == c->want && r.attempts == c->attempts &&
             requests == c->requests && image_ok && msg_ok && first_ok &&
             time_ok && r.done_count == 1;

  char got[700], text[1200];
  outcome_text(c, &r, port, got, sizeof got);
  if (pass)
    snprintf(text, sizeof text, "%s", got);
  else if (c->known)
    snprintf(text, sizeof text, "FAILS: %s (got %s)", c->known, got);
  else
    snprintf(text, sizeof text,
             "FAILS: expected %s, %d attempts, %d requests%s%s%s%s (got %s)",
             code_name(c->want), c->attempts, c->requests,
             c->first ? " after " : "", c->first ? code_name(c->first) : "",
             c->msg ? ", message with " : "", c->msg ? c->msg : "", got);
  fprintf(stderr, "  %-28s %-8s %s, attempts %d, requests %d, %s\n", c->fault,
          c->stage, pass ? "as expected" : text, r.attempts, requests, image);
  if (rows)
    fprintf(rows, "| %s | %s | %s | %d | %d | %s |\n", c->fault, c->stage,
            text, r.attempts, requests, image);
  if (c->known) {
    if (pass)
      fprintf(stderr, "  note: known fault \"%s\" no longer shows: drop the "
                      "mark\n", c->known);
    return;
  }
  CHECK_STR(code_name(status), code_name(c->want));
  CHECK_INT(r.attempts, c->attempts);
  CHECK_INT(requests, c->requests);
  CHECK_INT(r.done_count, 1);
  CHECK(image_ok);
  if (!msg_ok)
    fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", r.message, c->msg);
  CHECK(msg_ok);
  if (c->first) {
    CHECK_INT(r.nretries, 1);
    CHECK_STR(code_name(first), code_name(c->first));
    CHECK_INT(r.retries[0].http_status, c->first_http);
    CHECK_STR(before, c->before);
  }
  if (!time_ok)
    fprintf(stderr, "  done after %.0f ms, expected %.0f at least\n",
            r.timings.done, c->min_ms);
  CHECK(time_ok);
}

static void run_all(const mcase *cases, size_t n) {
  for (size_t i = 0; i < n; i++)
    run_case(&cases[i]);
}

#define RUN(cases) run_all(cases, sizeof cases / sizeof cases[0])
/* A transient fault once: one retry, then ok. first: how the first
 * attempt failed; http: its status (0: no response); before: its
 * callbacks. */
#define ONCE(fault_, stage_, prompt_, first_, http_, before_)                  \
  {                                                                            \
    .fault = fault_, .stage = stage_, .prompt = prompt_, .want = GF_OK,        \
    .attempts = 2, .requests = 2, .first = first_, .first_http = http_,        \
    .before = before_                                                          \
  }
/* A reset behind data, once: seen as a reset or as a cut (mcase.alt). */
#define RESET_ONCE(stage_, prompt_, http_, before_)                            \
  {                                                                            \
    .fault = "reset, once", .stage = stage_, .prompt = prompt_,                \
    .want = GF_OK, .attempts = 2, .requests = 2, .first = GF_ERESET,           \
    .first_http = http_, .before = before_, .alt = GF_ETRUNCATED               \
  }
/* A fault that ends the generation, after as many attempts as requests. */
#define FAILS(fault_, stage_, prompt_, want_, attempts_, msg_)                 \
  {                                                                            \
    .fault = fault_, .stage = stage_, .prompt = prompt_, .want = want_,        \
    .attempts = attempts_, .requests = attempts_, .msg = msg_                  \
  }

/* Answers in place of the stream, and what comes with a head. */
static void test_http_answers(void) {
  static const mcase cases[] = {
      ONCE("429, RetryInfo 50 ms, once", "-",
           "m-a1 [[fault:429]] [[times:1]] [[retry-delay:50]]", GF_ESTATUS,
           429, ""),
      {.fault = "429, Retry-After 1 s, once",
       .stage = "-",
       .prompt = "m-a2 [[fault:429]] [[times:1]] [[retry-after:1]]",
       .want = GF_OK,
       .attempts = 2,
       .requests = 2,
       .first = GF_ESTATUS,
       .first_http = 429,
       .before = "",
       .min_ms = 1000},
      FAILS("429, always", "-", "m-a3 [[fault:429]] [[retry-delay:20]]",
            GF_ESTATUS, 3, "HTTP 429 RESOURCE_EXHAUSTED"),
      ONCE("503, RetryInfo 50 ms, once", "-",
           "m-a4 [[fault:503]] [[times:1]] [[retry-delay:50]]", GF_ESTATUS,
           503, ""),
      {.fault = "503, Retry-After 1 s, once",
       .stage = "-",
       .prompt = "m-a5 [[fault:503]] [[times:1]] [[retry-after:1]]",
       .want = GF_OK,
       .attempts = 2,
       .requests = 2,
       .first = GF_ESTATUS,
       .first_http = 503,
       .before = "",
       .min_ms = 1000},
      FAILS("503, always", "-", "m-a6 [[fault:503]] [[retry-delay:20]]",
            GF_ESTATUS, 3, "HTTP 503 UNAVAILABLE"),
      ONCE("500, once", "-", "m-a7 [[fault:500]] [[times:1]]", GF_ESTATUS,
           500, ""),
      FAILS("500, always", "-", "m-a8 [[fault:500]]", GF_ESTATUS, 3,
            "HTTP 500 INTERNAL"),
      ONCE("502, once", "-", "m-a9 [[fault:502]] [[times:1]]", GF_ESTATUS,
           502, ""),
      FAILS("502, always", "-", "m-a10 [[fault:502]]", GF_ESTATUS, 3,
            "HTTP 502"),
      ONCE("504, once", "-", "m-a11 [[fault:504]] [[times:1]]", GF_ESTATUS,
           504, ""),
      FAILS("504, always", "-", "m-a12 [[fault:504]]", GF_ESTATUS, 3,
            "HTTP 504 DEADLINE_EXCEEDED"),
      FAILS("3xx (307 elsewhere)", "-", "m-a13 [[fault:3xx]]", GF_ESTATUS, 1,
            "elsewhere.example"),
      FAILS("1xx (one 103 Early Hints)", "-", "m-a14 [[fault:1xx]]", GF_OK, 1,
            NULL),
      FAILS("1xx, 100 of them", "-", "m-a15 [[fault:1xx-flood]]", GF_EHTTP,
            1, "interim"),
      FAILS("bigheaders (a 20 KiB header)", "-", "m-a16 [[fault:bigheaders]]",
            GF_ETOOBIG, 1, NULL),
      FAILS("html200 (a sign-in page)", "-", "m-a17 [[fault:html200]]",
            GF_EHTTP, 1, "text/html"),
  };
  RUN(cases);
}

/* The connection: refused, and cut every way at every stage. */
static void test_connection_faults(void) {
  static const mcase cases[] = {
      {.fault = "connection refused",
       .stage = "-",
       .prompt = "m-c0 nobody listens",
       .want = GF_ECONNECT,
       .attempts = 3,
       .requests = 0,
       .msg = "connection refused",
       .refused = 1},
      ONCE("reset, once", "head",
           "m-c1 [[fault:reset]] [[at:head]] [[times:1]]", GF_ERESET, 0, ""),
      RESET_ONCE("headers", "m-c2 [[fault:reset]] [[at:headers]] [[times:1]]",
                 0, ""),
      RESET_ONCE("between", "m-c3 [[fault:reset]] [[at:between]] [[times:1]]",
                 200, "t"),
      RESET_ONCE("image", "m-c4 [[fault:reset]] [[at:image]] [[times:1]]",
                 200, "tttb"),
      RESET_ONCE("usage", "m-c5 [[fault:reset]] [[at:usage]] [[times:1]]",
                 200, "tttbe"),
      {.fault = "reset, always",
       .stage = "between",
       .prompt = "m-c6 [[fault:reset]] [[at:between]]",
       .want = GF_ERESET,
       .alt = GF_ETRUNCATED,
       .attempts = 3,
       .requests = 3},
      ONCE("EOF without close_notify, once", "head",
           "m-c7 [[fault:eof]] [[at:head]] [[times:1]]", GF_ETRUNCATED, 0, ""),
      ONCE("EOF without close_notify, once", "headers",
           "m-c8 [[fault:eof]] [[at:headers]] [[times:1]]", GF_ETRUNCATED, 0,
           ""),
      ONCE("EOF without close_notify, once", "between",
           "m-c9 [[fault:eof]] [[at:between]] [[times:1]]", GF_ETRUNCATED, 200,
           "t"),
      ONCE("EOF without close_notify, once", "image",
           "m-c10 [[fault:eof]] [[at:image]] [[times:1]]", GF_ETRUNCATED, 200,
           "tttb"),
      ONCE("EOF without close_notify, once", "usage",
           "m-c11 [[fault:eof]] [[at:usage]] [[times:1]]", GF_ETRUNCATED, 200,
           "tttbe"),
      FAILS("EOF without close_notify, always", "image",
            "m-c12 [[fault:eof]] [[at:image]]", GF_ETRUNCATED, 3,
            "close_notify"),
      ONCE("clean close, once", "head",
           "m-c13 [[fault:close]] [[at:head]] [[times:1]]", GF_ETRUNCATED, 0,
           ""),
      ONCE("clean close, once", "headers",
           "m-c14 [[fault:close]] [[at:headers]] [[times:1]]", GF_ETRUNCATED,
           0, ""),
      ONCE("clean close, once", "between",
           "m-c15 [[fault:close]] [[at:between]] [[times:1]]", GF_ETRUNCATED,
           200, "t"),
      ONCE("clean close, once", "image",
           "m-c16 [[fault:close]] [[at:image]] [[times:1]]", GF_ETRUNCATED,
           200, "tttb"),
      ONCE("clean close, once", "usage",
           "m-c17 [[fault:close]] [[at:usage]] [[times:1]]", GF_ETRUNCATED,
           200, "tttbe"),
      FAILS("clean close, always", "usage",
            "m-c18 [[fault:close]] [[at:usage]]", GF_ETRUNCATED, 3, NULL),
      ONCE("clean close, body:close, once", "usage",
           "m-c19 [[fault:close]] [[at:usage]] [[body:close]] [[times:1]]",
           GF_ENOFINISH, 200, "tttbe"),
      FAILS("clean close, body:close, always", "usage",
            "m-c20 [[fault:close]] [[at:usage]] [[body:close]]", GF_ENOFINISH,
            3, "finish reason"),
      ONCE("body ends before the finish, once", "after thoughts",
           "m-c21 [[fault:truncate]] [[times:1]]", GF_ENOFINISH, 200, "ttt"),
  };
  RUN(cases);
}

/* Error objects and broken events inside a 200 stream. */
static void test_stream_faults(void) {
  static const mcase cases[] = {
      ONCE("error object (raw lines), once", "between",
           "m-s1 [[fault:midstream]] [[at:between]] [[times:1]]", GF_EAPI, 200,
           "t"),
      ONCE("error object (raw lines), once", "image",
           "m-s2 [[fault:midstream]] [[at:image]] [[times:1]]", GF_EAPI, 200,
           "tttb"),
      ONCE("error object (raw lines), once", "usage",
           "m-s3 [[fault:midstream]] [[at:usage]] [[times:1]]", GF_EAPI, 200,
           "tttbe"),
      FAILS("error object (raw lines), always", "usage",
            "m-s4 [[fault:midstream]] [[at:usage]]", GF_EAPI, 3,
            "503 UNAVAILABLE"),
      ONCE("error event, once", "between",
           "m-s5 [[fault:error-event]] [[at:between]] [[times:1]]", GF_EAPI,
           200, "t"),
      ONCE("error event, once", "usage",
           "m-s6 [[fault:error-event]] [[at:usage]] [[times:1]]", GF_EAPI, 200,
           "tttbe"),
      FAILS("error event, always", "between",
            "m-s7 [[fault:error-event]] [[at:between]]", GF_EAPI, 3,
            "503 UNAVAILABLE"),
      FAILS("invalid JSON event", "after thoughts", "m-s8 [[fault:badjson]]",
            GF_EJSON, 1, NULL),
  };
  RUN(cases);
}

/* Time: a server that stops sending, and one that sends very slowly. */
static void test_timing_faults(void) {
  static const mcase cases[] = {
      {.fault = "stall (idle timeout 3 s), once",
       .stage = "between",
       .prompt = "m-t1 [[fault:stall]] [[times:1]]",
       .want = GF_OK,
       .attempts = 2,
       .requests = 2,
       .first = GF_ETIMEDOUT,
       .first_http = 200,
       .before = "t",
       .idle_ms = 3000, /* above the simulator's render time under ASan */
       .min_ms = 500},
      {.fault = "stall (idle timeout 3 s), always",
       .stage = "between",
       .prompt = "m-t2 [[fault:stall]]",
       .want = GF_ETIMEDOUT,
       .attempts = 3,
       .requests = 3,
       .idle_ms = 3000, /* above the simulator's render time under ASan */
       .min_ms = 1500,
       .msg = "idle"},
      /* never a second without a byte, but more than two in all */
      {.fault = "drip (idle timeout 1 s)",
       .stage = "thoughts",
       .prompt = "m-t3 [[fault:drip]]",
       .want = GF_OK,
       .attempts = 1,
       .requests = 1,
       .idle_ms = 1000,
       .min_ms = 2000},
  };
  RUN(cases);
}

int main(int argc, char **argv) {
  unsetenv("SSL_CERT_FILE");
  const char *path = getenv("GF_MATRIX_OUT");
  if (path && *path && !(rows = fopen(path, "w"))) {
    perror(path);
    return 2;
  }
  it_sim_start(&sim, NULL);
  static const gf_t_case cases[] = {
      TEST(test_http_answers), TEST(test_connection_faults),
      TEST(test_stream_faults), TEST(test_timing_faults)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  it_sim_stop(&sim);
  if (rows && fclose(rows) != 0)
    rc = 2;
  return rc;
}
