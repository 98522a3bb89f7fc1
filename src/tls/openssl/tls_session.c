/* One TLS session on OpenSSL, sans-IO. The session's BIO (tls_bio.c) reads
 * the ciphertext of the feed call under way and sends what OpenSSL writes
 * straight to on_cipher, which must take it all, so OpenSSL never waits to
 * write. Every feed therefore runs OpenSSL until it wants more input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "gemflow.h"
#include "tls/openssl/tls_int.h"

/* One whole TLS record of plaintext: OpenSSL returns at most one record
 * per read. On the stack, so sessions share it instead of carrying one
 * each. */
#define GF__PLAIN_CHUNK 16384

static int gf__setup(gf__tls *t, const char *host);
static int gf__handshake(gf__tls *t);
static int gf__read_records(gf__tls *t);
static int gf__fail(gf__tls *t, int err);
static int gf__cb_fail(gf__tls *t, int err);
static int gf__ssl_fail(gf__tls *t, int r);

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
  t->cfg = cfg;
  cfg->refs++;
  t->cbs = *cbs;
  t->ud = ud;
  int rc = host ? gf__tls_parse_host(t, host) : 0;
  if (!rc)
    rc = gf__setup(t, host);
  ERR_clear_error();
  if (rc) {
    gf__tls_free(t);
    return rc;
  }
  *out = t;
  return 0;
}

static int gf__setup_client(gf__tls *t) {
  SSL *ssl = t->ssl;
  gf__tls_config *cfg = t->cfg;
  SSL_set_connect_state(ssl);
  if (t->ip_len) {
    /* An address is no SNI (RFC 6066); the certificate must name it in
     * an iPAddress SAN, byte for byte. */
    if (X509_VERIFY_PARAM_set1_ip(SSL_get0_param(ssl), t->ip, t->ip_len) != 1)
      return GF_ENOMEM;
  } else {
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set_tlsext_host_name(ssl, t->host) != 1 ||
        SSL_set1_host(ssl, t->host) != 1)
      return GF_EINVAL; /* a name OpenSSL refuses (too long, say) */
  }
  /* a session that does not resume falls back to a full handshake */
  if (cfg->saved && strcmp(cfg->saved_host, t->host) == 0 &&
      SSL_set_session(ssl, cfg->saved) != 1)
    return GF_ENOMEM;
  return 0;
}

static int gf__setup(gf__tls *t, const char *host) {
  t->ssl = SSL_new(t->cfg->ctx);
  if (!t->ssl)
    return GF_ENOMEM;
  SSL_set_app_data(t->ssl, t);
  BIO *bio = gf__tls_bio_new(t);
  if (!bio)
    return GF_ENOMEM;
  SSL_set_bio(t->ssl, bio, bio); /* one reference, owned by the SSL */
  if (!host) {
    SSL_set_accept_state(t->ssl);
    return 0;
  }
  return gf__setup_client(t);
}

void gf__tls_free(gf__tls *t) {
  if (!t)
    return;
  /* OpenSSL forgets (marks not resumable) the session of a connection
   * freed before a close_notify went out, the rule of SSL 3 and TLS 1.0.
   * TLS 1.1 dropped it, HTTP servers often end idle connections without
   * one, and the callbacks stop a session on purpose (a response ended):
   * the session stays good, as with the mbedTLS engine. OpenSSL itself
   * still forgets it after a fatal alert, sent or received. */
  if (t->ssl && t->hs_done)
    SSL_set_shutdown(t->ssl, SSL_get_shutdown(t->ssl) | SSL_SENT_SHUTDOWN);
  SSL_free(t->ssl);
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
    /* OpenSSL makes one record of up to 16 KiB per BIO write, so each
     * leaves in one on_cipher call, however many this call makes. */
    size_t w = 0;
    ERR_clear_error();
    int r = SSL_write_ex(t->ssl, p + off, n - off, &w);
    if (t->cb_err)
      return gf__cb_fail(t, t->cb_err);
    if (r != 1)
      return gf__ssl_fail(t, r);
    off += w;
  }
  return 0;
}

int gf__tls_close(gf__tls *t) {
  if (t->err)
    return t->err;
  /* Before the handshake is done there is no session to close (OpenSSL
   * would call that an error); once sent, a second one is not repeated. */
  if (!t->hs_done || (SSL_get_shutdown(t->ssl) & SSL_SENT_SHUTDOWN))
    return 0;
  ERR_clear_error();
  int r = SSL_shutdown(t->ssl);
  if (t->cb_err)
    return gf__cb_fail(t, t->cb_err);
  return r < 0 ? gf__ssl_fail(t, r) : 0; /* 0: sent, 1: both ways */
}

int gf__tls_handshake_done(const gf__tls *t) { return t->hs_done; }

int gf__tls_closed(const gf__tls *t) { return t->closed; }

const char *gf__tls_errmsg(const gf__tls *t) { return t->errmsg; }

const char *gf__tls_suite(const gf__tls *t) {
  return t->hs_done ? t->suite : NULL;
}

int gf__tls_resumed(const gf__tls *t) { return t->resumed; }

/* The IANA name with '-' for '_', as mbedTLS spells it: the same suite has
 * the same name whichever engine negotiated it
 * ("TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256"). */
static void gf__keep_suite(gf__tls *t) {
  const SSL_CIPHER *c = SSL_get_current_cipher(t->ssl);
  /* an OpenSSL built without SSL trace has no IANA names: its own then */
  const char *name = SSL_CIPHER_standard_name(c);
  snprintf(t->suite, sizeof t->suite, "%s",
           name ? name : c ? SSL_CIPHER_get_name(c) : "unknown");
  for (char *s = t->suite; *s; s++)
    if (*s == '_')
      *s = '-';
}

static int gf__handshake(gf__tls *t) {
  ERR_clear_error();
  int r = SSL_do_handshake(t->ssl);
  int err = 0;
  if (t->cb_err) {
    err = gf__cb_fail(t, t->cb_err);
  } else if (r == 1) {
    t->hs_done = 1;
    t->resumed = SSL_session_reused(t->ssl) == 1;
    gf__keep_suite(t);
  } else if (SSL_get_error(t->ssl, r) == SSL_ERROR_WANT_READ) {
    return 0; /* the feed is used up; the handshake goes on with the next */
  } else {
    err = gf__ssl_fail(t, r);
  }
  if (t->cbs.on_handshake)
    t->cbs.on_handshake(t->ud, err);
  return err;
}

/* Runs OpenSSL until it wants input: one on_plain call per record of
 * application data. Records without any (a warning alert, say) are
 * handled inside SSL_read_ex. */
static int gf__read_records(gf__tls *t) {
  unsigned char buf[GF__PLAIN_CHUNK];
  for (;;) {
    size_t got = 0;
    ERR_clear_error();
    int r = SSL_read_ex(t->ssl, buf, sizeof buf, &got);
    if (t->cb_err)
      return gf__cb_fail(t, t->cb_err);
    if (r == 1) {
      int rc = t->cbs.on_plain(t->ud, (const char *)buf, got);
      if (rc)
        return gf__cb_fail(t, rc);
      if (t->err) /* a write from the callback failed */
        return t->err;
      continue;
    }
    int e = SSL_get_error(t->ssl, r);
    if (e == SSL_ERROR_WANT_READ)
      return 0;
    if (e == SSL_ERROR_ZERO_RETURN) {
      t->closed = 1;
      return 0;
    }
    return gf__ssl_fail(t, r);
  }
}

/* Failures are final: the record layer's state is lost with them. */
static int gf__fail(gf__tls *t, int err) {
  if (!t->err)
    t->err = err;
  return t->err;
}

static int gf__ssl_fail(gf__tls *t, int r) {
  if (t->err) {
    ERR_clear_error();
    return t->err;
  }
  return gf__fail(t, gf__tls_map_error(t, SSL_get_error(t->ssl, r)));
}

static int gf__cb_fail(gf__tls *t, int err) {
  ERR_clear_error();
  if (!t->err)
    snprintf(t->errmsg, sizeof t->errmsg, "stopped by a callback: %s",
             gf_strerror(err));
  return gf__fail(t, err);
}
