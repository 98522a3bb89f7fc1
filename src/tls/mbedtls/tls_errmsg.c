/* mbedTLS failures as gemflow codes and one-line explanations: a chain that
 * does not verify is GF_ECERT, a certificate for another host GF_EHOSTNAME,
 * anything else GF_ETLS. */
#include <stdio.h>
#include <string.h>

#include <mbedtls/error.h>

#include "gemflow.h"
#include "tls/mbedtls/tls_int.h"

/* mbedTLS's own lines for the flags, one per flag, for tls_msg.c to word
 * around them. */
static int gf__cert_error(gf__tls *t) {
  uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);
  if (flags == MBEDTLS_X509_BADCERT_CN_MISMATCH)
    return gf__tls_cert_message(&t->b, NULL, GF__CERT_NAME, NULL);
  unsigned what = 0;
  if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
    what = GF__CERT_UNTRUSTED;
    flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_NOT_TRUSTED;
  }
  char info[512] = "";
  if (flags && mbedtls_x509_crt_verify_info(info, sizeof info, "", flags) < 0)
    info[sizeof info - 1] = '\0'; /* too many flags: keep what fits */
  return gf__tls_cert_message(&t->b, t->cfg->b.ca_path, what, info);
}

int gf__tls_map_error(gf__tls *t, int r) {
  char text[160];
  if (r == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
    return gf__cert_error(t);
  if (r == MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED) {
    snprintf(t->b.errmsg, sizeof t->b.errmsg,
             "no trusted CA to verify against");
    return GF_ECERT;
  }
#if MBEDTLS_VERSION_MAJOR < 3
  /* 2.28 leaves the alert in the record buffer; 3.x hides the field. */
  if (r == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && t->ssl.in_msg) {
    int a = t->ssl.in_msg[1];
    snprintf(t->b.errmsg, sizeof t->b.errmsg, "peer sent fatal alert %s (%d)",
             gf__tls_alert_name(a), a);
    return GF_ETLS;
  }
#endif
  mbedtls_strerror(r, text, sizeof text);
  snprintf(t->b.errmsg, sizeof t->b.errmsg, "TLS failure: %s (-0x%04X)", text,
           (unsigned)-r);
  return GF_ETLS;
}
