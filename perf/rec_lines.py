#!/usr/bin/python3
"""PP-OCRv4 rec int8: how many of the 64 shared text lines it reads exactly (issue #4's rec figure).

Calibrates on all 64 line inputs zero-padded to one width (as docs/quantization.md's report example),
runs every line at its own width, CTC-decodes greedily with ppocr_keys_v1.txt and compares with labels.tsv.
Usage: perf/rec_lines.py [--build-dir build] [--shared ../shared] [--method percentile] [--qconv-flags "..."]
"""
import argparse
import glob
import os
import subprocess
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def ctc_decode(probs, keys):
    best, text, prev = probs.argmax(-1), "", -1
    for c in best:
        if c != prev and c != 0:
            text += keys[c - 1] if c - 1 < len(keys) else " "
        prev = c
    return text.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared"))
    ap.add_argument("--method", default="percentile")
    ap.add_argument("--qconv-flags", default="")
    args = ap.parse_args()
    lines_dir = os.path.join(args.shared, "data/ocr/lines")
    onnx = os.path.join(args.shared, "models/ppocr/ch_PP-OCRv4_rec_infer.onnx")
    with open(os.path.join(args.shared, "models/ppocr/ppocr_keys_v1.txt"), encoding="utf-8") as f:
        keys = [l.rstrip("\n") for l in f]
    labels = {}
    with open(os.path.join(lines_dir, "labels.tsv"), encoding="utf-8") as f:
        for l in f:
            name, _, text = l.rstrip("\n").partition("\t")
            labels[name] = text.strip()
    files = sorted(glob.glob(os.path.join(lines_dir, "line_*.npy")))
    xs = [np.load(f) for f in files]
    width = -(-max(x.shape[3] for x in xs) // 32) * 32
    with tempfile.TemporaryDirectory() as work:
        calib = np.zeros((len(xs), 3, 48, width), np.float32)
        for i, x in enumerate(xs):
            calib[i, :, :, : x.shape[3]] = x[0]
        np.save(os.path.join(work, "calib.npy"), calib)
        qbin = os.path.join(work, "rec.qbin")
        subprocess.run([os.path.join(args.build_dir, "bin/qconv"), onnx, "--calib", os.path.join(work, "calib.npy"),
                        "-o", qbin, "-q", "--method", args.method] + args.qconv_flags.split(), check=True)
        correct = 0
        for f in files:
            out = os.path.join(work, "out.npy")
            subprocess.run([os.path.join(args.build_dir, "bin/qrun"), qbin, "--input", f, "--output", out],
                           check=True, capture_output=True)
            name = os.path.splitext(os.path.basename(f))[0]
            got = ctc_decode(np.load(out)[0], keys)
            correct += got == labels[name]
            if got != labels[name]:
                print(f"{name}: read {got!r}, label {labels[name]!r}")
        print(f"rec int8 ({args.method} {args.qconv_flags}): {correct} of {len(files)} lines exact")


if __name__ == "__main__":
    main()
