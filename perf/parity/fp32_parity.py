#!/usr/bin/env python3
"""Full-output fp32 parity of qinfer with ONNX Runtime on every shared model case.

For each case of tests/data/make_expected.py (same inputs as the tests), compares the WHOLE
output (the tests keep only a sample) of:
  qinfer fp32 (qconv --no-quantize)  vs  ONNX Runtime running the graph as written (no fusions)
  qinfer fp32                         vs  ONNX Runtime with all its graph optimizations
  ONNX Runtime optimized              vs  ONNX Runtime as written   (its own float noise)
as max |a - b| / max |reference| (the tests' measure; limit 1e-4).

Run from the repository root after building, with Debian's python and ONNX Runtime in perf/ort:
    /usr/bin/python3 perf/parity/fp32_parity.py [CASE ...]
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'data'))
import make_expected  # noqa: E402  (the test inputs)

RUN_ORT = os.path.join(ROOT, 'perf', 'ort', 'run_ort.js')
BIN = os.path.join(ROOT, 'build', 'bin')


def ort(model, x_path, y_path, optimize):
    subprocess.run(['node', RUN_ORT, '--model', model, '--input', x_path, '--output', y_path, '--warmup', '0',
                    '--repeat', '1', '--optimize', optimize], check=True, stdout=subprocess.DEVNULL)
    return np.load(y_path)


def err(a, ref):
    return float(np.abs(a.astype(np.float64) - ref).max() / np.abs(ref).max())


def main():
    cases = make_expected.model_cases()
    names = sys.argv[1:] or list(cases)
    print('| case | output | qinfer vs ORT as written | qinfer vs ORT optimized | ORT optimized vs as written |')
    print('|---|---|---|---|---|')
    with tempfile.TemporaryDirectory() as d:
        qbins = {}
        for name in names:
            onnx_file, make_input = cases[name]
            model = os.path.join(make_expected.SHARED, 'models', onnx_file)
            if onnx_file not in qbins:
                qbins[onnx_file] = os.path.join(d, '%d.qbin' % len(qbins))
                subprocess.run([os.path.join(BIN, 'qconv'), model, '--no-quantize', '-q', '-o', qbins[onnx_file]],
                               check=True)
            x = os.path.join(d, 'x.npy')
            np.save(x, make_input())
            subprocess.run([os.path.join(BIN, 'qrun'), qbins[onnx_file], '-i', x, '-o', os.path.join(d, 'q.npy')],
                           check=True, stdout=subprocess.DEVNULL)
            q = np.load(os.path.join(d, 'q.npy'))
            plain = ort(model, x, os.path.join(d, 'plain.npy'), 'disabled')
            fused = ort(model, x, os.path.join(d, 'fused.npy'), 'all')
            print('| %s | %s | %.2e | %.2e | %.2e |' % (name, 'x'.join(map(str, q.shape)), err(q, plain), err(q, fused),
                                                      err(fused, plain)), flush=True)


if __name__ == '__main__':
    main()
