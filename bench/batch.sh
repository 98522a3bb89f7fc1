#!/usr/bin/env bash
# bench/batch.sh [BUILD_DIR]: the batch issue's figures against gemflow-sim
# on loopback TLS: wall time, CPU seconds (user+sys) and peak RSS of
# `gemflow batch -j 100` over 300 1K items (distinct prompts, mixed
# ratios), three runs. Peer in the same run: curl -Z --parallel-max 100
# fetching the same 300 streams to /dev/null (the transport floor: no SSE,
# JSON, base64, hashing, files or manifest). The simulator runs beside it
# on the same 2 cores, so wall times include its work. Not a test: run by
# hand, quote medians.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bld=${1:-$top/build}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }
work=$(mktemp -d)
trap 'kill "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bld/gemflow-sim" --port 0 --dir "$work" >"$work/ready" &
sim=$!
for _ in $(seq 200); do grep -q ready "$work/ready" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*url=\([^ ]*\).*/\1/p' "$work/ready")
ca=$(sed -n 's/.*ca=\([^ ]*\).*/\1/p' "$work/ready")
export GEMFLOW_API_KEY=bench-key GEMINI_API_KEY=bench-key
ratios=(1:1 16:9 9:16 4:3 3:2)
for i in $(seq 0 299); do
  printf '{"id":"item-%03d","prompt":"picture number %d of a quiet harbour","aspect_ratio":"%s"}\n' \
    "$i" "$i" "${ratios[$((i % 5))]}"
done >"$work/p300.jsonl"

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >/dev/null 2>&1 || true
  read -r wall user sys rss <"$work/time"
  printf '%-44s wall_s=%-6s cpu_s=%-6s peak_rss_kb=%s\n' "$label" "$wall" \
    "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$rss"
}

for i in 1 2 3; do
  measure "gemflow batch 300 x 1K -j 100 (run $i)" "$bld/gemflow" batch \
    --base-url "$url" --ca-file "$ca" -j 100 --no-resume --quiet \
    -o "$work/out" "$work/p300.jsonl"
done
echo "ok lines: $(grep -c '"status":"ok"' "$work/out/manifest.jsonl") (3 runs x 300)"
endpoint="$url/v1beta/models/gemini-3-pro-image-preview:streamGenerateContent?alt=sse"
printf 'x-goog-api-key: %s\n' "$GEMINI_API_KEY" >"$work/hdr"
{
  for i in $(seq 0 299); do
    printf '{"contents":[{"role":"user","parts":[{"text":"picture number %d of a quiet harbour"}]}],"generationConfig":{"responseModalities":["TEXT","IMAGE"],"imageConfig":{"aspectRatio":"%s"}}}' \
      "$i" "${ratios[$((i % 5))]}" >"$work/body$i.json"
    printf 'url = "%s"\ndata-binary = "@%s"\noutput = "/dev/null"\n' "$endpoint" "$work/body$i.json"
    printf 'cacert = "%s"\nheader = "@%s"\nheader = "Content-Type: application/json"\nsilent\n' "$ca" "$work/hdr"
    [ "$i" -lt 299 ] && echo next
  done
} >"$work/curl.cfg"
for i in 1 2 3; do
  measure "peer: curl -Z 300 x 1K, 100 at a time (run $i)" curl -s -Z \
    --parallel-max 100 -K "$work/curl.cfg"
done
