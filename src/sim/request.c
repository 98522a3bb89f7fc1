#include "sim/request.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64/b64.h"
#include "common/buf.h"
#include "gemflow.h"
#include "sim/dims.h"

#define PATH_PREFIX "/v1beta/models/"
#define PATH_METHOD ":streamGenerateContent"

static int check_query(gf__sim_req *r, const char *q, size_t n, char *keybuf,
                       size_t keysize, gf__sim_err *e);
static int check_contents(gf__sim_req *r, json_object *contents,
                          const char *name, gf__sim_err *e);
static int check_gen_config(gf__sim_req *r, json_object *gc, const char *name,
                            gf__sim_err *e);

void gf__sim_req_init(gf__sim_req *r) {
  memset(r, 0, sizeof *r);
  strcpy(r->aspect, "1:1");
  strcpy(r->size, "1K");
  r->w = r->h = 1024;
  r->text_modality = 1;
}

void gf__sim_req_free(gf__sim_req *r) {
  free(r->prompt);
  r->prompt = NULL;
  r->plen = 0;
  json_object_put(r->modalities);
  r->modalities = NULL;
}

int gf__sim_req_target(gf__sim_req *r, const char *method, const char *target,
                       char *keybuf, size_t keysize, gf__sim_err *e) {
  if (keysize)
    keybuf[0] = '\0';
  size_t tlen = strlen(target), plen = strcspn(target, "?");
  const size_t pre = strlen(PATH_PREFIX), suf = strlen(PATH_METHOD);
  if (plen <= pre + suf || strncmp(target, PATH_PREFIX, pre) != 0 ||
      memcmp(target + plen - suf, PATH_METHOD, suf) != 0 ||
      memchr(target + pre, '/', plen - pre - suf))
    return gf__sim_err_set(e, 404, "NOT_FOUND",
                           "Requested entity was not found.");
  size_t mlen = plen - pre - suf;
  if (!gf__sim_model_known(target + pre, mlen) || mlen >= sizeof r->model)
    return gf__sim_err_set(
        e, 404, "NOT_FOUND",
        "models/%.*s is not found for API version v1beta, or is not "
        "supported for streamGenerateContent. Call ListModels to see the "
        "list of available models and their supported methods.",
        (int)(mlen > 100 ? 100 : mlen), target + pre);
  memcpy(r->model, target + pre, mlen);
  r->model[mlen] = '\0';
  if (strcmp(method, "POST") != 0)
    return gf__sim_err_set(e, 405, "METHOD_NOT_ALLOWED",
                           "Method %.16s is not allowed here; use POST.",
                           method);
  if (plen < tlen)
    return check_query(r, target + plen + 1, tlen - plen - 1, keybuf, keysize,
                       e);
  return 0;
}

const char *gf__sim_req_pick_key(gf__sim_req *r, const char *header_key,
                                 const char *query_key) {
  if (header_key && *header_key) {
    r->key_from = "header";
    return header_key;
  }
  r->key_from = query_key && *query_key ? "query" : NULL;
  return query_key;
}

int gf__sim_req_key(gf__sim_req *r, const char *key, const char *const *reject,
                    size_t nreject, gf__sim_err *e) {
  r->key_ok = 0;
  if (!key || !*key)
    return gf__sim_err_set(
        e, 403, "PERMISSION_DENIED",
        "Method doesn't allow unregistered callers (callers without "
        "established identity). Please use API Key or other form of API "
        "consumer identity to call this API.");
  for (size_t i = 0; i < nreject; i++)
    if (strcmp(key, reject[i]) == 0) {
      gf__sim_err_set(e, 403, "PERMISSION_DENIED",
                      "API key not valid. Please pass a valid API key.");
      e->reason = "API_KEY_INVALID";
      return -1;
    }
  r->key_ok = 1;
  return 0;
}

/* ---- query ---- */

static int hexval(int c) {
  return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* Percent-decodes v[0..n) into out (size cap); -1 when malformed or too
 * long. */
static int pct_decode(const char *v, size_t n, char *out, size_t cap) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)v[i];
    if (c == '%') {
      if (i + 2 >= n)
        return -1;
      int hi = hexval((unsigned char)v[i + 1]);
      int lo = hexval((unsigned char)v[i + 2]);
      if (hi < 0 || lo < 0)
        return -1;
      c = hi * 16 + lo;
      i += 2;
    } else if (c == '+') {
      c = ' ';
    }
    if (o + 1 >= cap)
      return -1;
    out[o++] = (char)c;
  }
  out[o] = '\0';
  return 0;
}

static int check_query(gf__sim_req *r, const char *q, size_t n, char *keybuf,
                       size_t keysize, gf__sim_err *e) {
  while (n) {
    size_t plen = strcspn(q, "&");
    if (plen > n)
      plen = n;
    const char *eq = memchr(q, '=', plen);
    size_t klen = eq ? (size_t)(eq - q) : plen;
    const char *v = eq ? eq + 1 : q + plen;
    size_t vlen = eq ? plen - klen - 1 : 0;
    if (klen == 3 && memcmp(q, "alt", 3) == 0) {
      if (vlen == 3 && memcmp(v, "sse", 3) == 0)
        r->sse = 1;
      else if (vlen == 4 && memcmp(v, "json", 4) == 0)
        r->sse = 0;
      else
        return gf__sim_err_field(e, "alt", "Invalid value at 'alt' (%.*s)",
                                 (int)(vlen > 32 ? 32 : vlen), v);
    } else if (klen == 3 && memcmp(q, "key", 3) == 0 && keysize) {
      if (pct_decode(v, vlen, keybuf, keysize))
        strcpy(keybuf, "\x01invalid"); /* never matches a valid key */
    }
    q += plen;
    n -= plen;
    if (n) {
      q++;
      n--;
    }
  }
  return 0;
}

/* ---- body ---- */

/* A JSON key equals a field name in either spelling the service takes:
 * "inline_data" and "inlineData" both name inlineData. */
static int key_is(const char *key, const char *camel) {
  for (;;) {
    while (*key == '_')
      key++;
    if (!*key || !*camel)
      return !*key && !*camel;
    if (tolower((unsigned char)*key) != tolower((unsigned char)*camel))
      return 0;
    key++;
    camel++;
  }
}

static int known(const char *key, const char *const *names) {
  for (; *names; names++)
    if (key_is(key, *names))
      return 1;
  return 0;
}

static int unknown_name(gf__sim_err *e, const char *at, const char *key) {
  if (!*at)
    return gf__sim_err_field(e, key,
                             "Invalid JSON payload received. Unknown name "
                             "\"%.64s\": Cannot find field.",
                             key);
  char field[256];
  snprintf(field, sizeof field, "%.180s.%.64s", at, key);
  return gf__sim_err_field(e, field,
                           "Invalid JSON payload received. Unknown name "
                           "\"%.64s\" at '%s': Cannot find field.",
                           key, at);
}

static int wrong_type(gf__sim_err *e, const char *field, const char *want) {
  return gf__sim_err_field(e, field,
                           "Invalid value at '%s': expected %s.", field, want);
}

void gf__sim_req_note_body(gf__sim_req *r, json_object *root) {
  if (!json_object_is_type(root, json_type_object))
    return;
  json_object_object_foreach(root, key, val) {
    if (key_is(key, "generationConfig") &&
        json_object_is_type(val, json_type_object)) {
      json_object_object_foreach(val, gkey, gval) {
        if (key_is(gkey, "responseModalities")) {
          json_object_put(r->modalities);
          r->modalities = json_object_get(gval);
        }
      }
    } else if (key_is(key, "tools") &&
               json_object_is_type(val, json_type_array)) {
      for (size_t i = 0; i < json_object_array_length(val); i++) {
        json_object *tool = json_object_array_get_idx(val, i);
        if (!json_object_is_type(tool, json_type_object))
          continue;
        json_object_object_foreach(tool, tkey, tval) {
          (void)tval;
          r->search |= key_is(tkey, "googleSearch");
        }
      }
    }
  }
}

int gf__sim_req_body(gf__sim_req *r, json_object *root, uint64_t default_seed,
                     gf__sim_err *e) {
  static const char *const root_names[] = {
      "contents",   "generationConfig", "tools", "toolConfig",
      "safetySettings", "systemInstruction", "cachedContent", "labels",
      "model", NULL};
  r->seed = default_seed;
  if (!root)
    return gf__sim_err_set(e, 400, "INVALID_ARGUMENT",
                           "Invalid JSON payload received. Unexpected token.");
  if (!json_object_is_type(root, json_type_object))
    return gf__sim_err_set(e, 400, "INVALID_ARGUMENT",
                           "Invalid JSON payload received. Expected an object "
                           "at the top level.");
  json_object *contents = NULL, *gc = NULL;
  const char *cname = "contents", *gname = "generationConfig";
  json_object_object_foreach(root, key, val) {
    if (!known(key, root_names))
      return unknown_name(e, "", key);
    if (key_is(key, "contents")) {
      contents = val;
      cname = key;
    } else if (key_is(key, "generationConfig")) {
      gc = val;
      gname = key;
    } else if (key_is(key, "tools") && !json_object_is_type(val, json_type_array)) {
      return wrong_type(e, key, "a list of Tool objects");
    }
  }
  if (check_contents(r, contents, cname, e))
    return -1;
  return gc ? check_gen_config(r, gc, gname, e) : 0;
}

/* ---- contents ---- */

static const char *const mimes[] = {"image/png", "image/jpeg", "image/webp",
                                    "image/heic", "image/heif", NULL};

/* Decodes the whole string in slices to a scratch buffer: only validity
 * matters. Returns the decoded size, or -1. */
static long long b64_check(const char *s, size_t n) {
  gf__b64dec d;
  gf__b64_init(&d);
  unsigned char out[GF_B64_DEC_MAX(3072)];
  long long total = 0;
  for (size_t i = 0; i < n; i += 3072) {
    size_t take = n - i < 3072 ? n - i : 3072, got = 0;
    if (gf__b64_decode(&d, s + i, take, out, &got))
      return -1;
    total += (long long)got;
  }
  size_t got = 0;
  if (gf__b64_finish(&d, out, &got))
    return -1;
  return total + (long long)got;
}

static int check_inline(gf__sim_req *r, json_object *obj, const char *at,
                        gf__sim_err *e) {
  static const char *const names[] = {"mimeType", "data", NULL};
  char field[256];
  if (!json_object_is_type(obj, json_type_object))
    return wrong_type(e, at, "a Blob object");
  json_object *mime = NULL, *data = NULL;
  const char *mname = "mime_type", *dname = "data";
  json_object_object_foreach(obj, key, val) {
    if (!known(key, names))
      return unknown_name(e, at, key);
    if (key_is(key, "mimeType")) {
      mime = val;
      mname = key;
    } else {
      data = val;
      dname = key;
    }
  }
  snprintf(field, sizeof field, "%.180s.%.64s", at, mname);
  if (!mime || !json_object_is_type(mime, json_type_string))
    return gf__sim_err_field(e, field, "%s: a mime type is required.", field);
  const char *m = json_object_get_string(mime);
  int ok = 0;
  for (size_t i = 0; mimes[i]; i++)
    ok |= strcasecmp(m, mimes[i]) == 0;
  if (!ok)
    return gf__sim_err_field(e, field, "Unsupported MIME type: %.64s", m);
  snprintf(field, sizeof field, "%.180s.%.64s", at, dname);
  if (!data || !json_object_is_type(data, json_type_string))
    return gf__sim_err_field(e, field, "%s: base64 image data is required.",
                             field);
  const char *s = json_object_get_string(data);
  size_t n = (size_t)json_object_get_string_len(data);
  if (b64_check(s, n) <= 0)
    return gf__sim_err_field(e, field,
                             "Invalid value at '%s' (TYPE_BYTES), Base64 "
                             "decoding failed for \"%.20s%s\"",
                             field, s, n > 20 ? "..." : "");
  if (++r->nrefs > GF_SIM_MAX_REFS)
    return gf__sim_err_field(e, at, "At most %d input images are supported.",
                             GF_SIM_MAX_REFS);
  return 0;
}

/* One part; its text is appended to prompt when it counts as prompt. */
static int check_part(gf__sim_req *r, json_object *part, const char *at,
                      gf__buf *prompt, gf__sim_err *e) {
  static const char *const names[] = {"text", "inlineData", "thought",
                                      "thoughtSignature", "mediaResolution",
                                      "videoMetadata", NULL};
  char field[256];
  if (!json_object_is_type(part, json_type_object))
    return wrong_type(e, at, "a Part object");
  json_object *text = NULL;
  int ndata = 0, thought = 0;
  json_object_object_foreach(part, key, val) {
    snprintf(field, sizeof field, "%.180s.%.64s", at, key);
    if (!known(key, names))
      return unknown_name(e, at, key);
    if (key_is(key, "text") || key_is(key, "inlineData")) {
      if (++ndata > 1)
        return gf__sim_err_field(e, field,
                                 "Invalid JSON payload received. Oneof field "
                                 "'data' is already set. Cannot set '%.64s'",
                                 key);
      if (key_is(key, "text"))
        text = val;
      else if (check_inline(r, val, field, e))
        return -1;
    } else if (key_is(key, "thought")) {
      if (!json_object_is_type(val, json_type_boolean))
        return wrong_type(e, field, "a boolean");
      thought = json_object_get_boolean(val);
    } else if (key_is(key, "thoughtSignature") &&
               !json_object_is_type(val, json_type_string)) {
      return wrong_type(e, field, "a string");
    }
  }
  if (!ndata) {
    snprintf(field, sizeof field, "%.180s.data", at);
    return gf__sim_err_field(e, field,
                             "* GenerateContentRequest.%s: required oneof "
                             "field 'data' must have one initialized field",
                             field);
  }
  if (text) {
    snprintf(field, sizeof field, "%.180s.text", at);
    if (!json_object_is_type(text, json_type_string))
      return wrong_type(e, field, "a string");
    if (prompt && !thought) {
      if ((prompt->len && gf__buf_append(prompt, "\n", 1)) ||
          gf__buf_append(prompt, json_object_get_string(text),
                         (size_t)json_object_get_string_len(text)))
        return gf__sim_err_set(e, 500, "INTERNAL", "Out of memory.");
    }
  }
  return 0;
}

static int check_content(gf__sim_req *r, json_object *c, const char *at,
                         gf__buf *prompt, gf__sim_err *e) {
  static const char *const names[] = {"role", "parts", NULL};
  char field[256];
  if (!json_object_is_type(c, json_type_object))
    return wrong_type(e, at, "a Content object");
  json_object *parts = NULL;
  const char *pname = "parts";
  int user = 1;
  json_object_object_foreach(c, key, val) {
    if (!known(key, names))
      return unknown_name(e, at, key);
    if (key_is(key, "role")) {
      const char *role = json_object_is_type(val, json_type_string)
                             ? json_object_get_string(val)
                             : "";
      snprintf(field, sizeof field, "%.180s.%.64s", at, key);
      if (strcmp(role, "user") != 0 && strcmp(role, "model") != 0)
        return gf__sim_err_field(e, field,
                                 "Please use a valid role: user, model.");
      user = strcmp(role, "user") == 0;
    } else {
      parts = val;
      pname = key;
    }
  }
  snprintf(field, sizeof field, "%.180s.%.64s", at, pname);
  if (!parts || (json_object_is_type(parts, json_type_array) &&
                 json_object_array_length(parts) == 0))
    return gf__sim_err_field(e, field,
                             "* GenerateContentRequest.%s: contents.parts "
                             "must not be empty.",
                             field);
  if (!json_object_is_type(parts, json_type_array))
    return wrong_type(e, field, "a list of Part objects");
  if (user) /* the prompt is the last user turn's text */
    gf__buf_reset(prompt);
  for (size_t i = 0; i < json_object_array_length(parts); i++) {
    char pat[256];
    snprintf(pat, sizeof pat, "%.180s[%zu]", field, i);
    if (check_part(r, json_object_array_get_idx(parts, i), pat,
                   user ? prompt : NULL, e))
      return -1;
  }
  return 0;
}

static int check_contents(gf__sim_req *r, json_object *contents,
                          const char *name, gf__sim_err *e) {
  if (!contents || (json_object_is_type(contents, json_type_array) &&
                    json_object_array_length(contents) == 0))
    return gf__sim_err_field(e, name,
                             "* GenerateContentRequest.contents: contents is "
                             "not specified");
  if (!json_object_is_type(contents, json_type_array))
    return wrong_type(e, name, "a list of Content objects");
  gf__buf prompt;
  gf__buf_init(&prompt, 0);
  size_t text_bytes = 0;
  for (size_t i = 0; i < json_object_array_length(contents); i++) {
    char at[256];
    snprintf(at, sizeof at, "%.180s[%zu]", name, i);
    if (check_content(r, json_object_array_get_idx(contents, i), at, &prompt,
                      e)) {
      gf__buf_free(&prompt);
      return -1;
    }
  }
  text_bytes = prompt.len;
  if (gf__buf_append(&prompt, "", 0)) {
    gf__buf_free(&prompt);
    return gf__sim_err_set(e, 500, "INTERNAL", "Out of memory.");
  }
  free(r->prompt);
  r->prompt = gf__buf_steal(&prompt, &r->plen);
  r->prompt_tokens = (int)((text_bytes + 3) / 4) + GF_SIM_REF_TOKENS * r->nrefs;
  if (r->prompt_tokens < 1)
    r->prompt_tokens = 1;
  return 0;
}

/* ---- generationConfig ---- */

static int check_modalities(gf__sim_req *r, json_object *v, const char *at,
                            gf__sim_err *e) {
  char field[256];
  if (!json_object_is_type(v, json_type_array))
    return wrong_type(e, at, "a list of modalities");
  int text = 0, image = 0;
  for (size_t i = 0; i < json_object_array_length(v); i++) {
    json_object *m = json_object_array_get_idx(v, i);
    const char *s = json_object_is_type(m, json_type_string)
                        ? json_object_get_string(m)
                        : "";
    snprintf(field, sizeof field, "%.180s[%zu]", at, i);
    if (strcmp(s, "TEXT") == 0)
      text = 1;
    else if (strcmp(s, "IMAGE") == 0)
      image = 1;
    else
      return gf__sim_err_field(
          e, field,
          "Invalid value at '%s' (type.googleapis.com/"
          "google.ai.generativelanguage.v1beta.GenerationConfig.Modality), "
          "\"%.32s\"",
          field, s);
  }
  if (!image)
    return gf__sim_err_field(e, at,
                             "%s: this model answers with images: use "
                             "[\"IMAGE\"] or [\"TEXT\", \"IMAGE\"].",
                             at);
  r->text_modality = text;
  return 0;
}

static int check_image_config(gf__sim_req *r, json_object *ic, const char *at,
                              gf__sim_err *e) {
  char field[256];
  if (!json_object_is_type(ic, json_type_object))
    return wrong_type(e, at, "an ImageConfig object");
  json_object_object_foreach(ic, key, val) {
    int is_aspect = key_is(key, "aspectRatio");
    if (!is_aspect && !key_is(key, "imageSize"))
      continue; /* newer fields pass */
    snprintf(field, sizeof field, "%.180s.%.64s", at, key);
    const char *s = json_object_is_type(val, json_type_string)
                        ? json_object_get_string(val)
                        : NULL;
    int w, h;
    if (is_aspect && (!s || gf__sim_dims(s, "1K", &w, &h) != 0))
      return gf__sim_err_field(e, field,
                               "Unsupported aspect ratio \"%.16s\" for %s: "
                               "use one of " GF_SIM_ASPECTS ".",
                               s ? s : "(not a string)", GF_SIM_MODEL);
    if (!is_aspect && (!s || gf__sim_dims("1:1", s, &w, &h) != 0))
      return gf__sim_err_field(e, field,
                               "Unsupported image size \"%.16s\" for %s: use "
                               "one of " GF_SIM_SIZES ".",
                               s ? s : "(not a string)", GF_SIM_MODEL);
    if (is_aspect)
      snprintf(r->aspect, sizeof r->aspect, "%s", s);
    else
      snprintf(r->size, sizeof r->size, "%s", s);
  }
  gf__sim_dims(r->aspect, r->size, &r->w, &r->h);
  return 0;
}

static int check_gen_config(gf__sim_req *r, json_object *gc, const char *name,
                            gf__sim_err *e) {
  char field[256];
  if (!json_object_is_type(gc, json_type_object))
    return wrong_type(e, name, "a GenerationConfig object");
  json_object_object_foreach(gc, key, val) {
    snprintf(field, sizeof field, "%.180s.%.64s", name, key);
    if (key_is(key, "responseModalities")) {
      if (check_modalities(r, val, field, e))
        return -1;
    } else if (key_is(key, "imageConfig")) {
      if (check_image_config(r, val, field, e))
        return -1;
    } else if (key_is(key, "seed")) {
      if (!json_object_is_type(val, json_type_int))
        return wrong_type(e, field, "an integer");
      r->seed = (uint64_t)json_object_get_int64(val);
    }
  }
  return 0;
}

/* ---- whole request ---- */

json_tokener *gf__sim_json_tokener(void) {
  json_tokener *tok = json_tokener_new_ex(64);
  if (tok)
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
                                    JSON_TOKENER_VALIDATE_UTF8);
  return tok;
}

int gf__sim_req_validate(gf__sim_req *r, const char *method,
                         const char *target, const char *header_key,
                         const char *body, size_t n,
                         const char *const *reject, size_t nreject,
                         uint64_t default_seed, gf__sim_err *e) {
  char qkey[512] = "";
  int bad = gf__sim_req_target(r, method, target, qkey, sizeof qkey, e);
  const char *key = gf__sim_req_pick_key(r, header_key, qkey);
  if (bad || gf__sim_req_key(r, key, reject, nreject, e))
    return -1;
  if (n > GF_SIM_BODY_MAX) {
    gf__sim_err_set(e, 413, "INVALID_ARGUMENT",
                    "Request payload size exceeds the limit: %u bytes.",
                    GF_SIM_BODY_MAX);
    e->close = 1;
    return -1;
  }
  json_tokener *tok = gf__sim_json_tokener();
  if (!tok)
    return gf__sim_err_set(e, 500, "INTERNAL", "Out of memory.");
  json_object *root = json_tokener_parse_ex(tok, body, (int)n);
  size_t used = json_tokener_get_parse_end(tok);
  while (root && used < n && strchr(" \t\r\n", body[used]))
    used++;
  if (root && used < n) {
    json_object_put(root);
    root = NULL;
  }
  json_tokener_free(tok);
  gf__sim_req_note_body(r, root);
  int rc = gf__sim_req_body(r, root, default_seed, e);
  json_object_put(root);
  return rc;
}
