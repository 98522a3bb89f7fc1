/* The per-model table of aspect ratios and image sizes (API-FACTS.md).
 * Values are exact strings: the service rejects "1k" for "1K". */
#include <string.h>

#include "gemini/gemini_int.h"

typedef struct gf__model {
  const char *name;
  const char *aspects; /* space separated */
  const char *sizes;   /* "" when the model takes no imageSize */
} gf__model;

#define GF__RATIOS "1:1 2:3 3:2 3:4 4:3 4:5 5:4 9:16 16:9 21:9"

static const gf__model gf__models[] = {
    {GF_DEFAULT_MODEL, GF__RATIOS, "1K 2K 4K"},
    {"gemini-2.5-flash-image", GF__RATIOS, ""},
};

/* Longest passthrough value: room for any real ratio or size name. */
#define GF__PASS_MAX 32

static const gf__model *gf__model_find(const char *model);
static int gf__in_list(const char *list, const char *v);
static int gf__passable(const char *v);

const char *gf_model_aspects(const char *model) {
  const gf__model *m = gf__model_find(model);
  return m ? m->aspects : NULL;
}

const char *gf_model_sizes(const char *model) {
  const gf__model *m = gf__model_find(model);
  return m ? m->sizes : NULL;
}

int gf__model_check_aspect(const char *model, const char *ratio,
                           int passthrough) {
  const gf__model *m = gf__model_find(model);
  if (!m)
    m = &gf__models[0];
  if (gf__in_list(m->aspects, ratio))
    return 0;
  return passthrough && gf__passable(ratio) ? 0 : GF_EINVAL;
}

int gf__model_check_size(const char *model, const char *size, int passthrough) {
  const gf__model *m = gf__model_find(model);
  if (!m)
    m = &gf__models[0];
  if (gf__in_list(m->sizes, size))
    return 0;
  return passthrough && gf__passable(size) ? 0 : GF_EINVAL;
}

static const gf__model *gf__model_find(const char *model) {
  if (!model)
    model = GF_DEFAULT_MODEL;
  for (size_t i = 0; i < sizeof gf__models / sizeof gf__models[0]; i++)
    if (strcmp(gf__models[i].name, model) == 0)
      return &gf__models[i];
  return NULL;
}

/* Whole-word match in a space separated list. */
static int gf__in_list(const char *list, const char *v) {
  size_t n = strlen(v);
  if (n == 0)
    return 0;
  for (const char *p = list; *p;) {
    const char *sp = strchr(p, ' ');
    size_t len = sp ? (size_t)(sp - p) : strlen(p);
    if (len == n && memcmp(p, v, n) == 0)
      return 1;
    if (!sp)
      break;
    p = sp + 1;
  }
  return 0;
}

/* Passthrough still refuses what cannot be a value: empty, long, or with
 * spaces or control characters. */
static int gf__passable(const char *v) {
  size_t n = strlen(v);
  if (n == 0 || n > GF__PASS_MAX)
    return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\')
      return 0;
  }
  return 1;
}
