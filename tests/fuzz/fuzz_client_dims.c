/* Image dimensions read as bytes stream: fed whole, in two pieces at a
 * point the input chooses, and byte by byte, the answer is the same. */
#include <stdlib.h>
#include <string.h>

#include "client/sink.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int dims_of(const unsigned char *p, size_t n, size_t step,
                   unsigned *w, unsigned *h) {
  gf__dims d;
  gf__dims_init(&d);
  for (size_t off = 0; off < n; off += step)
    gf__dims_feed(&d, p + off, off + step <= n ? step : n - off);
  return gf__dims_result(&d, w, h);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
  if (size < 1)
    return 0;
  size_t cut = data[0] % (size);
  const unsigned char *p = data + 1;
  size_t n = size - 1;
  unsigned w1, h1, w2, h2, w3, h3;
  int r1 = dims_of(p, n, n ? n : 1, &w1, &h1);
  int r2 = dims_of(p, n, 1, &w2, &h2);
  gf__dims d;
  gf__dims_init(&d);
  if (cut > n)
    cut = n;
  gf__dims_feed(&d, p, cut);
  gf__dims_feed(&d, p + cut, n - cut);
  int r3 = gf__dims_result(&d, &w3, &h3);
  if (r1 != r2 || r1 != r3 || w1 != w2 || w1 != w3 || h1 != h2 || h1 != h3)
    abort();
  return 0;
}
