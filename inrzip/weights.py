"""Shipped initializations: find them (source tree or installed wheel), identify and load them."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import torch
from torch import Tensor

from .siren import SirenConfig

DEFAULT_INIT = "siren-t16-w64"


@dataclass(frozen=True)
class Level:
    """One rung of the ladder: a meta-learned init and its shared mask."""

    quality: int
    round: int
    theta: Tensor  # dense [P] weights, zero where pruned
    bias: Tensor  # [Q]
    mask: Tensor  # [P] bool
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
    """A shipped initialization file: architecture + one Level per quality."""

    name: str
    id: str
    cfg: SirenConfig
    levels: tuple[Level, ...]

    def level(self, quality: int) -> Level:
        if not 1 <= quality <= len(self.levels):
            raise ValueError(f"quality must be 1..{len(self.levels)} for {self.name}, got {quality}")
        return self.levels[quality - 1]


def weights_dirs() -> list[Path]:
    """Where initializations live: $INRZIP_WEIGHTS, the installed package data, a source checkout's weights/."""
    dirs = [Path(p) for p in os.environ.get("INRZIP_WEIGHTS", "").split(os.pathsep) if p]
    try:
        pkg = resources.files("inrzip") / "_weights"
        if pkg.is_dir():
            dirs.append(Path(str(pkg)))
    except (ModuleNotFoundError, TypeError):
        pass
    src = Path(__file__).resolve().parent.parent / "weights"
    if src.is_dir():
        dirs.append(src)
    return dirs


def file_id(path: Path) -> str:
    """Content hash that a .inrz file records, so a decoder can tell it has the same init."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def available() -> dict[str, Path]:
    """Shipped initialization names -> files."""
    found: dict[str, Path] = {}
    for d in weights_dirs():
        for p in sorted(d.glob("*.pt")):
            found.setdefault(p.stem, p)
    return found


def resolve(name_or_path: str) -> Path:
    """A shipped name, or a path to a ladder file."""
    p = Path(name_or_path)
    if p.suffix == ".pt" and p.is_file():
        return p
    shipped = available()
    if name_or_path in shipped:
        return shipped[name_or_path]
    names = ", ".join(shipped) or "none"
    raise FileNotFoundError(f"no initialization named {name_or_path!r} (shipped: {names})")


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> Ladder:
    blob = torch.load(path, map_location="cpu", weights_only=True)
    if blob.get("format") != "inrzip-ladder-1":
        raise ValueError(f"{path} is not an inrzip ladder file")
    cfg = SirenConfig(**blob["siren"])
    levels = []
    for q, lv in enumerate(blob["levels"], start=1):
        mask = lv["mask"].bool()
        theta = torch.zeros(cfg.n_weights)
        theta[mask] = lv["theta"].float()
        levels.append(Level(q, int(lv["round"]), theta, lv["bias"].float(), mask, float(lv["val_psnr"])))
    return Ladder(Path(path).stem, file_id(Path(path)), cfg, tuple(levels))


def load(name_or_path: str = DEFAULT_INIT) -> Ladder:
    """Load (cached) a ladder by shipped name or path."""
    path = resolve(name_or_path)
    return _load(str(path), path.stat().st_mtime)


def find_by_id(init_id: str) -> Ladder:
    """The shipped ladder whose content hash is ``init_id`` (what a .inrz file names)."""
    for path in available().values():
        ladder = load(str(path))
        if ladder.id == init_id:
            return ladder
    raise LookupError(f"this file needs initialization {init_id}, which this install does not have")
