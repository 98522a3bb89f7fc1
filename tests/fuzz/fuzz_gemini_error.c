/* libFuzzer target for Google's error JSON. The input is parsed directly,
 * and again as raw lines (split at LF) through the event decoder, which
 * must reach the same fields. Nothing may crash, leak or read past the
 * input (it is copied to an exact-size buffer without a NUL). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gemini/gemini.h"

/* Raw lines are gathered from the line that opens an object. */
static int opens_object(const char *p, size_t n) {
  size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n'))
    i++;
  return i < n && p[i] == '{';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where the decoder starts gathering: the first line (split at LF) that
 * opens an object; the lines before it are junk it skips. size if none. */
static size_t object_start(const char *p, size_t n) {
  for (size_t at = 0; at < n;) {
    const char *nl = memchr(p + at, '\n', n - at);
    size_t end = nl ? (size_t)(nl - p) : n;
    if (opens_object(p + at, end - at))
      return at;
    at = end + 1;
  }
  return n;
}

static int fz_same(const char *a, const char *b) {
  return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *p = malloc(size ? size : 1);
  if (size)
    memcpy(p, data, size);
  gf__api_error e;
  int rc = gf__gemini_parse_error(p, size, &e);
  if (rc != 0 && rc != GF_EJSON)
    abort();
  if (rc != 0 &&
      (e.code || e.status || e.message || e.reason || e.retry_delay_s != -1))
    abort(); /* zeroed on failure */
  if (!(e.retry_delay_s == -1 ||
        (e.retry_delay_s >= 0 && isfinite(e.retry_delay_s))))
    abort();

  gf__evdec *d = gf__evdec_new(NULL, NULL, 0);
  int lrc = 0;
  for (size_t at = 0; at < size && !lrc;) {
    const char *nl = memchr(p + at, '\n', size - at);
    size_t end = nl ? (size_t)(nl - p) : size;
    lrc = gf__evdec_raw_line(d, p + at, end - at);
    at = end + 1;
  }
  if (!lrc)
    lrc = gf__evdec_finish(d);
  const gf__gem_summary *s = gf__evdec_summary(d);
  if (lrc == GF_EAPI) {
    /* raw lines end in LF where the input may not: same object either way,
     * parsed from the line the decoder started at */
    size_t at = object_start(p, size);
    gf__api_error o;
    int orc = gf__gemini_parse_error(p + at, size - at, &o);
    if (orc != 0 || !s->have_error || s->error.code != o.code ||
        !fz_same(s->error.status, o.status) ||
        !fz_same(s->error.message, o.message) ||
        !fz_same(s->error.reason, o.reason) ||
        s->error.retry_delay_s != o.retry_delay_s)
      abort();
    gf__api_error_free(&o);
  } else if (lrc != 0) {
    abort(); /* raw lines that are no error object are ignored */
  } else if (rc == 0 && size + 64 < 64 * 1024 && opens_object(p, size)) {
    abort(); /* parsed directly, so the lines must parse too */
  }
  gf__evdec_free(d);
  gf__api_error_free(&e);
  free(p);
  return 0;
}
