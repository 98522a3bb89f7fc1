/* A generation's sink (sink.h) run on the client's writer thread: image
 * bytes are copied into blocks and written, hashed and measured there, in
 * order, as are the end of each image, the commit (fsync, naming, the
 * directory's fsync) and the removal of temporary files. The loop thread
 * only copies bytes.
 *
 * While operations are pending (gf__sinkq_busy) the sink belongs to the
 * thread: the loop reads it (gf__sink_result, its file) only once idle.
 * Failures reach the loop through on_error (the first of an attempt) and
 * on_commit. Before the first image no thread is needed: with no writer,
 * commit, discard and reset run at once on the loop. A sink that writes no
 * file (hashing and measuring only) runs everything at once on the loop:
 * handing it over would cost more than it saves. */
#ifndef GF_CLIENT_SINKQ_H
#define GF_CLIENT_SINKQ_H
#include <stdatomic.h>

#include "client/sink.h"
#include "client/writer.h"
#include "common/blocks.h"

typedef struct gf__sinkq_cbs {
  /* An operation of the current attempt failed (GF_EIO, GF_ENOMEM); msg
   * may be NULL. */
  void (*on_error)(void *ud, int err, const char *msg);
  /* The commit's outcome: 0, or the first failure since the last reset. */
  void (*on_commit)(void *ud, int status, const char *msg);
  /* Nothing is pending any more (after a done without another callback). */
  void (*on_idle)(void *ud);
  /* on 1: more than GF__SINKQ_HIGH write blocks of the client wait for the
   * disk, this sink's among them: the stream should stop reading until
   * on 0 (GF__SINKQ_LOW or fewer, or none of its own). May be NULL. */
  void (*on_pressure)(void *ud, int on);
} gf__sinkq_cbs;

#define GF__SINKQ_HIGH 32 /* blocks of 48 KiB: 1.5 MiB waiting for the disk */
#define GF__SINKQ_LOW 8

typedef struct gf__sinkq {
  gf__sink *sink;
  gf__writer *w;        /* NULL until the first image */
  gf__blocks *blocks;   /* the loop's write buffers */
  gf__sinkq_cbs cbs;
  void *ud;
  unsigned pending;     /* operations submitted, not yet done */
  unsigned epoch;       /* bumped by reset: older failures are moot */
  int err;              /* the first failure of this epoch */
  char msg[512];        /* its explanation, "" for none */
  struct gf__sop *last; /* the newest write, which may still grow */
  int pressed;          /* on_pressure(1) was the last said */
  atomic_int cancel;    /* the commit names nothing once this is set */
  int terr;             /* the thread's sticky failure (thread only) */
} gf__sinkq;

void gf__sinkq_init(gf__sinkq *q, gf__sink *s, gf__blocks *blocks,
                    const gf__sinkq_cbs *cbs, void *ud);
/* w: the writer to use from now on (the client's). 0, or the epoch's
 * failure (GF_EIO, GF_ENOMEM). */
int gf__sinkq_begin(gf__sinkq *q, gf__writer *w, const char *mime);
int gf__sinkq_write(gf__sinkq *q, const unsigned char *p, size_t n);
int gf__sinkq_end(gf__sinkq *q, const char *mime, int thought);
/* 1: on_commit will follow. Without a writer, at once: 0 or GF_EIO (the
 * sink's err says why), no callback. */
int gf__sinkq_commit(gf__sinkq *q);
/* A commit under way names nothing if it has not begun to (the file is
 * synced first: that is most of its time): it ends with GF_ECANCELED and
 * every temporary file removed. Any thread. */
void gf__sinkq_cancel(gf__sinkq *q);
void gf__sinkq_discard(gf__sinkq *q);
/* For a new attempt (gf__sink_reset). */
void gf__sinkq_reset(gf__sinkq *q);
int gf__sinkq_busy(const gf__sinkq *q);
#endif
