/* A response planned as a list of steps, and the producer that turns the
 * steps into body bytes a piece at a time, so that a 40 MB image event is
 * never held per connection: only its small head and tail are, and the
 * base64 text is read from the shared image.
 *
 * Steps: framed bytes (an SSE event or a JSON-array element), an image
 * event (head, the image's base64, tail), a pause, and the endings: the
 * body's end, a TCP reset, an EOF without close_notify, a close_notify and
 * FIN, or a stall (nothing more, the connection left open). With
 * body:length, steps may follow a connection fault: never produced, they
 * only count in the Content-Length (gf__sim_plan_length). The faults of
 * the stream happen at the stage [[at:STAGE]] says (markers.h). */
#ifndef GF_SIM_PLAN_H
#define GF_SIM_PLAN_H
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "sim/events.h"

struct gf__sim_req;
struct gf__sim_img;

/* How responses are framed: the server's defaults, then each request's
 * markers (markers.h says what each one does). */
typedef struct gf__sim_framing {
  const char *eol;   /* "\r\n", "\n", "\r" or gf__sim_eol_mixed */
  size_t chunk;      /* HTTP chunk size (TLS record size without chunks) */
  int body;          /* gf__sim_body: chunked, Content-Length, or close */
  int comments;      /* ": keep-alive" lines between and inside events */
  int array;         /* one JSON array instead of SSE */
  unsigned think_ms; /* pause after each thought */
  int thoughts;      /* thought events */
  /* SSE only */
  int bom;           /* a UTF-8 BOM first */
  int sse_fields;    /* event, id, retry lines around the data lines */
  int multiline;     /* JSON split over data lines at structural points */
  int nospace;       /* "data:x", no space after the colon */
  int ping;          /* junk lines between events */
  int at;            /* gf__sim_at: where the faults of the stream happen
                        ([[at:STAGE]]); 0: each one's default. head and
                        headers are the connection's (job.h): the plan
                        keeps the defaults then */
  int pretty;        /* the second thought's JSON pretty-printed: over
                        several data lines (an array element over several
                        lines) */
} gf__sim_framing;

typedef enum gf__sim_step_kind {
  GF_SIM_STEP_BYTES,
  GF_SIM_STEP_IMAGE,
  GF_SIM_STEP_DELAY,
  GF_SIM_STEP_END,
  GF_SIM_STEP_RESET,
  GF_SIM_STEP_EOF,
  GF_SIM_STEP_CLOSE,
  GF_SIM_STEP_STALL,
} gf__sim_step_kind;

/* gf__sim_step.cut */
enum {
  GF_SIM_CUT_NONE,
  GF_SIM_CUT_FAULT, /* half the data, then a connection fault: the
                       Content-Length counts the event whole */
  GF_SIM_CUT_SENT,  /* half the data, then more bytes (an error object):
                       the Content-Length counts what is sent */
};

typedef struct gf__sim_step {
  gf__sim_step_kind kind;
  gf__buf head; /* BYTES: the bytes; IMAGE: up to the data string */
  gf__buf tail; /* IMAGE: from the data string's closing quote */
  int slot;     /* IMAGE: which image */
  unsigned ms;  /* DELAY */
  int slow;     /* IMAGE: written in pieces over about 2 s */
  int cut;      /* IMAGE: GF_SIM_CUT_*: stop after half of the data */
  int sig;      /* IMAGE: tail holds GF_SIM_SIG_PLACEHOLDER at sig_at,
                   written as the image's signature (sig.h) */
  size_t sig_at;
  int drip;     /* BYTES: written in the plan's drip pieces */
} gf__sim_step;

/* Bytes a connection asks the producer for at a time. */
#define GF_SIM_PIECE (16 * 1024)

#define GF_SIM_SLOTS 3 /* 0: the result; 1, 2: interim thought images */
#define GF_SIM_SLOW_PIECES 40
#define GF_SIM_SLOW_MS 50

typedef struct gf__sim_slot {
  uint64_t seed;
  int w, h;
  int used; /* an image step streams it */
} gf__sim_slot;

typedef struct gf__sim_plan {
  gf__sim_step *steps;
  size_t n, cap;
  gf__sim_slot slots[GF_SIM_SLOTS];
  int serves_result; /* slot 0 is streamed (possibly cut) */
  int events;        /* response objects written, for tests */
  size_t drip_piece; /* bytes of the drip steps per piece ([[fault:drip]]) */
} gf__sim_plan;

typedef struct gf__sim_plan_in {
  const struct gf__sim_req *req;
  const char *prompt; /* markers removed: the picture and the thoughts */
  size_t plen;
  gf__sim_framing framing;
  unsigned faults;
  gf__sim_ev_ctx ctx;
  const char *retry_delay; /* RetryInfo of an error in the stream; NULL:
                              none ([[retry-delay:MS]]) */
} gf__sim_plan_in;

int gf__sim_plan_build(gf__sim_plan *p, const gf__sim_plan_in *in);
void gf__sim_plan_free(gf__sim_plan *p);
/* The body's size as a Content-Length announces it: every step whole, so a
 * cut image and, with body:length, the steps planned past a connection
 * fault count too (the client sees the body end short). The images of the
 * used slots must be ready, else GF_EINVAL. */
int gf__sim_plan_length(const gf__sim_plan *p,
                        struct gf__sim_img *const imgs[GF_SIM_SLOTS],
                        uint64_t *len);

/* The producer's answers. */
enum {
  GF_SIM_MORE = 1, /* bytes were appended: call again */
  GF_SIM_WAIT,     /* the image of *slot is not ready yet */
  GF_SIM_PAUSE,    /* wait *ms, then call again */
  GF_SIM_END,      /* the body is complete */
  GF_SIM_RESET,    /* reset the connection now */
  GF_SIM_EOF,      /* close the TCP connection, no close_notify */
  GF_SIM_CLOSE,    /* close_notify, then close the TCP connection */
  GF_SIM_STALL,    /* send nothing more, keep the connection open */
};

typedef struct gf__sim_prod {
  const gf__sim_plan *plan;
  struct gf__sim_img *imgs[GF_SIM_SLOTS]; /* ready images, set by the owner */
  size_t step;
  uint64_t off;   /* within the step */
  unsigned pause_due; /* ms: a slow image's or a drip's piece was written */
  uint64_t drip_bytes; /* of the drip steps, produced */
  uint64_t body_bytes;
  int step_done; /* the last MORE ended a step (an event, a block of raw
                    lines): a compressor flushes there (gzip.h) */
} gf__sim_prod;

void gf__sim_prod_init(gf__sim_prod *p, const gf__sim_plan *plan);
/* Appends at most max (> 0) bytes and returns GF_SIM_MORE, or returns what
 * the next step asks for (GF_ENOMEM when out is full). After END, RESET,
 * EOF, CLOSE or STALL it returns that again. */
int gf__sim_prod_next(gf__sim_prod *p, gf__buf *out, size_t max,
                      unsigned *ms, int *slot);

/* The thought texts (UTF-8, several lines). i: 0.. */
int gf__sim_thought_text(gf__buf *out, int i, const char *prompt, size_t plen);
#endif
