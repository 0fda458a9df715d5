#!/usr/bin/env bash
# Builds the fuzz targets with clang and runs each for SECONDS (default 60) from the seed corpora
# in tests/fuzz/corpus/<target>. Prints each target's execution count; exits non-zero on a crash
# (the reproducer is left in build-fuzz/crashes/ — turn it into a regression test).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DQINFER_FUZZ=ON -DQINFER_BUILD_TESTS=OFF -DQINFER_BUILD_PERF=OFF \
  -DQINFER_BUILD_EXAMPLES=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build-fuzz -j2 --target fuzz_qbin fuzz_npy fuzz_image fuzz_onnx
mkdir -p build-fuzz/crashes
status=0
for target in fuzz_qbin fuzz_npy fuzz_image fuzz_onnx; do
  work=build-fuzz/corpus/$target
  mkdir -p "$work"
  log=build-fuzz/$target.log
  if ./build-fuzz/bin/$target -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 \
       -artifact_prefix=build-fuzz/crashes/$target- "$work" tests/fuzz/corpus/$target $(ls -d tests/fuzz/regressions/$target 2>/dev/null) > "$log" 2>&1; then
    result=ok
  else
    result=CRASH
    status=1
    tail -40 "$log"
  fi
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || true)
  [ -n "$runs" ] || runs=$(grep -Eo '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  echo "fuzz: $target: $result, ${runs:-?} executions in ${seconds}s"
done
exit $status
