"""One interface for every codec, and the registry that finds a codec by its init file's format.

A codec owns a kind of initialization (what ``weights/*.npz`` holds), how an image's tiles are
fitted from it, how the fitted values are packed into a payload and unpacked again, and how the
unpacked tiles are rendered. The encode and decode pipelines, the CLI, the bench and the fuzzer
go through :class:`Codec` and never ask which one they hold. The decode half of the interface
(``load``, ``unpack``, ``evaluator`` without a device) runs on numpy alone; torch is imported inside
``fit`` and the GPU evaluator only.

A new codec is one module with a ``CODEC`` object and one line in :data:`REGISTRY`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Hashable
from typing import Any, Protocol

import numpy as np

from ..errors import InrzipError
from ..format.container import Extras, Header

# init file format -> module holding its CODEC
REGISTRY = {
    "inrzip-basis-1": "inrzip.codecs.basis.codec",
    "inrzip-ladder-2": "inrzip.codecs.siren.codec",
}

# evaluate(values [B, n], coords [B, M, 2]) -> colours [B, M, 3] in [0, 1] (before rounding)
Evaluate = Callable[[np.ndarray, np.ndarray], np.ndarray]


class Codec(Protocol):
    """What the pipeline needs of a codec. ``init`` is the object :meth:`load` returned."""

    format: str  # the init files' format string
    value_codecs: tuple[str, ...]  # payload layouts it writes (format.payload), its default first
    default_lr: float  # Adam learning rate of the 100-step fit

    def load(self, z: Any, name: str, file_id: str) -> Any:
        """The init from an opened ``.npz``; ValueError when its arrays do not agree."""

    def qualities(self, init: Any) -> int:
        """How many quality levels ``-q`` offers (1 = smallest file)."""

    def options(self, init: Any, value_codec: str | None, bits: float | None, bpp: float | None) -> str:
        """The payload layout to write, checked against the init; InrzipError for options that do not apply."""

    def default_quality(self, init: Any, value_codec: str) -> int:
        """The level used when neither ``-q`` nor ``--bpp`` is given."""

    def quality_for_bpp(self, init: Any, bpp: float, width: int, height: int, value_codec: str) -> int | None:
        """The level to fit for a rate target, or None where :meth:`pack` finds it after the fit."""

    def fit_key(self, init: Any, quality: int | None) -> Hashable:
        """Images whose keys are equal share one batched fit (a fit that serves every level: one key)."""

    def fit(
        self,
        init: Any,
        images: list[np.ndarray],
        key: Hashable,
        steps: int,
        lr: float,
        device: Any,
        chunk: int | None,
        on_step: Callable[[int, int], None] | None,
    ) -> list[np.ndarray]:
        """Each image's fitted tile values (100 Adam steps from the init; torch)."""

    def pack(
        self,
        init: Any,
        fitted: np.ndarray,
        width: int,
        height: int,
        quality: int | None,
        value_codec: str,
        bits: float | None = None,
        bpp: float | None = None,
        gray: bool = False,
        extras: Extras | None = None,
    ) -> bytes:
        """The whole ``.inrz`` file of one image's fitted values (quality None: the file nearest ``bpp``, every
        byte counted). ``gray``: the image is gray (fitted as equal RGB); ``extras``: its mode and sections."""

    def unpack(self, init: Any, header: Header, raw: bytes, gray: bool = False) -> tuple[Any, np.ndarray]:
        """(level, tile values ``[tiles, n]`` float32) of a checked payload; InrzipError where it does not fit."""

    def evaluator(self, init: Any, level: Any, device: Any = None) -> Evaluate:
        """The tiles' networks at ``level``: numpy (``device`` None), or torch on that torch device."""

    def restore(self, init: Any, level: Any, pixels: np.ndarray) -> np.ndarray:
        """The source-size render ``[H, W, C]`` uint8 after the init's post-filter (unchanged where it has none)."""

    def lap_scales(self, init: Any) -> np.ndarray | None:
        """The init's lapping (:mod:`inrzip.lapping`): the encoder pre-filters what it fits, the source-size render
        is post-filtered; None where its tiles are not lapped."""

    def gray_weights(self, init: Any) -> np.ndarray:
        """``[3]``: a gray file's gray value from its RGB render (``rgb @ weights``)."""

    def describe(self, header: Header) -> str:
        """How a header's level reads to a person."""


def for_format(fmt: str) -> Codec:
    """The codec of an init file format (ValueError for a format this inrzip does not know)."""
    if fmt not in REGISTRY:
        raise ValueError(f"unknown initialization format {fmt!r}")
    return importlib.import_module(REGISTRY[fmt]).CODEC


def of(init: Any) -> Codec:
    """The codec of a loaded init."""
    return for_format(init.format)


def check_quality(quality: int, n: int, name: str) -> None:
    """A ``-q`` outside 1..n is refused with the range."""
    if not 1 <= quality <= n:
        raise InrzipError(f"quality must be 1..{n} for {name}, got {quality}")
