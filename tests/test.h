/* A minimal test harness: CHECK macros that report file:line and keep going,
 * and TEST_MAIN that runs the listed tests and prints "N passed, N failed".
 * With an argument, only the test of that name runs; a name that matches no
 * test fails the run, so a typo cannot pass as "0 passed, 0 failed". */
#ifndef GF_TEST_H
#define GF_TEST_H
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int gf_t_failed_checks;
static int gf_t_cur_failed;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      gf_t_failed_checks++;                                                    \
      gf_t_cur_failed = 1;                                                     \
    }                                                                          \
  } while (0)

#define CHECK_INT(a, b)                                                        \
  do {                                                                         \
    long long gf_a_ = (long long)(a), gf_b_ = (long long)(b);                  \
    if (gf_a_ != gf_b_) {                                                      \
      fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__,    \
              __LINE__, #a, gf_a_, #b, gf_b_);                                 \
      gf_t_failed_checks++;                                                    \
      gf_t_cur_failed = 1;                                                     \
    }                                                                          \
  } while (0)

#define CHECK_STR(a, b)                                                        \
  do {                                                                         \
    const char *gf_a_ = (a), *gf_b_ = (b);                                     \
    if (!gf_a_ || !gf_b_ ? gf_a_ != gf_b_ : strcmp(gf_a_, gf_b_) != 0) {       \
      fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,      \
              __LINE__, #a, gf_a_ ? gf_a_ : "(null)",                          \
              gf_b_ ? gf_b_ : "(null)");                                       \
      gf_t_failed_checks++;                                                    \
      gf_t_cur_failed = 1;                                                     \
    }                                                                          \
  } while (0)

#define CHECK_MEM(a, alen, b, blen)                                            \
  do {                                                                         \
    size_t gf_al_ = (alen), gf_bl_ = (blen);                                   \
    if (gf_al_ != gf_bl_ || memcmp((a), (b), gf_al_) != 0) {                   \
      fprintf(stderr, "%s:%d: %s (%zu bytes) differs from %s (%zu bytes)\n",   \
              __FILE__, __LINE__, #a, gf_al_, #b, gf_bl_);                     \
      gf_t_failed_checks++;                                                    \
      gf_t_cur_failed = 1;                                                     \
    }                                                                          \
  } while (0)

typedef void (*gf_t_fn)(void);
typedef struct {
  const char *name;
  gf_t_fn fn;
} gf_t_case;

#define TEST(fn) {#fn, fn}

static inline int gf_t_run(const gf_t_case *cases, size_t n, int argc,
                           char **argv) {
  int passed = 0, failed = 0;
  const char *only = argc > 1 ? argv[1] : NULL;
  for (size_t i = 0; i < n; i++) {
    if (only && strcmp(only, cases[i].name) != 0)
      continue;
    gf_t_cur_failed = 0;
    cases[i].fn();
    if (gf_t_cur_failed) {
      failed++;
      fprintf(stderr, "FAIL %s\n", cases[i].name);
    } else {
      passed++;
      printf("ok %s\n", cases[i].name);
    }
  }
  if (only && passed + failed == 0) {
    fprintf(stderr, "no test named '%s'\n", only);
    return 1;
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

#define TEST_MAIN(...)                                                         \
  int main(int argc, char **argv) {                                            \
    static const gf_t_case cases_[] = {__VA_ARGS__};                           \
    return gf_t_run(cases_, sizeof cases_ / sizeof cases_[0], argc, argv);     \
  }
#endif
