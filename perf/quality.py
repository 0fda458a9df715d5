#!/usr/bin/python3
"""Quantization quality of qinfer int8 against fp32, per calibration method (issue #4's figures).

For each model it converts with every --method, runs int8 and fp32 on held-out inputs and prints a
markdown table:
  mnist_cnn     top-1 on the 2,000 shared test digits (calibration: the 200 shared calibration digits)
  mobilenet_v2  mean output cosine vs fp32 on 8 held-out smooth images (calibration: 8 others),
  resnet50      the images made like shared/tools/make_torchvision.py's smooth_images
  ppocr_det     IoU of the text map thresholded at 0.3 vs fp32, pages 0-3 (calibrated on those pages)
Usage: perf/quality.py [--models a,b] [--methods minmax,mse] [--build-dir build] [--shared ../shared]
                      [--qconv-flags "--bias-correction 2"]
"""
import argparse
import importlib.machinery
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
# Reuse the comparison harness's image generator (perf/compare is a script without .py).
compare = importlib.machinery.SourceFileLoader("compare", os.path.join(HERE, "compare")).load_module()


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {p.stderr.strip().splitlines()[-1] if p.stderr.strip() else p.returncode}")
    return p.stdout


def cosine(a, b):
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


class Tools:
    def __init__(self, build, work, qconv_flags=()):
        self.qconv, self.qrun, self.work = os.path.join(build, "bin/qconv"), os.path.join(build, "bin/qrun"), work
        self.qconv_flags = list(qconv_flags)

    def convert(self, onnx, calib, method, name):
        out = os.path.join(self.work, name + ".qbin")
        args = [self.qconv, onnx, "-o", out]
        args += ["--no-quantize"] if method is None else ["--calib", calib, "--method", method] + self.qconv_flags
        run(args)
        return out

    def infer(self, qbin, x_path, name):
        out = os.path.join(self.work, name + ".out.npy")
        run([self.qrun, qbin, "--input", x_path, "--output", out])
        return np.load(out)


def save(work, name, array):
    path = os.path.join(work, name + ".npy")
    np.save(path, array)
    return path


def mnist(t, shared, methods):
    d = os.path.join(shared, "data/mnist")
    onnx, calib = os.path.join(shared, "models/mnist_cnn.onnx"), os.path.join(d, "mnist_calib_images.npy")
    x, labels = os.path.join(d, "mnist_test_images.npy"), np.load(os.path.join(d, "mnist_test_labels.npy"))
    row = {"fp32": (t.infer(t.convert(onnx, None, None, "mnist32"), x, "mnist32").argmax(1) == labels).mean() * 100}
    for m in methods:
        row[m] = (t.infer(t.convert(onnx, calib, m, "mnist_" + m), x, "mnist_" + m).argmax(1) == labels).mean() * 100
    return "top-1 %", row


def smooth_cosine(t, shared, methods, name):
    onnx = os.path.join(shared, f"models/{name}.onnx")
    calib = save(t.work, name + "_calib", compare.smooth_images(8, 3, 224, 224, seed=1))
    held = save(t.work, name + "_held", compare.smooth_images(8, 3, 224, 224, seed=2))
    ref = t.infer(t.convert(onnx, None, None, name + "32"), held, name + "32")
    row = {}
    for m in methods:
        y = t.infer(t.convert(onnx, calib, m, f"{name}_{m}"), held, f"{name}_{m}")
        row[m] = np.mean([cosine(y[i], ref[i]) for i in range(len(ref))])
    return "mean cosine vs fp32 (8 held-out)", row


def det_iou(t, shared, methods):
    onnx = os.path.join(shared, "models/ppocr/ch_PP-OCRv4_det_infer.onnx")
    pages = [np.load(os.path.join(shared, f"data/ocr/pages/page_{i:03d}.npy")) for i in range(4)]
    x = save(t.work, "det_pages", np.concatenate(pages))
    ref = t.infer(t.convert(onnx, None, None, "det32"), x, "det32") > 0.3
    row = {}
    for m in methods:
        y = t.infer(t.convert(onnx, x, m, "det_" + m), x, "det_" + m) > 0.3
        ious = [(y[i] & ref[i]).sum() / max((y[i] | ref[i]).sum(), 1) for i in range(len(ref))]
        row[m] = "min %.3f (%s)" % (min(ious), ", ".join("%.3f" % v for v in ious))
    return "text-map IoU vs fp32 at 0.3, pages 0-3", row


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="mnist_cnn,mobilenet_v2,resnet50,ppocr_det")
    ap.add_argument("--methods", default="minmax,percentile,entropy,mse")
    ap.add_argument("--build-dir", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared"))
    ap.add_argument("--qconv-flags", default="", help='extra qconv flags for every int8 conversion, e.g. "--bias-correction 2"')
    args = ap.parse_args()
    methods = args.methods.split(",")
    with tempfile.TemporaryDirectory() as work:
        t = Tools(args.build_dir, work, args.qconv_flags.split())
        print("| model | metric | " + " | ".join(["fp32"] + methods) + " |")
        print("|---|---|" + "---|" * (len(methods) + 1))
        for name in args.models.split(","):
            if name == "mnist_cnn":
                metric, row = mnist(t, args.shared, methods)
            elif name in ("mobilenet_v2", "resnet50"):
                metric, row = smooth_cosine(t, args.shared, methods, name)
            elif name == "ppocr_det":
                metric, row = det_iou(t, args.shared, methods)
            else:
                sys.exit(f"unknown model {name}")
            cells = [f"{row[k]:.4f}" if isinstance(row.get(k), float) else str(row.get(k, "")) for k in ["fp32"] + methods]
            print(f"| {name} | {metric} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
