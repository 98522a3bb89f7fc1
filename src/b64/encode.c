/* One-shot base64 encoder: standard alphabet, padded, NUL-terminated. Used
 * for reference images in requests and by the simulator, never per event,
 * so a plain 3-bytes-to-4-characters loop is enough. */
#include "b64/b64.h"

static const char gf__b64_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t gf__b64_encode(const unsigned char *in, size_t n, char *out) {
  size_t i = 0;
  char *w = out;
  for (; n - i >= 3; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    w[0] = gf__b64_alpha[v >> 18];
    w[1] = gf__b64_alpha[(v >> 12) & 63];
    w[2] = gf__b64_alpha[(v >> 6) & 63];
    w[3] = gf__b64_alpha[v & 63];
    w += 4;
  }
  if (n - i > 0) { /* 1 or 2 bytes left: 2 or 3 characters, then padding */
    uint32_t v = (uint32_t)in[i] << 16;
    if (n - i == 2)
      v |= (uint32_t)in[i + 1] << 8;
    w[0] = gf__b64_alpha[v >> 18];
    w[1] = gf__b64_alpha[(v >> 12) & 63];
    w[2] = n - i == 2 ? gf__b64_alpha[(v >> 6) & 63] : '=';
    w[3] = '=';
    w += 4;
  }
  *w = '\0';
  return (size_t)(w - out);
}
