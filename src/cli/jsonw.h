/* A small streaming JSON writer for the --json result and the manifest:
 * objects, arrays, strings (escaped, always valid UTF-8), integers, numbers,
 * null, and JSON text passed through. */
#ifndef GF_CLI_JSONW_H
#define GF_CLI_JSONW_H
#include <stdint.h>
#include <stdio.h>

#define GF__JW_DEPTH 8

typedef struct gf__jw {
  FILE *f;
  int depth;
  int count[GF__JW_DEPTH]; /* members written at each level */
} gf__jw;

void gf__jw_init(gf__jw *w, FILE *f);
/* key NULL at the top level. */
void gf__jw_obj_begin(gf__jw *w, const char *key);
void gf__jw_obj_end(gf__jw *w);
void gf__jw_arr_begin(gf__jw *w, const char *key);
void gf__jw_arr_end(gf__jw *w);
/* s NULL writes null. Invalid UTF-8 becomes U+FFFD. */
void gf__jw_str(gf__jw *w, const char *key, const char *s);
void gf__jw_strn(gf__jw *w, const char *key, const char *s, size_t n);
void gf__jw_int(gf__jw *w, const char *key, int64_t v);
/* Non-finite values write null. */
void gf__jw_num(gf__jw *w, const char *key, double v);
/* Ten significant digits, for values that are not milliseconds (a cost of
 * $0.000123 must not print as 0.000). Non-finite values write null. */
void gf__jw_num_g(gf__jw *w, const char *key, double v);
void gf__jw_null(gf__jw *w, const char *key);
void gf__jw_bool(gf__jw *w, const char *key, int v);
/* json written as it is (line breaks, whitespace there, become spaces):
 * the caller guarantees it is one valid JSON value. NULL writes null. */
void gf__jw_raw(gf__jw *w, const char *key, const char *json);

/* The escaped form of s[0..n) as a JSON string literal, quotes included. */
void gf__jw_write_string(FILE *f, const char *s, size_t n);
#endif
