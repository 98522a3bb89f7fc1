/* Client and server settings on mbedTLS: the policy (TLS 1.2 minimum,
 * ECDHE with AES-GCM and ChaCha20-Poly1305, in the order the AEAD choice
 * says), the trusted roots or the server's certificate, and the one random
 * generator all sessions of a setting share (seeding per session would
 * cost an entropy poll per connection). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/ssl_ciphersuites.h>
#if MBEDTLS_VERSION_MAJOR >= 3
#include <psa/crypto.h>
#endif

#include "gemflow.h"
#include "tls/mbedtls/tls_int.h"

const char gf__tls_eng_name[] = "mbedtls";

/* Each AEAD family's suites, ECDHE only; TLS 1.3's where the library has
 * it (mbedTLS 3). */
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
#define GF__CHACHA13 MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
#define GF__AES13                                                              \
  MBEDTLS_TLS1_3_AES_128_GCM_SHA256, MBEDTLS_TLS1_3_AES_256_GCM_SHA384,
#else
#define GF__CHACHA13
#define GF__AES13
#endif
#define GF__CHACHA                                                             \
  MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,                       \
      MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
#define GF__AES                                                                \
  MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,                             \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,                           \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,                         \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

/* The four offers (either family first, or only); static, since mbedTLS
 * keeps a pointer to the list rather than a copy. */
static const int gf__chacha_first[] = {GF__CHACHA13 GF__AES13 GF__CHACHA,
                                       GF__AES, 0};
static const int gf__aes_first[] = {GF__AES13 GF__CHACHA13 GF__AES, GF__CHACHA,
                                    0};
static const int gf__chacha_only[] = {GF__CHACHA13 GF__CHACHA, 0};
static const int gf__aes_only[] = {GF__AES13 GF__AES, 0};

/* mbedTLS 2.28's default group order starts with secp521r1, several times
 * slower than X25519 for the same handshake. P-384 and P-521 stay for
 * servers whose ECDSA certificate uses them. */
#if MBEDTLS_VERSION_MAJOR >= 3
static const uint16_t gf__groups[] = {
    MBEDTLS_SSL_IANA_TLS_GROUP_X25519, MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
    MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1, MBEDTLS_SSL_IANA_TLS_GROUP_SECP521R1,
    MBEDTLS_SSL_IANA_TLS_GROUP_NONE};
#else
static const mbedtls_ecp_group_id gf__groups[] = {
    MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_SECP521R1, MBEDTLS_ECP_DP_NONE};
#endif

static int gf__load_ca(gf__tls_config *cfg, const char *ca_file,
                       const char **errmsg);

int gf__tls_config_client(gf__tls_config **out, const char *ca_file,
                          const char **errmsg) {
  if (!out)
    return GF_EINVAL;
  *out = NULL;
  gf__tls_config *cfg;
  int rc = gf__tls_config_new(&cfg, MBEDTLS_SSL_IS_CLIENT, errmsg);
  if (rc)
    return rc;
  rc = gf__load_ca(cfg, ca_file, errmsg);
  if (rc) {
    gf__tls_config_unref(cfg);
    return rc;
  }
  mbedtls_ssl_conf_authmode(&cfg->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&cfg->conf, &cfg->ca, NULL);
  *out = cfg;
  return 0;
}

void gf__tls_config_unref(gf__tls_config *cfg) {
  if (!cfg || --cfg->b.refs > 0)
    return;
  if (cfg->srv_extra_free)
    cfg->srv_extra_free(cfg->srv_extra);
  gf__tls_config_base_free(&cfg->b);
  mbedtls_ssl_session_free(&cfg->saved);
  mbedtls_ssl_config_free(&cfg->conf);
  mbedtls_x509_crt_free(&cfg->ca);
  mbedtls_x509_crt_free(&cfg->own);
  mbedtls_pk_free(&cfg->key);
  mbedtls_ctr_drbg_free(&cfg->drbg);
  mbedtls_entropy_free(&cfg->entropy);
  free(cfg);
}

int gf__tls_eng_set_suites(gf__tls_config *cfg, int first, int only) {
  int aes = first == GF_AEAD_AES_GCM;
  mbedtls_ssl_conf_ciphersuites(
      &cfg->conf, only ? (aes ? gf__aes_only : gf__chacha_only)
                       : (aes ? gf__aes_first : gf__chacha_first));
  return 0;
}

static int gf__apply_policy(gf__tls_config *cfg, int endpoint) {
  mbedtls_ssl_config *c = &cfg->conf;
  if (mbedtls_ssl_config_defaults(c, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
                                  MBEDTLS_SSL_PRESET_DEFAULT))
    return GF_ETLS;
#if MBEDTLS_VERSION_MAJOR >= 3
  mbedtls_ssl_conf_min_tls_version(c, MBEDTLS_SSL_VERSION_TLS1_2);
  mbedtls_ssl_conf_groups(c, gf__groups);
#else
  mbedtls_ssl_conf_min_version(c, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_curves(c, gf__groups);
#endif
#if defined(MBEDTLS_SSL_RENEGOTIATION)
  mbedtls_ssl_conf_renegotiation(c, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
  mbedtls_ssl_conf_rng(c, mbedtls_ctr_drbg_random, &cfg->drbg);
  /* The measured order; a server walks its own list, whatever the client
   * prefers (2.28 has no switch for that but a compile-time option
   * Debian leaves off), so it too follows the measurement. */
  return gf__tls_eng_set_suites(cfg, gf__tls_aead_pick(), 0);
}

int gf__tls_config_new(gf__tls_config **out, int endpoint,
                       const char **errmsg) {
  static const char pers[] = "gemflow tls";
  gf__tls_config *cfg = calloc(1, sizeof *cfg);
  if (!cfg) {
    gf__tls_set_msg(errmsg, "out of memory");
    return GF_ENOMEM;
  }
  cfg->b.refs = 1;
  cfg->b.is_client = endpoint == MBEDTLS_SSL_IS_CLIENT;
  mbedtls_ssl_config_init(&cfg->conf);
  mbedtls_entropy_init(&cfg->entropy);
  mbedtls_ctr_drbg_init(&cfg->drbg);
  mbedtls_x509_crt_init(&cfg->ca);
  mbedtls_x509_crt_init(&cfg->own);
  mbedtls_pk_init(&cfg->key);
  mbedtls_ssl_session_init(&cfg->saved);
  int rc = 0;
#if MBEDTLS_VERSION_MAJOR >= 3
  if (psa_crypto_init() != PSA_SUCCESS)
    rc = GF_ETLS;
#endif
  if (!rc &&
      mbedtls_ctr_drbg_seed(&cfg->drbg, mbedtls_entropy_func, &cfg->entropy,
                            (const unsigned char *)pers, sizeof pers - 1))
    rc = GF_ETLS;
  if (!rc)
    rc = gf__apply_policy(cfg, endpoint);
  if (rc) {
    gf__tls_set_msg(errmsg, "cannot set up the TLS random generator or policy");
    gf__tls_config_unref(cfg);
    return rc;
  }
  *out = cfg;
  return 0;
}

static int gf__load_ca(gf__tls_config *cfg, const char *ca_file,
                       const char **errmsg) {
  gf__tls_ca_source s = gf__tls_pick_ca(ca_file);
  /* A positive result counts certificates mbedTLS could not parse: system
   * bundles hold a few; the rest still serve. */
  int r = mbedtls_x509_crt_parse_file(&cfg->ca, s.path);
  if (r == MBEDTLS_ERR_PK_FILE_IO_ERROR ||
      r == MBEDTLS_ERR_X509_FILE_IO_ERROR) {
    gf__tls_set_msg(errmsg, s.unreadable);
    return GF_ECAFILE;
  }
  if (r < 0 || cfg->ca.raw.len == 0) {
    gf__tls_set_msg(errmsg, s.unusable);
    return GF_ECAFILE;
  }
  snprintf(cfg->b.ca_path, sizeof cfg->b.ca_path, "%s", s.path);
  return 0;
}
