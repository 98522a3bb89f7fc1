/* A free list of equal blocks, bounded so that a burst of borrowers (a
 * callback starting work on another stream mid-decode) leaves nothing
 * behind once it is over. */
#include "common/blocks.h"

#include <stdlib.h>

void gf__blocks_init(gf__blocks *b, size_t size, unsigned keep) {
  b->size = size < sizeof(void *) ? sizeof(void *) : size;
  b->keep = keep;
  b->nfree = 0;
  b->free = NULL;
  b->lent = 0;
}

void gf__blocks_free(gf__blocks *b) {
  while (b->free) {
    void *next = *(void **)b->free;
    free(b->free);
    b->free = next;
  }
  b->nfree = 0;
}

void *gf__blocks_get(gf__blocks *b) {
  void *p = b->free;
  if (p) {
    b->free = *(void **)p;
    b->nfree--;
  } else if (!(p = malloc(b->size))) {
    return NULL;
  }
  b->lent++;
  return p;
}

void gf__blocks_put(gf__blocks *b, void *p) {
  if (!p)
    return;
  b->lent--;
  if (b->nfree >= b->keep) {
    free(p);
    return;
  }
  *(void **)p = b->free;
  b->free = p;
  b->nfree++;
}
