/* Sharding by a hash of the item's id: the id, unlike a line number, stays
 * with its item when lines are added, removed or reordered, so a re-run
 * after editing the JSONL sends each item to the shard that already has
 * its output. */
#include "shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

/* Slurm task ids go up to a few million (MaxArraySize); anything longer is
 * a mistake, and the bound keeps the arithmetic far from overflow. */
#define GF__ENV_NUM_MAX 1000000000UL

static int gf__shard_env(gf__shard *out);
static int gf__shard_k8s(const char *index, gf__shard *out);
static int gf__shard_slurm(const char *id, gf__shard *out);
static int gf__shard_set(unsigned long k, unsigned long n, gf__shard *out);
static int gf__env_num(const char *name, unsigned long *v);
static const char *gf__env(const char *name);
static int gf__parse_num(const char *s, size_t len, unsigned long max,
                         unsigned long *v);

uint64_t gf__fnv1a64(const void *p, size_t n) {
  const unsigned char *b = p;
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= 1099511628211ULL;
  }
  return h;
}

int gf__shard_parse(const char *spec, gf__shard *out) {
  out->k = out->n = 0;
  if (strcmp(spec, "env") == 0)
    return gf__shard_env(out);
  const char *slash = strchr(spec, '/');
  unsigned long k, n;
  if (!slash ||
      gf__parse_num(spec, (size_t)(slash - spec), GF__SHARD_MAX, &k) ||
      gf__parse_num(slash + 1, strlen(slash + 1), GF__SHARD_MAX, &n) ||
      n == 0 || k >= n)
    return gf__usage_error("--shard takes K/N (0 <= K < N <= %lu) or 'env', "
                           "not '%s'",
                           GF__SHARD_MAX, spec);
  out->k = k;
  out->n = n;
  return 0;
}

int gf__shard_has(const gf__shard *s, const char *id) {
  if (s->n == 0)
    return 1;
  return gf__fnv1a64(id, strlen(id)) % s->n == s->k;
}

char *gf__shard_describe(const gf__shard *s, char *buf, size_t size) {
  if (s->n == 0)
    snprintf(buf, size, "%s", "");
  else
    snprintf(buf, size, "shard %lu/%lu", s->k, s->n);
  return buf;
}

/* Kubernetes first: a pod of an Indexed Job never carries Slurm's
 * variables, while a Slurm job may have inherited anything. */
static int gf__shard_env(gf__shard *out) {
  const char *index = gf__env("JOB_COMPLETION_INDEX");
  if (index)
    return gf__shard_k8s(index, out);
  const char *id = gf__env("SLURM_ARRAY_TASK_ID");
  if (id)
    return gf__shard_slurm(id, out);
  return gf__usage_error(
      "--shard env: neither JOB_COMPLETION_INDEX with GEMFLOW_SHARD_COUNT "
      "(Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID with "
      "SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT (Slurm job array) "
      "is set");
}

/* The Job's completion count is not visible inside the pod: the manifest
 * passes it as GEMFLOW_SHARD_COUNT. */
static int gf__shard_k8s(const char *index, gf__shard *out) {
  unsigned long k, n;
  if (!gf__env("GEMFLOW_SHARD_COUNT"))
    return gf__usage_error("--shard env: JOB_COMPLETION_INDEX is set but "
                           "GEMFLOW_SHARD_COUNT is not (set it to the Job's "
                           "completions)");
  if (gf__env_num("JOB_COMPLETION_INDEX", &k) ||
      gf__env_num("GEMFLOW_SHARD_COUNT", &n))
    return 2;
  if (gf__shard_set(k, n, out))
    return gf__usage_error("--shard env: JOB_COMPLETION_INDEX=%s does not "
                           "fit GEMFLOW_SHARD_COUNT=%s (0 <= index < count "
                           "<= %lu)",
                           index, gf__env("GEMFLOW_SHARD_COUNT"),
                           GF__SHARD_MAX);
  return 0;
}

/* Task ids need not start at 0 (--array=5-8), and a step (--array=0-10:2)
 * spaces them out: the shard is the task's rank in the array. */
static int gf__shard_slurm(const char *id, gf__shard *out) {
  if (!gf__env("SLURM_ARRAY_TASK_MIN") || !gf__env("SLURM_ARRAY_TASK_COUNT"))
    return gf__usage_error("--shard env: SLURM_ARRAY_TASK_ID is set but "
                           "SLURM_ARRAY_TASK_MIN or SLURM_ARRAY_TASK_COUNT "
                           "is not");
  unsigned long task, min, n, step = 1;
  if (gf__env_num("SLURM_ARRAY_TASK_ID", &task) ||
      gf__env_num("SLURM_ARRAY_TASK_MIN", &min) ||
      gf__env_num("SLURM_ARRAY_TASK_COUNT", &n) ||
      (gf__env("SLURM_ARRAY_TASK_STEP") &&
       gf__env_num("SLURM_ARRAY_TASK_STEP", &step)))
    return 2;
  if (step == 0 || task < min || (task - min) % step != 0 ||
      gf__shard_set((task - min) / step, n, out))
    return gf__usage_error("--shard env: SLURM_ARRAY_TASK_ID=%s is not one "
                           "of SLURM_ARRAY_TASK_COUNT=%s tasks from "
                           "SLURM_ARRAY_TASK_MIN=%s (at most %lu tasks)",
                           id, gf__env("SLURM_ARRAY_TASK_COUNT"),
                           gf__env("SLURM_ARRAY_TASK_MIN"), GF__SHARD_MAX);
  return 0;
}

/* 0 when k of n is a shard. */
static int gf__shard_set(unsigned long k, unsigned long n, gf__shard *out) {
  if (n == 0 || n > GF__SHARD_MAX || k >= n)
    return -1;
  out->k = k;
  out->n = n;
  return 0;
}

static int gf__env_num(const char *name, unsigned long *v) {
  const char *s = gf__env(name);
  if (!s)
    return gf__usage_error("--shard env: %s is not set", name);
  if (gf__parse_num(s, strlen(s), GF__ENV_NUM_MAX, v))
    return gf__usage_error("--shard env: %s='%s' is not a number", name, s);
  return 0;
}

/* An empty variable counts as unset: that is how a template leaves it. */
static const char *gf__env(const char *name) {
  const char *s = getenv(name);
  return s && *s ? s : NULL;
}

/* Decimal digits only (no sign, no blank, no 0x), at most max. 0 or -1. */
static int gf__parse_num(const char *s, size_t len, unsigned long max,
                         unsigned long *v) {
  if (len == 0)
    return -1;
  unsigned long n = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    n = n * 10 + (unsigned long)(s[i] - '0');
    if (n > max)
      return -1;
  }
  *v = n;
  return 0;
}
