#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "client/client.h"
#include "common/sha256.h"

const unsigned char it_png1[69] = {
    0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 'I', 'H', 'D',
    'R',  0,   0,   0,   1,    0,    0,    0,    1, 8, 2, 0, 0,  0,   0x90,
    0x77, 0x53, 0xde, 0, 0, 0, 12, 'I', 'D', 'A', 'T', 0x08, 0xd7, 0x63,
    0xf8, 0xcf, 0xc0, 0, 0, 0x03, 0x01, 0x01, 0x00, 0x18, 0xdd, 0x8d, 0xb0,
    0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};

static void die(const char *what) {
  fprintf(stderr, "harness: %s\n", what);
  exit(2);
}

const char *it_tmpdir(void) {
  static char dir[200];
  if (!dir[0]) {
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(dir, sizeof dir, "%s/gf-it-XXXXXX", base);
    if (!mkdtemp(dir))
      die("mkdtemp");
  }
  return dir;
}

static int read_line(int fd, char *buf, size_t cap, int timeout_s) {
  size_t n = 0;
  time_t end = time(NULL) + timeout_s;
  while (n + 1 < cap && time(NULL) < end) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r == 1) {
      if (c == '\n')
        break;
      buf[n++] = c;
    } else if (r == 0) {
      return -1;
    } else if (errno != EINTR && errno != EAGAIN) {
      return -1;
    } else {
      usleep(10000);
    }
  }
  buf[n] = '\0';
  return n ? 0 : -1;
}

void it_sim_start(it_sim *s, const char *const *args) {
  memset(s, 0, sizeof *s);
  static int seq;
  snprintf(s->dir, sizeof s->dir, "%s/sim%d", it_tmpdir(), seq++);
  mkdir(s->dir, 0700);
  snprintf(s->log, sizeof s->log, "%s/requests.log", s->dir);
  const char *argv[64] = {GF_SIM_PATH, "--port", "0", "--dir", s->dir,
                          "--log", s->log};
  int argc = 7;
  for (int i = 0; args && args[i] && argc < 62; i++)
    argv[argc++] = args[i];
  argv[argc] = NULL;
  int fds[2];
  if (pipe(fds))
    die("pipe");
  s->pid = fork();
  if (s->pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execv(GF_SIM_PATH, (char *const *)argv);
    _exit(127);
  }
  close(fds[1]);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  char line[1024];
  if (read_line(fds[0], line, sizeof line, 20))
    die("gemflow-sim did not report ready");
  close(fds[0]);
  const char *u = strstr(line, "url=");
  const char *c = strstr(line, "ca=");
  if (!u)
    die("no url= in the ready line");
  sscanf(u + 4, "%255s", s->url);
  if (c)
    sscanf(c + 3, "%511s", s->ca);
  const char *colon = strrchr(s->url, ':');
  s->port = colon ? atoi(colon + 1) : 0;
}

void it_sim_stop(it_sim *s) {
  if (s->pid > 0) {
    kill(s->pid, SIGTERM);
    int st;
    waitpid(s->pid, &st, 0);
    s->pid = 0;
  }
}

void it_sha_file(const char *path, unsigned char sha[32], uint64_t *bytes) {
  FILE *f = fopen(path, "rb");
  if (!f)
    die("cannot read a rendered image");
  gf__sha256 s;
  gf__sha256_init(&s);
  char buf[65536];
  size_t n;
  uint64_t total = 0;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    gf__sha256_update(&s, buf, n);
    total += n;
  }
  fclose(f);
  gf__sha256_final(&s, sha);
  if (bytes)
    *bytes = total;
}

void it_sim_render(const char *prompt, const char *aspect, const char *size,
                   unsigned char sha[32], uint64_t *bytes) {
  char out[512];
  static int seq;
  snprintf(out, sizeof out, "%s/render%d.png", it_tmpdir(), seq++);
  const char *argv[16] = {GF_SIM_PATH, "--render", "--prompt", prompt,
                          "--out", out};
  int argc = 6;
  if (aspect) {
    argv[argc++] = "--aspect";
    argv[argc++] = aspect;
  }
  if (size) {
    argv[argc++] = "--size";
    argv[argc++] = size;
  }
  argv[argc] = NULL;
  pid_t pid = fork();
  if (pid == 0) {
    execv(GF_SIM_PATH, (char *const *)argv);
    _exit(127);
  }
  int st;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    die("gemflow-sim --render failed");
  it_sha_file(out, sha, bytes);
  unlink(out);
}

int it_sim_log_lines(const it_sim *s) {
  FILE *f = fopen(s->log, "r");
  if (!f)
    return 0;
  int n = 0, c;
  while ((c = fgetc(f)) != EOF)
    n += c == '\n';
  fclose(f);
  return n;
}

static int count_for(const it_sim *s, const char *prompt) {
  FILE *f = fopen(s->log, "r");
  if (!f)
    return 0;
  char line[8192], want[1024];
  snprintf(want, sizeof want, "\"prompt\":\"%s\"", prompt);
  int n = 0;
  while (fgets(line, sizeof line, f))
    n += strstr(line, want) != NULL;
  fclose(f);
  return n;
}

int it_sim_requests_for(const it_sim *s, const char *prompt, int expect) {
  for (int i = 0; i < 300 && count_for(s, prompt) < expect; i++)
    usleep(10000);
  usleep(50000);
  return count_for(s, prompt);
}

void it_hex(const unsigned char sha[32], char out[65]) { gf_hex_sha256(sha, out); }

/* ---- recording callbacks ------------------------------------------------ */

typedef struct it_slot {
  it_rec *rec;
  gf__sha256 sha;
  gf_gen *gen;
} it_slot;

static void mark(it_rec *r, char c) {
  size_t n = strlen(r->order);
  if (n + 1 < sizeof r->order) {
    r->order[n] = c;
    r->order[n + 1] = '\0';
  }
}

static void maybe_cancel(gf_gen *g, it_rec *r, char kind) {
  if (r->cancel_on == kind && ++r->seen_for_cancel == r->cancel_after)
    gf_cancel(g);
}

static void append(char *dst, size_t cap, const char *p, size_t n) {
  size_t have = strlen(dst);
  if (have + n + 1 > cap)
    n = cap - have - 1;
  memcpy(dst + have, p, n);
  dst[have + n] = '\0';
}

static void cb_thought(gf_gen *g, const char *t, size_t n, void *ud) {
  it_slot *s = ud;
  mark(s->rec, 't');
  append(s->rec->thoughts, sizeof s->rec->thoughts, t, n);
  append(s->rec->thoughts, sizeof s->rec->thoughts, "|", 1);
  maybe_cancel(g, s->rec, 't');
}

static void cb_text(gf_gen *g, const char *t, size_t n, void *ud) {
  it_slot *s = ud;
  mark(s->rec, 'x');
  append(s->rec->texts, sizeof s->rec->texts, t, n);
}

static void cb_begin(gf_gen *g, const gf_image_info *i, void *ud) {
  it_slot *s = ud;
  mark(s->rec, 'b');
  gf__sha256_init(&s->sha);
  maybe_cancel(g, s->rec, 'b');
}

static void cb_data(gf_gen *g, const unsigned char *p, size_t n, void *ud) {
  it_slot *s = ud;
  gf__sha256_update(&s->sha, p, n);
  s->rec->data_bytes += n;
  maybe_cancel(g, s->rec, 'D');
}

static void cb_end(gf_gen *g, const gf_image_info *i, void *ud) {
  it_slot *s = ud;
  mark(s->rec, 'e');
  gf__sha256_final(&s->sha, s->rec->last_sha);
  s->rec->last_thought = i->thought;
  s->rec->images++;
}

static void cb_usage(gf_gen *g, const gf_usage *u, void *ud) {
  it_slot *s = ud;
  mark(s->rec, 'u');
}

static void copy_str(char *dst, size_t cap, const char *src) {
  snprintf(dst, cap, "%s", src ? src : "");
}

static void cb_done(gf_gen *g, const gf_result *res, void *ud) {
  it_slot *s = ud;
  it_rec *r = s->rec;
  mark(r, 'd');
  r->done_count++;
  r->status = res->status;
  r->http_status = res->http_status;
  copy_str(r->err_name, sizeof r->err_name, gf_err_name(res->status));
  copy_str(r->message, sizeof r->message, res->message);
  copy_str(r->finish, sizeof r->finish, res->finish_reason);
  copy_str(r->api_status, sizeof r->api_status, res->api_status);
  copy_str(r->file, sizeof r->file, res->file);
  copy_str(r->mime, sizeof r->mime, res->mime);
  memcpy(r->sha, res->sha256, 32);
  r->bytes = res->bytes;
  r->width = res->width;
  r->height = res->height;
  r->fell_back = res->fell_back_to_thought_image;
  r->retry_after_s = res->retry_after_s;
  r->usage = *res->usage;
  r->timings = *res->timings;
  r->attempts = res->attempts;
  r->tls_resumed = res->tls_resumed;
  r->nretries = res->nretries;
  for (int i = 0; i < res->nretries && i < IT_MAX_RETRIES; i++)
    r->retries[i] = res->retries[i];
}

static void cb_retry(gf_gen *g, const gf_attempt *a, void *ud) {
  it_slot *s = ud;
  mark(s->rec, 'r');
  s->rec->retry_count++;
  maybe_cancel(g, s->rec, 'r');
}

const gf_callbacks it_callbacks = {
    .struct_size = sizeof(gf_callbacks),
    .on_thought = cb_thought,
    .on_text = cb_text,
    .on_image_begin = cb_begin,
    .on_image_data = cb_data,
    .on_image_end = cb_end,
    .on_usage = cb_usage,
    .on_done = cb_done,
    .on_retry = cb_retry,
};

/* ---- running ------------------------------------------------------------ */

static void on_deadline(uv_timer_t *t) {
  fprintf(stderr, "harness: generations did not finish in time\n");
  exit(3);
}

int it_last_waits;
unsigned long it_last_dns_hits;

static void count_waits(const char *line, void *ud) {
  it_last_waits += strncmp(line, "* waiting for a connection slot", 31) == 0;
}

void it_run(const it_opts *o, gf_request **reqs, it_rec *recs, int n) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  gf_client_options co;
  gf_client_options_init(&co);
  co.base_url = o->url;
  co.ca_file = o->ca;
  co.api_key = o->key ? o->key : "test-key-0123456789";
  co.key_in = o->key_in;
  co.use_sse = !o->array;
  if (o->idle_ms)
    co.idle_timeout_ms = o->idle_ms;
  if (o->connect_ms)
    co.connect_timeout_ms = o->connect_ms;
  if (o->attempt_ms)
    co.attempt_timeout_ms = o->attempt_ms;
  /* One attempt unless a test asks for retries: a fault test sees the
   * fault itself. */
  co.max_attempts = o->max_attempts ? o->max_attempts : 1;
  if (o->retry_initial_ms)
    co.retry_initial_ms = o->retry_initial_ms;
  if (o->retry_max_delay_ms)
    co.retry_max_delay_ms = o->retry_max_delay_ms;
  co.requests_per_minute = o->rpm;
  co.service = o->service;
  co.max_connecting = o->max_connecting;
  co.on_trace = count_waits;
  it_last_waits = 0;
  gf_client *c;
  int rc = gf_client_new(&loop, &co, &c);
  if (rc) {
    fprintf(stderr, "harness: gf_client_new: %s\n", gf_err_name(rc));
    exit(2);
  }
  it_slot *slots = calloc((size_t)n, sizeof *slots);
  gf_gen_options go;
  gf_gen_options_init(&go);
  go.out_path = o->out_path;
  go.out_dir = o->out_dir;
  go.no_sha256 = o->no_sha256;
  for (int i = 0; i < n; i++) {
    slots[i].rec = &recs[i];
    rc = gf_generate(c, reqs[i], &go, &it_callbacks, &slots[i], &slots[i].gen);
    if (rc) {
      fprintf(stderr, "harness: gf_generate: %s\n", gf_err_name(rc));
      exit(2);
    }
    if (recs[i].cancel_on == 's')
      gf_cancel(slots[i].gen);
  }
  uv_timer_t deadline;
  uv_timer_init(&loop, &deadline);
  uv_timer_start(&deadline, on_deadline, 120000, 0);
  uv_unref((uv_handle_t *)&deadline);
  uv_run(&loop, UV_RUN_DEFAULT);
  it_last_dns_hits = (unsigned long)gf__dns_cache_hits(c->dns);
  gf_client_free(c);
  uv_close((uv_handle_t *)&deadline, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0) {
    fprintf(stderr, "harness: handles left open on the loop\n");
    exit(4);
  }
  free(slots);
}

gf_request *it_req(const char *prompt, const char *aspect, const char *size) {
  gf_request *r = gf_request_new();
  gf_request_set_prompt(r, prompt);
  if (aspect)
    gf_request_set_aspect(r, aspect);
  if (size)
    gf_request_set_size(r, size);
  return r;
}

void it_run1(const it_opts *o, const char *prompt, const char *aspect,
             const char *size, it_rec *rec) {
  gf_request *r = it_req(prompt, aspect, size);
  it_run(o, &r, rec, 1);
  gf_request_free(r);
}
