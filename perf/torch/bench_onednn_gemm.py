#!/usr/bin/python3
"""oneDNN's int8 GEMM at M = N = K = 1024 through PyTorch's quantized Linear, on one thread: the
yardstick for bench_kernels' gemm_qu8s8/1024x1024x1024 (u8 activations, s8 weights, u8 output).

  ONEDNN_MAX_CPU_ISA=AVX512_CORE_VNNI taskset -c 1 perf/torch/bench_onednn_gemm.py   # no AMX
"""
import sys
import time

import torch

torch.set_num_threads(1)
torch.backends.quantized.engine = "onednn"
M = N = K = 1024
x = torch.quantize_per_tensor(torch.rand(M, K), 1 / 255, 0, torch.quint8)
w = torch.quantize_per_tensor(torch.randn(N, K) * 0.1, 0.1 / 127, 0, torch.qint8)
packed = torch.ops.quantized.linear_prepack(w, torch.zeros(N))
for _ in range(20):
    torch.ops.quantized.linear(x, packed, 0.05, 128)
best = float("inf")
for _ in range(5):
    t = time.perf_counter()
    for _ in range(50):
        torch.ops.quantized.linear(x, packed, 0.05, 128)
    best = min(best, (time.perf_counter() - t) / 50)
print(f"onednn int8 linear {M}x{N}x{K}: {best * 1e3:.3f} ms, {M * N * K / best * 1e-9:.1f} GMAC/s")
sys.exit(0)
