/* The run of plain characters in a JSON string: the scanner's inner loop,
 * over every byte of an image's base64 (40 MB at 4K). Eight bytes at a
 * time in portable C; 32 with AVX2 where the CPU has it (chosen at run
 * time, the library staying baseline x86-64). */
#include <stdint.h>
#include <string.h>

#include "b64/b64.h"
#include "gemini/gemini_int.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GF__JS_X86 1
#include <immintrin.h>
#endif

size_t gf__js_plain_run(const char *p, size_t n) {
  size_t i = 0;
#ifdef GF__JS_X86
  if (n >= 32 && gf__b64_have_avx2())
    i = gf__js_plain_run_avx2(p, n);
#endif
  const uint64_t ones = 0x0101010101010101ull, highs = ones * 0x80;
  for (; n - i >= 8; i += 8) {
    uint64_t w, q, b;
    memcpy(&w, p + i, 8);
    q = w ^ (ones * '"');
    b = w ^ (ones * '\\');
    /* (x - 1s) & ~x has a high bit set iff some byte of x is zero; with
     * 0x20s instead of 1s, iff some byte is below 0x20 */
    if ((((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w)) &
        highs)
      break;
  }
  for (; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c < 0x20 || c == '"' || c == '\\')
      break;
  }
  return i;
}

#ifdef GF__JS_X86
__attribute__((target("avx2"))) size_t gf__js_plain_run_avx2(const char *p,
                                                             size_t n) {
  const __m256i quote = _mm256_set1_epi8('"'), bs = _mm256_set1_epi8('\\');
  const __m256i ctl = _mm256_set1_epi8(0x1f);
  size_t i = 0;
  for (; n - i >= 32; i += 32) {
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
    /* unsigned c <= 0x1f exactly when min(c, 0x1f) == c */
    __m256i stop = _mm256_or_si256(
        _mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, bs)),
        _mm256_cmpeq_epi8(_mm256_min_epu8(v, ctl), v));
    unsigned m = (unsigned)_mm256_movemask_epi8(stop);
    if (m)
      return i + (size_t)__builtin_ctz(m);
  }
  return i;
}
#else
size_t gf__js_plain_run_avx2(const char *p, size_t n) { return 0; }
#endif
