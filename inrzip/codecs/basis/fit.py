"""The torch side of the basis codec: each tile's head coefficients by 100 Adam steps, and a torch render."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

from ...nets import torch_siren
from ...nets.optim import adam_with_gradients, weighted_mse
from ..batching import fit_in_chunks
from . import model as basis

CPU_CHUNK = 2048  # tiles per batch on the CPU (~25 MB of activations)


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
    ``results/levers/head_fit.txt``). Starts from the shipped head init, zero.
    """
    u = target.new_zeros(target.shape[0], *rms.shape)
    whole = torch.ones(target.shape[0], dtype=torch.bool, device=target.device)
    if weight is not None:
        whole = weight.reshape(weight.shape[0], -1).min(dim=1).values > 0
    # tiles with every pixel inside the image: phi is orthonormal on their grid, so the gradient of the
    # per-tile MSE is 2 (coef - phi^T z) / (3 N), one projection for all 100 steps (no autograd, no einsum
    # per step); tiles cut by the image border fit their weighted loss with autograd
    proj = torch.einsum("cnk,bnc->bck", phi, target[whole])
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
    return u * rms


def fit_images(
    images: list[np.ndarray],
    ladder: basis.BasisLadder,
    steps: int,
    lr: float,
    dev: torch.device,
    chunk: int | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> list[np.ndarray]:
    """Every tile's fitted coefficients ``[tiles, 3, K]`` per image, one batched run.

    On the CPU the tiles go CPU_CHUNK at a time: fewer, larger operations keep the fit fast when the
    CLI's OpenMP threads sleep instead of spinning (see ``cli.py``).
    """
    chunk = chunk or (CPU_CHUNK if dev.type == "cpu" else None)
    coords = torch_siren.tile_grid(ladder.cfg.tile).numpy()
    phi = torch.from_numpy(basis.functions(ladder, coords)).to(dev)
    rms = torch.from_numpy(ladder.rms).to(dev)
    mean = torch.from_numpy(ladder.colour_mean).to(dev)
    colour = torch.from_numpy(ladder.colour).to(dev)

    def fit_chunk(target: Tensor, weight: Tensor, report) -> np.ndarray:
        coef = fit_head(phi, rms, (target - mean) @ colour, steps, lr, weight, report)
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
