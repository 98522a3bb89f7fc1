/* Huge lines cost no memory: a 20 MB data line goes through on_data as whole
 * runs (one call per feed), and a 20 MB line of any other kind is dropped
 * past max_line. The heap in use is sampled inside every callback and after
 * every feed; its peak above the level before the decoder was made must
 * stay small. Many short CR-only lines go through too (no quadratic scan). */
#include "test.h"
#include "heap.h"

#include <stdint.h>

#include "gemflow.h"
#include "sse/sse.h"


#define BIG ((size_t)20 * 1024 * 1024)
#define HEAP_BOUND ((size_t)64 * 1024)

typedef struct big_ctx {
  size_t bytes, calls, dispatches, others, comments, type_len;
  uint64_t hash;
  size_t base, peak;
} big_ctx;

static uint64_t fnv(uint64_t h, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
  return h;
}

static void sample(big_ctx *c) {
  size_t now = gf_t_heap_in_use();
  if (now > c->base && now - c->base > c->peak)
    c->peak = now - c->base;
}

static int big_data(void *ud, const char *p, size_t n) {
  big_ctx *c = ud;
  c->bytes += n;
  c->calls++;
  c->hash = fnv(c->hash, p, n);
  sample(c);
  return 0;
}

static int big_dispatch(void *ud, const char *type, const char *id) {
  big_ctx *c = ud;
  c->dispatches++;
  c->type_len = strlen(type);
  sample(c);
  return 0;
}

static int big_other(void *ud, const char *p, size_t n) {
  ((big_ctx *)ud)->others++;
  return 0;
}

static int big_comment(void *ud, const char *p, size_t n) {
  ((big_ctx *)ud)->comments++;
  return 0;
}

static const gf__sse_cbs big_cbs = {big_data, big_dispatch, NULL, big_comment,
                                    big_other};

/* prefix + BIG payload bytes + suffix, in one allocation. */
static char *make_stream(const char *prefix, const char *suffix, size_t *len,
                         uint64_t *payload_hash) {
  static const char b64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t pl = strlen(prefix), sl = strlen(suffix);
  char *s = malloc(pl + BIG + sl);
  if (!s)
    abort();
  memcpy(s, prefix, pl);
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < BIG; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    s[pl + i] = b64[x & 63];
  }
  memcpy(s + pl + BIG, suffix, sl);
  *len = pl + BIG + sl;
  if (payload_hash)
    *payload_hash = fnv(0xcbf29ce484222325ULL, s + pl, BIG);
  return s;
}

/* Feeds in pieces of `piece` bytes (0: all at once) and ends the stream. */
static void feed_all(big_ctx *c, const char *in, size_t n, size_t piece,
                     size_t max_line, int *end_rc) {
  memset(c, 0, sizeof *c);
  c->hash = 0xcbf29ce484222325ULL;
  c->base = gf_t_heap_in_use();
  gf__sse *s = gf__sse_new(&big_cbs, c, max_line);
  CHECK(s != NULL);
  for (size_t at = 0; at < n;) {
    size_t k = piece && n - at > piece ? piece : n - at;
    CHECK_INT(gf__sse_feed(s, in + at, k), 0);
    sample(c);
    at += k;
  }
  *end_rc = gf__sse_end(s);
  sample(c);
  gf__sse_free(s);
}

/* How many feeds of `piece` bytes hold some of [from, to). */
static size_t feeds_touching(size_t n, size_t piece, size_t from, size_t to) {
  size_t k = 0;
  for (size_t at = 0; at < n; at += piece)
    if (at + piece > from && at < to)
      k++;
  return k;
}

static void data_line_20mb(void) {
  size_t n;
  uint64_t want;
  char *in = make_stream("data: ", "\r\n\r\n", &n, &want);
  static const size_t pieces[] = {16384, 65521, 1000003};
  big_ctx c;
  int rc;
  for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
    feed_all(&c, in, n, pieces[i], 0, &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(c.bytes, BIG);
    CHECK(c.hash == want);
    CHECK_INT(c.dispatches, 1);
    /* One on_data call per feed that holds data: never per byte or line. */
    CHECK_INT(c.calls, feeds_touching(n, pieces[i], 6, 6 + BIG));
    CHECK(c.peak < HEAP_BOUND);
  }
  feed_all(&c, in, n, 0, 0, &rc); /* all at once: one call */
  CHECK_INT(c.calls, 1);
  CHECK_INT(c.bytes, BIG);
  CHECK(c.peak < HEAP_BOUND);
  free(in);
}

static void other_lines_20mb(void) {
  size_t n;
  big_ctx c;
  int rc;
  /* A raw 20 MB line without a colon (say, a body that is not SSE), then
   * a normal event. */
  char *in = make_stream("", "\ndata:ok\n\n", &n, NULL);
  feed_all(&c, in, n, 16384, 0, &rc);
  CHECK_INT(rc, 0);
  CHECK_INT(c.others, 0);
  CHECK_INT(c.bytes, 2);
  CHECK_INT(c.dispatches, 1);
  CHECK(c.peak < HEAP_BOUND);
  free(in);
  /* A 20 MB comment. */
  in = make_stream(":", "\r\ndata:ok\r\n\r\n", &n, NULL);
  feed_all(&c, in, n, 65536, 0, &rc);
  CHECK_INT(c.comments, 0);
  CHECK_INT(c.dispatches, 1);
  CHECK(c.peak < HEAP_BOUND);
  free(in);
  /* A 20 MB unknown field and a 20 MB event type (cut to max_line). */
  in = make_stream("error: ", "\ndata:ok\n\n", &n, NULL);
  feed_all(&c, in, n, 16384, 0, &rc);
  CHECK_INT(c.others, 0);
  CHECK_INT(c.dispatches, 1);
  CHECK(c.peak < HEAP_BOUND);
  CHECK(c.peak >= 4096); /* the line buffer was seen, filled to max_line */
  free(in);
  in = make_stream("event:", "\rdata:ok\r\r", &n, NULL);
  feed_all(&c, in, n, 16384, 0, &rc);
  CHECK_INT(c.dispatches, 1);
  CHECK_INT(c.type_len, 4096 - 6);
  CHECK(c.peak < HEAP_BOUND);
  free(in);
}

/* 1.5 million short events with CR-only (then LF-only) line ends. */
static void many_short_lines(void) {
  static const char *const evs[] = {"data:ab\r\r", "data:ab\n\n"};
  const size_t count = 1500000;
  for (int e = 0; e < 2; e++) {
    size_t el = strlen(evs[e]), n = el * count;
    char *in = malloc(n);
    for (size_t i = 0; i < count; i++)
      memcpy(in + i * el, evs[e], el);
    big_ctx c;
    int rc;
    feed_all(&c, in, n, 65536, 0, &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(c.dispatches, count);
    CHECK_INT(c.bytes, 2 * count);
    CHECK(c.peak < HEAP_BOUND);
    free(in);
  }
}

/* The probe sees allocations, so the bounds above can fail. */
static void heap_probe_works(void) {
  size_t before = gf_t_heap_in_use();
  char *p = malloc(100000);
  CHECK(p != NULL);
  memset(p, 1, 100000);
  CHECK(gf_t_heap_in_use() >= before + 100000);
  free(p);
}

TEST_MAIN(TEST(heap_probe_works), TEST(data_line_20mb), TEST(other_lines_20mb),
          TEST(many_short_lines))
