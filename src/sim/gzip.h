/* gzip for the simulator's bodies (zlib's deflate), as the service sends
 * them to a client that accepts gzip. Level 1 with a 1 KiB window and a
 * small hash (windowBits 10, memLevel 5): about 26 KiB per response being
 * compressed, and on the base64 of a PNG within 1 % of what level 6 with
 * a 32 KiB window gives (the saving comes from the Huffman coding of 64
 * symbols, not from matches). A client needs no more than that window;
 * it cannot know, and keeps 32 KiB anyway. */
#ifndef GF_SIM_GZIP_H
#define GF_SIM_GZIP_H
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "common/buf.h"

#define GF_SIM_GZ_LEVEL 1
#define GF_SIM_GZ_WBITS 10
#define GF_SIM_GZ_MEMLEVEL 5

typedef struct gf__sim_gz {
  z_stream z;
  int on;             /* deflateInit2 succeeded; not ended yet */
  uint64_t in, out;   /* bytes taken and given, for the log and tests */
} gf__sim_gz;

/* 0 or GF_ENOMEM. */
int gf__sim_gz_init(gf__sim_gz *g);
void gf__sim_gz_free(gf__sim_gz *g);
/* Compresses p[0..n) and appends what deflate gives to out. flush:
 * Z_NO_FLUSH (deflate keeps what it likes), Z_SYNC_FLUSH (everything so
 * far goes out, so the client can decode it now; a few bytes each), or
 * Z_FINISH (the end of the member: its trailer). 0, GF_ENOMEM, or
 * GF_EINVAL once finished. */
int gf__sim_gz_put(gf__sim_gz *g, const char *p, size_t n, int flush,
                   gf__buf *out);
/* p[0..n) as one whole gzip member, appended to out. */
int gf__sim_gz_whole(const char *p, size_t n, gf__buf *out);
#endif
