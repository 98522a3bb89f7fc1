/* Turns the SSE decoder's callbacks into one canonical transcript string, so
 * that a vector's expected result is one exact string, whatever the split:
 *
 *   data[...]          the data pieces, adjacent pieces merged
 *   dispatch(type,id)  comment[...]  other[...]  retry(N)
 *   stop(N)            a feed returned N (the driver feeds no more)
 *   end(N)             what gf__sse_end returned
 *
 * Entries are separated by one space. Bytes outside printable ASCII, and
 * '\\', are escaped: \n \r \0 \\ \xHH. Used by tests/sse and the fuzz target
 * (so it needs only the sse and common layers, no test harness). */
#ifndef GF_TESTS_SSE_RECORDER_H
#define GF_TESTS_SSE_RECORDER_H
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "sse/sse.h"

typedef struct sse_rec {
  gf__buf out;
  int in_data;   /* "data[" is open: the next data piece continues it */
  char stop_on;  /* first letter of the callback kind that stops, or 0 */
  int stop_rc;   /* what it returns then */
  size_t pieces; /* on_data calls, to see that runs are not cut per byte */
} sse_rec;

static inline void sse_rec_put(sse_rec *r, const char *s, size_t n) {
  if (gf__buf_append(&r->out, s, n))
    abort();
}

static inline void sse_rec_esc(sse_rec *r, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    char tmp[8];
    if (c == '\n')
      sse_rec_put(r, "\\n", 2);
    else if (c == '\r')
      sse_rec_put(r, "\\r", 2);
    else if (c == 0)
      sse_rec_put(r, "\\0", 2);
    else if (c == '\\')
      sse_rec_put(r, "\\\\", 2);
    else if (c < 0x20 || c > 0x7e) {
      snprintf(tmp, sizeof tmp, "\\x%02x", c);
      sse_rec_put(r, tmp, 4);
    } else
      sse_rec_put(r, (const char *)&c, 1);
  }
}

/* Closes an open data entry and starts a new entry. */
static inline void sse_rec_entry(sse_rec *r, const char *head) {
  if (r->in_data)
    sse_rec_put(r, "]", 1);
  r->in_data = 0;
  if (r->out.len)
    sse_rec_put(r, " ", 1);
  sse_rec_put(r, head, strlen(head));
}

static inline int sse_rec_rc(sse_rec *r, char kind) {
  return r->stop_on == kind ? r->stop_rc : 0;
}

static inline int sse_rec_data(void *ud, const char *p, size_t n) {
  sse_rec *r = ud;
  r->pieces++;
  if (n == 0) /* the contract says never: make it visible */
    sse_rec_entry(r, "EMPTY-DATA-PIECE");
  if (!r->in_data) {
    sse_rec_entry(r, "data[");
    r->in_data = 1;
  }
  sse_rec_esc(r, p, n);
  return sse_rec_rc(r, 'd');
}

static inline int sse_rec_dispatch(void *ud, const char *type, const char *id) {
  sse_rec *r = ud;
  sse_rec_entry(r, "dispatch(");
  sse_rec_esc(r, type, strlen(type));
  sse_rec_put(r, ",", 1);
  sse_rec_esc(r, id, strlen(id));
  sse_rec_put(r, ")", 1);
  return sse_rec_rc(r, 'D');
}

static inline int sse_rec_retry(void *ud, uint64_t ms) {
  sse_rec *r = ud;
  char tmp[40];
  snprintf(tmp, sizeof tmp, "retry(%" PRIu64 ")", ms);
  sse_rec_entry(r, tmp);
  return sse_rec_rc(r, 'r');
}

static inline int sse_rec_comment(void *ud, const char *p, size_t n) {
  sse_rec *r = ud;
  sse_rec_entry(r, "comment[");
  sse_rec_esc(r, p, n);
  sse_rec_put(r, "]", 1);
  return sse_rec_rc(r, 'c');
}

static inline int sse_rec_other(void *ud, const char *p, size_t n) {
  sse_rec *r = ud;
  sse_rec_entry(r, "other[");
  sse_rec_esc(r, p, n);
  sse_rec_put(r, "]", 1);
  return sse_rec_rc(r, 'o');
}

static const gf__sse_cbs sse_rec_cbs = {sse_rec_data, sse_rec_dispatch,
                                        sse_rec_retry, sse_rec_comment,
                                        sse_rec_other};

/* How to drive one run. */
typedef struct sse_run_opts {
  size_t max_line;
  char stop_on;
  int stop_rc;
  const gf__sse_cbs *cbs; /* NULL: all of sse_rec_cbs */
} sse_run_opts;

/* Feeds in[0..n) cut at cuts[0] < cuts[1] < ... (each piece copied to a
 * buffer of its exact size, so that a read past it is caught by ASan),
 * then ends the stream. Returns the transcript (malloc'd) and the number of
 * on_data calls in *pieces if not NULL. */
static inline char *sse_run(const char *in, size_t n, const size_t *cuts,
                            size_t ncuts, const sse_run_opts *o,
                            size_t *pieces) {
  sse_rec r;
  memset(&r, 0, sizeof r);
  gf__buf_init(&r.out, 0);
  r.stop_on = o ? o->stop_on : 0;
  r.stop_rc = o ? o->stop_rc : 0;
  gf__sse *s =
      gf__sse_new(o && o->cbs ? o->cbs : &sse_rec_cbs, &r, o ? o->max_line : 0);
  if (!s)
    abort();
  int stopped = 0;
  size_t at = 0;
  for (size_t i = 0; i <= ncuts && !stopped; i++) {
    size_t to = i < ncuts ? cuts[i] : n;
    char *piece = malloc(to - at ? to - at : 1);
    if (!piece)
      abort();
    memcpy(piece, in + at, to - at);
    int rc = gf__sse_feed(s, piece, to - at);
    free(piece);
    if (rc) {
      char tmp[40];
      snprintf(tmp, sizeof tmp, "stop(%d)", rc);
      sse_rec_entry(&r, tmp);
      stopped = 1;
    }
    at = to;
  }
  if (!stopped) {
    char tmp[40];
    int rc = gf__sse_end(s);
    snprintf(tmp, sizeof tmp, "end(%d)", rc);
    sse_rec_entry(&r, tmp);
  }
  gf__sse_free(s);
  if (pieces)
    *pieces = r.pieces;
  return gf__buf_steal(&r.out, NULL);
}

/* The transcript of the whole input fed at once. */
static inline char *sse_run_whole(const char *in, size_t n,
                                  const sse_run_opts *o) {
  return sse_run(in, n, NULL, 0, o, NULL);
}
#endif
