/* The TLS policy on the wire: what the client's ClientHello offers (suites
 * in order, groups, SNI only for names), and what the server accepts from
 * a plain mbedTLS client that offers something else (AES-GCM first, no
 * ECDHE, TLS 1.1). The test may use mbedTLS directly: it is the tls
 * layer's own test, and with the OpenSSL engine the mbedTLS client is an
 * independent peer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>

#include "common/buf.h"
#include "expect.h"
#include "gemflow.h"
#include "test.h"
#include "tls/tls.h"

static char g_dir[64];
static char g_ca[128], g_cert[128], g_key[128];

static void cleanup(void) {
  unlink(g_ca);
  unlink(g_cert);
  unlink(g_key);
  rmdir(g_dir);
}

static void setup(void) {
  static int done;
  if (done)
    return;
  done = 1;
  strcpy(g_dir, "/tmp/gf-tls-policy-XXXXXX");
  if (!mkdtemp(g_dir) || gf__tls_make_test_certs(g_dir, NULL, 0) != 0) {
    fprintf(stderr, "cannot make test certificates in %s\n", g_dir);
    exit(2);
  }
  snprintf(g_ca, sizeof g_ca, "%s/ca.pem", g_dir);
  snprintf(g_cert, sizeof g_cert, "%s/server.pem", g_dir);
  snprintf(g_key, sizeof g_key, "%s/server.key", g_dir);
  atexit(cleanup);
}

static int append_cb(void *ud, const char *p, size_t n) {
  return gf__buf_append(ud, p, n);
}

static int ignore_plain(void *ud, const char *p, size_t n) { return 0; }

/* ---- the ClientHello ----------------------------------------------------- */

typedef struct hello {
  uint16_t suites[64];
  size_t n_suites;
  uint16_t groups[32];
  size_t n_groups;
  char sni[256]; /* "" when absent */
  int has_sni;
} hello;

static unsigned get16(const unsigned char *p) {
  return (unsigned)p[0] << 8 | p[1];
}

/* Just enough of RFC 5246 7.4.1.2 to read one well-formed ClientHello. */
static int parse_hello(const unsigned char *p, size_t n, hello *h) {
  memset(h, 0, sizeof *h);
  if (n < 9 || p[0] != 0x16 || p[5] != 1 || get16(p + 3) + 5 != n)
    return -1;
  const unsigned char *q = p + 9 + 2 + 32, *end = p + n;
  q += 1 + q[0]; /* session id */
  size_t cs = get16(q);
  q += 2;
  for (size_t i = 0; i < cs / 2 && i < 64; i++)
    h->suites[h->n_suites++] = (uint16_t)get16(q + 2 * i);
  q += cs;
  q += 1 + q[0]; /* compression methods */
  q += 2;        /* extensions length */
  while (q + 4 <= end) {
    unsigned type = get16(q), len = get16(q + 2);
    const unsigned char *d = q + 4;
    if (d + len > end)
      return -1;
    if (type == 0x000a)
      for (unsigned i = 0; i + 1 < get16(d) && h->n_groups < 32; i += 2)
        h->groups[h->n_groups++] = (uint16_t)get16(d + 2 + i);
    if (type == 0x0000 && len >= 5 && d[2] == 0) {
      unsigned nl = get16(d + 3);
      h->has_sni = 1;
      snprintf(h->sni, sizeof h->sni, "%.*s", (int)nl, (const char *)d + 5);
    }
    q = d + len;
  }
  return q == end ? 0 : -1;
}

/* aead: the client's GF_AEAD_* (-1: left as made) */
static void client_hello_aead(const char *host, int aead, hello *h) {
  gf__tls_config *cfg = NULL;
  gf__tls *t = NULL;
  gf__buf out;
  gf__tls_cbs cbs = {append_cb, ignore_plain, NULL};
  setup();
  gf__buf_init(&out, 0);
  CHECK_INT(gf__tls_config_client(&cfg, g_ca, NULL), 0);
  if (aead >= 0)
    CHECK_INT(gf__tls_config_set_aead(cfg, aead), 0);
  CHECK_INT(gf__tls_new(&t, cfg, host, &cbs, &out), 0);
  CHECK_INT(gf__tls_start(t), 0);
  CHECK_INT(parse_hello((const unsigned char *)out.data, out.len, h), 0);
  gf__tls_free(t);
  gf__tls_config_free(cfg);
  gf__buf_free(&out);
}

static void client_hello(const char *host, hello *h) {
  client_hello_aead(host, -1, h);
}

/* ECDHE only, AEAD only: the TLS 1.3 suites first when the engine speaks
 * it, each version's in the AEAD order asked for; then the renegotiation
 * SCSV that RFC 5746 asks for. */
#define CHACHA13 0x1303
#define AES13 0x1301, 0x1302
#define CHACHA12 0xCCA9, 0xCCA8
#define AES12 0xC02B, 0xC02F, 0xC02C, 0xC030
#define AES13_FIRST AES13, CHACHA13
#define CHACHA13_FIRST CHACHA13, AES13
#define AES12_FIRST AES12, CHACHA12
#define CHACHA12_FIRST CHACHA12, AES12
#if defined(GF_TLS_OPENSSL)
#define SUITES(v13, v12) v13, v12, 0x00FF
#else
#define SUITES(v13, v12) v12, 0x00FF
#endif

static void check_suites(int aead, const uint16_t *want, size_t n) {
  hello h;
  client_hello_aead("localhost", aead, &h);
  CHECK_MEM(h.suites, h.n_suites * 2, want, n * 2);
}

static void test_client_hello_suites_and_groups(void) {
  static const uint16_t aes_first[] = {SUITES(AES13_FIRST, AES12_FIRST)};
  static const uint16_t chacha_first[] = {
      SUITES(CHACHA13_FIRST, CHACHA12_FIRST)};
  int aes = gf__tls_aead_auto(NULL, NULL) == GF_AEAD_AES_GCM;
  /* a new setting is already in the measured order */
  if (aes)
    check_suites(-1, aes_first, sizeof aes_first / 2);
  else
    check_suites(-1, chacha_first, sizeof chacha_first / 2);
  /* x25519, secp256r1, secp384r1, secp521r1 */
  static const uint16_t groups[] = {0x001D, 0x0017, 0x0018, 0x0019};
  hello h;
  client_hello("localhost", &h);
  CHECK_MEM(h.groups, h.n_groups * 2, groups, sizeof groups);
}

static void test_client_hello_per_aead(void) {
  static const uint16_t aes_first[] = {SUITES(AES13_FIRST, AES12_FIRST)};
  static const uint16_t chacha_first[] = {
      SUITES(CHACHA13_FIRST, CHACHA12_FIRST)};
  static const uint16_t aes_only[] = {SUITES(AES13, AES12)};
  static const uint16_t chacha_only[] = {SUITES(CHACHA13, CHACHA12)};
  int aes = gf__tls_aead_auto(NULL, NULL) == GF_AEAD_AES_GCM;
  check_suites(GF_AEAD_AUTO, aes ? aes_first : chacha_first,
               aes ? sizeof aes_first / 2 : sizeof chacha_first / 2);
  check_suites(GF_AEAD_AES_GCM, aes_only, sizeof aes_only / 2);
  check_suites(GF_AEAD_CHACHA20, chacha_only, sizeof chacha_only / 2);
}

static void test_sni_for_names_only(void) {
  hello h;
  client_hello("localhost", &h);
  CHECK_INT(h.has_sni, 1);
  CHECK_STR(h.sni, "localhost");
  client_hello("api.example.com", &h);
  CHECK_STR(h.sni, "api.example.com");
  client_hello("api.example.com.", &h); /* RFC 6066: no final dot */
  CHECK_STR(h.sni, "api.example.com");
  client_hello("127.0.0.1", &h);
  CHECK_INT(h.has_sni, 0);
  client_hello("::1", &h);
  CHECK_INT(h.has_sni, 0);
}

/* ---- a plain mbedTLS client against our server ----------------------------
 */

typedef struct raw {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_ssl_config conf;
  mbedtls_ssl_context ssl;
  gf__buf in, out; /* in: from our server, not yet read */
  size_t in_off;
} raw;

static int raw_send(void *ctx, const unsigned char *p, size_t n) {
  raw *r = ctx;
  return gf__buf_append(&r->out, p, n) ? MBEDTLS_ERR_SSL_ALLOC_FAILED : (int)n;
}

static int raw_recv(void *ctx, unsigned char *p, size_t n) {
  raw *r = ctx;
  size_t left = r->in.len - r->in_off;
  if (left == 0)
    return MBEDTLS_ERR_SSL_WANT_READ;
  if (n > left)
    n = left;
  memcpy(p, r->in.data + r->in_off, n);
  r->in_off += n;
  return (int)n;
}

static void raw_init(raw *r, const int *suites, int max_minor) {
  mbedtls_entropy_init(&r->entropy);
  mbedtls_ctr_drbg_init(&r->drbg);
  mbedtls_ssl_config_init(&r->conf);
  mbedtls_ssl_init(&r->ssl);
  gf__buf_init(&r->in, 0);
  gf__buf_init(&r->out, 0);
  r->in_off = 0;
  CHECK_INT(mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func, &r->entropy,
                                  NULL, 0),
            0);
  CHECK_INT(mbedtls_ssl_config_defaults(&r->conf, MBEDTLS_SSL_IS_CLIENT,
                                        MBEDTLS_SSL_TRANSPORT_STREAM,
                                        MBEDTLS_SSL_PRESET_DEFAULT),
            0);
  mbedtls_ssl_conf_rng(&r->conf, mbedtls_ctr_drbg_random, &r->drbg);
  mbedtls_ssl_conf_authmode(&r->conf, MBEDTLS_SSL_VERIFY_NONE);
  mbedtls_ssl_conf_ciphersuites(&r->conf, suites);
  mbedtls_ssl_conf_min_version(&r->conf, 3, 1);
  mbedtls_ssl_conf_max_version(&r->conf, 3, max_minor);
  CHECK_INT(mbedtls_ssl_setup(&r->ssl, &r->conf), 0);
  mbedtls_ssl_set_bio(&r->ssl, r, raw_send, raw_recv, NULL);
}

static void raw_free(raw *r) {
  mbedtls_ssl_free(&r->ssl);
  mbedtls_ssl_config_free(&r->conf);
  mbedtls_ctr_drbg_free(&r->drbg);
  mbedtls_entropy_free(&r->entropy);
  gf__buf_free(&r->in);
  gf__buf_free(&r->out);
}

typedef struct srv_result {
  int feed_rc, hs_status, raw_rc;
  char suite[128], errmsg[300];
} srv_result;

/* The engine's library words the cause; only the prefix is the tls
 * layer's. */
static void check_tls_failure(const char *msg) {
  CHECK(strncmp(msg, "TLS failure: ", 13) == 0 && msg[13] != '\0');
}

static void on_hs(void *ud, int status) {
  ((srv_result *)ud)->hs_status = status + 1000;
}

static raw *g_raw;
static int srv_cipher(void *ud, const char *p, size_t n) {
  return gf__buf_append(&g_raw->in, p, n);
}

/* Runs a handshake between a plain mbedTLS client and our server. */
static void raw_vs_server(const int *suites, int max_minor, srv_result *res) {
  gf__tls_config *cfg = NULL;
  gf__tls *t = NULL;
  raw r;
  gf__tls_cbs cbs = {srv_cipher, ignore_plain, on_hs};
  setup();
  memset(res, 0, sizeof *res);
  raw_init(&r, suites, max_minor);
  g_raw = &r;
  CHECK_INT(gf__tls_config_server(&cfg, g_cert, g_key, NULL), 0);
  CHECK_INT(gf__tls_new(&t, cfg, NULL, &cbs, res), 0);
  for (int i = 0; i < 20; i++) {
    res->raw_rc = mbedtls_ssl_handshake(&r.ssl);
    if (r.out.len == 0)
      break;
    res->feed_rc = gf__tls_feed(t, r.out.data, r.out.len);
    gf__buf_reset(&r.out);
    if (res->feed_rc)
      break;
  }
  if (gf__tls_suite(t))
    snprintf(res->suite, sizeof res->suite, "%s", gf__tls_suite(t));
  snprintf(res->errmsg, sizeof res->errmsg, "%s", gf__tls_errmsg(t));
  gf__tls_free(t);
  gf__tls_config_free(cfg);
  raw_free(&r);
  g_raw = NULL;
}

/* Whose order picks the suite. OpenSSL's server takes the client's, as
 * the service's front ends do; mbedTLS 2.28's walks its own list, which
 * is in the measured order (see gf__tls_config_set_aead). */
static void test_server_order(void) {
  static const int aes256_first[] = {
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 0};
  static const int chacha_first[] = {
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0};
  srv_result a, c;
  raw_vs_server(aes256_first, 3, &a);
  raw_vs_server(chacha_first, 3, &c);
  CHECK_INT(a.raw_rc, 0);
  CHECK_INT(a.feed_rc, 0);
  CHECK_INT(a.hs_status, 1000);
  CHECK_INT(c.feed_rc, 0);
#if defined(GF_TLS_OPENSSL)
  CHECK_STR(a.suite, "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384");
  CHECK_STR(c.suite, "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256");
#else
  const char *own = gf__tls_aead_auto(NULL, NULL) == GF_AEAD_AES_GCM
                        ? "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"
                        : "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256";
  CHECK_STR(a.suite, own);
  CHECK_STR(c.suite, own);
#endif
}

static void test_server_takes_aes_gcm(void) {
  static const int aes_only[] = {
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0};
  srv_result res;
  raw_vs_server(aes_only, 3, &res);
  CHECK_INT(res.feed_rc, 0);
  CHECK_INT(res.hs_status, 1000);
  CHECK_STR(res.suite, "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256");
}

static void test_server_refuses_other_suites(void) {
  static const int legacy[] = {MBEDTLS_TLS_RSA_WITH_AES_128_GCM_SHA256,
                               MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
                               MBEDTLS_TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256,
                               MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CCM, 0};
  srv_result res;
  raw_vs_server(legacy, 3, &res);
  CHECK_INT(res.feed_rc, GF_ETLS);
  CHECK_INT(res.hs_status, 1000 + GF_ETLS);
  check_tls_failure(res.errmsg);
}

static void test_server_refuses_tls11(void) {
  static const int cbc[] = {
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 0};
  srv_result res;
  raw_vs_server(cbc, 2, &res);
  CHECK_INT(res.feed_rc, GF_ETLS);
  CHECK_INT(res.hs_status, 1000 + GF_ETLS);
  check_tls_failure(res.errmsg);
}

TEST_MAIN(TEST(test_client_hello_suites_and_groups),
          TEST(test_sni_for_names_only), TEST(test_client_hello_per_aead),
          TEST(test_server_order), TEST(test_server_takes_aes_gcm),
          TEST(test_server_refuses_other_suites),
          TEST(test_server_refuses_tls11))
