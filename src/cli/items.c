/* Loading the batch input. Every line is checked, and every fault printed,
 * before the batch may start: the user fixes the file once, not once per
 * fault. The request of each good item is built once here, through the
 * same library setters the run will use, so what passes here cannot be
 * refused later; only its digest is kept, not the reference bytes. */
#include "items.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "request.h"
#include "shard.h"

/* Where each id or out was first seen: open addressing, keys owned. */
typedef struct gf__seen {
  char **keys;
  int *lines;
  size_t cap, n;
} gf__seen;

/* One input being read. */
typedef struct gf__loader {
  const char *name;           /* in messages: the path as given, or "stdin" */
  char *base;                 /* refs are relative to it; NULL: as given */
  const gf__item_defaults *d;
  FILE *f;
  char *buf;                  /* the current line, NUL-terminated */
  size_t len, cap;
  int too_long, has_nul;      /* what the current line had beyond buf */
  int line;
  size_t errors;
  int oom;
  gf__seen ids, outs;
  gf__items items;
  size_t items_cap;
} gf__loader;

/* The part of a request a setter's fault is reported against. */
typedef enum gf__part {
  GF__PART_REQUEST,
  GF__PART_PROMPT,
  GF__PART_ASPECT,
  GF__PART_SIZE,
  GF__PART_REF,
} gf__part;

/* A key of the line's object and what takes its value. */
typedef struct gf__field {
  const char *key;
  void (*take)(gf__loader *L, gf__item *it, json_object *v);
} gf__field;

static int gf__check_defaults(const gf__item_defaults *d);
static int gf__open(gf__loader *L, const char *path);
static int gf__finish(gf__loader *L, gf__items *out);
static int gf__read_line(gf__loader *L);
static void gf__load_line(gf__loader *L);
static json_object *gf__parse(gf__loader *L, const char *s, size_t len);
static void gf__load_object(gf__loader *L, json_object *obj);
static void gf__check_unique(gf__loader *L, const gf__item *it);
static void gf__keep(gf__loader *L, gf__item *it);
static void gf__item_clear(gf__item *it);
static void gf__take_id(gf__loader *L, gf__item *it, json_object *v);
static void gf__take_prompt(gf__loader *L, gf__item *it, json_object *v);
static void gf__take_aspect(gf__loader *L, gf__item *it, json_object *v);
static void gf__take_size(gf__loader *L, gf__item *it, json_object *v);
static void gf__take_refs(gf__loader *L, gf__item *it, json_object *v);
static void gf__take_image_only(gf__loader *L, gf__item *it, json_object *v);
static void gf__take_search(gf__loader *L, gf__item *it, json_object *v);
static void gf__take_out(gf__loader *L, gf__item *it, json_object *v);
static void gf__take_meta(gf__loader *L, gf__item *it, json_object *v);
static char *gf__take_string(gf__loader *L, json_object *v, const char *key);
static int gf__take_bool(gf__loader *L, json_object *v, const char *key);
static int gf__id_ok(const char *id);
static const char *gf__out_problem(const char *out);
static int gf__json_finite(json_object *v);
static char *gf__resolve(const char *base, const char *ref);
static char *gf__dup(gf__loader *L, const char *s);
static gf_request *gf__build(const gf__item *it, const gf__item_defaults *d,
                             gf__loader *L, int *err);
static int gf__fault(gf__loader *L, int *err, int code, gf__part part,
                     const char *value, const gf__item_defaults *d);
static void gf__bad_value(gf__loader *L, const char *what, const char *value,
                          const gf__item_defaults *d);
static void gf__bad_ref(gf__loader *L, int code, const char *path);
static void gf__line_error(gf__loader *L, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *gf__clip(const char *s, char buf[96]);
static int gf__seen_add(gf__seen *m, const char *key, int line, int *first);
static int gf__seen_grow(gf__seen *m);
static void gf__seen_free(gf__seen *m);

static const gf__field gf__fields[] = {
    {"id", gf__take_id},
    {"prompt", gf__take_prompt},
    {"aspect_ratio", gf__take_aspect},
    {"image_size", gf__take_size},
    {"refs", gf__take_refs},
    {"image_only", gf__take_image_only},
    {"search", gf__take_search},
    {"out", gf__take_out},
    {"meta", gf__take_meta},
};

#define GF__NFIELDS (sizeof gf__fields / sizeof gf__fields[0])
#define GF__KNOWN_KEYS                                                         \
  "id, prompt, aspect_ratio, image_size, refs, image_only, search, out, meta"

/* ---- entry points ------------------------------------------------------ */

int gf__items_load(const char *path, const gf__item_defaults *d,
                   gf__items *out) {
  out->v = NULL;
  out->n = 0;
  int rc = gf__check_defaults(d);
  if (rc)
    return rc;
  gf__loader L = {.d = d};
  rc = gf__open(&L, path);
  while (rc == 0 && !L.oom) {
    int got = gf__read_line(&L);
    if (got <= 0) {
      rc = got;
      break;
    }
    gf__load_line(&L);
  }
  if (rc < 0 || L.oom) {
    if (L.oom)
      gf__diag_error("out of memory");
    else
      gf__diag_error("cannot read %s: %s", L.name, strerror(errno));
    rc = 1;
  } else {
    rc = gf__finish(&L, out);
  }
  if (L.f && L.f != stdin)
    fclose(L.f);
  free(L.buf);
  free(L.base);
  gf__seen_free(&L.ids);
  gf__seen_free(&L.outs);
  gf__items_free(&L.items);
  return rc;
}

void gf__items_free(gf__items *items) {
  for (size_t i = 0; i < items->n; i++)
    gf__item_clear(&items->v[i]);
  free(items->v);
  items->v = NULL;
  items->n = 0;
}

gf_request *gf__item_request(const gf__item *it, const gf__item_defaults *d,
                             int *err) {
  return gf__build(it, d, NULL, err);
}

const char *gf__item_size(const gf__item *it, const gf__item_defaults *d) {
  if (it->size)
    return it->size;
  return d->size ? d->size : "1K";
}

/* ---- the input, line by line ------------------------------------------- */

/* The batch's own options are checked once, as plain usage errors: a bad
 * --aspect must not come back as the same fault on every line. */
static int gf__check_defaults(const gf__item_defaults *d) {
  gf_request *req = gf_request_new();
  if (!req) {
    gf__diag_error("out of memory");
    return 1;
  }
  int rc = 0;
  if (gf_request_set_model(req, d->model) != 0)
    rc = gf__usage_error("invalid model name '%s'", d->model);
  gf_request_set_passthrough(req, d->passthrough);
  if (!rc && gf_request_set_aspect(req, d->aspect) != 0) {
    gf__bad_value(NULL, "aspect ratio", d->aspect, d);
    rc = 2;
  }
  if (!rc && gf_request_set_size(req, d->size) != 0) {
    gf__bad_value(NULL, "size", d->size, d);
    rc = 2;
  }
  gf_request_free(req);
  return rc;
}

/* 0, or -1 with errno set. */
static int gf__open(gf__loader *L, const char *path) {
  if (strcmp(path, "-") == 0) {
    L->name = "stdin";
    L->f = stdin;
    return 0;
  }
  L->name = path;
  const char *slash = strrchr(path, '/');
  if (slash) {
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    L->base = strndup(path, n);
    if (!L->base) {
      L->oom = 1;
      return -1;
    }
  }
  L->f = fopen(path, "rb");
  return L->f ? 0 : -1;
}

/* 0 with the items in *out, or 2 after the error summary. */
static int gf__finish(gf__loader *L, gf__items *out) {
  if (L->errors > GF__ITEMS_MAX_PRINTED)
    gf__diag_error("... and %zu more errors",
                   L->errors - GF__ITEMS_MAX_PRINTED);
  if (L->errors)
    return 2;
  if (L->items.n == 0)
    return gf__usage_error("no items in %s", L->name);
  *out = L->items;
  L->items.v = NULL;
  L->items.n = 0;
  return 0;
}

/* The next line into L->buf without its LF: 1, 0 at the end, -1 on a read
 * error. Bytes beyond the limit are counted out, not stored, so a huge
 * line costs no memory. */
static int gf__read_line(gf__loader *L) {
  L->len = 0;
  L->too_long = L->has_nul = 0;
  int c;
  while ((c = getc(L->f)) != EOF && c != '\n') {
    if (c == '\0')
      L->has_nul = 1;
    /* one byte over the limit is kept: a CR before the LF is no excess */
    if (L->len > GF__ITEM_LINE_MAX) {
      L->too_long = 1;
      continue;
    }
    if (L->len + 2 > L->cap) {
      size_t cap = L->cap ? L->cap * 2 : 256;
      char *b = realloc(L->buf, cap);
      if (!b) {
        L->oom = 1;
        return -1;
      }
      L->buf = b;
      L->cap = cap;
    }
    L->buf[L->len++] = (char)c;
  }
  if (ferror(L->f))
    return -1;
  if (c == EOF && L->len == 0)
    return 0;
  L->line++;
  if (L->len && L->buf[L->len - 1] == '\r')
    L->len--;
  if (L->len > GF__ITEM_LINE_MAX)
    L->too_long = 1;
  L->buf[L->len] = '\0';
  return 1;
}

static void gf__load_line(gf__loader *L) {
  if (L->too_long) {
    gf__line_error(L, "line is longer than 1 MiB");
    return;
  }
  char *s = L->buf;
  size_t len = L->len;
  /* Editors on Windows start a UTF-8 file with a byte order mark. */
  if (L->line == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
    s += 3;
    len -= 3;
  }
  size_t lead = strspn(s, " \t\r\f\v");
  if (lead == len || s[lead] == '#')
    return;
  if (L->has_nul) {
    gf__line_error(L, "line contains a NUL byte");
    return;
  }
  json_object *obj = gf__parse(L, s, len);
  if (obj)
    gf__load_object(L, obj);
  json_object_put(obj);
}

/* The line as one JSON object, or NULL after reporting why not. */
static json_object *gf__parse(gf__loader *L, const char *s, size_t len) {
  struct json_tokener *tok = json_tokener_new();
  if (!tok) {
    L->oom = 1;
    return NULL;
  }
  json_tokener_set_flags(tok,
                         JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
  /* The terminating NUL is passed too: it ends a value (a bare number) that
   * would otherwise wait for more input. */
  json_object *obj = json_tokener_parse_ex(tok, s, (int)len + 1);
  enum json_tokener_error e = json_tokener_get_error(tok);
  size_t end = json_tokener_get_parse_end(tok);
  json_tokener_free(tok);
  if (!obj || e != json_tokener_success) {
    json_object_put(obj);
    /* json-c's end is one byte either side of the fault: "near" */
    gf__line_error(L, "invalid JSON near column %zu: %s", end + 1,
                   json_tokener_error_desc(e));
    return NULL;
  }
  if (!json_object_is_type(obj, json_type_object)) {
    json_object_put(obj);
    gf__line_error(L, "not a JSON object (each line is one object)");
    return NULL;
  }
  return obj;
}

/* Every key is looked at, so that a line with three faults shows three. */
static void gf__load_object(gf__loader *L, json_object *obj) {
  gf__item it = {.line = L->line, .image_only = -1, .search = -1};
  size_t errors = L->errors;
  json_object_object_foreach(obj, key, v) {
    size_t i = 0;
    while (i < GF__NFIELDS && strcmp(gf__fields[i].key, key) != 0)
      i++;
    char clip[96];
    if (i < GF__NFIELDS)
      gf__fields[i].take(L, &it, v);
    else
      gf__line_error(L, "unknown key '%s' (known: " GF__KNOWN_KEYS ")",
                     gf__clip(key, clip));
  }
  if (!json_object_object_get_ex(obj, "id", NULL))
    gf__line_error(L, "missing 'id'");
  if (!json_object_object_get_ex(obj, "prompt", NULL))
    gf__line_error(L, "missing 'prompt'");
  gf__check_unique(L, &it);
  int err = 0;
  gf_request *req = gf__build(&it, L->d, L, &err);
  if (req && L->errors == errors && gf_request_digest(req, it.digest) != 0)
    L->oom = 1;
  gf_request_free(req);
  if (L->errors == errors && !L->oom)
    gf__keep(L, &it);
  else
    gf__item_clear(&it);
}

/* The first line of an id or out stays its owner: later ones are the
 * duplicates, whether or not the first line was otherwise good. */
static void gf__check_unique(gf__loader *L, const gf__item *it) {
  int first = 0, seen = 0;
  char clip[96];
  if (it->id && (seen = gf__seen_add(&L->ids, it->id, it->line, &first)) == 1)
    gf__line_error(L, "duplicate id '%s' (first on line %d)", it->id, first);
  if (seen >= 0 && it->out &&
      (seen = gf__seen_add(&L->outs, it->out, it->line, &first)) == 1)
    gf__line_error(L, "duplicate out '%s' (first on line %d)",
                   gf__clip(it->out, clip), first);
  if (seen < 0)
    L->oom = 1;
}

static void gf__keep(gf__loader *L, gf__item *it) {
  if (L->items.n == L->items_cap) {
    size_t cap = L->items_cap ? L->items_cap * 2 : 64;
    gf__item *v = realloc(L->items.v, cap * sizeof *v);
    if (!v) {
      L->oom = 1;
      gf__item_clear(it);
      return;
    }
    L->items.v = v;
    L->items_cap = cap;
  }
  L->items.v[L->items.n++] = *it;
}

static void gf__item_clear(gf__item *it) {
  free(it->id);
  free(it->prompt);
  free(it->aspect);
  free(it->size);
  for (int i = 0; i < it->nrefs; i++)
    free(it->refs[i]);
  free(it->refs);
  free(it->out);
  free(it->meta);
  memset(it, 0, sizeof *it);
}

/* ---- the fields ---------------------------------------------------------- */

/* Ids become file names: a safe alphabet, and no hidden or special names. */
static void gf__take_id(gf__loader *L, gf__item *it, json_object *v) {
  char *id = gf__take_string(L, v, "id");
  if (!id)
    return;
  char clip[96];
  if (!gf__id_ok(id)) {
    gf__line_error(L, "invalid id '%s': 1 to %d of A-Z a-z 0-9 . _ -, not "
                      "starting with '.'",
                   gf__clip(id, clip), GF__ITEM_ID_MAX);
    free(id);
    return;
  }
  it->id = id;
}

static void gf__take_prompt(gf__loader *L, gf__item *it, json_object *v) {
  char *p = gf__take_string(L, v, "prompt");
  if (p && !*p) {
    gf__line_error(L, "empty 'prompt'");
    free(p);
    return;
  }
  it->prompt = p;
}

/* The value is checked against the model's table when the request is
 * built, with the same setter the run uses. */
static void gf__take_aspect(gf__loader *L, gf__item *it, json_object *v) {
  if (v)
    it->aspect = gf__take_string(L, v, "aspect_ratio");
}

static void gf__take_size(gf__loader *L, gf__item *it, json_object *v) {
  if (v)
    it->size = gf__take_string(L, v, "image_size");
}

static void gf__take_refs(gf__loader *L, gf__item *it, json_object *v) {
  if (!v)
    return;
  if (!json_object_is_type(v, json_type_array)) {
    gf__line_error(L, "'refs' must be an array of file names");
    return;
  }
  size_t n = json_object_array_length(v);
  if (n > GF_MAX_REFS) {
    gf__line_error(L, "too many reference images: %zu (at most %d)", n,
                   GF_MAX_REFS);
    return;
  }
  if (n && !(it->refs = calloc(n, sizeof *it->refs))) {
    L->oom = 1;
    return;
  }
  for (size_t i = 0; i < n; i++) {
    json_object *e = json_object_array_get_idx(v, i);
    if (!json_object_is_type(e, json_type_string)) {
      gf__line_error(L, "'refs' must be an array of file names");
      continue;
    }
    char *ref = gf__take_string(L, e, "refs");
    if (ref && !*ref)
      gf__line_error(L, "empty file name in 'refs'");
    else if (ref && !(it->refs[it->nrefs++] = gf__resolve(L->base, ref)))
      L->oom = 1;
    free(ref);
  }
}

static void gf__take_image_only(gf__loader *L, gf__item *it, json_object *v) {
  it->image_only = gf__take_bool(L, v, "image_only");
}

static void gf__take_search(gf__loader *L, gf__item *it, json_object *v) {
  it->search = gf__take_bool(L, v, "search");
}

static void gf__take_out(gf__loader *L, gf__item *it, json_object *v) {
  if (!v)
    return;
  char *out = gf__take_string(L, v, "out");
  if (!out)
    return;
  const char *why = gf__out_problem(out);
  char clip[96];
  if (why) {
    gf__line_error(L, "invalid out '%s': %s", gf__clip(out, clip), why);
    free(out);
    return;
  }
  it->out = out;
}

/* Copied into the manifest as it is, so it must stay JSON: json-c reads
 * NaN and Infinity, which JSON has no words for. */
static void gf__take_meta(gf__loader *L, gf__item *it, json_object *v) {
  if (!gf__json_finite(v)) {
    gf__line_error(L, "'meta' holds NaN or Infinity, which is not JSON");
    return;
  }
  it->meta = gf__dup(L, json_object_to_json_string_ext(
                            v, JSON_C_TO_STRING_PLAIN |
                                   JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* A malloc'd copy of a string value, or NULL after reporting why not. */
static char *gf__take_string(gf__loader *L, json_object *v, const char *key) {
  if (!json_object_is_type(v, json_type_string)) {
    gf__line_error(L, "'%s' must be a string", key);
    return NULL;
  }
  const char *s = json_object_get_string(v);
  if (strlen(s) != (size_t)json_object_get_string_len(v)) {
    gf__line_error(L, "'%s' contains a NUL character", key);
    return NULL;
  }
  return gf__dup(L, s);
}

/* 0 or 1; -1 for null (not given) or after reporting a wrong type. */
static int gf__take_bool(gf__loader *L, json_object *v, const char *key) {
  if (!v)
    return -1;
  if (!json_object_is_type(v, json_type_boolean)) {
    gf__line_error(L, "'%s' must be true or false", key);
    return -1;
  }
  return json_object_get_boolean(v) ? 1 : 0;
}

static int gf__id_ok(const char *id) {
  size_t n = strlen(id);
  if (n == 0 || n > GF__ITEM_ID_MAX || id[0] == '.')
    return 0;
  return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789._-") == n;
}

/* Why out cannot name a file inside the output directory, or NULL. */
static const char *gf__out_problem(const char *out) {
  if (!*out)
    return "empty";
  if (out[0] == '/')
    return "an absolute path";
  if (out[strlen(out) - 1] == '/')
    return "ends with '/'";
  for (const char *c = out; *c; c++)
    if ((unsigned char)*c < 0x20 || *c == 0x7f)
      return "contains a control character";
  for (const char *c = out; *c;) {
    size_t n = strcspn(c, "/");
    if (n == 0)
      return "has an empty path component";
    if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
      return "has a '.' or '..' component";
    if (n > 255)
      return "has a path component longer than 255 bytes";
    c += n + (c[n] == '/');
  }
  return NULL;
}

static int gf__json_finite(json_object *v) {
  switch (json_object_get_type(v)) {
  case json_type_double:
    return isfinite(json_object_get_double(v));
  case json_type_array:
    for (size_t i = 0; i < json_object_array_length(v); i++)
      if (!gf__json_finite(json_object_array_get_idx(v, i)))
        return 0;
    return 1;
  case json_type_object: {
    json_object_object_foreach(v, key, val) {
      (void)key;
      if (!gf__json_finite(val))
        return 0;
    }
    return 1;
  }
  default:
    return 1;
  }
}

static char *gf__resolve(const char *base, const char *ref) {
  if (!base || ref[0] == '/')
    return strdup(ref);
  size_t bn = strlen(base), rn = strlen(ref);
  int sep = base[bn - 1] != '/';
  char *p = malloc(bn + (size_t)sep + rn + 1);
  if (p) {
    memcpy(p, base, bn);
    p[bn] = '/';
    memcpy(p + bn + sep, ref, rn + 1);
  }
  return p;
}

static char *gf__dup(gf__loader *L, const char *s) {
  char *c = strdup(s);
  if (!c)
    L->oom = 1;
  return c;
}

/* ---- the request --------------------------------------------------------- */

/* The item's request. With a loader, every fault is reported on the item's
 * line and the rest still checked; without, the first fault ends it. */
static gf_request *gf__build(const gf__item *it, const gf__item_defaults *d,
                             gf__loader *L, int *err) {
  *err = 0;
  gf_request *req = gf_request_new();
  if (!req) {
    *err = GF_ENOMEM;
    if (L)
      L->oom = 1;
    return NULL;
  }
  int image_only = it->image_only >= 0 ? it->image_only : d->image_only;
  int go = gf__fault(L, err, gf_request_set_model(req, d->model),
                     GF__PART_REQUEST, NULL, d);
  gf_request_set_passthrough(req, d->passthrough); /* before the checks */
  gf_request_set_search(req, it->search >= 0 ? it->search : d->search);
  if (go)
    go = gf__fault(L, err,
                   gf_request_set_modalities(
                       req, image_only ? GF_MOD_IMAGE : GF_MOD_TEXT_IMAGE),
                   GF__PART_REQUEST, NULL, d);
  if (go)
    go = gf__fault(L, err, gf_request_set_prompt(req, it->prompt),
                   GF__PART_PROMPT, NULL, d);
  const char *aspect = it->aspect ? it->aspect : d->aspect;
  if (go)
    go = gf__fault(L, err, gf_request_set_aspect(req, aspect),
                   GF__PART_ASPECT, aspect, d);
  const char *size = it->size ? it->size : d->size;
  if (go)
    go = gf__fault(L, err, gf_request_set_size(req, size), GF__PART_SIZE,
                   size, d);
  for (int i = 0; go && i < it->nrefs; i++)
    go = gf__fault(L, err, gf_request_add_ref_file(req, it->refs[i]),
                   GF__PART_REF, it->refs[i], d);
  if (*err) {
    gf_request_free(req);
    return NULL;
  }
  return req;
}

/* Records code as the first fault; reports it when loading. Whether the
 * build goes on: a loader wants every fault, a caller only the first, and
 * no one goes on without memory. */
static int gf__fault(gf__loader *L, int *err, int code, gf__part part,
                     const char *value, const gf__item_defaults *d) {
  if (!code)
    return 1;
  if (!*err)
    *err = code;
  if (!L)
    return 0;
  if (code == GF_ENOMEM) {
    L->oom = 1;
    return 0;
  }
  switch (part) {
  case GF__PART_PROMPT:
    gf__line_error(L, "the prompt is not valid UTF-8");
    break;
  case GF__PART_ASPECT:
    gf__bad_value(L, "aspect ratio", value, d);
    break;
  case GF__PART_SIZE:
    gf__bad_value(L, "size", value, d);
    break;
  case GF__PART_REF:
    gf__bad_ref(L, code, value);
    break;
  default:
    gf__line_error(L, "cannot build the request: %s", gf_strerror(code));
  }
  return 1;
}

/* The same words as `gemflow generate` uses for -a and -s. */
static void gf__bad_value(gf__loader *L, const char *what, const char *value,
                          const gf__item_defaults *d) {
  char clip[96], m[GF__EXPLAIN_MAX];
  gf__explain_value(m, sizeof m, what, gf__clip(value, clip), d->model,
                    d->passthrough);
  gf__line_error(L, "%s", m);
}

static void gf__bad_ref(gf__loader *L, int code, const char *path) {
  char m[GF__EXPLAIN_MAX];
  gf__explain_ref(m, sizeof m, code, path);
  gf__line_error(L, "%s", m);
}

/* ---- messages ------------------------------------------------------------ */

/* "gemflow: FILE:LINE: message" for the first faults, then only counted.
 * Without a loader (the batch's own options): "gemflow: message". */
static void gf__line_error(gf__loader *L, const char *fmt, ...) {
  if (L && ++L->errors > GF__ITEMS_MAX_PRINTED)
    return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (!msg) {
    if (L)
      L->oom = 1;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(msg, (size_t)n + 1, fmt, ap);
  va_end(ap);
  if (L)
    gf__diag_error("%s:%d: %s", L->name, L->line, msg);
  else
    gf__usage_error("%s", msg);
  free(msg);
}

/* A value quoted in a message is cut at 80 bytes (on a UTF-8 boundary):
 * the fault is in its first words, not in a megabyte of it. */
static const char *gf__clip(const char *s, char buf[96]) {
  size_t n = strlen(s);
  if (n <= 80)
    return s;
  n = 80;
  while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
    n--;
  memcpy(buf, s, n);
  memcpy(buf + n, "...", 4);
  return buf;
}

/* ---- first-seen table ---------------------------------------------------- */

/* 0 when key is new (recorded with line), 1 when seen before (*first: its
 * line), -1 without memory. */
static int gf__seen_add(gf__seen *m, const char *key, int line, int *first) {
  if (2 * (m->n + 1) > m->cap && gf__seen_grow(m) != 0)
    return -1;
  size_t j = gf__fnv1a64(key, strlen(key)) & (m->cap - 1);
  for (; m->keys[j]; j = (j + 1) & (m->cap - 1))
    if (strcmp(m->keys[j], key) == 0) {
      *first = m->lines[j];
      return 1;
    }
  if (!(m->keys[j] = strdup(key)))
    return -1;
  m->lines[j] = line;
  m->n++;
  return 0;
}

/* Twice the slots (a power of two), the keys moved over. 0 or -1. */
static int gf__seen_grow(gf__seen *m) {
  size_t cap = m->cap ? m->cap * 2 : 64;
  char **keys = calloc(cap, sizeof *keys);
  int *lines = calloc(cap, sizeof *lines);
  if (!keys || !lines) {
    free(keys);
    free(lines);
    return -1;
  }
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->keys[i])
      continue;
    size_t j = gf__fnv1a64(m->keys[i], strlen(m->keys[i])) & (cap - 1);
    while (keys[j])
      j = (j + 1) & (cap - 1);
    keys[j] = m->keys[i];
    lines[j] = m->lines[i];
  }
  free(m->keys);
  free(m->lines);
  m->keys = keys;
  m->lines = lines;
  m->cap = cap;
  return 0;
}

static void gf__seen_free(gf__seen *m) {
  for (size_t i = 0; i < m->cap; i++)
    free(m->keys[i]);
  free(m->keys);
  free(m->lines);
  memset(m, 0, sizeof *m);
}
