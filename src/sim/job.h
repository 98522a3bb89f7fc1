/* One request's answer, independent of sockets: validation, markers, the
 * planned stream (or the error answer), the images it needs, the response
 * head, and the log line. The connection only moves its bytes. */
#ifndef GF_SIM_JOB_H
#define GF_SIM_JOB_H
#include <stdint.h>
#include <stdio.h>

#include "common/buf.h"
#include "common/queue.h"
#include "sim/apierr.h"
#include "sim/image.h"
#include "sim/markers.h"
#include "sim/plan.h"
#include "sim/request.h"
#include "sim/zprod.h"

struct json_object;

/* How many requests each prompt with [[times:N]] has had, per server: the
 * SHA-256 of the whole prompt text -> a count. At most GF_SIM_TALLY_MAX
 * prompts; a new one past that is not counted (its faults then apply every
 * time) rather than dropping an old one, whose faults would start over in
 * the middle of someone's retry test. */
#define GF_SIM_TALLY_MAX 65536
typedef struct gf__sim_tally gf__sim_tally;

/* NULL only when out of memory. */
gf__sim_tally *gf__sim_tally_new(void);
void gf__sim_tally_free(gf__sim_tally *t);
/* Counts one more request with prompt p[0..n): its number, 1 for the
 * first; 0 when it cannot be counted (the table is full, or out of
 * memory). */
unsigned gf__sim_tally_add(gf__sim_tally *t, const char *p, size_t n);

/* What a job needs from the server. */
typedef struct gf__sim_cfg {
  gf__sim_framing framing;
  uint64_t seed;
  gf__sim_keys keys;
  int passthrough; /* unknown generationConfig fields pass */
  gf__sim_cache *cache;
  gf__sim_tally *tally; /* NULL: [[times:N]] counts nothing, faults apply */
  int gzip;             /* GF_SIM_GZIP_* (sim.h) */
} gf__sim_cfg;

/* What the connection gathered of one request. */
typedef struct gf__sim_rx {
  const char *method, *target;
  const char *header_key; /* x-goog-api-key, or NULL */
  struct json_object *root; /* the body; NULL when it was not JSON */
  int too_big;              /* the body passed GF_SIM_BODY_MAX */
  int accepts_gzip;         /* its Accept-Encoding does (accept.h) */
} gf__sim_rx;

typedef struct gf__sim_job {
  int status;       /* 200, or err.status (an error answer or the 307) */
  int html;         /* [[fault:html200]]: a 200 with an HTML page, no
                       stream */
  int head_cut;     /* GF_SIM_AT_HEAD or _HEADERS with a connection fault:
                       the connection ends before the head or inside it;
                       0: not so */
  int cut_end;      /* then how: GF_SIM_RESET, GF_SIM_EOF or GF_SIM_CLOSE */
  gf__sim_err err;
  gf__sim_req req;
  int have_req;     /* the body was read (prompt, size known) */
  gf__sim_marks marks; /* faults cleared once [[times:N]] is used up */
  char delay[GF_SIM_DELAY_TEXT]; /* [[retry-delay:MS]] as text; "": none */
  gf__buf stripped; /* the prompt without markers */
  gf__sim_framing framing;
  gf__sim_plan plan;
  gf__sim_prod prod;
  int gzip;            /* the answer's body is gzip (--gzip, the request's
                          Accept-Encoding) */
  gf__sim_zprod zprod; /* a gzip stream's producer, over prod */
  gf__sim_img *imgs[GF_SIM_SLOTS];
  char create_time[40], response_id[32];
  /* the connection's: its queue of pipelined requests */
  int keep_alive;
  gf__queue node;
} gf__sim_job;

/* NULL only when out of memory. */
gf__sim_job *gf__sim_job_new(const gf__sim_cfg *cfg, const gf__sim_rx *rx);
void gf__sim_job_free(gf__sim_job *j);
/* The status line and headers; for an error answer, a 307 or an HTML 200,
 * its body too. A 200 stream is chunked, or has a Content-Length
 * (body:length: the images must be ready, see gf__sim_job_waits), or
 * neither and "Connection: close" (body:close, whatever keep_alive says).
 * The interim 103s of [[fault:1xx]] come first; with [[at:headers]] the
 * head stops in the middle of its headers. */
int gf__sim_job_head(const gf__sim_job *j, int keep_alive, gf__buf *out);
/* The next bytes of a 200 stream's body, as gf__sim_prod_next says, but
 * compressed when the answer is gzip: then bytes may come with any answer
 * (gf__sim_zprod_next), and go out before it is acted on. */
int gf__sim_job_next(gf__sim_job *j, gf__buf *out, size_t max, unsigned *ms,
                     int *slot);
/* 1 when a planned body follows the head (a 200 stream), 0 when the head
 * is the whole answer. */
int gf__sim_job_streams(const gf__sim_job *j);
/* The slot whose image the head waits for (with body:length the head
 * holds the body's size, so every image must be made first; one that
 * failed is returned too), or -1 when the head can be written now. */
int gf__sim_job_waits(const gf__sim_job *j);
/* One JSON line (never the key), flushed. aborted: the connection ended
 * before the response did. Besides the answer (status, fault, image,
 * gzip: whether its body was compressed...), it
 * says what reached the wire: key_from ("query", "header" or null),
 * modalities (responseModalities as sent, or null), search (a google_search
 * tool came), alt_sse (the target asked ?alt=sse), turns (the contents
 * sent) and signatures (what the model turns' thoughtSignatures were:
 * "none" to check, "ok", "missing" or "corrupted"). */
int gf__sim_job_log(const gf__sim_job *j, FILE *f, int aborted);
#endif
