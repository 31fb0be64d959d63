"""Image <-> tiles, and the coordinate plan that renders tiles at any output size.

Tile (ty, tx) covers source pixel centres ty*T .. ty*T+T-1 (and the same in x); inside it the
network sees linspace(-1, 1, T), the grid it was meta-learned on. Images are edge-padded to a
multiple of T; padded pixels get zero loss weight so no capacity is spent on them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def grid_shape(height: int, width: int, tile: int) -> tuple[int, int]:
    """Tile rows and columns covering an image."""
    return math.ceil(height / tile), math.ceil(width / tile)


def border_mask(height: int, width: int, tile: int) -> np.ndarray:
    """``[height, width]`` bool: the pixels in a tile's first or last row or column (tiles from the top left)."""

    def edge(n: int) -> np.ndarray:
        phase = np.arange(n) % tile
        return (phase == 0) | (phase == tile - 1)

    return edge(height)[:, None] | edge(width)[None, :]


def border_weights(height: int, width: int, tile: int, weight: float) -> np.ndarray:
    """``[height, width]`` float64: ``weight`` on the :func:`border_mask` pixels, 1 on the others, scaled to mean 1."""
    w = np.where(border_mask(height, width, tile), weight, 1.0)
    return w / w.mean()


def extract(rgb: np.ndarray, tile: int, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """Tiles ``start..stop`` (row-major) of a uint8 image as ``[B, T*T, 3]`` floats and loss weights ``[B, T*T, 1]``.

    Only the tile rows needed are padded and converted, so memory stays bounded on huge photos.
    """
    h, w, _ = rgb.shape
    ny, nx = grid_shape(h, w, tile)
    r0, r1 = start // nx, (stop - 1) // nx + 1
    y0, y1 = r0 * tile, min(r1 * tile, h)
    band = rgb[y0:y1]
    pad_y, pad_x = r1 * tile - y1, nx * tile - w
    band = np.pad(band, ((0, pad_y), (0, pad_x), (0, 0)), mode="edge")
    valid = np.zeros(band.shape[:2], np.float32)
    valid[: y1 - y0, :w] = 1.0

    def to_tiles(a: np.ndarray) -> np.ndarray:
        c = a.shape[2]
        return a.reshape(r1 - r0, tile, nx, tile, c).transpose(0, 2, 1, 3, 4).reshape(-1, tile * tile, c)

    tiles = to_tiles(band)[start - r0 * nx : stop - r0 * nx]
    weight = to_tiles(valid[..., None])[start - r0 * nx : stop - r0 * nx]
    return tiles.astype(np.float32) / np.float32(255.0), np.ascontiguousarray(weight)


@dataclass(frozen=True)
class AxisPlan:
    """For one axis: the output pixels each tile renders (a contiguous run) and their local coordinates."""

    start: np.ndarray  # [n_tiles] first output index of each tile
    count: np.ndarray  # [n_tiles] how many output pixels it renders
    local: np.ndarray  # [n_tiles, max_count] tile-local coordinate (padded with 0)

    @property
    def max_count(self) -> int:
        return int(self.local.shape[1])


def axis_plan(n_in: int, n_out: int, tile: int) -> AxisPlan:
    """Map output pixel centres to source coordinates, then to (tile, local coordinate in [-1, 1]).

    Output pixel u sits at source position x = (u + 0.5) * n_in / n_out - 0.5; it belongs to the
    tile whose pixel-centre span is nearest, and between two tiles' spans the network extrapolates
    by at most half a pixel. At n_out == n_in this reproduces the training grid exactly.
    """
    n_tiles = math.ceil(n_in / tile)
    u = np.arange(n_out)
    x = (u + 0.5) * (n_in / n_out) - 0.5
    t = np.clip(np.floor((x + 0.5) / tile).astype(np.int64), 0, n_tiles - 1)
    local = -1.0 + 2.0 * (x - t * tile) / max(tile - 1, 1)
    count = np.bincount(t, minlength=n_tiles)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    m = max(int(count.max()), 1)
    table = np.zeros((n_tiles, m), np.float32)
    slot = u - start[t]
    table[t, slot] = local
    return AxisPlan(start, count, table)


def render_batch(py: AxisPlan, px: AxisPlan, tiles: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates ``[B, my*mx, 2]`` for the given flat tile indices, plus which slots are real and where they go.

    Returns (coords, valid [B, my*mx] bool, flat output index [B, my*mx]) for a vectorised scatter.
    """
    nx = len(px.start)
    ty, tx = tiles // nx, tiles % nx
    my, mx = py.max_count, px.max_count
    ly, lx = py.local[ty], px.local[tx]  # [B,my], [B,mx]
    coords = np.stack(np.broadcast_arrays(lx[:, None, :], ly[:, :, None]), axis=-1).reshape(len(tiles), my * mx, 2)
    iy = np.arange(my)[None, :, None]
    ix = np.arange(mx)[None, None, :]
    valid = (iy < py.count[ty][:, None, None]) & (ix < px.count[tx][:, None, None])
    out_w = int(px.count.sum())
    flat = (py.start[ty][:, None, None] + iy) * out_w + (px.start[tx][:, None, None] + ix)
    return coords.astype(np.float32), valid.reshape(len(tiles), -1), flat.reshape(len(tiles), -1)


@dataclass(frozen=True)
class BlendPlan:
    """For one axis: each tile's output pixels including the gaps to its neighbours, and blend weights.

    Between the last sample of tile t and the first of tile t+1 lies one source pixel that neither
    network was fitted on. An output pixel there (and within ``reach`` of it) is rendered by both
    tiles and blended linearly by distance: the weights of the tiles that cover a pixel sum to one,
    so the render is continuous across every border, at any scale.
    """

    start: np.ndarray  # [n_tiles] first output index each tile renders
    count: np.ndarray  # [n_tiles] how many
    local: np.ndarray  # [n_tiles, max_count] tile-local coordinate (padded with 0)
    weight: np.ndarray  # [n_tiles, max_count] blend weight (0 in the padding)

    @property
    def max_count(self) -> int:
        return int(self.local.shape[1])


def blend_plan(n_in: int, n_out: int, tile: int, reach: float = 0.1) -> BlendPlan:
    """:class:`BlendPlan` of an axis: source position ``x = (u + 0.5) n_in / n_out - 0.5`` of output pixel u.

    ``reach``: how far (source pixels) the blend zone extends past the gap into each tile's own samples.
    A tile's function is evaluated only inside its own sample span (coordinates clamped to [-1, 1]):
    a SIREN fitted on 16 samples extrapolates badly (val, 2x: 26.05 dB extrapolating through the gap,
    26.31 clamped, Lanczos 26.40; results/upscale/README.md), so the gap blends the two edge values.
    """
    n_tiles = math.ceil(n_in / tile)
    x = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    span = 1.0 + 2.0 * reach  # width of the zone where two tiles share a pixel
    starts, counts, locals_, weights = [], [], [], []
    for t in range(n_tiles):
        first, last = t * tile, min(t * tile + tile - 1, n_in - 1)  # the tile's own samples
        lo = -np.inf if t == 0 else first - 1 - reach
        hi = np.inf if t == n_tiles - 1 else last + 1 + reach
        u = np.flatnonzero((x > lo) & (x < hi))
        w = np.ones(u.size)
        if t > 0:
            w = np.minimum(w, (x[u] - lo) / span)
        if t < n_tiles - 1:
            w = np.minimum(w, (hi - x[u]) / span)
        starts.append(int(u[0]) if u.size else 0)
        counts.append(u.size)
        locals_.append(np.clip(-1.0 + 2.0 * (x[u] - first) / max(tile - 1, 1), -1.0, 1.0))
        weights.append(w)
    m = max(max(counts), 1)
    local = np.zeros((n_tiles, m), np.float32)
    weight = np.zeros((n_tiles, m), np.float32)
    for t in range(n_tiles):
        local[t, : counts[t]] = locals_[t]
        weight[t, : counts[t]] = weights[t]
    return BlendPlan(np.asarray(starts), np.asarray(counts), local, weight)
