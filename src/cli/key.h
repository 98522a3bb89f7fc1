/* The API key: from --api-key-file (its first line, trimmed) or else from
 * the first set environment variable of a list. Never from argv, never
 * printed. */
#ifndef GF_CLI_KEY_H
#define GF_CLI_KEY_H
#include <stddef.h>

#define GF__KEY_MAX 1024
/* The read buffer for a key file: the longest key, blanks around it and
 * the line end. A first line that fills it is "too long". */
#define GF__KEY_FILE_BUF (GF__KEY_MAX + 64)

/* Fills out (GF__KEY_MAX + 1 bytes) from file when it is not NULL, else
 * from the first variable of vars (NULL-terminated) that is set and not
 * empty. 0, or 2 after printing why (a usage error that names every
 * variable of vars when none is set). */
int gf__key_load(const char *file, const char *const *vars,
                 char out[GF__KEY_MAX + 1]);
/* The file part of gf__key_load, reading into the caller's buf (cap bytes,
 * at least 1): buf is wiped before it returns, on every path, so a test can
 * look at it afterwards. 0, or 2 after printing why. */
int gf__key_from_file(const char *file, char *buf, size_t cap,
                      char out[GF__KEY_MAX + 1]);
/* Overwrites the key in memory before it is released. */
void gf__key_wipe(char *key, size_t cap);
#endif
