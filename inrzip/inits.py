"""Initializations: find them (source tree, installed wheel, $INRZIP_WEIGHTS, a path), identify and load them.

An init file is a plain ``.npz`` (numpy, no pickles) whose ``format`` entry names its codec
(:mod:`inrzip.codecs`); its sha256 prefix is the id a ``.inrz`` records, so a decoder can tell it
holds the same init. Every init that a released file names stays in the package for good.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from . import codecs
from .errors import InrzipError

DEFAULT_INIT = "siren-t16-basis-lap"  # qm + lapped tiles (pre- and post-filter across tile borders); README


def weights_dirs() -> list[Path]:
    """Where initializations live: $INRZIP_WEIGHTS, the installed package data, a source checkout's weights/."""
    dirs = [Path(p) for p in os.environ.get("INRZIP_WEIGHTS", "").split(os.pathsep) if p]
    here = Path(__file__).resolve().parent
    pkg = here / "_weights"  # a wheel's package data (a plain folder: np.load reads inits by path)
    if pkg.is_dir():
        dirs.append(pkg)
    src = here.parent / "weights"
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
    """Installed initialization names -> files."""
    found: dict[str, Path] = {}
    for d in weights_dirs():
        for p in sorted(d.glob("*.npz")):
            found.setdefault(p.stem, p)
    return found


def resolve(name_or_path: str) -> Path:
    """An installed name, or a path to an init file."""
    p = Path(name_or_path)
    if p.suffix == ".npz" and p.is_file():
        return p
    installed = available()
    if name_or_path in installed:
        return installed[name_or_path]
    names = ", ".join(installed) or "none"
    raise FileNotFoundError(f"no initialization named {name_or_path!r} (installed: {names})")


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> Any:
    try:
        with np.load(path, allow_pickle=False) as z:
            codec = codecs.for_format(str(z["format"]))
            return codec.load(z, Path(path).stem, file_id(Path(path)))
    except (OSError, KeyError, ValueError, TypeError) as e:
        raise ValueError(f"{path} is not a readable inrzip initialization ({e})") from None


def load(name_or_path: str = DEFAULT_INIT) -> Any:
    """Load (cached) an init by installed name or path; InrzipError when there is none or it is unreadable."""
    try:
        path = resolve(name_or_path)
        return _load(str(path), path.stat().st_mtime)
    except (FileNotFoundError, ValueError) as e:
        raise InrzipError(str(e)) from None


def for_file(init_id: str, given: Any = None) -> Any:
    """The init a .inrz file names by ``init_id``: ``given`` (an init object or path) when it is that one,
    else the installed init with that content hash."""
    if given is not None:
        init = load(given) if isinstance(given, str | os.PathLike) else given
        if init.id != init_id:
            raise InrzipError(f"this file needs initialization {init_id}, and {init.name} is {init.id}")
        return init
    installed = available()
    default = installed.pop(DEFAULT_INIT, None)
    for path in ([default] if default else []) + list(installed.values()):  # most files name the default: hash it first
        if file_id(path) != init_id:  # hash first: an unreadable file elsewhere in the path cannot break this one
            continue
        return load(str(path))
    raise InrzipError(
        f"this file needs initialization {init_id}, which this install does not have (give it with --init PATH)"
    )


def name_of(init_id: str) -> str:
    """The installed init's name for an id, or "not installed"."""
    for name, path in available().items():
        if file_id(path) == init_id:
            return name
    return "not installed"
