/* The SSE decoder against exact transcripts: the web-platform-tests
 * eventsource/format-* vectors, the Gemini stream's shapes, raw error
 * objects, end-of-stream rules, max_line, callback stops. Every vector is
 * fed whole, cut at every single point, byte by byte and (when short) cut
 * at every pair of points: all must give the same transcript. */
#include "test.h"
#include "heap.h"


#include "gemflow.h"
#include "sse/sse_recorder.h"

/* ---- the split driver ---------------------------------------------------- */

static int check_one(const char *name, const char *mode, size_t a, size_t b,
                     const char *got, const char *want) {
  if (strcmp(got, want) == 0)
    return 1;
  fprintf(stderr, "vector %s, %s (%zu,%zu):\n  got  %s\n  want %s\n", name,
          mode, a, b, got, want);
  return 0;
}

/* Runs the vector every way; fails once per way at most. */
static void check_vec_o(const char *name, const char *in, size_t n,
                        const char *want, const sse_run_opts *o) {
  char *got = sse_run_whole(in, n, o);
  CHECK(check_one(name, "whole", 0, 0, got, want));
  free(got);

  int ok = 1;
  for (size_t i = 0; i <= n && ok; i++) {
    got = sse_run(in, n, &i, 1, o, NULL);
    ok = check_one(name, "split at", i, 0, got, want);
    free(got);
  }
  CHECK(ok);

  size_t *cuts = calloc(n ? n : 1, sizeof *cuts);
  for (size_t i = 0; i < n; i++)
    cuts[i] = i + 1;
  got = sse_run(in, n, cuts, n ? n - 1 : 0, o, NULL);
  CHECK(check_one(name, "byte by byte", 0, 0, got, want));
  free(got);
  free(cuts);

  if (n > 160)
    return;
  ok = 1;
  for (size_t i = 0; i <= n && ok; i++)
    for (size_t j = i; j <= n && ok; j++) {
      size_t two[2] = {i, j};
      got = sse_run(in, n, two, 2, o, NULL);
      ok = check_one(name, "split at two", i, j, got, want);
      free(got);
    }
  CHECK(ok);
}

static void check_vec(const char *name, const char *in, size_t n,
                      const char *want) {
  check_vec_o(name, in, n, want, NULL);
}

/* String literals may hold NULs: their length is sizeof - 1. */
#define VEC(name, in, want) check_vec(name, in, sizeof(in) - 1, want)

/* The transcript form of raw bytes, for expectations built in code. */
static char *esc(const char *p, size_t n) {
  sse_rec r;
  memset(&r, 0, sizeof r);
  gf__buf_init(&r.out, 0);
  sse_rec_put(&r, "", 0);
  sse_rec_esc(&r, p, n);
  return gf__buf_steal(&r.out, NULL);
}

/* ---- web-platform-tests eventsource/format-* ------------------------------
 * message.py appends "\n\n" unless the test asks for newline=none. */

static void wpt_bom(void) {
  VEC("format-bom",
      "\xEF\xBB\xBF"
      "data:1\n\n\xEF\xBB\xBF"
      "data:2\n\ndata:3\n\n",
      "data[1] dispatch(message,) other[\\xef\\xbb\\xbfdata:2] data[3] "
      "dispatch(message,) end(0)");
}

static void wpt_bom_2(void) {
  /* Only the first BOM goes; the second makes "data" an unknown name. */
  VEC("format-bom-2",
      "\xEF\xBB\xBF\xEF\xBB\xBF"
      "data:1\n\ndata:2\n\ndata:3\n\n",
      "other[\\xef\\xbb\\xbfdata:1] data[2] dispatch(message,) data[3] "
      "dispatch(message,) end(0)");
}

static void wpt_comments(void) {
  /* data:1\r:\0\n:\r\ndata:2\n:LONG\rdata:3\n:data:fail\r:LONG\ndata:4\n */
  char longs[2049];
  memset(longs, 'x', 2048);
  longs[2048] = 0;
  gf__buf in, want;
  gf__buf_init(&in, 0);
  gf__buf_init(&want, 0);
  gf__buf_append(&in, "data:1\r:\0\n:\r\ndata:2\n:", 21);
  gf__buf_printf(&in, "%s\rdata:3\n:data:fail\r:%s\ndata:4\n\n", longs, longs);
  gf__buf_printf(&want,
                 "data[1] comment[\\0] comment[] data[\\n2] comment[%s] "
                 "data[\\n3] comment[data:fail] comment[%s] data[\\n4] "
                 "dispatch(message,) end(0)",
                 longs, longs);
  check_vec("format-comments", in.data, in.len, want.data);
  /* With lines bounded to 64 bytes, the long comments are not reported
   * (so the data around them merges) but the data is the same. */
  sse_run_opts o = {.max_line = 64};
  check_vec_o("format-comments max_line 64", in.data, in.len,
              "data[1] comment[\\0] comment[] data[\\n2\\n3] "
              "comment[data:fail] data[\\n4] dispatch(message,) end(0)",
              &o);
  gf__buf_free(&in);
  gf__buf_free(&want);
}

static void wpt_data_before_final_empty_line(void) {
  /* newline=none: the last event is never ended, so never dispatched. */
  VEC("format-data-before-final-empty-line",
      "retry:1000\ndata:test1\n\nid:test\ndata:test2",
      "retry(1000) data[test1] dispatch(message,) data[test2] end(1)");
}

static void wpt_field_data(void) {
  VEC("format-field-data", "data:\n\ndata\ndata\n\ndata:test\n\n",
      "dispatch(message,) data[\\n] dispatch(message,) data[test] "
      "dispatch(message,) end(0)");
}

static void wpt_field_event(void) {
  VEC("format-field-event", "event:test\ndata:x\n\ndata:x\n\n",
      "data[x] dispatch(test,) data[x] dispatch(message,) end(0)");
  VEC("format-field-event-empty", "event: \ndata:data\n\n",
      "data[data] dispatch(message,) end(0)");
}

static void wpt_field_id(void) {
  /* The id persists across events, an empty id clears it, and an id line
   * in an event that is not dispatched still counts. */
  VEC("format-field-id",
      "id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 2\n\ndata: d\n\n",
      "data[a] dispatch(message,1) data[b] dispatch(message,1) data[c] "
      "dispatch(message,) data[d] dispatch(message,2) end(0)");
  VEC("format-field-id-3 (id: x, id:x)", "id:  x\ndata:1\n\nid:x\ndata:2\n\n",
      "data[1] dispatch(message, x) data[2] dispatch(message,x) end(0)");
}

static void wpt_field_id_null(void) {
  /* An id holding U+0000 is ignored: the previous id stays. */
  VEC("format-field-id-null",
      "id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\nid: \0\ndata: c\n\n"
      "id:\0\ndata: d\n\n",
      "data[a] dispatch(message,1) data[b] dispatch(message,1) data[c] "
      "dispatch(message,1) data[d] dispatch(message,1) end(0)");
}

static void wpt_field_parsing(void) {
  /* The web-platform-tests expect the data "\0\n 2\n1\n3\n\n4". */
  VEC("format-field-parsing",
      "data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\r"
      "data_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n\n",
      "data[\\0\\n 2] other[Data:1] other[data\\0:2] data[\\n1] "
      "other[\\0data:4] other[da-ta:3] other[data_5] data[\\n3\\n] "
      "other[ data:32] data[\\n4] dispatch(message,) end(0)");
}

static void wpt_field_retry(void) {
  VEC("format-field-retry", "retry:03000\ndata:x\n\n",
      "retry(3000) data[x] dispatch(message,) end(0)");
  VEC("format-field-retry-bogus", "retry:2000\nretry:1000x\ndata:x\n\n",
      "retry(2000) data[x] dispatch(message,) end(0)");
  VEC("format-field-retry-empty", "retry\ndata:test\n\n",
      "data[test] dispatch(message,) end(0)");
  VEC("retry: value forms",
      "retry: 42\nretry:  42\nretry:\nretry: \nretry:-1\nretry:1.5\n"
      "retry:+7\nretry:0\nretry:18446744073709551615\n"
      "retry:18446744073709551616\nretry:99999999999999999999\n"
      "retry:7\r",
      "retry(42) retry(0) retry(18446744073709551615) retry(7) end(0)");
}

static void wpt_field_unknown(void) {
  VEC("format-field-unknown",
      "data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\n"
      "data:test\n\n",
      "data[test] other[ data] data[\\n] other[foobar:xxx] "
      "other[justsometext] comment[thisisacommentyay] data[\\ntest] "
      "dispatch(message,) end(0)");
}

static void wpt_leading_space(void) {
  VEC("format-leading-space", "data:\x20\ttest\rdata: \ndata:test\n\n",
      "data[\\x09test\\n\\ntest] dispatch(message,) end(0)");
}

static void wpt_newlines(void) {
  VEC("format-newlines", "data:test\r\ndata\ndata:test\r\n\r",
      "data[test\\n\\ntest] dispatch(message,) end(0)");
}

static void wpt_null_and_utf8(void) {
  VEC("format-null-character", "data:\0\n\n",
      "data[\\0] dispatch(message,) end(0)");
  /* Bytes pass through as bytes (format-utf-8: the layer above decodes). */
  VEC("format-utf-8", "data:ok\xE2\x80\xA6\n\n",
      "data[ok\\xe2\\x80\\xa6] dispatch(message,) end(0)");
}

/* ---- line ends, BOM, comments, fields ------------------------------------ */

static void line_ends(void) {
  VEC("CR only", "data:a\rdata:b\r\rdata:c\r\r",
      "data[a\\nb] dispatch(message,) data[c] dispatch(message,) end(0)");
  VEC("LF only", "data:a\ndata:b\n\ndata:c\n\n",
      "data[a\\nb] dispatch(message,) data[c] dispatch(message,) end(0)");
  VEC("CRLF only", "data:a\r\ndata:b\r\n\r\ndata:c\r\n\r\n",
      "data[a\\nb] dispatch(message,) data[c] dispatch(message,) end(0)");
  /* One event whose lines end in all three ways, then a CRLF blank line. */
  VEC("mixed in one event", "data:a\r\ndata:b\rdata:c\ndata:d\r\r\n",
      "data[a\\nb\\nc\\nd] dispatch(message,) end(0)");
  /* CR then CR LF: two line ends (the second is the blank line). */
  VEC("CR CR LF", "data:a\r\r\ndata:b\n\r\n",
      "data[a] dispatch(message,) data[b] dispatch(message,) end(0)");
  /* LF CR: two line ends, LF CR LF: the CR LF is one. */
  VEC("LF CR", "data:a\n\rdata:b\n\r\n",
      "data[a] dispatch(message,) data[b] dispatch(message,) end(0)");
  VEC("blank lines only", "\n\r\n\r\r\n\n", "end(0)");
  VEC("empty stream", "", "end(0)");
}

static void bom_rules(void) {
  VEC("BOM then CRLF", "\xEF\xBB\xBF\r\ndata:x\r\n\r\n",
      "data[x] dispatch(message,) end(0)");
  VEC("BOM alone", "\xEF\xBB\xBF", "end(0)");
  VEC("BOM then data",
      "\xEF\xBB\xBF"
      "data:x\n\n",
      "data[x] dispatch(message,) end(0)");
  VEC("two BOM bytes then data",
      "\xEF\xBB"
      "data:x\n\n",
      "other[\\xef\\xbbdata:x] end(0)");
  VEC("two BOM bytes then LF", "\xEF\xBB\ndata:x\n\n",
      "other[\\xef\\xbb] data[x] dispatch(message,) end(0)");
  VEC("one BOM byte then CR", "\xEF\rdata:x\n\n",
      "other[\\xef] data[x] dispatch(message,) end(0)");
  VEC("BOM byte then colon", "\xEF:x\n", "other[\\xef:x] end(0)");
  VEC("stream of one BOM byte", "\xEF", "other[\\xef] end(0)");
  VEC("stream of two BOM bytes", "\xEF\xBB", "other[\\xef\\xbb] end(0)");
  VEC("BOM not at start",
      "data:x\n\n\xEF\xBB\xBF"
      "data:y\n\n",
      "data[x] dispatch(message,) other[\\xef\\xbb\\xbfdata:y] end(0)");
}

static void comments_anywhere(void) {
  VEC("comment between two data lines", "data:a\n: keep-alive\ndata:b\n\n",
      "data[a] comment[ keep-alive] data[\\nb] dispatch(message,) end(0)");
  VEC("comments around and inside",
      ":start\r\n:\r\ndata:a\r\n:mid\r\n\r\n:after\r\n",
      "comment[start] comment[] data[a] comment[mid] dispatch(message,) "
      "comment[after] end(0)");
  VEC("comment with colons", "::x: y\n", "comment[:x: y] end(0)");
  VEC("comment without line end", "data:a\n\n:tail",
      "data[a] dispatch(message,) comment[tail] end(0)");
}

static void data_forms(void) {
  VEC("data forms", "data\ndata:\ndata: \ndata:  x\ndata:x: y\ndata::\n\n",
      "data[\\n\\n\\n x\\nx: y\\n:] dispatch(message,) end(0)");
  VEC("names are case-sensitive", "DATA:x\nData:y\n\n",
      "other[DATA:x] other[Data:y] end(0)");
  VEC("empty field name is a comment", ":data:x\n\n", "comment[data:x] end(0)");
}

static void event_type_rules(void) {
  VEC("type resets after dispatch", "event:a\ndata:1\n\ndata:2\n\n",
      "data[1] dispatch(a,) data[2] dispatch(message,) end(0)");
  VEC("type resets at a blank line without data", "event:a\n\ndata:1\n\n",
      "data[1] dispatch(message,) end(0)");
  VEC("type after data, last one wins", "data:1\nevent:a\nevent:b\n\n",
      "data[1] dispatch(b,) end(0)");
  VEC("event without colon clears", "event:a\nevent\ndata:1\n\n",
      "data[1] dispatch(message,) end(0)");
  VEC("event with spaces", "event:  a b \ndata:1\n\n",
      "data[1] dispatch( a b ,) end(0)");
  VEC("event line then end", "event:x\n", "end(0)");
}

/* ---- Gemini -------------------------------------------------------------- */

static const char thought_ev[] =
    "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":"
    "\"**Composing the scene**\\n\\nI am placing the cat.\",\"thought\":true}]"
    "}}],\"usageMetadata\":{\"trafficType\":\"ON_DEMAND\"},\"modelVersion\":"
    "\"gemini-3-pro-image-preview\",\"createTime\":\"2025-11-20T10:00:00Z\","
    "\"responseId\":\"r-1\"}";
static const char usage_ev[] =
    "{\"usageMetadata\":{\"promptTokenCount\":8,\"candidatesTokenCount\":1120,"
    "\"totalTokenCount\":1392,\"trafficType\":\"ON_DEMAND\","
    "\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":8}],"
    "\"candidatesTokensDetails\":[{\"modality\":\"IMAGE\",\"tokenCount\":1120}"
    "],\"thoughtsTokenCount\":264}}";

/* An image event with n bytes of base64-looking payload. */
static char *image_event(size_t n) {
  static const char head[] =
      "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{"
      "\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"";
  static const char tail[] = "\"}}]},\"finishReason\":\"STOP\"}]}";
  static const char b64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char *e = malloc(sizeof head + n + sizeof tail);
  memcpy(e, head, sizeof head - 1);
  for (size_t i = 0; i < n; i++)
    e[sizeof head - 1 + i] = b64[(i * 7 + i / 64) % 64];
  memcpy(e + sizeof head - 1 + n, tail, sizeof tail);
  return e;
}

/* The three Gemini chunk types framed with the given line end, optionally
 * with keep-alive comments between events. */
static void gemini_stream(const char *eol, int comments) {
  char *img = image_event(600);
  const char *evs[3] = {thought_ev, img, usage_ev};
  gf__buf in, want;
  gf__buf_init(&in, 0);
  gf__buf_init(&want, 0);
  for (int i = 0; i < 3; i++) {
    if (comments)
      gf__buf_printf(&in, ": ping%s", eol);
    gf__buf_printf(&in, "data: %s%s%s", evs[i], eol, eol);
    char *e = esc(evs[i], strlen(evs[i]));
    gf__buf_printf(&want, "%sdata[%s] dispatch(message,)",
                   comments ? (i ? " comment[ ping] " : "comment[ ping] ")
                            : (i ? " " : ""),
                   e);
    free(e);
  }
  gf__buf_printf(&want, " end(0)");
  char name[64];
  snprintf(name, sizeof name, "gemini stream eol %s%s",
           eol[0] == '\r' ? (eol[1] ? "CRLF" : "CR") : "LF",
           comments ? " with comments" : "");
  check_vec(name, in.data, in.len, want.data);
  gf__buf_free(&in);
  gf__buf_free(&want);
  free(img);
}

static void gemini_shapes(void) {
  gemini_stream("\r\n", 0);
  gemini_stream("\n", 0);
  gemini_stream("\r", 0);
  gemini_stream("\r\n", 1);
}

static void raw_error_object(void) {
  /* After a 200 and an event, the server writes a pretty-printed error
   * object without "data:" and closes: every line reaches on_other_line. */
  static const char in[] =
      "data: {\"candidates\":[]}\r\n\r\n"
      "{\n"
      "  \"error\": {\n"
      "    \"code\": 503,\n"
      "    \"message\": \"The model is overloaded. Please try again later.\",\n"
      "    \"status\": \"UNAVAILABLE\",\n"
      "    \"details\": [\n"
      "      {\n"
      "        \"@type\": \"type.googleapis.com/google.rpc.RetryInfo\",\n"
      "        \"retryDelay\": \"57s\"\n"
      "      }\n"
      "    ]\n"
      "  }\n"
      "}\n";
  VEC("raw error object", in,
      "data[{\"candidates\":[]}] dispatch(message,) other[{] "
      "other[  \"error\": {] other[    \"code\": 503,] "
      "other[    \"message\": \"The model is overloaded. Please try again "
      "later.\",] other[    \"status\": \"UNAVAILABLE\",] "
      "other[    \"details\": []"
      " other[      {] "
      "other[        \"@type\": \"type.googleapis.com/google.rpc.RetryInfo\",] "
      "other[        \"retryDelay\": \"57s\"] other[      }] other[    ]] "
      "other[  }] other[}] end(0)");
  /* CRLF lines, the closing brace without a line end, and an event still
   * pending (its blank line never came): end reports it. */
  VEC("raw error object, CRLF, no final line end",
      "data: {\"a\":1}\r\n{\r\n  \"error\": {\r\n    \"code\": 429\r\n  }\r\n}",
      "data[{\"a\":1}] other[{] other[  \"error\": {] "
      "other[    \"code\": 429] other[  }] other[}] end(1)");
  /* The compact form on one line. */
  VEC("raw error object, one line",
      "{\"error\":{\"code\":500,\"message\":\"Internal\"}}\n",
      "other[{\"error\":{\"code\":500,\"message\":\"Internal\"}}] end(0)");
}

/* ---- end of stream ------------------------------------------------------- */

static void end_semantics(void) {
  VEC("end: data line without line end", "data:x", "data[x] end(1)");
  VEC("end: data line, no blank line", "data:x\n", "data[x] end(1)");
  VEC("end: data line, CR, no blank line", "data:x\r", "data[x] end(1)");
  VEC("end: dispatched", "data:x\n\n", "data[x] dispatch(message,) end(0)");
  VEC("end: dispatched, more fields", "data:x\n\nevent:y\nid:3\n",
      "data[x] dispatch(message,) end(0)");
  VEC("end: retry without line end", "retry:5", "retry(5) end(0)");
  VEC("end: unknown line without line end", "foo", "other[foo] end(0)");
  VEC("end: data without colon", "data", "end(1)");
  VEC("end: data colon only", "data:", "end(1)");
  VEC("end: data colon space", "data: ", "end(1)");

  /* After end: feed is refused, end again says nothing is pending; reset
   * gives a fresh stream (BOM skipped again, id forgotten). */
  sse_rec r;
  memset(&r, 0, sizeof r);
  gf__buf_init(&r.out, 0);
  gf__sse *s = gf__sse_new(&sse_rec_cbs, &r, 0);
  CHECK(s != NULL);
  CHECK_INT(gf__sse_feed(s, "id:7\ndata:x", 11), 0);
  CHECK_INT(gf__sse_end(s), 1);
  CHECK_INT(gf__sse_end(s), 0);
  sse_rec_entry(&r, "end1");
  CHECK_INT(gf__sse_feed(s, "data:y\n\n", 8), GF_EINVAL);
  CHECK_INT(gf__sse_feed(s, NULL, 0), GF_EINVAL);
  gf__sse_reset(s);
  CHECK_INT(gf__sse_feed(s,
                         "\xEF\xBB\xBF"
                         "data:z\n\n",
                         11),
            0);
  CHECK_INT(gf__sse_end(s), 0);
  sse_rec_entry(&r, "");
  CHECK_STR(r.out.data, "data[x] end1 data[z] dispatch(message,) ");
  gf__sse_free(s);
  gf__buf_free(&r.out);
}

/* ---- max_line ------------------------------------------------------------ */

static void max_line_bounds(void) {
  sse_run_opts o = {.max_line = 16};
  /* 16 bytes fit, 17 do not; names longer than the line are no field;
   * event and id values are cut to fit; data is never bounded. */
  static const char in[] =
      "abcdefghijklmnop\n"       /* 16: reported */
      "abcdefghijklmnopq\n"      /* 17: not reported */
      "foo:abcdefghijkl\n"       /* 16 */
      "foo:abcdefghijklm\n"      /* 17 */
      ":comment-fifteen\n"       /* 16 */
      ":comment-sixteen!\n"      /* 17 */
      "abcdefghijklmnopdata:x\n" /* long name: skipped whole */
      "retry:1234567890\n"       /* 16 */
      "retry:12345678901\n"      /* 17: ignored */
      "event:0123456789ABCDEF\n" /* cut to 10 */
      "id:0123456789ABCDEF\n"    /* cut to 13 */
      "data:0123456789012345678901234567890123456789\n\n"
      "id:0123456789ABCDEF\0\n" /* NUL past the cut still counts */
      "data:y\n\n";
  check_vec_o("max_line 16", in, sizeof in - 1,
              "other[abcdefghijklmnop] other[foo:abcdefghijkl] "
              "comment[comment-fifteen] retry(1234567890) "
              "data[0123456789012345678901234567890123456789] "
              "dispatch(0123456789,0123456789ABC) data[y] "
              "dispatch(message,0123456789ABC) end(0)",
              &o);
  /* Below 8 means 8: "retry:12" fits, "retry:123" does not. */
  sse_run_opts tiny = {.max_line = 1};
  static const char in8[] = "retry:12\nretry:123\nabcdefgh\nabcdefghi\n";
  check_vec_o("max_line 1 -> 8", in8, sizeof in8 - 1,
              "retry(12) other[abcdefgh] end(0)", &tiny);
}

/* ---- stops --------------------------------------------------------------- */

static void stop_codes(void) {
  static const char in[] = ":c\nretry:9\nfoo\ndata:abc\ndata:def\n\ndata:2\n\n";
  sse_run_opts o = {.stop_on = 'c', .stop_rc = -101};
  check_vec_o("stop at comment", in, sizeof in - 1, "comment[c] stop(-101)",
              &o);
  o.stop_on = 'r';
  check_vec_o("stop at retry", in, sizeof in - 1,
              "comment[c] retry(9) stop(-101)", &o);
  o.stop_on = 'o';
  o.stop_rc = 5; /* positive values are passed through too */
  check_vec_o("stop at other", in, sizeof in - 1,
              "comment[c] retry(9) other[foo] stop(5)", &o);
  o.stop_on = 'D';
  o.stop_rc = GF_EAPI;
  check_vec_o("stop at dispatch", in, sizeof in - 1,
              "comment[c] retry(9) other[foo] data[abc\\ndef] "
              "dispatch(message,) stop(-12)",
              &o);

  /* Stopping at data: the first piece is whatever the first feed held. */
  o.stop_on = 'd';
  o.stop_rc = -7;
  char *got = sse_run_whole(in, sizeof in - 1, &o);
  CHECK_STR(got, "comment[c] retry(9) other[foo] data[abc] stop(-7)");
  free(got);
  size_t cut = 21; /* inside "abc": after "a" */
  got = sse_run(in, sizeof in - 1, &cut, 1, &o, NULL);
  CHECK_STR(got, "comment[c] retry(9) other[foo] data[a] stop(-7)");
  free(got);

  /* Stopped: every later feed returns the code and calls nothing; end
   * returns it too. Stops at end-of-stream processing are reported. */
  sse_rec r;
  memset(&r, 0, sizeof r);
  gf__buf_init(&r.out, 0);
  r.stop_on = 'D';
  r.stop_rc = -3;
  gf__sse *s = gf__sse_new(&sse_rec_cbs, &r, 0);
  CHECK_INT(gf__sse_feed(s, "data:1\n\ndata:2\n\n", 16), -3);
  CHECK_INT(gf__sse_feed(s, "data:3\n\n", 8), -3);
  CHECK_INT(gf__sse_end(s), -3);
  CHECK_INT(gf__sse_end(s), -3);
  sse_rec_entry(&r, "");
  CHECK_STR(r.out.data, "data[1] dispatch(message,) ");
  gf__sse_reset(s);
  gf__buf_reset(&r.out);
  r.stop_on = 'o';
  CHECK_INT(gf__sse_feed(s, "data:1\n}", 8), 0);
  CHECK_INT(gf__sse_end(s), -3);
  CHECK_INT(gf__sse_feed(s, "x", 1), -3);
  sse_rec_entry(&r, "");
  CHECK_STR(r.out.data, "data[1] other[}] ");
  gf__sse_free(s);
  gf__buf_free(&r.out);
}

/* ---- NULL callbacks ------------------------------------------------------ */

static int count_dispatch(void *ud, const char *type, const char *id) {
  (*(int *)ud)++;
  return 0;
}

static void null_callbacks(void) {
  /* Only on_dispatch: comments and unknown lines are skipped unbuffered,
   * and nothing else is called. */
  gf__sse_cbs cbs = {.on_dispatch = count_dispatch};
  int n = 0;
  gf__sse *s = gf__sse_new(&cbs, &n, 0);
  static const char in[] = ":x\nfoo:bar\nretry:5\ndata:a\ndata:b\n\n{\n";
  CHECK_INT(gf__sse_feed(s, in, sizeof in - 1), 0);
  CHECK_INT(gf__sse_end(s), 0);
  CHECK_INT(n, 1);
  gf__sse_free(s);
  /* No callbacks at all. */
  s = gf__sse_new(NULL, NULL, 0);
  CHECK_INT(gf__sse_feed(s, in, sizeof in - 1), 0);
  CHECK_INT(gf__sse_feed(s, "data:x", 6), 0);
  CHECK_INT(gf__sse_end(s), 1);
  gf__sse_free(s);
  gf__sse_free(NULL);
}

/* ---- memory -------------------------------------------------------------- */

static int count_line(void *ud, const char *p, size_t n) {
  (*(int *)ud)++;
  return 0;
}

static void memory_bound(void) {
  /* sse.h: the decoder allocates lazily, then at most about 2 * max_line
   * bytes for each of line, event type and id. So a new decoder is its
   * struct (gf__sse_size) and nothing more, and a stream of lines at and
   * past max_line of every buffered kind keeps it within the struct plus
   * 3 * 2 * max_line. SLACK covers the allocator's per-chunk overhead. */
  enum { M = 1000, SLACK = 4 * 64 };
  int n = 0;
  gf__sse_cbs cbs = {.on_dispatch = count_dispatch,
                     .on_comment = count_line,
                     .on_other_line = count_line};
  /* one decoder first: the allocator's one-time setup is not the decoder's */
  gf__sse_free(gf__sse_new(&cbs, &n, M));
  size_t base = gf_t_heap_in_use();
  gf__sse *s = gf__sse_new(&cbs, &n, M);
  size_t fresh = gf_t_heap_in_use() - base;
  CHECK(fresh >= gf__sse_size());
  CHECK(fresh <= gf__sse_size() + SLACK / 4);

  static const char *const heads[] = {"event:", "id:", "foo:", ":", "retry:"};
  static char line[3 * M];
  size_t peak = fresh;
  for (int k = 0; k < 5; k++) {
    /* exactly max_line (fits), then three times that (does not) */
    for (size_t len = M; len <= 3 * M; len += 2 * M) {
      size_t h = strlen(heads[k]);
      memcpy(line, heads[k], h);
      memset(line + h, k == 4 ? '7' : 'v', len - h - 1);
      line[len - 1] = '\n';
      CHECK_INT(gf__sse_feed(s, line, len), 0);
      size_t now = gf_t_heap_in_use() - base;
      peak = now > peak ? now : peak;
    }
  }
  CHECK_INT(gf__sse_feed(s, "data:x\n\n", 8), 0);
  CHECK_INT(n, 3); /* the fitting foo and comment lines, and the dispatch */
  CHECK(peak > gf__sse_size() + M); /* the buffers were used */
  CHECK(peak <= gf__sse_size() + 3 * 2 * (size_t)M + SLACK);
  gf__sse_free(s);
}

TEST_MAIN(TEST(wpt_bom), TEST(wpt_bom_2), TEST(wpt_comments),
          TEST(wpt_data_before_final_empty_line), TEST(wpt_field_data),
          TEST(wpt_field_event), TEST(wpt_field_id), TEST(wpt_field_id_null),
          TEST(wpt_field_parsing), TEST(wpt_field_retry),
          TEST(wpt_field_unknown), TEST(wpt_leading_space), TEST(wpt_newlines),
          TEST(wpt_null_and_utf8), TEST(line_ends), TEST(bom_rules),
          TEST(comments_anywhere), TEST(data_forms), TEST(event_type_rules),
          TEST(gemini_shapes), TEST(raw_error_object), TEST(end_semantics),
          TEST(max_line_bounds), TEST(stop_codes), TEST(null_callbacks),
          TEST(memory_bound))
