#!/usr/bin/env bash
# --compressed: generate and batch ask for gzip (Accept-Encoding: gzip), the
# simulator (--gzip=auto, its default) compresses only then, as its log
# says, and the images are byte for byte what `gemflow-sim --render` makes;
# a gzip answer nobody asked for (--gzip=always) is read all the same; an
# error answer in gzip gives the same message as in plain; both commands
# list the option in --help.
set -euo pipefail
. "$(dirname "$0")/lib.bash" "$@"

mkdir "$WORK/w" && cd "$WORK/w"
# last_gzip: the "gzip" field of the simulator's last log line
last_gzip() {
  settled_lines "$1" >/dev/null
  tail -n1 "$WORK/sim.log" | sed -n 's/.*"gzip":\(true\|false\).*/\1/p'
}
gzip_count() { grep -c '"gzip":true' "$WORK/sim.log" || true; }

for cmd in generate batch; do
  set +e
  "$GEMFLOW" "$cmd" --help >"$WORK/out" 2>"$WORK/err"
  set -e
  check "$cmd --help lists --compressed" grep -q -- '--compressed' "$WORK/out"
done

start_sim
P="a lighthouse in fog"
"$SIM" --render --prompt "$P" --aspect 16:9 --size 1K --out "$WORK/ref.png"
"$SIM" --render --prompt "a red kite" --aspect 1:1 --size 1K --out "$WORK/kite.png"

# ---- generate, with and without --compressed --------------------------------
n=$(log_lines)
"$SIM" --render --prompt "$P [[think:100]]" --aspect 16:9 --size 1K --out "$WORK/think.png"
gen --compressed --json -a 16:9 -s 1K -o gz.png "$P [[think:100]]"
check "generate --compressed: exit 0" rc_is 0
check "generate --compressed: byte-exact image" test "$(sha gz.png)" = "$(sha "$WORK/think.png")"
check "generate --compressed: --json sha256" grep -q "\"sha256\":\"$(sha "$WORK/think.png")\"" "$WORK/out"
check "generate --compressed: the simulator gzipped" test "$(last_gzip $((n + 1)))" = true

gen -a 16:9 -s 1K -o plain.png "$P"
check "generate: exit 0" rc_is 0
check "generate: byte-exact image" test "$(sha plain.png)" = "$(sha "$WORK/ref.png")"
check "generate: the simulator did not gzip" test "$(last_gzip $((n + 2)))" = false

# the SSE framings, the body delimiters and a fault a retry gets past,
# compressed; each image against the render of its own prompt (the markers
# are cut out of the picture's prompt as the server does)
# framed NAME PROMPT-SUFFIX [gen options]: generate and compare
framed() {
  local name=$1 suffix=$2; shift 2
  "$SIM" --render --prompt "$P $suffix" --aspect 16:9 --size 1K --out "$WORK/$name.ref.png"
  gen --compressed -a 16:9 -s 1K -o "$name.png" "$@" "$P $suffix"
  check "--compressed $suffix: exit 0" rc_is 0
  check "--compressed $suffix: byte-exact" test "$(sha "$name.png")" = "$(sha "$WORK/$name.ref.png")"
}
n=$(log_lines)
framed chunk1 "[[chunk:1]] [[eol:mixed]] [[multiline]] [[comments]]"
framed length "[[body:length]]"
framed close "[[body:close]]"
framed cut "[[fault:eof]] [[at:image]] [[times:1]]" --max-attempts 2 --retry-max-delay 1 -v
check "--compressed, cut inside the image: retried after a truncation" err_has "truncated"
check "five more compressed answers" test "$(settled_lines $((n + 5)) >/dev/null; gzip_count)" -eq 6

# ---- the same error, plain and compressed ----------------------------------
gen --max-attempts 1 -o e1.png "$P [[fault:503]]"
check "503 plain: exit 1" rc_is 1
cp "$WORK/err" "$WORK/err.plain"
n=$(log_lines)
gen --compressed --max-attempts 1 -o e2.png "$P [[fault:503]]"
check "503 compressed: exit 1" rc_is 1
check "503 compressed: the error body was gzip" test "$(last_gzip $((n + 1)))" = true
check "503 compressed: says UNAVAILABLE" err_has "UNAVAILABLE"
check "503: the same message plain and compressed" cmp -s "$WORK/err" "$WORK/err.plain"

# ---- batch -------------------------------------------------------------------
printf '{"id":"kite","prompt":"a red kite"}\n{"id":"fog","prompt":"%s","aspect_ratio":"16:9"}\n' "$P" >"$WORK/two.jsonl"
n=$(log_lines)
before=$(gzip_count)
set +e
timeout 120 "$GEMFLOW" batch --compressed --quiet --base-url "$URL" --ca-file "$CA" \
  -o "$WORK/ob" "$WORK/two.jsonl" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
check "batch --compressed: exit 0" rc_is 0
check "batch --compressed: kite byte-exact" test "$(sha "$WORK/ob/kite.png")" = "$(sha "$WORK/kite.png")"
check "batch --compressed: fog byte-exact" test "$(sha "$WORK/ob/fog.png")" = "$(sha "$WORK/ref.png")"
check "batch --compressed: both gzipped" test "$(settled_lines $((n + 2)) >/dev/null; gzip_count)" -eq $((before + 2))
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true; SIM_PID=

# ---- gzip nobody asked for ---------------------------------------------------
mv "$WORK/sim.log" "$WORK/sim.log.1"
start_sim --gzip=always
gen -a 16:9 -s 1K -o always.png "$P"
check "--gzip=always, no --compressed: exit 0" rc_is 0
check "--gzip=always, no --compressed: byte-exact" test "$(sha always.png)" = "$(sha "$WORK/ref.png")"
check "--gzip=always: the simulator gzipped" test "$(last_gzip 1)" = true
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true; SIM_PID=

mv "$WORK/sim.log" "$WORK/sim.log.2"
start_sim --gzip=never
gen --compressed -a 16:9 -s 1K -o never.png "$P"
check "--gzip=never with --compressed: byte-exact" test "$(sha never.png)" = "$(sha "$WORK/ref.png")"
check "--gzip=never: the simulator did not gzip" test "$(last_gzip 1)" = false
check "no key printed" no_key_printed
finish
