"""The shared-body codec (``ans``): per-tile head coefficients in a learned orthonormal basis, dead-zone
quantised and ANS-coded. The init's format is ``inrzip-basis-1``."""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import numpy as np

from ... import lapping, postfilter
from ...errors import InrzipError
from ...format import container
from ...format.container import Extras, Header
from ...search import nearest_size
from ...tiles import grid_shape
from .. import Evaluate, check_quality
from . import entropy
from . import model as basis
from .model import BasisLadder

HEAD_LR = 0.5  # Adam lr of u = coef / rms (val: 0.3-1.0 all reach the optimum, results/levers/head_fit.txt)


class BasisCodec:
    format = basis.FORMAT
    value_codecs = ("ans",)
    default_lr = HEAD_LR

    def load(self, z, name: str, file_id: str) -> BasisLadder:
        return basis.from_npz(z, name, file_id)

    def qualities(self, init: BasisLadder) -> int:
        return len(init.qualities)

    def options(self, init: BasisLadder, value_codec: str | None, bits: float | None, bpp: float | None) -> str:
        if value_codec not in (None, "ans") or bits is not None:
            raise InrzipError(f"{init.name} stores ANS-coded coefficients: --codec fp16/q16 and --bits do not apply")
        return "ans"

    def default_quality(self, init: BasisLadder, value_codec: str = "ans") -> int:
        """The middle level (~1 bpp on Kodak)."""
        return (len(init.qualities) + 1) // 2

    def quality_for_bpp(self, init: BasisLadder, bpp: float, width: int, height: int, value_codec: str) -> None:
        """Rate control needs no level before the fit: one fit serves every step index."""
        return None

    def fit_key(self, init: BasisLadder, quality: int | None) -> int:
        """One fit serves every level: the functions are orthonormal, so only quantisation depends on the step."""
        if quality is not None:
            check_quality(quality, len(init.qualities), init.name)
        return 0

    def fit(self, init, images, key, steps, lr, device, chunk, on_step) -> list[np.ndarray]:
        from . import fit

        if init.lap_scales is not None:  # the tiles are fitted to the pre-filtered photo
            images = [lapping.Prefiltered(rgb, init.lap_scales, init.cfg.tile) for rgb in images]
        return fit.fit_images(images, init, steps, lr, device, chunk, on_step)

    def pack(
        self, init, fitted, width, height, quality, value_codec="ans", bits=None, bpp=None, gray=False, extras=None
    ) -> bytes:
        """At a level's step index, or (``quality`` None) at the step index whose file lands nearest ``bpp``
        (every byte counted: ``extras``' metadata and alpha too)."""
        emphasis = rdoq_emphasis(init)  # once for every step index rate control tries
        if quality is not None:
            return pack(init, init.s_for(quality), fitted, width, height, gray, extras, emphasis)

        @cache
        def packed(step_index: int) -> bytes:
            return pack(init, step_index, fitted, width, height, gray, extras, emphasis)

        best = nearest_size(lambda s: len(packed(s)), *basis.S_RANGE, bpp * width * height / 8)
        return packed(best)

    def unpack(self, init: BasisLadder, header: Header, raw: bytes, gray: bool = False) -> tuple[Level, np.ndarray]:
        """Entropy-decode the step index's coefficients and dequantise them."""
        s = header.quality
        if header.codec != "ans":
            raise InrzipError(f"corrupt .inrz header: {init.name} files use codec ans, not {header.codec}")
        if not basis.S_RANGE[0] <= s <= basis.S_RANGE[1]:
            raise InrzipError(f"corrupt .inrz header: step index {s} out of range")
        if header.tile != init.cfg.tile or header.values != int(basis.mask(init, s, gray).sum()):
            raise InrzipError("corrupt .inrz header: tiling or value count does not match its initialization")
        cls, grid = basis.classes(init, s, gray), grid_shape(header.height, header.width, header.tile)
        q = entropy.decode(raw, header.tiles, cls, *basis.tables_for(init, s), basis.RMAX, grid, init.adapt_weight)
        return Level(s, gray), basis.dequantize(init, q, s, header.width, header.height, gray)

    def evaluator(self, init: BasisLadder, level: Level, device=None) -> Evaluate:
        if device is not None:
            from .fit import torch_evaluator

            return torch_evaluator(init, level.step_index, device, level.gray)
        s, gray = level
        return lambda values, coords: basis.evaluate(init, basis.expand(init, s, values, gray), coords)

    def restore(self, init: BasisLadder, level: Level, pixels: np.ndarray) -> np.ndarray:
        if init.post_filter is None:
            return pixels
        return postfilter.apply(init.post_filter, pixels, level.step_index, init.cfg.tile)

    def lap_scales(self, init: BasisLadder) -> np.ndarray | None:
        return init.lap_scales

    def gray_weights(self, init: BasisLadder) -> np.ndarray:
        return basis.gray_weights(init)

    def describe(self, header: Header) -> str:
        return f"step index {header.quality} (step {basis.step(header.quality):.4f})"


class Level(NamedTuple):
    """What a basis file's render needs besides its values: the step index, and whether it is gray."""

    step_index: int
    gray: bool = False


def rdoq_emphasis(ladder: BasisLadder) -> np.ndarray | None:
    """The RDOQ's per-coefficient distortion weights for ``ladder``'s tiles (None: every pixel alike)."""
    weight = basis.encoder_tuning(ladder).rdoq_border
    return None if weight == 1 else basis.border_emphasis(ladder, weight)


def pack(
    ladder: BasisLadder,
    step_index: int,
    coef: np.ndarray,
    width: int,
    height: int,
    gray: bool = False,
    extras: Extras | None = None,
    emphasis: np.ndarray | None = None,
) -> bytes:
    """The .inrz bytes of fitted coefficients ``[tiles, 3, K]`` at ``step_index``; ``emphasis``: the RDOQ's
    per-coefficient distortion weights (default: :func:`rdoq_emphasis`)."""
    keep = basis.mask(ladder, step_index, gray)
    emphasis = rdoq_emphasis(ladder) if emphasis is None else emphasis
    lam = basis.encoder_tuning(ladder).rdoq_lambda
    q = basis.quantize(ladder, coef, step_index, width, height, gray, lam, emphasis)
    cls, grid = basis.classes(ladder, step_index, gray), grid_shape(height, width, ladder.cfg.tile)
    raw = entropy.encode(q, cls, *basis.tables_for(ladder, step_index), basis.RMAX, grid, ladder.adapt_weight)
    fields = dict(
        init=ladder.id,
        quality=step_index,
        width=width,
        height=height,
        tile=ladder.cfg.tile,
        codec="ans",
        values=int(keep.sum()),
        tiles=coef.shape[0],
    )
    return container.write(fields, raw, extras)


CODEC = BasisCodec()
