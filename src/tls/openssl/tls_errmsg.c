/* OpenSSL failures as gemflow codes and one-line explanations: a chain that
 * does not verify is GF_ECERT, a certificate for another host GF_EHOSTNAME,
 * an allocation that failed inside OpenSSL GF_ENOMEM, a fatal alert from
 * the peer or anything else GF_ETLS. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "gemflow.h"
#include "tls/openssl/tls_int.h"

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
    snprintf(t->b.errmsg, sizeof t->b.errmsg,
             "out of memory in the TLS library");
    return GF_ENOMEM;
  }
  /* The first error queued is the cause; later ones are consequences. */
  int reason = ERR_GET_REASON(e);
  if (e && ERR_GET_LIB(e) == ERR_LIB_SSL && reason > SSL_AD_REASON_OFFSET &&
      reason <= SSL_AD_REASON_OFFSET + 255) {
    /* a received alert is queued as SSL_AD_REASON_OFFSET + its number */
    int a = reason - SSL_AD_REASON_OFFSET;
    snprintf(t->b.errmsg, sizeof t->b.errmsg, "peer sent fatal alert %s (%d)",
             gf__tls_alert_name(a), a);
    return GF_ETLS;
  }
  if (e) {
    const char *why = ERR_reason_error_string(e);
    snprintf(t->b.errmsg, sizeof t->b.errmsg, "TLS failure: %s (error:%08lX)",
             why ? why : "unknown reason", e);
  } else if (ssl_error == SSL_ERROR_ZERO_RETURN) {
    snprintf(t->b.errmsg, sizeof t->b.errmsg,
             "TLS failure: the peer closed the session during the handshake");
  } else {
    snprintf(t->b.errmsg, sizeof t->b.errmsg,
             "TLS failure: the TLS library failed without a reason (%d)",
             ssl_error);
  }
  return GF_ETLS;
}
