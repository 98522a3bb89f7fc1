/* libFuzzer target for the gemini event decoder.
 *
 * Input: byte 0 picks the mode (bit 0: JSON array, else SSE events) and the
 * small-event limit (bits 1-3); bytes 1-2 pick split points; the rest is
 * the stream. In SSE mode it is cut into events at NUL bytes, and an event
 * starting with "R:" is a raw line instead.
 *
 * The stream is decoded fed whole, cut at the chosen points (every event
 * cut the same way), and (when short) byte by byte. All runs must give the
 * same return code and the same transcript of callbacks. An image still
 * open when an error stopped the decoder is left out of the transcript: how
 * far it got before the error depends on where the input was cut. The
 * event copy must stay within its limit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/sha256.h"
#include "gemini/gemini_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fz_rec {
  gf__buf log;
  gf__buf pending; /* the open image's begin line */
  gf__sha256 sha;
  uint64_t bytes;
} fz_rec;

static void fz_add(gf__buf *b, const char *s, size_t n) {
  if (gf__buf_append(b, s, n))
    abort();
}

static int fz_text(void *ud, const char *t, size_t n) {
  fz_rec *r = ud;
  if (n == 0)
    abort(); /* never called empty */
  fz_add(&r->log, "T:", 2);
  fz_add(&r->log, t, n);
  fz_add(&r->log, "\n", 1);
  return 0;
}
static int fz_thought(void *ud, const char *t, size_t n) {
  fz_rec *r = ud;
  if (n == 0)
    abort();
  fz_add(&r->log, "H:", 2);
  fz_add(&r->log, t, n);
  fz_add(&r->log, "\n", 1);
  return 0;
}
static int fz_begin(void *ud, const char *mime, int thought) {
  fz_rec *r = ud;
  char line[300];
  int n = snprintf(line, sizeof line, "B:%s,%d\n", mime ? mime : "-", thought);
  gf__buf_reset(&r->pending);
  fz_add(&r->pending, line, (size_t)n);
  gf__sha256_init(&r->sha);
  r->bytes = 0;
  return 0;
}
static int fz_data(void *ud, const unsigned char *p, size_t n) {
  fz_rec *r = ud;
  if (n == 0 || n > GF__IMG_OUT || r->pending.len == 0)
    abort(); /* empty, oversized, or data before begin */
  gf__sha256_update(&r->sha, p, n);
  r->bytes += n;
  return 0;
}
static int fz_end(void *ud, const char *mime, int thought, uint64_t bytes) {
  fz_rec *r = ud;
  unsigned char h[32];
  char line[400];
  if (bytes != r->bytes || bytes == 0 || r->pending.len == 0)
    abort();
  gf__sha256_final(&r->sha, h);
  fz_add(&r->log, r->pending.data, r->pending.len);
  gf__buf_reset(&r->pending);
  int n = snprintf(line, sizeof line,
                   "E:%s,%d,%llu,%02x%02x%02x%02x%02x%02x%02x%02x\n",
                   mime ? mime : "-", thought, (unsigned long long)bytes, h[0],
                   h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
  fz_add(&r->log, line, (size_t)n);
  return 0;
}
static int fz_usage(void *ud, const gf_usage *u) {
  fz_rec *r = ud;
  char line[200];
  int n = snprintf(line, sizeof line, "U:%lld,%lld,%lld,%lld\n",
                   (long long)u->prompt_tokens, (long long)u->candidates_tokens,
                   (long long)u->thoughts_tokens, (long long)u->total_tokens);
  fz_add(&r->log, line, (size_t)n);
  return 0;
}

/* A part for a chat: a text (NUL-terminated at its length) or an image,
 * never both; logged, so every split must see the same parts. */
static int fz_part(void *ud, const gf__ev_part *p) {
  fz_rec *r = ud;
  if ((p->text != NULL) == (p->image != 0) ||
      (p->text && strlen(p->text) > p->text_len) ||
      (p->text && p->text[p->text_len] != '\0'))
    abort();
  char line[300];
  int n = snprintf(line, sizeof line, "P:%d,%d,%zu,%.40s,%.40s\n", p->thought,
                   p->image, p->text_len, p->mime ? p->mime : "-",
                   p->signature ? p->signature : "-");
  fz_add(&r->log, line, n > 0 && (size_t)n < sizeof line ? (size_t)n : 0);
  return 0;
}

static const gf__ev_cbs fz_cbs = {fz_thought, fz_text, fz_begin,
                                  fz_data,    fz_end,  fz_usage, fz_part};

/* Feeds p[0..n): whole (step 0), or in pieces of step bytes after a first
 * piece of first bytes. */
static int fz_feed(gf__evdec *d, int array, const char *p, size_t n,
                   size_t first, size_t step) {
  int (*f)(gf__evdec *, const char *, size_t) =
      array ? gf__evdec_array_feed : gf__evdec_event_feed;
  if (step == 0)
    return f(d, p, n);
  size_t i = first < n ? first : n;
  int rc = f(d, p, i);
  while (!rc && i < n) {
    size_t k = n - i < step ? n - i : step;
    rc = f(d, p + i, k);
    i += k;
  }
  return rc;
}

static void fz_check_bounded(const gf__evdec *d, size_t limit) {
  if (d->ev.len > limit || d->ev.cap > 2 * limit + 256 ||
      d->raw.len > GF__RAW_MAX)
    abort();
}

static int fz_run(const char *p, size_t n, int array, size_t limit,
                  size_t first, size_t step, gf__buf *out) {
  size_t bound = limit ? limit : GF__EVENT_DEFAULT;
  fz_rec r;
  gf__buf_init(&r.log, 0);
  gf__buf_init(&r.pending, 0);
  gf__evdec *d = gf__evdec_new(&fz_cbs, &r, limit);
  if (!d)
    abort();
  int rc = 0;
  if (array) {
    rc = fz_feed(d, 1, p, n, first, step);
  } else {
    for (size_t at = 0; at <= n && !rc;) {
      const char *nul = memchr(p + at, '\0', n - at);
      size_t end = nul ? (size_t)(nul - p) : n;
      if (end - at >= 2 && p[at] == 'R' && p[at + 1] == ':') {
        rc = gf__evdec_raw_line(d, p + at + 2, end - at - 2);
      } else {
        rc = fz_feed(d, 0, p + at, end - at, first, step);
        if (!rc) {
          int complete = gf__evdec_event_complete(d);
          rc = gf__evdec_event_end(d);
          if (complete && rc == GF_EJSON)
            abort(); /* complete means it ends well as JSON */
        }
      }
      fz_check_bounded(d, bound);
      at = end + 1;
    }
  }
  if (!rc)
    rc = gf__evdec_finish(d);
  fz_check_bounded(d, bound);
  const gf__gem_summary *s = gf__evdec_summary(d);
  if (s->final_images > s->images ||
      (s->have_error && gf__gemini_verdict(s) != GF_EAPI))
    abort();
  char line[600];
  int k =
      snprintf(line, sizeof line,
               "rc=%d ev=%d img=%d/%d err=%d v=%d f=%.80s b=%.80s "
               "m=%.80s id=%.80s\n",
               rc, s->events, s->images, s->final_images, s->have_error,
               gf__gemini_verdict(s), s->finish_reason ? s->finish_reason : "-",
               s->block_reason ? s->block_reason : "-",
               s->model_version ? s->model_version : "-",
               s->response_id ? s->response_id : "-");
  fz_add(&r.log, line, (size_t)k);
  gf__evdec_free(d);
  gf__buf_free(&r.pending);
  *out = r.log;
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3)
    return 0;
  int array = data[0] & 1;
  static const size_t limits[8] = {16, 64, 256, 1024, 4096, 65536, 1 << 20, 0};
  size_t limit = limits[(data[0] >> 1) & 7];
  size_t first = data[1], step = (size_t)data[2] % 61 + 1;
  const char *p = (const char *)data + 3;
  size_t n = size - 3;

  gf__buf whole, cut, bytes;
  int rc_whole = fz_run(p, n, array, limit, 0, 0, &whole);
  int rc_cut = fz_run(p, n, array, limit, first, step, &cut);
  if (rc_whole != rc_cut || whole.len != cut.len ||
      memcmp(whole.data, cut.data, whole.len) != 0)
    abort();
  if (n <= 4096) {
    int rc_bytes = fz_run(p, n, array, limit, 1, 1, &bytes);
    if (rc_bytes != rc_whole || whole.len != bytes.len ||
        memcmp(whole.data, bytes.data, whole.len) != 0)
      abort();
    gf__buf_free(&bytes);
  }
  gf__buf_free(&whole);
  gf__buf_free(&cut);
  return 0;
}
