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
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
) -> None:
    """``steps`` Adam steps on ``params`` (updated in place) minimising the sum of ``losses(step)``.

    ``losses`` may return one loss per tile ``[B]``: their sum's gradient is each tile's own, and
    Adam is element-wise, so a tile's result does not depend on its batch-mates. ``on_step(step,
    losses)`` sees the losses before each update.

    The update is torch.optim.Adam's (its single-tensor path, bias-corrected, bit for bit: tested),
    written out because constructing torch.optim.Adam imports torch._dynamo, 1.1 s of every encode
    command on this CPU.
    """
    params = list(params)

    def gradients(step: int) -> tuple[list[Tensor], Tensor]:
        for p in params:
            p.grad = None
        loss = losses(step)
        loss.sum().backward()
        return [p.grad for p in params], loss.detach()

    adam_with_gradients(params, gradients, steps, lr, on_step, betas, eps)


def adam_with_gradients(
    params: Sequence[Tensor],
    gradients: Callable[[int], tuple[list[Tensor], Tensor]],
    steps: int,
    lr: float,
    on_step: Callable[[int, Tensor], None] | None = None,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
) -> None:
    """:func:`adam` with the gradients given: ``gradients(step) -> (one per param, losses)``, for problems
    whose gradient has a closed form (a fit in an orthonormal basis)."""
    beta1, beta2 = betas
    params = list(params)
    moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
    for step in range(steps):
        grads, loss = gradients(step)
        t = float(step + 1)
        step_size = lr / (1 - beta1**t)
        bias_correction2_sqrt = (1 - beta2**t) ** 0.5
        with torch.no_grad():
            for p, g, (exp_avg, exp_avg_sq) in zip(params, grads, moments, strict=True):
                exp_avg.lerp_(g, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
                p.addcdiv_(exp_avg, denom, value=-step_size)
        if on_step is not None:
            on_step(step, loss)


def weighted_mse(diff: Tensor, weight: Tensor | None = None) -> Tensor:
    """Per-tile mean of ``diff [B,N,C]`` squared, over the pixels whose ``weight [B,N,1]`` is 1."""
    err = diff.square()
    if weight is None:
        return err.mean(dim=(1, 2))
    return (err * weight).sum(dim=(1, 2)) / (weight.sum(dim=(1, 2)) * err.shape[-1]).clamp_min(1)


def psnr(mse: Tensor) -> Tensor:
    """PSNR in dB for data range 1."""
    return -10 * torch.log10(mse.clamp_min(1e-12))
