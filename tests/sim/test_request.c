/* Request validation as the service does it: every error case gives the
 * exact HTTP status, Google status string and (for 400s) the field named
 * in the BadRequest detail; valid requests give the parsed values. */
#include <json-c/json.h>

#include "common/buf.h"
#include "gemflow.h"
#include "sim/apierr.h"
#include "sim/request.h"
#include "test.h"

#define PATH "/v1beta/models/gemini-3-pro-image-preview:streamGenerateContent"
#define MIN_BODY "{\"contents\":[{\"parts\":[{\"text\":\"hi\"}]}]}"
/* a 1x1 PNG's first bytes, base64 */
#define PNG_B64 "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"

static const char *const reject[] = {"bad-key", "revoked"};

typedef struct vec {
  const char *method, *target, *hkey, *body;
  int status;
  const char *api_status, *field, *reason;
} vec;

static int run(const vec *v, gf__sim_req *r, gf__sim_err *e) {
  gf__sim_req_init(r);
  memset(e, 0, sizeof *e);
  return gf__sim_req_validate(r, v->method, v->target, v->hkey, v->body,
                              strlen(v->body), reject, 2, 99, e);
}

static void check_vec(const vec *v, int line) {
  gf__sim_req r;
  gf__sim_err e;
  int rc = run(v, &r, &e);
  if (v->status == 0) {
    if (rc != 0)
      fprintf(stderr, "line %d: %d %s\n", line, e.status, e.message);
    CHECK_INT(rc, 0);
  } else {
    if (e.status != v->status || !e.api_status ||
        strcmp(e.api_status, v->api_status) ||
        strcmp(e.field, v->field ? v->field : ""))
      fprintf(stderr, "line %d: got %d %s field '%s': %s\n", line, e.status,
              e.api_status ? e.api_status : "-", e.field, e.message);
    CHECK_INT(rc, -1);
    CHECK_INT(e.status, v->status);
    CHECK_STR(e.api_status, v->api_status);
    CHECK_STR(e.field, v->field ? v->field : "");
    CHECK_STR(e.reason, v->reason);
    CHECK(e.message[0] != '\0');
  }
  gf__sim_req_free(&r);
}

/* Trailing fields left out of a vector are NULL. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define V(...) check_vec(&(vec){__VA_ARGS__}, __LINE__)

static void test_target_method_key(void) {
  V("POST", PATH "?alt=sse&key=k", NULL, MIN_BODY, 0);
  V("POST", PATH "?key=k&alt=json", NULL, MIN_BODY, 0);
  V("POST", PATH "?alt=proto&key=k", NULL, MIN_BODY, 400, "INVALID_ARGUMENT",
    "alt");
  V("POST", "/v1/models/gemini-3-pro-image-preview:streamGenerateContent?key=k",
    NULL, MIN_BODY, 404, "NOT_FOUND");
  V("POST",
    "/v1beta/models/gemini-3-pro-image-preview:generateContent?key=k", NULL,
    MIN_BODY, 404, "NOT_FOUND");
  V("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?key=k",
    NULL, MIN_BODY, 404, "NOT_FOUND");
  V("POST", "/v1beta/models/x/gemini-3-pro-image-preview:streamGenerateContent",
    NULL, MIN_BODY, 404, "NOT_FOUND");
  V("POST", "/v1beta/models/:streamGenerateContent?key=k", NULL, MIN_BODY, 404,
    "NOT_FOUND");
  V("POST", "/", NULL, MIN_BODY, 404, "NOT_FOUND");
  /* the path is checked before the method, the method before the key */
  V("GET", "/nothing", NULL, "", 404, "NOT_FOUND");
  V("GET", PATH, NULL, "", 405, "METHOD_NOT_ALLOWED");
  V("PUT", PATH "?key=k", NULL, MIN_BODY, 405, "METHOD_NOT_ALLOWED");
  V("POST", PATH "?alt=sse", NULL, MIN_BODY, 403, "PERMISSION_DENIED");
  V("POST", PATH "?alt=sse&key=", NULL, MIN_BODY, 403, "PERMISSION_DENIED");
  V("POST", PATH "?alt=sse", "", MIN_BODY, 403, "PERMISSION_DENIED");
  V("POST", PATH "?alt=sse", "abc", MIN_BODY, 0);
  V("POST", PATH "?key=bad-key", NULL, MIN_BODY, 403, "PERMISSION_DENIED",
    NULL, "API_KEY_INVALID");
  V("POST", PATH "?key=bad%2dkey", NULL, MIN_BODY, 403, "PERMISSION_DENIED",
    NULL, "API_KEY_INVALID");
  V("POST", PATH, "revoked", MIN_BODY, 403, "PERMISSION_DENIED", NULL,
    "API_KEY_INVALID");
  /* the header wins over the query */
  V("POST", PATH "?key=bad-key", "good", MIN_BODY, 0);
  V("POST", PATH "?key=%zz", NULL, MIN_BODY, 0); /* mangled, not rejected */
  /* the key is checked before the body */
  V("POST", PATH, NULL, "{bad", 403, "PERMISSION_DENIED");
}

static void test_body_shape(void) {
  const char *t = PATH "?key=k";
  V("POST", t, NULL, "", 400, "INVALID_ARGUMENT");
  V("POST", t, NULL, "{bad", 400, "INVALID_ARGUMENT");
  V("POST", t, NULL, "[]", 400, "INVALID_ARGUMENT");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}]} x", 400,
    "INVALID_ARGUMENT");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],}", 400,
    "INVALID_ARGUMENT"); /* strict: no trailing comma */
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}]} \r\n", 0);
  V("POST", t, NULL, "{}", 400, "INVALID_ARGUMENT", "contents");
  V("POST", t, NULL, "{\"contents\":[]}", 400, "INVALID_ARGUMENT", "contents");
  V("POST", t, NULL, "{\"contents\":{}}", 400, "INVALID_ARGUMENT", "contents");
  V("POST", t, NULL, "{\"foo\":1,\"contents\":[{\"parts\":[{\"text\":\"a\"}]}]}",
    400, "INVALID_ARGUMENT", "foo");
  V("POST", t, NULL, "{\"contents\":[1]}", 400, "INVALID_ARGUMENT",
    "contents[0]");
  V("POST", t, NULL, "{\"contents\":[{\"role\":\"user\"}]}", 400,
    "INVALID_ARGUMENT", "contents[0].parts");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[]}]}", 400,
    "INVALID_ARGUMENT", "contents[0].parts");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":{}}]}", 400,
    "INVALID_ARGUMENT", "contents[0].parts");
  V("POST", t, NULL, "{\"contents\":[{\"role\":\"system\",\"parts\":[{\"text\":"
    "\"a\"}]}]}", 400, "INVALID_ARGUMENT", "contents[0].role");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"text\":\"a\"}],\"x\":1}]}",
    400, "INVALID_ARGUMENT", "contents[0].x");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"txt\":\"a\"}]}]}", 400,
    "INVALID_ARGUMENT", "contents[0].parts[0].txt");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{}]}]}", 400,
    "INVALID_ARGUMENT", "contents[0].parts[0].data");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"text\":5}]}]}", 400,
    "INVALID_ARGUMENT", "contents[0].parts[0].text");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"text\":\"a\",\"thought\":"
    "1}]}]}", 400, "INVALID_ARGUMENT", "contents[0].parts[0].thought");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"text\":\"a\",\"inline_data\""
    ":{\"mime_type\":\"image/png\",\"data\":\"" PNG_B64 "\"}}]}]}", 400,
    "INVALID_ARGUMENT", "contents[0].parts[0].inline_data");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],"
    "\"tools\":{}}", 400, "INVALID_ARGUMENT", "tools");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],"
    "\"tools\":[{\"google_search\":{}}],\"systemInstruction\":{\"parts\":[]}}",
    0);
}

#define REF(mimekey, mime, datakey, data)                                      \
  "{\"contents\":[{\"parts\":[{\"text\":\"edit\"},{\"inline_data\":{\"" mimekey \
  "\":\"" mime "\",\"" datakey "\":\"" data "\"}}]}]}"
#define REFC(mime, data)                                                       \
  "{\"contents\":[{\"parts\":[{\"text\":\"edit\"},{\"inlineData\":{"          \
  "\"mimeType\":\"" mime "\",\"data\":\"" data "\"}}]}]}"

static void test_references(void) {
  const char *t = PATH "?key=k";
  V("POST", t, NULL, REF("mime_type", "image/png", "data", PNG_B64), 0);
  V("POST", t, NULL, REFC("image/jpeg", "/9j/4AAQ"), 0);
  V("POST", t, NULL, REFC("image/webp", "UklGRg"), 0); /* unpadded */
  V("POST", t, NULL, REFC("image/heic", "AAAAGGZ0eXBoZWlj"), 0);
  V("POST", t, NULL, REFC("image/heif", "AAAAGGZ0eXBtaWYx"), 0);
  V("POST", t, NULL, REF("mime_type", "image/gif", "data", PNG_B64), 400,
    "INVALID_ARGUMENT", "contents[0].parts[1].inline_data.mime_type");
  V("POST", t, NULL, REFC("image/bmp", PNG_B64), 400, "INVALID_ARGUMENT",
    "contents[0].parts[1].inlineData.mimeType");
  V("POST", t, NULL, REFC("IMAGE/PNG", PNG_B64), 0); /* types ignore case */
  V("POST", t, NULL, REFC("image/svg+xml", PNG_B64), 400, "INVALID_ARGUMENT",
    "contents[0].parts[1].inlineData.mimeType");
  V("POST", t, NULL, REFC("image/p_ng", PNG_B64), 400, "INVALID_ARGUMENT",
    "contents[0].parts[1].inlineData.mimeType");
  V("POST", t, NULL, REFC("image/png", "@@@@"), 400, "INVALID_ARGUMENT",
    "contents[0].parts[1].inlineData.data");
  V("POST", t, NULL, REFC("image/png", "iVBORw0K=A"), 400, "INVALID_ARGUMENT",
    "contents[0].parts[1].inlineData.data");
  V("POST", t, NULL, REFC("image/png", "A"), 400, "INVALID_ARGUMENT",
    "contents[0].parts[1].inlineData.data");
  V("POST", t, NULL, REFC("image/png", ""), 400, "INVALID_ARGUMENT",
    "contents[0].parts[1].inlineData.data");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"inlineData\":{\"data\":\""
    PNG_B64 "\"}}]}]}", 400, "INVALID_ARGUMENT",
    "contents[0].parts[0].inlineData.mime_type");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"inlineData\":{\"mimeType\":"
    "\"image/png\"}}]}]}", 400, "INVALID_ARGUMENT",
    "contents[0].parts[0].inlineData.data");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"inlineData\":{\"mimeType\":"
    "\"image/png\",\"data\":\"" PNG_B64 "\",\"x\":1}}]}]}", 400,
    "INVALID_ARGUMENT", "contents[0].parts[0].inlineData.x");

  /* 14 references pass, 15 do not */
  gf__buf b;
  gf__buf_init(&b, 0);
  for (int n = 14; n <= 15; n++) {
    gf__buf_reset(&b);
    gf__buf_printf(&b, "{\"contents\":[{\"parts\":[{\"text\":\"x\"}");
    for (int i = 0; i < n; i++)
      gf__buf_printf(&b, ",{\"inline_data\":{\"mime_type\":\"image/png\","
                         "\"data\":\"" PNG_B64 "\"}}");
    gf__buf_printf(&b, "]}]}");
    if (n == 14)
      V("POST", t, NULL, b.data, 0);
    else
      V("POST", t, NULL, b.data, 400, "INVALID_ARGUMENT",
        "contents[0].parts[15].inline_data");
  }
  gf__buf_free(&b);
}

static void test_generation_config(void) {
  const char *t = PATH "?key=k";
#define GC(x) "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],\"generationConfig\":" x "}"
  V("POST", t, NULL, GC("[]"), 400, "INVALID_ARGUMENT", "generationConfig");
  V("POST", t, NULL, GC("{\"responseModalities\":[\"TEXT\"]}"), 400,
    "INVALID_ARGUMENT", "generationConfig.responseModalities");
  V("POST", t, NULL, GC("{\"responseModalities\":[]}"), 400,
    "INVALID_ARGUMENT", "generationConfig.responseModalities");
  V("POST", t, NULL, GC("{\"responseModalities\":\"IMAGE\"}"), 400,
    "INVALID_ARGUMENT", "generationConfig.responseModalities");
  V("POST", t, NULL, GC("{\"responseModalities\":[\"IMAGE\",\"PICTURE\"]}"),
    400, "INVALID_ARGUMENT", "generationConfig.responseModalities[1]");
  V("POST", t, NULL, GC("{\"responseModalities\":[\"image\"]}"), 400,
    "INVALID_ARGUMENT", "generationConfig.responseModalities[0]");
  V("POST", t, NULL, GC("{\"imageConfig\":{\"aspectRatio\":\"7:3\"}}"), 400,
    "INVALID_ARGUMENT", "generationConfig.imageConfig.aspectRatio");
  V("POST", t, NULL, GC("{\"imageConfig\":{\"aspectRatio\":1}}"), 400,
    "INVALID_ARGUMENT", "generationConfig.imageConfig.aspectRatio");
  V("POST", t, NULL, GC("{\"imageConfig\":{\"imageSize\":\"1k\"}}"), 400,
    "INVALID_ARGUMENT", "generationConfig.imageConfig.imageSize");
  V("POST", t, NULL, GC("{\"imageConfig\":{\"imageSize\":\"512\"}}"), 400,
    "INVALID_ARGUMENT", "generationConfig.imageConfig.imageSize");
  V("POST", t, NULL, GC("{\"image_config\":{\"image_size\":\"3K\"}}"), 400,
    "INVALID_ARGUMENT", "generationConfig.image_config.image_size");
  V("POST", t, NULL, GC("{\"imageConfig\":[]}"), 400, "INVALID_ARGUMENT",
    "generationConfig.imageConfig");
  V("POST", t, NULL, GC("{\"seed\":\"7\"}"), 400, "INVALID_ARGUMENT",
    "generationConfig.seed");
  V("POST", t, NULL, GC("{\"temperature\":1.0,\"imageConfig\":{\"x\":1}}"), 0);
}

static void test_parsed_values(void) {
  gf__sim_req r;
  gf__sim_err e;
  vec v = {"POST", PATH "?alt=sse&key=k", NULL, MIN_BODY, 0, NULL, NULL, NULL};
  CHECK_INT(run(&v, &r, &e), 0);
  CHECK_INT(r.sse, 1);
  CHECK_INT(r.key_ok, 1);
  CHECK_STR(r.model, "gemini-3-pro-image-preview");
  CHECK_STR(r.prompt, "hi");
  CHECK_INT(r.plen, 2);
  CHECK_STR(r.aspect, "1:1");
  CHECK_STR(r.size, "1K");
  CHECK_INT(r.w, 1024);
  CHECK_INT(r.h, 1024);
  CHECK_INT(r.seed, 99); /* the server's */
  CHECK_INT(r.text_modality, 1);
  CHECK_INT(r.nrefs, 0);
  CHECK_INT(r.prompt_tokens, 1);
  gf__sim_req_free(&r);

  v.target = PATH "?key=k";
  v.body = "{\"generation_config\":{\"response_modalities\":[\"IMAGE\"],"
           "\"image_config\":{\"aspect_ratio\":\"16:9\",\"image_size\":\"4K\"},"
           "\"seed\":7},\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":"
           "\"first\"}]},{\"role\":\"model\",\"parts\":[{\"text\":\"ok\"},"
           "{\"text\":\"hm\",\"thought\":true,\"thoughtSignature\":\"c2ln\"}]},"
           "{\"parts\":[{\"text\":\"second\"},{\"text\":\"idea\",\"thought\":"
           "true},{\"inline_data\":{\"mime_type\":\"image/png\",\"data\":\""
           PNG_B64 "\"}},{\"text\":\"third \\u00e9\"}]}]}";
  CHECK_INT(run(&v, &r, &e), 0);
  CHECK_INT(r.sse, 0);
  CHECK_STR(r.prompt, "second\nthird \xc3\xa9");
  CHECK_STR(r.aspect, "16:9");
  CHECK_STR(r.size, "4K");
  CHECK_INT(r.w, 5504);
  CHECK_INT(r.h, 3072);
  CHECK_INT(r.seed, 7);
  CHECK_INT(r.text_modality, 0);
  CHECK_INT(r.nrefs, 1);
  CHECK_INT(r.prompt_tokens, (14 + 3) / 4 + GF_SIM_REF_TOKENS);
  gf__sim_req_free(&r);
}

static void test_too_big(void) {
  gf__sim_req r;
  gf__sim_err e;
  gf__sim_req_init(&r);
  /* the size is checked before a byte of the body is read */
  CHECK_INT(gf__sim_req_validate(&r, "POST", PATH "?key=k", NULL, "{",
                                 GF_SIM_BODY_MAX + 1ull, NULL, 0, 0, &e),
            -1);
  CHECK_INT(e.status, 413);
  CHECK_STR(e.api_status, "INVALID_ARGUMENT");
  CHECK_INT(e.close, 1);
  gf__sim_req_free(&r);
}

/* The error JSON: exact bytes for a simple one, and the details' shape. */
static void test_error_json(void) {
  gf__sim_err e;
  gf__buf b;
  gf__buf_init(&b, 0);
  gf__sim_err_set(&e, 404, "NOT_FOUND", "Requested entity was not found.");
  CHECK_INT(gf__sim_err_json(&e, 0, &b), 0);
  CHECK_STR(b.data, "{\"error\":{\"code\":404,\"message\":\"Requested entity "
                    "was not found.\",\"status\":\"NOT_FOUND\"}}");
  gf__buf_reset(&b);
  CHECK_INT(gf__sim_err_json(&e, 1, &b), 0);
  CHECK_STR(b.data, "{\n  \"error\": {\n    \"code\": 404,\n    \"message\": "
                    "\"Requested entity was not found.\",\n    \"status\": "
                    "\"NOT_FOUND\"\n  }\n}");

  gf__sim_err_set(&e, 429, "RESOURCE_EXHAUSTED", "quota \"x\"/y");
  e.retry_delay = "1.5s";
  e.reason = "API_KEY_INVALID";
  gf__sim_err f;
  gf__sim_err_field(&f, "contents[0].parts", "bad %d", 7);
  CHECK_INT(f.status, 400);
  CHECK_STR(f.api_status, "INVALID_ARGUMENT");
  CHECK_STR(f.message, "bad 7");
  memcpy(e.field, f.field, sizeof e.field);
  gf__buf_reset(&b);
  CHECK_INT(gf__sim_err_json(&e, 1, &b), 0);
  json_object *root = json_tokener_parse(b.data), *err, *d, *x;
  CHECK(root != NULL);
  CHECK(json_object_object_get_ex(root, "error", &err));
  CHECK(json_object_object_get_ex(err, "code", &x) &&
        json_object_get_int(x) == 429);
  CHECK(json_object_object_get_ex(err, "message", &x));
  CHECK_STR(json_object_get_string(x), "quota \"x\"/y");
  CHECK(json_object_object_get_ex(err, "details", &d));
  CHECK_INT(json_object_array_length(d), 3);
  const char *types[3] = {"type.googleapis.com/google.rpc.ErrorInfo",
                          "type.googleapis.com/google.rpc.RetryInfo",
                          "type.googleapis.com/google.rpc.BadRequest"};
  for (int i = 0; i < 3; i++) {
    json_object *di = json_object_array_get_idx(d, (size_t)i);
    CHECK(json_object_object_get_ex(di, "@type", &x));
    CHECK_STR(json_object_get_string(x), types[i]);
  }
  json_object *di = json_object_array_get_idx(d, 0);
  CHECK(json_object_object_get_ex(di, "reason", &x));
  CHECK_STR(json_object_get_string(x), "API_KEY_INVALID");
  di = json_object_array_get_idx(d, 1);
  CHECK(json_object_object_get_ex(di, "retryDelay", &x));
  CHECK_STR(json_object_get_string(x), "1.5s");
  di = json_object_array_get_idx(d, 2);
  CHECK(json_object_object_get_ex(di, "fieldViolations", &x));
  x = json_object_array_get_idx(x, 0);
  CHECK(json_object_object_get_ex(x, "field", &x));
  CHECK_STR(json_object_get_string(x), "contents[0].parts");
  json_object_put(root);
  gf__buf_free(&b);
}

/* What the log reports of the wire, whatever validation says: where the
 * key came from, the modalities as sent, a google_search tool, alt=sse. */
static void check_wire(const char *target, const char *hkey, const char *body,
                       const char *key_from, const char *modalities,
                       int search, int sse, int line) {
  gf__sim_req r;
  gf__sim_err e;
  vec v = {"POST", target, hkey, body, 0, NULL, NULL, NULL};
  run(&v, &r, &e);
  const char *mods =
      r.modalities ? json_object_to_json_string_ext(r.modalities,
                                                    JSON_C_TO_STRING_PLAIN)
                   : NULL;
  if ((!r.key_from != !key_from) ||
      (key_from && strcmp(r.key_from, key_from)) || !mods != !modalities ||
      (mods && strcmp(mods, modalities)) || r.search != search || r.sse != sse)
    fprintf(stderr, "line %d: key_from %s modalities %s search %d sse %d\n",
            line, r.key_from ? r.key_from : "-", mods ? mods : "-", r.search,
            r.sse);
  CHECK_STR(r.key_from, key_from);
  CHECK_STR(mods, modalities);
  CHECK_INT(r.search, search);
  CHECK_INT(r.sse, sse);
  gf__sim_req_free(&r);
}
#define W(...) check_wire(__VA_ARGS__, __LINE__)

static void test_wire_notes(void) {
  W(PATH "?alt=sse&key=k", NULL, MIN_BODY, "query", NULL, 0, 1);
  W(PATH "?alt=sse", "k", MIN_BODY, "header", NULL, 0, 1);
  W(PATH "?key=q", "h", MIN_BODY, "header", NULL, 0, 0); /* header wins */
  W(PATH "?key=q", "", MIN_BODY, "query", NULL, 0, 0);
  W(PATH "?key=", "", MIN_BODY, NULL, NULL, 0, 0);
  W(PATH "?alt=sse&alt=json", NULL, MIN_BODY, NULL, NULL, 0, 0);
  W(PATH "?key=bad-key", NULL, MIN_BODY, "query", NULL, 0, 0); /* rejected */
  W("/nowhere?key=q", "h", MIN_BODY, "header", NULL, 0, 0);     /* 404 */
  W(PATH "?key=k", NULL, GC("{\"responseModalities\":[\"IMAGE\"]}"), "query",
    "[\"IMAGE\"]", 0, 0);
  W(PATH "?key=k", NULL,
    GC("{\"response_modalities\":[\"TEXT\",\"IMAGE\"]}"), "query",
    "[\"TEXT\",\"IMAGE\"]", 0, 0);
  /* as sent, even when the service refuses it */
  W(PATH "?key=k", NULL, GC("{\"responseModalities\":[\"TEXT\"]}"), "query",
    "[\"TEXT\"]", 0, 0);
  W(PATH "?key=k", NULL,
    "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],"
    "\"tools\":[{\"google_search\":{}}]}",
    "query", NULL, 1, 0);
  W(PATH "?key=k", NULL,
    "{\"tools\":[{\"codeExecution\":{}},{\"googleSearch\":{}}],"
    "\"contents\":[{\"parts\":[{\"text\":\"a\"}]}]}",
    "query", NULL, 1, 0);
  W(PATH "?key=k", NULL,
    "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],"
    "\"tools\":[{\"codeExecution\":{}}]}",
    "query", NULL, 0, 0);
  W(PATH "?key=k", NULL, "{\"tools\":[\"google_search\"]}", "query", NULL, 0,
    0);
  W(PATH "?key=k", NULL, "{bad", "query", NULL, 0, 0);
}

TEST_MAIN(TEST(test_target_method_key), TEST(test_body_shape),
          TEST(test_references), TEST(test_generation_config),
          TEST(test_parsed_values), TEST(test_too_big), TEST(test_error_json),
          TEST(test_wire_notes))
