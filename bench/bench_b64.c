/* Decoder throughput per path (not a test): build/bench_b64.
 * A 30 MiB image (40 MiB of base64, the size of the largest images) is
 * decoded by each path the CPU runs: the scalar reference, the portable
 * fast kernel, AVX2, and gf__b64_decode() itself (which picks one). Whole,
 * in 16 KiB pieces (the size SSE/TLS hands over), and wrapped at 76
 * characters with CRLF (the slow path at every line end). Reports MB/s
 * (10^6 bytes) of base64 input, the median of 5 timed runs after one
 * untimed one; every run's output is checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "b64/decode_int.h"

typedef int (*decode_fn)(gf__b64dec *d, const char *in, size_t n,
                         unsigned char *out, size_t *outlen);

enum { RUNS = 5 };

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double run(decode_fn fn, const char *enc, size_t elen,
                  unsigned char *out, size_t piece, size_t *total) {
  gf__b64dec d;
  size_t o = 0, got;
  double t0 = now();
  gf__b64_init(&d);
  for (size_t i = 0; i < elen; i += piece) {
    size_t k = elen - i < piece ? elen - i : piece;
    if (fn(&d, enc + i, k, out + o, &got) != 0)
      abort();
    o += got;
  }
  if (gf__b64_finish(&d, out + o, &got) != 0)
    abort();
  *total = o + got;
  return now() - t0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void report(const char *path, decode_fn fn, const char *what,
                   const char *enc, size_t elen, size_t piece,
                   unsigned char *out, const unsigned char *raw, size_t n) {
  double t[RUNS];
  size_t total = 0;
  run(fn, enc, elen, out, piece, &total); /* page in, warm the caches */
  for (int r = 0; r < RUNS; r++) {
    memset(out, 0, n);
    t[r] = run(fn, enc, elen, out, piece, &total);
    if (total != n || memcmp(out, raw, n) != 0)
      abort();
  }
  qsort(t, RUNS, sizeof t[0], cmp_double);
  printf("%-8s %-8s %-12zu %8.0f MB/s  (median %.2f ms, min %.2f, max "
         "%.2f)\n",
         path, what, piece, (double)elen / t[RUNS / 2] / 1e6,
         t[RUNS / 2] * 1e3, t[0] * 1e3, t[RUNS - 1] * 1e3);
  fflush(stdout);
}

static const struct {
  const char *name;
  decode_fn fn;
} paths[] = {
    {"scalar", gf__b64_decode_scalar},
    {"fast", gf__b64_decode_fast},
#ifdef GF__B64_X86
    {"avx2", gf__b64_decode_avx2},
#endif
    {"default", gf__b64_decode},
};

static void bench_all(const char *enc, size_t elen, const char *wrapped,
                      size_t wlen, unsigned char *out,
                      const unsigned char *raw, size_t n) {
  for (size_t p = 0; p < sizeof paths / sizeof paths[0]; p++) {
    if (strcmp(paths[p].name, "avx2") == 0 && !gf__b64_have_avx2()) {
      printf("%-8s skipped: this CPU has no AVX2\n", paths[p].name);
      continue;
    }
    report(paths[p].name, paths[p].fn, "clean", enc, elen, elen, out, raw, n);
    report(paths[p].name, paths[p].fn, "clean", enc, elen, 16384, out, raw, n);
    report(paths[p].name, paths[p].fn, "wrapped", wrapped, wlen, 16384, out,
           raw, n);
  }
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
  size_t elen = gf__b64_encode(raw, n, enc), w = 0;
  char *wrapped = malloc(elen + elen / 76 * 2 + 2);
  if (!wrapped)
    return 1;
  for (size_t i = 0; i < elen; i++) {
    if (i && i % 76 == 0)
      wrapped[w++] = '\r', wrapped[w++] = '\n';
    wrapped[w++] = enc[i];
  }
  printf("base64 input: %zu bytes clean, %zu wrapped; AVX2 %s; default "
         "path: %s\n",
         elen, w, gf__b64_have_avx2() ? "yes" : "no",
         gf__b64_have_avx2() ? "avx2" : "fast");
  printf("%-8s %-8s %-12s %13s\n", "path", "input", "piece", "median");
  bench_all(enc, elen, wrapped, w, out, raw, n);
  free(wrapped);
  free(raw);
  free(out);
  free(enc);
  return 0;
}
