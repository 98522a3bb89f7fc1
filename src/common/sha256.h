/* SHA-256 (FIPS 180-4), incremental: the file sink hashes image bytes as they
 * stream, and the simulator hashes what it serves. Kept here, not in tls, so
 * that no layer above tls depends on a TLS engine's types. */
#ifndef GF_COMMON_SHA256_H
#define GF_COMMON_SHA256_H
#include <stddef.h>
#include <stdint.h>

typedef struct gf__sha256 {
  uint32_t h[8];
  uint64_t total;
  unsigned char block[64];
  size_t used;
} gf__sha256;

void gf__sha256_init(gf__sha256 *s);
void gf__sha256_update(gf__sha256 *s, const void *p, size_t n);
void gf__sha256_final(gf__sha256 *s, unsigned char out[32]);
/* 1 when the CPU's SHA extensions are used (GF_NO_SHANI=1 turns them off,
 * for tests of the plain path). */
int gf__sha256_accelerated(void);
/* Tests: 1 forces the plain C path, 0 goes back to the best one. */
void gf__sha256_use_plain(int on);
#endif
