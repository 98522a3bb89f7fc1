/* The engine's only BIO, sans-IO in both directions: reads take the
 * ciphertext of the gf__tls_feed() call under way and answer "retry" once
 * it is used up; writes go straight to on_cipher, which must take them
 * all. A memory BIO (BIO_s_mem) would copy every byte in and out and keep
 * a buffer per connection as large as the largest read; this one keeps
 * nothing, so no ciphertext outlives the call that brought it, besides
 * the partial record OpenSSL holds itself. */
#include <openssl/crypto.h>

#include "tls/openssl/tls_int.h"

static BIO_METHOD *gf__method;
static CRYPTO_ONCE gf__once = CRYPTO_ONCE_STATIC_INIT;

static int gf__bio_write(BIO *b, const char *p, size_t n, size_t *written) {
  gf__tls *t = BIO_get_data(b);
  BIO_clear_retry_flags(b);
  if (gf__tls_send_cipher(&t->b, (const unsigned char *)p, n))
    return 0;
  *written = n;
  return 1;
}

static int gf__bio_read(BIO *b, char *p, size_t n, size_t *got) {
  gf__tls *t = BIO_get_data(b);
  BIO_clear_retry_flags(b);
  *got = gf__tls_take_input(&t->b, (unsigned char *)p, n);
  if (*got == 0) {
    BIO_set_retry_read(b);
    return 0;
  }
  return 1;
}

static long gf__bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
  /* Nothing is buffered here: a flush is done at once; any other control
   * (pending counts, kTLS, ...) has nothing to report. */
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int gf__bio_create(BIO *b) {
  BIO_set_init(b, 1);
  return 1;
}

static void gf__make_method(void) {
  BIO_METHOD *m =
      BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "gemflow feed");
  if (m && BIO_meth_set_write_ex(m, gf__bio_write) &&
      BIO_meth_set_read_ex(m, gf__bio_read) &&
      BIO_meth_set_ctrl(m, gf__bio_ctrl) &&
      BIO_meth_set_create(m, gf__bio_create)) {
    gf__method = m;
    return;
  }
  BIO_meth_free(m);
}

BIO *gf__tls_bio_new(gf__tls *t) {
  /* one method for the process, made once, kept to the end */
  if (!CRYPTO_THREAD_run_once(&gf__once, gf__make_method) || !gf__method)
    return NULL;
  BIO *b = BIO_new(gf__method);
  if (b)
    BIO_set_data(b, t);
  return b;
}
