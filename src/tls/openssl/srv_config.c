/* The server's TLS setting (the simulator's and the examples'): its own
 * certificate chain and key, and session tickets. Never in the shipped
 * library. */
#include <openssl/err.h>
#include <openssl/pem.h>

#include "gemflow.h"
#include "tls/openssl/tls_int.h"

/* Session tickets (RFC 5077) as the service's front ends issue them, so
 * that a client's later connections can resume: stateless (no server-side
 * cache to grow with the number of clients), valid a day. With TLS 1.3:
 * one ticket per handshake, sent after it (a client of ours keeps only the
 * newest anyway). */
#define GF__TICKET_LIFETIME_S 86400

static int load_own(gf__tls_config *cfg, const char *cert_file,
                    const char *key_file, const char **errmsg);

int gf__tls_config_server(gf__tls_config **out, const char *cert_file,
                          const char *key_file, const char **errmsg) {
  if (!out || !cert_file || !key_file)
    return GF_EINVAL;
  *out = NULL;
  gf__tls_config *cfg;
  int rc = gf__tls_config_new(&cfg, 0, errmsg);
  if (rc)
    return rc;
  rc = load_own(cfg, cert_file, key_file, errmsg);
  ERR_clear_error();
  if (rc) {
    gf__tls_config_unref(cfg);
    return rc;
  }
  SSL_CTX_set_session_cache_mode(cfg->ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_timeout(cfg->ctx, GF__TICKET_LIFETIME_S);
  /* two, as OpenSSL and BoringSSL send by default: a client uses each
   * TLS 1.3 ticket once, and two connections may start before the next */
  SSL_CTX_set_num_tickets(cfg->ctx, 2);
  *out = cfg;
  return 0;
}

/* A file that cannot be opened is GF_EIO; one that can but holds no
 * certificate or key is GF_ETLS, as the mbedTLS engine tells them apart. */
static int readable(const char *path) {
  BIO *b = BIO_new_file(path, "rb");
  BIO_free(b);
  return b != NULL;
}

static int no_passphrase(char *buf, int size, int rwflag, void *u) {
  return -1; /* an encrypted key is refused, never prompted for */
}

static EVP_PKEY *read_key(const char *path) {
  BIO *b = BIO_new_file(path, "rb");
  if (!b)
    return NULL;
  EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
  if (!k && BIO_seek(b, 0) == 0)
    k = d2i_PrivateKey_bio(b, NULL); /* DER, as mbedTLS also takes */
  BIO_free(b);
  return k;
}

static int load_own(gf__tls_config *cfg, const char *cert_file,
                    const char *key_file, const char **errmsg) {
  if (!readable(cert_file)) {
    gf__tls_set_msg(errmsg, "cannot read the server certificate file");
    return GF_EIO;
  }
  if (SSL_CTX_use_certificate_chain_file(cfg->ctx, cert_file) != 1) {
    gf__tls_set_msg(errmsg, "cannot parse the server certificate file");
    return GF_ETLS;
  }
  if (!readable(key_file)) {
    gf__tls_set_msg(errmsg, "cannot read the server key file");
    return GF_EIO;
  }
  EVP_PKEY *key = read_key(key_file);
  if (!key) {
    gf__tls_set_msg(
        errmsg, "cannot parse the server key file (unencrypted PEM or DER)");
    return GF_ETLS;
  }
  int ok =
      X509_check_private_key(SSL_CTX_get0_certificate(cfg->ctx), key) == 1 &&
      SSL_CTX_use_PrivateKey(cfg->ctx, key) == 1;
  EVP_PKEY_free(key);
  if (!ok) {
    gf__tls_set_msg(errmsg, "the server key does not match the certificate");
    return GF_ETLS;
  }
  return 0;
}
