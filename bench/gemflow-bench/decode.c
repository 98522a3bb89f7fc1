#include "decode.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum kind { K_UNKNOWN, K_PNG, K_JPEG, K_WEBP, K_OTHER };
enum pst { P_SIG, P_HDR, P_DATA, P_CRC, P_DONE };

struct gfb_decode {
  enum kind kind;
  uint64_t total;
  unsigned char head[12]; /* the first bytes, to tell the kind */
  unsigned char last[2];  /* the last two (JPEG's EOI) */
  const char *err;
  /* PNG */
  enum pst st;
  unsigned char acc[8];
  unsigned char ihdr[13]; /* IHDR's data, read at its CRC */
  size_t nacc;
  uint32_t len, type, crc;
  uint32_t left; /* data bytes left in the chunk */
  unsigned w, h;
  int have_ihdr, interlaced, zinit, zend;
  uint64_t raw_want, raw_got;
  z_stream z;
  unsigned char scratch[16384];
};

#define T(a, b, c, d)                                                          \
  ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static uint32_t be32(const unsigned char *p) {
  return T(p[0], p[1], p[2], p[3]);
}

gfb_decode *gfb_decode_new(void) { return calloc(1, sizeof(gfb_decode)); }

void gfb_decode_free(gfb_decode *d) {
  if (!d)
    return;
  if (d->zinit)
    inflateEnd(&d->z);
  free(d);
}

static void fail(gfb_decode *d, const char *why) {
  if (!d->err)
    d->err = why;
}

static void ihdr(gfb_decode *d) {
  static const int chans[7] = {1, 0, 3, 1, 2, 0, 4};
  const unsigned char *p = d->ihdr;
  d->w = be32(p), d->h = be32(p + 4);
  int depth = p[8], ct = p[9];
  d->interlaced = p[12] == 1;
  if (!d->w || !d->h || ct > 6 || !chans[ct] || !depth || depth > 16) {
    fail(d, "bad IHDR");
    return;
  }
  uint64_t row = ((uint64_t)d->w * (uint64_t)(chans[ct] * depth) + 7) / 8;
  d->raw_want = (uint64_t)d->h * (row + 1);
  d->have_ihdr = 1;
  if (inflateInit(&d->z) != Z_OK) {
    fail(d, "zlib");
    return;
  }
  d->zinit = 1;
}

static void idat(gfb_decode *d, const unsigned char *p, size_t n) {
  if (!d->zinit) {
    fail(d, "IDAT before IHDR");
    return;
  }
  if (d->zend)
    return; /* trailing bytes after the stream's end: tolerated */
  d->z.next_in = (unsigned char *)p;
  d->z.avail_in = (uInt)n;
  while (d->z.avail_in && !d->zend) {
    d->z.next_out = d->scratch;
    d->z.avail_out = sizeof d->scratch;
    int r = inflate(&d->z, Z_NO_FLUSH);
    d->raw_got += sizeof d->scratch - d->z.avail_out;
    if (r == Z_STREAM_END)
      d->zend = 1;
    else if (r != Z_OK && r != Z_BUF_ERROR) {
      fail(d, "bad zlib data in IDAT");
      return;
    }
  }
}

static void png(gfb_decode *d, const unsigned char *p, size_t n) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', 13, 10, 26, 10};
  while (n && !d->err) {
    size_t need = d->st == P_SIG || d->st == P_HDR ? 8 : d->st == P_CRC ? 4 : 0;
    if (d->st == P_DONE)
      return; /* bytes after IEND are ignored, as decoders do */
    if (need) {
      size_t k = need - d->nacc < n ? need - d->nacc : n;
      memcpy(d->acc + d->nacc, p, k);
      d->nacc += k, p += k, n -= k;
      if (d->nacc < need)
        return;
      d->nacc = 0;
      if (d->st == P_SIG) {
        if (memcmp(d->acc, sig, 8))
          fail(d, "not a PNG signature");
        d->st = P_HDR;
      } else if (d->st == P_HDR) {
        d->len = be32(d->acc), d->type = be32(d->acc + 4);
        if (d->len > 0x7fffffffu)
          fail(d, "chunk length");
        if (d->type == T('I', 'H', 'D', 'R') && (d->len != 13 || d->have_ihdr))
          fail(d, "bad IHDR");
        d->crc = (uint32_t)crc32(0L, d->acc + 4, 4);
        d->left = d->len;
        d->st = d->left ? P_DATA : P_CRC;
      } else {
        if (be32(d->acc) != d->crc)
          fail(d, "chunk CRC mismatch");
        if (d->type == T('I', 'H', 'D', 'R'))
          ihdr(d);
        d->st = d->type == T('I', 'E', 'N', 'D') ? P_DONE : P_HDR;
      }
      continue;
    }
    size_t k = d->left < n ? d->left : n;
    d->crc = (uint32_t)crc32(d->crc, p, (uInt)k);
    if (d->type == T('I', 'H', 'D', 'R'))
      memcpy(d->ihdr + (13 - d->left), p, k); /* len is 13: checked */
    else if (d->type == T('I', 'D', 'A', 'T'))
      idat(d, p, k);
    d->left -= (uint32_t)k, p += k, n -= k;
    if (!d->left)
      d->st = P_CRC;
  }
}

void gfb_decode_feed(gfb_decode *d, const unsigned char *p, size_t n) {
  if (!n || d->err)
    return;
  for (size_t i = 0; d->total + i < sizeof d->head && i < n; i++)
    d->head[d->total + i] = p[i];
  uint64_t before = d->total;
  d->total += n;
  if (n >= 2)
    d->last[0] = p[n - 2], d->last[1] = p[n - 1];
  else
    d->last[0] = d->last[1], d->last[1] = p[0];
  if (d->kind == K_UNKNOWN && d->total >= 4) {
    if (d->head[0] == 0x89 && d->head[1] == 'P')
      d->kind = K_PNG;
    else if (d->head[0] == 0xff && d->head[1] == 0xd8 && d->head[2] == 0xff)
      d->kind = K_JPEG;
    else if (!memcmp(d->head, "RIFF", 4))
      d->kind = K_WEBP;
    else
      d->kind = K_OTHER;
    if (d->kind == K_PNG && before) /* feed what came before, from head */
      png(d, d->head, (size_t)before);
  }
  if (d->kind == K_PNG)
    png(d, p, n);
}

int gfb_decode_ok(gfb_decode *d, unsigned width, unsigned height,
                  const char **why) {
  const char *e = d->err;
  unsigned w = 0, h = 0;
  if (!e && d->kind == K_PNG) {
    if (d->st != P_DONE)
      e = "PNG ends before IEND";
    else if (!d->zend)
      e = "PNG's zlib stream does not end";
    else if (!d->interlaced && d->raw_got != d->raw_want)
      e = "PNG holds fewer or more rows than IHDR says";
    w = d->w, h = d->h;
  } else if (!e && d->kind == K_JPEG) {
    if (d->last[0] != 0xff || d->last[1] != 0xd9)
      e = "JPEG without its end marker";
  } else if (!e && d->kind == K_WEBP) {
    uint32_t riff = (uint32_t)d->head[4] | (uint32_t)d->head[5] << 8 |
                    (uint32_t)d->head[6] << 16 | (uint32_t)d->head[7] << 24;
    if (d->total < 12 || memcmp(d->head + 8, "WEBP", 4) ||
        (uint64_t)riff + 8 != d->total)
      e = "WebP length does not match";
  } else if (!e) {
    e = d->total ? "not a PNG, JPEG or WebP" : "no image bytes";
  }
  if (!e && w && width && (w != width || h != height))
    e = "image size differs from what the library reported";
  if (why)
    *why = e;
  return !e;
}
