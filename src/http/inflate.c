/* Streaming gzip decoding of a body with zlib, member after member. */
#include "http/inflate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "gemflow.h"

typedef enum gf__inf_state {
  INF_START,   /* nothing fed yet */
  INF_MEMBER,  /* inside a member */
  INF_BETWEEN, /* a member ended; another may start */
} gf__inf_state;

struct gf__inflate {
  z_stream zs;
  gf__inf_state state;
  int err;
  char msg[96];
};

/* RFC 1952: every member starts with ID1 ID2 = 1f 8b */
#define GF_GZIP_ID1 0x1f

gf__inflate *gf__inflate_new(void) {
  gf__inflate *z = calloc(1, sizeof *z);
  if (!z)
    return NULL;
  /* 16 + MAX_WBITS: the gzip wrapper only (not zlib's), any window size up
   * to 32 KiB, which zlib allocates on the first output */
  if (inflateInit2(&z->zs, 16 + MAX_WBITS) != Z_OK) {
    free(z);
    return NULL;
  }
  snprintf(z->msg, sizeof z->msg, "no error");
  return z;
}

void gf__inflate_free(gf__inflate *z) {
  if (!z)
    return;
  inflateEnd(&z->zs);
  free(z);
}

const char *gf__inflate_errmsg(const gf__inflate *z) { return z->msg; }

static int fail(gf__inflate *z, int err, const char *what, const char *why) {
  z->err = err;
  snprintf(z->msg, sizeof z->msg, "%s%s%s", what, why ? ": " : "",
           why ? why : "");
  /* zlib's messages are ASCII; keep the promise of a printable text */
  for (char *c = z->msg; *c; c++)
    if (*c < 0x20 || *c > 0x7e)
      *c = '?';
  return err;
}

/* After a member's end the next byte must start another member; zlib
 * would only say "incorrect header check", which hides what happened. */
static int next_member(gf__inflate *z) {
  if (*z->zs.next_in != GF_GZIP_ID1)
    return fail(z, GF_EHTTP, "bytes after the end of the gzip body", NULL);
  inflateReset(&z->zs);
  z->state = INF_MEMBER;
  return 0;
}

/* zlib's answer other than progress: 0 to go on, or the failure. */
static int judge(gf__inflate *z, int zrc) {
  switch (zrc) {
  case Z_OK:
    return 0;
  case Z_STREAM_END:
    z->state = INF_BETWEEN;
    return 0;
  case Z_BUF_ERROR: /* no progress: it needs input, and has none */
    return 0;
  case Z_MEM_ERROR:
    return fail(z, GF_ENOMEM, "out of memory inflating the gzip body", NULL);
  default: /* Z_DATA_ERROR, Z_NEED_DICT (never in gzip), Z_STREAM_ERROR */
    return fail(z, GF_EHTTP, "corrupt gzip body",
                z->zs.msg ? z->zs.msg : "invalid data");
  }
}

int gf__inflate_feed(gf__inflate *z, const char *p, size_t n,
                     gf__inflate_out_fn out, void *ud) {
  if (z->err)
    return z->err;
  unsigned char buf[GF_INFLATE_STEP];
  z->zs.next_in = (unsigned char *)(uintptr_t)p;
  z->zs.avail_in = 0;
  int pending = 0; /* the last call filled buf: more output may wait */
  for (;;) {
    /* avail_in is an unsigned int: a larger piece goes in slices */
    if (z->zs.avail_in == 0 && n > 0) {
      z->zs.avail_in = n > 0x40000000u ? 0x40000000u : (unsigned)n;
      n -= z->zs.avail_in;
    }
    if (z->zs.avail_in == 0 && !pending)
      return 0;
    if (z->state == INF_START) {
      z->state = INF_MEMBER;
    } else if (z->state == INF_BETWEEN) {
      if (z->zs.avail_in == 0)
        return 0;
      if (next_member(z))
        return z->err;
    }
    z->zs.next_out = buf;
    z->zs.avail_out = sizeof buf;
    int zrc = inflate(&z->zs, Z_NO_FLUSH);
    size_t got = sizeof buf - z->zs.avail_out;
    /* what came before a corruption goes out first, as it would have had
     * the bytes been split just before it */
    int rc = got ? out(ud, (const char *)buf, got) : 0;
    if (rc)
      return z->err = rc;
    if (judge(z, zrc))
      return z->err;
    if (zrc == Z_BUF_ERROR && z->zs.avail_in > 0)
      return fail(z, GF_EHTTP, "corrupt gzip body", "no progress");
    pending = z->zs.avail_out == 0;
  }
}

int gf__inflate_end(gf__inflate *z) {
  if (z->err)
    return z->err;
  if (z->state == INF_MEMBER)
    return fail(z, GF_ETRUNCATED, "the gzip body ends inside a member", NULL);
  return 0;
}
