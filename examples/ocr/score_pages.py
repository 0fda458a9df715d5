#!/usr/bin/python3
"""Runs ocr_example on every page of boxes.tsv and prints the share of lines read exactly.

  score_pages.py OCR_EXAMPLE DET.qbin REC.qbin KEYS.txt PAGES_DIR [OCR_EXAMPLE OPTIONS...]

A line of boxes.tsv counts as read when the output box overlapping it most (IoU >= 0.3: boxes.tsv
holds tight glyph bounds, the detector's boxes have a margin, which is relatively large for a
short word) has exactly its text (both trimmed of spaces). The same rule as tests/examples/ocr_example_test.cpp.
"""
import subprocess, sys
from collections import defaultdict


def iou(a, b):
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    area = lambda r: (r[2] - r[0]) * (r[3] - r[1])
    return inter / (area(a) + area(b) - inter)


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    exe, det, rec, keys, pages = sys.argv[1:6]
    truth = defaultdict(list)
    for line in open(f"{pages}/boxes.tsv", encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        truth[f[0]].append(([int(v) for v in f[1:5]], f[5].strip()))
    total_read = total = 0
    for page in sorted(truth):
        run = subprocess.run([exe, det, rec, keys, f"{pages}/{page}.png"] + sys.argv[6:], capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(run.stderr.strip() or f"{exe} failed on {page} with exit code {run.returncode}")
        out = run.stdout
        found = [([int(v) for v in f[:4]], f[4].strip()) for f in (l.split("\t") for l in out.splitlines())]
        read = 0
        for box, text in truth[page]:
            best = max(found, key=lambda r: iou(box, r[0]), default=None)
            ok = best is not None and iou(box, best[0]) >= 0.3 and best[1] == text
            read += ok
            if not ok:
                print(f"  {page}: '{text}' read as '{best[1] if best else ''}'")
        print(f"{page}: {read}/{len(truth[page])} lines exact ({100.0 * read / len(truth[page]):.0f}%)")
        total_read += read
        total += len(truth[page])
    print(f"all pages: {total_read}/{total} lines exact ({100.0 * total_read / total:.1f}%)")


if __name__ == "__main__":
    main()
