/* The portable bulk kernel. Four tables per alphabet map a character at
 * each position of a group straight to its bits of the group's 3 bytes,
 * laid out as out[0] | out[1] << 8 | out[2] << 16, so a group is 4 loads
 * and 3 ORs, with no shifts; a character that is not plain data has bit 24
 * set in every table, so one test covers 16 characters. */
#include <string.h>

#include "b64/decode_int.h"

#define GF__B64_D32_BAD 0x01000000u

/* Where sextet v's 6 bits go when it is a group's 1st, 2nd, 3rd or 4th
 * character: out[0] = v0 << 2 | v1 >> 4, out[1] = v1 << 4 | v2 >> 2,
 * out[2] = v2 << 6 | v3. */
#define GF__B64_P0(v) ((v) >= 64 ? GF__B64_D32_BAD : (uint32_t)(v) << 2)
#define GF__B64_P1(v)                                                          \
  ((v) >= 64 ? GF__B64_D32_BAD                                                 \
             : (uint32_t)(v) >> 4 | ((uint32_t)(v) & 15) << 12)
#define GF__B64_P2(v)                                                          \
  ((v) >= 64 ? GF__B64_D32_BAD                                                 \
             : (uint32_t)(v) >> 2 << 8 | ((uint32_t)(v) & 3) << 22)
#define GF__B64_P3(v) ((v) >= 64 ? GF__B64_D32_BAD : (uint32_t)(v) << 16)

#define GF__B64_D32(f)                                                         \
  {{GF__R256(GF__B64_P0, f)},                                                  \
   {GF__R256(GF__B64_P1, f)},                                                  \
   {GF__R256(GF__B64_P2, f)},                                                  \
   {GF__R256(GF__B64_P3, f)}}

/* Indexed by alphabet, then position in the group; 12 KiB, of which one
 * alphabet's 4 KiB is in use at a time. */
static const uint32_t gf__b64_d32[3][4][256] = {
    GF__B64_D32(GF__B64_OPEN),
    GF__B64_D32(GF__B64_STDV),
    GF__B64_D32(GF__B64_URLV),
};

static inline uint32_t gf__b64_group(const uint32_t (*t)[256],
                                     const unsigned char *p) {
  return t[0][p[0]] | t[1][p[1]] | t[2][p[2]] | t[3][p[3]];
}

/* v's bytes from the low end. On a little-endian machine a memcpy, which
 * is one store; otherwise byte by byte (gcc merges those too, clang 14 does
 * not). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define GF__B64_LE 1
#endif

static inline void gf__b64_put4(unsigned char *w, uint32_t v) {
#ifdef GF__B64_LE
  memcpy(w, &v, 4);
#else
  w[0] = (unsigned char)v;
  w[1] = (unsigned char)(v >> 8);
  w[2] = (unsigned char)(v >> 16);
  w[3] = (unsigned char)(v >> 24);
#endif
}

static inline void gf__b64_put8(unsigned char *w, uint64_t v) {
#ifdef GF__B64_LE
  memcpy(w, &v, 8);
#else
  gf__b64_put4(w, (uint32_t)v);
  gf__b64_put4(w + 4, (uint32_t)(v >> 32));
#endif
}

size_t gf__b64_kernel_fast(int a, const unsigned char *in, size_t n,
                           unsigned char *out) {
  const uint32_t (*t)[256] = gf__b64_d32[a];
  size_t i = 0;
  for (; n - i >= 16; i += 16, out += 12) {
    uint32_t x0 = gf__b64_group(t, in + i), x1 = gf__b64_group(t, in + i + 4),
             x2 = gf__b64_group(t, in + i + 8),
             x3 = gf__b64_group(t, in + i + 12);
    if ((x0 | x1 | x2 | x3) & GF__B64_D32_BAD)
      break;
    gf__b64_put8(out, x0 | (uint64_t)x1 << 24 | (uint64_t)x2 << 48);
    gf__b64_put4(out + 8, x2 >> 16 | x3 << 8);
  }
  for (; n - i >= 4; i += 4, out += 3) {
    uint32_t x = gf__b64_group(t, in + i);
    if (x & GF__B64_D32_BAD)
      break;
    out[0] = (unsigned char)x;
    out[1] = (unsigned char)(x >> 8);
    out[2] = (unsigned char)(x >> 16);
  }
  return i;
}
