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
 * With the OpenSSL engine, OpenSSL's allocations come through the same
 * counter by CRYPTO_set_mem_functions (found with dlsym, so this file
 * builds for either engine), which also names the OpenSSL source file
 * that asked: libssl's and libcrypto's can be told apart.
 *
 * Which N: test_count counts the allocations of one unfailing generation
 * (about 24000 with mbedTLS, over 95% of them bignums in the handshake;
 * about 2400 with OpenSSL).
 *   test_inject_all: every allocation counts; every N up to AF_EVERY
 *     (300), then AF_SPACED (60) evenly spaced up to the total.
 *   test_inject_own: the crypto library's allocations (libmbedcrypto's, or
 *     OpenSSL's libcrypto's) are neither counted nor failed, leaving the
 *     library's own and those of libuv, the TLS library proper (libmbedtls
 *     and libmbedx509, or libssl), json-c and libc on its behalf: every N.
 * Not failed in either: allocations inside json-c's json_tokener_parse_ex
 * (see af_quiet: json-c 0.16's tokener crashes or drops keys).
 * Each N runs in its own forked child, so that a crash, an abort on a
 * double free or a hang at one N is reported with its N and the sweep goes
 * on. The simulator is a separate process, started once, never affected.
 * The whole takes a few seconds.
 *
 * For each N: on_done runs exactly once with GF_OK or a known negative
 * GF_E* code (or gf_generate returns such a code and no callback runs); a
 * GF_OK result is the simulator's exact image for the request; no block
 * allocated during the run is left (live count before the loop is made ==
 * after the client is freed and the loop closed); uv_loop_close returns 0;
 * the harness's record is consistent (one 'd', last); the output
 * directory holds the result's file after GF_OK, and after an error at
 * most a file the message names.
 *
 * To look at some N in-process (no fork), with the caller of the failed
 * allocation and then the crash, if any:
 *   GF_ALLOC_N=57[,58...] gdb -batch -ex 'break af_injected' -ex run -ex bt \
 *       -ex continue -ex bt --args it_alloc test_inject_own
 * GF_ALLOC_TRACE=1 prints the caller of each block a run leaves;
 * GF_ALLOC_VERBOSE=1 the outcome of every N of a sweep.
 *
 * Skipped under AddressSanitizer and valgrind: both replace malloc. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <json-c/json.h>
#include <link.h>
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

#if defined(__SANITIZE_ADDRESS__)
#define AF_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AF_ASAN 1
#endif
#endif

#ifdef AF_ASAN
int main(void) {
  printf("skipped under ASan\n");
  return 0;
}
#else
#include "test.h"

#define AF_EVERY 300  /* every N up to this one */
#define AF_SPACED 60  /* then this many evenly spaced up to T */
#define AF_OWN_EVERY 1500 /* the same, libmbedcrypto's not counted */
#define AF_PROMPT "allocation failures"
/* A run that has not ended by then hangs (its connect and idle timeouts
 * are 3 s); after AF_MAX_HANGS of them a sweep stops, to stay bounded. */
#define AF_DEADLINE_MS 6000
#define AF_MAX_HANGS 5
#define AF_HUNG 3 /* a hung child's exit status */

/* ---- the allocator ------------------------------------------------------ */

static atomic_long af_live;    /* blocks allocated and not yet freed */
static atomic_int af_armed;    /* counting and failing */
static atomic_long af_seen;    /* allocations counted since armed */
static atomic_long af_fail_at; /* the counted one to fail, 1-based; 0: none */
static atomic_long af_failed;  /* failures injected since armed */
/* When set, allocations of the crypto library are neither counted nor
 * failed: those called from this code range (libmbedcrypto's: its bignums
 * make over 95% of a generation's allocations, in a number that changes
 * with the random numbers of the handshake; or libcrypto's), and
 * OpenSSL's from a file outside ssl/. */
static atomic_int af_skip_on;
static uintptr_t af_skip_lo, af_skip_hi;
static const char *af_crypto_lib; /* its name, NULL when none was found */
/* Inside json-c's json_tokener_parse_ex nothing is counted or failed:
 * json-c 0.16's tokener does not survive it (the object key's strdup is
 * not checked: NULL goes to json_object_object_add, strlen(NULL) crashes;
 * a failed json_object_object_add/array_add is ignored: the value leaks
 * and the key is silently missing). The rest of json-c (the tokener's
 * creation, building the request) is tested. */
static _Thread_local int af_quiet;

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t n);

/* Called at each injected failure: a debugger's breakpoint. */
__attribute__((noinline)) static void af_injected(void) {
  __asm__ volatile("");
}

static int af_in_crypto(void *ra) {
  return (uintptr_t)ra >= af_skip_lo && (uintptr_t)ra < af_skip_hi;
}

/* 1 when this allocation is the one to fail; in_crypto: the crypto
 * library asked for it. */
static int af_fail_now(int in_crypto) {
  if (!atomic_load_explicit(&af_armed, memory_order_relaxed) || af_quiet)
    return 0;
  if (atomic_load_explicit(&af_skip_on, memory_order_relaxed) && in_crypto)
    return 0;
  long n = atomic_fetch_add(&af_seen, 1) + 1;
  if (n != atomic_load(&af_fail_at))
    return 0;
  atomic_fetch_add(&af_failed, 1);
  af_injected();
  errno = ENOMEM;
  return 1;
}

/* GF_ALLOC_TRACE: the blocks allocated during a run are remembered with
 * their caller, and those left at its end are printed (a leak's origin). */
#define AF_TRACK_MAX 8192
static struct {
  void *p, *ra;
  const char *file; /* OpenSSL's allocations: its source file and line */
  int line;
} af_track[AF_TRACK_MAX];
static atomic_int af_tracking;
static atomic_flag af_track_lock = ATOMIC_FLAG_INIT;

static void af_track_at(void *old, void *p, void *ra, const char *file,
                        int line) {
  while (atomic_flag_test_and_set(&af_track_lock))
    ;
  for (int i = 0; i < AF_TRACK_MAX; i++)
    if (af_track[i].p == old) {
      af_track[i].p = p;
      af_track[i].ra = ra;
      af_track[i].file = file;
      af_track[i].line = line;
      break;
    }
  atomic_flag_clear(&af_track_lock);
}

static void af_track_set(void *old, void *p, void *ra) {
  af_track_at(old, p, ra, NULL, 0);
}

static void *af_counted(void *p, void *ra) {
  if (p) {
    atomic_fetch_add_explicit(&af_live, 1, memory_order_relaxed);
    if (atomic_load_explicit(&af_tracking, memory_order_relaxed))
      af_track_set(NULL, p, ra);
  }
  return p;
}

#define AF_CALLER __builtin_return_address(0)

static void *af_malloc(size_t n, void *ra) {
  return af_fail_now(af_in_crypto(ra)) ? NULL
                                       : af_counted(__libc_malloc(n), ra);
}

static void *af_memalign(size_t align, size_t n, void *ra) {
  return af_fail_now(af_in_crypto(ra))
             ? NULL
             : af_counted(__libc_memalign(align, n), ra);
}

static void *af_realloc(void *p, size_t n, int in_crypto, void *ra) {
  if (af_fail_now(in_crypto))
    return NULL; /* p stays allocated, as on a real failure */
  void *q = __libc_realloc(p, n);
  if (q && atomic_load_explicit(&af_tracking, memory_order_relaxed))
    af_track_set(p, q, ra);
  return q;
}

void *malloc(size_t n) { return af_malloc(n, AF_CALLER); }

void *calloc(size_t n, size_t size) {
  void *ra = AF_CALLER;
  return af_fail_now(af_in_crypto(ra)) ? NULL
                                       : af_counted(__libc_calloc(n, size), ra);
}

void free(void *p) {
  if (!p)
    return;
  atomic_fetch_sub_explicit(&af_live, 1, memory_order_relaxed);
  if (atomic_load_explicit(&af_tracking, memory_order_relaxed))
    af_track_set(p, NULL, NULL);
  __libc_free(p);
}

void *realloc(void *p, size_t n) {
  if (!p)
    return af_malloc(n, AF_CALLER);
  if (n == 0) { /* glibc's realloc(p, 0) frees p and returns NULL */
    free(p);
    return NULL;
  }
  return af_realloc(p, n, af_in_crypto(AF_CALLER), AF_CALLER);
}

void *memalign(size_t align, size_t n) {
  return af_memalign(align, n, AF_CALLER);
}

void *aligned_alloc(size_t align, size_t n) {
  return af_memalign(align, n, AF_CALLER);
}

int posix_memalign(void **out, size_t align, size_t n) {
  if (align < sizeof(void *) || (align & (align - 1)))
    return EINVAL;
  int saved = errno;
  void *p = af_memalign(align, n, AF_CALLER);
  errno = saved; /* posix_memalign reports through its return value */
  if (!p)
    return ENOMEM;
  *out = p;
  return 0;
}

void *valloc(size_t n) {
  return af_memalign((size_t)sysconf(_SC_PAGESIZE), n, AF_CALLER);
}

void *pvalloc(size_t n) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  if (n > SIZE_MAX - page) {
    errno = ENOMEM;
    return NULL;
  }
  return af_memalign(page, (n + page - 1) / page * page, AF_CALLER);
}

/* OpenSSL's allocator, installed with CRYPTO_set_mem_functions before
 * OpenSSL allocates anything: a file outside ssl/ is libcrypto's. */
static int af_ossl_crypto(const char *file) {
  return !file || (strncmp(file, "ssl/", 4) != 0 && !strstr(file, "/ssl/"));
}

static void *af_ossl_counted(void *p, const char *file, int line) {
  if (p) {
    atomic_fetch_add_explicit(&af_live, 1, memory_order_relaxed);
    if (atomic_load_explicit(&af_tracking, memory_order_relaxed))
      af_track_at(NULL, p, NULL, file, line);
  }
  return p;
}

static void *af_ossl_malloc(size_t n, const char *file, int line) {
  return af_fail_now(af_ossl_crypto(file))
             ? NULL
             : af_ossl_counted(__libc_malloc(n), file, line);
}

static void af_ossl_free(void *p, const char *file, int line) { free(p); }

/* CRYPTO_realloc hands NULL and 0 through as they came. */
static void *af_ossl_realloc(void *p, size_t n, const char *file, int line) {
  if (!p)
    return af_ossl_malloc(n, file, line);
  if (n == 0) {
    free(p);
    return NULL;
  }
  if (af_fail_now(af_ossl_crypto(file)))
    return NULL;
  void *q = __libc_realloc(p, n);
  if (q && atomic_load_explicit(&af_tracking, memory_order_relaxed))
    af_track_at(p, q, NULL, file, line);
  return q;
}

typedef int (*af_set_mem_fn)(void *(*)(size_t, const char *, int),
                             void *(*)(void *, size_t, const char *, int),
                             void (*)(void *, const char *, int));
/* OPENSSL_thread_stop, when OpenSSL is loaded: see af_thread_reset. */
static void (*af_ossl_thread_stop)(void);

/* 1 when OpenSSL is in the process and now allocates through us. */
static int af_hook_openssl(void) {
  af_set_mem_fn set =
      (af_set_mem_fn)dlsym(RTLD_DEFAULT, "CRYPTO_set_mem_functions");
  if (!set)
    return 0;
  af_ossl_thread_stop =
      (void (*)(void))dlsym(RTLD_DEFAULT, "OPENSSL_thread_stop");
  if (!af_ossl_thread_stop ||
      !set(af_ossl_malloc, af_ossl_realloc, af_ossl_free)) {
    fprintf(stderr, "OpenSSL allocated before main: cannot count it\n");
    exit(2);
  }
  return 1;
}

/* OpenSSL keeps state per thread, made on first use and kept until the
 * thread ends: its random generators, and its error queue, whose entries
 * keep their text buffers (ERR_add_error_data's) for the next error even
 * once emptied, up to 16. A run that failed inside OpenSSL thus ends with
 * blocks no engine call can free, bounded and reused, not a leak. Each run
 * starts and ends with that state released, so what it makes is counted
 * (and failed) in the run, and anything else left is a leak. */
static void af_thread_reset(void) {
  if (af_ossl_thread_stop)
    af_ossl_thread_stop();
}

typedef json_object *(*af_parse_fn)(json_tokener *tok, const char *p, int n);
static af_parse_fn af_real_parse; /* json-c's, found at start */

/* The library's calls bind to this one; it calls json-c's. */
json_object *json_tokener_parse_ex(json_tokener *tok, const char *p, int n) {
  af_quiet++;
  json_object *o = af_real_parse(tok, p, n);
  af_quiet--;
  return o;
}

/* The executable segments of the loaded object whose name contains lib. */
static int find_text(struct dl_phdr_info *info, size_t size, void *lib) {
  if (!info->dlpi_name || !strstr(info->dlpi_name, lib))
    return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
      continue;
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
    if (!af_skip_lo || lo < af_skip_lo)
      af_skip_lo = lo;
    if (hi > af_skip_hi)
      af_skip_hi = hi;
  }
  return 1;
}

/* The blocks still tracked: their callers, as object + offset (for
 * addr2line). */
static void af_track_report(void) {
  for (int i = 0; i < AF_TRACK_MAX; i++) {
    if (!af_track[i].p)
      continue;
    Dl_info di;
    if (af_track[i].file)
      fprintf(stderr, "  left: %p from OpenSSL's %s:%d\n", af_track[i].p,
              af_track[i].file, af_track[i].line);
    else if (dladdr(af_track[i].ra, &di) && di.dli_fname)
      fprintf(stderr, "  left: %p from %s+%#lx (%s)\n", af_track[i].p,
              di.dli_fname,
              (unsigned long)((uintptr_t)af_track[i].ra -
                              (uintptr_t)di.dli_fbase),
              di.dli_sname ? di.dli_sname : "?");
    else
      fprintf(stderr, "  left: %p from %p\n", af_track[i].p, af_track[i].ra);
  }
}

static void af_arm(long fail_at, int skip_crypto) {
  atomic_store(&af_seen, 0);
  atomic_store(&af_failed, 0);
  atomic_store(&af_fail_at, fail_at);
  atomic_store(&af_skip_on, skip_crypto);
  atomic_store(&af_armed, 1);
}

static void af_disarm(void) { atomic_store(&af_armed, 0); }

/* ---- one generation ----------------------------------------------------- */

static it_sim sim;
static char url[64];
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
static int warming; /* the first run: one-time set-up is no leak */
static int hung;
static int in_child; /* a forked child: the simulator is not its to stop */

static void af_on_done(gf_gen *g, const gf_result *res, void *ud) {
  af_disarm(); /* allocations from here on (none expected) never fail */
  it_callbacks.on_done(g, res, ud);
}

static void on_deadline(uv_timer_t *t) {
  hung = 1;
  uv_stop(t->loop);
}

/* Files in dir (hidden ones too); each is removed after it is counted, so
 * that every run starts with an empty directory. keep: a file the result
 * names, counted apart. */
static int take_files(const char *dir, const char *keep, int *kept) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  char path[1024];
  *kept = 0;
  while (d && (e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (keep && strstr(keep, path))
      (*kept)++;
    else
      n++;
    unlink(path);
  }
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
static void run_one(long fail_at, int skip_crypto, af_result *out) {
  memset(&rec, 0, sizeof rec);
  memset(out, 0, sizeof *out);
  hung = 0;
  int trace = getenv("GF_ALLOC_TRACE") != NULL;
  if (trace) {
    memset(af_track, 0, sizeof af_track);
    atomic_store(&af_tracking, 1);
  }
  af_thread_reset();
  long live0 = atomic_load(&af_live);
  uint64_t t0 = uv_hrtime();

  uv_loop_t loop;
  CHECK_INT(uv_loop_init(&loop), 0);
  gf_client_options co;
  gf_client_options_init(&co);
  co.base_url = url;
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
  uv_timer_start(&deadline, on_deadline, AF_DEADLINE_MS, 0);
  uv_unref((uv_handle_t *)&deadline);

  af_arm(fail_at, skip_crypto);
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
    fprintf(stderr, "N=%ld: no on_done within %d s (order \"%s\")\n", fail_at,
            AF_DEADLINE_MS / 1000, rec.order);
    if (!in_child)
      it_sim_stop(&sim);
    _exit(AF_HUNG); /* the library's state cannot be taken apart */
  }
  gf_client_free(c);
  uv_close((uv_handle_t *)&deadline, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  int closed = uv_loop_close(&loop);
  af_thread_reset();
  out->leaked = atomic_load(&af_live) - live0;
  if (trace) {
    atomic_store(&af_tracking, 0);
    af_track_report();
  }
  out->ms = (double)(uv_hrtime() - t0) / 1e6;

  /* the result's file; or, after an error, a file the message names (the
   * sink keeps a finished image it could not name, and says where): no
   * file may be left that the caller is not told of */
  const char *keep = NULL;
  unsigned char filesha[32] = {0};
  if (!out->gen_rc && rec.status == GF_OK && rec.file[0]) {
    keep = rec.file;
    it_sha_file(rec.file, filesha, NULL);
  } else if (!out->gen_rc && rec.message[0]) {
    keep = rec.message;
  }
  int kept, files = take_files(out_dir, keep, &kept);
  int bad = gf_t_cur_failed;
  gf_t_cur_failed = 0;
  CHECK_INT(closed, 0);
  if (!warming)
    CHECK_INT(out->leaked, 0);
  CHECK_INT(files, 0);
  if (out->gen_rc) {
    /* nothing started: no callback at all */
    CHECK(known_error(out->gen_rc));
    CHECK_INT(rec.done_count, 0);
    CHECK_STR(rec.order, "");
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
      CHECK_INT(kept, 1);
      CHECK_MEM(filesha, 32, want_sha, 32);
    } else {
      CHECK_STR(rec.file, "");
      CHECK(kept <= 1);
    }
  }
  if (gf_t_cur_failed)
    fprintf(stderr,
            "N=%ld: gf_generate %s, on_done %d x %s (%s), order \"%s\", "
            "leaked %ld, loop_close %d, files %d + %d\n",
            fail_at, gf_err_name(out->gen_rc), rec.done_count, rec.err_name,
            rec.message, rec.order, out->leaked, closed, kept, files);
  gf_t_cur_failed |= bad;
  out->ran = 1;
}

/* One getaddrinfo on the thread pool, before any count is taken: the pool
 * runs (it starts again in a forked child) and glibc's lazy state for
 * numeric lookups is made. */
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
  hints.ai_flags = AI_NUMERICHOST;
  snprintf(port, sizeof port, "%d", sim.port);
  uv_loop_init(&loop);
  if (uv_getaddrinfo(&loop, &r, on_warm, "127.0.0.1", port, &hints) == 0)
    uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
}

/* ---- tests -------------------------------------------------------------- */

/* Allocations of one unfailing generation: all of them, and those not
 * made by the crypto library. */
static long total_all, total_own;

static void test_count(void) {
  af_result r;
  /* The thread pool's thread first, then a run that makes everything else
   * once (libc's and libuv's set-up, the stack glibc keeps of a thread a
   * run starts and joins, with its TLS vector): later runs reuse them. */
  warm_resolver();
  warming = 1;
  run_one(0, 0, &r);
  warming = 0;
  CHECK_INT(r.status, GF_OK);
  run_one(0, 0, &r);
  CHECK_INT(r.gen_rc, 0);
  CHECK_INT(r.status, GF_OK);
  CHECK_INT(r.failed, 0);
  CHECK(r.seen > 0);
  total_all = r.seen;
  printf("  one generation: %ld allocations, %.1f ms\n", total_all, r.ms);
  if (af_crypto_lib) {
    run_one(0, 1, &r);
    CHECK_INT(r.status, GF_OK);
    total_own = r.seen;
    printf("  %ld of them not by %s\n", total_own, af_crypto_lib);
  }
}

/* The N of the sweep, ascending; returns how many. */
static int schedule(long t, int every, long *ns, int cap) {
  int k = 0;
  for (long n = 1; n <= t && n <= every && k < cap; n++)
    ns[k++] = n;
  for (int i = 1; t > every && i <= AF_SPACED && k < cap; i++) {
    long n = every + ((t - every) * i + AF_SPACED - 1) / AF_SPACED;
    if (n > ns[k - 1])
      ns[k++] = n;
  }
  return k;
}

/* N in a forked child: 0 when every check passed, AF_HUNG when it hung. */
static int run_forked(long n, int skip_crypto, af_result *shared) {
  memset(shared, 0, sizeof *shared);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    in_child = 1;
    alarm(20); /* backstop: the loop's deadline comes first */
    warm_resolver();
    run_one(n, skip_crypto, shared);
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
  if (WEXITSTATUS(st) == AF_HUNG)
    return AF_HUNG;
  return WEXITSTATUS(st) == 0 && shared->ran ? 0 : -1;
}

/* Injects at each N of the schedule (allocations counted as skip_crypto
 * says), one forked child each, and sums up what the runs reported. */
static void sweep(const char *what, long t, int skip_crypto, int every) {
  if (t <= 0) {
    fprintf(stderr, "no allocation count (test_count did not run)\n");
    CHECK(t > 0);
    return;
  }
  const char *list = getenv("GF_ALLOC_N");
  if (list) { /* these N ("57" or "57,58"), in-process, for a debugger */
    for (char *p = (char *)list, *end; *p; p = *end ? end + 1 : end) {
      long n = strtol(p, &end, 10);
      af_result r;
      run_one(n, skip_crypto, &r);
      printf("  N=%ld: gf_generate %s, on_done %s (%s), %ld allocations "
             "seen, %ld injected, leaked %ld\n",
             n, gf_err_name(r.gen_rc), gf_err_name(r.status), rec.message,
             r.seen, r.failed, r.leaked);
      if (end == p)
        break;
    }
    return;
  }
  af_result *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(shared != MAP_FAILED);
  if (shared == MAP_FAILED)
    return;
  long *ns = calloc((size_t)every + AF_SPACED, sizeof *ns);
  int k = schedule(t, every, ns, every + AF_SPACED);
  int bad = 0, ok = 0, gen_err = 0, not_reached = 0, hangs = 0;
  int by_code[64] = {0}; /* on_done errors, by -status */
  int verbose = getenv("GF_ALLOC_VERBOSE") != NULL;
  for (int i = 0; i < k; i++) {
    int rc = run_forked(ns[i], skip_crypto, shared);
    if (rc == AF_HUNG && ++hangs == AF_MAX_HANGS) {
      fprintf(stderr, "%d runs hung: the N after %ld are left out\n", hangs,
              ns[i]);
      bad++;
      break;
    }
    if (rc) {
      bad++;
      continue;
    }
    if (verbose)
      printf("  N=%ld: gf_generate %s, on_done %s, %.1f ms\n", ns[i],
             gf_err_name(shared->gen_rc), gf_err_name(shared->status),
             shared->ms);
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
  printf("  %s: %d values of N (every one to %ld, then %d spaced to %ld): "
         "%d failed; gf_generate error %d, GF_OK %d, not reached %d\n",
         what, k, t < every ? t : (long)every, k > every ? k - every : 0, t,
         bad, gen_err, ok, not_reached);
  for (int c = 1; c < 64; c++)
    if (by_code[c])
      printf("    on_done %s: %d\n", gf_err_name(-c), by_code[c]);
  free(ns);
  CHECK_INT(bad, 0);
}

/* Every allocation counts: the first AF_EVERY, then AF_SPACED spaced. */
static void test_inject_all(void) {
  sweep("all allocations", total_all, 0, AF_EVERY);
}

/* Without the crypto library's: each of the library's own allocations and
 * those of libuv, json-c, the TLS library proper and libc on its behalf. */
static void test_inject_own(void) {
  if (!af_crypto_lib) {
    printf("  skipped: no crypto library found among the loaded objects\n");
    return;
  }
  char what[64];
  snprintf(what, sizeof what, "not by %s", af_crypto_lib);
  sweep(what, total_own, 1, AF_OWN_EVERY);
}

int main(int argc, char **argv) {
  const char *pre = getenv("LD_PRELOAD");
  if (pre && strstr(pre, "vgpreload")) {
    printf("skipped under valgrind\n");
    return 0;
  }
  int ossl = af_hook_openssl(); /* first: before OpenSSL allocates */
  unsetenv("SSL_CERT_FILE");
  /* one worker thread: whatever glibc keeps per thread is made on the
   * thread that the runs use (warm_resolver) */
  setenv("UV_THREADPOOL_SIZE", "1", 1);
  it_sim_start(&sim, NULL);
  /* By address: with "localhost", a failed read of /etc/hosts makes glibc
   * ask DNS (the network, and a per-thread resolver state that outlives
   * the run). The simulator's certificate names 127.0.0.1. */
  snprintf(url, sizeof url, "https://127.0.0.1:%d", sim.port);
  it_sim_render(AF_PROMPT, "1:1", "1K", want_sha, &want_bytes);
  snprintf(out_dir, sizeof out_dir, "%s/alloc", it_tmpdir());
  mkdir(out_dir, 0700);
  if (dl_iterate_phdr(find_text, "libmbedcrypto"))
    af_crypto_lib = "libmbedcrypto";
  else if (ossl && dl_iterate_phdr(find_text, "libcrypto.so"))
    af_crypto_lib = "OpenSSL's libcrypto";
  af_real_parse = (af_parse_fn)dlsym(RTLD_NEXT, "json_tokener_parse_ex");
  if (!af_real_parse) {
    fprintf(stderr, "json_tokener_parse_ex not found\n");
    it_sim_stop(&sim);
    return 2;
  }
  static const gf_t_case cases[] = {TEST(test_count), TEST(test_inject_all),
                                    TEST(test_inject_own)};
  size_t n = sizeof cases / sizeof cases[0];
  int rc;
  if (argc > 1 && strcmp(argv[1], "test_count") != 0) {
    /* a sweep needs the count first */
    char *only[] = {argv[0], "test_count"};
    rc = gf_t_run(cases, n, 2, only);
    if (!rc)
      rc = gf_t_run(cases, n, argc, argv);
  } else {
    rc = gf_t_run(cases, n, argc, argv);
  }
  rmdir(out_dir); /* each run empties it */
  it_sim_stop(&sim);
  return rc;
}
#endif
