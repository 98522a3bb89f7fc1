/* TLS handshakes in memory: a client and a server session of the internal
 * tls layer (whichever engine the build chose) pass their records through
 * two buffers, no sockets. Only the client's calls are timed (this
 * thread's CPU clock); the server's are timed apart, for reference. A full
 * handshake uses a client setting made afresh (its making, the CA bundle's
 * loading, not timed); a resumed one the setting of an earlier handshake,
 * which offers that session's ticket. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ceil.h"
#include "common/buf.h"
#include "stats.h"
#include "tls/tls.h"

#define FULL_RUNS 41
#define RESUMED_RUNS 101
#define MAX_ROUNDS 16

typedef struct side {
  gf__tls *t;
  gf__buf *to_peer;
  int done, status;
} side;

static int on_cipher(void *ud, const char *p, size_t n) {
  side *s = ud;
  return gf__buf_append(s->to_peer, p, n);
}
static int on_plain(void *ud, const char *p, size_t n) { return 0; }
static void on_handshake(void *ud, int status) {
  side *s = ud;
  s->done = 1, s->status = status;
}

/* One handshake; client and server CPU seconds into *cc, *sc. */
static int handshake(gf__tls_config *ccfg, gf__tls_config *scfg, double *cc,
                     double *sc, int *resumed, char *suite, size_t slen) {
  static const gf__tls_cbs cbs = {on_cipher, on_plain, on_handshake};
  gf__buf c2s, s2c;
  gf__buf_init(&c2s, 0);
  gf__buf_init(&s2c, 0);
  side cl = {.to_peer = &c2s}, sv = {.to_peer = &s2c};
  double t0 = gfb_thread_cpu(), c = 0, s = 0;
  int rc = gf__tls_new(&cl.t, ccfg, "localhost", &cbs, &cl);
  if (!rc)
    rc = gf__tls_start(cl.t);
  double t1 = gfb_thread_cpu();
  c += t1 - t0;
  if (!rc)
    rc = gf__tls_new(&sv.t, scfg, NULL, &cbs, &sv);
  s += gfb_thread_cpu() - t1;
  for (int round = 0; !rc && round < MAX_ROUNDS; round++) {
    if (cl.done && sv.done && !c2s.len && !s2c.len)
      break;
    t0 = gfb_thread_cpu();
    if (c2s.len) {
      gf__buf in = c2s;
      gf__buf_init(&c2s, 0);
      rc = gf__tls_feed(sv.t, in.data, in.len);
      gf__buf_free(&in);
    }
    t1 = gfb_thread_cpu();
    s += t1 - t0;
    if (!rc && s2c.len) {
      gf__buf in = s2c;
      gf__buf_init(&s2c, 0);
      rc = gf__tls_feed(cl.t, in.data, in.len);
      gf__buf_free(&in);
    }
    c += gfb_thread_cpu() - t1;
  }
  if (!rc && (!cl.done || !sv.done || cl.status || sv.status))
    rc = -1;
  if (!rc) {
    *resumed = gf__tls_resumed(cl.t);
    const char *su = gf__tls_suite(cl.t);
    snprintf(suite, slen, "%s", su ? su : "?");
  }
  t0 = gfb_thread_cpu();
  gf__tls_free(cl.t);
  c += gfb_thread_cpu() - t0;
  gf__tls_free(sv.t);
  gf__buf_free(&c2s);
  gf__buf_free(&s2c);
  *cc = c, *sc = s;
  return rc;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return v[n / 2];
}

int gfb_handshakes(gfb_hs *h, char *err, size_t errlen) {
  memset(h, 0, sizeof *h);
  char dir[64] = "/tmp/gemflow-bench-tls-XXXXXX", ca[128], crt[128], key[128];
  if (!mkdtemp(dir)) {
    snprintf(err, errlen, "mkdtemp failed");
    return -1;
  }
  snprintf(ca, sizeof ca, "%s/ca.pem", dir);
  snprintf(crt, sizeof crt, "%s/server.pem", dir);
  snprintf(key, sizeof key, "%s/server.key", dir);
  gf__tls_config *scfg = NULL, *ccfg = NULL;
  const char *msg = NULL;
  double cfull[FULL_RUNS], sfull[FULL_RUNS], cres[RESUMED_RUNS],
      sres[RESUMED_RUNS];
  int rc = gf__tls_make_test_certs(dir, NULL, 0);
  if (!rc)
    rc = gf__tls_config_server(&scfg, crt, key, &msg);
  int resumed = 0;
  for (int i = 0; !rc && i < FULL_RUNS; i++) {
    rc = gf__tls_config_client(&ccfg, ca, &msg);
    if (!rc)
      rc = handshake(ccfg, scfg, &cfull[i], &sfull[i], &resumed, h->suite,
                     sizeof h->suite);
    if (!rc && resumed)
      rc = -1, msg = "a fresh client setting resumed";
    if (i < FULL_RUNS - 1 || rc) { /* the last one's setting is kept */
      gf__tls_config_free(ccfg);
      ccfg = NULL;
    }
  }
  h->resumed_ok = 1;
  for (int i = 0; !rc && i < RESUMED_RUNS; i++) {
    rc = handshake(ccfg, scfg, &cres[i], &sres[i], &resumed, h->suite,
                   sizeof h->suite);
    if (!resumed)
      h->resumed_ok = 0;
  }
  if (!rc) {
    h->full_ms = median(cfull, FULL_RUNS) * 1000;
    h->srv_full_ms = median(sfull, FULL_RUNS) * 1000;
    h->resumed_ms = median(cres, RESUMED_RUNS) * 1000;
    h->srv_resumed_ms = median(sres, RESUMED_RUNS) * 1000;
  } else {
    snprintf(err, errlen, "in-memory handshake failed: %s",
             msg ? msg : "tls error");
  }
  gf__tls_config_free(ccfg);
  gf__tls_config_free(scfg);
  unlink(ca), unlink(crt), unlink(key);
  rmdir(dir);
  return rc ? -1 : 0;
}
