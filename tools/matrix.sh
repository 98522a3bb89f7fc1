#!/usr/bin/env bash
# tools/matrix.sh BUILD_DIR: runs the fault matrix (BUILD_DIR/it_matrix,
# tests/integration/test_matrix.c) against gemflow-sim and writes
# docs/reliability.md from its rows. The build directory must have been
# built with the tests (tools/build.sh BUILD_DIR). Exits with the test's
# status: 0 when every row is as expected (rows of known library faults
# say so and do not fail it).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -ne 1 ]; then
  echo "usage: tools/matrix.sh BUILD_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
if [ ! -x "$build/it_matrix" ]; then
  echo "matrix: $build/it_matrix not found (build with the tests first)" >&2
  exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/gf-matrix.XXXXXX")
trap 'rm -rf "$work"' EXIT
rows="$work/rows.md"
status=0
TMPDIR="$work" GF_MATRIX_OUT="$rows" "$build/it_matrix" >"$work/log" 2>&1 ||
  status=$?
if [ ! -s "$rows" ]; then
  cat "$work/log" >&2
  echo "matrix: no rows written" >&2
  exit 1
fi
out="$top/docs/reliability.md"
{
  cat <<'EOF'
# Reliability: the fault matrix

Every fault the simulator can make, at every stage of the exchange where it
can happen, run through the library against `gemflow-sim` over loopback
TLS, with the retry policy on: 3 attempts in all, the first delay drawn
from 0-20 ms and the bound doubling (full jitter, never earlier than the
server's RetryInfo or Retry-After), an idle timeout of 10 s (3 s for
the stalls, 1 s for the drip), each generation written to a file
(`out_path`).

A transient fault is made to happen once (`[[times:1]]`: the first request
of that prompt gets it, the retry the normal answer), and then always
where it matters. The stages (`[[at:STAGE]]`, `src/sim/markers.h`):
`head` right after the request, before the status line; `headers` inside
the response's headers; `between` after the first thought event; `image`
after half of the image's base64; `usage` after the image event, before
the finish event; `-` where no stage applies.

Columns: the outcome (`GF_OK`, after a retry with how the first attempt
ended and what it had received; for a failure the error and its message),
the attempts the library made, the requests the simulator logged for the
prompt, and the image: for a success the result's sha256 and the file's
are those of the image the simulator serves (`gemflow-sim --render`), for
a failure no file is left. A row that says FAILS differs from the
expected outcome. A reset that comes right behind data may reach the
client as an end of stream (libuv reports a hang-up after a partial read
as EOF), so those rows accept `GF_ETRUNCATED` as well as `GF_ERESET`.

Regenerate with `tools/matrix.sh build` (after `tools/build.sh build`);
the cases are in `tests/integration/test_matrix.c`.

| fault | stage | outcome | attempts | requests | image |
| --- | --- | --- | --- | --- | --- |
EOF
  cat "$rows"
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "matrix: $(wc -l <"$rows") cases, written to docs/reliability.md"
if [ "$status" -ne 0 ]; then
  grep -E "FAIL|CHECK" "$work/log" >&2 || true
  echo "matrix: some cases are not as expected (rows saying FAILS)" >&2
fi
exit "$status"
