/* See harden.h. Both settings hold for the life of the process; the
 * non-dumpable flag is reset by execve, the core limit is inherited. */
#include "harden.h"

#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

void gf__harden_process(void) {
  struct rlimit none = {0, 0};
  (void)setrlimit(RLIMIT_CORE, &none);
#ifdef __linux__
  (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}
