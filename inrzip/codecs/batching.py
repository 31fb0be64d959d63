"""Fitting the tiles of many images as one stream of fixed-size batches (bounded memory, full batches)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from .. import tiles

ENCODE_CHUNK = 256  # tiles fitted at once on the CPU: bounds activation memory (~0.5 GB at width 32)

# fit_chunk(target [b, T*T, 3], weight [b, T*T, 1], report) -> values [b, n_values]
FitChunk = Callable[[torch.Tensor, torch.Tensor, Callable | None], np.ndarray]


def default_chunk(dev: torch.device) -> int:
    """Tiles per batch: small on CPU (cache-sized), large on GPU (one launch does the whole image)."""
    return ENCODE_CHUNK if dev.type == "cpu" else 16384


def fit_in_chunks(
    images: list[np.ndarray],
    tile: int,
    n_values: int,
    fit_chunk: FitChunk,
    dev: torch.device,
    chunk: int | None,
    steps: int,
    on_step: Callable[[int, int], None] | None,
) -> list[np.ndarray]:
    """Run ``fit_chunk`` over the tiles of all images, a chunk at a time (chunks span image borders).

    Each tile's result does not depend on its batch-mates (per-tile losses, element-wise Adam), so
    an image gets the same values alone or in a crowd; the crowd just keeps the batches full.
    ``on_step(done, total)`` counts steps over all chunks.
    """
    chunk = chunk or default_chunk(dev)
    counts = [math.prod(tiles.grid_shape(*rgb.shape[:2], tile)) for rgb in images]
    owner = np.repeat(np.arange(len(images)), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    outs = [np.empty((n, n_values), np.float32) for n in counts]
    total = int(sum(counts))
    n_chunks = math.ceil(total / chunk)
    for k, start in enumerate(range(0, total, chunk)):
        stop = min(start + chunk, total)
        parts = []
        for i in np.unique(owner[start:stop]):  # the slice of each image inside this chunk
            a, b = max(start, first[i]) - first[i], min(stop, first[i] + counts[i]) - first[i]
            parts.append((i, a, b, *tiles.extract(images[i], tile, a, b)))
        target = torch.from_numpy(np.concatenate([p[3] for p in parts])).to(dev)
        weight = torch.from_numpy(np.concatenate([p[4] for p in parts])).to(dev)
        report = None if on_step is None else (lambda s, _loss, k=k: on_step(k * steps + s + 1, n_chunks * steps))
        values = fit_chunk(target, weight, report)
        row = 0
        for i, a, b, *_ in parts:
            outs[i][a:b] = values[row : row + b - a]
            row += b - a
    return outs
