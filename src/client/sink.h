/* Where image bytes go: every image part of a stream is hashed and measured;
 * with a file sink each is also written to its own temporary file in the
 * target directory. The result is the last non-thought image, or the last
 * thought image when no other came. Only on success is the result's file
 * fsynced and given its final name; everything else is removed. */
#ifndef GF_CLIENT_SINK_H
#define GF_CLIENT_SINK_H
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

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
  /* the image being received */
  int active, fd;
  gf__img cur;
  gf__sha256 sha;
  gf__dims dims;
  /* kept results */
  gf__img final, thought;
  int count;
  char *file;         /* final path after commit */
  char err[256];
  uv_fs_t req;
  int fd_sync;
  void (*sync_cb)(void *ud, int status);
  void *sync_ud;
} gf__sink;

int gf__sink_init(gf__sink *s, const char *out_path, const char *out_dir,
                  const char *out_prefix);
/* mime may be NULL (told later). */
int gf__sink_begin(gf__sink *s, const char *mime);
int gf__sink_write(gf__sink *s, const unsigned char *p, size_t n);
int gf__sink_end(gf__sink *s, const char *mime, int thought);
/* The image the result is, or NULL. fell_back: it is a thought image. */
const gf__img *gf__sink_result(const gf__sink *s, int *fell_back);
/* Success, step one: fsyncs the result file in the loop's thread pool and
 * calls cb(ud, status) from the loop. Without a file sink, or without a
 * result, returns 1 and does not call cb. */
typedef void (*gf__sink_cb)(void *ud, int status);
int gf__sink_sync(gf__sink *s, uv_loop_t *loop, gf__sink_cb cb, void *ud);
/* Step two: gives the synced file its final name (s->file) and removes the
 * other temporary files. 0 or GF_EIO (s->err says why). */
int gf__sink_publish(gf__sink *s);
/* Removes every temporary file. */
void gf__sink_discard(gf__sink *s);
void gf__sink_free(gf__sink *s);

/* One-shot form of the above, for a whole header in memory. */
int gf__img_dims(const unsigned char *p, size_t n, unsigned *w, unsigned *h);
const char *gf__mime_ext(const char *mime);
#endif
