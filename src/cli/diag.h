/* Diagnostics on stderr for the CLI: one-line messages, streamed model text
 * and thoughts, and the scrubbing of the API key from anything printed.
 *
 * Text from the server never reaches a terminal with control characters in
 * it (no escape sequence can move the cursor, retitle the window or clear
 * the screen):
 * - streamed text, when stderr is a terminal: every control character but
 *   newline and tab (C0 including ESC and CR, DEL, C1 U+0080..U+009F) and
 *   every byte that is not valid UTF-8 becomes U+FFFD; a sequence split
 *   across two calls is kept whole. When stderr is not a terminal the bytes
 *   go out exactly as they came: a log keeps the model's exact text.
 * - one-line messages, always: every control character (C0 including
 *   newline and tab, DEL, C1) becomes a space, so a message stays one line
 *   whatever it quotes; when stderr is a terminal, bytes that are not valid
 *   UTF-8 also become U+FFFD (a lone 0x9B is CSI to an 8-bit terminal).
 * The terminal is taken to be UTF-8. */
#ifndef GF_CLI_DIAG_H
#define GF_CLI_DIAG_H
#include <stddef.h>
#include <stdio.h>

/* The key to scrub from every message (NULL: none). Not copied. */
void gf__diag_set_secret(const char *key);

/* "gemflow: <message>\n", the key replaced by "***". Returns 2, so that a
 * usage error reads `return gf__usage_error(...)`. */
int gf__usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
void gf__diag_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* A line of its own, without the "gemflow: " prefix (trace lines). */
void gf__diag_line(const char *line);

/* Bytes as they come (thoughts, model text), sanitized for a terminal as
 * said above: no newline added between pieces; a line still open is ended
 * before the next message. */
void gf__diag_stream(const char *p, size_t n);
/* Ends the open line, if any (and a UTF-8 sequence left unfinished, as
 * U+FFFD). */
void gf__diag_break(void);

/* The stream filter itself, on any FILE, for gf__diag_stream and tests.
 * Zero-initialise; carry holds a UTF-8 sequence cut short by the end of
 * one call until the next. is_tty 0 writes p unchanged. */
typedef struct {
  unsigned char carry[4];
  unsigned char len;
} gf__tty_filter;
void gf__tty_filter_write(gf__tty_filter *t, FILE *f, int is_tty,
                          const char *p, size_t n);
/* A sequence still cut short is written as U+FFFD; t is reset. */
void gf__tty_filter_end(gf__tty_filter *t, FILE *f, int is_tty);

/* The text of a one-line message: a malloc'd copy of msg, the key replaced
 * by "***", line ends at its end dropped, sanitized as said above for
 * is_tty. NULL when out of memory. */
char *gf__diag_one_line(const char *msg, int is_tty);

/* A malloc'd copy of s with the key replaced by "***"; NULL for NULL (or
 * when out of memory). */
char *gf__scrub_dup(const char *s);
#endif
