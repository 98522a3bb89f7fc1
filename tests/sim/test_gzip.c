/* gzip answers without sockets: which requests get one (Accept-Encoding
 * with q-values, --gzip=auto|never|always), the compressed body of every
 * framing and fault inflating back to exactly the plain body, a flush at
 * each event's end and wherever the producer stops (a client can decode
 * every event as soon as it could without gzip, and all the plain bytes
 * before a fault), the trailer only at the end, the same bytes whatever
 * the piece size, a Content-Length (body:length) of exactly the gzip body,
 * error answers compressed whole, and the log's "gzip". Bodies are
 * inflated with zlib directly, and heads and bodies read back with the
 * http layer's response parser. */
#include <json-c/json.h>
#include <strings.h>
#include <zlib.h>

#include "common/buf.h"
#include "gemflow.h"
#include "http/http.h"
#include "sim/accept.h"
#include "sim/args.h"
#include "sim/job.h"
#include "sim/sim.h"
#include "sim/zprod.h"
#include "test.h"

#define PATH "/v1beta/models/gemini-3-pro-image-preview:streamGenerateContent"

/* ---- Accept-Encoding ---- */

static void test_accept(void) {
  static const struct {
    const char *v;
    int want;
  } cases[] = {
      {"gzip", 1},
      {"GZip", 1},
      {"x-gzip", 1},
      {"gzip, deflate, br", 1},
      {"br;q=1.0, gzip;q=0.8, *;q=0.1", 1},
      {"gzip;q=1", 1},
      {"gzip;q=1.000", 1},
      {"gzip;q=0.001", 1},
      {"gzip ; q=0.5", 1},
      {"gzip;level=1;q=0.5", 1},
      {"*", 1},
      {"identity, *;q=0.5", 1},
      {"br, *", 1},
      {"gzip;q=0", 0},
      {"gzip;Q=0.000", 0},
      {"gzip;q=0, *", 0}, /* named and refused: * does not bring it back */
      {"*;q=0.5, x-gzip;q=0", 0},
      {"*;q=0", 0},
      {"identity", 0},
      {"identity;q=1, *;q=0", 0},
      {"br, deflate", 0},
      {"", 0},
      {" , ,", 0},
      {"gzipx", 0},
      {"gzip;q=1.5", 0},  /* not a qvalue: the element is not understood */
      {"gzip;q=abc", 0},
      {"gzip;q=0.0001", 0},
      {"gzip;q=", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int got = gf__sim_accepts_gzip(cases[i].v, strlen(cases[i].v));
    if (got != cases[i].want)
      fprintf(stderr, "Accept-Encoding: %s\n", cases[i].v);
    CHECK_INT(got, cases[i].want);
  }
  CHECK_INT(gf__sim_accepts_gzip(NULL, 0), 0);
  /* only the first n bytes count */
  CHECK_INT(gf__sim_accepts_gzip("gzip;q=0", 4), 1);
}

/* ---- jobs ---- */

static gf__sim_cache *cache;

static gf__sim_cfg cfg_with(int gzip) {
  gf__sim_cfg c;
  memset(&c, 0, sizeof c);
  c.framing.eol = "\r\n";
  c.framing.chunk = 16384;
  c.framing.thoughts = 3;
  c.seed = 5;
  c.gzip = gzip;
  if (!cache)
    cache = gf__sim_cache_new(NULL, 8, 0); /* synchronous */
  c.cache = cache;
  return c;
}

static json_object *request_json(const char *prompt) {
  json_object *root = json_object_new_object(),
              *contents = json_object_new_array(),
              *content = json_object_new_object(),
              *parts = json_object_new_array(),
              *part = json_object_new_object();
  json_object_object_add(part, "text", json_object_new_string(prompt));
  json_object_array_add(parts, part);
  json_object_object_add(content, "parts", parts);
  json_object_array_add(contents, content);
  json_object_object_add(root, "contents", contents);
  return root;
}

/* A job for prompt, its plan with a fixed createTime and responseId, so
 * that two jobs for one prompt give the same plain bytes. */
static gf__sim_job *job(const gf__sim_cfg *cfg, const char *prompt,
                        int accepts) {
  json_object *root = request_json(prompt);
  gf__sim_rx rx = {"POST", PATH "?alt=sse&key=k", NULL, root, 0, accepts};
  gf__sim_job *j = gf__sim_job_new(cfg, &rx);
  json_object_put(root);
  CHECK(j != NULL);
  if (j->status != 200 || j->html)
    return j;
  snprintf(j->create_time, sizeof j->create_time, "2025-11-25T10:37:00Z");
  snprintf(j->response_id, sizeof j->response_id, "RID");
  gf__sim_plan_free(&j->plan);
  gf__sim_plan_in in = {
      &j->req,         j->stripped.data,
      j->stripped.len, j->framing,
      j->marks.faults, {j->req.model, j->create_time, j->response_id},
      NULL};
  CHECK_INT(gf__sim_plan_build(&j->plan, &in), 0);
  return j;
}

static void test_modes(void) {
  static const struct {
    int mode, accepts, want;
  } cases[] = {
      {GF_SIM_GZIP_AUTO, 0, 0},   {GF_SIM_GZIP_AUTO, 1, 1},
      {GF_SIM_GZIP_NEVER, 1, 0},  {GF_SIM_GZIP_NEVER, 0, 0},
      {GF_SIM_GZIP_ALWAYS, 0, 1}, {GF_SIM_GZIP_ALWAYS, 1, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gf__sim_cfg c = cfg_with(cases[i].mode);
    gf__sim_job *j = job(&c, "a heron", cases[i].accepts);
    CHECK_INT(j->gzip, cases[i].want);
    gf__buf h;
    gf__buf_init(&h, 0);
    CHECK_INT(gf__sim_job_head(j, 1, &h), 0);
    CHECK_INT(strstr(h.data, "\r\nContent-Encoding: gzip\r\n") != NULL,
              cases[i].want);
    gf__buf_free(&h);
    gf__sim_job_free(j);
  }
  CHECK_INT(gf__sim_gzip_named("auto"), GF_SIM_GZIP_AUTO);
  CHECK_INT(gf__sim_gzip_named("never"), GF_SIM_GZIP_NEVER);
  CHECK_INT(gf__sim_gzip_named("always"), GF_SIM_GZIP_ALWAYS);
  CHECK_INT(gf__sim_gzip_named("yes"), -1);
  /* the command line */
  gf__sim_cli cli;
  char err[200];
  char *a1[] = {"gemflow-sim", "--gzip=always", NULL};
  CHECK_INT(gf__sim_parse_args(2, a1, &cli, err, sizeof err), 0);
  CHECK_INT(cli.opts.gzip, GF_SIM_GZIP_ALWAYS);
  char *a2[] = {"gemflow-sim", "--gzip", "never", NULL};
  CHECK_INT(gf__sim_parse_args(3, a2, &cli, err, sizeof err), 0);
  CHECK_INT(cli.opts.gzip, GF_SIM_GZIP_NEVER);
  char *a3[] = {"gemflow-sim", "--port", "0", NULL};
  CHECK_INT(gf__sim_parse_args(3, a3, &cli, err, sizeof err), 0);
  CHECK_INT(cli.opts.gzip, GF_SIM_GZIP_AUTO);
  char *a4[] = {"gemflow-sim", "--gzip=sometimes", NULL};
  CHECK_INT(gf__sim_parse_args(2, a4, &cli, err, sizeof err), -1);
  CHECK_STR(err, "--gzip wants auto, never or always: sometimes");
}

/* ---- producing ---- */

/* One answer of the producer: where the compressed body stood after it,
 * and the plain bytes produced by then. */
typedef struct mark {
  size_t zlen;
  uint64_t plain;
  int r, step_done;
} mark;

#define MAX_MARKS 200000

typedef struct run {
  gf__buf body; /* plain, or compressed */
  int end;      /* the answer that ended it */
  mark *marks;
  size_t nmarks;
} run;

/* Produces j's body from the start, compressed when gz, pieces of max. */
static void produce(gf__sim_job *j, int gz, size_t max, run *o) {
  memset(o, 0, sizeof *o);
  gf__buf_init(&o->body, 0);
  gf__buf_append(&o->body, "", 0);
  o->marks = calloc(MAX_MARKS, sizeof *o->marks);
  gf__sim_prod_init(&j->prod, &j->plan);
  for (int k = 0; k < GF_SIM_SLOTS; k++)
    j->prod.imgs[k] = j->imgs[k];
  gf__sim_zprod z;
  CHECK_INT(gf__sim_zprod_init(&z, &j->prod), 0);
  for (long guard = 0; guard < 50000000; guard++) {
    unsigned ms = 0;
    int slot = -1;
    int r = gz ? gf__sim_zprod_next(&z, &o->body, max, &ms, &slot)
               : gf__sim_prod_next(&j->prod, &o->body, max, &ms, &slot);
    if (o->nmarks < MAX_MARKS)
      o->marks[o->nmarks++] =
          (mark){o->body.len, j->prod.body_bytes, r, j->prod.step_done};
    if (r == GF_SIM_MORE || r == GF_SIM_PAUSE)
      continue;
    CHECK(r != GF_SIM_WAIT);
    o->end = r;
    break;
  }
  gf__sim_zprod_free(&z);
}

static void run_free(run *o) {
  gf__buf_free(&o->body);
  free(o->marks);
}

/* zlib's inflate of p[0..n) as far as it goes: the output, and whether
 * the member ended (with nothing after it). */
static int inflate_all(const char *p, size_t n, gf__buf *out, int *ended) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
    return -1;
  z.next_in = (unsigned char *)(uintptr_t)p;
  z.avail_in = (unsigned)n;
  unsigned char buf[65536];
  int rc;
  do {
    z.next_out = buf;
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_SYNC_FLUSH);
    gf__buf_append(out, buf, sizeof buf - z.avail_out);
  } while (rc == Z_OK && (z.avail_in > 0 || z.avail_out == 0));
  *ended = rc == Z_STREAM_END && z.avail_in == 0;
  inflateEnd(&z);
  return rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR ? 0 : -1;
}

/* Where a client must be able to decode everything so far: after a MORE
 * that ended a step (an event), and at every other answer. */
static int must_flush(const mark *m) {
  return m->r != GF_SIM_MORE || m->step_done;
}

/* The gzip body of prompt against its plain body: same answer at the end,
 * inflates to exactly the plain bytes; complete only when the plain one
 * is; at each flush point the prefix decodes to the plain bytes produced
 * by then; the same compressed bytes at other piece sizes. */
static void check_prompt(const char *prompt) {
  gf__sim_cfg c = cfg_with(GF_SIM_GZIP_ALWAYS);
  gf__sim_job *j = job(&c, prompt, 0);
  CHECK_INT(j->gzip, 1);
  run plain, gz;
  produce(j, 0, GF_SIM_PIECE, &plain);
  produce(j, 1, GF_SIM_PIECE, &gz);
  CHECK_INT(gz.end, plain.end);
  CHECK(gz.body.len < plain.body.len);
  gf__buf back;
  gf__buf_init(&back, 0);
  int ended = 0;
  CHECK_INT(inflate_all(gz.body.data, gz.body.len, &back, &ended), 0);
  CHECK_MEM(back.data, back.len, plain.body.data, plain.body.len);
  CHECK_INT(ended, plain.end == GF_SIM_END);
  size_t flushes = 0;
  for (size_t i = 0; i < gz.nmarks; i++) {
    if (!must_flush(&gz.marks[i]))
      continue;
    flushes++;
    gf__buf_reset(&back);
    inflate_all(gz.body.data, gz.marks[i].zlen, &back, &ended);
    if (back.len != gz.marks[i].plain)
      fprintf(stderr, "%s: answer %zu (%d): %zu of %llu plain bytes\n", prompt,
              i, gz.marks[i].r, back.len,
              (unsigned long long)gz.marks[i].plain);
    CHECK_INT(back.len, gz.marks[i].plain);
    if (back.len != gz.marks[i].plain)
      break;
  }
  CHECK(flushes >= 2); /* a thought and the end, at least */
  static const size_t maxes[] = {7, 4093};
  for (size_t i = 0; i < 2; i++) {
    run other;
    produce(j, 1, maxes[i], &other);
    CHECK_INT(other.end, gz.end);
    CHECK_MEM(other.body.data, other.body.len, gz.body.data, gz.body.len);
    run_free(&other);
  }
  gf__buf_free(&back);
  run_free(&plain);
  run_free(&gz);
  gf__sim_job_free(j);
}

static void test_bodies(void) {
  static const char *const prompts[] = {
      "a cat on a mat",
      "a cat [[eol:mixed]][[multiline]][[comments]][[sse-fields]][[bom]]",
      "a cat [[array]][[pretty]]",
      "a cat [[think:5]][[fault:thought-image]][[fault:slow]]",
      "a cat [[fault:drip]]",
      "a cat [[fault:midstream]]",
      "a cat [[fault:error-event]][[at:usage]]",
      "a cat [[fault:eof]][[at:image]]",
      "a cat [[fault:reset]][[at:between]]",
      "a cat [[fault:stall]]",
      "a cat [[fault:truncate]]",
  };
  for (size_t i = 0; i < sizeof prompts / sizeof prompts[0]; i++)
    check_prompt(prompts[i]);
}

/* ---- heads ---- */

typedef struct resp {
  int status, complete;
  char clen[32], ce[32];
  gf__buf body;
} resp;

static int h_header(void *ud, const char *name, size_t nlen, const char *value,
                    size_t vlen) {
  resp *r = ud;
  char *to = nlen == 14 && !strncasecmp(name, "content-length", 14) ? r->clen
             : nlen == 16 && !strncasecmp(name, "content-encoding", 16)
                 ? r->ce
                 : NULL;
  if (to)
    snprintf(to, 32, "%.*s", (int)vlen, value);
  return 0;
}
static int h_done(void *ud, int status) {
  ((resp *)ud)->status = status;
  return 0;
}
static int h_body(void *ud, const char *p, size_t n) {
  return gf__buf_append(&((resp *)ud)->body, p, n);
}
static int h_complete(void *ud) {
  ((resp *)ud)->complete++;
  return 0;
}
static const gf__http_resp_cbs h_cbs = {h_header, h_done, h_body, h_complete};

/* head and body through the response parser (which inflates gzip). */
static int parse(const gf__buf *head, const gf__buf *body, resp *r) {
  memset(r, 0, sizeof *r);
  gf__buf_init(&r->body, 0);
  gf__buf_append(&r->body, "", 0);
  gf__http_resp *h = gf__http_resp_new(&h_cbs, r);
  int rc = gf__http_resp_feed(h, head->data, head->len);
  if (!rc && body)
    rc = gf__http_resp_feed(h, body->data, body->len);
  if (!rc)
    rc = gf__http_resp_eof(h);
  gf__http_resp_free(h);
  return rc;
}

/* body:length: the Content-Length is the gzip body's exact size; with a
 * connection fault, more than is sent (the client sees it cut). */
static void test_length(void) {
  static const char *const prompts[] = {
      "a cat [[body:length]]",
      "a cat [[body:length]][[array]][[eol:mixed]]",
      "a cat [[body:length]][[fault:midstream]][[at:image]]",
      "a cat [[body:length]][[fault:thought-image]][[fault:slow]][[think:5]]",
      "a cat [[body:length]][[fault:eof]][[at:image]]",
      "a cat [[body:length]][[fault:reset]][[at:usage]]",
  };
  gf__sim_cfg c = cfg_with(GF_SIM_GZIP_AUTO);
  for (size_t i = 0; i < sizeof prompts / sizeof prompts[0]; i++) {
    gf__sim_job *j = job(&c, prompts[i], 1);
    CHECK_INT(j->framing.body, GF_SIM_BODY_LENGTH);
    run plain, gz;
    produce(j, 0, GF_SIM_PIECE, &plain);
    produce(j, 1, GF_SIM_PIECE, &gz);
    uint64_t len = 0;
    CHECK_INT(gf__sim_zplan_length(&j->plan, j->imgs, GF_SIM_PIECE, &len), 0);
    int cut = gz.end != GF_SIM_END;
    if (cut)
      CHECK(len > gz.body.len);
    else
      CHECK_INT(len, gz.body.len);
    gf__buf head;
    gf__buf_init(&head, 0);
    CHECK_INT(gf__sim_job_head(j, 1, &head), 0);
    char want[64];
    snprintf(want, sizeof want, "%llu", (unsigned long long)len);
    resp r;
    CHECK_INT(parse(&head, &gz.body, &r), cut ? GF_ETRUNCATED : 0);
    CHECK_STR(r.clen, want);
    CHECK_STR(r.ce, "gzip");
    CHECK_INT(r.complete, !cut);
    /* what was sent inflates to the plain body's bytes */
    CHECK_MEM(r.body.data, r.body.len, plain.body.data, plain.body.len);
    gf__buf_free(&r.body);
    gf__buf_free(&head);
    run_free(&plain);
    run_free(&gz);
    gf__sim_job_free(j);
  }
}

/* Answers that are their head (errors, a redirect, an HTML page): the
 * whole body compressed, its Content-Length the compressed size, read
 * back to the same bytes as without gzip. */
static void test_error_answers(void) {
  static const char *const prompts[] = {
      "x [[fault:429]]", "x [[fault:503]][[retry-delay:300]]",
      "x [[fault:500]]", "x [[fault:3xx]]", "x [[fault:html200]]",
      "x [[fault:1xx]][[fault:504]]"};
  static const int status[] = {429, 503, 500, 307, 200, 504};
  for (size_t i = 0; i < sizeof prompts / sizeof prompts[0]; i++) {
    gf__sim_cfg c = cfg_with(GF_SIM_GZIP_AUTO);
    gf__sim_job *p = job(&c, prompts[i], 0), *z = job(&c, prompts[i], 1);
    gf__buf ph, zh;
    gf__buf_init(&ph, 0);
    gf__buf_init(&zh, 0);
    CHECK_INT(gf__sim_job_head(p, 1, &ph), 0);
    CHECK_INT(gf__sim_job_head(z, 1, &zh), 0);
    resp pr, zr;
    CHECK_INT(parse(&ph, NULL, &pr), 0);
    CHECK_INT(parse(&zh, NULL, &zr), 0);
    CHECK_INT(zr.status, status[i]);
    CHECK_INT(pr.status, status[i]);
    CHECK_STR(zr.ce, "gzip");
    CHECK_STR(pr.ce, "");
    CHECK_INT(zr.complete, 1);
    /* the bodies differ only in the Date header's second at most: compare
     * what the parser gives */
    CHECK_MEM(zr.body.data, zr.body.len, pr.body.data, pr.body.len);
    CHECK(pr.body.len > 0);
    CHECK(strtoul(zr.clen, NULL, 10) != pr.body.len);
    gf__buf_free(&pr.body);
    gf__buf_free(&zr.body);
    gf__buf_free(&ph);
    gf__buf_free(&zh);
    gf__sim_job_free(p);
    gf__sim_job_free(z);
  }
}

/* The request log says whether the answer was compressed. */
static void test_log(void) {
  gf__sim_cfg c = cfg_with(GF_SIM_GZIP_AUTO);
  for (int accepts = 0; accepts < 2; accepts++) {
    gf__sim_job *j = job(&c, "a wren", accepts);
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    CHECK_INT(gf__sim_job_log(j, f, 0), 0);
    fclose(f);
    json_object *o = json_tokener_parse(text);
    json_object *g = NULL;
    CHECK(o && json_object_object_get_ex(o, "gzip", &g));
    CHECK_INT(json_object_get_boolean(g), accepts);
    json_object_put(o);
    free(text);
    gf__sim_job_free(j);
  }
}

static void test_cleanup(void) {
  gf__sim_cache_free(cache);
  cache = NULL;
}

TEST_MAIN(TEST(test_accept), TEST(test_modes), TEST(test_bodies),
          TEST(test_length), TEST(test_error_answers), TEST(test_log),
          TEST(test_cleanup))
