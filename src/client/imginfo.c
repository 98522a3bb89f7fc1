/* Image dimensions as the bytes stream, and file extensions for mime types.
 * The --json output reports width and height; we read them from the header
 * the image carries rather than trust the requested size. */
#include <stdint.h>
#include <string.h>

#include "client/sink.h"

static unsigned be16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }
static unsigned le16(const unsigned char *p) { return (unsigned)p[1] << 8 | p[0]; }
static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int png_dims(const unsigned char *p, size_t n, unsigned *w, unsigned *h) {
  if (n < 24 || memcmp(p, "\x89PNG\r\n\x1a\n", 8) || memcmp(p + 12, "IHDR", 4))
    return -1;
  *w = be32(p + 16);
  *h = be32(p + 20);
  return 0;
}

/* JPEG: the marker segments are walked as the bytes stream by, skipping
 * each segment's body by its length, up to the first start-of-frame. No
 * buffer: an EXIF block of any size before the frame costs nothing. */
enum { J_FF, J_MARK, J_LEN1, J_LEN2, J_SKIP, J_SOF, J_DONE, J_FAIL };

static int is_sof(unsigned m) {
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

static void jpeg_byte(gf__dims *d, unsigned char c) {
  switch (d->jstate) {
  case J_FF:
    d->jstate = c == 0xFF ? J_MARK : J_FAIL;
    return;
  case J_MARK:
    d->marker = c;
    if (c == 0xFF) /* fill byte */
      return;
    if (c == 0xD8 || (c >= 0xD0 && c <= 0xD7) || c == 0x01)
      d->jstate = J_FF;
    else
      d->jstate = c == 0xDA || c == 0xD9 ? J_FAIL : J_LEN1; /* no frame */
    return;
  case J_LEN1:
    d->seglen = (unsigned)c << 8;
    d->jstate = J_LEN2;
    return;
  case J_LEN2:
    d->seglen |= c;
    if (d->seglen < 2) {
      d->jstate = J_FAIL;
    } else if (is_sof(d->marker)) {
      d->jstate = J_SOF;
      d->got = 0;
    } else {
      d->skip = d->seglen - 2;
      d->jstate = d->skip ? J_SKIP : J_FF;
    }
    return;
  case J_SOF: /* precision, height (2), width (2) */
    d->sof[d->got++] = c;
    if (d->got == 5) {
      d->h = be16(d->sof + 1);
      d->w = be16(d->sof + 3);
      d->jstate = J_DONE;
    }
    return;
  default:
    return;
  }
}

static void jpeg_feed(gf__dims *d, const unsigned char *p, size_t n) {
  while (n && d->jstate < J_DONE) {
    if (d->jstate == J_SKIP) {
      size_t k = d->skip < n ? (size_t)d->skip : n;
      d->skip -= k;
      p += k;
      n -= k;
      if (d->skip == 0)
        d->jstate = J_FF;
      continue;
    }
    jpeg_byte(d, *p++);
    n--;
  }
}

static int webp_dims(const unsigned char *p, size_t n, unsigned *w, unsigned *h) {
  if (n < 30 || memcmp(p, "RIFF", 4) || memcmp(p + 8, "WEBP", 4))
    return -1;
  const unsigned char *c = p + 12;
  if (!memcmp(c, "VP8 ", 4)) {
    *w = le16(c + 14) & 0x3FFF;
    *h = le16(c + 16) & 0x3FFF;
  } else if (!memcmp(c, "VP8L", 4)) {
    uint32_t b = (uint32_t)c[9] | (uint32_t)c[10] << 8 | (uint32_t)c[11] << 16 |
                 (uint32_t)c[12] << 24;
    *w = (b & 0x3FFF) + 1;
    *h = ((b >> 14) & 0x3FFF) + 1;
  } else if (!memcmp(c, "VP8X", 4)) {
    *w = ((unsigned)c[12] | (unsigned)c[13] << 8 | (unsigned)c[14] << 16) + 1;
    *h = ((unsigned)c[15] | (unsigned)c[16] << 8 | (unsigned)c[17] << 16) + 1;
  } else {
    return -1;
  }
  return 0;
}

void gf__dims_init(gf__dims *d) {
  memset(d, 0, sizeof *d);
  d->jstate = J_FF;
}

void gf__dims_feed(gf__dims *d, const unsigned char *p, size_t n) {
  size_t room = sizeof d->head - d->head_len;
  size_t take = n < room ? n : room;
  memcpy(d->head + d->head_len, p, take);
  d->head_len += take;
  size_t skip = 0;
  if (d->jpeg_at == 0 && d->head_len >= 2) { /* the SOI marker decides */
    d->jpeg_at = d->head[0] == 0xFF && d->head[1] == 0xD8 ? 2 : -1;
    skip = 2 - (d->head_len - take); /* SOI bytes in this piece */
  }
  if (d->jpeg_at == 2 && skip < n)
    jpeg_feed(d, p + skip, n - skip);
}

int gf__dims_result(const gf__dims *d, unsigned *w, unsigned *h) {
  *w = *h = 0;
  const unsigned char *p = d->head;
  size_t n = d->head_len;
  if (png_dims(p, n, w, h) == 0 || webp_dims(p, n, w, h) == 0)
    return 0;
  if (d->jpeg_at == 2 && d->jstate == J_DONE) {
    *w = d->w;
    *h = d->h;
    return 0;
  }
  if (n >= 10 && (!memcmp(p, "GIF87a", 6) || !memcmp(p, "GIF89a", 6))) {
    *w = le16(p + 6);
    *h = le16(p + 8);
    return 0;
  }
  *w = *h = 0;
  return -1;
}

int gf__img_dims(const unsigned char *p, size_t n, unsigned *w, unsigned *h) {
  gf__dims d;
  gf__dims_init(&d);
  gf__dims_feed(&d, p, n);
  return gf__dims_result(&d, w, h);
}

const char *gf__mime_ext(const char *mime) {
  static const struct {
    const char *mime, *ext;
  } map[] = {{"image/png", "png"},   {"image/jpeg", "jpg"},
             {"image/webp", "webp"}, {"image/heic", "heic"},
             {"image/heif", "heif"}, {"image/gif", "gif"}};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (mime && strcmp(mime, map[i].mime) == 0)
      return map[i].ext;
  return "bin";
}
