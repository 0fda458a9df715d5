#!/usr/bin/env bash
# Calibration speed (issue #4): qconv calibrating ResNet-50 on 100 images vs ONNX Runtime running
# 100 fp32 inferences of the same model, back to back on this machine. Needs ../shared, a Release
# build in build/ and ONNX Runtime in perf/ort (see perf/README.md).
#   perf/calib_speed/run.sh [IMAGES]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100}
model=../shared/models/resnet50.onnx
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 - "$work" "$n" <<'PY'
import importlib.machinery, sys
import numpy as np
compare = importlib.machinery.SourceFileLoader("compare", "perf/compare").load_module()
np.save(sys.argv[1] + "/calib.npy", compare.smooth_images(int(sys.argv[2]), 3, 224, 224, seed=5))
np.save(sys.argv[1] + "/one.npy", compare.smooth_images(1, 3, 224, 224, seed=6))
PY
t0=$(date +%s.%N)
build/bin/qconv "$model" --calib "$work/calib.npy" -q -o "$work/m.qbin"
t1=$(date +%s.%N)
node perf/ort/run_ort.js --model "$model" --input "$work/one.npy" --warmup 1 --repeat "$n" > /dev/null
t2=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$n" 'BEGIN {
  q = b - a; o = c - b;
  printf "qconv calibration on %d images: %.1f s; ONNX Runtime %d fp32 inferences (+1 warm-up, session load): %.1f s; ratio %.2fx (target <= 3x)\n", n, q, n, o, q / o }'
