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
/* any non-empty key is valid, but for the two reported as leaked */
static gf__sim_keys keys = {NULL, reject, 2};
static int lenient; /* --passthrough-fields for the next vectors */

typedef struct vec {
  const char *method, *target, *hkey, *body;
  int status;
  const char *api_status, *field, *reason;
  const char *message; /* NULL: not compared */
} vec;

static int run(const vec *v, gf__sim_req *r, gf__sim_err *e) {
  gf__sim_req_init(r);
  r->lenient = lenient;
  memset(e, 0, sizeof *e);
  return gf__sim_req_validate(r, v->method, v->target, v->hkey, v->body,
                              strlen(v->body), &keys, 99, e);
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
    if (v->message)
      CHECK_STR(e.message, v->message);
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
  V("POST", PATH "?alt=sse", NULL, MIN_BODY, 403, "PERMISSION_DENIED", NULL,
    NULL,
    "Method doesn't allow unregistered callers (callers without established "
    "identity). Please use API Key or other form of API consumer identity to "
    "call this API.");
  /* --reject-key: a key reported as leaked */
  V("POST", PATH "?key=bad-key", NULL, MIN_BODY, 403, "PERMISSION_DENIED",
    NULL, NULL,
    "Your API key was reported as leaked. Please use another API key.");
  V("POST", PATH "?key=bad%2dkey", NULL, MIN_BODY, 403, "PERMISSION_DENIED");
  V("POST", PATH, "revoked", MIN_BODY, 403, "PERMISSION_DENIED");
  V("POST", PATH, "revoked2", MIN_BODY, 0);
  V("POST", PATH, "revoke", MIN_BODY, 0);
  /* the header wins over the query */
  V("POST", PATH "?key=bad-key", "good", MIN_BODY, 0);
  V("POST", PATH "?key=%zz", NULL, MIN_BODY, 0); /* mangled, not rejected */
  /* the key is checked before the body */
  V("POST", PATH, NULL, "{bad", 403, "PERMISSION_DENIED");
}

/* With one valid key set (--api-key-file): any other is a 400 with an
 * ErrorInfo API_KEY_INVALID, as the service answers a bad key. */
static void test_accepted_key(void) {
  keys.accept = "the-one-key";
  const char *invalid = "API key not valid. Please pass a valid API key.";
  V("POST", PATH "?key=the-one-key", NULL, MIN_BODY, 0);
  V("POST", PATH, "the-one-key", MIN_BODY, 0);
  V("POST", PATH "?key=the%2Done%2Dkey", NULL, MIN_BODY, 0);
  V("POST", PATH "?key=other", NULL, MIN_BODY, 400, "INVALID_ARGUMENT", NULL,
    "API_KEY_INVALID", invalid);
  V("POST", PATH "?key=the-one-ke", NULL, MIN_BODY, 400, "INVALID_ARGUMENT",
    NULL, "API_KEY_INVALID");
  V("POST", PATH "?key=the-one-keyy", NULL, MIN_BODY, 400, "INVALID_ARGUMENT",
    NULL, "API_KEY_INVALID");
  V("POST", PATH "?key=%zz", NULL, MIN_BODY, 400, "INVALID_ARGUMENT", NULL,
    "API_KEY_INVALID");
  /* the header is the key checked, whatever the query holds */
  V("POST", PATH "?key=the-one-key", "other", MIN_BODY, 400,
    "INVALID_ARGUMENT", NULL, "API_KEY_INVALID");
  V("POST", PATH "?key=other", "the-one-key", MIN_BODY, 0);
  V("POST", PATH, NULL, MIN_BODY, 403, "PERMISSION_DENIED");
  V("POST", PATH "?key=bad-key", NULL, MIN_BODY, 403, "PERMISSION_DENIED");
  /* before the body, and the details as the service sends them */
  gf__sim_req r;
  gf__sim_err e;
  vec v = {"POST", PATH "?key=nope", NULL, "{bad", 0, NULL, NULL, NULL, NULL};
  CHECK_INT(run(&v, &r, &e), -1);
  CHECK_INT(e.status, 400);
  CHECK_INT(r.key_ok, 0);
  gf__buf b;
  gf__buf_init(&b, 0);
  CHECK_INT(gf__sim_err_json(&e, 0, &b), 0);
  CHECK_STR(b.data,
            "{\"error\":{\"code\":400,\"message\":\"API key not valid. Please "
            "pass a valid API key.\",\"status\":\"INVALID_ARGUMENT\",\"details\":"
            "[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":"
            "\"API_KEY_INVALID\",\"domain\":\"googleapis.com\",\"metadata\":{"
            "\"service\":\"generativelanguage.googleapis.com\"}},{\"@type\":"
            "\"type.googleapis.com/google.rpc.LocalizedMessage\",\"locale\":"
            "\"en-US\",\"message\":\"API key not valid. Please pass a valid API "
            "key.\"}]}}");
  CHECK(strstr(b.data, "nope") == NULL);
  gf__buf_free(&b);
  gf__sim_req_free(&r);
  keys.accept = NULL;
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
  /* an unknown top-level name: the service names no field */
  V("POST", t, NULL, "{\"foo\":1,\"contents\":[{\"parts\":[{\"text\":\"a\"}]}]}",
    400, "INVALID_ARGUMENT", NULL, NULL,
    "Invalid JSON payload received. Unknown name \"foo\": Cannot find field.");
  /* names are the JSON or the proto spelling, exactly */
  V("POST", t, NULL, "{\"Contents\":[{\"parts\":[{\"text\":\"a\"}]}]}",
    400, "INVALID_ARGUMENT", NULL, NULL,
    "Invalid JSON payload received. Unknown name \"Contents\": Cannot find "
    "field.");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],"
    "\"generationconfig\":{}}", 400, "INVALID_ARGUMENT", NULL, NULL,
    "Invalid JSON payload received. Unknown name \"generationconfig\": Cannot "
    "find field.");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}],"
    "\"generation_config\":{},\"system_instruction\":{\"parts\":[]},"
    "\"safety_settings\":[],\"service_tier\":\"standard\"}", 0);
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
    400, "INVALID_ARGUMENT", "contents[0]", NULL,
    "Invalid JSON payload received. Unknown name \"x\" at 'contents[0]': "
    "Cannot find field.");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"txt\":\"a\"}]}]}", 400,
    "INVALID_ARGUMENT", "contents[0].parts[0]", NULL,
    "Invalid JSON payload received. Unknown name \"txt\" at "
    "'contents[0].parts[0]': Cannot find field.");
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
    "\"tools\":null}", 0);
  /* null is the field's default, as if absent */
  V("POST", t, NULL, "{\"contents\":[{\"role\":null,\"parts\":[{\"text\":"
    "\"a\",\"thought\":null,\"thoughtSignature\":null,\"inlineData\":null}]}]}",
    0);
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"text\":null}]}]}", 400,
    "INVALID_ARGUMENT", "contents[0].parts[0].data");
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
    "contents[0].parts[1].inline_data.mime_type");
  V("POST", t, NULL, REFC("IMAGE/PNG", PNG_B64), 0); /* types ignore case */
  V("POST", t, NULL, REFC("image/svg+xml", PNG_B64), 400, "INVALID_ARGUMENT",
    "contents[0].parts[1].inline_data.mime_type");
  V("POST", t, NULL, REFC("image/p_ng", PNG_B64), 400, "INVALID_ARGUMENT",
    "contents[0].parts[1].inline_data.mime_type");
  V("POST", t, NULL, REFC("image/png", "@@@@"), 400, "INVALID_ARGUMENT",
    "contents[0].parts[1].inline_data.data", NULL,
    "Invalid value at 'contents[0].parts[1].inline_data.data' (TYPE_BYTES), "
    "Base64 decoding failed for \"@@@@\"");
  V("POST", t, NULL, REFC("image/png", "iVBORw0K=A"), 400, "INVALID_ARGUMENT",
    "contents[0].parts[1].inline_data.data");
  V("POST", t, NULL, REFC("image/png", "A"), 400, "INVALID_ARGUMENT",
    "contents[0].parts[1].inline_data.data");
  V("POST", t, NULL, REFC("image/png", ""), 400, "INVALID_ARGUMENT",
    "contents[0].parts[1].inline_data.data");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"inlineData\":{\"data\":\""
    PNG_B64 "\"}}]}]}", 400, "INVALID_ARGUMENT",
    "contents[0].parts[0].inline_data.mime_type");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"inlineData\":{\"mimeType\":"
    "\"image/png\"}}]}]}", 400, "INVALID_ARGUMENT",
    "contents[0].parts[0].inline_data.data");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"inlineData\":{\"mimeType\":"
    "\"image/png\",\"data\":\"" PNG_B64 "\",\"x\":1}}]}]}", 400,
    "INVALID_ARGUMENT", "contents[0].parts[0].inline_data", NULL,
    "Invalid JSON payload received. Unknown name \"x\" at "
    "'contents[0].parts[0].inline_data': Cannot find field.");
  V("POST", t, NULL, "{\"contents\":[{\"parts\":[{\"inlineData\":{\"mimetype\":"
    "\"image/png\",\"data\":\"" PNG_B64 "\"}}]}]}", 400,
    "INVALID_ARGUMENT", "contents[0].parts[0].inline_data");

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
  V("POST", t, NULL, GC("[]"), 400, "INVALID_ARGUMENT", NULL, NULL,
    "Invalid JSON payload received. Unknown name \"generationConfig\": Proto "
    "field is not repeating, cannot start list.");
  V("POST", t, NULL, GC("1"), 400, "INVALID_ARGUMENT", "generation_config");
  V("POST", t, NULL, GC("null"), 0);
  V("POST", t, NULL, GC("{\"responseModalities\":[\"TEXT\"]}"), 400,
    "INVALID_ARGUMENT", "generation_config.response_modalities");
  V("POST", t, NULL, GC("{\"responseModalities\":[]}"), 400,
    "INVALID_ARGUMENT", "generation_config.response_modalities");
  V("POST", t, NULL, GC("{\"responseModalities\":\"IMAGE\"}"), 400,
    "INVALID_ARGUMENT", "generation_config.response_modalities");
  V("POST", t, NULL, GC("{\"responseModalities\":[\"IMAGE\",\"PICTURE\"]}"),
    400, "INVALID_ARGUMENT", "generation_config.response_modalities[1]", NULL,
    "Invalid value at 'generation_config.response_modalities[1]' "
    "(type.googleapis.com/google.ai.generativelanguage.v1beta."
    "GenerationConfig.Modality), \"PICTURE\"");
  /* enum names in any case, as Google's examples write them */
  V("POST", t, NULL, GC("{\"responseModalities\":[\"Text\",\"image\"]}"), 0);
  V("POST", t, NULL, GC("{\"imageConfig\":{\"aspectRatio\":\"7:3\"}}"), 400,
    "INVALID_ARGUMENT", "generation_config.image_config.aspect_ratio");
  V("POST", t, NULL, GC("{\"imageConfig\":{\"aspectRatio\":1}}"), 400,
    "INVALID_ARGUMENT", "generation_config.image_config.aspect_ratio", NULL,
    "Invalid value at 'generation_config.image_config.aspect_ratio' "
    "(TYPE_STRING), 1");
  V("POST", t, NULL, GC("{\"imageConfig\":{\"imageSize\":\"1k\"}}"), 400,
    "INVALID_ARGUMENT", "generation_config.image_config.image_size");
  V("POST", t, NULL, GC("{\"imageConfig\":{\"imageSize\":\"512\"}}"), 400,
    "INVALID_ARGUMENT", "generation_config.image_config.image_size");
  V("POST", t, NULL, GC("{\"image_config\":{\"image_size\":\"3K\"}}"), 400,
    "INVALID_ARGUMENT", "generation_config.image_config.image_size");
  V("POST", t, NULL, GC("{\"imageConfig\":[]}"), 400, "INVALID_ARGUMENT",
    "generation_config");
  V("POST", t, NULL, GC("{\"seed\":\"7\"}"), 400, "INVALID_ARGUMENT",
    "generation_config.seed", NULL,
    "Invalid value at 'generation_config.seed' (TYPE_INT32), \"7\"");
  V("POST", t, NULL, GC("{\"seed\":7.5}"), 400, "INVALID_ARGUMENT",
    "generation_config.seed");
  V("POST", t, NULL, GC("{\"temperature\":\"hot\"}"), 400, "INVALID_ARGUMENT",
    "generation_config.temperature", NULL,
    "Invalid value at 'generation_config.temperature' (TYPE_FLOAT), \"hot\"");
  V("POST", t, NULL, GC("{\"temperature\":[1]}"), 400, "INVALID_ARGUMENT",
    "generation_config");
  V("POST", t, NULL, GC("{\"stopSequences\":[\"a\",2]}"), 400,
    "INVALID_ARGUMENT", "generation_config.stop_sequences[1]");
  V("POST", t, NULL, GC("{\"mediaResolution\":\"MEDIA_RESOLUTION_HUGE\"}"), 400,
    "INVALID_ARGUMENT", "generation_config.media_resolution");
  V("POST", t, NULL, GC("{\"thinkingConfig\":{\"includeThoughts\":1}}"), 400,
    "INVALID_ARGUMENT", "generation_config.thinking_config.include_thoughts");
  V("POST", t, NULL, GC("{\"thinkingConfig\":{\"thinkingLevel\":\"deep\"}}"),
    400, "INVALID_ARGUMENT", "generation_config.thinking_config.thinking_level");
  /* every field Google's SDKs send, in both spellings */
  V("POST", t, NULL,
    GC("{\"temperature\":1.0,\"top_p\":0.9,\"topK\":40,\"seed\":3,"
       "\"candidateCount\":1,\"max_output_tokens\":8192,\"stopSequences\":"
       "[\"x\"],\"responseMimeType\":\"text/plain\",\"presencePenalty\":0,"
       "\"frequency_penalty\":0.5,\"responseLogprobs\":false,\"logprobs\":0,"
       "\"enableEnhancedCivicAnswers\":false,\"mediaResolution\":"
       "\"MEDIA_RESOLUTION_HIGH\",\"speechConfig\":{},\"responseSchema\":{"
       "\"type\":\"OBJECT\"},\"responseJsonSchema\":[1,\"any\"],"
       "\"thinking_config\":{\"include_thoughts\":true,\"thinkingBudget\":128,"
       "\"thinkingLevel\":\"low\"},\"imageConfig\":{\"aspectRatio\":\"16:9\","
       "\"image_size\":\"2K\"},\"responseModalities\":[\"TEXT\",\"IMAGE\"],"
       "\"topP\":null}"),
    0);

  /* unknown names inside generationConfig, imageConfig, thinkingConfig */
  V("POST", t, NULL, GC("{\"temperature\":1.0,\"xyz\":1}"), 400,
    "INVALID_ARGUMENT", "generation_config", NULL,
    "Invalid JSON payload received. Unknown name \"xyz\" at "
    "'generation_config': Cannot find field.");
  V("POST", t, NULL, GC("{\"imageConfig\":{\"x\":1}}"), 400,
    "INVALID_ARGUMENT", "generation_config.image_config", NULL,
    "Invalid JSON payload received. Unknown name \"x\" at "
    "'generation_config.image_config': Cannot find field.");
  V("POST", t, NULL, GC("{\"imageConfig\":{\"personGeneration\":\"ALLOW_ALL\"}}"),
    400, "INVALID_ARGUMENT", "generation_config.image_config");
  V("POST", t, NULL, GC("{\"imageConfig\":{\"AspectRatio\":\"1:1\"}}"), 400,
    "INVALID_ARGUMENT", "generation_config.image_config");
  V("POST", t, NULL, GC("{\"thinkingConfig\":{\"effort\":\"HIGH\"}}"), 400,
    "INVALID_ARGUMENT", "generation_config.thinking_config", NULL,
    "Invalid JSON payload received. Unknown name \"effort\" at "
    "'generation_config.thinking_config': Cannot find field.");
  V("POST", t, NULL, GC("{\"image_config\":{\"aspect_ratio\":\"1:1\"},"
                        "\"response_modalities\":[\"IMAGE\"],\"topp\":1}"),
    400, "INVALID_ARGUMENT", "generation_config");

  /* --passthrough-fields: newer fields pass, known ones are still checked */
  lenient = 1;
  V("POST", t, NULL, GC("{\"temperature\":1.0,\"xyz\":1,\"imageConfig\":{"
                        "\"x\":1,\"personGeneration\":\"ALLOW_ALL\"},"
                        "\"thinkingConfig\":{\"effort\":\"HIGH\"}}"),
    0);
  V("POST", t, NULL, GC("{\"imageConfig\":{\"aspectRatio\":\"7:3\"}}"), 400,
    "INVALID_ARGUMENT", "generation_config.image_config.aspect_ratio");
  V("POST", t, NULL, GC("{\"temperature\":\"hot\"}"), 400, "INVALID_ARGUMENT",
    "generation_config.temperature");
  /* outside generationConfig names are checked all the same */
  V("POST", t, NULL, "{\"foo\":1,\"contents\":[{\"parts\":[{\"text\":\"a\"}]}]}",
    400, "INVALID_ARGUMENT");
  lenient = 0;
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
           "{\"text\":\"hm\",\"thought\":true}]},"
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
  CHECK_INT(r.turns, 3);
  CHECK_INT(r.sig_checked, 0); /* a model turn of text alone: none to check */
  CHECK_STR(gf__sim_req_signatures(&r), "none");
  gf__sim_req_free(&r);
}

static void test_too_big(void) {
  gf__sim_req r;
  gf__sim_err e;
  gf__sim_req_init(&r);
  /* the size is checked before a byte of the body is read */
  CHECK_INT(gf__sim_req_validate(&r, "POST", PATH "?key=k", NULL, "{",
                                 GF_SIM_BODY_MAX + 1ull, NULL, 0, &e),
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
  e.violation = f.violation;
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

TEST_MAIN(TEST(test_target_method_key), TEST(test_accepted_key),
          TEST(test_body_shape),
          TEST(test_references), TEST(test_generation_config),
          TEST(test_parsed_values), TEST(test_too_big), TEST(test_error_json),
          TEST(test_wire_notes))
