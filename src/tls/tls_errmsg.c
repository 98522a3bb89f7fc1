/* mbedTLS failures as gemflow codes and one-line explanations: a chain that
 * does not verify is GF_ECERT, a certificate for another host GF_EHOSTNAME,
 * anything else GF_ETLS. */
#include <stdio.h>
#include <string.h>

#include <mbedtls/error.h>

#include "gemflow.h"
#include "tls/tls_int.h"

static int gf__cert_error(gf__tls *t);
#if MBEDTLS_VERSION_MAJOR < 3
static const char *gf__alert_name(int alert);
#endif

int gf__tls_map_error(gf__tls *t, int r) {
  char text[160];
  if (r == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
    return gf__cert_error(t);
  if (r == MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED) {
    snprintf(t->errmsg, sizeof t->errmsg, "no trusted CA to verify against");
    return GF_ECERT;
  }
#if MBEDTLS_VERSION_MAJOR < 3
  /* 2.28 leaves the alert in the record buffer; 3.x hides the field. */
  if (r == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && t->ssl.in_msg) {
    int a = t->ssl.in_msg[1];
    snprintf(t->errmsg, sizeof t->errmsg, "peer sent fatal alert %s (%d)",
             gf__alert_name(a), a);
    return GF_ETLS;
  }
#endif
  mbedtls_strerror(r, text, sizeof text);
  snprintf(t->errmsg, sizeof t->errmsg, "TLS failure: %s (-0x%04X)", text,
           (unsigned)-r);
  return GF_ETLS;
}

/* A name mismatch alone is the host's fault; any other flag means the chain
 * itself is not to be trusted, which is what the user must fix first. */
static int gf__cert_error(gf__tls *t) {
  uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);
  if (flags == MBEDTLS_X509_BADCERT_CN_MISMATCH) {
    snprintf(t->errmsg, sizeof t->errmsg, "certificate is not valid for %s %s",
             t->ip_len ? "IP" : "host", t->host ? t->host : "?");
    return GF_EHOSTNAME;
  }
  /* the usual case (a private CA, an interception proxy) said plainly,
   * naming the bundle that was searched; the other flags after it */
  int off = 0;
  if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
    off = snprintf(t->errmsg, sizeof t->errmsg,
                   "the certificate of %s is not signed by a CA in %s "
                   "(a private CA: name its file with --ca-file, ca_file "
                   "or SSL_CERT_FILE)",
                   t->host ? t->host : "the server",
                   t->cfg->ca_path[0] ? t->cfg->ca_path : "the CA bundle");
    flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_NOT_TRUSTED;
    if (!flags || off < 0 || (size_t)off + 3 >= sizeof t->errmsg)
      return GF_ECERT;
    t->errmsg[off++] = ';';
    t->errmsg[off++] = ' ';
  } else {
    off = snprintf(t->errmsg, sizeof t->errmsg,
                   "certificate verification failed: ");
  }
  char info[512] = "";
  int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
  if (n < 0) /* too many flags for info: keep what fits */
    n = (int)strnlen(info, sizeof info - 1);
  /* One line per flag, each ending in '\n': join them with "; ". */
  while (n > 0 && info[n - 1] == '\n')
    info[--n] = '\0';
  for (int i = 0; i < n && (size_t)off + 3 < sizeof t->errmsg; i++) {
    if (info[i] == '\n') {
      t->errmsg[off++] = ';';
      t->errmsg[off++] = ' ';
    } else {
      t->errmsg[off++] = info[i];
    }
  }
  t->errmsg[off] = '\0';
  return GF_ECERT;
}

#if MBEDTLS_VERSION_MAJOR < 3
static const char *gf__alert_name(int alert) {
  static const struct {
    int code;
    const char *name;
  } names[] = {
      {10, "unexpected_message"},
      {20, "bad_record_mac"},
      {22, "record_overflow"},
      {40, "handshake_failure"},
      {42, "bad_certificate"},
      {43, "unsupported_certificate"},
      {44, "certificate_revoked"},
      {45, "certificate_expired"},
      {46, "certificate_unknown"},
      {47, "illegal_parameter"},
      {48, "unknown_ca"},
      {49, "access_denied"},
      {50, "decode_error"},
      {51, "decrypt_error"},
      {70, "protocol_version"},
      {71, "insufficient_security"},
      {80, "internal_error"},
      {86, "inappropriate_fallback"},
      {90, "user_canceled"},
      {109, "missing_extension"},
      {110, "unsupported_extension"},
      {112, "unrecognized_name"},
      {116, "certificate_required"},
      {120, "no_application_protocol"},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].code == alert)
      return names[i].name;
  return "unknown";
}
#endif
