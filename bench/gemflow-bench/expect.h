/* What each prompt must produce: the sha256 and size of the image
 * `gemflow-sim --render` makes for it (the simulator serves the same
 * bytes), computed before the timed run and optionally kept in a directory
 * across runs. The prompts themselves are made here too. */
#ifndef GFB_EXPECT_H
#define GFB_EXPECT_H
#include <stddef.h>
#include <stdint.h>

#include "opts.h"

#define GFB_PROMPT_MAX 700

typedef struct gfb_expect {
  int count;
  unsigned char sha[GFB_MAX_DISTINCT][32];
  uint64_t bytes[GFB_MAX_DISTINCT];
} gfb_expect;

/* The prompt of distinct index i: "gemflow-bench image I" and the markers
 * (--markers, then [[think:MS]]). */
void gfb_prompt(const gfb_opts *o, int i, char *out, size_t outlen);

/* Renders (or reads from o->refs_dir) the references of the o->distinct
 * prompts with the simulator at sim_path. 0 or -1 (err). */
int gfb_expect_load(gfb_expect *e, const gfb_opts *o, const char *sim_path,
                    char *err, size_t errlen);
#endif
