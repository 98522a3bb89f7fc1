/* The event-stream writer: frames data so that the decoder gives it back
 * exactly. */
#include <string.h>

#include "common/buf.h"
#include "gemflow.h"
#include "sse/sse.h"

static const char *check_eol(const char *eol);
static int undo(gf__buf *out, size_t len, int rc);

int gf__sse_write_event(gf__buf *out, const char *data, size_t n,
                        const char *eol) {
  eol = check_eol(eol);
  /* A CR would end the line early on the reading side. */
  if (!eol || (n && memchr(data, '\r', n)))
    return GF_EINVAL;
  size_t start = out->len, el = strlen(eol);
  const char *p = data, *end = n ? data + n : data;
  int rc;
  for (;;) {
    const char *lf = n ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    size_t ln = (size_t)((lf ? lf : end) - p);
    /* "data: " always, so a value starting with a space keeps it. */
    if ((rc = gf__buf_append(out, ln ? "data: " : "data:", ln ? 6 : 5)) ||
        (ln && (rc = gf__buf_append(out, p, ln))) ||
        (rc = gf__buf_append(out, eol, el)))
      return undo(out, start, rc);
    if (!lf)
      break;
    p = lf + 1;
  }
  if ((rc = gf__buf_append(out, eol, el)))
    return undo(out, start, rc);
  return 0;
}

int gf__sse_write_comment(gf__buf *out, const char *text, size_t n,
                          const char *eol) {
  eol = check_eol(eol);
  if (!eol || (n && (memchr(text, '\r', n) || memchr(text, '\n', n))))
    return GF_EINVAL;
  size_t start = out->len;
  int rc;
  if ((rc = gf__buf_append(out, ":", 1)) ||
      (n && (rc = gf__buf_append(out, text, n))) ||
      (rc = gf__buf_append(out, eol, strlen(eol))))
    return undo(out, start, rc);
  return 0;
}

/* The line end to use, or NULL when it is not one the standard knows. */
static const char *check_eol(const char *eol) {
  if (!eol)
    return "\r\n";
  if (!strcmp(eol, "\r\n") || !strcmp(eol, "\n") || !strcmp(eol, "\r"))
    return eol;
  return NULL;
}

static int undo(gf__buf *out, size_t len, int rc) {
  gf__buf_truncate(out, len);
  return rc;
}
