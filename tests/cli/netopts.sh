#!/usr/bin/env bash
# The options generate and batch share: the key never goes over plain http
# off loopback (exit 2, nothing resolved or sent), the timeouts (bad values
# are usage errors; --timeout and --idle-timeout end an attempt).
set -euo pipefail
. "$(dirname "$0")/lib.bash" "$@"

start_sim
mkdir "$WORK/w" && cd "$WORK/w"
printf '{"id":"a","prompt":"p"}\n' >"$WORK/one.jsonl"

# run CMD ARGS...: gemflow CMD without the simulator's URL; sets RC.
run() {
  set +e
  timeout 60 "$GEMFLOW" "$@" >"$WORK/out" 2>"$WORK/err"
  RC=$?
  set -e
}
for url in http://api.example.com http://10.0.0.1:8080/v1 http://localhost.example.com; do
  run generate --base-url "$url" "a cat"
  check "generate $url: exit 2" rc_is 2
  check "generate $url: says why" err_has "refusing to send the API key over plain http"
  run batch --base-url "$url" -o "$WORK/o" "$WORK/one.jsonl"
  check "batch $url: exit 2" rc_is 2
  check "batch $url: says why" err_has "refusing to send the API key over plain http"
done
GEMINI_BASE_URL=http://api.example.com run generate "a cat"
check "GEMINI_BASE_URL plain http: exit 2" rc_is 2
check "no key printed" no_key_printed

for opt in --connect-timeout --idle-timeout --timeout; do
  for bad in 0 -1 x ""; do
    gen "$opt" "$bad" "p"
    check "$opt '$bad': exit 2" rc_is 2
  done
done

before=$(log_lines)
gen --max-attempts 1 --timeout 1 -o slow.png "a slow one [[think:400]] [[thoughts:6]]"
check "--timeout 1: exit 1" rc_is 1
check "--timeout 1: says so" err_has "the attempt took longer than the 1 s timeout"
check "--timeout 1: no file" test ! -e slow.png
gen --max-attempts 2 --idle-timeout 0.3 -o idle.png "a silent one [[think:1000]] [[thoughts:2]]"
check "--idle-timeout: exit 1" rc_is 1
check "--idle-timeout: says so" err_has "idle timeout"
check "--idle-timeout: retried once" err_has "after 2 attempts"
check "timeouts: three requests" test "$(settled_lines $((before + 3)))" -eq $((before + 3))
finish
