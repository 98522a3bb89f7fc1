#!/usr/bin/env bash
# The newcomer's demo: installs the packages, builds, starts the bundled
# simulator on loopback and runs a batch of examples/prompts.jsonl through
# it into demo-out/. It never talks to the paid service.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/deps.sh"
"$top/tools/build.sh" "$top/build" -DBUILD_TESTING=OFF
work=$(mktemp -d)
trap 'kill "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true; rm -rf "$work"' EXIT
"$top/build/gemflow-sim" --port 0 --dir "$work" --think-ms 300 >"$work/ready" &
sim=$!
for _ in $(seq 100); do grep -q ready "$work/ready" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*url=\([^ ]*\).*/\1/p' "$work/ready")
ca=$(sed -n 's/.*ca=\([^ ]*\).*/\1/p' "$work/ready")
echo "simulator: $url"
out="$top/demo-out"
GEMFLOW_API_KEY=demo-key "$top/build/gemflow" batch --base-url "$url" \
  --ca-file "$ca" -j 8 -o "$out" "$top/examples/prompts.jsonl"
echo "(all from the local simulator: nothing went to the paid service)"
echo "images:   $out/"
echo "manifest: $out/manifest.jsonl"
