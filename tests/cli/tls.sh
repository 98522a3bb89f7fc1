#!/usr/bin/env bash
# TLS refusals through `gemflow generate` against gemflow-sim serving a
# certificate made here with openssl (--cert/--key): an untrusted CA, a
# name mismatch, an IP literal the certificate does not list, an expired
# certificate. Each: exit 1, stderr names the cause, nothing on stdout, no
# file, no request in the simulator's log, the key printed nowhere, no
# retry. A good certificate is the control. Then the TLS 1.2 floor against
# openssl s_server offering TLS 1.1 only, where this openssl can.
set -euo pipefail
. "$(dirname "$0")/lib.bash" "$@"

if ! command -v openssl >/dev/null 2>&1; then
  echo "skipped: no openssl to make the test certificates"
  exit 0
fi

C=$WORK/certs
mkdir "$C"
: >"$C/index.txt"
echo 1000 >"$C/serial"
cat >"$C/ca.cnf" <<EOF
[ca]
default_ca = test_ca
[test_ca]
database = $C/index.txt
new_certs_dir = $C
serial = $C/serial
default_md = sha256
policy = any_name
unique_subject = no
[any_name]
commonName = supplied
EOF

ssl() { openssl "$@" >>"$C/openssl.log" 2>&1 || { cat "$C/openssl.log" >&2; echo "FAIL: openssl $1" >&2; exit 1; }; }
# The UTC time N days from now (negative: ago), as openssl ca wants it.
utc() { date -u -d "$1 days" +%Y%m%d%H%M%SZ; }
# make_ca NAME: $C/NAME.pem and $C/NAME.key, a P-256 CA.
make_ca() {
  ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$C/$1.key" -out "$C/$1.pem" -days 2 -subj "/CN=gemflow test $1" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
}
# make_cert CA NAME SANS FROM_DAYS UNTIL_DAYS: $C/NAME.pem and $C/NAME.key,
# a server certificate signed by CA for SANS (openssl syntax).
make_cert() {
  ssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$C/$2.key" -out "$C/$2.csr" -subj "/CN=$2"
  printf '%s\n' "subjectAltName=$3" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    >"$C/$2.ext"
  ssl ca -batch -notext -config "$C/ca.cnf" -cert "$C/$1.pem" \
    -keyfile "$C/$1.key" -in "$C/$2.csr" -out "$C/$2.pem" \
    -startdate "$(utc "$4")" -enddate "$(utc "$5")" -extfile "$C/$2.ext"
}

make_ca ca
make_ca other_ca
LOOPBACK="DNS:localhost,IP:127.0.0.1,IP:::1"
make_cert ca good "$LOOPBACK" -1 1
make_cert other_ca untrusted "$LOOPBACK" -1 1
make_cert ca othername "DNS:other.example" -1 1
make_cert ca localonly "DNS:localhost" -1 1
make_cert ca expired "DNS:localhost" -2 -1

stop_sim() {
  if [[ -n $SIM_PID ]]; then
    kill "$SIM_PID" 2>/dev/null || true
    wait "$SIM_PID" 2>/dev/null || true
    SIM_PID=
  fi
}
# start_cert_sim NAME: gemflow-sim serving $C/NAME.pem, a fresh log; sets
# PORT. (lib.bash's start_sim wants the ca= of the simulator's own CA.)
start_cert_sim() {
  stop_sim
  rm -f "$WORK/sim.log"
  : >"$WORK/sim.out" # not left to the job's redirection: see lib.bash
  timeout 300 "$SIM" --port 0 --log "$WORK/sim.log" --cert "$C/$1.pem" \
    --key "$C/$1.key" >"$WORK/sim.out" 2>"$WORK/sim.err" &
  SIM_PID=$!
  local line='' _i
  for _i in $(seq 200); do
    line=$(grep -m1 '^gemflow-sim ready ' "$WORK/sim.out" || true)
    [[ -n $line ]] && break
    kill -0 "$SIM_PID" 2>/dev/null || break
    sleep 0.05
  done
  [[ -n $line ]] || { cat "$WORK/sim.err" >&2; echo "FAIL: gemflow-sim did not get ready with $1.pem" >&2; exit 1; }
  PORT=$(sed -n 's/.* url=https:\/\/localhost:\([0-9]*\).*/\1/p' <<<"$line")
  [[ -n $PORT ]] || { echo "FAIL: bad ready line: $line" >&2; exit 1; }
}

mkdir "$WORK/w" && cd "$WORK/w"
no_files() { test -z "$(ls -A)"; }
lacks() { ! grep -q -- "$1" "$2"; }
# No request reached HTTP: the simulator logs one as its connection ends.
log_empty() { sleep 0.3; [[ $(log_lines) == 0 ]]; }

# refused CASE SERVED_CERT HOST TRUSTED_CA EXPECTED_STDERR_LINE
refused() {
  start_cert_sim "$2"
  URL=https://$3:$PORT
  CA=$C/$4.pem
  gen -o out.png "a refused handshake"
  echo "  $1: $(cat "$WORK/err")"
  check "$1: exit 1" rc_is 1
  check "$1: stderr names the cause" err_has "$5"
  check "$1: one line on stderr" test "$(wc -l <"$WORK/err")" = 1
  check "$1: not retried" lacks attempts "$WORK/err"
  check "$1: nothing on stdout" test ! -s "$WORK/out"
  check "$1: no file" no_files
  check "$1: no request reached the simulator" log_empty
  check "$1: the key is not printed" no_key_printed
}

refused "untrusted CA" untrusted localhost ca \
  "gemflow: certificate: the certificate of localhost is not signed by a CA in $C/ca.pem (a private CA: name its file with --ca-file"
refused "name mismatch" othername localhost ca \
  "gemflow: hostname: certificate is not valid for host localhost"
refused "IP literal not in the certificate" localonly 127.0.0.1 ca \
  "gemflow: hostname: certificate is not valid for IP 127.0.0.1"
refused "expired" expired localhost ca \
  "gemflow: certificate verification failed: The certificate validity has expired"

# The control: the good certificate, by IP, byte-exact.
start_cert_sim good
URL=https://127.0.0.1:$PORT
CA=$C/ca.pem
P="a lighthouse at dusk"
gen -o good.png "$P"
check "good certificate by IP: exit 0" rc_is 0
"$SIM" --render --prompt "$P" --out "$WORK/want.png"
check "good certificate by IP: byte-exact" test "$(sha good.png)" = "$(sha "$WORK/want.png")"
check "good certificate by IP: one request" test "$(settled_lines 1)" = 1
check "good certificate by IP: the key is not printed" no_key_printed
rm -f good.png
stop_sim

# The floor: a server offering TLS 1.1 only is refused. openssl s_server
# does that at security level 0, if this openssl still speaks TLS 1.1 (the
# control with s_client tells). Its stdin is a FIFO held open here: at EOF
# on stdin it would stop serving. gemflow offers TLS 1.2 AEAD suites only,
# so such a server finds no suite in common and ends the handshake.
OLD="DEFAULT@SECLEVEL=0"
mkfifo "$WORK/s_in"
exec 3<>"$WORK/s_in"
timeout 60 openssl s_server -tls1_1 -cipher "$OLD" -accept 0 -naccept 2 \
  -cert "$C/good.pem" -key "$C/good.key" <&3 >"$WORK/s_server.out" 2>&1 &
SIM_PID=$!
port=''
for _ in $(seq 100); do
  port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$WORK/s_server.out")
  [[ -n $port ]] && break
  sleep 0.05
done
if [[ -z $port ]]; then
  echo "skipped: TLS 1.2 floor: openssl s_server did not start"
elif ! openssl s_client -connect "127.0.0.1:$port" -tls1_1 -cipher "$OLD" \
    </dev/null 2>&1 | grep -qE '^New, .*Cipher is [A-Z]'; then
  echo "skipped: TLS 1.2 floor: this openssl cannot negotiate TLS 1.1"
else
  # shellcheck disable=SC2034 # URL and CA are gen's (lib.bash)
  URL=https://127.0.0.1:$port CA=$C/ca.pem
  gen -o old.png "an old server"
  echo "  TLS 1.1 only: $(cat "$WORK/err")"
  check "TLS 1.1 only: exit 1" rc_is 1
  check "TLS 1.1 only: a TLS failure" grep -q '^gemflow: tls: ' "$WORK/err"
  check "TLS 1.1 only: one line on stderr" test "$(wc -l <"$WORK/err")" = 1
  check "TLS 1.1 only: not retried" lacks attempts "$WORK/err"
  check "TLS 1.1 only: nothing on stdout" test ! -s "$WORK/out"
  check "TLS 1.1 only: no file" no_files
  check "TLS 1.1 only: no request sent" lacks POST "$WORK/s_server.out"
  check "TLS 1.1 only: the key is not printed" no_key_printed
fi
stop_sim
exec 3>&-
finish
