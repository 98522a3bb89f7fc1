/* Requests: the body's exact bytes for the seed's two curl examples and the
 * other options, the target path, validation against the model tables,
 * reference images (copies, limits, files) and magic-byte sniffing. */
#include <json-c/json.h>
#include <sys/stat.h>
#include <unistd.h>

#include "b64/b64.h"
#include "common/buf.h"
#include "gemini/gemini.h"
#include "test.h"

typedef struct built {
  gf__buf body, target;
  int rc;
} built;

static built build(const gf_request *req, int use_sse) {
  built b;
  gf__buf_init(&b.body, 0);
  gf__buf_init(&b.target, 0);
  b.rc = gf__gemini_build(req, use_sse, &b.body, &b.target);
  return b;
}

static void built_free(built *b) {
  gf__buf_free(&b->body);
  gf__buf_free(&b->target);
}

/* The seed's JSON as json-c writes it compactly: the shape to match. */
static char *canonical(const char *json) {
  json_object *o = json_tokener_parse(json);
  if (!o)
    return strdup("(unparsable)");
  char *s = strdup(json_object_to_json_string_ext(
      o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put(o);
  return s;
}

static const char seed_text_to_image[] =
    "{\n"
    "    \"contents\": [\n"
    "      {\n"
    "        \"role\": \"user\",\n"
    "        \"parts\": [\n"
    "          { \"text\": \"Generate an image of a sunset over mountains\" }\n"
    "        ]\n"
    "      }\n"
    "    ],\n"
    "    \"generationConfig\": {\n"
    "      \"responseModalities\": [\"TEXT\", \"IMAGE\"],\n"
    "      \"imageConfig\": {\n"
    "        \"aspectRatio\": \"16:9\",\n"
    "        \"imageSize\": \"1K\"\n"
    "      }\n"
    "    }\n"
    "  }";

static void test_seed_text_to_image(void) {
  gf_request *req = gf_request_new();
  CHECK_INT(gf_request_set_prompt(
                req, "Generate an image of a sunset over mountains"),
            0);
  CHECK_INT(gf_request_set_aspect(req, "16:9"), 0);
  CHECK_INT(gf_request_set_size(req, "1K"), 0);
  built b = build(req, 1);
  CHECK_INT(b.rc, 0);
  CHECK_STR(
      b.body.data,
      "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":"
      "\"Generate an image of a sunset over mountains\"}]}],"
      "\"generationConfig\":{\"responseModalities\":[\"TEXT\",\"IMAGE\"],"
      "\"imageConfig\":{\"aspectRatio\":\"16:9\",\"imageSize\":\"1K\"}}}");
  char *want = canonical(seed_text_to_image);
  CHECK_STR(b.body.data, want);
  free(want);
  CHECK_STR(b.target.data, "/v1beta/models/gemini-3-pro-image-preview:"
                           "streamGenerateContent?alt=sse");
  built_free(&b);
  gf_request_free(req);
}

/* The seed's editing example, with a real JPEG header as "your photo". */
static void test_seed_editing(void) {
  static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10,
                                       'J',  'F',  'I',  'F',  0x00, 0x01};
  char b64[GF_B64_ENC_LEN(sizeof jpeg) + 1];
  gf__b64_encode(jpeg, sizeof jpeg, b64);
  CHECK_STR(b64, "/9j/4AAQSkZJRgAB");
  gf_request *req = gf_request_new();
  CHECK_INT(gf_request_set_prompt(req, "Hi, this is a picture of me. Can you "
                                       "add a llama next to me?"),
            0);
  unsigned char copy[sizeof jpeg];
  memcpy(copy, jpeg, sizeof jpeg);
  CHECK_INT(gf_request_add_ref(req, copy, sizeof copy, NULL), 0);
  memset(copy, 0, sizeof copy); /* the request holds its own copy */
  CHECK_INT(gf_request_set_aspect(req, "1:1"), 0);
  CHECK_INT(gf_request_set_size(req, "1K"), 0);
  built b = build(req, 0);
  CHECK_INT(b.rc, 0);
  CHECK_STR(b.body.data,
            "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Hi, this "
            "is a picture of me. Can you add a llama next to me?\"},{"
            "\"inline_data\":{\"mime_type\":\"image/jpeg\",\"data\":"
            "\"/9j/4AAQSkZJRgAB\"}}]}],\"generationConfig\":{"
            "\"responseModalities\":[\"TEXT\",\"IMAGE\"],\"imageConfig\":{"
            "\"aspectRatio\":\"1:1\",\"imageSize\":\"1K\"}}}");
  char *want = canonical(
      "{\n    \"contents\": [\n      {\n        \"role\": \"user\",\n"
      "        \"parts\": [\n          {\n            \"text\": \"Hi, this is "
      "a picture of me. Can you add a llama next to me?\"\n          },\n"
      "          {\n            \"inline_data\": {\n              "
      "\"mime_type\": \"image/jpeg\",\n              \"data\": "
      "\"/9j/4AAQSkZJRgAB\"\n            }\n          }\n        ]\n      }\n"
      "    ],\n    \"generationConfig\": {\n      \"responseModalities\": "
      "[\"TEXT\", \"IMAGE\"],\n      \"imageConfig\": {\n        "
      "\"aspectRatio\": \"1:1\",\n        \"imageSize\": \"1K\"\n      }\n"
      "    }\n  }");
  CHECK_STR(b.body.data, want);
  free(want);
  CHECK_STR(b.target.data, "/v1beta/models/gemini-3-pro-image-preview:"
                           "streamGenerateContent");
  built_free(&b);
  gf_request_free(req);
}

static void test_image_only_search(void) {
  gf_request *req = gf_request_new();
  CHECK_INT(gf_request_set_prompt(req, "a cat"), 0);
  CHECK_INT(gf_request_set_modalities(req, GF_MOD_IMAGE), 0);
  gf_request_set_search(req, 1);
  built b = build(req, 1);
  CHECK_INT(b.rc, 0);
  CHECK_STR(b.body.data,
            "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a cat\"}"
            "]}],\"generationConfig\":{\"responseModalities\":[\"IMAGE\"]},"
            "\"tools\":[{\"google_search\":{}}]}");
  built_free(&b);
  /* each imageConfig key only when set */
  CHECK_INT(gf_request_set_aspect(req, "21:9"), 0);
  gf_request_set_search(req, 0);
  CHECK_INT(gf_request_set_modalities(req, GF_MOD_TEXT_IMAGE), 0);
  b = build(req, 1);
  CHECK_STR(b.body.data,
            "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a cat\"}"
            "]}],\"generationConfig\":{\"responseModalities\":[\"TEXT\","
            "\"IMAGE\"],\"imageConfig\":{\"aspectRatio\":\"21:9\"}}}");
  built_free(&b);
  CHECK_INT(gf_request_set_aspect(req, NULL), 0);
  CHECK_INT(gf_request_set_size(req, "4K"), 0);
  b = build(req, 1);
  CHECK_STR(b.body.data,
            "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a cat\"}"
            "]}],\"generationConfig\":{\"responseModalities\":[\"TEXT\","
            "\"IMAGE\"],\"imageConfig\":{\"imageSize\":\"4K\"}}}");
  built_free(&b);
  gf_request_free(req);
}

static void test_prompt_escaping(void) {
  gf_request *req = gf_request_new();
  CHECK_INT(gf_request_set_prompt(req, "say \"hi\" \\ a/b\n\x01 caf\xc3\xa9"),
            0);
  built b = build(req, 1);
  CHECK_STR(b.body.data,
            "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"say "
            "\\\"hi\\\" \\\\ a/b\\n\\u0001 caf\xc3\xa9\"}]}],"
            "\"generationConfig\":{\"responseModalities\":[\"TEXT\","
            "\"IMAGE\"]}}");
  built_free(&b);
  /* ill-formed UTF-8 never reaches the wire */
  CHECK_INT(gf_request_set_prompt(req, "bad \xc3("), GF_EINVAL);
  CHECK_INT(gf_request_set_prompt(req, "overlong \xc0\xaf"), GF_EINVAL);
  CHECK_INT(gf_request_set_prompt(req, "surrogate \xed\xa0\x80"), GF_EINVAL);
  CHECK_INT(gf_request_set_prompt(req, "cut \xf0\x9f\x98"), GF_EINVAL);
  CHECK_INT(gf_request_set_prompt(req, "emoji \xf0\x9f\x98\x80"), 0);
  gf_request_free(req);
}

static void test_target(void) {
  gf_request *req = gf_request_new();
  CHECK_INT(gf_request_set_prompt(req, "x"), 0);
  CHECK_INT(gf_request_set_model(req, "my model/v1:x~y_z.1-2"), 0);
  CHECK_STR(gf__gemini_model(req), "my model/v1:x~y_z.1-2");
  gf__buf body, target;
  gf__buf_init(&body, 0);
  gf__buf_init(&target, 0);
  /* appended: a base path may come first */
  gf__buf_append(&target, "/gw", 3);
  CHECK_INT(gf__gemini_build(req, 1, &body, &target), 0);
  CHECK_STR(target.data, "/gw/v1beta/models/my%20model%2Fv1%3Ax~y_z.1-2:"
                         "streamGenerateContent?alt=sse");
  gf__buf_free(&body);
  gf__buf_free(&target);
  CHECK_INT(gf_request_set_model(req, NULL), 0);
  CHECK_STR(gf__gemini_model(req), "gemini-3-pro-image-preview");
  CHECK_STR(gf__gemini_model(NULL), "gemini-3-pro-image-preview");
  gf_request_free(req);
}

static void test_model_tables(void) {
  const char *ratios = "1:1 2:3 3:2 3:4 4:3 4:5 5:4 9:16 16:9 21:9";
  CHECK_STR(gf_model_aspects("gemini-3-pro-image-preview"), ratios);
  CHECK_STR(gf_model_sizes("gemini-3-pro-image-preview"), "1K 2K 4K");
  CHECK_STR(gf_model_aspects(NULL), ratios);
  CHECK_STR(gf_model_aspects("gemini-2.5-flash-image"), ratios);
  CHECK_STR(gf_model_sizes("gemini-2.5-flash-image"), "");
  CHECK(gf_model_aspects("gemini-9-image") == NULL);
  CHECK(gf_model_sizes("gemini-9-image") == NULL);
}

static void test_validation(void) {
  gf_request *req = gf_request_new();
  static const char *const good_ratios[] = {
      "1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"};
  for (size_t i = 0; i < 10; i++)
    CHECK_INT(gf_request_set_aspect(req, good_ratios[i]), 0);
  static const char *const bad_ratios[] = {"1:4",  "16:10", "1",     "",
                                           "1:1 ", "16/9",  "9:16:1"};
  for (size_t i = 0; i < 7; i++)
    CHECK_INT(gf_request_set_aspect(req, bad_ratios[i]), GF_EINVAL);
  CHECK_INT(gf_request_set_size(req, "1K"), 0);
  CHECK_INT(gf_request_set_size(req, "2K"), 0);
  CHECK_INT(gf_request_set_size(req, "4K"), 0);
  CHECK_INT(gf_request_set_size(req, "1k"), GF_EINVAL);
  CHECK_INT(gf_request_set_size(req, "8K"), GF_EINVAL);
  CHECK_INT(gf_request_set_size(req, "512"), GF_EINVAL);
  CHECK_INT(gf_request_set_size(req, "K"), GF_EINVAL);
  /* passthrough lets newer values through, not garbage */
  gf_request_set_passthrough(req, 1);
  CHECK_INT(gf_request_set_aspect(req, "1:4"), 0);
  CHECK_INT(gf_request_set_size(req, "512"), 0);
  CHECK_INT(gf_request_set_size(req, ""), GF_EINVAL);
  CHECK_INT(gf_request_set_size(req, "1 K"), GF_EINVAL);
  CHECK_INT(gf_request_set_size(req, "1\"K"), GF_EINVAL);
  CHECK_INT(gf_request_set_prompt(req, "p"), 0);
  built b = build(req, 1);
  CHECK_INT(b.rc, 0);
  CHECK(strstr(b.body.data,
               "\"imageConfig\":{\"aspectRatio\":\"1:4\",\"imageSize\":"
               "\"512\"}") != NULL);
  built_free(&b);
  /* turned off again, the build checks once more */
  gf_request_set_passthrough(req, 0);
  b = build(req, 1);
  CHECK_INT(b.rc, GF_EINVAL);
  CHECK_INT(b.body.len, 0);
  built_free(&b);
  gf_request_free(req);
}

static void test_model_validation(void) {
  gf_request *req = gf_request_new();
  CHECK_INT(gf_request_set_prompt(req, "p"), 0);
  /* gemini-2.5-flash-image: the ratios, no imageSize */
  CHECK_INT(gf_request_set_model(req, "gemini-2.5-flash-image"), 0);
  CHECK_INT(gf_request_set_aspect(req, "9:16"), 0);
  CHECK_INT(gf_request_set_size(req, "1K"), GF_EINVAL);
  /* an unknown model is checked against the default model's table */
  CHECK_INT(gf_request_set_model(req, "gemini-4-image"), 0);
  CHECK_INT(gf_request_set_size(req, "2K"), 0);
  CHECK_INT(gf_request_set_aspect(req, "1:8"), GF_EINVAL);
  /* a model set after the size that does not take it: build refuses */
  CHECK_INT(gf_request_set_model(req, "gemini-2.5-flash-image"), 0);
  built b = build(req, 1);
  CHECK_INT(b.rc, GF_EINVAL);
  built_free(&b);
  CHECK_INT(gf_request_set_size(req, NULL), 0);
  b = build(req, 1);
  CHECK_INT(b.rc, 0);
  CHECK_STR(b.target.data, "/v1beta/models/gemini-2.5-flash-image:"
                           "streamGenerateContent?alt=sse");
  built_free(&b);
  /* bad models, modalities, missing prompt */
  CHECK_INT(gf_request_set_model(req, ""), GF_EINVAL);
  CHECK_INT(gf_request_set_model(req, "a\nb"), GF_EINVAL);
  CHECK_INT(gf_request_set_modalities(req, 2), GF_EINVAL);
  CHECK_INT(gf_request_set_modalities(req, 0), GF_EINVAL);
  CHECK_INT(gf_request_set_prompt(req, NULL), 0);
  b = build(req, 1);
  CHECK_INT(b.rc, GF_EINVAL);
  built_free(&b);
  CHECK_INT(gf_request_set_prompt(req, ""), 0);
  b = build(req, 1);
  CHECK_INT(b.rc, GF_EINVAL);
  built_free(&b);
  gf_request_free(req);
  CHECK_INT(gf_request_set_prompt(NULL, "x"), GF_EINVAL);
  CHECK_INT(gf_request_set_aspect(NULL, "1:1"), GF_EINVAL);
  CHECK_INT(gf_request_add_ref(NULL, "x", 1, NULL), GF_EINVAL);
  gf_request_free(NULL);
}

static void test_sniff(void) {
  static const struct {
    const char *bytes;
    size_t n;
    const char *mime;
  } v[] = {
      {"\x89PNG\r\n\x1a\n", 8, "image/png"},
      {"\x89PNG\r\n\x1a", 7, NULL},
      {"\x89PNG\r\n\x1b\n", 8, NULL},
      {"\xff\xd8\xff", 3, "image/jpeg"},
      {"\xff\xd8", 2, NULL},
      {"\xff\xd8\xfe", 3, NULL},
      {"RIFF\x24\0\0\0WEBPVP8 ", 16, "image/webp"},
      {"RIFF\x24\0\0\0WEBP", 12, "image/webp"},
      {"RIFF\x24\0\0\0WEB", 11, NULL},
      {"RIFF\x24\0\0\0WAVEfmt ", 16, NULL},
      {"\0\0\0\x18"
       "ftypheic",
       12, "image/heic"},
      {"\0\0\0\x18"
       "ftypheix",
       12, "image/heic"},
      {"\0\0\0\x18"
       "ftyphevc",
       12, "image/heic"},
      {"\0\0\0\x18"
       "ftypheim",
       12, "image/heic"},
      {"\0\0\0\x18"
       "ftypheis",
       12, "image/heic"},
      {"\0\0\0\x18"
       "ftyphevm",
       12, "image/heic"},
      {"\0\0\0\x18"
       "ftyphevs",
       12, "image/heic"},
      {"\0\0\0\x1c"
       "ftypmif1\0\0\0\0",
       16, "image/heif"},
      {"\0\0\0\x1c"
       "ftypmsf1",
       12, "image/heif"},
      {"\0\0\0\x1c"
       "ftypheif",
       12, "image/heif"},
      {"\0\0\0\x1c"
       "ftypavif",
       12, NULL},
      {"\0\0\0\x1c"
       "ftypmp42",
       12, NULL},
      {"\0\0\0\x1c"
       "ftyphei",
       11, NULL},
      {"GIF89a", 6, NULL},
      {"", 0, NULL},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    const char *got = gf_sniff_mime(v[i].bytes, v[i].n);
    if (!got != !v[i].mime || (got && strcmp(got, v[i].mime) != 0))
      fprintf(stderr, "sniff vector %zu\n", i);
    CHECK_STR(got, v[i].mime);
  }
  CHECK(gf_sniff_mime(NULL, 10) == NULL);
}

static void test_refs_limit(void) {
  static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
  gf_request *req = gf_request_new();
  CHECK_INT(gf_request_set_prompt(req, "edit"), 0);
  for (int i = 0; i < GF_MAX_REFS; i++)
    CHECK_INT(gf_request_add_ref(req, png, 16, NULL), 0);
  CHECK_INT(gf_request_add_ref(req, png, 16, NULL), GF_EINVAL); /* 15th */
  CHECK_INT(gf_request_add_ref_file(req, "/dev/null"), GF_EINVAL);
  built b = build(req, 1);
  CHECK_INT(b.rc, 0);
  size_t count = 0;
  for (const char *p = b.body.data; (p = strstr(p, "\"inline_data\"")); p++)
    count++;
  CHECK_INT(count, GF_MAX_REFS);
  CHECK(strstr(b.body.data, "{\"inline_data\":{\"mime_type\":\"image/png\","
                            "\"data\":\"iVBORw0KGgoAAAANSUhEUg==\"}}") != NULL);
  built_free(&b);
  gf_request_free(req);
}

static void test_ref_kinds(void) {
  gf_request *req = gf_request_new();
  CHECK_INT(gf_request_add_ref(req, "GIF89a......", 12, NULL), GF_EUNSUPPORTED);
  CHECK_INT(gf_request_add_ref(req, "x", 0, NULL), GF_EINVAL);
  CHECK_INT(gf_request_add_ref(req, NULL, 3, NULL), GF_EINVAL);
  /* an explicit type is taken as given, if it is one */
  CHECK_INT(gf_request_add_ref(req, "GIF89a", 6, "image/gif"), 0);
  CHECK_INT(gf_request_add_ref(req, "GIF89a", 6, "gif"), GF_EINVAL);
  CHECK_INT(gf_request_add_ref(req, "GIF89a", 6, "image/ gif"), GF_EINVAL);
  CHECK_INT(gf_request_add_ref(req, "GIF89a", 6, ""), GF_EINVAL);
  CHECK_INT(gf_request_set_prompt(req, "p"), 0);
  built b = build(req, 1);
  CHECK(strstr(b.body.data, "{\"inline_data\":{\"mime_type\":\"image/gif\","
                            "\"data\":\"R0lGODlh\"}}") != NULL);
  built_free(&b);
  gf_request_free(req);
}

static void write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (f) {
    fwrite(p, 1, n, f);
    fclose(f);
  }
}

static void test_ref_files(void) {
  char dir[] = "/tmp/gf-gemini-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char png[64], gif[64], empty[64], webp[64];
  snprintf(png, sizeof png, "%s/a.bin", dir);
  snprintf(gif, sizeof gif, "%s/b.png", dir);
  snprintf(empty, sizeof empty, "%s/c.jpg", dir);
  snprintf(webp, sizeof webp, "%s/d", dir);
  write_file(png, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  write_file(gif, "GIF89a", 6); /* named .png, is not one */
  write_file(empty, "", 0);
  write_file(webp, "RIFF\x24\0\0\0WEBPVP8 ", 16);
  gf_request *req = gf_request_new();
  CHECK_INT(gf_request_set_prompt(req, "p"), 0);
  CHECK_INT(gf_request_add_ref_file(req, png), 0);
  CHECK_INT(gf_request_add_ref_file(req, gif), GF_EUNSUPPORTED);
  CHECK_INT(gf_request_add_ref_file(req, empty), GF_EUNSUPPORTED);
  CHECK_INT(gf_request_add_ref_file(req, "/nonexistent/x.png"), GF_EIO);
  CHECK_INT(gf_request_add_ref_file(req, dir), GF_EIO);
  CHECK_INT(gf_request_add_ref_file(req, webp), 0);
  built b = build(req, 1);
  CHECK_STR(b.body.data,
            "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"p\"},{"
            "\"inline_data\":{\"mime_type\":\"image/png\",\"data\":"
            "\"iVBORw0KGgoAAAANSUhEUg==\"}},{\"inline_data\":{\"mime_type\":"
            "\"image/webp\",\"data\":\"UklGRiQAAABXRUJQVlA4IA==\"}}]}],"
            "\"generationConfig\":{\"responseModalities\":[\"TEXT\","
            "\"IMAGE\"]}}");
  /* a copy builds the same bytes, and outlives the original */
  gf_request *dup = gf__request_dup(req);
  gf_request_free(req);
  built c = build(dup, 1);
  CHECK_STR(c.body.data, b.body.data);
  built_free(&b);
  built_free(&c);
  gf_request_free(dup);
  unlink(png);
  unlink(gif);
  unlink(empty);
  unlink(webp);
  rmdir(dir);
}

/* Every byte a prompt may hold (each ASCII character, controls included,
 * and multi-byte UTF-8) survives the writer: json-c reads the body back to
 * the same text. */
static void test_body_round_trip(void) {
  char prompt[400];
  size_t n = 0;
  for (int c = 1; c < 128; c++)
    prompt[n++] = (char)c;
  memcpy(prompt + n, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 end", 14);
  n += 14;
  prompt[n] = '\0';
  gf_request *req = gf_request_new();
  CHECK_INT(gf_request_set_prompt(req, prompt), 0);
  CHECK_INT(gf_request_set_aspect(req, "16:9"), 0);
  gf_request_set_search(req, 1);
  built b = build(req, 1);
  json_object *root = json_tokener_parse(b.body.data);
  CHECK(root != NULL);
  json_object *contents, *c0, *parts, *p0, *text;
  CHECK(json_object_object_get_ex(root, "contents", &contents));
  c0 = json_object_array_get_idx(contents, 0);
  CHECK(json_object_object_get_ex(c0, "parts", &parts));
  p0 = json_object_array_get_idx(parts, 0);
  CHECK(json_object_object_get_ex(p0, "text", &text));
  CHECK_STR(json_object_get_string(text), prompt);
  json_object_put(root);
  built_free(&b);
  gf_request_free(req);
}

TEST_MAIN(TEST(test_seed_text_to_image), TEST(test_seed_editing),
          TEST(test_image_only_search), TEST(test_prompt_escaping),
          TEST(test_target), TEST(test_model_tables), TEST(test_validation),
          TEST(test_model_validation), TEST(test_sniff), TEST(test_refs_limit),
          TEST(test_ref_kinds), TEST(test_ref_files),
          TEST(test_body_round_trip))
