/* Output paths. The library writes a temporary file beside the target and
 * renames it: the directory must exist and take new files, which is
 * checked here so that a paid generation is not thrown away at the end. */
#include "outpath.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"

static int gf__check_dir(const char *dir, const char *what);

int gf__out_setup(const gf__cli_opts *o, time_t now, gf__out_spec *spec) {
  memset(spec, 0, sizeof *spec);
  gf_gen_options_init(&spec->gen);
  struct tm tm;
  if (!localtime_r(&now, &tm) ||
      !strftime(spec->prefix, sizeof spec->prefix, "gemflow-%Y%m%d-%H%M%S",
                &tm))
    snprintf(spec->prefix, sizeof spec->prefix, "gemflow-%lld",
             (long long)now);
  struct stat st;
  if (!o->out || (stat(o->out, &st) == 0 && S_ISDIR(st.st_mode))) {
    /* The default name, in the current directory or the one -o named. */
    const char *dir = o->out ? o->out : ".";
    if (strlen(dir) >= sizeof spec->dir)
      return gf__usage_error("output directory name too long");
    strcpy(spec->dir, dir);
    /* "out/" names "out/gemflow-...", not "out//gemflow-...". */
    for (size_t n = strlen(spec->dir); n > 1 && spec->dir[n - 1] == '/'; n--)
      spec->dir[n - 1] = '\0';
    spec->gen.out_dir = spec->dir;
    spec->gen.out_prefix = spec->prefix;
    return gf__check_dir(spec->dir, "output directory");
  }
  if (!*o->out)
    return gf__usage_error("empty output file name");
  if (o->out[strlen(o->out) - 1] == '/')
    return gf__usage_error("output directory %s does not exist", o->out);
  /* The temporary file goes beside the target: its directory must take
   * it. */
  const char *slash = strrchr(o->out, '/');
  if (!slash)
    strcpy(spec->dir, ".");
  else if (slash == o->out)
    strcpy(spec->dir, "/");
  else if ((size_t)(slash - o->out) < sizeof spec->dir)
    snprintf(spec->dir, sizeof spec->dir, "%.*s", (int)(slash - o->out),
             o->out);
  else
    return gf__usage_error("output file name too long");
  spec->gen.out_path = o->out;
  return gf__check_dir(spec->dir, "output directory");
}

static int gf__check_dir(const char *dir, const char *what) {
  struct stat st;
  if (stat(dir, &st) != 0)
    return gf__usage_error("%s %s: %s", what, dir, strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return gf__usage_error("%s %s is not a directory", what, dir);
  if (access(dir, W_OK | X_OK) != 0)
    return gf__usage_error("%s %s is not writable: %s", what, dir,
                           strerror(errno));
  return 0;
}
