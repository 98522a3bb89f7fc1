#!/usr/bin/env bash
# Failed generations: exit 1, one clear line on stderr, no file; --json
# error objects; SIGINT cancels (exit 130, no partial file).
set -euo pipefail
. "$(dirname "$0")/lib.bash" "$@"

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
GEMFLOW_API_KEY=$REJECTED gen -v -o r.png "$P"
check "403: exit 1" rc_is 1
check "403: HTTP 403 PERMISSION_DENIED on stderr" grep -q '^gemflow: HTTP 403 PERMISSION_DENIED: .' "$WORK/err"
check "403: the key is not printed" bash -c '! grep -qF -- "$1" "$2" "$3"' _ "$REJECTED" "$WORK/out" "$WORK/err"
check "403: no file" no_files
GEMFLOW_API_KEY=$REJECTED gen --json -o r.png "$P"
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
