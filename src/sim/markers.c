#include "sim/markers.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "gemflow.h"
#include "sim/plan.h"

/* Told apart by its address; its bytes must differ from the literal "\r\n"
 * all the same, or a compiler may give that literal this array's storage
 * (clang does), and [[eol:crlf]] would read as mixed. */
const char gf__sim_eol_mixed[] = "\r\n\0mixed";

typedef struct gf__sim_fault_name {
  const char *name;
  unsigned bit;
} gf__sim_fault_name;

static const gf__sim_fault_name gf__sim_faults[] = {
    {"429", GF_SIM_F_429},
    {"503", GF_SIM_F_503},
    {"500", GF_SIM_F_500},
    {"reset", GF_SIM_F_RESET},
    {"eof", GF_SIM_F_EOF},
    {"truncate", GF_SIM_F_TRUNCATE},
    {"midstream", GF_SIM_F_MIDSTREAM},
    {"error-event", GF_SIM_F_ERROR_EVENT},
    {"badjson", GF_SIM_F_BADJSON},
    {"safety", GF_SIM_F_SAFETY},
    {"block", GF_SIM_F_BLOCK},
    {"slow", GF_SIM_F_SLOW},
    {"thought-image", GF_SIM_F_THOUGHT_IMAGE},
    {"thought-only", GF_SIM_F_THOUGHT_ONLY},
    {"text", GF_SIM_F_TEXT},
    {"mime-after", GF_SIM_F_MIME_AFTER},
    {"502", GF_SIM_F_502},
    {"504", GF_SIM_F_504},
    {"3xx", GF_SIM_F_3XX},
    {"1xx", GF_SIM_F_1XX},
    {"1xx-flood", GF_SIM_F_1XX_FLOOD},
    {"close", GF_SIM_F_CLOSE},
    {"stall", GF_SIM_F_STALL},
    {"drip", GF_SIM_F_DRIP},
    {"bigheaders", GF_SIM_F_BIGHEADERS},
    {"html200", GF_SIM_F_HTML200},
};
#define N_FAULTS (sizeof gf__sim_faults / sizeof gf__sim_faults[0])

static int is(const char *p, size_t n, const char *word) {
  return n == strlen(word) && memcmp(p, word, n) == 0;
}

/* Decimal digits only, at most max. -1 when not a number in range. */
static long number(const char *p, size_t n, long min, long max) {
  if (n == 0 || n > 9)
    return -1;
  long v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9')
      return -1;
    v = v * 10 + (p[i] - '0');
  }
  return v < min || v > max ? -1 : v;
}

const char *gf__sim_eol_named(const char *name, size_t n) {
  if (is(name, n, "crlf"))
    return "\r\n";
  if (is(name, n, "lf"))
    return "\n";
  if (is(name, n, "cr"))
    return "\r";
  if (is(name, n, "mixed"))
    return gf__sim_eol_mixed;
  return NULL;
}

int gf__sim_body_named(const char *name, size_t n) {
  if (is(name, n, "chunked"))
    return GF_SIM_BODY_CHUNKED;
  if (is(name, n, "length"))
    return GF_SIM_BODY_LENGTH;
  if (is(name, n, "close"))
    return GF_SIM_BODY_CLOSE;
  return -1;
}

void gf__sim_marks_apply(const gf__sim_marks *m, int sse,
                         gf__sim_framing *f) {
  if (m->eol)
    f->eol = m->eol;
  if (m->chunk)
    f->chunk = (size_t)m->chunk;
  if (m->body >= 0)
    f->body = m->body;
  if (m->think_ms >= 0)
    f->think_ms = (unsigned)m->think_ms;
  if (m->thoughts >= 0)
    f->thoughts = (int)m->thoughts;
  f->comments |= m->comments;
  f->array |= m->array || !sse;
  f->bom |= m->bom;
  f->sse_fields |= m->sse_fields;
  f->multiline |= m->multiline;
  f->nospace |= m->nospace;
  f->ping |= m->ping;
  f->pretty |= m->pretty;
  if (m->at)
    f->at = m->at;
}

/* The markers without a value: where each one goes. */
static int *flag(gf__sim_marks *m, const char *p, size_t n) {
  static const struct {
    const char *name;
    size_t off;
  } flags[] = {{"comments", offsetof(gf__sim_marks, comments)},
               {"array", offsetof(gf__sim_marks, array)},
               {"bom", offsetof(gf__sim_marks, bom)},
               {"sse-fields", offsetof(gf__sim_marks, sse_fields)},
               {"multiline", offsetof(gf__sim_marks, multiline)},
               {"nospace", offsetof(gf__sim_marks, nospace)},
               {"ping", offsetof(gf__sim_marks, ping)},
               {"pretty", offsetof(gf__sim_marks, pretty)}};
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
    if (is(p, n, flags[i].name))
      return (int *)(void *)((char *)m + flags[i].off);
  return NULL;
}

#define ALL_STAGES (((1u << (GF_SIM_AT_USAGE + 1)) - 1) & ~1u)

/* By gf__sim_at, from GF_SIM_AT_HEAD on. */
static const char *const gf__sim_stages[] = {"head", "headers", "between",
                                             "image", "usage"};

/* The stages each placed fault can happen at, by gf__sim_at bit. */
static const struct {
  unsigned fault, stages;
} gf__sim_staged[] = {
    {GF_SIM_F_RESET, ALL_STAGES},
    {GF_SIM_F_EOF, ALL_STAGES},
    {GF_SIM_F_CLOSE, ALL_STAGES},
    {GF_SIM_F_MIDSTREAM, 1u << GF_SIM_AT_BETWEEN | 1u << GF_SIM_AT_IMAGE |
                             1u << GF_SIM_AT_USAGE},
    {GF_SIM_F_ERROR_EVENT, 1u << GF_SIM_AT_BETWEEN | 1u << GF_SIM_AT_USAGE},
};

int gf__sim_at_named(const char *name, size_t n) {
  for (size_t i = 0; i < sizeof gf__sim_stages / sizeof gf__sim_stages[0]; i++)
    if (is(name, n, gf__sim_stages[i]))
      return GF_SIM_AT_HEAD + (int)i;
  return -1;
}

int gf__sim_at_applies(int at, unsigned faults) {
  if (at < GF_SIM_AT_HEAD || at > GF_SIM_AT_USAGE ||
      !(faults & GF_SIM_F_STAGED))
    return 0;
  for (size_t i = 0; i < sizeof gf__sim_staged / sizeof gf__sim_staged[0]; i++)
    if ((faults & gf__sim_staged[i].fault) &&
        !(gf__sim_staged[i].stages & 1u << at))
      return 0;
  return 1;
}

unsigned gf__sim_conn_fault(unsigned faults) {
  static const unsigned order[] = {GF_SIM_F_RESET, GF_SIM_F_EOF,
                                   GF_SIM_F_CLOSE};
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
    if (faults & order[i])
      return order[i];
  return 0;
}

/* Applies the marker body "name" or "name:value"; 1 if recognised. staged:
 * the faults of the whole prompt, which decide whether an [[at:]] is. */
static int apply(gf__sim_marks *m, const char *p, size_t n, unsigned staged) {
  const char *colon = memchr(p, ':', n);
  if (!colon) {
    int *f = flag(m, p, n);
    return f ? (*f = 1) : 0;
  }
  size_t kn = (size_t)(colon - p), vn = n - kn - 1;
  const char *v = colon + 1;
  long num;
  if (is(p, kn, "eol")) {
    const char *e = gf__sim_eol_named(v, vn);
    if (e)
      m->eol = e;
    return e != NULL;
  }
  if (is(p, kn, "body")) {
    int body = gf__sim_body_named(v, vn);
    if (body >= 0)
      m->body = body;
    return body >= 0;
  }
  if (is(p, kn, "chunk") && (num = number(v, vn, 1, GF_SIM_CHUNK_MAX)) > 0)
    return (m->chunk = num), 1;
  if (is(p, kn, "think") && (num = number(v, vn, 0, GF_SIM_THINK_MAX)) >= 0)
    return (m->think_ms = num), 1;
  if (is(p, kn, "thoughts") &&
      (num = number(v, vn, 0, GF_SIM_THOUGHTS_MAX)) >= 0)
    return (m->thoughts = num), 1;
  if (is(p, kn, "times") && (num = number(v, vn, 1, GF_SIM_TIMES_MAX)) > 0)
    return (m->times = num), 1;
  if (is(p, kn, "retry-delay") &&
      (num = number(v, vn, 0, GF_SIM_RETRY_DELAY_MAX)) >= 0)
    return (m->retry_delay_ms = num), 1;
  if (is(p, kn, "retry-after") &&
      (num = number(v, vn, 0, GF_SIM_RETRY_AFTER_MAX)) >= 0)
    return (m->retry_after = num), 1;
  if (is(p, kn, "at")) {
    int at = gf__sim_at_named(v, vn);
    if (!gf__sim_at_applies(at, staged))
      return 0;
    m->at = at;
    return 1;
  }
  if (is(p, kn, "fault"))
    for (size_t i = 0; i < N_FAULTS; i++)
      if (is(v, vn, gf__sim_faults[i].name)) {
        m->faults |= gf__sim_faults[i].bit;
        return 1;
      }
  return 0;
}

/* One pass over the markers; staged as for apply. */
static int scan(const char *p, size_t n, gf__sim_marks *m, gf__buf *stripped,
                unsigned staged) {
  memset(m, 0, sizeof *m);
  m->think_ms = -1;
  m->thoughts = -1;
  m->body = -1;
  m->retry_delay_ms = -1;
  m->retry_after = -1;
  size_t i = 0, copied = 0;
  while (i + 4 <= n) {
    const char *open = memmem(p + i, n - i, "[[", 2);
    if (!open)
      break;
    size_t start = (size_t)(open - p);
    const char *close = memmem(p + start + 2, n - start - 2, "]]", 2);
    if (!close)
      break;
    size_t end = (size_t)(close - p);
    /* "[[a [[b]]" or "[[[b]]": the marker opens at the last "[[" */
    for (size_t k = end - 2; k > start; k--)
      if (p[k] == '[' && p[k + 1] == '[') {
        start = k;
        break;
      }
    size_t body = start + 2;
    if (apply(m, p + body, end - body, staged)) {
      if (stripped && (gf__buf_append(stripped, p + copied, start - copied)))
        return GF_ENOMEM;
      copied = end + 2;
    }
    i = end + 2;
  }
  if (stripped && gf__buf_append(stripped, p + copied, n - copied))
    return GF_ENOMEM;
  return 0;
}

/* Whether an [[at:]] is a marker depends on the faults given anywhere in
 * the prompt, after it too: a first pass finds them. */
int gf__sim_marks_parse(const char *p, size_t n, gf__sim_marks *m,
                        gf__buf *stripped) {
  scan(p, n, m, NULL, 0);
  return scan(p, n, m, stripped, m->faults);
}

void gf__sim_delay_text(long ms, char *out) {
  int n = snprintf(out, GF_SIM_DELAY_TEXT, "%ld.%03ld", ms / 1000, ms % 1000);
  while (out[n - 1] == '0') /* "0.300" -> "0.3", "2.000" -> "2." */
    n--;
  if (out[n - 1] == '.')
    n--;
  memcpy(out + n, "s", 2);
}

int gf__sim_fault_names(unsigned faults, gf__buf *out) {
  int first = 1;
  for (size_t i = 0; i < N_FAULTS; i++) {
    if (!(faults & gf__sim_faults[i].bit))
      continue;
    int rc = gf__buf_printf(out, "%s%s", first ? "" : ",",
                            gf__sim_faults[i].name);
    if (rc)
      return rc;
    first = 0;
  }
  return gf__buf_append(out, "", 0);
}
