/* Test certificates on mbedTLS: an EC P-256 CA and a server certificate
 * signed by it, written as PEM (srv_certs.c has what both engines share).
 * The simulator and the tests use them; nothing here is on a client's
 * path. */
#include "tls/tls_testcert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#if MBEDTLS_VERSION_MAJOR >= 3
#include <psa/crypto.h>
#endif

#include "gemflow.h"
#include "tls/tls_base.h"

#define GF__SAN_DER_MAX 8192
#define GF__PEM_MAX 32768

typedef struct gf__certgen {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_pk_context ca_key, leaf_key;
  unsigned char *pem; /* GF__PEM_MAX bytes, reused for every file */
} gf__certgen;

typedef struct gf__certspec {
  const char *subject, *issuer;
  mbedtls_pk_context *subject_key, *issuer_key;
  int is_ca;
  long long not_before, not_after; /* relative to now, seconds */
  const unsigned char *san_der;    /* NULL: no subjectAltName */
  size_t san_len;
} gf__certspec;

static const char gf__ca_dn[] = "CN=gemflow test CA,O=gemflow";
static const char gf__leaf_dn[] = "CN=gemflow test server,O=gemflow";

static int gf__gen_init(gf__certgen *g);
static void gf__gen_free(gf__certgen *g);
static int gf__gen_key(gf__certgen *g, mbedtls_pk_context *key);
static int gf__build_san(const char *const *sans, size_t n, unsigned char *buf,
                         size_t cap, const unsigned char **der, size_t *len);
static int gf__write_cert(gf__certgen *g, const gf__certspec *s,
                          const char *path);
static int gf__write_key(gf__certgen *g, mbedtls_pk_context *key,
                         const char *path);

int gf__tls_make_certs_opts(const char *dir, const gf__tls_testcert_opts *o) {
  int rc = gf__tls_testcert_check(dir, o);
  if (rc)
    return rc;
  unsigned char *san_buf = malloc(GF__SAN_DER_MAX);
  gf__certgen g;
  rc = san_buf ? gf__gen_init(&g) : GF_ENOMEM;
  if (rc) {
    free(san_buf);
    return rc;
  }
  const unsigned char *san = NULL;
  size_t san_len = 0;
  char path[4096];
  gf__certspec ca = {gf__ca_dn, gf__ca_dn, &g.ca_key, &g.ca_key, 1,
                     0,         0,         NULL,      0};
  gf__tls_testcert_ca_validity(o, &ca.not_before, &ca.not_after);
  gf__certspec leaf = {gf__leaf_dn,   gf__ca_dn,    &g.leaf_key, &g.ca_key, 0,
                       o->not_before, o->not_after, NULL,        0};
  if (o->n_sans)
    rc = gf__build_san(o->sans, o->n_sans, san_buf, GF__SAN_DER_MAX, &san,
                       &san_len);
  leaf.san_der = san;
  leaf.san_len = san_len;
  if (!rc)
    rc = gf__gen_key(&g, &g.ca_key);
  if (!rc)
    rc = gf__gen_key(&g, &g.leaf_key);
  if (!rc && snprintf(path, sizeof path, "%s/ca.pem", dir) >= (int)sizeof path)
    rc = GF_EINVAL;
  if (!rc)
    rc = gf__write_cert(&g, &ca, path);
  if (!rc)
    snprintf(path, sizeof path, "%s/server.pem", dir);
  if (!rc)
    rc = gf__write_cert(&g, &leaf, path);
  if (!rc)
    snprintf(path, sizeof path, "%s/server.key", dir);
  if (!rc)
    rc = gf__write_key(&g, &g.leaf_key, path);
  gf__gen_free(&g);
  free(san_buf);
  return rc;
}

static int gf__gen_init(gf__certgen *g) {
  static const char pers[] = "gemflow test certs";
  mbedtls_entropy_init(&g->entropy);
  mbedtls_ctr_drbg_init(&g->drbg);
  mbedtls_pk_init(&g->ca_key);
  mbedtls_pk_init(&g->leaf_key);
  g->pem = malloc(GF__PEM_MAX);
  if (!g->pem) {
    gf__gen_free(g);
    return GF_ENOMEM;
  }
#if MBEDTLS_VERSION_MAJOR >= 3
  if (psa_crypto_init() != PSA_SUCCESS) {
    gf__gen_free(g);
    return GF_ETLS;
  }
#endif
  if (mbedtls_ctr_drbg_seed(&g->drbg, mbedtls_entropy_func, &g->entropy,
                            (const unsigned char *)pers, sizeof pers - 1)) {
    gf__gen_free(g);
    return GF_ETLS;
  }
  return 0;
}

static void gf__gen_free(gf__certgen *g) {
  mbedtls_pk_free(&g->leaf_key);
  mbedtls_pk_free(&g->ca_key);
  mbedtls_ctr_drbg_free(&g->drbg);
  mbedtls_entropy_free(&g->entropy);
  if (g->pem)
    mbedtls_platform_zeroize(g->pem, GF__PEM_MAX); /* held a private key */
  free(g->pem);
  g->pem = NULL;
}

static int gf__gen_key(gf__certgen *g, mbedtls_pk_context *key) {
  if (mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) ||
      mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key),
                          mbedtls_ctr_drbg_random, &g->drbg))
    return GF_ETLS;
  return 0;
}

/* GeneralNames ::= SEQUENCE OF GeneralName, with dNSName [2] IA5String and
 * iPAddress [7] OCTET STRING, both implicitly tagged. mbedTLS writes DER
 * backwards from the end of buf, so the list is walked last to first. */
static int gf__build_san(const char *const *sans, size_t n, unsigned char *buf,
                         size_t cap, const unsigned char **der, size_t *len) {
  unsigned char *p = buf + cap;
  size_t total = 0;
  for (size_t i = n; i-- > 0;) {
    const char *s = sans[i];
    unsigned char addr[16];
    int alen = gf__tls_testcert_san_addr(s, addr), r;
    if (alen)
      r = mbedtls_asn1_write_tagged_string(&p, buf,
                                           MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7,
                                           (const char *)addr, (size_t)alen);
    else
      r = mbedtls_asn1_write_tagged_string(
          &p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2, s, strlen(s));
    if (r < 0)
      return GF_EINVAL;
    total += (size_t)r;
  }
  int r = mbedtls_asn1_write_len(&p, buf, total);
  if (r < 0)
    return GF_EINVAL;
  total += (size_t)r;
  r = mbedtls_asn1_write_tag(&p, buf,
                             MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
  if (r < 0)
    return GF_EINVAL;
  *der = p;
  *len = total + (size_t)r;
  return 0;
}

static void gf__fmt_time(long long rel, char out[16]) {
  time_t t = time(NULL) + (time_t)rel;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 16, "%Y%m%d%H%M%S", &tm);
}

static int gf__set_serial(gf__certgen *g, mbedtls_x509write_cert *crt) {
  unsigned char serial[16];
  if (mbedtls_ctr_drbg_random(&g->drbg, serial, sizeof serial))
    return -1;
  serial[0] =
      (unsigned char)(0x40 | (serial[0] & 0x3f)); /* positive, 16 bytes */
#if MBEDTLS_VERSION_MAJOR >= 3
  return mbedtls_x509write_crt_set_serial_raw(crt, serial, sizeof serial);
#else
  mbedtls_mpi mpi;
  mbedtls_mpi_init(&mpi);
  int r = mbedtls_mpi_read_binary(&mpi, serial, sizeof serial);
  if (!r)
    r = mbedtls_x509write_crt_set_serial(crt, &mpi);
  mbedtls_mpi_free(&mpi);
  return r;
#endif
}

static int gf__fill_cert(gf__certgen *g, mbedtls_x509write_cert *crt,
                         const gf__certspec *s) {
  char nb[16], na[16];
  gf__fmt_time(s->not_before, nb);
  gf__fmt_time(s->not_after, na);
  unsigned ku = s->is_ca
                    ? MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN
                    : MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
  mbedtls_x509write_crt_set_version(crt, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(crt, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(crt, s->subject_key);
  mbedtls_x509write_crt_set_issuer_key(crt, s->issuer_key);
  if (gf__set_serial(g, crt) ||
      mbedtls_x509write_crt_set_subject_name(crt, s->subject) ||
      mbedtls_x509write_crt_set_issuer_name(crt, s->issuer) ||
      mbedtls_x509write_crt_set_validity(crt, nb, na) ||
      mbedtls_x509write_crt_set_basic_constraints(crt, s->is_ca, -1) ||
      mbedtls_x509write_crt_set_key_usage(crt, ku) ||
      mbedtls_x509write_crt_set_subject_key_identifier(crt) ||
      mbedtls_x509write_crt_set_authority_key_identifier(crt))
    return GF_ETLS;
  if (s->san_der && mbedtls_x509write_crt_set_extension(
                        crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
                        MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
                        s->san_der, s->san_len))
    return GF_ETLS;
  return 0;
}

static int gf__write_cert(gf__certgen *g, const gf__certspec *s,
                          const char *path) {
  mbedtls_x509write_cert crt;
  mbedtls_x509write_crt_init(&crt);
  int rc = gf__fill_cert(g, &crt, s);
  if (!rc && mbedtls_x509write_crt_pem(&crt, g->pem, GF__PEM_MAX,
                                       mbedtls_ctr_drbg_random, &g->drbg))
    rc = GF_ETLS;
  mbedtls_x509write_crt_free(&crt);
  if (!rc)
    rc = gf__tls_testcert_write(path, g->pem, strlen((const char *)g->pem),
                                0644);
  return rc;
}

static int gf__write_key(gf__certgen *g, mbedtls_pk_context *key,
                         const char *path) {
  if (mbedtls_pk_write_key_pem(key, g->pem, GF__PEM_MAX))
    return GF_ETLS;
  return gf__tls_testcert_write(path, g->pem, strlen((const char *)g->pem),
                                0600);
}
