#!/usr/bin/env bash
# bench/rss_cpu.sh [BUILD_DIR]: the figures the core issue asks for, against
# gemflow-sim on loopback TLS, measured with /usr/bin/time -v:
#   1. peak RSS of one 4K generation streamed to a file (gemflow generate),
#      next to the size of the image it wrote (memory must not follow it);
#   2. the same for a 1K generation (the two peaks should be about equal);
#   3. CPU seconds (user+sys) for 100 1K generations, 10 at a time (gf_many).
# Peer, measured in the same run: curl (OpenSSL, same cipher suite as the
# simulator picks) fetching the same streams to /dev/null: the transport
# alone, with no SSE, JSON, base64, hashing or file. Ratios against it show
# what gemflow's decoding costs on top of TLS.
# The simulator is started first and warmed (its encoded images cached), so
# only the client is measured. Not a test: run by hand, quote medians.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bld=${1:-$top/build}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }
work=$(mktemp -d)
trap 'kill "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bld/gemflow-sim" --port 0 --dir "$work" --think-ms 0 >"$work/ready" &
sim=$!
for _ in $(seq 200); do grep -q ready "$work/ready" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*url=\([^ ]*\).*/\1/p' "$work/ready")
ca=$(sed -n 's/.*ca=\([^ ]*\).*/\1/p' "$work/ready")
export GEMFLOW_API_KEY=bench-key GEMINI_API_KEY=bench-key

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -v "$@" 2>"$work/time" >/dev/null
  local rss user sys
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")
  user=$(sed -n 's/.*User time (seconds): //p' "$work/time")
  sys=$(sed -n 's/.*System time (seconds): //p' "$work/time")
  printf '%-34s peak_rss_kb=%-8s user_s=%-6s sys_s=%s\n' "$label" "$rss" "$user" "$sys"
}

gen=("$bld/gemflow" generate --base-url "$url" --ca-file "$ca")
gen() { "${gen[@]}" "$@"; }
gen -s 4K -a 1:1 -o "$work/warm4k.png" "rss probe" >/dev/null   # warm the sim's cache
gen -s 1K -a 1:1 -o "$work/warm1k.png" "rss probe" >/dev/null
"$bld/gf_many" "$url" "$ca" 16 16 1K >/dev/null                   # warm 16 prompts

for i in 1 2 3; do
  measure "4K generation to file (run $i)" "${gen[@]}" -s 4K -a 1:1 -o "$work/4k.png" "rss probe"
done
echo "4K image size: $(stat -c %s "$work/4k.png") bytes"
for i in 1 2 3; do
  measure "1K generation to file (run $i)" "${gen[@]}" -s 1K -a 1:1 -o "$work/1k.png" "rss probe"
done
body() { printf '{"contents":[{"role":"user","parts":[{"text":"%s"}]}],"generationConfig":{"responseModalities":["TEXT","IMAGE"],"imageConfig":{"aspectRatio":"1:1","imageSize":"%s"}}}' "$1" "$2"; }
endpoint="$url/v1beta/models/gemini-3-pro-image-preview:streamGenerateContent?alt=sse"
body "rss probe" 4K >"$work/body4k.json"
# the key goes in a header file, not in argv
printf 'x-goog-api-key: %s\n' "$GEMINI_API_KEY" >"$work/hdr"
for i in 1 2 3; do
  measure "peer: curl 4K stream (run $i)" curl -s --cacert "$ca" -H @"$work/hdr" \
    -H 'Content-Type: application/json' --data-binary @"$work/body4k.json" -o /dev/null "$endpoint"
done
{
  for n in $(seq 0 99); do
    body "bench image $((n % 16))" 1K >"$work/body$n.json"
    printf 'url = "%s"\ndata-binary = "@%s"\noutput = "/dev/null"\n' "$endpoint" "$work/body$n.json"
    printf 'cacert = "%s"\nheader = "@%s"\nheader = "Content-Type: application/json"\n' "$ca" "$work/hdr"
    printf 'silent\nwrite-out = "%%{http_code} %%{size_download}\\n"\n'
    [ "$n" -lt 99 ] && echo next
  done
} >"$work/curl.cfg"
ok=$(curl -s -Z --parallel-max 10 -K "$work/curl.cfg" 2>/dev/null | grep -c '^200 ' || true)
echo "peer check: $ok of 100 curl streams answered 200"
for i in 1 2 3; do
  measure "peer: curl -Z 100 x 1K, 10 at a time (run $i)" curl -s -Z --parallel-max 10 -K "$work/curl.cfg"
done
mkdir -p "$work/many"
for i in 1 2 3; do
  rm -f "$work/many"/*
  measure "100 x 1K, 10 at a time (run $i)" "$bld/gf_many" "$url" "$ca" 100 10 1K "$work/many"
done
