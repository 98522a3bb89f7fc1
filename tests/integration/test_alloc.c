/* Allocation failure injection, end to end: the Nth allocation of one whole
 * generation against gemflow-sim fails, for N = 1, 2, 3, ...
 *
 * This executable defines malloc, calloc, realloc, free and the aligned
 * allocators itself. glibc binds those symbols to the executable's
 * definitions for every shared object of the process, so libuv, mbedTLS,
 * json-c and libc's own internal allocations (getaddrinfo, stdio,
 * duplocale) pass through here too. Each forwards to glibc's allocator
 * (__libc_malloc, ...), counts live blocks, and, while armed (from just
 * before gf_generate until on_done), fails the Nth allocation with ENOMEM.
 *
 * Which N: a first, unfailing generation counts the allocations T that a
 * whole generation makes. Every N from 1 to min(T, AF_EVERY) is tested,
 * then AF_SPACED more evenly spaced up to T (AF_EVERY 300, AF_SPACED 60).
 * Each N runs in its own forked child, so that a crash, an abort on a
 * double free or a hang at one N is reported with its N and the sweep goes
 * on. The simulator is a separate process, started once, never affected.
 *
 * For each N: on_done runs exactly once with GF_OK or a known negative
 * GF_E* code (or gf_generate returns such a code and no callback runs); a
 * GF_OK result is the simulator's exact image; no block allocated during
 * the run is left (live count before the loop is made == after the client
 * is freed and the loop closed); uv_loop_close returns 0; the harness's
 * record is consistent (one 'd', last); the output directory holds no
 * file on error and exactly the image on success.
 *
 * To debug one N in-process (no fork):
 *   GF_ALLOC_N=57 gdb -batch -ex run -ex bt --args it_alloc test_inject
 *
 * Skipped under AddressSanitizer and valgrind: both replace malloc. */
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <netdb.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "common/sha256.h"
#include "harness.h"
#include "test.h"

#if defined(__SANITIZE_ADDRESS__)
#define AF_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AF_ASAN 1
#endif
#endif

#define AF_EVERY 300  /* every N up to this one */
#define AF_SPACED 60  /* then this many evenly spaced up to T */
#define AF_PROMPT "allocation failures"

/* ---- the allocator ------------------------------------------------------ */

static atomic_long af_live;    /* blocks allocated and not yet freed */
static atomic_int af_armed;    /* counting and failing */
static atomic_long af_seen;    /* allocations since armed */
static atomic_long af_fail_at; /* the one to fail, 1-based; 0: none */
static atomic_long af_failed;  /* failures injected since armed */

#ifndef AF_ASAN
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t n);

static int af_fail_now(void) {
  if (!atomic_load_explicit(&af_armed, memory_order_relaxed))
    return 0;
  long n = atomic_fetch_add(&af_seen, 1) + 1;
  if (n != atomic_load(&af_fail_at))
    return 0;
  atomic_fetch_add(&af_failed, 1);
  errno = ENOMEM;
  return 1;
}

static void *af_counted(void *p) {
  if (p)
    atomic_fetch_add_explicit(&af_live, 1, memory_order_relaxed);
  return p;
}

void *malloc(size_t n) {
  return af_fail_now() ? NULL : af_counted(__libc_malloc(n));
}

void *calloc(size_t n, size_t size) {
  return af_fail_now() ? NULL : af_counted(__libc_calloc(n, size));
}

void free(void *p) {
  if (!p)
    return;
  atomic_fetch_sub_explicit(&af_live, 1, memory_order_relaxed);
  __libc_free(p);
}

void *realloc(void *p, size_t n) {
  if (!p)
    return malloc(n);
  if (n == 0) { /* glibc's realloc(p, 0) frees p and returns NULL */
    free(p);
    return NULL;
  }
  if (af_fail_now())
    return NULL; /* p stays allocated, as on a real failure */
  return __libc_realloc(p, n);
}

void *memalign(size_t align, size_t n) {
  return af_fail_now() ? NULL : af_counted(__libc_memalign(align, n));
}

void *aligned_alloc(size_t align, size_t n) { return memalign(align, n); }

int posix_memalign(void **out, size_t align, size_t n) {
  if (align < sizeof(void *) || (align & (align - 1)))
    return EINVAL;
  int saved = errno;
  void *p = memalign(align, n);
  errno = saved; /* posix_memalign reports through its return value */
  if (!p)
    return ENOMEM;
  *out = p;
  return 0;
}

void *valloc(size_t n) { return memalign((size_t)sysconf(_SC_PAGESIZE), n); }

void *pvalloc(size_t n) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  if (n > SIZE_MAX - page) {
    errno = ENOMEM;
    return NULL;
  }
  return memalign(page, (n + page - 1) / page * page);
}
#endif

static void af_arm(long fail_at) {
  atomic_store(&af_seen, 0);
  atomic_store(&af_failed, 0);
  atomic_store(&af_fail_at, fail_at);
  atomic_store(&af_armed, 1);
}

static void af_disarm(void) { atomic_store(&af_armed, 0); }

/* ---- one generation ----------------------------------------------------- */

static it_sim sim;
static unsigned char want_sha[32]; /* what the simulator serves */
static uint64_t want_bytes;
static char out_dir[512];

/* The layout of harness.c's it_slot: it_callbacks take it as their ud. */
typedef struct af_slot {
  it_rec *rec;
  gf__sha256 sha;
  gf_gen *gen;
} af_slot;

typedef struct af_result {
  int ran;       /* the child got to the end */
  int gen_rc;    /* gf_generate's return */
  int status;    /* on_done's (when it ran) */
  long seen;     /* allocations while armed */
  long failed;   /* failures injected (0 when the run made fewer than N) */
  long leaked;   /* live blocks after - before */
  double ms;
} af_result;

static it_rec rec; /* static: allocated before any count is taken */
static int hung;

static void af_on_done(gf_gen *g, const gf_result *res, void *ud) {
  af_disarm(); /* allocations from here on (none expected) never fail */
  it_callbacks.on_done(g, res, ud);
}

static void on_deadline(uv_timer_t *t) {
  hung = 1;
  uv_stop(t->loop);
}

static int count_files(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL)
    n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
  if (d)
    closedir(d);
  return n;
}

static int known_error(int status) {
  return status < 0 &&
         strcmp(gf_err_name(status), gf_err_name(-100000)) != 0;
}

/* The harness's record is consistent: letters it knows, no retry (one
 * attempt), exactly one 'd' and nothing after it. */
static int order_sane(const char *order) {
  const char *d = strchr(order, 'd');
  return strspn(order, "txbeud") == strlen(order) && d && d[1] == '\0';
}

/* One generation with the fail_at-th allocation failing (0: none). Every
 * check failure is reported with fail_at. */
static void run_one(long fail_at, af_result *out) {
  memset(&rec, 0, sizeof rec);
  memset(out, 0, sizeof *out);
  hung = 0;
  long live0 = atomic_load(&af_live);
  uint64_t t0 = uv_hrtime();

  uv_loop_t loop;
  CHECK_INT(uv_loop_init(&loop), 0);
  gf_client_options co;
  gf_client_options_init(&co);
  co.base_url = sim.url;
  co.ca_file = sim.ca;
  co.api_key = "test-key-0123456789";
  co.max_attempts = 1;
  /* a failure swallowed into a stall ends in seconds, not minutes */
  co.connect_timeout_ms = 3000;
  co.idle_timeout_ms = 3000;
  gf_client *c = NULL;
  int rc = gf_client_new(&loop, &co, &c);
  if (rc) {
    fprintf(stderr, "gf_client_new: %s\n", gf_err_name(rc));
    exit(2);
  }
  gf_request *req = it_req(AF_PROMPT, "1:1", "1K");
  gf_gen_options go;
  gf_gen_options_init(&go);
  go.out_dir = out_dir;
  gf_callbacks cbs = it_callbacks;
  cbs.on_done = af_on_done;
  af_slot slot;
  memset(&slot, 0, sizeof slot);
  slot.rec = &rec;
  uv_timer_t deadline;
  uv_timer_init(&loop, &deadline);
  uv_timer_start(&deadline, on_deadline, 10000, 0);
  uv_unref((uv_handle_t *)&deadline);

  af_arm(fail_at);
  out->gen_rc = gf_generate(c, req, &go, &cbs, &slot, &slot.gen);
  if (out->gen_rc)
    af_disarm();
  gf_request_free(req);
  uv_run(&loop, UV_RUN_DEFAULT);
  af_disarm();
  out->seen = atomic_load(&af_seen);
  out->failed = atomic_load(&af_failed);
  out->status = rec.status;

  if (hung) {
    fprintf(stderr, "N=%ld: no on_done within 10 s (order \"%s\")\n", fail_at,
            rec.order);
    CHECK(!hung);
    _exit(3); /* the library's state cannot be taken apart cleanly */
  }
  gf_client_free(c);
  uv_close((uv_handle_t *)&deadline, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  int closed = uv_loop_close(&loop);
  out->leaked = atomic_load(&af_live) - live0;
  out->ms = (double)(uv_hrtime() - t0) / 1e6;

  int files = count_files(out_dir);
  int bad = gf_t_cur_failed;
  gf_t_cur_failed = 0;
  CHECK_INT(closed, 0);
  CHECK_INT(out->leaked, 0);
  if (out->gen_rc) {
    /* nothing started: no callback at all */
    CHECK(known_error(out->gen_rc));
    CHECK_INT(rec.done_count, 0);
    CHECK_STR(rec.order, "");
    CHECK_INT(files, 0);
  } else {
    CHECK_INT(rec.done_count, 1);
    CHECK(order_sane(rec.order));
    CHECK(rec.status == GF_OK || known_error(rec.status));
    CHECK(strlen(rec.err_name) > 0);
    if (rec.status == GF_OK) {
      /* a failure that was absorbed must not change a byte */
      CHECK_MEM(rec.sha, 32, want_sha, 32);
      CHECK_MEM(rec.last_sha, 32, want_sha, 32);
      CHECK_INT(rec.bytes, want_bytes);
      CHECK_INT(rec.data_bytes, want_bytes);
      CHECK_STR(rec.mime, "image/png");
      CHECK_STR(rec.finish, "STOP");
      CHECK_INT(rec.width, 1024);
      CHECK_INT(rec.height, 1024);
      CHECK_INT(rec.images, 1);
      CHECK_INT(files, 1);
      unsigned char filesha[32] = {0};
      if (rec.file[0])
        it_sha_file(rec.file, filesha, NULL);
      CHECK_MEM(filesha, 32, want_sha, 32);
      if (rec.file[0])
        unlink(rec.file);
    } else {
      CHECK_STR(rec.file, "");
      CHECK_INT(files, 0);
    }
  }
  if (gf_t_cur_failed)
    fprintf(stderr,
            "N=%ld: gf_generate %s, on_done %d x %s (%s), order \"%s\", "
            "leaked %ld, loop_close %d, files %d\n",
            fail_at, gf_err_name(out->gen_rc), rec.done_count, rec.err_name,
            rec.message, rec.order, out->leaked, closed, files);
  gf_t_cur_failed |= bad;
  out->ran = 1;
}

/* getaddrinfo once: the thread pool (started again in a forked child) and
 * glibc's resolver state are set up before any count is taken. */
static void on_warm(uv_getaddrinfo_t *r, int status, struct addrinfo *ai) {
  uv_freeaddrinfo(ai);
}

static void warm_resolver(void) {
  uv_loop_t loop;
  uv_getaddrinfo_t r;
  char port[16];
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  snprintf(port, sizeof port, "%d", sim.port);
  uv_loop_init(&loop);
  if (uv_getaddrinfo(&loop, &r, on_warm, "localhost", port, &hints) == 0)
    uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
}

/* ---- tests -------------------------------------------------------------- */

static long total; /* allocations of one unfailing generation */

static void test_count(void) {
  af_result r;
  run_one(0, &r); /* the first: one-time set-up in libc and libuv */
  CHECK_INT(r.status, GF_OK);
  run_one(0, &r);
  CHECK_INT(r.gen_rc, 0);
  CHECK_INT(r.status, GF_OK);
  CHECK_INT(r.failed, 0);
  CHECK(r.seen > 0);
  total = r.seen;
  printf("  one generation: %ld allocations, %.1f ms\n", total, r.ms);
}

/* The N of the sweep, ascending; returns how many. */
static int schedule(long t, long *ns, int cap) {
  int k = 0;
  for (long n = 1; n <= t && n <= AF_EVERY && k < cap; n++)
    ns[k++] = n;
  for (int i = 1; t > AF_EVERY && i <= AF_SPACED && k < cap; i++) {
    long n = AF_EVERY + ((t - AF_EVERY) * i + AF_SPACED - 1) / AF_SPACED;
    if (n > ns[k - 1])
      ns[k++] = n;
  }
  return k;
}

/* N in a forked child: 0 when every check passed. */
static int run_forked(long n, af_result *shared) {
  memset(shared, 0, sizeof *shared);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    alarm(30); /* backstop: the loop's deadline should come first */
    warm_resolver();
    run_one(n, shared);
    _exit(gf_t_cur_failed ? 1 : 0);
  }
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) != pid) {
    fprintf(stderr, "N=%ld: fork/wait failed\n", n);
    return -1;
  }
  if (WIFSIGNALED(st)) {
    fprintf(stderr, "N=%ld: killed by signal %d (%s)\n", n, WTERMSIG(st),
            strsignal(WTERMSIG(st)));
    return -1;
  }
  return WEXITSTATUS(st) == 0 && shared->ran ? 0 : -1;
}

static void test_inject(void) {
  if (total <= 0) {
    fprintf(stderr, "no allocation count (test_count did not run)\n");
    CHECK(total > 0);
    return;
  }
  const char *one = getenv("GF_ALLOC_N");
  if (one) { /* one N, in-process, for a debugger */
    af_result r;
    run_one(atol(one), &r);
    printf("  N=%s: gf_generate %s, on_done %s, %ld allocations seen, %ld "
           "injected\n", one, gf_err_name(r.gen_rc), gf_err_name(r.status),
           r.seen, r.failed);
    return;
  }
  af_result *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(shared != MAP_FAILED);
  if (shared == MAP_FAILED)
    return;
  long ns[AF_EVERY + AF_SPACED];
  int k = schedule(total, ns, AF_EVERY + AF_SPACED);
  int bad = 0, ok = 0, gen_err = 0, not_reached = 0;
  int by_code[64] = {0}; /* on_done errors, by -status */
  for (int i = 0; i < k; i++) {
    if (run_forked(ns[i], shared)) {
      bad++;
      continue;
    }
    if (shared->failed == 0)
      not_reached++; /* that run made fewer than N allocations */
    if (shared->gen_rc)
      gen_err++;
    else if (shared->status == GF_OK)
      ok++;
    else if (-shared->status < 64)
      by_code[-shared->status]++;
  }
  munmap(shared, sizeof *shared);
  printf("  %d values of N (1..%ld, then %d spaced to %ld): %d failed; "
         "gf_generate error %d, GF_OK %d, not reached %d\n",
         k, total < AF_EVERY ? total : AF_EVERY, k > AF_EVERY ? k - AF_EVERY : 0,
         total, bad, gen_err, ok, not_reached);
  for (int c = 1; c < 64; c++)
    if (by_code[c])
      printf("    on_done %s: %d\n", gf_err_name(-c), by_code[c]);
  CHECK_INT(bad, 0);
}

int main(int argc, char **argv) {
#ifdef AF_ASAN
  printf("skipped under ASan\n");
  return 0;
#endif
  const char *pre = getenv("LD_PRELOAD");
  if (pre && strstr(pre, "vgpreload")) {
    printf("skipped under valgrind\n");
    return 0;
  }
  unsetenv("SSL_CERT_FILE");
  it_sim_start(&sim, NULL);
  it_sim_render(AF_PROMPT, "1:1", "1K", want_sha, &want_bytes);
  snprintf(out_dir, sizeof out_dir, "%s/alloc", it_tmpdir());
  mkdir(out_dir, 0700);
  static const gf_t_case cases[] = {TEST(test_count), TEST(test_inject)};
  int rc;
  if (argc > 1 && strcmp(argv[1], "test_inject") == 0) {
    /* the sweep needs the count first */
    char *only[] = {argv[0], "test_count"};
    rc = gf_t_run(cases, 2, 2, only);
    if (!rc)
      rc = gf_t_run(cases, 2, argc, argv);
  } else {
    rc = gf_t_run(cases, 2, argc, argv);
  }
  it_sim_stop(&sim);
  return rc;
}
