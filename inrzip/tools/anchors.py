"""The classic codecs the bench measures against, behind one interface: JPEG, WebP and AVIF through Pillow;
JPEG 2000 (OpenJPEG) and JPEG XL (libjxl) through ``imagecodecs``, the optional ``bench`` extra
(``pip install 'inrzip[bench]'``), whose wheels carry both libraries.

Each anchor maps an integer setting to a file, larger settings to larger files, so one search
(:func:`inrzip.search.nearest_size`) finds the setting whose file is nearest any size.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Anchor:
    """A classic codec: ``encode(rgb, setting) -> bytes`` and ``decode(bytes) -> rgb``, monotone in the setting."""

    name: str
    label: str  # what the tables and the plot call it: codec, library, settings
    lowest: int
    highest: int
    sweep: tuple[int, ...]  # the settings of its own rate-distortion curve
    encode: Callable[[np.ndarray, int], bytes]
    decode: Callable[[bytes], np.ndarray]


def _pillow(fmt: str, **options) -> tuple[Callable, Callable]:
    Image.init()
    if fmt not in Image.SAVE:
        raise ImportError(f"this Pillow cannot write {fmt}")

    def encode(rgb: np.ndarray, q: int) -> bytes:
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, format=fmt, quality=q, **options)
        return buf.getvalue()

    return encode, lambda data: np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


J2K_PER_DB = 4  # JPEG 2000 settings: OpenJPEG's target PSNR in quarter dB (a raw J2K codestream, no JP2 box)
JXL_DISTANCE, JXL_RATIO = 25.0, 0.95  # JPEG XL settings: Butteraugli distance 25 * 0.95^k, effort 7 (libjxl's default)


def _jpeg2000() -> tuple[Callable, Callable]:
    import imagecodecs

    def encode(rgb: np.ndarray, k: int) -> bytes:
        return imagecodecs.jpeg2k_encode(rgb, level=k / J2K_PER_DB, codecformat=imagecodecs.JPEG2K.CODEC.J2K)

    return encode, lambda data: np.asarray(imagecodecs.jpeg2k_decode(data))


def _jpegxl() -> tuple[Callable, Callable]:
    import imagecodecs

    def encode(rgb: np.ndarray, k: int) -> bytes:
        return imagecodecs.jpegxl_encode(rgb, distance=JXL_DISTANCE * JXL_RATIO**k, effort=7)

    return encode, lambda data: np.asarray(imagecodecs.jpegxl_decode(data))


def _jxl_sweep(distances: tuple[float, ...]) -> tuple[int, ...]:
    return tuple(round(np.log(d / JXL_DISTANCE) / np.log(JXL_RATIO)) for d in distances)


# name -> (label, lowest, highest, sweep, the factory of (encode, decode); it raises ImportError where a library
# is missing)
SPECS = {
    "jpeg": ("JPEG (Pillow, 4:2:0)", 1, 95, (1, 2, 3, 5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 95),
             lambda: _pillow("JPEG", subsampling=2)),
    "webp": ("WebP (Pillow, method 6)", 0, 100, (0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95),
             lambda: _pillow("WEBP", method=6)),
    "avif": ("AVIF (Pillow, speed 6)", 0, 100, (5, 15, 25, 35, 45, 55, 65, 75, 85, 90),
             lambda: _pillow("AVIF", speed=6)),
    "jpeg2000": ("JPEG 2000 (OpenJPEG via imagecodecs)", 15 * J2K_PER_DB, 60 * J2K_PER_DB,
                 tuple(db * J2K_PER_DB for db in range(20, 46, 2)), _jpeg2000),
    "jpegxl": ("JPEG XL (libjxl via imagecodecs, effort 7)", 0, 110,
               _jxl_sweep((25, 18, 13, 9, 7, 5, 4, 3, 2.3, 1.7, 1.2, 0.9, 0.6, 0.4)), _jpegxl),
}  # fmt: skip
NAMES = tuple(SPECS)
DEFAULT = NAMES


def get(name: str) -> Anchor:
    """The anchor ``name``; ImportError where its library is not installed."""
    label, lowest, highest, sweep, factory = SPECS[name]
    encode, decode = factory()
    return Anchor(name, label, lowest, highest, sweep, encode, decode)


def available(names: tuple[str, ...]) -> tuple[list[Anchor], list[str]]:
    """(the anchors of ``names`` this install can run, the names it cannot)."""
    found, missing = [], []
    for name in names:
        try:
            found.append(get(name))
        except (ImportError, KeyError, OSError):
            missing.append(name)
    return found, missing
