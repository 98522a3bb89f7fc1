/* Loading the API key: the first line of a key file, or the first set
 * variable of a list; every check on its characters; the read buffer wiped
 * on every path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "key.h"
#include "test.h"

static char path[256];
static char err[4096]; /* what the last call printed on stderr */

/* Writes n bytes of s to a fresh temporary file; its name in path. */
static void key_file(const char *s, size_t n) {
  snprintf(path, sizeof path, "/tmp/gf-test-key-XXXXXX");
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  if (fd < 0)
    return;
  CHECK(write(fd, s, n) == (ssize_t)n);
  close(fd);
}

/* stderr (fd 2) into a temporary file around one call. */
static int saved_fd = -1;
static FILE *cap;
static void capture_begin(void) {
  fflush(stderr);
  cap = tmpfile();
  saved_fd = dup(2);
  dup2(fileno(cap), 2);
}
static void capture_end(void) {
  fflush(stderr);
  dup2(saved_fd, 2);
  close(saved_fd);
  rewind(cap);
  size_t n = fread(err, 1, sizeof err - 1, cap);
  err[n] = '\0';
  fclose(cap);
}

static int load(const char *file, const char *const *vars,
                char out[GF__KEY_MAX + 1]) {
  memset(out, 'x', GF__KEY_MAX + 1);
  capture_begin();
  int rc = gf__key_load(file, vars, out);
  capture_end();
  return rc;
}

static int load_file(const char *s, size_t n, char out[GF__KEY_MAX + 1]) {
  key_file(s, n);
  int rc = load(path, NULL, out);
  unlink(path);
  return rc;
}

static const char *const no_vars[] = {NULL};

static void test_file_crlf(void) {
  char out[GF__KEY_MAX + 1];
  const char s[] = "AIzaTestKey-0123_abc\r\nsecond line\r\n";
  CHECK_INT(load_file(s, sizeof s - 1, out), 0);
  CHECK_STR(out, "AIzaTestKey-0123_abc");
  /* CR alone is a blank at the end of the one line */
  const char cr[] = "AIzaCRonly\r";
  CHECK_INT(load_file(cr, sizeof cr - 1, out), 0);
  CHECK_STR(out, "AIzaCRonly");
}

static void test_file_blanks(void) {
  char out[GF__KEY_MAX + 1];
  const char s[] = " \t key-with-blanks \t \v\f\n";
  CHECK_INT(load_file(s, sizeof s - 1, out), 0);
  CHECK_STR(out, "key-with-blanks");
  const char no_eol[] = "key-without-eol   ";
  CHECK_INT(load_file(no_eol, sizeof no_eol - 1, out), 0);
  CHECK_STR(out, "key-without-eol");
}

static void test_file_too_long(void) {
  char out[GF__KEY_MAX + 1];
  static char s[GF__KEY_FILE_BUF * 2];
  /* exactly GF__KEY_MAX: fine */
  memset(s, 'k', GF__KEY_MAX);
  s[GF__KEY_MAX] = '\n';
  CHECK_INT(load_file(s, GF__KEY_MAX + 1, out), 0);
  CHECK_INT(strlen(out), GF__KEY_MAX);
  /* one more: too long */
  memset(s, 'k', GF__KEY_MAX + 1);
  s[GF__KEY_MAX + 1] = '\n';
  CHECK_INT(load_file(s, GF__KEY_MAX + 2, out), 2);
  CHECK(strstr(err, "is too long") != NULL);
  CHECK(strstr(err, "kkkk") == NULL);
  /* a first line longer than the buffer */
  memset(s, 'k', sizeof s);
  CHECK_INT(load_file(s, sizeof s, out), 2);
  CHECK(strstr(err, "first line too long") != NULL);
  CHECK(strstr(err, "kkkk") == NULL);
}

static void test_file_empty(void) {
  char out[GF__KEY_MAX + 1];
  CHECK_INT(load_file("", 0, out), 2);
  CHECK(strstr(err, "no API key in /tmp/gf-test-key-") != NULL);
  CHECK_INT(load_file(" \r\n", 3, out), 2);
  /* only the first line counts */
  CHECK_INT(load_file("\nkey-on-line-two\n", 17, out), 2);
  CHECK(strstr(err, "no API key in") != NULL);
}

static void test_file_unreadable(void) {
  char out[GF__KEY_MAX + 1];
  CHECK_INT(load("/nonexistent/gf-key", no_vars, out), 2);
  CHECK(strstr(err, "cannot read the key file /nonexistent/gf-key: ") != NULL);
  CHECK_INT(load("/tmp", no_vars, out), 2);
  CHECK(strstr(err, "cannot read the key file /tmp") != NULL);
}

static void test_bad_chars(void) {
  char out[GF__KEY_MAX + 1];
  const char *bad[] = {"two words\n", "ctl\001key\n", "caf\xc3\xa9\n",
                       "del\x7fkey\n"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK_INT(load_file(bad[i], strlen(bad[i]), out), 2);
    CHECK(strstr(err, "has a character a key cannot hold") != NULL);
    CHECK(strstr(err, "words") == NULL); /* the key is not shown */
  }
  setenv("GF_TEST_BADKEY", "has space", 1);
  CHECK_INT(load(NULL, (const char *const[]){"GF_TEST_BADKEY", NULL}, out), 2);
  CHECK(strstr(err, "in GF_TEST_BADKEY has a character") != NULL);
  unsetenv("GF_TEST_BADKEY");
}

static void test_vars_order(void) {
  char out[GF__KEY_MAX + 1];
  unsetenv("GF_TEST_A");
  setenv("GF_TEST_B", "", 1); /* set but empty: skipped */
  setenv("GF_TEST_C", "  key-from-c ", 1);
  setenv("GF_TEST_D", "key-from-d", 1);
  const char *const abcd[] = {"GF_TEST_A", "GF_TEST_B", "GF_TEST_C",
                              "GF_TEST_D", NULL};
  CHECK_INT(load(NULL, abcd, out), 0);
  CHECK_STR(out, "key-from-c");
  CHECK_STR(err, "");
  CHECK_INT(
      load(NULL, (const char *const[]){"GF_TEST_D", "GF_TEST_C", NULL}, out),
      0);
  CHECK_STR(out, "key-from-d");
  /* the file wins over every variable */
  key_file("key-from-file\n", 14);
  CHECK_INT(load(path, abcd, out), 0);
  CHECK_STR(out, "key-from-file");
  unlink(path);
  /* set to blanks only: it is the one chosen, and it holds no key */
  setenv("GF_TEST_A", " \t", 1);
  CHECK_INT(load(NULL, abcd, out), 2);
  CHECK(strstr(err, "no API key in GF_TEST_A") != NULL);
  unsetenv("GF_TEST_A");
  unsetenv("GF_TEST_B");
  unsetenv("GF_TEST_C");
  unsetenv("GF_TEST_D");
}

static void test_vars_none(void) {
  char out[GF__KEY_MAX + 1];
  unsetenv("GF_TEST_A");
  unsetenv("GF_TEST_B");
  setenv("GF_TEST_C", "", 1);
  CHECK_INT(load(NULL, (const char *const[]){"GF_TEST_A", NULL}, out), 2);
  CHECK_STR(err,
            "gemflow: no API key: set GF_TEST_A or use --api-key-file FILE\n");
  CHECK_INT(
      load(NULL, (const char *const[]){"GF_TEST_A", "GF_TEST_B", NULL}, out),
      2);
  CHECK_STR(err, "gemflow: no API key: set GF_TEST_A or GF_TEST_B or use "
                 "--api-key-file FILE\n");
  CHECK_INT(
      load(NULL,
           (const char *const[]){"GF_TEST_A", "GF_TEST_B", "GF_TEST_C", NULL},
           out),
      2);
  CHECK_STR(err, "gemflow: no API key: set GF_TEST_A, GF_TEST_B or "
                 "GF_TEST_C or use --api-key-file FILE\n");
  CHECK_STR(out, "");
  CHECK_INT(load(NULL, no_vars, out), 2);
  CHECK_STR(err, "gemflow: no API key: use --api-key-file FILE\n");
  CHECK_INT(load(NULL, NULL, out), 2);
  CHECK_STR(err, "gemflow: no API key: use --api-key-file FILE\n");
  unsetenv("GF_TEST_C");
}

static int all_zero(const char *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (b[i])
      return 0;
  return 1;
}

/* Reads s as a key file into a buffer filled with junk first; the buffer
 * is all zeros afterwards whatever the outcome. */
static int read_wiped(const char *s, size_t n, int *rc) {
  char buf[GF__KEY_FILE_BUF], out[GF__KEY_MAX + 1];
  memset(buf, 0x55, sizeof buf);
  key_file(s, n);
  capture_begin();
  *rc = gf__key_from_file(path, buf, sizeof buf, out);
  capture_end();
  unlink(path);
  return all_zero(buf, sizeof buf);
}

static void test_buffer_wiped(void) {
  int rc;
  const char ok[] = "AIzaSecretKeyThatMustGo\nmore text\n";
  CHECK(read_wiped(ok, sizeof ok - 1, &rc));
  CHECK_INT(rc, 0);
  CHECK(read_wiped("bad key\n", 8, &rc));
  CHECK_INT(rc, 2);
  CHECK(read_wiped("", 0, &rc));
  CHECK_INT(rc, 2);
  static char longline[GF__KEY_FILE_BUF + 10];
  memset(longline, 'k', sizeof longline);
  CHECK(read_wiped(longline, sizeof longline, &rc));
  CHECK_INT(rc, 2);
  static char toolong[GF__KEY_MAX + 2];
  memset(toolong, 'k', sizeof toolong);
  toolong[GF__KEY_MAX + 1] = '\n';
  CHECK(read_wiped(toolong, sizeof toolong, &rc));
  CHECK_INT(rc, 2);
  /* a file that cannot be opened, a directory that cannot be read */
  char buf[GF__KEY_FILE_BUF], out[GF__KEY_MAX + 1];
  const char *bad[] = {"/nonexistent/gf-key", "/tmp"};
  for (size_t i = 0; i < 2; i++) {
    memset(buf, 0x55, sizeof buf);
    capture_begin();
    rc = gf__key_from_file(bad[i], buf, sizeof buf, out);
    capture_end();
    CHECK_INT(rc, 2);
    CHECK(all_zero(buf, sizeof buf));
  }
}

static void test_wipe(void) {
  char key[16];
  memcpy(key, "0123456789abcdef", 16);
  gf__key_wipe(key, sizeof key);
  CHECK(all_zero(key, sizeof key));
}

TEST_MAIN(TEST(test_file_crlf), TEST(test_file_blanks),
          TEST(test_file_too_long), TEST(test_file_empty),
          TEST(test_file_unreadable), TEST(test_bad_chars),
          TEST(test_vars_order), TEST(test_vars_none), TEST(test_buffer_wiped),
          TEST(test_wipe))
