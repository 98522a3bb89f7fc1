/* Where image bytes go: every image part of a stream is hashed and measured;
 * with a file sink each is also written to its own temporary file in the
 * target directory. The result is the last non-thought image, or the last
 * thought image when no other came. Only on success is the result's file
 * fsynced and given its final name; everything else is removed, except a
 * finished result that could not be named: that one is kept where it is
 * (s->err says where). */
#ifndef GF_CLIENT_SINK_H
#define GF_CLIENT_SINK_H
#include <stddef.h>
#include <stdint.h>

#include "common/sha256.h"

/* imginfo.c: width and height read as the image streams (PNG, JPEG,
 * WebP, GIF), keeping only the first 32 bytes. */
typedef struct gf__dims {
  unsigned char head[32];
  size_t head_len;
  int jpeg_at;          /* 0 not known yet, 2 a JPEG, -1 not one */
  int jstate;           /* the marker walker */
  unsigned marker, seglen, got, w, h;
  uint64_t skip;
  unsigned char sof[5];
} gf__dims;

void gf__dims_init(gf__dims *d);
void gf__dims_feed(gf__dims *d, const unsigned char *p, size_t n);
int gf__dims_result(const gf__dims *d, unsigned *w, unsigned *h);

typedef struct gf__img {
  int used;
  char *tmp;          /* temporary file, or NULL without a file sink */
  char mime[64];
  int thought;
  uint64_t bytes;
  unsigned char sha256[32];
  unsigned width, height;
} gf__img;

typedef struct gf__sink {
  char *out_path, *out_dir, *out_prefix;
  int replace;        /* out_dir: "<prefix>.<ext>" replaced, no -N names */
  int no_hash;        /* sha256 left zero */
  /* the image being received */
  int active, fd;
  gf__img cur;
  gf__sha256 sha;
  gf__dims dims;
  /* kept results */
  gf__img final, thought;
  int count;
  char *file;         /* final path after commit */
  char err[512];
} gf__sink;

int gf__sink_init(gf__sink *s, const char *out_path, const char *out_dir,
                  const char *out_prefix, int replace);
/* It has an output path or directory. */
int gf__sink_writes_files(const gf__sink *s);
/* mime may be NULL (told later). */
int gf__sink_begin(gf__sink *s, const char *mime);
int gf__sink_write(gf__sink *s, const unsigned char *p, size_t n);
int gf__sink_end(gf__sink *s, const char *mime, int thought);
/* The image the result is, or NULL. fell_back: it is a thought image. */
const gf__img *gf__sink_result(const gf__sink *s, int *fell_back);
/* The result file's bytes to disk: 0 (also without a file sink or a
 * result) or GF_EIO (s->err says why). Blocks. */
int gf__sink_fsync(gf__sink *s);
/* Success, after gf__sink_fsync (both block on the disk: the client runs
 * them on its writer thread, sinkq.c): gives the synced file its final name (s->file), syncs the
 * directory so that the name lasts, and removes the other temporary files.
 * out_path is replaced; in out_dir the name is new ("<prefix>.<ext>", then
 * "<prefix>-1.<ext>", ...), made with link(), else renameat2() with
 * RENAME_NOREPLACE, else a name reserved with O_EXCL and renamed over, so
 * that file systems without hard links work too. 0 or GF_EIO (s->err says
 * why). When no name could be given, the temporary file is kept, no longer
 * the sink's to remove, and s->err names it. Blocks on the fsync of the
 * directory. */
int gf__sink_publish(gf__sink *s);
/* Removes every temporary file. */
void gf__sink_discard(gf__sink *s);
/* Starts over for a new attempt of the same generation: every temporary
 * file is removed, and the image being received, the kept results, the
 * count, s->err and s->file (a name, not the file) are forgotten; the
 * output options stay. Safe in any state (mid-image, after
 * gf__sink_end, after gf__sink_discard). */
void gf__sink_reset(gf__sink *s);
void gf__sink_free(gf__sink *s);

/* One-shot form of the above, for a whole header in memory. */
int gf__img_dims(const unsigned char *p, size_t n, unsigned *w, unsigned *h);
const char *gf__mime_ext(const char *mime);
#endif
