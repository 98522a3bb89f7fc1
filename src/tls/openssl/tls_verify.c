/* Certificate verification for a client: OpenSSL checks the chain, the
 * dates and the host (X509_check_host for a name, X509_check_ip for an
 * address literal, both set in tls_session.c). Our callback runs that
 * verification and records every problem instead of stopping at the first,
 * so the user hears about the chain first when a private CA is the cause,
 * and the alert sent to the server is chosen as the mbedTLS engine chooses
 * it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "gemflow.h"
#include "tls/openssl/tls_int.h"

static unsigned gf__kind(int e) {
  switch (e) {
  case X509_V_ERR_CERT_HAS_EXPIRED:
    return GF__V_EXPIRED;
  case X509_V_ERR_CERT_NOT_YET_VALID:
    return GF__V_FUTURE;
  case X509_V_ERR_HOSTNAME_MISMATCH:
  case X509_V_ERR_IP_ADDRESS_MISMATCH:
    return GF__V_NAME;
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_CERT_UNTRUSTED:
  case X509_V_ERR_CERT_REJECTED:
  case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    return GF__V_UNTRUSTED;
  default:
    return GF__V_OTHER;
  }
}

static gf__tls *gf__tls_of(X509_STORE_CTX *x) {
  SSL *ssl =
      X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
  return ssl ? SSL_get_app_data(ssl) : NULL;
}

/* Called for every problem OpenSSL finds; going on (1) lets it find the
 * rest. The verdict is gf__tls_verify_chain's. */
static int gf__collect(int ok, X509_STORE_CTX *x) {
  gf__tls *t = gf__tls_of(x);
  if (ok || !t)
    return ok;
  int e = X509_STORE_CTX_get_error(x);
  unsigned k = gf__kind(e);
  if (k == GF__V_OTHER && !(t->v_kinds & GF__V_OTHER))
    t->v_other = e;
  t->v_kinds |= k;
  return 1;
}

/* The error handed back to OpenSSL picks the alert (ssl_x509err2alert):
 * in the mbedTLS engine's order, a name mismatch (bad_certificate) before
 * an expiry (certificate_expired) before an unknown issuer (unknown_ca). */
static int gf__alert_error(const gf__tls *t) {
  unsigned k = t->v_kinds;
  if (k & GF__V_NAME)
    return t->b.ip_len ? X509_V_ERR_IP_ADDRESS_MISMATCH
                       : X509_V_ERR_HOSTNAME_MISMATCH;
  if (k & GF__V_OTHER)
    return t->v_other;
  if (k & GF__V_EXPIRED)
    return X509_V_ERR_CERT_HAS_EXPIRED;
  if (k & GF__V_UNTRUSTED)
    return X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
  return X509_V_ERR_CERT_NOT_YET_VALID;
}

int gf__tls_verify_chain(X509_STORE_CTX *x, void *arg) {
  gf__tls *t = gf__tls_of(x);
  if (!t)
    return 0;
  t->v_kinds = 0;
  t->v_other = X509_V_OK;
  X509_STORE_CTX_set_verify_cb(x, gf__collect);
  ERR_clear_error();
  int ok = X509_verify_cert(x);
  unsigned long first;
  /* Under a failed allocation OpenSSL may call a sound key "too weak" or
   * a chain "untrusted": the certificate is not to blame. */
  if (gf__tls_take_errors(&first) || t->v_other == X509_V_ERR_OUT_OF_MEM) {
    t->v_kinds = GF__V_NOMEM;
    t->v_other = X509_V_ERR_OUT_OF_MEM;
    X509_STORE_CTX_set_error(x, X509_V_ERR_OUT_OF_MEM);
    return 0;
  }
  if (ok == 1 && t->v_kinds == 0)
    return 1;
  if (t->v_kinds == 0) {
    /* failed without naming a problem (out of memory, say) */
    int e = X509_STORE_CTX_get_error(x);
    t->v_kinds = GF__V_OTHER;
    t->v_other = e != X509_V_OK ? e : X509_V_ERR_UNSPECIFIED;
  }
  X509_STORE_CTX_set_error(x, gf__alert_error(t));
  return 0;
}

/* ---- messages ------------------------------------------------------------ */

/* Worded as the mbedTLS engine words them (its library's lines), so that
 * a user, a log scanner or a test sees the same text whichever engine was
 * built. */
static void gf__kind_lines(const gf__tls *t, unsigned k, char *out,
                           size_t cap) {
  snprintf(out, cap, "%s%s%s%s%s",
           k & GF__V_EXPIRED ? "The certificate validity has expired\n" : "",
           k & GF__V_NAME ? "The certificate Common Name (CN) does not "
                            "match with the expected CN\n"
                          : "",
           k & GF__V_FUTURE ? "The certificate validity starts in the future\n"
                            : "",
           k & GF__V_OTHER ? X509_verify_cert_error_string(t->v_other) : "",
           k & GF__V_OTHER ? "\n" : "");
}

int gf__tls_cert_error(gf__tls *t) {
  unsigned k = t->v_kinds;
  if (k & GF__V_NOMEM) {
    snprintf(t->b.errmsg, sizeof t->b.errmsg,
             "out of memory while verifying the certificate");
    return GF_ENOMEM;
  }
  if (k == GF__V_NAME)
    return gf__tls_cert_message(&t->b, NULL, GF__CERT_NAME, NULL);
  char lines[512];
  gf__kind_lines(t, k & ~(unsigned)GF__V_UNTRUSTED, lines, sizeof lines);
  return gf__tls_cert_message(&t->b, t->cfg->b.ca_path,
                              k & GF__V_UNTRUSTED ? GF__CERT_UNTRUSTED : 0,
                              lines);
}
