#include "sim/sig.h"

#include <string.h>

#include "b64/b64.h"
#include "common/sha256.h"

/* Fixed on purpose: signatures stay valid across restarts and between
 * simulators, as the service's do across its servers. */
static const char gf__sim_sig_key[] = "gemflow-sim thought signatures v1";

void gf__sim_hmac_sha256(const void *key, size_t klen, const void *msg,
                         size_t n, unsigned char out[32]) {
  unsigned char k[64] = {0}, pad[64], inner[32];
  if (klen > sizeof k) {
    gf__sha256 s;
    gf__sha256_init(&s);
    gf__sha256_update(&s, key, klen);
    gf__sha256_final(&s, k);
  } else {
    memcpy(k, key, klen);
  }
  gf__sha256 s;
  for (size_t i = 0; i < 64; i++)
    pad[i] = k[i] ^ 0x36;
  gf__sha256_init(&s);
  gf__sha256_update(&s, pad, 64);
  gf__sha256_update(&s, msg, n);
  gf__sha256_final(&s, inner);
  for (size_t i = 0; i < 64; i++)
    pad[i] = k[i] ^ 0x5c;
  gf__sha256_init(&s);
  gf__sha256_update(&s, pad, 64);
  gf__sha256_update(&s, inner, 32);
  gf__sha256_final(&s, out);
}

static void sign(char kind, const unsigned char sha[32], char *out) {
  unsigned char msg[33], mac[32];
  msg[0] = (unsigned char)kind;
  memcpy(msg + 1, sha, 32);
  gf__sim_hmac_sha256(gf__sim_sig_key, sizeof gf__sim_sig_key - 1, msg,
                      sizeof msg, mac);
  gf__b64_encode(mac, sizeof mac, out);
}

void gf__sim_sig_image(const unsigned char sha[32], char *out) {
  sign('I', sha, out);
}

void gf__sim_sig_text(const char *text, size_t n, char *out) {
  unsigned char sha[32];
  gf__sha256 s;
  gf__sha256_init(&s);
  gf__sha256_update(&s, text, n);
  gf__sha256_final(&s, sha);
  sign('T', sha, out);
}

/* Decodes a signature of at most 64 characters; -1 when it is not base64
 * or longer. */
static long decode(const char *s, size_t n, unsigned char *out) {
  if (n > 64)
    return -1;
  gf__b64dec d;
  size_t got = 0, tail = 0;
  gf__b64_init(&d);
  if (gf__b64_decode(&d, s, n, out, &got) ||
      gf__b64_finish(&d, out + got, &tail))
    return -1;
  return (long)(got + tail);
}

int gf__sim_sig_matches(const char *sig, size_t n, const char *expected) {
  unsigned char a[GF_B64_DEC_MAX(64) + 3], b[GF_B64_DEC_MAX(64) + 3];
  long la = decode(sig, n, a), lb = decode(expected, strlen(expected), b);
  if (la < 0 || la != lb)
    return 0;
  unsigned diff = 0; /* the whole length, whatever differs first */
  for (long i = 0; i < la; i++)
    diff |= (unsigned)(a[i] ^ b[i]);
  return diff == 0;
}
