#!/usr/bin/env bash
# Usage errors: exit 2, a clear message, and no request reaches the server.
# Also --help, --version and --passthrough.
set -euo pipefail
. "$(dirname "$0")/lib.bash" "$@"

start_sim
mkdir "$WORK/w" && cd "$WORK/w"
P="a cat in a hat"
printf 'hello\n' >"$WORK/notes.txt"
python3 - "$WORK/tiny.png" <<'PY'
import struct, sys, zlib
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))
open(sys.argv[1], "wb").write(png)
PY

# usage_error NAME EXPECTED-STDERR-TEXT [gen options...]
usage_error() {
  local name=$1 text=$2
  shift 2
  gen "$@"
  check "$name: exit 2" rc_is 2
  check "$name: says '$text'" err_has "$text"
  check "$name: nothing on stdout" test ! -s "$WORK/out"
  check "$name: no file written" test -z "$(ls -A)"
  check "$name: key not printed" no_key_printed
}

usage_error "bad ratio" "invalid aspect ratio '7:3'" -a 7:3 "$P"
check "bad ratio lists the valid ones" err_has "valid: 1:1 2:3 3:2 3:4 4:3 4:5 5:4 9:16 16:9 21:9"
usage_error "bad size" "invalid size '3K'" -s 3K "$P"
check "bad size lists the valid ones" err_has "valid: 1K 2K 4K"
usage_error "lower-case size" "invalid size '1k'" -s 1k "$P"
usage_error "missing prompt" "missing prompt"
usage_error "empty prompt" "missing prompt" ""
usage_error "two prompts" "unexpected argument 'two'" one two
usage_error "unknown option" "unknown option '--bogus'" --bogus "$P"
usage_error "unknown short option" "unknown option '-Z'" -Z "$P"
usage_error "option without its argument" "option '--size' needs an argument" "$P" --size
usage_error "prompt not UTF-8" "the prompt is not valid UTF-8" $'caf\xe9'
usage_error "bad model name" "invalid model name" --model $'a\tb' "$P"
usage_error "bad --key-in" "--key-in takes 'query' or 'header'" --key-in cookie "$P"
usage_error "unreadable reference" "cannot read reference $WORK/nope.png" -r "$WORK/nope.png" "$P"
usage_error "directory as reference" "is a directory" -r "$WORK" "$P"
usage_error "text file as reference" "not a png, jpeg, webp, heic or heif image" -r "$WORK/notes.txt" "$P"
refs=()
for _ in $(seq 15); do refs+=(-r "$WORK/tiny.png"); done
usage_error "15 references" "too many reference images: 15 (at most 14)" "${refs[@]}" "$P"
usage_error "missing output directory" "output directory $WORK/none" -o "$WORK/none/x.png" "$P"
usage_error "unreadable CA file" "cannot read the CA file" --ca-file "$WORK/none.pem" "$P"
usage_error "bad base URL" "invalid base URL" --base-url "ftp://example.com" "$P"

# The key: never from argv, and required.
usage_error "key in argv" "not taken from the command line" --api-key="$KEY" "$P"
usage_error "key in argv (ambiguous prefix)" "unknown option '--api'" --api="$KEY" "$P"
unset GEMFLOW_API_KEY
usage_error "no key" "no API key: set GEMFLOW_API_KEY or GEMINI_API_KEY or use --api-key-file FILE" "$P"
GEMFLOW_API_KEY='' usage_error "empty key" "no API key" "$P"
: >"$WORK/empty-key"
usage_error "empty key file" "no API key in $WORK/empty-key" --api-key-file "$WORK/empty-key" "$P"
usage_error "missing key file" "cannot read the key file $WORK/no-key" --api-key-file "$WORK/no-key" "$P"
printf 'two words\n' >"$WORK/bad-key"
usage_error "key with a blank" "has a character a key cannot hold" --api-key-file "$WORK/bad-key" "$P"
export GEMFLOW_API_KEY=$KEY

check "no request reached the server" test "$(log_lines)" = 0

# --help and --version: exit 0 on stdout, no request.
set +e
"$GEMFLOW" generate --help >"$WORK/out" 2>"$WORK/err"; RC=$?
set -e
check "--help exits 0" rc_is 0
check "--help shows the usage" grep -q '^usage: gemflow generate \[options\] PROMPT' "$WORK/out"
check "--help lists every option" python3 - "$WORK/out" <<'PY'
import sys
text = open(sys.argv[1]).read()
for opt in ("--out", "--aspect", "--size", "--ref", "--image-only", "--search",
            "--thoughts", "--json", "--verbose", "--base-url", "--model",
            "--ca-file", "--key-in", "--api-key-file", "--passthrough",
            "--help", "--version"):
    assert opt in text, opt
PY
set +e
"$GEMFLOW" --version >"$WORK/out" 2>"$WORK/err"; RC=$?
set -e
check "--version exits 0" rc_is 0
check "--version prints the version" grep -qE '^gemflow [0-9]+\.[0-9]+\.[0-9]+' "$WORK/out"
set +e
"$GEMFLOW" >"$WORK/out" 2>"$WORK/err"; RC=$?
set -e
check "no command: exit 2" rc_is 2
set +e
"$GEMFLOW" frobnicate >"$WORK/out" 2>"$WORK/err"; RC=$?
set -e
check "unknown command: exit 2" rc_is 2
check "unknown command named" err_has "unknown command 'frobnicate'"
check "still no request" test "$(log_lines)" = 0

# --passthrough sends a ratio the table does not know; the server judges.
# (The server logs a request when its response has ended: wait for line N.)
wait_log() { for _ in $(seq 100); do (($(log_lines) >= $1)) && return 0; sleep 0.05; done; return 1; }
gen --passthrough -a 1:8 -o p.png "$P"
check "--passthrough: the request was sent" wait_log 1
check "--passthrough: the server's verdict, exit 1" rc_is 1
check "--passthrough: the server's 400 on stderr" grep -q '^gemflow: HTTP 400 INVALID_ARGUMENT: .*1:8' "$WORK/err"
# The server's message quotes the ratio: --json escapes the quotes.
gen --json --passthrough -a 1:8 -o p.png "$P"
check "--passthrough --json: the request was sent" wait_log 2
check "--passthrough --json: the message, quotes and all" python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert e["http_status"] == 400 and e["status"] == "INVALID_ARGUMENT", e
assert "\"1:8\"" in e["message"], e' "$WORK/out"
# And a valid request is logged: the log above was not empty by accident.
gen -a 1:1 -s 1K -o ok.png "$P"
check "valid request exits 0" rc_is 0
check "valid request is logged" wait_log 3
check "valid request is the last line, a 200" python3 -c '
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert last["status"] == 200 and last["aspect"] == "1:1", last' "$WORK/sim.log"
# Every line is one of these three: no usage error above reached the server
# late (the server writes a line when the connection ends).
check "only the three requests above reached the server" test "$(log_lines)" = 3
finish
