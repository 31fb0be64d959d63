"""The per-tile SIREN ladder (Meta-SparseINR): one meta-learned init and one shared mask per level.

A ladder file is a plain ``.npz`` (no pickles) of format ``inrzip-ladder-2``: the architecture,
then per level the surviving init weights, the biases and the mask.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from ...files import save_atomic
from ...nets.arch import SirenConfig

FORMAT = "inrzip-ladder-2"


@dataclass(frozen=True)
class Level:
    """One rung of the ladder: a meta-learned init and its shared mask."""

    quality: int
    round: int
    theta: np.ndarray  # dense [P] float32 weights, zero where pruned
    bias: np.ndarray  # [Q] float32
    mask: np.ndarray  # [P] bool
    val_psnr: float

    @property
    def n_weights(self) -> int:
        return int(self.mask.sum())

    @property
    def n_values(self) -> int:
        """Values stored per tile: surviving weights + the 3-value output-bias offset."""
        return self.n_weights + 3


@dataclass(frozen=True)
class Ladder:
    """A ladder initialization file: architecture + one Level per quality."""

    format: ClassVar[str] = FORMAT
    name: str
    id: str
    cfg: SirenConfig
    levels: tuple[Level, ...]

    def level(self, quality: int) -> Level:
        if not 1 <= quality <= len(self.levels):
            raise ValueError(f"quality must be 1..{len(self.levels)} for {self.name}, got {quality}")
        return self.levels[quality - 1]


def init_values(ladder: Ladder, level: Level) -> np.ndarray:
    """What every tile starts from ``[K + 3]``: the surviving init weights and a zero output-bias offset."""
    return np.concatenate([level.theta[level.mask], np.zeros(ladder.cfg.out_features, np.float32)])


def from_npz(z, name: str, file_id: str, cfg: SirenConfig | None = None) -> Ladder:
    """A Ladder from an opened ``.npz`` (format already checked by :mod:`inrzip.inits`); ``cfg`` overrides the
    recorded architecture (the paper's experiments read their FFN ladders this way)."""
    cfg = cfg or SirenConfig.from_dict(json.loads(str(z["siren"])))
    levels = []
    for q, info in enumerate(json.loads(str(z["levels"])), start=1):
        mask = z[f"mask_{q}"].astype(bool)
        theta = np.zeros(cfg.n_weights, np.float32)
        theta[mask] = z[f"theta_{q}"]
        bias = z[f"bias_{q}"].astype(np.float32)
        levels.append(Level(q, int(info["round"]), theta, bias, mask, float(info["val_psnr"])))
    return Ladder(name, file_id, cfg, tuple(levels))


def save(path: Path, cfg: SirenConfig, levels: list[dict]) -> None:
    """Write a ladder (levels ordered by quality: dicts of round, val_psnr and numpy theta/bias/mask) atomically."""
    arrays = {
        "format": np.array(FORMAT),
        "siren": np.array(json.dumps(cfg.to_dict())),
        "levels": np.array(json.dumps([{"round": lv["round"], "val_psnr": lv["val_psnr"]} for lv in levels])),
    }
    for q, lv in enumerate(levels, start=1):
        mask = np.asarray(lv["mask"], bool)
        arrays |= {
            f"theta_{q}": np.asarray(lv["theta"], np.float32)[mask],
            f"bias_{q}": np.asarray(lv["bias"], np.float32),
            f"mask_{q}": mask,
        }
    save_atomic(path, lambda f: np.savez(f, **arrays))
