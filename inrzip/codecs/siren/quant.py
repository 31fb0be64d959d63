"""Quantised deltas from the shared init: the rate lever beyond fp16 (Strümpler et al. 2022).

A tile's values move little from the meta-learned init, so ``q = round((v - v0) / step)`` is
mostly small integers, which zstd's entropy stage codes in a few bits each. One step per value
index (shared by all tiles) follows that weight's spread across tiles.
"""

from __future__ import annotations

import numpy as np

from ...format.payload import Quantized

MAX_Q = 32767


def steps_for(delta: np.ndarray, bits: float) -> np.ndarray:
    """Per-index step: ``8 rms / 2^bits``, i.e. +-4 rms spans ``2^bits`` levels (bits may be fractional)."""
    rms = np.sqrt(np.mean(np.square(delta, dtype=np.float64), axis=0))
    floor = max(float(rms.max()) * 1e-6, 1e-12)
    return (8.0 * np.maximum(rms, floor) / 2.0**bits).astype(np.float32)


def quantize(values: np.ndarray, v0: np.ndarray, bits: float) -> Quantized:
    """Round ``values [tiles, K]`` to integer multiples of the per-index step around ``v0 [K]``."""
    delta = values.astype(np.float64) - v0.astype(np.float64)
    step = steps_for(delta, bits)
    q = np.clip(np.rint(delta / step), -MAX_Q, MAX_Q).astype(np.int16)
    return Quantized(step, q)


def dequantize(quantized: Quantized, v0: np.ndarray) -> np.ndarray:
    """Values the decoder uses: exact integer arithmetic up to one float32 multiply-add per value."""
    return (v0.astype(np.float32) + quantized.q.astype(np.float32) * quantized.step[None, :]).astype(np.float32)
