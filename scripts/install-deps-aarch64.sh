#!/usr/bin/env bash
# Adds what the aarch64 cross build and its qemu test run need (Debian multiarch). Idempotent.
set -euo pipefail
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
packages=(g++-aarch64-linux-gnu qemu-user-static libflatbuffers-dev:arm64 libhwy-dev:arm64 libgtest-dev:arm64
          libgmock-dev:arm64 libstb-dev:arm64 libc6:arm64)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps-aarch64: all ${#packages[@]} packages present"
  exit 0
fi
dpkg --print-foreign-architectures | grep -qx arm64 || $sudo dpkg --add-architecture arm64
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
