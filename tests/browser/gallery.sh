#!/usr/bin/env bash
# gemflow-gallery in a real browser: gallery.sh <gemflow> <gemflow-sim>
# <source dir> <build dir>. Starts the gallery (its simulator in process) on
# a free loopback port, drives two pages in headless Chromium (gallery.mjs:
# two generations at once, thinking live before the image, images equal to
# what gemflow-sim --render draws, a refine turn, blocked prompts, Cancel, a
# reference image, a reload mid-stream), then checks from outside: the follow-up request carried the
# model's turn and its signature (the simulator's request log), the
# server's refusals (Origin, Host, upload size), and a clean exit on
# SIGTERM. Exit 77 (skipped) only when Node is too old for playwright-core;
# without Chromium, or when it cannot start, the test fails.
set -euo pipefail
SIM=$(readlink -f -- "${2:?usage: $0 gemflow gemflow-sim source-dir build-dir}")
SRC=$(readlink -f -- "${3:?usage: $0 gemflow gemflow-sim source-dir build-dir}")
BUILD=$(readlink -f -- "${4:?usage: $0 gemflow gemflow-sim source-dir build-dir}")
HERE=$SRC/tests/browser
GALLERY=$BUILD/examples/gallery/gemflow-gallery

die() { echo "FAIL: $*" >&2; exit 1; }
major=$(node --version 2>/dev/null | sed -n 's/^v\([0-9]*\)\..*/\1/p')
if [[ -z $major || $major -lt 20 ]]; then
  echo "SKIP: playwright-core needs Node 20 or later (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 77
fi
[[ -x $GALLERY ]] || die "$GALLERY is not built"
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[[ -x $CHROMIUM ]] || die "no $CHROMIUM (Debian: apt-get install chromium)"
if [[ ! -d $HERE/node_modules/playwright-core ]]; then
  timeout 300 npm ci --prefix "$HERE" --no-audit --no-fund >&2 ||
    die "npm ci --prefix $HERE failed"
fi

WORK=$(mktemp -d)
GPID=
cleanup() {
  if [[ -n $GPID ]]; then kill "$GPID" 2>/dev/null || true; wait "$GPID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
FAILS=0
# is DESCRIPTION GOT WANT
is() {
  if [[ $2 == "$3" ]]; then echo "ok: $1"; else
    echo "FAIL: $1: got '$2', want '$3'" >&2; FAILS=$((FAILS + 1)); fi
}

# ---- the gallery ----
: >"$WORK/out" # before the gallery starts: the loop below reads it
timeout 300 "$GALLERY" --listen 127.0.0.1:0 --sim-log "$WORK/sim.log" \
  >"$WORK/out" 2>"$WORK/err" &
GPID=$!
URL=
for _ in $(seq 200); do
  URL=$(sed -n 's/^gemflow-gallery ready url=\([^ ]*\).*/\1/p' "$WORK/out")
  [[ -n $URL ]] && break
  kill -0 "$GPID" 2>/dev/null || break
  sleep 0.05
done
[[ -n $URL ]] || { cat "$WORK/err" >&2; die "the gallery did not get ready"; }
ORIGIN=${URL%/}

# ---- what the simulator draws for each prompt ----
expect() { # NAME PROMPT ASPECT SIZE WIDTH HEIGHT: one entry of $EXPECT
  "$SIM" --render --prompt "$2" --aspect "$3" --size "$4" --out "$WORK/$1.png" ||
    die "gemflow-sim --render failed"
  python3 -c 'import json,sys; print(json.dumps({sys.argv[1]: dict(prompt=sys.argv[2],
    aspect=sys.argv[3], size=sys.argv[4], sha256=sys.argv[5], width=int(sys.argv[6]),
    height=int(sys.argv[7]))}))' "$1" "$2" "$3" "$4" \
    "$(sha256sum <"$WORK/$1.png" | cut -d' ' -f1)" "$5" "$6"
}
# [[think:MS]] paces the thoughts, so that thinking and image are apart in
# time; the simulator draws from the prompt without its markers.
EXPECT=$(python3 -c 'import json,sys; d={}
for s in sys.argv[1:]: d.update(json.loads(s))
print(json.dumps(d))' \
  "$(expect first 'a lighthouse on a cliff at dawn [[think:1000]]' 16:9 1K 1376 768)" \
  "$(expect second 'a bowl of ramen seen from above [[think:1000]]' 3:4 1K 896 1200)" \
  "$(expect refine 'now make it a stormy night' 16:9 1K 1376 768)" \
  "$(expect after 'a quiet harbour after the reload' 1:1 1K 1024 1024)" \
  "$(expect retry 'a retried one [[fault:503]][[times:1]][[retry-delay:300]]' 1:1 1K 1024 1024)" \
  '{"blocked": {"prompt": "[[fault:block]] something the filter stops"},
    "unsafe": {"prompt": "[[fault:safety]] an image the filter withholds"},
    "slow": {"prompt": "a slow one, reloaded mid-stream [[think:1500]]"},
    "cancel": {"prompt": "one to cancel [[think:2000]]"}}')

# ---- the browser ----
export GALLERY_URL=$URL EXPECT SHOT=$BUILD/gallery-mid.png
export REF_IMAGE=$SRC/examples/refs/palette.png
start=$(date +%s)
if ! timeout 240 node "$HERE/gallery.mjs"; then
  echo "--- gallery stderr:" >&2; cat "$WORK/err" >&2
  die "the browser checks failed (above)"
fi
echo "browser part: $(($(date +%s) - start)) s"

# ---- from outside ----
kill -0 "$GPID" 2>/dev/null || die "the gallery died"
log_of() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
  r = json.loads(l)
  if r["prompt"].startswith(sys.argv[2]):
    print(r["turns"], r["signatures"], r["refs"], r["aborted"])' "$WORK/sim.log" "$1"; }
# turns: the contents sent (user, model, user for a follow-up);
# signatures: the model turn's thoughtSignature as the simulator checked it;
# refs: the reference images of the last user turn
is "the first turn went alone" "$(log_of 'a lighthouse on a cliff at dawn')" "1 none 0 False"
is "the refine carried the model's turn and its signature" \
  "$(log_of 'now make it a stormy night')" "3 ok 0 False"
is "the reference image reached the service" "$(log_of 'a quiet harbour')" "1 none 1 False"
is "Cancel closed the request to the service" "$(log_of 'one to cancel')" "1 none 0 True"
is "the retried one was sent twice" "$(log_of 'a retried one' | wc -l)" 2
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
GEN=(-H 'Content-Type: application/json' --data '{"prompt":"x"}' "$URL"api/generate)
is "generate without Origin" "$(code "${GEN[@]}")" 403
is "generate from another origin" "$(code -H 'Origin: http://evil.example' "${GEN[@]}")" 403
is "another Host (DNS rebinding)" "$(code -H 'Host: evil.example:80' "$URL"api/config)" 421
head -c $((8 * 1024 * 1024 + 1)) /dev/zero >"$WORK/big"
is "an upload over 8 MiB" \
  "$(code -H "Origin: $ORIGIN" --data-binary @"$WORK/big" "$URL"api/upload)" 413
is "a PNG upload" \
  "$(code -H "Origin: $ORIGIN" --data-binary @"$SRC/examples/refs/palette.png" "$URL"api/upload)" 201

# ---- clean exit ----
kill -TERM "$GPID"
rc=0
for _ in $(seq 100); do kill -0 "$GPID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$GPID" 2>/dev/null && { kill -KILL "$GPID"; echo "FAIL: still running 10 s after SIGTERM" >&2; }
wait "$GPID" || rc=$?
GPID=
is "SIGTERM: exit status" "$rc" 0
is "stderr" "$(cat "$WORK/err")" "gemflow-gallery: stopping"
if ((FAILS)); then cat "$WORK/err" >&2; die "$FAILS check(s) failed"; fi
echo "all passed"
