/* Body bytes -> HTTP/1.1 chunks of a chosen size -> batches for the
 * socket. Whatever the chunk size (1 byte included), chunks are gathered
 * into batches of about batch_max bytes, so that a 1-byte chunk size means
 * many small chunks per TLS write and socket write, never one write per
 * chunk. A chunk larger than a batch is framed across several batches.
 * A raw chunker (a body with a Content-Length, or ended by the close)
 * frames nothing: it only batches. */
#ifndef GF_SIM_CHUNKER_H
#define GF_SIM_CHUNKER_H
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Takes the batch: either consumes its bytes and resets it, or steals its
 * memory. Non-zero stops the chunker with that value. */
typedef int (*gf__sim_sink_fn)(void *ud, gf__buf *batch);

typedef struct gf__sim_chunker {
  size_t chunk;     /* body bytes per chunk */
  size_t batch_max; /* a batch goes to the sink at this size */
  gf__buf pend;     /* body bytes of the chunk being filled */
  gf__buf batch;    /* framed bytes for the sink */
  gf__sim_sink_fn sink;
  void *ud;
  int raw;          /* no chunked encoding */
  uint64_t chunks, batches; /* counts, for tests and the log */
} gf__sim_chunker;

void gf__sim_chunker_init(gf__sim_chunker *c, size_t chunk, size_t batch_max,
                          gf__sim_sink_fn sink, void *ud);
/* The same, raw: body bytes go into batches as they are, and the end adds
 * nothing. */
void gf__sim_chunker_init_raw(gf__sim_chunker *c, size_t batch_max,
                              gf__sim_sink_fn sink, void *ud);
void gf__sim_chunker_free(gf__sim_chunker *c);
/* Frames every full chunk; keeps a partial one for later. */
int gf__sim_chunker_put(gf__sim_chunker *c, const char *p, size_t n);
/* The partial chunk goes out as a short one, and the batch to the sink
 * (before a pause, or when the producer has nothing more for now). */
int gf__sim_chunker_flush(gf__sim_chunker *c);
/* flush, the last chunk ("0\r\n\r\n"), and the batch to the sink. */
int gf__sim_chunker_end(gf__sim_chunker *c);
/* Bytes given to the sink so far are not counted: only what waits here. */
size_t gf__sim_chunker_pending(const gf__sim_chunker *c);
#endif
