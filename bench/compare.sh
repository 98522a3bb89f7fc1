#!/usr/bin/env bash
# bench/compare.sh [--quick] [--runs R] [--cells LIST] [--clients LIST]
#                  [--out DIR] [BUILD_DIR]
#
# gemflow and its peers in the same run, against one gemflow-sim and the
# same images, over loopback TLS:
#   gemflow     gemflow-bench (libgemflow, the build's TLS engine);
#   curl        curl -Z --parallel-max C fetching the same streams (the
#               exact request bodies gemflow sends, from gemflow-bench
#               --dump-requests) to /dev/null: the transport alone, no image;
#   node-fetch  Node's fetch() with a linear SSE reader (bench/node/fetch.mjs);
#   genai-sdk   Google's @google/genai 2.32.0 (bench/node/genai.mjs).
# The Node packages come from bench/node/package-lock.json (npm ci on first
# use). Every image is checked against gemflow-sim --render's sha256 (not
# curl's: it only downloads). Sizes 1K and 4K (1:1, 4 distinct prompts),
# concurrency 1, 50 and 200; --quick: one run of a few small cells;
# gemflow-nohash (a client not in the default set) is gemflow-bench with
# --verify none: nothing hashed or checked, like curl;
# --cells "SIZE:CONC:N ..." and --clients "gemflow node-fetch ..." pick
# some (e.g. --cells "1K:1:40 4K:1:4" --clients "gemflow node-fetch"). 1K
# images come from 4 distinct prompts, 4K from one (gemflow-sim's image
# cache drops 4K images it should keep when several are made at once, and
# a render costs it a second of CPU).
#
# Each figure is a whole process's, from /usr/bin/time (CPU user+sys, peak
# RSS, wall: wait4's rusage), so process start-up counts for every client;
# the median of R runs (default 5, interleaved: run 1 of every client, then
# run 2, ...).
# The simulator's CPU during each run is read from /proc and reported: it
# runs on the other core and must not be the bottleneck.
#
# Cells a client cannot do in reasonable time or memory are skipped and
# said so: the SDK at 4K only at concurrency 1 (about 70 s of CPU and 1 GB
# per image), Node fetch at 4K not at 200 (~40 MB per stream in flight).
#
# Not a test: run by hand on a quiet machine, one measurement at a time.
# Prints a Markdown table; the raw runs go to DIR/runs.tsv (--out, default
# a new temporary directory, kept).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
quick=0 runs=5 out= bld= cells= clients=
while (($#)); do
  case $1 in
    --quick) quick=1; shift ;;
    --runs) runs=$2; shift 2 ;;
    --cells) cells=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
    *) bld=$1; shift ;;
  esac
done
bld=$(cd "${bld:-$top/build}" && pwd)
bench=$bld/bench/gemflow-bench/gemflow-bench
sim=$bld/gemflow-sim
node_dir=$top/bench/node
for t in "$bench" "$sim"; do
  [[ -x $t ]] || { echo "compare.sh: $t is not built" >&2; exit 1; }
done
for t in /usr/bin/time curl node python3; do
  command -v "$t" >/dev/null || { echo "compare.sh: needs $t" >&2; exit 1; }
done
(($(node -p 'process.versions.node.split(".")[0]') >= 20)) ||
  { echo "compare.sh: needs Node 20 or newer" >&2; exit 1; }
if [[ ! -f $node_dir/node_modules/@google/genai/package.json ]]; then
  echo "installing the Node peers from the lockfile: npm ci --prefix bench/node" >&2
  npm ci --prefix "$node_dir" --no-audit --no-fund >&2
fi
if ((quick)); then runs=1; fi
((runs >= 1)) || { echo "compare.sh: --runs wants 1 or more" >&2; exit 2; }
if [[ -z $cells ]]; then
  if ((quick)); then cells="1K:1:4 1K:50:50 4K:1:1"
  else cells="1K:1:40 1K:50:200 1K:200:400 4K:1:4 4K:50:50 4K:200:200"; fi
fi
distinct() { if [[ $1 == 4K ]]; then echo 1; else echo 4; fi; }
clients=${clients:-"gemflow curl node-fetch genai-sdk"}

work=$(mktemp -d)
out=${out:-$work/out}
mkdir -p "$out"
simpid=
cleanup() {
  if [[ -n $simpid ]]; then kill "$simpid" 2>/dev/null || true; wait "$simpid" 2>/dev/null || true; fi
  rm -rf "$work/sim" "$work/priv" "$work/req-"* "$work/refs"
}
trap cleanup EXIT
mkdir -m 700 "$work/priv"   # what holds the key: curl configs

# identity for everyone: Node's fetch asks for gzip by default, which the
# simulator (like the service) would grant; the clients must do the same
# work on the same bytes (gemflow-bench --compressed measures gzip apart)
"$sim" --port 0 --gzip=never --dir "$work/sim" >"$work/sim.out" 2>"$work/sim.err" &
simpid=$!
for _ in $(seq 200); do
  if grep -q '^gemflow-sim ready' "$work/sim.out" 2>/dev/null; then break; fi
  sleep 0.05
done
url=$(sed -n 's/.* url=\([^ ]*\).*/\1/p' "$work/sim.out")
ca=$(sed -n 's/.* ca=\([^ ]*\).*/\1/p' "$work/sim.out")
[[ -n $url && -f $ca ]] || { cat "$work/sim.err" >&2; echo "compare.sh: gemflow-sim did not start" >&2; exit 1; }
export GEMFLOW_API_KEY="compare-$RANDOM$RANDOM-key"
export NODE_EXTRA_CA_CERTS=$ca
hz=$(getconf CLK_TCK)
sim_cpu() { awk -v hz="$hz" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$simpid/stat"; }

{
  echo "# $(date -u '+%Y-%m-%d %H:%M UTC') $(uname -srm), $(nproc) CPUs"
  echo "# $("$bench" --version), $(curl --version | head -1 | cut -d' ' -f1-5), node $(node --version), @google/genai $(node -p "require('$node_dir/node_modules/@google/genai/package.json').version")"
  printf 'size\tconc\tclient\trun\tn\twall_s\tuser_s\tsys_s\tmaxrss_kb\tverified\tsim_cpu_s\texit\n'
} >"$out/runs.tsv"

prepare() { # size: the request bodies, the references, a warm simulator
  local size=$1 k
  k=$(distinct "$size")
  "$bench" --dump-requests "$work/req-$size" -s "$size" -a 1:1 --distinct "$k"
  "$bench" --base-url "$url" --ca-file "$ca" --sim "$sim" --refs "$work/refs" \
    -n "$k" -c 1 -s "$size" -a 1:1 --distinct "$k" --warmup 0 -q >/dev/null
}

# cmd...: runs it under /usr/bin/time: wall, user, sys, peak RSS (KB)
# into $work/time. (/usr/bin/time forks from a process of ~2 MB: a Python
# wrapper's own 10+ MB would count in the child's peak RSS.)
timed() { /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@"; }

job() { # size n c: a job file for the Node peers
  python3 - "$work/req-$1" "$work/refs" "$1" "$url" "$2" "$3" "$(distinct "$1")" <<'PY'
import json, sys
req, refs, size, url, n, c, k = sys.argv[1:]
k = int(k)
hdr = dict(l.split(': ', 1) for l in open(req + '/headers').read().splitlines() if l)
print(json.dumps({
    "url": url, "target": open(req + '/target').read().strip(),
    "key_in": open(req + '/key_in').read().strip(), "headers": hdr,
    "bodies": [f"{req}/body-{i}.json" for i in range(k)],
    "expect": [open(f"{refs}/ref-{i}-{size}-1_1-0.sha256").read().split()[0] for i in range(k)],
    "n": int(n), "c": int(c)}))
PY
}

curl_cfg() { # size n: a curl config (it holds the key: in priv/)
  local size=$1 n=$2 req=$work/req-$1 target key_in i k
  k=$(distinct "$size")
  target=$(cat "$req/target") key_in=$(cat "$req/key_in")
  local u=$url$target
  if [[ $key_in == query ]]; then u="$u&key=$GEMFLOW_API_KEY"; fi
  {
    for ((i = 0; i < n; i++)); do
      printf 'url = "%s"\ndata-binary = "@%s/body-%d.json"\noutput = "/dev/null"\n' "$u" "$req" $((i % k))
      printf 'cacert = "%s"\nsilent\nwrite-out = "%%{http_code} %%{size_download}\\n"\n' "$ca"
      while IFS= read -r h; do
        if [[ -n $h ]]; then printf 'header = "%s"\n' "$h"; fi
      done <"$req/headers"
      if [[ $key_in == header ]]; then printf 'header = "x-goog-api-key: %s"\n' "$GEMFLOW_API_KEY"; fi
      if ((i < n - 1)); then echo next; fi
    done
  } >"$work/priv/curl.cfg"
}

skip_reason() { # size conc client
  case $1:$2:$3 in
    4K:1:genai-sdk) return 1 ;;
    4K:*:genai-sdk) echo "~70 s CPU and ~1 GB per 4K image: run at concurrency 1 only" ;;
    4K:200:node-fetch) echo "~40 MB per 4K stream in flight (2 GB at 50): ~8 GB at 200" ;;
    *) return 1 ;;
  esac
}

measure() { # size conc n client run
  local size=$1 c=$2 n=$3 client=$4 run=$5 cmd verified s0 s1 rc=0
  case $client in
    gemflow) cmd=("$bench" --base-url "$url" --ca-file "$ca" --sim "$sim"
                  --refs "$work/refs" -n "$n" -c "$c" -s "$size" -a 1:1
                  --distinct "$(distinct "$size")" --warmup 0 -q) ;;
    gemflow-nohash) cmd=("$bench" --base-url "$url" --ca-file "$ca"
                  -n "$n" -c "$c" -s "$size" -a 1:1
                  --distinct "$(distinct "$size")" --warmup 0 --verify none -q) ;;
    curl) cmd=(curl -s -Z --parallel-max "$c" -K "$work/priv/curl.cfg") ;;
    node-fetch) cmd=(node "$node_dir/fetch.mjs" "$work/job.json") ;;
    genai-sdk) cmd=(node "$node_dir/genai.mjs" "$work/job-sdk.json") ;;
  esac
  s0=$(sim_cpu)
  timed "${cmd[@]}" >"$work/stdout" 2>"$work/stderr" || rc=$?
  s1=$(sim_cpu)
  case $client in
    curl) verified=$(grep -c '^200 ' "$work/stdout" || true) ;;
    gemflow-nohash) verified="$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["ok"])' "$work/stdout" 2>/dev/null || echo 0)" ;;
    *) verified=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["verified"])' "$work/stdout" 2>/dev/null || echo 0) ;;
  esac
  if ((rc)); then
    echo "compare.sh: $client $size c=$c run $run exited $rc:" >&2
    tail -3 "$work/stderr" >&2
  fi
  local wall user sys rss
  read -r wall user sys rss < <(tail -1 "$work/time")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$c" "$client" \
    "$run" "$n" "$wall" "$user" "$sys" "$rss" "$verified" \
    "$(awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.3f", b - a }')" "$rc" >>"$out/runs.tsv"
  printf '  %-3s c=%-4s %-10s run %d: wall %6ss cpu %6ss rss %7s KB verified %s/%s\n' \
    "$size" "$c" "$client" "$run" "$wall" \
    "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$rss" "$verified" "$n" >&2
}

last_size=
for cell in $cells; do
  IFS=: read -r size c n <<<"$cell"
  if [[ $size != "$last_size" ]]; then
    echo "preparing $size (request bodies, references, warm simulator)" >&2
    prepare "$size"
    last_size=$size
  fi
  job "$size" "$n" "$c" >"$work/job.json"
  sdk_n=$n
  if [[ $size == 4K ]]; then sdk_n=1; fi
  job "$size" "$sdk_n" "$c" >"$work/job-sdk.json"
  curl_cfg "$size" "$n"
  for ((run = 1; run <= runs; run++)); do
    for client in $clients; do
      if why=$(skip_reason "$size" "$c" "$client"); then
        if ((run == 1)); then printf '%s\t%s\t%s\tskipped\t%s\n' "$size" "$c" "$client" "$why" >>"$out/runs.tsv"; fi
        continue
      fi
      if ((quick)) && [[ $size == 4K && $client == genai-sdk ]]; then continue; fi
      if [[ $client == genai-sdk ]]; then measure "$size" "$c" "$sdk_n" "$client" "$run"
      else measure "$size" "$c" "$n" "$client" "$run"; fi
    done
  done
done

python3 - "$out/runs.tsv" <<'PY'
import statistics, sys
rows, skipped = {}, {}
for line in open(sys.argv[1]):
    if line.startswith('#') or line.startswith('size\t'):
        continue
    f = line.rstrip('\n').split('\t')
    if f[3] == 'skipped':
        skipped[(f[0], int(f[1]), f[2])] = f[4]
        continue
    size, c, client, run, n = f[0], int(f[1]), f[2], int(f[3]), int(f[4])
    wall, user, sys_, rss, ver, simc, rc = (float(f[5]), float(f[6]), float(f[7]),
                                            int(f[8]), int(f[9]), float(f[10]), int(f[11]))
    rows.setdefault((size, c, client), []).append(
        dict(n=n, wall=wall, cpu_ms=(user + sys_) * 1000 / n, rss=rss / 1024,
             ver=ver, sim_ms=simc * 1000 / n, rc=rc))
med = lambda v: statistics.median(v)
order = ['gemflow', 'gemflow-nohash', 'curl', 'node-fetch', 'genai-sdk']
print('| size | conc | client | n | CPU ms/image | x gemflow | peak RSS MB | x gemflow | wall s | x gemflow | verified | sim CPU ms/image |')
print('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
cells = sorted({(k[0], k[1]) for k in list(rows) + list(skipped)}, key=lambda k: (k[0], k[1]))
for size, c in cells:
    g = rows.get((size, c, 'gemflow'))
    gm = {k: med([r[k] for r in g]) for k in ('cpu_ms', 'rss', 'wall')} if g else None
    for client in order:
        key = (size, c, client)
        if key in skipped:
            print(f'| {size} | {c} | {client} | | skipped: {skipped[key]} | | | | | | | |')
            continue
        if key not in rows:
            continue
        rs = rows[key]
        m = {k: med([r[k] for r in rs]) for k in ('cpu_ms', 'rss', 'wall', 'sim_ms')}
        ratio = lambda k: f'{m[k] / gm[k]:.2f}' if gm and gm[k] > 0 else ''
        n = rs[0]['n']
        wall_ratio = ratio('wall') if n == g[0]['n'] else '(n differs)'
        vers = [r['ver'] for r in rs]
        ver = f'{min(vers)}/{n}' + {'curl': ' (HTTP 200, bytes only)',
                                    'gemflow-nohash': ' (ok, not hashed)'}.get(client, '')
        fails = sum(1 for r in rs if r['rc'])
        if fails:
            ver += f', {fails} of {len(rs)} runs failed'
        print(f"| {size} | {c} | {client} | {n} | {m['cpu_ms']:.1f} | {ratio('cpu_ms')} | "
              f"{m['rss']:.1f} | {ratio('rss')} | {m['wall']:.2f} | {wall_ratio} | {ver} | {m['sim_ms']:.1f} |")
print(f'\nmedians of {max(len(v) for v in rows.values())} runs; raw runs: {sys.argv[1]}')
PY
