#!/usr/bin/env bash
# gemflow generate against gemflow-sim: byte-exact image, output naming, -o
# replacement, --json, --thoughts, model text, key file and header, -v
# without the key; what reached the wire (key place, modalities, search)
# from the simulator's request log.
set -euo pipefail
. "$(dirname "$0")/lib.bash" "$@"

start_sim
render() { # render OUT PROMPT ASPECT SIZE: what the simulator serves
  "$SIM" --render --prompt "$2" --aspect "$3" --size "$4" --out "$1"
}
# gen_logged [options]: gen, then wait (at most 5 s) for the simulator's
# log line of that request: it is written as the connection ends, which
# may be just after gemflow exits. Sets LOGGED=1 when it came.
gen_logged() {
  local n _i
  n=$(log_lines)
  gen "$@"
  LOGGED=0
  for _i in $(seq 100); do
    (($(log_lines) > n)) && { LOGGED=1; return 0; }
    sleep 0.05
  done
}
# wire FIELD JSON: the last logged request's FIELD is the JSON value (what
# reached the simulator: key_from, modalities, search, alt_sse).
wire() {
  ((LOGGED)) || { echo "no log line for the request" >&2; return 1; }
  python3 -c '
import json, sys
last = open(sys.argv[1]).read().splitlines()[-1]
got = json.loads(last).get(sys.argv[2], "(missing)")
want = json.loads(sys.argv[3])
if got != want:
    sys.exit("%s: got %r, want %r" % (sys.argv[2], got, want))' \
    "$WORK/sim.log" "$1" "$2"
}
P="a lighthouse on a cliff at dusk"
render "$WORK/ref.png" "$P" 1:1 1K
REF=$(sha "$WORK/ref.png")

# -o FILE: exit 0, the path on stdout, the exact bytes served.
mkdir "$WORK/a" && cd "$WORK/a"
gen_logged -a 1:1 -s 1K -o img.png "$P"
check "generate exits 0" rc_is 0
# The defaults on the wire: the key in the query, text and image asked
# for, no search tool, an event stream.
check "default: key_from query" wire key_from '"query"'
check "default: modalities TEXT, IMAGE" wire modalities '["TEXT","IMAGE"]'
check "default: no search" wire search false
check "default: alt=sse" wire alt_sse true
check "prints the path" out_is img.png
check "image is byte-exact" test "$(sha img.png 2>/dev/null)" = "$REF"
check "no temporary file left" test "$(ls -A)" = img.png
check "stderr is quiet without -v" test ! -s "$WORK/err"

# -o over an existing file: replaced.
printf 'old contents\n' >old.png
gen -a 1:1 -s 1K -o old.png "$P"
check "-o over a file exits 0" rc_is 0
check "-o replaces the file" test "$(sha old.png)" = "$REF"
check "-o replace leaves no temporary" test "$(ls -A | tr '\n' ' ')" = "img.png old.png "

# Default name: gemflow-YYYYmmdd-HHMMSS.png in the current directory, a
# numeric suffix rather than overwrite. The seconds around now are taken
# by placeholders, so the run's own second is one of them.
mkdir "$WORK/d" && cd "$WORK/d"
now=$(date +%s)
for i in 0 1 2 3 4; do
  name=gemflow-$(date -d "@$((now + i))" +%Y%m%d-%H%M%S).png
  printf 'placeholder %s\n' "$i" >"$name"
done
gen -a 1:1 -s 1K "$P"
check "default name exits 0" rc_is 0
out=$(cat "$WORK/out")
name=${out#./}
check "default name pattern ($out)" grep -qE '^gemflow-[0-9]{8}-[0-9]{6}-1\.png$' <<<"$name"
check "default name is in the current directory" test -f "$WORK/d/$name"
check "default-named image is byte-exact" test "$(sha "$WORK/d/$name" 2>/dev/null)" = "$REF"
for i in 0 1 2 3 4; do
  name=gemflow-$(date -d "@$((now + i))" +%Y%m%d-%H%M%S).png
  check "placeholder $i not overwritten" test "$(cat "$name")" = "placeholder $i"
done
# A second run in the same directory never reuses a name either.
gen -a 1:1 -s 1K "$P"
second=$(cat "$WORK/out")
check "second default run exits 0" rc_is 0
check "second default run picks another name" test "$second" != "$out"
check "first image kept" test "$(sha "$out")" = "$REF"
check "5 placeholders + 2 images: 7 files" test "$(ls -A | wc -l)" = 7

# -o DIR: the default name inside that directory.
mkdir "$WORK/outdir"
gen -a 1:1 -s 1K -o "$WORK/outdir" "$P"
check "-o DIR exits 0" rc_is 0
check "-o DIR names the file inside it" grep -qE "^$WORK/outdir/+gemflow-[0-9]{8}-[0-9]{6}\.png\$" "$WORK/out"

# --json: one object with the result.
cd "$WORK/a"
P2="a paper boat on a pond"
render "$WORK/ref2.png" "$P2" 16:9 1K
gen --json -a 16:9 -s 1K -o j.png "$P2"
check "--json exits 0" rc_is 0
check "--json fields" python3 - "$WORK/out" "$(sha "$WORK/ref2.png")" "$(stat -c %s "$WORK/ref2.png")" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
assert text.endswith("}\n") and text.count("\n") == 1, "one object, one line"
o = json.loads(text)
sha, size = sys.argv[2], int(sys.argv[3])
assert o["file"] == "j.png", o["file"]
assert o["mime"] == "image/png", o["mime"]
assert (o["width"], o["height"]) == (1376, 768), (o["width"], o["height"])
assert o["bytes"] == size, (o["bytes"], size)
assert o["sha256"] == sha, o["sha256"]
assert o["finish_reason"] == "STOP", o["finish_reason"]
u = o["usage"]
assert set(u) == {"prompt", "candidates", "thoughts", "total"}, u
assert all(isinstance(v, int) for v in u.values()), u
assert u["candidates"] == 1120 and u["total"] > u["candidates"], u
t = o["timings"]
for k in ("connected", "first_byte", "first_thought", "image_start", "done"):
    assert isinstance(t[k], (int, float)) and t[k] >= 0, (k, t)
assert t["connected"] <= t["first_byte"] <= t["image_start"] <= t["done"], t
assert o["attempts"] == 1, o["attempts"]
assert o["error"] is None, o["error"]
PY
check "--json file matches" test "$(sha j.png)" = "$(sha "$WORK/ref2.png")"

# Strings are escaped: a file name with quotes, a backslash, a tab, a
# newline, a control character and non-ASCII letters comes back exactly.
odd=$'we"ird\\ na\tme\n\x01 é✓.png'
gen --json -a 1:1 -s 1K -o "$odd" "$P"
check "--json odd file name: exit 0" rc_is 0
check "--json odd file name: exact in the object" python3 -c '
import json, sys
o = json.loads(open(sys.argv[1], encoding="utf-8").read())
assert o["file"] == sys.argv[2], (o["file"], sys.argv[2])' "$WORK/out" "$odd"
check "--json odd file name: the file" test "$(sha "$odd" 2>/dev/null)" = "$REF"
check "--json odd file name: one line of output" test "$(wc -l <"$WORK/out")" = 1

# --thoughts: the thinking text on stderr, as the server sent it; not
# without the option.
gen -o t1.png "$P"
cp "$WORK/err" "$WORK/err.plain"
gen --thoughts -o t2.png "$P"
check "--thoughts exits 0" rc_is 0
check "without --thoughts no thinking on stderr" test ! -s "$WORK/err.plain"
check "--thoughts writes thinking to stderr" test -s "$WORK/err"
check "--thoughts: the first thought" err_has "**Planning the composition**"
# shellcheck disable=SC1111 # the curly quotes are the text expected
check "--thoughts: the prompt quoted, curly quotes intact" err_has "“$P”"
check "--thoughts: CJK intact" err_has "细节 and テクスチャ look right. Rendering now ✓"
check "--thoughts: accents intact" err_has "café-au-lait midtones, naïve shapes."
check "--thoughts: in order, a blank line between parts" python3 -c '
import sys
t = open(sys.argv[1], encoding="utf-8").read()
i = [t.index("\n\n" + h) for h in ("**Choosing", "**Refining")]
assert t.startswith("**Planning") and i == sorted(i), t' "$WORK/err"
check "--thoughts leaves stdout alone" out_is t2.png

# Small HTTP chunks split the thoughts' characters: stderr still has them
# whole.
# (The simulator draws from the prompt without its markers, as --render
# does: the expected image is rendered from the same prompt.)
render "$WORK/ref3.png" "$P [[chunk:7]]" 1:1 1K
gen --thoughts -a 1:1 -s 1K -o t3.png "$P [[chunk:7]]"
check "--thoughts, 7-byte chunks: exits 0" rc_is 0
check "--thoughts, 7-byte chunks: UTF-8 intact" err_has "细节 and テクスチャ look right. Rendering now ✓"
check "--thoughts, 7-byte chunks: image byte-exact" test "$(sha t3.png 2>/dev/null)" = "$(sha "$WORK/ref3.png")"

# An interim thought image is a draft: the file is the final image.
render "$WORK/ref4.png" "$P [[fault:thought-image]]" 1:1 1K
gen -a 1:1 -s 1K -o draft.png "$P [[fault:thought-image]]"
check "thought image: exits 0" rc_is 0
check "thought image: the final image is kept" test "$(sha draft.png 2>/dev/null)" = "$(sha "$WORK/ref4.png")"
# Only a thought-flagged image: it is the result, and -v says so.
gen -v --json -o only.png "$P [[fault:thought-only]]"
check "thought-only: exits 0" rc_is 0
check "thought-only: -v names the fallback" err_has "flagged as a thought, is the result"
check "thought-only: --json says it fell back" python3 -c '
import json, sys; o = json.load(open(sys.argv[1]))
assert o["fell_back_to_thought_image"] is True and o["error"] is None, o' "$WORK/out"

# Non-thought text parts: "model: ..." on stderr; in the JSON with --json.
gen -o m.png "$P [[fault:text]]"
check "text part: exits 0" rc_is 0
check "text part printed as model:" grep -q '^model: .' "$WORK/err"
gen --json -o m2.png "$P [[fault:text]]"
check "text part with --json: not on stderr" test "$(grep -c '^model: ' "$WORK/err")" = 0
check "text part with --json: in the object" python3 -c '
import json, sys; o = json.load(open(sys.argv[1])); assert o["text"], o' "$WORK/out"

# The key from a file (first line, trimmed), sent in a header.
printf '  %s  \nsecond line\n' "$KEY" >"$WORK/keyfile"
unset GEMFLOW_API_KEY
gen_logged --api-key-file "$WORK/keyfile" --key-in header -o k.png "$P"
export GEMFLOW_API_KEY=$KEY
check "--api-key-file + --key-in header exits 0" rc_is 0
check "--api-key-file image is byte-exact" test "$(sha k.png 2>/dev/null)" = "$REF"
check "--key-in header: key_from header" wire key_from '"header"'

# --image-only and --search reach the wire (the simulator logs what came).
gen_logged --image-only -a 1:1 -s 1K -o io.png "$P"
check "--image-only: exit 0" rc_is 0
check "--image-only: the image" test "$(sha io.png 2>/dev/null)" = "$REF"
check "--image-only: modalities IMAGE" wire modalities '["IMAGE"]'
check "--image-only: no search" wire search false
gen_logged --search -a 1:1 -s 1K -o se.png "$P"
check "--search: exit 0" rc_is 0
check "--search: the image" test "$(sha se.png 2>/dev/null)" = "$REF"
check "--search: search" wire search true
check "--search: modalities TEXT, IMAGE" wire modalities '["TEXT","IMAGE"]'
gen_logged --image-only --search -a 1:1 -s 1K -o is.png "$P"
check "--image-only --search: exit 0" rc_is 0
check "--image-only --search: the image" test "$(sha is.png 2>/dev/null)" = "$REF"
check "--image-only --search: modalities IMAGE" wire modalities '["IMAGE"]'
check "--image-only --search: search" wire search true

# The service from $GEMINI_BASE_URL when --base-url is not given.
set +e
GEMINI_BASE_URL=$URL timeout 120 "$GEMFLOW" generate --ca-file "$CA" -a 1:1 -s 1K \
  -o env.png "$P" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
check "GEMINI_BASE_URL: exit 0" rc_is 0
check "GEMINI_BASE_URL: the image" test "$(sha env.png 2>/dev/null)" = "$REF"

# -v: request line, status, headers, timings; never the key, in either
# place it can go.
for where in query header; do
  gen_logged -v --key-in "$where" -o v-$where.png "$P"
  check "-v ($where) exits 0" rc_is 0
  check "-v ($where): key_from $where" wire key_from "\"$where\""
  check "-v ($where) shows the request line" grep -q 'POST .*streamGenerateContent' "$WORK/err"
  check "-v ($where) shows the status" grep -q '200' "$WORK/err"
  check "-v ($where) shows the timings" err_has "timings (ms): connected"
  check "-v ($where) never prints the key" no_key_printed
done
# A short key is still redacted where the request line carries it.
GEMFLOW_API_KEY=k7 gen -v -o short.png "$P"
check "-v with a short key exits 0" rc_is 0
check "-v with a short key redacts key=" grep -q 'key=REDACTED' "$WORK/err"
check "-v with a short key never prints key=k7" bash -c "! grep -q 'key=k7' '$WORK/err'"
check "the log saw requests" test "$(log_lines)" -gt 0
finish
