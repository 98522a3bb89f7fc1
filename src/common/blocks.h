/* Fixed-size blocks lent out and given back, so that a buffer many streams
 * need only now and then (the image decode block) exists once per loop
 * rather than once per stream. Not thread safe: one loop's. */
#ifndef GF_COMMON_BLOCKS_H
#define GF_COMMON_BLOCKS_H
#include <stddef.h>

typedef struct gf__blocks {
  size_t size;   /* bytes of each block */
  unsigned keep; /* free blocks kept for the next borrower; more are freed */
  unsigned nfree;
  void *free;    /* the free list, linked through each block's first bytes */
  unsigned lent; /* blocks out now */
} gf__blocks;

/* size at least sizeof(void *). */
void gf__blocks_init(gf__blocks *b, size_t size, unsigned keep);
/* Every block must have been given back. */
void gf__blocks_free(gf__blocks *b);
/* NULL when memory runs out. */
void *gf__blocks_get(gf__blocks *b);
void gf__blocks_put(gf__blocks *b, void *p);
#endif
