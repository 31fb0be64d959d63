"""Batched sparse SIREN: B networks that share one architecture, one mask and one init.

Parameters live in two flat pieces so that masks, storage and MAML stay simple:
``theta`` holds every weight of every layer concatenated (layer l as an ``in x out``
matrix, row-major), ``bias`` every bias.  A tile's own parameters are only the
*surviving* weights (``theta[mask]``); they are scattered back into dense matrices
inside the graph, so pruned entries are exactly zero and get no gradient
(``torch.nn.utils.prune`` semantics: weight = weight_orig * mask).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from .arch import SirenConfig, compaction


def init_params(cfg: SirenConfig, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
    """SIREN initialisation (Sitzmann et al.): first layer U(+-1/fan_in), others U(+-sqrt(6/fan_in)/w0).

    Biases are drawn from the same range as their layer's weights, as the reference code does. A
    research config that brings its own initialisation (``torch_init``, the paper's FFN) uses it.
    """
    if hasattr(cfg, "torch_init"):
        return cfg.torch_init(generator)
    ws, bs = [], []
    for layer, (fan_in, fan_out) in enumerate(cfg.layer_shapes()):
        bound = 1.0 / fan_in if layer == 0 else math.sqrt(6.0 / fan_in) / cfg.w0
        ws.append((torch.rand(fan_in * fan_out, generator=generator) * 2 - 1) * bound)
        bs.append((torch.rand(fan_out, generator=generator) * 2 - 1) * bound)
    return torch.cat(ws), torch.cat(bs)


def split_layers(
    cfg: SirenConfig, flat_weights: Tensor, bias: Tensor, head: bool = True
) -> list[tuple[Tensor, Tensor]]:
    """Views of batched flat weights ``[B, P]`` and biases ``[B|1, Q]`` as per-layer ``([B,in,out], [B|1,1,out])``.

    Without ``head``, the hidden layers only (the weights may stop there).
    """
    out, wo, bo = [], 0, 0
    shapes = cfg.layer_shapes()
    for fan_in, fan_out in shapes if head else shapes[:-1]:
        w = flat_weights[:, wo : wo + fan_in * fan_out].reshape(-1, fan_in, fan_out)
        b = bias[..., bo : bo + fan_out].reshape(-1, 1, fan_out)
        out.append((w, b))
        wo += fan_in * fan_out
        bo += fan_out
    return out


def scatter_values(values: Tensor, index: Tensor, n_weights: int) -> Tensor:
    """Dense ``[B, P]`` weights with ``values [B, K]`` at ``index [K]`` and exact zeros elsewhere."""
    dense = values.new_zeros(values.shape[0], n_weights)
    return dense.index_copy(1, index, values)


def initial_values(cfg: SirenConfig, theta: Tensor, index: Tensor) -> Tensor:
    """A tile's starting values ``[K + 3]``: the init's surviving weights, then a zero output-bias offset.

    Besides its surviving weights each tile adapts (and stores) an offset to the output bias:
    3 values that carry the tile's mean colour, which sparse weights alone reach slowly.
    """
    return torch.cat([theta[index], theta.new_zeros(cfg.out_features)])


def tile_params(cfg: SirenConfig, values: Tensor, bias: Tensor, index: Tensor) -> tuple[Tensor, Tensor]:
    """Per-tile dense weights ``[B, P]`` and biases ``[B, Q]`` from stored values ``[B, K + 3]``."""
    k = index.numel()
    weights = scatter_values(values[:, :k], index, cfg.n_weights)
    batch = values.shape[0]
    head = bias[: -cfg.out_features].expand(batch, -1)
    return weights, torch.cat([head, bias[-cfg.out_features :] + values[:, k:]], dim=1)


def forward_values(cfg: SirenConfig, values: Tensor, bias: Tensor, index: Tensor, coords: Tensor) -> Tensor:
    """Colours ``[B,N,3]`` of B tiles given their stored values ``[B, K + 3]`` (see :func:`tile_params`)."""
    return forward(cfg, *tile_params(cfg, values, bias, index), coords)


def forward(cfg: SirenConfig, flat_weights: Tensor, bias: Tensor, coords: Tensor, head: bool = True) -> Tensor:
    """Evaluate B networks: ``coords [N,2]`` (shared) or ``[B,N,2]`` -> colours ``[B,N,3]``.

    w0 is folded into the (small) weight matrices rather than multiplied into the (large)
    activations: sin(w0 (xW + b)) = sin(x (w0 W) + w0 b). Without ``head``: the last hidden
    layer's features ``[B, N, width]`` (the shared body of a basis init). A research config that
    brings its own walk (``torch_forward``, the paper's FFN) uses it.
    """
    layers = split_layers(cfg, flat_weights, bias, head)
    n_layers = len(cfg.layer_shapes())
    batch = flat_weights.shape[0]
    h = coords if coords.dim() == 3 else coords.unsqueeze(0).expand(batch, -1, -1)
    if hasattr(cfg, "torch_forward"):
        return cfg.torch_forward(layers, h)
    for i, (w, b) in enumerate(layers):
        if i == n_layers - 1:
            h = torch.baddbmm(b, h, w)
        else:
            h = torch.baddbmm(b * cfg.w0, h, w * cfg.w0).sin()
    return h


def tile_grid(size: int) -> Tensor:
    """The ``size x size`` training grid: linspace(-1, 1) per axis with endpoints, (x, y) order, ``[N, 2]``."""
    axis = torch.linspace(-1.0, 1.0, size)
    yy, xx = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([xx, yy], dim=-1).reshape(-1, 2)


@dataclass(frozen=True)
class Compacted:
    """A level's network on its live hidden units only (see :func:`arch.compaction`), as tensors."""

    cfg: SirenConfig
    theta: Tensor
    bias: Tensor
    mask: Tensor
    keep: Tensor  # [Kc] positions, in a tile's full value vector, of the weights the compact net keeps

    def values(self, full: Tensor) -> Tensor:
        """Compact values ``[B, Kc + 3]`` from full ones ``[B, K + 3]``."""
        return torch.cat([full[:, self.keep], full[:, full.shape[1] - self.cfg.out_features :]], dim=1)

    def expand(self, compact: Tensor, start: Tensor) -> Tensor:
        """Full values ``[B, K + 3]``: ``start [K + 3]`` (the init) with the compact net's values written in."""
        full = start.to(compact).expand(compact.shape[0], -1).clone()
        full[:, self.keep] = compact[:, : self.keep.numel()]
        full[:, full.shape[1] - self.cfg.out_features :] = compact[:, self.keep.numel() :]
        return full


def compact(cfg: SirenConfig, theta: Tensor, bias: Tensor, mask: Tensor) -> Compacted:
    """The same function on fewer hidden units: units no surviving weight reads from are removed."""
    plan = compaction(cfg, mask.cpu().numpy())
    w, b, keep = (torch.from_numpy(a).to(theta.device) for a in (plan.weight_index, plan.bias_index, plan.keep))
    return Compacted(plan.cfg, theta[w], bias[b], mask[w], keep)


def mask_index(mask: Tensor) -> Tensor:
    """Positions of surviving weights, in the order values are stored."""
    return mask.nonzero().squeeze(1)
