#include "sim/request.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gemflow.h"
#include "sim/dims.h"
#include "sim/fields.h"
#include "sim/genconfig.h"

#define PATH_PREFIX "/v1beta/models/"
#define PATH_METHOD ":streamGenerateContent"

static int check_query(gf__sim_req *r, const char *q, size_t n, char *keybuf,
                       size_t keysize, gf__sim_err *e);

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

void gf__sim_req_note_body(gf__sim_req *r, json_object *root) {
  if (!json_object_is_type(root, json_type_object))
    return;
  json_object_object_foreach(root, key, val) {
    if (gf__sim_key_is(key, "generationConfig") &&
        json_object_is_type(val, json_type_object)) {
      json_object_object_foreach(val, gkey, gval) {
        if (gf__sim_key_is(gkey, "responseModalities")) {
          json_object_put(r->modalities);
          r->modalities = json_object_get(gval);
        }
      }
    } else if (gf__sim_key_is(key, "tools") &&
               json_object_is_type(val, json_type_array)) {
      for (size_t i = 0; i < json_object_array_length(val); i++) {
        json_object *tool = json_object_array_get_idx(val, i);
        if (!json_object_is_type(tool, json_type_object))
          continue;
        json_object_object_foreach(tool, tkey, tval) {
          (void)tval;
          r->search |= gf__sim_key_is(tkey, "googleSearch");
        }
      }
    }
  }
}

/* The first signature a model turn got wrong, in the service's words. It
 * is answered after every other check: a request that is wrong in its
 * shape hears about that first. */
static int signature_error(const gf__sim_req *r, gf__sim_err *e) {
  static const char more[] =
      "Please refer to https://ai.google.dev/gemini-api/docs/"
      "thought-signatures#model-behavior for more details.";
  switch (r->sig_fail) {
  case GF_SIM_SIG_MISSING_IMAGE:
  case GF_SIM_SIG_MISSING_TEXT:
    return gf__sim_err_set(e, 400, "INVALID_ARGUMENT",
                           "%s part is missing a thought_signature in content "
                           "position %zu, part position %zu. %s",
                           r->sig_fail == GF_SIM_SIG_MISSING_IMAGE ? "Image"
                                                                   : "Text",
                           r->sig_content, r->sig_part, more);
  case GF_SIM_SIG_CORRUPTED:
    return gf__sim_err_set(e, 400, "INVALID_ARGUMENT",
                           "Corrupted thought signature.");
  default:
    return 0;
  }
}

const char *gf__sim_req_signatures(const gf__sim_req *r) {
  return r->sig_fail == GF_SIM_SIG_CORRUPTED ? "corrupted"
         : r->sig_fail                        ? "missing"
         : r->sig_checked                     ? "ok"
                                              : "none";
}

int gf__sim_req_body(gf__sim_req *r, json_object *root, uint64_t default_seed,
                     gf__sim_err *e) {
  static const char *const root_names[] = {
      "contents",       "generationConfig",  "tools",         "toolConfig",
      "safetySettings", "systemInstruction", "cachedContent", "labels",
      "serviceTier",    "model",             NULL};
  r->seed = default_seed;
  if (!root)
    return gf__sim_err_set(e, 400, "INVALID_ARGUMENT",
                           "Invalid JSON payload received. Unexpected token.");
  if (!json_object_is_type(root, json_type_object))
    return gf__sim_err_set(e, 400, "INVALID_ARGUMENT",
                           "Invalid JSON payload received. Expected an object "
                           "at the top level.");
  json_object *contents = NULL, *gc = NULL;
  json_object_object_foreach(root, key, val) {
    if (!gf__sim_key_known(key, root_names))
      return gf__sim_unknown_name(e, "", key);
    if (gf__sim_key_is(key, "contents")) {
      contents = val;
    } else if (gf__sim_key_is(key, "generationConfig")) {
      gc = val;
    } else if (gf__sim_key_is(key, "tools") && val &&
               !json_object_is_type(val, json_type_array)) {
      return gf__sim_bad_value(e, "tools", GF_SIM_PROTO "Tool", val);
    }
  }
  if (gf__sim_check_contents(r, contents, e) ||
      gf__sim_check_gen_config(r, gc, e))
    return -1;
  return signature_error(r, e);
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
                         const char *body, size_t n, const gf__sim_keys *keys,
                         uint64_t default_seed, gf__sim_err *e) {
  char qkey[512] = "";
  int bad = gf__sim_req_target(r, method, target, qkey, sizeof qkey, e);
  const char *key = gf__sim_req_pick_key(r, header_key, qkey);
  if (bad || gf__sim_req_key(r, key, keys, e))
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
