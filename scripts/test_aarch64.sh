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

# Cross-architecture golden: PP-OCRv4 det int8 on a shared page must give the same bytes on
# aarch64 (Highway kernels under qemu) as on x86 (the JIT). Needs ../shared and x86 tools
# (X86_BIN, default build/bin; scripts/test.sh passes its sanitizer build).
det=../shared/models/ppocr/ch_PP-OCRv4_det_infer.onnx
pages=../shared/data/ocr/pages
x86=${X86_BIN:-build/bin}
if [ ! -f "$det" ]; then
  echo "aarch64 det golden: SKIPPED: ../shared is absent"
elif [ ! -x "$x86/qconv" ]; then
  echo "aarch64 det golden: SKIPPED: no x86 qconv in $x86 (build the native tree first or set X86_BIN)"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  "$x86/qconv" "$det" --calib "$pages/page_001.npy" -o "$work/det.qbin" -q
  "$x86/qrun" "$work/det.qbin" -i "$pages/page_000.npy" -o "$work/x86.npy" > /dev/null
  qemu-aarch64-static build-aarch64/bin/qrun "$work/det.qbin" -i "$pages/page_000.npy" -o "$work/arm.npy" > /dev/null
  if cmp -s "$work/x86.npy" "$work/arm.npy"; then
    echo "aarch64 det golden: PP-OCRv4 det int8 on page_000: aarch64 output byte-identical to x86 ($(stat -c %s "$work/x86.npy") bytes)"
  else
    echo "aarch64 det golden: FAILED: PP-OCRv4 det int8 output on aarch64 differs from x86"
    exit 1
  fi
fi
