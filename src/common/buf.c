#include "common/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemflow.h"

void gf__buf_init(gf__buf *b, size_t limit) {
  b->data = NULL;
  b->len = b->cap = 0;
  b->limit = limit;
}

void gf__buf_free(gf__buf *b) {
  free(b->data);
  gf__buf_init(b, b->limit);
}

void gf__buf_reset(gf__buf *b) { gf__buf_truncate(b, 0); }

void gf__buf_truncate(gf__buf *b, size_t len) {
  b->len = len;
  if (b->data)
    b->data[len] = '\0';
}

static int reserve(gf__buf *b, size_t extra) {
  if (b->limit && (extra > b->limit || b->len > b->limit - extra))
    return GF_ETOOBIG;
  size_t need = b->len + extra + 1;
  if (need <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need)
    cap *= 2;
  /* a limit means what it says: never more than limit + the NUL */
  if (b->limit && cap > b->limit + 1)
    cap = b->limit + 1;
  char *p = realloc(b->data, cap);
  if (!p)
    return GF_ENOMEM;
  b->data = p;
  b->cap = cap;
  return 0;
}

int gf__buf_append(gf__buf *b, const void *p, size_t n) {
  int rc = reserve(b, n);
  if (rc)
    return rc;
  if (n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int gf__buf_appendc(gf__buf *b, char c) { return gf__buf_append(b, &c, 1); }

int gf__buf_printf(gf__buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return GF_EINVAL;
  int rc = reserve(b, (size_t)n);
  if (rc)
    return rc;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

char *gf__buf_steal(gf__buf *b, size_t *len) {
  char *p = b->data;
  if (len)
    *len = b->len;
  gf__buf_init(b, b->limit);
  return p;
}
