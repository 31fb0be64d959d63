"""The per-tile SIREN codec (Meta-SparseINR): each tile's surviving weights as half floats (``fp16``, the
paper's format) or as quantised deltas from the init (``q16``). The init's format is ``inrzip-ladder-2``."""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from ...errors import InrzipError
from ...format import container, payload
from ...format.container import Header
from ...nets import arch, numpy_siren
from ...search import nearest_size
from .. import Evaluate, check_quality
from . import quant
from .model import Ladder, Level, init_values

DEFAULT_LR = 3e-3  # measured on val against 1e-4 (code), 1e-3 (paper), 1e-2: see README
DEFAULT_BITS = 5.0  # q16 resolution when neither --bits nor --bpp is given: the knee of val's RD hull (README)
# what a value costs after zstd (measured on val photos, level 9): aims --bpp at a level before fitting
FP16_BITS_PER_VALUE = 9.7
Q16_BITS_PER_VALUE = 3.5  # at DEFAULT_BITS
BITS_RANGE = (1.0, 14.0)
BITS_GRID = 4096  # q16 rate control searches the resolution on this many steps of BITS_RANGE


class SirenCodec:
    format = "inrzip-ladder-2"
    value_codecs = ("fp16", "q16")
    default_lr = DEFAULT_LR

    def load(self, z, name: str, file_id: str) -> Ladder:
        from .model import from_npz

        return from_npz(z, name, file_id)

    def qualities(self, init: Ladder) -> int:
        return len(init.levels)

    def options(self, init: Ladder, value_codec: str | None, bits: float | None, bpp: float | None) -> str:
        """fp16 by default, q16 under rate control (it lands the size exactly by its resolution)."""
        if value_codec == "ans":
            raise InrzipError(f"--codec ans needs a shared-body initialization, and {init.name} is not one")
        if bits is not None and not BITS_RANGE[0] <= bits <= BITS_RANGE[1]:
            raise InrzipError("--bits must be between 1 and 14")
        return value_codec or ("q16" if bpp is not None else "fp16")

    def default_quality(self, init: Ladder, value_codec: str = "fp16") -> int:
        """The level nearest 1 bpp on the tile grid."""
        return self.quality_for_bpp(init, 1.0, init.cfg.tile * 64, init.cfg.tile * 64, value_codec)

    def quality_for_bpp(self, init: Ladder, bpp: float, width: int, height: int, value_codec: str) -> int:
        """The level whose expected rate lands nearest ``bpp`` (in log-rate)."""
        rates = [nominal_bpp(lv.n_values, init.cfg.tile, width, height, value_codec) for lv in init.levels]
        return 1 + int(np.argmin([abs(math.log(r / bpp)) for r in rates]))

    def fit_key(self, init: Ladder, quality: int | None) -> int:
        """Each level is its own init and mask: one batched fit per level."""
        check_quality(quality, len(init.levels), init.name)
        return quality

    def fit(self, init, images, key, steps, lr, device, chunk, on_step) -> list[np.ndarray]:
        from . import fit

        return fit.fit_images(images, init, init.level(key), steps, lr, device, chunk, on_step)

    def pack(
        self, init, fitted, width, height, quality, value_codec="fp16", bits=None, bpp=None, gray=False, extras=None
    ) -> bytes:
        """fp16 halves, or q16 at ``bits`` of resolution (default 5), or at the resolution nearest ``bpp``.

        A gray image is stored as its RGB fit (the per-tile networks have no one-channel form)."""
        level = init.level(quality)
        fields = dict(
            init=init.id,
            quality=level.quality,
            width=width,
            height=height,
            tile=init.cfg.tile,
            codec=value_codec,
            values=level.n_values,
            tiles=fitted.shape[0],
        )
        if value_codec == "fp16":
            return container.write(fields, payload.pack_fp16(fitted), extras)
        v0 = init_values(init, level)
        if bits is not None or bpp is None:
            return container.write(fields, payload.pack_q16(quant.quantize(fitted, v0, bits or DEFAULT_BITS)), extras)

        @cache
        def packed(k: int) -> bytes:
            resolution = BITS_RANGE[0] + (BITS_RANGE[1] - BITS_RANGE[0]) * k / BITS_GRID
            return container.write(fields, payload.pack_q16(quant.quantize(fitted, v0, resolution)), extras)

        return packed(nearest_size(lambda k: len(packed(k)), 0, BITS_GRID, bpp * width * height / 8))

    def unpack(self, init: Ladder, header: Header, raw: bytes, gray: bool = False) -> tuple[Level, np.ndarray]:
        if header.codec not in self.value_codecs:
            raise InrzipError(f"corrupt .inrz header: codec {header.codec} needs a shared-body initialization")
        try:
            level = init.level(header.quality)
        except ValueError:
            raise InrzipError(f"corrupt .inrz header: quality {header.quality} not in {init.name}") from None
        if header.tile != init.cfg.tile or header.values != level.n_values:
            raise InrzipError("corrupt .inrz header: tiling or value count does not match its initialization")
        if header.codec == "q16":
            values = quant.dequantize(payload.unpack_q16(raw, header.tiles, header.values), init_values(init, level))
        else:
            values = payload.unpack_fp16(raw, header.tiles, header.values)
        return level, np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)

    def evaluator(self, init: Ladder, level: Level, device=None) -> Evaluate:
        if device is not None:
            from .fit import torch_evaluator

            return torch_evaluator(init, level, device)
        return numpy_evaluator(init, level)

    def restore(self, init: Ladder, level: int, pixels: np.ndarray) -> np.ndarray:
        """These inits ship no post-filter."""
        return pixels

    def lap_scales(self, init: Ladder) -> None:
        """Its tiles are not lapped."""
        return None

    def gray_weights(self, init: Ladder) -> np.ndarray:
        """A gray image was fitted as equal RGB: its gray value is the channels' mean."""
        return np.full(3, 1 / 3, np.float32)

    def describe(self, header: Header) -> str:
        return f"quality {header.quality}"


def nominal_bpp(n_values: int, tile: int, width: int, height: int, value_codec: str = "fp16") -> float:
    """Rate a level is expected to cost, header included (~110 bytes): what --bpp aims the level with.

    Uses the measured cost of a value after zstd, so it is an estimate; q16 then hits the target
    exactly by choosing its quantiser resolution.
    """
    n_tiles = math.ceil(width / tile) * math.ceil(height / tile)
    bits = FP16_BITS_PER_VALUE if value_codec == "fp16" else Q16_BITS_PER_VALUE
    extra = 0 if value_codec == "fp16" else n_values * 4
    return (n_tiles * n_values * bits / 8 + extra + 110) * 8 / (width * height)


def numpy_evaluator(ladder: Ladder, level: Level) -> Evaluate:
    """The level's networks, compacted to their live units, evaluated with numpy (float32)."""
    plan = arch.compaction(ladder.cfg, level.mask)
    cfg = plan.cfg
    mask = level.mask[plan.weight_index]
    index = np.flatnonzero(mask)
    shared_bias = level.bias[plan.bias_index].astype(np.float32)
    n_out = cfg.out_features

    def evaluate(values: np.ndarray, coords: np.ndarray) -> np.ndarray:
        batch = values.shape[0]
        weights = np.zeros((batch, plan.weight_index.size), np.float32)
        weights[:, index] = values[:, plan.keep]
        bias = np.broadcast_to(shared_bias, (batch, shared_bias.size)).copy()
        bias[:, -n_out:] += values[:, -n_out:]
        return numpy_siren.forward(cfg, weights, bias, coords)

    return evaluate


CODEC = SirenCodec()
