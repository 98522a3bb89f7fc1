#!/usr/bin/env bash
# Runs every test: installs the packages, builds with -Werror, runs the whole
# CTest suite (unit, parser split tests, integration over loopback TLS
# against gemflow-sim, CLI), then the same suite built with ASan+UBSan; then
# all of it again with the OpenSSL engine (tools/test-openssl.sh).
# GF_TEST_QUICK=1 skips the sanitizer passes.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
GF_DEPS_EXTRA="libssl-dev clang libclang-rt-14-dev tinyproxy openssl slurmctld slurmd slurm-client munge chromium ${GF_DEPS_EXTRA:-}" "$top/tools/deps.sh"
jobs=$(nproc)
# BUILD_TESTING=ON whatever an earlier configure of build/ chose (the demo
# builds without tests); ctest fails when it finds none.
"$top/tools/build.sh" "$top/build" -DBUILD_TESTING=ON
(cd "$top/build" && ctest --output-on-failure --no-tests=error -j"$jobs" --timeout 900)
if [ -z "${GF_TEST_QUICK:-}" ]; then
  "$top/tools/build.sh" "$top/build-asan" -DCMAKE_BUILD_TYPE=Debug \
    -DGF_SANITIZE=address,undefined -DBUILD_TESTING=ON
  (cd "$top/build-asan" && ASAN_OPTIONS=detect_leaks=1 \
     UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure --no-tests=error -j"$jobs" --timeout 1800)
fi
"$top/tools/test-openssl.sh"
