#!/usr/bin/env bash
# Installs what gemflow needs from Debian 12's packages (skips what is there).
# GF_DEPS_EXTRA adds more, space separated: what the tests need besides the
# build (clang libclang-rt-14-dev for the fuzzers, valgrind, and tinyproxy:
# the real HTTP proxy it_network starts on loopback; without it the proxy
# tests fail, saying so).
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config libuv1-dev libmbedtls-dev
      libjson-c-dev libc-ares-dev node-llhttp zlib1g-dev python3)
[ "${GF_DEPS_EXTRA:-}" ] && read -r -a extra <<<"$GF_DEPS_EXTRA" && pkgs+=("${extra[@]}")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
