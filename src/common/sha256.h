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
/* 1 when the CPU's SHA extensions are used. */
int gf__sha256_accelerated(void);
/* The compression function over whole 64-byte blocks: the best path the
 * CPU allows, and the plain C one (which the other must agree with). */
void gf__sha256_blocks(uint32_t h[8], const unsigned char *p, size_t blocks);
void gf__sha256_blocks_generic(uint32_t h[8], const unsigned char *p,
                               size_t blocks);
#endif
