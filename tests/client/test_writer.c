/* The writer thread and the sink's queue on it. Operations run in order on
 * another thread and complete on the loop's; a slow one never holds the
 * loop (a timer keeps ticking); a close runs what is left. Through the
 * queue, an image reaches its file byte-exact, a failing disk reaches the
 * generation as one error of its attempt, and too many blocks waiting
 * for the disk hold the stream back until they drain. */
#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/sinkq.h"
#include "client/writer.h"
#include "common/sha256.h"
#include "gemini/gemini.h"
#include "gemflow.h"
#include "test.h"

static uv_loop_t loop;
static pthread_t loop_thread;

/* ---- the writer ----------------------------------------------------------- */

typedef struct op {
  gf__wop w;
  int id, sleep_ms;
  int ran_elsewhere, done_here;
  char data[16];
  size_t len;
} op;

static int order[64], norder, ndone;
static pthread_mutex_t order_mu = PTHREAD_MUTEX_INITIALIZER;

static void op_run(gf__wop *w) {
  op *o = (op *)w;
  if (o->sleep_ms)
    usleep((useconds_t)o->sleep_ms * 1000);
  o->ran_elsewhere = !pthread_equal(pthread_self(), loop_thread);
  pthread_mutex_lock(&order_mu);
  order[norder++] = o->id;
  pthread_mutex_unlock(&order_mu);
}

static void op_done(gf__wop *w) {
  op *o = (op *)w;
  o->done_here = pthread_equal(pthread_self(), loop_thread);
  ndone++;
}

static int ticks;
static void on_tick(uv_timer_t *t) { ticks++; }

static void init_op(op *o, int id, int sleep_ms) {
  memset(o, 0, sizeof *o);
  o->w.run = op_run;
  o->w.done = op_done;
  o->id = id;
  o->sleep_ms = sleep_ms;
}

static size_t add_x(gf__wop *w, void *arg) {
  op *o = (op *)w;
  o->data[o->len++] = 'x';
  return 1;
}

static int closed_calls;
static void on_closed(void *ud) { closed_calls++; }

static void test_order_and_threads(void) {
  uv_loop_init(&loop);
  gf__writer *w = NULL;
  CHECK_INT(gf__writer_new(&loop, &w), 0);
  norder = ndone = 0;
  op ops[20];
  /* the first one is slow: the loop must tick meanwhile */
  init_op(&ops[0], 0, 300);
  gf__writer_submit(w, &ops[0].w, 0, 1);
  for (int i = 1; i < 20; i++) {
    init_op(&ops[i], i, 0);
    gf__writer_submit(w, &ops[i].w, 10, 0);
  }
  /* not taken yet (the thread sleeps in op 0): it can still grow */
  CHECK_INT(gf__writer_extend(w, &ops[19].w, add_x, NULL), 1);
  uv_timer_t t;
  uv_timer_init(&loop, &t);
  uv_timer_start(&t, on_tick, 10, 10);
  uv_unref((uv_handle_t *)&t);
  ticks = 0;
  uv_run(&loop, UV_RUN_DEFAULT); /* returns once every op is done */
  CHECK_INT(ndone, 20);
  CHECK(ticks >= 10); /* 300 ms of a slow op: the loop went on */
  for (int i = 0; i < 20; i++) {
    CHECK_INT(order[i], i);
    CHECK(ops[i].ran_elsewhere);
    CHECK(ops[i].done_here);
  }
  CHECK_INT(ops[19].len, 1);
  /* taken and done: no longer extended */
  CHECK_INT(gf__writer_extend(w, &ops[19].w, add_x, NULL), 0);
  CHECK_INT(ops[19].len, 1);
  /* what is left when closing still runs */
  op late[3];
  for (int i = 0; i < 3; i++) {
    init_op(&late[i], 100 + i, 20);
    gf__writer_submit(w, &late[i].w, 0, 0);
  }
  closed_calls = 0;
  gf__writer_close(w, on_closed, NULL);
  CHECK_INT(ndone, 23);
  CHECK_INT(order[22], 102);
  uv_close((uv_handle_t *)&t, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(closed_calls, 1);
  CHECK_INT(uv_loop_close(&loop), 0);
}

/* ---- the sink's queue ------------------------------------------------------ */

typedef struct gen {
  gf__sink sink;
  gf__sinkq q;
  int errors, err, commits, commit_status, idles, pressure, pressure_calls;
  char msg[512];
} gen;

static void g_error(void *ud, int err, const char *msg) {
  gen *g = ud;
  g->errors++;
  g->err = err;
  snprintf(g->msg, sizeof g->msg, "%s", msg ? msg : "");
}
static void g_commit(void *ud, int status, const char *msg) {
  gen *g = ud;
  g->commits++;
  g->commit_status = status;
  if (msg)
    snprintf(g->msg, sizeof g->msg, "%s", msg);
}
static void g_idle(void *ud) { ((gen *)ud)->idles++; }
static void g_pressure(void *ud, int on) {
  gen *g = ud;
  g->pressure = on;
  g->pressure_calls++;
}
static const gf__sinkq_cbs gcbs = {g_error, g_commit, g_idle, g_pressure};

static char dir[] = "/tmp/gf-test-writer-XXXXXX";

/* A loop with a writer, and write blocks of the client's size. */
static gf__writer *start(gf__blocks *blocks) {
  uv_loop_init(&loop);
  gf__writer *w = NULL;
  CHECK_INT(gf__writer_new(&loop, &w), 0);
  gf__blocks_init(blocks, GF__IMG_BLOCK, 4);
  return w;
}

static void stop(gf__writer *w, gf__blocks *blocks) {
  gf__writer_close(w, NULL, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  gf__blocks_free(blocks);
  CHECK_INT(uv_loop_close(&loop), 0);
}

/* Entries of dir, hidden ones (temporary files) included. */
static int count_entries(void) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
  if (d)
    closedir(d);
  return n;
}

/* A PNG-looking image of n bytes. */
static unsigned char *image(size_t n) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', 13, 10, 26, 10};
  unsigned char *p = malloc(n);
  for (size_t i = 0; i < n; i++)
    p[i] = (unsigned char)(i * 7 + (i >> 9));
  memcpy(p, sig, 8);
  return p;
}

static void test_image_to_file(void) {
  gf__blocks blocks;
  gf__writer *w = start(&blocks);
  gen g = {0};
  CHECK_INT(gf__sink_init(&g.sink, NULL, dir, "pic", 0), 0);
  gf__sinkq_init(&g.q, &g.sink, &blocks, &gcbs, &g);
  size_t n = 3 * 1000 * 1000 + 7;
  unsigned char *img = image(n), want[32];
  gf__sha256 sha;
  gf__sha256_init(&sha);
  gf__sha256_update(&sha, img, n);
  gf__sha256_final(&sha, want);
  CHECK_INT(gf__sinkq_begin(&g.q, w, "image/png"), 0);
  for (size_t at = 0; at < n;) { /* pieces of every size a feed gives */
    size_t k = (at % 5 + 1) * 4093;
    k = k < n - at ? k : n - at;
    CHECK_INT(gf__sinkq_write(&g.q, img + at, k), 0);
    at += k;
  }
  CHECK_INT(gf__sinkq_end(&g.q, "image/png", 0), 0);
  CHECK_INT(gf__sinkq_commit(&g.q), 1);
  CHECK(gf__sinkq_busy(&g.q));
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(!gf__sinkq_busy(&g.q));
  CHECK_INT(g.commits, 1);
  CHECK_INT(g.commit_status, 0);
  CHECK_INT(g.errors, 0);
  CHECK_INT(blocks.lent, 0);
  int fb;
  const gf__img *r = gf__sink_result(&g.sink, &fb);
  CHECK(r != NULL);
  CHECK_MEM(r->sha256, 32, want, 32);
  CHECK_INT(r->bytes, n);
  char path[128];
  snprintf(path, sizeof path, "%s/pic.png", dir);
  CHECK_STR(g.sink.file, path);
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  unsigned char *back = malloc(n + 1);
  size_t got = f ? fread(back, 1, n + 1, f) : 0;
  if (f)
    fclose(f);
  CHECK_MEM(back, got, img, n);
  unlink(path);
  free(back);
  free(img);
  gf__sink_free(&g.sink);
  stop(w, &blocks);
}

/* A cancel before the naming: nothing named, nothing left behind. */
static void test_cancel_before_naming(void) {
  gf__blocks blocks;
  gf__writer *w = start(&blocks);
  gen g = {0};
  CHECK_INT(gf__sink_init(&g.sink, NULL, dir, "canceled", 0), 0);
  gf__sinkq_init(&g.q, &g.sink, &blocks, &gcbs, &g);
  unsigned char *img = image(200000);
  CHECK_INT(gf__sinkq_begin(&g.q, w, "image/png"), 0);
  CHECK_INT(gf__sinkq_write(&g.q, img, 200000), 0);
  CHECK_INT(gf__sinkq_end(&g.q, NULL, 0), 0);
  gf__sinkq_cancel(&g.q);
  CHECK_INT(gf__sinkq_commit(&g.q), 1);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(g.commits, 1);
  CHECK_INT(g.commit_status, GF_ECANCELED);
  char path[128];
  snprintf(path, sizeof path, "%s/canceled.png", dir);
  CHECK(access(path, F_OK) != 0);
  CHECK_INT(count_entries(), 0); /* no temporary file either */
  free(img);
  gf__sink_free(&g.sink);
  stop(w, &blocks);
}

/* No directory to write in: the first operation fails on the thread, the
 * generation hears it once, later writes are refused at once, and the
 * commit reports the same failure. A reset starts clean. */
static void test_failing_disk(void) {
  gf__blocks blocks;
  gf__writer *w = start(&blocks);
  gen g = {0};
  char missing[128];
  snprintf(missing, sizeof missing, "%s/not-there", dir);
  CHECK_INT(gf__sink_init(&g.sink, NULL, missing, "pic", 0), 0);
  gf__sinkq_init(&g.q, &g.sink, &blocks, &gcbs, &g);
  unsigned char *img = image(100000);
  CHECK_INT(gf__sinkq_begin(&g.q, w, "image/png"), 0);
  CHECK_INT(gf__sinkq_write(&g.q, img, 50000), 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(g.errors, 1);
  CHECK_INT(g.err, GF_EIO);
  CHECK(strstr(g.msg, "cannot create a file in the output directory: "
                      "No such file or directory") != NULL);
  CHECK_INT(gf__sinkq_write(&g.q, img, 50000), GF_EIO); /* at once */
  CHECK_STR(g.q.msg, g.msg);
  CHECK_INT(gf__sinkq_commit(&g.q), 1);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(g.commit_status, GF_EIO);
  CHECK_INT(g.errors, 1);
  /* a new attempt into a directory that exists now */
  CHECK_INT(mkdir(missing, 0700), 0);
  gf__sinkq_reset(&g.q);
  CHECK_INT(gf__sinkq_begin(&g.q, w, "image/png"), 0);
  CHECK_INT(gf__sinkq_write(&g.q, img, 100000), 0);
  CHECK_INT(gf__sinkq_end(&g.q, NULL, 0), 0);
  CHECK_INT(gf__sinkq_commit(&g.q), 1);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(g.commit_status, 0);
  CHECK_INT(g.errors, 1);
  char path[160];
  snprintf(path, sizeof path, "%s/pic.png", missing);
  struct stat st;
  CHECK_INT(stat(path, &st), 0);
  CHECK_INT(st.st_size, 100000);
  unlink(path);
  rmdir(missing);
  free(img);
  gf__sink_free(&g.sink);
  stop(w, &blocks);
}

/* More than GF__SINKQ_HIGH blocks out (here, held by the test as if other
 * streams' writes waited): a write says "hold back"; once they are back
 * and the write is done, "go on". */
static void test_pressure(void) {
  gf__blocks blocks;
  gf__writer *w = start(&blocks);
  void *held[GF__SINKQ_HIGH];
  for (int i = 0; i < GF__SINKQ_HIGH; i++)
    held[i] = gf__blocks_get(&blocks);
  gen g = {0};
  CHECK_INT(gf__sink_init(&g.sink, NULL, dir, "pressed", 0), 0);
  gf__sinkq_init(&g.q, &g.sink, &blocks, &gcbs, &g);
  unsigned char *img = image(10000);
  CHECK_INT(gf__sinkq_begin(&g.q, w, "image/png"), 0);
  CHECK_INT(g.pressure_calls, 0);
  CHECK_INT(gf__sinkq_write(&g.q, img, 10000), 0);
  CHECK_INT(g.pressure, 1);
  CHECK_INT(g.pressure_calls, 1);
  for (int i = 0; i < GF__SINKQ_HIGH; i++)
    gf__blocks_put(&blocks, held[i]);
  CHECK_INT(gf__sinkq_end(&g.q, NULL, 0), 0);
  gf__sinkq_discard(&g.q);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK_INT(g.pressure, 0);
  CHECK_INT(g.pressure_calls, 2);
  CHECK(g.idles >= 1);
  free(img);
  gf__sink_free(&g.sink);
  stop(w, &blocks);
}

static void setup(void) {
  loop_thread = pthread_self();
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    exit(1);
  }
}

static void teardown(void) { rmdir(dir); }

int main(int argc, char **argv) {
  setup();
  static const gf_t_case cases[] = {
      TEST(test_order_and_threads), TEST(test_image_to_file),
      TEST(test_cancel_before_naming), TEST(test_failing_disk),
      TEST(test_pressure)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  teardown();
  return rc;
}
