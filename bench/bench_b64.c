/* Decoder throughput on a 4K-image-sized string (not a test): build/bench_b64.
 * Reports base64 input bytes decoded per second, whole and in 16 KiB pieces
 * (the size SSE/TLS hands over), best of several runs; then the same data
 * wrapped at 76 characters with CRLF (the slow path at every line end). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "b64/b64.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double run(const char *enc, size_t elen, unsigned char *out,
                  size_t piece, size_t *total) {
  gf__b64dec d;
  size_t o = 0, got;
  double t0 = now();
  gf__b64_init(&d);
  for (size_t i = 0; i < elen; i += piece) {
    size_t k = elen - i < piece ? elen - i : piece;
    if (gf__b64_decode(&d, enc + i, k, out + o, &got) != 0)
      abort();
    o += got;
  }
  if (gf__b64_finish(&d, out + o, &got) != 0)
    abort();
  *total = o + got;
  return now() - t0;
}

static void report(const char *what, const char *enc, size_t elen,
                   unsigned char *out, size_t piece, const unsigned char *raw,
                   size_t n) {
  double best = 1e9;
  size_t total = 0;
  for (int r = 0; r < 7; r++) {
    double t = run(enc, elen, out, piece, &total);
    best = t < best ? t : best;
  }
  if (total != n || memcmp(out, raw, n) != 0)
    abort();
  printf("%s, pieces of %zu: %.2f GB/s of base64 (%.1f ms for %zu bytes)\n",
         what, piece, (double)elen / best / 1e9, best * 1e3, elen);
}

int main(void) {
  size_t n = 30u << 20; /* 30 MiB of image: 40 MiB of base64 */
  unsigned char *raw = malloc(n), *out = malloc(GF_B64_DEC_MAX(n * 2));
  char *enc = malloc(GF_B64_ENC_LEN(n) + 1);
  if (!raw || !out || !enc)
    return 1;
  srand(1);
  for (size_t i = 0; i < n; i++)
    raw[i] = (unsigned char)rand();
  size_t elen = gf__b64_encode(raw, n, enc);
  report("clean", enc, elen, out, elen, raw, n);
  report("clean", enc, elen, out, 16384, raw, n);
  char *wrapped = malloc(elen + elen / 76 * 2 + 2);
  size_t w = 0;
  for (size_t i = 0; i < elen; i++) {
    if (i && i % 76 == 0)
      wrapped[w++] = '\r', wrapped[w++] = '\n';
    wrapped[w++] = enc[i];
  }
  report("wrapped", wrapped, w, out, 16384, raw, n);
  free(wrapped);
  free(raw);
  free(out);
  free(enc);
  return 0;
}
