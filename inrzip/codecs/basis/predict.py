"""Intra prediction: a tile's first coefficients predicted from the decoded pixels of the tiles coded before it.

A tile's function is fitted alone, but its neighbours' functions, already decoded, say a lot about
it: a smooth area continues across the border, an edge runs on. A shipped linear map takes the
decoded pixels along the tile's top, top-right, left and top-left borders (in the colour-KLT space) to
a prediction of its first ``M`` coefficients per channel; the file stores the residual, quantised
as before. One map per pattern of available neighbours (the image's first row and column, its last
column), each trained with the missing neighbours' pixels zeroed.

Tiles are coded in wavefronts (tile ``(i, j)`` in front ``2 i + j``), so a front's tiles depend only
on earlier fronts and go as one batch. The entropy coder sees integers only: the decoder reads every
``q`` first and adds the predictions after, so prediction never touches the bits; its floating point
only moves the decoded pixels, far within one grey level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

PREFIX = "predictor"
# neighbours in the order their pixels enter the features, and the bit each sets in the pattern index
TOP, LEFT, TOP_RIGHT, TOP_LEFT = 8, 4, 2, 1
# the patterns a tile can have: a top-right or top-left neighbour only below a top one, the top-left where both
PATTERNS = (0, LEFT, TOP, TOP | TOP_RIGHT, TOP | LEFT | TOP_LEFT, TOP | LEFT | TOP_RIGHT | TOP_LEFT)


@dataclass(frozen=True)
class Predictor:
    """The shipped maps and the tile functions' border values they read."""

    weights: np.ndarray  # [16 patterns, features, 3, M] float32
    bottom: np.ndarray  # [3, T, K] float32: the orthonormal functions on a tile's bottom row (x = -1 .. 1)
    right: np.ndarray  # [3, T, K] float32: the same on its right column (y = -1 .. 1)

    @property
    def m(self) -> int:
        return self.weights.shape[3]


def n_features(tile: int) -> int:
    """Top row, top-right row and left column (``tile`` pixels each), the top-left corner, in 3 channels, and 1."""
    return 3 * (3 * tile + 1) + 1


def border_functions(functions: Callable[[np.ndarray], np.ndarray], tile: int) -> tuple[np.ndarray, np.ndarray]:
    """``functions(coords [N, 2]) -> [3, N, K]`` on a tile's bottom row and right column."""
    axis = np.linspace(-1.0, 1.0, tile, dtype=np.float32)
    edge = np.ones(tile, np.float32)
    bottom = functions(np.stack([axis, edge], axis=1))
    right = functions(np.stack([edge, axis], axis=1))
    return bottom.astype(np.float32), right.astype(np.float32)


def features(bottom: np.ndarray, right: np.ndarray, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Features ``[B, F]`` and pattern indices ``[B]`` of tiles ``(i, j)`` from the decoded borders so far.

    ``bottom``/``right [rows, columns, T, 3]``: each decoded tile's bottom row and right column. Missing
    neighbours (outside the image) contribute zeros and clear their bit of the pattern.
    """
    ny, nx, tile, _ = bottom.shape
    top = i > 0
    left = j > 0
    top_right = top & (j < nx - 1)
    top_left = top & left
    im, jm, jp = np.maximum(i - 1, 0), np.maximum(j - 1, 0), np.minimum(j + 1, nx - 1)
    parts = [
        bottom[im, j] * top[:, None, None],
        bottom[im, jp] * top_right[:, None, None],
        right[i, jm] * left[:, None, None],
        bottom[im, jm, -1:] * top_left[:, None, None],
    ]
    feats = np.concatenate([p.reshape(len(i), -1) for p in parts] + [np.ones((len(i), 1), np.float32)], axis=1)
    pattern = top * TOP + left * LEFT + top_right * TOP_RIGHT + top_left * TOP_LEFT
    return feats.astype(np.float32), pattern


def fronts(ny: int, nx: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The tiles ``(i, j)`` of each wavefront ``2 i + j``, in coding order."""
    out = []
    for t in range(2 * (ny - 1) + nx):
        i = np.arange(max(0, (t - nx + 2) // 2), min(ny - 1, t // 2) + 1)
        if i.size:  # a single column leaves the odd fronts empty
            out.append((i, t - 2 * i))
    return out


def run(pred: Predictor, ny: int, nx: int, channels: int, code: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Walk the wavefronts: ``code(tile indices [B], prediction [B, 3, M])`` returns those tiles' decoded
    coefficients ``[B, 3, K]``, whose borders feed the next fronts. ``channels``: how many colour channels are
    predicted (1 for a gray image, whose other channels are not stored)."""
    tile = pred.bottom.shape[1]
    bottom = np.zeros((ny, nx, tile, 3), np.float32)
    right = np.zeros((ny, nx, tile, 3), np.float32)
    for i, j in fronts(ny, nx):
        guess = predictions(pred, *features(bottom, right, i, j))
        guess[:, channels:] = 0.0
        bottom[i, j], right[i, j] = borders(pred, code(i * nx + j, guess))


def predictions(pred: Predictor, feats: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """``[B, 3, M]``: each tile's features ``[B, F]`` through the map of its neighbours' ``pattern`` (one product per
    pattern present: a front's tiles share one or two)."""
    maps = pred.weights.reshape(*pred.weights.shape[:2], -1)  # [16, F, 3 M]
    out = np.empty((feats.shape[0], maps.shape[2]), np.float32)
    for p in np.unique(pattern):
        chosen = pattern == p
        out[chosen] = feats[chosen] @ maps[p]
    return out.reshape(feats.shape[0], 3, pred.m)


def borders(pred: Predictor, coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bottom rows and right columns ``[B, T, 3]`` (colour-KLT space) of tiles with coefficients ``[B, 3, K]``:
    one product per channel."""
    edges = np.concatenate([pred.bottom, pred.right], axis=1).transpose(0, 2, 1)  # [3, K, 2 T]
    both = np.matmul(coef.transpose(1, 0, 2), edges).transpose(1, 2, 0)  # [B, 2 T, 3]
    tile = pred.bottom.shape[1]
    return both[:, :tile], both[:, tile:]


def to_arrays(weights: np.ndarray) -> dict[str, np.ndarray]:
    return {f"{PREFIX}_weights": weights.astype(np.float32)}


def from_arrays(z, functions: Callable[[np.ndarray], np.ndarray], tile: int, k: int) -> Predictor | None:
    """The predictor of an opened init file, or None where it has none; ValueError where its shape disagrees."""
    if f"{PREFIX}_weights" not in z:
        return None
    w = z[f"{PREFIX}_weights"].astype(np.float32)
    if w.ndim != 4 or w.shape[:3] != (16, n_features(tile), 3) or not 1 <= w.shape[3] <= k:
        raise ValueError("predictor weights have the wrong shape")
    return Predictor(w, *border_functions(functions, tile))
