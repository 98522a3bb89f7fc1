#include "sim/events.h"

#include <json-c/json.h>
#include <string.h>

#include "common/buf.h"
#include "gemflow.h"

/* The marker the image's data string is built around, then cut out. */
#define DATA_MARK "\x01gf-sim-data\x01"

static void ev_str(json_object *o, const char *k, const char *v) {
  json_object_object_add(o, k, json_object_new_string(v));
}

static void ev_int(json_object *o, const char *k, int v) {
  json_object_object_add(o, k, json_object_new_int(v));
}

/* {"candidates":[{"content":{"role":"model","parts":[part]}}]} plus the
 * finish reason and index when given. */
static json_object *ev_candidates(json_object *part, const char *finish,
                               int index) {
  json_object *cand = json_object_new_object();
  if (part) {
    json_object *content = json_object_new_object(), *parts;
    ev_str(content, "role", "model");
    parts = json_object_new_array();
    json_object_array_add(parts, part);
    json_object_object_add(content, "parts", parts);
    json_object_object_add(cand, "content", content);
  }
  if (finish)
    ev_str(cand, "finishReason", finish);
  if (index >= 0)
    ev_int(cand, "index", index);
  json_object *arr = json_object_new_array();
  json_object_array_add(arr, cand);
  return arr;
}

static json_object *ev_details(const char *modality, int tokens,
                            const char *modality2, int tokens2) {
  json_object *arr = json_object_new_array();
  for (int i = 0; i < 2; i++) {
    const char *m = i ? modality2 : modality;
    if (!m || (i && tokens2 <= 0))
      continue;
    json_object *d = json_object_new_object();
    ev_str(d, "modality", m);
    ev_int(d, "tokenCount", i ? tokens2 : tokens);
    json_object_array_add(arr, d);
  }
  return arr;
}

static json_object *ev_usage(const gf__sim_usage *u) {
  json_object *o = json_object_new_object();
  if (!u) {
    ev_str(o, "trafficType", "ON_DEMAND");
    return o;
  }
  ev_int(o, "promptTokenCount", u->prompt);
  if (u->candidates)
    ev_int(o, "candidatesTokenCount", u->candidates);
  ev_int(o, "totalTokenCount", u->prompt + u->candidates + u->thoughts);
  ev_str(o, "trafficType", "ON_DEMAND");
  json_object_object_add(o, "promptTokensDetails",
                         ev_details("TEXT", u->prompt - u->prompt_images, "IMAGE",
                                 u->prompt_images));
  if (u->candidates)
    json_object_object_add(o, "candidatesTokensDetails",
                           ev_details("IMAGE", u->candidates, NULL, 0));
  if (u->thoughts)
    ev_int(o, "thoughtsTokenCount", u->thoughts);
  return o;
}

/* Adds usageMetadata, modelVersion, createTime and responseId, serialises
 * root onto out and frees it. */
static int ev_finish(gf__buf *out, json_object *root, const gf__sim_ev_ctx *c,
                  const gf__sim_usage *u, int pretty) {
  json_object_object_add(root, "usageMetadata", ev_usage(u));
  ev_str(root, "modelVersion", c->model);
  ev_str(root, "createTime", c->create_time);
  ev_str(root, "responseId", c->response_id);
  return gf__sim_json_append(out, root, pretty);
}

int gf__sim_ev_thought(gf__buf *out, const gf__sim_ev_ctx *c, const char *text,
                       int pretty) {
  json_object *root = json_object_new_object(), *part = json_object_new_object();
  ev_str(part, "text", text);
  json_object_object_add(part, "thought", json_object_new_boolean(1));
  json_object_object_add(root, "candidates", ev_candidates(part, NULL, -1));
  return ev_finish(out, root, c, NULL, pretty);
}

int gf__sim_ev_text(gf__buf *out, const gf__sim_ev_ctx *c, const char *text,
                    const char *signature) {
  json_object *root = json_object_new_object(), *part = json_object_new_object();
  ev_str(part, "text", text);
  if (signature)
    ev_str(part, "thoughtSignature", signature);
  json_object_object_add(root, "candidates", ev_candidates(part, NULL, -1));
  return ev_finish(out, root, c, NULL, 0);
}

int gf__sim_ev_image(gf__buf *head, gf__buf *tail, const gf__sim_ev_ctx *c,
                     const char *mime, int thought, int data_first,
                     const char *signature) {
  json_object *root = json_object_new_object(), *part = json_object_new_object(),
              *inl = json_object_new_object();
  if (data_first)
    ev_str(inl, "data", DATA_MARK);
  ev_str(inl, "mimeType", mime);
  if (!data_first)
    ev_str(inl, "data", DATA_MARK);
  /* proto field order, as the service writes it: inlineData (3), thought
   * (11), thoughtSignature (13) */
  json_object_object_add(part, "inlineData", inl);
  if (thought != GF_SIM_THOUGHT_NONE)
    json_object_object_add(part, "thought", json_object_new_boolean(thought));
  if (signature)
    ev_str(part, "thoughtSignature", signature);
  json_object_object_add(root, "candidates", ev_candidates(part, NULL, 0));
  gf__buf all;
  gf__buf_init(&all, 0);
  int rc = ev_finish(&all, root, c, NULL, 0);
  /* json-c writes the marker's control bytes as \u0001 */
  const char *esc = "\\u0001gf-sim-data\\u0001";
  char *at = rc ? NULL : strstr(all.data, esc);
  if (!rc && !at)
    rc = GF_EINVAL;
  if (!rc) {
    size_t pre = (size_t)(at - all.data), ml = strlen(esc);
    rc = gf__buf_append(head, all.data, pre);
    if (!rc)
      rc = gf__buf_append(tail, at + ml, all.len - pre - ml);
  }
  gf__buf_free(&all);
  return rc;
}

int gf__sim_ev_finish(gf__buf *out, const gf__sim_ev_ctx *c, const char *reason,
                      const gf__sim_usage *u) {
  json_object *root = json_object_new_object();
  json_object_object_add(root, "candidates", ev_candidates(NULL, reason, 0));
  return ev_finish(out, root, c, u, 0);
}

int gf__sim_ev_block(gf__buf *out, const gf__sim_ev_ctx *c, const char *reason,
                     const gf__sim_usage *u) {
  json_object *root = json_object_new_object(), *fb = json_object_new_object();
  ev_str(fb, "blockReason", reason);
  json_object_object_add(root, "promptFeedback", fb);
  return ev_finish(out, root, c, u, 0);
}

int gf__sim_ev_badjson(gf__buf *out, const gf__sim_ev_ctx *c) {
  (void)c;
  static const char bad[] =
      "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":"
      "\"**Checking** the output\",\"thought\":tru}]}}]}";
  return gf__buf_append(out, bad, sizeof bad - 1);
}

int gf__sim_json_append(gf__buf *out, json_object *root, int pretty) {
  int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
              (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                      : JSON_C_TO_STRING_PLAIN);
  size_t n = 0;
  const char *s = json_object_to_json_string_length(root, flags, &n);
  int rc = s ? gf__buf_append(out, s, n) : GF_ENOMEM;
  json_object_put(root);
  return rc;
}
