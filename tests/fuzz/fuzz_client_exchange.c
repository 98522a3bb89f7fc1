/* libFuzzer target for the exchange: one attempt's response bytes in,
 * events and one outcome out.
 *
 * Input: byte 0 picks want_sse (bit 0), how the connection ends (bits 1-2:
 * clean, GF_ETRUNCATED, GF_ERESET, clean), the largest piece size (bits
 * 3-4) and the callback that stops a fourth run (bits 5-7: the 1st to the
 * 8th callback of any kind); the rest is the response.
 *
 * The response is fed whole, in pieces whose sizes come from the input's
 * own bytes, and (when short) byte by byte, then the connection ends. The
 * three must give the same transcript (events, text, image bytes and their
 * hash, trace lines) and the same outcome. The one allowed difference: an
 * image still open when a parser error decided the outcome is left out,
 * with whether any of its bytes went out (the decoder hands decoded bytes
 * on at the end of every piece, so how far it got depends on the cuts).
 * And, as for the HTTP parser, GF_ETOOBIG against GF_EHTTP on a header
 * that is both over-long and malformed (see http.h).
 *
 * Every run also checks the contract: no outcome until feed returns 1 or
 * the connection ended, one after; no callback once it is decided; feed
 * returns 1 on every call after the first 1; GF_OK means a 2xx, an image
 * and finish reason STOP. The fourth run, fed whole, has the chosen
 * callback return GF_EIO: the outcome is GF_EIO, stopped, and no callback
 * follows. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/exchange.h"
#include "common/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort, saying which promise broke */
#define gf__fz_check(ok)                                                       \
  do {                                                                         \
    if (!(ok)) {                                                               \
      fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #ok);                 \
      abort();                                                                 \
    }                                                                          \
  } while (0)

typedef struct gf__fz_rec {
  gf__xch *x;
  gf__buf log;     /* events of closed images, text, usage, trace lines */
  gf__buf pending; /* the open image's begin line */
  uint64_t img_bytes, img_hash; /* the open image's bytes so far */
  int calls, stop_at, stopped;  /* stop_at: the call that answers GF_EIO */
  int data_calls, closed_data;  /* closed_data: a closed image had bytes */
} gf__fz_rec;

static void gf__fz_add(gf__buf *b, const char *p, size_t n) {
  if (gf__buf_append(b, p, n))
    abort();
}

/* Every callback: nothing after the outcome, nothing after a stop. */
static int gf__fz_enter(gf__fz_rec *r) {
  gf__fz_check(r->x == NULL || gf__xch_outcome(r->x) == NULL);
  gf__fz_check(!r->stopped);
  if (++r->calls == r->stop_at) {
    r->stopped = 1;
    return GF_EIO;
  }
  return 0;
}

static int gf__fz_text(gf__fz_rec *r, char letter, const char *t, size_t n) {
  int rc = gf__fz_enter(r);
  char head[32];
  gf__fz_check(n > 0);
  int k = snprintf(head, sizeof head, "%c%zu:", letter, n);
  gf__fz_add(&r->log, head, (size_t)k);
  gf__fz_add(&r->log, t, n);
  gf__fz_add(&r->log, "\n", 1);
  return rc;
}

static int gf__fz_thought(void *ud, const char *t, size_t n) {
  return gf__fz_text(ud, 't', t, n);
}

static int gf__fz_plain(void *ud, const char *t, size_t n) {
  return gf__fz_text(ud, 'x', t, n);
}

static int gf__fz_begin(void *ud, const char *mime, int thought) {
  gf__fz_rec *r = ud;
  int rc = gf__fz_enter(r);
  gf__fz_check(r->pending.len == 0);
  gf__buf_printf(&r->pending, "b%.100s,%d\n", mime ? mime : "-", thought);
  r->img_bytes = 0;
  r->img_hash = 14695981039346656037u; /* FNV-1a */
  return rc;
}

static int gf__fz_data(void *ud, const unsigned char *p, size_t n) {
  gf__fz_rec *r = ud;
  int rc = gf__fz_enter(r);
  gf__fz_check(n > 0 && r->pending.len > 0);
  r->data_calls++;
  for (size_t i = 0; i < n; i++)
    r->img_hash = (r->img_hash ^ p[i]) * 1099511628211u;
  r->img_bytes += n;
  return rc;
}

static int gf__fz_end(void *ud, const char *mime, int thought,
                      uint64_t bytes) {
  gf__fz_rec *r = ud;
  int rc = gf__fz_enter(r);
  gf__fz_check(r->pending.len > 0 && bytes == r->img_bytes && bytes > 0);
  gf__fz_add(&r->log, r->pending.data, r->pending.len);
  gf__buf_reset(&r->pending);
  gf__buf_printf(&r->log, "e%.100s,%d,%llu,%016llx\n", mime ? mime : "-",
                 thought, (unsigned long long)bytes,
                 (unsigned long long)r->img_hash);
  r->closed_data = 1;
  return rc;
}

static int gf__fz_usage(void *ud, const gf_usage *u) {
  gf__fz_rec *r = ud;
  int rc = gf__fz_enter(r);
  gf__buf_printf(&r->log, "u%lld,%lld,%lld,%lld\n", (long long)u->prompt_tokens,
                 (long long)u->candidates_tokens,
                 (long long)u->thoughts_tokens, (long long)u->total_tokens);
  return rc;
}

static void gf__fz_trace(void *ud, const char *fmt, va_list ap) {
  gf__fz_rec *r = ud;
  char line[1024];
  vsnprintf(line, sizeof line, fmt, ap);
  gf__buf_printf(&r->log, "v%s\n", line);
}

static const gf__ev_cbs gf__fz_cbs = {gf__fz_thought, gf__fz_plain,
                                      gf__fz_begin,   gf__fz_data,
                                      gf__fz_end,     gf__fz_usage, NULL};

/* What a run gave, kept past gf__xch_free. */
typedef struct gf__fz_out {
  gf__fz_rec rec;
  int early; /* feed returned 1 before the end */
  int status, http_status, api_code, image_bytes, stopped;
  char api_status[128], message[600], finish[128];
  double retry_after_s, retry_wait_s;
} gf__fz_out;

static void gf__fz_copy(char *dst, size_t cap, const char *s) {
  snprintf(dst, cap, "%s", s ? s : "(null)");
}

/* Pieces: step 0 = whole; otherwise sizes 1..step taken from sizes[]. */
static void gf__fz_run(const char *in, size_t n, const uint8_t *sizes,
                       size_t nsizes, size_t step, int want_sse, int end_err,
                       int stop_at, gf__fz_out *o) {
  memset(o, 0, sizeof *o);
  gf__fz_rec *r = &o->rec;
  gf__buf_init(&r->log, 0);
  gf__buf_init(&r->pending, 0);
  gf__fz_add(&r->log, "", 0);
  r->stop_at = stop_at;
  gf__xch_opts opts = {.want_sse = want_sse,
                       .max_event_bytes = 2048,
                       .now = 1748736000.0};
  gf__xch *x = gf__xch_new(&opts, &gf__fz_cbs, gf__fz_trace, r);
  if (!x)
    abort();
  r->x = x;
  int done = 0;
  size_t at = 0;
  for (size_t i = 0; at < n; i++) {
    size_t k = n - at;
    if (step) {
      size_t want = nsizes ? 1 + sizes[i % nsizes] % step : 1;
      k = want < k ? want : k;
    }
    int calls = r->calls, rc = gf__xch_feed(x, in + at, k);
    gf__fz_check(rc == 0 || rc == 1);
    gf__fz_check(!done || (rc == 1 && r->calls == calls)); /* sticky */
    gf__fz_check(rc == (gf__xch_outcome(x) != NULL));
    gf__fz_check(!r->stopped || rc == 1); /* a stop decides at once */
    gf__fz_check(rc || gf__xch_progress(x)->status == 0);
    done = rc;
    at += k;
  }
  o->early = done;
  gf__xch_end(x, end_err, end_err ? "the transport said so" : NULL);
  const gf__outcome *out = gf__xch_outcome(x);
  gf__fz_check(out != NULL && out->summary != NULL);
  gf__fz_check(gf__xch_feed(x, "x", 1) == 1); /* ignored, decided */
  gf__xch_end(x, GF_ERESET, "again");
  gf__fz_check(gf__xch_outcome(x) == out && gf__xch_progress(x) == out);

  o->status = out->status;
  o->http_status = out->http_status;
  o->api_code = out->api_code;
  o->image_bytes = out->image_bytes;
  o->stopped = out->stopped;
  o->retry_after_s = out->retry_after_s;
  o->retry_wait_s = out->retry_wait_s;
  gf__fz_copy(o->api_status, sizeof o->api_status, out->api_status);
  gf__fz_copy(o->message, sizeof o->message, out->message);
  gf__fz_copy(o->finish, sizeof o->finish, out->summary->finish_reason);
  gf__fz_check(out->status <= 0);
  gf__fz_check(out->image_bytes == (r->data_calls > 0));
  gf__fz_check(out->retry_wait_s >= out->retry_after_s);
  if (out->status == GF_OK)
    gf__fz_check(out->http_status >= 200 && out->http_status <= 299 &&
                 out->image_bytes == 1 && out->summary->finish_reason &&
                 strcmp(out->summary->finish_reason, "STOP") == 0 &&
                 !out->stopped);
  if (r->stopped)
    gf__fz_check(out->status == GF_EIO && out->stopped == 1);
  else
    gf__fz_check(out->stopped == 0);
  r->x = NULL;
  gf__xch_free(x);
}

static int gf__fz_same_rc(int a, int b) {
  if (a == b)
    return 1;
  return (a == GF_EHTTP || a == GF_ETOOBIG) &&
         (b == GF_EHTTP || b == GF_ETOOBIG);
}

static void gf__fz_compare(const gf__fz_out *a, const gf__fz_out *b) {
  /* a parser error with an image open: that image is left out */
  int cut = a->early && a->status != GF_OK &&
            (a->rec.pending.len || b->rec.pending.len);
  int same =
      gf__fz_same_rc(a->status, b->status) && a->early == b->early &&
      a->http_status == b->http_status && a->api_code == b->api_code &&
      a->rec.log.len == b->rec.log.len &&
      memcmp(a->rec.log.data, b->rec.log.data, a->rec.log.len) == 0 &&
      strcmp(a->api_status, b->api_status) == 0 &&
      (a->status != b->status || strcmp(a->message, b->message) == 0) &&
      strcmp(a->finish, b->finish) == 0 &&
      a->retry_after_s == b->retry_after_s &&
      a->retry_wait_s == b->retry_wait_s;
  if (same && cut)
    same = a->rec.closed_data == b->rec.closed_data;
  else if (same)
    same = a->image_bytes == b->image_bytes &&
           a->rec.pending.len == b->rec.pending.len &&
           memcmp(a->rec.pending.data, b->rec.pending.data,
                  a->rec.pending.len) == 0 &&
           a->rec.img_bytes == b->rec.img_bytes &&
           (!a->rec.pending.len || a->rec.img_hash == b->rec.img_hash);
  if (!same) {
    fprintf(stderr,
            "runs differ: status %d/%d http %d/%d early %d/%d images %d/%d\n"
            "%s\n%s\n--\n%s\n%s\n",
            a->status, b->status, a->http_status, b->http_status, a->early,
            b->early, a->image_bytes, b->image_bytes, a->message,
            a->rec.log.data, b->message, b->rec.log.data);
    abort();
  }
}

static void gf__fz_free(gf__fz_out *o) {
  gf__buf_free(&o->rec.log);
  gf__buf_free(&o->rec.pending);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const int ends[] = {0, GF_ETRUNCATED, GF_ERESET, 0};
  static const size_t steps[] = {2, 7, 61, 509};
  if (size < 1)
    return 0;
  uint8_t flags = data[0];
  int want_sse = flags & 1, end_err = ends[(flags >> 1) & 3];
  size_t step = steps[(flags >> 3) & 3];
  int stop_at = 1 + (flags >> 5);
  const char *in = (const char *)data + 1;
  size_t n = size - 1;

  gf__fz_out whole, split, bytes, stop;
  gf__fz_run(in, n, NULL, 0, 0, want_sse, end_err, 0, &whole);
  gf__fz_run(in, n, data, size, step, want_sse, end_err, 0, &split);
  gf__fz_compare(&whole, &split);
  gf__fz_free(&split);
  if (n <= 8192) {
    gf__fz_run(in, n, NULL, 0, 1, want_sse, end_err, 0, &bytes);
    gf__fz_compare(&whole, &bytes);
    gf__fz_free(&bytes);
  }
  /* the same, whole, with the stop_at-th callback answering GF_EIO */
  gf__fz_run(in, n, NULL, 0, 0, want_sse, end_err, stop_at, &stop);
  gf__fz_check(stop.rec.stopped == (whole.rec.calls >= stop_at));
  gf__fz_check(stop.rec.calls == (stop.rec.stopped ? stop_at : whole.rec.calls));
  if (stop.rec.stopped && stop.early == 0)
    gf__fz_check(!whole.early); /* only a callback of the end can be late */
  gf__fz_free(&stop);
  gf__fz_free(&whole);
  return 0;
}
