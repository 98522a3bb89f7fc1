/* AEAD decryption per engine. An engine is one table entry: a function
 * that measures a suite; add one beside these (an engine a later build
 * offers, e.g. a third TLS library) and list it in gfb_aead_engines. */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/chachapoly.h>
#include <mbedtls/gcm.h>

#include "ceil.h"

#ifdef GFB_HAVE_OPENSSL
#include <openssl/evp.h>
#endif

const char *const gfb_aead_suites[] = {"AES-128-GCM", "AES-256-GCM",
                                       "CHACHA20-POLY1305", NULL};

static const unsigned char key[32] = "gemflow-bench ceilings key 32 b";
static const unsigned char iv[12] = "gf-bench-iv";
static const unsigned char aad[13] = "tls record h"; /* as TLS 1.2's AAD */

/* ---- mbedTLS ---------------------------------------------------------------- */
typedef struct mb_ctx {
  int chacha;
  mbedtls_gcm_context gcm;
  mbedtls_chachapoly_context cp;
  unsigned char *in, *out, tag[16];
} mb_ctx;

static int mb_decrypt(void *ud) {
  mb_ctx *c = ud;
  if (c->chacha)
    return mbedtls_chachapoly_auth_decrypt(&c->cp, GFB_RECORD, iv, aad,
                                           sizeof aad, c->tag, c->in, c->out);
  return mbedtls_gcm_auth_decrypt(&c->gcm, GFB_RECORD, iv, sizeof iv, aad,
                                  sizeof aad, c->tag, sizeof c->tag, c->in,
                                  c->out);
}

static double mb_rate(const char *suite) {
  mb_ctx c;
  memset(&c, 0, sizeof c);
  int bits = !strcmp(suite, "AES-128-GCM")   ? 128
             : !strcmp(suite, "AES-256-GCM") ? 256
                                             : 0;
  c.chacha = !strcmp(suite, "CHACHA20-POLY1305");
  if (!bits && !c.chacha)
    return -1;
  c.in = calloc(1, GFB_RECORD);
  c.out = calloc(1, GFB_RECORD);
  double rate = -1;
  mbedtls_gcm_init(&c.gcm);
  mbedtls_chachapoly_init(&c.cp);
  if (!c.in || !c.out)
    goto out;
  for (size_t i = 0; i < GFB_RECORD; i++)
    c.out[i] = (unsigned char)(i * 131 + 7);
  int rc;
  if (c.chacha)
    rc = mbedtls_chachapoly_setkey(&c.cp, key) ||
         mbedtls_chachapoly_encrypt_and_tag(&c.cp, GFB_RECORD, iv, aad,
                                            sizeof aad, c.out, c.in, c.tag);
  else
    rc = mbedtls_gcm_setkey(&c.gcm, MBEDTLS_CIPHER_ID_AES, key,
                            (unsigned)bits) ||
         mbedtls_gcm_crypt_and_tag(&c.gcm, MBEDTLS_GCM_ENCRYPT, GFB_RECORD,
                                   iv, sizeof iv, aad, sizeof aad, c.out,
                                   c.in, sizeof c.tag, c.tag);
  if (!rc)
    rate = gfb_meter(mb_decrypt, &c, GFB_RECORD);
out:
  mbedtls_gcm_free(&c.gcm);
  mbedtls_chachapoly_free(&c.cp);
  free(c.in);
  free(c.out);
  return rate;
}

static const gfb_aead_engine mbedtls_engine = {"mbedtls", mb_rate};

/* ---- OpenSSL (libcrypto's EVP), when the build found it --------------------- */
#ifdef GFB_HAVE_OPENSSL
typedef struct ossl_ctx {
  EVP_CIPHER_CTX *x;
  const EVP_CIPHER *cipher;
  unsigned char *in, *out, tag[16];
} ossl_ctx;

static int ossl_decrypt(void *ud) {
  ossl_ctx *c = ud;
  int n = 0;
  if (!EVP_DecryptInit_ex(c->x, NULL, NULL, NULL, iv) ||
      !EVP_DecryptUpdate(c->x, NULL, &n, aad, sizeof aad) ||
      !EVP_DecryptUpdate(c->x, c->out, &n, c->in, GFB_RECORD) ||
      !EVP_CIPHER_CTX_ctrl(c->x, EVP_CTRL_AEAD_SET_TAG, 16, c->tag) ||
      EVP_DecryptFinal_ex(c->x, c->out + n, &n) <= 0)
    return -1;
  return 0;
}

static double ossl_rate(const char *suite) {
  ossl_ctx c;
  memset(&c, 0, sizeof c);
  c.cipher = !strcmp(suite, "AES-128-GCM")         ? EVP_aes_128_gcm()
             : !strcmp(suite, "AES-256-GCM")       ? EVP_aes_256_gcm()
             : !strcmp(suite, "CHACHA20-POLY1305") ? EVP_chacha20_poly1305()
                                                   : NULL;
  if (!c.cipher)
    return -1;
  double rate = -1;
  c.in = calloc(1, GFB_RECORD);
  c.out = calloc(1, GFB_RECORD);
  EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();
  c.x = EVP_CIPHER_CTX_new();
  int n = 0;
  if (!c.in || !c.out || !e || !c.x)
    goto out;
  for (size_t i = 0; i < GFB_RECORD; i++)
    c.out[i] = (unsigned char)(i * 131 + 7);
  if (!EVP_EncryptInit_ex(e, c.cipher, NULL, key, iv) ||
      !EVP_EncryptUpdate(e, NULL, &n, aad, sizeof aad) ||
      !EVP_EncryptUpdate(e, c.in, &n, c.out, GFB_RECORD) ||
      !EVP_EncryptFinal_ex(e, c.in + n, &n) ||
      !EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_AEAD_GET_TAG, 16, c.tag) ||
      !EVP_DecryptInit_ex(c.x, c.cipher, NULL, key, iv))
    goto out;
  rate = gfb_meter(ossl_decrypt, &c, GFB_RECORD);
out:
  EVP_CIPHER_CTX_free(e);
  EVP_CIPHER_CTX_free(c.x);
  free(c.in);
  free(c.out);
  return rate;
}

static const gfb_aead_engine openssl_engine = {"openssl", ossl_rate};
#endif

const gfb_aead_engine *const gfb_aead_engines[] = {
    &mbedtls_engine,
#ifdef GFB_HAVE_OPENSSL
    &openssl_engine,
#endif
    NULL};
