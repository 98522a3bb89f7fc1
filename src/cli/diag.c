/* stderr for the CLI. Every message goes through one path that ends an open
 * stream line first, replaces the key and keeps the message on one line. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemflow.h"

static const char *gf__secret;
static int gf__line_open; /* the last byte written to stderr was no '\n' */

static char *gf__vformat(const char *fmt, va_list ap);
static void gf__emit(const char *prefix, const char *msg);

/* A key shorter than GF_REDACT_MIN (real keys are 39 characters) is not
 * searched for in free text: it would garble ordinary words. */
void gf__diag_set_secret(const char *key) {
  gf__secret = (key && strlen(key) >= GF_REDACT_MIN) ? key : NULL;
}

int gf__usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = gf__vformat(fmt, ap);
  va_end(ap);
  gf__emit("gemflow: ", msg ? msg : "usage error");
  free(msg);
  return 2;
}

void gf__diag_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = gf__vformat(fmt, ap);
  va_end(ap);
  gf__emit("gemflow: ", msg ? msg : "out of memory");
  free(msg);
}

void gf__diag_line(const char *line) { gf__emit("", line ? line : ""); }

void gf__diag_stream(const char *p, size_t n) {
  if (n == 0)
    return;
  fwrite(p, 1, n, stderr);
  gf__line_open = p[n - 1] != '\n';
}

void gf__diag_break(void) {
  if (gf__line_open)
    fputc('\n', stderr);
  gf__line_open = 0;
}

char *gf__scrub_dup(const char *s) {
  if (!s)
    return NULL;
  size_t klen = gf__secret ? strlen(gf__secret) : 0;
  size_t len = strlen(s);
  /* Each replaced key becomes 3 bytes: room for the worst case. */
  char *out = malloc(len + 1 + (klen ? len / klen * 3 : 0));
  if (!out)
    return NULL;
  char *w = out;
  while (*s) {
    if (klen && strncmp(s, gf__secret, klen) == 0) {
      memcpy(w, "***", 3);
      w += 3;
      s += klen;
    } else {
      *w++ = *s++;
    }
  }
  *w = '\0';
  return out;
}

static char *gf__vformat(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    return NULL;
  char *s = malloc((size_t)n + 1);
  if (s)
    vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

/* Control characters (a server message with newlines in it) become spaces:
 * a diagnostic is one line, whatever it quotes. */
static void gf__emit(const char *prefix, const char *msg) {
  char *clean = gf__scrub_dup(msg);
  if (!clean)
    return;
  size_t n = strlen(clean);
  while (n && (clean[n - 1] == '\n' || clean[n - 1] == '\r'))
    clean[--n] = '\0';
  for (char *c = clean; *c; c++)
    if ((unsigned char)*c < 0x20 || *c == 0x7f)
      *c = ' ';
  gf__diag_break();
  fprintf(stderr, "%s%s\n", prefix, clean);
  free(clean);
}
