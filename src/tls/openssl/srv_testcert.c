/* Test certificates on OpenSSL: an EC P-256 CA and a server certificate
 * signed by it, written as PEM (srv_certs.c has what both engines share).
 * The simulator and the tests use them; nothing here is on a client's
 * path. */
#include "tls/tls_testcert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "gemflow.h"
#include "tls/tls_base.h"

/* the mbedTLS engine's bound on the encoded subjectAltName */
#define GF__SAN_DER_MAX 8192

typedef struct gf__certspec {
  const char *cn;
  X509 *issuer; /* NULL: self-signed */
  EVP_PKEY *subject_key, *issuer_key;
  int is_ca;
  long long not_before, not_after; /* relative to now, seconds */
  GENERAL_NAMES *sans;             /* NULL: no subjectAltName */
} gf__certspec;

static int gf__build_sans(const char *const *sans, size_t n,
                          GENERAL_NAMES **out);
static X509 *gf__make_cert(const gf__certspec *s);
static int gf__write_pem(const char *path, X509 *crt, EVP_PKEY *key, int mode);

int gf__tls_make_certs_opts(const char *dir, const gf__tls_testcert_opts *o) {
  int rc = gf__tls_testcert_check(dir, o);
  if (rc)
    return rc;
  GENERAL_NAMES *sans = NULL;
  rc = o->n_sans ? gf__build_sans(o->sans, o->n_sans, &sans) : 0;
  if (rc)
    return rc;
  char path[4096];
  if (snprintf(path, sizeof path, "%s/server.key", dir) >= (int)sizeof path) {
    GENERAL_NAMES_free(sans);
    return GF_EINVAL;
  }
  EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *leaf_key = EVP_EC_gen("P-256");
  X509 *ca = NULL, *leaf = NULL;
  rc = ca_key && leaf_key ? 0 : GF_ETLS;
  gf__certspec ca_spec = {
      "gemflow test CA", NULL, ca_key, ca_key, 1, 0, 0, NULL};
  gf__tls_testcert_ca_validity(o, &ca_spec.not_before, &ca_spec.not_after);
  if (!rc && !(ca = gf__make_cert(&ca_spec)))
    rc = GF_ETLS;
  gf__certspec leaf_spec = {
      "gemflow test server", ca,           leaf_key, ca_key, 0,
      o->not_before,         o->not_after, sans};
  if (!rc && !(leaf = gf__make_cert(&leaf_spec)))
    rc = GF_ETLS;
  if (!rc) {
    snprintf(path, sizeof path, "%s/ca.pem", dir);
    rc = gf__write_pem(path, ca, NULL, 0644);
  }
  if (!rc) {
    snprintf(path, sizeof path, "%s/server.pem", dir);
    rc = gf__write_pem(path, leaf, NULL, 0644);
  }
  if (!rc) {
    snprintf(path, sizeof path, "%s/server.key", dir);
    rc = gf__write_pem(path, NULL, leaf_key, 0600);
  }
  X509_free(leaf);
  X509_free(ca);
  EVP_PKEY_free(leaf_key); /* the CA key is not kept */
  EVP_PKEY_free(ca_key);
  GENERAL_NAMES_free(sans);
  ERR_clear_error();
  return rc;
}

/* dNSName for a name, iPAddress (the 4 or 16 bytes) for an address
 * literal, in the order given. */
static int gf__add_san(GENERAL_NAMES *names, const char *s) {
  unsigned char addr[16];
  int len = gf__tls_testcert_san_addr(s, addr);
  GENERAL_NAME *g = GENERAL_NAME_new();
  ASN1_STRING *v = len ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
  int ok = g && v &&
           ASN1_STRING_set(v, len ? (const void *)addr : (const void *)s,
                           len ? len : (int)strlen(s)) == 1;
  if (ok) {
    GENERAL_NAME_set0_value(g, len ? GEN_IPADD : GEN_DNS, v);
    v = NULL;
    ok = sk_GENERAL_NAME_push(names, g) > 0;
  }
  ASN1_STRING_free(v);
  if (!ok)
    GENERAL_NAME_free(g);
  return ok ? 0 : GF_ENOMEM;
}

static int gf__build_sans(const char *const *sans, size_t n,
                          GENERAL_NAMES **out) {
  size_t der = 4;
  for (size_t i = 0; i < n; i++)
    der += strlen(sans[i]) + 4; /* at most: tag, 3 length bytes, value */
  if (der > GF__SAN_DER_MAX)
    return GF_EINVAL;
  GENERAL_NAMES *names = GENERAL_NAMES_new();
  int rc = names ? 0 : GF_ENOMEM;
  for (size_t i = 0; i < n && !rc; i++)
    rc = gf__add_san(names, sans[i]);
  if (rc) {
    GENERAL_NAMES_free(names);
    return rc;
  }
  *out = names;
  return 0;
}

static int gf__set_serial(X509 *x) {
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1)
    return 0;
  serial[0] = (unsigned char)(0x40 | (serial[0] & 0x3f)); /* positive, 16 B */
  BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
  ASN1_INTEGER *i = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
  int ok = i && X509_set_serialNumber(x, i) == 1;
  ASN1_INTEGER_free(i);
  BN_free(bn);
  return ok;
}

static int gf__set_name(X509 *x, const char *cn, X509 *issuer) {
  X509_NAME *n = X509_get_subject_name(x);
  if (X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
                                 (const unsigned char *)cn, -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
                                 (const unsigned char *)"gemflow", -1, -1,
                                 0) != 1)
    return 0;
  return X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
}

static int gf__add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value) {
  X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
  int ok = e && X509_add_ext(x, e, -1) == 1;
  X509_EXTENSION_free(e);
  return ok;
}

static X509 *gf__make_cert(const gf__certspec *s) {
  X509 *x = X509_new();
  time_t now = time(NULL);
  X509V3_CTX ctx;
  int ok =
      x && X509_set_version(x, X509_VERSION_3) && gf__set_serial(x) &&
      gf__set_name(x, s->cn, s->issuer) &&
      ASN1_TIME_adj(X509_getm_notBefore(x), now + (time_t)s->not_before, 0,
                    0) &&
      ASN1_TIME_adj(X509_getm_notAfter(x), now + (time_t)s->not_after, 0, 0) &&
      X509_set_pubkey(x, s->subject_key);
  if (ok) {
    /* The authority key identifier is read from the issuer's subject key
     * identifier, so a self-signed CA names itself once that is set. */
    X509V3_set_ctx(&ctx, s->issuer ? s->issuer : x, x, NULL, NULL, 0);
    ok = gf__add_ext(x, &ctx, NID_basic_constraints,
                     s->is_ca ? "critical,CA:TRUE" : "CA:FALSE") &&
         gf__add_ext(x, &ctx, NID_key_usage,
                     s->is_ca ? "critical,keyCertSign,cRLSign"
                              : "critical,digitalSignature") &&
         gf__add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
         gf__add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
  }
  if (ok && s->sans)
    ok = X509_add1_ext_i2d(x, NID_subject_alt_name, s->sans, 0,
                           X509V3_ADD_DEFAULT) == 1;
  if (ok)
    ok = X509_sign(x, s->issuer_key, EVP_sha256()) > 0;
  if (!ok) {
    X509_free(x);
    return NULL;
  }
  return x;
}

/* PEM in memory, then to the file created with its mode (0600 for a key:
 * never readable by others, not even for a moment). The memory BIO wipes
 * its buffer when freed. */
static int gf__write_pem(const char *path, X509 *crt, EVP_PKEY *key, int mode) {
  BIO *m = BIO_new(BIO_s_mem());
  if (!m)
    return GF_ENOMEM;
  int ok = crt ? PEM_write_bio_X509(m, crt)
               : PEM_write_bio_PrivateKey(m, key, NULL, NULL, 0, NULL, NULL);
  char *p = NULL;
  long n = BIO_get_mem_data(m, &p);
  int rc =
      ok && n > 0 ? gf__tls_testcert_write(path, p, (size_t)n, mode) : GF_ETLS;
  BIO_free(m);
  return rc;
}
