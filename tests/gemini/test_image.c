/* Large images through the event decoder: a 6 MB image arrives byte-exact
 * (sha256) in pieces of every usual size, in SSE and JSON-array mode, with
 * and without escaped slashes, while the small-event buffer stays at 64 KiB
 * and every on_image_data block is bounded. */
#include "b64/b64.h"
#include "common/buf.h"
#include "common/sha256.h"
#include "gemini/gemini_int.h"
#include "test.h"

typedef struct sink {
  gf__sha256 sha;
  uint64_t bytes;
  int begins, ends, datas, max_block, thoughts, usages;
  char mime[32], end_mime[32];
  uint64_t end_bytes;
} sink;

static int on_thought(void *ud, const char *t, size_t n) {
  ((sink *)ud)->thoughts++;
  return 0;
}
static int on_begin(void *ud, const char *mime, int thought) {
  sink *s = ud;
  s->begins++;
  snprintf(s->mime, sizeof s->mime, "%s", mime ? mime : "-");
  return 0;
}
static int on_data(void *ud, const unsigned char *p, size_t n) {
  sink *s = ud;
  gf__sha256_update(&s->sha, p, n);
  s->bytes += n;
  s->datas++;
  if ((int)n > s->max_block)
    s->max_block = (int)n;
  return n ? 0 : GF_EINVAL;
}
static int on_end(void *ud, const char *mime, int thought, uint64_t bytes) {
  sink *s = ud;
  s->ends++;
  s->end_bytes = bytes;
  snprintf(s->end_mime, sizeof s->end_mime, "%s", mime ? mime : "-");
  return 0;
}
static int on_usage(void *ud, const gf_usage *u) {
  ((sink *)ud)->usages++;
  return 0;
}
static const gf__ev_cbs cbs = {on_thought, NULL,   on_begin,
                               on_data,    on_end, on_usage, NULL};

/* Noise that does not compress, behind a PNG signature. */
static unsigned char *make_image(size_t n) {
  unsigned char *img = malloc(n);
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    img[i] = (unsigned char)(x >> 24);
  }
  memcpy(img, "\x89PNG\r\n\x1a\n", 8);
  return img;
}

/* The image event; with slash_escape every '/' of the base64 is "\/", as
 * some JSON writers do. */
static char *make_event(const unsigned char *img, size_t n, int slash_escape,
                        size_t *len) {
  char *b64 = malloc(GF_B64_ENC_LEN(n) + 1);
  size_t bl = gf__b64_encode(img, n, b64);
  gf__buf ev;
  gf__buf_init(&ev, 0);
  gf__buf_printf(&ev,
                 "{\"candidates\":[{\"content\":{\"role\":\"model\","
                 "\"parts\":[{\"text\":\"Here it is\",\"thought\":true},"
                 "{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"");
  for (size_t i = 0; i < bl;) {
    size_t j = i;
    while (j < bl && (!slash_escape || b64[j] != '/'))
      j++;
    gf__buf_append(&ev, b64 + i, j - i);
    if (j < bl)
      gf__buf_append(&ev, "\\/", 2);
    i = j + (j < bl);
  }
  gf__buf_printf(&ev, "\"}}]},\"finishReason\":\"STOP\"}],\"usageMetadata\":"
                      "{\"promptTokenCount\":8,\"candidatesTokenCount\":1120,"
                      "\"totalTokenCount\":1392,\"thoughtsTokenCount\":264},"
                      "\"modelVersion\":\"gemini-3-pro-image-preview\"}");
  free(b64);
  return gf__buf_steal(&ev, len);
}

static void digest(const void *p, size_t n, unsigned char out[32]) {
  gf__sha256 s;
  gf__sha256_init(&s);
  gf__sha256_update(&s, p, n);
  gf__sha256_final(&s, out);
}

/* With shared blocks: after a yield the block is back and every decoded
 * byte is out, but for fewer than 12 before the image has begun. */
static int yield_check(gf__evdec *d, gf__blocks *blocks, const sink *s) {
  int rc = gf__evdec_yield(d);
  CHECK_INT(blocks->lent, 0);
  CHECK(d->hold_len < 12);
  CHECK(s->begins == 1 || s->bytes == 0);
  return rc;
}

/* Feeds ev in pieces of chunk bytes (array: wrapped in "[...]" and fed as
 * a body) and checks what came out against want. shared: the decode block
 * is borrowed from a pool and given back after each piece. */
static void check_feed_as(const char *ev, size_t len, size_t chunk, int array,
                          const unsigned char want[32], uint64_t nbytes,
                          int shared) {
  sink s = {0};
  gf__sha256_init(&s.sha);
  gf__evdec *d = gf__evdec_new(&cbs, &s, 64 * 1024);
  gf__blocks blocks;
  gf__blocks_init(&blocks, GF__IMG_BLOCK, 1);
  if (shared)
    gf__evdec_share_blocks(d, &blocks);
  int rc = array ? gf__evdec_array_feed(d, "[\r\n", 3) : 0;
  for (size_t i = 0; i < len && !rc; i += chunk) {
    size_t k = len - i < chunk ? len - i : chunk;
    rc = array ? gf__evdec_array_feed(d, ev + i, k)
               : gf__evdec_event_feed(d, ev + i, k);
    if (!rc && shared)
      rc = yield_check(d, &blocks, &s);
  }
  if (!rc)
    rc = array ? gf__evdec_array_feed(d, "\r\n]", 3) : gf__evdec_event_end(d);
  if (!rc)
    rc = gf__evdec_finish(d);
  if (rc)
    fprintf(stderr, "chunk %zu array %d: %s\n", chunk, array, gf_err_name(rc));
  CHECK_INT(rc, 0);
  unsigned char got[32];
  gf__sha256_final(&s.sha, got);
  CHECK_MEM(got, 32, want, 32);
  CHECK_INT(s.bytes, nbytes);
  CHECK_INT(s.begins, 1);
  CHECK_INT(s.ends, 1);
  CHECK_INT(s.end_bytes, nbytes);
  CHECK_STR(s.mime, "image/png");
  CHECK_STR(s.end_mime, "image/png");
  CHECK_INT(s.thoughts, 1);
  CHECK_INT(s.usages, 1);
  CHECK(s.max_block <= GF__IMG_OUT);
  /* the small-event copy never held the image */
  CHECK(d->ev.cap <= 64 * 1024 + 1);
  const gf__gem_summary *sum = gf__evdec_summary(d);
  CHECK_INT(sum->final_images, 1);
  CHECK_INT(gf__gemini_verdict(sum), 0);
  CHECK_INT(sum->usage.total_tokens, 1392);
  gf__evdec_free(d);
  CHECK_INT(blocks.lent, 0);
  gf__blocks_free(&blocks);
}

static void check_feed(const char *ev, size_t len, size_t chunk, int array,
                       const unsigned char want[32], uint64_t nbytes) {
  check_feed_as(ev, len, chunk, array, want, nbytes, 0);
  check_feed_as(ev, len, chunk, array, want, nbytes, 1);
}

static void test_6mb_image(void) {
  size_t n = 6 * 1024 * 1024 + 1; /* not a multiple of 3: padded base64 */
  unsigned char *img = make_image(n), want[32];
  digest(img, n, want);
  size_t len;
  char *ev = make_event(img, n, 0, &len);
  CHECK(len > 8 * 1024 * 1024);
  static const size_t chunks[] = {16384, 65536, 7919, 1 << 20, (size_t)-1};
  for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
    size_t c = chunks[i] == (size_t)-1 ? len : chunks[i];
    check_feed(ev, len, c, 0, want, n);
  }
  check_feed(ev, len, 16384, 1, want, n);
  free(ev);
  free(img);
}

static void test_6mb_escaped_slashes(void) {
  size_t n = 6 * 1024 * 1024;
  unsigned char *img = make_image(n), want[32];
  digest(img, n, want);
  size_t len;
  char *ev = make_event(img, n, 1, &len);
  check_feed(ev, len, 4093, 0, want, n); /* escapes split across pieces */
  check_feed(ev, len, len, 0, want, n);
  check_feed(ev, len, 65536, 1, want, n);
  free(ev);
  free(img);
}

static void test_byte_by_byte(void) {
  size_t n = 100 * 1000;
  unsigned char *img = make_image(n), want[32];
  digest(img, n, want);
  size_t len;
  char *ev = make_event(img, n, 1, &len);
  check_feed(ev, len, 1, 0, want, n);
  check_feed(ev, len, 3, 1, want, n);
  free(ev);
  free(img);
}

/* An image at every split point: small enough to afford it. Shared: the
 * block given back at the split, a few decoded bytes kept aside. */
static void test_every_split(void) {
  size_t n = 700;
  unsigned char *img = make_image(n), want[32];
  digest(img, n, want);
  size_t len;
  char *ev = make_event(img, n, 1, &len);
  gf__blocks blocks;
  gf__blocks_init(&blocks, GF__IMG_BLOCK, 1);
  for (size_t k = 1; k < 2 * len; k++) {
    int shared = k >= len;
    size_t at = shared ? k - len + 1 : k;
    sink s = {0};
    gf__sha256_init(&s.sha);
    gf__evdec *d = gf__evdec_new(&cbs, &s, 1024);
    if (shared)
      gf__evdec_share_blocks(d, &blocks);
    int rc = gf__evdec_event_feed(d, ev, at);
    if (!rc && shared)
      rc = yield_check(d, &blocks, &s);
    if (!rc)
      rc = gf__evdec_event_feed(d, ev + at, len - at);
    if (!rc)
      rc = gf__evdec_event_end(d);
    unsigned char got[32];
    gf__sha256_final(&s.sha, got);
    int bad = rc != 0 || memcmp(got, want, 32) != 0 || s.begins != 1 ||
              s.ends != 1 || s.end_bytes != n;
    if (bad)
      fprintf(stderr, "split at %zu%s: %s\n", at, shared ? " (shared)" : "",
              gf_err_name(rc));
    CHECK(!bad);
    gf__evdec_free(d);
    CHECK_INT(blocks.lent, 0);
    if (bad)
      break;
  }
  gf__blocks_free(&blocks);
  free(ev);
  free(img);
}

/* The string scanner's run, both paths: every stop character at every
 * place of every length up to 200, among plain bytes of every kind (high
 * bytes and 0x20 included). */
static void test_plain_run_paths(void) {
  static const char stops[] = {'"', '\\', 0x00, 0x1f, '\n'};
  char buf[256];
  int bad = 0;
  for (size_t n = 0; n <= 200 && !bad; n++)
    for (size_t at = 0; at <= n && !bad; at++)
      for (size_t s = 0; s < sizeof stops && !bad; s++) {
        for (size_t i = 0; i < n; i++) {
          unsigned char c = (unsigned char)(0x20 + (i * 37 + at) % 224);
          buf[i] = c == '"' || c == '\\' ? 'A' : (char)c;
        }
        size_t want = at < n ? at : n; /* at == n: no stop at all */
        if (at < n)
          buf[at] = stops[s];
        size_t got = gf__js_plain_run(buf, n);
        size_t v = gf__b64_have_avx2() ? gf__js_plain_run_avx2(buf, n) : want;
        /* the AVX2 one: the stop when it is in the whole 32s, else where
         * they end (the tail is the caller's) */
        size_t whole = n / 32 * 32;
        int v_ok = want < whole ? v == want : v == whole;
        if (got != want || !v_ok) {
          fprintf(stderr, "n %zu stop %zu (0x%02x): %zu, avx2 %zu\n", n, at,
                  (unsigned char)stops[s], got, v);
          bad = 1;
        }
      }
  CHECK(!bad);
}

TEST_MAIN(TEST(test_plain_run_paths), TEST(test_6mb_image), TEST(test_6mb_escaped_slashes),
          TEST(test_byte_by_byte), TEST(test_every_split))
