/* b64 paths: the portable fast kernel, the AVX2 kernel (where the CPU has
 * it) and gf__b64_decode() itself give exactly what the scalar reference
 * gives, for every input and every way of splitting it: the same bytes per
 * call, return codes, error offsets, finish results and decoder state after
 * every call, and nothing written past what a call reports. Inputs: every
 * length 0..300 in each alphabet (standard, url-safe, open, the two mixed),
 * with each padding ending and line wrapping; a corrupted byte at every
 * position; every byte value at every position of a 64-byte window, fed to
 * the kernels directly. */
#include "b64/decode_int.h"
#include "gemflow.h"
#include "test.h"

typedef int (*decode_fn)(gf__b64dec *d, const char *in, size_t n,
                         unsigned char *out, size_t *outlen);

typedef struct {
  const char *name;
  decode_fn decode;
  gf__b64_kernel kernel; /* NULL: the dispatching gf__b64_decode() */
} path;

static path paths[4];
static size_t npaths; /* paths[0] is the scalar reference */

static void add_path(const char *name, decode_fn fn, gf__b64_kernel k) {
  paths[npaths++] = (path){name, fn, k};
}

/* Every path this CPU runs; says which, so a skipped one is visible. */
static void init_paths(void) {
  if (npaths)
    return;
  add_path("scalar", gf__b64_decode_scalar, gf__b64_kernel_scalar);
  add_path("fast", gf__b64_decode_fast, gf__b64_kernel_fast);
#ifdef GF__B64_X86
  if (gf__b64_have_avx2())
    add_path("avx2", gf__b64_decode_avx2, gf__b64_kernel_avx2);
  else
    printf("  avx2 path not tested: this CPU has no AVX2\n");
#else
  printf("  avx2 path not tested: not an x86 CPU\n");
#endif
  add_path("default", gf__b64_decode, NULL);
}

static uint64_t rng_state = 0x2545F4914F6CDD1Du;
static uint64_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* ---- one decoding, recorded ------------------------------------------------ */

enum { MAXCALLS = 512, SLACK = 64, CANARY = 0xA5 };

/* Everything a feeding shows: the output, each call's return and length,
 * the decoder's fields after each call, the final error offset. */
typedef struct {
  size_t len;
  int ncalls;
  int overrun; /* a call wrote past what it reported */
  uint64_t err_off;
  unsigned char out[1024];
  int rc[MAXCALLS];
  size_t got[MAXCALLS];
  gf__b64dec st[MAXCALLS];
} trace;

/* Whether p[from..to) still holds the canary it was filled with. */
static int untouched(const unsigned char *p, size_t from, size_t to) {
  static unsigned char canary[1024];
  if (!canary[0])
    memset(canary, CANARY, sizeof canary);
  for (; to - from > sizeof canary; from += sizeof canary)
    if (memcmp(p + from, canary, sizeof canary) != 0)
      return 0;
  return memcmp(p + from, canary, to - from) == 0;
}

static void record(trace *t, gf__b64dec *d, int rc, const unsigned char *p,
                   size_t got) {
  CHECK(t->ncalls < MAXCALLS && t->len + got <= sizeof t->out);
  memcpy(t->out + t->len, p, got);
  t->len += got;
  t->rc[t->ncalls] = rc;
  t->got[t->ncalls] = got;
  t->st[t->ncalls++] = *d;
}

/* One call into a buffer of its documented capacity plus a guard, all
 * filled with a canary first. */
static void call(trace *t, gf__b64dec *d, decode_fn fn, const char *in,
                 size_t k) {
  size_t cap = GF_B64_DEC_MAX(k), got = 999;
  unsigned char *buf = malloc(cap + SLACK);
  memset(buf, CANARY, cap + SLACK);
  int rc = fn(d, in, k, buf, &got);
  if (got > cap || !untouched(buf, got, cap + SLACK))
    t->overrun = 1;
  else
    record(t, d, rc, buf, got);
  free(buf);
}

/* Feeds in[0..n) in the pieces ending at cuts[0..ncut) (sorted; the last
 * piece ends at n), then finishes; a call after an error too. */
static void run(trace *t, decode_fn fn, const char *in, size_t n,
                const size_t *cuts, int ncut) {
  gf__b64dec d;
  size_t at = 0;
  unsigned char tail[3 + SLACK];
  memset(t, 0, offsetof(trace, out));
  gf__b64_init(&d);
  for (int i = 0; i <= ncut; i++) {
    size_t end = i < ncut ? cuts[i] : n;
    call(t, &d, fn, in + at, end - at);
    at = end;
  }
  size_t got = 999;
  memset(tail, CANARY, sizeof tail);
  int rc = gf__b64_finish(&d, tail, &got);
  if (got > 3 || !untouched(tail, got, sizeof tail))
    t->overrun = 1;
  else
    record(t, &d, rc, tail, got);
  t->err_off = gf__b64_err_offset(&d);
}

static int same_state(const gf__b64dec *a, const gf__b64dec *b) {
  return a->acc == b->acc && a->nacc == b->nacc && a->npad == b->npad &&
         a->alphabet == b->alphabet && a->offset == b->offset &&
         a->err == b->err && a->err_off == b->err_off &&
         a->grp_off == b->grp_off;
}

static int same(const trace *a, const trace *b) {
  if (a->overrun || b->overrun || a->len != b->len ||
      memcmp(a->out, b->out, a->len) != 0 || a->ncalls != b->ncalls ||
      a->err_off != b->err_off)
    return 0;
  for (int i = 0; i < a->ncalls; i++)
    if (a->rc[i] != b->rc[i] || a->got[i] != b->got[i] ||
        !same_state(&a->st[i], &b->st[i]))
      return 0;
  return 1;
}

static trace ref_t, path_t;

/* Every path against the scalar one, for one way of cutting the input. */
static int agree(const char *in, size_t n, const size_t *cuts, int ncut) {
  run(&ref_t, paths[0].decode, in, n, cuts, ncut);
  for (size_t p = 1; p < npaths; p++) {
    run(&path_t, paths[p].decode, in, n, cuts, ncut);
    if (!same(&ref_t, &path_t)) {
      fprintf(stderr, "  %s differs from scalar on \"%.*s\" (%zu bytes)",
              paths[p].name, (int)(n > 100 ? 100 : n), in, n);
      for (int i = 0; i < ncut; i++)
        fprintf(stderr, " cut at %zu", cuts[i]);
      fprintf(stderr, "\n");
      return 0;
    }
  }
  return !ref_t.overrun;
}

/* Whole, byte by byte, and at every 2-part split (every 3-part split too
 * when all3). Stops at the first disagreement. */
static void agree_all(const char *in, size_t n, int all3) {
  static size_t each[1024];
  CHECK(agree(in, n, NULL, 0));
  for (size_t i = 0; i + 1 < n && n < MAXCALLS; i++)
    each[i] = i + 1;
  if (n < MAXCALLS)
    CHECK(agree(in, n, each, n ? (int)n - 1 : 0));
  for (size_t i = 0; i <= n; i++)
    if (!agree(in, n, &i, 1)) {
      CHECK(!"2-part split");
      return;
    }
  for (size_t i = 0; all3 && i <= n; i++)
    for (size_t j = i; j <= n; j++) {
      size_t c[2] = {i, j};
      if (!agree(in, n, c, 2)) {
        CHECK(!"3-part split");
        return;
      }
    }
}

/* ---- inputs ---------------------------------------------------------------- */

static const char common_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* The character sets random inputs are drawn from: standard, url-safe,
 * open (neither +/ nor -_), and both mixed (an error at the second
 * alphabet's first character, wherever it falls). */
static const char *const sets[] = {"+/", "-_", "", "+/-_"};
enum { NSETS = sizeof sets / sizeof sets[0] };

/* n random characters of set s; specials rarer than 1 in 64 in the mixed
 * set, so that long runs of one alphabet happen. */
static void fill(char *p, size_t n, const char *s) {
  size_t ns = strlen(s);
  for (size_t i = 0; i < n; i++) {
    uint64_t r = rng();
    if (ns && r % (ns == 4 ? 128 : 32) == 0)
      p[i] = s[(r >> 8) % ns];
    else
      p[i] = common_chars[(r >> 16) % 62];
  }
}

/* What may follow the data: padding of every length, CR/LF, and data or
 * garbage after padding. */
static const char *const endings[] = {
    "",     "=",   "==",     "===",    "=\r\n=", "\r\n", "==\r\n",
    "==QQ", "=A",  "==\r\nA", "==== ", "\n=",   "Zg==",
};
enum { NENDINGS = sizeof endings / sizeof endings[0] };

/* Line breaks every w characters (w = 0: none), CRLF or LF alone. */
static size_t wrap(char *dst, const char *src, size_t n, size_t w, int crlf) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (w && i && i % w == 0) {
      if (crlf)
        dst[o++] = '\r';
      dst[o++] = '\n';
    }
    dst[o++] = src[i];
  }
  return o;
}

/* Whether byte c is plain data in alphabet a (0 open, 1 standard, 2 url). */
static int is_plain(int a, int c) {
  if (c != 0 && strchr(common_chars, c))
    return 1;
  return a == 1 ? c == '+' || c == '/' : a == 2 ? c == '-' || c == '_' : 0;
}

/* ---- tests ----------------------------------------------------------------- */

static void test_paths_available(void) {
  init_paths();
  CHECK(npaths >= 3);
  for (size_t p = 0; p < npaths; p++)
    printf("  path %s\n", paths[p].name);
#if defined(GF__B64_X86) && (defined(__GNUC__) || defined(__clang__))
  /* the cpuid probe against the compiler's own */
  CHECK_INT(gf__b64_have_avx2(), __builtin_cpu_supports("avx2") != 0);
#endif
}

/* Each kernel, called directly on plain data of every length, takes every
 * whole group and writes exactly their bytes. */
static void test_kernels_take_all_plain_groups(void) {
  init_paths();
  char in[300];
  unsigned char want[225 + SLACK], got[225 + SLACK];
  for (int a = 0; a < 3; a++)
    for (size_t n = 0; n <= sizeof in; n++) {
      fill(in, n, sets[a == 0 ? 2 : a - 1]);
      size_t took = gf__b64_kernel_scalar(a, (const unsigned char *)in, n,
                                          want);
      CHECK_INT(took, n / 4 * 4);
      for (size_t p = 1; p < npaths; p++) {
        if (!paths[p].kernel)
          continue;
        memset(got, CANARY, sizeof got);
        CHECK_INT(paths[p].kernel(a, (const unsigned char *)in, n, got), took);
        CHECK_MEM(got, took / 4 * 3, want, took / 4 * 3);
        CHECK(untouched(got, took / 4 * 3, sizeof got));
      }
    }
}

/* Every byte value at every position of a 64-character window, in every
 * alphabet, straight into each kernel: the same stop (before the group of
 * that byte when it is not plain data there) and the same bytes. */
static void test_kernels_every_byte_everywhere(void) {
  init_paths();
  char in[64];
  unsigned char want[48 + SLACK], got[48 + SLACK];
  for (int a = 0; a < 3; a++) {
    fill(in, sizeof in, sets[a == 0 ? 2 : a - 1]);
    for (size_t pos = 0; pos < sizeof in; pos++)
      for (int c = 0; c < 256; c++) {
        char save = in[pos];
        in[pos] = (char)c;
        const unsigned char *u = (const unsigned char *)in;
        size_t took = gf__b64_kernel_scalar(a, u, sizeof in, want);
        CHECK_INT(took, is_plain(a, c) ? 64 : pos / 4 * 4);
        for (size_t p = 1; p < npaths; p++) {
          if (!paths[p].kernel)
            continue;
          memset(got, CANARY, sizeof got);
          size_t k = paths[p].kernel(a, u, sizeof in, got);
          if (k != took || memcmp(got, want, k / 4 * 3) != 0 ||
              !untouched(got, k / 4 * 3, sizeof got)) {
            fprintf(stderr, "  %s: alphabet %d, byte %d at %zu\n",
                    paths[p].name, a, c, pos);
            CHECK(!"kernel differs");
            return;
          }
        }
        in[pos] = save;
      }
  }
}

/* Whole and at n random splits; at every split too when all. */
static void agree_some(const char *in, size_t n, int all) {
  if (all) {
    agree_all(in, n, n <= 40);
    return;
  }
  CHECK(agree(in, n, NULL, 0));
  for (int k = 0; k < 4; k++) {
    size_t c[2] = {rng() % (n + 1), rng() % (n + 1)};
    if (c[0] > c[1]) {
      size_t t = c[0];
      c[0] = c[1], c[1] = t;
    }
    CHECK(agree(in, n, c, 2));
  }
}

/* Every length 0..300 of every set, with every ending, plain and wrapped:
 * whole and at random splits; byte by byte and at every split (every
 * 3-part split for short ones) for a third of the endings in turn, so each
 * length has its every-split runs. */
static void test_every_length_and_ending(void) {
  init_paths();
  char body[320], in[400], wrapped[800];
  for (int s = 0; s < NSETS; s++)
    for (size_t n = 0; n <= 300; n++) {
      fill(body, n, sets[s]);
      for (int e = 0; e < NENDINGS; e++) {
        size_t m = strlen(endings[e]);
        memcpy(in, body, n);
        memcpy(in + n, endings[e], m);
        agree_some(in, n + m, (n + (size_t)e + (size_t)s) % 3 == 0);
        if (n % 7 == 0) { /* wrapped at 76 (CRLF), 64 and 13 (LF) */
          size_t w = wrap(wrapped, in, n + m, n % 3 == 0 ? 76 : 64, 1);
          agree_some(wrapped, w, e % 3 == 0);
          w = wrap(wrapped, in, n + m, 13, 0);
          agree_some(wrapped, w, e % 3 == 1);
        }
      }
    }
}

/* Bytes that end a kernel's run: not plain data, or plain data only in
 * some alphabets, or the other alphabet's. */
static const unsigned char corruptions[] = {
    '=', '\r', '\n', '+', '/', '-', '_', '@', ' ', '.',
    0,   0x7f, 0x80, 0xaf, 0xff, 'A', '9', 0x2e, 0x3a, 0x5b};

/* One corrupted byte at every position of every length 1..300 (three of
 * the corruptions above, at random, per position): whole, and one of them
 * at a random split too; at every split for some. */
static void test_corrupt_every_position(void) {
  init_paths();
  char in[300];
  for (int s = 0; s < NSETS; s++)
    for (size_t n = 1; n <= sizeof in; n++) {
      fill(in, n, sets[s]);
      for (size_t pos = 0; pos < n; pos++)
        for (int k = 0; k < 3; k++) {
          size_t c = rng() % sizeof corruptions;
          char save = in[pos];
          in[pos] = (char)corruptions[c];
          size_t cut = rng() % (n + 1);
          CHECK(agree(in, n, NULL, 0));
          if (k == 0)
            CHECK(agree(in, n, &cut, 1));
          if ((n * 31 + pos * 7 + c) % 97 == 0)
            agree_all(in, n, 0);
          in[pos] = save;
        }
    }
}

/* A random byte value at random places, and longer inputs cut into random
 * pieces of a few bytes to a few hundred. */
static void test_random_garbage_and_pieces(void) {
  init_paths();
  static char in[900];
  size_t cuts[8];
  for (int iter = 0; iter < 20000; iter++) {
    size_t n = rng() % sizeof in;
    fill(in, n, sets[rng() % NSETS]);
    for (int k = (int)(rng() % 3); k > 0 && n; k--)
      in[rng() % n] = (char)rng();
    int ncut = (int)(rng() % 8);
    for (int i = 0; i < ncut; i++)
      cuts[i] = rng() % (n + 1);
    for (int i = 1; i < ncut; i++) /* insertion sort */
      for (int j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
        size_t t = cuts[j];
        cuts[j] = cuts[j - 1], cuts[j - 1] = t;
      }
    if (!agree(in, n, cuts, ncut)) {
      CHECK(!"random input");
      return;
    }
  }
}

/* A 4 MiB encoding decoded by each path in uneven pieces: the same bytes
 * as the data encoded. */
static void test_large_roundtrip_each_path(void) {
  init_paths();
  size_t len = (4u << 20) - 1, n = GF_B64_ENC_LEN(len);
  unsigned char *raw = malloc(len), *out = malloc(len + 3);
  char *enc = malloc(n + 1);
  for (size_t i = 0; i < len; i++)
    raw[i] = (unsigned char)rng();
  gf__b64_encode(raw, len, enc);
  for (size_t p = 0; p < npaths; p++) {
    gf__b64dec d;
    size_t at = 0, o = 0, got;
    gf__b64_init(&d);
    while (at < n) {
      size_t k = rng() % 4 == 0 ? rng() % 9 : rng() % 40000;
      k = k < n - at ? k : n - at;
      CHECK_INT(paths[p].decode(&d, enc + at, k, out + o, &got), 0);
      o += got, at += k;
    }
    CHECK_INT(gf__b64_finish(&d, out + o, &got), 0);
    CHECK_INT(o + got, len);
    CHECK(memcmp(out, raw, len) == 0);
  }
  free(raw);
  free(out);
  free(enc);
}

TEST_MAIN(TEST(test_paths_available),
          TEST(test_kernels_take_all_plain_groups),
          TEST(test_kernels_every_byte_everywhere),
          TEST(test_every_length_and_ending),
          TEST(test_corrupt_every_position),
          TEST(test_random_garbage_and_pieces),
          TEST(test_large_roundtrip_each_path))
