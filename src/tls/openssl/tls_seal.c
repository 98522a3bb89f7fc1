/* The AEAD measurement's sealing (tls_aead.c) with OpenSSL's own ciphers,
 * as its record layer uses them: a 13-byte header as additional data, a
 * 16-byte tag. */
#include <openssl/err.h>
#include <openssl/evp.h>

#include "gemflow.h"
#include "tls/openssl/tls_int.h"

static const unsigned char gf__key[32] = {1, 2, 3, 4, 5, 6, 7, 8};
static const unsigned char gf__nonce[12] = {9};
static const unsigned char gf__ad[13] = {23, 3, 3};

static int gf__seal_one(EVP_CIPHER_CTX *c, unsigned char *buf, size_t n) {
  int len = 0;
  unsigned char tag[16];
  return EVP_EncryptInit_ex(c, NULL, NULL, NULL, gf__nonce) == 1 &&
         EVP_EncryptUpdate(c, NULL, &len, gf__ad, sizeof gf__ad) == 1 &&
         EVP_EncryptUpdate(c, buf, &len, buf, (int)n) == 1 &&
         EVP_EncryptFinal_ex(c, buf + len, &len) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, sizeof tag, tag) == 1;
}

int gf__tls_eng_seal(int aead, unsigned char *buf, size_t n, int reps) {
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  const EVP_CIPHER *cipher =
      aead == GF_AEAD_AES_GCM ? EVP_aes_128_gcm() : EVP_chacha20_poly1305();
  int ok = c && EVP_EncryptInit_ex(c, cipher, NULL, gf__key, gf__nonce) == 1;
  for (int i = 0; i < reps && ok; i++)
    ok = gf__seal_one(c, buf, n);
  EVP_CIPHER_CTX_free(c);
  ERR_clear_error();
  return ok ? 0 : -1;
}
