"""The one Adam loop (encoder fits, meta-learners, the paper's fits) and the losses it minimises."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor


def adam(
    params: Sequence[Tensor],
    losses: Callable[[int], Tensor],
    steps: int,
    lr: float,
    on_step: Callable[[int, Tensor], None] | None = None,
) -> None:
    """``steps`` Adam steps on ``params`` (updated in place) minimising the sum of ``losses(step)``.

    ``losses`` may return one loss per tile ``[B]``: their sum's gradient is each tile's own, and
    Adam is element-wise, so a tile's result does not depend on its batch-mates. ``on_step(step,
    losses)`` sees the losses before each update.
    """
    opt = torch.optim.Adam(list(params), lr=lr)
    for step in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = losses(step)
        loss.sum().backward()
        opt.step()
        if on_step is not None:
            on_step(step, loss.detach())


def weighted_mse(diff: Tensor, weight: Tensor | None = None) -> Tensor:
    """Per-tile mean of ``diff [B,N,C]`` squared, over the pixels whose ``weight [B,N,1]`` is 1."""
    err = diff.square()
    if weight is None:
        return err.mean(dim=(1, 2))
    return (err * weight).sum(dim=(1, 2)) / (weight.sum(dim=(1, 2)) * err.shape[-1]).clamp_min(1)


def psnr(mse: Tensor) -> Tensor:
    """PSNR in dB for data range 1."""
    return -10 * torch.log10(mse.clamp_min(1e-12))
