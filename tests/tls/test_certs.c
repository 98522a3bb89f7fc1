/* The test certificates, read back with mbedTLS: the CA's constraints, the
 * server certificate's SANs (exact tags and bytes, in order), validity,
 * chain, key; argument and file errors. This also pins down how mbedTLS
 * 2.28 stores iPAddress SANs, which the engine's IP check relies on. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/asn1.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "gemflow.h"
#include "test.h"
#include "tls/tls.h"
#include "tls/tls_testcert.h"

#define DNS_TAG (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2)
#define IP_TAG (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7)

static char g_dir[64];

static void path_of(char *out, size_t cap, const char *file) {
  snprintf(out, cap, "%s/%s", g_dir, file);
}

static void remove_files(void) {
  static const char *const files[] = {"ca.pem", "server.pem", "server.key"};
  char p[128];
  for (size_t i = 0; i < 3; i++) {
    path_of(p, sizeof p, files[i]);
    unlink(p);
  }
}

static void cleanup(void) {
  remove_files();
  rmdir(g_dir);
}

static void setup(void) {
  static int done;
  if (!done) {
    strcpy(g_dir, "/tmp/gf-tls-certs-XXXXXX");
    if (!mkdtemp(g_dir)) {
      perror("mkdtemp");
      exit(2);
    }
    atexit(cleanup);
    done = 1;
  }
  remove_files();
}

static int load(mbedtls_x509_crt *crt, const char *file) {
  char p[128];
  path_of(p, sizeof p, file);
  mbedtls_x509_crt_init(crt);
  return mbedtls_x509_crt_parse_file(crt, p);
}

static time_t to_time(const mbedtls_x509_time *t) {
  struct tm tm = {0};
  tm.tm_year = t->year - 1900;
  tm.tm_mon = t->mon - 1;
  tm.tm_mday = t->day;
  tm.tm_hour = t->hour;
  tm.tm_min = t->min;
  tm.tm_sec = t->sec;
  return timegm(&tm);
}

typedef struct want_san {
  int tag;
  const char *bytes;
  size_t len;
} want_san;

static void check_sans(const mbedtls_x509_crt *crt, const want_san *want,
                       size_t n) {
  const mbedtls_x509_sequence *s = &crt->subject_alt_names;
  size_t i = 0;
  for (; s && s->buf.p; s = s->next, i++) {
    if (i >= n)
      break;
    CHECK_INT(s->buf.tag, want[i].tag);
    CHECK_MEM(s->buf.p, s->buf.len, want[i].bytes, want[i].len);
  }
  CHECK_INT(i, n);
}

static void check_time_near(time_t got, time_t want) {
  CHECK(got >= want - 120 && got <= want + 120);
}

static void test_default_certs(void) {
  mbedtls_x509_crt ca, srv;
  char p[128];
  uint32_t flags = 0xffffffff;
  setup();
  time_t now = time(NULL);
  CHECK_INT(gf__tls_make_test_certs(g_dir, NULL, 0), 0);
  CHECK_INT(load(&ca, "ca.pem"), 0);
  CHECK_INT(load(&srv, "server.pem"), 0);
  /* The CA */
  CHECK_INT(ca.ca_istrue, 1);
  CHECK(ca.ext_types & MBEDTLS_X509_EXT_KEY_USAGE);
  CHECK_INT(ca.key_usage & MBEDTLS_X509_KU_KEY_CERT_SIGN,
            MBEDTLS_X509_KU_KEY_CERT_SIGN);
  CHECK_INT(mbedtls_pk_get_type(&ca.pk), MBEDTLS_PK_ECKEY);
  CHECK_INT(mbedtls_pk_ec(ca.pk)->grp.id, MBEDTLS_ECP_DP_SECP256R1);
  CHECK_INT(ca.version, 3);
  /* The server certificate */
  CHECK_INT(srv.ca_istrue, 0);
  CHECK_INT(mbedtls_pk_ec(srv.pk)->grp.id, MBEDTLS_ECP_DP_SECP256R1);
  CHECK_INT(srv.sig_md, MBEDTLS_MD_SHA256);
  const want_san sans[] = {
      {DNS_TAG, "localhost", 9},
      {IP_TAG, "\x7f\x00\x00\x01", 4},
      {IP_TAG, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16},
  };
  check_sans(&srv, sans, 3);
  check_time_near(to_time(&srv.valid_from), now - 3600);
  check_time_near(to_time(&srv.valid_to), now + 365 * 86400);
  /* The chain verifies for localhost, and the key is the certificate's. */
  CHECK_INT(
      mbedtls_x509_crt_verify(&srv, &ca, NULL, "localhost", &flags, NULL, NULL),
      0);
  CHECK_INT(flags, 0);
  /* The server config loads the pair and checks the key is the
   * certificate's. */
  gf__tls_config *cfg = NULL;
  char cert[128];
  path_of(cert, sizeof cert, "server.pem");
  path_of(p, sizeof p, "server.key");
  CHECK_INT(gf__tls_config_server(&cfg, cert, p, NULL), 0);
  gf__tls_config_free(cfg);
  struct stat st;
  CHECK_INT(stat(p, &st), 0);
  CHECK_INT(st.st_mode & 0777, 0600);
  mbedtls_x509_crt_free(&srv);
  mbedtls_x509_crt_free(&ca);
}

static void test_extra_sans(void) {
  static char long_name[254];
  memset(long_name, 'a', 253);
  for (int i = 63; i < 253; i += 64)
    long_name[i] = '.'; /* labels of at most 63 */
  const char *extra[] = {"2001:db8::5", "alt.example", "10.1.2.3", long_name};
  mbedtls_x509_crt srv;
  setup();
  CHECK_INT(gf__tls_make_test_certs(g_dir, extra, 4), 0);
  CHECK_INT(load(&srv, "server.pem"), 0);
  const want_san sans[] = {
      {DNS_TAG, "localhost", 9},
      {IP_TAG, "\x7f\x00\x00\x01", 4},
      {IP_TAG, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16},
      {IP_TAG, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x05", 16},
      {DNS_TAG, "alt.example", 11},
      {IP_TAG, "\x0a\x01\x02\x03", 4},
      {DNS_TAG, long_name, 253},
  };
  check_sans(&srv, sans, 7);
  mbedtls_x509_crt_free(&srv);
}

static void test_opts_validity_and_names(void) {
  static const char *const names[] = {"other.example"};
  const gf__tls_testcert_opts expired = {names, 1, -2 * 86400, -86400};
  mbedtls_x509_crt srv, ca;
  setup();
  time_t now = time(NULL);
  CHECK_INT(gf__tls_make_certs_opts(g_dir, &expired), 0);
  CHECK_INT(load(&srv, "server.pem"), 0);
  CHECK_INT(load(&ca, "ca.pem"), 0);
  const want_san sans[] = {{DNS_TAG, "other.example", 13}};
  check_sans(&srv, sans, 1);
  check_time_near(to_time(&srv.valid_from), now - 2 * 86400);
  check_time_near(to_time(&srv.valid_to), now - 86400);
  /* The CA stays valid around the leaf, so only the leaf is expired. */
  CHECK_INT(mbedtls_x509_time_is_past(&ca.valid_to), 0);
  CHECK_INT(mbedtls_x509_time_is_future(&ca.valid_from), 0);
  CHECK_INT(mbedtls_x509_time_is_past(&srv.valid_to), 1);
  mbedtls_x509_crt_free(&srv);
  mbedtls_x509_crt_free(&ca);
}

static void test_no_sans(void) {
  const gf__tls_testcert_opts none = {NULL, 0, -3600, 3600};
  mbedtls_x509_crt srv;
  setup();
  CHECK_INT(gf__tls_make_certs_opts(g_dir, &none), 0);
  CHECK_INT(load(&srv, "server.pem"), 0);
  CHECK_INT(srv.ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME, 0);
  CHECK(srv.subject_alt_names.buf.p == NULL);
  mbedtls_x509_crt_free(&srv);
}

static void test_each_call_makes_a_new_ca(void) {
  mbedtls_x509_crt a, b;
  setup();
  CHECK_INT(gf__tls_make_test_certs(g_dir, NULL, 0), 0);
  CHECK_INT(load(&a, "ca.pem"), 0);
  CHECK_INT(gf__tls_make_test_certs(g_dir, NULL, 0), 0);
  CHECK_INT(load(&b, "ca.pem"), 0);
  CHECK(a.serial.len != b.serial.len ||
        memcmp(a.serial.p, b.serial.p, a.serial.len) != 0);
  CHECK(a.pk_raw.len != b.pk_raw.len ||
        memcmp(a.pk_raw.p, b.pk_raw.p, a.pk_raw.len) != 0);
  mbedtls_x509_crt_free(&a);
  mbedtls_x509_crt_free(&b);
}

static void test_errors(void) {
  static const char *const empty[] = {""};
  static const char *const many[62] = {"x"};
  const char *many_ok[61];
  setup();
  for (size_t i = 0; i < 61; i++)
    many_ok[i] = "a.example";
  CHECK_INT(gf__tls_make_test_certs(g_dir, empty, 1), GF_EINVAL);
  CHECK_INT(gf__tls_make_test_certs(g_dir, NULL, 1), GF_EINVAL);
  CHECK_INT(gf__tls_make_test_certs(g_dir, many, 62), GF_EINVAL); /* 65 SANs */
  CHECK_INT(gf__tls_make_test_certs(g_dir, many_ok, 61), 0);      /* 64 */
  CHECK_INT(gf__tls_make_test_certs("/nonexistent/gemflow", NULL, 0), GF_EIO);
  CHECK_INT(gf__tls_make_certs_opts(NULL, NULL), GF_EINVAL);
}

TEST_MAIN(TEST(test_default_certs), TEST(test_extra_sans),
          TEST(test_opts_validity_and_names), TEST(test_no_sans),
          TEST(test_each_call_makes_a_new_ca), TEST(test_errors))
