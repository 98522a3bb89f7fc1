/* The simulator's image cache with its thread pool: images made at once
 * are counted in bytes only once their maker has handed them over, so
 * the byte total is exact at every step and images that fit stay cached
 * (an image the loop saw finished by its thread, before the hand-over,
 * used to be subtracted though never added: the total wrapped and the
 * cache dropped what it should keep, making 4K images again). */
#include <uv.h>

#include "sim/image.h"
#include "test.h"

#define N 4

static void make_all(gf__sim_cache *c, uv_loop_t *loop, const char *tag,
                     gf__sim_img *out[N]) {
  for (int i = 0; i < N; i++) {
    char p[32];
    int n = snprintf(p, sizeof p, "%s %d", tag, i);
    CHECK_INT(gf__sim_cache_get(c, p, (size_t)n, 7, 96, 64, &out[i]), 0);
  }
  uv_run(loop, UV_RUN_DEFAULT); /* all made, on the pool, at once */
  for (int i = 0; i < N; i++)
    CHECK_INT(out[i]->status, 0);
}

static size_t b64_of(gf__sim_img *const imgs[], int n) {
  size_t t = 0;
  for (int i = 0; i < n; i++)
    t += imgs[i]->b64_len;
  return t;
}

/* Of those still in the cache (the order of use is the order they were
 * finished in, which the pool decides): how many, and their bytes. */
static int kept(gf__sim_img *const imgs[], int n, size_t *bytes) {
  int k = 0;
  *bytes = 0;
  for (int i = 0; i < n; i++)
    if (gf__queue_linked(&imgs[i]->lru)) {
      k++;
      *bytes += imgs[i]->b64_len;
    }
  return k;
}

static void test_bytes_exact_and_kept(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  gf__sim_cache *c = gf__sim_cache_new(&loop, 6, 1u << 30);
  gf__sim_img *a[N], *b[N];
  make_all(c, &loop, "first", a);
  size_t bytes = 0;
  CHECK_INT(gf__sim_cache_count(c, &bytes), N);
  CHECK_INT(bytes, b64_of(a, N));
  make_all(c, &loop, "second", b);
  /* six entries: two of a went */
  size_t of_a = 0;
  CHECK_INT(kept(a, N, &of_a), 2);
  CHECK_INT(gf__sim_cache_count(c, &bytes), 6);
  CHECK_INT(bytes, b64_of(b, N) + of_a);
  /* b again, one by one: each served as it is, nothing made again */
  for (int i = 0; i < N; i++) {
    char p[32];
    int n = snprintf(p, sizeof p, "second %d", i);
    gf__sim_img *again = NULL;
    CHECK_INT(gf__sim_cache_get(c, p, (size_t)n, 7, 96, 64, &again), 0);
    CHECK(again == b[i]);
    CHECK_INT(again->status, 0);
    gf__sim_img_unref(again);
  }
  CHECK_INT(gf__sim_cache_count(c, &bytes), 6);
  CHECK_INT(bytes, b64_of(b, N) + of_a);
  for (int i = 0; i < N; i++) {
    gf__sim_img_unref(a[i]);
    gf__sim_img_unref(b[i]);
  }
  gf__sim_cache_free(c);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&loop), 0);
}

/* A byte bound that holds three: the fourth pushes the oldest out, and
 * the total stays that of the three kept. */
static void test_byte_bound(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  gf__sim_img *probe = gf__sim_img_new("probe", 5, 7, 96, 64);
  CHECK_INT(gf__sim_img_make(probe), 0);
  size_t one = probe->b64_len;
  gf__sim_img_unref(probe);
  gf__sim_cache *c = gf__sim_cache_new(&loop, 100, 3 * one + one / 2);
  gf__sim_img *a[N];
  make_all(c, &loop, "bounded", a);
  size_t bytes = 0;
  size_t want = 0;
  CHECK_INT(kept(a, N, &want), 3);
  CHECK_INT(gf__sim_cache_count(c, &bytes), 3);
  CHECK_INT(bytes, want);
  for (int i = 0; i < N; i++)
    gf__sim_img_unref(a[i]);
  gf__sim_cache_free(c);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(uv_loop_close(&loop), 0);
}

TEST_MAIN(TEST(test_bytes_exact_and_kept), TEST(test_byte_bound))
