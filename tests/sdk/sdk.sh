#!/usr/bin/env bash
# Real clients against gemflow-sim's defaults, over loopback TLS: Google's
# @google/genai SDK (Node 20+, pinned by tests/sdk/package-lock.json) and
# curl with the simplest SSE reader (each "data:" line is one JSON). Both
# must get byte-exact images (sha256 against gemflow-sim --render):
# text-to-image, 16:9 at 2K, an edit with a reference image, and an SDK
# multi-turn edit that sends the model's turn back; a tampered or missing
# thoughtSignature gets the service's 400; keys and unknown fields are
# refused as the service refuses them.
#
#   tests/sdk/sdk.sh GEMFLOW GEMFLOW_SIM SOURCE_DIR [BUILD_DIR]
#
# Exit 77 (skipped, said on stderr) without Node 20 or newer, or without
# curl, python3 or npm (when tests/sdk/node_modules is not installed yet).
set -euo pipefail
SIM=$(readlink -f -- "${2:?usage: $0 GEMFLOW GEMFLOW_SIM SOURCE_DIR}")
SRC=$(readlink -f -- "${3:?usage: $0 GEMFLOW GEMFLOW_SIM SOURCE_DIR}")
SDK=$SRC/tests/sdk
GENAI_VERSION=2.32.0

skip() { echo "SKIPPED: $*" >&2; exit 77; }
command -v node >/dev/null || skip "node is not installed; this test needs Node 20 or newer for @google/genai $GENAI_VERSION"
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
((NODE_MAJOR >= 20)) ||
  skip "Node $(node --version) is too old: @google/genai $GENAI_VERSION needs Node 20 or newer"
for tool in curl python3 sha256sum; do
  command -v "$tool" >/dev/null || skip "$tool is not installed"
done
if [[ ! -f $SDK/node_modules/@google/genai/package.json ]]; then
  command -v npm >/dev/null || skip "tests/sdk/node_modules is not installed and npm is missing (run: npm ci --prefix tests/sdk)"
  echo "installing the SDK from the lockfile: npm ci --prefix tests/sdk"
  npm ci --prefix "$SDK" --no-audit --no-fund >&2
fi
have=$(node -p "require('$SDK/node_modules/@google/genai/package.json').version")
[[ $have == "$GENAI_VERSION" ]] ||
  { echo "FAIL: @google/genai $have installed, the lockfile pins $GENAI_VERSION (npm ci --prefix tests/sdk)" >&2; exit 1; }
echo "node $(node --version), @google/genai $have, $(curl --version | head -1 | cut -d' ' -f1-2)"

WORK=$(mktemp -d)
SIM_PID=
cleanup() {
  if [[ -n $SIM_PID ]]; then kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The key travels through a file (the simulator's --api-key-file, curl's
# -H @file) and the environment (the SDK), never through argv.
KEY="sdk-test-key-$$-$RANDOM-c0ffee"
umask 077
printf '%s\n' "$KEY" >"$WORK/key"
printf 'x-goog-api-key: %s\n' "$KEY" >"$WORK/hdr"
printf 'x-goog-api-key: %s\n' "not-the-key-$RANDOM" >"$WORK/hdr-wrong"
export GEMFLOW_SDK_TEST_KEY=$KEY

timeout 900 "$SIM" --port 0 --api-key-file "$WORK/key" --log "$WORK/sim.log" \
  >"$WORK/sim.out" 2>"$WORK/sim.err" &
SIM_PID=$!
line=
for _ in $(seq 200); do
  line=$(grep -m1 '^gemflow-sim ready ' "$WORK/sim.out" || true)
  [[ -n $line ]] && break
  kill -0 "$SIM_PID" 2>/dev/null || break
  sleep 0.05
done
[[ -n $line ]] || { cat "$WORK/sim.err" >&2; echo "FAIL: gemflow-sim did not get ready" >&2; exit 1; }
URL=$(sed -n 's/.* url=\([^ ]*\).*/\1/p' <<<"$line")
CA=$(sed -n 's/.* ca=\([^ ]*\).*/\1/p' <<<"$line")
[[ $URL == https://* && -f $CA ]] || { echo "FAIL: bad ready line: $line" >&2; exit 1; }
export NODE_EXTRA_CA_CERTS=$CA
ENDPOINT="$URL/v1beta/models/gemini-3-pro-image-preview:streamGenerateContent"

PASSED=0 FAILED=0
pass() { echo "ok: $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL: $*" >&2; FAILED=$((FAILED + 1)); }
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }
# json FILE EXPR: a value of the JSON in FILE (python expression on j).
json() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# want NAME PROMPT [ASPECT SIZE]: what gemflow-sim serves for the prompt.
want() {
  local args=(--render --prompt "$2" --out "$WORK/want-$1.png")
  [[ -n ${3:-} ]] && args+=(--aspect "$3")
  [[ -n ${4:-} ]] && args+=(--size "$4")
  "$SIM" "${args[@]}"
}

# sdk NAME JOB_JSON: runs genai.mjs; its JSON line in $WORK/sdk-NAME.json.
sdk() {
  local t0=$SECONDS
  if ! (cd "$SDK" && timeout 300 node genai.mjs "$2") >"$WORK/sdk-$1.json" 2>"$WORK/sdk-$1.err"; then
    cat "$WORK/sdk-$1.err" >&2
    fail "$1: the SDK run crashed"
    return 1
  fi
  echo "   sdk $1: $(cat "$WORK/sdk-$1.json") ($((SECONDS - t0)) s)"
}

# curl_sse NAME BODY_FILE [HEADER_FILE]: POSTs with ?alt=sse; the body in
# $WORK/curl-NAME.body, the status in $WORK/curl-NAME.code.
curl_sse() {
  local hdr=${3:-$WORK/hdr} opts=()
  [[ $hdr == none ]] || opts=(-H "@$hdr")
  curl -sS --cacert "$CA" "${opts[@]}" -H 'Content-Type: application/json' \
    --data-binary "@$2" -D "$WORK/curl-$1.head" -o "$WORK/curl-$1.body" \
    -w '%{http_code}' --max-time 300 "$ENDPOINT?alt=sse" >"$WORK/curl-$1.code"
}

# request FILE PROMPT [ASPECT SIZE [REF_PNG]]: the body curl sends.
request() {
  python3 - "$@" <<'EOF'
import base64, json, sys
out, prompt = sys.argv[1], sys.argv[2]
aspect = sys.argv[3] if len(sys.argv) > 3 else ""
size = sys.argv[4] if len(sys.argv) > 4 else ""
ref = sys.argv[5] if len(sys.argv) > 5 else ""
parts = [{"text": prompt}]
if ref:
    parts.append({"inline_data": {"mime_type": "image/png",
                  "data": base64.b64encode(open(ref, "rb").read()).decode()}})
gc = {"responseModalities": ["TEXT", "IMAGE"]}
if aspect or size:
    gc["imageConfig"] = {}
    if aspect: gc["imageConfig"]["aspectRatio"] = aspect
    if size: gc["imageConfig"]["imageSize"] = size
json.dump({"contents": [{"role": "user", "parts": parts}],
           "generationConfig": gc}, open(out, "w"))
EOF
}

# logged PROMPT FIELD: FIELD of the last log line for PROMPT (the log is
# written as a response ends: wait for it a moment).
logged() {
  local _i v=
  for _i in $(seq 100); do
    v=$(python3 - "$WORK/sim.log" "$1" "$2" <<'EOF'
import json, sys
v = None
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("prompt") == sys.argv[2]:
        v = o.get(sys.argv[3])
print("" if v is None else json.dumps(v))
EOF
    )
    [[ -n $v ]] && break
    sleep 0.05
  done
  echo "$v"
}

# last_logged N FIELD: FIELD of the log's Nth line, once it is written (a
# refused request logs no prompt to look it up by).
last_logged() {
  local _i
  for _i in $(seq 100); do
    (($(wc -l <"$WORK/sim.log") >= $1)) && break
    sleep 0.05
  done
  python3 -c 'import json,sys; print(json.dumps(json.loads(open(sys.argv[1]).readlines()[int(sys.argv[2]) - 1]).get(sys.argv[3])))' \
    "$WORK/sim.log" "$1" "$2"
}
lines() { wc -l <"$WORK/sim.log"; }

# ---- the same images for the SDK and for curl ----
# case NAME PROMPT ASPECT SIZE REF
image_case() {
  local name=$1 prompt=$2 aspect=$3 size=$4 ref=${5:-}
  want "$name" "$prompt" "$aspect" "$size"
  local w; w=$(sha "$WORK/want-$name.png")
  local job
  job=$(python3 -c 'import json,sys; print(json.dumps({k: v for k, v in zip(["url","prompt","aspect","size","ref","out"], sys.argv[1:]) if v}))' \
    "$URL" "$prompt" "$aspect" "$size" "$ref" "$WORK/sdk-$name.png")
  if sdk "$name" "$job"; then
    check "$name: the SDK streamed 3 thoughts, the image, STOP" \
      [ "$(json "$WORK/sdk-$name.json" '(j["ok"], j["events"], j["thoughts"], j["images"], j["finish"], j["signed"])')" \
      == "(True, 5, 3, 1, 'STOP', True)" ]
    check "$name: the SDK's image is byte-exact" [ "$(sha "$WORK/sdk-$name.png" 2>/dev/null)" == "$w" ]
    check "$name: the SDK sent its key in the header" [ "$(logged "$prompt" key_from)" == '"header"' ]
  fi
  request "$WORK/req-$name.json" "$prompt" "$aspect" "$size" "$ref"
  curl_sse "$name" "$WORK/req-$name.json"
  check "$name: curl got 200" [ "$(cat "$WORK/curl-$name.code")" == 200 ]
  check "$name: chunked text/event-stream" \
    grep -qiE '^transfer-encoding: chunked' "$WORK/curl-$name.head"
  check "$name: content-type text/event-stream" \
    grep -qiE '^content-type: text/event-stream' "$WORK/curl-$name.head"
  if python3 "$SDK/sse_one_line.py" "$WORK/curl-$name.body" "$WORK/curl-$name.png" \
    >"$WORK/curl-$name.json"; then
    pass "$name: every data: line is one JSON (curl)"
    check "$name: curl's image is byte-exact" [ "$(sha "$WORK/curl-$name.png" 2>/dev/null)" == "$w" ]
  else
    fail "$name: the curl body is not one JSON per data: line"
  fi
}

image_case t2i "a lighthouse at dawn, oil on canvas" "" ""
image_case wide "a wide mountain valley in fog" 16:9 2K
check "wide: 2752x1536 served" \
  [ "$(logged "a wide mountain valley in fog" width)x$(logged "a wide mountain valley in fog" height)" == 2752x1536 ]
image_case edit "make the sky purple" "" "" "$WORK/want-t2i.png"
check "edit: the reference arrived" [ "$(logged "make the sky purple" refs)" == 1 ]

# ---- multi-turn: the model's turn sent back, signatures included ----
first="a red fox in deep snow" second="now make the fox blue"
want turn2 "$second"
job=$(python3 -c 'import json,sys; print(json.dumps({"url": sys.argv[1], "prompt": sys.argv[2], "out": sys.argv[3], "turn": sys.argv[4]}))' \
  "$URL" "$first" "$WORK/sdk-turn1.png" "$WORK/turn1.json")
if sdk turn1 "$job"; then
  check "multi-turn: the first image is signed" [ "$(json "$WORK/sdk-turn1.json" 'j["signed"]')" == True ]
  for mode in none alter drop; do
    job=$(python3 -c 'import json,sys; print(json.dumps({"url": sys.argv[1], "prompt": sys.argv[2], "out": sys.argv[3], "history": sys.argv[4], "tamper": sys.argv[5]}))' \
      "$URL" "$second" "$WORK/sdk-turn2-$mode.png" "$WORK/turn1.json" "$mode")
    n=$(($(lines) + 1))
    sdk "turn2-$mode" "$job" || continue
    r=$WORK/sdk-turn2-$mode.json
    case $mode in
    none)
      check "multi-turn: the follow-up generates" [ "$(json "$r" '(j["ok"], j["finish"])')" == "(True, 'STOP')" ]
      check "multi-turn: the second image is byte-exact" \
        [ "$(sha "$WORK/sdk-turn2-none.png" 2>/dev/null)" == "$(sha "$WORK/want-turn2.png")" ]
      check "multi-turn: logged 3 turns, signatures ok" \
        [ "$(logged "$second" turns) $(logged "$second" signatures)" == '3 "ok"' ] ;;
    alter)
      check "multi-turn: an altered signature gets 400 Corrupted thought signature." \
        [ "$(json "$r" '(j["ok"], j["status"], "Corrupted thought signature." in j["message"])')" == "(False, 400, True)" ]
      check "multi-turn: logged 3 turns, signatures corrupted" \
        [ "$(last_logged "$n" turns) $(last_logged "$n" signatures)" == '3 "corrupted"' ] ;;
    drop)
      check "multi-turn: a dropped signature gets 400 missing thought_signature" \
        [ "$(json "$r" '(j["ok"], j["status"], "Image part is missing a thought_signature in content position 2" in j["message"])')" == "(False, 400, True)" ]
      check "multi-turn: logged 3 turns, signatures missing" \
        [ "$(last_logged "$n" turns) $(last_logged "$n" signatures)" == '3 "missing"' ] ;;
    esac
  done
fi

# ---- keys and unknown fields, as the service answers them ----
request "$WORK/req-key.json" "who goes there"
curl_sse nokey "$WORK/req-key.json" none
check "no key: 403 PERMISSION_DENIED" [ "$(cat "$WORK/curl-nokey.code")" == 403 ] 
check "no key: the service's words" grep -q "Method doesn't allow unregistered callers" "$WORK/curl-nokey.body"
curl_sse badkey "$WORK/req-key.json" "$WORK/hdr-wrong"
check "a wrong key: 400 API_KEY_INVALID" \
  [ "$(json "$WORK/curl-badkey.body" '(j["error"]["code"], j["error"]["status"], j["error"]["details"][0]["reason"])')" \
  == "(400, 'INVALID_ARGUMENT', 'API_KEY_INVALID')" ]
job=$(python3 -c 'import json,sys; print(json.dumps({"url": sys.argv[1], "prompt": "who goes there"}))' "$URL")
if GEMFLOW_SDK_TEST_KEY="wrong-$RANDOM" sdk wrongkey "$job"; then
  check "a wrong key: the SDK reports 400 API key not valid" \
    [ "$(json "$WORK/sdk-wrongkey.json" '(j["ok"], j["status"], "API key not valid" in j["message"])')" == "(False, 400, True)" ]
fi
python3 -c 'import json,sys; json.dump({"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"responseModalities":["IMAGE"],"xyz":1}}, open(sys.argv[1],"w"))' "$WORK/req-xyz.json"
curl_sse xyz "$WORK/req-xyz.json"
check "an unknown generationConfig field: 400 as the service words it" \
  [ "$(json "$WORK/curl-xyz.body" 'j["error"]["message"]')" \
  == "Invalid JSON payload received. Unknown name \"xyz\" at 'generation_config': Cannot find field." ]
check "the key is in no log line and no output" \
  bash -c '! grep -rqF -- "$1" "$2"/sim.log "$2"/sim.out "$2"/sim.err "$2"/*.json "$2"/*.err' _ "$KEY" "$WORK"

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
