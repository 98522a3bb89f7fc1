/* The AVX2 bulk kernel (x86 only), chosen at run time: 32 characters per
 * step, after W. Mula and D. Lemire, "Faster Base64 Encoding and Decoding
 * Using AVX2 Instructions" (2018). Compiled with a target attribute, so the
 * rest of the library stays baseline x86-64 and runs on any x86 CPU.
 *
 * Validation: a character is plain data when the bit sets looked up by its
 * low and its high nibble share no bit. The high nibbles 2..7 each get a
 * bit of their own (bits 0..5), all others bit 6 (nothing valid there);
 * the low-nibble table says, for each low nibble, under which high nibbles
 * it is not a character of the alphabet. Both are computed by the compiler
 * from the same alphabet expressions as the scalar tables.
 *
 * Translation: sextet = character + offset, the offset looked up by the
 * high nibble (A-Z share 4 and 5, a-z share 6 and 7, digits 3), except for
 * the one character of the alphabet whose high nibble it shares with other
 * characters with another offset ('/' with '+', '_' with P-Z): that one
 * looks up at its high nibble + 8, a slot no valid character uses. */
#include "b64/decode_int.h"

#ifdef GF__B64_X86
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>

#define GF__B64_AVX2 __attribute__((target("avx2")))

/* Bit (hi - 2) of entry lo: byte hi << 4 | lo is not plain data in f. */
#define GF__B64_NOT(f, c) ((f(c)) >= 64)
#define GF__B64_LO(f, l)                                                       \
  (uint8_t)(GF__B64_NOT(f, 0x20 + (l)) | GF__B64_NOT(f, 0x30 + (l)) << 1 |     \
            GF__B64_NOT(f, 0x40 + (l)) << 2 |                                  \
            GF__B64_NOT(f, 0x50 + (l)) << 3 |                                  \
            GF__B64_NOT(f, 0x60 + (l)) << 4 |                                  \
            GF__B64_NOT(f, 0x70 + (l)) << 5 | 0x40)
#define GF__B64_LO4(f, l)                                                      \
  GF__B64_LO(f, l), GF__B64_LO(f, (l) + 1), GF__B64_LO(f, (l) + 2),            \
      GF__B64_LO(f, (l) + 3)
#define GF__B64_LO16(f)                                                        \
  {GF__B64_LO4(f, 0), GF__B64_LO4(f, 4), GF__B64_LO4(f, 8), GF__B64_LO4(f, 12)}

/* Per alphabet: the low-nibble table, the offsets, the character that
 * looks up at its high nibble + 8. */
typedef struct {
  uint8_t lo[16];
  int8_t roll[16];
  uint8_t special;
} gf__b64_avx2_alpha;

/* Offsets: [2] '+' or '-', [3] digits, [4..5] A-Z, [6..7] a-z; [10] '/',
 * [13] '_'. The open alphabet has no character at [2] or the special slot
 * ('/' is not plain data there, so the slot it picks is never used). */
#define GF__B64_ROLL(at2, at10, at13)                                          \
  {0, 0, at2, 4, -65, -65, -71, -71, 0, 0, at10, 0, 0, at13, 0, 0}

static const gf__b64_avx2_alpha gf__b64_avx2_tab[3] = {
    {GF__B64_LO16(GF__B64_OPEN), GF__B64_ROLL(0, 0, 0), '/'},
    {GF__B64_LO16(GF__B64_STDV), GF__B64_ROLL(62 - '+', 63 - '/', 0), '/'},
    {GF__B64_LO16(GF__B64_URLV), GF__B64_ROLL(62 - '-', 0, 63 - '_'), '_'},
};

static const uint8_t gf__b64_avx2_hi[16] = {0x40, 0x40, 0x01, 0x02, 0x04, 0x08,
                                            0x10, 0x20, 0x40, 0x40, 0x40, 0x40,
                                            0x40, 0x40, 0x40, 0x40};

GF__B64_AVX2 static inline __m256i gf__b64_bcast(const void *p) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)p));
}

/* 32 sextets (4 per 32-bit word, first character lowest) to 24 bytes in
 * order, stored exactly: nothing past them is touched. */
GF__B64_AVX2 static inline void gf__b64_avx2_pack(__m256i v,
                                                  unsigned char *out) {
  /* 16-bit: s0 * 64 + s1; then 32-bit: that * 4096 + s2 * 64 + s3 */
  v = _mm256_maddubs_epi16(v, _mm256_set1_epi32(0x01400140));
  v = _mm256_madd_epi16(v, _mm256_set1_epi32(0x00011000));
  /* each lane's four 24-bit values, big end first, into its low 12 bytes */
  v = _mm256_shuffle_epi8(v, _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14,
                                              13, 12, -1, -1, -1, -1, 2, 1, 0,
                                              6, 5, 4, 10, 9, 8, 14, 13, 12,
                                              -1, -1, -1, -1));
  v = _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7));
  _mm_storeu_si128((__m128i *)out, _mm256_castsi256_si128(v));
  _mm_storel_epi64((__m128i *)(out + 16), _mm256_extracti128_si256(v, 1));
}

GF__B64_AVX2 size_t gf__b64_kernel_avx2(int a, const unsigned char *in,
                                        size_t n, unsigned char *out) {
  const gf__b64_avx2_alpha *t = &gf__b64_avx2_tab[a];
  const __m256i lut_lo = gf__b64_bcast(t->lo), roll = gf__b64_bcast(t->roll),
                lut_hi = gf__b64_bcast(gf__b64_avx2_hi),
                special = _mm256_set1_epi8((char)t->special),
                nib = _mm256_set1_epi8(0x0f);
  size_t i = 0;
  for (; n - i >= 32; i += 32, out += 24) {
    __m256i v = _mm256_loadu_si256((const __m256i *)(in + i));
    __m256i lo = _mm256_and_si256(v, nib),
            hi = _mm256_and_si256(_mm256_srli_epi32(v, 4), nib);
    __m256i bad = _mm256_and_si256(_mm256_shuffle_epi8(lut_lo, lo),
                                   _mm256_shuffle_epi8(lut_hi, hi));
    if (!_mm256_testz_si256(bad, bad))
      break;
    __m256i idx = _mm256_or_si256(
        hi, _mm256_and_si256(_mm256_cmpeq_epi8(v, special),
                             _mm256_set1_epi8(8)));
    gf__b64_avx2_pack(_mm256_add_epi8(v, _mm256_shuffle_epi8(roll, idx)), out);
  }
  return i + gf__b64_kernel_fast(a, in + i, n - i, out);
}

/* AVX2 needs the CPU's flag and the OS saving the YMM registers (XCR0 bits
 * 1 and 2). Asked once: cpuid can cost microseconds under a hypervisor. A
 * relaxed atomic keeps two threads' first calls from being a data race. */
static int gf__b64_probe_avx2(void) {
  unsigned a, b, c, d, xlo, xhi;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX))
    return 0;
  __asm__("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
  if ((xlo & 6) != 6)
    return 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
    return 0;
  return (b & bit_AVX2) != 0;
}

int gf__b64_have_avx2(void) {
  static atomic_int known; /* 0 not asked yet, 1 no, 2 yes */
  int k = atomic_load_explicit(&known, memory_order_relaxed);
  if (k == 0) {
    k = gf__b64_probe_avx2() ? 2 : 1;
    atomic_store_explicit(&known, k, memory_order_relaxed);
  }
  return k == 2;
}
#else
int gf__b64_have_avx2(void) { return 0; }
#endif
