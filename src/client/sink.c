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
                  const char *out_prefix) {
  memset(s, 0, sizeof *s);
  s->fd = -1;
  s->out_path = dup_or_null(out_path);
  s->out_dir = dup_or_null(out_path ? NULL : out_dir);
  s->out_prefix = dup_or_null(out_prefix ? out_prefix : "gemflow");
  if ((out_path && !s->out_path) || (out_dir && !out_path && !s->out_dir) ||
      !s->out_prefix)
    return GF_ENOMEM;
  return 0;
}

static int writes_files(const gf__sink *s) { return s->out_path || s->out_dir; }

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

static int open_temp(gf__sink *s) {
  char *dir = target_dir(s);
  if (!dir)
    return GF_ENOMEM;
  size_t n = strlen(dir) + 32;
  s->cur.tmp = malloc(n);
  if (!s->cur.tmp) {
    free(dir);
    return GF_ENOMEM;
  }
  snprintf(s->cur.tmp, n, "%s/.gemflow-XXXXXX.part", dir);
  free(dir);
  s->fd = mkostemps(s->cur.tmp, 5, O_CLOEXEC);
  if (s->fd < 0) {
    snprintf(s->err, sizeof s->err, "cannot create a file in the output "
             "directory: %s", strerror(errno));
    free(s->cur.tmp);
    s->cur.tmp = NULL;
    return GF_EIO;
  }
  /* mkstemp makes 0600; a finished image gets the usual mode */
  mode_t um = umask(0);
  umask(um);
  fchmod(s->fd, 0666 & ~um);
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
  return writes_files(s) ? open_temp(s) : 0;
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

static void on_synced(uv_fs_t *req) {
  gf__sink *s = req->data;
  int rc = 0;
  if (req->result < 0) {
    snprintf(s->err, sizeof s->err, "fsync: %s", uv_strerror((int)req->result));
    rc = GF_EIO;
  }
  uv_fs_req_cleanup(req);
  close(s->fd_sync);
  s->fd_sync = -1;
  s->sync_cb(s->sync_ud, rc);
}

int gf__sink_sync(gf__sink *s, uv_loop_t *loop, gf__sink_cb cb, void *ud) {
  const gf__img *img = result_img(s);
  if (!img || !img->tmp)
    return 1;
  s->fd_sync = open(img->tmp, O_RDONLY | O_CLOEXEC);
  if (s->fd_sync < 0) {
    snprintf(s->err, sizeof s->err, "reopening the image: %s", strerror(errno));
    return GF_EIO;
  }
  s->sync_cb = cb;
  s->sync_ud = ud;
  s->req.data = s;
  int rc = uv_fs_fsync(loop, &s->req, s->fd_sync, on_synced);
  if (rc < 0) {
    close(s->fd_sync);
    snprintf(s->err, sizeof s->err, "fsync: %s", uv_strerror(rc));
    return GF_EIO;
  }
  return 0;
}

/* "<prefix>.<ext>", then "<prefix>-1.<ext>", ...: link() never replaces an
 * existing name, so two writers cannot take the same one. */
static int publish_new_name(gf__sink *s, const gf__img *img) {
  const char *ext = gf__mime_ext(img->mime);
  size_t n = strlen(s->out_dir) + strlen(s->out_prefix) + strlen(ext) + 32;
  char *name = malloc(n);
  if (!name)
    return GF_ENOMEM;
  for (int i = 0; i < 100000; i++) {
    if (i == 0)
      snprintf(name, n, "%s/%s.%s", s->out_dir, s->out_prefix, ext);
    else
      snprintf(name, n, "%s/%s-%d.%s", s->out_dir, s->out_prefix, i, ext);
    if (link(img->tmp, name) == 0) {
      unlink(img->tmp);
      s->file = name;
      return 0;
    }
    if (errno != EEXIST)
      break;
  }
  snprintf(s->err, sizeof s->err, "naming the image %s: %s", name,
           strerror(errno));
  free(name);
  return GF_EIO;
}

int gf__sink_publish(gf__sink *s) {
  gf__img *img = (gf__img *)result_img(s);
  if (!img || !img->tmp)
    return 0;
  int rc = 0;
  if (s->out_path) {
    if (rename(img->tmp, s->out_path) == 0) {
      s->file = strdup(s->out_path);
    } else {
      snprintf(s->err, sizeof s->err, "renaming to %s: %s", s->out_path,
               strerror(errno));
      rc = GF_EIO;
    }
  } else {
    rc = publish_new_name(s, img);
  }
  if (rc == 0) {
    free(img->tmp);
    img->tmp = NULL;
  }
  gf__sink_discard(s);
  return rc;
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
