/* Bytes to a libuv stream, the one way both ends of a TLS connection (the
 * client's conn and gemflow-sim's) write: straight to the kernel with
 * uv_try_write when nothing waits before them, so most bytes are never
 * copied; what the kernel does not take at once goes to a uv_write of its
 * own, and is counted until written (in_flight), so that a producer can
 * hold back while the peer reads slowly. Encryption stays with the caller
 * (tls.h): whatever bytes it hands over go out in order. */
#ifndef GF_CONN_WIRE_H
#define GF_CONN_WIRE_H
#include <stddef.h>
#include <uv.h>

#include "common/buf.h"

typedef struct gf__wire {
  uv_stream_t *s;   /* NULL: not attached (bytes are refused) */
  size_t in_flight; /* handed to uv_write, not yet written */
  /* After each uv_write of this stream ends: status 0, or libuv's error
   * (UV_ECANCELED when the stream was closed). Not called for writes of a
   * stream attached earlier. May be NULL. */
  void (*on_written)(void *ud, int status);
  void *ud;
} gf__wire;

void gf__wire_init(gf__wire *w, void (*on_written)(void *ud, int status),
                   void *ud);
/* From now on to s (NULL: none); earlier writes no longer count. */
void gf__wire_attach(gf__wire *w, uv_stream_t *s);
/* Sends p[0..n): 0; GF_ENOMEM; GF_ERESET when there is no stream or libuv
 * refuses the write at once (a closed handle). A write the peer breaks
 * (reset, broken pipe) fails later, through on_written. */
int gf__wire_send(gf__wire *w, const char *p, size_t n);
/* Sends b's bytes and leaves b empty: its memory stays for the next use
 * when the kernel took everything, else goes with the write (no copy).
 * wipe: zeroed before it is freed (it holds a secret). */
int gf__wire_send_buf(gf__wire *w, gf__buf *b, int wipe);
#endif
