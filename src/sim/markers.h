/* Per-request markers in the prompt text: "[[eol:lf]]", "[[chunk:7]]",
 * "[[fault:429]]", ... They change how this one response is framed or
 * which fault it carries. Recognised markers are cut out of the prompt the
 * picture is drawn from, so that framing never changes the image; unknown
 * or malformed ones stay in as plain text.
 *
 * Without markers (and without the server's options) a response is framed
 * as the service frames it: SSE with alt=sse, each event one "data: " line
 * ended by CRLF and a blank CRLF line, in HTTP chunks; a JSON array without
 * alt=sse. Every other framing is asked for:
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
 *   [[pretty]]          the second thought event's JSON pretty-printed:
 *                       over several data lines, or over several lines of
 *                       an array element (what the simulator once sent by
 *                       default; a client that takes one data line as one
 *                       JSON fails on it);
 *   [[ping]]            junk lines between events: "ping", ": ping",
 *                       "x-gateway: 1";
 *   [[think:MS]] [[thoughts:N]]  pause after each thought; their number.
 * bom, sse-fields, multiline, nospace and ping shape SSE only: with
 * [[array]] (or without alt=sse) they are recognised and have no effect.
 *
 * Fault markers: [[fault:NAME]] (the table in markers.c). The answers that
 * replace the 200 stream, and with it every fault of the stream ([[at:head]]
 * included), the first given in this order winning:
 *   429, 503, 500       Google's error JSON (RESOURCE_EXHAUSTED,
 *                       UNAVAILABLE, INTERNAL); 429 and 503 carry retry
 *                       hints (below);
 *   502, 504            the same for a bad gateway (UNAVAILABLE) and a
 *                       gateway timeout (DEADLINE_EXCEEDED), no hints;
 *   3xx                 a 307 whose Location is https://elsewhere.example/
 *                       (the same path, no key), with a small HTML body;
 *   html200             a 200 with Content-Type text/html and an HTML
 *                       page (a proxy's sign-in page), Content-Length.
 * Head decorations, on any answer:
 *   1xx                 a 103 Early Hints interim response before it;
 *   1xx-flood           GF_SIM_INTERIM_FLOOD of them (a server that never
 *                       gets to the final response, as far as a client
 *                       with a limit can tell);
 *   bigheaders          a GF_SIM_BIG_HEADER byte header (X-Sim-Padding).
 * In a 200 stream:
 *   reset               a TCP reset;
 *   eof                 FIN without close_notify;
 *   close               close_notify and FIN: a clean TLS end (with a
 *                       chunked body or a Content-Length the HTTP body is
 *                       still cut short; with body:close it is not, and
 *                       only the finish is missing);
 *   truncate            the body ends properly after the thoughts;
 *   midstream           a gateway's pretty-printed error object (503
 *                       UNAVAILABLE) as raw lines without "data:";
 *   error-event         the same object as one SSE event;
 *   stall               after the first thought nothing more, the
 *                       connection left open (the client's idle timeout
 *                       must end it);
 *   drip                the thought events (short thoughts) written in
 *                       GF_SIM_DRIP_PIECES pieces GF_SIM_DRIP_MS apart
 *                       (about 2.5 s, never a second without a byte),
 *                       then the image at the normal pace;
 *   badjson safety block slow thought-image thought-only text mime-after
 *                       (the table in markers.c).
 *   [[at:STAGE]]        where reset, eof, close, midstream and error-event
 *                       happen:
 *                         head     before the status line: right after
 *                                  the request (reset eof close);
 *                         headers  inside the response's headers (reset
 *                                  eof close);
 *                         between  after the first thought event, before
 *                                  the image when there is at most one
 *                                  (reset eof close midstream error-event);
 *                         image    after half of the final image's base64
 *                                  (reset eof close midstream: the raw
 *                                  lines after a line end, the event never
 *                                  finished);
 *                         usage    after the image event, before the
 *                                  finish event (all five).
 *                       An error-event cannot start inside another event,
 *                       nor an error object before the head: a stage that
 *                       does not apply to every one of these faults given,
 *                       or [[at:]] without any of them, is not recognised
 *                       and stays in the prompt as plain text. Several
 *                       connection faults: reset, then eof, then close is
 *                       the one that happens; at the same stage it comes
 *                       before an error object. Without [[at:]], as
 *                       before: reset and midstream and error-event
 *                       after the thoughts (the error object in place of
 *                       the image), eof and close inside the image.
 * For a client's retry policy:
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
  GF_SIM_F_502 = 1u << 16,
  GF_SIM_F_504 = 1u << 17,
  GF_SIM_F_3XX = 1u << 18,
  GF_SIM_F_1XX = 1u << 19,
  GF_SIM_F_1XX_FLOOD = 1u << 20,
  GF_SIM_F_CLOSE = 1u << 21,
  GF_SIM_F_STALL = 1u << 22,
  GF_SIM_F_DRIP = 1u << 23,
  GF_SIM_F_BIGHEADERS = 1u << 24,
  GF_SIM_F_HTML200 = 1u << 25,
};

/* The faults [[at:STAGE]] places. */
#define GF_SIM_F_CONN (GF_SIM_F_RESET | GF_SIM_F_EOF | GF_SIM_F_CLOSE)
#define GF_SIM_F_STAGED \
  (GF_SIM_F_CONN | GF_SIM_F_MIDSTREAM | GF_SIM_F_ERROR_EVENT)

/* [[at:STAGE]] (gf__sim_marks.at, gf__sim_framing.at), in the order they
 * come on the wire; 0: not given. */
typedef enum gf__sim_at {
  GF_SIM_AT_NONE,
  GF_SIM_AT_HEAD,
  GF_SIM_AT_HEADERS,
  GF_SIM_AT_BETWEEN,
  GF_SIM_AT_IMAGE,
  GF_SIM_AT_USAGE,
} gf__sim_at;

#define GF_SIM_INTERIM_FLOOD 100
#define GF_SIM_BIG_HEADER (20 * 1024)
#define GF_SIM_DRIP_PIECES 25
#define GF_SIM_DRIP_MS 100

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
  int pretty;       /* [[pretty]] */
  unsigned faults;  /* GF_SIM_F_* */
  long times;       /* 1..GF_SIM_TIMES_MAX; 0: not given (always) */
  long retry_delay_ms; /* 0..GF_SIM_RETRY_DELAY_MAX; -1: not given */
  long retry_after;    /* seconds, 0..GF_SIM_RETRY_AFTER_MAX; -1: not given */
  int at;              /* gf__sim_at; 0: not given (or not recognised) */
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
/* "head", "headers", "between", "image", "usage" -> gf__sim_at; -1 if
 * unknown. */
int gf__sim_at_named(const char *name, size_t n);
/* 1 when [[at:STAGE]] is recognised with these faults: at least one of
 * GF_SIM_F_STAGED is given and the stage applies to each one given. */
int gf__sim_at_applies(int at, unsigned faults);
/* The connection fault that happens of those given: reset, else eof, else
 * close (its GF_SIM_F_* bit); 0 for none. */
unsigned gf__sim_conn_fault(unsigned faults);
#endif
