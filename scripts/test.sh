#!/usr/bin/env bash
# The project's test command (CI runs exactly this through .ci/run).
#   scripts/test.sh          everything: ASan+UBSan suite, TSan runtime suite, the aarch64 build's
#                            suite under qemu, 60 s per fuzz target,
#                            then the plain Release suite (its ctest summary is the closing line)
#   scripts/test.sh --quick  only the plain Release suite
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
# Every build below (and in test_aarch64.sh / run_fuzzers.sh) goes through ccache: CMake takes the
# launcher from these variables on first configure; paths relative to the checkout, so clones share it.
export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
if [ "${1:-}" != "--quick" ]; then
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer: whole suite"
  cmake -S . -B build-asan -DQINFER_SANITIZE=address,undefined -DQINFER_BUILD_PERF=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
  cmake --build build-asan -j2
  ctest --test-dir build-asan --output-on-failure
  echo "== ThreadSanitizer: runtime suite (concurrent run(), thread pool)"
  cmake -S . -B build-tsan -DQINFER_SANITIZE=thread -DQINFER_BUILD_CONVERTER=OFF -DQINFER_BUILD_PERF=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
  cmake --build build-tsan -j2 --target runtime_tests ops_tests
  ctest --test-dir build-tsan --output-on-failure -R "^(Runtime|Loader|Npy|Conv|Quant|ThreadPool)"
  echo "== aarch64: runtime and its tests cross-compiled, run under qemu"
  X86_BIN=build-asan/bin ./scripts/test_aarch64.sh
  echo "== libFuzzer: 60 s per target"
  tests/fuzz/run_fuzzers.sh 60
fi
echo "== Release build: whole suite"
cmake -S . -B build > /dev/null
cmake --build build -j2
ctest --test-dir build --output-on-failure
