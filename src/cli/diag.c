/* stderr for the CLI. Every message goes through one path that ends an open
 * stream line first, replaces the key and keeps the message on one line;
 * streamed server text goes through the terminal filter (see diag.h). */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gemflow.h"

static const char *gf__secret;
static int gf__line_open; /* the last byte written to stderr was no '\n' */
static gf__tty_filter gf__stream_filter;

static char *gf__vformat(const char *fmt, va_list ap);
static void gf__emit(const char *prefix, const char *msg);
static int gf__stderr_tty(void);
static int gf__utf8_at(const unsigned char *p, size_t n);

/* U+FFFD REPLACEMENT CHARACTER: what a terminal is shown instead of a
 * control character or a byte that is not UTF-8. */
#define GF__REPL "\xEF\xBF\xBD"
#define GF__REPL_LEN 3

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
  gf__tty_filter_write(&gf__stream_filter, stderr, gf__stderr_tty(), p, n);
  /* A sequence kept in the carry ends in no '\n' either: the line is open
   * until the carry is written out. */
  gf__line_open = p[n - 1] != '\n';
}

void gf__diag_break(void) {
  gf__tty_filter_end(&gf__stream_filter, stderr, gf__stderr_tty());
  if (gf__line_open)
    fputc('\n', stderr);
  gf__line_open = 0;
}

/* ---- the terminal filter ------------------------------------------------- */

/* Output gathered in a buffer: stderr is unbuffered, and a write per
 * replaced byte would be a system call each. */
typedef struct {
  FILE *f;
  size_t n;
  char buf[512];
} gf__out;

static void gf__out_flush(gf__out *o) {
  if (o->n)
    fwrite(o->buf, 1, o->n, o->f);
  o->n = 0;
}

static void gf__out_put(gf__out *o, const void *p, size_t n) {
  if (o->n + n > sizeof o->buf)
    gf__out_flush(o);
  memcpy(o->buf + o->n, p, n);
  o->n += n;
}

/* One unit as gf__utf8_at measured it (k > 0 a whole sequence of k bytes,
 * k < 0 one that is not valid), for a terminal. */
static void gf__out_unit(gf__out *o, const unsigned char *p, int k) {
  int ctl = k < 0 ||
            (k == 1 &&
             ((p[0] < 0x20 && p[0] != '\n' && p[0] != '\t') || p[0] == 0x7f)) ||
            (k == 2 && p[0] == 0xC2 && p[1] <= 0x9F); /* C1 */
  if (ctl)
    gf__out_put(o, GF__REPL, GF__REPL_LEN);
  else
    gf__out_put(o, p, (size_t)k);
}

void gf__tty_filter_write(gf__tty_filter *t, FILE *f, int is_tty, const char *p,
                          size_t n) {
  if (n == 0)
    return;
  if (!is_tty) {
    fwrite(p, 1, n, f);
    return;
  }
  const unsigned char *u = (const unsigned char *)p;
  gf__out o;
  o.f = f;
  o.n = 0;
  size_t i = 0;
  if (t->len) {
    /* The carry is the valid start of a sequence: with the bytes that
     * follow it, it is whole, still short, or not valid after its own
     * bytes (then the new bytes are looked at again on their own). */
    unsigned char seq[4];
    size_t have = t->len, add = n < 4 - have ? n : 4 - have;
    memcpy(seq, t->carry, have);
    memcpy(seq + have, u, add);
    int k = gf__utf8_at(seq, have + add);
    if (k == 0) { /* still short: all of p went into it */
      memcpy(t->carry + have, u, add);
      t->len = (unsigned char)(have + add);
      return;
    }
    gf__out_unit(&o, seq, k);
    i = (size_t)(k < 0 ? -k : k) - have;
    t->len = 0;
  }
  while (i < n) {
    int k = gf__utf8_at(u + i, n - i);
    if (k == 0) {
      memcpy(t->carry, u + i, n - i);
      t->len = (unsigned char)(n - i);
      break;
    }
    gf__out_unit(&o, u + i, k);
    i += (size_t)(k < 0 ? -k : k);
  }
  gf__out_flush(&o);
}

void gf__tty_filter_end(gf__tty_filter *t, FILE *f, int is_tty) {
  if (t->len && is_tty)
    fwrite(GF__REPL, 1, GF__REPL_LEN, f);
  t->len = 0;
}

/* At p (n > 0 bytes): the length (1..4) of the UTF-8 sequence there when
 * it is whole and valid; 0 when all of p[0..n) is the valid start of a
 * sequence cut short; -k when it is not valid, k (1..3) the bytes of its
 * longest valid start, which become one U+FFFD. Overlong forms, surrogates
 * and code points over U+10FFFF are not valid. */
static int gf__utf8_at(const unsigned char *p, size_t n) {
  unsigned char b = p[0], lo = 0x80, hi = 0xBF;
  int need;
  if (b < 0x80)
    return 1;
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 2;
    if (b == 0xE0)
      lo = 0xA0; /* overlong */
    if (b == 0xED)
      hi = 0x9F; /* surrogates */
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    if (b == 0xF0)
      lo = 0x90; /* overlong */
    if (b == 0xF4)
      hi = 0x8F; /* over U+10FFFF */
  } else {
    return -1; /* a continuation byte, C0, C1 or F5..FF */
  }
  for (int i = 1; i <= need; i++) {
    if ((size_t)i >= n)
      return 0;
    if (p[i] < lo || p[i] > hi)
      return -i;
    lo = 0x80;
    hi = 0xBF;
  }
  return need + 1;
}

static int gf__stderr_tty(void) {
  static int tty = -1;
  if (tty < 0)
    tty = isatty(STDERR_FILENO) ? 1 : 0;
  return tty;
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
char *gf__diag_one_line(const char *msg, int is_tty) {
  char *scrubbed = gf__scrub_dup(msg ? msg : "");
  if (!scrubbed)
    return NULL;
  size_t n = strlen(scrubbed);
  while (n && (scrubbed[n - 1] == '\n' || scrubbed[n - 1] == '\r'))
    n--;
  /* Each byte becomes at most 3 (U+FFFD). */
  char *clean = malloc(n * GF__REPL_LEN + 1);
  if (!clean) {
    free(scrubbed);
    return NULL;
  }
  const unsigned char *u = (const unsigned char *)scrubbed;
  char *w = clean;
  for (size_t i = 0; i < n;) {
    int k = gf__utf8_at(u + i, n - i);
    size_t len = k > 0 ? (size_t)k : k < 0 ? (size_t)-k : n - i;
    if ((k == 1 && (u[i] < 0x20 || u[i] == 0x7f)) ||
        (k == 2 && u[i] == 0xC2 && u[i + 1] <= 0x9F)) {
      *w++ = ' ';
    } else if (k <= 0 && is_tty) { /* not valid, or cut short at the end */
      memcpy(w, GF__REPL, GF__REPL_LEN);
      w += GF__REPL_LEN;
    } else {
      memcpy(w, u + i, len);
      w += len;
    }
    i += len;
  }
  *w = '\0';
  free(scrubbed);
  return clean;
}

static void gf__emit(const char *prefix, const char *msg) {
  char *clean = gf__diag_one_line(msg, gf__stderr_tty());
  if (!clean)
    return;
  gf__diag_break();
  fprintf(stderr, "%s%s\n", prefix, clean);
  free(clean);
}
