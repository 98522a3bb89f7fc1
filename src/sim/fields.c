#include "sim/fields.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

/* The snake_case proto name of a lowerCamel JSON name: "inlineData" ->
 * "inline_data"; a name without capitals is its own. */
static void snake(const char *camel, char *out, size_t cap) {
  size_t o = 0;
  for (const char *p = camel; *p && o + 2 < cap; p++) {
    if (*p >= 'A' && *p <= 'Z') {
      out[o++] = '_';
      out[o++] = (char)(*p - 'A' + 'a');
    } else {
      out[o++] = *p;
    }
  }
  out[o] = '\0';
}

int gf__sim_key_is(const char *key, const char *camel) {
  char sn[96];
  if (strcmp(key, camel) == 0)
    return 1;
  snake(camel, sn, sizeof sn);
  return strcmp(key, sn) == 0;
}

int gf__sim_key_known(const char *key, const char *const *names) {
  for (; *names; names++)
    if (gf__sim_key_is(key, *names))
      return 1;
  return 0;
}

void gf__sim_path(char *out, const char *at, const char *key) {
  char sn[96];
  snake(key, sn, sizeof sn);
  snprintf(out, GF_SIM_PATH_MAX, "%.180s%s%.64s", at, *at ? "." : "", sn);
}

void gf__sim_path_item(char *out, const char *at, size_t i) {
  snprintf(out, GF_SIM_PATH_MAX, "%.200s[%zu]", at, i);
}

int gf__sim_unknown_name(gf__sim_err *e, const char *at, const char *key) {
  if (!*at)
    return gf__sim_err_field(e, "",
                             "Invalid JSON payload received. Unknown name "
                             "\"%.64s\": Cannot find field.",
                             key);
  return gf__sim_err_field(e, at,
                           "Invalid JSON payload received. Unknown name "
                           "\"%.64s\" at '%s': Cannot find field.",
                           key, at);
}

int gf__sim_not_list(gf__sim_err *e, const char *at, const char *key) {
  if (!*at)
    return gf__sim_err_field(e, "",
                             "Invalid JSON payload received. Unknown name "
                             "\"%.64s\": Proto field is not repeating, cannot "
                             "start list.",
                             key);
  return gf__sim_err_field(e, at,
                           "Invalid JSON payload received. Unknown name "
                           "\"%.64s\" at '%s': Proto field is not repeating, "
                           "cannot start list.",
                           key, at);
}

int gf__sim_bad_value(gf__sim_err *e, const char *field, const char *type,
                      json_object *v) {
  const char *js = v ? json_object_to_json_string_ext(
                           v, JSON_C_TO_STRING_PLAIN |
                                  JSON_C_TO_STRING_NOSLASHESCAPE)
                     : "null";
  size_t n = strlen(js);
  return gf__sim_err_field(e, field, "Invalid value at '%s' (%s), %.*s%s",
                           field, type, (int)(n > 48 ? 48 : n), js,
                           n > 48 ? "..." : "");
}
