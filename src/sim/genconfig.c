#include "sim/genconfig.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sim/dims.h"
#include "sim/fields.h"
#include "sim/request.h"

/* The JSON kinds of the fields. */
enum { K_FLOAT, K_INT, K_BOOL, K_STRING, K_STRINGS, K_ENUM, K_ENUMS,
       K_MESSAGE, K_ANY };

typedef struct gf__sim_field {
  const char *name; /* JSON name */
  int kind;
  const char *type; /* as an error names it */
  const void *sub;  /* K_MESSAGE: its fields (NULL: any object);
                       K_ENUM(S): its values */
  /* after the type check: what the simulator does with the value */
  int (*take)(gf__sim_req *r, json_object *v, const char *path,
              gf__sim_err *e);
} gf__sim_field;

static int take_modalities(gf__sim_req *r, json_object *v, const char *path,
                           gf__sim_err *e);
static int take_image_config(gf__sim_req *r, json_object *v, const char *path,
                             gf__sim_err *e);
static int take_seed(gf__sim_req *r, json_object *v, const char *path,
                     gf__sim_err *e);

static const char *const modalities[] = {"MODALITY_UNSPECIFIED", "TEXT",
                                         "IMAGE", "AUDIO", NULL};
static const char *const resolutions[] = {
    "MEDIA_RESOLUTION_UNSPECIFIED", "MEDIA_RESOLUTION_LOW",
    "MEDIA_RESOLUTION_MEDIUM", "MEDIA_RESOLUTION_HIGH",
    "MEDIA_RESOLUTION_ULTRA_HIGH", NULL};
static const char *const levels[] = {"THINKING_LEVEL_UNSPECIFIED", "MINIMAL",
                                     "LOW", "MEDIUM", "HIGH", NULL};

static const gf__sim_field image_config[] = {
    {"aspectRatio", K_STRING, "TYPE_STRING", NULL, NULL},
    {"imageSize", K_STRING, "TYPE_STRING", NULL, NULL},
    {NULL, 0, NULL, NULL, NULL}};

static const gf__sim_field thinking_config[] = {
    {"includeThoughts", K_BOOL, "TYPE_BOOL", NULL, NULL},
    {"thinkingBudget", K_INT, "TYPE_INT32", NULL, NULL},
    {"thinkingLevel", K_ENUM,
     GF_SIM_PROTO "ThinkingConfig.ThinkingLevel", levels, NULL},
    {NULL, 0, NULL, NULL, NULL}};

/* GenerationConfig of v1beta, as Google's SDKs send it. */
static const gf__sim_field gen_config[] = {
    {"stopSequences", K_STRINGS, "TYPE_STRING", NULL, NULL},
    {"responseMimeType", K_STRING, "TYPE_STRING", NULL, NULL},
    {"responseSchema", K_MESSAGE, GF_SIM_PROTO "Schema", NULL, NULL},
    {"responseJsonSchema", K_ANY, NULL, NULL, NULL},
    {"responseModalities", K_ENUMS, GF_SIM_PROTO "GenerationConfig.Modality",
     modalities, take_modalities},
    {"candidateCount", K_INT, "TYPE_INT32", NULL, NULL},
    {"maxOutputTokens", K_INT, "TYPE_INT32", NULL, NULL},
    {"temperature", K_FLOAT, "TYPE_FLOAT", NULL, NULL},
    {"topP", K_FLOAT, "TYPE_FLOAT", NULL, NULL},
    {"topK", K_INT, "TYPE_INT32", NULL, NULL},
    {"seed", K_INT, "TYPE_INT32", NULL, take_seed},
    {"presencePenalty", K_FLOAT, "TYPE_FLOAT", NULL, NULL},
    {"frequencyPenalty", K_FLOAT, "TYPE_FLOAT", NULL, NULL},
    {"responseLogprobs", K_BOOL, "TYPE_BOOL", NULL, NULL},
    {"logprobs", K_INT, "TYPE_INT32", NULL, NULL},
    {"enableEnhancedCivicAnswers", K_BOOL, "TYPE_BOOL", NULL, NULL},
    {"speechConfig", K_MESSAGE, GF_SIM_PROTO "SpeechConfig", NULL, NULL},
    {"audioTranscriptionConfig", K_MESSAGE,
     GF_SIM_PROTO "AudioTranscriptionConfig", NULL, NULL},
    {"thinkingConfig", K_MESSAGE, GF_SIM_PROTO "ThinkingConfig",
     thinking_config, NULL},
    {"imageConfig", K_MESSAGE, GF_SIM_PROTO "ImageConfig", image_config,
     take_image_config},
    {"mediaResolution", K_ENUM, GF_SIM_PROTO "GenerationConfig.MediaResolution",
     resolutions, NULL},
    {NULL, 0, NULL, NULL, NULL}};

static int check_message(gf__sim_req *r, json_object *obj, const char *at,
                         const gf__sim_field *fields, gf__sim_err *e);

/* Enum names are matched without regard to case: the service takes
 * ["Text", "Image"] as Google's own examples write them. */
static int enum_ok(json_object *v, const char *const *values) {
  if (!json_object_is_type(v, json_type_string))
    return 0;
  for (; *values; values++)
    if (strcasecmp(json_object_get_string(v), *values) == 0)
      return 1;
  return 0;
}

static int is_number(json_object *v) {
  return json_object_is_type(v, json_type_int) ||
         json_object_is_type(v, json_type_double);
}

static int is_integer(json_object *v) {
  if (json_object_is_type(v, json_type_int))
    return 1;
  double d = json_object_get_double(v);
  return json_object_is_type(v, json_type_double) && d == floor(d) &&
         fabs(d) < 2147483648.0;
}

/* A scalar's type: 1 when it fits the field's kind. */
static int scalar_ok(const gf__sim_field *f, json_object *v) {
  switch (f->kind) {
  case K_FLOAT: return is_number(v);
  case K_INT: return is_integer(v);
  case K_BOOL: return json_object_is_type(v, json_type_boolean);
  case K_STRING: return json_object_is_type(v, json_type_string);
  case K_ENUM: return enum_ok(v, f->sub);
  default: return 1;
  }
}

/* A list field: a list of items of its kind. */
static int check_list(const gf__sim_field *f, json_object *v,
                      const char *path, gf__sim_err *e) {
  char item[GF_SIM_PATH_MAX];
  if (!json_object_is_type(v, json_type_array))
    return gf__sim_bad_value(e, path, f->type, v);
  for (size_t i = 0; i < json_object_array_length(v); i++) {
    json_object *x = json_object_array_get_idx(v, i);
    int ok = f->kind == K_ENUMS ? enum_ok(x, f->sub)
                                : json_object_is_type(x, json_type_string);
    gf__sim_path_item(item, path, i);
    if (!ok)
      return gf__sim_bad_value(e, item, f->type, x);
  }
  return 0;
}

/* One known field's value, at path (the parent is at, its key key). */
static int check_value(gf__sim_req *r, const gf__sim_field *f, json_object *v,
                       const char *at, const char *key, const char *path,
                       gf__sim_err *e) {
  if (f->kind == K_STRINGS || f->kind == K_ENUMS) {
    if (check_list(f, v, path, e))
      return -1;
  } else if (f->kind == K_ANY) {
    /* google.protobuf.Value: any JSON */
  } else if (json_object_is_type(v, json_type_array)) {
    return gf__sim_not_list(e, at, key);
  } else if (f->kind == K_MESSAGE) {
    if (!json_object_is_type(v, json_type_object))
      return gf__sim_bad_value(e, path, f->type, v);
    if (f->sub && check_message(r, v, path, f->sub, e))
      return -1;
  } else if (!scalar_ok(f, v)) {
    return gf__sim_bad_value(e, path, f->type, v);
  }
  return f->take ? f->take(r, v, path, e) : 0;
}

static int check_message(gf__sim_req *r, json_object *obj, const char *at,
                         const gf__sim_field *fields, gf__sim_err *e) {
  char path[GF_SIM_PATH_MAX];
  json_object_object_foreach(obj, key, val) {
    const gf__sim_field *f = fields;
    while (f->name && !gf__sim_key_is(key, f->name))
      f++;
    if (!f->name) {
      if (r->lenient) /* --passthrough-fields: a newer field */
        continue;
      return gf__sim_unknown_name(e, at, key);
    }
    if (!val) /* null: the field's default, as if absent */
      continue;
    gf__sim_path(path, at, key);
    if (check_value(r, f, val, at, key, path, e))
      return -1;
  }
  return 0;
}

int gf__sim_check_gen_config(gf__sim_req *r, json_object *gc, gf__sim_err *e) {
  static const gf__sim_field top = {"generationConfig", K_MESSAGE,
                                    GF_SIM_PROTO "GenerationConfig", gen_config,
                                    NULL};
  if (!gc)
    return 0;
  return check_value(r, &top, gc, "", "generationConfig", "generation_config",
                     e);
}

/* ---- the values the simulator acts on ---- */

static int take_modalities(gf__sim_req *r, json_object *v, const char *path,
                           gf__sim_err *e) {
  int text = 0, image = 0;
  for (size_t i = 0; i < json_object_array_length(v); i++) {
    const char *s = json_object_get_string(json_object_array_get_idx(v, i));
    text |= strcasecmp(s, "TEXT") == 0;
    image |= strcasecmp(s, "IMAGE") == 0;
  }
  if (!image)
    return gf__sim_err_field(e, path,
                             "%s: this model answers with images: use "
                             "[\"IMAGE\"] or [\"TEXT\", \"IMAGE\"].",
                             path);
  r->text_modality = text;
  return 0;
}

static int take_image_config(gf__sim_req *r, json_object *ic, const char *path,
                             gf__sim_err *e) {
  char field[GF_SIM_PATH_MAX];
  json_object_object_foreach(ic, key, val) {
    int aspect = gf__sim_key_is(key, "aspectRatio");
    if (!val || (!aspect && !gf__sim_key_is(key, "imageSize")))
      continue;
    const char *s = json_object_get_string(val);
    int w, h;
    gf__sim_path(field, path, key);
    if (aspect && gf__sim_dims(s, "1K", &w, &h) != 0)
      return gf__sim_err_field(e, field,
                               "Unsupported aspect ratio \"%.16s\" for %s: "
                               "use one of " GF_SIM_ASPECTS ".",
                               s, GF_SIM_MODEL);
    if (!aspect && gf__sim_dims("1:1", s, &w, &h) != 0)
      return gf__sim_err_field(e, field,
                               "Unsupported image size \"%.16s\" for %s: use "
                               "one of " GF_SIM_SIZES ".",
                               s, GF_SIM_MODEL);
    if (aspect)
      snprintf(r->aspect, sizeof r->aspect, "%s", s);
    else
      snprintf(r->size, sizeof r->size, "%s", s);
  }
  gf__sim_dims(r->aspect, r->size, &r->w, &r->h);
  return 0;
}

static int take_seed(gf__sim_req *r, json_object *v, const char *path,
                     gf__sim_err *e) {
  (void)path, (void)e;
  r->seed = (uint64_t)json_object_get_int64(v);
  return 0;
}
