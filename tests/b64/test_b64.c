/* b64: RFC 4648 vectors both ways, URL-safe and unpadded forms, CR/LF,
 * every error kind with its exact offset, every split point (and every
 * 3-part split of short inputs, and byte-by-byte feeding) giving the same
 * result, every byte value, round trips of random data up to 8 MB. The
 * vectors run on every decoding path the CPU has (test_paths.c compares
 * the paths with each other on many more inputs). */
#include "b64/decode_int.h"
#include "gemflow.h"
#include "test.h"

#define S(lit) lit, sizeof(lit) - 1

/* ---- harness ------------------------------------------------------------ */

typedef int (*decode_fn)(gf__b64dec *d, const char *in, size_t n,
                         unsigned char *out, size_t *outlen);

/* The paths check_all() runs through; cur is the one feed() uses. */
static const struct {
  const char *name;
  decode_fn fn;
} paths[] = {
    {"default", gf__b64_decode},
    {"scalar", gf__b64_decode_scalar},
    {"fast", gf__b64_decode_fast},
#ifdef GF__B64_X86
    {"avx2", gf__b64_decode_avx2},
#endif
};
static decode_fn cur = gf__b64_decode;

static int path_runs(size_t i) {
  return strcmp(paths[i].name, "avx2") != 0 || gf__b64_have_avx2();
}

/* What a whole feeding produced: output (including what came before an
 * error), the first error and its offset. */
typedef struct {
  unsigned char *out;
  size_t len, cap;
  int err;
  uint64_t off;
} res;

static void res_add(res *r, const unsigned char *p, size_t n) {
  if (n == 0)
    return;
  if (r->len + n > r->cap) {
    r->cap = (r->len + n) * 2 + 16;
    r->out = realloc(r->out, r->cap);
    if (!r->out)
      abort();
  }
  memcpy(r->out + r->len, p, n);
  r->len += n;
}

/* Each piece goes into a heap buffer of exactly GF_B64_DEC_MAX(n) bytes,
 * so a decoder writing past its documented bound trips ASan. After an error
 * every further call must fail the same way without output. */
static void feed(gf__b64dec *d, res *r, const char *p, size_t n) {
  unsigned char *tmp = malloc(GF_B64_DEC_MAX(n));
  size_t got = 999;
  int e = cur(d, p, n, tmp, &got);
  CHECK(got <= GF_B64_DEC_MAX(n));
  if (r->err) {
    CHECK_INT(e, GF_EB64);
    CHECK_INT(got, 0);
    CHECK_INT(gf__b64_err_offset(d), r->off);
  } else {
    res_add(r, tmp, got);
    if (e) {
      CHECK_INT(e, GF_EB64);
      r->err = e;
      r->off = gf__b64_err_offset(d);
    }
  }
  free(tmp);
}

static void finish(gf__b64dec *d, res *r) {
  unsigned char tail[3];
  size_t got = 999;
  int e = gf__b64_finish(d, tail, &got);
  CHECK(got <= 3);
  if (r->err) {
    CHECK_INT(e, GF_EB64);
    CHECK_INT(got, 0);
    return;
  }
  res_add(r, tail, got);
  if (e) {
    r->err = e;
    r->off = gf__b64_err_offset(d);
  }
}

/* Feeds in[0..n) cut at the ncut sorted positions in cuts, then finishes. */
static res run_cuts(const char *in, size_t n, const size_t *cuts, int ncut) {
  gf__b64dec d;
  res r = {0};
  size_t at = 0;
  gf__b64_init(&d);
  for (int i = 0; i < ncut; i++) {
    feed(&d, &r, in + at, cuts[i] - at);
    at = cuts[i];
  }
  feed(&d, &r, in + at, n - at);
  finish(&d, &r);
  return r;
}

static res run_bytes(const char *in, size_t n) {
  gf__b64dec d;
  res r = {0};
  gf__b64_init(&d);
  for (size_t i = 0; i < n; i++)
    feed(&d, &r, in + i, 1);
  finish(&d, &r);
  return r;
}

typedef struct {
  const void *out;
  size_t len;
  int err;
  uint64_t off;
} want;

/* Compares and frees r; on a mismatch says which feeding it was. */
static int res_is(res r, want w, const char *in, size_t n, const char *how) {
  int ok = r.len == w.len && (w.len == 0 || memcmp(r.out, w.out, w.len) == 0) &&
           r.err == w.err && (!w.err || r.off == w.off);
  if (!ok)
    fprintf(stderr,
            "  input \"%.*s\" fed %s: %zu bytes, err %d at %" PRIu64
            "; expected %zu bytes, err %d at %" PRIu64 "\n",
            (int)(n > 80 ? 80 : n), in, how, r.len, r.err, r.off, w.len,
            w.err, w.off);
  free(r.out);
  return ok;
}

/* The same result whole, at every 2-part split, at every 3-part split (for
 * short inputs) and byte by byte. Stops at the first mismatch. */
static void check_path(const char *in, size_t n, want w, const char *path) {
  char how[80];
  snprintf(how, sizeof how, "whole (%s)", path);
  CHECK(res_is(run_cuts(in, n, NULL, 0), w, in, n, how));
  CHECK(res_is(run_bytes(in, n), w, in, n, "byte by byte"));
  for (size_t i = 0; i <= n; i++) {
    snprintf(how, sizeof how, "split at %zu (%s)", i, path);
    if (!res_is(run_cuts(in, n, &i, 1), w, in, n, how)) {
      CHECK(!"2-part split");
      return;
    }
  }
  for (size_t i = 0; n <= 48 && i <= n; i++)
    for (size_t j = i; j <= n; j++) {
      size_t c[2] = {i, j};
      snprintf(how, sizeof how, "split at %zu and %zu (%s)", i, j, path);
      if (!res_is(run_cuts(in, n, c, 2), w, in, n, how)) {
        CHECK(!"3-part split");
        return;
      }
    }
}

/* check_path() on every path this CPU runs. */
static void check_all(const char *in, size_t n, want w) {
  for (size_t p = 0; p < sizeof paths / sizeof paths[0]; p++)
    if (path_runs(p)) {
      cur = paths[p].fn;
      check_path(in, n, w, paths[p].name);
    }
  cur = gf__b64_decode;
}

static void check_ok(const char *in, size_t n, const char *out, size_t len) {
  check_all(in, n, (want){out, len, 0, 0});
}

/* out: what must have been decoded before the offending byte. */
static void check_err(const char *in, size_t n, uint64_t off, const char *out,
                      size_t len) {
  check_all(in, n, (want){out, len, GF_EB64, off});
}

/* ---- independent reference ---------------------------------------------- */

static const char std_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Bit by bit, to check the encoder against something written differently. */
static size_t ref_encode(const unsigned char *in, size_t n, char *out) {
  size_t o = 0, nbits = (n * 8 + 5) / 6 * 6;
  for (size_t b = 0; b < nbits; b += 6) {
    int v = 0;
    for (size_t k = b; k < b + 6; k++) {
      int bit = k < n * 8 ? (in[k / 8] >> (7 - k % 8)) & 1 : 0;
      v = v << 1 | bit;
    }
    out[o++] = std_alpha[v];
  }
  while (o % 4)
    out[o++] = '=';
  out[o] = '\0';
  return o;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static void fill_random(unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    p[i] = (unsigned char)rng();
}

/* ---- tests ---------------------------------------------------------------- */

static const struct {
  const char *raw, *enc;
} rfc[] = {{"", ""},
           {"f", "Zg=="},
           {"fo", "Zm8="},
           {"foo", "Zm9v"},
           {"foob", "Zm9vYg=="},
           {"fooba", "Zm9vYmE="},
           {"foobar", "Zm9vYmFy"}};

static void test_rfc4648_decode(void) {
  for (size_t i = 0; i < sizeof rfc / sizeof rfc[0]; i++)
    check_ok(rfc[i].enc, strlen(rfc[i].enc), rfc[i].raw, strlen(rfc[i].raw));
}

static void test_rfc4648_encode(void) {
  for (size_t i = 0; i < sizeof rfc / sizeof rfc[0]; i++) {
    char out[16];
    memset(out, 'X', sizeof out);
    size_t n = gf__b64_encode((const unsigned char *)rfc[i].raw,
                              strlen(rfc[i].raw), out);
    CHECK_INT(n, strlen(rfc[i].enc));
    CHECK_INT(n, GF_B64_ENC_LEN(strlen(rfc[i].raw)));
    CHECK_STR(out, rfc[i].enc);
  }
}

static void test_encode_high_bytes(void) {
  static const unsigned char in[] = {0xfb, 0xff, 0xbf, 0xff, 0xfe};
  char out[16];
  CHECK_INT(gf__b64_encode(in, 3, out), 4);
  CHECK_STR(out, "+/+/");
  CHECK_INT(gf__b64_encode(in + 1, 4, out), 8);
  CHECK_STR(out, "/7///g==");
}

static void test_unpadded(void) {
  check_ok(S("Zg"), S("f"));
  check_ok(S("Zm8"), S("fo"));
  check_ok(S("Zm9vYg"), S("foob"));
  check_ok(S("Zm9vYmE"), S("fooba"));
  /* padding cut short is still the end of the data */
  check_ok(S("Zg="), S("f"));
  check_ok(S("Zm9vYg="), S("foob"));
}

static void test_unused_bits_ignored(void) {
  check_ok(S("QR=="), S("A"));
  check_ok(S("QR"), S("A"));
  check_ok(S("QUJ="), S("AB"));
}

static void test_url_safe(void) {
  check_ok(S("-_-_"), S("\xfb\xff\xbf"));
  check_ok(S("__79_A=="), S("\xff\xfe\xfd\xfc"));
  check_ok(S("__79_A"), S("\xff\xfe\xfd\xfc"));
  check_ok(S("8PHy8_T19vf4-fr7_P3-_w"),
           S("\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9\xfa\xfb\xfc\xfd\xfe"
             "\xff"));
  /* the same bytes in the standard alphabet */
  check_ok(S("8PHy8/T19vf4+fr7/P3+/w=="),
           S("\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9\xfa\xfb\xfc\xfd\xfe"
             "\xff"));
  check_ok(S("PDw_Pz8-Pg=="), S("<<?\?\?>>"));
}

static void test_crlf_skipped(void) {
  check_ok(S("Zm9v\r\nYmFy"), S("foobar"));
  check_ok(S("\r\nZ\rm\n9\r\nv\n\nY\r\rm\r\nFy\r\n"), S("foobar"));
  check_ok(S("Zg\r\n=\r\n=\r\n"), S("f"));
  check_ok(S("Zm8\r=\n"), S("fo"));
  check_ok(S("\r\n\r\n"), S(""));
  check_ok(S("Zm9v\nYg"), S("foob"));
  /* line-wrapped at 8 characters, as a MIME encoder would at 76 */
  check_ok(S("Zm9vYmFy\r\nZm9vYmFy\r\nZm9v\r\n"), S("foobarfoobarfoo"));
}

static void test_err_invalid_char(void) {
  check_err(S("*"), 0, S(""));
  check_err(S("Zm9v*mFy"), 4, S("foo"));
  check_err(S("Zm9vY*Fy"), 5, S("foo"));
  check_err(S("Zm9vYmF*"), 7, S("foo"));
  check_err(S("Zm9v Ymfy"), 4, S("foo"));
  check_err(S("Zm9v\tYmfy"), 4, S("foo"));
  check_err(S("Zm\r\n9v!"), 6, S("foo"));
  check_err(S("Zm9v\0YmFy"), 4, S("foo"));
  check_err(S("Zm9vYmFy\x80"), 8, S("foobar"));
  check_err(S("Zm9vYmFy\xff"), 8, S("foobar"));
  check_err(S("Zm9vYmFy."), 8, S("foobar"));
  /* the first error wins; bytes after it are never looked at */
  check_err(S("Zm!v*"), 2, S(""));
}

static void test_err_mixed_alphabets(void) {
  check_err(S("ab+c-d"), 4, S("\x69\xbf\x9c"));
  check_err(S("ab_c/d"), 4, S("\x69\xbf\xdc"));
  check_err(S("++++-"), 4, S("\xfb\xef\xbe"));
  check_err(S("----++++"), 4, S("\xfb\xef\xbe"));
  check_err(S("Zm9v\r\n+A\r\n_A"), 10, S("foo"));
}

static void test_err_after_padding(void) {
  check_err(S("Zg==Zg=="), 4, S("f"));
  check_err(S("Zm8=a"), 4, S("fo"));
  check_err(S("Zg==\r\nA"), 6, S("f"));
  check_err(S("Zg=A"), 3, S("f"));
  check_err(S("Zg=\r\nA=="), 5, S("f"));
  /* more '=' than the group has room for */
  check_err(S("Zg==="), 4, S("f"));
  check_err(S("Zm8=="), 4, S("fo"));
  check_err(S("Zm8=\r\n="), 6, S("fo"));
}

static void test_err_padding_too_early(void) {
  check_err(S("="), 0, S(""));
  check_err(S("=="), 0, S(""));
  check_err(S("Z="), 1, S(""));
  check_err(S("Zm9v="), 4, S("foo"));
  check_err(S("Zm9vY="), 5, S("foo"));
  check_err(S("Zm9vY\r\n="), 7, S("foo"));
}

static void test_err_dangling_sextet(void) {
  /* reported at finish, at the offset of the lone character */
  check_err(S("Z"), 0, S(""));
  check_err(S("Zm9vY"), 4, S("foo"));
  check_err(S("Zm9vY\r\n"), 4, S("foo"));
  check_err(S("Zm9v\r\nY"), 6, S("foo"));
  check_err(S("Zm9vYmFy\r\n\r\nZ\r\n"), 12, S("foobar"));
}

static void test_exact_call_outputs(void) {
  /* a group's bytes come out when its last character arrives */
  gf__b64dec d;
  unsigned char out[16];
  size_t got;
  gf__b64_init(&d);
  CHECK_INT(gf__b64_decode(&d, S("Zm9"), out, &got), 0);
  CHECK_INT(got, 0);
  CHECK_INT(gf__b64_decode(&d, S("vYm"), out, &got), 0);
  CHECK_MEM(out, got, "foo", 3);
  CHECK_INT(gf__b64_decode(&d, S("E"), out, &got), 0);
  CHECK_INT(got, 0);
  CHECK_INT(gf__b64_finish(&d, out, &got), 0);
  CHECK_MEM(out, got, "ba", 2);
  /* padding emits at once; finish then has nothing left */
  gf__b64_init(&d);
  CHECK_INT(gf__b64_decode(&d, S("Zm8="), out, &got), 0);
  CHECK_MEM(out, got, "fo", 2);
  CHECK_INT(gf__b64_finish(&d, out, &got), 0);
  CHECK_INT(got, 0);
}

static void test_error_output_and_sticky(void) {
  gf__b64dec d;
  unsigned char out[16];
  size_t got;
  gf__b64_init(&d);
  CHECK_INT(gf__b64_decode(&d, S("Zm9vYm"), out, &got), 0);
  CHECK_MEM(out, got, "foo", 3);
  CHECK_INT(gf__b64_decode(&d, S("FyZm9v!Zm9v"), out, &got), GF_EB64);
  CHECK_MEM(out, got, "barfoo", 6);
  CHECK_INT(gf__b64_err_offset(&d), 12);
  CHECK_INT(gf__b64_decode(&d, S("Zm9v"), out, &got), GF_EB64);
  CHECK_INT(got, 0);
  CHECK_INT(gf__b64_finish(&d, out, &got), GF_EB64);
  CHECK_INT(got, 0);
  CHECK_INT(gf__b64_err_offset(&d), 12);
  gf__b64_init(&d); /* init makes it usable again */
  CHECK_INT(gf__b64_decode(&d, S("Zm9v"), out, &got), 0);
  CHECK_MEM(out, got, "foo", 3);
}

static void test_data_after_finish(void) {
  gf__b64dec d;
  unsigned char out[16];
  size_t got;
  gf__b64_init(&d);
  CHECK_INT(gf__b64_decode(&d, S("Zg"), out, &got), 0);
  CHECK_INT(got, 0);
  CHECK_INT(gf__b64_finish(&d, out, &got), 0);
  CHECK_MEM(out, got, "f", 1);
  CHECK_INT(gf__b64_finish(&d, out, &got), 0); /* again: nothing */
  CHECK_INT(got, 0);
  CHECK_INT(gf__b64_decode(&d, S("\r\n"), out, &got), 0);
  CHECK_INT(gf__b64_decode(&d, S("A"), out, &got), GF_EB64);
  CHECK_INT(gf__b64_err_offset(&d), 4);
}

static void test_offset_across_many_calls(void) {
  /* 1 MB of clean input in 1000 calls, then an error 3 bytes into a call */
  enum { K = 1000 };
  static char chunk[K];
  static unsigned char out[GF_B64_DEC_MAX(K)];
  gf__b64dec d;
  size_t got;
  memset(chunk, 'A', K);
  gf__b64_init(&d);
  for (int i = 0; i < 1000; i++) {
    CHECK_INT(gf__b64_decode(&d, chunk, K, out, &got), 0);
    CHECK_INT(got, K / 4 * 3);
  }
  chunk[3] = '#';
  CHECK_INT(gf__b64_decode(&d, chunk, K, out, &got), GF_EB64);
  CHECK_INT(got, 0);
  CHECK_INT(gf__b64_err_offset(&d), 1000003);
}

/* What the decoder must do with byte c at offset 4 after a given prefix. */
static void check_byte_after(const char *prefix, const char *prefix_out, int c,
                             int alpha) {
  const char *pos = c ? memchr(std_alpha, c, 64) : NULL;
  int v = pos ? (int)(pos - std_alpha) : -1;
  if (c == '-' || c == '_') /* url-safe 62/63 where the alphabet allows */
    v = alpha == 1 ? -1 : c == '-' ? 62 : 63;
  else if ((c == '+' || c == '/') && alpha == 2)
    v = -1;
  char in[9];
  memcpy(in, prefix, 4);
  in[4] = (char)c;
  memcpy(in + 5, "mFy", 3); /* sextets 38, 5, 50 */
  unsigned char out[6];
  memcpy(out, prefix_out, 3);
  if (c == '\r' || c == '\n') { /* skipped: "mFy" is a 3-sextet tail */
    out[3] = 38 << 2 | 5 >> 4, out[4] = (5 & 15) << 4 | 50 >> 2;
    check_all(in, 8, (want){out, 5, 0, 0});
  } else if (v < 0) {
    check_all(in, 8, (want){out, 3, GF_EB64, 4});
  } else {
    uint32_t g = (uint32_t)v << 18 | 38 << 12 | 5 << 6 | 50;
    out[3] = (unsigned char)(g >> 16), out[4] = (unsigned char)(g >> 8),
    out[5] = (unsigned char)g;
    check_all(in, 8, (want){out, 6, 0, 0});
  }
}

static void test_every_byte_value(void) {
  for (int c = 0; c < 256; c++) {
    check_byte_after("Zm9v", "foo", c, 0);            /* alphabet still open */
    check_byte_after("++++", "\xfb\xef\xbe", c, 1);   /* standard fixed */
    check_byte_after("----", "\xfb\xef\xbe", c, 2);   /* url-safe fixed */
  }
}

static void test_error_at_every_position(void) {
  /* one bad byte anywhere in a long clean string: exact offset, and exactly
   * the whole groups before it decoded, on every path */
  enum { N = 600 };
  unsigned char raw[N / 4 * 3];
  char enc[N + 1];
  fill_random(raw, sizeof raw);
  CHECK_INT(gf__b64_encode(raw, sizeof raw, enc), N);
  for (size_t p = 0; p < N; p++) {
    char bad[N];
    memcpy(bad, enc, N);
    bad[p] = '@';
    for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
      gf__b64dec d;
      static unsigned char out[GF_B64_DEC_MAX(N)];
      size_t got;
      if (!path_runs(k))
        continue;
      gf__b64_init(&d);
      CHECK_INT(paths[k].fn(&d, bad, N, out, &got), GF_EB64);
      CHECK_INT(gf__b64_err_offset(&d), p);
      CHECK_MEM(out, got, raw, p / 4 * 3);
    }
    if (p % 37 == 0) /* and at every split for some of them */
      check_err(bad, N, p, (const char *)raw, p / 4 * 3);
  }
}

static void test_long_input_every_split(void) {
  /* past every kernel's stride (8, 16, 32 characters), line-wrapped and
   * unpadded */
  unsigned char raw[200];
  char enc[GF_B64_ENC_LEN(200) + 1], wrapped[400];
  fill_random(raw, sizeof raw);
  size_t n = gf__b64_encode(raw, 199, enc), w = 0;
  while (enc[n - 1] == '=')
    n--;
  for (size_t i = 0; i < n; i++) {
    if (i && i % 76 == 0)
      wrapped[w++] = '\r', wrapped[w++] = '\n';
    wrapped[w++] = enc[i];
  }
  check_ok(enc, n, (const char *)raw, 199);
  check_ok(wrapped, w, (const char *)raw, 199);
}

/* decode(enc) over three random pieces must give raw back. */
static void check_roundtrip(const char *enc, size_t n,
                            const unsigned char *raw, size_t len) {
  size_t c[2] = {rng() % (n + 1), rng() % (n + 1)};
  if (c[0] > c[1]) {
    size_t t = c[0];
    c[0] = c[1], c[1] = t;
  }
  res r = run_cuts(enc, n, c, 2);
  CHECK_INT(r.err, 0);
  CHECK_INT(r.len, len);
  if (len) /* r.out is NULL when nothing was decoded */
    CHECK_MEM(r.out, r.len, raw, len);
  free(r.out);
}

static void test_roundtrip_random_lengths(void) {
  static unsigned char raw[2000];
  static char enc[GF_B64_ENC_LEN(2000) + 1], ref[GF_B64_ENC_LEN(2000) + 1],
      alt[2 * GF_B64_ENC_LEN(2000)];
  for (size_t len = 0; len <= 2000; len++) {
    fill_random(raw, len);
    size_t n = gf__b64_encode(raw, len, enc);
    CHECK_INT(n, GF_B64_ENC_LEN(len));
    CHECK_INT(ref_encode(raw, len, ref), n);
    CHECK_STR(enc, ref);
    check_roundtrip(enc, n, raw, len);
    /* URL-safe and unpadded */
    size_t m = 0;
    for (size_t i = 0; i < n && enc[i] != '='; i++)
      alt[m++] = enc[i] == '+' ? '-' : enc[i] == '/' ? '_' : enc[i];
    check_roundtrip(alt, m, raw, len);
    /* wrapped with CRLF every 64 characters */
    m = 0;
    for (size_t i = 0; i < n; i++) {
      if (i % 64 == 63)
        alt[m++] = '\r', alt[m++] = '\n';
      alt[m++] = enc[i];
    }
    check_roundtrip(alt, m, raw, len);
  }
}

static void test_roundtrip_8mb_uneven(void) {
  size_t len = 8u << 20, n = GF_B64_ENC_LEN(len);
  unsigned char *raw = malloc(len), *out = malloc(len + 3);
  char *enc = malloc(n + 1);
  fill_random(raw, len);
  CHECK_INT(gf__b64_encode(raw, len - 1, enc), n); /* ends in "==" */
  gf__b64dec d;
  size_t at = 0, o = 0, got, calls = 0;
  gf__b64_init(&d);
  while (at < n) {
    size_t k = rng() % 4 == 0 ? rng() % 7 : rng() % 70000;
    k = k < n - at ? k : n - at;
    unsigned char *tmp = malloc(GF_B64_DEC_MAX(k));
    CHECK_INT(gf__b64_decode(&d, enc + at, k, tmp, &got), 0);
    memcpy(out + o, tmp, got);
    free(tmp);
    o += got, at += k, calls++;
  }
  CHECK_INT(gf__b64_finish(&d, out + o, &got), 0);
  CHECK_INT(o + got, len - 1);
  CHECK(memcmp(out, raw, len - 1) == 0);
  CHECK(calls > 300);
  free(raw);
  free(out);
  free(enc);
}

TEST_MAIN(TEST(test_rfc4648_decode), TEST(test_rfc4648_encode),
          TEST(test_encode_high_bytes), TEST(test_unpadded),
          TEST(test_unused_bits_ignored), TEST(test_url_safe),
          TEST(test_crlf_skipped), TEST(test_err_invalid_char),
          TEST(test_err_mixed_alphabets), TEST(test_err_after_padding),
          TEST(test_err_padding_too_early), TEST(test_err_dangling_sextet),
          TEST(test_exact_call_outputs), TEST(test_error_output_and_sticky),
          TEST(test_data_after_finish), TEST(test_offset_across_many_calls),
          TEST(test_every_byte_value), TEST(test_error_at_every_position),
          TEST(test_long_input_every_split),
          TEST(test_roundtrip_random_lengths),
          TEST(test_roundtrip_8mb_uneven))
