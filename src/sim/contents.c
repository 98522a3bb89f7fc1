/* contents: the conversation. Each Content has a role (user or model) and
 * parts; a part holds text or an inline image (a reference image in a user
 * turn, the model's own image in a model turn). The prompt is the text of
 * the last user turn. A model turn sent back must carry the
 * thoughtSignatures the simulator gave its parts (sig.h), as the service
 * demands of gemini-3-pro-image-preview: every non-thought image part has
 * one, and so has the first non-thought part when it is a text before an
 * image; any signature sent must be the one issued for exactly that part's
 * bytes. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64/b64.h"
#include "common/buf.h"
#include "common/sha256.h"
#include "sim/fields.h"
#include "sim/request.h"
#include "sim/sig.h"

/* What one part holds, for the signature rules. */
typedef struct gf__sim_part {
  int text, image, thought;
  const char *sig; /* thoughtSignature; NULL: none */
  size_t siglen;
  const char *str; /* the text */
  size_t len;
  unsigned char sha[32]; /* an image in a model turn: of its bytes */
} gf__sim_part;

static const char *const mimes[] = {"image/png", "image/jpeg", "image/webp",
                                    "image/heic", "image/heif", NULL};

/* Decodes the whole string in slices to a scratch buffer, hashing the
 * bytes when sha is not NULL. Returns the decoded size, or -1. */
static long long b64_check(const char *s, size_t n, unsigned char *sha) {
  gf__b64dec d;
  gf__sha256 h;
  gf__b64_init(&d);
  gf__sha256_init(&h);
  unsigned char out[GF_B64_DEC_MAX(3072)];
  long long total = 0;
  for (size_t i = 0; i < n; i += 3072) {
    size_t take = n - i < 3072 ? n - i : 3072, got = 0;
    if (gf__b64_decode(&d, s + i, take, out, &got))
      return -1;
    if (sha)
      gf__sha256_update(&h, out, got);
    total += (long long)got;
  }
  size_t got = 0;
  if (gf__b64_finish(&d, out, &got))
    return -1;
  if (sha) {
    gf__sha256_update(&h, out, got);
    gf__sha256_final(&h, sha);
  }
  return total + (long long)got;
}

static int bad_bytes(gf__sim_err *e, const char *field, const char *s,
                     size_t n) {
  return gf__sim_err_field(e, field,
                           "Invalid value at '%s' (TYPE_BYTES), Base64 "
                           "decoding failed for \"%.20s%s\"",
                           field, s, n > 20 ? "..." : "");
}

/* inlineData at path at. sha: where a model turn's image hash goes, or
 * NULL in a user turn (a reference image, counted). */
static int check_inline(gf__sim_req *r, json_object *obj, const char *at,
                        unsigned char *sha, gf__sim_err *e) {
  static const char *const names[] = {"mimeType", "data", NULL};
  char field[GF_SIM_PATH_MAX];
  if (!json_object_is_type(obj, json_type_object))
    return gf__sim_bad_value(e, at, GF_SIM_PROTO "Blob", obj);
  json_object *mime = NULL, *data = NULL;
  json_object_object_foreach(obj, key, val) {
    if (!gf__sim_key_known(key, names))
      return gf__sim_unknown_name(e, at, key);
    if (gf__sim_key_is(key, "mimeType"))
      mime = val;
    else
      data = val;
  }
  gf__sim_path(field, at, "mimeType");
  if (!mime || !json_object_is_type(mime, json_type_string))
    return gf__sim_err_field(e, field, "%s: a mime type is required.", field);
  const char *m = json_object_get_string(mime);
  int ok = 0;
  for (size_t i = 0; mimes[i]; i++)
    ok |= strcasecmp(m, mimes[i]) == 0;
  if (!ok)
    return gf__sim_err_field(e, field, "Unsupported MIME type: %.64s", m);
  gf__sim_path(field, at, "data");
  if (!data || !json_object_is_type(data, json_type_string))
    return gf__sim_err_field(e, field, "%s: base64 image data is required.",
                             field);
  const char *s = json_object_get_string(data);
  size_t n = (size_t)json_object_get_string_len(data);
  if (b64_check(s, n, sha) <= 0)
    return bad_bytes(e, field, s, n);
  if (!sha && ++r->nrefs > GF_SIM_MAX_REFS)
    return gf__sim_err_field(e, at, "At most %d input images are supported.",
                             GF_SIM_MAX_REFS);
  return 0;
}

/* One part's fields into p; its text is appended to prompt when it counts
 * as prompt (a user turn's non-thought text). model: in a model turn. */
static int check_part(gf__sim_req *r, json_object *part, const char *at,
                      int model, gf__buf *prompt, gf__sim_part *p,
                      gf__sim_err *e) {
  static const char *const names[] = {"text", "inlineData", "thought",
                                      "thoughtSignature", "mediaResolution",
                                      "videoMetadata", NULL};
  char field[GF_SIM_PATH_MAX];
  memset(p, 0, sizeof *p);
  if (!json_object_is_type(part, json_type_object))
    return gf__sim_bad_value(e, at, GF_SIM_PROTO "Part", part);
  json_object *text = NULL;
  json_object_object_foreach(part, key, val) {
    if (!gf__sim_key_known(key, names))
      return gf__sim_unknown_name(e, at, key);
    if (!val) /* null: the field's default, as if absent */
      continue;
    gf__sim_path(field, at, key);
    if (gf__sim_key_is(key, "text") || gf__sim_key_is(key, "inlineData")) {
      if (p->text + p->image)
        return gf__sim_err_field(e, field,
                                 "Invalid JSON payload received. Oneof field "
                                 "'data' is already set. Cannot set '%.64s'",
                                 key);
      if (gf__sim_key_is(key, "text")) {
        text = val;
        p->text = 1;
      } else {
        p->image = 1;
        if (check_inline(r, val, field, model ? p->sha : NULL, e))
          return -1;
      }
    } else if (gf__sim_key_is(key, "thought")) {
      if (!json_object_is_type(val, json_type_boolean))
        return gf__sim_bad_value(e, field, "TYPE_BOOL", val);
      p->thought = json_object_get_boolean(val);
    } else if (gf__sim_key_is(key, "thoughtSignature")) {
      if (!json_object_is_type(val, json_type_string))
        return gf__sim_bad_value(e, field, "TYPE_BYTES", val);
      p->sig = json_object_get_string(val);
      p->siglen = (size_t)json_object_get_string_len(val);
      if (b64_check(p->sig, p->siglen, NULL) < 0)
        return bad_bytes(e, field, p->sig, p->siglen);
    }
  }
  if (!p->text && !p->image) {
    gf__sim_path(field, at, "data");
    return gf__sim_err_field(e, field,
                             "* GenerateContentRequest.%s: required oneof "
                             "field 'data' must have one initialized field",
                             field);
  }
  if (text) {
    gf__sim_path(field, at, "text");
    if (!json_object_is_type(text, json_type_string))
      return gf__sim_bad_value(e, field, "TYPE_STRING", text);
    p->str = json_object_get_string(text);
    p->len = (size_t)json_object_get_string_len(text);
    if (prompt && !p->thought) {
      if ((prompt->len && gf__buf_append(prompt, "\n", 1)) ||
          gf__buf_append(prompt, p->str, p->len))
        return gf__sim_err_set(e, 500, "INTERNAL", "Out of memory.");
    }
  }
  return 0;
}

/* ---- signatures ---- */

/* A part's field, not null (the shape is checked later, in check_part). */
static json_object *field_of(json_object *o, const char *camel) {
  json_object_object_foreach(o, key, val) {
    if (val && gf__sim_key_is(key, camel))
      return val;
  }
  return NULL;
}

static int is_thought(json_object *o) {
  json_object *v = field_of(o, "thought");
  return json_object_is_type(v, json_type_boolean) &&
         json_object_get_boolean(v);
}

/* The part of a model turn that must be signed besides its images: its
 * first non-thought part, when that is a text and an image comes after it
 * (the service signs "the first part after the thoughts"). -1: none. */
static long signed_text(json_object *parts) {
  long first = -1;
  for (size_t i = 0; i < json_object_array_length(parts); i++) {
    json_object *p = json_object_array_get_idx(parts, i);
    if (!json_object_is_type(p, json_type_object) || is_thought(p))
      continue;
    int image = field_of(p, "inlineData") != NULL;
    if (first < 0 && image)
      return -1;
    if (first < 0)
      first = (long)i;
    else if (image)
      return first;
  }
  return -1;
}

static void sig_fail(gf__sim_req *r, int why, size_t content, size_t part) {
  r->sig_fail = why;
  r->sig_content = content;
  r->sig_part = part;
}

/* One part of a model turn at 1-based positions content, part; must: it
 * is the text that must be signed. Only the first failure is kept. */
static void check_sig(gf__sim_req *r, const gf__sim_part *p, size_t content,
                      size_t part, int must) {
  char want[GF_SIM_SIG_LEN + 1];
  if (r->sig_fail)
    return;
  if (p->sig) {
    if (p->image)
      gf__sim_sig_image(p->sha, want);
    else
      gf__sim_sig_text(p->str, p->len, want);
    if (gf__sim_sig_matches(p->sig, p->siglen, want))
      r->sig_checked++;
    else
      sig_fail(r, GF_SIM_SIG_CORRUPTED, content, part);
  } else if (p->image && !p->thought) {
    sig_fail(r, GF_SIM_SIG_MISSING_IMAGE, content, part);
  } else if (must) {
    sig_fail(r, GF_SIM_SIG_MISSING_TEXT, content, part);
  }
}

/* ---- contents ---- */

/* contents[i] at path at; index i. */
static int check_content(gf__sim_req *r, json_object *c, const char *at,
                         size_t i, gf__buf *prompt, gf__sim_err *e) {
  static const char *const names[] = {"role", "parts", NULL};
  char field[GF_SIM_PATH_MAX], pat[GF_SIM_PATH_MAX];
  if (!json_object_is_type(c, json_type_object))
    return gf__sim_bad_value(e, at, GF_SIM_PROTO "Content", c);
  json_object *parts = NULL;
  int model = 0;
  json_object_object_foreach(c, key, val) {
    if (!gf__sim_key_known(key, names))
      return gf__sim_unknown_name(e, at, key);
    if (!val)
      continue;
    gf__sim_path(field, at, key);
    if (gf__sim_key_is(key, "role")) {
      const char *role = json_object_is_type(val, json_type_string)
                             ? json_object_get_string(val)
                             : "";
      if (strcmp(role, "user") != 0 && strcmp(role, "model") != 0)
        return gf__sim_err_field(e, field,
                                 "Please use a valid role: user, model.");
      model = strcmp(role, "model") == 0;
    } else {
      parts = val;
    }
  }
  gf__sim_path(field, at, "parts");
  if (!parts || (json_object_is_type(parts, json_type_array) &&
                 json_object_array_length(parts) == 0))
    return gf__sim_err_field(e, field,
                             "* GenerateContentRequest.%s: contents.parts "
                             "must not be empty.",
                             field);
  if (!json_object_is_type(parts, json_type_array))
    return gf__sim_bad_value(e, field, GF_SIM_PROTO "Part", parts);
  if (!model) /* the prompt is the last user turn's text */
    gf__buf_reset(prompt);
  long must = model ? signed_text(parts) : -1;
  for (size_t k = 0; k < json_object_array_length(parts); k++) {
    gf__sim_part p;
    gf__sim_path_item(pat, field, k);
    if (check_part(r, json_object_array_get_idx(parts, k), pat, model,
                   model ? NULL : prompt, &p, e))
      return -1;
    if (model)
      check_sig(r, &p, i + 1, k + 1, (long)k == must);
  }
  return 0;
}

int gf__sim_check_contents(gf__sim_req *r, json_object *contents,
                           gf__sim_err *e) {
  char at[GF_SIM_PATH_MAX];
  if (!contents || (json_object_is_type(contents, json_type_array) &&
                    json_object_array_length(contents) == 0))
    return gf__sim_err_field(e, "contents",
                             "* GenerateContentRequest.contents: contents is "
                             "not specified");
  if (!json_object_is_type(contents, json_type_array))
    return gf__sim_bad_value(e, "contents", GF_SIM_PROTO "Content", contents);
  gf__buf prompt;
  gf__buf_init(&prompt, 0);
  r->turns = (int)json_object_array_length(contents);
  for (size_t i = 0; i < json_object_array_length(contents); i++) {
    gf__sim_path_item(at, "contents", i);
    if (check_content(r, json_object_array_get_idx(contents, i), at, i,
                      &prompt, e)) {
      gf__buf_free(&prompt);
      return -1;
    }
  }
  size_t text_bytes = prompt.len;
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
