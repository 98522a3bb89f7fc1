/* One TLS session on mbedTLS, driven by tls_feed.c. The BIO reads the
 * ciphertext of the feed under way and answers WANT_READ once it is used
 * up; what mbedTLS sends goes straight to on_cipher, so mbedTLS never sees
 * WANT_WRITE. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/net_sockets.h>

#include "gemflow.h"
#include "tls/mbedtls/tls_int.h"

static int gf__bio_send(void *ctx, const unsigned char *p, size_t n);
static int gf__bio_recv(void *ctx, unsigned char *p, size_t n);
static void gf__keep_session(gf__tls *t);

gf__tls *gf__tls_eng_alloc(gf__tls_config *cfg) {
  gf__tls *t = calloc(1, sizeof *t);
  if (!t)
    return NULL;
  mbedtls_ssl_init(&t->ssl);
  t->cfg = cfg;
  cfg->b.refs++;
  return t;
}

static int gf__alloc_rc(int r, int other) {
  return r == MBEDTLS_ERR_SSL_ALLOC_FAILED ? GF_ENOMEM : r ? other : 0;
}

int gf__tls_eng_setup(gf__tls *t) {
  gf__tls_config *cfg = t->cfg;
  const char *host = t->b.host;
  int rc = gf__alloc_rc(mbedtls_ssl_setup(&t->ssl, &cfg->conf), GF_ETLS);
  if (!rc && host) {
    /* A name goes out as SNI and is matched by mbedTLS. An address is no
     * SNI (RFC 6066) and mbedTLS 2.28 cannot match it: the chain is still
     * verified, and gf__tls_verify checks the iPAddress SANs. Clearing
     * the name explicitly also tells mbedTLS 3.6 that is intended. */
    rc = gf__alloc_rc(
        mbedtls_ssl_set_hostname(&t->ssl, t->b.ip_len ? NULL : host),
        GF_EINVAL);
    if (!rc)
      mbedtls_ssl_set_verify(&t->ssl, gf__tls_verify, t);
    /* a session that does not resume falls back to a full handshake */
    if (!rc && cfg->have_saved && gf__tls_saved_for(&cfg->b, host))
      rc = gf__alloc_rc(mbedtls_ssl_set_session(&t->ssl, &cfg->saved), 0);
  }
  if (!rc)
    mbedtls_ssl_set_bio(&t->ssl, t, gf__bio_send, gf__bio_recv, NULL);
  return rc;
}

void gf__tls_free(gf__tls *t) {
  if (!t)
    return;
  mbedtls_ssl_free(&t->ssl);
  gf__tls_config_unref(t->cfg);
  free(t->b.host);
  free(t);
}

const char *gf__tls_suite(const gf__tls *t) {
  return t->b.hs_done ? mbedtls_ssl_get_ciphersuite(&t->ssl) : NULL;
}

const char *gf__tls_version(const gf__tls *t) {
  return t->b.hs_done ? mbedtls_ssl_get_version(&t->ssl) : NULL;
}

static int gf__bio_send(void *ctx, const unsigned char *p, size_t n) {
  gf__tls *t = ctx;
  if (gf__tls_send_cipher(&t->b, p, n))
    return MBEDTLS_ERR_NET_SEND_FAILED;
  return (int)n; /* n is at most one record */
}

static int gf__bio_recv(void *ctx, unsigned char *p, size_t n) {
  gf__tls *t = ctx;
  size_t got = gf__tls_take_input(&t->b, p, n < INT_MAX ? n : INT_MAX);
  return got ? (int)got : MBEDTLS_ERR_SSL_WANT_READ;
}

static int gf__is_want(int r) {
  return r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE;
}

/* A failed mbedTLS call, or a refusal of on_cipher inside it. */
static int gf__failed(gf__tls *t, int r) {
  if (t->b.cb_err)
    return gf__tls_cb_fail(&t->b, t->b.cb_err);
  return gf__tls_fail(
      &t->b, gf__tls_map_error(t, r ? r : MBEDTLS_ERR_SSL_INTERNAL_ERROR));
}

int gf__tls_eng_handshake(gf__tls *t) {
  int r;
  size_t before;
  /* mbedTLS only stops for input once the BIO is dry; should it return
   * early anyway, go on while it still consumes the feed. */
  do {
    before = t->b.in_len;
    r = mbedtls_ssl_handshake(&t->ssl);
  } while (gf__is_want(r) && !t->b.cb_err && t->b.in_len > 0 &&
           t->b.in_len < before);
  if (gf__is_want(r) && !t->b.cb_err)
    return 0;
  if (r || t->b.cb_err)
    return gf__failed(t, r);
  if (t->cfg->b.is_client)
    gf__keep_session(t);
  return 1;
}

/* A full handshake verified the chain; a resumed one saw no certificate.
 * The newest session (its ticket) is the one offered next. */
static void gf__keep_session(gf__tls *t) {
  gf__tls_config *cfg = t->cfg;
  t->b.resumed = t->verify_calls == 0;
  mbedtls_ssl_session s;
  mbedtls_ssl_session_init(&s);
  if (mbedtls_ssl_get_session(&t->ssl, &s) != 0 ||
      gf__tls_save_host(&cfg->b, t->b.host) != 0) {
    mbedtls_ssl_session_free(&s); /* not kept: the next one is full */
    return;
  }
  mbedtls_ssl_session_free(&cfg->saved);
  cfg->saved = s; /* the struct owns its pointers: moved, not copied */
  cfg->have_saved = 1;
  t->b.kept = 1;
}

/* Plaintext still held from a record (mbedtls_ssl_get_bytes_avail) comes
 * out of the next call, so nothing is left behind. A WANT_READ while input
 * is left (a record that carried no application data, a TLS 1.3 ticket)
 * means "call again"; a second one in a row that consumed nothing means
 * mbedTLS is stuck, and the feed is dropped rather than spun on. */
int gf__tls_eng_read(gf__tls *t, unsigned char *buf, size_t cap, size_t *got) {
  for (int idle = 0;;) {
    size_t before = t->b.in_len;
    int r = mbedtls_ssl_read(&t->ssl, buf, cap);
    if (t->b.cb_err)
      return gf__tls_cb_fail(&t->b, t->b.cb_err);
    if (r > 0) {
      *got = (size_t)r;
      return GF__TLS_DATA;
    }
    if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
      return GF__TLS_EOF;
    int again = gf__is_want(r) || r == 0;
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
    again = again || r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET;
#endif
    if (!again)
      return gf__failed(t, r);
    idle = t->b.in_len < before ? 0 : idle + 1;
    if (idle > 1 || (t->b.in_len == 0 && !mbedtls_ssl_check_pending(&t->ssl)))
      return GF__TLS_WANT;
  }
}

int gf__tls_eng_write(gf__tls *t, const char *p, size_t n, size_t *done) {
  /* mbedTLS takes at most one record per call and returns its length. */
  int r = mbedtls_ssl_write(&t->ssl, (const unsigned char *)p, n);
  if (t->b.cb_err || r <= 0)
    return gf__failed(t, r);
  *done = (size_t)r;
  return 0;
}

int gf__tls_eng_close(gf__tls *t) {
  int r = mbedtls_ssl_close_notify(&t->ssl);
  return r || t->b.cb_err ? gf__failed(t, r) : 0;
}
