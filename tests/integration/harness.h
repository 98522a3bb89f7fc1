/* Integration harness: a gemflow-sim child process per test file, and
 * generations run on one loop with every callback recorded. */
#ifndef GF_IT_HARNESS_H
#define GF_IT_HARNESS_H
#include <stdint.h>
#include <sys/types.h>

#include "gemflow.h"

typedef struct it_sim {
  pid_t pid;
  char url[256];  /* https://localhost:PORT */
  char ca[512];
  char dir[300];  /* its working directory (certs, log) */
  char log[512];
  int port;
} it_sim;

/* Starts gemflow-sim --port 0 with the extra arguments (NULL-terminated),
 * waits (at most 20 s) for its ready line. Exits the test on failure. */
void it_sim_start(it_sim *s, const char *const *args);
void it_sim_stop(it_sim *s);
/* The sha256 of what the simulator serves for this request, from
 * gemflow-sim --render. aspect/size may be NULL. */
void it_sim_render(const char *prompt, const char *aspect, const char *size,
                   unsigned char sha[32], uint64_t *bytes);
void it_sha_file(const char *path, unsigned char sha[32], uint64_t *bytes);
/* Number of request lines in the simulator's --log. */
int it_sim_log_lines(const it_sim *s);
/* Requests logged for exactly this prompt. The simulator logs a request as
 * its connection ends, which may be just after on_done: this waits (at
 * most 3 s) for expect of them, then a moment for a straggler beyond. */
int it_sim_requests_for(const it_sim *s, const char *prompt, int expect);

#define IT_MAX_RETRIES 16

/* One generation's record. */
typedef struct it_rec {
  char order[256];    /* one letter per callback: t thought, x text, b image
                         begin, e image end, u usage, r retry, d done */
  char thoughts[8192];
  char texts[4096];
  uint64_t data_bytes; /* through on_image_data, all images */
  unsigned char last_sha[32]; /* of the last image's on_image_data bytes */
  int last_thought;    /* thought flag at the last image end */
  int images, done_count;
  int status, http_status;
  char err_name[32], message[512], finish[64], api_status[64], file[512],
      mime[64];
  unsigned char sha[32];
  uint64_t bytes;
  unsigned width, height;
  int fell_back;
  double retry_after_s;
  gf_usage usage;
  gf_timings timings;
  int attempts, nretries, retry_count; /* retry_count: on_retry calls */
  int tls_resumed;
  gf_attempt retries[IT_MAX_RETRIES];
  /* cancel after this many callbacks of kind cancel_on ('t','b','D','r'), or
   * right after gf_generate ('s') */
  char cancel_on;
  int cancel_after, seen_for_cancel;
} it_rec;

typedef struct it_opts {
  const char *url, *ca, *key;
  int key_in;
  int array; /* ask without alt=sse (JSON array) */
  const char *out_path, *out_dir;
  uint64_t idle_ms; /* 0: the default */
  uint64_t connect_ms, attempt_ms; /* 0: the defaults */
  int max_attempts;  /* 0: 1 (no retries) */
  uint64_t retry_initial_ms, retry_max_delay_ms; /* 0: the defaults */
  double rpm;        /* requests per minute, 0: no limit */
  const char *service; /* NULL: the library's default */
  int max_connecting;  /* 0: the default */
  int no_sha256;       /* gf_gen_options.no_sha256 */
} it_opts;

/* Of the last it_run: trace lines saying a generation waited for a
 * connection slot, and name lookups the client's DNS cache answered. */
extern int it_last_waits;
extern unsigned long it_last_dns_hits;

extern const gf_callbacks it_callbacks;

/* Runs n generations of the same kind concurrently on one loop, until all
 * are done (bounded: 120 s). reqs[i] for each. Returns 0 or exits. */
void it_run(const it_opts *o, gf_request **reqs, it_rec *recs, int n);
/* Shorthand: one request for prompt (aspect/size may be NULL). */
void it_run1(const it_opts *o, const char *prompt, const char *aspect,
             const char *size, it_rec *rec);
gf_request *it_req(const char *prompt, const char *aspect, const char *size);
void it_hex(const unsigned char sha[32], char out[65]);
/* A real 1x1 PNG (69 bytes). */
extern const unsigned char it_png1[69];
/* A test-time directory. */
const char *it_tmpdir(void);
#endif
