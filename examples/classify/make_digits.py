#!/usr/bin/python3
"""Writes the classify example's data: MNIST digits as 28x28 8-bit gray PNGs, made from the shipped
normalised .npy data of examples/mnist/data (pixel = round((x * 0.3081 + 0.1307) * 255)).

  data/test/digit_NN.png + data/test/labels.tsv   the first N test digits and their labels
  data/calib/calib_NN.png                         the first M calibration digits

Needs only numpy (PNG written with zlib). Run from anywhere: /usr/bin/python3 examples/classify/make_digits.py
"""
import os
import struct
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MNIST = os.path.join(HERE, "..", "mnist", "data")


def write_png_gray(path, pixels):
    h, w = pixels.shape
    raw = b"".join(b"\x00" + pixels[y].tobytes() for y in range(h))  # filter type 0 per row

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def to_u8(x):
    return np.clip(np.round((x * 0.3081 + 0.1307) * 255.0), 0, 255).astype(np.uint8)


def main(n_test=12, n_calib=16):
    test = np.load(os.path.join(MNIST, "test_images.npy"))
    labels = np.load(os.path.join(MNIST, "test_labels.npy"))
    calib = np.load(os.path.join(MNIST, "calib_images.npy"))
    os.makedirs(os.path.join(HERE, "data", "test"), exist_ok=True)
    os.makedirs(os.path.join(HERE, "data", "calib"), exist_ok=True)
    with open(os.path.join(HERE, "data", "test", "labels.tsv"), "w") as f:
        for i in range(n_test):
            name = "digit_%02d.png" % i
            write_png_gray(os.path.join(HERE, "data", "test", name), to_u8(test[i, 0]))
            f.write("%s\t%d\n" % (name, int(labels[i])))
    for i in range(n_calib):
        write_png_gray(os.path.join(HERE, "data", "calib", "calib_%02d.png" % i), to_u8(calib[i, 0]))


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:]])
