"""numpy's float32 products on one thread at the post-filter's shapes (rows of a 106x106 block x taps -> outputs):
how close the filter's convolutions run to this CPU's peak.

    python results/decode/gemm.py > results/decode/gemm.txt
"""
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

print("BLAS:", [(i["internal_api"], i.get("architecture"), i.get("version")) for i in threadpool_info()])
with threadpool_limits(1):
    for m, k, n, what in [(11236, 24, 32, "first layer (8 in x 3 taps)"), (11236, 96, 32, "hidden layer, per kernel row"),
                          (11236, 96, 3, "last layer, per kernel row (0.10.0)"), (11448, 96, 9, "last layer, rows side by side"),
                          (11236, 288, 32, "hidden layer as full im2col"), (11236, 32, 32, "one tap of a hidden layer")]:
        a = np.random.rand(m, k).astype(np.float32)
        w = np.random.rand(k, n).astype(np.float32)
        out = np.empty((m, n), np.float32)
        np.matmul(a, w, out=out)
        t = time.perf_counter()
        for _ in range(50):
            np.matmul(a, w, out=out)
        s = (time.perf_counter() - t) / 50
        print(f"{m} x {k} -> {n} ({what}): {s * 1e3:.3f} ms, {m * k * n / s / 1e9:.1f} G multiply-adds/s")
