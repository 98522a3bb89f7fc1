/* The simulator's images: a deterministic picture (sky and sun gradients,
 * a ridge line, and a few bits of noise per channel so that the encoded
 * size is close to what the real service sends), encoded as an 8-bit RGB
 * PNG with zlib. The pixels depend only on (prompt, seed, width, height);
 * the encoding is fast (deflate level 1, "sub" filter on every row). */
#ifndef GF_SIM_PNG_H
#define GF_SIM_PNG_H
#include <stddef.h>
#include <stdint.h>

struct gf__buf;

#define GF_SIM_PNG_MAX_SIDE 16384

/* Appends the whole PNG file to out. GF_EINVAL for dimensions outside
 * 1..GF_SIM_PNG_MAX_SIDE, GF_ENOMEM. */
int gf__sim_png_encode(const char *prompt, size_t plen, uint64_t seed, int w,
                       int h, struct gf__buf *out);
/* The 64-bit key the picture is drawn from. */
uint64_t gf__sim_png_key(const char *prompt, size_t plen, uint64_t seed, int w,
                         int h);
#endif
