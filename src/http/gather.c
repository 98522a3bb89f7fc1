/* Header names and values arrive from llhttp in any number of pieces (one
 * per buffer they straddle); they are gathered here, bounded, and handed out
 * whole, so that callers never see a split header. */
#include <string.h>

#include "gemflow.h"
#include "http/http.h"

enum { GF__G_NAME, GF__G_VALUE, GF__G_DONE };

void gf__http_gather_init(gf__http_gather *g) {
  /* +1 for the NUL between name and value: the bound is on the text */
  gf__buf_init(&g->buf, GF_HTTP_MAX_HEADER + 1);
  g->nlen = 0;
  g->state = GF__G_DONE;
  g->count = 0;
  g->max_count = GF_HTTP_MAX_HEADERS;
}

void gf__http_gather_limits(gf__http_gather *g, size_t header_bytes,
                            unsigned headers) {
  if (header_bytes)
    gf__buf_init(&g->buf, header_bytes + 1);
  if (headers)
    g->max_count = headers;
}

void gf__http_gather_free(gf__http_gather *g) { gf__buf_free(&g->buf); }

void gf__http_gather_begin(gf__http_gather *g) {
  gf__buf_reset(&g->buf);
  g->state = GF__G_DONE;
  g->count = 0;
}

int gf__http_gather_name(gf__http_gather *g, const char *p, size_t n) {
  if (g->state != GF__G_NAME) {
    gf__buf_reset(&g->buf);
    g->state = GF__G_NAME;
  }
  return gf__buf_append(&g->buf, p, n);
}

int gf__http_gather_name_done(gf__http_gather *g) {
  /* llhttp 8.1 lets ": value" through; a field name is a token (RFC 9110
   * 5.1), never empty */
  if (g->state != GF__G_NAME || g->buf.len == 0)
    return GF_EHTTP;
  g->nlen = g->buf.len;
  g->state = GF__G_VALUE;
  return gf__buf_appendc(&g->buf, '\0');
}

int gf__http_gather_value(gf__http_gather *g, const char *p, size_t n) {
  if (g->state != GF__G_VALUE)
    return GF_EHTTP;
  return gf__buf_append(&g->buf, p, n);
}

static int is_ows(char c) { return c == ' ' || c == '\t'; }

int gf__http_gather_value_done(gf__http_gather *g, gf__http_header *h,
                               size_t *nlen, size_t *vlen) {
  if (g->state != GF__G_VALUE)
    return GF_EHTTP;
  g->state = GF__G_DONE;
  if (++g->count > g->max_count)
    return GF_ETOOBIG;
  char *v = g->buf.data + g->nlen + 1;
  size_t n = g->buf.len - g->nlen - 1;
  /* llhttp skips leading whitespace but keeps trailing: the field value
   * excludes both (RFC 9110 5.5) */
  while (n && is_ows(*v))
    v++, n--;
  while (n && is_ows(v[n - 1]))
    n--;
  v[n] = '\0';
  h->name = g->buf.data;
  h->value = v;
  *nlen = g->nlen;
  *vlen = n;
  return 0;
}
