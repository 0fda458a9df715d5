#!/usr/bin/python3
"""Times PyTorch eager static int8 on torchvision's quantizable MobileNetV2 / ResNet-50.

The reference point for perf/compare: same architecture as the shared ONNX models, random
init (no weights can be downloaded), quantized the standard eager way (fuse_model, prepare,
calibrate, convert) on the oneDNN engine when present, else fbgemm.

Usage: /usr/bin/python3 run_torch_int8.py --arch mobilenet_v2|resnet50 --calib C.npy
           --input X.npy [--threads N] [--warmup N] [--repeat N] [--cache FILE.pt]
Prints median_ms=, min_ms=, max_rss_mb= and engine= lines on stdout.
--cache stores the converted model's state_dict so that repeated invocations skip the slow
BatchNorm and calibration passes; delete it when the recipe or the calibration data change.
"""
import argparse, os, resource, statistics, time, warnings
import numpy as np
import torch
import torchvision.models.quantization as tvq


def pick_engine():
    engines = torch.backends.quantized.supported_engines
    for name in ("onednn", "fbgemm"):
        if name in engines:
            return name
    raise SystemExit(f"no x86 quantized engine in {engines}")


def build(arch, calib, engine):
    """Random-init model, quantized with observers calibrated on calib (or not at all if None)."""
    torch.manual_seed(0)
    model = getattr(tvq, arch)(weights=None, quantize=False)
    if calib is None:  # a skeleton for load_state_dict: only the structure matters
        return quantize(model, engine, lambda m: None)
    # Set BatchNorm statistics on the calibration images, as the shared ONNX models were made,
    # so that activation ranges are realistic rather than those of raw random init.
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None  # cumulative average
    model.train()
    with torch.no_grad():
        model(calib)

    def calibrate(m):
        with torch.no_grad():
            for i in range(calib.shape[0]):
                m(calib[i:i + 1])
    return quantize(model, engine, calibrate)


def quantize(model, engine, calibrate):
    model.eval()
    model.fuse_model()
    model.qconfig = torch.ao.quantization.get_default_qconfig(engine)
    torch.ao.quantization.prepare(model, inplace=True)
    calibrate(model)
    # MobileNetV2 blocks without a residual own an unused skip_add whose observer never runs.
    warnings.filterwarnings("ignore", message="must run observer")
    torch.ao.quantization.convert(model, inplace=True)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", required=True, choices=["mobilenet_v2", "resnet50"])
    ap.add_argument("--calib", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--cache")
    args = ap.parse_args()

    engine = pick_engine()
    torch.backends.quantized.engine = engine
    torch.set_num_threads(args.threads)
    if args.cache and os.path.exists(args.cache):
        model = build(args.arch, None, engine)
        model.load_state_dict(torch.load(args.cache))
    else:
        model = build(args.arch, torch.from_numpy(np.load(args.calib)), engine)
        if args.cache:
            torch.save(model.state_dict(), args.cache)

    x = torch.from_numpy(np.load(args.input))
    times = []
    with torch.no_grad():
        for _ in range(args.warmup):
            model(x)
        for _ in range(args.repeat):
            t0 = time.perf_counter_ns()
            model(x)
            times.append((time.perf_counter_ns() - t0) / 1e6)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"median_ms={statistics.median(times):.4f}")
    print(f"min_ms={min(times):.4f}")
    print(f"max_rss_mb={rss_mb:.1f}")
    print(f"engine={engine}")


if __name__ == "__main__":
    main()
