/* What server text may put on a terminal: the stream filter (thoughts and
 * model text) for a terminal and for a file, sequences split across calls,
 * and one-line messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "test.h"

#define R "\xEF\xBF\xBD" /* U+FFFD */

/* The filter's output for the pieces of text (NULL-terminated), each its
 * own call, then the end. Static: valid until the next call. */
static char *filter(int is_tty, const char *const *pieces) {
  static char *got;
  free(got);
  got = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&got, &len);
  gf__tty_filter t = {{0}, 0};
  for (size_t i = 0; pieces[i]; i++)
    gf__tty_filter_write(&t, f, is_tty, pieces[i], strlen(pieces[i]));
  gf__tty_filter_end(&t, f, is_tty);
  fclose(f);
  return got;
}
#define TTY(...) filter(1, (const char *const[]){__VA_ARGS__, NULL})
#define RAW(...) filter(0, (const char *const[]){__VA_ARGS__, NULL})

static void test_tty_c0(void) {
  CHECK_STR(TTY("a\x1b[2Jb"), "a" R "[2Jb");       /* ESC [ 2 J */
  CHECK_STR(TTY("over\rwrite"), "over" R "write"); /* CR */
  CHECK_STR(TTY("ding\a"), "ding" R);              /* BEL */
  CHECK_STR(TTY("\x1b]0;title\x07"), R "]0;title" R);
  CHECK_STR(TTY("back\bspace\x01\x1f"), "back" R "space" R R);
  CHECK_STR(TTY("del\x7f"), "del" R);
}

static void test_tty_c1(void) {
  CHECK_STR(TTY("a\xC2\x9B\x32Jb"), "a" R "2Jb"); /* CSI */
  CHECK_STR(TTY("\xC2\x80\xC2\x85\xC2\x9F"), R R R);
  /* the first character after the C1 range stays */
  CHECK_STR(TTY("nb\xC2\xA0sp"), "nb\xC2\xA0sp");
  /* a C1 split across calls is still caught */
  CHECK_STR(TTY("a\xC2", "\x9B\x32J"), "a" R "2J");
}

static void test_kept(void) {
  CHECK_STR(TTY("one\ttwo\nthree\n"), "one\ttwo\nthree\n");
  const char *u = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xE4\xB8\xAD";
  CHECK_STR(TTY(u), u);
  CHECK_STR(TTY(""), "");
}

/* A 4-byte emoji cut at every place, and into single bytes: intact. */
static void test_split_emoji(void) {
  const char *s = "x\xF0\x9F\x98\x80y";
  for (size_t cut = 1; cut < strlen(s); cut++) {
    char a[16], b[16];
    memcpy(a, s, cut);
    a[cut] = '\0';
    strcpy(b, s + cut);
    CHECK_STR(TTY(a, b), s);
  }
  CHECK_STR(TTY("x", "\xF0", "\x9F", "\x98", "\x80", "y"), s);
  CHECK_STR(TTY("\xF0\x9F", "\x98\x80\xF0", "\x9F\x98\x80"),
            "\xF0\x9F\x98\x80\xF0\x9F\x98\x80");
}

static void test_invalid(void) {
  CHECK_STR(TTY("\x9B"), R); /* a lone C1 byte: CSI to an 8-bit terminal */
  CHECK_STR(TTY("a\xFFz"), "a" R "z");
  CHECK_STR(TTY("\xC0\xAF"), R R);             /* overlong '/' */
  CHECK_STR(TTY("\xE0\x80\xAF"), R R R);       /* overlong */
  CHECK_STR(TTY("\xED\xA0\x80"), R R R);       /* a surrogate */
  CHECK_STR(TTY("\xF4\x90\x80\x80"), R R R R); /* over U+10FFFF */
  /* a valid start cut by something else: one U+FFFD, then the rest */
  CHECK_STR(TTY("\xE2\x82"
                "A"),
            R "A");
  CHECK_STR(TTY("\xE2\x82", "A"), R "A");
  CHECK_STR(TTY("\xF0\x9F", "\x1b"), R R);
  CHECK_STR(TTY("\xF0\x9F", "\n"), R "\n");
  /* cut short at the end */
  CHECK_STR(TTY("ab\xF0\x9F\x98"), "ab" R);
}

/* Not a terminal: the bytes exactly as they came. */
static void test_not_tty(void) {
  const char *s = "a\x1b[2J\r\a\x7f\xC2\x9B\x9B\xFF\t\n";
  CHECK_STR(RAW(s), s);
  CHECK_STR(RAW("x\xF0\x9F", "\x98\x80"), "x\xF0\x9F\x98\x80");
  CHECK_STR(RAW("cut\xF0\x9F"), "cut\xF0\x9F");
}

static void test_one_line(void) {
  char *s;
  for (int tty = 0; tty < 2; tty++) {
    s = gf__diag_one_line("bad\nrequest:\tsee\r\ndetails\r\n", tty);
    CHECK_STR(s, "bad request: see  details");
    free(s);
    s = gf__diag_one_line("\x1b[31mred\x07\x7f", tty);
    CHECK_STR(s, " [31mred  ");
    free(s);
    s = gf__diag_one_line("c1 \xC2\x9B\x32J here", tty);
    CHECK_STR(s, "c1  2J here");
    free(s);
    s = gf__diag_one_line("caf\xC3\xA9 \xF0\x9F\x98\x80", tty);
    CHECK_STR(s, "caf\xC3\xA9 \xF0\x9F\x98\x80");
    free(s);
  }
  s = gf__diag_one_line("x\x9By\xE2\x82", 1);
  CHECK_STR(s, "x" R "y" R);
  free(s);
  s = gf__diag_one_line("x\x9By\xE2\x82", 0);
  CHECK_STR(s, "x\x9By\xE2\x82");
  free(s);
  s = gf__diag_one_line("", 1);
  CHECK_STR(s, "");
  free(s);
}

static void test_one_line_scrubbed(void) {
  static const char key[] = "AIzaTEST-secret-0123456789";
  gf__diag_set_secret(key);
  char *s = gf__diag_one_line("url ?key=AIzaTEST-secret-0123456789\n", 1);
  CHECK_STR(s, "url ?key=***");
  free(s);
  gf__diag_set_secret(NULL);
}

/* Through stderr (a file here, so not a terminal): the stream as it came,
 * the open line ended before a message, the message on one line. */
static void test_stderr_file(void) {
  FILE *cap = tmpfile();
  fflush(stderr);
  int saved = dup(2);
  dup2(fileno(cap), 2);
  gf__diag_stream("think\x1b", 6);
  gf__diag_error("server says:\n%s", "no\x1b[2J");
  gf__diag_stream("a\xF0\x9F", 3);
  gf__diag_break();
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  char got[256];
  rewind(cap);
  size_t n = fread(got, 1, sizeof got - 1, cap);
  got[n] = '\0';
  fclose(cap);
  CHECK_STR(got, "think\x1b\ngemflow: server says: no [2J\na\xF0\x9F\n");
}

TEST_MAIN(TEST(test_tty_c0), TEST(test_tty_c1), TEST(test_kept),
          TEST(test_split_emoji), TEST(test_invalid), TEST(test_not_tty),
          TEST(test_one_line), TEST(test_one_line_scrubbed),
          TEST(test_stderr_file))
