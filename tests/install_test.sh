#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds examples/cmake_consumer against it with
# find_package(qinfer) and a one-file program with pkg-config, and runs both on a shipped model.
set -euo pipefail
build=$1
src=$(cd "$(dirname "$0")/.." && pwd)
prefix=$(mktemp -d /tmp/qinfer_install_XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" > /dev/null
model=$src/tests/fuzz/corpus/fuzz_qbin/mnist_int8.qbin
cmake -S "$src/examples/cmake_consumer" -B "$prefix/consumer" -DCMAKE_PREFIX_PATH="$prefix" > /dev/null
cmake --build "$prefix/consumer" > /dev/null
"$prefix/consumer/consumer" "$model" | tee "$prefix/out.txt"
grep -q "logits float32 \[1,10\]" "$prefix/out.txt"
PKG_CONFIG_PATH=$prefix/lib/pkgconfig
export PKG_CONFIG_PATH
g++ -std=c++17 "$src/examples/cmake_consumer/main.cpp" -o "$prefix/pc_consumer" $(pkg-config --cflags --libs qinfer) \
  -Wl,-rpath,"$prefix/lib"
"$prefix/pc_consumer" "$model" | grep -q "logits float32 \[1,10\]"
echo "install test: find_package and pkg-config consumers ran"
