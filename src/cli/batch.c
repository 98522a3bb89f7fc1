/* `gemflow batch`: everything before and after the run. The input is read
 * and checked whole, the shard and the manifest decide what runs, and
 * nothing is sent for a dry run or a bad line. */
#include "batch.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cost.h"
#include "diag.h"
#include "fdlimit.h"
#include "jsonw.h"
#include "key.h"
#include "path.h"
#include "shard.h"

static int gf__batch_prepare(gf__batch *b);
static int gf__batch_open_dir(gf__batch *b);
static int gf__batch_resume(gf__batch *b);
static void gf__batch_plan(const gf__batch *b, FILE *f);
static void gf__batch_summary(const gf__batch *b);
static void gf__batch_json(const gf__batch *b);
static void gf__batch_free(gf__batch *b);

int gf__cmd_batch(int argc, char **argv) {
  gf__batch_opts o;
  int rc = gf__batch_opts_parse(argc, argv, &o);
  if (rc)
    return rc;
  if (o.help) {
    gf__batch_usage(stdout);
    return 0;
  }
  gf__batch b;
  memset(&b, 0, sizeof b);
  b.o = &o;
  b.lock_fd[0] = b.lock_fd[1] = -1;
  b.man.fd = -1;
  rc = gf__batch_prepare(&b);
  if (!rc && o.dry_run) {
    gf__batch_plan(&b, stdout);
  } else if (!rc) {
    char key[GF__KEY_MAX + 1] = "";
    if (o.net.ca_file && access(o.net.ca_file, R_OK) != 0)
      rc = gf__usage_error("cannot read the CA file %s: %s", o.net.ca_file,
                           strerror(errno));
    if (!rc)
      rc = gf__key_load(o.net.key_file,
                        gf__netopts_key_vars(&o.net), key);
    if (!rc && !o.quiet)
      gf__batch_plan(&b, stderr);
    if (!rc) {
      gf__diag_set_secret(key);
      rc = gf__batch_run(&b, key);
      gf__diag_set_secret(NULL);
    }
    gf__key_wipe(key, sizeof key);
    if (!rc) {
      if (!o.quiet)
        gf__batch_summary(&b);
      if (o.json)
        gf__batch_json(&b);
      rc = b.signum                         ? 130
           : (b.failed || b.not_started) ? 1
                                            : 0;
    }
  }
  gf__batch_free(&b);
  return rc;
}

double gf__batch_ms(const gf__batch *b) {
  return (double)(uv_hrtime() - b->t0_ns) / 1e6;
}

/* ---- before the run ----------------------------------------------------- */

static int gf__batch_select(gf__batch *b, const gf__shard *sh) {
  b->v = calloc(b->items.n ? b->items.n : 1, sizeof *b->v);
  if (!b->v) {
    gf__diag_error("out of memory");
    return 1;
  }
  for (size_t i = 0; i < b->items.n; i++) {
    const gf__item *it = &b->items.v[i];
    if (!gf__shard_has(sh, it->id))
      continue;
    gf__bitem *bi = &b->v[b->n++];
    bi->b = b;
    bi->it = it;
    gf_hex_sha256(it->digest, bi->prompt_sha);
    bi->price = gf__price_usd(b->defs.model, "stream",
                              gf__item_size(it, &b->defs));
  }
  return 0;
}

static int gf__batch_prepare(gf__batch *b) {
  const gf__batch_opts *o = b->o;
  b->defs = (gf__item_defaults){o->model, o->aspect, o->size, o->image_only,
                                o->search, o->passthrough};
  int rc = o->shard ? gf__shard_parse(o->shard, &b->shard) : 0;
  if (rc)
    return rc;
  b->shards = b->shard.n ? b->shard.n : 1;
  /* Shards may share one directory: each has its own manifest. */
  if (b->shard.n)
    snprintf(b->man_name, sizeof b->man_name, "manifest.%lu-of-%lu.jsonl",
             b->shard.k, b->shard.n);
  else
    snprintf(b->man_name, sizeof b->man_name, "manifest.jsonl");
  /* said before any request: EMFILE item after item would be worse */
  rc = gf__fdlimit_check((unsigned long)o->concurrency);
  if (!rc)
    rc = gf__items_load(o->input, &b->defs, &b->items);
  if (!rc)
    rc = gf__batch_select(b, &b->shard);
  if (!rc)
    rc = gf__batch_open_dir(b);
  if (!rc)
    rc = gf__batch_resume(b);
  return rc;
}

/* mkdir -p for the output directory and the items' subdirectories. */
static int gf__mkdirs(const char *path) {
  char *p = strdup(path);
  if (!p)
    return ENOMEM;
  int err = 0;
  for (char *s = p + 1; !err; s++) {
    if (*s != '/' && *s != '\0')
      continue;
    char c = *s;
    *s = '\0';
    if (mkdir(p, 0777) != 0 && errno != EEXIST)
      err = errno;
    *s = c;
    if (!c)
      break;
  }
  free(p);
  return err;
}

static int gf__batch_subdirs(gf__batch *b) {
  for (size_t i = 0; i < b->n; i++) {
    const char *out = b->v[i].it->out;
    const char *slash = out ? strrchr(out, '/') : NULL;
    if (!slash)
      continue;
    size_t n = strlen(b->dir) + (size_t)(slash - out) + 2;
    char *d = malloc(n);
    if (!d)
      return ENOMEM;
    snprintf(d, n, "%s/%.*s", b->dir, (int)(slash - out), out);
    int err = gf__mkdirs(d);
    free(d);
    if (err) {
      gf__diag_error("cannot create the directory for %s: %s", out,
                     strerror(err));
      return 1;
    }
  }
  return 0;
}

/* A batch without --shard in a directory where shards ran would not see
 * what they did (and a later merge, reading manifest.jsonl before the
 * shards' manifests, would let their older lines win): refused. 0, or 2
 * after saying why. */
static int gf__batch_unsharded_ok(const gf__batch *b) {
  DIR *d = b->shard.n ? NULL : opendir(b->dir);
  struct dirent *de;
  int rc = 0;
  while (d && !rc && (de = readdir(d)))
    if (fnmatch("manifest.*-of-*.jsonl", de->d_name, FNM_PERIOD) == 0)
      rc = gf__usage_error(
          "%s holds the manifests of shards (%s): run each shard again with "
          "its --shard K/N, or merge them (gemflow merge-manifests %s) and "
          "use another directory",
          b->dir, de->d_name, b->dir);
  if (d)
    closedir(d);
  return rc;
}

/* The directory, its lock, the stale temporaries, the manifest. A dry run
 * only reads: it creates and locks nothing. */
static int gf__batch_open_dir(gf__batch *b) {
  size_t n = strlen(b->o->out_dir);
  while (n > 1 && b->o->out_dir[n - 1] == '/')
    n--;
  b->dir = strndup(b->o->out_dir, n);
  if (!b->dir) {
    gf__diag_error("out of memory");
    return 1;
  }
  int rc = gf__batch_unsharded_ok(b);
  if (rc || b->o->dry_run)
    return rc;
  int err = gf__mkdirs(b->dir);
  if (err)
    return gf__usage_error("cannot create the output directory %s: %s",
                           b->dir, strerror(err));
  rc = b->shard.n ? gf__shard_lock(b->dir, &b->shard, b->lock_fd)
                  : gf__dir_lock(b->dir, &b->lock_fd[0]);
  if (rc)
    return rc;
  int stale = gf__clean_stale(b->dir, &b->shard);
  if (stale > 0 && !b->o->quiet)
    gf__diag_error("removed %d stale temporary file%s from an earlier run",
                   stale, stale == 1 ? "" : "s");
  return gf__batch_subdirs(b);
}

/* What the manifest at DIR/name says, added to st (last line per id
 * wins). 0, or 1 after saying why. */
static int gf__batch_load(const gf__batch *b, const char *name,
                          gf__mstate *st) {
  char *path = gf__path_join(b->dir, name);
  int repaired = 0, rc = 0;
  if (!path) {
    gf__diag_error("out of memory");
    return 1;
  }
  if (access(path, F_OK) == 0)
    rc = gf__manifest_load(path, st, &repaired);
  if (!rc && repaired && !b->o->quiet)
    gf__diag_error("%s: the last line was torn (an interrupted run): "
                   "ignored and repaired", path);
  free(path);
  return rc;
}

/* Marks the items an earlier run finished, and opens the manifest for the
 * lines of this one. A shard also reads manifest.jsonl first: a merge of
 * the shards (or a run before the batch was sharded) may hold what is
 * done. A manifest that cannot be read or opened stops the batch before
 * anything is sent: running blind would pay again for what is done, or
 * lose the record of what is paid. 0, or 1 after saying why. */
static int gf__batch_resume(gf__batch *b) {
  char *path = gf__path_join(b->dir, b->man_name);
  if (!path) {
    gf__diag_error("out of memory");
    return 1;
  }
  gf__mstate st;
  memset(&st, 0, sizeof st);
  int rc = 0;
  if (!b->o->no_resume && b->shard.n)
    rc = gf__batch_load(b, "manifest.jsonl", &st);
  if (!rc && !b->o->no_resume)
    rc = gf__batch_load(b, b->man_name, &st);
  for (size_t i = 0; !rc && i < b->n; i++) {
    gf__bitem *bi = &b->v[i];
    const gf__mentry *e = gf__mstate_find(&st, bi->it->id);
    int changed = 0;
    if (e && gf__mentry_done(e, b->dir, bi->prompt_sha, &changed)) {
      bi->state = GF__B_SKIPPED;
      b->skipped++;
    } else if (changed) {
      gf__diag_error("warning: %s: the inputs changed since it was made: "
                     "generating it again", bi->it->id);
    }
  }
  gf__mstate_free(&st);
  b->to_run = b->n - b->skipped;
  if (!rc && !b->o->dry_run && gf__manifest_open(&b->man, path) != 0) {
    b->man.fd = -1;
    rc = 1;
  }
  free(path);
  return rc;
}

static void gf__batch_free(gf__batch *b) {
  gf__manifest_close(&b->man);
  for (int i = 0; i < 2; i++)
    if (b->lock_fd[i] >= 0)
      close(b->lock_fd[i]);
  for (size_t i = 0; i < b->n; i++) {
    free(b->v[i].text);
    free(b->v[i].thoughts);
  }
  free(b->v);
  free(b->dir);
  gf__items_free(&b->items);
}

/* ---- the plan and the summary ------------------------------------------ */

static void gf__batch_plan(const gf__batch *b, FILE *f) {
  size_t by_size[3] = {0, 0, 0};
  double est = 0;
  for (size_t i = 0; i < b->n; i++) {
    const gf__bitem *bi = &b->v[i];
    if (bi->state == GF__B_SKIPPED)
      continue;
    const char *sz = gf__item_size(bi->it, &b->defs);
    by_size[strcmp(sz, "4K") == 0 ? 2 : strcmp(sz, "2K") == 0 ? 1 : 0]++;
    est += bi->price;
  }
  char shard[64] = "";
  gf__shard_describe(&b->shard, shard, sizeof shard);
  fprintf(f, "plan: %zu item%s in %s%s%s: %zu to generate (1K %zu, 2K %zu, "
          "4K %zu), %zu already done; estimated cost $%.3f\n",
          b->items.n, b->items.n == 1 ? "" : "s", b->o->input,
          shard[0] ? ", " : "", shard, b->to_run, by_size[0], by_size[1],
          by_size[2], b->skipped, est);
  if (b->o->max_cost >= 0)
    fprintf(f, "plan: --max-cost $%.3f: items past it are not started\n",
            b->o->max_cost);
  if (b->o->rpm > 0)
    fprintf(f, "plan: at most %.1f requests a minute for this process (%g "
            "for the project over %lu shard%s)\n",
            b->o->rpm / (double)b->shards, b->o->rpm, b->shards,
            b->shards == 1 ? "" : "s");
  fflush(f);
}

static void gf__batch_summary(const gf__batch *b) {
  double s = gf__batch_ms(b) / 1000;
  gf__diag_error("%zu ok, %zu failed, %zu not started, %zu already done; "
                 "$%.3f at list prices; %.1f s; images in %s/, manifest %s/%s",
                 b->ok, b->failed, b->not_started, b->skipped, b->cost_done, s,
                 b->dir, b->dir, b->man_name);
  int listed = 0;
  for (size_t i = 0; i < b->n && listed < 50; i++) {
    const gf__bitem *bi = &b->v[i];
    if (bi->state != GF__B_FAILED)
      continue;
    gf__diag_error("failed: %s: %s", bi->it->id, bi->reason);
    listed++;
  }
  if (listed == 50 && b->failed > 50)
    gf__diag_error("... and %zu more failed (see the manifest)",
                   b->failed - 50);
}

static void gf__batch_json(const gf__batch *b) {
  gf__jw w;
  gf__jw_init(&w, stdout);
  gf__jw_obj_begin(&w, NULL);
  gf__jw_int(&w, "items", (int64_t)b->n);
  gf__jw_int(&w, "ok", (int64_t)b->ok);
  gf__jw_int(&w, "failed", (int64_t)b->failed);
  gf__jw_int(&w, "not_started", (int64_t)b->not_started);
  gf__jw_int(&w, "skipped", (int64_t)b->skipped);
  gf__jw_num(&w, "cost_usd", b->cost_done);
  gf__jw_num(&w, "wall_s", gf__batch_ms(b) / 1000);
  gf__jw_str(&w, "out_dir", b->dir);
  gf__jw_bool(&w, "interrupted", b->signum != 0);
  gf__jw_obj_end(&w);
  fputc('\n', stdout);
  fflush(stdout);
}
