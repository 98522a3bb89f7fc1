/* The file sink: temporary files, result choice, atomic naming (and its
 * fallbacks on file systems without hard links or RENAME_NOREPLACE, which
 * the test fakes by defining link, renameat2 and rename itself), cleanup,
 * starting over; image dimensions from headers; key redaction. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "client/client.h"
#include "client/sink.h"
#include "test.h"

static char dir[256];

/* ---- the file system, as the sink sees it ---- */

/* Set: that call fails as on a file system without it. */
static int no_link, no_renameat2, no_rename;
static int n_renameat2, n_rename, n_dir_syncs;

int link(const char *a, const char *b) {
  if (no_link) {
    errno = EPERM; /* what vfat answers */
    return -1;
  }
  return (int)syscall(SYS_linkat, AT_FDCWD, a, AT_FDCWD, b, 0);
}

int renameat2(int da, const char *a, int db, const char *b, unsigned flags) {
  n_renameat2++;
  if (no_renameat2) {
    errno = EINVAL;
    return -1;
  }
  return (int)syscall(SYS_renameat2, da, a, db, b, flags);
}

int rename(const char *a, const char *b) {
  n_rename++;
  if (no_rename) {
    errno = EIO;
    return -1;
  }
  return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 0);
}

int fsync(int fd) {
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
    n_dir_syncs++;
  return (int)syscall(SYS_fsync, fd);
}

static void fs_normal(void) {
  no_link = no_renameat2 = no_rename = 0;
  n_renameat2 = n_rename = n_dir_syncs = 0;
}

static int count_files(void) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
  closedir(d);
  return n;
}

static void clear_dir(void) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char p[600];
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      unlink(p);
    }
  closedir(d);
}

static const unsigned char png_head[24] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a,
                                           0x1a, 0x0a, 0,   0,   0,    13,
                                           'I',  'H',  'D', 'R', 0,    0,
                                           0x05, 0x60, 0,   0,   0x03, 0x00};

static void put_image(gf__sink *s, const char *mime, int thought, char fill,
                      size_t n) {
  CHECK_INT(gf__sink_begin(s, NULL), 0);
  CHECK_INT(gf__sink_write(s, png_head, sizeof png_head), 0);
  unsigned char *b = malloc(n);
  memset(b, fill, n);
  CHECK_INT(gf__sink_write(s, b, n), 0);
  free(b);
  CHECK_INT(gf__sink_end(s, mime, thought), 0);
}

/* The bytes put_image writes. */
static int image_is(const char *path, char fill, size_t n) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return 0;
  unsigned char *b = malloc(sizeof png_head + n + 1);
  size_t got = fread(b, 1, sizeof png_head + n + 1, f);
  fclose(f);
  int ok = got == sizeof png_head + n &&
           memcmp(b, png_head, sizeof png_head) == 0;
  for (size_t i = 0; ok && i < n; i++)
    ok = b[sizeof png_head + i] == (unsigned char)fill;
  free(b);
  return ok;
}

/* The temporary files in dir; the first one's path into first. */
static int count_parts(char *first, size_t size) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  while ((e = readdir(d)) != NULL)
    if (strncmp(e->d_name, ".gemflow-", 9) == 0 &&
        strstr(e->d_name, ".part") && n++ == 0 && first)
      snprintf(first, size, "%s/%s", dir, e->d_name);
  closedir(d);
  return n;
}

static int sync_now(gf__sink *s) { return gf__sink_fsync(s); }

static void test_final_beats_thought(void) {
  clear_dir();
  gf__sink s;
  CHECK_INT(gf__sink_init(&s, NULL, dir, "pic", 0), 0);
  put_image(&s, "image/png", 1, 'a', 1000);
  put_image(&s, "image/png", 0, 'b', 2000);
  put_image(&s, "image/png", 1, 'c', 3000); /* a late draft */
  int fb;
  const gf__img *img = gf__sink_result(&s, &fb);
  CHECK(img != NULL);
  CHECK_INT(fb, 0);
  CHECK_INT(img->bytes, 2024);
  CHECK_INT(img->width, 1376);
  CHECK_INT(img->height, 768);
  CHECK_INT(count_files(), 2); /* the final and the last draft, as temps */
  CHECK_INT(sync_now(&s), 0);
  CHECK_INT(gf__sink_publish(&s), 0);
  char want[600];
  snprintf(want, sizeof want, "%s/pic.png", dir);
  CHECK_STR(s.file, want);
  CHECK_INT(count_files(), 1);
  struct stat st;
  CHECK_INT(stat(want, &st), 0);
  CHECK_INT(st.st_size, 2024);
  gf__sink_free(&s);
}

static void test_suffix_never_overwrites(void) {
  clear_dir();
  for (int i = 0; i < 3; i++) {
    gf__sink s;
    CHECK_INT(gf__sink_init(&s, NULL, dir, "same", 0), 0);
    put_image(&s, "image/jpeg", 0, (char)('x' + i), 10);
    CHECK_INT(sync_now(&s), 0);
    CHECK_INT(gf__sink_publish(&s), 0);
    char want[600];
    if (i == 0)
      snprintf(want, sizeof want, "%s/same.jpg", dir);
    else
      snprintf(want, sizeof want, "%s/same-%d.jpg", dir, i);
    CHECK_STR(s.file, want);
    gf__sink_free(&s);
  }
  CHECK_INT(count_files(), 3);
}

/* The file's mode is 0666 less the umask, which the sink never changes. */
static void test_mode_follows_umask(void) {
  static const mode_t masks[] = {022, 077, 002};
  for (size_t i = 0; i < sizeof masks / sizeof masks[0]; i++) {
    clear_dir();
    mode_t old = umask(masks[i]);
    gf__sink s;
    CHECK_INT(gf__sink_init(&s, NULL, dir, "m", 0), 0);
    put_image(&s, "image/png", 0, 'm', 10);
    CHECK_INT(umask(masks[i]), masks[i]); /* untouched meanwhile */
    CHECK_INT(sync_now(&s), 0);
    CHECK_INT(gf__sink_publish(&s), 0);
    struct stat st;
    CHECK_INT(stat(s.file, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0666 & ~masks[i]);
    gf__sink_free(&s);
    umask(old);
  }
}

/* replace: "<prefix>.<ext>" is the one name, an earlier file replaced. */
static void test_out_dir_replace(void) {
  clear_dir();
  for (int i = 0; i < 2; i++) {
    gf__sink s;
    CHECK_INT(gf__sink_init(&s, NULL, dir, "item-1", 1), 0);
    put_image(&s, "image/png", 0, (char)('a' + i), 100 + (size_t)i);
    CHECK_INT(sync_now(&s), 0);
    CHECK_INT(gf__sink_publish(&s), 0);
    char want[600];
    snprintf(want, sizeof want, "%s/item-1.png", dir);
    CHECK_STR(s.file, want);
    struct stat st;
    CHECK_INT(stat(want, &st), 0);
    CHECK_INT(st.st_size, sizeof png_head + 100 + (size_t)i);
    gf__sink_free(&s);
  }
  CHECK_INT(count_files(), 1);
}

static void test_out_path_replaced(void) {
  clear_dir();
  char path[600];
  snprintf(path, sizeof path, "%s/out.png", dir);
  FILE *f = fopen(path, "w");
  fputs("old", f);
  fclose(f);
  gf__sink s;
  CHECK_INT(gf__sink_init(&s, path, NULL, NULL, 0), 0);
  put_image(&s, "image/png", 0, 'z', 100);
  CHECK_INT(count_files(), 2); /* old file untouched until success */
  CHECK_INT(sync_now(&s), 0);
  CHECK_INT(gf__sink_publish(&s), 0);
  struct stat st;
  CHECK_INT(stat(path, &st), 0);
  CHECK_INT(st.st_size, 124);
  CHECK_INT(count_files(), 1);
  gf__sink_free(&s);
}

static void test_discard_leaves_nothing(void) {
  clear_dir();
  char path[600];
  snprintf(path, sizeof path, "%s/never.png", dir);
  gf__sink s;
  CHECK_INT(gf__sink_init(&s, path, NULL, NULL, 0), 0);
  put_image(&s, "image/png", 0, 'q', 100);
  CHECK_INT(gf__sink_begin(&s, "image/png"), 0); /* one in flight */
  CHECK_INT(gf__sink_write(&s, png_head, 10), 0);
  CHECK_INT(count_files(), 2);
  gf__sink_discard(&s);
  CHECK_INT(count_files(), 0);
  gf__sink_free(&s);
}

static void test_thought_fallback(void) {
  clear_dir();
  gf__sink s;
  CHECK_INT(gf__sink_init(&s, NULL, NULL, NULL, 0), 0); /* no files */
  put_image(&s, NULL, 1, 'a', 10);
  int fb;
  const gf__img *img = gf__sink_result(&s, &fb);
  CHECK(img != NULL);
  CHECK_INT(fb, 1);
  CHECK_STR(img->mime, "image/png"); /* told by the magic bytes */
  CHECK_INT(sync_now(&s), 0);        /* nothing to sync */
  CHECK_INT(count_files(), 0);
  gf__sink_free(&s);
}

static void test_unwritable_dir(void) {
  gf__sink s;
  CHECK_INT(gf__sink_init(&s, NULL, "/nonexistent/dir", NULL, 0), 0);
  CHECK_INT(gf__sink_begin(&s, "image/png"), GF_EIO);
  CHECK(strstr(s.err, "No such file") != NULL);
  gf__sink_free(&s);
}

/* One image into out_dir with the given prefix: its published name. */
static void publish_one(const char *prefix, char fill, const char *want_name) {
  gf__sink s;
  CHECK_INT(gf__sink_init(&s, NULL, dir, prefix, 0), 0);
  put_image(&s, "image/png", 0, fill, 5000);
  CHECK_INT(sync_now(&s), 0);
  CHECK_INT(gf__sink_publish(&s), 0);
  char want[600];
  snprintf(want, sizeof want, "%s/%s", dir, want_name);
  CHECK_STR(s.file, want);
  CHECK(image_is(want, fill, 5000));
  CHECK_INT(count_parts(NULL, 0), 0);
  gf__sink_free(&s);
}

/* The names of test_suffix_never_overwrites, on a file system without
 * hard links (renameat2 with RENAME_NOREPLACE names the file), then on
 * one without that either (a name reserved with O_EXCL, renamed over). */
static void test_no_hard_links(void) {
  for (int way = 0; way < 2; way++) {
    clear_dir();
    fs_normal();
    no_link = 1;
    no_renameat2 = way == 1;
    publish_one("fb", 'a', "fb.png");
    publish_one("fb", 'b', "fb-1.png");
    char taken[600];
    snprintf(taken, sizeof taken, "%s/fb-2.png", dir);
    FILE *f = fopen(taken, "w");
    fputs("someone else's", f);
    fclose(f);
    publish_one("fb", 'c', "fb-3.png");
    struct stat st;
    CHECK_INT(stat(taken, &st), 0);
    CHECK_INT(st.st_size, 14); /* never overwritten */
    char first[600];
    snprintf(first, sizeof first, "%s/fb.png", dir);
    CHECK(image_is(first, 'a', 5000));
    CHECK_INT(count_files(), 4);
    CHECK(n_renameat2 > 0);
    CHECK_INT(n_rename > 0, way == 1);
    CHECK_INT(n_dir_syncs, 3);
  }
  fs_normal();
}

/* No way to name it: the finished image stays in its temporary file, which
 * the sink no longer removes, and the message says where it is. */
static void test_naming_fails_keeps_image(void) {
  for (int with_path = 0; with_path < 2; with_path++) {
    clear_dir();
    fs_normal();
    no_link = no_renameat2 = no_rename = 1;
    char path[600];
    snprintf(path, sizeof path, "%s/named.png", dir);
    gf__sink s;
    CHECK_INT(gf__sink_init(&s, with_path ? path : NULL, dir, "kept", 0), 0);
    put_image(&s, "image/png", 0, 'k', 3000);
    CHECK_INT(sync_now(&s), 0);
    CHECK_INT(gf__sink_publish(&s), GF_EIO);
    CHECK(s.file == NULL);
    char part[600] = "";
    CHECK_INT(count_parts(part, sizeof part), 1);
    CHECK(strstr(s.err, part) != NULL);
    CHECK(strstr(s.err, "kept") != NULL);
    gf__sink_discard(&s);
    gf__sink_free(&s);
    CHECK_INT(count_files(), 1); /* only the kept one */
    CHECK(image_is(part, 'k', 3000));
    CHECK_INT(n_dir_syncs, 0);
  }
  fs_normal();
}

/* The temporary's name carries a plain prefix (the batch's item id), so a
 * batch shard knows its own leftovers: ".gemflow-<prefix>-XXXXXX.part";
 * any other prefix leaves ".gemflow-XXXXXX.part". */
static void temp_name_is(const char *out_path, const char *prefix,
                         const char *want_tag) {
  clear_dir();
  fs_normal();
  gf__sink s;
  CHECK_INT(gf__sink_init(&s, out_path, out_path ? NULL : dir, prefix, 0), 0);
  CHECK_INT(gf__sink_begin(&s, "image/png"), 0);
  char part[600] = "", want[600];
  CHECK_INT(count_parts(part, sizeof part), 1);
  snprintf(want, sizeof want, "%s/.gemflow-%s", dir, want_tag);
  size_t n = strlen(want), len = strlen(part);
  CHECK(strncmp(part, want, n) == 0);
  CHECK_INT(len, n + 6 + 5); /* six random characters, ".part" */
  CHECK_STR(part + len - 5, ".part");
  CHECK(strspn(part + n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789") == 6);
  gf__sink_free(&s);
  CHECK_INT(count_files(), 0);
}

static void test_temp_name(void) {
  char path[300], long_id[200], long_tag[256];
  snprintf(path, sizeof path, "%s/sub-named.png", dir);
  memset(long_id, 'x', sizeof long_id);
  long_id[128] = '\0';
  snprintf(long_tag, sizeof long_tag, "%s-", long_id);
  temp_name_is(NULL, "item-1", "item-1-");
  temp_name_is(NULL, long_id, long_tag); /* 128 characters: carried */
  long_id[128] = 'x';
  long_id[129] = '\0';
  temp_name_is(NULL, long_id, "");       /* 129: too long */
  temp_name_is(NULL, "a b", "");
  temp_name_is(NULL, ".hidden", "");
  temp_name_is(path, "cat.v2_x", "cat.v2_x-"); /* out_path: beside it */
}

/* Publishing syncs the directory, for out_path too. */
static void test_publish_syncs_dir(void) {
  clear_dir();
  fs_normal();
  char path[600];
  snprintf(path, sizeof path, "%s/synced.png", dir);
  gf__sink s;
  CHECK_INT(gf__sink_init(&s, path, NULL, NULL, 0), 0);
  put_image(&s, "image/png", 0, 's', 100);
  CHECK_INT(sync_now(&s), 0);
  CHECK_INT(gf__sink_publish(&s), 0);
  CHECK_INT(n_dir_syncs, 1);
  CHECK(image_is(path, 's', 100));
  gf__sink_free(&s);
}

/* A new attempt: the sink forgets its images and temporary files, keeps
 * its options, and names the next image as if it were the first. */
static void test_reset(void) {
  clear_dir();
  fs_normal();
  gf__sink s;
  int fb;
  CHECK_INT(gf__sink_init(&s, NULL, dir, "again", 0), 0);
  gf__sink_reset(&s); /* nothing yet */
  CHECK(gf__sink_result(&s, &fb) == NULL);
  put_image(&s, "image/png", 1, 'a', 100);
  put_image(&s, "image/png", 0, 'b', 100);
  CHECK_INT(count_parts(NULL, 0), 2);
  gf__sink_reset(&s); /* after two finished images */
  CHECK_INT(count_files(), 0);
  CHECK(gf__sink_result(&s, &fb) == NULL);
  CHECK_INT(s.count, 0);
  CHECK_INT(gf__sink_begin(&s, "image/png"), 0); /* half an image */
  CHECK_INT(gf__sink_write(&s, png_head, 10), 0);
  CHECK_INT(count_parts(NULL, 0), 1);
  gf__sink_reset(&s);
  CHECK_INT(count_files(), 0);
  CHECK(gf__sink_result(&s, &fb) == NULL);
  CHECK_INT(s.active, 0);
  CHECK_INT(s.fd, -1);
  CHECK_INT(gf__sink_write(&s, png_head, 10), GF_EINVAL);
  gf__sink_reset(&s); /* twice in a row */
  put_image(&s, "image/png", 0, 'c', 200);
  CHECK_INT(s.count, 1);
  CHECK_INT(sync_now(&s), 0);
  CHECK_INT(gf__sink_publish(&s), 0);
  char want[600];
  snprintf(want, sizeof want, "%s/again.png", dir);
  CHECK_STR(s.file, want);
  CHECK(image_is(want, 'c', 200));
  CHECK_INT(count_files(), 1);
  gf__sink_free(&s);
  /* without files: the results go, nothing else to do */
  CHECK_INT(gf__sink_init(&s, NULL, NULL, NULL, 0), 0);
  put_image(&s, NULL, 0, 'd', 10);
  CHECK(gf__sink_result(&s, &fb) != NULL);
  gf__sink_reset(&s);
  CHECK(gf__sink_result(&s, &fb) == NULL);
  gf__sink_free(&s);
}

static void test_dims(void) {
  unsigned w, h;
  CHECK_INT(gf__img_dims(png_head, sizeof png_head, &w, &h), 0);
  CHECK_INT(w, 1376);
  CHECK_INT(h, 768);
  static const unsigned char jpg[] = {
      0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2, 0xFF, 0xFF, 0xC0, 0, 11, 8,
      0x03, 0x00, 0x04, 0x00, 3, 1, 0x22, 0};
  CHECK_INT(gf__img_dims(jpg, sizeof jpg, &w, &h), 0);
  CHECK_INT(w, 1024);
  CHECK_INT(h, 768);
  static const unsigned char webp[30] = {
      'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'X',
      10,  0,   0,   0,   0, 0, 0, 0, 0xFF, 0x03, 0, 0xFF, 0x01, 0};
  CHECK_INT(gf__img_dims(webp, sizeof webp, &w, &h), 0);
  CHECK_INT(w, 1024);
  CHECK_INT(h, 512);
  CHECK_INT(gf__img_dims((const unsigned char *)"nope", 4, &w, &h), -1);
  CHECK_INT(gf__img_dims(jpg, 12, &w, &h), -1); /* cut before the SOF */
  CHECK_STR(gf__mime_ext("image/jpeg"), "jpg");
  CHECK_STR(gf__mime_ext("image/x-unknown"), "bin");
}

/* A JPEG whose frame header sits behind 100 KB of APP1/APP2 segments
 * (EXIF, ICC), fed whole, byte by byte and in odd pieces: the walker keeps
 * no buffer. */
static void test_dims_streaming_jpeg(void) {
  size_t seg = 50000, n = 2 + 2 * (4 + seg) + 2 + 11 + 2;
  unsigned char *j = calloc(1, n);
  size_t k = 0;
  j[k++] = 0xFF, j[k++] = 0xD8;
  for (int a = 0; a < 2; a++) {
    j[k++] = 0xFF, j[k++] = (unsigned char)(0xE1 + a); /* length counts itself */
    j[k++] = (unsigned char)((seg + 2) >> 8), j[k++] = (unsigned char)(seg + 2);
    memset(j + k, 0xFF, seg); /* marker-like bytes inside a segment */
    k += seg;
  }
  j[k++] = 0xFF, j[k++] = 0xFF; /* a fill byte before the marker */
  j[k++] = 0xC2, j[k++] = 0, j[k++] = 11, j[k++] = 8;
  j[k++] = 0x0B, j[k++] = 0xB8; /* height 3000 */
  j[k++] = 0x0F, j[k++] = 0xA0; /* width 4000 */
  k += 4;
  size_t steps[] = {n, 1, 7, 4093};
  for (size_t s_ = 0; s_ < sizeof steps / sizeof steps[0]; s_++) {
    gf__dims d;
    gf__dims_init(&d);
    for (size_t off = 0; off < k; off += steps[s_])
      gf__dims_feed(&d, j + off, off + steps[s_] <= k ? steps[s_] : k - off);
    unsigned w, h;
    CHECK_INT(gf__dims_result(&d, &w, &h), 0);
    CHECK_INT(w, 4000);
    CHECK_INT(h, 3000);
  }
  /* every single split point of the start of it (the walker's states) */
  for (size_t cut = 0; cut <= 200; cut++) {
    gf__dims d;
    gf__dims_init(&d);
    gf__dims_feed(&d, j, cut);
    gf__dims_feed(&d, j + cut, k - cut);
    unsigned w2, h2;
    CHECK_INT(gf__dims_result(&d, &w2, &h2), 0);
    CHECK_INT(w2, 4000);
  }
  /* a scan before any frame header: no dimensions, no guess */
  static const unsigned char sos[] = {0xFF, 0xD8, 0xFF, 0xDA, 0, 2, 1, 2, 3};
  unsigned w, h;
  CHECK_INT(gf__img_dims(sos, sizeof sos, &w, &h), -1);
  free(j);
}

static void test_redact(void) {
  char s[128] = "GET /x?key=AIzaSecretKey123&alt=sse key AIzaSecretKey123";
  gf__redact("AIzaSecretKey123", s);
  CHECK_STR(s, "GET /x?key=REDACTED&alt=sse key REDACTED");
  char t[32] = "blocked: check abc";
  gf__redact("abc", t); /* too short to hunt for in free text */
  CHECK_STR(t, "blocked: check abc");
}

int main(int argc, char **argv) {
  snprintf(dir, sizeof dir, "%s/gf-sink-XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(dir))
    return 2;
  static const gf_t_case cases[] = {
      TEST(test_final_beats_thought), TEST(test_suffix_never_overwrites),
      TEST(test_out_path_replaced), TEST(test_discard_leaves_nothing),
      TEST(test_thought_fallback), TEST(test_unwritable_dir),
      TEST(test_no_hard_links), TEST(test_naming_fails_keeps_image),
      TEST(test_publish_syncs_dir), TEST(test_reset), TEST(test_out_dir_replace), TEST(test_mode_follows_umask),
      TEST(test_temp_name), TEST(test_dims), TEST(test_dims_streaming_jpeg),
      TEST(test_redact)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  clear_dir();
  rmdir(dir);
  return rc;
}
