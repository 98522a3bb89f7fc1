/* The TLS engine end to end, in memory: a client and a server session wired
 * to each other through their on_cipher callbacks, with certificates made
 * in a temporary directory at start. Handshakes and their verification
 * failures, application data in any piece size, close_notify, garbage,
 * callback failures, CA file selection. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/sha256.h"
#include "expect.h"
#include "gemflow.h"
#include "pair.h"
#include "test.h"
#include "tls/tls.h"
#include "tls/tls_testcert.h"

/* A failure the engine reports in its library's own words: only the
 * prefix is the tls layer's. */
static void check_tls_failure(const char *msg) {
  CHECK(strncmp(msg, "TLS failure: ", 13) == 0 && msg[13] != '\0');
}

static void check_handshake_ok(const char *ca_dir, const char *srv_dir,
                               const char *host) {
  pair pr;
  char ca[256];
  ca_of(ca, sizeof ca, ca_dir);
  CHECK_INT(pair_open(&pr, ca, srv_dir, host), 0);
  CHECK_INT(gf__tls_handshake_done(pr.c.t), 0);
  CHECK(gf__tls_suite(pr.c.t) == NULL);
  CHECK(gf__tls_version(pr.c.t) == NULL);
  handshake(&pr, NULL, 0);
  check_established(&pr);
  /* both sides offer both AEADs, the measured one first */
  const char *suite = expect_suite(gf__tls_aead_auto(NULL, NULL));
  CHECK_STR(gf__tls_suite(pr.c.t), suite);
  CHECK_STR(gf__tls_suite(pr.s.t), suite);
  CHECK_STR(gf__tls_version(pr.c.t), EXPECT_VERSION);
  CHECK_STR(gf__tls_version(pr.s.t), EXPECT_VERSION);
  pair_close(&pr);
}

/* The client fails with want (and want_msg), the server with GF_ETLS
 * because of the alert the client sends (server_msg). */
static void check_handshake_fails(const char *ca_dir, const char *srv_dir,
                                  const char *host, int want,
                                  const char *want_msg,
                                  const char *server_msg) {
  pair pr;
  char ca[256];
  ca_of(ca, sizeof ca, ca_dir);
  CHECK_INT(pair_open(&pr, ca, srv_dir, host), 0);
  handshake(&pr, NULL, 0);
  CHECK_INT(pr.c.feed_rc, want);
  CHECK_INT(pr.c.hs_calls, 1);
  CHECK_INT(pr.c.hs_status, want);
  CHECK_INT(gf__tls_handshake_done(pr.c.t), 0);
  CHECK_STR(gf__tls_errmsg(pr.c.t), want_msg);
  CHECK_INT(pr.s.feed_rc, GF_ETLS);
  CHECK_INT(pr.s.hs_calls, 1);
  CHECK_INT(pr.s.hs_status, GF_ETLS);
  CHECK_STR(gf__tls_errmsg(pr.s.t), server_msg);
  CHECK_INT(pr.c.plain_calls + pr.s.plain_calls, 0);
  /* Failures are final. */
  CHECK_INT(gf__tls_feed(pr.c.t, "x", 1), want);
  CHECK_INT(gf__tls_write(pr.c.t, "x", 1), want);
  CHECK_INT(pr.c.hs_calls, 1);
  pair_close(&pr);
}

/* ---- handshakes ---------------------------------------------------------- */

static void test_handshake_localhost(void) {
  setup();
  check_handshake_ok(g_main, g_main, "localhost");
}

static void test_handshake_dns_extra(void) {
  setup();
  check_handshake_ok(g_main, g_main, "alt.example");
  check_handshake_ok(g_othername, g_othername, "other.example");
}

static void test_handshake_ipv4(void) {
  setup();
  check_handshake_ok(g_main, g_main, "127.0.0.1");
}

static void test_handshake_ipv6(void) {
  setup();
  check_handshake_ok(g_main, g_main, "::1");
  check_handshake_ok(g_main, g_main, "0:0:0:0:0:0:0:1");
  check_handshake_ok(g_main, g_main, "2001:db8::5");
  check_handshake_ok(g_main, g_main, "2001:DB8:0:0::5");
}

/* The final dot of a fully qualified name is dropped, for SNI and for the
 * match. */
static void test_handshake_trailing_dot(void) {
  setup();
  check_handshake_ok(g_main, g_main, "localhost.");
  check_handshake_fails(g_main, g_main, "example.com.", GF_EHOSTNAME,
                        "certificate is not valid for host example.com",
                        "peer sent fatal alert bad_certificate (42)");
}

static void test_wrong_name(void) {
  setup();
  check_handshake_fails(g_main, g_main, "example.com", GF_EHOSTNAME,
                        "certificate is not valid for host example.com",
                        "peer sent fatal alert bad_certificate (42)");
  check_handshake_fails(g_othername, g_othername, "localhost", GF_EHOSTNAME,
                        "certificate is not valid for host localhost",
                        "peer sent fatal alert bad_certificate (42)");
}

static void test_ip_not_in_sans(void) {
  setup();
  check_handshake_fails(g_main, g_main, "127.0.0.2", GF_EHOSTNAME,
                        "certificate is not valid for IP 127.0.0.2",
                        "peer sent fatal alert bad_certificate (42)");
  check_handshake_fails(g_main, g_main, "::2", GF_EHOSTNAME,
                        "certificate is not valid for IP ::2",
                        "peer sent fatal alert bad_certificate (42)");
  /* An IPv4 address is not its IPv4-mapped IPv6 form. */
  check_handshake_fails(g_main, g_main, "::ffff:127.0.0.1", GF_EHOSTNAME,
                        "certificate is not valid for IP ::ffff:127.0.0.1",
                        "peer sent fatal alert bad_certificate (42)");
  /* A certificate with no iPAddress SAN at all. */
  check_handshake_fails(g_othername, g_othername, "127.0.0.1", GF_EHOSTNAME,
                        "certificate is not valid for IP 127.0.0.1",
                        "peer sent fatal alert bad_certificate (42)");
}

static void test_untrusted_ca(void) {
  setup();
  char ca[256], msg[600], both[700];
  ca_of(ca, sizeof ca, g_other);
  /* the bundle searched is named: the user sees which one lacks the CA */
  snprintf(msg, sizeof msg,
           "the certificate of localhost is not signed by a CA in %s (a "
           "private CA: name its file with --ca-file, ca_file or "
           "SSL_CERT_FILE)",
           ca);
  check_handshake_fails(g_other, g_main, "localhost", GF_ECERT, msg,
                        "peer sent fatal alert unknown_ca (48)");
  /* Untrusted and for another address: the chain is the first problem
   * (mbedTLS picks the alert from the mismatch). */
  snprintf(both, sizeof both,
           "the certificate of 127.0.0.2 is not signed by a CA in %s (a "
           "private CA: name its file with --ca-file, ca_file or "
           "SSL_CERT_FILE); The certificate Common Name (CN) does not match "
           "with the expected CN",
           ca);
  check_handshake_fails(g_other, g_main, "127.0.0.2", GF_ECERT, both,
                        "peer sent fatal alert bad_certificate (42)");
}

static void test_expired(void) {
  setup();
  check_handshake_fails(
      g_expired, g_expired, "localhost", GF_ECERT,
      "certificate verification failed: The certificate validity has expired",
      "peer sent fatal alert certificate_expired (45)");
}

/* ---- application data ---------------------------------------------------- */

static void open_established(pair *pr, const size_t *sizes, size_t ns) {
  char ca[256];
  setup();
  ca_of(ca, sizeof ca, g_main);
  CHECK_INT(pair_open(pr, ca, g_main, "localhost"), 0);
  handshake(pr, sizes, ns);
  check_established(pr);
}

static void test_data_both_ways(void) {
  pair pr;
  open_established(&pr, NULL, 0);
  CHECK_INT(gf__tls_write(pr.c.t, "GET / HTTP/1.1\r\n\r\n", 18), 0);
  CHECK_INT(gf__tls_write(pr.c.t, "", 0), 0); /* nothing to send */
  pump(&pr, NULL, 0);
  CHECK_MEM(pr.s.plain.data, pr.s.plain.len, "GET / HTTP/1.1\r\n\r\n", 18);
  CHECK_INT(pr.s.plain_calls, 1);
  CHECK_INT(gf__tls_write(pr.s.t, "HTTP/1.1 200 OK\r\n", 17), 0);
  CHECK_INT(gf__tls_write(pr.s.t, "\r\n", 2), 0);
  pump(&pr, NULL, 0);
  CHECK_MEM(pr.c.plain.data, pr.c.plain.len, "HTTP/1.1 200 OK\r\n\r\n", 19);
  CHECK_INT(pr.c.plain_calls, 2); /* one per record */
  CHECK_INT(pr.c.feed_rc, 0);
  CHECK_INT(pr.s.feed_rc, 0);
  CHECK_INT(gf__tls_closed(pr.c.t), 0);
  pair_close(&pr);
}

static void fill_random(unsigned char *p, size_t n, uint64_t seed) {
  for (size_t i = 0; i < n; i++) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    p[i] = (unsigned char)seed;
  }
}

/* n bytes in one write from one side, delivered in odd pieces. */
static void check_bulk(peer *from, peer *to, pair *pr, size_t n) {
  static const size_t odd[] = {1, 4093, 7, 16411, 3, 9973, 65537, 2, 16389};
  unsigned char *data = malloc(n), want[32], got[32];
  gf__sha256 sha;
  fill_random(data, n, 0x9e3779b97f4a7c15ULL + n);
  to->keep_plain = 0;
  size_t calls0 = from->cipher_calls, plain0 = to->plain_calls;
  CHECK_INT(gf__tls_write(from->t, (const char *)data, n), 0);
  size_t records = (n + 16383) / 16384;
  /* Each record leaves in one on_cipher call, and arrives in one on_plain
   * call whatever the pieces. */
  CHECK_INT(from->cipher_calls - calls0, records);
  pump(pr, odd, sizeof odd / sizeof odd[0]);
  CHECK_INT(to->feed_rc, 0);
  CHECK_INT(to->plain_bytes, n);
  CHECK_INT(to->plain_calls - plain0, records);
  gf__sha256_init(&sha);
  gf__sha256_update(&sha, data, n);
  gf__sha256_final(&sha, want);
  gf__sha256_final(&to->sha, got);
  CHECK_MEM(got, 32, want, 32);
  free(data);
}

static void test_bulk_5mb_server_to_client(void) {
  pair pr;
  open_established(&pr, NULL, 0);
  check_bulk(&pr.s, &pr.c, &pr, 5 * 1024 * 1024 + 123);
  pair_close(&pr);
}

static void test_bulk_5mb_client_to_server(void) {
  pair pr;
  open_established(&pr, NULL, 0);
  check_bulk(&pr.c, &pr.s, &pr, 5 * 1000 * 1000);
  pair_close(&pr);
}

static void test_byte_by_byte(void) {
  static const size_t one[] = {1};
  pair pr;
  open_established(&pr, one, 1); /* the handshake too, byte by byte */
  CHECK_INT(gf__tls_write(pr.c.t, "ping", 4), 0);
  pump(&pr, one, 1);
  CHECK_MEM(pr.s.plain.data, pr.s.plain.len, "ping", 4);
  CHECK_INT(pr.s.plain_calls, 1);
  CHECK_INT(gf__tls_write(pr.s.t, "pong!", 5), 0);
  pump(&pr, one, 1);
  CHECK_MEM(pr.c.plain.data, pr.c.plain.len, "pong!", 5);
  CHECK_INT(pr.c.plain_calls, 1);
  pair_close(&pr);
}

/* Records of equal length, the k-th split at byte k: every split point of
 * a record, with one session. */
static void test_every_split_point(void) {
  pair pr;
  char msg[40];
  open_established(&pr, NULL, 0);
  const size_t rec_len = 32 + EXPECT_OVERHEAD(gf__tls_aead_auto(NULL, NULL));
  for (size_t k = 0; k <= rec_len; k++) {
    snprintf(msg, sizeof msg, "split message number: %010zu", k);
    CHECK_INT(strlen(msg), 32);
    CHECK_INT(gf__tls_write(pr.s.t, msg, 32), 0);
    CHECK_INT(pr.s.out.len, rec_len);
    if (pr.s.out.len != rec_len)
      break;
    size_t calls = pr.c.plain_calls;
    gf__buf_reset(&pr.c.plain);
    CHECK_INT(gf__tls_feed(pr.c.t, pr.s.out.data, k), 0);
    CHECK_INT(pr.c.plain_calls, calls + (k == rec_len));
    CHECK_INT(gf__tls_feed(pr.c.t, pr.s.out.data + k, rec_len - k), 0);
    CHECK_INT(pr.c.plain_calls, calls + 1);
    CHECK_MEM(pr.c.plain.data, pr.c.plain.len, msg, 32);
    gf__buf_reset(&pr.s.out);
  }
  pair_close(&pr);
}

/* ---- close_notify ---------------------------------------------------------
 */

static void test_close_notify(void) {
  static const size_t one[] = {1};
  for (int bytewise = 0; bytewise < 2; bytewise++) {
    pair pr;
    open_established(&pr, NULL, 0);
    CHECK_INT(gf__tls_write(pr.s.t, "bye", 3), 0);
    CHECK_INT(gf__tls_close(pr.s.t), 0);
    CHECK_INT(gf__tls_closed(pr.c.t), 0);
    /* Data and close_notify arrive in the same feed (or byte by byte). */
    pump(&pr, one, bytewise ? 1 : 0);
    CHECK_INT(pr.c.feed_rc, 0);
    CHECK_MEM(pr.c.plain.data, pr.c.plain.len, "bye", 3);
    CHECK_INT(gf__tls_closed(pr.c.t), 1);
    CHECK_INT(gf__tls_closed(pr.s.t), 0);
    /* Whatever comes after it is ignored, even garbage. */
    CHECK_INT(gf__tls_feed(pr.c.t, "\x17\x03\x03\x00\x05hello", 10), 0);
    CHECK_INT(pr.c.plain_calls, 1);
    CHECK_INT(gf__tls_write(pr.c.t, "late", 4), GF_EINVAL);
    /* The client answers with its own close_notify. */
    CHECK_INT(gf__tls_close(pr.c.t), 0);
    pump(&pr, NULL, 0);
    CHECK_INT(pr.s.feed_rc, 0);
    CHECK_INT(gf__tls_closed(pr.s.t), 1);
    CHECK_STR(gf__tls_errmsg(pr.c.t), "");
    pair_close(&pr);
  }
}

static void test_truncated_record_is_not_close(void) {
  pair pr;
  open_established(&pr, NULL, 0);
  CHECK_INT(gf__tls_write(pr.s.t, "partial", 7), 0);
  CHECK_INT(gf__tls_feed(pr.c.t, pr.s.out.data, pr.s.out.len - 1), 0);
  CHECK_INT(pr.c.plain_calls, 0);
  CHECK_INT(gf__tls_closed(pr.c.t), 0);
  pair_close(&pr);
}

/* ---- garbage ------------------------------------------------------------- */

static void test_garbage_to_server(void) {
  pair pr;
  char ca[256];
  setup();
  ca_of(ca, sizeof ca, g_main);
  CHECK_INT(pair_open(&pr, ca, g_main, "localhost"), 0);
  const char *http = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
  CHECK_INT(gf__tls_feed(pr.s.t, http, strlen(http)), GF_ETLS);
  CHECK_INT(pr.s.hs_calls, 1);
  CHECK_INT(pr.s.hs_status, GF_ETLS);
  check_tls_failure(gf__tls_errmsg(pr.s.t));
  CHECK_INT(gf__tls_feed(pr.s.t, http, strlen(http)), GF_ETLS);
  CHECK_INT(pr.s.hs_calls, 1);
  pair_close(&pr);
}

static void test_garbage_to_client(void) {
  pair pr;
  unsigned char junk[4096];
  char ca[256];
  setup();
  ca_of(ca, sizeof ca, g_main);
  CHECK_INT(pair_open(&pr, ca, g_main, "localhost"), 0);
  CHECK_INT(gf__tls_start(pr.c.t), 0);
  fill_random(junk, sizeof junk, 42);
  junk[0] = 0x16; /* a handshake record of a plausible length */
  junk[1] = 3;
  junk[2] = 3;
  junk[3] = 0;
  junk[4] = 200;
  CHECK_INT(gf__tls_feed(pr.c.t, (const char *)junk, sizeof junk), GF_ETLS);
  CHECK_INT(pr.c.hs_calls, 1);
  CHECK_INT(pr.c.hs_status, GF_ETLS);
  check_tls_failure(gf__tls_errmsg(pr.c.t));
  pair_close(&pr);
}

static void test_garbage_after_handshake(void) {
  unsigned char junk[2048];
  for (uint64_t seed = 1; seed <= 20; seed++) {
    pair pr;
    open_established(&pr, NULL, 0);
    fill_random(junk, sizeof junk, seed);
    int rc = gf__tls_feed(pr.c.t, (const char *)junk, sizeof junk);
    CHECK_INT(rc, GF_ETLS);
    CHECK_INT(pr.c.plain_calls, 0);
    CHECK_INT(pr.c.hs_calls, 1);
    CHECK_INT(pr.c.hs_status, 0);
    pair_close(&pr);
  }
}

static void test_tampered_record(void) {
  pair pr;
  open_established(&pr, NULL, 0);
  CHECK_INT(gf__tls_write(pr.s.t, "secret", 6), 0);
  pr.s.out.data[pr.s.out.len - 1] ^= 1;
  pump(&pr, NULL, 0);
  CHECK_INT(pr.c.feed_rc, GF_ETLS);
  CHECK_INT(pr.c.plain_calls, 0);
  check_tls_failure(gf__tls_errmsg(pr.c.t));
  pair_close(&pr);
}

static void test_oversized_record_length(void) {
  pair pr;
  open_established(&pr, NULL, 0);
  /* Refused from the header: no waiting for (or buffering) 64 KiB. */
  CHECK_INT(gf__tls_feed(pr.c.t, "\x17\x03\x03\xff\xff", 5), GF_ETLS);
  pair_close(&pr);
}

/* ---- callbacks and arguments --------------------------------------------- */

static void test_on_cipher_failure(void) {
  pair pr;
  char ca[256];
  setup();
  ca_of(ca, sizeof ca, g_main);
  CHECK_INT(pair_open(&pr, ca, g_main, "localhost"), 0);
  pr.c.cipher_rc = GF_ENOMEM;
  CHECK_INT(gf__tls_start(pr.c.t), GF_ENOMEM);
  CHECK_INT(pr.c.cipher_calls, 1);
  CHECK_INT(pr.c.hs_calls, 1);
  CHECK_INT(pr.c.hs_status, GF_ENOMEM);
  CHECK_STR(gf__tls_errmsg(pr.c.t), "stopped by a callback: out of memory");
  CHECK_INT(gf__tls_feed(pr.c.t, "x", 1), GF_ENOMEM);
  CHECK_INT(pr.c.hs_calls, 1);
  pair_close(&pr);
}

static void test_on_plain_failure(void) {
  pair pr;
  open_established(&pr, NULL, 0);
  CHECK_INT(gf__tls_write(pr.s.t, "one", 3), 0);
  CHECK_INT(gf__tls_write(pr.s.t, "two", 3), 0);
  pr.c.plain_rc = GF_ETOOBIG;
  pump(&pr, NULL, 0);
  CHECK_INT(pr.c.feed_rc, GF_ETOOBIG);
  CHECK_INT(pr.c.plain_calls, 1); /* nothing after the refusal */
  CHECK_MEM(pr.c.plain.data, pr.c.plain.len, "one", 3);
  CHECK_INT(gf__tls_feed(pr.c.t, "", 0), GF_ETOOBIG);
  pair_close(&pr);
}

/* Writing from on_plain is allowed (an echo); feeding is not. */
static void test_callbacks_reentry(void) {
  pair pr;
  open_established(&pr, NULL, 0);
  pr.s.echo = 1;
  pr.s.reenter = 1;
  CHECK_INT(gf__tls_write(pr.c.t, "echo me", 7), 0);
  pump(&pr, NULL, 0);
  CHECK_INT(pr.s.reenter_rc, GF_EINVAL);
  CHECK_INT(pr.s.feed_rc, 0);
  CHECK_INT(pr.c.feed_rc, 0);
  CHECK_MEM(pr.s.plain.data, pr.s.plain.len, "echo me", 7);
  CHECK_MEM(pr.c.plain.data, pr.c.plain.len, "echo me", 7);
  pair_close(&pr);
}

static void test_bad_arguments(void) {
  pair pr;
  char ca[256];
  gf__tls *t = (gf__tls *)&pr; /* overwritten with NULL on failure */
  gf__tls_cbs no_cipher = {NULL, on_plain, on_handshake};
  setup();
  ca_of(ca, sizeof ca, g_main);
  CHECK_INT(pair_open(&pr, ca, g_main, "localhost"), 0);
  CHECK_INT(gf__tls_new(&t, pr.ccfg, NULL, &g_cbs, NULL), GF_EINVAL);
  CHECK(t == NULL);
  CHECK_INT(gf__tls_new(&t, pr.ccfg, "", &g_cbs, NULL), GF_EINVAL);
  CHECK_INT(gf__tls_new(&t, pr.scfg, "localhost", &g_cbs, NULL), GF_EINVAL);
  CHECK_INT(gf__tls_new(&t, pr.ccfg, "localhost", &no_cipher, NULL), GF_EINVAL);
  CHECK_INT(gf__tls_write(pr.c.t, "early", 5), GF_EINVAL);
  CHECK_INT(gf__tls_start(pr.s.t), 0); /* a server waits for the client */
  CHECK_INT(pr.s.out.len, 0);
  pair_close(&pr);
}

/* Sessions keep their config alive: the configs may go first. */
static void test_config_freed_before_sessions(void) {
  pair pr;
  char ca[256];
  setup();
  ca_of(ca, sizeof ca, g_main);
  CHECK_INT(pair_open(&pr, ca, g_main, "localhost"), 0);
  gf__tls_config_free(pr.ccfg);
  gf__tls_config_free(pr.scfg);
  pr.ccfg = pr.scfg = NULL;
  handshake(&pr, NULL, 0);
  check_established(&pr);
  CHECK_INT(gf__tls_write(pr.c.t, "still here", 10), 0);
  pump(&pr, NULL, 0);
  CHECK_MEM(pr.s.plain.data, pr.s.plain.len, "still here", 10);
  pair_close(&pr);
}

/* ---- CA file selection ----------------------------------------------------
 */

static void check_ca_error(const char *ca_file, const char *want_msg) {
  gf__tls_config *cfg = (gf__tls_config *)&cfg;
  const char *msg = NULL;
  CHECK_INT(gf__tls_config_client(&cfg, ca_file, &msg), GF_ECAFILE);
  CHECK(cfg == NULL);
  CHECK_STR(msg, want_msg);
  CHECK_INT(gf__tls_config_client(&cfg, ca_file, NULL), GF_ECAFILE);
}

static void test_ca_file_errors(void) {
  char garbage[256];
  setup();
  path_in(garbage, sizeof garbage, g_root, "garbage.pem");
  FILE *f = fopen(garbage, "w");
  CHECK(f != NULL);
  if (f) {
    fputs("-----BEGIN CERTIFICATE-----\nnot base64!\n"
          "-----END CERTIFICATE-----\n",
          f);
    fclose(f);
  }
  check_ca_error("/nonexistent/gemflow/ca.pem",
                 "cannot read the CA file given as ca_file");
  check_ca_error(garbage,
                 "no usable certificate in the CA file given as ca_file");
  setenv("SSL_CERT_FILE", "/nonexistent/gemflow/ca.pem", 1);
  check_ca_error(NULL, "cannot read the CA file named by $SSL_CERT_FILE");
  setenv("SSL_CERT_FILE", garbage, 1);
  check_ca_error(
      NULL, "no usable certificate in the CA file named by $SSL_CERT_FILE");
  unsetenv("SSL_CERT_FILE");
}

static void test_ssl_cert_file(void) {
  char main_ca[256], other_ca[256];
  pair pr;
  setup();
  ca_of(main_ca, sizeof main_ca, g_main);
  ca_of(other_ca, sizeof other_ca, g_other);
  /* The variable names the trusted roots... */
  setenv("SSL_CERT_FILE", main_ca, 1);
  CHECK_INT(pair_open(&pr, NULL, g_main, "localhost"), 0);
  handshake(&pr, NULL, 0);
  check_established(&pr);
  pair_close(&pr);
  /* ...and only those: the system bundle is not consulted. */
  setenv("SSL_CERT_FILE", other_ca, 1);
  CHECK_INT(pair_open(&pr, NULL, g_main, "localhost"), 0);
  handshake(&pr, NULL, 0);
  CHECK_INT(pr.c.feed_rc, GF_ECERT);
  pair_close(&pr);
  /* An explicit ca_file wins over the variable. */
  CHECK_INT(pair_open(&pr, main_ca, g_main, "localhost"), 0);
  handshake(&pr, NULL, 0);
  check_established(&pr);
  pair_close(&pr);
  unsetenv("SSL_CERT_FILE");
}

static void test_server_config_errors(void) {
  char cert[256], key[256], other_key[256];
  gf__tls_config *cfg = NULL;
  const char *msg = NULL;
  setup();
  path_in(cert, sizeof cert, g_main, "server.pem");
  path_in(key, sizeof key, g_main, "server.key");
  path_in(other_key, sizeof other_key, g_other, "server.key");
  CHECK_INT(gf__tls_config_server(&cfg, "/nonexistent/cert.pem", key, &msg),
            GF_EIO);
  CHECK_STR(msg, "cannot read the server certificate file");
  CHECK_INT(gf__tls_config_server(&cfg, cert, "/nonexistent/key.pem", &msg),
            GF_EIO);
  CHECK_STR(msg, "cannot read the server key file");
  CHECK_INT(gf__tls_config_server(&cfg, key, key, &msg), GF_ETLS);
  CHECK_STR(msg, "cannot parse the server certificate file");
  CHECK_INT(gf__tls_config_server(&cfg, cert, cert, &msg), GF_ETLS);
  CHECK_STR(msg, "cannot parse the server key file (unencrypted PEM or DER)");
  CHECK_INT(gf__tls_config_server(&cfg, cert, other_key, &msg), GF_ETLS);
  CHECK_STR(msg, "the server key does not match the certificate");
  CHECK(cfg == NULL);
  CHECK_INT(gf__tls_config_server(&cfg, cert, key, &msg), 0);
  CHECK(cfg != NULL);
  gf__tls_config_free(cfg);
}

TEST_MAIN(TEST(test_handshake_localhost), TEST(test_handshake_dns_extra),
          TEST(test_handshake_ipv4), TEST(test_handshake_ipv6),
          TEST(test_handshake_trailing_dot), TEST(test_wrong_name),
          TEST(test_ip_not_in_sans), TEST(test_untrusted_ca),
          TEST(test_expired), TEST(test_data_both_ways),
          TEST(test_bulk_5mb_server_to_client),
          TEST(test_bulk_5mb_client_to_server), TEST(test_byte_by_byte),
          TEST(test_every_split_point), TEST(test_close_notify),
          TEST(test_truncated_record_is_not_close),
          TEST(test_garbage_to_server), TEST(test_garbage_to_client),
          TEST(test_garbage_after_handshake), TEST(test_tampered_record),
          TEST(test_oversized_record_length), TEST(test_on_cipher_failure),
          TEST(test_on_plain_failure), TEST(test_callbacks_reentry),
          TEST(test_bad_arguments), TEST(test_config_freed_before_sessions),
          TEST(test_ca_file_errors), TEST(test_ssl_cert_file),
          TEST(test_server_config_errors))
