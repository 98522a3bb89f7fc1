#!/usr/bin/env bash
# tools/valgrind.sh BUILD_DIR: runs integration tests and a small
# `gemflow batch` (with retried faults and a failure) under valgrind's
# memcheck (the simulator runs natively) and fails on any leak or error.
set -euo pipefail
dir=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 1; }
vg=(valgrind --quiet --error-exitcode=9 --leak-check=full
    --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible)
for t in test_text_to_image test_edit_with_refs test_thought_images test_faults test_cancel test_untrusted_ca test_connection_refused; do
  echo "-- valgrind it_generate $t"
  "${vg[@]}" "$dir/it_generate" "$t" >/dev/null
done
for t in test_each_transient_fault_once test_partial_image_never_the_result test_cancel_during_backoff test_server_delay_past_cap; do
  echo "-- valgrind it_retry $t"
  "${vg[@]}" "$dir/it_retry" "$t" >/dev/null
done
echo "-- valgrind it_raw"
"${vg[@]}" "$dir/it_raw" >/dev/null
for t in it_handles it_embed it_chat it_reuse; do
  echo "-- valgrind $t"
  "${vg[@]}" "$dir/$t" >/dev/null
done

echo "-- valgrind gemflow batch"
work=$(mktemp -d)
trap 'kill "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true; rm -rf "$work"' EXIT
"$dir/gemflow-sim" --port 0 --dir "$work" >"$work/ready" &
sim=$!
for _ in $(seq 100); do grep -q ready "$work/ready" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*url=\([^ ]*\).*/\1/p' "$work/ready")
ca=$(sed -n 's/.*ca=\([^ ]*\).*/\1/p' "$work/ready")
cat >"$work/p.jsonl" <<'JSONL'
{"id":"a","prompt":"a lamp [[fault:429]] [[times:1]] [[retry-delay:10]]","meta":{"k":[1,2]}}
{"id":"b","prompt":"a chair [[fault:reset]] [[times:1]]","out":"sub/chair.png"}
{"id":"c","prompt":"a door [[fault:safety]]"}
{"id":"d","prompt":"a window","refs":["ref.png"]}
JSONL
cp "$top/examples/refs/sketch.png" "$work/ref.png"
set +e
GEMFLOW_API_KEY=valgrind-key "${vg[@]}" "$dir/gemflow" batch --base-url "$url" \
  --ca-file "$ca" -j 2 --save-thoughts -o "$work/out" "$work/p.jsonl" >/dev/null 2>"$work/err"
rc=$?
set -e
# 1: item c fails on purpose; 9 is valgrind's verdict
[ "$rc" -eq 1 ] || { cat "$work/err"; echo "valgrind gemflow batch: exit $rc"; exit 1; }
echo "valgrind: no leaks, no errors"
