"""Payload layouts: how a codec's per-tile values lie in the bytes a container's zstd frame holds.

``fp16``: half floats; ``q16``: per-value steps then zigzag int16 deltas from the init; ``ans``: an
ANS-coded stream of 32-bit words. The container checks a payload's size against its layout from the
header's counts alone, before anything is inflated or decoded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# layout -> exact payload size from (tiles, values), or None where only a bound applies
LAYOUTS = {
    "fp16": lambda tiles, values: tiles * values * 2,
    "q16": lambda tiles, values: tiles * values * 2 + values * 4,
    "ans": None,
}


def payload_fits(layout: str, raw: int, tiles: int, values: int) -> bool:
    """Whether ``raw`` payload bytes are possible for ``tiles x values`` in ``layout``."""
    exact = LAYOUTS[layout]
    if exact is not None:
        return raw == exact(tiles, values)
    return raw % 4 == 0 and 4 <= raw <= ans_bound(tiles, values)


def ans_bound(tiles: int, values: int) -> int:
    """Most bytes an ANS payload may hold: 64 bits per symbol is already far past any model's worst case."""
    return tiles * values * 8 + 64


@dataclass(frozen=True)
class Quantized:
    """A ``q16`` payload: integer deltas from the init and the step of each value index."""

    step: np.ndarray  # [values] float32
    q: np.ndarray  # [tiles, values] int16


def _planes(a: np.ndarray) -> bytes:
    """A 2-byte ``[tiles, values]`` array, value-major, high bytes then low bytes.

    Grouping one weight across all tiles, and high bytes apart from low bytes, lets zstd find
    the redundancy that interleaved 16-bit words hide.
    """
    b = np.ascontiguousarray(a.astype(a.dtype.newbyteorder("<")).T).view(np.uint8).reshape(-1, 2)
    return b[:, 1].tobytes() + b[:, 0].tobytes()


def _unplanes(raw: bytes, tiles: int, values: int, dtype: str) -> np.ndarray:
    n = tiles * values
    b = np.frombuffer(raw, np.uint8, count=2 * n)
    planes = np.empty((n, 2), np.uint8)
    planes[:, 1], planes[:, 0] = b[:n], b[n:]
    return planes.reshape(-1).view(dtype).reshape(values, tiles).T


def pack_fp16(values: np.ndarray) -> bytes:
    """``[tiles, values]`` floats as half floats, in planes."""
    return _planes(values.astype("<f2"))


def unpack_fp16(raw: bytes, tiles: int, values: int) -> np.ndarray:
    """Inverse of :func:`pack_fp16`, as float32."""
    return _unplanes(raw, tiles, values, "<f2").astype(np.float32)


def pack_q16(quantized: Quantized) -> bytes:
    """Steps (f32), then the deltas zigzagged (small ``|q|`` -> small codes, sign in the low bit), in planes."""
    q = quantized.q.astype(np.int32)
    zigzag = ((q << 1) ^ (q >> 31)).astype("<u2")
    return quantized.step.astype("<f4").tobytes() + _planes(zigzag)


def unpack_q16(raw: bytes, tiles: int, values: int) -> Quantized:
    """Inverse of :func:`pack_q16`."""
    step = np.frombuffer(raw, "<f4", count=values).astype(np.float32)
    z = _unplanes(raw[values * 4 :], tiles, values, "<u2").astype(np.int32)
    return Quantized(step, ((z >> 1) ^ -(z & 1)).astype(np.int16))
