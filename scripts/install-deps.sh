#!/usr/bin/env bash
# Installs everything qinfer needs to build and test on Debian 12 (bookworm). Idempotent.
set -euo pipefail
packages=(
  build-essential cmake git
  libflatbuffers-dev flatbuffers-compiler     # qbin format (schema compiled at build time)
  libonnx-dev libprotobuf-dev protobuf-compiler  # ONNX import (converter only)
  libxbyak-dev libhwy-dev                     # JIT (x86) and portable SIMD kernels
  libcli11-dev                                # command-line parsing of qconv / qrun
  libstb-dev                                  # PNG/JPEG decoding (qinfer_image)
  nlohmann-json3-dev                          # qinfo --json, qconv --report-json
  libgtest-dev libgmock-dev libbenchmark-dev  # tests and microbenchmarks
  clang libclang-rt-14-dev                    # libFuzzer targets (tests/fuzz)
  python3-numpy python3-onnx                  # test-data scripts
  pybind11-dev python3-dev python3-pytest     # the Python module and its tests
  ccache                                      # scripts/test.sh: its five builds share compiled objects
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
