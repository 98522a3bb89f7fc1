/* The API key: from --api-key-file (its first line, trimmed) or else from
 * $GEMINI_API_KEY. Never from argv, never printed. */
#ifndef GF_CLI_KEY_H
#define GF_CLI_KEY_H
#include <stddef.h>

#define GF__KEY_MAX 1024

/* Fills out (GF__KEY_MAX + 1 bytes). 0, or 2 after printing why. */
int gf__key_load(const char *file, char out[GF__KEY_MAX + 1]);
/* Overwrites the key in memory before it is released. */
void gf__key_wipe(char *key, size_t cap);
#endif
