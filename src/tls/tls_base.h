/* Private to src/tls/ and its engines (src/tls/mbedtls/, src/tls/openssl/):
 * what a session and a setting are whatever the engine, and the split
 * between the engine-neutral files of src/tls/ and an engine. Each engine's
 * struct gf__tls starts with a gf__tls_base and its struct gf__tls_config
 * with a gf__tls_config_base, so the shared code reaches them by a cast.
 * Nothing outside src/tls/ may include this header. */
#ifndef GF_TLS_BASE_H
#define GF_TLS_BASE_H
#include <stddef.h>

#include "tls/tls.h"

#define GF__TLS_ERRMSG_MAX 300

typedef struct gf__tls_config_base {
  unsigned refs; /* every session holds one */
  int is_client;
  char ca_path[256]; /* client: where the roots came from */
  /* client: the host the kept session was verified for; it is offered
   * to no other */
  char *saved_host;
} gf__tls_config_base;

typedef struct gf__tls_base {
  gf__tls_cbs cbs;
  void *ud;
  /* The ciphertext of the gf__tls_feed() call under way, read by the
   * engine's BIO; NULL outside a feed. */
  const unsigned char *in;
  size_t in_len;
  char *host;           /* as given without a final dot; NULL on a server */
  unsigned char ip[16]; /* the host as an address, when it is one */
  size_t ip_len;        /* 4, 16, or 0 for a name */
  int err;              /* sticky: the first failure, returned again */
  int cb_err;           /* what on_cipher returned inside a library call */
  unsigned hs_done : 1, closed : 1, resumed : 1, kept : 1;
  char errmsg[GF__TLS_ERRMSG_MAX];
} gf__tls_base;

static inline gf__tls_base *gf__tls_b(gf__tls *t) {
  return (gf__tls_base *)(void *)t;
}
static inline const gf__tls_base *gf__tls_cb(const gf__tls *t) {
  return (const gf__tls_base *)(const void *)t;
}
static inline gf__tls_config_base *gf__tls_cfg_b(gf__tls_config *c) {
  return (gf__tls_config_base *)(void *)c;
}

/* ---- shared: tls_feed.c -------------------------------------------------- */
/* Failures are final: the first one is kept and returned again. */
int gf__tls_fail(gf__tls_base *b, int err);
/* A callback's refusal, with its message. */
int gf__tls_cb_fail(gf__tls_base *b, int err);
/* The engine's BIO: takes up to n bytes of the feed under way (0 when it
 * is used up), and hands ciphertext to on_cipher (0, or -1 once it has
 * refused, its code kept in cb_err). */
size_t gf__tls_take_input(gf__tls_base *b, unsigned char *p, size_t n);
int gf__tls_send_cipher(gf__tls_base *b, const unsigned char *p, size_t n);

/* ---- shared: tls_host.c -------------------------------------------------- */
/* 1 when the setting's kept session was verified for host. */
int gf__tls_saved_for(const gf__tls_config_base *c, const char *host);
/* Records host as the kept session's; 0 or GF_ENOMEM (nothing changed). */
int gf__tls_save_host(gf__tls_config_base *c, const char *host);
void gf__tls_config_base_free(gf__tls_config_base *c);

/* ---- shared: tls_ca.c ---------------------------------------------------- */
/* Where a client's roots come from: ca_file, else $SSL_CERT_FILE, else the
 * system bundle; with the messages for a file that cannot be read or holds
 * no usable certificate. */
typedef struct gf__tls_ca_source {
  const char *path, *unreadable, *unusable;
} gf__tls_ca_source;
gf__tls_ca_source gf__tls_pick_ca(const char *ca_file);

/* ---- shared: tls_msg.c --------------------------------------------------- */
void gf__tls_set_msg(const char **errmsg, const char *msg);
/* The names of RFC 8446 6.2, "unknown" for others. */
const char *gf__tls_alert_name(int alert);
/* What a failed certificate verification found, worded the same by both
 * engines: GF__CERT_NAME alone is GF_EHOSTNAME ("certificate is not valid
 * for host H"); GF__CERT_UNTRUSTED leads with the CA bundle searched; the
 * engine's other problems (lines of problems, '\n'-separated) follow,
 * joined with "; ". Writes b->errmsg; returns the code. */
enum { GF__CERT_NAME = 1, GF__CERT_UNTRUSTED = 2 };
int gf__tls_cert_message(gf__tls_base *b, const char *ca_path, unsigned what,
                         const char *problems);

/* ---- shared: tls_aead.c -------------------------------------------------- */
/* GF_AEAD_AES_GCM or GF_AEAD_CHACHA20: the faster on this CPU with this
 * engine, measured once per process. */
int gf__tls_aead_pick(void);

/* ---- shared, server side: srv_certs.c ------------------------------------ */
struct gf__tls_testcert_opts;
/* GF_EINVAL for what no engine can make: no dir or options, too many
 * SANs, a SAN missing or empty. */
int gf__tls_testcert_check(const char *dir,
                           const struct gf__tls_testcert_opts *o);
/* The CA's validity, relative to now, for the leaf's in o. */
void gf__tls_testcert_ca_validity(const struct gf__tls_testcert_opts *o,
                                  long long *not_before, long long *not_after);
/* A SAN that is an IPv4 or IPv6 literal: its 4 or 16 bytes in addr and
 * their count; 0 for a name. */
int gf__tls_testcert_san_addr(const char *s, unsigned char addr[16]);
/* Creates path with mode and writes n bytes; 0 or GF_EIO. */
int gf__tls_testcert_write(const char *path, const void *data, size_t n,
                           int mode);

/* ---- each engine --------------------------------------------------------- */
/* Drops a reference; the last frees the setting. */
void gf__tls_config_unref(gf__tls_config *cfg);
/* A zeroed session holding a reference on cfg, or NULL. */
gf__tls *gf__tls_eng_alloc(gf__tls_config *cfg);
/* Makes the library's session for the base set up (host parsed). */
int gf__tls_eng_setup(gf__tls *t);
/* One step of the handshake with the feed under way: 1 done (resumed set,
 * the session kept), 0 more input wanted, or a failure made final. */
int gf__tls_eng_handshake(gf__tls *t);
/* Decrypts: GF__TLS_DATA (*got bytes in buf), GF__TLS_WANT (the feed is
 * used up), GF__TLS_EOF (close_notify), or a failure made final. */
enum { GF__TLS_WANT = 0, GF__TLS_DATA = 1, GF__TLS_EOF = 2 };
int gf__tls_eng_read(gf__tls *t, unsigned char *buf, size_t cap, size_t *got);
/* Encrypts up to n bytes: *done of them; 0 or a failure made final. */
int gf__tls_eng_write(gf__tls *t, const char *p, size_t n, size_t *done);
/* Sends close_notify (once the handshake is done); 0 or a failure made
 * final. */
int gf__tls_eng_close(gf__tls *t);
/* Offers the suites of the AEAD first (GF_AEAD_AES_GCM or _CHACHA20),
 * then, unless only, the other's; 0 or GF_ETLS. */
int gf__tls_eng_set_suites(gf__tls_config *cfg, int first, int only);
/* Seals n bytes of buf in place reps times with the AEAD, as a record
 * would be; 0, or -1 when the cipher cannot be set up. */
int gf__tls_eng_seal(int aead, unsigned char *buf, size_t n, int reps);
/* "mbedtls" or "openssl". */
extern const char gf__tls_eng_name[];
#endif
