#!/usr/bin/env bash
# tools/valgrind.sh BUILD_DIR: runs integration tests under valgrind's
# memcheck (the simulator runs natively) and fails on any leak or error.
set -euo pipefail
dir=${1:-build}
command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 1; }
for t in test_text_to_image test_edit_with_refs test_thought_images test_faults test_cancel test_untrusted_ca test_connection_refused; do
  echo "-- valgrind it_generate $t"
  valgrind --quiet --error-exitcode=9 --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible \
    "$dir/it_generate" "$t" >/dev/null
done
echo "-- valgrind it_raw"
valgrind --quiet --error-exitcode=9 --leak-check=full --show-leak-kinds=definite,indirect,possible \
  --errors-for-leak-kinds=definite,indirect,possible "$dir/it_raw" >/dev/null
echo "valgrind: no leaks, no errors"
