#include "common/sha256.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define GF__SHA_X86 1
#endif

#include "gemflow.h"

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress_one(uint32_t h[8], const unsigned char *p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
           (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5],
           g = h[6], k = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = k + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
                  ((e & f) ^ (~e & g)) + K[i] + w[i];
    uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
                  ((a & b) ^ (a & c) ^ (b & c));
    k = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += k;
}

void gf__sha256_blocks_generic(uint32_t h[8], const unsigned char *p,
                             size_t blocks) {
  for (; blocks--; p += 64)
    compress_one(h, p);
}

#ifdef GF__SHA_X86
/* The SHA extensions (SHA-NI): about ten times the plain C speed. Every
 * image byte is hashed, so this is on the hot path. The state lives as
 * ABEF/CDGH halves, as the instructions want it. */
#define GF__SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

GF__SHA_TARGET static inline __m128i sched(__m128i w0, __m128i w1,
                                          __m128i w2, __m128i w3) {
  __m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1),
                            _mm_alignr_epi8(w3, w2, 4));
  return _mm_sha256msg2_epu32(t, w3);
}

GF__SHA_TARGET static void compress_shani(uint32_t h[8],
                                          const unsigned char *p,
                                          size_t blocks) {
  const __m128i bswap =
      _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1);
  __m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B);
  __m128i s0 = _mm_alignr_epi8(t, s1, 8);  /* ABEF */
  s1 = _mm_blend_epi16(s1, t, 0xF0);        /* CDGH */
  for (; blocks--; p += 64) {
    __m128i save0 = s0, save1 = s1, w[4];
    for (int g = 0; g < 16; g++) {
      if (g < 4)
        w[g] = _mm_shuffle_epi8(
            _mm_loadu_si128((const __m128i *)(p + 16 * g)), bswap);
      else
        w[g & 3] = sched(w[g & 3], w[(g + 1) & 3], w[(g + 2) & 3],
                         w[(g + 3) & 3]);
      __m128i m = _mm_add_epi32(w[g & 3],
                                _mm_loadu_si128((const __m128i *)&K[4 * g]));
      s1 = _mm_sha256rnds2_epu32(s1, s0, m);
      s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(m, 0x0E));
    }
    s0 = _mm_add_epi32(s0, save0);
    s1 = _mm_add_epi32(s1, save1);
  }
  t = _mm_shuffle_epi32(s0, 0x1B);  /* FEBA */
  s1 = _mm_shuffle_epi32(s1, 0xB1); /* DCHG */
  _mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(t, s1, 0xF0));
  _mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(s1, t, 8));
}

static int have_shani(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
    return 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
    return 0;
  return (b >> 29) & 1;
}
#endif

typedef void (*compress_fn)(uint32_t h[8], const unsigned char *p,
                            size_t blocks);
/* Chosen once; an atomic, so that two threads hashing for the first time
 * at once (both storing the same choice) is no data race. */
static _Atomic(compress_fn) compress_impl;

static compress_fn pick(void) {
  compress_fn f = atomic_load_explicit(&compress_impl, memory_order_relaxed);
  if (!f) {
    f = gf__sha256_blocks_generic;
#ifdef GF__SHA_X86
    if (have_shani())
      f = compress_shani;
#endif
    atomic_store_explicit(&compress_impl, f, memory_order_relaxed);
  }
  return f;
}

void gf__sha256_blocks(uint32_t h[8], const unsigned char *p, size_t blocks) {
  pick()(h, p, blocks);
}

int gf__sha256_accelerated(void) {
  return pick() != gf__sha256_blocks_generic;
}

void gf__sha256_init(gf__sha256 *s) {
  static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                 0xa54ff53a, 0x510e527f, 0x9b05688c,
                                 0x1f83d9ab, 0x5be0cd19};
  memcpy(s->h, iv, sizeof iv);
  s->total = 0;
  s->used = 0;
}

void gf__sha256_update(gf__sha256 *s, const void *data, size_t n) {
  const unsigned char *p = data;
  s->total += n;
  if (s->used) {
    size_t take = 64 - s->used < n ? 64 - s->used : n;
    memcpy(s->block + s->used, p, take);
    s->used += take;
    p += take;
    n -= take;
    if (s->used < 64)
      return;
    gf__sha256_blocks(s->h, s->block, 1);
    s->used = 0;
  }
  size_t blocks = n / 64;
  if (blocks)
    gf__sha256_blocks(s->h, p, blocks);
  p += blocks * 64;
  n -= blocks * 64;
  memcpy(s->block, p, n);
  s->used = n;
}

void gf__sha256_final(gf__sha256 *s, unsigned char out[32]) {
  uint64_t bits = s->total * 8;
  unsigned char pad[72] = {0x80};
  size_t padlen = (s->used < 56 ? 56 : 120) - s->used;
  for (int i = 0; i < 8; i++)
    pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
  gf__sha256_update(s, pad, padlen + 8);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (unsigned char)(s->h[i] >> 24);
    out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
    out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
    out[4 * i + 3] = (unsigned char)s->h[i];
  }
}

void gf_hex_sha256(const unsigned char sha[32], char out[65]) {
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    out[2 * i] = hex[sha[i] >> 4];
    out[2 * i + 1] = hex[sha[i] & 15];
  }
  out[64] = '\0';
}
