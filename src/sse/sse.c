/* The event-stream decoder. Data values go straight from the input to
 * on_data; every other line is kept in one buffer bounded by max_line.
 * Scanning is done with memchr over whole runs, so a long data line costs
 * two memchr passes and one callback per feed, whatever its length. */
#include "sse/sse.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "gemflow.h"

enum {
  GF__SSE_BOM,     /* stream start: matching a UTF-8 BOM */
  GF__SSE_NAME,    /* reading a field name (or a whole colon-less line) */
  GF__SSE_DATA_SP, /* after "data:": the one space to remove, if any */
  GF__SSE_DATA,    /* streaming a data value to on_data */
  GF__SSE_VALUE,   /* buffering the value of a non-data line */
  GF__SSE_SKIP,    /* discarding the rest of a line we will not report */
  GF__SSE_STOPPED, /* a callback stopped us, or the stream ended */
};

enum {
  GF__K_OTHER,
  GF__K_COMMENT,
  GF__K_EVENT,
  GF__K_ID,
  GF__K_RETRY,
  GF__K_DATA
};

struct gf__sse {
  gf__sse_cbs cb;
  void *ud;
  size_t max_line;
  int state;
  int kind;              /* of the line being buffered in GF__SSE_VALUE */
  int rc;                /* what feed returns once stopped */
  unsigned bom_n;        /* BOM bytes matched so far */
  size_t value_off;      /* where the value starts in line (after ':') */
  unsigned skip_lf : 1;  /* the last line ended in CR: a LF now is its end */
  unsigned has_data : 1; /* the current event has had a data line */
  unsigned overflow : 1; /* bytes of the current line were dropped */
  unsigned id_nul : 1;   /* the current id value holds a NUL */
  unsigned ended : 1;    /* gf__sse_end was called */
  gf__buf line;          /* the raw current line, up to max_line bytes */
  gf__buf type;          /* event type buffer */
  gf__buf id;            /* last event id buffer: persists across events */
};

/* The input of one feed. lf caches the next LF at or after the scan point:
 * searching for CR only up to it keeps CR-only streams linear. */
typedef struct gf__sse_in {
  const char *end;
  const char *lf;
  int lf_known;
} gf__sse_in;

static const char gf__sse_bom[3] = {'\xEF', '\xBB', '\xBF'};

static const char *step(gf__sse *s, gf__sse_in *in, const char *p);
static int finish_last_line(gf__sse *s);

size_t gf__sse_size(void) { return sizeof(gf__sse); }

gf__sse *gf__sse_new(const gf__sse_cbs *cbs, void *ud, size_t max_line) {
  gf__sse *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  if (cbs)
    s->cb = *cbs;
  s->ud = ud;
  s->max_line = max_line == 0 ? 4096 : max_line < 8 ? 8 : max_line;
  gf__buf_init(&s->line, 0);
  gf__buf_init(&s->type, 0);
  gf__buf_init(&s->id, 0);
  gf__sse_reset(s);
  return s;
}

void gf__sse_free(gf__sse *s) {
  if (!s)
    return;
  gf__buf_free(&s->line);
  gf__buf_free(&s->type);
  gf__buf_free(&s->id);
  free(s);
}

void gf__sse_reset(gf__sse *s) {
  gf__buf_reset(&s->line);
  gf__buf_reset(&s->type);
  gf__buf_reset(&s->id);
  s->state = GF__SSE_BOM;
  s->kind = GF__K_OTHER;
  s->rc = 0;
  s->bom_n = 0;
  s->value_off = 0;
  s->skip_lf = s->has_data = s->overflow = s->id_nul = s->ended = 0;
}

int gf__sse_feed(gf__sse *s, const char *p, size_t n) {
  if (s->state == GF__SSE_STOPPED)
    return s->rc;
  if (n == 0)
    return 0;
  gf__sse_in in = {p + n, NULL, 0};
  while (p < in.end && s->state != GF__SSE_STOPPED) {
    if (s->skip_lf) {
      s->skip_lf = 0;
      if (*p == '\n') {
        p++;
        continue;
      }
    }
    p = step(s, &in, p);
  }
  return s->state == GF__SSE_STOPPED ? s->rc : 0;
}

int gf__sse_end(gf__sse *s) {
  if (s->state == GF__SSE_STOPPED)
    return s->ended ? 0 : s->rc;
  int rc = finish_last_line(s);
  int pending = s->has_data;
  s->has_data = 0;
  s->state = GF__SSE_STOPPED;
  s->ended = 1;
  s->rc = GF_EINVAL;
  if (rc) { /* a later end() must not report success */
    s->ended = 0;
    s->rc = rc;
    return rc;
  }
  return pending;
}

/* ---- helpers ------------------------------------------------------------ */

static int stop(gf__sse *s, int rc) {
  if (rc) {
    s->state = GF__SSE_STOPPED;
    s->rc = rc;
  }
  return rc;
}

/* The first CR or LF in [p, in->end), or in->end. */
static const char *find_eol(gf__sse_in *in, const char *p) {
  if (!in->lf_known || in->lf < p) {
    const char *lf = memchr(p, '\n', (size_t)(in->end - p));
    in->lf = lf ? lf : in->end;
    in->lf_known = 1;
  }
  const char *cr = memchr(p, '\r', (size_t)(in->lf - p));
  return cr ? cr : in->lf;
}

/* Keeps what fits in max_line; notes that the rest was dropped. */
static int line_append(gf__sse *s, const char *p, size_t n) {
  size_t room = s->max_line - s->line.len;
  if (n > room) {
    n = room;
    s->overflow = 1;
  }
  if (n == 0)
    return 0;
  return stop(s, gf__buf_append(&s->line, p, n));
}

static int set_buf(gf__sse *s, gf__buf *b, const char *p, size_t n) {
  gf__buf_reset(b);
  return n ? stop(s, gf__buf_append(b, p, n)) : 0;
}

static int classify(const char *name, size_t n) {
  if (n == 4 && memcmp(name, "data", 4) == 0)
    return GF__K_DATA;
  if (n == 5 && memcmp(name, "event", 5) == 0)
    return GF__K_EVENT;
  if (n == 2 && memcmp(name, "id", 2) == 0)
    return GF__K_ID;
  if (n == 5 && memcmp(name, "retry", 5) == 0)
    return GF__K_RETRY;
  return GF__K_OTHER;
}

/* A data line begins: the LF that joins it to the previous one goes out. */
static int data_line(gf__sse *s) {
  int first = !s->has_data;
  s->has_data = 1;
  if (first || !s->cb.on_data)
    return 0;
  return s->cb.on_data(s->ud, "\n", 1);
}

static int dispatch(gf__sse *s) {
  int rc = 0;
  if (s->has_data && s->cb.on_dispatch)
    rc = s->cb.on_dispatch(s->ud, s->type.len ? s->type.data : "message",
                           s->id.len ? s->id.data : "");
  s->has_data = 0;
  gf__buf_reset(&s->type);
  return rc;
}

static int retry(gf__sse *s, const char *v, size_t n) {
  uint64_t ms = 0;
  if (n == 0 || !s->cb.on_retry)
    return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned d = (unsigned char)v[i] - '0';
    if (d > 9 || ms > (UINT64_MAX - d) / 10)
      return 0;
    ms = ms * 10 + d;
  }
  return s->cb.on_retry(s->ud, ms);
}

/* A line without a colon: the whole line names a field, its value is "". */
static int process_bare(gf__sse *s) {
  const char *l = s->line.data;
  size_t n = s->line.len;
  if (n == 0)
    return dispatch(s);
  switch (classify(l, n)) {
  case GF__K_DATA:
    return data_line(s);
  case GF__K_EVENT:
    gf__buf_reset(&s->type);
    return 0;
  case GF__K_ID:
    gf__buf_reset(&s->id);
    return 0;
  case GF__K_RETRY: /* an empty retry is no number */
    return 0;
  default:
    return s->cb.on_other_line ? s->cb.on_other_line(s->ud, l, n) : 0;
  }
}

/* A buffered non-data line with a colon (GF__SSE_VALUE). */
static int process_value(gf__sse *s) {
  const char *v = s->line.data + s->value_off;
  size_t vn = s->line.len - s->value_off;
  if (s->kind == GF__K_COMMENT)
    return s->cb.on_comment ? s->cb.on_comment(s->ud, v, vn) : 0;
  if (s->kind == GF__K_OTHER)
    return s->cb.on_other_line
               ? s->cb.on_other_line(s->ud, s->line.data, s->line.len)
               : 0;
  if (vn && v[0] == ' ') {
    v++;
    vn--;
  }
  if (s->kind == GF__K_EVENT)
    return set_buf(s, &s->type, v, vn);
  if (s->kind == GF__K_ID)
    return s->id_nul ? 0 : set_buf(s, &s->id, v, vn);
  return retry(s, v, vn);
}

/* Acts on the complete line held in s->line. Data lines are already out,
 * and skipped lines say nothing. */
static int process_line(gf__sse *s) {
  if (s->state == GF__SSE_NAME)
    return process_bare(s);
  if (s->state == GF__SSE_VALUE)
    return process_value(s);
  return 0;
}

/* Ends the current line at its line end. */
static int finish_line(gf__sse *s) {
  int rc = process_line(s);
  if (s->state == GF__SSE_STOPPED) /* process_line hit ENOMEM */
    return s->rc;
  gf__buf_reset(&s->line);
  s->overflow = s->id_nul = 0;
  s->state = GF__SSE_NAME;
  return stop(s, rc);
}

/* At the end of the stream: a started last line counts as ended there. */
static int finish_last_line(gf__sse *s) {
  if (s->state == GF__SSE_BOM) { /* a lone BOM prefix is line content */
    if (s->bom_n == 0)
      return 0;
    s->state = GF__SSE_NAME;
    if (line_append(s, gf__sse_bom, s->bom_n))
      return s->rc;
  } else if (s->state == GF__SSE_NAME && s->line.len == 0) {
    return 0; /* at a line start: no line, and surely no blank one */
  }
  return finish_line(s);
}

static const char *eat_eol(gf__sse *s, const char *eol) {
  if (finish_line(s))
    return eol;
  s->skip_lf = *eol == '\r';
  return eol + 1;
}

/* ---- states ------------------------------------------------------------- */

static const char *step_bom(gf__sse *s, const char *p) {
  if (*p == gf__sse_bom[s->bom_n]) {
    if (++s->bom_n == sizeof gf__sse_bom)
      s->state = GF__SSE_NAME;
    return p + 1;
  }
  /* Not a BOM: what matched so far starts the first line. */
  s->state = GF__SSE_NAME;
  line_append(s, gf__sse_bom, s->bom_n);
  return p;
}

/* After the colon of a non-data line: decide whether to keep the value. */
static void begin_value(gf__sse *s, int kind) {
  s->kind = kind;
  s->state = GF__SSE_VALUE;
  if ((kind == GF__K_COMMENT && !s->cb.on_comment) ||
      (kind == GF__K_OTHER && !s->cb.on_other_line)) {
    s->state = GF__SSE_SKIP;
    return;
  }
  if (line_append(s, ":", 1))
    return;
  s->value_off = s->line.len;
  if (s->overflow) /* only a long unknown name fills the line here */
    s->state = GF__SSE_SKIP;
}

static const char *step_name(gf__sse *s, gf__sse_in *in, const char *p) {
  const char *eol = find_eol(in, p);
  const char *colon = memchr(p, ':', (size_t)(eol - p));
  const char *q = colon ? colon : eol;
  if (line_append(s, p, (size_t)(q - p)))
    return in->end;
  if (s->overflow) { /* a name longer than max_line: no field we know */
    s->state = GF__SSE_SKIP;
    return q;
  }
  if (colon) {
    int kind =
        s->line.len ? classify(s->line.data, s->line.len) : GF__K_COMMENT;
    if (kind == GF__K_DATA) {
      gf__buf_reset(&s->line);
      s->state = GF__SSE_DATA_SP;
      stop(s, data_line(s));
    } else {
      begin_value(s, kind);
    }
    return colon + 1;
  }
  return eol < in->end ? eat_eol(s, eol) : eol;
}

static const char *step_data(gf__sse *s, gf__sse_in *in, const char *p) {
  if (s->state == GF__SSE_DATA_SP) {
    s->state = GF__SSE_DATA;
    if (*p == ' ')
      return p + 1;
  }
  const char *eol = find_eol(in, p);
  if (eol > p && s->cb.on_data &&
      stop(s, s->cb.on_data(s->ud, p, (size_t)(eol - p))))
    return eol;
  return eol < in->end ? eat_eol(s, eol) : eol;
}

static const char *step_value(gf__sse *s, gf__sse_in *in, const char *p) {
  const char *eol = find_eol(in, p);
  size_t n = (size_t)(eol - p);
  if (s->state == GF__SSE_VALUE) {
    if (s->kind == GF__K_ID && memchr(p, 0, n))
      s->id_nul = 1;
    if (line_append(s, p, n))
      return in->end;
    /* A cut event type or id is still used; a cut retry, comment or
     * unknown line is not, so stop keeping it. */
    if (s->overflow && s->kind != GF__K_EVENT && s->kind != GF__K_ID)
      s->state = GF__SSE_SKIP;
  }
  return eol < in->end ? eat_eol(s, eol) : eol;
}

static const char *step(gf__sse *s, gf__sse_in *in, const char *p) {
  switch (s->state) {
  case GF__SSE_BOM:
    return step_bom(s, p);
  case GF__SSE_NAME:
    return step_name(s, in, p);
  case GF__SSE_DATA_SP:
  case GF__SSE_DATA:
    return step_data(s, in, p);
  default: /* VALUE, SKIP */
    return step_value(s, in, p);
  }
}
