/* Test support behind gf__tls_make_test_certs(): certificates with chosen
 * SANs and validity, so tests can make expired certificates and
 * certificates for other names. Not for production use. */
#ifndef GF_TLS_TESTCERT_H
#define GF_TLS_TESTCERT_H
#include <stddef.h>

typedef struct gf__tls_testcert_opts {
  /* Exactly these subjectAltName entries: an IPv4 or IPv6 literal becomes
   * an iPAddress, anything else a dNSName. */
  const char *const *sans;
  size_t n_sans;
  /* Validity of the server certificate, in seconds relative to now. */
  long long not_before, not_after;
} gf__tls_testcert_opts;

/* A fresh CA (EC P-256) and a server certificate signed by it, written as
 * <dir>/ca.pem, <dir>/server.pem and <dir>/server.key. 0, GF_EINVAL (a SAN
 * too long or empty, too many SANs), GF_EIO (a file could not be written),
 * GF_ETLS (key generation or signing failed). */
int gf__tls_make_certs_opts(const char *dir, const gf__tls_testcert_opts *o);
#endif
