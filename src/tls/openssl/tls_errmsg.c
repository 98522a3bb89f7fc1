/* OpenSSL failures as gemflow codes and one-line explanations: a chain that
 * does not verify is GF_ECERT, a certificate for another host GF_EHOSTNAME,
 * an allocation that failed inside OpenSSL GF_ENOMEM, a fatal alert from
 * the peer or anything else GF_ETLS. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "gemflow.h"
#include "tls/openssl/tls_int.h"

static const char *gf__alert_name(int alert);

int gf__tls_take_errors(unsigned long *first) {
  unsigned long e;
  int oom = 0;
  *first = 0;
  while ((e = ERR_get_error()) != 0) {
    if (!*first)
      *first = e;
    oom |= ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE;
  }
  /* popping leaves each entry's copies of its file and function names
   * behind: clearing frees them */
  ERR_clear_error();
  return oom;
}

int gf__tls_map_error(gf__tls *t, int ssl_error) {
  unsigned long e;
  int oom = gf__tls_take_errors(&e);
  /* our own verification said why (tls_verify.c) */
  if (t->v_kinds)
    return gf__tls_cert_error(t);
  /* OpenSSL reports a failed allocation as whatever step it broke (a
   * record, a key, a decoding): the cause is the memory. */
  if (oom) {
    snprintf(t->errmsg, sizeof t->errmsg, "out of memory in the TLS library");
    return GF_ENOMEM;
  }
  /* The first error queued is the cause; later ones are consequences. */
  int reason = ERR_GET_REASON(e);
  if (e && ERR_GET_LIB(e) == ERR_LIB_SSL && reason > SSL_AD_REASON_OFFSET &&
      reason <= SSL_AD_REASON_OFFSET + 255) {
    /* a received alert is queued as SSL_AD_REASON_OFFSET + its number */
    int a = reason - SSL_AD_REASON_OFFSET;
    snprintf(t->errmsg, sizeof t->errmsg, "peer sent fatal alert %s (%d)",
             gf__alert_name(a), a);
    return GF_ETLS;
  }
  if (e) {
    const char *why = ERR_reason_error_string(e);
    snprintf(t->errmsg, sizeof t->errmsg, "TLS failure: %s (error:%08lX)",
             why ? why : "unknown reason", e);
  } else if (ssl_error == SSL_ERROR_ZERO_RETURN) {
    snprintf(t->errmsg, sizeof t->errmsg,
             "TLS failure: the peer closed the session during the handshake");
  } else {
    snprintf(t->errmsg, sizeof t->errmsg,
             "TLS failure: the TLS library failed without a reason (%d)",
             ssl_error);
  }
  return GF_ETLS;
}

/* The names of RFC 8446 6.2 (OpenSSL's own strings are prose). */
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
