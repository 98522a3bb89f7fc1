#include "sim/png.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/buf.h"
#include "gemflow.h"
#include "sim/picture.h"

/* Bytes of compressed data per IDAT chunk. */
#define IDAT_MAX (256 * 1024)

typedef struct gf__png_out {
  gf__buf *out;
  unsigned char *idat; /* IDAT_MAX bytes being filled by deflate */
  z_stream z;
} gf__png_out;

static int put_u32(gf__buf *b, uint32_t v) {
  unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                        (unsigned char)(v >> 8), (unsigned char)v};
  return gf__buf_append(b, p, 4);
}

static int put_chunk(gf__buf *b, const char type[4], const unsigned char *p,
                     size_t n) {
  uLong crc = crc32(0L, (const Bytef *)type, 4);
  if (n)
    crc = crc32(crc, p, (uInt)n);
  int rc = put_u32(b, (uint32_t)n);
  if (!rc)
    rc = gf__buf_append(b, type, 4);
  if (!rc && n)
    rc = gf__buf_append(b, p, n);
  if (!rc)
    rc = put_u32(b, (uint32_t)crc);
  return rc;
}

static int put_header(gf__buf *b, int w, int h) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
                                       '\n'};
  unsigned char ihdr[13] = {0};
  for (int i = 0; i < 4; i++) {
    ihdr[i] = (unsigned char)((uint32_t)w >> (24 - 8 * i));
    ihdr[4 + i] = (unsigned char)((uint32_t)h >> (24 - 8 * i));
  }
  ihdr[8] = 8;  /* bit depth */
  ihdr[9] = 2;  /* colour type: RGB */
  ihdr[10] = 0; /* deflate */
  ihdr[11] = 0; /* adaptive filtering */
  ihdr[12] = 0; /* no interlace */
  int rc = gf__buf_append(b, sig, sizeof sig);
  return rc ? rc : put_chunk(b, "IHDR", ihdr, sizeof ihdr);
}

/* Runs deflate over the input given, emitting an IDAT chunk each time the
 * chunk buffer fills (and the rest at Z_FINISH). */
static int pump(gf__png_out *o, const unsigned char *in, size_t n, int flush) {
  o->z.next_in = (Bytef *)in;
  o->z.avail_in = (uInt)n;
  for (;;) {
    int zr = deflate(&o->z, flush);
    if (zr == Z_STREAM_ERROR)
      return GF_ENOMEM;
    int full = o->z.avail_out == 0;
    if (full || (flush == Z_FINISH && zr == Z_STREAM_END)) {
      size_t have = IDAT_MAX - o->z.avail_out;
      int rc = have ? put_chunk(o->out, "IDAT", o->idat, have) : 0;
      if (rc)
        return rc;
      o->z.next_out = o->idat;
      o->z.avail_out = IDAT_MAX;
    }
    if (flush == Z_FINISH ? zr == Z_STREAM_END
                          : (o->z.avail_in == 0 && !full))
      return 0;
  }
}

/* PNG filter type 1: each byte minus the byte one pixel to its left. */
static void filter_sub(const unsigned char *rgb, size_t n, unsigned char *out) {
  out[0] = 1;
  for (size_t i = 0; i < n; i++)
    out[1 + i] = (unsigned char)(rgb[i] - (i >= 3 ? rgb[i - 3] : 0));
}

static int encode_rows(gf__png_out *o, const gf__sim_pic *pic) {
  size_t n = (size_t)pic->w * 3;
  unsigned char *rgb = malloc(n), *row = malloc(n + 1);
  int rc = rgb && row ? 0 : GF_ENOMEM;
  for (int y = 0; !rc && y < pic->h; y++) {
    gf__sim_pic_row(pic, y, rgb);
    filter_sub(rgb, n, row);
    rc = pump(o, row, n + 1, Z_NO_FLUSH);
  }
  if (!rc)
    rc = pump(o, NULL, 0, Z_FINISH);
  free(rgb);
  free(row);
  return rc;
}

int gf__sim_png_encode(const char *prompt, size_t plen, uint64_t seed, int w,
                       int h, gf__buf *out) {
  if (w < 1 || h < 1 || w > GF_SIM_PNG_MAX_SIDE || h > GF_SIM_PNG_MAX_SIDE)
    return GF_EINVAL;
  gf__sim_pic pic;
  gf__sim_pic_init(&pic, gf__sim_png_key(prompt, plen, seed, w, h), w, h);
  gf__png_out o;
  memset(&o, 0, sizeof o);
  o.out = out;
  o.idat = malloc(IDAT_MAX);
  if (!o.idat)
    return GF_ENOMEM;
  if (deflateInit2(&o.z, 1, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    free(o.idat);
    return GF_ENOMEM;
  }
  o.z.next_out = o.idat;
  o.z.avail_out = IDAT_MAX;
  int rc = put_header(out, w, h);
  if (!rc)
    rc = encode_rows(&o, &pic);
  if (!rc)
    rc = put_chunk(out, "IEND", NULL, 0);
  deflateEnd(&o.z);
  free(o.idat);
  return rc;
}

uint64_t gf__sim_png_key(const char *prompt, size_t plen, uint64_t seed, int w,
                         int h) {
  uint64_t k = 0xcbf29ce484222325ull; /* FNV-1a over the prompt's bytes */
  for (size_t i = 0; i < plen; i++)
    k = (k ^ (unsigned char)prompt[i]) * 0x100000001b3ull;
  k = gf__sim_mix64(k ^ seed);
  return gf__sim_mix64(k ^ ((uint64_t)(uint32_t)w << 32 | (uint32_t)h));
}
