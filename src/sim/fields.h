/* JSON field names and the errors about them, as the service's proto JSON
 * parser gives them: a key names a field when it is the field's
 * lowerCamelCase JSON name or its snake_case proto name, exactly
 * ("generationconfig" names nothing); error paths use the snake_case names
 * and [i] for list items ("contents[0].parts[1].inline_data"). */
#ifndef GF_SIM_FIELDS_H
#define GF_SIM_FIELDS_H
#include <stddef.h>

#include "sim/apierr.h"

struct json_object;

#define GF_SIM_PATH_MAX 256
#define GF_SIM_PROTO "type.googleapis.com/google.ai.generativelanguage.v1beta."

/* 1 when key names the field whose JSON name is camel. */
int gf__sim_key_is(const char *key, const char *camel);
/* 1 when key names one of names (NULL-terminated JSON names). */
int gf__sim_key_known(const char *key, const char *const *names);
/* out = at "." snake_case(key) (just the name when at is ""): the path of
 * a field as the service writes it, whichever spelling came. */
void gf__sim_path(char *out, const char *at, const char *key);
/* out = at "[" i "]". */
void gf__sim_path_item(char *out, const char *at, size_t i);

/* 400: Invalid JSON payload received. Unknown name "key" at 'at': Cannot
 * find field. (no " at ..." and no field named when at is ""). -1. */
int gf__sim_unknown_name(gf__sim_err *e, const char *at, const char *key);
/* 400: a list for a field that is not repeated ("Proto field is not
 * repeating, cannot start list."), at the containing path. -1. */
int gf__sim_not_list(gf__sim_err *e, const char *at, const char *key);
/* 400: Invalid value at 'field' (type), <value as JSON>. -1. */
int gf__sim_bad_value(gf__sim_err *e, const char *field, const char *type,
                      struct json_object *v);
#endif
