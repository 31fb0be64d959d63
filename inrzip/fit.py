"""The per-tile test-time fit: fresh Adam, full batch, on the surviving weights only."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from . import masks, siren
from .siren import SirenConfig


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


def weighted_mse(diff: Tensor, weight: Tensor | None = None) -> Tensor:
    """Per-tile mean of ``diff [B,N,C]`` squared, over the pixels whose ``weight [B,N,1]`` is 1."""
    err = diff.square()
    if weight is None:
        return err.mean(dim=(1, 2))
    return (err * weight).sum(dim=(1, 2)) / (weight.sum(dim=(1, 2)) * err.shape[-1]).clamp_min(1)


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
    index = masks.mask_index(mask)
    start = siren.initial_values(cfg, theta.detach(), index)
    values = start.expand(target.shape[0], -1).clone()
    if dc_start:
        values[:, index.numel() :] = mean_offset(cfg, values, bias, index, coords, target, weight)
    values.requires_grad_(True)
    opt = torch.optim.Adam([values], lr=lr)
    for step in range(steps):
        opt.zero_grad(set_to_none=True)
        losses = tile_losses(cfg, values, bias, index, coords, target, weight)
        losses.sum().backward()
        opt.step()
        if on_step is not None:
            on_step(step, losses.detach())
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


def psnr(mse: Tensor) -> Tensor:
    """PSNR in dB for data range 1."""
    return -10 * torch.log10(mse.clamp_min(1e-12))


@torch.no_grad()
def evaluate(cfg: SirenConfig, values: Tensor, bias: Tensor, mask: Tensor, coords: Tensor, target: Tensor) -> Tensor:
    """Per-tile MSE of fitted values."""
    return tile_losses(cfg, values, bias, masks.mask_index(mask), coords, target)


def fit_head(
    phi: Tensor,
    rms: Tensor,
    target: Tensor,
    steps: int = 100,
    lr: float = 0.5,
    weight: Tensor | None = None,
    on_step: Callable[[int, Tensor], None] | None = None,
) -> Tensor:
    """Fit B tiles' coefficients ``[B, 3, K]`` on a shared-body ladder's orthonormal functions ``phi [3, N, K]``.

    ``target [B, N, 3]`` is in the ladder's colour space. Adam runs on ``u = coef / rms``: each
    coefficient gets a step size in proportion to its spread over training tiles (Meta-SGD's
    per-parameter learning rates, read off the training tiles instead of learned). On 4 val
    photos this lands within 0.04 dB of the least-squares optimum for any lr from 0.3 to 1.0,
    where one lr for all coefficients needs exactly the right lr (0.1: 11.8 dB short;
    ``results/levers/head_fit.txt``). Starts from the shipped head init, zero. Per-tile losses, element-wise Adam:
    a tile's result does not depend on its batch-mates.
    """
    u = target.new_zeros(target.shape[0], *rms.shape).requires_grad_(True)
    opt = torch.optim.Adam([u], lr=lr)
    for step in range(steps):
        opt.zero_grad(set_to_none=True)
        losses = weighted_mse(torch.einsum("cnk,bck->bnc", phi, u * rms) - target, weight)
        losses.sum().backward()
        opt.step()
        if on_step is not None:
            on_step(step, losses.detach())
    return (u * rms).detach()
