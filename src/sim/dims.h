/* The output sizes of gemini-3-pro-image-preview (API-FACTS.md's table):
 * (aspect ratio, image size) -> width x height, and the candidate token
 * count the service bills for that size. */
#ifndef GF_SIM_DIMS_H
#define GF_SIM_DIMS_H
#include <stddef.h>

#define GF_SIM_MODEL "gemini-3-pro-image-preview"
/* Space-separated lists, for error messages. */
#define GF_SIM_ASPECTS "1:1 2:3 3:2 3:4 4:3 4:5 5:4 9:16 16:9 21:9"
#define GF_SIM_SIZES "1K 2K 4K"

/* 0 and *w, *h set when both values are in the table (exact spelling:
 * "4K", never "4k"); -1 for an unknown aspect, -2 for an unknown size. */
int gf__sim_dims(const char *aspect, const char *size, int *w, int *h);
/* 1120 at 1K and 2K, 2000 at 4K (size already validated). */
int gf__sim_candidate_tokens(const char *size);
/* 1 when the model name is one the simulator serves. */
int gf__sim_model_known(const char *model, size_t n);
#endif
