/* List prices. An estimate, not a bill: thought images are free, failed
 * generations are not charged, and prices change; the table says when it
 * was read. */
#include "cost.h"

#include <stddef.h>
#include <string.h>

#include "gemflow.h"

typedef struct gf__price {
  const char *model, *lane, *size;
  double usd;
} gf__price;

/* Google's list prices, November 2025. A lane added later (the Batch API at
 * half price) is more rows here, not more code. */
static const gf__price gf__prices[] = {
    {"gemini-3-pro-image-preview", "stream", "1K", 0.134},
    {"gemini-3-pro-image-preview", "stream", "2K", 0.134},
    {"gemini-3-pro-image-preview", "stream", "4K", 0.24},
};

#define GF__NPRICES (sizeof gf__prices / sizeof gf__prices[0])

static int gf__price_known(const char *model, const char *lane);
static const gf__price *gf__price_find(const char *model, const char *lane,
                                       const char *size);

double gf__price_usd(const char *model, const char *lane, const char *size) {
  if (!lane)
    lane = "stream";
  /* A model or lane without a table of its own (a newer model, used with
   * --passthrough) is priced as the default model's stream lane: an
   * estimate of the right order beats none. */
  if (!model || !gf__price_known(model, lane)) {
    model = GF_DEFAULT_MODEL;
    lane = "stream";
  }
  const gf__price *p = gf__price_find(model, lane, size ? size : "1K");
  if (!p) /* a size outside the table: priced as the smallest */
    p = gf__price_find(model, lane, "1K");
  return p ? p->usd : 0;
}

static int gf__price_known(const char *model, const char *lane) {
  for (size_t i = 0; i < GF__NPRICES; i++)
    if (strcmp(gf__prices[i].model, model) == 0 &&
        strcmp(gf__prices[i].lane, lane) == 0)
      return 1;
  return 0;
}

static const gf__price *gf__price_find(const char *model, const char *lane,
                                       const char *size) {
  for (size_t i = 0; i < GF__NPRICES; i++)
    if (strcmp(gf__prices[i].model, model) == 0 &&
        strcmp(gf__prices[i].lane, lane) == 0 &&
        strcmp(gf__prices[i].size, size) == 0)
      return &gf__prices[i];
  return NULL;
}
