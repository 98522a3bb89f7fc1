/* The record: one JSON object for `generate --json` and each manifest line.
 * Each case writes a hand-built gf_result to a temporary file and reads it
 * back with json-c. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "record.h"
#include "report.h"
#include "test.h"

#define SECRET "test-secret-key-0123456789"

/* The text the record wrote (one line, checked), parsed; *raw the text. */
static json_object *write_and_parse(const gf__record *r, char *raw,
                                    size_t cap) {
  FILE *f = tmpfile();
  gf__record_json(f, r);
  rewind(f);
  size_t n = fread(raw, 1, cap - 1, f);
  raw[n] = '\0';
  fclose(f);
  CHECK(n > 2 && raw[n - 1] == '\n');
  CHECK(memchr(raw, '\n', n) == raw + n - 1); /* one line */
  CHECK(strstr(raw, SECRET) == NULL);
  json_object *o = json_tokener_parse(raw);
  CHECK(o && json_object_is_type(o, json_type_object));
  return o;
}

static json_object *get(json_object *o, const char *path) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", path);
  char *save = NULL;
  for (char *k = strtok_r(buf, ".", &save); k && o;
       k = strtok_r(NULL, ".", &save))
    if (!json_object_object_get_ex(o, k, &o))
      return NULL;
  return o;
}

static int present(json_object *o, const char *path) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", path);
  char *dot = strrchr(buf, '.');
  json_object *parent = o;
  if (dot) {
    *dot = '\0';
    parent = get(o, buf);
  }
  return parent && json_object_object_get_ex(parent, dot ? dot + 1 : buf,
                                              NULL);
}

static int is_null(json_object *o, const char *path) {
  return present(o, path) && get(o, path) == NULL;
}

static const char *str(json_object *o, const char *path) {
  json_object *v = get(o, path);
  return v && json_object_is_type(v, json_type_string)
             ? json_object_get_string(v)
             : NULL;
}

static long long num_i(json_object *o, const char *path) {
  json_object *v = get(o, path);
  return v ? (long long)json_object_get_int64(v) : -999;
}

static double num(json_object *o, const char *path) {
  json_object *v = get(o, path);
  return v ? json_object_get_double(v) : -999;
}

static int near(double a, double b) { return a - b < 1e-6 && b - a < 1e-6; }

static const char *const all_keys[] = {
    "id",           "status",        "file",
    "mime",         "width",         "height",
    "bytes",        "sha256",        "fell_back_to_thought_image",
    "finish_reason", "block_reason", "model_version",
    "response_id",  "usage",         "timings",
    "attempts",     "text",          "error",
    "retries",      "cost_usd",      "prompt_sha256",
    "meta"};

static void check_key_order(json_object *o) {
  size_t i = 0, n = sizeof all_keys / sizeof all_keys[0];
  json_object_object_foreach(o, k, v) {
    (void)v;
    if (i < n)
      CHECK_STR(k, all_keys[i]);
    i++;
  }
  CHECK_INT(i, n);
}

static gf_result ok_result(void) {
  gf_result r;
  memset(&r, 0, sizeof r);
  r.status = GF_OK;
  r.http_status = 200;
  r.finish_reason = "STOP";
  r.retry_after_s = -1;
  r.model_version = "gemini-3-pro-image-preview";
  r.response_id = "resp-" SECRET;
  static const gf_usage usage = {10, 1120, 200, 1330};
  static const gf_timings timings = {12.5, 40, 55.25, 900, 1800, 1805};
  r.usage = &usage;
  r.timings = &timings;
  r.attempts = 1;
  r.mime = "image/png";
  r.bytes = 123456;
  r.width = 1024;
  r.height = 768;
  for (int i = 0; i < 32; i++)
    r.sha256[i] = (unsigned char)i;
  r.file = "/abs/out/001.png";
  return r;
}

static void test_ok_item(void) {
  gf__diag_set_secret(SECRET);
  gf_result res = ok_result();
  gf__record rec = {.id = "item-1",
                    .res = &res,
                    .file = "img/001.png",
                    .text = "here it is " SECRET,
                    .text_len = strlen("here it is " SECRET),
                    .prompt_sha256 = "ab12",
                    .meta_json = "{\"tags\": [1, 2.50, \"x\"], \"n\":null}",
                    .cost_usd = 0.134,
                    .queued_ms = 1500};
  char raw[8192];
  json_object *o = write_and_parse(&rec, raw, sizeof raw);
  check_key_order(o);
  CHECK_STR(str(o, "id"), "item-1");
  CHECK_STR(str(o, "status"), "ok");
  CHECK_STR(str(o, "file"), "img/001.png");
  CHECK_STR(str(o, "mime"), "image/png");
  CHECK_INT(num_i(o, "width"), 1024);
  CHECK_INT(num_i(o, "height"), 768);
  CHECK_INT(num_i(o, "bytes"), 123456);
  CHECK_STR(str(o, "sha256"), "000102030405060708090a0b0c0d0e0f"
                              "101112131415161718191a1b1c1d1e1f");
  CHECK(!json_object_get_boolean(get(o, "fell_back_to_thought_image")));
  CHECK(json_object_is_type(get(o, "fell_back_to_thought_image"),
                            json_type_boolean));
  CHECK_STR(str(o, "finish_reason"), "STOP");
  CHECK(is_null(o, "block_reason"));
  CHECK_STR(str(o, "model_version"), "gemini-3-pro-image-preview");
  CHECK_STR(str(o, "response_id"), "resp-***");
  CHECK_INT(num_i(o, "usage.prompt"), 10);
  CHECK_INT(num_i(o, "usage.candidates"), 1120);
  CHECK_INT(num_i(o, "usage.thoughts"), 200);
  CHECK_INT(num_i(o, "usage.total"), 1330);
  CHECK(near(num(o, "timings.connected"), 12.5));
  CHECK(near(num(o, "timings.first_byte"), 40));
  CHECK(near(num(o, "timings.first_thought"), 55.25));
  CHECK(near(num(o, "timings.image_start"), 900));
  CHECK(near(num(o, "timings.image_end"), 1800));
  CHECK(near(num(o, "timings.done"), 1805));
  CHECK(near(num(o, "timings.queued_ms"), 1500));
  CHECK(near(num(o, "timings.first_byte_ms"), 1540));
  CHECK(near(num(o, "timings.first_thought_ms"), 1555.25));
  CHECK(near(num(o, "timings.image_start_ms"), 2400));
  CHECK(near(num(o, "timings.done_ms"), 3305));
  CHECK_INT(json_object_object_length(get(o, "timings")), 11);
  CHECK_INT(num_i(o, "attempts"), 1);
  CHECK_STR(str(o, "text"), "here it is ***");
  CHECK(is_null(o, "error"));
  CHECK(json_object_is_type(get(o, "retries"), json_type_array));
  CHECK_INT(json_object_array_length(get(o, "retries")), 0);
  CHECK(near(num(o, "cost_usd"), 0.134));
  CHECK_STR(str(o, "prompt_sha256"), "ab12");
  CHECK(strstr(raw, ",\"meta\":{\"tags\": [1, 2.50, \"x\"], \"n\":null}}\n"));
  CHECK(json_object_is_type(get(o, "meta.tags"), json_type_array));
  json_object_put(o);
  gf__diag_set_secret(NULL);
}

static void test_failure_with_retries(void) {
  gf__diag_set_secret(SECRET);
  gf_attempt tries[2];
  memset(tries, 0, sizeof tries);
  tries[0].status = GF_ESTATUS;
  tries[0].http_status = 429;
  snprintf(tries[0].api_status, sizeof tries[0].api_status, "%s",
           "RESOURCE_EXHAUSTED");
  tries[0].delay_s = 1.5;
  tries[1].status = GF_ERESET;
  tries[1].delay_s = 2.25;
  gf_result res;
  memset(&res, 0, sizeof res);
  res.status = GF_ESTATUS;
  res.http_status = 429;
  res.api_status = "RESOURCE_EXHAUSTED";
  res.message = "Quota exceeded for key " SECRET " \"per minute\"\n";
  res.retry_after_s = 30;
  static const gf_usage none;
  static const gf_timings timings = {5, 9, -1, -1, -1, 10};
  res.usage = &none;
  res.timings = &timings;
  res.attempts = 3;
  res.retries = tries;
  res.nretries = 2;
  res.file = "/should/not/print.png";
  gf__record rec = {.id = "item-2", .res = &res, .file = "x.png",
                    .cost_usd = -1, .queued_ms = 250.5};
  char raw[8192];
  json_object *o = write_and_parse(&rec, raw, sizeof raw);
  check_key_order(o);
  CHECK_STR(str(o, "status"), "error");
  const char *nulls[] = {"file", "mime", "width", "height", "bytes", "sha256",
                         "finish_reason", "block_reason", "model_version",
                         "response_id", "text", "cost_usd", "prompt_sha256",
                         "meta", "timings.first_thought",
                         "timings.image_start", "timings.image_end",
                         "timings.first_thought_ms", "timings.image_start_ms"};
  for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
    if (!is_null(o, nulls[i])) {
      fprintf(stderr, "not null: %s\n", nulls[i]);
      CHECK(0);
    }
  CHECK(near(num(o, "timings.queued_ms"), 250.5));
  CHECK(near(num(o, "timings.first_byte_ms"), 259.5));
  CHECK(near(num(o, "timings.done_ms"), 260.5));
  CHECK_INT(num_i(o, "attempts"), 3);
  CHECK_STR(str(o, "error.code"), "http_status");
  CHECK_STR(str(o, "error.message"),
            "Quota exceeded for key *** \"per minute\"\n");
  CHECK_INT(num_i(o, "error.http_status"), 429);
  CHECK_STR(str(o, "error.status"), "RESOURCE_EXHAUSTED");
  CHECK(near(num(o, "error.retry_after_s"), 30));
  CHECK_INT(json_object_object_length(get(o, "error")), 5);
  json_object *tr = get(o, "retries");
  CHECK_INT(json_object_array_length(tr), 2);
  json_object *t0 = json_object_array_get_idx(tr, 0);
  json_object *t1 = json_object_array_get_idx(tr, 1);
  CHECK_STR(str(t0, "code"), "http_status");
  CHECK_INT(num_i(t0, "http_status"), 429);
  CHECK_STR(str(t0, "status"), "RESOURCE_EXHAUSTED");
  CHECK(near(num(t0, "delay_s"), 1.5));
  CHECK_INT(json_object_object_length(t0), 4);
  CHECK_STR(str(t1, "code"), "reset");
  CHECK(is_null(t1, "http_status"));
  CHECK(is_null(t1, "status"));
  CHECK(near(num(t1, "delay_s"), 2.25));
  json_object_put(o);
  gf__diag_set_secret(NULL);
}

static void test_canceled(void) {
  gf_result res;
  memset(&res, 0, sizeof res);
  res.status = GF_ECANCELED;
  res.retry_after_s = -1;
  static const gf_usage none;
  static const gf_timings unreached = {-1, -1, -1, -1, -1, -1};
  res.usage = &none;
  res.timings = &unreached;
  res.attempts = 1;
  /* Pretty-printed meta stays on the record's one line. */
  gf__record rec = {.res = &res, .cost_usd = -1,
                    .meta_json = "{\r\n  \"a\": [1,\n 2]\n}"};
  char raw[8192];
  json_object *o = write_and_parse(&rec, raw, sizeof raw);
  check_key_order(o);
  CHECK(strstr(raw, "\"meta\":{    \"a\": [1,  2] }}\n"));
  CHECK_INT(json_object_array_length(get(o, "meta.a")), 2);
  CHECK(is_null(o, "id"));
  CHECK_STR(str(o, "status"), "error");
  const char *stages[] = {"connected", "first_byte", "first_thought",
                          "image_start", "image_end", "done",
                          "first_byte_ms", "first_thought_ms",
                          "image_start_ms", "done_ms"};
  char key[64];
  for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++) {
    snprintf(key, sizeof key, "timings.%s", stages[i]);
    CHECK(is_null(o, key));
  }
  CHECK(json_object_is_type(get(o, "timings.queued_ms"), json_type_int));
  CHECK_INT(num_i(o, "timings.queued_ms"), 0);
  CHECK_STR(str(o, "error.code"), "canceled");
  CHECK_STR(str(o, "error.message"), gf_strerror(GF_ECANCELED));
  CHECK(is_null(o, "error.http_status"));
  CHECK(is_null(o, "error.status"));
  CHECK(is_null(o, "error.retry_after_s"));
  CHECK_INT(json_object_array_length(get(o, "retries")), 0);
  json_object_put(o);
}

/* Model text may hold NUL and bad UTF-8: the key is scrubbed on both sides
 * of a NUL and the output still parses. */
static void test_text_nul_and_key(void) {
  gf__diag_set_secret(SECRET);
  gf_result res = ok_result();
  static const char text[] = "a\0" SECRET "b\xff" SECRET;
  gf__record rec = {.res = &res, .text = text, .text_len = sizeof text - 1,
                    .cost_usd = 0.000123};
  char raw[8192];
  json_object *o = write_and_parse(&rec, raw, sizeof raw);
  json_object *t = get(o, "text");
  static const char want[] = "a\0***b\xef\xbf\xbd***";
  CHECK_MEM(json_object_get_string(t), (size_t)json_object_get_string_len(t),
            want, sizeof want - 1);
  CHECK(strstr(raw, "\"cost_usd\":0.000123,"));
  CHECK_STR(str(o, "file"), "/abs/out/001.png"); /* r->file NULL */
  json_object_put(o);
  gf__diag_set_secret(NULL);
}

/* generate --json: the same object, batch fields null. */
static void test_report_json_is_the_record(void) {
  gf_result res = ok_result();
  FILE *f = tmpfile();
  gf__report_json(f, &res, NULL, 0, NULL);
  rewind(f);
  char raw[8192];
  size_t n = fread(raw, 1, sizeof raw - 1, f);
  raw[n] = '\0';
  fclose(f);
  json_object *o = json_tokener_parse(raw);
  CHECK(o != NULL);
  check_key_order(o);
  CHECK(is_null(o, "id"));
  CHECK_STR(str(o, "file"), "/abs/out/001.png");
  CHECK(is_null(o, "text"));
  CHECK(is_null(o, "cost_usd"));
  CHECK(is_null(o, "prompt_sha256"));
  CHECK(is_null(o, "meta"));
  CHECK_INT(num_i(o, "timings.queued_ms"), 0);
  CHECK(near(num(o, "timings.done_ms"), 1805));
  json_object_put(o);
}

/* With a conversation: "chat" after every other key, as given. */
static void test_report_json_chat(void) {
  gf_result res = ok_result();
  FILE *f = tmpfile();
  gf__report_json(f, &res, NULL, 0, "{\"gemflow_chat\":1,\"turns\":[]}");
  rewind(f);
  char raw[8192];
  size_t n = fread(raw, 1, sizeof raw - 1, f);
  raw[n] = '\0';
  fclose(f);
  CHECK(strstr(raw, ",\"meta\":null,\"chat\":{\"gemflow_chat\":1,"
                    "\"turns\":[]}}\n") != NULL);
  CHECK(strchr(raw, '\n') == raw + n - 1); /* one line */
}

TEST_MAIN(TEST(test_report_json_chat), TEST(test_ok_item), TEST(test_failure_with_retries),
          TEST(test_canceled), TEST(test_text_nul_and_key),
          TEST(test_report_json_is_the_record))
