/* Private: the client and the generation.
 *
 * client.c owns the client: options, TLS configuration, the list of live
 * generations, the request rate. gen.c owns a generation: its kept
 * request, its attempts (a connection and an exchange each), the retry
 * decision, the file sink, timers and on_done. They meet only through the
 * functions below. */
#ifndef GF_CLIENT_CLIENT_H
#define GF_CLIENT_CLIENT_H
#include <stdarg.h>
#include <uv.h>

#include "client/exchange.h"
#include "client/redact.h"
#include "client/retry.h"
#include "client/sink.h"
#include "client/sinkq.h"
#include "client/writer.h"
#include "common/buf.h"
#include "common/queue.h"
#include "conn/conn.h"
#include "conn/proxy.h"
#include "conn/url.h"
#include "gemini/gemini.h"
#include "gemflow.h"
#include "tls/tls.h"

#define GF__READ_BUF (64 * 1024)
#define GF__TRACE_MAX 1023 /* bytes of one trace line */
#define GF__MAX_CONNECTING 32
#define GF__KEEP_ALIVE_MS 30000

struct gf_client {
  uv_loop_t *loop;
  gf__url url;
  char *api_key;
  int key_in;
  int use_sse;
  uint64_t connect_timeout_ms, idle_timeout_ms, attempt_timeout_ms;
  size_t max_event_bytes;
  uint64_t max_image_bytes;
  size_t max_header_bytes;
  unsigned max_headers;
  int max_json_depth;
  uint64_t max_request_bytes; /* 0: none */
  gf__retry_policy retry;
  uint64_t rand_state;     /* the jitter's */
  double rpm;              /* requests per minute, 0: no limit */
  uint64_t next_slot;      /* loop time (ms) the next request may start */
  void (*on_trace)(const char *line, void *ud);
  void *trace_ud;
  gf__tls_config *tls;     /* NULL for http:// */
  gf__pins pins;           /* resolve pins */
  gf__dns_cache *dns;      /* answers shared by every connection */
  int max_connecting;      /* connections being established at once */
  int connecting;          /* slots held */
  gf__queue dial_wait;     /* generations waiting for a slot, in order */
  int keep_alive;          /* reuse connections */
  uint64_t keep_alive_ms;  /* how long an idle one is kept */
  int max_connections;     /* 0: no limit */
  gf__blocks img_blocks;   /* image decode blocks, lent to exchanges */
  gf__blocks write_blocks; /* image bytes on their way to the writer */
  gf__writer *writer;      /* file work off the loop; made at first use */
  int compressed;          /* ask for gzip */
  int open_conns;          /* from gf__conn_open to on_closed, any owner */
  gf__queue idle;          /* pool.c's idle connections, newest first */
  gf__proxy proxy;         /* when use_proxy */
  int use_proxy;           /* a proxy is set, no_proxy does not bypass it */
  char *read_buf;          /* one for every connection of this client */
  int live;                /* generations not yet done */
  int freeing;             /* gf_client_close called: free when live == 0 */
  gf_close_cb close_cb;
  uv_idle_t closer;        /* closed to call close_cb from the loop */
  int closer_started;
  void *data;              /* the caller's */
  gf__queue gens;          /* live generations, for gf_client_free */
};

enum { GF__DIAL_NONE, GF__DIAL_QUEUED, GF__DIAL_HELD };

typedef enum gf__gen_phase {
  GF__PH_WAIT,     /* the timer runs: a backoff delay or a rate slot */
  GF__PH_ATTEMPT,  /* a connection and its exchange are under way */
  GF__PH_RETRY,    /* the failed attempt's connection closes, then WAIT */
  GF__PH_END,      /* the result is decided; handles close, file syncs */
} gf__gen_phase;

struct gf_gen {
  gf__queue node;         /* in the client's gens */
  gf_client *client;
  gf_callbacks cbs;
  void *ud;
  gf__buf body, target;   /* the request, kept for every attempt */
  gf__sink sink;
  gf__gen_phase phase;

  gf__conn *conn;         /* until its on_closed */
  gf__queue dial_node;    /* in the client's dial_wait when queued */
  int dial;               /* GF__DIAL_* */
  gf__xch *xch;           /* the current attempt's (the last one's at end) */
  int images_seen;        /* in the current attempt */
  int own_err;            /* our side stopped the exchange (the sink) */
  uv_timer_t timer;
  int timer_state;        /* 0 none, 1 open, 2 closing */
  int open_after_wait;    /* the wait was for a rate slot */
  uint64_t next_delay_ms; /* the backoff chosen for the next attempt */

  int attempts;
  gf_attempt *retries;    /* retry.max_attempts - 1 of room */
  int nretries;

  uint64_t t0;            /* uv_hrtime at gf_generate */
  gf_timings timings;
  gf_usage usage;         /* the result's, for on_done */
  /* a multi-turn chat: the turn being received, committed on success */
  gf_chat *chat;
  gf_request *user;       /* this turn's request, for the chat */
  gf__cturn *turn;        /* the model's parts so far */
  gf__buf img;            /* the image being received */
  gf__buf imgs;           /* finished images not yet matched to a part:
                             (size_t len, bytes) records */
  int paused;             /* gf_gen_pause: every attempt's conn too */
  int tls_resumed;        /* the last connection's handshake resumed */
  int reused;             /* the attempt's connection was a kept one */
  int canceled;
  gf__sinkq sq;           /* the sink's work, on the client's writer */
  int done;               /* on_done has run */
  int keep_handle;        /* freed by gf_gen_release, not after on_done */
  int released;           /* gf_gen_release came before on_done ended */
  int in_done;            /* on_done is running */
  int result;             /* final status, in GF__PH_END */
  char msg[512];          /* the explanation of the result */
};

/* client.c, for gen.c */
void gf__client_add(gf_client *c, gf_gen *g);
/* Before on_done: gf_client_free from on_done no longer sees it. */
void gf__client_remove(gf_client *c, gf_gen *g);
/* After on_done and the free: the client may go if it was freed. */
void gf__client_unref(gf_client *c);
/* Takes the next request slot of the rate limit: ms to wait before the
 * request may start (0 without a limit). */
uint64_t gf__client_take_slot(gf_client *c);
uint64_t gf__client_rand(gf_client *c);
/* The client's writer thread, started at the first call; NULL when it
 * cannot be. */
gf__writer *gf__client_writer(gf_client *c);
/* The dial slots (max_connecting): 1 when g may connect now (it holds a
 * slot); 0 when it waits in line, to be started by gf__client_dial_next
 * (gen.c) when a slot frees. dial_done gives the slot back, or leaves the
 * line: once connected, failed, or canceled. */
int gf__client_dial(gf_client *c, gf_gen *g);
void gf__client_dial_done(gf_client *c, gf_gen *g);
/* gen.c: starts the first generation in line, if a slot is free. */
void gf__client_dial_next(gf_client *c);
/* Whether a generation may dial now (max_connecting, max_connections). */
int gf__client_dial_free(const gf_client *c);
/* Every connection is counted from its open to its on_closed, whoever
 * owns it then (a generation, the pool): the client goes only after the
 * last, and a place under max_connections starts the next in line. */
void gf__client_conn_opened(gf_client *c);
void gf__client_conn_gone(gf_client *c);
void gf__trace(gf_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void gf__vtrace(gf_client *c, const char *fmt, va_list ap);

#endif
