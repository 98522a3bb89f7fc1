#!/usr/bin/env bash
# Failed generations: exit 1, one clear line on stderr, no file; --json
# error objects; SIGINT cancels (exit 130, no partial file).
set -euo pipefail
GEMFLOW=$(readlink -f -- "${1:?usage: $0 /path/to/gemflow /path/to/gemflow-sim}")
SIM=$(readlink -f -- "${2:?usage: $0 /path/to/gemflow /path/to/gemflow-sim}")
[[ -x $GEMFLOW && -x $SIM ]] || { echo "FAIL: not executable: $1 $2" >&2; exit 1; }
WORK=$(mktemp -d)
SIM_PID=
cleanup() {
  if [[ -n $SIM_PID ]]; then kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
# The key only ever travels through the environment (and a file below).
KEY="cli-test-key-$$-$RANDOM-9f3c1a"
export GEMINI_API_KEY=$KEY
unset GEMINI_BASE_URL
FAILS=0
fail() {
  echo "FAIL: $*" >&2
  echo "--- stdout:" >&2; cat "$WORK/out" >&2 2>/dev/null || true
  echo "--- stderr:" >&2; cat "$WORK/err" >&2 2>/dev/null || true
  FAILS=$((FAILS + 1))
}
pass() { echo "ok: $*"; }
# start_sim [sim options]: runs gemflow-sim on a free port; sets URL and CA.
# shellcheck disable=SC2120 # options only in some tests
start_sim() {
  timeout 300 "$SIM" --port 0 --log "$WORK/sim.log" "$@" >"$WORK/sim.out" 2>"$WORK/sim.err" &
  SIM_PID=$!
  local line='' _i
  for _i in $(seq 200); do
    line=$(grep -m1 '^gemflow-sim ready ' "$WORK/sim.out" || true)
    [[ -n $line ]] && break
    kill -0 "$SIM_PID" 2>/dev/null || break
    sleep 0.05
  done
  [[ -n $line ]] || { cat "$WORK/sim.err" >&2; echo "FAIL: gemflow-sim did not get ready" >&2; exit 1; }
  URL=$(sed -n 's/.* url=\([^ ]*\).*/\1/p' <<<"$line")
  CA=$(sed -n 's/.* ca=\([^ ]*\).*/\1/p' <<<"$line")
  [[ -n $URL && -f $CA ]] || { echo "FAIL: bad ready line: $line" >&2; exit 1; }
}
# gen [options]: gemflow generate against the simulator; sets RC, output in
# $WORK/out and $WORK/err.
gen() {
  set +e
  timeout 120 "$GEMFLOW" generate --base-url "$URL" --ca-file "$CA" "$@" \
    >"$WORK/out" 2>"$WORK/err"
  RC=$?
  set -e
}
# check DESCRIPTION COMMAND...: counts a failure when COMMAND fails.
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
rc_is() { [[ $RC == "$1" ]]; }
out_is() { [[ $(cat "$WORK/out") == "$1" ]]; }
err_has() { grep -qF -- "$1" "$WORK/err"; }
no_key_printed() { ! grep -qF -- "$KEY" "$WORK/out" "$WORK/err"; }
log_lines() { if [[ -f $WORK/sim.log ]]; then wc -l <"$WORK/sim.log"; else echo 0; fi; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }
finish() {
  if ((FAILS)); then echo "$FAILS check(s) failed" >&2; exit 1; fi
  echo "all passed"
}

REJECTED="rejected-key-$$-$RANDOM"
start_sim --reject-key "$REJECTED"
mkdir "$WORK/w" && cd "$WORK/w"
P="a windmill in a field"
no_files() { test -z "$(ls -A)"; }

# Safety stop: finish reason IMAGE_SAFETY.
gen -o s.png "$P [[fault:safety]]"
check "safety: exit 1" rc_is 1
check "safety: names IMAGE_SAFETY" err_has "gemflow: generation failed: finish reason IMAGE_SAFETY"
check "safety: one line" test "$(wc -l <"$WORK/err")" = 1
check "safety: nothing on stdout" test ! -s "$WORK/out"
check "safety: no file" no_files

gen --json -o s.png "$P [[fault:safety]]"
check "safety --json: exit 1" rc_is 1
check "safety --json: error object" python3 - "$WORK/out" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["file"] is None and o["sha256"] is None and o["bytes"] is None, o
assert o["finish_reason"] == "IMAGE_SAFETY", o["finish_reason"]
e = o["error"]
assert e["code"] == "finish_reason", e
assert isinstance(e["message"], str) and e["message"], e
assert set(e) >= {"code", "message", "http_status", "status"}, e
PY
check "safety --json: no file" no_files

# A blocked prompt: promptFeedback.blockReason, no candidates.
gen -o b.png "$P [[fault:block]]"
check "block: exit 1" rc_is 1
check "block: says the prompt was blocked, and why" grep -qE '^gemflow: generation failed: prompt blocked.*SAFETY' "$WORK/err"
check "block: no file" no_files

# A rejected key: 403 PERMISSION_DENIED with the server's message; the key
# is printed nowhere, also with -v.
GEMINI_API_KEY=$REJECTED gen -v -o r.png "$P"
check "403: exit 1" rc_is 1
check "403: HTTP 403 PERMISSION_DENIED on stderr" grep -q '^gemflow: HTTP 403 PERMISSION_DENIED: .' "$WORK/err"
check "403: the key is not printed" bash -c '! grep -qF -- "$1" "$2" "$3"' _ "$REJECTED" "$WORK/out" "$WORK/err"
check "403: no file" no_files
GEMINI_API_KEY=$REJECTED gen --json -o r.png "$P"
check "403 --json: error fields" python3 - "$WORK/out" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
e = o["error"]
assert e["code"] == "http_status", e
assert e["http_status"] == 403 and e["status"] == "PERMISSION_DENIED", e
assert o["file"] is None, o
PY

# The stream ends before the response does: truncated, never a success.
gen -o t.png "$P [[fault:truncate]]"
check "truncated: exit 1" rc_is 1
check "truncated: says why" grep -qE '^gemflow: (truncated|reset|no_finish|generation failed)' "$WORK/err"
check "truncated: no file" no_files

# SIGINT while the model thinks: canceled, exit 130, no partial file.
set +e
"$GEMFLOW" generate --base-url "$URL" --ca-file "$CA" --thoughts -o i.png \
  "$P [[think:20000]]" >"$WORK/out" 2>"$WORK/err" &
pid=$!
# The first thought on stderr: the stream is under way, the image not yet.
for _ in $(seq 200); do
  grep -qF "**Planning" "$WORK/err" && break
  sleep 0.05
done
check "SIGINT: the stream was under way" err_has "**Planning"
kill -INT "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$pid" 2>/dev/null && echo "gemflow did not stop on SIGINT" >&2
wait "$pid"
RC=$?
set -e
check "SIGINT: exit 130" rc_is 130
check "SIGINT: says it was interrupted" err_has "interrupted"
check "SIGINT: no file, no temporary" no_files
finish
