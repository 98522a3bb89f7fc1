/* Private to src/tls/mbedtls/ (the mbedTLS engine): the structures behind
 * the opaque handles of tls.h and the helpers shared by the engine's
 * files. Nothing outside this directory may include this header. */
#ifndef GF_TLS_MBEDTLS_INT_H
#define GF_TLS_MBEDTLS_INT_H
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include "tls/tls_base.h"

/* One per client or server setting, shared by all its sessions (one thread:
 * the DRBG is not locked). Reference-counted: every session holds one, so
 * gf__tls_config_free() may come before the last gf__tls_free(). */
struct gf__tls_config {
  gf__tls_config_base b; /* first: see tls_base.h */
  mbedtls_ssl_config conf;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg; /* seeded once, for every session */
  mbedtls_x509_crt ca;           /* client: trusted roots */
  mbedtls_x509_crt own;          /* server: certificate chain */
  mbedtls_pk_context key;        /* server: private key */
  /* client: the last session established, offered to every new one to
   * b.saved_host so that its handshake can skip the certificate exchange
   * and the key agreement (a ticket, else the session id) */
  mbedtls_ssl_session saved;
  int have_saved;
  /* server: what srv_config.c added, freed with the setting */
  void *srv_extra;
  void (*srv_extra_free)(void *extra);
};

/* tls_config.c, shared with srv_config.c: a setting with the common policy
 * for endpoint (MBEDTLS_SSL_IS_CLIENT or _SERVER), and *errmsg = msg. */
int gf__tls_config_new(gf__tls_config **out, int endpoint, const char **errmsg);

struct gf__tls {
  gf__tls_base b; /* first: see tls_base.h */
  mbedtls_ssl_context ssl;
  gf__tls_config *cfg;
  unsigned verify_calls; /* certificates verified: none on a resumption */
};

/* tls_verify.c */
/* mbedTLS verify callback (mbedtls_ssl_set_verify) of every client
 * session: counts the certificates seen (a resumed handshake sees none)
 * and, for an IP literal host, checks the iPAddress SANs. */
int gf__tls_verify(void *ctx, mbedtls_x509_crt *crt, int depth,
                   uint32_t *flags);
/* tls_errmsg.c: maps a failed mbedTLS call to GF_ETLS/GF_ECERT/
 * GF_EHOSTNAME and writes the message. */
int gf__tls_map_error(gf__tls *t, int mbed_rc);
#endif
