#!/usr/bin/env bash
# Open files for -j N: the program raises its soft limit to the hard one by
# itself, and when even the hard limit is too low for the concurrency asked
# it says so before any request (exit 2), naming the numbers and the fix.
set -euo pipefail
. "$(dirname "$0")/lib.bash" "$@"

start_sim
cd "$WORK"
for i in $(seq 5); do printf '{"id":"f%d","prompt":"fd %d"}\n' "$i" "$i"; done >p.jsonl
run() { # run SOFT HARD ARGS...: gemflow batch under those limits; sets RC
  local soft=$1 hard=$2
  shift 2
  set +e
  (ulimit -Sn "$soft" && ulimit -Hn "$hard" &&
     exec timeout 120 "$GEMFLOW" batch --base-url "$URL" --ca-file "$CA" "$@") \
    >"$WORK/out" 2>"$WORK/err"
  RC=$?
  set -e
}

# soft 300 < need (2 x 1000 + 256), hard 4096 >= need: raised, it runs
run 300 4096 -j 1000 -o out1 p.jsonl
check "soft limit raised to the hard one: exit 0" rc_is 0
check "all 5 items done" test "$(wc -l <out1/manifest.jsonl)" = 5

# hard 600 < need: refused before anything is sent
before=$(settled_lines 5)
run 300 600 -j 1000 -o out2 p.jsonl
check "hard limit too low: exit 2" rc_is 2
check "says how many files -j needs" err_has "-j 1000 needs about 2256 open files, but this process may open 600 (hard limit 600): lower -j to 172 or less"
check "nothing sent" test "$(settled_lines "$before")" = "$before"
check "no manifest" test ! -e out2/manifest.jsonl

# the same limit is plenty for a smaller -j
run 300 600 -j 100 -o out3 p.jsonl
check "-j 100 under the same limit: exit 0" rc_is 0
finish
