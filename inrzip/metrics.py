"""Distortion measures on 8-bit images (numpy only)."""

from __future__ import annotations

import numpy as np


def psnr_uint8(a: np.ndarray, b: np.ndarray, band: int = 1 << 20) -> float:
    """RGB PSNR in dB, data range 255, over all pixels and channels; ~``band`` samples at a time (bounded memory)."""
    fa, fb = a.reshape(-1), b.reshape(-1)
    sse = 0
    for start in range(0, fa.size, band):
        d = fa[start : start + band].astype(np.int32) - fb[start : start + band].astype(np.int32)
        sse += int(np.dot(d, d))
    if sse == 0:
        return float("inf")
    return float(10 * np.log10(255.0**2 * fa.size / sse))
