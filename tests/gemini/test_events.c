/* The response event decoder: SSE events, the JSON-array body and raw
 * lines, each vector fed whole, split at every byte boundary, and byte by
 * byte, with one exact transcript of callbacks and summary expected. */
#include <stdarg.h>

#include "common/buf.h"
#include "gemini/gemini.h"
#include "test.h"

/* ---- the transcript ---- */
typedef struct rec {
  gf__buf log, img;
  int cancel_data; /* on_image_data returns GF_ECANCELED */
} rec;

static void rec_add(rec *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void rec_add(rec *r, const char *fmt, ...) {
  char line[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  gf__buf_append(&r->log, line,
                 n < (int)sizeof line ? (size_t)n : sizeof line - 1);
}

static int cb_thought(void *ud, const char *t, size_t n) {
  rec_add(ud, "thought(%.*s)\n", (int)n, t);
  return 0;
}
static int cb_text(void *ud, const char *t, size_t n) {
  rec_add(ud, "text(%.*s)\n", (int)n, t);
  return 0;
}
static int cb_begin(void *ud, const char *mime, int thought) {
  rec *r = ud;
  gf__buf_reset(&r->img);
  rec_add(r, "begin(%s,%d)\n", mime ? mime : "-", thought);
  return 0;
}
static int cb_data(void *ud, const unsigned char *p, size_t n) {
  rec *r = ud;
  if (n == 0)
    rec_add(r, "EMPTY-DATA-CALL\n");
  gf__buf_append(&r->img, p, n);
  return r->cancel_data ? GF_ECANCELED : 0;
}
static int cb_end(void *ud, const char *mime, int thought, uint64_t bytes) {
  rec *r = ud;
  rec_add(r, "data(");
  for (size_t i = 0; i < r->img.len; i++)
    rec_add(r, "%02x", (unsigned char)r->img.data[i]);
  rec_add(r, ")\nend(%s,%d,%" PRIu64 ")\n", mime ? mime : "-", thought, bytes);
  return 0;
}
static int cb_usage(void *ud, const gf_usage *u) {
  rec_add(ud, "usage(%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ")\n",
          u->prompt_tokens, u->candidates_tokens, u->thoughts_tokens,
          u->total_tokens);
  return 0;
}

static const gf__ev_cbs cbs = {cb_thought, cb_text, cb_begin,
                               cb_data,    cb_end,  cb_usage, NULL};

#define S(x) ((x) ? (x) : "-")
static void rec_summary(rec *r, const gf__gem_summary *s) {
  rec_add(r,
          "sum(ev=%d img=%d final=%d finish=%s block=%s model=%s id=%s "
          "usage=%d verdict=%s)\n",
          s->events, s->images, s->final_images, S(s->finish_reason),
          S(s->block_reason), S(s->model_version), S(s->response_id),
          s->have_usage, gf_err_name(gf__gemini_verdict(s)));
  if (s->have_error)
    rec_add(r, "err(%d,%s,%s,%s,%g)\n", s->error.code, S(s->error.status),
            S(s->error.message), S(s->error.reason), s->error.retry_delay_s);
}

/* ---- feeding ---- */
enum { WHOLE, SPLIT, BYTES };
#define RAW "\x01" /* an SSE vector entry that is a raw line */

typedef int (*feed_fn)(gf__evdec *, const char *, size_t);

static int feed(gf__evdec *d, feed_fn f, const char *p, size_t n, int how,
                size_t k) {
  int rc = 0;
  if (how == WHOLE)
    return f(d, p, n);
  if (how == SPLIT) {
    size_t a = k < n ? k : n;
    rc = f(d, p, a);
    return rc ? rc : f(d, p + a, n - a);
  }
  for (size_t i = 0; i < n && !rc; i++)
    rc = f(d, p + i, 1);
  return rc;
}

typedef struct vec {
  const char *const *events; /* SSE mode, NULL-terminated; or */
  const char *body;          /* JSON-array mode */
  size_t max_event;
  int cancel_data;
} vec;

static char *run(const vec *v, int how, size_t k) {
  rec r = {0};
  gf__buf_init(&r.log, 0);
  gf__buf_init(&r.img, 0);
  r.cancel_data = v->cancel_data;
  gf__evdec *d = gf__evdec_new(&cbs, &r, v->max_event);
  int rc = 0;
  if (v->body) {
    rc = feed(d, gf__evdec_array_feed, v->body, strlen(v->body), how, k);
  } else {
    for (const char *const *e = v->events; *e && !rc; e++) {
      if (**e == RAW[0]) {
        rc = gf__evdec_raw_line(d, *e + 1, strlen(*e + 1));
      } else {
        rc = feed(d, gf__evdec_event_feed, *e, strlen(*e), how, k);
        if (!rc)
          rc = gf__evdec_event_end(d);
      }
    }
  }
  if (rc)
    rec_add(&r, "rc=%s\n", gf_err_name(rc));
  else
    rec_add(&r, "finish=%s\n", gf_err_name(gf__evdec_finish(d)));
  rec_summary(&r, gf__evdec_summary(d));
  gf__evdec_free(d);
  gf__buf_free(&r.img);
  return r.log.data;
}

static size_t longest(const vec *v) {
  if (v->body)
    return strlen(v->body);
  size_t m = 0;
  for (const char *const *e = v->events; *e; e++)
    m = strlen(*e) > m ? strlen(*e) : m;
  return m;
}

/* Whole, at every split point, and byte by byte: one transcript. */
static void check_vec(int line, const vec *v, const char *want) {
  char *got = run(v, WHOLE, 0);
  if (strcmp(got, want) != 0)
    fprintf(stderr, "vector at line %d, fed whole:\n", line);
  CHECK_STR(got, want);
  free(got);
  size_t n = longest(v);
  for (size_t k = 1; k < n; k++) {
    got = run(v, SPLIT, k);
    int bad = strcmp(got, want) != 0;
    if (bad)
      fprintf(stderr, "vector at line %d, split at %zu:\n", line, k);
    CHECK_STR(got, want);
    free(got);
    if (bad)
      break;
  }
  got = run(v, BYTES, 0);
  if (strcmp(got, want) != 0)
    fprintf(stderr, "vector at line %d, byte by byte:\n", line);
  CHECK_STR(got, want);
  free(got);
}

#define CHECK_SSE(want, ...)                                                   \
  do {                                                                         \
    static const char *const evs_[] = {__VA_ARGS__, NULL};                     \
    vec v_ = {evs_, NULL, 0, 0};                                               \
    check_vec(__LINE__, &v_, want);                                            \
  } while (0)
#define CHECK_ARRAY(want, body)                                                \
  do {                                                                         \
    vec v_ = {NULL, body, 0, 0};                                               \
    check_vec(__LINE__, &v_, want);                                            \
  } while (0)

/* 16 bytes: a PNG signature and the start of IHDR. */
#define PNG16 "iVBORw0KGgoAAAANSUhEUg=="
#define PNG16_HEX "89504e470d0a1a0a0000000d49484452"
/* 11 bytes of a JFIF header; its base64 has two '/'. */
#define JPG11_HEX "ffd8ffe000104a46494600"
#define HELLO "SGVsbG8=" /* "Hello": no known magic */
/* PNG16's bytes three times: 48 bytes, 64 characters, no padding */
#define PNG48 "iVBORw0KGgoAAAANSUhEUolQTkcNChoKAAAADUlIRFKJUE5HDQoaCgAAAA1JSERS"

#define PART_IMG(inner)                                                        \
  "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[" inner "]}}]" \
                                                                        "}"

/* ---- the seed's three event shapes ---- */
static const char *const seed1 =
    "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":"
    "\"**Planning** the sunset\",\"thought\":true}]}}],\"usageMetadata\":{"
    "\"trafficType\":\"ON_DEMAND\"},\"modelVersion\":\"gemini-3-pro-image-"
    "preview\",\"createTime\":\"2025-11-20T10:00:00.000Z\",\"responseId\":"
    "\"r1\"}";
static const char *const seed2 =
    "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{"
    "\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"" PNG16
    "\"}}]}}],\"modelVersion\":\"gemini-3-pro-image-preview\","
    "\"responseId\":\"r1\"}";
static const char *const seed3 =
    "{\"usageMetadata\":{\"promptTokenCount\":8,\"candidatesTokenCount\":1120,"
    "\"totalTokenCount\":1392,\"trafficType\":\"ON_DEMAND\","
    "\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":8}],"
    "\"candidatesTokensDetails\":[{\"modality\":\"IMAGE\",\"tokenCount\":1120}"
    "],\"thoughtsTokenCount\":264}}";

static void test_seed_shapes(void) {
  /* the seed's stream has no finishReason at all */
  CHECK_SSE("thought(**Planning** the sunset)\n"
            "begin(image/png,0)\n"
            "data(" PNG16_HEX ")\n"
            "end(image/png,0,16)\n"
            "usage(8,1120,264,1392)\n"
            "finish=ok\n"
            "sum(ev=3 img=1 final=1 finish=- block=- "
            "model=gemini-3-pro-image-preview id=r1 usage=1 "
            "verdict=no_finish)\n",
            seed1, seed2, seed3);
}

static void test_seed_with_stop(void) {
  CHECK_SSE("thought(**Planning** the sunset)\n"
            "begin(image/png,0)\n"
            "data(" PNG16_HEX ")\n"
            "end(image/png,0,16)\n"
            "usage(8,1120,264,1392)\n"
            "finish=ok\n"
            "sum(ev=3 img=1 final=1 finish=STOP block=- "
            "model=gemini-3-pro-image-preview id=r1 usage=1 verdict=ok)\n",
            seed1,
            "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{"
            "\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"" PNG16
            "\"}}]},\"finishReason\":\"STOP\",\"index\":0}]}",
            seed3);
}

/* ---- key order ---- */
static void test_mime_after_data(void) {
  /* the begin cannot know the mimeType yet: the magic bytes say nothing */
  CHECK_SSE("begin(-,0)\n"
            "data(48656c6c6f)\n"
            "end(image/png,0,5)\n"
            "finish=ok\n"
            "sum(ev=1 img=1 final=1 finish=- block=- model=- id=- usage=0 "
            "verdict=no_finish)\n",
            PART_IMG("{\"inlineData\":{\"data\":\"" HELLO
                     "\",\"mimeType\":\"image/png\"}}"));
  /* ... the magic bytes do: a PNG, and a JPEG shorter than the sniff window */
  CHECK_SSE("begin(image/png,0)\n"
            "data(" PNG16_HEX ")\n"
            "end(image/webp,0,16)\n"
            "finish=ok\n"
            "sum(ev=1 img=1 final=1 finish=- block=- model=- id=- usage=0 "
            "verdict=no_finish)\n",
            PART_IMG("{\"inlineData\":{\"data\":\"" PNG16
                     "\",\"mimeType\":\"image/webp\"}}"));
  CHECK_SSE("begin(image/jpeg,0)\n"
            "data(" JPG11_HEX ")\n"
            "end(image/jpeg,0,11)\n"
            "finish=ok\n"
            "sum(ev=1 img=1 final=1 finish=- block=- model=- id=- usage=0 "
            "verdict=no_finish)\n",
            PART_IMG("{\"inline_data\":{\"data\":\"/9j/4AAQSkZJRgA=\"}}"));
}

static void test_mime_before_data(void) {
  CHECK_SSE(
      "begin(image/png,0)\n"
      "data(48656c6c6f)\n"
      "end(image/png,0,5)\n"
      "finish=ok\n"
      "sum(ev=1 img=1 final=1 finish=- block=- model=- id=- usage=0 "
      "verdict=no_finish)\n",
      PART_IMG("{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"" HELLO
               "\"}}"));
  /* an escaped slash in the mime type, snake_case keys */
  CHECK_SSE("begin(image/png,0)\n"
            "data(48656c6c6f)\n"
            "end(image/png,0,5)\n"
            "finish=ok\n"
            "sum(ev=1 img=1 final=1 finish=- block=- model=- id=- usage=0 "
            "verdict=no_finish)\n",
            PART_IMG("{\"inline_data\":{\"mime_type\":\"image\\/png\","
                     "\"data\":\"" HELLO "\"}}"));
}

static void test_thought_order(void) {
  const char *after_want = "begin(image/png,0)\n"
                           "data(" PNG16_HEX ")\n"
                           "end(image/png,1,16)\n"
                           "finish=ok\n"
                           "sum(ev=1 img=1 final=0 finish=- block=- model=- "
                           "id=- usage=0 verdict=no_finish)\n";
  CHECK_SSE(
      after_want,
      PART_IMG("{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"" PNG16
               "\"},\"thought\":true}"));
  CHECK_SSE("begin(image/png,1)\n"
            "data(" PNG16_HEX ")\n"
            "end(image/png,1,16)\n"
            "finish=ok\n"
            "sum(ev=1 img=1 final=0 finish=- block=- model=- id=- usage=0 "
            "verdict=no_finish)\n",
            PART_IMG("{\"thought\":true,\"inlineData\":{\"data\":\"" PNG16
                     "\",\"mimeType\":\"image/png\"}}"));
  /* false, and a non-boolean, are not thoughts; the last value counts */
  CHECK_SSE("begin(image/png,1)\n"
            "data(" PNG16_HEX ")\n"
            "end(image/png,0,16)\n"
            "finish=ok\n"
            "sum(ev=1 img=1 final=1 finish=- block=- model=- id=- usage=0 "
            "verdict=no_finish)\n",
            PART_IMG("{\"thought\":true,\"inlineData\":{\"data\":\"" PNG16
                     "\"},\"thought\":\"yes\"}"));
}

static void test_usage_before_candidates(void) {
  CHECK_SSE(
      "begin(image/png,0)\n"
      "data(" PNG16_HEX ")\n"
      "end(image/png,0,16)\n"
      "usage(3,1120,100,1223)\n"
      "finish=ok\n"
      "sum(ev=1 img=1 final=1 finish=STOP block=- model=m1 id=x "
      "usage=1 verdict=ok)\n",
      "{\"responseId\":\"x\",\"usageMetadata\":{\"totalTokenCount\":1223,"
      "\"thoughtsTokenCount\":100,\"candidatesTokenCount\":1120,"
      "\"promptTokenCount\":3},\"modelVersion\":\"m1\",\"candidates\":[{"
      "\"finishReason\":\"STOP\",\"content\":{\"parts\":[{\"inlineData\":{"
      "\"mimeType\":\"image/png\",\"data\":\"" PNG16
      "\"}}],\"role\":\"model\"}}]}");
}

/* Counts that are absent keep the value before; on_usage each time. */
static void test_usage_last_wins(void) {
  CHECK_SSE(
      "usage(8,0,0,8)\n"
      "usage(8,1120,264,1392)\n"
      "usage(9,1120,264,1400)\n"
      "finish=ok\n"
      "sum(ev=4 img=0 final=0 finish=- block=- model=- id=- usage=1 "
      "verdict=no_finish)\n",
      "{\"usageMetadata\":{\"trafficType\":\"ON_DEMAND\"}}",
      "{\"usageMetadata\":{\"promptTokenCount\":8,\"totalTokenCount\":8}}",
      seed3,
      "{\"usageMetadata\":{\"promptTokenCount\":9,\"totalTokenCount\":"
      "1400}}");
}

/* ---- escapes inside the base64 ---- */
static void test_b64_escapes(void) {
  const char *want = "begin(image/jpeg,0)\n"
                     "data(" JPG11_HEX ")\n"
                     "end(image/jpeg,0,11)\n"
                     "finish=ok\n"
                     "sum(ev=1 img=1 final=1 finish=- block=- model=- id=- "
                     "usage=0 verdict=no_finish)\n";
  CHECK_SSE(want, PART_IMG("{\"inlineData\":{\"mimeType\":\"image/jpeg\","
                           "\"data\":\"\\/9j\\/4AAQSkZJRgA=\"}}"));
  CHECK_SSE(want,
            PART_IMG("{\"inlineData\":{\"mimeType\":\"image/jpeg\","
                     "\"data\":\"\\u002F9j\\u002f4AAQSkZJRgA\\u003d\"}}"));
  /* an escaped line break (wrapped base64) is skipped like a raw one */
  CHECK_SSE(want, PART_IMG("{\"inlineData\":{\"mimeType\":\"image/jpeg\","
                           "\"data\":\"/9j/4AAQ\\nSkZJ\\r\\nRgA=\"}}"));
  /* an escaped key is the same key */
  CHECK_SSE(want,
            PART_IMG("{\"inline\\u0044ata\":{\"mime\\u0054ype\":"
                     "\"image/jpeg\",\"\\u0064ata\":\"/9j/4AAQSkZJRgA=\"}}"));
}

/* ---- images ---- */
static void test_interim_then_final(void) {
  CHECK_SSE("thought(Drafting)\n"
            "begin(image/png,1)\n"
            "data(" PNG16_HEX ")\n"
            "end(image/png,1,16)\n"
            "begin(image/jpeg,0)\n" /* its thought flag comes after */
            "data(" JPG11_HEX ")\n"
            "end(image/jpeg,1,11)\n"
            "begin(image/png,0)\n"
            "data(" PNG16_HEX ")\n"
            "end(image/png,0,16)\n"
            "usage(8,1120,300,1428)\n"
            "finish=ok\n"
            "sum(ev=4 img=3 final=1 finish=STOP block=- model=- id=- usage=1 "
            "verdict=ok)\n",
            PART_IMG("{\"text\":\"Drafting\",\"thought\":true}"),
            PART_IMG("{\"thought\":true,\"inlineData\":{\"mimeType\":"
                     "\"image/png\",\"data\":\"" PNG16 "\"}}"),
            PART_IMG("{\"inlineData\":{\"mimeType\":\"image/jpeg\",\"data\":"
                     "\"/9j/4AAQSkZJRgA=\"},\"thought\":true}"),
            "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{"
            "\"mimeType\":\"image/png\",\"data\":\"" PNG16
            "\"}}]},\"finishReason\":\"STOP\"}],\"usageMetadata\":{"
            "\"promptTokenCount\":8,\"candidatesTokenCount\":1120,"
            "\"thoughtsTokenCount\":300,\"totalTokenCount\":1428}}");
}

static void test_only_thought_image_stop(void) {
  CHECK_SSE("begin(image/png,1)\n"
            "data(" PNG16_HEX ")\n"
            "end(image/png,1,16)\n"
            "finish=ok\n"
            "sum(ev=2 img=1 final=0 finish=STOP block=- model=- id=- usage=0 "
            "verdict=ok)\n",
            PART_IMG("{\"thought\":true,\"inlineData\":{\"mimeType\":"
                     "\"image/png\",\"data\":\"" PNG16 "\"}}"),
            "{\"candidates\":[{\"finishReason\":\"STOP\"}]}");
}

/* Two parts with images in one event, and a text part between them: the
 * images go out as they stream, the text at the event's end. */
static void test_two_parts_one_event(void) {
  CHECK_SSE("begin(image/png,1)\n"
            "data(" PNG16_HEX ")\n"
            "end(image/png,1,16)\n"
            "begin(-,0)\n"
            "data(48656c6c6f)\n"
            "end(-,0,5)\n"
            "text(between)\n"
            "finish=ok\n"
            "sum(ev=1 img=2 final=1 finish=- block=- model=- id=- usage=0 "
            "verdict=no_finish)\n",
            PART_IMG("{\"thought\":true,\"inlineData\":{\"data\":\"" PNG16
                     "\"}},{\"text\":\"between\"},{\"inlineData\":{\"data\":"
                     "\"" HELLO "\"}}"));
}

/* An empty data string is no image; inlineData elsewhere is no image
 * either (it is small, and is copied like any other string). */
static void test_not_images(void) {
  CHECK_SSE("finish=ok\n"
            "sum(ev=2 img=0 final=0 finish=STOP block=- model=- id=- usage=0 "
            "verdict=no_image)\n",
            PART_IMG("{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":"
                     "\"\"}}"),
            "{\"inlineData\":{\"data\":\"" HELLO "\"},\"candidates\":[{"
            "\"finishReason\":\"STOP\",\"inlineData\":{\"data\":\"" HELLO
            "\"}}]}");
}

/* ---- text, blocks, finish reasons, errors ---- */
static void test_text_parts(void) {
  CHECK_SSE("thought(Thinking about it)\n"
            "text(Here is )\n"
            "text(caf\xc3\xa9 \xf0\x9f\x98\x80\n)\n"
            "begin(image/png,0)\n"
            "data(" PNG16_HEX ")\n"
            "end(image/png,0,16)\n"
            "finish=ok\n"
            "sum(ev=2 img=1 final=1 finish=STOP block=- model=- id=- usage=0 "
            "verdict=ok)\n",
            PART_IMG("{\"text\":\"Thinking about it\",\"thought\":true},{"
                     "\"text\":\"Here is \",\"thought\":false},{\"text\":"
                     "\"caf\\u00e9 \\ud83d\\ude00\\n\"},{\"text\":\"\"}"),
            "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{"
            "\"mimeType\":\"image/png\",\"data\":\"" PNG16
            "\"}}]},\"finishReason\":\"STOP\"}]}");
}

static void test_prompt_blocked(void) {
  CHECK_SSE(
      "usage(7,0,0,7)\n"
      "finish=ok\n"
      "sum(ev=1 img=0 final=0 finish=- block=PROHIBITED_CONTENT "
      "model=- id=- usage=1 verdict=prompt_blocked)\n",
      "{\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"},"
      "\"usageMetadata\":{\"promptTokenCount\":7,\"totalTokenCount\":7}}");
}

static void test_image_safety(void) {
  CHECK_SSE("thought(Considering)\n"
            "finish=ok\n"
            "sum(ev=2 img=0 final=0 finish=IMAGE_SAFETY block=- model=- id=- "
            "usage=0 verdict=finish_reason)\n",
            PART_IMG("{\"text\":\"Considering\",\"thought\":true}"),
            "{\"candidates\":[{\"finishReason\":\"IMAGE_SAFETY\","
            "\"index\":0}]}");
}

static void test_error_event(void) {
  CHECK_SSE("thought(Hmm)\n"
            "rc=api_error\n"
            "sum(ev=2 img=0 final=0 finish=- block=- model=- id=- usage=0 "
            "verdict=api_error)\n"
            "err(429,RESOURCE_EXHAUSTED,Resource has been exhausted,-,57.23)\n",
            PART_IMG("{\"text\":\"Hmm\",\"thought\":true}"),
            "{\"error\":{\"code\":429,\"message\":\"Resource has been "
            "exhausted\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{"
            "\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\","
            "\"retryDelay\":\"57.23s\"}]}}",
            /* nothing after the error is read */
            "{\"candidates\":[{\"finishReason\":\"STOP\"}]}");
}

/* ---- bad input ---- */
#define BAD(rc, ...)                                                           \
  CHECK_SSE("rc=" rc "\nsum(ev=0 img=0 final=0 finish=- block=- model=- "      \
            "id=- usage=0 verdict=no_finish)\n",                               \
            __VA_ARGS__)

/* A gateway's "[DONE]" terminator is skipped, nothing else like it. */
static void test_done_sentinel(void) {
  CHECK_SSE("thought(**Planning** the sunset)\n"
            "finish=ok\n"
            "sum(ev=1 img=0 final=0 finish=- block=- "
            "model=gemini-3-pro-image-preview id=r1 usage=0 "
            "verdict=no_finish)\n",
            seed1, "[DONE]");
  BAD("bad_json", "[DONE]x");
  BAD("bad_json", "[DON]");
  BAD("bad_json", "[DONE] [DONE]");
  BAD("bad_json", " [DONE]"); /* exactly the sentinel, split or not */
}

static void test_bad_json(void) {
  BAD("bad_json", "{\"a\":1,}");
  BAD("bad_json", "{\"a\":tru}");
  BAD("bad_json", "{\"a\":truex}");
  BAD("bad_json", "{\"a\":01}");
  BAD("bad_json", "{\"a\":1.}");
  BAD("bad_json", "{\"a\":-}");
  BAD("bad_json", "{\"a\":1e}");
  BAD("bad_json", "{\"a\":\"x\\qy\"}");
  BAD("bad_json", "{\"a\":\"\\u12G4\"}");
  BAD("bad_json", "{\"a\":\"raw\nline\"}");
  BAD("bad_json", "{\"a\" 1}");
  BAD("bad_json", "{a:1}");
  BAD("bad_json", "{\"a\":[1}");
  BAD("bad_json", "{\"a\":{]}");
  BAD("bad_json", "[1]");
  BAD("bad_json", "42");
  BAD("bad_json", "data: {}");
  BAD("bad_json", "{\"a\":1} x");
  BAD("bad_json", "{\"a\":1}{}");
  BAD("bad_json", "{\"a\":[1,2"); /* incomplete at the event's end */
  /* a raw line break inside the image data is invalid JSON, not skipped */
  BAD("bad_json", PART_IMG("{\"inlineData\":{\"data\":\"SGVs\nbG8=\"}}"));
  BAD("bad_json", PART_IMG("{\"inlineData\":{\"data\":\"SGVs\\xbG8=\"}}"));
}

static void test_good_numbers(void) {
  CHECK_SSE("usage(0,-1,12,1)\n"
            "finish=ok\n"
            "sum(ev=1 img=0 final=0 finish=- block=- model=- id=- usage=1 "
            "verdict=no_finish)\n",
            "{\"n\":[0,-0,1.5,-2.25e+3,7E-1,0.0e0,1e9],\"b\":[true,false,"
            "null],\"usageMetadata\":{\"promptTokenCount\":0,"
            "\"candidatesTokenCount\":-1,\"thoughtsTokenCount\":12,"
            "\"totalTokenCount\":1}}");
}

static void test_bad_base64(void) {
  BAD("bad_base64", PART_IMG("{\"inlineData\":{\"data\":\"iVB*\"}}"));
  BAD("bad_base64", PART_IMG("{\"inlineData\":{\"data\":\"SGVsbG8\\u00e9\"}}"));
  BAD("bad_base64", PART_IMG("{\"inlineData\":{\"data\":\"SGVsbG8=A\"}}"));
  BAD("bad_base64", PART_IMG("{\"inlineData\":{\"data\":\"SGVsb\"}}"));
  BAD("bad_base64", PART_IMG("{\"inlineData\":{\"data\":\"SGVs\\tbG8=\"}}"));
  /* the error comes at its byte, before the JSON error after it */
  BAD("bad_base64", PART_IMG("{\"inlineData\":{\"data\":\"SG!VsbG8=\"}x}"));
}

static void test_two_images_in_one_part(void) {
  CHECK_SSE("begin(-,0)\n"
            "rc=bad_json\n"
            "sum(ev=0 img=0 final=0 finish=- block=- model=- id=- usage=0 "
            "verdict=no_finish)\n",
            PART_IMG("{\"inlineData\":{\"data\":\"" HELLO "\"},"
                     "\"inline_data\":{\"data\":\"" HELLO "\"}}"));
}

static void test_empty_events_ignored(void) {
  CHECK_SSE("finish=ok\n"
            "sum(ev=0 img=0 final=0 finish=- block=- model=- id=- usage=0 "
            "verdict=no_finish)\n",
            " ", "\r\n \t");
}

static void test_depth_limit(void) {
  char deep[200] = "{\"a\":";
  for (int i = 0; i < 31; i++)
    strcat(deep, "[");
  strcat(deep, "1");
  for (int i = 0; i < 31; i++)
    strcat(deep, "]");
  strcat(deep, "}");
  const char *ok_evs[] = {deep, NULL};
  vec v = {ok_evs, NULL, 0, 0};
  check_vec(__LINE__, &v,
            "finish=ok\nsum(ev=1 img=0 final=0 finish=- block=- model=- id=- "
            "usage=0 verdict=no_finish)\n");
  char deeper[200] = "{\"a\":";
  for (int i = 0; i < 32; i++)
    strcat(deeper, "[");
  for (int i = 0; i < 32; i++)
    strcat(deeper, "]");
  strcat(deeper, "}");
  const char *bad_evs[] = {deeper, NULL};
  vec w = {bad_evs, NULL, 0, 0};
  check_vec(__LINE__, &w,
            "rc=bad_json\nsum(ev=0 img=0 final=0 finish=- block=- model=- "
            "id=- usage=0 verdict=no_finish)\n");
  /* the same limit for an object inside the array body */
  char body[220] = "[";
  strcat(body, deep);
  strcat(body, ",");
  strcat(body, deeper);
  strcat(body, "]");
  vec a = {NULL, body, 0, 0};
  check_vec(__LINE__, &a,
            "rc=bad_json\nsum(ev=1 img=0 final=0 finish=- block=- model=- "
            "id=- usage=0 verdict=no_finish)\n");
}

/* A lower bound set by the client's options; out of range refused. */
static void test_depth_configured(void) {
  gf__evdec *d = gf__evdec_new(NULL, NULL, 0);
  CHECK_INT(gf__evdec_max_depth(d, 0), GF_EINVAL);
  CHECK_INT(gf__evdec_max_depth(d, 65), GF_EINVAL);
  CHECK_INT(gf__evdec_max_depth(d, 3), 0);
  const char ok[] = "{\"a\":[[1]]}", deep[] = "{\"a\":[[[1]]]}";
  CHECK_INT(gf__evdec_event_feed(d, ok, sizeof ok - 1), 0);
  CHECK_INT(gf__evdec_event_end(d), 0);
  CHECK_INT(gf__evdec_event_feed(d, deep, sizeof deep - 1), GF_EJSON);
  gf__evdec_free(d);
  d = gf__evdec_new(NULL, NULL, 0);
  CHECK_INT(gf__evdec_max_depth(d, 64), 0);
  char deeper[200] = "{\"a\":";
  for (int i = 0; i < 63; i++)
    strcat(deeper, "[");
  for (int i = 0; i < 63; i++)
    strcat(deeper, "]");
  strcat(deeper, "}");
  CHECK_INT(gf__evdec_event_feed(d, deeper, strlen(deeper)), 0);
  CHECK_INT(gf__evdec_event_end(d), 0);
  gf__evdec_free(d);
}

/* The small-event limit counts the event without its image data, and is
 * exact: the event's length fits, one byte less does not. */
static void test_event_limit(void) {
  static const char *const ev[] = {
      PART_IMG("{\"inlineData\":{\"data\":\"" PNG48 PNG48 "\"}}"), NULL};
  size_t copied = strlen(ev[0]) - 2 * strlen(PNG48);
  vec v = {ev, NULL, copied, 0};
  check_vec(__LINE__, &v,
            "begin(image/png,0)\n"
            "data(" PNG16_HEX PNG16_HEX PNG16_HEX PNG16_HEX PNG16_HEX PNG16_HEX
            ")\n"
            "end(image/png,0,96)\n"
            "finish=ok\n"
            "sum(ev=1 img=1 final=1 finish=- block=- model=- id=- usage=0 "
            "verdict=no_finish)\n");
  v.max_event = copied - 1;
  check_vec(__LINE__, &v,
            "begin(image/png,0)\n"
            "data(" PNG16_HEX PNG16_HEX PNG16_HEX PNG16_HEX PNG16_HEX PNG16_HEX
            ")\n"
            "end(image/png,0,96)\n"
            "rc=too_large\n"
            "sum(ev=0 img=1 final=1 finish=- block=- model=- id=- usage=0 "
            "verdict=no_finish)\n");
  /* a long text: too large at the byte past the limit, before the JSON
   * error that comes later */
  static const char *const txt[] = {
      "{\"t\":\"0123456789012345678901234567890123456789\"x}", NULL};
  vec t = {txt, NULL, 20, 0};
  check_vec(__LINE__, &t,
            "rc=too_large\nsum(ev=0 img=0 final=0 finish=- block=- model=- "
            "id=- usage=0 verdict=no_finish)\n");
}

static void test_callback_stops(void) {
  static const char *const ev[] = {seed2, seed3, NULL};
  vec v = {ev, NULL, 0, 1};
  check_vec(__LINE__, &v,
            "begin(image/png,0)\n"
            "rc=canceled\n"
            "sum(ev=0 img=0 final=0 finish=- block=- model=- id=- usage=0 "
            "verdict=no_finish)\n");
}

static void test_event_complete(void) {
  gf__evdec *d = gf__evdec_new(NULL, NULL, 0);
  CHECK_INT(gf__evdec_event_complete(d), 0);
  CHECK_INT(gf__evdec_event_feed(d, "{\"a\":", 5), 0);
  CHECK_INT(gf__evdec_event_complete(d), 0);
  CHECK_INT(gf__evdec_event_feed(d, "[1]} ", 5), 0);
  CHECK_INT(gf__evdec_event_complete(d), 1);
  CHECK_INT(gf__evdec_event_end(d), 0);
  CHECK_INT(gf__evdec_event_complete(d), 0);
  /* a stream ending inside an event is truncated */
  CHECK_INT(gf__evdec_event_feed(d, "{", 1), 0);
  CHECK_INT(gf__evdec_finish(d), GF_ETRUNCATED);
  gf__evdec_free(d);
  /* one mode per decoder */
  d = gf__evdec_new(NULL, NULL, 0);
  CHECK_INT(gf__evdec_event_feed(d, " ", 1), 0);
  CHECK_INT(gf__evdec_array_feed(d, "[]", 2), GF_EINVAL);
  gf__evdec_free(d);
  d = gf__evdec_new(NULL, NULL, 0);
  CHECK_INT(gf__evdec_array_feed(d, "[]", 2), 0);
  CHECK_INT(gf__evdec_event_end(d), GF_EINVAL);
  CHECK_INT(gf__evdec_finish(d), 0);
  gf__evdec_free(d);
}

/* ---- raw lines ---- */
static void test_raw_error_lines(void) {
  CHECK_SSE("thought(Working)\n"
            "finish=api_error\n"
            "sum(ev=1 img=0 final=0 finish=- block=- model=- id=- usage=0 "
            "verdict=api_error)\n"
            "err(503,UNAVAILABLE,The model is overloaded. Please try again "
            "later.,-,-1)\n",
            PART_IMG("{\"text\":\"Working\",\"thought\":true}"), RAW "{",
            RAW "  \"error\": {", RAW "    \"code\": 503,",
            RAW "    \"message\": \"The model is overloaded. Please try "
                "again later.\",",
            RAW "    \"status\": \"UNAVAILABLE\"", RAW "  }", RAW "}");
  CHECK_SSE("finish=ok\n"
            "sum(ev=0 img=0 final=0 finish=- block=- model=- id=- usage=0 "
            "verdict=no_finish)\n",
            RAW "<html>", RAW "<body>Bad Gateway</body>", RAW "</html>");
  CHECK_SSE("finish=ok\n"
            "sum(ev=0 img=0 final=0 finish=- block=- model=- id=- usage=0 "
            "verdict=no_finish)\n",
            RAW "  ", RAW "");
}

static void test_raw_lines_bounded(void) {
  gf__evdec *d = gf__evdec_new(NULL, NULL, 0);
  char line[1000];
  memset(line, ' ', sizeof line);
  int rc = 0, i;
  for (i = 0; i < 100 && !rc; i++)
    rc = gf__evdec_raw_line(d, line, sizeof line);
  CHECK_INT(rc, 0); /* junk past the bound is dropped, not an error */
  CHECK_INT(i, 100);
  CHECK(gf__evdec_summary(d)->have_error == 0);
  CHECK_INT(gf__evdec_finish(d), 0);
  gf__evdec_free(d);
  /* junk lines before an error object are skipped */
  d = gf__evdec_new(NULL, NULL, 0);
  CHECK_INT(gf__evdec_raw_line(d, "ping", 4), 0);
  const char *obj = "{\"error\": {\"code\": 500, \"status\": \"INTERNAL\"}}";
  CHECK_INT(gf__evdec_raw_line(d, obj, strlen(obj)), 0);
  CHECK_INT(gf__evdec_finish(d), GF_EAPI);
  gf__evdec_free(d);
}

/* ---- JSON-array mode ---- */
static void test_array_crlf(void) {
  static const char body[] =
      "[{\r\n  \"candidates\": [\r\n    {\r\n      \"content\": {\r\n"
      "        \"role\": \"model\",\r\n        \"parts\": [\r\n          {\r\n"
      "            \"text\": \"Sketching\",\r\n            \"thought\": "
      "true\r\n"
      "          }\r\n        ]\r\n      }\r\n    }\r\n  ]\r\n}\r\n,\r\n"
      "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{"
      "\"mimeType\":\"image/png\",\"data\":\"" PNG16 "\"}}]},"
      "\"finishReason\":\"STOP\"}]}\r\n,\r\n"
      "{\"usageMetadata\":{\"promptTokenCount\":8,\"totalTokenCount\":9}}\r\n]"
      "\r\n";
  CHECK_ARRAY("thought(Sketching)\n"
              "begin(image/png,0)\n"
              "data(" PNG16_HEX ")\n"
              "end(image/png,0,16)\n"
              "usage(8,0,0,9)\n"
              "finish=ok\n"
              "sum(ev=3 img=1 final=1 finish=STOP block=- model=- id=- "
              "usage=1 verdict=ok)\n",
              body);
}

static void test_array_errors(void) {
  const char *api = "rc=api_error\n"
                    "sum(ev=1 img=0 final=0 finish=- block=- model=- id=- "
                    "usage=0 verdict=api_error)\n"
                    "err(403,PERMISSION_DENIED,Method doesn't allow "
                    "unregistered callers,API_KEY_INVALID,-1)\n";
#define ERRJSON                                                                \
  "{\n  \"error\": {\n    \"code\": 403,\n    \"message\": \"Method doesn't "  \
  "allow unregistered callers\",\n    \"status\": \"PERMISSION_DENIED\",\n"    \
  "    \"details\": [{\"@type\": \"type.googleapis.com/google.rpc.ErrorInfo\"" \
  ", \"reason\": \"API_KEY_INVALID\", \"domain\": \"googleapis.com\"}]\n"      \
  "  }\n}\n"
  CHECK_ARRAY(api, ERRJSON);
  CHECK_ARRAY(api, "[" ERRJSON "]");
}

static void test_array_truncated(void) {
  CHECK_ARRAY(
      "thought(One)\n"
      "finish=truncated\n"
      "sum(ev=1 img=0 final=0 finish=- block=- model=- id=- usage=0 "
      "verdict=no_finish)\n",
      "[" PART_IMG("{\"text\":\"One\",\"thought\":true}") ",\r\n"
                                                          "{\"candidates\":[{"
                                                          "\"content\":");
  CHECK_ARRAY("thought(One)\n"
              "finish=truncated\n"
              "sum(ev=1 img=0 final=0 finish=- block=- model=- id=- usage=0 "
              "verdict=no_finish)\n",
              "[" PART_IMG("{\"text\":\"One\",\"thought\":true}") "\r\n");
  CHECK_ARRAY("finish=truncated\nsum(ev=0 img=0 final=0 finish=- block=- "
              "model=- id=- usage=0 verdict=no_finish)\n",
              " [");
  /* an image cut in the middle: begun, never ended */
  CHECK_ARRAY("begin(image/png,0)\n"
              "finish=truncated\n"
              "sum(ev=0 img=0 final=0 finish=- block=- model=- id=- usage=0 "
              "verdict=no_finish)\n",
              "["
              "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{"
              "\"mimeType\":\"image/png\",\"data\":\"iVBORw0KGgoAAAAN");
}

static void test_array_shapes(void) {
  const char *none = "finish=ok\nsum(ev=0 img=0 final=0 finish=- block=- "
                     "model=- id=- usage=0 verdict=no_finish)\n";
  CHECK_ARRAY(none, "[]");
  CHECK_ARRAY(none, " [ ] \r\n");
  CHECK_ARRAY(none, "");
  CHECK_ARRAY("finish=ok\nsum(ev=2 img=0 final=0 finish=STOP block=- model=- "
              "id=a usage=0 verdict=no_image)\n",
              "{\"responseId\":\"a\"}\n{\"candidates\":[{\"finishReason\":"
              "\"STOP\"}]}");
  const char *bad = "rc=bad_json\nsum(ev=0 img=0 final=0 finish=- block=- "
                    "model=- id=- usage=0 verdict=no_finish)\n";
  CHECK_ARRAY(bad, "[1]");
  CHECK_ARRAY(bad, "]");
  CHECK_ARRAY(bad, "<html>");
  CHECK_ARRAY(bad, "[[]]");
  const char *bad1 = "rc=bad_json\nsum(ev=1 img=0 final=0 finish=- block=- "
                     "model=- id=- usage=0 verdict=no_finish)\n";
  CHECK_ARRAY(bad1, "[{}] x");
  CHECK_ARRAY(bad1, "[{},]");
  CHECK_ARRAY(bad1, "[{}{}]");
  CHECK_ARRAY(bad1, "{}[]");
}

TEST_MAIN(TEST(test_seed_shapes), TEST(test_seed_with_stop),
          TEST(test_mime_after_data), TEST(test_mime_before_data),
          TEST(test_thought_order), TEST(test_usage_before_candidates),
          TEST(test_usage_last_wins), TEST(test_b64_escapes),
          TEST(test_interim_then_final), TEST(test_only_thought_image_stop),
          TEST(test_two_parts_one_event), TEST(test_not_images),
          TEST(test_text_parts), TEST(test_prompt_blocked),
          TEST(test_image_safety), TEST(test_error_event), TEST(test_bad_json),
          TEST(test_good_numbers), TEST(test_bad_base64),
          TEST(test_two_images_in_one_part), TEST(test_empty_events_ignored),
          TEST(test_depth_limit), TEST(test_depth_configured), TEST(test_event_limit),
          TEST(test_callback_stops), TEST(test_event_complete),
          TEST(test_raw_error_lines), TEST(test_done_sentinel), TEST(test_raw_lines_bounded),
          TEST(test_array_crlf), TEST(test_array_errors),
          TEST(test_array_truncated), TEST(test_array_shapes))
