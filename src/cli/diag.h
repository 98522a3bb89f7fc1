/* Diagnostics on stderr for the CLI: one-line messages, streamed model text
 * and thoughts, and the scrubbing of the API key from anything printed. */
#ifndef GF_CLI_DIAG_H
#define GF_CLI_DIAG_H
#include <stddef.h>

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

/* Bytes exactly as they come (thoughts, model text): no newline added
 * between pieces; a line still open is ended before the next message. */
void gf__diag_stream(const char *p, size_t n);
/* Ends the open line, if any. */
void gf__diag_break(void);

/* A malloc'd copy of s with the key replaced by "***"; NULL for NULL (or
 * when out of memory). */
char *gf__scrub_dup(const char *s);
#endif
