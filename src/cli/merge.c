/* merge-manifests. The sources are read-only: a torn last line in one is
 * ignored, not cut. The output replaces FILE atomically (temporary file,
 * fsync, rename), so a crash leaves the old FILE or the new one. */
#include "merge.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "manifest.h"
#include "path.h"

/* What the merged file will say of one id (parallel to the mstate's
 * entries, in the order of first appearance). */
typedef struct gf__mitem {
  char *line; /* the winning line as it will be written, no newline */
  int ok;
  double cost;
  int ok_src; /* the source of the latest "ok" line; -1: none */
  char ok_sha[65];
  int shard_src; /* the shard manifest with the latest "ok" line; -1 */
  int conflict;  /* reported already */
} gf__mitem;

typedef struct gf__merge {
  gf__mstate st;
  gf__mitem *items;
  size_t nitems, cap;
  char **srcs; /* the source manifests read so far, for messages */
  size_t nsrcs;
  const char *out_real; /* realpath of FILE's directory */
  const char *dir_real; /* of the DIR being read; NULL: it is out_real */
  int conflicts;
} gf__merge;

static int gf__merge_args(int argc, char **argv, const char **out);
static void gf__merge_usage(FILE *f);
static int gf__merge_run(const char *out, char **dirs, int ndirs);
static int gf__merge_dir(gf__merge *mg, const char *dir);
static int gf__merge_source(gf__merge *mg, char *path);
static int gf__merge_line(void *ud, struct json_object *obj, const char *text,
                          size_t len, int line);
static void gf__merge_check(gf__merge *mg, gf__mitem *it,
                            const gf__mentry *e, int src);
static int gf__is_shard_manifest(const char *path);
static char *gf__merge_text(const gf__merge *mg, struct json_object *obj,
                            const char *text, size_t len);
static int gf__merge_write(const gf__merge *mg, const char *out,
                           const char *out_dir);
static void gf__merge_totals(const gf__merge *mg);
static void gf__merge_free(gf__merge *mg);
static int gf__list_manifests(const char *dir, char ***names, size_t *n);
static int gf__by_version(const void *a, const void *b);
static char *gf__relpath(const char *from, const char *base,
                         const char *file);
static size_t gf__split(char *path, char **parts);
static char *gf__dir_of(const char *path);
static int gf__oom(void);

int gf__cmd_merge_manifests(int argc, char **argv) {
  const char *out = NULL;
  int rc = gf__merge_args(argc, argv, &out);
  if (rc)
    return rc < 0 ? 0 : rc; /* -1: --help */
  int ndirs = argc - optind;
  char **dirs = argv + optind;
  if (ndirs == 0)
    return gf__usage_error("merge-manifests: no directory given");
  if (ndirs > 1 && !out)
    return gf__usage_error(
        "merge-manifests: -o FILE is needed with several directories");
  for (int i = 0; i < ndirs; i++) {
    struct stat st;
    if (stat(dirs[i], &st) != 0 || !S_ISDIR(st.st_mode))
      return gf__usage_error("merge-manifests: %s is not a directory",
                             dirs[i]);
  }
  if (out)
    return gf__merge_run(out, dirs, ndirs);
  char *def = gf__path_join(dirs[0], "manifest.jsonl");
  rc = def ? gf__merge_run(def, dirs, ndirs) : gf__oom();
  free(def);
  return rc;
}

static const struct option gf__merge_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* 0, -1 after --help, or 2 after a usage error. */
static int gf__merge_args(int argc, char **argv, const char **out) {
  opterr = 0;
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, ":o:h", gf__merge_opts, NULL)) != -1) {
    switch (c) {
    case 'o':
      if (!*optarg)
        return gf__usage_error("merge-manifests: empty output file name");
      *out = optarg;
      break;
    case 'h':
      gf__merge_usage(stdout);
      return -1;
    case ':':
      return gf__usage_error("merge-manifests: %s needs a value",
                             argv[optind - 1]);
    default:
      return gf__usage_error("merge-manifests: unknown option %s "
                             "(gemflow merge-manifests --help)",
                             argv[optind - 1]);
    }
  }
  return 0;
}

static void gf__merge_usage(FILE *f) {
  fputs("usage: gemflow merge-manifests [-o FILE] DIR...\n"
        "\n"
        "Merges each DIR's manifest.jsonl and shard manifests\n"
        "(manifest.*-of-*.jsonl) into one; the last line per id wins, in\n"
        "the order given. An id that is \"ok\" in two shards' manifests,\n"
        "or in two manifests with different images, is a conflict (exit\n"
        "status 1). Prints the totals: items, ok, failed, cost.\n"
        "\n"
        "  -o, --output FILE  the merged manifest (default, with one DIR:\n"
        "                     DIR/manifest.jsonl); paths in it are made\n"
        "                     relative to its directory\n"
        "  -h, --help         this text\n",
        f);
}

static int gf__merge_run(const char *out, char **dirs, int ndirs) {
  gf__merge mg;
  memset(&mg, 0, sizeof mg);
  char *out_dir = gf__dir_of(out);
  char *out_real = out_dir ? realpath(out_dir, NULL) : NULL;
  if (!out_real) {
    gf__diag_error("cannot write %s: %s", out,
                   out_dir ? strerror(errno) : "out of memory");
    free(out_dir);
    return 1;
  }
  mg.out_real = out_real;
  /* A batch appending to the manifest being replaced would lose lines. */
  int lock_fd = -1, rc = 0;
  const char *base = strrchr(out, '/');
  if (strcmp(base ? base + 1 : out, "manifest.jsonl") == 0)
    rc = gf__dir_lock(out_dir, &lock_fd);
  for (int i = 0; !rc && i < ndirs; i++)
    rc = gf__merge_dir(&mg, dirs[i]);
  if (!rc)
    rc = gf__merge_write(&mg, out, out_dir);
  if (!rc) {
    gf__merge_totals(&mg);
    rc = mg.conflicts ? 1 : 0;
  }
  if (lock_fd >= 0)
    close(lock_fd);
  gf__merge_free(&mg);
  free(out_real);
  free(out_dir);
  return rc;
}

static int gf__merge_dir(gf__merge *mg, const char *dir) {
  char *real = realpath(dir, NULL);
  char **names = NULL;
  size_t n = 0;
  int rc = real ? gf__list_manifests(dir, &names, &n) : 1;
  if (!real)
    gf__diag_error("cannot read %s: %s", dir, strerror(errno));
  else if (!rc && n == 0) {
    gf__diag_error("no manifest in %s", dir);
    rc = 1;
  }
  mg->dir_real = real && strcmp(real, mg->out_real) ? real : NULL;
  for (size_t i = 0; i < n; i++) {
    char *path = rc ? NULL : gf__path_join(dir, names[i]);
    if (!rc)
      rc = path ? gf__merge_source(mg, path) : gf__oom();
    free(names[i]);
  }
  mg->dir_real = NULL;
  free(names);
  free(real);
  return rc;
}

/* Takes ownership of path. */
static int gf__merge_source(gf__merge *mg, char *path) {
  char **srcs = realloc(mg->srcs, (mg->nsrcs + 1) * sizeof *srcs);
  if (!srcs) {
    free(path);
    return gf__oom();
  }
  mg->srcs = srcs;
  mg->srcs[mg->nsrcs++] = path;
  long long keep;
  int torn;
  int rc = gf__manifest_scan(path, gf__merge_line, mg, &keep, &torn);
  if (rc == -1)
    return 0; /* gone since it was listed */
  if (!rc && torn)
    gf__diag_error("warning: %s: the last line is cut short; ignored", path);
  return rc;
}

static int gf__merge_line(void *ud, struct json_object *obj, const char *text,
                          size_t len, int line) {
  gf__merge *mg = ud;
  int src = (int)mg->nsrcs - 1;
  size_t idx = 0;
  const gf__mentry *e = gf__mstate_put(&mg->st, obj, line, &idx);
  if (!e && idx == (size_t)-1)
    return gf__oom();
  if (!e) {
    gf__diag_error("warning: %s line %d has no id; skipped", mg->srcs[src],
                   line);
    return 0;
  }
  if (idx == mg->nitems) { /* a new id */
    if (mg->nitems == mg->cap) {
      size_t cap = mg->cap ? mg->cap * 2 : 64;
      gf__mitem *items = realloc(mg->items, cap * sizeof *items);
      if (!items)
        return gf__oom();
      mg->items = items;
      mg->cap = cap;
    }
    memset(&mg->items[idx], 0, sizeof mg->items[idx]);
    mg->items[idx].ok_src = -1;
    mg->items[idx].shard_src = -1;
    mg->nitems++;
  }
  gf__mitem *it = &mg->items[idx];
  gf__merge_check(mg, it, e, src);
  if (e->ok) {
    it->ok_src = src;
    memcpy(it->ok_sha, e->sha256, sizeof it->ok_sha);
    if (gf__is_shard_manifest(mg->srcs[src]))
      it->shard_src = src;
  }
  char *copy = gf__merge_text(mg, obj, text, len);
  if (!copy)
    return gf__oom();
  free(it->line);
  it->line = copy;
  it->ok = e->ok;
  struct json_object *cost;
  it->cost = 0;
  if (json_object_object_get_ex(obj, "cost_usd", &cost) &&
      (json_object_is_type(cost, json_type_double) ||
       json_object_is_type(cost, json_type_int)) &&
      json_object_get_double(cost) > 0)
    it->cost = json_object_get_double(cost);
  return 0;
}

/* Two results for one id, each reported once: an id made by two shards
 * (their manifests named differently: the same id hashed to two shards,
 * so N changed, and it was paid twice, whatever the images), or two
 * different images in any two manifests. The same image in a merged
 * manifest and in a shard's is one result merged before, not a conflict. */
static void gf__merge_check(gf__merge *mg, gf__mitem *it,
                            const gf__mentry *e, int src) {
  if (!e->ok || it->conflict)
    return;
  int other = -1;
  if (it->shard_src >= 0 && gf__is_shard_manifest(mg->srcs[src]) &&
      strcmp(strrchr(mg->srcs[src], '/'),
             strrchr(mg->srcs[it->shard_src], '/')) != 0)
    other = it->shard_src;
  else if (it->ok_src >= 0 && it->ok_src != src &&
           strcmp(it->ok_sha, e->sha256) != 0)
    other = it->ok_src;
  if (other < 0)
    return;
  gf__diag_error("conflict: id '%s' in %s and %s", e->id, mg->srcs[other],
                 mg->srcs[src]);
  it->conflict = 1;
  mg->conflicts++;
}

/* Whether the path (DIR/name) names a shard's manifest. */
static int gf__is_shard_manifest(const char *path) {
  const char *name = strrchr(path, '/');
  return fnmatch("manifest.*-of-*.jsonl", name ? name + 1 : path,
                 FNM_PERIOD) == 0;
}

/* The line as it is, unless its file must be made relative to the output's
 * directory: then json-c writes it again (key order and the text of
 * numbers are kept). */
static char *gf__merge_text(const gf__merge *mg, struct json_object *obj,
                            const char *text, size_t len) {
  struct json_object *file;
  if (!mg->dir_real || !json_object_object_get_ex(obj, "file", &file) ||
      !json_object_is_type(file, json_type_string) ||
      json_object_get_string(file)[0] == '/')
    return strndup(text, len);
  char *rel =
      gf__relpath(mg->out_real, mg->dir_real, json_object_get_string(file));
  struct json_object *s = rel ? json_object_new_string(rel) : NULL;
  free(rel);
  if (!s || json_object_object_add(obj, "file", s) != 0)
    return NULL;
  const char *out = json_object_to_json_string_ext(
      obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  return out ? strdup(out) : NULL;
}

static int gf__merge_write(const gf__merge *mg, const char *out,
                           const char *out_dir) {
  /* The library's temporary name: a batch's clean-up removes it if this
   * crashes. */
  char *tmp = gf__path_join(out_dir, ".gemflow-XXXXXX.part");
  int fd = tmp ? mkstemps(tmp, 5) : -1;
  if (fd < 0) {
    gf__diag_error("cannot write %s: %s", out,
                   tmp ? strerror(errno) : "out of memory");
    free(tmp);
    return 1;
  }
  struct stat st;
  mode_t um = umask(0);
  umask(um);
  fchmod(fd, stat(out, &st) == 0 ? (st.st_mode & 07777) : (0644 & ~um));
  FILE *f = fdopen(fd, "w");
  int err = !f;
  for (size_t i = 0; !err && i < mg->nitems; i++)
    err = fputs(mg->items[i].line, f) == EOF || fputc('\n', f) == EOF;
  if (f) {
    err = fflush(f) != 0 || fsync(fd) != 0 || err;
    err = fclose(f) != 0 || err;
  } else {
    close(fd);
  }
  if (err || rename(tmp, out) != 0) {
    gf__diag_error("cannot write %s: %s", out, strerror(errno));
    unlink(tmp);
    free(tmp);
    return 1;
  }
  free(tmp);
  int dfd = open(out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) { /* the new name survives a crash too */
    fsync(dfd);
    close(dfd);
  }
  return 0;
}

static void gf__merge_totals(const gf__merge *mg) {
  size_t ok = 0;
  double cost = 0;
  for (size_t i = 0; i < mg->nitems; i++) {
    ok += mg->items[i].ok != 0;
    cost += mg->items[i].cost;
  }
  printf("%zu items: %zu ok, %zu failed, cost $%.3f\n", mg->nitems, ok,
         mg->nitems - ok, cost);
  fflush(stdout);
}

static void gf__merge_free(gf__merge *mg) {
  for (size_t i = 0; i < mg->nitems; i++)
    free(mg->items[i].line);
  free(mg->items);
  for (size_t i = 0; i < mg->nsrcs; i++)
    free(mg->srcs[i]);
  free(mg->srcs);
  gf__mstate_free(&mg->st);
}

/* manifest.jsonl first (when present), then the shard manifests in version
 * order (2-of-10 before 10-of-10). 0, or 1 after printing why. */
static int gf__list_manifests(const char *dir, char ***names, size_t *n) {
  DIR *d = opendir(dir);
  if (!d) {
    gf__diag_error("cannot read %s: %s", dir, strerror(errno));
    return 1;
  }
  size_t cnt = 1, cap = 8; /* v[0] is kept for manifest.jsonl */
  char **v = malloc(cap * sizeof *v);
  int has_main = 0, rc = v ? 0 : gf__oom();
  struct dirent *de;
  while (!rc && (de = readdir(d))) {
    if (strcmp(de->d_name, "manifest.jsonl") == 0) {
      has_main = 1;
      continue;
    }
    if (fnmatch("manifest.*-of-*.jsonl", de->d_name, FNM_PERIOD) != 0)
      continue;
    if (cnt == cap) {
      char **nv = realloc(v, 2 * cap * sizeof *nv);
      if (!nv) {
        rc = gf__oom();
        break;
      }
      v = nv;
      cap *= 2;
    }
    if (!(v[cnt] = strdup(de->d_name)))
      rc = gf__oom();
    else
      cnt++;
  }
  closedir(d);
  if (!rc && has_main && !(v[0] = strdup("manifest.jsonl")))
    rc = gf__oom();
  if (rc) {
    for (size_t i = 1; v && i < cnt; i++)
      free(v[i]);
    free(v);
    return rc;
  }
  qsort(v + 1, cnt - 1, sizeof *v, gf__by_version);
  if (!has_main)
    memmove(v, v + 1, --cnt * sizeof *v);
  *names = v;
  *n = cnt;
  return 0;
}

static int gf__by_version(const void *a, const void *b) {
  return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* base/file (base a real path, file relative) as seen from the real
 * directory from. Lexical: "." and ".." in file are resolved by name. */
static char *gf__relpath(const char *from, const char *base,
                         const char *file) {
  char *to = gf__path_join(base, file);
  char *fr = strdup(from);
  char **tp = to ? malloc((strlen(to) + 1) * sizeof *tp) : NULL;
  char **fp = fr ? malloc((strlen(fr) + 1) * sizeof *fp) : NULL;
  char *rel = NULL;
  if (tp && fp) {
    size_t nt = gf__split(to, tp), nf = gf__split(fr, fp), c = 0;
    while (c < nt && c < nf && strcmp(tp[c], fp[c]) == 0)
      c++;
    size_t len = 3 * (nf - c) + strlen(file) + strlen(base) + 2;
    rel = malloc(len);
    if (rel) {
      rel[0] = '\0';
      for (size_t i = c; i < nf; i++)
        strcat(rel, "../");
      for (size_t i = c; i < nt; i++) {
        strcat(rel, tp[i]);
        if (i + 1 < nt)
          strcat(rel, "/");
      }
      if (!*rel)
        strcpy(rel, ".");
    }
  }
  free(tp);
  free(fp);
  free(to);
  free(fr);
  return rel;
}

/* The path's names in place ("." dropped, ".." taking one back); parts has
 * room for strlen(path) + 1. */
static size_t gf__split(char *path, char **parts) {
  size_t n = 0;
  char *save = NULL;
  for (char *p = strtok_r(path, "/", &save); p; p = strtok_r(NULL, "/", &save))
    if (strcmp(p, "..") == 0)
      n -= n > 0;
    else if (strcmp(p, ".") != 0)
      parts[n++] = p;
  return n;
}

static char *gf__dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return strdup(".");
  return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static int gf__oom(void) {
  gf__diag_error("merge-manifests: out of memory");
  return 1;
}
