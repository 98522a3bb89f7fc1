/* The manifest of a batch. A line is only ever added whole: it is rendered
 * in memory and written with one write(2), then fdatasync'd; a failed or
 * short write is truncated away. What a crash can still leave (a line cut
 * short) is recognised on load as the torn last line and cut off. */
#include "manifest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "path.h"
#include "shard.h"

#define GF__CLEAN_DEPTH 16

typedef struct gf__load_ctx {
  gf__mstate *st;
  const char *path;
} gf__load_ctx;

static int gf__load_line(void *ud, struct json_object *obj, const char *text,
                         size_t len, int line);
static struct json_object *gf__parse_object(json_tokener *tok,
                                            const char *s, size_t len);
static int gf__is_blank(const char *s, size_t len);
static size_t *gf__mstate_slot(const gf__mstate *st, const char *id);
static int gf__mstate_grow(gf__mstate *st);
static void gf__mentry_fill(gf__mentry *e, struct json_object *obj,
                            int line);
static const char *gf__json_str(struct json_object *obj, const char *key);
static void gf__sync_parent(const char *path);
static void gf__end_with_newline(gf__manifest *m);
static int gf__lock_file(const char *dir, const char *name, int op,
                         int *fd, long *holder);
static void gf__write_pid(int fd, const char *dir, const char *name);
static void gf__busy(const char *dir, const gf__shard *sh, long holder);
static int gf__clean_dirfd(int dfd, int depth, const gf__shard *sh);
static int gf__is_stale_name(const char *name, const gf__shard *sh);

/* ---- load --------------------------------------------------------------- */

int gf__manifest_load(const char *path, gf__mstate *st, int *repaired) {
  *repaired = 0;
  long long keep = 0;
  int torn = 0;
  gf__load_ctx ctx = {st, path};
  int rc = gf__manifest_scan(path, gf__load_line, &ctx, &keep, &torn);
  if (rc == -1)
    return 0; /* no manifest yet: a new batch */
  if (rc)
    return 1;
  if (torn) {
    if (truncate(path, (off_t)keep) != 0) {
      gf__diag_error("cannot repair %s: %s", path, strerror(errno));
      return 1;
    }
    *repaired = 1;
  }
  return 0;
}

const gf__mentry *gf__mstate_find(const gf__mstate *st, const char *id) {
  size_t *slot = gf__mstate_slot(st, id);
  return slot && *slot ? &st->v[*slot - 1] : NULL;
}

size_t gf__mstate_count(const gf__mstate *st) { return st->n; }

const gf__mentry *gf__mstate_at(const gf__mstate *st, size_t i) {
  return i < st->n ? &st->v[i] : NULL;
}

void gf__mstate_free(gf__mstate *st) {
  for (size_t i = 0; i < st->n; i++) {
    free(st->v[i].id);
    free(st->v[i].file);
  }
  free(st->v);
  free(st->slots);
  memset(st, 0, sizeof *st);
}

int gf__mentry_done(const gf__mentry *e, const char *dir,
                    const char *prompt_sha256_hex, int *changed) {
  *changed = 0;
  if (!e || !e->ok)
    return 0;
  if (strcmp(e->prompt_sha256, prompt_sha256_hex ? prompt_sha256_hex : "")) {
    *changed = 1;
    return 0;
  }
  if (!e->file || !*e->sha256)
    return 0;
  char *path = e->file[0] == '/' ? strdup(e->file) : gf__path_join(dir, e->file);
  unsigned char sha[32];
  uint64_t bytes;
  int err = path ? gf_sha256_file(path, sha, &bytes) : GF_ENOMEM;
  free(path);
  if (err)
    return 0; /* gone (or unreadable): made again */
  char hex[65];
  gf_hex_sha256(sha, hex);
  return strcmp(hex, e->sha256) == 0;
}

/* ---- append ------------------------------------------------------------- */

int gf__manifest_open(gf__manifest *m, const char *path) {
  m->path = strdup(path);
  m->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (m->fd < 0 || !m->path) {
    gf__diag_error("cannot open %s: %s", path,
                   m->path ? strerror(errno) : "out of memory");
    gf__manifest_close(m);
    return 1;
  }
  gf__sync_parent(path); /* a new manifest's name survives a crash too */
  gf__end_with_newline(m);
  return 0;
}

int gf__manifest_append(gf__manifest *m, const gf__record *r) {
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  if (!mem) {
    gf__diag_error("cannot write to %s: out of memory", m->path);
    return GF_EIO;
  }
  gf__record_json(mem, r);
  int err = fclose(mem) != 0;
  struct stat st;
  if (err || fstat(m->fd, &st) != 0) {
    gf__diag_error("cannot write to %s: %s", m->path,
                   err ? "out of memory" : strerror(errno));
    free(buf);
    return GF_EIO;
  }
  size_t done = 0;
  while (done < len) {
    ssize_t k = write(m->fd, buf + done, len - done);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0) {
      if (k == 0)
        errno = EIO;
      break;
    }
    done += (size_t)k;
  }
  free(buf);
  if (done == len && fdatasync(m->fd) == 0)
    return 0;
  int e = errno;
  /* A line that is not known to be on disk whole is taken back: a later
   * load must not find half a record (nor a record whose item the caller
   * was told failed). */
  if (ftruncate(m->fd, st.st_size) != 0 && done > 0)
    gf__diag_error("cannot take back a partial line of %s: %s", m->path,
                   strerror(errno));
  gf__diag_error("cannot write to %s: %s", m->path, strerror(e));
  return GF_EIO;
}

void gf__manifest_close(gf__manifest *m) {
  if (m->fd >= 0)
    close(m->fd);
  m->fd = -1;
  free(m->path);
  m->path = NULL;
}

/* ---- the directory ------------------------------------------------------ */

int gf__dir_lock(const char *dir, int *fd) {
  long holder = 0;
  int rc = gf__lock_file(dir, ".gemflow.lock", LOCK_EX, fd, &holder);
  if (rc == 2)
    gf__busy(dir, NULL, holder);
  if (!rc)
    gf__write_pid(*fd, dir, ".gemflow.lock");
  return rc;
}

int gf__shard_lock(const char *dir, const gf__shard *sh, int fds[2]) {
  fds[0] = fds[1] = -1;
  long holder = 0;
  int rc = gf__lock_file(dir, ".gemflow.lock", LOCK_SH, &fds[0], &holder);
  if (rc) {
    if (rc == 2)
      gf__busy(dir, NULL, holder);
    return rc;
  }
  /* The pid an earlier holder of the whole directory left would name the
   * wrong process to a batch refused while the shards run. No one else
   * writes it now: writers hold LOCK_EX. */
  if (ftruncate(fds[0], 0) != 0)
    gf__diag_error("warning: cannot clear %s/.gemflow.lock: %s", dir,
                   strerror(errno));
  char name[80];
  snprintf(name, sizeof name, ".gemflow.%lu-of-%lu.lock", sh->k, sh->n);
  rc = gf__lock_file(dir, name, LOCK_EX, &fds[1], &holder);
  if (rc) {
    if (rc == 2)
      gf__busy(dir, sh, holder);
    close(fds[0]);
    fds[0] = -1;
    return rc;
  }
  gf__write_pid(fds[1], dir, name);
  return 0;
}

int gf__clean_stale(const char *dir, const gf__shard *sh) {
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return dfd < 0 ? 0 : gf__clean_dirfd(dfd, 0, sh && sh->n ? sh : NULL);
}

/* Opens DIR/name (created 0644) and takes the flock op without waiting.
 * 0 with *fd; 2 when another process holds it (*holder: the pid written
 * in it, 0 when none); 1 after printing an I/O error. */
static int gf__lock_file(const char *dir, const char *name, int op,
                         int *fd, long *holder) {
  *fd = -1;
  *holder = 0;
  char *path = gf__path_join(dir, name);
  int lfd = path ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644) : -1;
  if (lfd < 0) {
    gf__diag_error("cannot lock %s: %s", dir,
                   path ? strerror(errno) : "out of memory");
    free(path);
    return 1;
  }
  free(path);
  if (flock(lfd, op | LOCK_NB) == 0) {
    *fd = lfd;
    return 0;
  }
  if (errno != EWOULDBLOCK) {
    gf__diag_error("cannot lock %s: %s", dir, strerror(errno));
    close(lfd);
    return 1;
  }
  char pid[32] = "";
  ssize_t n = pread(lfd, pid, sizeof pid - 1, 0);
  *holder = n > 0 ? strtol(pid, NULL, 10) : 0;
  close(lfd);
  return 2;
}

/* Written over the old pid, then cut to length: a reader never sees an
 * empty file. */
static void gf__write_pid(int fd, const char *dir, const char *name) {
  char pid[32];
  int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  if (pwrite(fd, pid, (size_t)n, 0) != n || ftruncate(fd, n) != 0)
    gf__diag_error("warning: cannot write the pid into %s/%s: %s", dir, name,
                   strerror(errno));
}

static void gf__busy(const char *dir, const gf__shard *sh, long holder) {
  char who[48] = "";
  if (holder > 0)
    snprintf(who, sizeof who, " (pid %ld)", holder);
  if (sh)
    gf__diag_error("another gemflow batch is running shard %lu/%lu in %s%s",
                   sh->k, sh->n, dir, who);
  else
    gf__diag_error("another gemflow batch is using %s%s", dir, who);
}

/* ---- scanning ----------------------------------------------------------- */

int gf__manifest_scan(const char *path, gf__mline_fn fn, void *ud,
                      long long *keep, int *torn) {
  *keep = 0;
  *torn = 0;
  FILE *f = fopen(path, "re");
  if (!f) {
    if (errno == ENOENT)
      return -1;
    gf__diag_error("cannot read %s: %s", path, strerror(errno));
    return 1;
  }
  json_tokener *tok = json_tokener_new();
  char *buf = NULL;
  size_t cap = 0;
  ssize_t n;
  long long off = 0, bad_off = 0;
  int line = 0, bad_line = 0, rc = tok ? 0 : 1;
  /* A bad line is only known to be in the middle (a warning) once a
   * non-blank line follows it; the last one is torn. */
  while (!rc && (n = getline(&buf, &cap, f)) > 0) {
    line++;
    size_t len = (size_t)n - (buf[n - 1] == '\n');
    if (len == (size_t)n) { /* no newline: only at the end of the file */
      if (bad_line)
        gf__diag_error("warning: %s line %d is not a JSON object; skipped",
                       path, bad_line);
      bad_line = line;
      bad_off = off;
      break;
    }
    off += n;
    if (gf__is_blank(buf, len))
      continue;
    if (bad_line)
      gf__diag_error("warning: %s line %d is not a JSON object; skipped",
                     path, bad_line);
    bad_line = 0;
    struct json_object *obj = gf__parse_object(tok, buf, len);
    if (!obj) {
      bad_line = line;
      bad_off = off - n;
      continue;
    }
    rc = fn(ud, obj, buf, len, line);
    json_object_put(obj);
  }
  if (!tok)
    gf__diag_error("cannot read %s: out of memory", path);
  else if (ferror(f) && !rc) {
    gf__diag_error("cannot read %s: %s", path, strerror(errno));
    rc = 1;
  } else if (bad_line && !rc) {
    *torn = 1;
    *keep = bad_off;
  }
  free(buf);
  if (tok)
    json_tokener_free(tok);
  fclose(f);
  return rc;
}

const gf__mentry *gf__mstate_put(gf__mstate *st, struct json_object *obj,
                                 int line, size_t *idx) {
  const char *id = gf__json_str(obj, "id");
  if (!id)
    return NULL;
  size_t *slot = gf__mstate_slot(st, id);
  if (!slot || !*slot) {
    char *copy = strdup(id);
    if (!copy || gf__mstate_grow(st) != 0) {
      free(copy);
      *idx = (size_t)-1;
      return NULL;
    }
    slot = gf__mstate_slot(st, id); /* the table may have moved */
    memset(&st->v[st->n], 0, sizeof st->v[st->n]);
    st->v[st->n].id = copy;
    *slot = ++st->n;
  }
  gf__mentry *e = &st->v[*slot - 1];
  gf__mentry_fill(e, obj, line);
  if (obj && gf__json_str(obj, "file") && !e->file) {
    *idx = (size_t)-1;
    return NULL;
  }
  *idx = *slot - 1;
  return e;
}

/* ---- helpers ------------------------------------------------------------ */

static int gf__load_line(void *ud, struct json_object *obj, const char *text,
                         size_t len, int line) {
  (void)text;
  (void)len;
  gf__load_ctx *ctx = ud;
  size_t idx = 0;
  if (gf__mstate_put(ctx->st, obj, line, &idx))
    return 0;
  if (idx == (size_t)-1) {
    gf__diag_error("cannot load %s: out of memory", ctx->path);
    return 1;
  }
  gf__diag_error("warning: %s line %d has no id; skipped", ctx->path, line);
  return 0;
}

/* The line as one JSON object and nothing after it, or NULL. */
static struct json_object *gf__parse_object(json_tokener *tok,
                                            const char *s, size_t len) {
  if (len > INT32_MAX)
    return NULL;
  json_tokener_reset(tok);
  struct json_object *obj = json_tokener_parse_ex(tok, s, (int)len);
  size_t end = json_tokener_get_parse_end(tok);
  if (json_tokener_get_error(tok) != json_tokener_success || !obj ||
      !json_object_is_type(obj, json_type_object) ||
      !gf__is_blank(s + end, len - end)) {
    json_object_put(obj);
    return NULL;
  }
  return obj;
}

static int gf__is_blank(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
      return 0;
  return 1;
}

/* The slot that holds id, or the empty one where it would go; NULL while
 * the table is empty. Open addressing, linear probing. */
static size_t *gf__mstate_slot(const gf__mstate *st, const char *id) {
  if (!st->nslots)
    return NULL;
  uint64_t h = gf__fnv1a64(id, strlen(id));
  size_t mask = st->nslots - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    size_t s = st->slots[i];
    if (!s || strcmp(st->v[s - 1].id, id) == 0)
      return &st->slots[i];
  }
}

/* Room for one more entry; the table stays at most half full. */
static int gf__mstate_grow(gf__mstate *st) {
  if (st->n == st->cap) {
    size_t cap = st->cap ? st->cap * 2 : 64;
    gf__mentry *v = realloc(st->v, cap * sizeof *v);
    if (!v)
      return -1;
    st->v = v;
    st->cap = cap;
  }
  if ((st->n + 1) * 2 <= st->nslots)
    return 0;
  size_t nslots = st->nslots ? st->nslots * 2 : 128;
  size_t *slots = calloc(nslots, sizeof *slots);
  if (!slots)
    return -1;
  free(st->slots);
  st->slots = slots;
  st->nslots = nslots;
  for (size_t i = 0; i < st->n; i++)
    *gf__mstate_slot(st, st->v[i].id) = i + 1;
  return 0;
}

/* A digest that is not 64 characters is kept as "": it never matches. */
static void gf__mentry_fill(gf__mentry *e, struct json_object *obj,
                            int line) {
  const char *status = gf__json_str(obj, "status");
  const char *file = gf__json_str(obj, "file");
  const char *sha = gf__json_str(obj, "sha256");
  const char *psha = gf__json_str(obj, "prompt_sha256");
  e->ok = status && strcmp(status, "ok") == 0;
  free(e->file);
  e->file = file ? strdup(file) : NULL;
  snprintf(e->sha256, sizeof e->sha256, "%s",
           sha && strlen(sha) == 64 ? sha : "");
  snprintf(e->prompt_sha256, sizeof e->prompt_sha256, "%s",
           psha && strlen(psha) == 64 ? psha : "");
  e->line = line;
}

static const char *gf__json_str(struct json_object *obj, const char *key) {
  struct json_object *v;
  if (!json_object_object_get_ex(obj, key, &v) ||
      !json_object_is_type(v, json_type_string))
    return NULL;
  return json_object_get_string(v);
}

static void gf__sync_parent(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path))
                    : strdup(".");
  int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  free(dir);
}

/* A manifest opened without gf__manifest_load may end in a torn line: the
 * next record must not be glued to it (the torn line then reads as a bad
 * line in the middle, skipped with a warning). */
static void gf__end_with_newline(gf__manifest *m) {
  struct stat st;
  char last;
  if (fstat(m->fd, &st) == 0 && st.st_size > 0) {
    int rfd = open(m->path, O_RDONLY | O_CLOEXEC);
    if (rfd >= 0 && pread(rfd, &last, 1, st.st_size - 1) == 1 &&
        last != '\n' && write(m->fd, "\n", 1) != 1)
      gf__diag_error("warning: cannot end %s with a newline", m->path);
    if (rfd >= 0)
      close(rfd);
  }
}

/* Takes ownership of dfd. */
static int gf__clean_dirfd(int dfd, int depth, const gf__shard *sh) {
  DIR *d = fdopendir(dfd);
  if (!d) {
    close(dfd);
    return 0;
  }
  int removed = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    const char *name = de->d_name;
    struct stat st;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
        fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0)
      continue;
    if (S_ISREG(st.st_mode) && gf__is_stale_name(name, sh)) {
      removed += unlinkat(dirfd(d), name, 0) == 0;
    } else if (S_ISDIR(st.st_mode) && depth < GF__CLEAN_DEPTH) {
      int sub = openat(dirfd(d), name,
                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0)
        removed += gf__clean_dirfd(sub, depth + 1, sh);
    }
  }
  closedir(d);
  return removed;
}

/* ".gemflow-*.part", the file sink's temporaries. With a shard, only
 * ".gemflow-XXXXXX.part" (no id) and ".gemflow-<id>-XXXXXX.part" of an id
 * of the shard (the id being whatever comes before the last seven
 * characters, so ids with '-' in them parse). */
static int gf__is_stale_name(const char *name, const gf__shard *sh) {
  size_t n = strlen(name);
  static const char pre[] = ".gemflow-", suf[] = ".part";
  const size_t npre = sizeof pre - 1, nsuf = sizeof suf - 1, nrand = 6;
  if (n <= npre + nsuf || strncmp(name, pre, npre) != 0 ||
      strcmp(name + n - nsuf, suf) != 0)
    return 0;
  if (!sh)
    return 1;
  size_t mid = n - npre - nsuf; /* "<id>-XXXXXX" or "XXXXXX" */
  if (mid == nrand)
    return 1;
  if (mid < nrand + 2 || name[npre + mid - nrand - 1] != '-')
    return 0;
  size_t idlen = mid - nrand - 1;
  return gf__fnv1a64(name + npre, idlen) % sh->n == sh->k;
}
