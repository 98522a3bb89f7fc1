/* --shard: the hash, the split of ids, and the K/N and env forms. */
#include <fcntl.h>
#include <unistd.h>

#include "shard.h"
#include "test.h"

static const char *shard_vars[] = {
    "JOB_COMPLETION_INDEX",   "GEMFLOW_SHARD_COUNT",  "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",   "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_STEP",
};

static void clear_env(void) {
  for (size_t i = 0; i < sizeof shard_vars / sizeof *shard_vars; i++)
    unsetenv(shard_vars[i]);
}

/* gf__shard_parse with stderr sent to /dev/null. */
static int parse(const char *spec, gf__shard *s) {
  fflush(stderr);
  int saved = dup(2);
  int fd = open("/dev/null", O_WRONLY);
  dup2(fd, 2);
  close(fd);
  int rc = gf__shard_parse(spec, s);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  return rc;
}

#define CHECK_SHARD(spec, want_k, want_n)                                      \
  do {                                                                         \
    gf__shard s_ = {99, 99};                                                   \
    CHECK_INT(parse(spec, &s_), 0);                                            \
    CHECK_INT(s_.k, want_k);                                                   \
    CHECK_INT(s_.n, want_n);                                                   \
  } while (0)

#define CHECK_REFUSED(spec)                                                    \
  do {                                                                         \
    gf__shard s_;                                                              \
    CHECK_INT(parse(spec, &s_), 2);                                            \
  } while (0)

static void test_fnv1a64_vectors(void) {
  CHECK(gf__fnv1a64("", 0) == 0xcbf29ce484222325ULL);
  CHECK(gf__fnv1a64("a", 1) == 0xaf63dc4c8601ec8cULL);
  CHECK(gf__fnv1a64("foobar", 6) == 0x85944171f73967e8ULL);
}

static void test_split_is_disjoint_and_complete(void) {
  gf__shard s[3] = {{0, 3}, {1, 3}, {2, 3}};
  gf__shard none = {0, 0};
  int count[3] = {0};
  for (int i = 0; i < 1000; i++) {
    char id[32];
    snprintf(id, sizeof id, "item-%04d", i);
    int owners = 0;
    for (int k = 0; k < 3; k++)
      if (gf__shard_has(&s[k], id)) {
        owners++;
        count[k]++;
      }
    CHECK_INT(owners, 1);
    CHECK(gf__shard_has(&none, id));
  }
  /* and roughly even: each far from empty */
  for (int k = 0; k < 3; k++)
    CHECK(count[k] > 250);
  gf__shard one = {0, 1};
  CHECK(gf__shard_has(&one, "anything"));
}

static void test_parse_k_of_n(void) {
  CHECK_SHARD("0/1", 0, 1);
  CHECK_SHARD("2/3", 2, 3);
  CHECK_SHARD("999999/1000000", 999999, 1000000);
  const char *bad[] = {"3/3",  "-1/2", "1/0",     "1/",       "/2",
                       "x",    "1/2/3", " 1/2",   "1/2 ",     "+1/2",
                       "1/+2", "",     "0x1/2",   "0/1000001", "1.0/2",
                       "/",    "ENV",  "99999999999999999999/2"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    CHECK_REFUSED(bad[i]);
}

static void test_describe(void) {
  char buf[64];
  gf__shard s = {1, 3}, none = {0, 0};
  CHECK_STR(gf__shard_describe(&s, buf, sizeof buf), "shard 1/3");
  CHECK_STR(gf__shard_describe(&none, buf, sizeof buf), "");
}

static void test_env_kubernetes(void) {
  clear_env();
  setenv("JOB_COMPLETION_INDEX", "2", 1);
  setenv("GEMFLOW_SHARD_COUNT", "5", 1);
  CHECK_SHARD("env", 2, 5);
  /* Kubernetes wins over variables inherited from Slurm */
  setenv("SLURM_ARRAY_TASK_ID", "0", 1);
  CHECK_SHARD("env", 2, 5);
  setenv("JOB_COMPLETION_INDEX", "5", 1);
  CHECK_REFUSED("env");
  setenv("JOB_COMPLETION_INDEX", "x", 1);
  CHECK_REFUSED("env");
  setenv("JOB_COMPLETION_INDEX", "1", 1);
  unsetenv("GEMFLOW_SHARD_COUNT");
  CHECK_REFUSED("env");
  setenv("GEMFLOW_SHARD_COUNT", "0", 1);
  CHECK_REFUSED("env");
  clear_env();
}

static void test_env_slurm(void) {
  clear_env();
  setenv("SLURM_ARRAY_TASK_ID", "7", 1);
  setenv("SLURM_ARRAY_TASK_MIN", "5", 1);
  setenv("SLURM_ARRAY_TASK_COUNT", "4", 1);
  CHECK_SHARD("env", 2, 4);
  setenv("SLURM_ARRAY_TASK_ID", "5", 1);
  CHECK_SHARD("env", 0, 4);
  setenv("SLURM_ARRAY_TASK_ID", "9", 1); /* 5..8 only */
  CHECK_REFUSED("env");
  setenv("SLURM_ARRAY_TASK_ID", "4", 1);
  CHECK_REFUSED("env");
  /* --array=0-10:2: tasks 0 2 4 6 8 10 are shards 0..5 of 6 */
  setenv("SLURM_ARRAY_TASK_MIN", "0", 1);
  setenv("SLURM_ARRAY_TASK_COUNT", "6", 1);
  setenv("SLURM_ARRAY_TASK_STEP", "2", 1);
  setenv("SLURM_ARRAY_TASK_ID", "10", 1);
  CHECK_SHARD("env", 5, 6);
  setenv("SLURM_ARRAY_TASK_ID", "3", 1);
  CHECK_REFUSED("env");
  unsetenv("SLURM_ARRAY_TASK_STEP");
  unsetenv("SLURM_ARRAY_TASK_MIN");
  CHECK_REFUSED("env");
  clear_env();
  CHECK_REFUSED("env");
}

static void test_env_messages(void) {
  clear_env();
  char path[] = "/tmp/gf-shard-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  fflush(stderr);
  int saved = dup(2);
  dup2(fd, 2);
  gf__shard s;
  CHECK_INT(gf__shard_parse("env", &s), 2);
  setenv("JOB_COMPLETION_INDEX", "1", 1);
  CHECK_INT(gf__shard_parse("env", &s), 2);
  clear_env();
  setenv("SLURM_ARRAY_TASK_ID", "1", 1);
  CHECK_INT(gf__shard_parse("env", &s), 2);
  clear_env();
  CHECK_INT(gf__shard_parse("3/3", &s), 2);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  char text[4096] = "";
  FILE *f = fdopen(fd, "r");
  rewind(f);
  text[fread(text, 1, sizeof text - 1, f)] = '\0';
  fclose(f);
  unlink(path);
  CHECK(strstr(text, "gemflow: --shard env: neither JOB_COMPLETION_INDEX "
                     "with GEMFLOW_SHARD_COUNT") != NULL);
  CHECK(strstr(text, "JOB_COMPLETION_INDEX is set but GEMFLOW_SHARD_COUNT "
                     "is not") != NULL);
  CHECK(strstr(text, "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN "
                     "or SLURM_ARRAY_TASK_COUNT is not") != NULL);
  CHECK(strstr(text, "gemflow: --shard takes K/N (0 <= K < N <= 1000000) "
                     "or 'env', not '3/3'") != NULL);
}

TEST_MAIN(TEST(test_fnv1a64_vectors), TEST(test_split_is_disjoint_and_complete),
          TEST(test_parse_k_of_n), TEST(test_describe),
          TEST(test_env_kubernetes), TEST(test_env_slurm),
          TEST(test_env_messages))
