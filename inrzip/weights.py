"""Shipped initializations: find them (source tree or installed wheel), identify, load and save them.

A ladder file is a plain ``.npz`` (numpy, no pickles): decoding needs no torch, and the file's
sha256 is the id a ``.inrz`` records.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from . import basis
from .arch import SirenConfig

FORMAT = "inrzip-ladder-2"

DEFAULT_INIT = "siren-t16-basis"  # shared body + ANS (issue 3); "siren-t16-w64" is the per-tile SIREN ladder


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
    return _file_id(str(path), Path(path).stat().st_mtime)


@lru_cache(maxsize=32)
def _file_id(path: str, mtime: float) -> str:
    """Cached per (path, mtime): each decode checks every installed file's hash without reading it again."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def available() -> dict[str, Path]:
    """Shipped initialization names -> files."""
    found: dict[str, Path] = {}
    for d in weights_dirs():
        for p in sorted(d.glob("*.npz")):
            found.setdefault(p.stem, p)
    return found


def resolve(name_or_path: str) -> Path:
    """A shipped name, or a path to a ladder file."""
    p = Path(name_or_path)
    if p.suffix == ".npz" and p.is_file():
        return p
    shipped = available()
    if name_or_path in shipped:
        return shipped[name_or_path]
    names = ", ".join(shipped) or "none"
    raise FileNotFoundError(f"no initialization named {name_or_path!r} (shipped: {names})")


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> Ladder | basis.BasisLadder:
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["format"]) == basis.FORMAT:
                return basis.from_npz(z, Path(path).stem, file_id(Path(path)))
            if str(z["format"]) != FORMAT:
                raise ValueError(f"{path} is not an inrzip ladder file")
            cfg = SirenConfig(**json.loads(str(z["siren"])))
            levels = []
            for q, info in enumerate(json.loads(str(z["levels"])), start=1):
                mask = z[f"mask_{q}"].astype(bool)
                theta = np.zeros(cfg.n_weights, np.float32)
                theta[mask] = z[f"theta_{q}"]
                bias = z[f"bias_{q}"].astype(np.float32)
                levels.append(Level(q, int(info["round"]), theta, bias, mask, float(info["val_psnr"])))
    except (OSError, KeyError, ValueError, TypeError) as e:
        raise ValueError(f"{path} is not a readable inrzip ladder file ({e})") from None
    return Ladder(Path(path).stem, file_id(Path(path)), cfg, tuple(levels))


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
    tmp = Path(path).with_suffix(".npz.tmp")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    os.replace(tmp, path)


def load(name_or_path: str = DEFAULT_INIT) -> Ladder | basis.BasisLadder:
    """Load (cached) a ladder by shipped name or path."""
    path = resolve(name_or_path)
    return _load(str(path), path.stat().st_mtime)


def find_by_id(init_id: str) -> Ladder | basis.BasisLadder:
    """The shipped ladder whose content hash is ``init_id`` (what a .inrz file names)."""
    for path in available().values():
        if file_id(path) != init_id:  # hash first: an unreadable file elsewhere in the path cannot break this one
            continue
        return load(str(path))
    raise LookupError(f"this file needs initialization {init_id}, which this install does not have")
