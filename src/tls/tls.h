/* TLS engine, sans-IO: ciphertext in through gf__tls_feed, plaintext out
 * through on_plain; plaintext in through gf__tls_write, ciphertext out
 * through on_cipher. No sockets, no libuv: the conn layer (client) and the
 * simulator (server) move the bytes. Two engines stand behind this
 * interface, chosen at configure time (third_party/tls_engine.cmake):
 * mbedTLS (src/tls/mbedtls/, the default) and OpenSSL 3 (src/tls/openssl/);
 * the .c files of src/tls/ itself are what they share. No library type,
 * error string or suite spelling of either leaves src/tls/.
 *
 * Policy: TLS 1.2 minimum (mbedTLS 2.28: TLS 1.2 only; OpenSSL: 1.2 and
 * 1.3); ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 only. A client
 * always verifies the peer (the CA bundle of its config) and the host name
 * (SNI is sent for names, not for IP literals, whose certificate must name
 * them in an iPAddress SAN, v4 or v6). */
#ifndef GF_TLS_H
#define GF_TLS_H
#include <stddef.h>

typedef struct gf__tls_config gf__tls_config;
typedef struct gf__tls gf__tls;

/* A config and its sessions belong to one thread (the loop's): they share
 * one random generator, seeded once per config. */

/* Client config. ca_file NULL: $SSL_CERT_FILE when set, else
 * /etc/ssl/certs/ca-certificates.crt. GF_ECAFILE when it cannot be loaded
 * (*errmsg, when errmsg is not NULL, gets a static explanation). */
int gf__tls_config_client(gf__tls_config **out, const char *ca_file,
                          const char **errmsg);
/* Server config from PEM files (certificate chain, unencrypted key).
 * GF_EIO when a file cannot be read, GF_ETLS when it cannot be parsed or
 * the key is not the certificate's; *errmsg as above. */
int gf__tls_config_server(gf__tls_config **out, const char *cert_file,
                          const char *key_file, const char **errmsg);
/* Sessions hold a reference: the config may be freed before them. */
void gf__tls_config_free(gf__tls_config *cfg);
/* Which AEAD the setting offers, set before any session is made from it
 * (GF_EINVAL for a value not GF_AEAD_*, or while a session of the setting
 * exists): GF_AEAD_AES_GCM or GF_AEAD_CHACHA20 only that family's ECDHE
 * suites (TLS 1.3: that family's suites); GF_AEAD_AUTO, the default, both,
 * the one faster on this CPU with this engine first (gf__tls_aead_auto).
 * A server of ours follows the client's order where its engine can
 * (OpenSSL); mbedTLS 2.28 walks its own list, so its order is the AUTO
 * one. */
int gf__tls_config_set_aead(gf__tls_config *cfg, int aead);
/* The AEAD GF_AEAD_AUTO puts first, GF_AEAD_AES_GCM or GF_AEAD_CHACHA20:
 * whichever sealed 16 KiB records faster with this engine, measured once
 * per process (under a millisecond) and kept. *aes_mbs and *chacha_mbs,
 * when not NULL, get the MB/s measured (0 when the measurement could not
 * run). Thread safe. */
int gf__tls_aead_auto(double *aes_mbs, double *chacha_mbs);
/* The engine built in: "mbedtls" or "openssl". */
const char *gf__tls_engine(void);

typedef struct gf__tls_cbs {
  /* Bytes to send on the wire. Must take them all (copy or queue). */
  int (*on_cipher)(void *ud, const char *p, size_t n);
  /* Decrypted application data. */
  int (*on_plain)(void *ud, const char *p, size_t n);
  /* Handshake finished (status 0) or failed (GF_ETLS, GF_ECERT,
   * GF_EHOSTNAME, or what on_cipher returned while it ran). Called once.
   * May be NULL. */
  void (*on_handshake)(void *ud, int status);
} gf__tls_cbs;
/* From a callback, gf__tls_write and gf__tls_close may be called; not
 * gf__tls_feed (GF_EINVAL) nor gf__tls_free. Failures are final: once a
 * call has failed, every later call returns the same code. */

/* host: the name or IP literal to verify (client), NULL for a server; a
 * client without a host, or a server with one, is GF_EINVAL. A final dot
 * ("example.com.") is dropped. */
int gf__tls_new(gf__tls **out, gf__tls_config *cfg, const char *host,
                const gf__tls_cbs *cbs, void *ud);
void gf__tls_free(gf__tls *t);
/* Client: sends the ClientHello. */
int gf__tls_start(gf__tls *t);
/* Ciphertext from the wire. Drives the handshake, then decrypts every whole
 * record into on_plain. Returns 0, a GF_E* code for a protocol or
 * verification failure, or what a callback returned. After the peer's
 * close_notify, gf__tls_closed() is true and further records are ignored. */
int gf__tls_feed(gf__tls *t, const char *p, size_t n);
/* Encrypts application data: one on_cipher call per record of up to 16 KiB
 * of plaintext. GF_EINVAL before the handshake is done or after the peer's
 * close_notify. */
int gf__tls_write(gf__tls *t, const char *p, size_t n);
/* Sends close_notify. */
int gf__tls_close(gf__tls *t);
int gf__tls_handshake_done(const gf__tls *t);
/* The peer sent close_notify. A TCP EOF without it, while a response is
 * still expected, is a truncation. */
int gf__tls_closed(const gf__tls *t);
/* A printable explanation of the last failure (verify flags, alert), ""
 * when there was none. */
const char *gf__tls_errmsg(const gf__tls *t);
/* Negotiated suite name, IANA's with '-' for '_', whichever engine, e.g.
 * "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256" (TLS 1.2) or
 * "TLS-AES-128-GCM-SHA256" (TLS 1.3); NULL until the handshake is done. */
const char *gf__tls_suite(const gf__tls *t);
/* "TLSv1.2" or "TLSv1.3"; NULL until the handshake is done. */
const char *gf__tls_version(const gf__tls *t);
/* 1 when the handshake resumed an earlier session of the same client
 * setting (no certificate exchange; with TLS 1.2 no key agreement either,
 * with TLS 1.3 a fresh ECDHE still). A TLS 1.3 server sends its tickets
 * after the handshake: a client keeps one as records are fed, only for
 * the host it verified. */
int gf__tls_resumed(const gf__tls *t);
/* 1 once this client session has left its setting a session to resume
 * for its host: with TLS 1.2 when the handshake ends, with TLS 1.3 when a
 * ticket is read, after the handshake (none may ever come). A connection
 * dialled before then makes a full handshake: a caller limiting the
 * handshakes under way may hold the first ones' places until this is 1
 * (or a short while). */
int gf__tls_session_kept(const gf__tls *t);

/* Test and simulator support: make a CA (EC P-256) and a server certificate
 * signed by it for DNS:localhost, IP:127.0.0.1 and IP:::1 (plus the extra
 * SANs given: names, or IPv4/IPv6 literals; 64 SANs at most), valid from an
 * hour ago for a year, written as PEM files <dir>/ca.pem, <dir>/server.pem,
 * <dir>/server.key (mode 0600). The CA key is not kept. 0, GF_EINVAL,
 * GF_EIO (a file could not be written) or GF_ETLS. */
int gf__tls_make_test_certs(const char *dir, const char *const *extra_sans,
                            size_t n_extra);
#endif
