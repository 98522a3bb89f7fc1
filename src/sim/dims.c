#include "sim/dims.h"

#include <string.h>

typedef struct gf__sim_dim_row {
  const char *aspect;
  int wh[3][2]; /* 1K, 2K, 4K */
} gf__sim_dim_row;

static const gf__sim_dim_row gf__sim_rows[] = {
    {"1:1", {{1024, 1024}, {2048, 2048}, {4096, 4096}}},
    {"2:3", {{848, 1264}, {1696, 2528}, {3392, 5056}}},
    {"3:2", {{1264, 848}, {2528, 1696}, {5056, 3392}}},
    {"3:4", {{896, 1200}, {1792, 2400}, {3584, 4800}}},
    {"4:3", {{1200, 896}, {2400, 1792}, {4800, 3584}}},
    {"4:5", {{928, 1152}, {1856, 2304}, {3712, 4608}}},
    {"5:4", {{1152, 928}, {2304, 1856}, {4608, 3712}}},
    {"9:16", {{768, 1376}, {1536, 2752}, {3072, 5504}}},
    {"16:9", {{1376, 768}, {2752, 1536}, {5504, 3072}}},
    {"21:9", {{1584, 672}, {3168, 1344}, {6336, 2688}}},
};

static int size_index(const char *size) {
  static const char *const sizes[] = {"1K", "2K", "4K"};
  for (int i = 0; i < 3; i++)
    if (strcmp(size, sizes[i]) == 0)
      return i;
  return -1;
}

int gf__sim_dims(const char *aspect, const char *size, int *w, int *h) {
  const gf__sim_dim_row *row = NULL;
  for (size_t i = 0; i < sizeof gf__sim_rows / sizeof gf__sim_rows[0]; i++)
    if (strcmp(aspect, gf__sim_rows[i].aspect) == 0)
      row = &gf__sim_rows[i];
  if (!row)
    return -1;
  int s = size_index(size);
  if (s < 0)
    return -2;
  *w = row->wh[s][0];
  *h = row->wh[s][1];
  return 0;
}

int gf__sim_candidate_tokens(const char *size) {
  return strcmp(size, "4K") == 0 ? 2000 : 1120;
}

int gf__sim_model_known(const char *model, size_t n) {
  return n == strlen(GF_SIM_MODEL) && memcmp(model, GF_SIM_MODEL, n) == 0;
}
