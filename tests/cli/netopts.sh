#!/usr/bin/env bash
# The options generate and batch share: the key never goes over plain http
# off loopback (exit 2, nothing resolved or sent), the timeouts (bad values
# are usage errors; --timeout and --idle-timeout end an attempt).
set -euo pipefail
. "$(dirname "$0")/lib.bash" "$@"

start_sim
mkdir "$WORK/w" && cd "$WORK/w"
printf '{"id":"a","prompt":"p"}\n' >"$WORK/one.jsonl"

# run CMD ARGS...: gemflow CMD without the simulator's URL; sets RC.
run() {
  set +e
  timeout 60 "$GEMFLOW" "$@" >"$WORK/out" 2>"$WORK/err"
  RC=$?
  set -e
}
for url in http://api.example.com http://10.0.0.1:8080/v1 http://localhost.example.com; do
  run generate --base-url "$url" "a cat"
  check "generate $url: exit 2" rc_is 2
  check "generate $url: says why" err_has "refusing to send the API key over plain http"
  run batch --base-url "$url" -o "$WORK/o" "$WORK/one.jsonl"
  check "batch $url: exit 2" rc_is 2
  check "batch $url: says why" err_has "refusing to send the API key over plain http"
done
GEMINI_BASE_URL=http://api.example.com run generate "a cat"
check "GEMINI_BASE_URL plain http: exit 2" rc_is 2
check "no key printed" no_key_printed

for opt in --connect-timeout --idle-timeout --timeout; do
  for bad in 0 -1 x ""; do
    gen "$opt" "$bad" "p"
    check "$opt '$bad': exit 2" rc_is 2
  done
done

before=$(log_lines)
gen --max-attempts 1 --timeout 1 -o slow.png "a slow one [[think:400]] [[thoughts:6]]"
check "--timeout 1: exit 1" rc_is 1
check "--timeout 1: says so" err_has "the attempt took longer than the 1 s timeout"
check "--timeout 1: no file" test ! -e slow.png
gen --max-attempts 2 --idle-timeout 0.3 -o idle.png "a silent one [[think:1000]] [[thoughts:2]]"
check "--idle-timeout: exit 1" rc_is 1
check "--idle-timeout: says so" err_has "idle timeout"
check "--idle-timeout: retried once" err_has "after 2 attempts"
check "timeouts: three requests" test "$(settled_lines $((before + 3)))" -eq $((before + 3))
# ---- --cipher: the AEAD offered, as the handshake shows it ---------------
err_re() { grep -qE -- "$1" "$WORK/err"; }
gen -v --cipher aes-gcm -o aes.png "a cipher"
check "--cipher aes-gcm: exit 0" rc_is 0
check "--cipher aes-gcm: AES-GCM negotiated" err_re '^\* connected to .* with TLS-.*AES-(128|256)-GCM'
gen -v --cipher chacha20 -o chacha.png "a cipher"
check "--cipher chacha20: exit 0" rc_is 0
check "--cipher chacha20: ChaCha20 negotiated" err_re '^\* connected to .* with TLS-.*CHACHA20-POLY1305'
check "--cipher: the same image" test "$(sha aes.png)" = "$(sha chacha.png)"
before=$(log_lines)
gen --cipher rc4 "a cipher"
check "--cipher rc4: exit 2" rc_is 2
check "--cipher rc4: says why" err_has "--cipher takes auto, aes-gcm or chacha20, not 'rc4'"
check "--cipher rc4: nothing sent" test "$(log_lines)" -eq "$before"
# ---- the key follows the service -------------------------------------------
# keyless SERVICE-ARGS... EXPECTED: exit 2 naming the variables, nothing sent
keyless() {
  local want=${!#}
  local before; before=$(log_lines)
  set +e
  timeout 60 "$GEMFLOW" generate "${@:1:$#-1}" "a cat" >"$WORK/out" 2>"$WORK/err"
  RC=$?
  set -e
  check "key for ${*:1:$#-1}: exit 2" rc_is 2
  check "key for ${*:1:$#-1}: says '$want'" err_has "$want"
  check "key for ${*:1:$#-1}: nothing sent" test "$(log_lines)" -eq "$before"
}
(
  unset GEMFLOW_API_KEY
  export GEMINI_API_KEY=$KEY
  # a Google key never goes to the gateway by default
  keyless "no API key: set ANYFAST_API_KEY or use --api-key-file FILE"
  keyless --service anyfast "no API key: set ANYFAST_API_KEY"
  # nor to an endpoint the user named that is not this machine
  keyless --base-url https://api.example.com "no API key: set GEMFLOW_API_KEY or use"
  GEMINI_BASE_URL=https://api.example.com keyless "no API key: set GEMFLOW_API_KEY or use"
  unset GEMINI_API_KEY
  export ANYFAST_API_KEY=$KEY
  keyless --service google "no API key: set GEMINI_API_KEY or GOOGLE_API_KEY"
  finish
) || FAILS=$((FAILS + 1))
run generate --service openai "a cat"
check "--service openai: exit 2" rc_is 2
check "--service openai: names the services" err_has "unknown service 'openai' (anyfast, google)"

# a loopback endpoint (the simulator) takes GEMFLOW_API_KEY, then
# GEMINI_API_KEY: the key stays on this machine
P="a loopback key"
(unset GEMFLOW_API_KEY; GEMINI_API_KEY=$KEY gen -o lk.png "$P"; rc_is 0) && pass "loopback: GEMINI_API_KEY taken" || fail "loopback: GEMINI_API_KEY taken"
# --service google against the simulator: Google's way, the header
before=$(log_lines)
gen --service google -o g.png "google's way"
check "--service google: exit 0" rc_is 0
settled_lines $((before + 1)) >/dev/null
check "--service google: the key in the header" python3 -c 'import json,sys
lines=open(sys.argv[1]).read().splitlines()
o=[json.loads(l) for l in lines if json.loads(l)["prompt"]=="google'"'"'s way"][-1]
sys.exit(0 if o["key_from"]=="header" else 1)' "$WORK/sim.log"
gen -o a.png "the gateway's way"
settled_lines $((before + 2)) >/dev/null
check "default service: the key in the query" python3 -c 'import json,sys
lines=open(sys.argv[1]).read().splitlines()
o=[json.loads(l) for l in lines if json.loads(l)["prompt"]=="the gateway'"'"'s way"][-1]
sys.exit(0 if o["key_from"]=="query" else 1)' "$WORK/sim.log"

# ---- --resolve and the proxy variables ------------------------------------
PORT=${URL##*:}
gen --max-attempts 1 --resolve "localhost:$PORT:127.0.0.3,127.0.0.1" -o pinned.png "pinned"
check "--resolve: a refusing first address, then the simulator" rc_is 0
gen --resolve "nonsense" "p"
check "--resolve nonsense: exit 2" rc_is 2
https_proxy="http://gfuser:proxy-secret-99@127.0.0.1:1" gen --max-attempts 1 -v -o px.png "proxied"
check "unreachable proxy: exit 1" rc_is 1
check "proxy credentials never printed" bash -c "! grep -q proxy-secret-99 '$WORK/out' '$WORK/err'"
check "the proxy is named by host:port" err_has "127.0.0.1:1"
https_proxy="http://127.0.0.1:1" NO_PROXY="localhost" gen --max-attempts 1 -o np.png "not proxied"
check "NO_PROXY=localhost: straight to the simulator" rc_is 0

finish
