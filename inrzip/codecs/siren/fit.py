"""The per-tile SIREN fit: fresh Adam, full batch, on the surviving weights only (and the losses it uses)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

from ...nets import torch_siren as siren
from ...nets.arch import SirenConfig
from ...nets.optim import adam, weighted_mse
from ..batching import fit_in_chunks
from .model import Ladder, Level, init_values


def tile_losses(
    cfg: SirenConfig,
    values: Tensor,
    bias: Tensor,
    index: Tensor,
    coords: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
) -> Tensor:
    """Mean squared error of each tile network ``[B]`` (``weight [B,N,1]`` ignores padded pixels)."""
    return weighted_mse(siren.forward_values(cfg, values, bias, index, coords) - target, weight)


def fit(
    cfg: SirenConfig,
    theta: Tensor,
    bias: Tensor,
    mask: Tensor,
    coords: Tensor,
    target: Tensor,
    steps: int = 100,
    lr: float = 1e-4,
    weight: Tensor | None = None,
    on_step: Callable[[int, Tensor], None] | None = None,
    dc_start: bool = True,
) -> Tensor:
    """Fit B tiles from the shared init; returns each tile's values ``[B, K + 3]`` (weights, output-bias offset).

    With ``dc_start`` the output-bias offset starts at its least-squares value (the tile's mean
    residual), so the 100 steps are spent on structure rather than on walking the mean colour
    there at Adam's fixed step size.

    The loss is a *sum* of per-tile means and Adam is element-wise, so each tile's result
    does not depend on which other tiles share the batch: chunked and whole-image encodes agree.
    """
    index = siren.mask_index(mask)
    start = siren.initial_values(cfg, theta.detach(), index)
    values = start.expand(target.shape[0], -1).clone()
    if dc_start:
        values[:, index.numel() :] = mean_offset(cfg, values, bias, index, coords, target, weight)
    values.requires_grad_(True)
    adam([values], lambda _: tile_losses(cfg, values, bias, index, coords, target, weight), steps, lr, on_step)
    return values.detach()


@torch.no_grad()
def mean_offset(
    cfg: SirenConfig,
    values: Tensor,
    bias: Tensor,
    index: Tensor,
    coords: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
) -> Tensor:
    """Per-tile output-bias offset ``[B, 3]`` that minimises the MSE with everything else fixed."""
    resid = target - siren.forward_values(cfg, values, bias, index, coords)
    if weight is None:
        return values[:, index.numel() :] + resid.mean(dim=1)
    return values[:, index.numel() :] + (resid * weight).sum(dim=1) / weight.sum(dim=1).clamp_min(1)


@torch.no_grad()
def evaluate(cfg: SirenConfig, values: Tensor, bias: Tensor, mask: Tensor, coords: Tensor, target: Tensor) -> Tensor:
    """Per-tile MSE of fitted values."""
    return tile_losses(cfg, values, bias, siren.mask_index(mask), coords, target)


def network(ladder: Ladder, level: Level, dev: torch.device, compact: bool = True) -> siren.Compacted:
    """The level's network on ``dev``, compacted to its live units (:func:`arch.compaction`) unless asked not to."""
    theta, bias, mask = (torch.from_numpy(a) for a in (level.theta, level.bias, level.mask))
    if compact:
        c = siren.compact(ladder.cfg, theta, bias, mask)
        return siren.Compacted(c.cfg, c.theta.to(dev), c.bias.to(dev), c.mask.to(dev), c.keep.to(dev))
    full = torch.arange(level.n_weights, device=dev)
    return siren.Compacted(ladder.cfg, theta.to(dev), bias.to(dev), mask.to(dev), full)


def fit_images(
    images: list[np.ndarray],
    ladder: Ladder,
    level: Level,
    steps: int,
    lr: float,
    dev: torch.device,
    chunk: int | None = None,
    on_step: Callable[[int, int], None] | None = None,
    compact: bool = True,
) -> list[np.ndarray]:
    """Every tile's fitted values ``[tiles, K + 3]`` per image, a chunk of tiles at a time (bounded memory).

    With ``compact`` the fit runs on the level's live hidden units only: the same values up to
    float rounding, several times faster at sparse levels.
    """
    net = network(ladder, level, dev, compact)
    coords = siren.tile_grid(ladder.cfg.tile).to(dev)
    start_values = torch.from_numpy(init_values(ladder, level)).to(dev)

    def fit_chunk(target: Tensor, weight: Tensor, report) -> np.ndarray:
        values = fit(
            net.cfg, net.theta, net.bias, net.mask, coords, target, steps=steps, lr=lr, weight=weight, on_step=report
        )
        return (net.expand(values, start_values) if compact else values).cpu().numpy()

    return fit_in_chunks(images, ladder.cfg.tile, level.n_values, fit_chunk, dev, chunk, steps, on_step)


def torch_evaluator(ladder: Ladder, level: Level, dev: torch.device, compact: bool = True):
    """The level's networks as a torch evaluator for :func:`inrzip.decode.render` (GPU decode, benchmarks)."""
    net = network(ladder, level, dev, compact)
    index = siren.mask_index(net.mask)

    @torch.no_grad()
    def evaluate(values: np.ndarray, coords: np.ndarray) -> np.ndarray:
        v = net.values(torch.from_numpy(values).to(dev))
        return siren.forward_values(net.cfg, v, net.bias, index, torch.from_numpy(coords).to(dev)).cpu().numpy()

    return evaluate
