/* The body of a gzip answer: the producer's pieces (plan.h) through
 * deflate (gzip.h), one gzip member per body.
 *
 * Where it flushes (Z_SYNC_FLUSH, a few bytes each), so that a client
 * decodes each event as soon as the plain body would have let it: at the
 * end of each step (an SSE event, an array element, a block of raw
 * lines), and wherever the producer stops (a pause: a thought's think
 * time, a slow image's or a drip's piece; a wait for an image; a fault; a
 * stall). The member's trailer comes at the end of the body.
 *
 * Faults therefore happen at the same place in the plain body as without
 * gzip ([[at:STAGE]] counts plain bytes: "half the image's base64" is
 * half of the base64 text): what the plain body had sent by then has been
 * flushed, compressed, before the fault, and the member is left without
 * its end. A chunk size ([[chunk:N]], --chunk) counts the bytes on the
 * wire, compressed. */
#ifndef GF_SIM_ZPROD_H
#define GF_SIM_ZPROD_H
#include <stdint.h>

#include "common/buf.h"
#include "sim/gzip.h"
#include "sim/plan.h"

typedef struct gf__sim_zprod {
  gf__sim_prod *prod;
  gf__sim_gz gz;
  gf__buf plain; /* one piece of the producer's, before compression */
  int ended;     /* the trailer was written */
} gf__sim_zprod;

/* 0 or GF_ENOMEM. prod stays the caller's. */
int gf__sim_zprod_init(gf__sim_zprod *z, gf__sim_prod *prod);
void gf__sim_zprod_free(gf__sim_zprod *z);
/* As gf__sim_prod_next, with compressed bytes appended to out: a MORE may
 * append nothing (deflate holds them for now); any other answer may come
 * with bytes (the flush before a pause, a wait, a fault or a stall; the
 * member's end before END), which go out before the answer is acted on. */
int gf__sim_zprod_next(gf__sim_zprod *z, gf__buf *out, size_t max,
                       unsigned *ms, int *slot);
/* The Content-Length of plan's gzip body (body:length): the body is
 * compressed once, pieces of max bytes, as a connection would, and
 * counted; the images must be ready (GF_EINVAL if not). A body that ends
 * in a connection fault or a stall counts what is compressed up to it,
 * plus the plain bytes of the rest of the plan as gf__sim_plan_length
 * counts them: a length the body never reaches, as without gzip. */
int gf__sim_zplan_length(const gf__sim_plan *plan,
                         struct gf__sim_img *const imgs[GF_SIM_SLOTS],
                         size_t max, uint64_t *len);
#endif
