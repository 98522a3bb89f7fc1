#include "sim/apierr.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "gemflow.h"
#include "sim/events.h"

static void clear(gf__sim_err *e, int status, const char *api_status) {
  memset(e, 0, sizeof *e);
  e->status = status;
  e->api_status = api_status;
  e->retry_after = -1;
}

int gf__sim_err_set(gf__sim_err *e, int status, const char *api_status,
                    const char *fmt, ...) {
  clear(e, status, api_status);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->message, sizeof e->message, fmt, ap);
  va_end(ap);
  return -1;
}

int gf__sim_err_field(gf__sim_err *e, const char *field, const char *fmt,
                      ...) {
  clear(e, 400, "INVALID_ARGUMENT");
  e->violation = 1;
  snprintf(e->field, sizeof e->field, "%s", field);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->message, sizeof e->message, fmt, ap);
  va_end(ap);
  return -1;
}

static void add_str(json_object *o, const char *k, const char *v) {
  json_object_object_add(o, k, json_object_new_string(v));
}

static json_object *typed(const char *type) {
  json_object *d = json_object_new_object();
  add_str(d, "@type", type);
  return d;
}

static json_object *details(const gf__sim_err *e) {
  json_object *arr = json_object_new_array();
  if (e->reason) {
    json_object *d = typed("type.googleapis.com/google.rpc.ErrorInfo");
    add_str(d, "reason", e->reason);
    add_str(d, "domain", "googleapis.com");
    json_object *md = json_object_new_object();
    add_str(md, "service", "generativelanguage.googleapis.com");
    json_object_object_add(d, "metadata", md);
    json_object_array_add(arr, d);
  }
  if (e->localized) {
    json_object *d = typed("type.googleapis.com/google.rpc.LocalizedMessage");
    add_str(d, "locale", "en-US");
    add_str(d, "message", e->message);
    json_object_array_add(arr, d);
  }
  if (e->retry_delay) {
    json_object *d = typed("type.googleapis.com/google.rpc.RetryInfo");
    add_str(d, "retryDelay", e->retry_delay);
    json_object_array_add(arr, d);
  }
  if (e->violation) {
    json_object *d = typed("type.googleapis.com/google.rpc.BadRequest");
    json_object *v = json_object_new_object();
    if (e->field[0])
      add_str(v, "field", e->field);
    add_str(v, "description", e->message);
    json_object *vs = json_object_new_array();
    json_object_array_add(vs, v);
    json_object_object_add(d, "fieldViolations", vs);
    json_object_array_add(arr, d);
  }
  return arr;
}

int gf__sim_err_json(const gf__sim_err *e, int pretty, gf__buf *out) {
  json_object *root = json_object_new_object(), *err = json_object_new_object();
  if (!root || !err) {
    json_object_put(root);
    json_object_put(err);
    return GF_ENOMEM;
  }
  json_object_object_add(err, "code", json_object_new_int(e->status));
  add_str(err, "message", e->message);
  add_str(err, "status", e->api_status ? e->api_status : "UNKNOWN");
  json_object *d = details(e);
  if (json_object_array_length(d))
    json_object_object_add(err, "details", d);
  else
    json_object_put(d);
  json_object_object_add(root, "error", err);
  return gf__sim_json_append(out, root, pretty);
}
