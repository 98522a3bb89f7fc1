/* The AEAD measurement's sealing (tls_aead.c) with mbedTLS's own ciphers,
 * as its record layer uses them: a 13-byte header as additional data, a
 * 16-byte tag. */
#include <string.h>

#include <mbedtls/chachapoly.h>
#include <mbedtls/gcm.h>

#include "gemflow.h"
#include "tls/mbedtls/tls_int.h"

static const unsigned char gf__key[32] = {1, 2, 3, 4, 5, 6, 7, 8};
static const unsigned char gf__nonce[12] = {9};
static const unsigned char gf__ad[13] = {23, 3, 3};

static int gf__seal_gcm(unsigned char *buf, size_t n, int reps) {
  mbedtls_gcm_context c;
  unsigned char tag[16];
  mbedtls_gcm_init(&c);
  int r = mbedtls_gcm_setkey(&c, MBEDTLS_CIPHER_ID_AES, gf__key, 128);
  for (int i = 0; i < reps && !r; i++)
    r = mbedtls_gcm_crypt_and_tag(&c, MBEDTLS_GCM_ENCRYPT, n, gf__nonce,
                                  sizeof gf__nonce, gf__ad, sizeof gf__ad, buf,
                                  buf, sizeof tag, tag);
  mbedtls_gcm_free(&c);
  return r ? -1 : 0;
}

static int gf__seal_chacha(unsigned char *buf, size_t n, int reps) {
  mbedtls_chachapoly_context c;
  unsigned char tag[16];
  mbedtls_chachapoly_init(&c);
  int r = mbedtls_chachapoly_setkey(&c, gf__key);
  for (int i = 0; i < reps && !r; i++)
    r = mbedtls_chachapoly_encrypt_and_tag(&c, n, gf__nonce, gf__ad,
                                           sizeof gf__ad, buf, buf, tag);
  mbedtls_chachapoly_free(&c);
  return r ? -1 : 0;
}

int gf__tls_eng_seal(int aead, unsigned char *buf, size_t n, int reps) {
  return aead == GF_AEAD_AES_GCM ? gf__seal_gcm(buf, n, reps)
                                 : gf__seal_chacha(buf, n, reps);
}
