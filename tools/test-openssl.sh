#!/usr/bin/env bash
# tools/test.sh for the OpenSSL engine: installs the packages (libssl-dev
# besides test.sh's), builds build-ossl with -DGF_TLS=openssl and -Werror,
# runs the whole CTest suite, then the same suite built with ASan+UBSan in
# build-ossl-asan. Mbed TLS stays installed: tests/tls/ use it as the
# independent peer. GF_TEST_QUICK=1 skips the sanitizer pass.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
GF_DEPS_EXTRA="libssl-dev clang libclang-rt-14-dev tinyproxy openssl slurmctld slurmd slurm-client munge chromium ${GF_DEPS_EXTRA:-}" "$top/tools/deps.sh"
jobs=$(nproc)
# BUILD_TESTING and GF_EXAMPLES on whatever an earlier configure chose: the
# browser test needs the gallery, and ctest fails when it finds no tests.
opts=(-DGF_TLS=openssl -DBUILD_TESTING=ON -DGF_EXAMPLES=ON)
"$top/tools/build.sh" "$top/build-ossl" "${opts[@]}"
(cd "$top/build-ossl" && ctest --output-on-failure --no-tests=error -j"$jobs" --timeout 900)
if [ -z "${GF_TEST_QUICK:-}" ]; then
  "$top/tools/build.sh" "$top/build-ossl-asan" "${opts[@]}" \
    -DCMAKE_BUILD_TYPE=Debug -DGF_SANITIZE=address,undefined
  (cd "$top/build-ossl-asan" && ASAN_OPTIONS=detect_leaks=1 \
     UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure --no-tests=error -j"$jobs" --timeout 1800)
fi
