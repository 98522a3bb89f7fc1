/* JSON output. Strings from the server (messages, model text) are arbitrary
 * bytes: the writer validates UTF-8 itself, so the output always parses. */
#include "jsonw.h"

#include <inttypes.h>
#include <string.h>

static void gf__jw_key(gf__jw *w, const char *key);
static size_t gf__utf8_len(const unsigned char *p, size_t n);

void gf__jw_init(gf__jw *w, FILE *f) {
  memset(w, 0, sizeof *w);
  w->f = f;
}

void gf__jw_obj_begin(gf__jw *w, const char *key) {
  gf__jw_key(w, key);
  fputc('{', w->f);
  if (w->depth + 1 < GF__JW_DEPTH)
    w->count[++w->depth] = 0;
}

void gf__jw_obj_end(gf__jw *w) {
  fputc('}', w->f);
  if (w->depth > 0)
    w->depth--;
}

void gf__jw_arr_begin(gf__jw *w, const char *key) {
  gf__jw_key(w, key);
  fputc('[', w->f);
  if (w->depth + 1 < GF__JW_DEPTH)
    w->count[++w->depth] = 0;
}

void gf__jw_arr_end(gf__jw *w) {
  fputc(']', w->f);
  if (w->depth > 0)
    w->depth--;
}

void gf__jw_str(gf__jw *w, const char *key, const char *s) {
  if (!s) {
    gf__jw_null(w, key);
    return;
  }
  gf__jw_strn(w, key, s, strlen(s));
}

void gf__jw_strn(gf__jw *w, const char *key, const char *s, size_t n) {
  gf__jw_key(w, key);
  gf__jw_write_string(w->f, s, n);
}

void gf__jw_int(gf__jw *w, const char *key, int64_t v) {
  gf__jw_key(w, key);
  fprintf(w->f, "%" PRId64, v);
}

void gf__jw_num(gf__jw *w, const char *key, double v) {
  /* No libm for the CLI: NaN is the value unequal to itself. */
  if (v != v || v > 1e300 || v < -1e300) {
    gf__jw_null(w, key);
    return;
  }
  gf__jw_key(w, key);
  /* Integral values print without a fraction; others to the microsecond
   * (these are milliseconds). */
  if (v > -1e15 && v < 1e15 && (double)(int64_t)v == v)
    fprintf(w->f, "%" PRId64, (int64_t)v);
  else
    fprintf(w->f, "%.3f", v);
}

void gf__jw_num_g(gf__jw *w, const char *key, double v) {
  if (v != v || v > 1e300 || v < -1e300) {
    gf__jw_null(w, key);
    return;
  }
  gf__jw_key(w, key);
  fprintf(w->f, "%.10g", v); /* "1e-05" is valid JSON too */
}

void gf__jw_null(gf__jw *w, const char *key) {
  gf__jw_key(w, key);
  fputs("null", w->f);
}

void gf__jw_bool(gf__jw *w, const char *key, int v) {
  gf__jw_key(w, key);
  fputs(v ? "true" : "false", w->f);
}

void gf__jw_raw(gf__jw *w, const char *key, const char *json) {
  if (!json) {
    gf__jw_null(w, key);
    return;
  }
  gf__jw_key(w, key);
  /* Line breaks in valid JSON are whitespace between tokens (a string
   * cannot hold one raw): spaces keep a JSONL line one line. */
  for (const char *p = json; *p; p++)
    fputc(*p == '\n' || *p == '\r' ? ' ' : *p, w->f);
}

void gf__jw_write_string(FILE *f, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  fputc('"', f);
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c >= 0x80) {
      size_t len = gf__utf8_len(p + i, n - i);
      if (len) {
        fwrite(p + i, 1, len, f);
        i += len;
      } else {
        fputs("\xef\xbf\xbd", f); /* U+FFFD for one bad byte */
        i++;
      }
      continue;
    }
    switch (c) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\n': fputs("\\n", f); break;
    case '\r': fputs("\\r", f); break;
    case '\t': fputs("\\t", f); break;
    case '\b': fputs("\\b", f); break;
    case '\f': fputs("\\f", f); break;
    default:
      if (c < 0x20 || c == 0x7f)
        fprintf(f, "\\u%04x", c);
      else
        fputc(c, f);
    }
    i++;
  }
  fputc('"', f);
}

static void gf__jw_key(gf__jw *w, const char *key) {
  if (w->count[w->depth]++ > 0)
    fputc(',', w->f);
  if (key) {
    gf__jw_write_string(w->f, key, strlen(key));
    fputc(':', w->f);
  }
}

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no
 * overlongs, no surrogates, nothing above U+10FFFF), or 0. */
static size_t gf__utf8_len(const unsigned char *p, size_t n) {
  unsigned char c = p[0];
  size_t len;
  unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0)
      lo = 0xa0;
    else if (c == 0xed)
      hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0)
      lo = 0x90;
    else if (c == 0xf4)
      hi = 0x8f;
  } else {
    return 0;
  }
  if (n < len || p[1] < lo || p[1] > hi)
    return 0;
  for (size_t i = 2; i < len; i++)
    if (p[i] < 0x80 || p[i] > 0xbf)
      return 0;
  return len;
}
