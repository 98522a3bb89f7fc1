/* Host checks beyond mbedTLS: a client given an IP literal sends no SNI and
 * checks the leaf certificate's iPAddress SANs here, since mbedTLS 2.28 only
 * matches names. mbedTLS 2.28 keeps every SAN entry, iPAddress included, as
 * raw tagged data in crt->subject_alt_names (the header's comment says
 * otherwise; the tests prove it), so no DER parsing is needed. */
#include <string.h>

#include <mbedtls/asn1.h>

#include "tls/mbedtls/tls_int.h"

/* Runs for every certificate of the chain while mbedTLS verifies it; only
 * the leaf (depth 0) names the server. A miss is reported as mbedTLS
 * reports a name mismatch, so the handshake fails the same way, with a
 * bad_certificate alert to the server. */
int gf__tls_verify(void *ctx, mbedtls_x509_crt *crt, int depth,
                   uint32_t *flags) {
  gf__tls *t = ctx;
  t->verify_calls++;
  if (depth != 0 || !t->b.ip_len)
    return 0;
  for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s; s = s->next)
    if (s->buf.p && s->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) &&
        s->buf.len == t->b.ip_len &&
        memcmp(s->buf.p, t->b.ip, t->b.ip_len) == 0)
      return 0;
  *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  return 0;
}
