# Shared by the scale-out tests: sourced as `. lib.bash GEMFLOW SIM SRCDIR`.
# Builds on tests/cli/lib.bash (WORK, KEY, start_sim, check, fail, finish,
# sha) and adds the input, the expected images, and the checks every
# scale-out run must pass: one shared output directory, N shard manifests,
# merged into one.
SRC=$(readlink -f -- "${3:?usage: $0 /path/to/gemflow /path/to/gemflow-sim /path/to/source}")
# shellcheck source=../cli/lib.bash
. "$SRC/tests/cli/lib.bash" "$1" "$2"

# make_items FILE PREFIX COUNT [MARKERS]: COUNT items "PREFIX-000"...,
# ratios in turn, 1K, with MARKERS (simulator markers) in each prompt.
make_items() {
  python3 - "$@" <<'PY'
import json, sys
path, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
markers = sys.argv[4] if len(sys.argv) > 4 else ""
ratios = ["1:1", "16:9", "3:4", "4:3", "9:16"]
with open(path, "w") as f:
    for i in range(count):
        prompt = "%s %d: a lighthouse on a cliff at dusk %s" % (prefix, i, markers)
        f.write(json.dumps({"id": "%s-%03d" % (prefix, i), "prompt": prompt.strip(),
                            "aspect_ratio": ratios[i % len(ratios)],
                            "image_size": "1K"}) + "\n")
PY
}

# expect FILE OUT: "id sha256" of the image the simulator serves for each
# item (gemflow-sim --render), one a line, into OUT.
expect() {
  local id prompt aspect size
  : >"$2"
  while IFS=$'\t' read -r id prompt aspect size; do
    "$SIM" --render --prompt "$prompt" --aspect "$aspect" --size "$size" \
      --out "$WORK/render.png"
    echo "$id $(sha "$WORK/render.png")" >>"$2"
  done < <(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o=json.loads(l); print("\t".join((o["id"],o["prompt"],o["aspect_ratio"],o["image_size"])))' "$1")
  rm -f "$WORK/render.png"
}

# wait_log N: waits (at most 10 s) until the simulator's log has N lines:
# it logs a request as its connection ends, which may be just after the
# client exits.
wait_log() {
  local _i
  for _i in $(seq 200); do (($(log_lines) >= $1)) && break; sleep 0.05; done
  sleep 0.2 # a straggler beyond N shows up too
}

# settle_log: waits (at most 10 s) until the simulator's log stops growing
# (a canceled request is logged when its connection ends); prints its
# line count.
settle_log() {
  local last=-1 now _i
  for _i in $(seq 20); do
    now=$(log_lines)
    ((now == last)) && break
    last=$now
    sleep 0.5
  done
  log_lines
}

# merge_dir DIR: gemflow merge-manifests DIR; sets RC, stdout in
# $WORK/out, stderr in $WORK/err.
merge_dir() {
  set +e
  timeout 60 "$GEMFLOW" merge-manifests "$1" >"$WORK/out" 2>"$WORK/err"
  RC=$?
  set -e
}

# verify_shared DIR INPUT N EXPECTED FROM [MODE]: the invariants of one
# batch run as N shards into DIR, after merge-manifests DIR. Exit status is
# the verdict; what is wrong is printed. MODE "fresh": every item was
# requested exactly once since line FROM of the simulator's log; MODE
# "resume:IDS" (IDS a file of the ids finished before): nothing in IDS was
# requested since line FROM, everything else exactly once.
verify_shared() {
  python3 - "$@" "$WORK/sim.log" "$WORK/out" <<'PY'
import glob, hashlib, json, os, sys
d, inp, n, exp, frm = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
mode, simlog, merge_out = sys.argv[6], sys.argv[7], sys.argv[8]
items = [json.loads(l) for l in open(inp)]
ids = [o["id"] for o in items]
prompt = {o["id"]: o["prompt"] for o in items}
want = dict(l.split() for l in open(exp))
bad = []
def fnv(s):
    h = 14695981039346656037
    for c in s.encode():
        h = ((h ^ c) * 1099511628211) % 2**64
    return h
# One manifest per shard, each holding only its own ids; no id made ok by
# two shards.
names = sorted(os.path.basename(p) for p in glob.glob(d + "/manifest.*-of-*.jsonl"))
if names != sorted("manifest.%d-of-%d.jsonl" % (k, n) for k in range(n)):
    bad.append("shard manifests: %s" % names)
ok_in = {}
for k in range(n):
    p = "%s/manifest.%d-of-%d.jsonl" % (d, k, n)
    for l in open(p) if os.path.exists(p) else []:
        o = json.loads(l)
        if fnv(o["id"]) % n != k:
            bad.append("%s in shard %d's manifest" % (o["id"], k))
        if o["status"] == "ok":
            ok_in.setdefault(o["id"], set()).add(k)
bad += ["%s made by shards %s" % (i, sorted(s)) for i, s in ok_in.items() if len(s) > 1]
# The merged manifest: every id once, ok, its file byte-exact.
lines = [json.loads(l) for l in open(d + "/manifest.jsonl")]
got = [o["id"] for o in lines]
if sorted(got) != sorted(ids):
    bad.append("merged ids: %d lines, %d distinct, %d expected" % (len(got), len(set(got)), len(ids)))
cost = 0.0
for o in lines:
    i = o["id"]
    if o["status"] != "ok":
        bad.append("%s: %s" % (i, o["status"]))
        continue
    cost += o.get("cost_usd") or 0
    f = os.path.join(d, o["file"])
    h = hashlib.sha256(open(f, "rb").read()).hexdigest() if os.path.isfile(f) else "missing"
    if not (h == o["sha256"] == want.get(i)):
        bad.append("%s: file %s, manifest %s, simulator %s" % (i, h[:12], o["sha256"][:12], want.get(i, "?")[:12]))
    if o["file"] != i + ".png":
        bad.append("%s: named %s" % (i, o["file"]))
# The totals merge-manifests printed.
totals = "%d items: %d ok, 0 failed, cost $%.3f" % (len(ids), len(ids), cost)
if open(merge_out).read().strip() != totals or cost <= 0:
    bad.append("merge printed %r, not %r" % (open(merge_out).read().strip(), totals))
# What reached the wire.
sent = [json.loads(l)["prompt"] for l in open(simlog).read().splitlines()[frm:]]
done = set(open(mode.split(":", 1)[1]).read().split()) if mode.startswith("resume:") else set()
for i in ids:
    c = sent.count(prompt[i])
    if c != (0 if i in done else 1):
        bad.append("%s requested %d times" % (i, c))
stray = set(sent) - set(prompt.values())
if stray:
    bad.append("requests for no item: %d" % len(stray))
for root, _, files in os.walk(d):
    bad += ["temporary left: " + f for f in files if f.endswith(".part")]
for b in bad[:20]:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# ok_ids DIR: the ids some manifest in DIR records as ok, one a line.
ok_ids() {
  cat "$1"/manifest*.jsonl 2>/dev/null | python3 -c 'import json,sys
print("\n".join(sorted({o["id"] for o in map(json.loads, sys.stdin) if o["status"]=="ok"})))'
}
