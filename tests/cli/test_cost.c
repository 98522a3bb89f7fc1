/* The price table. Compared in tenths of a cent: the values are exact in
 * the table, not computed. */
#include "cost.h"
#include "gemflow.h"
#include "test.h"

#define MILLIS(usd) ((long long)((usd)*1000 + 0.5))

static void test_table(void) {
  const char *m = "gemini-3-pro-image-preview";
  CHECK_INT(MILLIS(gf__price_usd(m, "stream", "1K")), 134);
  CHECK_INT(MILLIS(gf__price_usd(m, "stream", "2K")), 134);
  CHECK_INT(MILLIS(gf__price_usd(m, "stream", "4K")), 240);
  CHECK(gf__price_usd(m, "stream", "4K") == 0.24);
}

static void test_defaults(void) {
  CHECK_INT(MILLIS(gf__price_usd(NULL, NULL, NULL)), 134);
  CHECK_INT(MILLIS(gf__price_usd(NULL, "stream", "4K")), 240);
  CHECK_INT(MILLIS(gf__price_usd(GF_DEFAULT_MODEL, NULL, "4K")), 240);
}

static void test_unknown_model(void) {
  CHECK_INT(MILLIS(gf__price_usd("gemini-9-image", "stream", "4K")), 240);
  CHECK_INT(MILLIS(gf__price_usd("gemini-9-image", "stream", "2K")), 134);
  /* a lane without a table of its own: the stream price */
  CHECK_INT(MILLIS(gf__price_usd(GF_DEFAULT_MODEL, "batch", "4K")), 240);
}

static void test_unknown_size(void) {
  CHECK_INT(MILLIS(gf__price_usd(GF_DEFAULT_MODEL, "stream", "512")), 134);
  CHECK_INT(MILLIS(gf__price_usd(GF_DEFAULT_MODEL, "stream", "4k")), 134);
  CHECK_INT(MILLIS(gf__price_usd(GF_DEFAULT_MODEL, "stream", "")), 134);
}

TEST_MAIN(TEST(test_table), TEST(test_defaults), TEST(test_unknown_model),
          TEST(test_unknown_size))
