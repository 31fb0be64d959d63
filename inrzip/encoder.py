"""Encoding: fit every tile of an image from a meta-learned init (100 Adam steps), pack what survives.

The pipeline is the same for every codec (:mod:`inrzip.codecs`): choose each image's level, fit
the images that share a fit in one batched run, pack each image, and decode the file once with
the very init that encoded it, to report its PSNR.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from . import codecs, decoder, inits
from .errors import InrzipError
from .format.container import Header, read_header
from .metrics import psnr_uint8
from .nets.device import pick_device
from .options import check_options

DEFAULT_STEPS = 100


@dataclass(frozen=True)
class Encoded:
    """A finished encode: the file bytes and what the CLI reports."""

    data: bytes
    header: Header
    psnr: float
    seconds: float

    @property
    def bpp(self) -> float:
        """Bits per pixel of the whole file, header included."""
        return len(self.data) * 8 / (self.header.width * self.header.height)

    def __repr__(self) -> str:
        h = self.header
        return (
            f"Encoded({h.width}x{h.height}, {len(self.data):,} bytes, {self.bpp:.4f} bpp, "
            f"PSNR {self.psnr:.2f} dB, init {h.init}, codec {h.codec}, level {h.quality})"
        )


def encode(rgb: np.ndarray, **options) -> Encoded:
    """Encode one ``[H, W, 3]`` uint8 image; options as :func:`encode_batch`."""
    return encode_batch([rgb], **options)[0]


def encode_batch(
    images: list[np.ndarray],
    quality: int | None = None,
    bpp: float | None = None,
    steps: int = DEFAULT_STEPS,
    lr: float | None = None,
    device: str = "auto",
    seed: int = 0,
    init: Any = inits.DEFAULT_INIT,
    codec: str | None = None,
    bits: float | None = None,
    chunk: int | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> list[Encoded]:
    """Encode several images in one vectorised run: the tiles of all images that share a fit are fitted together.

    ``quality``: a level of the init (1 = smallest file); ``bpp``: the file nearest this rate;
    neither: the init's default level. ``init``: an installed name, a path, or a loaded init.
    ``codec``/``bits``: the payload layout and q16 resolution of per-tile SIREN inits. Each file is
    the same as encoding its image alone (per-tile losses, element-wise Adam); ``seconds`` of each
    result is the run's wall time shared out by tile count.
    """
    t0 = time.perf_counter()
    for rgb in images:
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise InrzipError("encode expects an [H, W, 3] uint8 image")
    check_options(quality, bpp, steps, lr, bits)
    loaded = inits.load(init) if isinstance(init, str) else init
    c = codecs.of(loaded)
    value_codec = c.options(loaded, codec, bits, bpp)
    levels = [_level(c, loaded, quality, bpp, rgb, value_codec) for rgb in images]
    keys = [c.fit_key(loaded, q) for q in levels]
    dev = pick_device(device)
    torch.manual_seed(seed)
    fitted: list[Any] = [None] * len(images)
    counts = [rgb.shape[0] * rgb.shape[1] for rgb in images]
    total, done = sum(counts), 0
    for key in sorted(set(keys)):  # one batched fit per key
        members = [i for i, k in enumerate(keys) if k == key]
        share = sum(counts[i] for i in members)
        report = None
        if on_step is not None:  # one bar for the whole run, in pixels fitted x steps
            report = lambda d, n, base=done, share=share: on_step(base + share * d // n, total)  # noqa: E731
        out = c.fit(loaded, [images[i] for i in members], key, steps, lr or c.default_lr, dev, chunk, report)
        for i, v in zip(members, out, strict=True):
            fitted[i] = v
        done += share
    fit_seconds = time.perf_counter() - t0
    results = []
    for rgb, q, values, n in zip(images, levels, fitted, counts, strict=True):
        h, w, _ = rgb.shape
        data = c.pack(loaded, values, w, h, q, value_codec, bits, bpp)
        recon = decoder.decode(data, init=loaded)
        results.append(Encoded(data, read_header(data)[0], psnr_uint8(rgb, recon), fit_seconds * n / max(total, 1)))
    return results


def _level(c: codecs.Codec, init: Any, quality: int | None, bpp: float | None, rgb: np.ndarray, value_codec: str):
    """The level an image is fitted at: ``quality``, the codec's pick for ``bpp``, or its default."""
    if quality is not None:
        return quality
    if bpp is not None:
        return c.quality_for_bpp(init, bpp, rgb.shape[1], rgb.shape[0], value_codec)
    return c.default_quality(init, value_codec)
