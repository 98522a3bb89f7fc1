/* What the simulated model "thinks": a few paragraphs in the style of the
 * service's thought summaries, with non-ASCII characters (curly quotes,
 * dashes, accents, CJK, symbols) so that clients must keep UTF-8 intact
 * across chunk and record boundaries. */
#include <string.h>

#include "common/buf.h"
#include "sim/plan.h"

#define SNIPPET_MAX 60

static const char *const gf__sim_thoughts[] = {
    ("**Planning the composition**\n\nI’m reading the request — “%.*s” — "
     "and sketching a layout: horizon low, light from the upper left, a "
     "calm palette. ✦"),
    ("**Choosing the palette**\n\nWarm gradients (amber → rose → violet), "
     "soft haze near the ridge; contrast kept gentle… café-au-lait "
     "midtones, naïve shapes."),
    ("**Refining the details**\n\nSharpening the ridge line, checking the "
     "sun’s halo and the grain — 细节 and テクスチャ look right. Rendering "
     "now ✓"),
    ("**Reviewing step %d**\n\nComparing the draft with the brief: "
     "Übergänge sind weich, the light reads as late afternoon ☀."),
};

/* The first bytes of the prompt, cut on a UTF-8 character boundary. */
static size_t snippet_len(const char *p, size_t n) {
  if (n <= SNIPPET_MAX)
    return n;
  n = SNIPPET_MAX;
  while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
    n--;
  return n;
}

int gf__sim_thought_text(gf__buf *out, int i, const char *prompt,
                         size_t plen) {
  if (i == 0)
    return gf__buf_printf(out, gf__sim_thoughts[0],
                          (int)snippet_len(prompt, plen), prompt);
  if (i < 3)
    return gf__buf_printf(out, "%s", gf__sim_thoughts[i]);
  return gf__buf_printf(out, gf__sim_thoughts[3], i + 1);
}
