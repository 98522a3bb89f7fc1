/* `generate --continue FILE`: the conversation of an earlier --json. */
#ifndef GF_CLI_CHATFILE_H
#define GF_CLI_CHATFILE_H
#include "gemflow.h"

/* 0 with *out set, or 2 after a usage error naming why (nothing sent). */
int gf__chatfile_load(const char *path, gf_chat **out);
#endif
