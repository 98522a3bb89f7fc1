#include "sim/chunker.h"

#include <stdio.h>
#include <string.h>

#include "http/http.h"

void gf__sim_chunker_init(gf__sim_chunker *c, size_t chunk, size_t batch_max,
                          gf__sim_sink_fn sink, void *ud) {
  memset(c, 0, sizeof *c);
  c->chunk = chunk ? chunk : 1;
  c->batch_max = batch_max ? batch_max : 64 * 1024;
  gf__buf_init(&c->pend, 0);
  gf__buf_init(&c->batch, 0);
  c->sink = sink;
  c->ud = ud;
}

void gf__sim_chunker_init_raw(gf__sim_chunker *c, size_t batch_max,
                              gf__sim_sink_fn sink, void *ud) {
  gf__sim_chunker_init(c, 1, batch_max, sink, ud);
  c->raw = 1;
}

void gf__sim_chunker_free(gf__sim_chunker *c) {
  gf__buf_free(&c->pend);
  gf__buf_free(&c->batch);
}

static int sink_batch(gf__sim_chunker *c) {
  if (!c->batch.len)
    return 0;
  c->batches++;
  return c->sink(c->ud, &c->batch);
}

static int sink_if_full(gf__sim_chunker *c) {
  return c->batch.len >= c->batch_max ? sink_batch(c) : 0;
}

/* One chunk of n bytes into the batch(es). */
static int frame(gf__sim_chunker *c, const char *p, size_t n) {
  int rc;
  c->chunks++;
  if (c->batch.len + n + 24 <= c->batch_max || n <= 4096) {
    if ((rc = gf__http_write_chunk(&c->batch, p, n)))
      return rc;
    return sink_if_full(c);
  }
  /* a chunk bigger than what is left of the batch: its size line, its data
   * in batch-sized slices, its CRLF */
  char hdr[32];
  int hn = snprintf(hdr, sizeof hdr, "%zx\r\n", n);
  if ((rc = gf__buf_append(&c->batch, hdr, (size_t)hn)))
    return rc;
  while (n) {
    size_t room = c->batch.len < c->batch_max ? c->batch_max - c->batch.len : 0;
    size_t take = n < room ? n : room;
    if (take && (rc = gf__buf_append(&c->batch, p, take)))
      return rc;
    p += take;
    n -= take;
    if ((rc = sink_if_full(c)))
      return rc;
  }
  if ((rc = gf__buf_append(&c->batch, "\r\n", 2)))
    return rc;
  return sink_if_full(c);
}

/* Raw bytes: batch_max at a time to the sink. */
static int put_raw(gf__sim_chunker *c, const char *p, size_t n) {
  while (n) {
    int rc = sink_if_full(c);
    if (rc)
      return rc;
    size_t room = c->batch_max - c->batch.len;
    size_t take = n < room ? n : room;
    if ((rc = gf__buf_append(&c->batch, p, take)) || (rc = sink_if_full(c)))
      return rc;
    p += take;
    n -= take;
  }
  return 0;
}

int gf__sim_chunker_put(gf__sim_chunker *c, const char *p, size_t n) {
  int rc;
  if (c->raw)
    return put_raw(c, p, n);
  while (n) {
    if (c->pend.len == 0 && n >= c->chunk) {
      if ((rc = frame(c, p, c->chunk)))
        return rc;
      p += c->chunk;
      n -= c->chunk;
      continue;
    }
    size_t take = c->chunk - c->pend.len < n ? c->chunk - c->pend.len : n;
    if ((rc = gf__buf_append(&c->pend, p, take)))
      return rc;
    p += take;
    n -= take;
    if (c->pend.len == c->chunk) {
      rc = frame(c, c->pend.data, c->pend.len);
      gf__buf_reset(&c->pend);
      if (rc)
        return rc;
    }
  }
  return 0;
}

int gf__sim_chunker_flush(gf__sim_chunker *c) {
  if (c->pend.len) {
    int rc = frame(c, c->pend.data, c->pend.len);
    gf__buf_reset(&c->pend);
    if (rc)
      return rc;
  }
  return sink_batch(c);
}

int gf__sim_chunker_end(gf__sim_chunker *c) {
  int rc = 0;
  if (c->pend.len) {
    rc = frame(c, c->pend.data, c->pend.len);
    gf__buf_reset(&c->pend);
  }
  if (!rc && !c->raw)
    rc = gf__http_write_chunk(&c->batch, NULL, 0);
  return rc ? rc : sink_batch(c);
}

size_t gf__sim_chunker_pending(const gf__sim_chunker *c) {
  return c->pend.len + c->batch.len;
}
