#!/usr/bin/env bash
# tools/build.sh DIR [cmake options...]: configure (Ninja, -Werror) and build.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build}; shift || true
cmake -S "$top" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGF_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
