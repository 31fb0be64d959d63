"""Lapping: tile pictures that overlap their neighbours', by pre- and post-filtering across the tile borders.

A tile's function is fitted to its own pixels alone, so the quantiser's error steps at every tile border: the grid
a block codec shows. Lapping (Tran, Liang and Tu, "Lapped transform via time-domain pre- and post-filtering",
2003) keeps the tiles and wraps them in a pair of inverse filters. Across each border, the pixels are taken in
pairs mirrored about it (at distance ``d + 1/2``, ``d < m``); the encoder's pre-filter scales each pair's
half-difference by ``s_d > 1`` before the fit, the decoder's post-filter divides it by ``s_d`` after the render.
A photo comes back exactly where nothing is quantised, and the error a tile leaves at its border is shrunk by
``1 / s_d`` and shared with the neighbour: the decoded picture of a tile reaches ``m`` pixels into the next.

Separable: along x at the vertical borders, then along y at the horizontal ones (the two commute). Only borders
with ``m`` pixels on both sides are lapped (the last, partial tile's border may not be), the same in the encoder
and the decoder, which both know the size. The filters are linear, so they work in any range (0-255 or 0-1).
"""

from __future__ import annotations

import numpy as np

MAX_REACH = 4  # m: pixels each side of a border (at most half a tile)
SCALE_RANGE = (0.125, 8.0)


def check(scales: np.ndarray, tile: int) -> None:
    """ValueError where an init's scales cannot be a lapping of its tiles."""
    if scales.ndim != 1 or not 1 <= scales.size <= min(MAX_REACH, tile // 2):
        raise ValueError(f"lap_scales must be 1..{min(MAX_REACH, tile // 2)} values")
    if not np.all((scales >= SCALE_RANGE[0]) & (scales <= SCALE_RANGE[1])):
        raise ValueError(f"lap_scales must lie in {SCALE_RANGE[0]}..{SCALE_RANGE[1]}")


def borders(n: int, tile: int, reach: int) -> np.ndarray:
    """The lapped borders of an axis of ``n`` pixels: tile edges with ``reach`` pixels on both sides."""
    b = np.arange(tile, n, tile)
    return b[b + reach <= n]


def _axis(x: np.ndarray, axis: int, factors: np.ndarray, tile: int, first: int = 0, n: int | None = None) -> None:
    """In place: each mirrored pair's half-difference about the borders along ``axis`` times ``factors[d]``. ``x``
    may be a band: its index 0 is pixel ``first`` of an axis of ``n``; borders whose pairs it holds are done."""
    v = np.moveaxis(x, axis, 0)
    m = factors.size
    b = borders(v.shape[0] + first if n is None else n, tile, m)
    b = b[(b - m >= first) & (b + m <= first + v.shape[0])] - first
    for d, f in enumerate(factors):
        left, right = v[b - 1 - d], v[b + d]
        mean, half = (left + right) * 0.5, (left - right) * np.float32(0.5 * f)
        v[b - 1 - d], v[b + d] = mean + half, mean - half


def forward(x: np.ndarray, scales: np.ndarray, tile: int) -> np.ndarray:
    """The encoder's pre-filter of ``x [H, W, C]``: a float32 copy, the half-differences scaled by ``scales``."""
    out = x.astype(np.float32)
    for axis in (1, 0):
        _axis(out, axis, scales.astype(np.float64), tile)
    return out


class Prefiltered:
    """A photo as the encoder's fit reads it: :func:`forward`'s rows, made a band at a time when sliced (the fit
    takes a band of tile rows at a time), so a large photo is never held twice (24 Mpx: 288 MB of float32 saved)."""

    def __init__(self, rgb: np.ndarray, scales: np.ndarray, tile: int) -> None:
        self.rgb, self.scales, self.tile = rgb, scales.astype(np.float64), tile
        self.shape = rgb.shape

    def __getitem__(self, rows: slice) -> np.ndarray:
        """Rows ``rows`` (a slice of step 1) of the pre-filtered photo, float32: :func:`forward`'s values."""
        y0, y1, step = rows.indices(self.shape[0])
        if step != 1:
            raise IndexError("a pre-filtered photo is read in bands of rows")
        reach = 2 * self.scales.size  # every pair of a border that moves a row of the band
        a, b = max(0, y0 - reach), min(self.shape[0], max(y0, y1) + reach)
        band = self.rgb[a:b].astype(np.float32)
        _axis(band, 1, self.scales, self.tile)
        _axis(band, 0, self.scales, self.tile, first=a, n=self.shape[0])
        return band[y0 - a : max(y0, y1) - a]


def inverse(x: np.ndarray, scales: np.ndarray, tile: int) -> np.ndarray:
    """The decoder's post-filter of a source-size render ``[H, W, C]`` float32 (in place; returned)."""
    for axis in (0, 1):
        _axis(x, axis, 1.0 / scales.astype(np.float64), tile)
    return x


class Resampled:
    """The post-filter's correction (:func:`inverse` minus its input) of a source-size render, read at another
    size: bilinear in source coordinates (``x = (u + 1/2) n_in / n_out - 1/2``, the renderer's mapping), so a render
    above the source size gets the overlap as a smooth ramp across the gap between two tiles' samples."""

    def __init__(self, source: np.ndarray, scales: np.ndarray, tile: int, width: int, height: int) -> None:
        self.correction = inverse(source.copy(), scales, tile)
        self.correction -= source  # in place: the source render and one copy, not a third array
        self.y = _linear(source.shape[0], height)
        self.x = _linear(source.shape[1], width)

    def rows(self, top: int, bottom: int) -> np.ndarray:
        """``[bottom - top, width, C]`` float32: the correction on output rows ``top:bottom``."""
        i0, i1, wy = (a[top:bottom] for a in self.y)
        c = self.correction
        band = c[i0] * (1 - wy)[:, None, None] + c[i1] * wy[:, None, None]
        j0, j1, wx = self.x
        return band[:, j0] * (1 - wx)[None, :, None] + band[:, j1] * wx[None, :, None]


def _linear(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each output pixel's two source neighbours and the second one's weight (clamped at the ends)."""
    x = np.clip((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0, n_in - 1)
    i0 = np.floor(x).astype(np.int64)  # x is clipped to n_in - 1 already
    i1 = np.minimum(i0 + 1, n_in - 1)
    return i0, i1, (x - i0).astype(np.float32)
