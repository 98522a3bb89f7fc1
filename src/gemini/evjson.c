/* A whole response object (its image data already streamed and replaced by
 * ""), read with json-c: the summary first, then the text callbacks of
 * candidates[0].content.parts[] in order, then on_usage. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "gemini/gemini_int.h"

static json_object *gf__get(json_object *o, const char *key, json_type t);
static int gf__ev_error(gf__evdec *d, json_object *err);
static int gf__ev_fields(gf__evdec *d, json_object *root, json_object *cand);
static int gf__ev_parts(gf__evdec *d, json_object *cand);
static int gf__ev_one_part(gf__evdec *d, json_object *part, int thought,
                       json_object *text);
static int gf__ev_usage(gf__evdec *d, json_object *root, int *seen);
static int gf__set(char **dst, json_object *s);

int gf__ev_process(gf__evdec *d) {
  json_object *root = NULL;
  int rc = gf__json_parse(d->ev.data, d->ev.len, &root);
  if (rc)
    return rc;
  d->sum.events++;
  json_object *err = NULL, *cand = NULL;
  json_object *cands = gf__get(root, "candidates", json_type_array);
  if (cands && json_object_array_length(cands) > 0)
    cand = json_object_array_get_idx(cands, 0);
  if (!json_object_is_type(cand, json_type_object))
    cand = NULL;
  int usage = 0;
  if (json_object_object_get_ex(root, "error", &err) &&
      (json_object_is_type(err, json_type_object) ||
       json_object_is_type(err, json_type_string)))
    rc = gf__ev_error(d, err);
  else if (!(rc = gf__ev_fields(d, root, cand)) &&
           !(rc = gf__ev_usage(d, root, &usage)) &&
           !(rc = gf__ev_parts(d, cand)) && usage && d->cbs.on_usage)
    rc = d->cbs.on_usage(d->ud, &d->sum.usage);
  json_object_put(root);
  return rc;
}

static json_object *gf__get(json_object *o, const char *key, json_type t) {
  json_object *v;
  if (!o || !json_object_object_get_ex(o, key, &v) ||
      !json_object_is_type(v, t))
    return NULL;
  return v;
}

/* {"error": {...}} in the stream: the generation failed. */
static int gf__ev_error(gf__evdec *d, json_object *err) {
  gf__api_error_free(&d->sum.error);
  int rc = gf__api_error_from_json(err, &d->sum.error);
  if (rc)
    return rc;
  d->sum.have_error = 1;
  return GF_EAPI;
}

static int gf__ev_fields(gf__evdec *d, json_object *root, json_object *cand) {
  json_object *fb = gf__get(root, "promptFeedback", json_type_object);
  int rc = gf__set(&d->sum.finish_reason,
                   gf__get(cand, "finishReason", json_type_string));
  if (!rc)
    rc = gf__set(&d->sum.block_reason,
                 gf__get(fb, "blockReason", json_type_string));
  if (!rc)
    rc = gf__set(&d->sum.model_version,
                 gf__get(root, "modelVersion", json_type_string));
  if (!rc)
    rc = gf__set(&d->sum.response_id,
                 gf__get(root, "responseId", json_type_string));
  return rc;
}

/* Text parts; image parts went out while the event streamed. Then each
 * part as a whole, for a chat's history. */
static int gf__ev_parts(gf__evdec *d, json_object *cand) {
  json_object *content = gf__get(cand, "content", json_type_object);
  json_object *parts = gf__get(content, "parts", json_type_array);
  size_t n = parts ? json_object_array_length(parts) : 0;
  for (size_t i = 0; i < n; i++) {
    json_object *part = json_object_array_get_idx(parts, i);
    json_object *text = gf__get(part, "text", json_type_string);
    json_object *th = gf__get(part, "thought", json_type_boolean);
    int thought = th && json_object_get_boolean(th);
    size_t len = text ? (size_t)json_object_get_string_len(text) : 0;
    int (*cb)(void *, const char *, size_t) =
        thought ? d->cbs.on_thought : d->cbs.on_text;
    int rc = cb && len ? cb(d->ud, json_object_get_string(text), len) : 0;
    if (!rc && d->cbs.on_part)
      rc = gf__ev_one_part(d, part, thought, text);
    if (rc)
      return rc;
  }
  return 0;
}

static int gf__ev_one_part(gf__evdec *d, json_object *part, int thought,
                       json_object *text) {
  json_object *in = gf__get(part, "inlineData", json_type_object);
  if (!in)
    in = gf__get(part, "inline_data", json_type_object);
  json_object *mime = gf__get(in, "mimeType", json_type_string);
  if (!mime)
    mime = gf__get(in, "mime_type", json_type_string);
  json_object *sig = gf__get(part, "thoughtSignature", json_type_string);
  if (!sig)
    sig = gf__get(part, "thought_signature", json_type_string);
  if (!text && !in)
    return 0; /* nothing a chat sends back (a function call, ...) */
  gf__ev_part p = {thought,
                text ? json_object_get_string(text) : NULL,
                text ? (size_t)json_object_get_string_len(text) : 0,
                !text && in,
                mime ? json_object_get_string(mime) : NULL,
                sig ? json_object_get_string(sig) : NULL};
  return d->cbs.on_part(d->ud, &p);
}

/* Each count that is present replaces the one before: the first events
 * carry a usageMetadata with none of them (only trafficType). */
static int gf__ev_usage(gf__evdec *d, json_object *root, int *seen) {
  static const char *const names[4] = {"promptTokenCount",
                                       "candidatesTokenCount",
                                       "thoughtsTokenCount", "totalTokenCount"};
  json_object *um = gf__get(root, "usageMetadata", json_type_object);
  int64_t *dst[4] = {&d->sum.usage.prompt_tokens,
                     &d->sum.usage.candidates_tokens,
                     &d->sum.usage.thoughts_tokens, &d->sum.usage.total_tokens};
  *seen = 0;
  for (int i = 0; um && i < 4; i++) {
    json_object *v = gf__get(um, names[i], json_type_int);
    if (v) {
      *dst[i] = json_object_get_int64(v);
      *seen = 1;
    }
  }
  if (*seen)
    d->sum.have_usage = 1;
  return 0;
}

/* Replaces *dst with a copy of s when s is there. */
static int gf__set(char **dst, json_object *s) {
  if (!s)
    return 0;
  char *c = strdup(json_object_get_string(s));
  if (!c)
    return GF_ENOMEM;
  free(*dst);
  *dst = c;
  return 0;
}
