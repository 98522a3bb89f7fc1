/* Client and server settings on OpenSSL 3: the policy (TLS 1.2, ECDHE with
 * ChaCha20-Poly1305 first, then AES-GCM: what the mbedTLS engine offers),
 * the trusted roots of a client, and the session a client keeps for its
 * next connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "gemflow.h"
#include "tls/openssl/tls_int.h"

#define GF__SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

/* The same suites, in the same order, as the mbedTLS engine: ChaCha20
 * first (mbedTLS has no fast AES-GCM; with OpenSSL on a CPU with AVX-512
 * ChaCha20-Poly1305 is at least as fast as AES-128-GCM), ECDHE only, AEAD
 * only. */
static const char gf__suites[] =
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384";
/* X25519 first: the cheapest key agreement; P-384 and P-521 stay for
 * servers whose certificates use them. No finite-field groups. */
static const char gf__groups[] = "X25519:P-256:P-384:P-521";

typedef struct gf__ca_source {
  const char *path, *unreadable, *unusable;
} gf__ca_source;

static int gf__load_ca(gf__tls_config *cfg, const char *ca_file,
                       const char **errmsg);
static int gf__new_session(SSL *ssl, SSL_SESSION *sess);

int gf__tls_config_client(gf__tls_config **out, const char *ca_file,
                          const char **errmsg) {
  if (!out)
    return GF_EINVAL;
  *out = NULL;
  gf__tls_config *cfg;
  int rc = gf__tls_config_new(&cfg, 1, errmsg);
  if (rc)
    return rc;
  rc = gf__load_ca(cfg, ca_file, errmsg);
  if (rc) {
    gf__tls_config_unref(cfg);
    return rc;
  }
  /* Our callback runs OpenSSL's verification itself so that it sees every
   * problem, not only the first (see tls_verify.c). */
  SSL_CTX_set_verify(cfg->ctx, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_cert_verify_callback(cfg->ctx, gf__tls_verify_chain, NULL);
  /* Sessions are kept here (one per setting), not in OpenSSL's cache. */
  SSL_CTX_set_session_cache_mode(cfg->ctx, SSL_SESS_CACHE_CLIENT |
                                               SSL_SESS_CACHE_NO_INTERNAL);
  SSL_CTX_sess_set_new_cb(cfg->ctx, gf__new_session);
  *out = cfg;
  return 0;
}

void gf__tls_config_free(gf__tls_config *cfg) { gf__tls_config_unref(cfg); }

void gf__tls_config_unref(gf__tls_config *cfg) {
  if (!cfg || --cfg->refs > 0)
    return;
  SSL_SESSION_free(cfg->saved);
  free(cfg->saved_host);
  SSL_CTX_free(cfg->ctx);
  free(cfg);
}

void gf__tls_set_msg(const char **errmsg, const char *msg) {
  if (errmsg)
    *errmsg = msg;
}

static int gf__apply_policy(SSL_CTX *ctx) {
  /* Renegotiation is refused (as by the mbedTLS engine); the server's
   * order of suites wins, so a server of ours picks ChaCha20 whatever the
   * client lists first. Read and write buffers are released while empty:
   * an idle or waiting connection then holds no 2 x 16 KiB. */
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE |
                               SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  /* TLS 1.2 only, as the mbedTLS 2.28 engine: the two engines then speak
   * the same protocol with the same suites, so they compare as libraries.
   * TLS 1.3 waits for the conn layer: its tickets come after the
   * handshake, with the first response bytes, so connections dialled as
   * soon as an earlier handshake ends would not resume (and a resumed
   * TLS 1.3 handshake still pays an ECDHE). */
  return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
         SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) == 1 &&
         SSL_CTX_set_cipher_list(ctx, gf__suites) == 1 &&
         SSL_CTX_set1_groups_list(ctx, gf__groups) == 1;
}

int gf__tls_config_new(gf__tls_config **out, int is_client,
                       const char **errmsg) {
  gf__tls_config *cfg = calloc(1, sizeof *cfg);
  if (!cfg) {
    gf__tls_set_msg(errmsg, "out of memory");
    return GF_ENOMEM;
  }
  cfg->refs = 1;
  cfg->is_client = is_client;
  ERR_clear_error();
  cfg->ctx = SSL_CTX_new_ex(NULL, NULL,
                            is_client ? TLS_client_method()
                                      : TLS_server_method());
  if (!cfg->ctx || !gf__apply_policy(cfg->ctx)) {
    ERR_clear_error();
    gf__tls_set_msg(errmsg, "cannot set up the TLS library or policy");
    gf__tls_config_unref(cfg);
    return GF_ETLS;
  }
  *out = cfg;
  return 0;
}

/* ---- the client's session ------------------------------------------------ */

/* OpenSSL hands over each new session at the end of a handshake (with
 * TLS 1.3 it would be each ticket the server sends after it). The newest
 * is the one offered next, and only to the host it was verified for. */
static int gf__new_session(SSL *ssl, SSL_SESSION *sess) {
  gf__tls *t = SSL_get_app_data(ssl);
  gf__tls_config *cfg = t->cfg;
  if (!SSL_SESSION_is_resumable(sess))
    return 0;
  char *host = strdup(t->host);
  if (!host)
    return 0; /* OpenSSL keeps ownership and frees it */
  SSL_SESSION_free(cfg->saved);
  free(cfg->saved_host);
  cfg->saved = sess;
  cfg->saved_host = host;
  return 1; /* the reference is ours now */
}

/* ---- trusted roots ------------------------------------------------------- */

static gf__ca_source gf__pick_ca(const char *ca_file) {
  static const gf__ca_source given = {
      NULL, "cannot read the CA file given as ca_file",
      "no usable certificate in the CA file given as ca_file"};
  static const gf__ca_source env = {
      NULL, "cannot read the CA file named by $SSL_CERT_FILE",
      "no usable certificate in the CA file named by $SSL_CERT_FILE"};
  static const gf__ca_source sys = {
      GF__SYSTEM_BUNDLE, "cannot read the system CA bundle " GF__SYSTEM_BUNDLE,
      "no usable certificate in the system CA bundle " GF__SYSTEM_BUNDLE};
  gf__ca_source s;
  const char *e = getenv("SSL_CERT_FILE");
  if (ca_file) {
    s = given;
    s.path = ca_file;
  } else if (e && *e) {
    s = env;
    s.path = e;
  } else {
    s = sys;
  }
  return s;
}

/* Every PEM certificate of the file, skipping those that do not parse (as
 * mbedTLS does: system bundles may hold a few); a file with no PEM at all
 * is read as one DER certificate. Returns how many were added. */
static int gf__add_certs(X509_STORE *store, BIO *in) {
  int added = 0;
  for (;;) {
    long before = BIO_tell(in);
    X509 *x = PEM_read_bio_X509_AUX(in, NULL, NULL, NULL);
    if (!x) {
      unsigned long e = ERR_peek_last_error();
      int at_end = ERR_GET_LIB(e) == ERR_LIB_PEM &&
                   ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
      ERR_clear_error();
      /* a bad block was consumed: go on after it; no progress: stop */
      if (at_end || BIO_tell(in) <= before)
        break;
      continue;
    }
    if (X509_STORE_add_cert(store, x) == 1)
      added++;
    ERR_clear_error(); /* a duplicate is not an error worth keeping */
    X509_free(x);
  }
  if (added == 0 && BIO_seek(in, 0) == 0) {
    X509 *x = d2i_X509_bio(in, NULL);
    if (x && X509_STORE_add_cert(store, x) == 1)
      added++;
    X509_free(x);
    ERR_clear_error();
  }
  return added;
}

static int gf__load_ca(gf__tls_config *cfg, const char *ca_file,
                       const char **errmsg) {
  gf__ca_source s = gf__pick_ca(ca_file);
  BIO *in = BIO_new_file(s.path, "rb");
  if (!in) {
    ERR_clear_error();
    gf__tls_set_msg(errmsg, s.unreadable);
    return GF_ECAFILE;
  }
  X509_STORE *store = SSL_CTX_get_cert_store(cfg->ctx);
  int added = gf__add_certs(store, in);
  BIO_free(in);
  if (added == 0) {
    gf__tls_set_msg(errmsg, s.unusable);
    return GF_ECAFILE;
  }
  /* Any certificate of the bundle is a trust anchor, a root or not, as
   * with mbedTLS (a private CA's intermediate named as ca_file works). */
  X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
  snprintf(cfg->ca_path, sizeof cfg->ca_path, "%s", s.path);
  return 0;
}
