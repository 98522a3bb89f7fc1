#include "sim/frame.h"

#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "gemflow.h"
#include "sim/markers.h"
#include "sim/plan.h"

/* Where the fields of [[sse-fields]] go, relative to the data lines. */
enum { POS_BEFORE, POS_BETWEEN, POS_AFTER, N_POS };

typedef struct gf__fw_ev {
  gf__sim_fw *w;
  gf__buf *out;
  int rc; /* sticky */
} gf__fw_ev;

static void put(gf__fw_ev *e, const char *p, size_t n);
static void line(gf__fw_ev *e, const char *p, size_t n);
static void fields_at(gf__fw_ev *e, int pos);
static size_t next_line(const gf__sim_framing *f, const char *json, size_t n,
                        size_t *pos, int *in_str, int *esc);

void gf__sim_fw_init(gf__sim_fw *w, const gf__sim_framing *f) {
  memset(w, 0, sizeof *w);
  w->f = f;
}

const char *gf__sim_fw_eol(gf__sim_fw *w) {
  if (w->f->eol != gf__sim_eol_mixed)
    return w->f->eol;
  /* CR is always followed by a CRLF: a CR then an LF-ended line would be
   * read as one CRLF, joining two lines */
  static const char *const cycle[3] = {"\r\n", "\n", "\r"};
  return cycle[w->eols++ % 3];
}

int gf__sim_fw_begin(gf__sim_fw *w, gf__buf *out) {
  gf__fw_ev e = {w, out, 0};
  if (!w->started && w->f->bom && !w->f->array)
    put(&e, GF_SIM_BOM, 3);
  w->started = 1;
  if (w->items++ && w->f->ping && !w->f->array) {
    /* what gateways add: a bare word (a field with no colon), a comment,
     * a field nobody knows */
    line(&e, "ping", 4);
    line(&e, ": ping", 6);
    line(&e, "x-gateway: 1", 12);
  }
  return e.rc;
}

int gf__sim_fw_event(gf__sim_fw *w, gf__buf *out, const char *json, size_t n) {
  if (memchr(json, '\r', n))
    return GF_EINVAL;
  gf__fw_ev e = {w, out, gf__sim_fw_begin(w, out)};
  const gf__sim_framing *f = w->f;
  if (f->comments)
    line(&e, GF_SIM_KEEPALIVE, strlen(GF_SIM_KEEPALIVE));
  fields_at(&e, POS_BEFORE);
  size_t pos = 0;
  int in_str = 0, esc = 0;
  for (int i = 0;; i++) {
    size_t start = pos;
    size_t len = next_line(f, json, n, &pos, &in_str, &esc);
    if (i == 1)
      fields_at(&e, POS_BETWEEN);
    if (i > 0 && f->comments)
      line(&e, GF_SIM_KEEPALIVE, strlen(GF_SIM_KEEPALIVE));
    /* "data:" alone for an empty line, as the standard writes it */
    put(&e, "data: ", len && !f->nospace ? 6 : 5);
    line(&e, json + start, len);
    if (pos >= n) {
      if (i == 0) /* one data line: nothing is between */
        fields_at(&e, POS_BETWEEN);
      break;
    }
  }
  fields_at(&e, POS_AFTER);
  line(&e, "", 0);
  w->events++;
  return e.rc;
}

/* ---- pieces ---- */

static void put(gf__fw_ev *e, const char *p, size_t n) {
  if (!e->rc && n)
    e->rc = gf__buf_append(e->out, p, n);
}

static void line(gf__fw_ev *e, const char *p, size_t n) {
  put(e, p, n);
  const char *eol = gf__sim_fw_eol(e->w);
  put(e, eol, strlen(eol));
}

/* The fields that go at pos for this event. They rotate from event to
 * event, so that each one stands before, between and after the data lines
 * in turn: event k puts "event" at k % 3, "id" at (k + 1) % 3 and, in the
 * first event only, "retry" at (k + 2) % 3. */
static void fields_at(gf__fw_ev *e, int pos) {
  if (!e->w->f->sse_fields)
    return;
  unsigned k = e->w->events;
  const char *sep = e->w->f->nospace ? ":" : ": ";
  char buf[64];
  int n;
  if ((int)(k % N_POS) == pos) {
    n = snprintf(buf, sizeof buf, "event%smessage", sep);
    line(e, buf, (size_t)n);
  }
  if ((int)((k + 1) % N_POS) == pos) {
    n = snprintf(buf, sizeof buf, "id%s%u", sep, k + 1);
    line(e, buf, (size_t)n);
  }
  if (k == 0 && (int)((k + 2) % N_POS) == pos) {
    n = snprintf(buf, sizeof buf, "retry%s%d", sep, GF_SIM_RETRY_MS);
    line(e, buf, (size_t)n);
  }
}

/* The next data line of json from *pos: up to an LF (which is dropped) or,
 * with multiline, up to and including a '{', ',' or ':' outside strings
 * that is not already followed by an LF or the end. Returns its length and
 * moves *pos past it. The string state carries over from line to line,
 * though a line never ends inside a string. */
static size_t next_line(const gf__sim_framing *f, const char *json, size_t n,
                        size_t *pos, int *in_str, int *esc) {
  size_t i = *pos;
  for (; i < n; i++) {
    char c = json[i];
    if (c == '\n') {
      size_t len = i - *pos;
      *pos = i + 1;
      return len;
    }
    if (*in_str) {
      if (*esc)
        *esc = 0;
      else if (c == '\\')
        *esc = 1;
      else if (c == '"')
        *in_str = 0;
      continue;
    }
    if (c == '"') {
      *in_str = 1;
    } else if (f->multiline && (c == '{' || c == ',' || c == ':') &&
               i + 1 < n && json[i + 1] != '\n') {
      size_t len = i + 1 - *pos;
      *pos = i + 1;
      return len;
    }
  }
  size_t len = i - *pos;
  *pos = n;
  return len;
}
