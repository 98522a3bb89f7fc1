/* The SSE framing variants ([[eol:mixed]], [[bom]], [[sse-fields]],
 * [[multiline]], [[nospace]], [[ping]]) and the body delimiting markers
 * ([[body:length]], [[body:close]]), without sockets.
 *
 * The writer (frame.c) is checked byte for byte on small inputs, and its
 * output decoded back with the project's SSE decoder at every split point.
 * Whole responses are planned with a fixed createTime and responseId, so
 * that a response with a variant and the same response without it can be
 * compared: undoing the variant (dropping the added lines, restoring the
 * space, the line ends) gives back the plain body exactly, and decoding
 * both with the SSE decoder gives the same events (the same JSON up to
 * whitespace), the same sequence, and the image's exact bytes. Heads are
 * read back with the http layer's response parser. */
#include <json-c/json.h>
#include <strings.h>
#include <uv.h>

#include "b64/b64.h"
#include "common/buf.h"
#include "common/sha256.h"
#include "gemflow.h"
#include "http/http.h"
#include "sim/frame.h"
#include "sim/image.h"
#include "sim/job.h"
#include "sim/png.h"
#include "sse/sse.h"
#include "test.h"

#define PATH "/v1beta/models/gemini-3-pro-image-preview:streamGenerateContent"
#define FIXED_TIME "2025-11-25T10:37:00.123456Z"
#define JUNK "ping\r\n: ping\r\nx-gateway: 1\r\n"
#define MAX_EV 64

/* ---- the SSE decoder, recording ---- */

typedef struct rec {
  gf__buf log; /* comments "C", other lines "O", retries "R", in order */
  gf__buf cur; /* data of the event being decoded */
  int cur_lines;
  int n; /* events */
  char *data[MAX_EV];
  size_t len[MAX_EV];
  int lines[MAX_EV];
  char type[MAX_EV][16], id[MAX_EV][16];
  int unterminated;
} rec;

static int r_data(void *ud, const char *p, size_t n) {
  rec *r = ud;
  if (r->cur_lines == 0)
    r->cur_lines = 1;
  if (n == 1 && p[0] == '\n')
    r->cur_lines++;
  return gf__buf_append(&r->cur, p, n);
}

static int r_dispatch(void *ud, const char *type, const char *id) {
  rec *r = ud;
  if (r->n < MAX_EV) {
    r->len[r->n] = r->cur.len;
    r->data[r->n] = gf__buf_steal(&r->cur, NULL);
    if (!r->data[r->n])
      r->data[r->n] = strdup("");
    r->lines[r->n] = r->cur_lines;
    snprintf(r->type[r->n], sizeof r->type[0], "%s", type);
    snprintf(r->id[r->n], sizeof r->id[0], "%s", id);
  }
  r->n++;
  gf__buf_reset(&r->cur);
  r->cur_lines = 0;
  return 0;
}

static int r_retry(void *ud, uint64_t ms) {
  return gf__buf_printf(&((rec *)ud)->log, "R%llu\n", (unsigned long long)ms);
}

static int r_comment(void *ud, const char *p, size_t n) {
  return gf__buf_printf(&((rec *)ud)->log, "C%.*s\n", (int)n, p);
}

static int r_other(void *ud, const char *line, size_t n) {
  return gf__buf_printf(&((rec *)ud)->log, "O%.*s\n", (int)n, line);
}

static void rec_free(rec *r) {
  for (int i = 0; i < r->n && i < MAX_EV; i++)
    free(r->data[i]);
  gf__buf_free(&r->log);
  gf__buf_free(&r->cur);
  memset(r, 0, sizeof *r);
}

/* Decodes p[0..n) fed in two parts at split (n: whole). */
static void decode(const char *p, size_t n, size_t split, rec *r) {
  static const gf__sse_cbs cbs = {r_data, r_dispatch, r_retry, r_comment,
                                  r_other};
  memset(r, 0, sizeof *r);
  gf__buf_init(&r->log, 0);
  gf__buf_init(&r->cur, 0);
  gf__sse *s = gf__sse_new(&cbs, r, 0);
  CHECK_INT(gf__sse_feed(s, p, split), 0);
  CHECK_INT(gf__sse_feed(s, p + split, n - split), 0);
  r->unterminated = gf__sse_end(s);
  gf__sse_free(s);
  gf__buf_append(&r->log, "", 0);
}

/* The same record, whatever the split, byte by byte included. */
static void decode_everywhere(const gf__buf *b, rec *want) {
  decode(b->data, b->len, b->len, want);
  for (size_t k = 0; k < b->len; k++) {
    rec r;
    decode(b->data, b->len, k, &r);
    CHECK_INT(r.n, want->n);
    CHECK_STR(r.log.data, want->log.data);
    for (int i = 0; i < r.n && i < want->n && i < MAX_EV; i++) {
      CHECK_MEM(r.data[i], r.len[i], want->data[i], want->len[i]);
      CHECK_STR(r.id[i], want->id[i]);
      CHECK_STR(r.type[i], want->type[i]);
    }
    rec_free(&r);
  }
  rec r;
  memset(&r, 0, sizeof r);
  gf__buf_init(&r.log, 0);
  gf__buf_init(&r.cur, 0);
  static const gf__sse_cbs cbs = {r_data, r_dispatch, r_retry, r_comment,
                                  r_other};
  gf__sse *s = gf__sse_new(&cbs, &r, 0);
  for (size_t k = 0; k < b->len; k++)
    CHECK_INT(gf__sse_feed(s, b->data + k, 1), 0);
  CHECK_INT(gf__sse_end(s), want->unterminated);
  gf__sse_free(s);
  gf__buf_append(&r.log, "", 0);
  CHECK_INT(r.n, want->n);
  CHECK_STR(r.log.data, want->log.data);
  rec_free(&r);
}

/* ---- the writer ---- */

static gf__sim_framing framing(const char *eol) {
  gf__sim_framing f;
  memset(&f, 0, sizeof f);
  f.eol = eol;
  f.chunk = 16384;
  f.thoughts = 3;
  return f;
}

static void event(gf__sim_fw *w, gf__buf *out, const char *json) {
  CHECK_INT(gf__sim_fw_event(w, out, json, strlen(json)), 0);
}

/* Without variants, the same bytes as the SSE layer's writer. */
static void test_writer_plain(void) {
  static const char *const jsons[] = {"{\"a\":1}", "", "{\n  \"a\": 1\n}",
                                      "a\n\nb", "[1, 2]"};
  static const char *const eols[] = {"\r\n", "\n", "\r"};
  for (size_t e = 0; e < 3; e++) {
    gf__sim_framing f = framing(eols[e]);
    gf__sim_fw w;
    gf__sim_fw_init(&w, &f);
    for (size_t i = 0; i < sizeof jsons / sizeof jsons[0]; i++) {
      gf__buf got, want;
      gf__buf_init(&got, 0);
      gf__buf_init(&want, 0);
      event(&w, &got, jsons[i]);
      CHECK_INT(gf__sse_write_event(&want, jsons[i], strlen(jsons[i]), eols[e]),
                0);
      CHECK_MEM(got.data, got.len, want.data, want.len);
      gf__buf_free(&got);
      gf__buf_free(&want);
    }
    CHECK_INT(w.events, 5);
  }
  /* comments: before the event and between its data lines */
  gf__sim_framing f = framing("\r\n");
  f.comments = 1;
  gf__sim_fw w;
  gf__sim_fw_init(&w, &f);
  gf__buf b;
  gf__buf_init(&b, 0);
  event(&w, &b, "{\n  \"a\": 1\n}");
  CHECK_STR(b.data, ": keep-alive\r\ndata: {\r\n: keep-alive\r\ndata:   \"a\": "
                    "1\r\n: keep-alive\r\ndata: }\r\n\r\n");
  /* a CR cannot be framed */
  gf__buf_reset(&b);
  CHECK_INT(gf__sim_fw_event(&w, &b, "a\rb", 3), GF_EINVAL);
  CHECK_INT(b.len, 0);
  gf__buf_free(&b);
}

/* [[multiline]]: a line after each '{', ',' and ':' outside strings (an
 * escaped quote or a final backslash does not end a string), none before
 * a line end of the JSON itself or at its end. */
static void test_writer_multiline(void) {
  gf__sim_framing f = framing("\n");
  f.multiline = 1;
  gf__sim_fw w;
  gf__sim_fw_init(&w, &f);
  gf__buf b;
  gf__buf_init(&b, 0);
  const char *j1 =
      "{\"k\":\"a,b:{c}\",\"n\":[1,{\"x\":2}],\"s\":\"q\\\"u,o:{\","
      "\"p\":\"a\\\\\",\"q\":1}";
  event(&w, &b, j1);
  CHECK_STR(b.data, "data: {\n"
                    "data: \"k\":\n"
                    "data: \"a,b:{c}\",\n"
                    "data: \"n\":\n"
                    "data: [1,\n"
                    "data: {\n"
                    "data: \"x\":\n"
                    "data: 2}],\n"
                    "data: \"s\":\n"
                    "data: \"q\\\"u,o:{\",\n"
                    "data: \"p\":\n"
                    "data: \"a\\\\\",\n"
                    "data: \"q\":\n"
                    "data: 1}\n"
                    "\n");
  rec r;
  decode_everywhere(&b, &r);
  CHECK_INT(r.n, 1);
  CHECK_INT(r.lines[0], 14);
  /* joined with LF: the same JSON */
  json_object *a = json_tokener_parse(r.data[0]), *c = json_tokener_parse(j1);
  CHECK(a && c && json_object_equal(a, c));
  json_object_put(a);
  json_object_put(c);
  rec_free(&r);
  /* pretty JSON: its own line ends, plus the structural points */
  gf__buf_reset(&b);
  event(&w, &b, "{\n  \"a\": [1, 2],\n  \"b\": {}\n}");
  CHECK_STR(b.data, "data: {\ndata:   \"a\":\ndata:  [1,\ndata:  2],\n"
                    "data:   \"b\":\ndata:  {\ndata: }\ndata: }\n\n");
  /* nothing structural: one line */
  gf__buf_reset(&b);
  event(&w, &b, "\"x,y:{z\"");
  CHECK_STR(b.data, "data: \"x,y:{z\"\n\n");
  gf__buf_reset(&b);
  event(&w, &b, "{");
  CHECK_STR(b.data, "data: {\n\n");
  gf__buf_free(&b);
}

/* [[sse-fields]]: event k puts "event" at k % 3 (before, between, after the
 * data lines), "id: k+1" one further, and the first event "retry" at the
 * third place; between falls back to after with one data line. */
static void test_writer_fields(void) {
  for (int nospace = 0; nospace < 2; nospace++) {
    gf__sim_framing f = framing("\n");
    f.sse_fields = 1;
    f.nospace = nospace;
    gf__sim_fw w;
    gf__sim_fw_init(&w, &f);
    gf__buf b;
    gf__buf_init(&b, 0);
    event(&w, &b, "{\"a\":1}");
    event(&w, &b, "[1,\n2]");
    event(&w, &b, "3");
    event(&w, &b, "a\nb");
    event(&w, &b, "");
    const char *want =
        nospace ? "event:message\ndata:{\"a\":1}\nid:1\nretry:3000\n\n"
                  "data:[1,\nevent:message\ndata:2]\nid:2\n\n"
                  "id:3\ndata:3\nevent:message\n\n"
                  "event:message\ndata:a\nid:4\ndata:b\n\n"
                  "data:\nevent:message\nid:5\n\n"
                : "event: message\ndata: {\"a\":1}\nid: 1\nretry: 3000\n\n"
                  "data: [1,\nevent: message\ndata: 2]\nid: 2\n\n"
                  "id: 3\ndata: 3\nevent: message\n\n"
                  "event: message\ndata: a\nid: 4\ndata: b\n\n"
                  "data:\nevent: message\nid: 5\n\n";
    CHECK_STR(b.data, want);
    rec r;
    decode_everywhere(&b, &r);
    CHECK_INT(r.n, 5);
    CHECK_STR(r.log.data, "R3000\n");
    static const char *const data[] = {"{\"a\":1}", "[1,\n2]", "3", "a\nb", ""};
    for (int i = 0; i < 5 && i < r.n; i++) {
      char id[8];
      snprintf(id, sizeof id, "%d", i + 1);
      CHECK_STR(r.type[i], "message");
      CHECK_STR(r.id[i], id);
      CHECK_STR(r.data[i], data[i]);
    }
    rec_free(&r);
    gf__buf_free(&b);
  }
}

/* [[nospace]], [[bom]], [[ping]]: "data:" alone; the BOM once, first; the
 * junk between two items (events or raw blocks), never before the first;
 * none of it in array mode. */
static void test_writer_nospace_bom_ping(void) {
  gf__sim_framing f = framing("\r\n");
  f.nospace = f.bom = f.ping = 1;
  gf__sim_fw w;
  gf__sim_fw_init(&w, &f);
  gf__buf b;
  gf__buf_init(&b, 0);
  event(&w, &b, "{\"a\":1}");
  event(&w, &b, "x\ny");
  CHECK_INT(gf__sim_fw_begin(&w, &b), 0); /* raw lines would follow */
  CHECK_STR(b.data, GF_SIM_BOM "data:{\"a\":1}\r\n\r\n" JUNK
                               "data:x\r\ndata:y\r\n\r\n" JUNK);
  gf__buf_reset(&b);
  rec r;
  event(&w, &b, "z");
  decode_everywhere(&b, &r); /* junk, then an event */
  CHECK_INT(r.n, 1);
  CHECK_STR(r.log.data, "Oping\nC ping\nOx-gateway: 1\n");
  rec_free(&r);
  /* the first item is a raw block: the BOM before it, no junk */
  gf__sim_fw_init(&w, &f);
  gf__buf_reset(&b);
  CHECK_INT(gf__sim_fw_begin(&w, &b), 0);
  CHECK_STR(b.data, GF_SIM_BOM);
  /* arrays have none of it */
  f.array = 1;
  gf__sim_fw_init(&w, &f);
  gf__buf_reset(&b);
  CHECK_INT(gf__sim_fw_begin(&w, &b), 0);
  CHECK_INT(gf__sim_fw_begin(&w, &b), 0);
  CHECK_INT(b.len, 0);
  gf__buf_free(&b);
}

/* [[eol:mixed]]: CRLF, LF, CR, line after line, across events; decoded as
 * written whatever the split (a CR is never followed by an LF line end). */
static void test_writer_mixed(void) {
  gf__sim_framing f = framing(gf__sim_eol_mixed);
  f.comments = 1;
  gf__sim_fw w;
  gf__sim_fw_init(&w, &f);
  gf__buf b;
  gf__buf_init(&b, 0);
  event(&w, &b, "{\"a\":1}");
  event(&w, &b, "x\ny");
  event(&w, &b, "");
  CHECK_STR(b.data, ": keep-alive\r\ndata: {\"a\":1}\n\r"
                    ": keep-alive\r\ndata: x\n: keep-alive\rdata: y\r\n\n"
                    ": keep-alive\rdata:\r\n\n");
  CHECK_INT(w.eols, 11);
  rec r;
  decode_everywhere(&b, &r);
  CHECK_INT(r.n, 3);
  CHECK_STR(r.data[0], "{\"a\":1}");
  CHECK_STR(r.data[1], "x\ny");
  CHECK_STR(r.data[2], "");
  CHECK_STR(r.log.data, "C keep-alive\nC keep-alive\nC keep-alive\n"
                        "C keep-alive\n");
  rec_free(&r);
  gf__buf_free(&b);
  gf__sim_framing g = framing(gf__sim_eol_mixed);
  gf__sim_fw_init(&w, &g);
  for (int i = 0; i < 7; i++)
    CHECK_STR(gf__sim_fw_eol(&w), i % 3 == 0   ? "\r\n"
                                  : i % 3 == 1 ? "\n"
                                               : "\r");
  g.eol = "\n";
  CHECK_STR(gf__sim_fw_eol(&w), "\n");
}

/* ---- whole responses ---- */

static gf__sim_cache *cache;

static gf__sim_cfg cfg_default(void) {
  gf__sim_cfg c;
  memset(&c, 0, sizeof c);
  c.framing = framing("\r\n");
  c.seed = 5;
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

/* A job whose plan has a fixed createTime and responseId: two jobs for the
 * same prompt give the same bytes. */
static gf__sim_job *fixed_job(const gf__sim_cfg *cfg, const char *prompt,
                              int sse) {
  json_object *root = request_json(prompt);
  gf__sim_rx rx = {"POST", sse ? PATH "?alt=sse&key=k" : PATH "?key=k", NULL,
                   root, 0, 0};
  gf__sim_job *j = gf__sim_job_new(cfg, &rx);
  json_object_put(root);
  CHECK(j != NULL);
  CHECK_INT(j->status, 200);
  snprintf(j->create_time, sizeof j->create_time, "%s", FIXED_TIME);
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

static int produce(gf__sim_job *j, size_t max, gf__buf *out) {
  gf__buf_init(out, 0);
  gf__sim_prod_init(&j->prod, &j->plan);
  for (int k = 0; k < GF_SIM_SLOTS; k++)
    j->prod.imgs[k] = j->imgs[k];
  for (long guard = 0; guard < 50000000; guard++) {
    unsigned ms = 0;
    int slot = -1;
    int r = gf__sim_prod_next(&j->prod, out, max, &ms, &slot);
    if (r == GF_SIM_MORE || r == GF_SIM_PAUSE)
      continue;
    CHECK(r != GF_SIM_WAIT);
    return r;
  }
  CHECK(!"the producer does not end");
  return -1;
}

/* The body, the same at three piece sizes. */
static int body_of(gf__sim_job *j, gf__buf *out) {
  int end = produce(j, 16384, out);
  static const size_t maxes[] = {7, 4093};
  for (size_t i = 0; i < 2; i++) {
    gf__buf b;
    CHECK_INT(produce(j, maxes[i], &b), end);
    CHECK_MEM(b.data, b.len, out->data, out->len);
    gf__buf_free(&b);
  }
  return end;
}

/* JSON without the whitespace outside strings: the variants may only
 * change that. */
static void squeeze(const char *p, size_t n, gf__buf *out) {
  int in_str = 0, esc = 0;
  gf__buf_reset(out);
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (in_str) {
      if (esc)
        esc = 0;
      else if (c == '\\')
        esc = 1;
      else if (c == '"')
        in_str = 0;
    } else if (c == ' ' || c == '\n') {
      continue;
    } else {
      in_str = c == '"';
    }
    gf__buf_appendc(out, c);
  }
  gf__buf_append(out, "", 0);
}

static json_object *get(json_object *o, const char *k) {
  json_object *v = NULL;
  return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static void add_seq(char *seq, size_t n, const char *s) {
  if (seq[0])
    strncat(seq, " ", n - strlen(seq) - 1);
  strncat(seq, s, n - strlen(seq) - 1);
}

/* The letters of test_plan.c (T, i, I, X, J, E, B, F:reason), and the sha256
 * of the last image's bytes. */
static void classify(const rec *r, char *seq, size_t n, unsigned char sha[32]) {
  seq[0] = '\0';
  for (int e = 0; e < r->n && e < MAX_EV; e++) {
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, r->data[e], (int)r->len[e]);
    int ok = o && json_tokener_get_parse_end(tok) == r->len[e];
    json_tokener_free(tok);
    if (!ok) {
      add_seq(seq, n, "J");
      json_object_put(o);
      continue;
    }
    if (get(o, "error"))
      add_seq(seq, n, "E");
    if (get(o, "promptFeedback"))
      add_seq(seq, n, "B");
    json_object *cands = get(o, "candidates");
    json_object *c = cands ? json_object_array_get_idx(cands, 0) : NULL;
    json_object *parts = get(get(c, "content"), "parts");
    for (size_t k = 0; parts && k < json_object_array_length(parts); k++) {
      json_object *p = json_object_array_get_idx(parts, k), *inl;
      int thought = json_object_get_boolean(get(p, "thought"));
      if ((inl = get(p, "inlineData"))) {
        add_seq(seq, n, thought ? "i" : "I");
        json_object *d = get(inl, "data");
        size_t len = (size_t)json_object_get_string_len(d), got = 0, tail = 0;
        unsigned char *png = malloc(GF_B64_DEC_MAX(len) + 3);
        gf__b64dec dec;
        gf__b64_init(&dec);
        CHECK_INT(
            gf__b64_decode(&dec, json_object_get_string(d), len, png, &got), 0);
        CHECK_INT(gf__b64_finish(&dec, png + got, &tail), 0);
        gf__sha256 s;
        gf__sha256_init(&s);
        gf__sha256_update(&s, png, got + tail);
        gf__sha256_final(&s, sha);
        free(png);
      } else if (get(p, "text")) {
        add_seq(seq, n, thought ? "T" : "X");
      }
    }
    json_object *fr = get(c, "finishReason");
    if (fr) {
      char s[64];
      snprintf(s, sizeof s, "F:%s", json_object_get_string(fr));
      add_seq(seq, n, s);
    }
    json_object_put(o);
  }
}

/* A response with variant markers and the same one without. */
typedef struct pair {
  gf__sim_job *v, *p;
  gf__buf vb, pb;
  int vend, pend;
  rec vr, pr;
  char seq[256];
} pair;

static void pair_run(pair *x, const char *plain, const char *markers) {
  gf__sim_cfg c = cfg_default();
  char prompt[512];
  snprintf(prompt, sizeof prompt, "%s%s", plain, markers);
  x->p = fixed_job(&c, plain, 1);
  x->v = fixed_job(&c, prompt, 1);
  CHECK_STR(x->v->stripped.data, x->p->stripped.data);
  x->pend = body_of(x->p, &x->pb);
  x->vend = body_of(x->v, &x->vb);
  CHECK_INT(x->vend, x->pend);
  decode(x->pb.data, x->pb.len, x->pb.len, &x->pr);
  decode(x->vb.data, x->vb.len, x->vb.len, &x->vr);
  CHECK_INT(x->vr.n, x->pr.n);
  CHECK_INT(x->vr.unterminated, x->pr.unterminated);
  gf__buf a, b;
  gf__buf_init(&a, 0);
  gf__buf_init(&b, 0);
  for (int i = 0; i < x->vr.n && i < x->pr.n && i < MAX_EV; i++) {
    squeeze(x->vr.data[i], x->vr.len[i], &a);
    squeeze(x->pr.data[i], x->pr.len[i], &b);
    CHECK_MEM(a.data, a.len, b.data, b.len);
  }
  gf__buf_free(&a);
  gf__buf_free(&b);
  unsigned char vs[32] = {0}, ps[32] = {0};
  char pseq[256];
  classify(&x->vr, x->seq, sizeof x->seq, vs);
  classify(&x->pr, pseq, sizeof pseq, ps);
  CHECK_STR(x->seq, pseq);
  CHECK_MEM(vs, 32, ps, 32);
  /* the final image is the PNG the cache made */
  if (x->v->plan.serves_result && x->vend == GF_SIM_END)
    CHECK_MEM(vs, 32, x->v->imgs[0]->sha, 32);
}

static void pair_free(pair *x) {
  gf__sim_job_free(x->v);
  gf__sim_job_free(x->p);
  gf__buf_free(&x->vb);
  gf__buf_free(&x->pb);
  rec_free(&x->vr);
  rec_free(&x->pr);
}

static size_t count(const gf__buf *b, const char *s) {
  size_t n = 0, sl = strlen(s);
  for (const char *p = b->data, *end = b->data + b->len;
       (p = memmem(p, (size_t)(end - p), s, sl)); p += sl)
    n++;
  return n;
}

/* Lines of a CRLF body: those for which keep() is 0 are dropped, the others
 * pass through fix() (which may rewrite them). */
typedef int (*line_fn)(const char *p, size_t n, gf__buf *out);

static void per_line(const gf__buf *in, line_fn fn, gf__buf *out) {
  gf__buf_init(out, 0);
  const char *p = in->data, *end = in->data + in->len;
  while (p < end) {
    const char *e = memmem(p, (size_t)(end - p), "\r\n", 2);
    size_t n = (size_t)((e ? e : end) - p);
    if (fn(p, n, out) && e)
      gf__buf_append(out, "\r\n", 2);
    p += n + (e ? 2 : 0);
  }
  gf__buf_append(out, "", 0);
}

static int is_line(const char *p, size_t n, const char *s) {
  return n == strlen(s) && memcmp(p, s, n) == 0;
}

/* The lines of [[sse-fields]], with or without the space. */
static int drop_fields(const char *p, size_t n, gf__buf *out) {
  size_t sp = n > 3 && p[3] == ' ';
  int id = n > 3 + sp && memcmp(p, "id:", 3) == 0 &&
           strspn(p + 3 + sp, "0123456789") >= n - 3 - sp;
  if (is_line(p, n, "event: message") || is_line(p, n, "retry: 3000") ||
      is_line(p, n, "event:message") || is_line(p, n, "retry:3000") || id)
    return 0;
  gf__buf_append(out, p, n);
  return 1;
}

static int drop_junk(const char *p, size_t n, gf__buf *out) {
  if (is_line(p, n, "ping") || is_line(p, n, ": ping") ||
      is_line(p, n, "x-gateway: 1"))
    return 0;
  gf__buf_append(out, p, n);
  return 1;
}

static int drop_comments(const char *p, size_t n, gf__buf *out) {
  if (is_line(p, n, GF_SIM_KEEPALIVE))
    return 0;
  gf__buf_append(out, p, n);
  return 1;
}

/* The inverse of [[nospace]]: "data:x" -> "data: x". */
static int add_space(const char *p, size_t n, gf__buf *out) {
  if (n > 5 && memcmp(p, "data:", 5) == 0) {
    gf__buf_append(out, "data: ", 6);
    gf__buf_append(out, p + 5, n - 5);
  } else {
    gf__buf_append(out, p, n);
  }
  return 1;
}

/* Every data line of an event joined to the one before it. */
static void join_data(const gf__buf *in, gf__buf *out) {
  gf__buf_init(out, 0);
  const char *p = in->data, *end = in->data + in->len, *at;
  while ((at = memmem(p, (size_t)(end - p), "\r\ndata: ", 8))) {
    gf__buf_append(out, p, (size_t)(at - p));
    p = at + 8;
  }
  gf__buf_append(out, p, (size_t)(end - p));
}

/* Line ends made CRLF; 1 when they followed the cycle CRLF, LF, CR. */
static int unmix(const gf__buf *in, gf__buf *out, unsigned long *eols) {
  static const char *const cycle[3] = {"\r\n", "\n", "\r"};
  int ok = 1;
  *eols = 0;
  gf__buf_init(out, 0);
  for (size_t i = 0; i < in->len; i++) {
    const char *eol = NULL;
    if (in->data[i] == '\r')
      eol = i + 1 < in->len && in->data[i + 1] == '\n' ? "\r\n" : "\r";
    else if (in->data[i] == '\n')
      eol = "\n";
    if (!eol) {
      gf__buf_appendc(out, in->data[i]);
      continue;
    }
    ok &= strcmp(eol, cycle[(*eols)++ % 3]) == 0;
    i += strlen(eol) - 1;
    gf__buf_append(out, "\r\n", 2);
  }
  gf__buf_append(out, "", 0);
  return ok;
}

/* Prompts that cover every kind of event and step: thoughts (one of them
 * multi-line), interim images, text, invalid JSON, the final image, the
 * finish; a raw error; a block; a cut image. */
static const struct {
  const char *prompt, *seq;
  int undecoded; /* items the decoder does not dispatch: raw, cut */
} streams[] = {
    {"a cat on a mat ", "T T T I F:STOP", 0},
    {"x [[fault:thought-image]][[fault:text]][[fault:badjson]]"
     "[[fault:mime-after]][[thoughts:2]] ",
     "T i T i J X I F:STOP", 0},
    {"x [[fault:midstream]] ", "T T T", 1},
    {"x [[fault:error-event]][[thoughts:1]] ", "T E", 0},
    {"x [[fault:block]] ", "B", 0},
    {"x [[fault:eof]][[thoughts:1]] ", "T", 1},
};
#define N_STREAMS (sizeof streams / sizeof streams[0])

static void test_bom(void) {
  for (size_t i = 0; i < N_STREAMS; i++) {
    pair x;
    pair_run(&x, streams[i].prompt, "[[bom]]");
    CHECK_STR(x.seq, streams[i].seq);
    CHECK_INT(x.vb.len, x.pb.len + 3);
    CHECK(memcmp(x.vb.data, GF_SIM_BOM, 3) == 0);
    CHECK_MEM(x.vb.data + 3, x.vb.len - 3, x.pb.data, x.pb.len);
    pair_free(&x);
  }
}

static void test_nospace(void) {
  for (size_t i = 0; i < N_STREAMS; i++) {
    pair x;
    pair_run(&x, streams[i].prompt, "[[nospace]]");
    CHECK_STR(x.seq, streams[i].seq);
    /* (a pretty-printed line's own indent may follow the colon) */
    CHECK_INT(count(&x.vb, "data: {"), 0);
    CHECK_INT(count(&x.vb, "data:{"), count(&x.pb, "data: {"));
    CHECK(count(&x.vb, "data:{") > 0);
    CHECK_INT(count(&x.vb, "data:"), count(&x.pb, "data:"));
    gf__buf back;
    per_line(&x.vb, add_space, &back);
    CHECK_MEM(back.data, back.len, x.pb.data, x.pb.len);
    gf__buf_free(&back);
    pair_free(&x);
  }
}

static void test_ping(void) {
  for (size_t i = 0; i < N_STREAMS; i++) {
    pair x;
    pair_run(&x, streams[i].prompt, "[[ping]]");
    CHECK_STR(x.seq, streams[i].seq);
    gf__buf back;
    per_line(&x.vb, drop_junk, &back);
    CHECK_MEM(back.data, back.len, x.pb.data, x.pb.len);
    gf__buf_free(&back);
    /* between items only, each time right after an event's blank line:
     * the events, and the raw error's block */
    size_t items = (size_t)(x.pr.n + streams[i].undecoded);
    CHECK_INT(count(&x.vb, JUNK), items - 1);
    CHECK_INT(count(&x.vb, "\r\n\r\n" JUNK), items - 1);
    CHECK(strncmp(x.vb.data, "data: ", 6) == 0);
    /* what the decoder makes of it: two unknown lines and a comment */
    gf__buf want;
    gf__buf_init(&want, 0);
    for (size_t k = 1; k < items; k++)
      gf__buf_append(&want, "Oping\nC ping\nOx-gateway: 1\n", 27);
    gf__buf_append(&want, "", 0);
    if (i != 2) /* the raw error's lines are other lines too */
      CHECK_STR(x.vr.log.data, want.data);
    gf__buf_free(&want);
    pair_free(&x);
  }
}

static void test_sse_fields(void) {
  for (size_t i = 0; i < N_STREAMS; i++) {
    pair x;
    pair_run(&x, streams[i].prompt, "[[sse-fields]]");
    CHECK_STR(x.seq, streams[i].seq);
    gf__buf back;
    per_line(&x.vb, drop_fields, &back);
    CHECK_MEM(back.data, back.len, x.pb.data, x.pb.len);
    gf__buf_free(&back);
    for (int e = 0; e < x.vr.n && e < MAX_EV; e++) {
      char id[8];
      snprintf(id, sizeof id, "%d", e + 1);
      CHECK_STR(x.vr.type[e], "message");
      CHECK_STR(x.vr.id[e], id);
      CHECK_STR(x.pr.id[e], "");
    }
    CHECK(strncmp(x.vr.log.data, "R3000\n", 6) == 0);
    CHECK_INT(count(&x.vb, "retry: 3000\r\n"), 1);
    CHECK_INT(count(&x.vb, "event: message\r\n"), (size_t)x.vr.n);
    pair_free(&x);
  }
  /* the first event of the default stream: event, data, id, retry */
  pair x;
  pair_run(&x, streams[0].prompt, "[[sse-fields]]");
  CHECK(strncmp(x.vb.data, "event: message\r\ndata: {", 23) == 0);
  const char *first_end = strstr(x.vb.data, "\r\n\r\n");
  CHECK(first_end &&
        memcmp(first_end - 21, "}\r\nid: 1\r\nretry: 3000", 21) == 0);
  pair_free(&x);
}

/* The line of the image's data: the quote, the whole base64, the quote and
 * what follows up to the next structural point. */
static void check_image_line(const gf__buf *body, const gf__sim_img *img,
                             const char *after) {
  const char *at = memmem(body->data, body->len, img->b64, img->b64_len);
  CHECK(at != NULL);
  if (!at)
    return;
  CHECK(at - body->data > 10 && memcmp(at - 9, "\r\ndata: \"", 9) == 0);
  const char *end = at + img->b64_len;
  size_t al = strlen(after);
  CHECK((size_t)(body->data + body->len - end) > al + 2 &&
        memcmp(end, after, al) == 0 && memcmp(end + al, "\r\n", 2) == 0);
}

static void test_multiline(void) {
  for (size_t i = 0; i < N_STREAMS; i++) {
    pair x;
    pair_run(&x, streams[i].prompt, "[[multiline]]");
    CHECK_STR(x.seq, streams[i].seq);
    gf__buf a, b;
    join_data(&x.vb, &a);
    join_data(&x.pb, &b);
    CHECK_MEM(a.data, a.len, b.data, b.len);
    gf__buf_free(&a);
    gf__buf_free(&b);
    for (int e = 0; e < x.vr.n && e < MAX_EV; e++)
      CHECK(x.vr.lines[e] > x.pr.lines[e] + 3);
    pair_free(&x);
  }
  pair x;
  pair_run(&x, "a cat on a mat ", "[[multiline]]");
  check_image_line(&x.vb, x.v->imgs[0], "\"},");
  pair_free(&x);
  pair_run(&x, "a cat on a mat [[fault:mime-after]]", "[[multiline]]");
  check_image_line(&x.vb, x.v->imgs[0], "\",");
  pair_free(&x);
}

static void test_eol_mixed(void) {
  for (size_t i = 0; i < N_STREAMS; i++) {
    pair x;
    pair_run(&x, streams[i].prompt, "[[eol:mixed]]");
    CHECK_STR(x.seq, streams[i].seq);
    gf__buf back;
    unsigned long eols = 0;
    CHECK(unmix(&x.vb, &back, &eols));
    CHECK_MEM(back.data, back.len, x.pb.data, x.pb.len);
    CHECK_INT(eols, count(&x.pb, "\r\n"));
    CHECK(eols >= 2);
    gf__buf_free(&back);
    pair_free(&x);
  }
}

/* Every SSE variant at once, with comments, thought images, text and a
 * broken event: undone in turn, they give back the plain body; decoded,
 * the same events with their fields and the junk between them. */
static void test_all_variants(void) {
  const char *base = "x [[fault:thought-image]][[fault:text]][[fault:badjson]]"
                     "[[thoughts:2]][[comments]] ";
  pair x;
  pair_run(
      &x, base,
      "[[eol:mixed]][[bom]][[sse-fields]][[multiline]][[nospace]][[ping]]");
  CHECK_STR(x.seq, "T i T i J X I F:STOP");
  CHECK(memcmp(x.vb.data, GF_SIM_BOM ": keep-alive\r\nevent:message\ndata:{\r",
               3 + 14 + 14 + 7) == 0);
  gf__buf crlf, a, b, c;
  unsigned long eols;
  gf__buf nobom = x.vb; /* a view past the BOM */
  nobom.data += 3;
  nobom.len -= 3;
  CHECK(unmix(&nobom, &crlf, &eols));
  per_line(&crlf, drop_junk, &a);
  CHECK_INT(count(&crlf, JUNK), (size_t)x.vr.n - 1);
  gf__buf_free(&crlf);
  CHECK_INT(count(&a, "retry:3000\r\n"), 1);
  CHECK_INT(count(&a, "event:message\r\n"), (size_t)x.vr.n);
  for (int e = 0; e < x.vr.n && e < MAX_EV; e++) {
    char id[8];
    snprintf(id, sizeof id, "%d", e + 1);
    CHECK_STR(x.vr.id[e], id);
    CHECK(x.vr.lines[e] > x.pr.lines[e] + 3);
  }
  /* without the BOM, the junk, the fields, the space back, without the
   * comments, the data lines joined: the plain body the same way */
  per_line(&a, drop_fields, &b);
  gf__buf_free(&a);
  per_line(&b, add_space, &c);
  gf__buf_free(&b);
  per_line(&c, drop_comments, &a);
  gf__buf_free(&c);
  join_data(&a, &b);
  gf__buf_free(&a);
  per_line(&x.pb, drop_comments, &a);
  join_data(&a, &c);
  CHECK_MEM(b.data, b.len, c.data, c.len);
  gf__buf_free(&a);
  gf__buf_free(&b);
  gf__buf_free(&c);
  pair_free(&x);
}

/* One small response whole, byte for byte: a prompt block with every SSE
 * variant, comments and mixed line ends. */
static void test_exact_block(void) {
  gf__sim_cfg c = cfg_default();
  gf__sim_job *j = fixed_job(&c,
                             "x [[fault:block]][[eol:mixed]][[bom]][[comments]]"
                             "[[sse-fields]][[multiline]][[nospace]][[ping]]",
                             1);
  gf__buf body;
  CHECK_INT(body_of(j, &body), GF_SIM_END);
  static const char *const lines[] = {
      ": keep-alive", "event:message",
      "data:{",       "id:1",
      ": keep-alive", "data:\"promptFeedback\":",
      ": keep-alive", "data:{",
      ": keep-alive", "data:\"blockReason\":",
      ": keep-alive", "data:\"SAFETY\"},",
      ": keep-alive", "data:\"usageMetadata\":",
      ": keep-alive", "data:{",
      ": keep-alive", "data:\"promptTokenCount\":",
      ": keep-alive", "data:1,",
      ": keep-alive", "data:\"totalTokenCount\":",
      ": keep-alive", "data:1,",
      ": keep-alive", "data:\"trafficType\":",
      ": keep-alive", "data:\"ON_DEMAND\",",
      ": keep-alive", "data:\"promptTokensDetails\":",
      ": keep-alive", "data:[{",
      ": keep-alive", "data:\"modality\":",
      ": keep-alive", "data:\"TEXT\",",
      ": keep-alive", "data:\"tokenCount\":",
      ": keep-alive", "data:1}]},",
      ": keep-alive", "data:\"modelVersion\":",
      ": keep-alive", "data:\"gemini-3-pro-image-preview\",",
      ": keep-alive", "data:\"createTime\":",
      ": keep-alive", "data:\"" FIXED_TIME "\",",
      ": keep-alive", "data:\"responseId\":",
      ": keep-alive", "data:\"RID\"}",
      "retry:3000",   ""};
  static const char *const cycle[3] = {"\r\n", "\n", "\r"};
  gf__buf want;
  gf__buf_init(&want, 0);
  gf__buf_append(&want, GF_SIM_BOM, 3);
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
    gf__buf_printf(&want, "%s%s", lines[i], cycle[i % 3]);
  CHECK_MEM(body.data, body.len, want.data, want.len);
  rec r;
  decode_everywhere(&body, &r);
  CHECK_INT(r.n, 1);
  CHECK_STR(r.id[0], "1");
  CHECK_INT(r.lines[0], 25);
  json_object *o = json_tokener_parse(r.data[0]);
  CHECK_STR(
      json_object_get_string(get(get(o, "promptFeedback"), "blockReason")),
      "SAFETY");
  json_object_put(o);
  rec_free(&r);
  gf__buf_free(&want);
  gf__buf_free(&body);
  gf__sim_job_free(j);
}

/* Arrays: the SSE variants change nothing; mixed line ends cycle in the
 * separators; the JSON is the same. */
static void test_array(void) {
  gf__sim_cfg c = cfg_default();
  gf__sim_job *p = fixed_job(&c, "a cat on a mat ", 0);
  gf__sim_job *v = fixed_job(
      &c,
      "a cat on a mat [[bom]][[sse-fields]][[multiline]][[nospace]][[ping]]",
      0);
  gf__buf pb, vb, back;
  CHECK_INT(body_of(p, &pb), GF_SIM_END);
  CHECK_INT(body_of(v, &vb), GF_SIM_END);
  CHECK_MEM(vb.data, vb.len, pb.data, pb.len);
  gf__buf_free(&pb);
  gf__buf_free(&vb);
  gf__sim_job_free(p);
  gf__sim_job_free(v);
  /* one thought, not pretty-printed (whose own LFs are in the element):
   * the three separators take CRLF, LF, CR */
  p = fixed_job(&c, "a cat on a mat [[thoughts:1]][[fault:text]]", 0);
  v = fixed_job(&c, "a cat on a mat [[thoughts:1]][[fault:text]][[eol:mixed]]",
                0);
  CHECK_INT(body_of(p, &pb), GF_SIM_END);
  CHECK_INT(body_of(v, &vb), GF_SIM_END);
  CHECK(memmem(vb.data, vb.len, "}\r\n,{", 5) &&
        memmem(vb.data, vb.len, "}\n,{", 4) &&
        memmem(vb.data, vb.len, "}\r,{", 4));
  unsigned long eols;
  CHECK(unmix(&vb, &back, &eols));
  CHECK_INT(eols, 3);
  CHECK_MEM(back.data, back.len, pb.data, pb.len);
  json_object *a = json_tokener_parse(vb.data);
  CHECK_INT(json_object_array_length(a), 4);
  json_object_put(a);
  gf__buf_free(&back);
  gf__buf_free(&pb);
  gf__buf_free(&vb);
  gf__sim_job_free(p);
  gf__sim_job_free(v);
}

/* ---- body:length and body:close ---- */

typedef struct resp {
  int status, complete;
  char clen[32], te[32], conn[32];
  uint64_t body;
} resp;

static int h_header(void *ud, const char *name, size_t nlen, const char *value,
                    size_t vlen) {
  resp *r = ud;
  char *to = nlen == 14 && !strncasecmp(name, "content-length", 14) ? r->clen
             : nlen == 17 && !strncasecmp(name, "transfer-encoding", 17) ? r->te
             : nlen == 10 && !strncasecmp(name, "connection", 10) ? r->conn
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
  (void)p;
  ((resp *)ud)->body += n;
  return 0;
}
static int h_complete(void *ud) {
  ((resp *)ud)->complete++;
  return 0;
}
static const gf__http_resp_cbs h_cbs = {h_header, h_done, h_body, h_complete};

/* Head and body through the response parser, the body split at split. The
 * parser is returned for the caller's EOF. */
static gf__http_resp *parse(const gf__buf *head, const gf__buf *body,
                            size_t split, resp *r) {
  memset(r, 0, sizeof *r);
  gf__http_resp *h = gf__http_resp_new(&h_cbs, r);
  CHECK_INT(gf__http_resp_feed(h, head->data, head->len), 0);
  CHECK_INT(gf__http_resp_feed(h, body->data, split), 0);
  CHECK_INT(gf__http_resp_feed(h, body->data + split, body->len - split), 0);
  return h;
}

static void head_of(const gf__sim_job *j, int keep_alive, gf__buf *h) {
  gf__buf_init(h, 0);
  CHECK_INT(gf__sim_job_head(j, keep_alive, h), 0);
  gf__buf_append(h, "", 0);
}

/* A Content-Length of exactly the produced body: the parser completes at
 * its last byte, not before; keep-alive stays. */
static void test_length(void) {
  static const char *const prompts[] = {
      "a cat on a mat [[body:length]]",
      "a cat on a mat [[body:length]][[array]][[eol:mixed]]",
      "x [[body:length]][[eol:mixed]][[bom]][[sse-fields]][[multiline]]"
      "[[nospace]][[ping]][[comments]][[fault:thought-image]][[fault:slow]]"
      "[[think:5]]",
      "x [[body:length]][[fault:truncate]]",
      "x [[body:length]][[fault:midstream]]",
      "x [[body:length]][[fault:safety]]",
      "x [[body:length]][[fault:block]]",
      "x [[body:length]][[chunk:1]]"};
  gf__sim_cfg c = cfg_default();
  for (size_t i = 0; i < sizeof prompts / sizeof prompts[0]; i++) {
    gf__sim_job *j = fixed_job(&c, prompts[i], 1);
    CHECK_INT(j->framing.body, GF_SIM_BODY_LENGTH);
    CHECK_INT(gf__sim_job_waits(j), -1);
    gf__buf body, head;
    CHECK_INT(body_of(j, &body), GF_SIM_END);
    uint64_t len = 0;
    CHECK_INT(gf__sim_plan_length(&j->plan, j->imgs, &len), 0);
    CHECK_INT(len, body.len);
    head_of(j, 1, &head);
    char want[64];
    snprintf(want, sizeof want, "\r\nContent-Length: %zu\r\n", body.len);
    CHECK(strstr(head.data, want) != NULL);
    CHECK(strstr(head.data, "Transfer-Encoding") == NULL);
    CHECK(strstr(head.data, "Connection") == NULL);
    resp r;
    gf__buf less = body;
    less.len--;
    gf__http_resp_free(parse(&head, &less, less.len / 2, &r));
    CHECK_INT(r.complete, 0);
    gf__http_resp *h = parse(&head, &body, body.len / 3, &r);
    CHECK_INT(r.status, 200);
    CHECK_INT(r.complete, 1);
    CHECK_INT(r.body, body.len);
    CHECK_STR(r.te, "");
    CHECK_INT(gf__http_resp_feed(h, "HTTP/1.1 200 OK\r\n", 17), 0); /* after */
    CHECK_INT(r.complete, 1);
    gf__http_resp_free(h);
    gf__buf_free(&head);
    gf__buf_free(&body);
    gf__sim_job_free(j);
  }
  /* not keep-alive: "Connection: close" as before */
  gf__sim_job *j = fixed_job(&c, "x [[body:length]]", 1);
  gf__buf head;
  head_of(j, 0, &head);
  CHECK(strstr(head.data, "\r\nConnection: close\r\n") != NULL);
  CHECK(strstr(head.data, "\r\nContent-Length: ") != NULL);
  gf__buf_free(&head);
  gf__sim_job_free(j);
}

/* With a connection fault the Content-Length is the whole answer's: the
 * same as without the fault, so the client sees the body end short. */
static void test_length_faults(void) {
  static const char *const faults[] = {"[[fault:eof]]", "[[fault:reset]]"};
  static const int ends[] = {GF_SIM_EOF, GF_SIM_RESET};
  gf__sim_cfg c = cfg_default();
  gf__sim_job *whole = fixed_job(&c, "x [[body:length]][[eol:mixed]]", 1);
  gf__buf wb;
  CHECK_INT(body_of(whole, &wb), GF_SIM_END);
  for (int i = 0; i < 2; i++) {
    char prompt[128];
    snprintf(prompt, sizeof prompt, "x [[body:length]][[eol:mixed]]%s",
             faults[i]);
    gf__sim_job *j = fixed_job(&c, prompt, 1);
    gf__buf body, head;
    CHECK_INT(body_of(j, &body), ends[i]);
    uint64_t len = 0;
    CHECK_INT(gf__sim_plan_length(&j->plan, j->imgs, &len), 0);
    CHECK_INT(len, wb.len);
    CHECK(body.len < wb.len);
    CHECK(body.len > 0 && memcmp(body.data, wb.data, body.len) == 0);
    CHECK(j->plan.slots[0].used);             /* made, to be counted */
    CHECK_INT(j->plan.serves_result, i == 0); /* eof streams half of it */
    head_of(j, 1, &head);
    resp r;
    gf__http_resp *h = parse(&head, &body, 0, &r);
    CHECK_INT(r.complete, 0);
    CHECK_INT(r.body, body.len);
    CHECK_INT(gf__http_resp_eof(h), GF_ETRUNCATED);
    gf__http_resp_free(h);
    gf__buf_free(&head);
    gf__buf_free(&body);
    gf__sim_job_free(j);
  }
  /* chunked, a reset plan ends there and makes no image */
  gf__sim_job *j = fixed_job(&c, "x [[fault:reset]]", 1);
  CHECK_INT(j->plan.slots[0].used, 0);
  CHECK(j->imgs[0] == NULL);
  gf__sim_job_free(j);
  gf__buf_free(&wb);
  gf__sim_job_free(whole);
}

/* Close-delimited: no length, no chunks, "Connection: close" even on a
 * keep-alive connection; complete only at the EOF. */
static void test_close(void) {
  static const char *const prompts[] = {
      "a cat on a mat [[body:close]]",
      "a cat on a mat [[body:close]][[array]]",
      "x [[body:close]][[fault:eof]]",
  };
  gf__sim_cfg c = cfg_default();
  for (size_t i = 0; i < sizeof prompts / sizeof prompts[0]; i++) {
    gf__sim_job *j = fixed_job(&c, prompts[i], 1);
    CHECK_INT(gf__sim_job_waits(j), -1); /* the head needs nothing */
    gf__buf body, head;
    int end = body_of(j, &body);
    CHECK_INT(end, i == 2 ? GF_SIM_EOF : GF_SIM_END);
    head_of(j, 1, &head);
    CHECK(strncmp(head.data, "HTTP/1.1 200 OK\r\n", 17) == 0);
    CHECK(strstr(head.data, "\r\nConnection: close\r\n") != NULL);
    CHECK(strstr(head.data, "Content-Length") == NULL);
    CHECK(strstr(head.data, "Transfer-Encoding") == NULL);
    CHECK(strstr(head.data, "\r\nServer: gemflow-sim\r\n") != NULL);
    CHECK(head.len > 4 && memcmp(head.data + head.len - 4, "\r\n\r\n", 4) == 0);
    resp r;
    gf__http_resp *h = parse(&head, &body, body.len / 2, &r);
    CHECK_INT(r.complete, 0);
    CHECK_INT(r.body, body.len);
    CHECK_STR(r.conn, "close");
    /* over HTTP alone the close ends it: only TLS tells a cut (server
     * test) */
    CHECK_INT(gf__http_resp_eof(h), 0);
    CHECK_INT(r.complete, 1);
    gf__http_resp_free(h);
    gf__buf_free(&head);
    gf__buf_free(&body);
    gf__sim_job_free(j);
  }
  /* the server's default, overridden per request */
  c.framing.body = GF_SIM_BODY_CLOSE;
  gf__sim_job *j = fixed_job(&c, "x [[body:chunked]]", 1);
  gf__buf head;
  head_of(j, 1, &head);
  CHECK(strstr(head.data, "\r\nTransfer-Encoding: chunked\r\n") != NULL);
  CHECK(strstr(head.data, "Connection") == NULL);
  gf__buf_free(&head);
  gf__sim_job_free(j);
  j = fixed_job(&c, "x", 1);
  CHECK_INT(j->framing.body, GF_SIM_BODY_CLOSE);
  gf__sim_job_free(j);
  /* errors keep their own length whatever the body marker */
  json_object *root = request_json("x [[fault:429]][[body:close]]");
  gf__sim_rx rx = {"POST", PATH "?alt=sse&key=k", NULL, root, 0, 0};
  j = gf__sim_job_new(&c, &rx);
  json_object_put(root);
  CHECK_INT(j->status, 429);
  head_of(j, 1, &head);
  CHECK(strstr(head.data, "\r\nContent-Length: ") != NULL);
  CHECK(strstr(head.data, "Connection") == NULL);
  gf__buf_free(&head);
  gf__sim_job_free(j);
}

/* The head of a body:length answer waits for its images, made on the
 * loop's thread pool. */
static void test_length_waits(void) {
  uv_loop_t loop;
  CHECK_INT(uv_loop_init(&loop), 0);
  gf__sim_cfg c = cfg_default();
  c.cache = gf__sim_cache_new(&loop, 4, 0);
  json_object *root =
      request_json("a fresh one [[body:length]][[fault:thought-image]]");
  gf__sim_rx rx = {"POST", PATH "?alt=sse&key=k", NULL, root, 0, 0};
  gf__sim_job *j = gf__sim_job_new(&c, &rx);
  json_object_put(root);
  CHECK_INT(gf__sim_job_waits(j), 0);
  gf__buf h;
  gf__buf_init(&h, 0);
  CHECK_INT(gf__sim_job_head(j, 1, &h), GF_EINVAL);
  CHECK_INT(uv_run(&loop, UV_RUN_DEFAULT), 0);
  CHECK_INT(gf__sim_job_waits(j), -1);
  CHECK_INT(gf__sim_job_head(j, 1, &h), 0);
  CHECK(strstr(h.data, "\r\nContent-Length: ") != NULL);
  gf__buf_free(&h);
  gf__sim_job_free(j);
  /* chunked: no wait */
  root = request_json("another one");
  gf__sim_rx rx2 = {"POST", PATH "?alt=sse&key=k", NULL, root, 0, 0};
  j = gf__sim_job_new(&c, &rx2);
  json_object_put(root);
  CHECK_INT(gf__sim_job_waits(j), -1);
  gf__sim_job_free(j);
  gf__sim_cache_free(c.cache);
  CHECK_INT(uv_run(&loop, UV_RUN_DEFAULT), 0);
  CHECK_INT(uv_loop_close(&loop), 0);
}

int main(int argc, char **argv) {
  static const gf_t_case cases[] = {
      TEST(test_writer_plain), TEST(test_writer_multiline),
      TEST(test_writer_fields), TEST(test_writer_nospace_bom_ping),
      TEST(test_writer_mixed), TEST(test_bom), TEST(test_nospace),
      TEST(test_ping), TEST(test_sse_fields), TEST(test_multiline),
      TEST(test_eol_mixed), TEST(test_all_variants), TEST(test_exact_block),
      TEST(test_array), TEST(test_length), TEST(test_length_faults),
      TEST(test_close), TEST(test_length_waits)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  /* shared by the cases above: freed once they have all run */
  gf__sim_cache_free(cache);
  return rc;
}
