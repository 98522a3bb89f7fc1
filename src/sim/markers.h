/* Per-request markers in the prompt text: "[[eol:lf]]", "[[chunk:7]]",
 * "[[fault:429]]", ... They change how this one response is framed or
 * which fault it carries. Recognised markers are cut out of the prompt the
 * picture is drawn from, so that framing never changes the image; unknown
 * or malformed ones stay in as plain text.
 *
 * Framing markers (any combination; a later value of the same kind wins):
 *   [[eol:crlf|lf|cr]]  the event stream's line end;
 *   [[eol:mixed]]       line ends cycle CRLF, LF, CR, line after line (so
 *                       never a CR followed by an LF-ended line, which a
 *                       decoder would read as one CRLF);
 *   [[chunk:N]]         HTTP chunk size; with body:length or body:close
 *                       (no chunks) the size of each TLS record instead;
 *   [[body:chunked|length|close]]  how the body is delimited: chunked (the
 *                       default), a Content-Length computed in advance, or
 *                       the server's close (Connection: close);
 *   [[comments]]        ": keep-alive" comment lines between and inside
 *                       events;
 *   [[array]]           one JSON array instead of SSE;
 *   [[bom]]             a UTF-8 BOM first in the SSE body;
 *   [[sse-fields]]      event, id and (first event) retry fields;
 *   [[multiline]]       each event's JSON over several data lines, split
 *                       after '{', ',' or ':' outside strings;
 *   [[nospace]]         "data:value" without the space (fields too);
 *   [[ping]]            junk lines between events: "ping", ": ping",
 *                       "x-gateway: 1";
 *   [[think:MS]] [[thoughts:N]]  pause after each thought; their number.
 * bom, sse-fields, multiline, nospace and ping shape SSE only: with
 * [[array]] (or without alt=sse) they are recognised and have no effect.
 *
 * Fault markers: [[fault:NAME]] (the table in markers.c), and for a client's
 * retry policy:
 *   [[times:N]]         N 1..1000: the faults apply to the first N requests
 *                       whose prompt is this very text (byte for byte,
 *                       markers included), counted per server process from
 *                       its start; later ones get the normal answer (the
 *                       framing markers still apply). Without it faults
 *                       apply every time. The server counts up to
 *                       GF_SIM_TALLY_MAX distinct such prompts; a new one
 *                       past that is not counted, so its faults apply
 *                       every time (job.h).
 *   [[retry-delay:MS]]  MS 0..600000 and
 *   [[retry-after:S]]   S 0..86400: the retry hints of the answers that
 *                       carry them (429, 503). When either is given, only
 *                       the given ones are sent: retry-delay as RetryInfo
 *                       retryDelay ("0.3s"), retry-after as the Retry-After
 *                       header; with neither, the defaults (retryDelay
 *                       "1.5s", Retry-After: 2). retry-delay also puts a
 *                       RetryInfo in the 503 error object that the
 *                       error-event and midstream faults write into a 200
 *                       stream (which has none by default). */
#ifndef GF_SIM_MARKERS_H
#define GF_SIM_MARKERS_H
#include <stddef.h>

struct gf__buf;
struct gf__sim_framing;

enum {
  GF_SIM_F_429 = 1u << 0,
  GF_SIM_F_503 = 1u << 1,
  GF_SIM_F_500 = 1u << 2,
  GF_SIM_F_RESET = 1u << 3,
  GF_SIM_F_EOF = 1u << 4,
  GF_SIM_F_TRUNCATE = 1u << 5,
  GF_SIM_F_MIDSTREAM = 1u << 6,
  GF_SIM_F_ERROR_EVENT = 1u << 7,
  GF_SIM_F_BADJSON = 1u << 8,
  GF_SIM_F_SAFETY = 1u << 9,
  GF_SIM_F_BLOCK = 1u << 10,
  GF_SIM_F_SLOW = 1u << 11,
  GF_SIM_F_THOUGHT_IMAGE = 1u << 12,
  GF_SIM_F_THOUGHT_ONLY = 1u << 13,
  GF_SIM_F_TEXT = 1u << 14,
  GF_SIM_F_MIME_AFTER = 1u << 15,
};

#define GF_SIM_CHUNK_MAX (16u * 1024 * 1024)
#define GF_SIM_THINK_MAX 600000L
#define GF_SIM_THOUGHTS_MAX 64
#define GF_SIM_TIMES_MAX 1000
#define GF_SIM_RETRY_DELAY_MAX 600000L
#define GF_SIM_RETRY_AFTER_MAX 86400L

/* How a 200 body is delimited (gf__sim_framing.body). */
typedef enum gf__sim_body {
  GF_SIM_BODY_CHUNKED,
  GF_SIM_BODY_LENGTH,
  GF_SIM_BODY_CLOSE,
} gf__sim_body;

/* The eol value of [[eol:mixed]]: compare the pointer. Its bytes are a
 * CRLF, so that a writer that does not know the cycle still ends lines. */
extern const char gf__sim_eol_mixed[];

typedef struct gf__sim_marks {
  const char *eol;  /* "\r\n", "\n", "\r", gf__sim_eol_mixed; NULL: not
                       given */
  long chunk;       /* 1..GF_SIM_CHUNK_MAX; 0: not given */
  long think_ms;    /* 0..GF_SIM_THINK_MAX; -1: not given */
  long thoughts;    /* 0..GF_SIM_THOUGHTS_MAX; -1: not given */
  int body;         /* gf__sim_body; -1: not given */
  int comments;     /* [[comments]] */
  int array;        /* [[array]] */
  int bom, sse_fields, multiline, nospace, ping; /* the SSE variants */
  unsigned faults;  /* GF_SIM_F_* */
  long times;       /* 1..GF_SIM_TIMES_MAX; 0: not given (always) */
  long retry_delay_ms; /* 0..GF_SIM_RETRY_DELAY_MAX; -1: not given */
  long retry_after;    /* seconds, 0..GF_SIM_RETRY_AFTER_MAX; -1: not given */
} gf__sim_marks;

/* Reads the markers of p[0..n). When stripped is not NULL, the prompt
 * without the recognised markers is appended to it. 0 or GF_ENOMEM. */
int gf__sim_marks_parse(const char *p, size_t n, gf__sim_marks *m,
                        struct gf__buf *stripped);
/* Applies the markers to a framing (the server's defaults): what they give
 * replaces the default; without alt=sse (sse 0) the answer is an array. */
void gf__sim_marks_apply(const gf__sim_marks *m, int sse,
                         struct gf__sim_framing *f);
/* "eol:lf" style name -> eol string, NULL if unknown ("crlf", "lf", "cr",
 * "mixed": gf__sim_eol_mixed). */
const char *gf__sim_eol_named(const char *name, size_t n);
/* "chunked", "length", "close" -> gf__sim_body; -1 if unknown. */
int gf__sim_body_named(const char *name, size_t n);
/* A retryDelay as the service writes it: seconds with up to three
 * decimals, then "s" (300 -> "0.3s", 57230 -> "57.23s", 2000 -> "2s").
 * out holds at least GF_SIM_DELAY_TEXT bytes. */
#define GF_SIM_DELAY_TEXT 24
void gf__sim_delay_text(long ms, char *out);
/* Fault names ("429,reset") of the bits, in table order, into out; "" for
 * none. */
int gf__sim_fault_names(unsigned faults, struct gf__buf *out);
#endif
