/* libFuzzer target for a saved chat (gf_chat_from_json): any bytes are
 * refused or loaded, never a crash or a leak; a loaded chat saves to JSON
 * that loads again to the same JSON (the round trip is exact). Image file
 * references are read from the file system: seeds use inline data only. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gemflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* an exact-size copy: nothing may read past it */
  char *in = malloc(size ? size : 1);
  if (!in)
    return 0;
  memcpy(in, data, size);
  gf_chat *c = NULL;
  int rc = gf_chat_from_json(in, size, &c);
  free(in);
  if (rc) {
    if (c)
      abort(); /* a failure leaves *out NULL */
    return 0;
  }
  char *once = gf_chat_to_json(c);
  gf_chat *back = NULL;
  if (!once || gf_chat_from_json(once, strlen(once), &back) != 0)
    abort();
  char *twice = gf_chat_to_json(back);
  if (!twice || strcmp(once, twice) != 0 ||
      gf_chat_turns(back) != gf_chat_turns(c))
    abort();
  gf_free(once);
  gf_free(twice);
  gf_chat_free(back);
  gf_chat_free(c);
  return 0;
}
