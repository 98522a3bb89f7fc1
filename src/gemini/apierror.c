/* Google's error JSON: {"error": {"code": 429, "message": "...",
 * "status": "RESOURCE_EXHAUSTED", "details": [{"@type":
 * "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "57.23s"},
 * {"@type": "...google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]}}.
 * Also read: the same object as the first element of an array (the JSON
 * array form of a streaming endpoint), a bare string for "error", and a
 * numeric string for "code" (gateways). */
#include <json-c/json.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gemini/gemini_int.h"

static int gf__dup_str(json_object *o, const char *key, char **out);
static int gf__error_code(json_object *err);
static void gf__error_details(json_object *details, gf__api_error *e, int *rc);
static double gf__retry_delay(json_object *v);
static double gf__duration(const char *p);
static int gf__ends_with(const char *s, const char *suffix);

int gf__gemini_parse_error(const char *json, size_t n, gf__api_error *e) {
  memset(e, 0, sizeof *e);
  e->retry_delay_s = -1;
  json_object *root = NULL;
  if (gf__json_parse(json, n, &root) != 0)
    return GF_EJSON;
  json_object *top = root, *err = NULL;
  if (json_object_is_type(top, json_type_array) &&
      json_object_array_length(top) > 0)
    top = json_object_array_get_idx(top, 0);
  int rc = GF_EJSON;
  if (json_object_is_type(top, json_type_object) &&
      json_object_object_get_ex(top, "error", &err))
    rc = gf__api_error_from_json(err, e);
  json_object_put(root);
  if (rc) {
    gf__api_error_free(e);
    return rc == GF_ENOMEM ? rc : GF_EJSON;
  }
  return 0;
}

void gf__api_error_free(gf__api_error *e) {
  if (!e)
    return;
  free(e->status);
  free(e->message);
  free(e->reason);
  memset(e, 0, sizeof *e);
  e->retry_delay_s = -1;
}

int gf__api_error_from_json(json_object *err, gf__api_error *e) {
  int rc = 0;
  e->retry_delay_s = -1;
  if (json_object_is_type(err, json_type_string)) {
    e->message = strdup(json_object_get_string(err));
    return e->message ? 0 : GF_ENOMEM;
  }
  if (!json_object_is_type(err, json_type_object))
    return GF_EJSON;
  e->code = gf__error_code(err);
  rc = gf__dup_str(err, "status", &e->status);
  if (!rc)
    rc = gf__dup_str(err, "message", &e->message);
  json_object *details;
  if (!rc && json_object_object_get_ex(err, "details", &details) &&
      json_object_is_type(details, json_type_array))
    gf__error_details(details, e, &rc);
  return rc;
}

/* The whole of p[0..n) as one JSON value (whitespace around it allowed).
 * 0 or GF_EJSON; *out is the caller's to put. */
int gf__json_parse(const char *p, size_t n, json_object **out) {
  *out = NULL;
  /* json-c stops at a NUL; a NUL in network JSON is an error anyway */
  if (n == 0 || n > INT32_MAX || memchr(p, '\0', n))
    return GF_EJSON;
  json_tokener *tok = json_tokener_new_ex(GF__JS_MAX_DEPTH + 2);
  if (!tok)
    return GF_ENOMEM;
  json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
  json_object *o = json_tokener_parse_ex(tok, p, (int)n);
  size_t end = json_tokener_get_parse_end(tok);
  int ok = o && json_tokener_get_error(tok) == json_tokener_success;
  json_tokener_free(tok);
  for (size_t i = end; ok && i < n; i++)
    ok = p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n';
  if (!ok) {
    json_object_put(o);
    return GF_EJSON;
  }
  *out = o;
  return 0;
}

/* A string member copied, or left NULL when absent or not a string. */
static int gf__dup_str(json_object *o, const char *key, char **out) {
  json_object *v;
  if (!json_object_object_get_ex(o, key, &v) ||
      !json_object_is_type(v, json_type_string))
    return 0;
  *out = strdup(json_object_get_string(v));
  return *out ? 0 : GF_ENOMEM;
}

static int gf__error_code(json_object *err) {
  json_object *v;
  if (!json_object_object_get_ex(err, "code", &v))
    return 0;
  if (json_object_is_type(v, json_type_int))
    return json_object_get_int(v);
  if (json_object_is_type(v, json_type_string)) {
    const char *s = json_object_get_string(v);
    char *end;
    long c = strtol(s, &end, 10);
    if (end != s && !*end && c >= 0 && c < 1000)
      return (int)c;
  }
  return 0;
}

static void gf__error_details(json_object *details, gf__api_error *e, int *rc) {
  size_t n = json_object_array_length(details);
  for (size_t i = 0; i < n && !*rc; i++) {
    json_object *d = json_object_array_get_idx(details, i), *t, *v;
    if (!json_object_is_type(d, json_type_object) ||
        !json_object_object_get_ex(d, "@type", &t) ||
        !json_object_is_type(t, json_type_string))
      continue;
    const char *type = json_object_get_string(t);
    if (gf__ends_with(type, "google.rpc.RetryInfo") &&
        json_object_object_get_ex(d, "retryDelay", &v))
      e->retry_delay_s = gf__retry_delay(v);
    else if (gf__ends_with(type, "google.rpc.ErrorInfo") && !e->reason)
      *rc = gf__dup_str(d, "reason", &e->reason);
  }
}

/* A protobuf Duration: "57.23s" in JSON, or {"seconds": 57, "nanos": ...}
 * in some renderings. -1 when it is neither. */
static double gf__retry_delay(json_object *v) {
  double s = -1;
  if (json_object_is_type(v, json_type_string)) {
    s = gf__duration(json_object_get_string(v));
  } else if (json_object_is_type(v, json_type_object)) {
    json_object *sec, *ns;
    if (json_object_object_get_ex(v, "seconds", &sec)) {
      s = (double)json_object_get_int64(sec);
      if (json_object_object_get_ex(v, "nanos", &ns))
        s += (double)json_object_get_int64(ns) / 1e9;
    }
  }
  return isfinite(s) && s >= 0 ? s : -1;
}

/* "57s", "57.23s", ".5s" read by hand: strtod follows the locale's decimal
 * point, and the process we live in may have set one. */
static double gf__duration(const char *p) {
  double v = 0, scale = 1;
  int digits = 0;
  for (; *p >= '0' && *p <= '9'; p++, digits++)
    v = v * 10 + (*p - '0');
  if (*p == '.')
    for (p++; *p >= '0' && *p <= '9'; p++, digits++)
      v += (*p - '0') * (scale /= 10);
  return digits && p[0] == 's' && p[1] == '\0' ? v : -1;
}

static int gf__ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && memcmp(s + n - k, suffix, k) == 0;
}
