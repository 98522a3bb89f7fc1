/* The input of `gemflow batch`: a JSONL file, one item (one image) a line,
 * read and checked in full before anything is sent, so that a typo on line
 * 900 does not surface after 899 paid generations.
 *
 * A line is a JSON object with "id" and "prompt" (required), and
 * "aspect_ratio", "image_size", "refs", "image_only", "search", "out",
 * "meta". An optional key whose value is null counts as not given. Blank
 * lines and lines starting with '#' are skipped. */
#ifndef GF_CLI_ITEMS_H
#define GF_CLI_ITEMS_H
#include <stddef.h>

#include "gemflow.h"

#define GF__ITEM_ID_MAX 128
#define GF__ITEM_LINE_MAX (1024 * 1024)
#define GF__ITEMS_MAX_PRINTED 50

/* The batch's options, applied to every item that does not say otherwise. */
typedef struct gf__item_defaults {
  const char *model;         /* NULL: GF_DEFAULT_MODEL */
  const char *aspect, *size; /* NULL: left out */
  int image_only, search, passthrough;
} gf__item_defaults;

typedef struct gf__item {
  int line;                /* 1-based line in the input */
  char *id, *prompt;
  char *aspect, *size;     /* as given on the line; NULL: the default */
  char **refs;             /* paths resolved against the base directory */
  int nrefs;
  int image_only, search;  /* -1: not given on the line */
  char *out;               /* relative to the output directory; NULL:
                              DIR/<id>.<ext> */
  char *meta;              /* compact JSON text, or NULL */
  unsigned char digest[32]; /* gf_request_digest() of the item's request */
} gf__item;

typedef struct gf__items {
  gf__item *v;
  size_t n;
} gf__items;

/* Reads and checks path ("-": stdin; refs then relative to the working
 * directory, else to the file's directory). 0 with *out filled; 2 after
 * printing every error as "gemflow: FILE:LINE: message"; 1 when the input
 * cannot be read (after printing why). *out is empty unless 0. */
int gf__items_load(const char *path, const gf__item_defaults *d,
                   gf__items *out);
void gf__items_free(gf__items *items);

/* The item's request with the defaults applied, its references read again
 * from disk. NULL with *err set (a GF_E* code) when it cannot be built. */
gf_request *gf__item_request(const gf__item *it, const gf__item_defaults *d,
                             int *err);

/* The effective size for pricing: the item's, else the default, else "1K". */
const char *gf__item_size(const gf__item *it, const gf__item_defaults *d);
#endif
