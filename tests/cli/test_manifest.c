/* The manifest: append, load and resume, torn and bad lines, the lock on
 * DIR, stale temporaries; and merge-manifests called as a function. Each
 * test works in its own mkdtemp directory. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest.h"
#include "merge.h"
#include "test.h"

#define PSHA "1111111111111111111111111111111111111111111111111111111111111111"
#define PSHA2 "2222222222222222222222222222222222222222222222222222222222222222"

static char *tmpdir(char *buf, size_t cap) {
  snprintf(buf, cap, "/tmp/gf-test-manifest-XXXXXX");
  CHECK(mkdtemp(buf) != NULL);
  return buf;
}

static void rm_rf(const char *dir) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

static char *read_file(const char *path) {
  static char buf[65536];
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  buf[n] = '\0';
  if (f)
    fclose(f);
  return buf;
}

static long long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static int count_lines(const char *text) {
  int n = 0;
  for (; *text; text++)
    n += *text == '\n';
  return n;
}

/* A finished item: ok with an image whose digest is sha (NULL: zeros), or
 * an error. */
static int append(gf__manifest *m, const char *id, int ok, const char *file,
                  const unsigned char *sha, const char *psha) {
  gf_result res;
  memset(&res, 0, sizeof res);
  res.status = ok ? GF_OK : GF_ETIMEDOUT;
  res.retry_after_s = -1;
  static const gf_usage usage;
  static const gf_timings timings = {1, 2, 3, 4, 5, 6};
  res.usage = &usage;
  res.timings = &timings;
  res.attempts = 1;
  res.mime = "image/png";
  res.bytes = 10;
  if (sha)
    memcpy(res.sha256, sha, 32);
  gf__record rec = {.id = id, .res = &res, .file = file,
                    .prompt_sha256 = psha, .cost_usd = ok ? 0.134 : 0,
                    .meta_json = "{\"n\":1}", .queued_ms = 10};
  return gf__manifest_append(m, &rec);
}

static void test_append_and_load(void) {
  char dir[64], path[128];
  tmpdir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/manifest.jsonl", dir);
  gf__manifest m;
  CHECK_INT(gf__manifest_open(&m, path), 0);
  CHECK_INT(append(&m, "a", 1, "a.png", NULL, PSHA), 0);
  CHECK_INT(append(&m, "b", 0, NULL, NULL, PSHA), 0);
  CHECK_INT(append(&m, "c", 1, "sub/c.png", NULL, NULL), 0);
  gf__manifest_close(&m);
  CHECK_INT(m.fd, -1);
  struct stat st;
  mode_t um = umask(0);
  umask(um);
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == (0644 & ~um));
  CHECK_INT(count_lines(read_file(path)), 3);

  gf__mstate s;
  memset(&s, 0, sizeof s);
  int repaired = -1;
  CHECK_INT(gf__manifest_load(path, &s, &repaired), 0);
  CHECK_INT(repaired, 0);
  CHECK_INT(gf__mstate_count(&s), 3);
  const gf__mentry *a = gf__mstate_find(&s, "a");
  const gf__mentry *b = gf__mstate_find(&s, "b");
  const gf__mentry *c = gf__mstate_find(&s, "c");
  CHECK(a && b && c && !gf__mstate_find(&s, "d"));
  if (a && b && c) {
    CHECK(a->ok && !b->ok && c->ok);
    CHECK_STR(a->file, "a.png");
    CHECK_STR(b->file, NULL);
    CHECK_STR(c->file, "sub/c.png");
    CHECK_STR(a->sha256, "0000000000000000000000000000000000000000000000000"
                         "000000000000000");
    CHECK_STR(b->sha256, "");
    CHECK_STR(a->prompt_sha256, PSHA);
    CHECK_STR(c->prompt_sha256, "");
    CHECK_INT(a->line, 1);
    CHECK_INT(c->line, 3);
  }
  CHECK(gf__mstate_at(&s, 1) == b);
  gf__mstate_free(&s);
  CHECK_INT(gf__mstate_count(&s), 0);
  rm_rf(dir);
}

static void test_missing_manifest_is_empty(void) {
  char dir[64], path[128];
  tmpdir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/manifest.jsonl", dir);
  gf__mstate s;
  memset(&s, 0, sizeof s);
  int repaired = -1;
  CHECK_INT(gf__manifest_load(path, &s, &repaired), 0);
  CHECK_INT(repaired, 0);
  CHECK_INT(gf__mstate_count(&s), 0);
  CHECK(gf__mstate_find(&s, "a") == NULL);
  CHECK_INT(file_size(path), -1); /* not created by a load */
  gf__mstate_free(&s);
  rm_rf(dir);
}

/* Many ids (the table grows) and the last line per id wins. */
static void test_last_line_wins(void) {
  char dir[64], path[128], id[32];
  tmpdir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/manifest.jsonl", dir);
  gf__manifest m;
  CHECK_INT(gf__manifest_open(&m, path), 0);
  for (int i = 0; i < 300; i++) {
    snprintf(id, sizeof id, "item-%d", i);
    CHECK_INT(append(&m, id, 0, NULL, NULL, PSHA), 0);
  }
  CHECK_INT(append(&m, "item-7", 1, "7.png", NULL, PSHA2), 0);
  CHECK_INT(append(&m, "item-8", 1, "8.png", NULL, PSHA), 0);
  CHECK_INT(append(&m, "item-8", 0, NULL, NULL, PSHA), 0);
  gf__manifest_close(&m);
  gf__mstate s;
  memset(&s, 0, sizeof s);
  int repaired;
  CHECK_INT(gf__manifest_load(path, &s, &repaired), 0);
  CHECK_INT(gf__mstate_count(&s), 300);
  const gf__mentry *e7 = gf__mstate_find(&s, "item-7");
  const gf__mentry *e8 = gf__mstate_find(&s, "item-8");
  CHECK(e7 && e7->ok && e7->line == 301);
  CHECK(e7 && strcmp(e7->prompt_sha256, PSHA2) == 0);
  CHECK(e8 && !e8->ok && !e8->file && e8->line == 303);
  CHECK_STR(gf__mstate_at(&s, 299)->id, "item-299");
  for (int i = 0; i < 300; i++) {
    snprintf(id, sizeof id, "item-%d", i);
    CHECK(gf__mstate_find(&s, id) != NULL);
  }
  gf__mstate_free(&s);
  rm_rf(dir);
}

/* What a crash mid-write leaves: cut off on load, and the next append
 * makes a valid file. */
static void test_torn_last_line(void) {
  const char *torn[] = {"{\"id\":\"c\",\"status\":\"o", /* no newline */
                        "{\"id\":\"c\",\"status\":\n",  /* not an object */
                        "{\"id\":\"c\"}"}; /* whole but no newline */
  for (size_t t = 0; t < sizeof torn / sizeof torn[0]; t++) {
    char dir[64], path[128];
    tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/manifest.jsonl", dir);
    gf__manifest m;
    CHECK_INT(gf__manifest_open(&m, path), 0);
    CHECK_INT(append(&m, "a", 1, "a.png", NULL, PSHA), 0);
    CHECK_INT(append(&m, "b", 1, "b.png", NULL, PSHA), 0);
    gf__manifest_close(&m);
    long long good = file_size(path);
    FILE *f = fopen(path, "a");
    fputs(torn[t], f);
    fclose(f);

    gf__mstate s;
    memset(&s, 0, sizeof s);
    int repaired = 0;
    CHECK_INT(gf__manifest_load(path, &s, &repaired), 0);
    CHECK_INT(repaired, 1);
    CHECK_INT(gf__mstate_count(&s), 2);
    CHECK(gf__mstate_find(&s, "c") == NULL);
    CHECK_INT(file_size(path), good);
    gf__mstate_free(&s);

    CHECK_INT(gf__manifest_open(&m, path), 0);
    CHECK_INT(append(&m, "c", 1, "c.png", NULL, PSHA), 0);
    gf__manifest_close(&m);
    memset(&s, 0, sizeof s);
    CHECK_INT(gf__manifest_load(path, &s, &repaired), 0);
    CHECK_INT(repaired, 0);
    CHECK_INT(gf__mstate_count(&s), 3);
    CHECK(gf__mstate_find(&s, "c") && gf__mstate_find(&s, "c")->line == 3);
    gf__mstate_free(&s);
    rm_rf(dir);
  }
}

/* Bad lines in the middle (and blank lines) are skipped, not cut. */
static void test_bad_middle_line(void) {
  char dir[64], path[128];
  tmpdir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/manifest.jsonl", dir);
  write_file(path, "{\"id\":\"a\",\"status\":\"ok\",\"file\":\"a.png\"}\n"
                   "garbage {\n"
                   "\n"
                   "[1,2]\n"
                   "{\"status\":\"ok\"}\n"
                   "{\"id\":\"b\",\"status\":\"error\"} trailing\n"
                   "{\"id\":\"c\",\"status\":\"ok\"}\r\n");
  long long size = file_size(path);
  gf__mstate s;
  memset(&s, 0, sizeof s);
  int repaired = -1;
  CHECK_INT(gf__manifest_load(path, &s, &repaired), 0);
  CHECK_INT(repaired, 0);
  CHECK_INT(gf__mstate_count(&s), 2);
  CHECK(gf__mstate_find(&s, "a") && gf__mstate_find(&s, "c"));
  CHECK(gf__mstate_find(&s, "b") == NULL);
  CHECK_INT(gf__mstate_find(&s, "c")->line, 7);
  CHECK_INT(file_size(path), size);
  gf__mstate_free(&s);
  rm_rf(dir);
}

/* A manifest opened without a load that ends in a torn line: the next
 * record starts on a line of its own. */
static void test_open_ends_torn_line(void) {
  char dir[64], path[128];
  tmpdir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/manifest.jsonl", dir);
  write_file(path, "{\"id\":\"a\",\"status\":\"ok\"}\n{\"id\":\"x\",\"sta");
  gf__manifest m;
  CHECK_INT(gf__manifest_open(&m, path), 0);
  CHECK_INT(append(&m, "b", 1, "b.png", NULL, PSHA), 0);
  gf__manifest_close(&m);
  gf__mstate s;
  memset(&s, 0, sizeof s);
  int repaired = -1;
  CHECK_INT(gf__manifest_load(path, &s, &repaired), 0);
  CHECK_INT(repaired, 0);
  CHECK_INT(gf__mstate_count(&s), 2);
  CHECK(gf__mstate_find(&s, "b") != NULL);
  gf__mstate_free(&s);
  rm_rf(dir);
}

static void test_append_failure(void) {
  gf__manifest m;
  CHECK_INT(gf__manifest_open(&m, "/dev/full"), 0);
  CHECK_INT(append(&m, "a", 1, "a.png", NULL, PSHA), GF_EIO);
  gf__manifest_close(&m);

  /* A short write (the file size limit hit mid-line) is taken back. */
  char dir[64], path[128];
  tmpdir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/manifest.jsonl", dir);
  CHECK_INT(gf__manifest_open(&m, path), 0);
  CHECK_INT(append(&m, "a", 1, "a.png", NULL, PSHA), 0);
  long long good = file_size(path);
  struct rlimit old, lim;
  getrlimit(RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = (rlim_t)good + 40;
  void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
  CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
  CHECK_INT(append(&m, "b", 1, "b.png", NULL, PSHA), GF_EIO);
  CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
  signal(SIGXFSZ, prev);
  CHECK_INT(file_size(path), good);
  CHECK_INT(append(&m, "c", 1, "c.png", NULL, PSHA), 0);
  gf__manifest_close(&m);
  gf__mstate s;
  memset(&s, 0, sizeof s);
  int repaired = -1;
  CHECK_INT(gf__manifest_load(path, &s, &repaired), 0);
  CHECK_INT(repaired, 0);
  CHECK_INT(gf__mstate_count(&s), 2);
  CHECK(gf__mstate_find(&s, "b") == NULL);
  gf__mstate_free(&s);
  CHECK_INT(gf__manifest_open(&m, "/nonexistent-dir/manifest.jsonl"), 1);
  rm_rf(dir);
}

static void test_mentry_done(void) {
  char dir[64], path[128], img[160];
  tmpdir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/manifest.jsonl", dir);
  snprintf(img, sizeof img, "%s/img", dir);
  CHECK(mkdir(img, 0755) == 0);
  snprintf(img, sizeof img, "%s/img/a.png", dir);
  write_file(img, "PNG bytes of a");
  unsigned char sha[32];
  uint64_t bytes;
  CHECK_INT(gf_sha256_file(img, sha, &bytes), 0);
  gf__manifest m;
  CHECK_INT(gf__manifest_open(&m, path), 0);
  CHECK_INT(append(&m, "a", 1, "img/a.png", sha, PSHA), 0);
  CHECK_INT(append(&m, "b", 0, NULL, NULL, PSHA), 0);
  CHECK_INT(append(&m, "n", 1, "img/a.png", sha, NULL), 0);
  gf__manifest_close(&m);
  gf__mstate s;
  memset(&s, 0, sizeof s);
  int repaired, changed = -1;
  CHECK_INT(gf__manifest_load(path, &s, &repaired), 0);
  const gf__mentry *a = gf__mstate_find(&s, "a");
  CHECK_INT(gf__mentry_done(a, dir, PSHA, &changed), 1);
  CHECK_INT(changed, 0);
  CHECK_INT(gf__mentry_done(a, dir, PSHA2, &changed), 0); /* prompt changed */
  CHECK_INT(changed, 1);
  CHECK_INT(gf__mentry_done(a, dir, NULL, &changed), 0);
  CHECK_INT(changed, 1);
  CHECK_INT(gf__mentry_done(gf__mstate_find(&s, "n"), dir, NULL, &changed),
            1);
  CHECK_INT(gf__mentry_done(gf__mstate_find(&s, "b"), dir, PSHA, &changed),
            0);
  CHECK_INT(changed, 0);
  CHECK_INT(gf__mentry_done(NULL, dir, PSHA, &changed), 0);
  CHECK_INT(changed, 0);
  write_file(img, "other bytes"); /* wrong sha */
  CHECK_INT(gf__mentry_done(a, dir, PSHA, &changed), 0);
  CHECK_INT(changed, 0);
  unlink(img); /* missing file */
  CHECK_INT(gf__mentry_done(a, dir, PSHA, &changed), 0);
  CHECK_INT(changed, 0);
  gf__mstate_free(&s);
  rm_rf(dir);
}

static void test_dir_lock(void) {
  char dir[64], path[128];
  tmpdir(dir, sizeof dir);
  int fd1 = -1, fd2 = -1, fd3 = -1;
  CHECK_INT(gf__dir_lock(dir, &fd1), 0);
  CHECK(fd1 >= 0);
  snprintf(path, sizeof path, "%s/.gemflow.lock", dir);
  char want[32];
  snprintf(want, sizeof want, "%ld\n", (long)getpid());
  CHECK_STR(read_file(path), want);
  /* flock locks belong to the open file description: a second open in the
   * same process conflicts. */
  CHECK_INT(gf__dir_lock(dir, &fd2), 2);
  CHECK_INT(fd2, -1);
  close(fd1);
  CHECK_INT(gf__dir_lock(dir, &fd3), 0);
  CHECK(fd3 >= 0);
  close(fd3);
  CHECK_INT(gf__dir_lock("/nonexistent-dir/x", &fd2), 1);
  rm_rf(dir);
}

/* Shards of one batch share DIR: the same shard twice is refused, another
 * shard is not; a batch without --shard (and a merge) excludes them all,
 * both ways. */
static void test_shard_lock(void) {
  char dir[64], path[128], want[32];
  tmpdir(dir, sizeof dir);
  gf__shard s0 = {0, 3}, s1 = {1, 3};
  int a[2], b[2], c[2], whole = -1;
  CHECK_INT(gf__shard_lock(dir, &s0, a), 0);
  CHECK(a[0] >= 0 && a[1] >= 0);
  snprintf(path, sizeof path, "%s/.gemflow.0-of-3.lock", dir);
  snprintf(want, sizeof want, "%ld\n", (long)getpid());
  CHECK_STR(read_file(path), want);
  snprintf(path, sizeof path, "%s/.gemflow.lock", dir);
  CHECK_STR(read_file(path), ""); /* no stale pid while shards run */
  CHECK_INT(gf__shard_lock(dir, &s0, b), 2);
  CHECK(b[0] == -1 && b[1] == -1);
  CHECK_INT(gf__shard_lock(dir, &s1, c), 0);
  CHECK_INT(gf__dir_lock(dir, &whole), 2);
  close(a[0]);
  close(a[1]);
  CHECK_INT(gf__dir_lock(dir, &whole), 2); /* shard 1 still runs */
  close(c[0]);
  close(c[1]);
  CHECK_INT(gf__dir_lock(dir, &whole), 0);
  CHECK_INT(gf__shard_lock(dir, &s1, b), 2);
  CHECK(b[0] == -1 && b[1] == -1);
  close(whole);
  CHECK_INT(gf__shard_lock(dir, &s1, b), 0);
  close(b[0]);
  close(b[1]);
  CHECK_INT(gf__shard_lock("/nonexistent-dir/x", &s0, b), 1);
  rm_rf(dir);
}

static void test_clean_stale(void) {
  char dir[64], p[256];
  tmpdir(dir, sizeof dir);
  char other[64];
  tmpdir(other, sizeof other);
  const char *files[] = {".gemflow-abc123.part", "x.png", ".gemflow.lock",
                         ".gemflow-.part", "gemflow-abc123.part",
                         "sub/.gemflow-xyz789.part", "sub/y.png",
                         "sub/deeper/.gemflow-qqqqqq.part"};
  snprintf(p, sizeof p, "%s/sub", dir);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/sub/deeper", dir);
  mkdir(p, 0755);
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, files[i]);
    write_file(p, "x");
  }
  /* Not followed: a link to another directory, a link named like a
   * temporary file. */
  snprintf(p, sizeof p, "%s/.gemflow-keep01.part", other);
  write_file(p, "x");
  char link[256];
  snprintf(link, sizeof link, "%s/linkdir", dir);
  CHECK(symlink(other, link) == 0);
  snprintf(link, sizeof link, "%s/.gemflow-link01.part", dir);
  CHECK(symlink(p, link) == 0);

  CHECK_INT(gf__clean_stale(dir, NULL), 3);
  const int gone[] = {1, 0, 0, 0, 0, 1, 0, 1};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, files[i]);
    if ((access(p, F_OK) != 0) != gone[i]) {
      fprintf(stderr, "%s: %s\n", files[i], gone[i] ? "kept" : "removed");
      CHECK(0);
    }
  }
  snprintf(p, sizeof p, "%s/.gemflow-keep01.part", other);
  CHECK(access(p, F_OK) == 0);
  struct stat st;
  CHECK(lstat(link, &st) == 0);
  CHECK_INT(gf__clean_stale(dir, NULL), 0);
  CHECK_INT(gf__clean_stale("/nonexistent-dir", NULL), 0);
  rm_rf(dir);
  rm_rf(other);
}

/* Two ids of shard 0 of 2 and two of shard 1 (FNV-1a-64 mod 2). */
static const char *const shard0_ids[] = {"a-1", "item-001"};
static const char *const shard1_ids[] = {"b", "item-002"};

/* A shard removes only its own ids' temporaries (and those without an id,
 * which no running shard writes); the other shard's stay. */
static void test_clean_stale_shard(void) {
  for (size_t i = 0; i < 2; i++) {
    CHECK_INT(gf__fnv1a64(shard0_ids[i], strlen(shard0_ids[i])) % 2, 0);
    CHECK_INT(gf__fnv1a64(shard1_ids[i], strlen(shard1_ids[i])) % 2, 1);
  }
  char dir[64], p[256];
  tmpdir(dir, sizeof dir);
  snprintf(p, sizeof p, "%s/sub", dir);
  mkdir(p, 0755);
  const char *files[] = {
      ".gemflow-a-1-Ab12Cd.part",      /* shard 0 */
      "sub/.gemflow-item-001-zzzzzz.part", /* shard 0, an "out" item */
      ".gemflow-b-Ab12Cd.part",        /* shard 1 */
      "sub/.gemflow-item-002-Ab12Cd.part", /* shard 1 */
      ".gemflow-q1w2e3.part",          /* no id */
      ".gemflow-x.part",               /* neither form */
      ".gemflow--Ab12Cd.part",         /* an empty id */
      "a-1.png"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, files[i]);
    write_file(p, "x");
  }
  gf__shard s0 = {0, 2}, none = {0, 0};
  CHECK_INT(gf__clean_stale(dir, &s0), 3);
  const int gone[] = {1, 1, 0, 0, 1, 0, 0, 0};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, files[i]);
    if ((access(p, F_OK) != 0) != gone[i]) {
      fprintf(stderr, "%s: %s\n", files[i], gone[i] ? "kept" : "removed");
      CHECK(0);
    }
  }
  /* Without a shard (n == 0), every temporary goes, as before. */
  CHECK_INT(gf__clean_stale(dir, &none), 4);
  rm_rf(dir);
}

/* ---- merge-manifests ---------------------------------------------------- */

/* Runs merge-manifests with the arguments, stdout into out (NUL-ended). */
static int merge(char *out, size_t cap, int argc, const char **args) {
  char *argv[16];
  argv[0] = "merge-manifests";
  for (int i = 0; i < argc; i++)
    argv[i + 1] = (char *)args[i];
  argv[argc + 1] = NULL;
  fflush(stdout);
  int saved = dup(1);
  FILE *tmp = tmpfile();
  dup2(fileno(tmp), 1);
  int rc = gf__cmd_merge_manifests(argc + 1, argv);
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  rewind(tmp);
  size_t n = fread(out, 1, cap - 1, tmp);
  out[n] = '\0';
  fclose(tmp);
  return rc;
}

#define LINE(id, st, file, sha, cost)                                          \
  "{\"id\":\"" id "\",\"status\":\"" st "\",\"file\":" file                   \
  ",\"sha256\":\"" sha "\",\"cost_usd\":" cost "}\n"

static void test_merge_one_dir(void) {
  char dir[64], p[256], out[512];
  tmpdir(dir, sizeof dir);
  snprintf(p, sizeof p, "%s/manifest.jsonl", dir);
  write_file(p, LINE("a", "error", "null", "", "0"));
  snprintf(p, sizeof p, "%s/manifest.0-of-2.jsonl", dir);
  write_file(p, LINE("a", "ok", "\"a.png\"", PSHA, "0.134")
                    LINE("b", "error", "null", "", "null"));
  snprintf(p, sizeof p, "%s/manifest.1-of-2.jsonl", dir);
  write_file(p, LINE("c", "ok", "\"c.png\"", PSHA2, "0.25")
                    "{\"id\":\"d\",\"stat"); /* torn: ignored */
  const char *args[] = {dir};
  CHECK_INT(merge(out, sizeof out, 1, args), 0);
  CHECK_STR(out, "3 items: 2 ok, 1 failed, cost $0.384\n");
  snprintf(p, sizeof p, "%s/manifest.jsonl", dir);
  CHECK_STR(read_file(p), LINE("a", "ok", "\"a.png\"", PSHA, "0.134")
                              LINE("b", "error", "null", "", "null")
                                  LINE("c", "ok", "\"c.png\"", PSHA2, "0.25"));
  snprintf(p, sizeof p, "%s/manifest.1-of-2.jsonl", dir);
  CHECK(strstr(read_file(p), "\"stat") != NULL); /* sources untouched */
  /* Again: the merged manifest holds the shards' lines, not a conflict. */
  CHECK_INT(merge(out, sizeof out, 1, args), 0);
  CHECK_STR(out, "3 items: 2 ok, 1 failed, cost $0.384\n");
  rm_rf(dir);
}

static void test_merge_dirs(void) {
  char d1[64], d2[64], o[64], p[256], out[512];
  tmpdir(d1, sizeof d1);
  tmpdir(d2, sizeof d2);
  tmpdir(o, sizeof o);
  snprintf(p, sizeof p, "%s/manifest.jsonl", d1);
  write_file(p, LINE("a", "ok", "\"img/a.png\"", PSHA, "0.5")
                    LINE("b", "ok", "\"b.png\"", PSHA, "1.25"));
  snprintf(p, sizeof p, "%s/manifest.jsonl", d2);
  write_file(p, "{\"id\":\"b\",\"status\":\"ok\",\"file\":\"./x/../b2.png\","
                "\"sha256\":\"" PSHA2 "\",\"n\":1.50,\"u\":\"\\u00e9/\"}\n"
                LINE("c", "error", "null", "", "0"));
  const char *two[] = {d1, d2};
  CHECK_INT(merge(out, sizeof out, 2, two), 2); /* -o needed */
  char file[128];
  snprintf(file, sizeof file, "%s/all.jsonl", o);
  const char *args[] = {"-o", file, d1, d2};
  CHECK_INT(merge(out, sizeof out, 4, args), 1); /* b: a conflict */
  CHECK_STR(out, "3 items: 2 ok, 1 failed, cost $0.500\n");
  char *text = read_file(file);
  CHECK_INT(count_lines(text), 3);
  json_object *lines[3] = {NULL, NULL, NULL};
  char *save = NULL;
  int i = 0;
  for (char *l = strtok_r(text, "\n", &save); l && i < 3;
       l = strtok_r(NULL, "\n", &save))
    lines[i++] = json_tokener_parse(l);
  CHECK(lines[0] && lines[1] && lines[2]);
  json_object *v;
  char want[256];
  snprintf(want, sizeof want, "../%s/img/a.png", strrchr(d1, '/') + 1);
  CHECK(json_object_object_get_ex(lines[0], "file", &v));
  CHECK_STR(json_object_get_string(v), want);
  snprintf(want, sizeof want, "../%s/b2.png", strrchr(d2, '/') + 1);
  CHECK(json_object_object_get_ex(lines[1], "file", &v));
  CHECK_STR(json_object_get_string(v), want);
  CHECK(json_object_object_get_ex(lines[2], "file", &v) && v == NULL);
  CHECK(strstr(read_file(file), "\"n\":1.50,\"u\":\"\xc3\xa9/\"}\n"));
  for (i = 0; i < 3; i++)
    json_object_put(lines[i]);
  rm_rf(d1);
  rm_rf(d2);
  rm_rf(o);
}

/* One shared directory: the shards' manifests side by side. An id ok in two
 * shards' manifests is a conflict even with the same image (it was made,
 * and paid, twice); an id that failed in one shard and is ok in another is
 * not (N changed after a failure). */
static void test_merge_shared_dir(void) {
  char dir[64], p[256], out[512];
  tmpdir(dir, sizeof dir);
  snprintf(p, sizeof p, "%s/manifest.0-of-3.jsonl", dir);
  write_file(p, LINE("a", "ok", "\"a.png\"", PSHA, "0.134")
                    LINE("x", "error", "null", "", "0"));
  snprintf(p, sizeof p, "%s/manifest.1-of-3.jsonl", dir);
  write_file(p, LINE("b", "ok", "\"b.png\"", PSHA, "0.134")
                    LINE("x", "ok", "\"x.png\"", PSHA, "0.134"));
  snprintf(p, sizeof p, "%s/manifest.2-of-3.jsonl", dir);
  write_file(p, LINE("c", "ok", "\"c.png\"", PSHA, "0.134"));
  const char *args[] = {dir};
  CHECK_INT(merge(out, sizeof out, 1, args), 0);
  CHECK_STR(out, "4 items: 4 ok, 0 failed, cost $0.536\n");
  snprintf(p, sizeof p, "%s/manifest.jsonl", dir);
  CHECK_INT(count_lines(read_file(p)), 4);
  CHECK_INT(merge(out, sizeof out, 1, args), 0); /* merged beside shards */
  snprintf(p, sizeof p, "%s/manifest.2-of-3.jsonl", dir);
  write_file(p, LINE("c", "ok", "\"c.png\"", PSHA, "0.134")
                    LINE("b", "ok", "\"b.png\"", PSHA, "0.134"));
  CHECK_INT(merge(out, sizeof out, 1, args), 1); /* b made by two shards */
  CHECK_STR(out, "4 items: 4 ok, 0 failed, cost $0.536\n");
  rm_rf(dir);
}

static void test_merge_usage(void) {
  char out[4096];
  const char *help[] = {"--help"};
  CHECK_INT(merge(out, sizeof out, 1, help), 0);
  CHECK(strncmp(out, "usage: gemflow merge-manifests", 30) == 0);
  CHECK_INT(merge(out, sizeof out, 0, NULL), 2);
  const char *bad[] = {"--bogus", "x"};
  CHECK_INT(merge(out, sizeof out, 2, bad), 2);
  const char *noval[] = {"-o"};
  CHECK_INT(merge(out, sizeof out, 1, noval), 2);
  const char *missing[] = {"/nonexistent-dir"};
  CHECK_INT(merge(out, sizeof out, 1, missing), 2);
  char dir[64];
  tmpdir(dir, sizeof dir);
  const char *empty[] = {dir};
  CHECK_INT(merge(out, sizeof out, 1, empty), 1); /* no manifest in it */
  rm_rf(dir);
}

TEST_MAIN(TEST(test_append_and_load), TEST(test_missing_manifest_is_empty),
          TEST(test_last_line_wins), TEST(test_torn_last_line),
          TEST(test_bad_middle_line), TEST(test_open_ends_torn_line),
          TEST(test_append_failure), TEST(test_mentry_done),
          TEST(test_dir_lock), TEST(test_shard_lock), TEST(test_clean_stale),
          TEST(test_clean_stale_shard), TEST(test_merge_one_dir),
          TEST(test_merge_dirs), TEST(test_merge_shared_dir),
          TEST(test_merge_usage))
