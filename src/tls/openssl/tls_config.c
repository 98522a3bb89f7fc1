/* Client and server settings on OpenSSL 3: the policy (TLS 1.2 and 1.3,
 * ECDHE with AES-GCM and ChaCha20-Poly1305, in the order the AEAD choice
 * says), the trusted roots of a client, and the session a client keeps for
 * its next connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "gemflow.h"
#include "tls/openssl/tls_int.h"

const char gf__tls_eng_name[] = "openssl";

/* Each AEAD family's suites: for TLS 1.2 ECDHE only; TLS 1.3's suites
 * name no key exchange, and the groups below leave only ECDHE. */
#define GF__CHACHA12 "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define GF__AES12                                                              \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                 \
  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384"
#define GF__CHACHA13 "TLS_CHACHA20_POLY1305_SHA256"
#define GF__AES13 "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384"

/* X25519 first: the cheapest key agreement; P-384 and P-521 stay for
 * servers whose certificates use them. No finite-field groups. */
static const char gf__groups[] = "X25519:P-256:P-384:P-521";

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

void gf__tls_config_unref(gf__tls_config *cfg) {
  if (!cfg || --cfg->b.refs > 0)
    return;
  gf__tls_drop_sessions(cfg);
  gf__tls_config_base_free(&cfg->b);
  SSL_CTX_free(cfg->ctx);
  free(cfg);
}

int gf__tls_eng_set_suites(gf__tls_config *cfg, int first, int only) {
  int aes = first == GF_AEAD_AES_GCM;
  const char *l12 =
      only ? (aes ? GF__AES12 : GF__CHACHA12)
           : (aes ? GF__AES12 ":" GF__CHACHA12 : GF__CHACHA12 ":" GF__AES12);
  const char *l13 =
      only ? (aes ? GF__AES13 : GF__CHACHA13)
           : (aes ? GF__AES13 ":" GF__CHACHA13 : GF__CHACHA13 ":" GF__AES13);
  int ok = SSL_CTX_set_cipher_list(cfg->ctx, l12) == 1 &&
           SSL_CTX_set_ciphersuites(cfg->ctx, l13) == 1;
  ERR_clear_error();
  return ok ? 0 : GF_ETLS;
}

static int gf__apply_policy(gf__tls_config *cfg) {
  SSL_CTX *ctx = cfg->ctx;
  /* Renegotiation is refused (as by the mbedTLS engine). A server takes
   * the client's order of suites (no SSL_OP_CIPHER_SERVER_PREFERENCE),
   * as the service's front ends do: the client measured which AEAD is
   * faster for it. Read and write buffers are released while empty: an
   * idle or waiting connection then holds no 2 x 16 KiB. */
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set1_groups_list(ctx, gf__groups) != 1)
    return GF_ETLS;
  return gf__tls_eng_set_suites(cfg, gf__tls_aead_pick(), 0);
}

int gf__tls_config_new(gf__tls_config **out, int is_client,
                       const char **errmsg) {
  gf__tls_config *cfg = calloc(1, sizeof *cfg);
  if (!cfg) {
    gf__tls_set_msg(errmsg, "out of memory");
    return GF_ENOMEM;
  }
  cfg->b.refs = 1;
  cfg->b.is_client = is_client;
  ERR_clear_error();
  cfg->ctx = SSL_CTX_new_ex(
      NULL, NULL, is_client ? TLS_client_method() : TLS_server_method());
  if (!cfg->ctx || gf__apply_policy(cfg) != 0) {
    ERR_clear_error();
    gf__tls_set_msg(errmsg, "cannot set up the TLS library or policy");
    gf__tls_config_unref(cfg);
    return GF_ETLS;
  }
  *out = cfg;
  return 0;
}

/* ---- the client's session ------------------------------------------------ */

/* OpenSSL hands over each new session: with TLS 1.2 at the end of a
 * handshake, with TLS 1.3 each ticket the server sends after it, read
 * with the first records of the response. The newest is the one offered
 * next, and only to the host this connection verified (or resumed a
 * session of). */
static int gf__new_session(SSL *ssl, SSL_SESSION *sess) {
  gf__tls *t = SSL_get_app_data(ssl);
  gf__tls_config *cfg = t->cfg;
  if (!SSL_SESSION_is_resumable(sess))
    return 0; /* OpenSSL keeps ownership and frees it */
  /* another host's, or a TLS 1.2 session that replaces all */
  if (!gf__tls_saved_for(&cfg->b, t->b.host) ||
      SSL_SESSION_get_protocol_version(sess) != TLS1_3_VERSION)
    gf__tls_drop_sessions(cfg);
  if (gf__tls_save_host(&cfg->b, t->b.host) != 0)
    return 0;
  if (cfg->nsaved == GF__TLS_TICKETS) { /* the oldest goes */
    SSL_SESSION_free(cfg->saved[0]);
    memmove(cfg->saved, cfg->saved + 1, sizeof cfg->saved[0] * --cfg->nsaved);
  }
  cfg->saved[cfg->nsaved++] = sess;
  t->b.kept = 1;
  return 1; /* the reference is ours now */
}

void gf__tls_drop_sessions(gf__tls_config *cfg) {
  while (cfg->nsaved > 0)
    SSL_SESSION_free(cfg->saved[--cfg->nsaved]);
}

SSL_SESSION *gf__tls_take_session(gf__tls_config *cfg, const char *host) {
  if (!cfg->nsaved || !gf__tls_saved_for(&cfg->b, host))
    return NULL;
  SSL_SESSION *s = cfg->saved[cfg->nsaved - 1];
  if (SSL_SESSION_get_protocol_version(s) == TLS1_3_VERSION)
    cfg->nsaved--; /* used once: the caller's reference now */
  else
    SSL_SESSION_up_ref(s);
  return s;
}

/* ---- trusted roots ------------------------------------------------------- */

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
  gf__tls_ca_source s = gf__tls_pick_ca(ca_file);
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
  snprintf(cfg->b.ca_path, sizeof cfg->b.ca_path, "%s", s.path);
  return 0;
}
