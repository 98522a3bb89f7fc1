#!/usr/bin/env bash
# gemflow generate's retry policy: a transient fault retried and ok (one
# more request), --max-attempts 1 turns it off, the server's delay past
# --retry-max-delay fails at once, --json tells the attempts, bad values
# are usage errors.
set -euo pipefail
. "$(dirname "$0")/lib.bash" "$@"

start_sim
mkdir "$WORK/w" && cd "$WORK/w"
render() { "$SIM" --render --prompt "$1" --out "$WORK/ref.png"; sha "$WORK/ref.png"; }

P="a paper boat [[fault:503]] [[times:1]] [[retry-delay:100]]"
before=$(log_lines)
gen --json -o boat.png "$P"
check "retried: exit 0" rc_is 0
check "retried: two requests" test "$(settled_lines $((before + 2)))" -eq $((before + 2))
check "retried: byte-exact" test "$(sha boat.png)" = "$(render "$P")"
check "retried: --json attempts 2, the 503 in retries" python3 -c 'import json,sys
o=json.load(open(sys.argv[1]))
r=o["retries"]
sys.exit(0 if o["attempts"]==2 and len(r)==1 and r[0]["http_status"]==503 and r[0]["code"]=="http_status" and r[0]["delay_s"]>=0.1 else 1)' "$WORK/out"

P="a paper plane [[fault:503]] [[retry-delay:10]]"
before=$(log_lines)
gen --max-attempts 1 -o plane.png "$P"
check "--max-attempts 1: exit 1" rc_is 1
check "--max-attempts 1: one request" test "$(settled_lines $((before + 1)))" -eq $((before + 1))
check "--max-attempts 1: says HTTP 503" err_has "HTTP 503 UNAVAILABLE"
check "--max-attempts 1: no file" test ! -e plane.png

before=$(log_lines)
gen --max-attempts 3 -o plane.png "$P"
check "--max-attempts 3: exit 1" rc_is 1
check "--max-attempts 3: three requests" test "$(settled_lines $((before + 3)))" -eq $((before + 3))
check "--max-attempts 3: says after 3 attempts" err_has "after 3 attempts"

P="a paper crane [[fault:429]] [[retry-delay:30000]]"
before=$(log_lines)
gen --retry-max-delay 2 -o crane.png "$P"
check "past the cap: exit 1" rc_is 1
check "past the cap: one request" test "$(settled_lines $((before + 1)))" -eq $((before + 1))
check "past the cap: says so" err_has "more than the 2.0 s cap"

for bad in 0 101 x; do
  gen --max-attempts "$bad" "p"
  check "--max-attempts $bad: exit 2" rc_is 2
done
gen --retry-max-delay -1 "p"
check "--retry-max-delay -1: exit 2" rc_is 2
check "key never printed" no_key_printed
finish
