# Shared by the CLI tests: sourced as `. lib.bash "$@"` with the paths of
# gemflow and gemflow-sim; sets GEMFLOW, SIM, WORK, KEY and the helpers.
GEMFLOW=$(readlink -f -- "${1:?usage: $0 /path/to/gemflow /path/to/gemflow-sim}")
SIM=$(readlink -f -- "${2:?usage: $0 /path/to/gemflow /path/to/gemflow-sim}")
[[ -x $GEMFLOW && -x $SIM ]] || { echo "FAIL: not executable: $1 $2" >&2; exit 1; }
WORK=$(mktemp -d)
SIM_PID=
cleanup() {
  if [[ -n $SIM_PID ]]; then kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
# The key only ever travels through the environment (and a file below):
# GEMFLOW_API_KEY, the variable of a custom base URL such as the
# simulator's; the other services' variables are unset.
KEY="cli-test-key-$$-$RANDOM-9f3c1a"
export GEMFLOW_API_KEY=$KEY
unset GEMINI_API_KEY GOOGLE_API_KEY ANYFAST_API_KEY
unset GEMINI_BASE_URL
FAILS=0
fail() {
  echo "FAIL: $*" >&2
  echo "--- stdout:" >&2; cat "$WORK/out" >&2 2>/dev/null || true
  echo "--- stderr:" >&2; cat "$WORK/err" >&2 2>/dev/null || true
  FAILS=$((FAILS + 1))
}
pass() { echo "ok: $*"; }
# start_sim [sim options]: runs gemflow-sim on a free port; sets URL and CA.
# shellcheck disable=SC2120 # options only in some tests
start_sim() {
  # emptied here, not by the background job's redirection, which may come
  # after the first look: an earlier simulator's ready line (its CA gone
  # with it) would be read
  : >"$WORK/sim.out"
  timeout 300 "$SIM" --port 0 --log "$WORK/sim.log" "$@" >"$WORK/sim.out" 2>"$WORK/sim.err" &
  SIM_PID=$!
  local line='' _i
  for _i in $(seq 200); do
    line=$(grep -m1 '^gemflow-sim ready ' "$WORK/sim.out" || true)
    [[ -n $line ]] && break
    kill -0 "$SIM_PID" 2>/dev/null || break
    sleep 0.05
  done
  [[ -n $line ]] || { cat "$WORK/sim.err" >&2; echo "FAIL: gemflow-sim did not get ready" >&2; exit 1; }
  URL=$(sed -n 's/.* url=\([^ ]*\).*/\1/p' <<<"$line")
  CA=$(sed -n 's/.* ca=\([^ ]*\).*/\1/p' <<<"$line")
  [[ -n $URL && -f $CA ]] || { echo "FAIL: bad ready line: $line" >&2; exit 1; }
}
# gen [options]: gemflow generate against the simulator; sets RC, output in
# $WORK/out and $WORK/err.
gen() {
  set +e
  timeout 120 "$GEMFLOW" generate --base-url "$URL" --ca-file "$CA" "$@" \
    >"$WORK/out" 2>"$WORK/err"
  RC=$?
  set -e
}
# check DESCRIPTION COMMAND...: counts a failure when COMMAND fails.
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
rc_is() { [[ $RC == "$1" ]]; }
out_is() { [[ $(cat "$WORK/out") == "$1" ]]; }
err_has() { grep -qF -- "$1" "$WORK/err"; }
no_key_printed() { ! grep -qF -- "$KEY" "$WORK/out" "$WORK/err"; }
log_lines() { if [[ -f $WORK/sim.log ]]; then wc -l <"$WORK/sim.log"; else echo 0; fi; }
# settled_lines N: the log's line count once it has reached N (at most 5 s;
# the simulator logs a request as its connection ends, which may be just
# after gemflow exits), then a moment more for a straggler beyond N.
settled_lines() {
  local _i
  for _i in $(seq 100); do (($(log_lines) >= $1)) && break; sleep 0.05; done
  sleep 0.1
  log_lines
}
sha() { sha256sum <"$1" | cut -d' ' -f1; }
finish() {
  if ((FAILS)); then echo "$FAILS check(s) failed" >&2; exit 1; fi
  echo "all passed"
}
