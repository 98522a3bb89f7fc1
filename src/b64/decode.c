/* Incremental base64 decoder: the state machine and the scalar kernel.
 *
 * At a group boundary (nothing pending) a kernel (decode_int.h) decodes
 * whole 4-character groups straight from the input; any byte it does not
 * take as plain data (CR, LF, '=', an alphabet-specific character while the
 * alphabet is still open, garbage, the last < 4 bytes) goes to the slow
 * path, which handles one byte at a time and keeps exact offsets. Both emit
 * a group's bytes at the same character, so output never depends on where
 * the input was split, nor on which kernel ran. */
#include "b64/decode_int.h"
#include "gemflow.h"

#define GF__B64_U8(v) (uint8_t)(v)

/* Indexed by gf__b64dec.alphabet. */
static const uint8_t gf__b64_tab[3][256] = {
    {GF__R256(GF__B64_U8, GF__B64_OPEN)},
    {GF__R256(GF__B64_U8, GF__B64_STDV)},
    {GF__R256(GF__B64_U8, GF__B64_URLV)},
};

static int gf__b64_slow(gf__b64dec *d, unsigned char c, uint64_t pos,
                        unsigned char *out, size_t *o);
static void gf__b64_pad(gf__b64dec *d, unsigned char *out, size_t *o);

void gf__b64_init(gf__b64dec *d) { *d = (gf__b64dec){0}; }

int gf__b64_decode_with(gf__b64dec *d, gf__b64_kernel k, const char *in,
                        size_t n, unsigned char *out, size_t *outlen) {
  const unsigned char *p = (const unsigned char *)in;
  size_t i = 0, o = 0;
  *outlen = 0;
  if (d->err)
    return d->err;
  while (i < n) {
    if (d->nacc == 0 && d->npad == 0) {
      size_t took = k(d->alphabet, p + i, n - i, out + o);
      i += took;
      o += took / 4 * 3;
      if (i == n)
        break;
    }
    if (gf__b64_slow(d, p[i], d->offset + i, out, &o) != 0) {
      d->err = GF_EB64;
      d->err_off = d->offset + i;
      d->offset += i;
      *outlen = o;
      return d->err;
    }
    i++;
  }
  d->offset += n;
  *outlen = o;
  return 0;
}

/* The widest kernel this CPU runs. */
static gf__b64_kernel gf__b64_best(void) {
#ifdef GF__B64_X86
  if (gf__b64_have_avx2())
    return gf__b64_kernel_avx2;
#endif
  return gf__b64_kernel_fast;
}

int gf__b64_decode(gf__b64dec *d, const char *in, size_t n,
                   unsigned char *out, size_t *outlen) {
  return gf__b64_decode_with(d, gf__b64_best(), in, n, out, outlen);
}

int gf__b64_decode_scalar(gf__b64dec *d, const char *in, size_t n,
                          unsigned char *out, size_t *outlen) {
  return gf__b64_decode_with(d, gf__b64_kernel_scalar, in, n, out, outlen);
}

int gf__b64_decode_fast(gf__b64dec *d, const char *in, size_t n,
                        unsigned char *out, size_t *outlen) {
  return gf__b64_decode_with(d, gf__b64_kernel_fast, in, n, out, outlen);
}

#ifdef GF__B64_X86
int gf__b64_decode_avx2(gf__b64dec *d, const char *in, size_t n,
                        unsigned char *out, size_t *outlen) {
  return gf__b64_decode_with(d, gf__b64_kernel_avx2, in, n, out, outlen);
}
#endif

int gf__b64_finish(gf__b64dec *d, unsigned char *out, size_t *outlen) {
  size_t o = 0;
  *outlen = 0;
  if (d->err)
    return d->err;
  if (d->npad == 0 && d->nacc == 1) {
    d->err = GF_EB64;
    d->err_off = d->grp_off;
    return d->err;
  }
  if (d->npad == 0 && d->nacc >= 2)
    gf__b64_pad(d, out, &o);
  /* A full "group" of padding: whatever comes next is data after padding. */
  d->nacc = 0;
  d->npad = 4;
  *outlen = o;
  return 0;
}

uint64_t gf__b64_err_offset(const gf__b64dec *d) { return d->err_off; }

/* The decoder as it was before the wider kernels: one byte-table look-up
 * per character, 8 characters per step. */
size_t gf__b64_kernel_scalar(int a, const unsigned char *p, size_t n,
                             unsigned char *w) {
  const uint8_t *t = gf__b64_tab[a];
  size_t i = 0;
  while (n - i >= 8) {
    uint32_t a0 = t[p[i]], b0 = t[p[i + 1]], c0 = t[p[i + 2]],
             d0 = t[p[i + 3]], a1 = t[p[i + 4]], b1 = t[p[i + 5]],
             c1 = t[p[i + 6]], d1 = t[p[i + 7]];
    if ((a0 | b0 | c0 | d0 | a1 | b1 | c1 | d1) & 0x80)
      break;
    uint32_t v0 = a0 << 18 | b0 << 12 | c0 << 6 | d0;
    uint32_t v1 = a1 << 18 | b1 << 12 | c1 << 6 | d1;
    w[0] = (unsigned char)(v0 >> 16);
    w[1] = (unsigned char)(v0 >> 8);
    w[2] = (unsigned char)v0;
    w[3] = (unsigned char)(v1 >> 16);
    w[4] = (unsigned char)(v1 >> 8);
    w[5] = (unsigned char)v1;
    w += 6;
    i += 8;
  }
  while (n - i >= 4) {
    uint32_t a0 = t[p[i]], b = t[p[i + 1]], c = t[p[i + 2]], e = t[p[i + 3]];
    if ((a0 | b | c | e) & 0x80)
      break;
    uint32_t v = a0 << 18 | b << 12 | c << 6 | e;
    w[0] = (unsigned char)(v >> 16);
    w[1] = (unsigned char)(v >> 8);
    w[2] = (unsigned char)v;
    w += 3;
    i += 4;
  }
  return i;
}

/* One byte at absolute offset pos. Nonzero: c is the offending byte. */
static int gf__b64_slow(gf__b64dec *d, unsigned char c, uint64_t pos,
                        unsigned char *out, size_t *o) {
  if (c == '\r' || c == '\n')
    return 0;
  if (d->npad > 0) { /* only more '=' up to the group's end may follow */
    if (c != '=' || d->nacc + d->npad >= 4)
      return -1;
    d->npad++;
    return 0;
  }
  if (c == '=') {
    if (d->nacc < 2)
      return -1;
    gf__b64_pad(d, out, o);
    d->npad = 1;
    return 0;
  }
  unsigned v = gf__b64_tab[d->alphabet][c];
  if (v == GF__B64_STD || v == GF__B64_URL) {
    d->alphabet = v == GF__B64_STD ? 1 : 2;
    v = gf__b64_tab[d->alphabet][c];
  }
  if (v >= 64) /* garbage, or the other alphabet's character */
    return -1;
  if (d->nacc == 0)
    d->grp_off = pos;
  d->acc = d->acc << 6 | v;
  if (++d->nacc == 4) {
    out[(*o)++] = (unsigned char)(d->acc >> 16);
    out[(*o)++] = (unsigned char)(d->acc >> 8);
    out[(*o)++] = (unsigned char)d->acc;
    d->acc = 0;
    d->nacc = 0;
  }
  return 0;
}

/* Emits the 1 or 2 bytes of a group cut short after 2 or 3 sextets. The
 * sextet count stays in nacc: it bounds how much padding may follow. */
static void gf__b64_pad(gf__b64dec *d, unsigned char *out, size_t *o) {
  if (d->nacc == 2) {
    out[(*o)++] = (unsigned char)(d->acc >> 4);
  } else {
    out[(*o)++] = (unsigned char)(d->acc >> 10);
    out[(*o)++] = (unsigned char)(d->acc >> 2);
  }
  d->acc = 0;
}
