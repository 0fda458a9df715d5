#!/usr/bin/env bash
# Cross-compiles the runtime (no converter) and its tests for aarch64 and runs them under qemu.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps-aarch64.sh
cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DQINFER_BUILD_CONVERTER=OFF \
  -DQINFER_BUILD_PERF=OFF -DQINFER_BUILD_EXAMPLES=OFF > /dev/null
cmake --build build-aarch64 -j2
# Tests that start qrun/qinfo start them through qemu too.
QINFER_TOOL_WRAPPER="qemu-aarch64-static" ctest --test-dir build-aarch64 --output-on-failure
