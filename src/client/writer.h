/* The client's file work, off the loop thread: one thread per client (made
 * when the first image comes) runs the operations handed to it, in the
 * order given; each one's completion runs afterwards on the loop. A slow
 * disk then delays only the images being written to it, never the
 * streams: decrypting, parsing and decoding go on while files are written,
 * hashed, synced and named. */
#ifndef GF_CLIENT_WRITER_H
#define GF_CLIENT_WRITER_H
#include <uv.h>

#include "common/queue.h"

typedef struct gf__writer gf__writer;

typedef struct gf__wop {
  gf__queue node;
  void (*run)(struct gf__wop *op);  /* on the writer's thread */
  void (*done)(struct gf__wop *op); /* then on the loop; may free op */
  int taken;                        /* the thread has it (under the lock) */
} gf__wop;

/* 0, GF_ENOMEM, or GF_EIO when no thread could be started. */
int gf__writer_new(uv_loop_t *loop, gf__writer **out);
/* Hands op over; ops run in submission order. The loop is kept alive
 * while any is unfinished. The thread is woken for an urgent op, or once
 * the ops waiting for it carry GF__WRITER_WAKE bytes: waking it for every
 * small write would cost more than the write. */
#define GF__WRITER_WAKE (256 * 1024)
void gf__writer_submit(gf__writer *w, gf__wop *op, size_t bytes, int urgent);
/* With the queue locked: when op is not yet taken by the thread, calls
 * fn(op, arg), which may add to op's data and returns how many bytes it
 * added (they count toward waking the thread), and returns 1; else 0. */
int gf__writer_extend(gf__writer *w, gf__wop *op,
                      size_t (*fn)(gf__wop *op, void *arg), void *arg);
/* Runs what is left (waiting for it), stops the thread, calls every
 * pending done, and closes: closed(ud) follows from the loop, after
 * which the writer is freed. closed may be NULL. */
void gf__writer_close(gf__writer *w, void (*closed)(void *ud), void *ud);
#endif
