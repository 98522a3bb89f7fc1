/* --shard K/N: one JSONL split over N machines without coordination. Every
 * machine reads the same file and keeps the items whose id hashes to its K,
 * so the shards are disjoint and together hold every item. */
#ifndef GF_CLI_SHARD_H
#define GF_CLI_SHARD_H
#include <stddef.h>
#include <stdint.h>

#define GF__SHARD_MAX 1000000UL

typedef struct gf__shard {
  unsigned long k, n; /* n == 0: no sharding */
} gf__shard;

/* FNV-1a, 64 bits, of the bytes p[0..n). */
uint64_t gf__fnv1a64(const void *p, size_t n);

/* "K/N" (decimal, 0 <= K < N <= GF__SHARD_MAX) or "env" (Kubernetes Indexed
 * Job: JOB_COMPLETION_INDEX of GEMFLOW_SHARD_COUNT; else Slurm job array:
 * SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT).
 * 0, or 2 after printing the usage error. */
int gf__shard_parse(const char *spec, gf__shard *out);

/* Whether the item with this id belongs to the shard (always, when n == 0). */
int gf__shard_has(const gf__shard *s, const char *id);

/* "shard 1/3", or "" when not sharded, into buf; returns buf. */
char *gf__shard_describe(const gf__shard *s, char *buf, size_t size);
#endif
