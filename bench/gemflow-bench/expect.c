#include "expect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gemflow.h"
#include "sim.h"

void gfb_prompt(const gfb_opts *o, int i, char *out, size_t outlen) {
  char think[40] = "";
  if (o->think_ms >= 0)
    snprintf(think, sizeof think, "[[think:%ld]]", o->think_ms);
  snprintf(out, outlen, "gemflow-bench image %d%s%s%s", i,
           o->markers || think[0] ? " " : "", o->markers ? o->markers : "",
           think);
}

/* Only characters safe in a file name; the rest become '_'. */
static void safe(char *s) {
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
          (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
      *s = '_';
}

static int read_cached(const char *path, unsigned char sha[32],
                       uint64_t *bytes) {
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  char hex[80];
  unsigned long long n = 0;
  int ok = fscanf(f, "%64s %llu", hex, &n) == 2 && strlen(hex) == 64;
  fclose(f);
  for (int i = 0; ok && i < 32; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1)
      ok = 0;
    sha[i] = (unsigned char)v;
  }
  *bytes = n;
  return ok ? 0 : -1;
}

static void write_cached(const char *path, const unsigned char sha[32],
                         uint64_t bytes) {
  char tmp[700], hex[65];
  int w = snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
  if (w < 0 || (size_t)w >= sizeof tmp)
    return;
  gf_hex_sha256(sha, hex);
  FILE *f = fopen(tmp, "w");
  if (!f)
    return;
  int ok = fprintf(f, "%s %llu\n", hex, (unsigned long long)bytes) > 0;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp, path))
    unlink(tmp);
}

int gfb_expect_load(gfb_expect *e, const gfb_opts *o, const char *sim_path,
                    char *err, size_t errlen) {
  memset(e, 0, sizeof *e);
  if (errlen)
    err[0] = '\0';
  char tmpdir[64] = "";
  const char *dir = o->refs_dir;
  if (dir && strlen(dir) > 400) {
    snprintf(err, errlen, "--refs: the path is too long");
    return -1;
  }
  if (dir && mkdir(dir, 0755) && errno != EEXIST) {
    snprintf(err, errlen, "--refs %s: %s", dir, strerror(errno));
    return -1;
  }
  if (!dir) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/gemflow-bench-refs-XXXXXX");
    if (!mkdtemp(tmpdir)) {
      snprintf(err, errlen, "mkdtemp: %s", strerror(errno));
      return -1;
    }
    dir = tmpdir;
  }
  int rc = 0;
  for (int i = 0; i < o->distinct && !rc; i++) {
    char prompt[GFB_PROMPT_MAX], name[120], cache[600], png[600];
    gfb_prompt(o, i, prompt, sizeof prompt);
    /* the picture depends on the prompt without its markers, the size,
     * the ratio and the seed: the index stands for the prompt */
    snprintf(name, sizeof name, "ref-%d-%s-%s-%llu", i, o->size, o->ratio,
             (unsigned long long)o->seed);
    safe(name);
    snprintf(cache, sizeof cache, "%s/%s.sha256", dir, name);
    snprintf(png, sizeof png, "%s/%s.png", dir, name);
    if (o->refs_dir && !read_cached(cache, e->sha[i], &e->bytes[i]))
      continue;
    if (gfb_sim_render(sim_path, prompt, o->ratio, o->size, o->seed, png, err,
                       errlen) ||
        gf_sha256_file(png, e->sha[i], &e->bytes[i])) {
      if (!err[0])
        snprintf(err, errlen, "cannot read %s", png);
      rc = -1;
    } else if (o->refs_dir) {
      write_cached(cache, e->sha[i], e->bytes[i]);
    }
    unlink(png);
  }
  if (tmpdir[0])
    rmdir(tmpdir);
  e->count = rc ? 0 : o->distinct;
  return rc;
}
