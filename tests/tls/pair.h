/* The tls tests' in-memory client/server pair: certificates made in a
 * temporary directory at start (main: the default SANs plus 2001:db8::5 and
 * alt.example; other: a second, unrelated CA; expired: valid until
 * yesterday; othername: only other.example), and a client and a server
 * session wired to each other through their on_cipher callbacks, the
 * ciphertext delivered in pieces of chosen sizes. */
#ifndef GF_TEST_TLS_PAIR_H
#define GF_TEST_TLS_PAIR_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/sha256.h"
#include "gemflow.h"
#include "test.h"
#include "tls/tls.h"
#include "tls/tls_testcert.h"

/* ---- certificates ------------------------------------------------------- */

static char g_root[64];
/* main: the default SANs plus 2001:db8::5 and alt.example; other: a second,
 * unrelated CA; expired: valid until yesterday; othername: only
 * other.example. */
static char g_main[128], g_other[128], g_expired[128], g_othername[128];

static inline void path_in(char *out, size_t cap, const char *dir,
                           const char *file) {
  snprintf(out, cap, "%s/%s", dir, file);
}

static inline void rm_certs(const char *dir) {
  static const char *const files[] = {"ca.pem", "server.pem", "server.key"};
  char p[256];
  for (size_t i = 0; i < 3; i++) {
    path_in(p, sizeof p, dir, files[i]);
    unlink(p);
  }
  rmdir(dir);
}

static inline void cleanup(void) {
  char p[256];
  rm_certs(g_main);
  rm_certs(g_other);
  rm_certs(g_expired);
  rm_certs(g_othername);
  path_in(p, sizeof p, g_root, "garbage.pem");
  unlink(p);
  rmdir(g_root);
}

static inline void make_dir(char *out, const char *name,
                            const gf__tls_testcert_opts *o) {
  snprintf(out, 128, "%s/%s", g_root, name);
  if (mkdir(out, 0700) != 0) {
    perror(out);
    exit(2);
  }
  static const char *const extra[] = {"2001:db8::5", "alt.example"};
  int rc = o ? gf__tls_make_certs_opts(out, o)
             : gf__tls_make_test_certs(out, extra, 2);
  if (rc != 0) {
    fprintf(stderr, "making certificates in %s: %d\n", out, rc);
    exit(2);
  }
}

static inline void setup(void) {
  static int done;
  if (done)
    return;
  done = 1;
  strcpy(g_root, "/tmp/gf-tls-test-XXXXXX");
  if (!mkdtemp(g_root)) {
    perror("mkdtemp");
    exit(2);
  }
  atexit(cleanup);
  static const char *const other_name[] = {"other.example"};
  static const char *const localhost[] = {"localhost"};
  const gf__tls_testcert_opts expired = {localhost, 1, -2 * 86400, -86400};
  const gf__tls_testcert_opts othername = {other_name, 1, -3600, 86400};
  make_dir(g_main, "main", NULL);
  make_dir(g_other, "other", NULL);
  make_dir(g_expired, "expired", &expired);
  make_dir(g_othername, "othername", &othername);
}

/* ---- an in-memory client/server pair ------------------------------------ */

typedef struct peer {
  gf__tls *t;
  gf__buf out;   /* ciphertext it sent, not yet delivered */
  gf__buf plain; /* plaintext it received, when keep_plain */
  int keep_plain;
  gf__sha256 sha; /* of all plaintext received */
  size_t plain_bytes, plain_calls, cipher_calls;
  int hs_calls, hs_status;
  int cipher_rc, plain_rc; /* what the callbacks answer */
  int feed_rc;             /* first failure of a feed into it */
  int echo;                /* on_plain writes what it got back */
  int reenter, reenter_rc; /* on_plain tries a feed of its own */
} peer;

typedef struct pair {
  peer c, s;
  gf__tls_config *ccfg, *scfg;
} pair;

static inline int on_cipher(void *ud, const char *p, size_t n) {
  peer *x = ud;
  x->cipher_calls++;
  if (x->cipher_rc)
    return x->cipher_rc;
  return gf__buf_append(&x->out, p, n);
}

static inline int on_plain(void *ud, const char *p, size_t n) {
  peer *x = ud;
  x->plain_calls++;
  x->plain_bytes += n;
  gf__sha256_update(&x->sha, p, n);
  if (x->keep_plain && gf__buf_append(&x->plain, p, n) != 0)
    return GF_ENOMEM;
  if (x->reenter)
    x->reenter_rc = gf__tls_feed(x->t, "x", 1);
  if (x->echo) {
    int rc = gf__tls_write(x->t, p, n);
    if (rc)
      return rc;
  }
  return x->plain_rc;
}

static inline void on_handshake(void *ud, int status) {
  peer *x = ud;
  x->hs_calls++;
  x->hs_status = status;
}

static const gf__tls_cbs g_cbs = {on_cipher, on_plain, on_handshake};

static inline void peer_init(peer *x) {
  memset(x, 0, sizeof *x);
  gf__buf_init(&x->out, 0);
  gf__buf_init(&x->plain, 0);
  gf__sha256_init(&x->sha);
  x->keep_plain = 1;
}

static inline void peer_free(peer *x) {
  gf__tls_free(x->t);
  gf__buf_free(&x->out);
  gf__buf_free(&x->plain);
}

/* Client trusting ca_file (NULL: the default lookup) for host, server
 * with the certificate of srv_dir. */
static inline int pair_open(pair *pr, const char *ca_file, const char *srv_dir,
                            const char *host) {
  char cert[256], key[256];
  const char *msg = NULL;
  setup();
  memset(pr, 0, sizeof *pr);
  peer_init(&pr->c);
  peer_init(&pr->s);
  path_in(cert, sizeof cert, srv_dir, "server.pem");
  path_in(key, sizeof key, srv_dir, "server.key");
  int rc = gf__tls_config_client(&pr->ccfg, ca_file, &msg);
  if (!rc)
    rc = gf__tls_config_server(&pr->scfg, cert, key, &msg);
  if (!rc)
    rc = gf__tls_new(&pr->c.t, pr->ccfg, host, &g_cbs, &pr->c);
  if (!rc)
    rc = gf__tls_new(&pr->s.t, pr->scfg, NULL, &g_cbs, &pr->s);
  if (rc)
    fprintf(stderr, "pair_open: %d %s\n", rc, msg ? msg : "");
  return rc;
}

static inline void pair_close(pair *pr) {
  peer_free(&pr->c);
  peer_free(&pr->s);
  gf__tls_config_free(pr->ccfg);
  gf__tls_config_free(pr->scfg);
}

/* Feeds p to x in pieces whose sizes cycle through sizes (ns 0: all at
 * once); stops at the first failure. */
static inline int feed_pieces(peer *x, const char *p, size_t n,
                              const size_t *sizes, size_t ns) {
  size_t i = 0;
  while (n > 0) {
    size_t k = ns ? sizes[i++ % ns] : n;
    if (k > n)
      k = n;
    int rc = gf__tls_feed(x->t, p, k);
    if (rc)
      return rc;
    p += k;
    n -= k;
  }
  return 0;
}

static inline void deliver(peer *from, peer *to, const size_t *sizes,
                           size_t ns) {
  int rc = feed_pieces(to, from->out.data, from->out.len, sizes, ns);
  gf__buf_reset(&from->out);
  if (rc && !to->feed_rc)
    to->feed_rc = rc;
}

/* Delivers ciphertext both ways until neither side has any left. */
static inline void pump(pair *pr, const size_t *sizes, size_t ns) {
  for (int i = 0; i < 100 && (pr->c.out.len || pr->s.out.len); i++) {
    if (pr->c.out.len)
      deliver(&pr->c, &pr->s, sizes, ns);
    if (pr->s.out.len)
      deliver(&pr->s, &pr->c, sizes, ns);
  }
}

static inline void handshake(pair *pr, const size_t *sizes, size_t ns) {
  CHECK_INT(gf__tls_start(pr->c.t), 0);
  pump(pr, sizes, ns);
}

static inline void ca_of(char *out, size_t cap, const char *dir) {
  path_in(out, cap, dir, "ca.pem");
}

static inline void check_established(pair *pr) {
  CHECK_INT(pr->c.feed_rc, 0);
  CHECK_INT(pr->s.feed_rc, 0);
  CHECK_INT(pr->c.hs_calls, 1);
  CHECK_INT(pr->c.hs_status, 0);
  CHECK_INT(pr->s.hs_calls, 1);
  CHECK_INT(pr->s.hs_status, 0);
  CHECK_INT(gf__tls_handshake_done(pr->c.t), 1);
  CHECK_INT(gf__tls_handshake_done(pr->s.t), 1);
  CHECK_STR(gf__tls_errmsg(pr->c.t), "");
  CHECK_STR(gf__tls_errmsg(pr->s.t), "");
}

#endif
