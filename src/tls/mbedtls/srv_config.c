/* The server's TLS setting (the simulator's and the examples'): its own
 * certificate and key. Never in the shipped library. */
#include <stdlib.h>

#include <mbedtls/ssl_ticket.h>

#include "gemflow.h"
#include "tls/mbedtls/tls_int.h"

/* Session tickets (RFC 5077) as the service's front ends issue them, so
 * that a client's later connections can resume: stateless, keys rotated
 * by mbedTLS, valid a day. */
#define GF__TICKET_LIFETIME_S 86400

static int load_own(gf__tls_config *cfg, const char *cert_file,
                    const char *key_file, const char **errmsg);
static int enable_tickets(gf__tls_config *cfg);

int gf__tls_config_server(gf__tls_config **out, const char *cert_file,
                          const char *key_file, const char **errmsg) {
  if (!out || !cert_file || !key_file)
    return GF_EINVAL;
  *out = NULL;
  gf__tls_config *cfg;
  int rc = gf__tls_config_new(&cfg, MBEDTLS_SSL_IS_SERVER, errmsg);
  if (rc)
    return rc;
  rc = load_own(cfg, cert_file, key_file, errmsg);
  if (!rc && (rc = enable_tickets(cfg)) != 0)
    gf__tls_set_msg(errmsg, "cannot set up TLS session tickets");
  if (rc) {
    gf__tls_config_unref(cfg);
    return rc;
  }
  *out = cfg;
  return 0;
}

static int load_own(gf__tls_config *cfg, const char *cert_file,
                    const char *key_file, const char **errmsg) {
  int r = mbedtls_x509_crt_parse_file(&cfg->own, cert_file);
  if (r == MBEDTLS_ERR_PK_FILE_IO_ERROR ||
      r == MBEDTLS_ERR_X509_FILE_IO_ERROR) {
    gf__tls_set_msg(errmsg, "cannot read the server certificate file");
    return GF_EIO;
  }
  if (r != 0) {
    gf__tls_set_msg(errmsg, "cannot parse the server certificate file");
    return GF_ETLS;
  }
#if MBEDTLS_VERSION_MAJOR >= 3
  r = mbedtls_pk_parse_keyfile(&cfg->key, key_file, NULL,
                               mbedtls_ctr_drbg_random, &cfg->drbg);
#else
  r = mbedtls_pk_parse_keyfile(&cfg->key, key_file, NULL);
#endif
  if (r == MBEDTLS_ERR_PK_FILE_IO_ERROR) {
    gf__tls_set_msg(errmsg, "cannot read the server key file");
    return GF_EIO;
  }
  if (r != 0) {
    gf__tls_set_msg(
        errmsg, "cannot parse the server key file (unencrypted PEM or DER)");
    return GF_ETLS;
  }
#if MBEDTLS_VERSION_MAJOR >= 3
  r = mbedtls_pk_check_pair(&cfg->own.pk, &cfg->key, mbedtls_ctr_drbg_random,
                            &cfg->drbg);
#else
  r = mbedtls_pk_check_pair(&cfg->own.pk, &cfg->key);
#endif
  if (r != 0) {
    gf__tls_set_msg(errmsg, "the server key does not match the certificate");
    return GF_ETLS;
  }
  if (mbedtls_ssl_conf_own_cert(&cfg->conf, &cfg->own, &cfg->key)) {
    gf__tls_set_msg(errmsg, "out of memory");
    return GF_ENOMEM;
  }
  return 0;
}

static void free_tickets(void *extra) {
  mbedtls_ssl_ticket_free(extra);
  free(extra);
}

static int enable_tickets(gf__tls_config *cfg) {
  mbedtls_ssl_ticket_context *tk = malloc(sizeof *tk);
  if (!tk)
    return GF_ENOMEM;
  mbedtls_ssl_ticket_init(tk);
  if (mbedtls_ssl_ticket_setup(tk, mbedtls_ctr_drbg_random, &cfg->drbg,
                               MBEDTLS_CIPHER_AES_256_GCM,
                               GF__TICKET_LIFETIME_S)) {
    free_tickets(tk);
    return GF_ETLS;
  }
  cfg->srv_extra = tk;
  cfg->srv_extra_free = free_tickets;
  mbedtls_ssl_conf_session_tickets_cb(&cfg->conf, mbedtls_ssl_ticket_write,
                                      mbedtls_ssl_ticket_parse, tk);
  return 0;
}
