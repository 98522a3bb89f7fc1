/* What a handshake between the engine built and our own server gives,
 * known from the build (GF_TLS_OPENSSL or GF_TLS_MBEDTLS, not from the
 * library's answers): OpenSSL speaks TLS 1.3, whose suites name only the
 * AEAD; mbedTLS 2.28 speaks TLS 1.2, ECDHE-ECDSA with the test
 * certificates. */
#ifndef GF_TEST_TLS_EXPECT_H
#define GF_TEST_TLS_EXPECT_H
#include "gemflow.h"

#if defined(GF_TLS_OPENSSL)
#define EXPECT_ENGINE "openssl"
#define EXPECT_VERSION "TLSv1.3"
#define EXPECT_AES "TLS-AES-128-GCM-SHA256"
#define EXPECT_CHACHA "TLS-CHACHA20-POLY1305-SHA256"
/* record header, content type byte, tag */
#define EXPECT_OVERHEAD(aead) (5 + 1 + 16)
#elif defined(GF_TLS_MBEDTLS)
#define EXPECT_ENGINE "mbedtls"
#define EXPECT_VERSION "TLSv1.2"
#define EXPECT_AES "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"
#define EXPECT_CHACHA "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256"
/* record header, AES-GCM's explicit nonce, tag */
#define EXPECT_OVERHEAD(aead) (5 + ((aead) == GF_AEAD_AES_GCM ? 8 : 0) + 16)
#else
#error "the tls tests need GF_TLS_OPENSSL or GF_TLS_MBEDTLS"
#endif

static inline const char *expect_suite(int aead) {
  return aead == GF_AEAD_AES_GCM ? EXPECT_AES : EXPECT_CHACHA;
}
#endif
