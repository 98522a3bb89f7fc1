/* The deflate side of gzip: a stream that takes body bytes in pieces. */
#include "sim/gzip.h"

#include <string.h>

#include "gemflow.h"

int gf__sim_gz_init(gf__sim_gz *g) {
  memset(g, 0, sizeof *g);
  /* 16 + windowBits: the gzip wrapper (a 10-byte header with no name and
   * no time, and the CRC-32 and length trailer) */
  if (deflateInit2(&g->z, GF_SIM_GZ_LEVEL, Z_DEFLATED, 16 + GF_SIM_GZ_WBITS,
                   GF_SIM_GZ_MEMLEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
    return GF_ENOMEM;
  g->on = 1;
  return 0;
}

void gf__sim_gz_free(gf__sim_gz *g) {
  if (g->on)
    deflateEnd(&g->z);
  g->on = 0;
}

int gf__sim_gz_put(gf__sim_gz *g, const char *p, size_t n, int flush,
                   gf__buf *out) {
  if (!g->on)
    return GF_EINVAL;
  unsigned char buf[16 * 1024];
  g->z.next_in = (unsigned char *)(uintptr_t)p;
  g->z.avail_in = (unsigned)n; /* pieces are small (GF_SIM_PIECE) */
  g->in += n;
  int rc;
  do {
    g->z.next_out = buf;
    g->z.avail_out = sizeof buf;
    rc = deflate(&g->z, flush);
    size_t got = sizeof buf - g->z.avail_out;
    if (rc == Z_STREAM_ERROR)
      return GF_EINVAL;
    if (got && gf__buf_append(out, buf, got))
      return GF_ENOMEM;
    g->out += got;
    /* a full buffer may leave more; a finish runs to the trailer */
  } while (g->z.avail_out == 0 || g->z.avail_in > 0 ||
           (flush == Z_FINISH && rc != Z_STREAM_END));
  if (flush == Z_FINISH)
    gf__sim_gz_free(g);
  return 0;
}

int gf__sim_gz_whole(const char *p, size_t n, gf__buf *out) {
  gf__sim_gz g;
  int rc = gf__sim_gz_init(&g);
  if (!rc)
    rc = gf__sim_gz_put(&g, p, n, Z_FINISH, out);
  gf__sim_gz_free(&g);
  return rc;
}
