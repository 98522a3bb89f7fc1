#!/usr/bin/env bash
# gemflow-bench runs: 20 generations at concurrency 4 against a
# gemflow-sim it starts itself; the JSON report has every field, 0
# failures, every image verified by sha256, TLS figures; the key is
# nowhere in its output. Then --dump-requests captures the request bodies.
# Not a measurement: a check that the benchmark still works.
#
#   bash tests/bench/smoke.sh GEMFLOW GEMFLOW-SIM SOURCE-DIR BUILD-DIR
set -euo pipefail
SIM=$2
BLD=$4
BENCH=$BLD/bench/gemflow-bench/gemflow-bench
if [ ! -x "$BENCH" ]; then
  echo "skip: $BENCH was not built" >&2
  exit 77
fi
if command -v jq >/dev/null; then
  field() { jq -r --arg k "$1" 'getpath($k | split("."))' "$W/out.json"; }
  has() { jq -e --arg k "$1" 'getpath($k | split(".") | .[:-1]) | has($k | split(".") | last)' "$W/out.json" >/dev/null; }
elif command -v python3 >/dev/null; then
  field() {
    python3 -c 'import json,sys
v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[k]
print("null" if v is None else v)' "$W/out.json" "$1"
  }
  has() {
    python3 -c 'import json,sys
v=json.load(open(sys.argv[1])); ks=sys.argv[2].split(".")
for k in ks[:-1]: v=v[k]
sys.exit(0 if ks[-1] in v else 1)' "$W/out.json" "$1"
  }
else
  echo "skip: needs jq or python3 to read the JSON" >&2
  exit 77
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

KEY=smoke-secret-key-4d2b9e71
GEMFLOW_API_KEY=$KEY timeout 60 "$BENCH" --sim "$SIM" -n 20 -c 4 \
  --label smoke >"$W/out.json" 2>"$W/table.txt" ||
  { cat "$W/table.txt" >&2; fail "gemflow-bench exited $?"; }
[ "$(wc -l <"$W/out.json")" = 1 ] || fail "stdout is not one JSON line"

for k in tool version label mode servers generations concurrency size ratio \
  distinct think_ms markers verify ok failed verified not_verified retries \
  wall_s images_per_s image_bytes image_MB_per_s cpu_user_s cpu_sys_s \
  cpu_ms_per_image peak_rss_kb rss_idle_kb rss_at_peak_kb peak_in_flight \
  rss_per_stream_kb latency_ms connections_opened tls_full tls_resumed \
  tls_resumed_results connections_reused tls_suite tls_suites_seen errors retried \
  sim_cpu_s sim_cpu_ms_per_image rlimit_nofile; do
  has "$k" || fail "no field $k"
done
for s in first_byte first_thought image_start done; do
  for p in n p50 p90 p99; do
    has "latency_ms.$s.$p" || fail "no field latency_ms.$s.$p"
  done
  [ "$(field "latency_ms.$s.n")" = 20 ] || fail "latency $s: not 20 samples"
done
[ "$(field generations)" = 20 ] || fail "generations"
[ "$(field concurrency)" = 4 ] || fail "concurrency"
[ "$(field ok)" = 20 ] || fail "ok: $(field ok)"
[ "$(field failed)" = 0 ] || fail "failed: $(field failed)"
[ "$(field verified)" = 20 ] || fail "verified: $(field verified)"
[ "$(field verify)" = sha256 ] || fail "verify: $(field verify)"
[ "$(field mode)" = sim ] || fail "mode"
[ "$(field label)" = smoke ] || fail "label"
[ "$(field tls_suite)" != null ] || fail "no TLS suite seen"
conns=$(field connections_opened)
[ "$conns" -ge 1 ] || fail "connections_opened: $conns"
[ $(($(field tls_full) + $(field tls_resumed))) = "$conns" ] ||
  fail "handshakes do not add up to the connections"
[ "$(field peak_in_flight)" -ge 1 ] && [ "$(field peak_in_flight)" -le 4 ] ||
  fail "peak_in_flight: $(field peak_in_flight)"
[ "$(field peak_rss_kb)" -gt 0 ] || fail "peak_rss_kb"
[ "$(field sim_cpu_s)" != null ] || fail "no simulator CPU"
grep -q "20 ok, 0 failed, 20 verified" "$W/table.txt" || fail "table"
if grep -q "$KEY" "$W/out.json" "$W/table.txt"; then fail "the key was printed"; fi

# the requests peers send (bench/compare.sh)
"$BENCH" --dump-requests "$W/req" --distinct 2 -s 4K -a 16:9 ||
  fail "--dump-requests"
for f in body-0.json body-1.json target key_in headers; do
  [ -s "$W/req/$f" ] || fail "--dump-requests wrote no $f"
done
grep -q '"gemflow-bench image 1"' "$W/req/body-1.json" || fail "body-1.json"
grep -q '"imageSize":"4K"' "$W/req/body-0.json" || fail "size not in the body"
grep -q ':streamGenerateContent?alt=sse$' "$W/req/target" || fail "target"
if grep -qi "key" "$W/req/target" "$W/req/headers"; then
  fail "the key went into the dump"
fi
echo "ok: gemflow-bench smoke ($(field cpu_ms_per_image) ms CPU per image)"
