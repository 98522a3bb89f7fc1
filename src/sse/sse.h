/* A server-sent events decoder after the WHATWG "event stream
 * interpretation": sans-IO, fed bytes split anywhere.
 *
 * - Lines end in CR, LF or CRLF, mixed freely, a CRLF split across two feeds
 *   included. A leading UTF-8 BOM is skipped.
 * - "field: value" or "field:value" (one leading space is removed), a line
 *   with no colon is a field with an empty value, a line starting with ':' is
 *   a comment, wherever it stands (also between two data lines of an event).
 * - data: the event's data is passed on as it arrives, in pieces, through
 *   on_data: the value of each data line, with a "\n" piece before every
 *   data line but the first of its event. Nothing of it is accumulated, so a
 *   40 MB data line costs no memory here. on_dispatch follows at the blank
 *   line that ends an event that had at least one data line.
 * - event, id, retry are buffered (bounded by max_line) and reported: event
 *   type and id at dispatch; retry (all ASCII digits only) at once. An id
 *   containing NUL is ignored, as the standard says.
 * - Any other field line is handed whole (raw, without its line ending) to
 *   on_other_line when it fits in max_line bytes: servers that write a raw
 *   JSON error object without "data:" are recognised by the layer above.
 * - At end of stream an event not ended by a blank line is not dispatched
 *   (gf__sse_end reports whether data was pending: the layer above decides).
 *
 * Every callback may return non-zero to stop: feed then returns that value
 * and the decoder must not be fed again. A callback must not free or reset
 * the decoder: it returns non-zero, and the caller acts after feed returns.
 *
 * Details the standard leaves to us or that callers rely on:
 * - Bytes are bytes: no UTF-8 decoding here (the layer above validates).
 *   The BOM is skipped only as the first three bytes after new/reset (a
 *   second BOM is line content, as the standard says).
 * - on_dispatch gets the type "message" when the event had no (or an empty)
 *   event field, and the id "" when none was ever set; both are
 *   NUL-terminated and valid during the call only. The id persists across
 *   events until an id line changes it; the type resets after every blank
 *   line. An event whose data lines were all empty is dispatched with no
 *   on_data call before it (its data is "").
 * - on_data is never called with n == 0; how the data is cut into pieces
 *   depends on how the input was cut, nothing else.
 * - retry: an empty value, a non-digit, or a value above UINT64_MAX is
 *   ignored (on_retry not called).
 * - on_comment gets the text after the ':' (no space removed). Comments and
 *   other lines longer than max_line are not reported at all.
 * - Any callback may be NULL. */
#ifndef GF_SSE_H
#define GF_SSE_H
#include <stddef.h>
#include <stdint.h>

typedef struct gf__sse_cbs {
  int (*on_data)(void *ud, const char *p, size_t n);
  int (*on_dispatch)(void *ud, const char *type, const char *id);
  int (*on_retry)(void *ud, uint64_t ms);
  int (*on_comment)(void *ud, const char *p, size_t n); /* may be NULL */
  int (*on_other_line)(void *ud, const char *line, size_t n); /* may be NULL */
} gf__sse_cbs;

typedef struct gf__sse gf__sse; /* opaque; sizeof known via gf__sse_size */
size_t gf__sse_size(void);

/* max_line bounds a buffered line (field name, event, id, retry, other),
 * counted whole ("event:" included): 0 means 4096, values below 8 mean 8.
 * Longer event/id values are cut off to fit; longer retry, comment and
 * other lines are not reported. The decoder allocates lazily: at most about
 * 2 * max_line bytes for each of line, event type and id. NULL on ENOMEM. */
gf__sse *gf__sse_new(const gf__sse_cbs *cbs, void *ud, size_t max_line);
void gf__sse_free(gf__sse *s);
void gf__sse_reset(gf__sse *s); /* back to the start-of-stream state */
/* 0, a callback's stop value, or GF_ENOMEM. After gf__sse_end, feed
 * returns GF_EINVAL until gf__sse_reset. */
int gf__sse_feed(gf__sse *s, const char *p, size_t n);
/* End of stream. Returns 1 if an event had data lines but no blank line
 * after them (it is dropped), 0 otherwise. A last line without a line end is
 * processed first (its data still goes out through on_data; an unknown
 * field reaches on_other_line, a retry on_retry). If a callback stops that
 * processing, or stopped an earlier feed, its value is returned instead. */
int gf__sse_end(gf__sse *s);

/* Writer side (simulator, and later an SSE server): appends one event with
 * the given data (split on LF into data lines) and the chosen line end:
 * "data: LINE" (just "data:" for an empty line) per line, then a blank
 * line. eol is "\r\n", "\n" or "\r"; NULL means "\r\n". Data holding a CR
 * cannot be framed and is GF_EINVAL, like another eol. On any error (also
 * the buffer's GF_ETOOBIG/GF_ENOMEM) out is left as it was. */
struct gf__buf;
int gf__sse_write_event(struct gf__buf *out, const char *data, size_t n,
                        const char *eol);
/* Appends the comment line ":TEXT" (keep-alives, framing tests); text with
 * CR or LF is GF_EINVAL. Same eol and error rules as above. */
int gf__sse_write_comment(struct gf__buf *out, const char *text, size_t n,
                          const char *eol);
#endif
