/* The sans-IO shape of a session, the same for every engine: a feed runs
 * the engine until it wants more input (the handshake, then every whole
 * record into on_plain); a write cuts plaintext into records; a failure
 * is final. The engine's BIO reads the feed under way and hands what the
 * library sends straight to on_cipher, which must take it all, so the
 * library never waits to write and no ciphertext outlives its feed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hostname.h"
#include "gemflow.h"
#include "tls/tls_base.h"

/* One whole TLS record of plaintext: engines return at most one record
 * per read. On the stack, so sessions share it instead of carrying one
 * each. */
#define GF__PLAIN_CHUNK 16384

int gf__tls_new(gf__tls **out, gf__tls_config *cfg, const char *host,
                const gf__tls_cbs *cbs, void *ud) {
  if (!out || !cfg || !cbs || !cbs->on_cipher || !cbs->on_plain)
    return GF_EINVAL;
  *out = NULL;
  if (gf__tls_cfg_b(cfg)->is_client != (host != NULL))
    return GF_EINVAL; /* a client always checks a host; a server never */
  gf__tls *t = gf__tls_eng_alloc(cfg);
  if (!t)
    return GF_ENOMEM;
  gf__tls_base *b = gf__tls_b(t);
  b->cbs = *cbs;
  b->ud = ud;
  int rc = host ? gf__host_canon(host, &b->host, b->ip, &b->ip_len) : 0;
  if (!rc)
    rc = gf__tls_eng_setup(t);
  if (rc) {
    gf__tls_free(t);
    return rc;
  }
  *out = t;
  return 0;
}

/* on_handshake hears of the end, either way, once. */
static int gf__handshake(gf__tls *t) {
  gf__tls_base *b = gf__tls_b(t);
  int r = gf__tls_eng_handshake(t);
  if (r == 0)
    return 0;
  int err = r < 0 ? r : 0;
  b->hs_done = err == 0;
  if (b->cbs.on_handshake)
    b->cbs.on_handshake(b->ud, err);
  return err;
}

int gf__tls_start(gf__tls *t) {
  gf__tls_base *b = gf__tls_b(t);
  if (b->err)
    return b->err;
  return b->hs_done ? 0 : gf__handshake(t);
}

/* Runs the engine until it wants input: one on_plain call per record of
 * application data. */
static int gf__read_records(gf__tls *t) {
  gf__tls_base *b = gf__tls_b(t);
  unsigned char buf[GF__PLAIN_CHUNK];
  for (;;) {
    size_t got = 0;
    int r = gf__tls_eng_read(t, buf, sizeof buf, &got);
    if (r == GF__TLS_EOF)
      b->closed = 1;
    if (r != GF__TLS_DATA)
      return r == GF__TLS_EOF ? 0 : r;
    int rc = b->cbs.on_plain(b->ud, (const char *)buf, got);
    if (rc)
      return gf__tls_cb_fail(b, rc);
    if (b->err) /* a write from the callback failed */
      return b->err;
  }
}

int gf__tls_feed(gf__tls *t, const char *p, size_t n) {
  gf__tls_base *b = gf__tls_b(t);
  if (b->err)
    return b->err;
  if (b->in)
    return GF_EINVAL; /* from inside a callback of this very feed */
  if (b->closed)
    return 0; /* nothing after close_notify counts */
  static const char empty[1];
  b->in = (const unsigned char *)(p ? p : empty);
  b->in_len = p ? n : 0;
  int rc = b->hs_done ? 0 : gf__handshake(t);
  if (!rc && b->hs_done)
    rc = gf__read_records(t);
  b->in = NULL;
  b->in_len = 0;
  return rc;
}

int gf__tls_write(gf__tls *t, const char *p, size_t n) {
  gf__tls_base *b = gf__tls_b(t);
  if (b->err)
    return b->err;
  if (!b->hs_done || b->closed)
    return GF_EINVAL;
  for (size_t off = 0; off < n;) {
    size_t done = 0;
    int rc = gf__tls_eng_write(t, p + off, n - off, &done);
    if (rc)
      return rc;
    off += done;
  }
  return 0;
}

int gf__tls_close(gf__tls *t) {
  gf__tls_base *b = gf__tls_b(t);
  return b->err ? b->err : gf__tls_eng_close(t);
}

int gf__tls_handshake_done(const gf__tls *t) { return gf__tls_cb(t)->hs_done; }

int gf__tls_closed(const gf__tls *t) { return gf__tls_cb(t)->closed; }

const char *gf__tls_errmsg(const gf__tls *t) { return gf__tls_cb(t)->errmsg; }

int gf__tls_resumed(const gf__tls *t) { return gf__tls_cb(t)->resumed; }

int gf__tls_session_kept(const gf__tls *t) { return gf__tls_cb(t)->kept; }

int gf__tls_fail(gf__tls_base *b, int err) {
  if (!b->err)
    b->err = err;
  return b->err;
}

int gf__tls_cb_fail(gf__tls_base *b, int err) {
  if (!b->err)
    snprintf(b->errmsg, sizeof b->errmsg, "stopped by a callback: %s",
             gf_strerror(err));
  return gf__tls_fail(b, err);
}

size_t gf__tls_take_input(gf__tls_base *b, unsigned char *p, size_t n) {
  if (n > b->in_len)
    n = b->in_len;
  if (n) {
    memcpy(p, b->in, n);
    b->in += n;
    b->in_len -= n;
  }
  return n;
}

int gf__tls_send_cipher(gf__tls_base *b, const unsigned char *p, size_t n) {
  /* After a refusal the library may try to send an alert: the callback
   * is not asked twice. */
  if (b->cb_err)
    return -1;
  int rc = b->cbs.on_cipher(b->ud, (const char *)p, n);
  if (rc) {
    b->cb_err = rc;
    return -1;
  }
  return 0;
}
