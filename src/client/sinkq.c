/* Operations on a sink, queued to the writer thread. Writes are copied into
 * blocks of the loop's pool; a write extends the newest one while the
 * thread has not taken it, so a stream's small pieces reach the disk in
 * large writes. */
#include "client/sinkq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemflow.h"

enum { OP_BEGIN, OP_WRITE, OP_END, OP_COMMIT, OP_DISCARD, OP_RESET };

typedef struct gf__sop {
  gf__wop w;
  gf__sinkq *q;
  int kind;
  unsigned epoch;
  unsigned char *blk; /* OP_WRITE: a block of the pool */
  size_t len;
  int thought;
  int has_mime;
  char mime[64];
  int rc;    /* the thread's outcome */
  char *msg; /* and its explanation */
} gf__sop;

static void run(gf__wop *w);
static void done(gf__wop *w);

void gf__sinkq_init(gf__sinkq *q, gf__sink *s, gf__blocks *blocks,
                    const gf__sinkq_cbs *cbs, void *ud) {
  memset(q, 0, sizeof *q);
  atomic_init(&q->cancel, 0);
  q->sink = s;
  q->blocks = blocks;
  q->cbs = *cbs;
  q->ud = ud;
}

int gf__sinkq_busy(const gf__sinkq *q) { return q->pending > 0; }

/* An operation, zeroed: on the heap for the thread, or the caller's (on
 * the stack) when it runs at once. */
static void init_op(gf__sop *op, gf__sinkq *q, int kind, const char *mime) {
  memset(op, 0, sizeof *op);
  op->w.run = run;
  op->w.done = done;
  op->q = q;
  op->kind = kind;
  op->epoch = q->epoch;
  if (mime) {
    op->has_mime = 1;
    snprintf(op->mime, sizeof op->mime, "%s", mime);
  }
}

static gf__sop *new_op(gf__sinkq *q, int kind, const char *mime) {
  gf__sop *op = malloc(sizeof *op);
  if (op)
    init_op(op, q, kind, mime);
  return op;
}

static void press(gf__sinkq *q, int on) {
  if (q->pressed == on)
    return;
  q->pressed = on;
  if (q->cbs.on_pressure)
    q->cbs.on_pressure(q->ud, on);
}

/* The newest write may grow (gf__writer_extend) until anything else is
 * queued after it. */
static void submit(gf__sinkq *q, gf__sop *op) {
  q->last = op->kind == OP_WRITE ? op : NULL;
  q->pending++;
  gf__writer_submit(q->w, &op->w, op->len, op->kind != OP_WRITE);
  if (op->kind == OP_WRITE && q->blocks->lent > GF__SINKQ_HIGH)
    press(q, 1); /* the disk is behind: this stream waits for it */
}

static int fail_here(gf__sinkq *q, int err) {
  if (!q->err)
    q->err = err;
  return q->err;
}

/* Without files there is only hashing and measuring: not worth a thread. */
static int direct(const gf__sinkq *q) { return !gf__sink_writes_files(q->sink); }

static int apply(gf__sinkq *q, gf__sop *op);

static int run_direct(gf__sinkq *q, gf__sop *op) {
  int rc = apply(q, op);
  if (rc && !q->err) {
    q->err = rc;
    snprintf(q->msg, sizeof q->msg, "%s", q->sink->err);
  }
  return q->err;
}

int gf__sinkq_begin(gf__sinkq *q, gf__writer *w, const char *mime) {
  if (q->err)
    return q->err;
  if (direct(q)) {
    gf__sop op;
    init_op(&op, q, OP_BEGIN, mime);
    return run_direct(q, &op);
  }
  if (!w)
    return fail_here(q, GF_ENOMEM);
  q->w = w;
  gf__sop *op = new_op(q, OP_BEGIN, mime);
  if (!op)
    return fail_here(q, GF_ENOMEM);
  submit(q, op);
  return 0;
}

typedef struct piece {
  const unsigned char *p;
  size_t n;
} piece;

static size_t fill(gf__wop *w, void *arg) {
  gf__sop *op = (gf__sop *)w;
  piece *pc = arg;
  size_t room = op->q->blocks->size - op->len;
  size_t k = pc->n < room ? pc->n : room;
  memcpy(op->blk + op->len, pc->p, k);
  op->len += k;
  pc->p += k;
  pc->n -= k;
  return k;
}

int gf__sinkq_write(gf__sinkq *q, const unsigned char *p, size_t n) {
  if (q->err)
    return q->err;
  if (direct(q)) {
    gf__sop op;
    init_op(&op, q, OP_WRITE, NULL);
    op.blk = (unsigned char *)p;
    op.len = n;
    return run_direct(q, &op);
  }
  piece pc = {p, n};
  if (q->last && !gf__writer_extend(q->w, &q->last->w, fill, &pc))
    q->last = NULL; /* taken: the next bytes start a new write */
  while (pc.n) {
    gf__sop *op = new_op(q, OP_WRITE, NULL);
    if (op && !(op->blk = gf__blocks_get(q->blocks))) {
      free(op);
      op = NULL;
    }
    if (!op)
      return fail_here(q, GF_ENOMEM);
    fill(&op->w, &pc);
    submit(q, op);
  }
  return 0;
}

int gf__sinkq_end(gf__sinkq *q, const char *mime, int thought) {
  if (q->err)
    return q->err;
  if (direct(q)) {
    gf__sop op;
    init_op(&op, q, OP_END, mime);
    op.thought = thought;
    return run_direct(q, &op);
  }
  gf__sop *op = new_op(q, OP_END, mime);
  if (!op)
    return fail_here(q, GF_ENOMEM);
  op->thought = thought;
  submit(q, op);
  return 0;
}

/* Commit, discard and reset must happen, memory or not: without a writer,
 * or without memory for the operation, they run at once on the loop (when
 * nothing is queued before them: else GF_ENOMEM). 1: queued. */
static int run_now(gf__sinkq *q, int kind);

static int queue_or_run(gf__sinkq *q, int kind) {
  gf__sop *op = q->w ? new_op(q, kind, NULL) : NULL;
  if (!op)
    return run_now(q, kind);
  submit(q, op);
  return 1;
}

int gf__sinkq_commit(gf__sinkq *q) { return queue_or_run(q, OP_COMMIT); }

void gf__sinkq_discard(gf__sinkq *q) { queue_or_run(q, OP_DISCARD); }

void gf__sinkq_cancel(gf__sinkq *q) { atomic_store(&q->cancel, 1); }

/* fsync, then the name, unless canceled meanwhile. */
static int commit(gf__sinkq *q) {
  gf__sink *s = q->sink;
  int rc = gf__sink_fsync(s);
  if (!rc && atomic_load(&q->cancel))
    rc = GF_ECANCELED;
  if (!rc)
    rc = gf__sink_publish(s);
  if (rc)
    gf__sink_discard(s);
  return rc;
}

void gf__sinkq_reset(gf__sinkq *q) {
  q->epoch++;
  q->err = 0;
  q->msg[0] = '\0';
  queue_or_run(q, OP_RESET);
}

/* ---- on the thread ------------------------------------------------------- */

static int apply(gf__sinkq *q, gf__sop *op) {
  gf__sink *s = q->sink;
  const char *mime = op->has_mime ? op->mime : NULL;
  switch (op->kind) {
  case OP_RESET:
    gf__sink_reset(s);
    q->terr = 0;
    return 0;
  case OP_DISCARD:
    gf__sink_discard(s);
    return 0;
  case OP_COMMIT:
    return q->terr ? q->terr : commit(q);
  }
  if (q->terr) /* the image is lost already: its bytes go nowhere */
    return 0;
  int rc = op->kind == OP_BEGIN ? gf__sink_begin(s, mime)
           : op->kind == OP_WRITE ? gf__sink_write(s, op->blk, op->len)
                                  : gf__sink_end(s, mime, op->thought);
  if (rc)
    q->terr = rc;
  return rc;
}

static void run(gf__wop *w) {
  gf__sop *op = (gf__sop *)w;
  op->rc = apply(op->q, op);
  if (op->rc && op->q->sink->err[0])
    op->msg = strdup(op->q->sink->err);
}

static int run_now(gf__sinkq *q, int kind) {
  gf__sop op;
  init_op(&op, q, kind, NULL);
  /* nothing may run beside it: only without a writer, or out of memory */
  if (q->pending)
    return fail_here(q, GF_ENOMEM);
  return apply(q, &op);
}

/* ---- on the loop --------------------------------------------------------- */

/* One callback at most, last: it may free the generation, q with it. */
static void done(gf__wop *w) {
  gf__sop *op = (gf__sop *)w;
  gf__sinkq *q = op->q;
  if (op->blk)
    gf__blocks_put(q->blocks, op->blk);
  if (q->last == op)
    q->last = NULL;
  q->pending--;
  if (q->pressed && (q->blocks->lent <= GF__SINKQ_LOW || !q->pending))
    press(q, 0);
  int kind = op->kind, rc = op->rc;
  int current = op->epoch == q->epoch;
  char *msg = op->msg;
  free(op);
  void *ud = q->ud;
  if (kind == OP_COMMIT) {
    q->cbs.on_commit(ud, rc, msg);
  } else if (rc && current && !q->err) {
    q->err = rc;
    snprintf(q->msg, sizeof q->msg, "%s", msg ? msg : "");
    q->cbs.on_error(ud, rc, msg);
  } else if (!q->pending && q->cbs.on_idle) {
    q->cbs.on_idle(ud);
  }
  free(msg);
}
