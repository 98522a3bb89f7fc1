/* Session resumption per host: a client setting keeps the newest session
 * (TLS 1.2: at the end of the handshake; TLS 1.3: the ticket the server
 * sends after it, read with the next records) and offers it only to the
 * host it was verified for; gf__tls_resumed says whether a handshake
 * resumed. The client and server settings live across the sessions, as in
 * the conn layer and the simulator. */
#include "expect.h"
#include "pair.h"

typedef struct cfgs {
  gf__tls_config *c, *s;
} cfgs;

static void cfgs_open(cfgs *k) {
  char ca[256], cert[256], key[256];
  setup();
  ca_of(ca, sizeof ca, g_main);
  path_in(cert, sizeof cert, g_main, "server.pem");
  path_in(key, sizeof key, g_main, "server.key");
  CHECK_INT(gf__tls_config_client(&k->c, ca, NULL), 0);
  CHECK_INT(gf__tls_config_server(&k->s, cert, key, NULL), 0);
}

static void cfgs_close(cfgs *k) {
  gf__tls_config_free(k->c);
  gf__tls_config_free(k->s);
}

/* A pair of sessions on the shared settings, not yet started. */
static void sessions(pair *pr, cfgs *k, const char *host) {
  memset(pr, 0, sizeof *pr);
  peer_init(&pr->c);
  peer_init(&pr->s);
  CHECK_INT(gf__tls_new(&pr->c.t, k->c, host, &g_cbs, &pr->c), 0);
  CHECK_INT(gf__tls_new(&pr->s.t, k->s, NULL, &g_cbs, &pr->s), 0);
}

/* One whole connection: handshake, a request and its answer (which brings
 * a TLS 1.3 ticket along), close. Returns gf__tls_resumed of the client. */
static int connection(cfgs *k, const char *host) {
  pair pr;
  sessions(&pr, k, host);
  handshake(&pr, NULL, 0);
  check_established(&pr);
  CHECK_STR(gf__tls_version(pr.c.t), EXPECT_VERSION);
  CHECK_INT(gf__tls_write(pr.c.t, "GET", 3), 0);
  pump(&pr, NULL, 0);
  CHECK_INT(gf__tls_write(pr.s.t, "200", 3), 0);
  pump(&pr, NULL, 0);
  CHECK_MEM(pr.c.plain.data, pr.c.plain.len, "200", 3);
  int resumed = gf__tls_resumed(pr.c.t);
  CHECK_INT(gf__tls_session_kept(pr.c.t), 1); /* TLS 1.3: the ticket came */
  pair_close(&pr); /* the settings are k's: not freed */
  return resumed;
}

static void test_second_connection_resumes(void) {
  cfgs k;
  cfgs_open(&k);
  CHECK_INT(connection(&k, "localhost"), 0);
  CHECK_INT(connection(&k, "localhost"), 1);
  /* a resumed connection's own ticket is kept and resumes in turn */
  CHECK_INT(connection(&k, "localhost"), 1);
  CHECK_INT(connection(&k, "localhost."), 1); /* the same host */
  cfgs_close(&k);
}

/* alt.example is in the same certificate, yet a session verified for
 * localhost is not offered to it; the newest kept is alt.example's, which
 * in turn is not offered to localhost. */
static void test_only_for_the_host_verified(void) {
  cfgs k;
  cfgs_open(&k);
  CHECK_INT(connection(&k, "localhost"), 0);
  CHECK_INT(connection(&k, "alt.example"), 0);
  CHECK_INT(connection(&k, "alt.example"), 1);
  CHECK_INT(connection(&k, "localhost"), 0);
  CHECK_INT(connection(&k, "127.0.0.1"), 0);
  CHECK_INT(connection(&k, "127.0.0.1"), 1);
  cfgs_close(&k);
}

/* A failed verification keeps nothing: the next connection to the same
 * host is verified again, and fails again. */
static void test_failed_handshake_keeps_nothing(void) {
  cfgs k;
  cfgs_open(&k);
  for (int i = 0; i < 2; i++) {
    pair pr;
    sessions(&pr, &k, "other.example");
    handshake(&pr, NULL, 0);
    CHECK_INT(pr.c.feed_rc, GF_EHOSTNAME);
    CHECK_INT(gf__tls_resumed(pr.c.t), 0);
    CHECK_INT(gf__tls_session_kept(pr.c.t), 0);
    pair_close(&pr);
  }
  cfgs_close(&k);
}

/* The flights of a handshake until both sides are done, without what the
 * server sends after it (TLS 1.3: after the client's Finished). */
static void handshake_only(pair *pr, cfgs *k, const char *host) {
  sessions(pr, k, host);
  CHECK_INT(gf__tls_start(pr->c.t), 0);
  for (int i = 0; i < 4 && !gf__tls_handshake_done(pr->c.t); i++) {
    deliver(&pr->c, &pr->s, NULL, 0);
    deliver(&pr->s, &pr->c, NULL, 0);
  }
  deliver(&pr->c, &pr->s, NULL, 0); /* the client's Finished, if left */
  CHECK_INT(gf__tls_handshake_done(pr->c.t), 1);
  CHECK_INT(gf__tls_handshake_done(pr->s.t), 1);
}

/* The client's handshake ends before the server's first flight after it:
 * with TLS 1.3 the ticket is in that flight, so a connection started then
 * does not resume; once the ticket is read, the next one does. With
 * TLS 1.2 the ticket came inside the handshake. */
static void test_ticket_after_the_handshake(void) {
  int v12 = strcmp(EXPECT_VERSION, "TLSv1.2") == 0;
  cfgs k;
  cfgs_open(&k);
  pair first, second;
  handshake_only(&first, &k, "localhost");
  /* TLS 1.3: the ticket waits in the server's output */
  CHECK_INT(first.s.out.len > 0, !v12);
  CHECK_INT(gf__tls_session_kept(first.c.t), v12);
  handshake_only(&second, &k, "localhost");
  CHECK_INT(gf__tls_resumed(second.c.t), v12);
  /* the first connection reads its ticket; the second's stays unread, so
   * a resumption now can only come from the first's */
  deliver(&first.s, &first.c, NULL, 0);
  CHECK_INT(first.c.feed_rc, 0);
  CHECK_INT(gf__tls_session_kept(first.c.t), 1);
  CHECK_INT(first.c.plain_calls, 0); /* no application data in it */
  CHECK_INT(connection(&k, "localhost"), 1);
  pair_close(&first);
  pair_close(&second);
  cfgs_close(&k);
}

TEST_MAIN(TEST(test_second_connection_resumes),
          TEST(test_only_for_the_host_verified),
          TEST(test_failed_handshake_keeps_nothing),
          TEST(test_ticket_after_the_handshake))
