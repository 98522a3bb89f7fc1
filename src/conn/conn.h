/* One client connection: name resolution, TCP connect (each resolved
 * address in turn), optional TLS, plaintext in and out, connect and idle
 * timeouts, close. Knows nothing of HTTP.
 *
 * Lifecycle: gf__conn_open -> on_connected -> on_data... -> on_end (once:
 * 0 for a clean end, or a GF_E* code) ; the owner calls gf__conn_close
 * (at any time, also before on_connected), and on_closed follows from the
 * loop once every handle is closed; the conn is freed after on_closed. No
 * callback runs after on_closed, and none but on_closed after close. */
#ifndef GF_CONN_H
#define GF_CONN_H
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "conn/url.h"
#include "tls/tls.h"

typedef struct gf__conn gf__conn;

typedef struct gf__conn_cbs {
  void (*on_connected)(void *ud);
  /* Plaintext from the peer. Non-zero stops reading (no on_end follows). */
  int (*on_data)(void *ud, const char *p, size_t n);
  /* The stream ended. err 0: EOF after close_notify (TLS) or plain EOF;
   * GF_ETRUNCATED: TCP EOF without close_notify; otherwise a failure
   * (GF_EDNS, GF_ECONNECT, GF_ERESET, GF_ETIMEDOUT, GF_ETLS, GF_ECERT, ...).
   * msg: a printable explanation, or NULL. */
  void (*on_end)(void *ud, int err, const char *msg);
  void (*on_closed)(void *ud);
} gf__conn_cbs;

typedef struct gf__conn_opts {
  uv_loop_t *loop;
  const gf__url *url;
  gf__tls_config *tls;     /* required when url->tls */
  uint64_t connect_timeout_ms; /* 0: none; DNS, then each address's TCP
                                  connect and TLS handshake (a timed-out
                                  address gives way to the next) */
  uint64_t idle_timeout_ms;    /* 0: none; reset by every read */
  uint64_t total_timeout_ms;   /* 0: none; the whole connection's life */
  char *read_buf;          /* shared read buffer (one per client) */
  size_t read_buf_len;
} gf__conn_opts;

int gf__conn_open(gf__conn **out, const gf__conn_opts *o,
                  const gf__conn_cbs *cbs, void *ud);
/* Queues plaintext (copied). Only after on_connected. */
int gf__conn_write(gf__conn *c, const char *p, size_t n);
void gf__conn_close(gf__conn *c);
/* "127.0.0.1:8443", after on_connected. */
const char *gf__conn_peer(const gf__conn *c);
const char *gf__conn_tls_suite(const gf__conn *c);
#endif
