/* What a batch costs: list prices per image, one table per model and lane,
 * for the plan printed before anything is sent. */
#ifndef GF_CLI_COST_H
#define GF_CLI_COST_H

/* USD per image for the model (NULL: GF_DEFAULT_MODEL), the lane ("stream";
 * NULL: "stream") and the image size ("1K", "2K", "4K"; NULL or unknown:
 * the 1K price). */
double gf__price_usd(const char *model, const char *lane, const char *size);
#endif
