/* Private to src/tls/openssl/ (the OpenSSL engine): the structures behind
 * the opaque handles of tls.h and the helpers shared by the engine's files.
 * Nothing outside this directory may include this header. */
#ifndef GF_TLS_OPENSSL_INT_H
#define GF_TLS_OPENSSL_INT_H
#include <stddef.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls/tls_base.h"

#define GF__TLS_TICKETS 64 /* two per connection of a burst of dials */

/* One per client or server setting, shared by all its sessions (one
 * thread). Reference-counted: every session holds one, so
 * gf__tls_config_free() may come before the last gf__tls_free(). */
struct gf__tls_config {
  gf__tls_config_base b; /* first: see tls_base.h */
  SSL_CTX *ctx; /* policy, roots (client) or certificate (server), tickets */
  /* client: sessions to resume with b.saved_host, newest last. A TLS 1.2
   * session (the last established) is offered to every new connection; a
   * TLS 1.3 ticket once only, as RFC 8446 C.4 advises and servers may
   * insist (OpenSSL's refuses a ticket used after the connection it
   * resumed was given new ones): each connection then leaves new tickets
   * for the next */
  SSL_SESSION *saved[GF__TLS_TICKETS];
  int nsaved;
};

/* tls_config.c: the client's sessions to resume. take: the newest for
 * host (a reference the caller frees; a TLS 1.3 ticket leaves the list),
 * or NULL. */
SSL_SESSION *gf__tls_take_session(gf__tls_config *cfg, const char *host);
void gf__tls_drop_sessions(gf__tls_config *cfg);

/* tls_config.c, shared with srv_config.c: a setting with the common policy
 * (TLS 1.2 and 1.3, ECDHE with AEAD suites), and *errmsg on failure. */
int gf__tls_config_new(gf__tls_config **out, int is_client,
                       const char **errmsg);

/* What a certificate verification found, as kinds rather than OpenSSL
 * codes: the message and the alert are chosen from the kinds, the way the
 * mbedTLS engine chooses them from its flags. */
enum {
  GF__V_EXPIRED = 1 << 0,
  GF__V_NAME = 1 << 1,      /* host name or IP not in the certificate */
  GF__V_UNTRUSTED = 1 << 2, /* no chain to a root of the CA bundle */
  GF__V_FUTURE = 1 << 3,
  GF__V_OTHER = 1 << 4, /* see gf__tls.v_other */
  GF__V_NOMEM = 1 << 5  /* an allocation failed: no verdict */
};

struct gf__tls {
  gf__tls_base b; /* first: see tls_base.h */
  SSL *ssl;
  gf__tls_config *cfg;
  unsigned v_kinds; /* GF__V_* of the last certificate verification */
  int v_other;      /* the first X509_V_ERR_* of kind GF__V_OTHER */
  char suite[64];   /* the IANA name, '-' for '_', once the handshake is done */
};

/* tls_bio.c: a BIO whose reads take the ciphertext of the feed under way
 * and whose writes go to on_cipher, one call per write (one per record
 * after the handshake). NULL when out of memory. */
BIO *gf__tls_bio_new(gf__tls *t);

/* tls_verify.c */
/* Installed with SSL_CTX_set_cert_verify_callback on every client
 * setting: verifies the chain and the host, recording every problem in
 * t->v_kinds instead of stopping at the first. */
int gf__tls_verify_chain(X509_STORE_CTX *x, void *arg);
/* The message and code of a failed verification (t->v_kinds != 0):
 * GF_EHOSTNAME for a name mismatch alone, else GF_ECERT. */
int gf__tls_cert_error(gf__tls *t);

/* tls_errmsg.c: maps the failure of an OpenSSL call (SSL_get_error's
 * answer) to GF_ETLS/GF_ECERT/GF_EHOSTNAME/GF_ENOMEM, writes the message
 * and empties the thread's error queue. */
int gf__tls_map_error(gf__tls *t, int ssl_error);
/* Empties the thread's error queue: *first gets the oldest error (0 for
 * none); 1 when an allocation failure is among them. */
int gf__tls_take_errors(unsigned long *first);
#endif
