"""Shared masks: global magnitude (Meta-SparseINR) and random pruning, and the density ladder."""

from __future__ import annotations

import math

import torch
from torch import Tensor

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
    alive = mask.nonzero().squeeze(1)
    drop = n_pruned(alive.numel(), gamma)
    order = torch.argsort(scores[alive], stable=True)
    new_mask = mask.clone()
    new_mask[alive[order[:drop]]] = False
    return new_mask


def random_scores(n: int, generator: torch.Generator | None = None) -> Tensor:
    """Scores for the Random Pruning baseline."""
    return torch.rand(n, generator=generator)


def ladder_counts(n_weights: int, rounds: int, gamma: float = GAMMA) -> list[int]:
    """Surviving weight count after each round 0..rounds (round 0 = dense)."""
    counts = [n_weights]
    for _ in range(rounds):
        counts.append(counts[-1] - n_pruned(counts[-1], gamma))
    return counts


def mask_index(mask: Tensor) -> Tensor:
    """Positions of surviving weights, in the order values are stored."""
    return mask.nonzero().squeeze(1)
