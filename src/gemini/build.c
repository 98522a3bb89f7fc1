/* The request body, in the seed's shape, written with json-c:
 * {"contents":[{"role":"user","parts":[{"text":...},{"inline_data":{...}}]}],
 *  "generationConfig":{"responseModalities":[...],"imageConfig":{...}},
 *  "tools":[{"google_search":{}}]}
 * json-c keeps keys in insertion order, so the bytes are stable. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "gemini/gemini_int.h"

static json_object *gf__build_contents(const gf_request *req);
static json_object *gf__build_ref(const gf__ref *r);
static json_object *gf__build_config(const gf_request *req);
static int gf__add(json_object *o, const char *k, json_object *v);
static int gf__push(json_object *a, json_object *v);
static json_object *gf__obj1(const char *k, json_object *v);
static json_object *gf__arr1(json_object *v);
static int gf__target(const char *model, int use_sse, gf__buf *target);

int gf__gemini_build(const gf_request *req, int use_sse, gf__buf *body,
                     gf__buf *target) {
  if (!req || !body || !target || !req->prompt || !*req->prompt)
    return GF_EINVAL;
  const char *model = gf__gemini_model(req);
  /* The model may have changed after the ratio or size was set. */
  if ((req->aspect &&
       gf__model_check_aspect(model, req->aspect, req->passthrough)) ||
      (req->size && gf__model_check_size(model, req->size, req->passthrough)))
    return GF_EINVAL;
  json_object *root = json_object_new_object();
  int ok =
      root && gf__add(root, "contents", gf__build_contents(req)) &&
      gf__add(root, "generationConfig", gf__build_config(req)) &&
      (!req->search ||
       gf__add(root, "tools",
               gf__arr1(gf__obj1("google_search", json_object_new_object()))));
  size_t n = 0;
  const char *s =
      ok ? json_object_to_json_string_length(
               root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
               &n)
         : NULL;
  int rc = s ? gf__buf_append(body, s, n) : GF_ENOMEM;
  json_object_put(root);
  return rc ? rc : gf__target(model, use_sse, target);
}

static json_object *gf__build_contents(const gf_request *req) {
  json_object *parts = json_object_new_array();
  int ok =
      parts &&
      gf__push(parts, gf__obj1("text", json_object_new_string(req->prompt)));
  for (int i = 0; ok && i < req->nrefs; i++)
    ok = gf__push(parts, gf__build_ref(&req->refs[i]));
  if (!ok) {
    json_object_put(parts);
    return NULL;
  }
  json_object *content = gf__obj1("role", json_object_new_string("user"));
  if (!content) {
    json_object_put(parts);
    return NULL;
  }
  if (!gf__add(content, "parts", parts)) {
    json_object_put(content);
    return NULL;
  }
  return gf__arr1(content);
}

static json_object *gf__build_ref(const gf__ref *r) {
  char *b64 = malloc(GF_B64_ENC_LEN(r->len) + 1);
  if (!b64)
    return NULL;
  size_t n = gf__b64_encode(r->data, r->len, b64);
  json_object *inl = gf__obj1("mime_type", json_object_new_string(r->mime));
  int ok = inl && gf__add(inl, "data", json_object_new_string_len(b64, (int)n));
  free(b64);
  if (!ok) {
    json_object_put(inl);
    return NULL;
  }
  return gf__obj1("inline_data", inl);
}

static json_object *gf__build_config(const gf_request *req) {
  json_object *mods = json_object_new_array();
  int ok = mods &&
           (req->modalities != GF_MOD_TEXT_IMAGE ||
            gf__push(mods, json_object_new_string("TEXT"))) &&
           gf__push(mods, json_object_new_string("IMAGE"));
  if (!ok) {
    json_object_put(mods);
    return NULL;
  }
  json_object *cfg = gf__obj1("responseModalities", mods);
  if (!cfg || (!req->aspect && !req->size))
    return cfg;
  /* imageConfig only when something is in it, its keys only when set */
  json_object *img = json_object_new_object();
  ok = img &&
       (!req->aspect ||
        gf__add(img, "aspectRatio", json_object_new_string(req->aspect))) &&
       (!req->size ||
        gf__add(img, "imageSize", json_object_new_string(req->size)));
  if (!ok)
    json_object_put(img);
  if (!ok || !gf__add(cfg, "imageConfig", img)) {
    json_object_put(cfg);
    return NULL;
  }
  return cfg;
}

/* Adds v under k, taking ownership of v even on failure (v may be NULL:
 * a failed constructor). Returns 1 on success. */
static int gf__add(json_object *o, const char *k, json_object *v) {
  if (!v)
    return 0;
  if (json_object_object_add(o, k, v) != 0) {
    json_object_put(v);
    return 0;
  }
  return 1;
}

/* Appends v to a, taking ownership as gf__add does. Returns 1 on success. */
static int gf__push(json_object *a, json_object *v) {
  if (!v)
    return 0;
  if (json_object_array_add(a, v) != 0) {
    json_object_put(v);
    return 0;
  }
  return 1;
}

/* {k: v} and [v], owning v; NULL (v freed) on failure. */
static json_object *gf__obj1(const char *k, json_object *v) {
  json_object *o = v ? json_object_new_object() : NULL;
  if (!o || !gf__add(o, k, v)) {
    if (!o)
      json_object_put(v);
    json_object_put(o);
    return NULL;
  }
  return o;
}

static json_object *gf__arr1(json_object *v) {
  json_object *a = v ? json_object_new_array() : NULL;
  if (!a || !gf__push(a, v)) {
    if (!a)
      json_object_put(v);
    json_object_put(a);
    return NULL;
  }
  return a;
}

/* RFC 3986 unreserved characters stay; everything else (':' and '/'
 * included, which would change the path) is percent-encoded. */
static int gf__target(const char *model, int use_sse, gf__buf *target) {
  static const char hex[] = "0123456789ABCDEF";
  int rc = gf__buf_append(target, "/v1beta/models/", 15);
  for (const unsigned char *p = (const unsigned char *)model; !rc && *p; p++) {
    unsigned c = *p;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      rc = gf__buf_appendc(target, (char)c);
    } else {
      char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
      rc = gf__buf_append(target, esc, 3);
    }
  }
  if (!rc)
    rc = gf__buf_append(target, ":streamGenerateContent", 22);
  if (!rc && use_sse)
    rc = gf__buf_append(target, "?alt=sse", 8);
  return rc;
}
