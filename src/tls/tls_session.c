/* One TLS session, sans-IO. The BIO reads the ciphertext of the feed call
 * under way and answers WANT_READ once it is used up; what mbedTLS sends
 * goes straight to on_cipher, which must take it all, so mbedTLS never sees
 * WANT_WRITE. Every feed therefore runs mbedTLS until it wants more input,
 * and no ciphertext outlives the call that brought it. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/net_sockets.h>

#include "gemflow.h"
#include "tls/tls_int.h"

/* One whole TLS record of plaintext: one mbedtls_ssl_read() per record. On
 * the stack, so sessions share it instead of carrying one each. */
#define GF__PLAIN_CHUNK 16384

static int gf__bio_send(void *ctx, const unsigned char *p, size_t n);
static int gf__bio_recv(void *ctx, unsigned char *p, size_t n);
static int gf__handshake(gf__tls *t);
static int gf__read_records(gf__tls *t);
static int gf__fail(gf__tls *t, int err);
static int gf__cb_fail(gf__tls *t, int err);
static void gf__keep_session(gf__tls *t);

int gf__tls_new(gf__tls **out, gf__tls_config *cfg, const char *host,
                const gf__tls_cbs *cbs, void *ud) {
  if (!out || !cfg || !cbs || !cbs->on_cipher || !cbs->on_plain)
    return GF_EINVAL;
  *out = NULL;
  if (cfg->is_client != (host != NULL))
    return GF_EINVAL; /* a client always checks a host; a server never */
  gf__tls *t = calloc(1, sizeof *t);
  if (!t)
    return GF_ENOMEM;
  mbedtls_ssl_init(&t->ssl);
  t->cfg = cfg;
  cfg->refs++;
  t->cbs = *cbs;
  t->ud = ud;
  int rc = host ? gf__tls_parse_host(t, host) : 0;
  if (!rc) {
    int r = mbedtls_ssl_setup(&t->ssl, &cfg->conf);
    rc = r == MBEDTLS_ERR_SSL_ALLOC_FAILED ? GF_ENOMEM : r ? GF_ETLS : 0;
  }
  if (!rc && host) {
    /* A name goes out as SNI and is matched by mbedTLS. An address is no
     * SNI (RFC 6066) and mbedTLS 2.28 cannot match it: the chain is still
     * verified, and gf__tls_verify checks the iPAddress SANs. Clearing
     * the name explicitly also tells mbedTLS 3.6 that is intended. */
    int r = mbedtls_ssl_set_hostname(&t->ssl, t->ip_len ? NULL : t->host);
    rc = r == MBEDTLS_ERR_SSL_ALLOC_FAILED ? GF_ENOMEM : r ? GF_EINVAL : 0;
    if (!rc)
      mbedtls_ssl_set_verify(&t->ssl, gf__tls_verify, t);
    /* a session that does not resume falls back to a full handshake */
    /* a resumed session skips the certificate: only for the host it was
     * verified for */
    if (!rc && cfg->have_saved && strcmp(cfg->saved_host, host) == 0)
      rc = mbedtls_ssl_set_session(&t->ssl, &cfg->saved) ==
                   MBEDTLS_ERR_SSL_ALLOC_FAILED
               ? GF_ENOMEM
               : 0;
  }
  if (rc) {
    gf__tls_free(t);
    return rc;
  }
  mbedtls_ssl_set_bio(&t->ssl, t, gf__bio_send, gf__bio_recv, NULL);
  *out = t;
  return 0;
}

void gf__tls_free(gf__tls *t) {
  if (!t)
    return;
  mbedtls_ssl_free(&t->ssl);
  gf__tls_config_unref(t->cfg);
  free(t->host);
  free(t);
}

int gf__tls_start(gf__tls *t) {
  if (t->err)
    return t->err;
  return t->hs_done ? 0 : gf__handshake(t);
}

int gf__tls_feed(gf__tls *t, const char *p, size_t n) {
  if (t->err)
    return t->err;
  if (t->in)
    return GF_EINVAL; /* from inside a callback of this very feed */
  if (t->closed)
    return 0; /* nothing after close_notify counts */
  static const char empty[1];
  t->in = (const unsigned char *)(p ? p : empty);
  t->in_len = p ? n : 0;
  int rc = t->hs_done ? 0 : gf__handshake(t);
  if (!rc && t->hs_done)
    rc = gf__read_records(t);
  t->in = NULL;
  t->in_len = 0;
  return rc;
}

int gf__tls_write(gf__tls *t, const char *p, size_t n) {
  if (t->err)
    return t->err;
  if (!t->hs_done || t->closed)
    return GF_EINVAL;
  size_t off = 0;
  while (off < n) {
    /* mbedTLS takes at most one record per call and returns its length. */
    int r = mbedtls_ssl_write(&t->ssl, (const unsigned char *)p + off, n - off);
    if (t->cb_err)
      return gf__cb_fail(t, t->cb_err);
    if (r <= 0)
      return gf__fail(
          t, gf__tls_map_error(t, r ? r : MBEDTLS_ERR_SSL_INTERNAL_ERROR));
    off += (size_t)r;
  }
  return 0;
}

int gf__tls_close(gf__tls *t) {
  if (t->err)
    return t->err;
  int r = mbedtls_ssl_close_notify(&t->ssl);
  if (t->cb_err)
    return gf__cb_fail(t, t->cb_err);
  return r ? gf__fail(t, gf__tls_map_error(t, r)) : 0;
}

int gf__tls_handshake_done(const gf__tls *t) { return t->hs_done; }

int gf__tls_closed(const gf__tls *t) { return t->closed; }

const char *gf__tls_errmsg(const gf__tls *t) { return t->errmsg; }

const char *gf__tls_suite(const gf__tls *t) {
  return t->hs_done ? mbedtls_ssl_get_ciphersuite(&t->ssl) : NULL;
}

static int gf__bio_send(void *ctx, const unsigned char *p, size_t n) {
  gf__tls *t = ctx;
  if (t->cb_err)
    return MBEDTLS_ERR_NET_SEND_FAILED;
  int rc = t->cbs.on_cipher(t->ud, (const char *)p, n);
  if (rc) {
    t->cb_err = rc;
    return MBEDTLS_ERR_NET_SEND_FAILED;
  }
  return (int)n; /* n is at most one record */
}

static int gf__bio_recv(void *ctx, unsigned char *p, size_t n) {
  gf__tls *t = ctx;
  if (t->in_len == 0)
    return MBEDTLS_ERR_SSL_WANT_READ;
  if (n > t->in_len)
    n = t->in_len;
  if (n > INT_MAX)
    n = INT_MAX;
  memcpy(p, t->in, n);
  t->in += n;
  t->in_len -= n;
  return (int)n;
}

static int gf__is_want(int r) {
  return r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE;
}

static int gf__handshake(gf__tls *t) {
  int r;
  size_t before;
  /* mbedTLS only stops for input once the BIO is dry; should it return
   * early anyway, go on while it still consumes the feed. */
  do {
    before = t->in_len;
    r = mbedtls_ssl_handshake(&t->ssl);
  } while (gf__is_want(r) && !t->cb_err && t->in_len > 0 && t->in_len < before);
  if (gf__is_want(r) && !t->cb_err)
    return 0;
  if (r || t->cb_err) {
    int err = t->cb_err ? gf__cb_fail(t, t->cb_err)
                        : gf__fail(t, gf__tls_map_error(t, r));
    if (t->cbs.on_handshake)
      t->cbs.on_handshake(t->ud, err);
    return err;
  }
  t->hs_done = 1;
  if (t->cfg->is_client)
    gf__keep_session(t);
  if (t->cbs.on_handshake)
    t->cbs.on_handshake(t->ud, 0);
  return 0;
}

/* A full handshake verified the chain; a resumed one saw no certificate.
 * The newest session (its ticket) is the one offered next. */
static void gf__keep_session(gf__tls *t) {
  gf__tls_config *cfg = t->cfg;
  t->resumed = t->verify_calls == 0;
  mbedtls_ssl_session s;
  mbedtls_ssl_session_init(&s);
  if (mbedtls_ssl_get_session(&t->ssl, &s) != 0) {
    mbedtls_ssl_session_free(&s);
    return;
  }
  if (strlen(t->host) >= sizeof cfg->saved_host) {
    mbedtls_ssl_session_free(&s); /* too long to remember: not kept */
    return;
  }
  mbedtls_ssl_session_free(&cfg->saved);
  cfg->saved = s; /* the struct owns its pointers: moved, not copied */
  cfg->have_saved = 1;
  snprintf(cfg->saved_host, sizeof cfg->saved_host, "%s", t->host);
}

int gf__tls_resumed(const gf__tls *t) { return t->resumed; }

/* Runs mbedTLS until it wants input. Plaintext still held from a record
 * (mbedtls_ssl_get_bytes_avail) comes out of the next call, so nothing is
 * left behind. A WANT_READ while input is left (a record that carried no
 * application data, a TLS 1.3 ticket) means "call again"; a second one in a row
 * that consumed nothing means mbedTLS is stuck, and the feed is dropped rather
 * than spun on. */
static int gf__read_records(gf__tls *t) {
  unsigned char buf[GF__PLAIN_CHUNK];
  int idle = 0;
  for (;;) {
    size_t before = t->in_len;
    int r = mbedtls_ssl_read(&t->ssl, buf, sizeof buf);
    if (t->cb_err)
      return gf__cb_fail(t, t->cb_err);
    if (r > 0) {
      idle = 0;
      int rc = t->cbs.on_plain(t->ud, (const char *)buf, (size_t)r);
      if (rc)
        return gf__cb_fail(t, rc);
      continue;
    }
    if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
      t->closed = 1;
      return 0;
    }
    int again = gf__is_want(r) || r == 0;
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
    again = again || r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET;
#endif
    if (!again)
      return gf__fail(t, gf__tls_map_error(t, r));
    idle = t->in_len < before ? 0 : idle + 1;
    if (idle > 1 || (t->in_len == 0 && !mbedtls_ssl_check_pending(&t->ssl)))
      return 0;
  }
}

/* Failures are final: the record layer's state is lost with them. */
static int gf__fail(gf__tls *t, int err) {
  if (!t->err)
    t->err = err;
  return t->err;
}

static int gf__cb_fail(gf__tls *t, int err) {
  if (!t->err)
    snprintf(t->errmsg, sizeof t->errmsg, "stopped by a callback: %s",
             gf_strerror(err));
  return gf__fail(t, err);
}
