#!/usr/bin/env bash
# Install and consume, as a user would: a fresh build of the source tree,
# `cmake --install` into a temporary prefix, then
#  - the installed files, exactly: libgemflow.so.X.Y.Z with its SONAME
#    symlinks, libgemflow.a, gemflow.h, gemflow.pc, the CMake package,
#    bin/gemflow and bin/gemflow-sim, the man pages; no internal library;
#  - the shared library exports gf_ names only (nothing gf__, no llhttp_),
#    the static one defines no llhttp_ name and holds no server-side object;
#  - the public header compiles as C11 and C++17 and shows no type of
#    libuv (but struct uv_loop_s), mbedTLS, OpenSSL, llhttp or json-c;
#  - examples/minimal.c built out of tree with pkg-config (shared, and
#    --static against libgemflow.a) and with find_package(gemflow) (shared
#    and static), and once more with every llhttp_ function of its own
#    (shared and static): each binary run against gemflow-sim writes the
#    image gemflow-sim --render draws for the prompt, byte for byte.
# Run by ctest as: bash install.sh <gemflow> <gemflow-sim> <source dir> <build dir>
# GF_INSTALL_KEEP=1 keeps the temporary directory. Exit 77: skipped.
set -euo pipefail

usage="usage: $0 <gemflow> <gemflow-sim> <source dir> <build dir>"
SIM=$(readlink -f -- "${2:?$usage}")
SRC=$(readlink -f -- "${3:?$usage}")
BUILD=$(readlink -f -- "${4:?$usage}")
[[ -x $SIM && -f $SRC/CMakeLists.txt ]] || { echo "FAIL: bad arguments: $*" >&2; exit 1; }

skip() { echo "SKIP: $*" >&2; exit 77; }
for tool in cmake gcc g++ nm readelf ar pkg-config sha256sum timeout ldd; do
  command -v "$tool" >/dev/null || skip "$tool is not installed"
done
# The build under test is a fresh one with default flags, whatever the
# calling build's: a sanitizer build's run would repeat the plain one's.
if grep -qE '^GF_SANITIZE:[A-Z]+=.+' "$BUILD/CMakeCache.txt" 2>/dev/null; then
  skip "sanitizer build: the plain build's run covers the install"
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/gemflow-install.XXXXXX")
P=$T/prefix
SIM_PID=
cleanup() {
  if [[ -n $SIM_PID ]]; then kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; fi
  if [[ -n ${GF_INSTALL_KEEP:-} ]]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
# step NAME SECONDS COMMAND...: runs COMMAND with its output in
# $T/NAME.log; on failure shows the log's end and stops the test.
step() {
  local name=$1 secs=$2 rc=0
  shift 2
  timeout "$secs" "$@" >"$T/$name.log" 2>&1 || rc=$?
  if ((rc)); then
    echo "FAIL: $name (exit $rc$( ((rc == 124)) && echo ", timed out after ${secs}s")): $*" >&2
    tail -n 40 "$T/$name.log" >&2
    exit 1
  fi
}
not() { ! "$@"; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }
started=$SECONDS

# ---- build and install --------------------------------------------------------
ver=()
for part in MAJOR MINOR PATCH; do
  ver+=("$(sed -n "s/^#define GF_VERSION_$part \([0-9][0-9]*\).*/\1/p" "$SRC/include/gemflow.h")")
done
VERSION=${ver[0]}.${ver[1]}.${ver[2]}
[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "FAIL: no version in include/gemflow.h" >&2; exit 1; }

step configure 180 cmake -S "$SRC" -B "$T/build" -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_TESTING=OFF -DCMAKE_INSTALL_PREFIX="$P"
step build 420 nice -n 10 cmake --build "$T/build" -j2
step install 60 cmake --install "$T/build"
LIBDIR=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$T/build/CMakeCache.txt")
L=$P/${LIBDIR:-lib}
echo "built and installed in $((SECONDS - started)) s"

# ---- the installed files ------------------------------------------------------
(cd "$P" && find . \( -type f -o -type l \) | sed 's|^\./||' | LC_ALL=C sort) >"$T/files"
LD=${LIBDIR:-lib}
LC_ALL=C sort >"$T/files.want" <<EOF
bin/gemflow
bin/gemflow-sim
include/gemflow.h
$LD/cmake/gemflow/FindMbedTLS.cmake
$LD/cmake/gemflow/gemflowConfig.cmake
$LD/cmake/gemflow/gemflowConfigVersion.cmake
$LD/cmake/gemflow/gemflowTargets-release.cmake
$LD/cmake/gemflow/gemflowTargets.cmake
$LD/libgemflow.a
$LD/libgemflow.so
$LD/libgemflow.so.${ver[0]}
$LD/libgemflow.so.$VERSION
$LD/pkgconfig/gemflow.pc
share/man/man1/gemflow-sim.1
share/man/man1/gemflow.1
EOF
if diff "$T/files.want" "$T/files" >"$T/files.diff"; then
  pass "installed files are the expected ones"
else
  fail "installed files differ from the expected list (< missing, > unexpected;" \
       "update tests/install/install.sh when intended):"
  grep '^[<>]' "$T/files.diff" >&2 || true
fi
check "libgemflow.so -> libgemflow.so.${ver[0]}" test "$(readlink "$L/libgemflow.so" || true)" = "libgemflow.so.${ver[0]}"
check "libgemflow.so.${ver[0]} -> libgemflow.so.$VERSION" test "$(readlink "$L/libgemflow.so.${ver[0]}" || true)" = "libgemflow.so.$VERSION"
check "libgemflow.so.$VERSION is a file" test -f "$L/libgemflow.so.$VERSION" -a ! -L "$L/libgemflow.so.$VERSION"
soname=$(readelf -d "$L/libgemflow.so.$VERSION" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
check "SONAME is libgemflow.so.${ver[0]} (got '$soname')" test "$soname" = "libgemflow.so.${ver[0]}"
has_runpath() { readelf -d "$@" | grep -qE '\((RPATH|RUNPATH)\)'; }
check "no RPATH/RUNPATH in the installed library and programs" \
  not has_runpath "$L/libgemflow.so.$VERSION" "$P/bin/gemflow" "$P/bin/gemflow-sim"
check "bin/gemflow --version says $VERSION" grep -qF "$VERSION" <<<"$("$P/bin/gemflow" --version 2>&1 || true)"
check "bin/gemflow-sim --version says $VERSION" grep -qF "$VERSION" <<<"$("$P/bin/gemflow-sim" --version 2>&1 || true)"
check "gemflow.pc: Version $VERSION" grep -qx "Version: $VERSION" "$L/pkgconfig/gemflow.pc"

# ---- symbols ------------------------------------------------------------------
nm -D --defined-only "$L/libgemflow.so.$VERSION" | awk '{print $NF}' | sed 's/@.*//' | LC_ALL=C sort -u >"$T/exports"
check "the .so exports gf_generate and gf_version" test "$(grep -cx -e gf_generate -e gf_version "$T/exports")" = 2
# a public name (gf_ and not gf__) or a version node (GEMFLOW_0)
foreign_exports() { grep -vE '^gf_[A-Za-z0-9]' "$T/exports" | grep -vxE 'GEMFLOW_[0-9_.]+'; }
got=$(foreign_exports | head -5 | tr '\n' ' ' || true)
check "the .so exports only gf_ names and its version node${got:+ (got: $got)}" not foreign_exports
nm --defined-only "$L/libgemflow.a" 2>/dev/null | awk 'NF == 3 {print $3}' | LC_ALL=C sort -u >"$T/static-syms"
check "libgemflow.a holds llhttp, renamed gf__llhttp_" grep -q '^gf__llhttp_' "$T/static-syms"
check "libgemflow.a defines no llhttp_ name" not grep -q '^llhttp_' "$T/static-syms"
srv_objects() { ar t "$L/libgemflow.a" | grep '^srv_'; }
check "libgemflow.a holds no server-side (srv_*) object" not srv_objects

# ---- the public header --------------------------------------------------------
mkdir "$T/hdr"
printf '#include <gemflow.h>\nint main(void) { return gf_version() == 0; }\n' >"$T/hdr/c11.c"
check "gemflow.h compiles as C11 (-Wall -Wextra -Werror -pedantic)" \
  gcc -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I"$P/include" "$T/hdr/c11.c"
cat >"$T/hdr/cxx17.cpp" <<'EOF'
#include <gemflow.h>
#include <cstdio>

struct uv_loop_s; // as the header has it
int main() {
  gf_client_options o;
  gf_client_options_init(&o);
  gf_gen_options g;
  gf_gen_options_init(&g);
  gf_callbacks cb;
  gf_callbacks_init(&cb);
  cb.on_done = [](gf_gen *, const gf_result *r, void *) {
    std::printf("%s\n", gf_err_name(r->status));
  };
  gf_errno e = GF_EINVAL;
  gf_client *c = nullptr;
  uv_loop_s *loop = nullptr;
  unsigned char sha[32] = {0};
  char hex[65];
  gf_hex_sha256(sha, hex);
  return (gf_client_new(loop, &o, &c) == e) + (GF_VERSION_HEX > 0) - 1;
}
EOF
check "gemflow.h compiles as C++17 (-Wall -Wextra -Werror)" \
  g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I"$P/include" "$T/hdr/cxx17.cpp"
other_includes() {
  grep -E '^[[:space:]]*#[[:space:]]*include' "$P/include/gemflow.h" | grep -vE '<std(def|int|bool|arg|io)\.h>'
}
check "gemflow.h includes only the C standard's headers" not other_includes
gcc -std=c11 -E -P -I"$P/include" "$T/hdr/c11.c" >"$T/hdr/pp.c"
grep -oE '\b(uv_[A-Za-z0-9_]*|UV_[A-Za-z0-9_]*|mbedtls[A-Za-z0-9_]*|MBEDTLS[A-Za-z0-9_]*|llhttp[A-Za-z0-9_]*|json_[A-Za-z0-9_]*|JSON_C_[A-Za-z0-9_]*|lh_table|printbuf|array_list|openssl[A-Za-z0-9_]*|SSL_?[A-Za-z0-9_]*|EVP_[A-Za-z0-9_]*|X509[A-Za-z0-9_]*)' \
  "$T/hdr/pp.c" | LC_ALL=C sort -u >"$T/hdr/foreign"
check "the preprocessed header forward-declares struct uv_loop_s" grep -q 'struct uv_loop_s;' "$T/hdr/pp.c"
got=$(grep -vx uv_loop_s "$T/hdr/foreign" | head -8 | tr '\n' ' ' || true)
check "the preprocessed header shows no libuv/mbedTLS/OpenSSL/llhttp/json-c name but uv_loop_s${got:+ (got: $got)}" \
  not grep -vxq uv_loop_s "$T/hdr/foreign"

# ---- man pages ----------------------------------------------------------------
if command -v man >/dev/null; then
  for page in gemflow gemflow-sim; do
    f=$P/share/man/man1/$page.1
    warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l "$f" 2>&1 >/dev/null || echo "man failed")
    check "man $page: renders without warnings${warnings:+: $warnings}" test -z "$warnings"
    check "man $page: found in the prefix's MANPATH" test "$(MANPATH=$P/share/man man -w "$page" 2>/dev/null)" = "$f"
  done
else
  echo "note: man is not installed; the man pages' rendering is not checked"
fi

# ---- examples/minimal.c, built out of tree ------------------------------------
export PKG_CONFIG_PATH=$L/pkgconfig
unset PKG_CONFIG_LIBDIR
check "pkg-config --modversion gemflow is $VERSION" test "$(pkg-config --modversion gemflow 2>&1)" = "$VERSION"
M=$T/minimal
mkdir "$M"
CFLAGS=(-std=c11 -Wall -Wextra -Werror -pedantic)
# The program calls libuv itself, so it names libuv too.
read -r -a pc_cflags <<<"$(pkg-config --cflags gemflow libuv)"
read -r -a pc_shared <<<"$(pkg-config --libs gemflow libuv)"
read -r -a pc_static <<<"$(pkg-config --static --libs gemflow libuv | sed 's/-lgemflow\b/-l:libgemflow.a/')"
step pc-shared 120 gcc "${CFLAGS[@]}" "${pc_cflags[@]}" "$SRC/examples/minimal.c" "${pc_shared[@]}" -o "$M/pc-shared"
step pc-static 120 gcc "${CFLAGS[@]}" "${pc_cflags[@]}" "$SRC/examples/minimal.c" "${pc_static[@]}" -o "$M/pc-static"

# find_package(gemflow), in the prefix only: no package registry.
for kind in shared static; do
  st=OFF
  [[ $kind == static ]] && st=ON
  step "cmake-$kind-configure" 120 cmake -S "$SRC/examples/minimal" -B "$T/cmake-$kind" \
    -DCMAKE_PREFIX_PATH="$P" -DMINIMAL_STATIC=$st -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DCMAKE_C_FLAGS="-Wall -Wextra -Werror"
  step "cmake-$kind-build" 120 cmake --build "$T/cmake-$kind"
  check "find_package: gemflow_DIR is the prefix's ($kind)" \
    grep -qx "gemflow_DIR:PATH=$L/cmake/gemflow" "$T/cmake-$kind/CMakeCache.txt"
  cp "$T/cmake-$kind/minimal" "$M/cmake-$kind"
done

# An application with llhttp of its own: every llhttp_ function libgemflow
# holds (renamed), defined again here, each aborting if libgemflow called it.
sed -n 's/^gf__\(llhttp_[A-Za-z0-9_]*\)$/\1/p' "$T/static-syms" >"$T/llhttp-names"
grep -qx llhttp_init "$T/llhttp-names" || echo llhttp_init >>"$T/llhttp-names"
{
  echo '#include <stdlib.h>'
  while read -r n; do
    printf 'void %s(void);\nvoid %s(void) { abort(); }\n' "$n" "$n"
  done <"$T/llhttp-names"
} >"$M/own_llhttp.c"
step clash-shared 120 gcc "${CFLAGS[@]}" "${pc_cflags[@]}" "$SRC/examples/minimal.c" "$M/own_llhttp.c" "${pc_shared[@]}" -o "$M/clash-shared"
step clash-static 120 gcc "${CFLAGS[@]}" "${pc_cflags[@]}" "$SRC/examples/minimal.c" "$M/own_llhttp.c" "${pc_static[@]}" -o "$M/clash-static"
pass "an application's own llhttp_ functions ($(wc -l <"$T/llhttp-names")) link with libgemflow.so and libgemflow.a"

for b in pc-shared cmake-shared clash-shared; do
  check "$b: libgemflow.so.${ver[0]} from the prefix" \
    grep -qF "libgemflow.so.${ver[0]} => $L/libgemflow.so.${ver[0]}" <<<"$(LD_LIBRARY_PATH=$L ldd "$M/$b")"
done
for b in pc-static cmake-static clash-static; do
  check "$b: no libgemflow.so" not grep -q libgemflow <<<"$(ldd "$M/$b")"
done

# ---- run them against gemflow-sim ---------------------------------------------
unset GEMFLOW_SIM_API_KEY # any key is then valid
timeout 300 "$SIM" --port 0 --dir "$T/sim" >"$T/sim.out" 2>"$T/sim.err" &
SIM_PID=$!
line=
for _i in $(seq 200); do
  line=$(grep -m1 '^gemflow-sim ready ' "$T/sim.out" || true)
  [[ -n $line ]] && break
  kill -0 "$SIM_PID" 2>/dev/null || break
  sleep 0.05
done
[[ -n $line ]] || { cat "$T/sim.err" >&2; echo "FAIL: gemflow-sim did not get ready" >&2; exit 1; }
URL=$(sed -n 's/.* url=\([^ ]*\).*/\1/p' <<<"$line")
CA=$(sed -n 's/.* ca=\([^ ]*\).*/\1/p' <<<"$line")
[[ -n $URL && -f $CA ]] || { echo "FAIL: bad ready line: $line" >&2; exit 1; }

PROMPT="an installed gemflow: a lighthouse on a cliff at dusk"
"$SIM" --render --prompt "$PROMPT" --out "$T/ref.png"
REF=$(sha "$T/ref.png")
for b in pc-shared pc-static cmake-shared cmake-static clash-shared clash-static; do
  rc=0
  (cd "$M" && GEMFLOW_API_KEY="install-test-key-$$" GEMINI_BASE_URL=$URL SSL_CERT_FILE=$CA \
     LD_LIBRARY_PATH=$L timeout 60 "./$b" "$PROMPT" "$b.png" >"$b.out" 2>"$b.err") || rc=$?
  if ((rc == 0)) && [[ $(sha "$M/$b.png") == "$REF" ]] && grep -qx "sha256: $REF" "$M/$b.out"; then
    pass "$b: the simulator's image, byte for byte"
  else
    fail "$b: exit $rc, want the image $REF"
    cat "$M/$b.out" "$M/$b.err" >&2
  fi
done

echo "wall time: $((SECONDS - started)) s"
if ((FAILS)); then echo "$FAILS check(s) failed" >&2; exit 1; fi
echo "all passed"
