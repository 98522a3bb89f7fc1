/* `gemflow batch`: the plan (batch.c: input, shard, resume, dry run,
 * summary) and the run (batch_run.c: one loop, one client, many
 * generations, the manifest written as each item ends). */
#ifndef GF_CLI_BATCH_H
#define GF_CLI_BATCH_H
#include <stdint.h>
#include <uv.h>

#include "batch_opts.h"
#include "gemflow.h"
#include "items.h"
#include "manifest.h"

typedef enum gf__bstate {
  GF__B_PENDING,
  GF__B_RUNNING,
  GF__B_OK,
  GF__B_FAILED,
  GF__B_NOT_STARTED, /* --max-cost, a write error, or a signal came first */
  GF__B_SKIPPED,     /* done in an earlier run (resume) */
} gf__bstate;

struct gf__batch;

typedef struct gf__bitem {
  struct gf__batch *b;
  const gf__item *it;
  gf__bstate state;
  gf_gen *gen;
  char prompt_sha[65];
  double price;          /* estimated cost of one image */
  double queued_ms;      /* batch start to gf_generate */
  int retried;           /* counted in the batch's retrying */
  char *text, *thoughts; /* gathered for the manifest and --save-thoughts */
  size_t text_len, thoughts_len;
  char reason[200];      /* why it failed, for the summary */
} gf__bitem;

typedef struct gf__batch {
  const gf__batch_opts *o;
  gf__item_defaults defs;
  gf__items items;
  gf__bitem *v;          /* every item of this shard, in input order */
  size_t n;
  size_t next;           /* the next item to consider starting */
  char *dir;             /* the output directory, no trailing '/' */
  gf__manifest man;
  char man_name[64];     /* manifest.jsonl, or manifest.K-of-N.jsonl */
  int lock_fd[2];        /* DIR/.gemflow.lock; the shard's own lock */
  gf__shard shard;       /* n == 0 without --shard */
  unsigned long shards;  /* N of --shard K/N, 1 without */
  /* the run */
  uv_loop_t loop;
  gf_client *client;
  uv_signal_t sig[2];
  uv_timer_t tick;
  int handles;           /* signal and tick handles open */
  int in_flight, limit, retrying;
  int stopping, signum;
  size_t ok, failed, not_started, skipped, to_run;
  double cost_started, cost_done;
  uint64_t bytes_rx, t0_ns;
  int tty, color;
  int progress_shown;    /* a live line is on stderr */
} gf__batch;

int gf__cmd_batch(int argc, char **argv);

/* batch_run.c: runs every item not skipped; 0, or 1 when the loop could
 * not start. */
int gf__batch_run(gf__batch *b, const char *key);
double gf__batch_ms(const gf__batch *b);
#endif
