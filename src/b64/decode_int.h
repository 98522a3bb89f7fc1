/* Private to src/b64/, its tests, its fuzz target and its bench: the
 * decoder's interchangeable bulk kernels.
 *
 * gf__b64_decode() is one state machine (decode.c) that hands every run of
 * whole groups starting on a group boundary to a kernel and takes any byte
 * the kernel leaves (CR, LF, '=', an alphabet-fixing or foreign character,
 * garbage, a tail of < 4) one at a time. A kernel only ever decodes plain
 * groups, so which kernel runs, and where it stops, cannot change the
 * output, the per-call lengths, the errors or their offsets. The tests and
 * the fuzz target check that each path gives exactly what the scalar one
 * gives; the bench times each. */
#ifndef GF_B64_DECODE_INT_H
#define GF_B64_DECODE_INT_H
#include <stddef.h>
#include <stdint.h>

#include "b64/b64.h"

#if defined(__x86_64__) || defined(__i386__)
#define GF__B64_X86 1
#endif

/* ---- the alphabets, as expressions the compiler turns into tables ------- */

/* Sextet values 0..63; anything with bit 7 set is not plain data. In the
 * open-alphabet table (alphabet 0), STD/URL mark the characters that fix the
 * alphabet. */
enum { GF__B64_BAD = 0xFF, GF__B64_STD = 0x81, GF__B64_URL = 0x82 };

#define GF__B64_COMMON(c)                                                      \
  ((c) >= 'A' && (c) <= 'Z'   ? (c) - 'A'                                      \
   : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26                                 \
   : (c) >= '0' && (c) <= '9' ? (c) - '0' + 52                                 \
                              : GF__B64_BAD)
#define GF__B64_OPEN(c)                                                        \
  ((c) == '+' || (c) == '/'   ? GF__B64_STD                                    \
   : (c) == '-' || (c) == '_' ? GF__B64_URL                                    \
                              : GF__B64_COMMON(c))
#define GF__B64_STDV(c)                                                        \
  ((c) == '+' ? 62 : (c) == '/' ? 63 : GF__B64_COMMON(c))
#define GF__B64_URLV(c)                                                        \
  ((c) == '-' ? 62 : (c) == '_' ? 63 : GF__B64_COMMON(c))

/* 256 entries g(f(0)) .. g(f(255)): f gives the sextet of a character, g
 * the table's entry for it (and its type: the cast keeps clang from warning
 * about values in branches not taken). */
#define GF__R1(g, f, i) g(f(i))
#define GF__R4(g, f, i)                                                        \
  GF__R1(g, f, i), GF__R1(g, f, (i) + 1), GF__R1(g, f, (i) + 2),               \
      GF__R1(g, f, (i) + 3)
#define GF__R16(g, f, i)                                                       \
  GF__R4(g, f, i), GF__R4(g, f, (i) + 4), GF__R4(g, f, (i) + 8),               \
      GF__R4(g, f, (i) + 12)
#define GF__R64(g, f, i)                                                       \
  GF__R16(g, f, i), GF__R16(g, f, (i) + 16), GF__R16(g, f, (i) + 32),          \
      GF__R16(g, f, (i) + 48)
#define GF__R256(g, f)                                                         \
  GF__R64(g, f, 0), GF__R64(g, f, 64), GF__R64(g, f, 128), GF__R64(g, f, 192)

/* ---- kernels -------------------------------------------------------------- */

/* Decodes whole 4-character groups from in[0..n) while every character is
 * plain data of alphabet a (0 open: A-Z a-z 0-9 only; 1 standard; 2
 * url-safe), writes their 3 bytes each to out and nothing beyond them, and
 * returns how many characters it took: a multiple of 4, stopping before the
 * first group holding anything else (or earlier: any stop is correct). */
typedef size_t (*gf__b64_kernel)(int a, const unsigned char *in, size_t n,
                                 unsigned char *out);

/* One byte-table look-up per character: the reference. */
size_t gf__b64_kernel_scalar(int a, const unsigned char *in, size_t n,
                             unsigned char *out);
/* Portable C: one 32-bit table look-up per character gives its bits already
 * in place, 16 characters per step. */
size_t gf__b64_kernel_fast(int a, const unsigned char *in, size_t n,
                           unsigned char *out);
#ifdef GF__B64_X86
/* AVX2, 32 characters per step; only where gf__b64_have_avx2(). */
size_t gf__b64_kernel_avx2(int a, const unsigned char *in, size_t n,
                           unsigned char *out);
#endif
/* Whether this CPU and OS run AVX2 code (asked once); 0 off x86. */

/* ---- the decoder with a chosen kernel ---------------------------------- */

/* gf__b64_decode() with the kernel given rather than the best one. */
int gf__b64_decode_with(gf__b64dec *d, gf__b64_kernel k, const char *in,
                        size_t n, unsigned char *out, size_t *outlen);
int gf__b64_decode_scalar(gf__b64dec *d, const char *in, size_t n,
                          unsigned char *out, size_t *outlen);
int gf__b64_decode_fast(gf__b64dec *d, const char *in, size_t n,
                        unsigned char *out, size_t *outlen);
#ifdef GF__B64_X86
int gf__b64_decode_avx2(gf__b64dec *d, const char *in, size_t n,
                        unsigned char *out, size_t *outlen);
#endif
#endif
