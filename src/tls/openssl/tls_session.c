/* One TLS session on OpenSSL, driven by tls_feed.c. The session's BIO
 * (tls_bio.c) reads the ciphertext of the feed under way and sends what
 * OpenSSL writes straight to on_cipher, so OpenSSL never waits to write.
 * Every call starts with an empty error queue and leaves one: the queue
 * is the thread's, shared with whatever else the thread does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "gemflow.h"
#include "tls/openssl/tls_int.h"

gf__tls *gf__tls_eng_alloc(gf__tls_config *cfg) {
  gf__tls *t = calloc(1, sizeof *t);
  if (!t)
    return NULL;
  t->cfg = cfg;
  cfg->b.refs++;
  return t;
}

static int gf__setup_client(gf__tls *t) {
  SSL *ssl = t->ssl;
  gf__tls_config *cfg = t->cfg;
  SSL_set_connect_state(ssl);
  if (t->b.ip_len) {
    /* An address is no SNI (RFC 6066); the certificate must name it in
     * an iPAddress SAN, byte for byte. */
    if (X509_VERIFY_PARAM_set1_ip(SSL_get0_param(ssl), t->b.ip, t->b.ip_len) !=
        1)
      return GF_ENOMEM;
  } else {
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set_tlsext_host_name(ssl, t->b.host) != 1 ||
        SSL_set1_host(ssl, t->b.host) != 1)
      return GF_EINVAL; /* a name OpenSSL refuses (too long, say) */
  }
  /* a session that does not resume falls back to a full handshake */
  SSL_SESSION *sess = gf__tls_take_session(cfg, t->b.host);
  int rc = sess && SSL_set_session(ssl, sess) != 1 ? GF_ENOMEM : 0;
  SSL_SESSION_free(sess); /* the SSL holds its own reference */
  if (rc)
    return rc;
  return 0;
}

static int gf__setup(gf__tls *t) {
  t->ssl = SSL_new(t->cfg->ctx);
  if (!t->ssl)
    return GF_ENOMEM;
  SSL_set_app_data(t->ssl, t);
  BIO *bio = gf__tls_bio_new(t);
  if (!bio)
    return GF_ENOMEM;
  SSL_set_bio(t->ssl, bio, bio); /* one reference, owned by the SSL */
  if (!t->b.host) {
    SSL_set_accept_state(t->ssl);
    return 0;
  }
  return gf__setup_client(t);
}

int gf__tls_eng_setup(gf__tls *t) {
  int rc = gf__setup(t);
  ERR_clear_error();
  return rc;
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
  if (t->ssl && t->b.hs_done)
    SSL_set_shutdown(t->ssl, SSL_get_shutdown(t->ssl) | SSL_SENT_SHUTDOWN);
  SSL_free(t->ssl);
  gf__tls_config_unref(t->cfg);
  free(t->b.host);
  free(t);
}

const char *gf__tls_suite(const gf__tls *t) {
  return t->b.hs_done ? t->suite : NULL;
}

const char *gf__tls_version(const gf__tls *t) {
  return t->b.hs_done ? SSL_get_version(t->ssl) : NULL;
}

/* The IANA name with '-' for '_', as mbedTLS spells it: the same suite has
 * the same name whichever engine negotiated it
 * ("TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256"). */
static void gf__keep_suite(gf__tls *t) {
  const SSL_CIPHER *c = SSL_get_current_cipher(t->ssl);
  /* an OpenSSL built without SSL trace has no IANA names: its own then */
  const char *name = SSL_CIPHER_standard_name(c);
  snprintf(t->suite, sizeof t->suite, "%s",
           name ? name
           : c  ? SSL_CIPHER_get_name(c)
                : "unknown");
  for (char *s = t->suite; *s; s++)
    if (*s == '_')
      *s = '-';
}

/* A failed OpenSSL call (r its result), or a refusal of on_cipher inside
 * it. */
static int gf__failed(gf__tls *t, int r) {
  if (t->b.cb_err || t->b.err) {
    ERR_clear_error();
    return gf__tls_cb_fail(&t->b, t->b.cb_err ? t->b.cb_err : t->b.err);
  }
  return gf__tls_fail(&t->b, gf__tls_map_error(t, SSL_get_error(t->ssl, r)));
}

int gf__tls_eng_handshake(gf__tls *t) {
  ERR_clear_error();
  int r = SSL_do_handshake(t->ssl);
  if (t->b.cb_err)
    return gf__failed(t, r);
  if (r == 1) {
    t->b.resumed = SSL_session_reused(t->ssl) == 1;
    gf__keep_suite(t);
    return 1;
  }
  if (SSL_get_error(t->ssl, r) == SSL_ERROR_WANT_READ)
    return 0; /* the feed is used up; the handshake goes on with the next */
  return gf__failed(t, r);
}

/* Records without application data (a warning alert, a TLS 1.3 ticket or
 * key update) are handled inside SSL_read_ex. */
int gf__tls_eng_read(gf__tls *t, unsigned char *buf, size_t cap, size_t *got) {
  ERR_clear_error();
  int r = SSL_read_ex(t->ssl, buf, cap, got);
  if (t->b.cb_err)
    return gf__failed(t, r);
  if (r == 1)
    return GF__TLS_DATA;
  int e = SSL_get_error(t->ssl, r);
  if (e == SSL_ERROR_WANT_READ)
    return GF__TLS_WANT;
  if (e == SSL_ERROR_ZERO_RETURN)
    return GF__TLS_EOF;
  return gf__failed(t, r);
}

int gf__tls_eng_write(gf__tls *t, const char *p, size_t n, size_t *done) {
  /* OpenSSL makes one record of up to 16 KiB per BIO write, so each
   * leaves in one on_cipher call, however many this call makes. */
  ERR_clear_error();
  int r = SSL_write_ex(t->ssl, p, n, done);
  return t->b.cb_err || r != 1 ? gf__failed(t, r) : 0;
}

int gf__tls_eng_close(gf__tls *t) {
  /* Before the handshake is done there is no session to close (OpenSSL
   * would call that an error); once sent, a second one is not repeated. */
  if (!t->b.hs_done || (SSL_get_shutdown(t->ssl) & SSL_SENT_SHUTDOWN))
    return 0;
  ERR_clear_error();
  int r = SSL_shutdown(t->ssl);
  return t->b.cb_err || r < 0 ? gf__failed(t, r) : 0; /* 0: sent, 1: both */
}
