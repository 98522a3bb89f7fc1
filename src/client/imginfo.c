/* Image dimensions from the first bytes, and file extensions for mime types.
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

/* Walks the marker segments to the first start-of-frame. */
static int jpeg_dims(const unsigned char *p, size_t n, unsigned *w, unsigned *h) {
  if (n < 4 || p[0] != 0xFF || p[1] != 0xD8)
    return -1;
  size_t i = 2;
  while (i + 4 <= n) {
    if (p[i] != 0xFF)
      return -1;
    unsigned m = p[i + 1];
    if (m == 0xFF) { /* fill byte */
      i++;
      continue;
    }
    if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) {
      i += 2;
      continue;
    }
    unsigned len = be16(p + i + 2);
    int sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (sof) {
      if (i + 9 > n)
        return -1;
      *h = be16(p + i + 5);
      *w = be16(p + i + 7);
      return 0;
    }
    if (len < 2)
      return -1;
    i += 2 + len;
  }
  return -1;
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

int gf__img_dims(const unsigned char *p, size_t n, unsigned *w, unsigned *h) {
  *w = *h = 0;
  if (png_dims(p, n, w, h) == 0 || jpeg_dims(p, n, w, h) == 0 ||
      webp_dims(p, n, w, h) == 0)
    return 0;
  if (n >= 10 && (!memcmp(p, "GIF87a", 6) || !memcmp(p, "GIF89a", 6))) {
    *w = le16(p + 6);
    *h = le16(p + 8);
    return 0;
  }
  *w = *h = 0;
  return -1;
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
