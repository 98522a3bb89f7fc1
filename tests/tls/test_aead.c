/* The AEAD choice (gf__tls_config_set_aead): forcing either gives exactly
 * that family's suite, even against a server that prefers the other;
 * GF_AEAD_AUTO gives the one measured faster, a measurement made once per
 * process; bad values and a change after a session are GF_EINVAL. */
#include "expect.h"
#include "pair.h"

/* A pair on the main certificates, the client set to aead, the server to
 * srv_aead (-1: left as made). */
static void open_aead(pair *pr, int aead, int srv_aead) {
  char ca[256], cert[256], key[256];
  setup();
  memset(pr, 0, sizeof *pr);
  peer_init(&pr->c);
  peer_init(&pr->s);
  ca_of(ca, sizeof ca, g_main);
  path_in(cert, sizeof cert, g_main, "server.pem");
  path_in(key, sizeof key, g_main, "server.key");
  CHECK_INT(gf__tls_config_client(&pr->ccfg, ca, NULL), 0);
  CHECK_INT(gf__tls_config_server(&pr->scfg, cert, key, NULL), 0);
  CHECK_INT(gf__tls_config_set_aead(pr->ccfg, aead), 0);
  if (srv_aead >= 0)
    CHECK_INT(gf__tls_config_set_aead(pr->scfg, srv_aead), 0);
  CHECK_INT(gf__tls_new(&pr->c.t, pr->ccfg, "localhost", &g_cbs, &pr->c), 0);
  CHECK_INT(gf__tls_new(&pr->s.t, pr->scfg, NULL, &g_cbs, &pr->s), 0);
  handshake(pr, NULL, 0);
}

static void check_suite(int aead, int srv_aead, const char *want) {
  pair pr;
  open_aead(&pr, aead, srv_aead);
  check_established(&pr);
  CHECK_STR(gf__tls_suite(pr.c.t), want);
  CHECK_STR(gf__tls_suite(pr.s.t), want);
  /* and it carries data */
  CHECK_INT(gf__tls_write(pr.c.t, "ping", 4), 0);
  pump(&pr, NULL, 0);
  CHECK_MEM(pr.s.plain.data, pr.s.plain.len, "ping", 4);
  pair_close(&pr);
}

static void test_engine_is_the_one_built(void) {
  CHECK_STR(gf__tls_engine(), EXPECT_ENGINE);
}

static void test_forced_aes_gcm(void) {
  check_suite(GF_AEAD_AES_GCM, -1, EXPECT_AES);
  /* a server that lists ChaCha20 first still gets only AES-GCM offered */
  check_suite(GF_AEAD_AES_GCM, GF_AEAD_AUTO, EXPECT_AES);
}

static void test_forced_chacha20(void) {
  check_suite(GF_AEAD_CHACHA20, -1, EXPECT_CHACHA);
  check_suite(GF_AEAD_CHACHA20, GF_AEAD_AUTO, EXPECT_CHACHA);
}

static void test_auto_is_the_measured_one(void) {
  double aes = 0, chacha = 0;
  int pick = gf__tls_aead_auto(&aes, &chacha);
  printf("  %s: AES-128-GCM %.0f MB/s, ChaCha20-Poly1305 %.0f MB/s: %s\n",
         gf__tls_engine(), aes, chacha,
         pick == GF_AEAD_AES_GCM ? "AES-GCM first" : "ChaCha20 first");
  CHECK(aes > 0 && chacha > 0);
  CHECK_INT(pick, aes > chacha ? GF_AEAD_AES_GCM : GF_AEAD_CHACHA20);
  check_suite(GF_AEAD_AUTO, -1, expect_suite(pick));
  /* measured once: the same answer, the same figures, every time */
  double aes2 = 0, chacha2 = 0;
  CHECK_INT(gf__tls_aead_auto(&aes2, &chacha2), pick);
  CHECK(aes2 == aes && chacha2 == chacha);
  CHECK_INT(gf__tls_aead_auto(NULL, NULL), pick);
}

/* Forced apart, the two sides share no suite: the server refuses. */
static void test_no_common_aead(void) {
  pair pr;
  open_aead(&pr, GF_AEAD_AES_GCM, GF_AEAD_CHACHA20);
  CHECK_INT(pr.s.feed_rc, GF_ETLS);
  CHECK_INT(pr.s.hs_status, GF_ETLS);
  CHECK_INT(pr.c.feed_rc, GF_ETLS);
  CHECK_INT(pr.c.hs_status, GF_ETLS);
  CHECK_STR(gf__tls_errmsg(pr.c.t),
            "peer sent fatal alert handshake_failure (40)");
  CHECK_INT(gf__tls_handshake_done(pr.c.t), 0);
  pair_close(&pr);
}

static void test_bad_values(void) {
  gf__tls_config *cfg = NULL;
  gf__tls *t = NULL;
  char ca[256];
  setup();
  ca_of(ca, sizeof ca, g_main);
  CHECK_INT(gf__tls_config_client(&cfg, ca, NULL), 0);
  CHECK_INT(gf__tls_config_set_aead(cfg, -1), GF_EINVAL);
  CHECK_INT(gf__tls_config_set_aead(cfg, 3), GF_EINVAL);
  CHECK_INT(gf__tls_config_set_aead(NULL, GF_AEAD_AUTO), GF_EINVAL);
  CHECK_INT(gf__tls_config_set_aead(cfg, GF_AEAD_CHACHA20), 0);
  CHECK_INT(gf__tls_config_set_aead(cfg, GF_AEAD_AES_GCM), 0);
  CHECK_INT(gf__tls_new(&t, cfg, "localhost", &g_cbs, NULL), 0);
  /* a session has read the setting: too late to change it */
  CHECK_INT(gf__tls_config_set_aead(cfg, GF_AEAD_CHACHA20), GF_EINVAL);
  gf__tls_free(t);
  CHECK_INT(gf__tls_config_set_aead(cfg, GF_AEAD_CHACHA20), 0);
  gf__tls_config_free(cfg);
}

TEST_MAIN(TEST(test_engine_is_the_one_built), TEST(test_forced_aes_gcm),
          TEST(test_forced_chacha20), TEST(test_auto_is_the_measured_one),
          TEST(test_no_common_aead), TEST(test_bad_values))
