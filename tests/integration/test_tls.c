/* TLS refusals end to end over loopback: gemflow-sim serves a certificate
 * made for the case (--cert/--key), the library refuses it with the exact
 * code and a message naming the cause, on the first attempt, before any
 * HTTP request reaches the simulator. A good certificate is the control.
 *
 * Not here: the TLS 1.2 floor. gemflow-sim has no option to offer only an
 * older version; tests/cli/tls.sh checks it against openssl s_server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"
#include "tls/tls_testcert.h"

#define KEY "test-key-0123456789" /* the harness's default key */

/* Certificates for one case in <tmp>/certs-<name>: ca.pem, server.pem,
 * server.key. */
typedef struct certs {
  char dir[512], ca[600], cert[600], key[600];
} certs;

/* Every set made, removed at exit: the keys do not outlive the run. */
static certs made[8];
static int nmade;

static void remove_certs(void) {
  for (int i = 0; i < nmade; i++) {
    unlink(made[i].ca);
    unlink(made[i].cert);
    unlink(made[i].key);
    rmdir(made[i].dir);
  }
}

static const certs *make_certs(const char *name,
                               const gf__tls_testcert_opts *o) {
  if (nmade == 0)
    atexit(remove_certs);
  if (nmade == (int)(sizeof made / sizeof made[0])) {
    fprintf(stderr, "too many certificate sets\n");
    exit(2);
  }
  certs *c = &made[nmade];
  snprintf(c->dir, sizeof c->dir, "%s/certs-%s", it_tmpdir(), name);
  if (mkdir(c->dir, 0700) != 0) {
    perror(c->dir);
    exit(2);
  }
  nmade++;
  int rc = gf__tls_make_certs_opts(c->dir, o);
  if (rc != 0) {
    fprintf(stderr, "making certificates in %s: %s\n", c->dir,
            gf_err_name(rc));
    exit(2);
  }
  const char *tmp = it_tmpdir();
  snprintf(c->ca, sizeof c->ca, "%s/certs-%s/ca.pem", tmp, name);
  snprintf(c->cert, sizeof c->cert, "%s/certs-%s/server.pem", tmp, name);
  snprintf(c->key, sizeof c->key, "%s/certs-%s/server.key", tmp, name);
  return c;
}

static const char *const all_loopback[] = {"localhost", "127.0.0.1", "::1"};
static const char *const localhost_only[] = {"localhost"};
static const char *const other_name[] = {"other.example"};

/* A certificate valid from an hour ago for a day, for these names. */
static const certs *make_valid(const char *name, const char *const *sans,
                               size_t n) {
  const gf__tls_testcert_opts o = {sans, n, -3600, 86400};
  return make_certs(name, &o);
}

static void start_with(it_sim *s, const certs *c) {
  const char *args[] = {"--cert", c->cert, "--key", c->key, NULL};
  it_sim_start(s, args);
}

/* host "localhost" or an IP literal, on the simulator's port. */
static void url_for(char *out, size_t cap, const it_sim *s, const char *host) {
  snprintf(out, cap, "https://%s:%d", host, s->port);
}

/* One generation from url, trusting ca, refused with code and a message
 * holding want; three attempts allowed, so a retried refusal would show. */
static void expect_refused(const it_sim *s, const char *url, const char *ca,
                           int code, const char *want) {
  it_rec r = {0};
  it_opts o = {0};
  o.url = url;
  o.ca = ca;
  o.max_attempts = 3;
  o.retry_initial_ms = 50;
  it_run1(&o, "a refused handshake", NULL, NULL, &r);
  fprintf(stderr, "  %s -> %s: %s\n", url, r.err_name, r.message);
  CHECK_INT(r.status, code);
  CHECK(strstr(r.message, want) != NULL);
  CHECK(strstr(r.message, KEY) == NULL);
  CHECK_INT(r.attempts, 1);
  CHECK_INT(r.nretries, 0);
  CHECK_INT(r.retry_count, 0);
  CHECK_INT(r.http_status, 0);
  CHECK_INT(r.done_count, 1);
  CHECK_STR(r.order, "d");
  CHECK_STR(r.file, "");
  /* The simulator logs a request as its connection ends: give a request
   * that should never have been made the time to show. */
  usleep(300000);
  CHECK_INT(it_sim_log_lines(s), 0);
}

/* Signed by a CA the client does not trust (it trusts a second one). */
static void test_untrusted_ca(void) {
  const certs *served = make_valid("untrusted", all_loopback, 3);
  const certs *trusted = make_valid("other-ca", all_loopback, 3);
  it_sim s;
  start_with(&s, served);
  char url[128];
  url_for(url, sizeof url, &s, "localhost");
  expect_refused(&s, url, trusted->ca, GF_ECERT,
                 "is not signed by a CA in");
  it_sim_stop(&s);
}

/* Trusted, but only for other.example. */
static void test_hostname_mismatch(void) {
  const certs *c = make_valid("othername", other_name, 1);
  it_sim s;
  start_with(&s, c);
  char url[128];
  url_for(url, sizeof url, &s, "localhost");
  expect_refused(&s, url, c->ca, GF_EHOSTNAME,
                 "certificate is not valid for host localhost");
  it_sim_stop(&s);
}

/* Trusted and valid for localhost, but the URL names 127.0.0.1, which the
 * certificate does not list. */
static void test_ip_not_in_cert(void) {
  const certs *c = make_valid("localonly", localhost_only, 1);
  it_sim s;
  start_with(&s, c);
  char url[128];
  url_for(url, sizeof url, &s, "127.0.0.1");
  expect_refused(&s, url, c->ca, GF_EHOSTNAME,
                 "certificate is not valid for IP 127.0.0.1");
  it_sim_stop(&s);
}

/* Trusted, for the right name, but valid only until yesterday. */
static void test_expired(void) {
  const gf__tls_testcert_opts o = {localhost_only, 1, -2 * 86400, -86400};
  const certs *c = make_certs("expired", &o);
  it_sim s;
  start_with(&s, c);
  char url[128];
  url_for(url, sizeof url, &s, "localhost");
  expect_refused(&s, url, c->ca, GF_ECERT, "expired");
  it_sim_stop(&s);
}

/* The control: the same kind of certificate, naming the loopback
 * addresses, works by IP, byte-exact, in one attempt. */
static void test_good_cert_by_ip(void) {
  const certs *c = make_valid("good", all_loopback, 3);
  it_sim s;
  start_with(&s, c);
  char url[128];
  url_for(url, sizeof url, &s, "127.0.0.1");
  it_rec r = {0};
  it_opts o = {0};
  o.url = url;
  o.ca = c->ca;
  o.max_attempts = 3;
  const char *prompt = "a lighthouse at dusk";
  it_run1(&o, prompt, "1:1", "1K", &r);
  if (r.status != GF_OK)
    fprintf(stderr, "  %s -> %s: %s\n", url, r.err_name, r.message);
  unsigned char want[32];
  uint64_t bytes;
  it_sim_render(prompt, "1:1", "1K", want, &bytes);
  CHECK_INT(r.status, GF_OK);
  CHECK_MEM(r.sha, 32, want, 32);
  CHECK_MEM(r.last_sha, 32, want, 32);
  CHECK_INT(r.bytes, bytes);
  CHECK_INT(r.http_status, 200);
  CHECK_INT(r.attempts, 1);
  CHECK_INT(it_sim_requests_for(&s, prompt, 1), 1);
  it_sim_stop(&s);
}

int main(int argc, char **argv) {
  unsetenv("SSL_CERT_FILE");
  static const gf_t_case cases[] = {
      TEST(test_untrusted_ca), TEST(test_hostname_mismatch),
      TEST(test_ip_not_in_cert), TEST(test_expired),
      TEST(test_good_cert_by_ip)};
  return gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
}
