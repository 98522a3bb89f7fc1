/* One thread, one FIFO of operations, one uv_async for the completions.
 * The thread takes the whole queue at once under the lock and runs it
 * unlocked, so the loop's submit never waits for a write. */
#include "client/writer.h"

#include <pthread.h>
#include <stdlib.h>

#include "gemflow.h"

struct gf__writer {
  uv_async_t async;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  gf__queue todo, finished; /* under mu */
  int stop;                 /* under mu */
  int idle;                 /* the thread waits on cv (under mu) */
  size_t queued;            /* bytes in todo (under mu) */
  unsigned pending;         /* submitted, done not yet run (loop only) */
  void (*closed)(void *ud);
  void *closed_ud;
};

static void *thread_main(void *arg);
static void on_async(uv_async_t *a);
static void free_on_close(uv_handle_t *h) { free(h->data); }

int gf__writer_new(uv_loop_t *loop, gf__writer **out) {
  gf__writer *w = calloc(1, sizeof *w);
  if (!w)
    return GF_ENOMEM;
  gf__queue_init(&w->todo);
  gf__queue_init(&w->finished);
  if (pthread_mutex_init(&w->mu, NULL)) {
    free(w);
    return GF_ENOMEM;
  }
  if (pthread_cond_init(&w->cv, NULL)) {
    pthread_mutex_destroy(&w->mu);
    free(w);
    return GF_ENOMEM;
  }
  w->async.data = w;
  int rc = uv_async_init(loop, &w->async, on_async);
  pthread_attr_t attr;
  int made = !rc && !pthread_attr_init(&attr);
  if (made) { /* it calls no deep code: glibc's 8 MiB default is waste */
    pthread_attr_setstacksize(&attr, 256 * 1024);
    made = !pthread_create(&w->thread, &attr, thread_main, w);
    pthread_attr_destroy(&attr);
  }
  if (!made) {
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    if (rc) /* no handle */
      free(w);
    else
      uv_close((uv_handle_t *)&w->async, free_on_close);
    return GF_EIO;
  }
  uv_unref((uv_handle_t *)&w->async); /* only unfinished work keeps a loop */
  *out = w;
  return 0;
}

void gf__writer_submit(gf__writer *w, gf__wop *op, size_t bytes, int urgent) {
  op->taken = 0;
  pthread_mutex_lock(&w->mu);
  gf__queue_insert_tail(&w->todo, &op->node);
  w->queued += bytes;
  if (w->idle && (urgent || w->queued >= GF__WRITER_WAKE))
    pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
  if (w->pending++ == 0)
    uv_ref((uv_handle_t *)&w->async);
}

int gf__writer_extend(gf__writer *w, gf__wop *op,
                      size_t (*fn)(gf__wop *op, void *arg), void *arg) {
  pthread_mutex_lock(&w->mu);
  int open = !op->taken;
  if (open) {
    w->queued += fn(op, arg);
    if (w->idle && w->queued >= GF__WRITER_WAKE)
      pthread_cond_signal(&w->cv);
  }
  pthread_mutex_unlock(&w->mu);
  return open;
}

/* ---- the thread ---------------------------------------------------------- */

static void *thread_main(void *arg) {
  gf__writer *w = arg;
  gf__queue batch;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (gf__queue_empty(&w->todo) && !w->stop) {
      w->idle = 1;
      pthread_cond_wait(&w->cv, &w->mu);
      w->idle = 0;
    }
    if (gf__queue_empty(&w->todo))
      break; /* stopping, and nothing left */
    gf__queue_init(&batch);
    w->queued = 0;
    gf__queue *q;
    while ((q = gf__queue_head(&w->todo))) {
      gf__queue_remove(q);
      GF__QUEUE_DATA(q, gf__wop, node)->taken = 1;
      gf__queue_insert_tail(&batch, q);
    }
    pthread_mutex_unlock(&w->mu);
    GF__QUEUE_FOREACH(q, &batch)
      GF__QUEUE_DATA(q, gf__wop, node)->run(GF__QUEUE_DATA(q, gf__wop, node));
    pthread_mutex_lock(&w->mu);
    while ((q = gf__queue_head(&batch))) {
      gf__queue_remove(q);
      gf__queue_insert_tail(&w->finished, q);
    }
    uv_async_send(&w->async);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

/* ---- completions, on the loop ---------------------------------------------- */

static void run_finished(gf__writer *w) {
  gf__queue list;
  gf__queue_init(&list);
  pthread_mutex_lock(&w->mu);
  gf__queue *q;
  while ((q = gf__queue_head(&w->finished))) {
    gf__queue_remove(q);
    gf__queue_insert_tail(&list, q);
  }
  pthread_mutex_unlock(&w->mu);
  while ((q = gf__queue_head(&list))) {
    gf__queue_remove(q);
    gf__wop *op = GF__QUEUE_DATA(q, gf__wop, node);
    if (--w->pending == 0)
      uv_unref((uv_handle_t *)&w->async);
    op->done(op); /* may submit more */
  }
}

static void on_async(uv_async_t *a) { run_finished(a->data); }

static void on_closed(uv_handle_t *h) {
  gf__writer *w = h->data;
  if (w->closed)
    w->closed(w->closed_ud);
  pthread_cond_destroy(&w->cv);
  pthread_mutex_destroy(&w->mu);
  free(w);
}

void gf__writer_close(gf__writer *w, void (*closed)(void *ud), void *ud) {
  pthread_mutex_lock(&w->mu);
  w->stop = 1;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->thread, NULL);
  run_finished(w);
  w->closed = closed;
  w->closed_ud = ud;
  uv_close((uv_handle_t *)&w->async, on_closed);
}
