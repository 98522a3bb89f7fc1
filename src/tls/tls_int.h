/* Private to src/tls/ (the mbedTLS engine): the structures behind the opaque
 * handles of tls.h and the helpers shared by the engine's files. Nothing
 * outside src/tls/ may include this header. */
#ifndef GF_TLS_INT_H
#define GF_TLS_INT_H
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include "tls/tls.h"

/* One per client or server setting, shared by all its sessions (one thread:
 * the DRBG is not locked). Reference-counted: every session holds one, so
 * gf__tls_config_free() may come before the last gf__tls_free(). */
struct gf__tls_config {
  mbedtls_ssl_config conf;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg; /* seeded once, for every session */
  mbedtls_x509_crt ca;           /* client: trusted roots */
  mbedtls_x509_crt own;          /* server: certificate chain */
  mbedtls_pk_context key;        /* server: private key */
  unsigned refs;
  int is_client;
  char ca_path[256];             /* client: where the roots came from */
  /* client: the last session established, offered to every new one so
   * that its handshake can skip the certificate exchange and the key
   * agreement (a ticket, else the session id) */
  mbedtls_ssl_session saved;
  int have_saved;
  char saved_host[256]; /* the host it was verified for: offered to no other */
  /* server: what srv_config.c added, freed with the setting */
  void *srv_extra;
  void (*srv_extra_free)(void *extra);
};

void gf__tls_config_unref(gf__tls_config *cfg);
/* tls_config.c, shared with srv_config.c: a setting with the common policy
 * for endpoint (MBEDTLS_SSL_IS_CLIENT or _SERVER), and *errmsg = msg. */
int gf__tls_config_new(gf__tls_config **out, int endpoint,
                       const char **errmsg);
void gf__tls_set_msg(const char **errmsg, const char *msg);

#define GF__TLS_ERRMSG_MAX 300

struct gf__tls {
  mbedtls_ssl_context ssl;
  gf__tls_config *cfg;
  gf__tls_cbs cbs;
  void *ud;
  /* The ciphertext of the gf__tls_feed() call under way, read by the BIO. */
  const unsigned char *in;
  size_t in_len;
  char *host;           /* as given, for messages; NULL on a server */
  unsigned char ip[16]; /* the host as an address, when it is one */
  size_t ip_len;        /* 4, 16, or 0 for a name */
  int err;              /* sticky: the first failure, returned again */
  unsigned verify_calls; /* certificates verified: none on a resumption */
  int resumed;          /* the handshake resumed cfg->saved */
  int cb_err;           /* what on_cipher returned inside an mbedTLS call */
  unsigned hs_done : 1, closed : 1;
  char errmsg[GF__TLS_ERRMSG_MAX];
};

/* tls_verify.c */
/* Sets t->ip/ip_len when host is an IPv4 or IPv6 literal; 0 or GF_EINVAL. */
int gf__tls_parse_host(gf__tls *t, const char *host);
/* mbedTLS verify callback (mbedtls_ssl_set_verify) of every client
 * session: counts the certificates seen (a resumed handshake sees none)
 * and, for an IP literal host, checks the iPAddress SANs. */
int gf__tls_verify(void *ctx, mbedtls_x509_crt *crt, int depth,
                   uint32_t *flags);
/* Maps a failed mbedTLS call to GF_ETLS/GF_ECERT/GF_EHOSTNAME and writes
 * t->errmsg. */
int gf__tls_map_error(gf__tls *t, int mbed_rc);
#endif
