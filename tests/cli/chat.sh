#!/usr/bin/env bash
# generate --continue: a --json result holds the conversation ("chat");
# the next turn sends it back with the model's signatures (the simulator
# checks them) and prints a chat one turn longer. Bad files are refused
# before any request.
set -euo pipefail
. "$(dirname "$0")/lib.bash" "$@"

start_sim
mkdir "$WORK/w" && cd "$WORK/w"
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
v=d
for k in sys.argv[2:]: v=v[int(k)] if isinstance(v,list) else v[k]
print(json.dumps(v) if isinstance(v,(dict,list)) else v)' "$@"; }
last_log() { tail -n 1 "$WORK/sim.log" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["turns"], d["signatures"])'; }

gen --json -o one.png "a castle on a hill"
check "turn 1: exit 0" rc_is 0
cp "$WORK/out" one.json
check "turn 1: the chat has one turn" test "$(field one.json chat turns | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1
check "turn 1: the image is referenced by its file" test "$(field one.json chat turns 0 model 0 inlineData file)" = "$PWD/one.png"
check "turn 1: with its sha256" test "$(field one.json chat turns 0 model 0 inlineData sha256)" = "$(sha one.png)"
check "turn 1: logged" test "$(settled_lines 1)" = 1
check "turn 1: one turn sent" test "$(last_log)" = "1 none"

"$SIM" --render --prompt "at sunset" --aspect 1:1 --size 1K --out "$WORK/expected2.png"
gen --json --continue one.json -o two.png "at sunset"
check "turn 2: exit 0" rc_is 0
cp "$WORK/out" two.json
check "turn 2: the image" test "$(sha two.png)" = "$(sha "$WORK/expected2.png")"
check "turn 2: logged" test "$(settled_lines 2)" = 2
check "turn 2: three turns sent, signatures accepted" test "$(last_log)" = "3 ok"
check "turn 2: the chat has two turns" test "$(field two.json chat turns | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2
check "turn 2: no key printed" no_key_printed

gen --continue two.json -o three.png "with fireworks"
check "turn 3 without --json: exit 0" rc_is 0
check "turn 3: five turns sent" test "$(settled_lines 3)" = 3
check "turn 3: signatures accepted" test "$(last_log)" = "5 ok"

# Refused before any request: exit 2, nothing sent, no file.
before=$(settled_lines 3)
gen --continue missing.json -o x.png "more"
check "missing file: exit 2" rc_is 2
check "missing file: says so" err_has "--continue: cannot read missing.json"
echo '{"status":"error"}' >failed.json
gen --continue failed.json -o x.png "more"
check "no chat: exit 2" rc_is 2
check "no chat: says so" err_has "has no \"chat\""
echo 'not json' >garbage.json
gen --continue garbage.json -o x.png "more"
check "not JSON: exit 2" rc_is 2
cp one.png one.bak && printf 'x' >>one.png
gen --continue one.json -o x.png "more"
check "changed image: exit 2" rc_is 2
check "changed image: says so" err_has "has changed since it was generated"
mv one.bak one.png && rm two.png
gen --continue two.json -o x.png "more"
check "deleted image: exit 2" rc_is 2
check "deleted image: says so" err_has "cannot be read"
check "refusals: nothing sent" test "$(settled_lines "$before")" = "$before"
check "refusals: no file" test ! -e x.png
finish
