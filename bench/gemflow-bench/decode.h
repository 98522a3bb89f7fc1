/* The check of an image from a real service, where no reference exists:
 * fed the image's bytes as they stream (bounded memory, any split), it
 * decodes a PNG (every chunk's CRC, the zlib stream inflated to its end,
 * exactly height rows of the size IHDR announces) or checks a JPEG's
 * SOI..EOI and a WebP's RIFF length. At the end the size must agree with
 * what the library reported. */
#ifndef GFB_DECODE_H
#define GFB_DECODE_H
#include <stddef.h>
#include <stdint.h>

typedef struct gfb_decode gfb_decode;

gfb_decode *gfb_decode_new(void);
void gfb_decode_free(gfb_decode *d);
void gfb_decode_feed(gfb_decode *d, const unsigned char *p, size_t n);
/* 1 when the bytes were a whole, valid image of width x height (0 x 0:
 * sizes not known, not compared); *why explains a 0. */
int gfb_decode_ok(gfb_decode *d, unsigned width, unsigned height,
                  const char **why);
#endif
