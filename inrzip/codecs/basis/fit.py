"""The torch side of the basis codec: each tile's head coefficients by 100 Adam steps, and a torch render."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from ... import tiles
from ...nets import torch_siren
from ...nets.optim import adam_with_gradients, weighted_mse
from ..batching import fit_in_chunks
from . import model as basis

CPU_CHUNK = 2048  # tiles per batch on the CPU (~25 MB of activations)


class BorderMetric(NamedTuple):
    """The fit's loss with the tile-border pixels weighted: ``sum_p w_p (x_p - sum_j c_j phi_pj)^2``.

    Its Gram matrix ``G = phi^T W phi = L L^T`` is no longer the identity, but in whitened coordinates
    ``v = L^T c`` the loss is again ``|v - L^-1 phi^T W x|^2``: the steps run exactly as for the plain
    projection, on ``whiten`` applied to the pixels, and ``unwhiten`` (``L^-T``) maps them back.
    """

    pixels: Tensor  # [N] the weights w_p, mean 1
    whiten: Tensor  # [3, K, N] L^-1 phi^T W
    unwhiten: Tensor  # [3, K, K] L^-T


def border_metric(phi: Tensor, tile: int, weight: float) -> BorderMetric:
    """The :class:`BorderMetric` of the orthonormal functions ``phi [3, N, K]``, border pixels weighing ``weight``."""
    w = torch.from_numpy(tiles.border_weights(tile, tile, tile, weight).reshape(-1))
    p = phi.detach().cpu().double()
    chol = torch.linalg.cholesky(p.transpose(1, 2) @ (w[None, :, None] * p))  # [3, K, K] lower
    whiten = torch.linalg.solve_triangular(chol, p.transpose(1, 2) * w[None, None], upper=False)
    eye = torch.eye(chol.shape[1], dtype=chol.dtype).expand_as(chol)
    unwhiten = torch.linalg.solve_triangular(chol.transpose(1, 2), eye, upper=True)
    return BorderMetric(*(t.to(phi.device, torch.float32) for t in (w, whiten, unwhiten)))


def fit_head(
    phi: Tensor,
    rms: Tensor,
    target: Tensor,
    steps: int = 100,
    lr: float = 0.5,
    weight: Tensor | None = None,
    on_step: Callable[[int, Tensor], None] | None = None,
    metric: BorderMetric | None = None,
) -> Tensor:
    """Fit B tiles' coefficients ``[B, 3, K]`` on a shared-body ladder's orthonormal functions ``phi [3, N, K]``.

    ``target [B, N, 3]`` is in the ladder's colour space. Adam runs on ``u = coef / rms``: each
    coefficient gets a step size in proportion to its spread over training tiles (Meta-SGD's
    per-parameter learning rates, read off the training tiles instead of learned). On 4 val
    photos this lands within 0.04 dB of the least-squares optimum for any lr from 0.3 to 1.0,
    where one lr for all coefficients needs exactly the right lr (0.1: 11.8 dB short;
    ``results/levers/head_fit.txt``). Starts from the shipped head init, zero. ``metric``: the loss weighs the
    tile-border pixels (:class:`BorderMetric`); the steps then run in its whitened coordinates.
    """
    u = target.new_zeros(target.shape[0], *rms.shape)
    whole = torch.ones(target.shape[0], dtype=torch.bool, device=target.device)
    if weight is not None:
        whole = weight.reshape(weight.shape[0], -1).min(dim=1).values > 0
    # tiles with every pixel inside the image: phi is orthonormal on their grid, so the gradient of the
    # per-tile MSE is 2 (coef - phi^T z) / (3 N), one projection for all 100 steps (no autograd, no einsum
    # per step); tiles cut by the image border fit their weighted loss with autograd
    proj = (
        torch.einsum("cnk,bnc->bck", phi, target[whole])
        if metric is None
        else (torch.einsum("ckn,bnc->bck", metric.whiten, target[whole]))
    )
    if metric is not None and weight is not None:
        weight = weight * metric.pixels[None, :, None]
    scale = 2.0 / (3 * phi.shape[1])
    full, part = u[whole], u[~whole].requires_grad_(True)

    def gradients(_: int) -> tuple[list[Tensor], Tensor]:
        diff = full * rms - proj
        losses = [diff.square().sum(dim=(1, 2)) / (3 * phi.shape[1])]
        grads = [scale * diff * rms]
        if part.shape[0]:
            part.grad = None
            loss = weighted_mse(torch.einsum("cnk,bck->bnc", phi, part * rms) - target[~whole], weight[~whole])
            loss.sum().backward()
            losses.append(loss.detach())
            grads.append(part.grad)
        return grads, torch.cat(losses)

    params = [full, part] if part.shape[0] else [full]
    adam_with_gradients(params, gradients, steps, lr, on_step)
    u[whole], u[~whole] = full, part.detach()
    coef = u * rms
    if metric is not None:
        coef[whole] = torch.einsum("ckj,bcj->bck", metric.unwhiten, coef[whole])
    return coef


def fit_images(
    images: list[np.ndarray],
    ladder: basis.BasisLadder,
    steps: int,
    lr: float,
    dev: torch.device,
    chunk: int | None = None,
    on_step: Callable[[int, int], None] | None = None,
    border_weight: float | None = None,
) -> list[np.ndarray]:
    """Every tile's fitted coefficients ``[tiles, 3, K]`` per image, one batched run; the loss weighs the pixels
    on a tile's border ``border_weight`` (default: the init's, :func:`model.encoder_tuning`).

    On the CPU the tiles go CPU_CHUNK at a time: fewer, larger operations keep the fit fast when the
    CLI's OpenMP threads sleep instead of spinning (see ``cli.py``).
    """
    chunk = chunk or (CPU_CHUNK if dev.type == "cpu" else None)
    coords = torch_siren.tile_grid(ladder.cfg.tile).numpy()
    phi = torch.from_numpy(basis.functions(ladder, coords)).to(dev)
    rms = torch.from_numpy(ladder.rms).to(dev)
    mean = torch.from_numpy(ladder.colour_mean).to(dev)
    colour = torch.from_numpy(ladder.colour).to(dev)
    border_weight = basis.encoder_tuning(ladder).fit_border if border_weight is None else border_weight
    metric = None if border_weight == 1 else border_metric(phi, ladder.cfg.tile, border_weight)

    def fit_chunk(target: Tensor, weight: Tensor, report) -> np.ndarray:
        coef = fit_head(phi, rms, (target - mean) @ colour, steps, lr, weight, report, metric)
        return coef.reshape(coef.shape[0], -1).cpu().numpy()

    coefs = fit_in_chunks(images, ladder.cfg.tile, 3 * ladder.k, fit_chunk, dev, chunk, steps, on_step)
    return [c.reshape(-1, 3, ladder.k) for c in coefs]


def torch_evaluator(ladder: basis.BasisLadder, step_index: int, dev: torch.device, gray: bool = False):
    """:func:`model.evaluate` with torch on ``dev``: the body and every tile's head as batched products."""
    body_w = torch.from_numpy(ladder.body_w).to(dev)[None]
    body_b = torch.from_numpy(ladder.body_b).to(dev)[None]
    bases = torch.from_numpy(ladder.basis).to(dev)
    colour = torch.from_numpy(ladder.colour).to(dev)
    mean = torch.from_numpy(ladder.colour_mean).to(dev)
    keep = torch.from_numpy(basis.mask(ladder, step_index, gray).reshape(-1)).to(dev)

    @torch.no_grad()
    def evaluate(values: np.ndarray, coords: np.ndarray) -> np.ndarray:
        v = torch.from_numpy(values).to(dev)
        coef = v.new_zeros(v.shape[0], 3 * ladder.k)
        coef[:, keep] = v
        heads = torch.einsum("bck,cfk->bfc", coef.reshape(-1, 3, ladder.k), bases) @ colour.T  # [B, width + 1, 3]
        xy = torch.from_numpy(coords).to(dev)
        feat = torch_siren.forward(ladder.cfg, body_w.expand(xy.shape[0], -1), body_b, xy, head=False)
        return (torch.baddbmm(heads[:, :1], feat, heads[:, 1:]) + mean).cpu().numpy()

    return evaluate
