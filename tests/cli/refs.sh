#!/usr/bin/env bash
# Reference images: png and jpeg accepted and sent (editing), 14 at most,
# anything else refused before a request.
set -euo pipefail
. "$(dirname "$0")/lib.bash" "$@"

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
