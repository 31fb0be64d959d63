"""Shared masks: global magnitude (Meta-SparseINR) and random pruning, and the density ladder."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..nets.torch_siren import mask_index

GAMMA = 0.2


def n_pruned(n_surviving: int, gamma: float = GAMMA) -> int:
    """How many weights one round removes: floor(gamma * survivors), as the paper counts."""
    return int(math.floor(gamma * n_surviving))


def prune(theta: Tensor, mask: Tensor, gamma: float = GAMMA, scores: Tensor | None = None) -> Tensor:
    """One round: drop the floor(gamma * |mask|) surviving weights with the lowest score.

    One global ranking over all layers (first and last included). ``scores`` defaults to
    ``|theta|`` (magnitude pruning); pass random scores for the Random Pruning baseline.
    Exactly that many are removed (ties broken by index), so weight counts are reproducible.
    """
    scores = theta.abs() if scores is None else scores
    alive = mask_index(mask)
    drop = n_pruned(alive.numel(), gamma)
    order = torch.argsort(scores[alive], stable=True)
    new_mask = mask.clone()
    new_mask[alive[order[:drop]]] = False
    return new_mask


def prune_layerwise(theta: Tensor, mask: Tensor, sizes: list[int], gamma: float = GAMMA) -> Tensor:
    """One round pruned within each layer: every layer drops floor(gamma * its survivors) by magnitude.

    The alternative to one global ranking: no layer can be emptied (or starved) by a threshold set
    by another layer's scale; each keeps the same fraction of its weights.
    """
    parts = [prune(t, m, gamma) for t, m in zip(theta.split(sizes), mask.split(sizes), strict=True)]
    return torch.cat(parts)


def layer_normalized_scores(theta: Tensor, mask: Tensor, sizes: list[int]) -> Tensor:
    """|theta| divided by its layer's rms over surviving weights: one global ranking, comparable across layers.

    Plain global magnitude compares layers whose scales differ by 30x (SIREN's first layer vs the
    rest, or a layer meta-learning has inflated) and can empty a layer, cutting the network in two;
    we measured exactly that (a whole hidden layer gone by 5 % density). Normalising keeps the
    global threshold but ranks each weight against its own layer's scale.
    """
    scores = torch.empty_like(theta)
    for part, t, m in zip(scores.split(sizes), theta.split(sizes), mask.split(sizes), strict=True):
        alive = t[m]
        rms = alive.square().mean().sqrt() if alive.numel() else t.new_tensor(1.0)
        part.copy_(t.abs() / rms.clamp_min(1e-12))
    return scores


def useful(mask: Tensor, shapes: list[tuple[int, int]]) -> Tensor:
    """Surviving weights that lie on an input-to-output path; the rest cost bits and do nothing.

    Magnitude scores ignore connectivity: a hidden unit may keep input weights and lose all its
    output weights (or the reverse), and on the shipped ladder we measured levels where no hidden
    unit was connected at all. A unit is *fed* if a surviving weight reaches it from a fed unit
    (inputs are fed) and *drains* if a surviving weight leaves it to a draining unit (outputs drain).
    """
    sizes = [i * o for i, o in shapes]
    layers = [m.view(i, o) for m, (i, o) in zip(mask.split(sizes), shapes, strict=True)]
    fed = [torch.ones(shapes[0][0], dtype=torch.bool)]
    for m in layers:
        fed.append((m & fed[-1][:, None]).any(dim=0))
    drains = [torch.ones(shapes[-1][1], dtype=torch.bool)]
    for m in reversed(layers):
        drains.insert(0, (m & drains[0][None, :]).any(dim=1))
    keep = [m & fed[k][:, None] & drains[k + 1][None, :] for k, m in enumerate(layers)]
    return torch.cat([k.reshape(-1) for k in keep])


def round_scores(
    kind: str, theta: Tensor, mask: Tensor, shapes: list[tuple[int, int]], generator: torch.Generator | None = None
) -> Tensor:
    """The scores one pruning round ranks by: "magnitude" and "random" (the paper's method and baseline),
    "layer-normalized" (our default) or "random-connected".

    In "layer-normalized" and "random-connected", weights on no input-to-output path score -1 and go first.
    """
    if kind == "random":
        return random_scores(theta.numel(), generator)
    if kind == "random-connected":
        scores = random_scores(theta.numel(), generator)
    elif kind == "layer-normalized":
        scores = layer_normalized_scores(theta, mask, [i * o for i, o in shapes])
    elif kind == "magnitude":
        return theta.abs()
    else:
        raise ValueError(f"unknown pruning scores {kind!r}")
    return torch.where(useful(mask, shapes), scores, scores.new_tensor(-1.0))


def random_scores(n: int, generator: torch.Generator | None = None) -> Tensor:
    """Scores for the Random Pruning baseline."""
    return torch.rand(n, generator=generator)


def ladder_counts(n_weights: int, rounds: int, gamma: float = GAMMA) -> list[int]:
    """Surviving weight count after each round 0..rounds (round 0 = dense)."""
    counts = [n_weights]
    for _ in range(rounds):
        counts.append(counts[-1] - n_pruned(counts[-1], gamma))
    return counts
