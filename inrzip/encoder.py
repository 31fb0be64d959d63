"""Encoding: fit every tile of an image from a meta-learned init (100 Adam steps), pack what survives.

The pipeline is the same for every codec (:mod:`inrzip.codecs`): choose each image's level, fit
the images that share a fit in one batched run, pack each image, and decode the file once with
the very init that encoded it, to report its PSNR.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from . import codecs, decoder, images, inits
from .format.container import Extras, Header, section_sizes
from .metrics import psnr_uint8
from .nets.device import pick_device
from .options import check_options

DEFAULT_STEPS = 100


@dataclass(frozen=True)
class Encoded:
    """A finished encode: the file bytes and what the CLI reports."""

    data: bytes
    header: Header
    psnr: float  # of the colour (gray: the gray) plane, dB
    seconds: float
    mode: str = "RGB"
    alpha_psnr: float | None = None  # of the alpha plane, where there is one (inf when stored exactly)
    alpha_bytes: int = 0  # what the alpha plane costs in the file (after zstd)
    metadata_bytes: int = 0  # what EXIF, ICC and XMP cost in the file (after zstd)

    @property
    def bpp(self) -> float:
        """Bits per pixel of the whole file, header, metadata and alpha included."""
        return len(self.data) * 8 / (self.header.width * self.header.height)

    def __repr__(self) -> str:
        h = self.header
        return (
            f"Encoded({h.width}x{h.height} {self.mode}, {len(self.data):,} bytes, {self.bpp:.4f} bpp, "
            f"PSNR {self.psnr:.2f} dB, init {h.init}, codec {h.codec}, level {h.quality})"
        )


Source = str | Path | bytes | np.ndarray | Image.Image | images.Picture


def encode(source: Source, **options) -> Encoded:
    """Encode one image: a path, file bytes, a PIL image, a uint8 array (``[H, W]``, ``[H, W, 2]``,
    ``[H, W, 3]``, ``[H, W, 4]``) or a :class:`images.Picture`. Options as :func:`encode_batch`."""
    return encode_batch([source], **options)[0]


def encode_batch(
    sources: list[Source],
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
    alpha_quality: int | None = None,
    strip: bool = False,
) -> list[Encoded]:
    """Encode several images in one vectorised run: the tiles of all images that share a fit are fitted together.

    ``quality``: a level of the init (1 = smallest file); ``bpp``: the file nearest this rate (every
    byte counted); neither: the init's default level. ``init``: an installed name, a path, or a
    loaded init. ``codec``/``bits``: the payload layout and q16 resolution of per-tile SIREN inits.
    Gray images store one channel where the codec can; an alpha plane that is only 0 and 255 is
    stored exactly (bits), any other is coded as a gray image at ``alpha_quality`` (default: the
    init's finest level). EXIF, ICC and XMP are kept unless ``strip``. Each file is the same as
    encoding its image alone (per-tile losses, element-wise Adam); ``seconds`` of each result is
    the run's wall time shared out by pixel count. ``on_step(done, total)`` counts Adam steps
    (``steps`` per image).
    """
    t0 = time.perf_counter()
    pictures = [images.load_picture(src)[0] if not isinstance(src, images.Picture) else src for src in sources]
    check_options(quality, bpp, steps, lr, bits)
    loaded = inits.load(init) if isinstance(init, str | Path) else init
    c = codecs.of(loaded)
    value_codec = c.options(loaded, codec, bits, bpp)
    levels = [_level(c, loaded, quality, bpp, p.pixels, value_codec) for p in pictures]
    keys = [c.fit_key(loaded, q) for q in levels]
    fitted = _fit(c, loaded, [p.pixels for p in pictures], keys, steps, lr, device, seed, chunk, on_step)
    fit_seconds = time.perf_counter() - t0
    alphas = _alpha_sections(pictures, loaded, alpha_quality, steps, device, seed, chunk)
    total = sum(p.pixels.shape[0] * p.pixels.shape[1] for p in pictures)
    results = []
    for picture, q, values, (alpha, alpha_psnr) in zip(pictures, levels, fitted, alphas, strict=True):
        h, w, _ = picture.pixels.shape
        metadata = {} if strip else picture.metadata
        extras = Extras(picture.mode, metadata | alpha)
        data = c.pack(loaded, values, w, h, q, value_codec, bits, bpp, picture.gray, extras)
        job = decoder.prepare(data, init=loaded)  # the colour planes only: the alpha file checked itself
        colour = decoder.colour(job)
        reference = picture.pixels[..., :1] if picture.gray else picture.pixels
        sizes = section_sizes(data)
        results.append(
            Encoded(
                data,
                job.header,
                psnr_uint8(reference, colour),
                fit_seconds * w * h / max(total, 1),
                picture.mode,
                alpha_psnr,
                sum(sizes[k] for k in alpha),
                sum(sizes[k] for k in metadata),
            )
        )
    return results


def _fit(c, init, pixels: list[np.ndarray], keys: list, steps, lr, device, seed, chunk, on_step) -> list:
    """Each image's fitted values: one batched fit per key. ``on_step`` counts steps x images."""
    dev = pick_device(device)
    torch.manual_seed(seed)
    fitted: list[Any] = [None] * len(pixels)
    counts = [a.shape[0] * a.shape[1] for a in pixels]
    total, done = sum(counts), 0
    units = steps * len(pixels)  # what the user asked for: steps, for each image
    for key in sorted(set(keys)):
        members = [i for i, k in enumerate(keys) if k == key]
        share = sum(counts[i] for i in members)
        report = None
        if on_step is not None:
            report = lambda d, n, base=done, share=share: on_step(  # noqa: E731
                (base + share * d // max(n, 1)) * units // max(total, 1), units
            )
        out = c.fit(init, [pixels[i] for i in members], key, steps, lr or c.default_lr, dev, chunk, report)
        for i, v in zip(members, out, strict=True):
            fitted[i] = v
        done += share
    return fitted


def _alpha_sections(pictures, init, alpha_quality, steps, device, seed, chunk) -> list[tuple[dict, float | None]]:
    """Each picture's alpha section and its PSNR: exact bits where alpha is only 0/255, else a nested gray file."""
    out: list[tuple[dict, float | None]] = [({}, None)] * len(pictures)
    coded = []
    for i, p in enumerate(pictures):
        if p.alpha is None:
            continue
        if np.isin(p.alpha, (0, 255)).all():
            out[i] = ({"alpha-bits": np.packbits(p.alpha >= 128).tobytes()}, float("inf"))
        else:
            coded.append(i)
    if coded:
        c = codecs.of(init)
        q = alpha_quality or c.qualities(init)
        planes = [images.Picture(np.repeat(pictures[i].alpha[..., None], 3, axis=2), "L") for i in coded]
        for i, enc in zip(
            coded, encode_batch(planes, q, None, steps, None, device, seed, init, chunk=chunk), strict=True
        ):
            out[i] = ({"alpha": enc.data}, enc.psnr)
    return out


def _level(c: codecs.Codec, init: Any, quality: int | None, bpp: float | None, rgb: np.ndarray, value_codec: str):
    """The level an image is fitted at: ``quality``, the codec's pick for ``bpp``, or its default."""
    if quality is not None:
        return quality
    if bpp is not None:
        return c.quality_for_bpp(init, bpp, rgb.shape[1], rgb.shape[0], value_codec)
    return c.default_quality(init, value_codec)
