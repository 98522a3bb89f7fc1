/* The event decoder's public face: SSE events, the JSON-array body, raw
 * lines, the end of the stream, and the verdict. The scanning is jscan.c,
 * the image stream imgstream.c, the reading of a whole event evjson.c. */
#include <stdlib.h>
#include <string.h>

#include "gemini/gemini_int.h"

enum { GF__MODE_NONE, GF__MODE_SSE, GF__MODE_ARRAY };

static int gf__evdec_mode(gf__evdec *d, int mode);
static int gf__evdec_fail(gf__evdec *d, int err);
static int gf__raw_finish(gf__evdec *d);

gf__evdec *gf__evdec_new(const gf__ev_cbs *cbs, void *ud,
                         size_t max_event_bytes) {
  gf__evdec *d = calloc(1, sizeof *d);
  if (!d)
    return NULL;
  if (cbs)
    d->cbs = *cbs;
  d->ud = ud;
  gf__buf_init(&d->ev, max_event_bytes ? max_event_bytes : GF__EVENT_DEFAULT);
  gf__buf_init(&d->raw, GF__RAW_MAX);
  d->sum.error.retry_delay_s = -1;
  d->max_depth = GF__JS_DEFAULT_DEPTH;
  gf__jscan_reset(d);
  return d;
}

int gf__evdec_max_depth(gf__evdec *d, int depth) {
  if (depth < 1 || depth > GF__JS_MAX_DEPTH)
    return GF_EINVAL;
  d->max_depth = depth;
  return 0;
}

void gf__evdec_free(gf__evdec *d) {
  if (!d)
    return;
  gf__buf_free(&d->ev);
  gf__buf_free(&d->raw);
  if (d->blocks)
    gf__blocks_put(d->blocks, d->out);
  else
    free(d->out);
  free(d->sum.finish_reason);
  free(d->sum.block_reason);
  free(d->sum.model_version);
  free(d->sum.response_id);
  gf__api_error_free(&d->sum.error);
  free(d);
}

const gf__gem_summary *gf__evdec_summary(const gf__evdec *d) { return &d->sum; }

void gf__evdec_share_blocks(gf__evdec *d, gf__blocks *blocks) {
  d->blocks = blocks && blocks->size >= GF__IMG_BLOCK ? blocks : NULL;
}

int gf__evdec_yield(gf__evdec *d) {
  if (!d->blocks || !d->out)
    return d->err;
  int rc = d->err || !d->out_len ? 0 : gf__img_flush(d, 0);
  gf__img_release(d);
  return rc ? gf__evdec_fail(d, rc) : d->err;
}

/* OpenAI-style gateways may end a stream with "data: [DONE]". The Gemini
 * API has no such terminator, but a gateway in front of it may add one: an
 * event that is exactly "[DONE]" is skipped; any other event starting with
 * '[' is invalid (an event is one object). */
static int gf__sentinel_feed(gf__evdec *d, const char *p, size_t n) {
  if (n > sizeof d->sentinel - d->sentinel_len)
    return gf__evdec_fail(d, GF_EJSON);
  memcpy(d->sentinel + d->sentinel_len, p, n);
  d->sentinel_len += n;
  return 0;
}

static int gf__sentinel_end(gf__evdec *d) {
  int done = d->sentinel_len == 6 && memcmp(d->sentinel, "[DONE]", 6) == 0;
  d->in_sentinel = 0;
  d->sentinel_len = 0;
  return done ? 0 : gf__evdec_fail(d, GF_EJSON);
}

int gf__evdec_event_feed(gf__evdec *d, const char *p, size_t n) {
  int rc = gf__evdec_mode(d, GF__MODE_SSE);
  if (rc || n == 0)
    return rc;
  if (!d->ev_fed && p[0] == '[')
    d->in_sentinel = 1;
  d->ev_fed = 1;
  return d->in_sentinel ? gf__sentinel_feed(d, p, n) : gf__jscan_feed(d, p, n);
}

int gf__evdec_event_end(gf__evdec *d) {
  int rc = gf__evdec_mode(d, GF__MODE_SSE);
  if (rc)
    return rc;
  d->ev_fed = 0;
  if (d->in_sentinel)
    return gf__sentinel_end(d);
  if (gf__jscan_idle(d)) /* an event of whitespace: nothing to read */
    return 0;
  rc = gf__jscan_complete(d) ? gf__ev_process(d) : GF_EJSON;
  gf__jscan_reset(d);
  return rc ? gf__evdec_fail(d, rc) : 0;
}

int gf__evdec_event_complete(const gf__evdec *d) {
  if (d->in_sentinel)
    return d->sentinel_len == 6 && memcmp(d->sentinel, "[DONE]", 6) == 0;
  return d->mode == GF__MODE_SSE && !d->err && gf__jscan_complete(d);
}

/* Lines that are no SSE field: a raw error object, or junk (keep-alive
 * pings, proxy noise) that must not fail a good stream. They are kept up to
 * GF__RAW_MAX and looked at only at the end. */
int gf__evdec_raw_line(gf__evdec *d, const char *line, size_t n) {
  if (d->err)
    return d->err;
  if (d->raw.len + n + 1 > GF__RAW_MAX)
    return 0; /* a larger error object is no error object */
  if (d->raw.len == 0) { /* gather from the line that opens an object */
    size_t i = 0;
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
      i++;
    if (i == n || line[i] != '{')
      return 0;
  }
  int rc = gf__buf_append(&d->raw, line, n);
  if (!rc)
    rc = gf__buf_appendc(&d->raw, '\n');
  return rc ? gf__evdec_fail(d, rc) : 0;
}

int gf__evdec_array_feed(gf__evdec *d, const char *p, size_t n) {
  int rc = gf__evdec_mode(d, GF__MODE_ARRAY);
  return rc ? rc : gf__jscan_feed(d, p, n);
}

int gf__evdec_finish(gf__evdec *d) {
  if (d->err)
    return d->err;
  /* a raw error object says more than the truncation it caused */
  int rc = gf__raw_finish(d);
  if (rc)
    return rc;
  if (d->mode == GF__MODE_SSE && !gf__jscan_idle(d))
    return gf__evdec_fail(d, GF_ETRUNCATED);
  if (d->mode == GF__MODE_ARRAY && !gf__jscan_complete(d))
    return gf__evdec_fail(d, GF_ETRUNCATED);
  return 0;
}

int gf__gemini_verdict(const gf__gem_summary *s) {
  if (s->have_error)
    return GF_EAPI;
  if (s->block_reason)
    return GF_EBLOCKED;
  if (s->finish_reason && strcmp(s->finish_reason, "STOP") != 0)
    return GF_EFINISH;
  if (!s->finish_reason)
    return GF_ENOFINISH;
  return s->images > 0 ? 0 : GF_ENOIMAGE;
}

/* The first feed fixes the mode; the other mode's calls are misuse. */
static int gf__evdec_mode(gf__evdec *d, int mode) {
  if (d->mode != GF__MODE_NONE && d->mode != mode)
    return GF_EINVAL;
  d->mode = mode;
  return d->err;
}

static int gf__evdec_fail(gf__evdec *d, int err) {
  if (!d->err)
    d->err = err;
  return d->err;
}

/* Raw lines gathered: GF_EAPI when they are an error object; anything else
 * is ignored (0), and the stream is judged by its events. */
static int gf__raw_finish(gf__evdec *d) {
  size_t i = 0;
  const char *r = d->raw.data;
  while (i < d->raw.len &&
         (r[i] == ' ' || r[i] == '\t' || r[i] == '\r' || r[i] == '\n'))
    i++;
  if (i == d->raw.len)
    return 0;
  gf__api_error e;
  if (gf__gemini_parse_error(d->raw.data, d->raw.len, &e) != 0)
    return 0;
  gf__api_error_free(&d->sum.error);
  d->sum.error = e;
  d->sum.have_error = 1;
  return gf__evdec_fail(d, GF_EAPI);
}
