/* The file sink: temporary files beside the target, fsync, atomic naming. */
#include "client/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gemflow.h"

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

int gf__sink_init(gf__sink *s, const char *out_path, const char *out_dir,
                  const char *out_prefix, int replace) {
  memset(s, 0, sizeof *s);
  s->fd = -1;
  s->replace = replace;
  s->out_path = dup_or_null(out_path);
  s->out_dir = dup_or_null(out_path ? NULL : out_dir);
  s->out_prefix = dup_or_null(out_prefix ? out_prefix : "gemflow");
  if ((out_path && !s->out_path) || (out_dir && !out_path && !s->out_dir) ||
      !s->out_prefix)
    return GF_ENOMEM;
  return 0;
}

int gf__sink_writes_files(const gf__sink *s) {
  return s->out_path || s->out_dir;
}

/* The directory the temporary file must live in: the target's, so the final
 * rename never crosses a file system. */
static char *target_dir(const gf__sink *s) {
  if (s->out_dir)
    return strdup(s->out_dir);
  const char *slash = strrchr(s->out_path, '/');
  if (!slash)
    return strdup(".");
  if (slash == s->out_path)
    return strdup("/");
  return strndup(s->out_path, (size_t)(slash - s->out_path));
}

/* A fresh name, created exclusively with mode 0666 so that the kernel
 * applies the process's umask (mkstemp's 0600 would need a chmod, and
 * reading the umask means changing it: a race with every other thread). */
static int create_exclusive(char *path, size_t suffix_at) {
  static const char alnum[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (int tries = 0; tries < 100; tries++) {
    unsigned char r[6];
    if (getentropy(r, sizeof r) != 0)
      return -1;
    for (int i = 0; i < 6; i++)
      path[suffix_at + (size_t)i] = alnum[r[i] % (sizeof alnum - 1)];
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST)
      return fd;
  }
  return -1;
}

/* The prefix goes into the temporary's name (".gemflow-<prefix>-XXXXXX.part")
 * so that whoever finds it stale knows whose it was: a batch shard sharing
 * its directory removes only its own items' leftovers. Only a plain name
 * short enough to stay far below NAME_MAX is carried; any other leaves the
 * plain ".gemflow-XXXXXX.part". */
#define TAG_MAX 128

static const char *temp_tag(const gf__sink *s) {
  const char *p = s->out_prefix;
  size_t n = p ? strlen(p) : 0;
  if (n == 0 || n > TAG_MAX || p[0] == '.' ||
      strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                "0123456789._-") != n)
    return NULL;
  return p;
}

static int open_temp(gf__sink *s) {
  char *dir = target_dir(s);
  if (!dir)
    return GF_ENOMEM;
  const char *tag = temp_tag(s);
  size_t n = strlen(dir) + (tag ? strlen(tag) + 1 : 0) + 32;
  s->cur.tmp = malloc(n);
  if (!s->cur.tmp) {
    free(dir);
    return GF_ENOMEM;
  }
  int at = snprintf(s->cur.tmp, n, "%s/.gemflow-%s%s", dir, tag ? tag : "",
                    tag ? "-" : "");
  snprintf(s->cur.tmp + at, n - (size_t)at, "XXXXXX.part");
  free(dir);
  s->fd = create_exclusive(s->cur.tmp, (size_t)at);
  if (s->fd < 0) {
    snprintf(s->err, sizeof s->err, "cannot create a file in the output "
             "directory: %s", strerror(errno));
    free(s->cur.tmp);
    s->cur.tmp = NULL;
    return GF_EIO;
  }
  return 0;
}

int gf__sink_begin(gf__sink *s, const char *mime) {
  memset(&s->cur, 0, sizeof s->cur);
  s->cur.used = 1;
  if (mime)
    snprintf(s->cur.mime, sizeof s->cur.mime, "%s", mime);
  gf__sha256_init(&s->sha);
  gf__dims_init(&s->dims);
  s->active = 1;
  return gf__sink_writes_files(s) ? open_temp(s) : 0;
}

static int write_all(gf__sink *s, const unsigned char *p, size_t n) {
  while (n) {
    ssize_t w = write(s->fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0) {
      snprintf(s->err, sizeof s->err, "writing the image: %s",
               strerror(errno));
      return GF_EIO;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int gf__sink_write(gf__sink *s, const unsigned char *p, size_t n) {
  if (!s->active)
    return GF_EINVAL;
  if (!s->no_hash)
    gf__sha256_update(&s->sha, p, n);
  s->cur.bytes += n;
  gf__dims_feed(&s->dims, p, n);
  return s->fd >= 0 ? write_all(s, p, n) : 0;
}

static void remove_tmp(gf__img *img) {
  if (img->tmp) {
    unlink(img->tmp);
    free(img->tmp);
    img->tmp = NULL;
  }
}

static void drop(gf__img *img) {
  remove_tmp(img);
  memset(img, 0, sizeof *img);
}

int gf__sink_end(gf__sink *s, const char *mime, int thought) {
  if (!s->active)
    return GF_EINVAL;
  s->active = 0;
  if (s->fd >= 0 && close(s->fd) < 0 && !s->err[0])
    snprintf(s->err, sizeof s->err, "closing the image: %s", strerror(errno));
  s->fd = -1;
  if (!s->no_hash)
    gf__sha256_final(&s->sha, s->cur.sha256);
  if (mime)
    snprintf(s->cur.mime, sizeof s->cur.mime, "%s", mime);
  if (!s->cur.mime[0]) {
    const char *sniffed = gf_sniff_mime(s->dims.head, s->dims.head_len);
    snprintf(s->cur.mime, sizeof s->cur.mime, "%s",
             sniffed ? sniffed : "application/octet-stream");
  }
  gf__dims_result(&s->dims, &s->cur.width, &s->cur.height);
  s->cur.thought = thought;
  s->count++;
  gf__img *slot = thought ? &s->thought : &s->final;
  drop(slot);
  *slot = s->cur;
  memset(&s->cur, 0, sizeof s->cur);
  return 0;
}

const gf__img *gf__sink_result(const gf__sink *s, int *fell_back) {
  *fell_back = 0;
  if (s->final.used)
    return &s->final;
  if (s->thought.used) {
    *fell_back = 1;
    return &s->thought;
  }
  return NULL;
}

static const gf__img *result_img(const gf__sink *s) {
  int fb;
  return gf__sink_result(s, &fb);
}

/* ---- commit ------------------------------------------------------------- */

/* The result's bytes to disk before it gets its name: a crash then leaves
 * either no file or the whole image, never a short one under that name. */
int gf__sink_fsync(gf__sink *s) {
  const gf__img *img = result_img(s);
  if (!img || !img->tmp)
    return 0;
  int fd = open(img->tmp, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(s->err, sizeof s->err, "reopening the image: %s", strerror(errno));
    return GF_EIO;
  }
  int rc = fsync(fd) < 0 ? errno : 0;
  close(fd);
  if (rc)
    snprintf(s->err, sizeof s->err, "fsync: %s", strerror(rc));
  return rc ? GF_EIO : 0;
}

static int publish_path(gf__sink *s, gf__img *img, const char *path);
static int publish_replacing(gf__sink *s, gf__img *img);
static int publish_new_name(gf__sink *s, gf__img *img);
static int sync_dir(gf__sink *s);

int gf__sink_publish(gf__sink *s) {
  gf__img *img = (gf__img *)result_img(s);
  if (!img || !img->tmp)
    return 0;
  int rc = s->out_path  ? publish_path(s, img, s->out_path)
           : s->replace ? publish_replacing(s, img)
                        : publish_new_name(s, img);
  if (!rc)
    rc = sync_dir(s);
  gf__sink_discard(s);
  return rc;
}

/* The temporary name is gone: the file is s->file now. */
static void named(gf__sink *s, gf__img *img, char *name) {
  s->file = name;
  free(img->tmp);
  img->tmp = NULL;
}

/* A finished image is never lost because naming it failed: its temporary
 * file leaves the sink's care (no discard removes it) and the message says
 * where it is, first, since the caller's copy of it may be shorter. */
static int keep_tmp(gf__sink *s, gf__img *img, const char *name, int err) {
  snprintf(s->err, sizeof s->err, "the image is kept in %s: naming it %s "
           "failed: %s", img->tmp, name, strerror(err));
  free(img->tmp);
  img->tmp = NULL;
  return err == ENOMEM ? GF_ENOMEM : GF_EIO;
}

/* A name the user asked for: replaced if it exists. */
static int publish_path(gf__sink *s, gf__img *img, const char *path) {
  char *name = strdup(path);
  if (!name)
    return keep_tmp(s, img, path, ENOMEM);
  if (rename(img->tmp, name) != 0) {
    int rc = keep_tmp(s, img, name, errno);
    free(name);
    return rc;
  }
  named(s, img, name);
  return 0;
}

/* "<prefix>.<ext>" in out_dir, replacing an earlier one (a batch's
 * DIR/<id>.<ext>, made again because its inputs changed). */
static int publish_replacing(gf__sink *s, gf__img *img) {
  const char *ext = gf__mime_ext(img->mime);
  size_t n = strlen(s->out_dir) + strlen(s->out_prefix) + strlen(ext) + 3;
  char *name = malloc(n);
  if (!name)
    return keep_tmp(s, img, s->out_dir, ENOMEM);
  snprintf(name, n, "%s/%s.%s", s->out_dir, s->out_prefix, ext);
  int rc = publish_path(s, img, name);
  free(name);
  return rc;
}

/* ---- naming without replacing ---- */

/* The ways to give a file a name that must not exist yet, best first; a
 * file system that lacks one (vfat and exFAT have no hard links, some
 * network mounts no RENAME_NOREPLACE) moves the sink on to the next. */
enum { WAY_LINK, WAY_NOREPLACE, WAY_RESERVE };

static int claim(const char *tmp, const char *name, int *way);

/* "<prefix>.<ext>", then "<prefix>-1.<ext>", ...: never over an existing
 * name, so two writers cannot take the same one. */
static int publish_new_name(gf__sink *s, gf__img *img) {
  const char *ext = gf__mime_ext(img->mime);
  size_t n = strlen(s->out_dir) + strlen(s->out_prefix) + strlen(ext) + 32;
  char *name = malloc(n);
  if (!name)
    return keep_tmp(s, img, s->out_dir, ENOMEM);
  int way = WAY_LINK, err = 0;
  for (int i = 0; i < 100000; i++) {
    if (i == 0)
      snprintf(name, n, "%s/%s.%s", s->out_dir, s->out_prefix, ext);
    else
      snprintf(name, n, "%s/%s-%d.%s", s->out_dir, s->out_prefix, i, ext);
    if ((err = claim(img->tmp, name, &way)) == 0) {
      named(s, img, name);
      return 0;
    }
    if (err != EEXIST)
      break;
  }
  int rc = keep_tmp(s, img, name, err);
  free(name);
  return rc;
}

static int unsupported(int err) {
  return err == EINVAL || err == ENOSYS || err == EOPNOTSUPP || err == ENOTSUP;
}

/* Gives tmp the name, from the way *way on: 0 (tmp is gone), EEXIST (the
 * name is taken: try another), or why it failed. */
static int claim(const char *tmp, const char *name, int *way) {
  if (*way == WAY_LINK) {
    if (link(tmp, name) == 0) {
      unlink(tmp);
      return 0;
    }
    if (errno == EEXIST)
      return EEXIST;
    *way = WAY_NOREPLACE;
  }
  if (*way == WAY_NOREPLACE) {
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, name, RENAME_NOREPLACE) == 0)
      return 0;
    if (!unsupported(errno))
      return errno;
    *way = WAY_RESERVE;
  }
  /* O_EXCL reserves the name; the rename then only replaces our own
   * empty file */
  int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return errno;
  close(fd);
  if (rename(tmp, name) == 0)
    return 0;
  int err = errno;
  unlink(name);
  return err;
}

/* The new name lasts through a crash only once its directory is synced.
 * A file system that cannot sync a directory (EINVAL) is taken as it is. */
/* The new name's directory entry, to disk. No allocation: the image has
 * its name already, and a failure here must say so, not "out of memory". */
static int sync_dir(gf__sink *s) {
  char dir[4096];
  const char *slash = strrchr(s->file, '/');
  size_t n = !slash ? 0 : slash == s->file ? 1 : (size_t)(slash - s->file);
  if (n >= sizeof dir)
    n = 0; /* a path that long: its directory is not ours to find */
  memcpy(dir, n ? s->file : ".", n ? n : 1);
  dir[n ? n : 1] = '\0';
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;
  if (fd < 0 || (fsync(fd) < 0 && errno != EINVAL && errno != ENOTSUP))
    err = errno;
  if (fd >= 0)
    close(fd);
  if (err)
    snprintf(s->err, sizeof s->err, "the image is %.400s, but syncing "
             "its directory failed: %s", s->file, strerror(err));
  return err ? GF_EIO : 0;
}

void gf__sink_reset(gf__sink *s) {
  gf__sink_discard(s);
  drop(&s->cur);
  drop(&s->final);
  drop(&s->thought);
  s->count = 0;
  s->err[0] = '\0';
  free(s->file); /* a name from an earlier publish: the file itself stays */
  s->file = NULL;
}

void gf__sink_discard(gf__sink *s) {
  if (s->fd >= 0) {
    close(s->fd);
    s->fd = -1;
  }
  s->active = 0;
  remove_tmp(&s->cur);
  remove_tmp(&s->final);
  remove_tmp(&s->thought);
}

void gf__sink_free(gf__sink *s) {
  gf__sink_discard(s);
  free(s->out_path);
  free(s->out_dir);
  free(s->out_prefix);
  free(s->file);
  memset(s, 0, sizeof *s);
  s->fd = -1;
}
