#!/usr/bin/env bash
# Reference images: png and jpeg accepted and sent (editing), 14 at most,
# anything else refused before a request.
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

start_sim
mkdir "$WORK/w" && cd "$WORK/w"
P="make it look like a watercolour"
# A 1x1 PNG and an 8x8 grey baseline JPEG, written byte by byte.
python3 - "$WORK/ref.png" "$WORK/ref.jpg" <<'PY'
import struct, sys, zlib
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(b"\x00\x20\x80\xff")) + chunk(b"IEND", b""))
open(sys.argv[1], "wb").write(png)
def seg(marker, body):
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body
one_code = bytes([1] + [0] * 15) + b"\x00"   # one 1-bit code, symbol 0
jpg = (b"\xff\xd8"
       + seg(0xDB, b"\x00" + b"\x01" * 64)                      # quant table 0
       + seg(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00")      # 8x8, 1 component
       + seg(0xC4, b"\x00" + one_code)                           # DC table 0
       + seg(0xC4, b"\x10" + one_code)                           # AC table 0
       + seg(0xDA, b"\x01\x01\x00\x00\x3f\x00")                  # scan
       + b"\x3f"                                                 # DC diff 0, EOB
       + b"\xff\xd9")
open(sys.argv[2], "wb").write(jpg)
PY
"$SIM" --render --prompt "$P" --aspect 1:1 --size 1K --out "$WORK/expected.png"

gen -a 1:1 -s 1K -r "$WORK/ref.png" -r "$WORK/ref.jpg" -o edit.png "$P"
check "png + jpeg refs: exit 0" rc_is 0
check "png + jpeg refs: the image" test "$(sha edit.png 2>/dev/null)" = "$(sha "$WORK/expected.png")"
# The server logs a request when its response has ended: wait for line N.
wait_log() { for _ in $(seq 100); do (($(log_lines) >= $1)) && return 0; sleep 0.05; done; return 1; }
last_refs() { tail -n 1 "$WORK/sim.log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["refs"])'; }
check "png + jpeg refs: request logged" wait_log 1
check "png + jpeg refs: both sent" test "$(last_refs)" = 2

refs=()
for _ in $(seq 7); do refs+=(-r "$WORK/ref.png" -r "$WORK/ref.jpg"); done
gen -a 1:1 -s 1K "${refs[@]}" -o fourteen.png "$P"
check "14 refs: exit 0" rc_is 0
check "14 refs: request logged" wait_log 2
check "14 refs: all sent" test "$(last_refs)" = 14

sleep 0.2
before=$(log_lines)
printf 'not an image\n' >"$WORK/notes.txt"
gen -a 1:1 -s 1K -r "$WORK/ref.png" -r "$WORK/notes.txt" -o txt.png "$P"
check ".txt ref: exit 2" rc_is 2
check ".txt ref: names the file" err_has "reference $WORK/notes.txt: not a png, jpeg, webp, heic or heif image"
check ".txt ref: no request" test "$(log_lines)" = "$before"
check ".txt ref: no file" test ! -e txt.png

# An empty file is no image.
: >"$WORK/empty.png"
gen -r "$WORK/empty.png" -o e.png "$P"
check "empty ref: exit 2" rc_is 2
check "empty ref: no request" test "$(log_lines)" = "$before"
finish
