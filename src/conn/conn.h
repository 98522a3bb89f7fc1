/* One client connection: name resolution (or resolve pins), TCP connect
 * racing the addresses (Happy Eyeballs, RFC 8305), an optional CONNECT
 * tunnel through an HTTP proxy, optional TLS, plaintext in and out,
 * connect and idle timeouts, close. Knows nothing of HTTP beyond CONNECT.
 *
 * Connecting: the addresses (DNS's answer, or a pin's for the host and
 * port) are ordered with the families alternating (the first one's first);
 * the first attempt starts at once, the next one 250 ms later or as soon as
 * an attempt fails, and so on; the first TCP connect to complete wins and
 * the others are closed. The proxy's CONNECT exchange and the TLS
 * handshake run on the winner only. The connect timeout bounds each
 * address's attempt (TCP connect, CONNECT and TLS handshake together): one
 * that times out gives way to the next address not yet tried (a winner
 * whose handshake stalls too: the attempts it beat are tried again).
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

#include "conn/dnscache.h"
#include "conn/proxy.h"
#include "conn/url.h"
#include "tls/tls.h"

typedef struct gf__conn gf__conn;

typedef struct gf__conn_cbs {
  void (*on_connected)(void *ud);
  /* Plaintext from the peer. Non-zero stops reading (no on_end follows). */
  int (*on_data)(void *ud, const char *p, size_t n);
  /* The stream ended. err 0: EOF after close_notify (TLS) or plain EOF;
   * GF_ETRUNCATED: TCP EOF without close_notify; otherwise a failure
   * (GF_EDNS, GF_ECONNECT, GF_ERESET, GF_ETIMEDOUT, GF_ETLS, GF_ECERT, ...;
   * a proxy that refuses the tunnel: GF_ECONNECT, msg naming its status).
   * msg: a printable explanation, or NULL. */
  void (*on_end)(void *ud, int err, const char *msg);
  void (*on_closed)(void *ud);
  /* After on_connected, when gf__conn_session_pending was 1: the server's
   * TLS 1.3 ticket was read, the next connection to the host can resume.
   * May be NULL. */
  void (*on_session)(void *ud);
} gf__conn_cbs;

typedef struct gf__conn_opts {
  uv_loop_t *loop;
  const gf__url *url;
  gf__tls_config *tls;     /* required when url->tls */
  uint64_t connect_timeout_ms; /* 0: none; DNS, then each address's TCP
                                  connect, CONNECT and TLS handshake (a
                                  timed-out address gives way to the next) */
  uint64_t idle_timeout_ms;    /* 0: none; reset by every read */
  uint64_t total_timeout_ms;   /* 0: none; the whole connection's life */
  char *read_buf;          /* shared read buffer (one per client) */
  size_t read_buf_len;
  const gf__pins *pins;    /* NULL: none; used for the host connected to
                              (the proxy's when there is one) */
  gf__dns_cache *dns;      /* answers shared with other conns; NULL: none */
  const gf__proxy *proxy;  /* NULL: direct; else a CONNECT tunnel to url's
                              host and port (TLS and its name check are
                              the origin's, never the proxy's) */
} gf__conn_opts;

int gf__conn_open(gf__conn **out, const gf__conn_opts *o,
                  const gf__conn_cbs *cbs, void *ud);
/* Sends plaintext (copied as far as the socket does not take it at once).
 * Only after on_connected, and not while a gf__conn_write_ref is still
 * being sent (GF_EINVAL). */
int gf__conn_write(gf__conn *c, const char *p, size_t n);
/* 1 when the TLS handshake has ended but left no session to resume yet
 * (TLS 1.3: the server's tickets come after it, also after a resumed
 * handshake, whose ticket was used up; on_session tells). */
int gf__conn_session_pending(const gf__conn *c);
/* Sends p[0..n) by reference: encrypted and written a piece at a time as
 * the socket drains, never copied whole. p must stay valid and unchanged
 * until the conn is closed or gf__conn_sending() is 0. One at a time. */
int gf__conn_write_ref(gf__conn *c, const char *p, size_t n);
/* 1 while written bytes have not all reached the socket. */
int gf__conn_sending(const gf__conn *c);
/* Bytes the conn holds for the socket (ciphertext, or plaintext without
 * TLS) that the socket has not taken yet. */
size_t gf__conn_buffered(const gf__conn *c);
void gf__conn_close(gf__conn *c);
/* on 1: stop reading once the connection is open (now, or as soon as it
 * opens), with the idle and whole-attempt timeouts stopped; 0: read again,
 * the idle timeout anew and the attempt's deadline moved by the pause. */
void gf__conn_pause(gf__conn *c, int on);
/* "127.0.0.1:8443" (or "localhost:8443 via proxy 127.0.0.1:3128"), after
 * on_connected. Never the proxy's credentials. */
const char *gf__conn_peer(const gf__conn *c);
const char *gf__conn_tls_suite(const gf__conn *c);
/* 1 when the connection is open and may carry another request (for a
 * pool: not closing, the peer has not closed it). */
int gf__conn_reusable(const gf__conn *c);
/* on 0: the connection's handles no longer keep the loop running (an idle
 * kept connection must not hold uv_run); 1: they do again. */
void gf__conn_keep_loop(gf__conn *c, int on);
/* Another owner's callbacks and ud from now on, whatever the state (one
 * that closes it: its on_closed comes). */
void gf__conn_set_owner(gf__conn *c, const gf__conn_cbs *cbs, void *ud);
/* Hands an open connection to another owner (a pool, the next request):
 * from now on its callbacks and ud, also for the rest of a read under way;
 * reading again (not paused); the idle timeout idle_ms and the deadline
 * total_ms from now (0: none). Only while gf__conn_reusable. */
void gf__conn_rebind(gf__conn *c, const gf__conn_cbs *cbs, void *ud,
                     uint64_t idle_ms, uint64_t total_ms);
/* 1 when the TLS handshake resumed an earlier session (after on_connected) */
int gf__conn_tls_resumed(const gf__conn *c);
#endif
