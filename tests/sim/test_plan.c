/* Response planning and serialisation, without sockets: a request (with
 * markers) becomes a job; its body is produced piece by piece (16 KiB, 7,
 * 4093 and, for small bodies, 1 byte at a time: the same bytes), then
 * decoded with the SSE
 * decoder (or json-c for the array form) and each response object is
 * classified, giving the exact event sequence per marker:
 *   T thought text, X text, I final image, i thought image, E error object,
 *   J invalid JSON, B prompt block, F:<reason> finish, R raw error lines.
 * The image's base64 decodes to exactly the PNG the encoder makes. The
 * faults at each [[at:STAGE]], the answers that replace the stream (502,
 * 504, the 307, an HTML 200) and what decorates a head (103s, a 20 KiB
 * header). */
#include <json-c/json.h>

#include "b64/b64.h"
#include "common/buf.h"
#include "common/sha256.h"
#include "gemflow.h"
#include "sim/image.h"
#include "sim/job.h"
#include "sim/png.h"
#include "sim/sig.h"
#include "sse/sse.h"
#include "test.h"

#define PATH "/v1beta/models/gemini-3-pro-image-preview:streamGenerateContent"

static gf__sim_cache *cache;

static gf__sim_cfg cfg_default(void) {
  gf__sim_cfg c;
  memset(&c, 0, sizeof c);
  c.framing.eol = "\r\n";
  c.framing.chunk = 16384;
  c.framing.thoughts = 3;
  c.seed = 5;
  if (!cache)
    cache = gf__sim_cache_new(NULL, 4, 0); /* synchronous */
  c.cache = cache;
  return c;
}

static gf__sim_job *job_for(const gf__sim_cfg *cfg, const char *prompt,
                            int sse) {
  json_object *root = json_object_new_object(), *contents =
                                                     json_object_new_array(),
              *content = json_object_new_object(), *parts =
                                                       json_object_new_array(),
              *part = json_object_new_object();
  json_object_object_add(part, "text", json_object_new_string(prompt));
  json_object_array_add(parts, part);
  json_object_object_add(content, "parts", parts);
  json_object_array_add(contents, content);
  json_object_object_add(root, "contents", contents);
  gf__sim_rx rx = {"POST", sse ? PATH "?alt=sse&key=k" : PATH "?key=k", NULL,
                   root, 0, 0};
  gf__sim_job *j = gf__sim_job_new(cfg, &rx);
  json_object_put(root);
  return j;
}

typedef struct produced {
  gf__buf body;
  int end; /* GF_SIM_END, GF_SIM_RESET, GF_SIM_EOF */
  int pauses;
  unsigned pause_ms[128];
} produced;

static void produce(gf__sim_job *j, size_t max, produced *o) {
  memset(o, 0, sizeof *o);
  gf__buf_init(&o->body, 0);
  gf__sim_prod_init(&j->prod, &j->plan);
  for (int k = 0; k < GF_SIM_SLOTS; k++)
    j->prod.imgs[k] = j->imgs[k];
  for (long guard = 0; guard < 50000000; guard++) {
    unsigned ms = 0;
    int slot = -1;
    size_t before = o->body.len;
    int r = gf__sim_prod_next(&j->prod, &o->body, max, &ms, &slot);
    if (r == GF_SIM_MORE) {
      CHECK(o->body.len > before && o->body.len - before <= max);
      continue;
    }
    if (r == GF_SIM_PAUSE) {
      if (o->pauses < 128)
        o->pause_ms[o->pauses] = ms;
      o->pauses++;
      continue;
    }
    CHECK(r != GF_SIM_WAIT); /* the cache made the images at once */
    o->end = r;
    /* it says so again */
    CHECK_INT(gf__sim_prod_next(&j->prod, &o->body, max, &ms, &slot), r);
    break;
  }
  CHECK_INT(j->prod.body_bytes, o->body.len);
}

/* ---- decoding ---- */

typedef struct decoded {
  char seq[512];
  int comments, events, multiline, other_lines, unterminated;
  gf__buf ev, raw;
  int data_lines;
  unsigned char final_sha[32];
  uint64_t final_bytes;
  int final_images;
  char final_order[64]; /* keys of the final image part, in order */
  char image_thought[8]; /* the final image part's "thought": -, 0, 1 */
  int has_signature;
  gf__sim_usage usage;
  int usage_total;
} decoded;

static void add_seq(decoded *d, const char *s) {
  if (d->seq[0])
    strncat(d->seq, " ", sizeof d->seq - strlen(d->seq) - 1);
  strncat(d->seq, s, sizeof d->seq - strlen(d->seq) - 1);
}

static json_object *get(json_object *o, const char *k) {
  json_object *v = NULL;
  return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static void image_part(decoded *d, json_object *part, json_object *inl) {
  json_object *data = get(inl, "data"), *th = get(part, "thought");
  int thought = th && json_object_get_boolean(th);
  add_seq(d, thought ? "i" : "I");
  if (thought && get(part, "thoughtSignature"))
    d->has_signature = -1; /* never on a draft */
  const char *b64 = json_object_get_string(data);
  size_t n = (size_t)json_object_get_string_len(data);
  unsigned char *png = malloc(GF_B64_DEC_MAX(n) + 3);
  size_t got = 0, tail = 0;
  gf__b64dec dec;
  gf__b64_init(&dec);
  CHECK_INT(gf__b64_decode(&dec, b64, n, png, &got), 0);
  CHECK_INT(gf__b64_finish(&dec, png + got, &tail), 0);
  got += tail;
  CHECK(got > 8 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
  CHECK_STR(json_object_get_string(get(inl, "mimeType")), "image/png");
  /* the last image of a thought-only stream counts too */
  gf__sha256 s;
  gf__sha256_init(&s);
  gf__sha256_update(&s, png, got);
  gf__sha256_final(&s, d->final_sha);
  d->final_bytes = got;
  d->final_images++;
  d->final_order[0] = '\0';
  json_object_object_foreach(inl, k, v) {
    (void)v;
    strncat(d->final_order, k, 20);
    strcat(d->final_order, ",");
  }
  json_object_object_foreach(part, k2, v2) {
    (void)v2;
    strncat(d->final_order, k2, 20);
    strcat(d->final_order, ",");
  }
  snprintf(d->image_thought, sizeof d->image_thought, "%s",
           th ? (thought ? "1" : "0") : "-");
  d->has_signature = d->has_signature < 0 ? -1 : !!get(part, "thoughtSignature");
  if (d->has_signature == 1) { /* the one issued for exactly these bytes */
    char want[GF_SIM_SIG_LEN + 1];
    gf__sim_sig_image(d->final_sha, want);
    if (strcmp(json_object_get_string(get(part, "thoughtSignature")), want))
      d->has_signature = -2;
  }
  free(png);
}

static void classify(decoded *d, const char *json, size_t n) {
  json_tokener *tok = json_tokener_new();
  json_object *o = json_tokener_parse_ex(tok, json, (int)n);
  int ok = o && json_tokener_get_parse_end(tok) == n;
  json_tokener_free(tok);
  if (!ok) {
    add_seq(d, "J");
    json_object_put(o);
    return;
  }
  d->events++;
  json_object *cands = get(o, "candidates"), *u = get(o, "usageMetadata");
  if (get(o, "error"))
    add_seq(d, "E");
  if (get(o, "promptFeedback")) {
    add_seq(d, "B");
    CHECK(cands == NULL);
  }
  for (size_t i = 0; cands && i < json_object_array_length(cands); i++) {
    json_object *c = json_object_array_get_idx(cands, i);
    json_object *parts = get(get(c, "content"), "parts");
    for (size_t k = 0; parts && k < json_object_array_length(parts); k++) {
      json_object *p = json_object_array_get_idx(parts, k), *inl;
      if ((inl = get(p, "inlineData")))
        image_part(d, p, inl);
      else if (get(p, "text"))
        add_seq(d, json_object_get_boolean(get(p, "thought")) ? "T" : "X");
    }
    json_object *fr = get(c, "finishReason");
    if (fr) {
      char s[64];
      snprintf(s, sizeof s, "F:%s", json_object_get_string(fr));
      add_seq(d, s);
    }
  }
  if (get(u, "promptTokenCount")) {
    d->usage.prompt = json_object_get_int(get(u, "promptTokenCount"));
    d->usage.candidates = json_object_get_int(get(u, "candidatesTokenCount"));
    d->usage.thoughts = json_object_get_int(get(u, "thoughtsTokenCount"));
    d->usage_total = json_object_get_int(get(u, "totalTokenCount"));
  }
  if (!get(o, "error")) {
    CHECK_STR(json_object_get_string(get(o, "modelVersion")),
              "gemini-3-pro-image-preview");
    CHECK(get(o, "responseId") && get(o, "createTime"));
  }
  json_object_put(o);
}

static int on_data(void *ud, const char *p, size_t n) {
  decoded *d = ud;
  if (n == 1 && p[0] == '\n')
    d->data_lines++;
  return gf__buf_append(&d->ev, p, n);
}

static int on_dispatch(void *ud, const char *type, const char *id) {
  decoded *d = ud;
  CHECK_STR(type, "message");
  if (memchr(d->ev.data, '\n', d->ev.len))
    d->multiline++;
  classify(d, d->ev.data, d->ev.len);
  gf__buf_reset(&d->ev);
  return 0;
}

static int on_comment(void *ud, const char *p, size_t n) {
  decoded *d = ud;
  CHECK(n == 11 && memcmp(p, " keep-alive", 11) == 0);
  d->comments++;
  return 0;
}

static int on_other(void *ud, const char *line, size_t n) {
  decoded *d = ud;
  if (!d->other_lines)
    add_seq(d, "R");
  d->other_lines++;
  gf__buf_append(&d->raw, line, n);
  return gf__buf_append(&d->raw, "\n", 1);
}

static void decode_sse(const gf__buf *body, decoded *d) {
  static const gf__sse_cbs cbs = {on_data, on_dispatch, NULL, on_comment,
                                  on_other};
  memset(d, 0, sizeof *d);
  gf__buf_init(&d->ev, 0);
  gf__buf_init(&d->raw, 0);
  gf__sse *s = gf__sse_new(&cbs, d, 0);
  CHECK_INT(gf__sse_feed(s, body->data, body->len), 0);
  d->unterminated = gf__sse_end(s);
  gf__sse_free(s);
}

static void decode_array(const gf__buf *body, decoded *d) {
  memset(d, 0, sizeof *d);
  gf__buf_init(&d->ev, 0);
  gf__buf_init(&d->raw, 0);
  json_object *arr = json_tokener_parse(body->data);
  if (!arr || !json_object_is_type(arr, json_type_array)) {
    add_seq(d, "J");
    json_object_put(arr);
    return;
  }
  for (size_t i = 0; i < json_object_array_length(arr); i++) {
    const char *s = json_object_to_json_string_ext(
        json_object_array_get_idx(arr, i), JSON_C_TO_STRING_PLAIN);
    classify(d, s, strlen(s));
  }
  json_object_put(arr);
}

static void decoded_free(decoded *d) {
  gf__buf_free(&d->ev);
  gf__buf_free(&d->raw);
}

/* The PNG the encoder makes for the job's final image, hashed. */
static void expected_sha(const gf__sim_job *j, unsigned char sha[32],
                         uint64_t *len) {
  gf__buf png;
  gf__buf_init(&png, 0);
  CHECK_INT(gf__sim_png_encode(j->stripped.data, j->stripped.len, j->req.seed,
                               j->req.w, j->req.h, &png),
            0);
  gf__sha256 s;
  gf__sha256_init(&s);
  gf__sha256_update(&s, png.data, png.len);
  gf__sha256_final(&s, sha);
  *len = png.len;
  gf__buf_free(&png);
}

/* Produces the job's body three ways (the same bytes) and decodes it. */
static gf__sim_job *run(const gf__sim_cfg *cfg, const char *prompt, int sse,
                        produced *o, decoded *d) {
  gf__sim_job *j = job_for(cfg, prompt, sse);
  CHECK(j != NULL);
  CHECK_INT(j->status, 200);
  produce(j, 16384, o);
  /* byte by byte where it is cheap; 7 and 4093 cut every step at odd
   * places everywhere */
  static const size_t maxes[] = {7, 4093, 1};
  for (size_t i = 0; i < (o->body.len < 200000 ? 3u : 2u); i++) {
    produced p;
    produce(j, maxes[i], &p);
    CHECK_MEM(p.body.data, p.body.len, o->body.data, o->body.len);
    CHECK_INT(p.end, o->end);
    CHECK_INT(p.pauses, o->pauses);
    gf__buf_free(&p.body);
  }
  if (j->framing.array)
    decode_array(&o->body, d);
  else
    decode_sse(&o->body, d);
  return j;
}

#define EXPECT(prompt, sse, seq_, end_)                                        \
  do {                                                                         \
    gf__sim_cfg c_ = cfg_default();                                            \
    produced o_;                                                               \
    decoded d_;                                                                \
    gf__sim_job *j_ = run(&c_, prompt, sse, &o_, &d_);                         \
    CHECK_STR(d_.seq, seq_);                                                   \
    CHECK_INT(o_.end, end_);                                                   \
    decoded_free(&d_);                                                         \
    gf__buf_free(&o_.body);                                                    \
    gf__sim_job_free(j_);                                                      \
  } while (0)

static void test_default_stream(void) {
  gf__sim_cfg c = cfg_default();
  produced o;
  decoded d;
  gf__sim_job *j = run(&c, "a cat on a mat", 1, &o, &d);
  CHECK_STR(d.seq, "T T T I F:STOP");
  CHECK_INT(o.end, GF_SIM_END);
  CHECK_INT(o.pauses, 0);
  CHECK_INT(d.comments, 0);
  CHECK_INT(d.multiline, 0); /* as the service: one data line per event */
  CHECK_INT(d.data_lines, 0);
  CHECK_INT(d.unterminated, 0);
  CHECK_INT(d.final_images, 1);
  CHECK_STR(d.final_order, "mimeType,data,inlineData,thoughtSignature,");
  CHECK_STR(d.image_thought, "-");
  CHECK_INT(d.has_signature, 1);
  unsigned char sha[32];
  uint64_t len;
  expected_sha(j, sha, &len);
  CHECK_MEM(d.final_sha, 32, sha, 32);
  CHECK_INT(d.final_bytes, len);
  CHECK_INT(len, j->imgs[0]->png_len);
  CHECK_INT(d.usage.prompt, 4); /* 14 bytes */
  CHECK_INT(d.usage.candidates, 1120);
  CHECK_INT(d.usage.thoughts, 80 + 64 * 3);
  CHECK_INT(d.usage_total, 4 + 1120 + 272);
  /* CRLF everywhere: no LF without its CR */
  for (size_t i = 0; i < o.body.len; i++)
    if (o.body.data[i] == '\n' && (i == 0 || o.body.data[i - 1] != '\r')) {
      CHECK(!"bare LF");
      break;
    }
  /* the service's framing, byte for byte: each event is "data: ", one
   * JSON object without a line end, CRLF, CRLF; nothing else */
  size_t at = 0;
  int events = 0;
  while (at < o.body.len) {
    const char *ev = o.body.data + at;
    const char *end = memmem(ev, o.body.len - at, "\r\n\r\n", 4);
    CHECK(end != NULL);
    if (!end)
      break;
    CHECK(strncmp(ev, "data: {", 7) == 0);
    CHECK(memchr(ev, '\n', (size_t)(end - ev)) == NULL);
    CHECK(memchr(ev, '\r', (size_t)(end - ev)) == NULL);
    CHECK(end[-1] == '}');
    at = (size_t)(end - o.body.data) + 4;
    events++;
  }
  CHECK_INT(events, 5);
  /* the body starts with the first event and ends with a blank line */
  CHECK(strncmp(o.body.data, "data: {\"candidates\":", 20) == 0);
  CHECK(o.body.len > 4 &&
        memcmp(o.body.data + o.body.len - 5, "}\r\n\r\n", 5) == 0);
  /* UTF-8 in the thoughts arrives intact: "café", "→", "细节" */
  CHECK(memmem(o.body.data, o.body.len, "caf\xc3\xa9", 5) != NULL);
  CHECK(memmem(o.body.data, o.body.len, "\xe2\x86\x92", 3) != NULL);
  CHECK(memmem(o.body.data, o.body.len, "\xe7\xbb\x86\xe8\x8a\x82", 6));
  decoded_free(&d);
  gf__buf_free(&o.body);
  gf__sim_job_free(j);
}

static void test_framing_markers(void) {
  gf__sim_cfg c = cfg_default();
  produced o;
  decoded d;
  /* LF and CR line ends, comments between and inside events, the second
   * thought pretty-printed */
  gf__sim_job *j = run(&c, "a cat on a mat [[eol:lf]][[comments]][[pretty]]",
                       1, &o, &d);
  CHECK_STR(d.seq, "T T T I F:STOP");
  CHECK(memchr(o.body.data, '\r', o.body.len) == NULL);
  /* one before each of the 5 events, one between each two data lines of
   * the multi-line thought */
  CHECK_INT(d.comments, 5 + d.data_lines);
  CHECK_INT(d.multiline, 1);
  CHECK(d.data_lines > 10);
  CHECK(strncmp(o.body.data, ": keep-alive\ndata: {", 20) == 0);
  /* the picture ignores framing markers */
  unsigned char sha[32];
  uint64_t len;
  expected_sha(j, sha, &len);
  CHECK_STR(j->stripped.data, "a cat on a mat ");
  CHECK_MEM(d.final_sha, 32, sha, 32);
  decoded_free(&d);
  gf__buf_free(&o.body);
  gf__sim_job_free(j);

  j = run(&c, "a cat on a mat [[eol:cr]]", 1, &o, &d);
  CHECK_STR(d.seq, "T T T I F:STOP");
  CHECK(memchr(o.body.data, '\n', o.body.len) == NULL);
  CHECK(memmem(o.body.data, o.body.len, "}\r\rdata: ", 9) != NULL);
  CHECK_INT(d.comments, 0);
  decoded_free(&d);
  gf__buf_free(&o.body);
  gf__sim_job_free(j);

  /* think: a pause after each thought; thoughts: how many */
  j = run(&c, "a cat on a mat [[think:120]][[thoughts:5]]", 1, &o, &d);
  CHECK_STR(d.seq, "T T T T T I F:STOP");
  CHECK_INT(o.pauses, 5);
  for (int i = 0; i < 5; i++)
    CHECK_INT(o.pause_ms[i], 120);
  CHECK_INT(d.usage.thoughts, 80 + 64 * 5);
  CHECK_INT(j->framing.chunk, 16384);
  decoded_free(&d);
  gf__buf_free(&o.body);
  gf__sim_job_free(j);

  EXPECT("x [[thoughts:0]]", 1, "I F:STOP", GF_SIM_END);
  EXPECT("x [[thoughts:1]][[fault:thought-image]]", 1, "T i i I F:STOP",
         GF_SIM_END);

  /* chunk only changes the HTTP framing, recorded for the connection */
  j = job_for(&c, "x [[chunk:1]]", 1);
  CHECK_INT(j->framing.chunk, 1);
  gf__sim_job_free(j);
  /* malformed markers are prompt text */
  j = job_for(&c, "x [[chunk:0]][[eol:CRLF]][[fault:nope]]", 1);
  CHECK_INT(j->framing.chunk, 16384);
  CHECK_STR(j->framing.eol, "\r\n");
  CHECK_STR(j->stripped.data, "x [[chunk:0]][[eol:CRLF]][[fault:nope]]");
  gf__sim_job_free(j);
}

static void test_array_mode(void) {
  gf__sim_cfg c = cfg_default();
  produced o;
  decoded d;
  /* without alt=sse */
  gf__sim_job *j = run(&c, "a cat on a mat", 0, &o, &d);
  CHECK_INT(j->framing.array, 1);
  CHECK_STR(d.seq, "T T T I F:STOP");
  CHECK(o.body.data[0] == '[');
  CHECK(o.body.data[o.body.len - 1] == ']');
  CHECK(memmem(o.body.data, o.body.len, "}\r\n,{", 5) != NULL);
  unsigned char sha[32];
  uint64_t len;
  expected_sha(j, sha, &len);
  CHECK_MEM(d.final_sha, 32, sha, 32);
  decoded_free(&d);
  gf__buf_free(&o.body);
  gf__sim_job_free(j);
  /* [[array]] with alt=sse, LF separators */
  j = run(&c, "a cat on a mat [[array]][[eol:lf]]", 1, &o, &d);
  CHECK_STR(d.seq, "T T T I F:STOP");
  CHECK(memmem(o.body.data, o.body.len, "}\n,{", 4) != NULL);
  decoded_free(&d);
  gf__buf_free(&o.body);
  gf__sim_job_free(j);
  /* --array for every request */
  c.framing.array = 1;
  j = job_for(&c, "x", 1);
  CHECK_INT(j->framing.array, 1);
  gf__sim_job_free(j);

  EXPECT("x [[fault:block]]", 0, "B", GF_SIM_END);
  EXPECT("x [[fault:safety]]", 0, "T T T F:IMAGE_SAFETY", GF_SIM_END);
  EXPECT("x [[fault:midstream]]", 0, "T T T E", GF_SIM_END);
  EXPECT("x [[fault:error-event]]", 0, "T T T E", GF_SIM_END);
  /* an invalid element spoils the whole array */
  EXPECT("x [[fault:badjson]]", 0, "J", GF_SIM_END);
  /* truncated: no closing bracket */
  EXPECT("x [[fault:truncate]]", 0, "J", GF_SIM_END);
}

static void test_fault_markers(void) {
  EXPECT("x [[fault:block]]", 1, "B", GF_SIM_END);
  EXPECT("x [[fault:safety]]", 1, "T T T F:IMAGE_SAFETY", GF_SIM_END);
  EXPECT("x [[fault:reset]]", 1, "T T T", GF_SIM_RESET);
  EXPECT("x [[fault:truncate]]", 1, "T T T", GF_SIM_END);
  EXPECT("x [[fault:error-event]]", 1, "T T T E", GF_SIM_END);
  EXPECT("x [[fault:badjson]]", 1, "T T T J I F:STOP", GF_SIM_END);
  EXPECT("x [[fault:text]]", 1, "T T T X I F:STOP", GF_SIM_END);
  EXPECT("x [[fault:thought-image]]", 1, "T i T i T I F:STOP", GF_SIM_END);
  EXPECT("x [[fault:thought-only]]", 1, "T T T i F:STOP", GF_SIM_END);
  EXPECT("x [[fault:text]][[fault:thought-image]][[thoughts:2]]", 1,
         "T i T i X I F:STOP", GF_SIM_END);
  EXPECT("x [[fault:reset]][[fault:truncate]]", 1, "T T T", GF_SIM_RESET);
  EXPECT("x [[fault:block]][[fault:reset]]", 1, "B", GF_SIM_END);
}

static void test_midstream_raw(void) {
  gf__sim_cfg c = cfg_default();
  produced o;
  decoded d;
  gf__sim_job *j = run(&c, "x [[fault:midstream]][[eol:lf]]", 1, &o, &d);
  CHECK_STR(d.seq, "T T T R");
  CHECK_INT(d.other_lines, 7);
  CHECK_STR(d.raw.data, "{\n"
                        "  \"error\": {\n"
                        "    \"code\": 503,\n"
                        "    \"message\": \"The model is overloaded. Please "
                        "try again later.\",\n"
                        "    \"status\": \"UNAVAILABLE\"\n"
                        "  }\n"
                        "}\n");
  CHECK_INT(d.unterminated, 0);
  decoded_free(&d);
  gf__buf_free(&o.body);
  gf__sim_job_free(j);
}

static void test_image_variants(void) {
  gf__sim_cfg c = cfg_default();
  produced o;
  decoded d;
  /* mime-after: "data" first, then mimeType; thought:false after it */
  gf__sim_job *j = run(&c, "a cat on a mat [[fault:mime-after]]", 1, &o, &d);
  CHECK_STR(d.seq, "T T T I F:STOP");
  CHECK_STR(d.final_order, "data,mimeType,inlineData,thought,thoughtSignature,");
  CHECK_STR(d.image_thought, "0");
  decoded_free(&d);
  gf__buf_free(&o.body);
  gf__sim_job_free(j);

  /* thought images: half size drafts, flagged, no signature, not the final */
  j = run(&c, "a cat on a mat [[fault:thought-image]]", 1, &o, &d);
  CHECK_INT(j->plan.slots[1].w, 512);
  CHECK_INT(j->plan.slots[2].h, 512);
  CHECK(j->plan.slots[1].seed != j->plan.slots[2].seed);
  CHECK_INT(d.final_images, 3);
  CHECK_INT(d.has_signature, 1);
  unsigned char sha[32];
  uint64_t len;
  expected_sha(j, sha, &len);
  CHECK_MEM(d.final_sha, 32, sha, 32); /* the last one is the result */
  decoded_free(&d);
  gf__buf_free(&o.body);
  gf__sim_job_free(j);

  /* slow: the image event in 40 pieces, 50 ms apart */
  j = run(&c, "a cat on a mat [[fault:slow]]", 1, &o, &d);
  CHECK_STR(d.seq, "T T T I F:STOP");
  CHECK_INT(o.pauses, GF_SIM_SLOW_PIECES - 1);
  CHECK_INT(o.pause_ms[0], GF_SIM_SLOW_MS);
  decoded_free(&d);
  gf__buf_free(&o.body);
  gf__sim_job_free(j);

  /* eof: half of the image's data, then EOF; the event never ends */
  j = run(&c, "a cat on a mat [[fault:eof]]", 1, &o, &d);
  CHECK_STR(d.seq, "T T T");
  CHECK_INT(o.end, GF_SIM_EOF);
  CHECK_INT(d.unterminated, 1);
  const char *at = memmem(o.body.data, o.body.len, "\"data\":\"", 8);
  CHECK(at != NULL);
  if (at) {
    size_t tail = o.body.len - (size_t)(at + 8 - o.body.data);
    CHECK_INT(tail, j->imgs[0]->b64_len / 2);
  }
  decoded_free(&d);
  gf__buf_free(&o.body);
  gf__sim_job_free(j);
}

static void test_http_faults_and_heads(void) {
  gf__sim_cfg c = cfg_default();
  static const struct {
    const char *marker, *status;
    int code, retry;
  } v[] = {{"[[fault:429]]", "RESOURCE_EXHAUSTED", 429, 1},
           {"[[fault:503]]", "UNAVAILABLE", 503, 1},
           {"[[fault:500]]", "INTERNAL", 500, 0},
           {"[[fault:500]][[fault:429]]", "RESOURCE_EXHAUSTED", 429, 1}};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    char prompt[64];
    snprintf(prompt, sizeof prompt, "x %s", v[i].marker);
    gf__sim_job *j = job_for(&c, prompt, 1);
    CHECK_INT(j->status, v[i].code);
    CHECK_STR(j->err.api_status, v[i].status);
    CHECK(j->imgs[0] == NULL); /* no image is made for an error */
    gf__buf h;
    gf__buf_init(&h, 0);
    CHECK_INT(gf__sim_job_head(j, 1, &h), 0);
    char line[64];
    snprintf(line, sizeof line, "HTTP/1.1 %d ", v[i].code);
    CHECK(strncmp(h.data, line, strlen(line)) == 0);
    CHECK(strstr(h.data, "\r\nContent-Type: application/json; charset=UTF-8"
                         "\r\n") != NULL);
    CHECK((strstr(h.data, "\r\nRetry-After: 2\r\n") != NULL) == v[i].retry);
    CHECK((strstr(h.data, "\"retryDelay\": \"1.5s\"") != NULL) == v[i].retry);
    CHECK(strstr(h.data, "Connection: close") == NULL);
    const char *body = strstr(h.data, "\r\n\r\n");
    CHECK(body != NULL);
    if (body) {
      char cl[64];
      snprintf(cl, sizeof cl, "\r\nContent-Length: %zu\r\n",
               strlen(body + 4));
      CHECK(strstr(h.data, cl) != NULL);
      json_object *o = json_tokener_parse(body + 4);
      json_object *code = get(get(o, "error"), "code");
      CHECK_INT(json_object_get_int(code), v[i].code);
      json_object_put(o);
    }
    gf__buf_free(&h);
    gf__sim_job_free(j);
  }
  /* a 200's head: SSE or JSON, chunked */
  gf__sim_job *j = job_for(&c, "x", 1);
  gf__buf h;
  gf__buf_init(&h, 0);
  CHECK_INT(gf__sim_job_head(j, 0, &h), 0);
  CHECK(strncmp(h.data, "HTTP/1.1 200 OK\r\n", 17) == 0);
  CHECK(strstr(h.data, "\r\nContent-Type: text/event-stream\r\n") != NULL);
  CHECK(strstr(h.data, "\r\nTransfer-Encoding: chunked\r\n") != NULL);
  CHECK(strstr(h.data, "\r\nConnection: close\r\n") != NULL);
  CHECK(h.len > 4 && memcmp(h.data + h.len - 4, "\r\n\r\n", 4) == 0);
  gf__buf_free(&h);
  gf__sim_job_free(j);
  j = job_for(&c, "x", 0);
  gf__buf_init(&h, 0);
  CHECK_INT(gf__sim_job_head(j, 1, &h), 0);
  CHECK(strstr(h.data, "\r\nContent-Type: application/json; charset=UTF-8"
                       "\r\n") != NULL);
  CHECK(strstr(h.data, "Connection:") == NULL);
  gf__buf_free(&h);
  gf__sim_job_free(j);
  /* 405 says what is allowed; 413 closes */
  gf__sim_rx rx = {"GET", PATH, NULL, NULL, 0, 0};
  j = gf__sim_job_new(&c, &rx);
  CHECK_INT(j->status, 405);
  gf__buf_init(&h, 0);
  CHECK_INT(gf__sim_job_head(j, 1, &h), 0);
  CHECK(strstr(h.data, "\r\nAllow: POST\r\n") != NULL);
  gf__buf_free(&h);
  gf__sim_job_free(j);
  gf__sim_rx big = {"POST", PATH, NULL, NULL, 1, 0};
  j = gf__sim_job_new(&c, &big);
  CHECK_INT(j->status, 413);
  gf__buf_init(&h, 0);
  CHECK_INT(gf__sim_job_head(j, 1, &h), 0);
  CHECK(strstr(h.data, "\r\nConnection: close\r\n") != NULL);
  gf__buf_free(&h);
  gf__sim_job_free(j);
}

static void test_log_line(void) {
  gf__sim_cfg c = cfg_default();
  const char *rej[] = {"bad"};
  c.keys.reject = rej;
  c.keys.nreject = 1;
  FILE *f = tmpfile();
  gf__sim_job *j = job_for(&c, "a cat on a mat [[fault:text]][[fault:slow]]", 1);
  CHECK_INT(gf__sim_job_log(j, f, 0), 0);
  gf__sim_job_free(j);
  j = job_for(&c, "x [[fault:429]]", 1);
  CHECK_INT(gf__sim_job_log(j, f, 1), 0);
  gf__sim_job_free(j);
  gf__sim_rx rx = {"POST", PATH "?key=bad", NULL, NULL, 0, 0};
  j = gf__sim_job_new(&c, &rx);
  CHECK_INT(gf__sim_job_log(j, f, 0), 0);
  gf__sim_job_free(j);
  json_object *body = json_tokener_parse(
      "{\"contents\":[{\"parts\":[{\"text\":\"a dog\"}]}],"
      "\"generationConfig\":{\"responseModalities\":[\"IMAGE\"]},"
      "\"tools\":[{\"google_search\":{}}]}");
  gf__sim_rx hx = {"POST", PATH "?key=q", "secret-h", body, 0, 0};
  j = gf__sim_job_new(&c, &hx);
  json_object_put(body); /* the job keeps what it logs */
  CHECK_INT(gf__sim_job_log(j, f, 0), 0);
  gf__sim_job_free(j);
  rewind(f);
  char line[4096];
  json_object *o;
  CHECK(fgets(line, sizeof line, f) != NULL);
  o = json_tokener_parse(line);
  CHECK_STR(json_object_get_string(get(o, "prompt")),
            "a cat on a mat [[fault:text]][[fault:slow]]");
  CHECK_INT(json_object_get_int(get(o, "status")), 200);
  CHECK_STR(json_object_get_string(get(o, "fault")), "slow,text");
  CHECK_STR(json_object_get_string(get(o, "mime")), "image/png");
  CHECK_INT(json_object_get_int(get(o, "width")), 1024);
  CHECK_INT(json_object_get_int(get(o, "height")), 1024);
  CHECK(json_object_get_int64(get(o, "bytes")) > 1000000);
  CHECK_INT(json_object_get_string_len(get(o, "sha256")), 64);
  CHECK(json_object_get_boolean(get(o, "key_ok")));
  CHECK(!json_object_get_boolean(get(o, "aborted")));
  CHECK(strstr(line, "\"k\"") == NULL); /* never the key */
  CHECK_STR(json_object_get_string(get(o, "key_from")), "query");
  CHECK(get(o, "modalities") == NULL);
  CHECK(json_object_object_get_ex(o, "modalities", NULL)); /* null, present */
  CHECK(!json_object_get_boolean(get(o, "search")));
  CHECK(json_object_get_boolean(get(o, "alt_sse")));
  json_object_put(o);
  CHECK(fgets(line, sizeof line, f) != NULL);
  o = json_tokener_parse(line);
  CHECK_INT(json_object_get_int(get(o, "status")), 429);
  CHECK_STR(json_object_get_string(get(o, "fault")), "429");
  CHECK(get(o, "mime") == NULL && get(o, "sha256") == NULL);
  CHECK(json_object_get_boolean(get(o, "aborted")));
  json_object_put(o);
  CHECK(fgets(line, sizeof line, f) != NULL);
  o = json_tokener_parse(line);
  CHECK_INT(json_object_get_int(get(o, "status")), 403);
  CHECK(get(o, "prompt") == NULL);
  CHECK(!json_object_get_boolean(get(o, "key_ok")));
  CHECK(strstr(line, "bad") == NULL);
  CHECK_STR(json_object_get_string(get(o, "key_from")), "query");
  CHECK(!json_object_get_boolean(get(o, "alt_sse")));
  json_object_put(o);
  CHECK(fgets(line, sizeof line, f) != NULL);
  o = json_tokener_parse(line);
  CHECK_INT(json_object_get_int(get(o, "status")), 200);
  CHECK_STR(json_object_get_string(get(o, "key_from")), "header");
  CHECK(strstr(line, "secret-h") == NULL);
  CHECK_STR(json_object_to_json_string_ext(get(o, "modalities"),
                                           JSON_C_TO_STRING_PLAIN),
            "[\"IMAGE\"]");
  CHECK(json_object_get_boolean(get(o, "search")));
  CHECK(!json_object_get_boolean(get(o, "alt_sse")));
  CHECK(!json_object_get_boolean(get(o, "sse")));
  json_object_put(o);
  CHECK(fgets(line, sizeof line, f) == NULL);
  fclose(f);
}

static void test_cache(void) {
  gf__sim_cache *cc = gf__sim_cache_new(NULL, 2, 0);
  gf__sim_img *a, *b, *a2, *d, *e;
  CHECK_INT(gf__sim_cache_get(cc, "p", 1, 0, 32, 16, &a), 0);
  CHECK_INT(a->status, 0);
  CHECK_INT(gf__sim_cache_get(cc, "p", 1, 0, 32, 16, &a2), 0);
  CHECK(a == a2);
  CHECK_INT(a->refs, 3); /* two users and the cache */
  CHECK_INT(gf__sim_cache_get(cc, "p", 1, 1, 32, 16, &b), 0);
  CHECK(b != a);
  CHECK_INT(gf__sim_cache_get(cc, "q", 1, 0, 32, 16, &d), 0);
  size_t bytes = 0;
  CHECK_INT(gf__sim_cache_count(cc, &bytes), 2); /* a was evicted */
  CHECK_INT(bytes, b->b64_len + d->b64_len);
  CHECK_INT(a->refs, 2);                         /* but lives on */
  CHECK_INT(gf__sim_cache_get(cc, "p", 1, 0, 32, 16, &e), 0);
  CHECK(e != a); /* made again, the same bytes */
  CHECK_MEM(e->b64, e->b64_len, a->b64, a->b64_len);
  CHECK_STR(e->sha_hex, a->sha_hex);
  CHECK_INT(gf__sim_cache_get(cc, "p", 1, 0, 0, 16, &e) < 0, 1);
  gf__sim_img_unref(a);
  gf__sim_img_unref(a2);
  gf__sim_img_unref(b);
  gf__sim_img_unref(d);
  gf__sim_cache_free(cc);
  gf__sim_img_unref(e);
  /* the byte bound */
  cc = gf__sim_cache_new(NULL, 10, 1);
  CHECK_INT(gf__sim_cache_get(cc, "p", 1, 0, 32, 16, &a), 0);
  CHECK_INT(gf__sim_cache_get(cc, "q", 1, 0, 32, 16, &b), 0);
  CHECK_INT(gf__sim_cache_count(cc, NULL), 1); /* only the newest */
  gf__sim_img_unref(a);
  gf__sim_img_unref(b);
  gf__sim_cache_free(cc);
}

/* createTime in the service's format; responseIds of 22 URL-safe
 * characters, different per response in every part. */
static void test_stamps(void) {
  gf__sim_cfg c = cfg_default();
  gf__sim_job *j[3];
  for (int i = 0; i < 3; i++) {
    j[i] = job_for(&c, "x [[fault:429]]", 1);
    CHECK_INT(strlen(j[i]->response_id), 22);
    CHECK_INT(strspn(j[i]->response_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
                                         "nopqrstuvwxyz0123456789-_"),
              22);
    const char *t = j[i]->create_time;
    CHECK_INT(strlen(t), 27);
    CHECK(t[4] == '-' && t[7] == '-' && t[10] == 'T' && t[13] == ':' &&
          t[16] == ':' && t[19] == '.' && t[26] == 'Z');
  }
  for (int i = 0; i < 3; i++)
    for (int k = i + 1; k < 3; k++) {
      CHECK(strncmp(j[i]->response_id, j[k]->response_id, 10) != 0);
      CHECK(strcmp(j[i]->response_id + 11, j[k]->response_id + 11) != 0);
    }
  for (int i = 0; i < 3; i++)
    gf__sim_job_free(j[i]);
}

/* [[at:STAGE]] in the stream: where each fault of the stream ends it. */
static void test_stages(void) {
  /* a connection fault: the events before it, then its ending */
  static const struct {
    const char *fault;
    int end;
  } conn[] = {{"reset", GF_SIM_RESET},
              {"eof", GF_SIM_EOF},
              {"close", GF_SIM_CLOSE}};
  for (size_t i = 0; i < sizeof conn / sizeof conn[0]; i++) {
    char p[128];
    snprintf(p, sizeof p, "x [[fault:%s]][[at:between]]", conn[i].fault);
    EXPECT(p, 1, "T", conn[i].end);
    snprintf(p, sizeof p, "x [[fault:%s]][[at:image]]", conn[i].fault);
    EXPECT(p, 1, "T T T", conn[i].end);
    snprintf(p, sizeof p, "x [[fault:%s]][[at:usage]]", conn[i].fault);
    EXPECT(p, 1, "T T T I", conn[i].end);
    snprintf(p, sizeof p, "x [[fault:%s]][[at:between]][[thoughts:0]]",
             conn[i].fault); /* no thoughts: before the image, no body */
    gf__sim_cfg c = cfg_default();
    gf__sim_job *j = job_for(&c, p, 1);
    produced o;
    produce(j, 16384, &o);
    CHECK_INT(o.body.len, 0);
    CHECK_INT(o.end, conn[i].end);
    gf__buf_free(&o.body);
    gf__sim_job_free(j);
    snprintf(p, sizeof p, "x [[fault:%s]][[at:usage]][[array]]",
             conn[i].fault);
    EXPECT(p, 1, "J", conn[i].end); /* no closing bracket */
  }
  /* the defaults are as before [[at:]]: close as eof, in the image */
  EXPECT("x [[fault:close]]", 1, "T T T", GF_SIM_CLOSE);
  EXPECT("x [[fault:eof]][[fault:close]]", 1, "T T T", GF_SIM_EOF);
  EXPECT("x [[fault:close]][[fault:reset]]", 1, "T T T", GF_SIM_RESET);
  EXPECT("x [[fault:reset]][[fault:eof]][[at:usage]]", 1, "T T T I",
         GF_SIM_RESET);
  /* a connection fault comes before an error object at the same stage */
  EXPECT("x [[fault:reset]][[fault:midstream]][[at:usage]]", 1, "T T T I",
         GF_SIM_RESET);
  /* error objects */
  EXPECT("x [[fault:error-event]][[at:between]]", 1, "T E", GF_SIM_END);
  EXPECT("x [[fault:error-event]][[at:usage]]", 1, "T T T I E", GF_SIM_END);
  EXPECT("x [[fault:midstream]][[at:between]]", 1, "T R", GF_SIM_END);
  EXPECT("x [[fault:midstream]][[at:usage]]", 1, "T T T I R", GF_SIM_END);
  EXPECT("x [[fault:midstream]][[at:usage]][[array]]", 1, "T T T I E",
         GF_SIM_END);
  /* midstream inside the image: half the data, a line end, the raw
   * lines; the image event never ends */
  gf__sim_cfg c = cfg_default();
  produced o;
  decoded d;
  gf__sim_job *j =
      run(&c, "a cat on a mat [[fault:midstream]][[at:image]][[eol:lf]]", 1,
          &o, &d);
  CHECK_STR(d.seq, "T T T R");
  CHECK_INT(o.end, GF_SIM_END);
  CHECK_INT(d.unterminated, 1);
  CHECK_INT(d.other_lines, 7);
  const char *at = memmem(o.body.data, o.body.len, "\"data\":\"", 8);
  size_t rest = at ? o.body.len - (size_t)(at - o.body.data) : 0;
  const char *nl = at ? memchr(at, '\n', rest) : NULL;
  CHECK(at && nl);
  if (at && nl) {
    CHECK_INT(nl - (at + 8), j->imgs[0]->b64_len / 2);
    CHECK(strncmp(nl, "\n{\n  \"error\": {\n", 16) == 0);
  }
  decoded_free(&d);
  gf__buf_free(&o.body);
  gf__sim_job_free(j);
}

/* [[at:head]] and [[at:headers]]: nothing is planned, the connection cuts
 * before the head or inside it. */
static void test_head_stages(void) {
  gf__sim_cfg c = cfg_default();
  static const struct {
    const char *prompt;
    int cut, end;
  } v[] = {{"x [[fault:reset]][[at:head]]", GF_SIM_AT_HEAD, GF_SIM_RESET},
           {"x [[fault:eof]][[at:head]]", GF_SIM_AT_HEAD, GF_SIM_EOF},
           {"x [[fault:close]][[at:head]]", GF_SIM_AT_HEAD, GF_SIM_CLOSE},
           {"x [[fault:reset]][[at:headers]]", GF_SIM_AT_HEADERS, GF_SIM_RESET},
           {"x [[fault:eof]][[at:headers]][[body:length]]", GF_SIM_AT_HEADERS,
            GF_SIM_EOF},
           {"x [[fault:close]][[at:headers]]", GF_SIM_AT_HEADERS,
            GF_SIM_CLOSE},
           {"x [[fault:close]][[fault:eof]][[at:head]]", GF_SIM_AT_HEAD,
            GF_SIM_EOF}};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    gf__sim_job *j = job_for(&c, v[i].prompt, 1);
    CHECK_INT(j->status, 200);
    CHECK_INT(j->head_cut, v[i].cut);
    CHECK_INT(j->cut_end, v[i].end);
    CHECK_INT(j->plan.n, 0);
    CHECK(j->imgs[0] == NULL);
    CHECK_INT(gf__sim_job_waits(j), -1);
    gf__buf h;
    gf__buf_init(&h, 0);
    CHECK_INT(gf__sim_job_head(j, 1, &h), 0);
    CHECK(strncmp(h.data, "HTTP/1.1 200 OK\r\n", 17) == 0);
    if (v[i].cut == GF_SIM_AT_HEADERS) { /* past the status line, not done */
      CHECK(h.len > 30);
      CHECK(strstr(h.data, "\r\n\r\n") == NULL);
    }
    gf__buf_free(&h);
    gf__sim_job_free(j);
  }
  /* an answer in place of the stream wins */
  gf__sim_job *j = job_for(&c, "x [[fault:reset]][[at:head]][[fault:503]]", 1);
  CHECK_INT(j->status, 503);
  CHECK_INT(j->head_cut, 0);
  gf__sim_job_free(j);
  /* [[times:N]] used up: no cut */
  c.tally = gf__sim_tally_new();
  j = job_for(&c, "x [[fault:reset]][[at:head]][[times:1]]", 1);
  CHECK_INT(j->head_cut, GF_SIM_AT_HEAD);
  gf__sim_job_free(j);
  j = job_for(&c, "x [[fault:reset]][[at:head]][[times:1]]", 1);
  CHECK_INT(j->head_cut, 0);
  CHECK(j->plan.n > 0);
  gf__sim_job_free(j);
  gf__sim_tally_free(c.tally);
}

/* With a Content-Length: the connection faults announce the whole body
 * and cut it short; an error object inside the image counts what is
 * sent. */
static void test_stage_lengths(void) {
  static const struct {
    const char *prompt;
    int end, whole; /* whole: the body is as long as announced */
  } v[] = {{"x [[body:length]][[fault:reset]][[at:between]]", GF_SIM_RESET, 0},
           {"x [[body:length]][[fault:close]][[at:image]]", GF_SIM_CLOSE, 0},
           {"x [[body:length]][[fault:eof]][[at:usage]]", GF_SIM_EOF, 0},
           {"x [[body:length]][[fault:midstream]][[at:image]]", GF_SIM_END, 1},
           {"x [[body:length]][[fault:midstream]][[at:between]]", GF_SIM_END,
            1},
           {"x [[body:length]][[fault:error-event]][[at:usage]]", GF_SIM_END,
            1},
           {"x [[body:length]][[fault:stall]]", GF_SIM_STALL, 0},
           {"x [[body:length]][[fault:drip]]", GF_SIM_END, 1}};
  gf__sim_cfg c = cfg_default();
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    gf__sim_job *j = job_for(&c, v[i].prompt, 1);
    produced o;
    produce(j, 16384, &o);
    uint64_t len = 0;
    CHECK_INT(gf__sim_plan_length(&j->plan, j->imgs, &len), 0);
    CHECK_INT(o.end, v[i].end);
    if (v[i].whole)
      CHECK_INT(o.body.len, len);
    else
      CHECK(o.body.len < len);
    gf__buf_free(&o.body);
    gf__sim_job_free(j);
  }
}

/* stall: the first thought, then nothing; drip: short thoughts in pieces
 * 100 ms apart, then the image at once. */
static void test_stall_and_drip(void) {
  EXPECT("x [[fault:stall]]", 1, "T", GF_SIM_STALL);
  EXPECT("x [[fault:stall]][[fault:reset]]", 1, "T T T", GF_SIM_RESET);
  gf__sim_cfg c = cfg_default();
  produced o;
  decoded d;
  gf__sim_job *j = job_for(&c, "x [[fault:stall]][[thoughts:0]]", 1);
  produce(j, 16384, &o); /* at once after the head */
  CHECK_INT(o.body.len, 0);
  CHECK_INT(o.end, GF_SIM_STALL);
  gf__buf_free(&o.body);
  gf__sim_job_free(j);
  j = run(&c, "a cat on a mat [[fault:drip]]", 1, &o, &d);
  CHECK_STR(d.seq, "T T T I F:STOP");
  CHECK(o.pauses >= GF_SIM_DRIP_PIECES - 1 && o.pauses <= GF_SIM_DRIP_PIECES);
  for (int i = 0; i < o.pauses && i < 128; i++)
    CHECK_INT(o.pause_ms[i], GF_SIM_DRIP_MS);
  CHECK(memmem(o.body.data, o.body.len, "Thinking, step 3.", 17) != NULL);
  CHECK(memmem(o.body.data, o.body.len, "Planning", 8) == NULL);
  /* the thoughts make GF_SIM_DRIP_PIECES pieces, the last one maybe
   * short */
  const char *img = memmem(o.body.data, o.body.len, "inlineData", 10);
  size_t thoughts = 0;
  for (const char *q = o.body.data; img && q < img; q++)
    if (!strncmp(q, "\r\n\r\n", 4))
      thoughts = (size_t)(q + 4 - o.body.data);
  CHECK(thoughts > j->plan.drip_piece * (GF_SIM_DRIP_PIECES - 1));
  CHECK(thoughts <= j->plan.drip_piece * GF_SIM_DRIP_PIECES);
  unsigned char sha[32];
  uint64_t len;
  expected_sha(j, sha, &len);
  CHECK_MEM(d.final_sha, 32, sha, 32);
  decoded_free(&d);
  gf__buf_free(&o.body);
  gf__sim_job_free(j);
  /* with think pauses too */
  j = run(&c, "x [[fault:drip]][[think:5]][[thoughts:2]]", 1, &o, &d);
  CHECK_STR(d.seq, "T T I F:STOP");
  CHECK(o.pauses >= GF_SIM_DRIP_PIECES + 1);
  decoded_free(&d);
  gf__buf_free(&o.body);
  gf__sim_job_free(j);
}

/* The new answers: 502, 504, the 307, the HTML 200; the head's 103s and
 * its padding; which answer wins. */
static void test_more_answers(void) {
  gf__sim_cfg c = cfg_default();
  static const struct {
    const char *prompt, *status;
    int code;
  } v[] = {{"x [[fault:502]]", "UNAVAILABLE", 502},
           {"x [[fault:504]]", "DEADLINE_EXCEEDED", 504},
           {"x [[fault:500]][[fault:502]]", "INTERNAL", 500},
           {"x [[fault:504]][[fault:502]]", "UNAVAILABLE", 502},
           {"x [[fault:3xx]][[fault:504]]", "DEADLINE_EXCEEDED", 504},
           {"x [[fault:html200]][[fault:3xx]]", "REDIRECT", 307},
           {"x [[fault:429]][[fault:html200]]", "RESOURCE_EXHAUSTED", 429}};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    gf__sim_job *j = job_for(&c, v[i].prompt, 1);
    CHECK_INT(j->status, v[i].code);
    CHECK_STR(j->err.api_status, v[i].status);
    CHECK_INT(j->html, 0);
    CHECK(j->imgs[0] == NULL);
    CHECK_INT(gf__sim_job_streams(j), 0);
    gf__buf h;
    gf__buf_init(&h, 0);
    CHECK_INT(gf__sim_job_head(j, 1, &h), 0);
    char line[64];
    snprintf(line, sizeof line, "HTTP/1.1 %d ", v[i].code);
    CHECK(strncmp(h.data, line, strlen(line)) == 0);
    CHECK((strstr(h.data, "Retry-After") != NULL) == (v[i].code == 429));
    if (v[i].code == 502 || v[i].code == 504) {
      const char *body = strstr(h.data, "\r\n\r\n");
      json_object *o = body ? json_tokener_parse(body + 4) : NULL;
      CHECK_INT(json_object_get_int(get(get(o, "error"), "code")),
                v[i].code);
      CHECK_STR(json_object_get_string(get(get(o, "error"), "status")),
                v[i].status);
      json_object_put(o);
    }
    gf__buf_free(&h);
    gf__sim_job_free(j);
  }
  /* the 307: elsewhere, the same path without the key, an HTML body */
  gf__sim_job *j = job_for(&c, "x [[fault:3xx]]", 1);
  gf__buf h;
  gf__buf_init(&h, 0);
  CHECK_INT(gf__sim_job_head(j, 1, &h), 0);
  CHECK(strncmp(h.data, "HTTP/1.1 307 Temporary Redirect\r\n", 33) == 0);
  CHECK(strstr(h.data, "\r\nLocation: https://elsewhere.example" PATH
                       "?alt=sse\r\n") != NULL);
  CHECK(strstr(h.data, "\r\nContent-Type: text/html; charset=UTF-8\r\n"));
  CHECK(strstr(h.data, "<A HREF=\"https://elsewhere.example" PATH));
  CHECK(strstr(h.data, "key=") == NULL);
  gf__buf_free(&h);
  gf__sim_job_free(j);
  /* the HTML 200: no stream, no image made, its length announced */
  j = job_for(&c, "x [[fault:html200]][[fault:reset]][[at:head]]", 1);
  CHECK_INT(j->status, 200);
  CHECK_INT(j->html, 1);
  CHECK_INT(j->head_cut, 0);
  CHECK_INT(gf__sim_job_streams(j), 0);
  CHECK_INT(j->plan.n, 0);
  CHECK(j->imgs[0] == NULL);
  gf__buf_init(&h, 0);
  CHECK_INT(gf__sim_job_head(j, 1, &h), 0);
  CHECK(strncmp(h.data, "HTTP/1.1 200 OK\r\n", 17) == 0);
  CHECK(strstr(h.data, "\r\nContent-Type: text/html; charset=UTF-8\r\n"));
  CHECK(strstr(h.data, "Retry-After") == NULL);
  const char *body = strstr(h.data, "\r\n\r\n");
  CHECK(body && strncmp(body + 4, "<!DOCTYPE html>", 15) == 0);
  if (body) {
    char cl[64];
    snprintf(cl, sizeof cl, "\r\nContent-Length: %zu\r\n", strlen(body + 4));
    CHECK(strstr(h.data, cl) != NULL);
  }
  gf__buf_free(&h);
  FILE *f = tmpfile();
  CHECK_INT(gf__sim_job_log(j, f, 0), 0);
  rewind(f);
  char line[4096];
  CHECK(fgets(line, sizeof line, f) != NULL);
  CHECK(strstr(line, "\"sse\":false") && strstr(line, "\"sha256\":null"));
  CHECK(strstr(line, "\"fault\":\"reset,html200\""));
  fclose(f);
  gf__sim_job_free(j);
  /* 103s first, on a stream or an error answer alike */
  static const struct {
    const char *prompt;
    int interims, code;
  } e[] = {{"x [[fault:1xx]]", 1, 200},
           {"x [[fault:1xx-flood]]", GF_SIM_INTERIM_FLOOD, 200},
           {"x [[fault:1xx]][[fault:1xx-flood]]", GF_SIM_INTERIM_FLOOD, 200},
           {"x [[fault:1xx]][[fault:429]]", 1, 429}};
  for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
    j = job_for(&c, e[i].prompt, 1);
    gf__buf_init(&h, 0);
    CHECK_INT(gf__sim_job_head(j, 1, &h), 0);
    int n = 0;
    const char *p = h.data;
    static const char early[] =
        "HTTP/1.1 103 Early Hints\r\nLink: </static/sim.css>; rel=preload; "
        "as=style\r\n\r\n";
    while (strncmp(p, early, sizeof early - 1) == 0) {
      n++;
      p += sizeof early - 1;
    }
    CHECK_INT(n, e[i].interims);
    char line2[64];
    snprintf(line2, sizeof line2, "HTTP/1.1 %d ", e[i].code);
    CHECK(strncmp(p, line2, strlen(line2)) == 0);
    CHECK(strstr(p, "103") == NULL);
    gf__buf_free(&h);
    gf__sim_job_free(j);
  }
  /* one header of 20 KiB */
  j = job_for(&c, "x [[fault:bigheaders]]", 1);
  CHECK_INT(gf__sim_job_streams(j), 1);
  gf__buf_init(&h, 0);
  CHECK_INT(gf__sim_job_head(j, 1, &h), 0);
  const char *pad = strstr(h.data, "\r\nX-Sim-Padding: ");
  CHECK(pad != NULL);
  if (pad) {
    pad += 17;
    CHECK_INT(strcspn(pad, "\r"), GF_SIM_BIG_HEADER);
  }
  gf__buf_free(&h);
  gf__sim_job_free(j);
}

int main(int argc, char **argv) {
  static const gf_t_case cases[] = {
      TEST(test_default_stream), TEST(test_framing_markers),
      TEST(test_array_mode), TEST(test_fault_markers),
      TEST(test_midstream_raw), TEST(test_image_variants),
      TEST(test_http_faults_and_heads), TEST(test_log_line),
      TEST(test_cache), TEST(test_stamps), TEST(test_stages),
      TEST(test_head_stages), TEST(test_stage_lengths),
      TEST(test_stall_and_drip), TEST(test_more_answers)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  /* shared by the cases above: freed once they have all run */
  gf__sim_cache_free(cache);
  return rc;
}
