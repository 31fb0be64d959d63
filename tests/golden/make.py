"""Write one release's golden files: ``python tests/golden/make.py tests/golden/<release date>``.

Run it with the release's own ``inrzip`` (``python -m inrzip`` resolves to it: a checkout of the
release on PYTHONPATH, or its installed wheel). It drives only the CLI, which every release keeps,
so the same script serves each release. Every file is decoded by the release that wrote it; the
PNG it wrote is what every later release must reproduce within one grey level
(tests/test_golden.py). Nothing here reads the photo data sets: the images are made below.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

# (name, height, width, seed, encode arguments, decode --size or None[, source kind, first release])
CASES = [
    ("basis-q1", 48, 64, 1, ["--init", "siren-t16-basis", "-q", "1"], None),
    ("basis-q8", 48, 64, 1, ["--init", "siren-t16-basis", "-q", "8"], None),
    ("basis-q15", 48, 64, 1, ["--init", "siren-t16-basis", "-q", "15"], None),
    ("basis-bpp1", 40, 56, 2, ["--init", "siren-t16-basis", "--bpp", "1"], None),
    ("basis-odd-37x23", 23, 37, 3, ["--init", "siren-t16-basis", "-q", "10"], None),
    ("basis-1x1", 1, 1, 4, ["--init", "siren-t16-basis", "-q", "8"], None),
    ("basis-strip-3x200", 200, 3, 5, ["--init", "siren-t16-basis", "-q", "12"], None),
    ("basis-q12-render-2x", 24, 32, 6, ["--init", "siren-t16-basis", "-q", "12"], "64x48"),
    ("basis-q12-render-half", 48, 64, 6, ["--init", "siren-t16-basis", "-q", "12"], "32"),
    ("w64-fp16-q4", 48, 64, 1, ["--init", "siren-t16-w64", "-q", "4", "--codec", "fp16"], None),
    ("w64-fp16-q12", 48, 64, 1, ["--init", "siren-t16-w64", "-q", "12", "--codec", "fp16"], None),
    ("w64-q16-q9", 40, 56, 2, ["--init", "siren-t16-w64", "-q", "9", "--codec", "q16"], None),
    ("w64-q16-bpp2", 40, 56, 2, ["--init", "siren-t16-w64", "--bpp", "2"], None),
    ("w64-fp16-odd-1x1", 1, 1, 4, ["--init", "siren-t16-w64", "-q", "6", "--codec", "fp16"], None),
    ("w64-q16-strip-200x3", 3, 200, 5, ["--init", "siren-t16-w64", "-q", "10", "--codec", "q16"], None),
    # container version 2 (0.2.0): gray, alpha, metadata
    ("basis-gray-q8", 40, 56, 7, ["--init", "siren-t16-basis", "-q", "8"], None, "gray", "0.2.0"),
    ("basis-rgba-soft-q6", 40, 56, 8, ["--init", "siren-t16-basis", "-q", "6"], None, "rgba-soft", "0.2.0"),
    ("basis-la-binary-q10", 33, 47, 9, ["--init", "siren-t16-basis", "-q", "10"], None, "la-binary", "0.2.0"),
    ("basis-rgba-soft-render-2x", 20, 28, 8, ["--init", "siren-t16-basis", "-q", "9"], "56x40", "rgba-soft", "0.2.0"),
    ("basis-jpeg-metadata-q7", 48, 64, 10, ["--init", "siren-t16-basis", "-q", "7"], None, "jpeg-metadata", "0.2.0"),
    ("w64-gray-fp16-q8", 40, 56, 7, ["--init", "siren-t16-w64", "-q", "8", "--codec", "fp16"], None, "gray", "0.2.0"),
    (
        "w64-rgba-q16-q9",
        40,
        56,
        8,
        ["--init", "siren-t16-w64", "-q", "9", "--codec", "q16"],
        None,
        "rgba-soft",
        "0.2.0",
    ),
    ("sr-q4", 48, 64, 1, ["--init", "siren-t16-basis-sr", "-q", "4"], None, "rgb", "0.2.0"),
    ("sr-q12-odd-37x23", 23, 37, 3, ["--init", "siren-t16-basis-sr", "-q", "12"], None, "rgb", "0.2.0"),
    ("sr-bpp0.5-render-3x", 24, 32, 6, ["--init", "siren-t16-basis-sr", "--bpp", "0.5"], "96x72", "rgb", "0.2.0"),
    ("sr-rgba-q9", 40, 56, 8, ["--init", "siren-t16-basis-sr", "-q", "9"], None, "rgba-soft", "0.2.0"),
    ("sr-gray-q6", 40, 56, 7, ["--init", "siren-t16-basis-sr", "-q", "6"], None, "gray", "0.2.0"),
    # the post-filter (0.3.0): decodes at the source size, below it, above it, gray, alpha, tiny and cut tiles
    ("pf-q4", 48, 64, 1, ["--init", "siren-t16-basis-pf", "-q", "4"], None, "rgb", "0.3.0"),
    ("pf-q15", 48, 64, 1, ["--init", "siren-t16-basis-pf", "-q", "15"], None, "rgb", "0.3.0"),
    ("pf-bpp0.5-odd-37x23", 23, 37, 3, ["--init", "siren-t16-basis-pf", "--bpp", "0.5"], None, "rgb", "0.3.0"),
    ("pf-1x1", 1, 1, 4, ["--init", "siren-t16-basis-pf", "-q", "8"], None, "rgb", "0.3.0"),
    ("pf-strip-3x200", 200, 3, 5, ["--init", "siren-t16-basis-pf", "-q", "12"], None, "rgb", "0.3.0"),
    ("pf-q8-render-half", 48, 64, 6, ["--init", "siren-t16-basis-pf", "-q", "8"], "32", "rgb", "0.3.0"),
    ("pf-q8-render-3x", 24, 32, 6, ["--init", "siren-t16-basis-pf", "-q", "8"], "96x72", "rgb", "0.3.0"),
    ("pf-gray-q6", 40, 56, 7, ["--init", "siren-t16-basis-pf", "-q", "6"], None, "gray", "0.3.0"),
    ("pf-rgba-q9", 40, 56, 8, ["--init", "siren-t16-basis-pf", "-q", "9"], None, "rgba-soft", "0.3.0"),
    # intra prediction (0.4.0): wavefronts over a grid of tiles, one row, one column, one tile, cut tiles, gray
    ("ip-q3", 48, 64, 1, ["--init", "siren-t16-basis-ip", "-q", "3"], None, "rgb", "0.4.0"),
    ("ip-q15", 48, 64, 1, ["--init", "siren-t16-basis-ip", "-q", "15"], None, "rgb", "0.4.0"),
    ("ip-bpp0.5-odd-37x23", 23, 37, 3, ["--init", "siren-t16-basis-ip", "--bpp", "0.5"], None, "rgb", "0.4.0"),
    ("ip-1x1", 1, 1, 4, ["--init", "siren-t16-basis-ip", "-q", "8"], None, "rgb", "0.4.0"),
    ("ip-strip-3x200", 200, 3, 5, ["--init", "siren-t16-basis-ip", "-q", "12"], None, "rgb", "0.4.0"),
    ("ip-strip-200x3", 3, 200, 5, ["--init", "siren-t16-basis-ip", "-q", "12"], None, "rgb", "0.4.0"),
    ("ip-q8-render-half", 48, 64, 6, ["--init", "siren-t16-basis-ip", "-q", "8"], "32", "rgb", "0.4.0"),
    ("ip-q8-render-3x", 24, 32, 6, ["--init", "siren-t16-basis-ip", "-q", "8"], "96x72", "rgb", "0.4.0"),
    ("ip-gray-q6", 40, 56, 7, ["--init", "siren-t16-basis-ip", "-q", "6"], None, "gray", "0.4.0"),
    ("ip-rgba-q9", 40, 56, 8, ["--init", "siren-t16-basis-ip", "-q", "9"], None, "rgba-soft", "0.4.0"),
    # a width-240 body, entropy tables mixed between octaves (0.5.0): levels on and between octave centres
    ("w240-q2", 48, 64, 1, ["--init", "siren-t16-basis-w240", "-q", "2"], None, "rgb", "0.5.0"),
    ("w240-q6", 48, 64, 1, ["--init", "siren-t16-basis-w240", "-q", "6"], None, "rgb", "0.5.0"),
    ("w240-q15", 48, 64, 1, ["--init", "siren-t16-basis-w240", "-q", "15"], None, "rgb", "0.5.0"),
    ("w240-bpp0.5-odd-37x23", 23, 37, 3, ["--init", "siren-t16-basis-w240", "--bpp", "0.5"], None, "rgb", "0.5.0"),
    ("w240-bpp0.05", 48, 64, 2, ["--init", "siren-t16-basis-w240", "--bpp", "0.05"], None, "rgb", "0.5.0"),
    ("w240-1x1", 1, 1, 4, ["--init", "siren-t16-basis-w240", "-q", "8"], None, "rgb", "0.5.0"),
    ("w240-strip-3x200", 200, 3, 5, ["--init", "siren-t16-basis-w240", "-q", "12"], None, "rgb", "0.5.0"),
    ("w240-strip-200x3", 3, 200, 5, ["--init", "siren-t16-basis-w240", "-q", "12"], None, "rgb", "0.5.0"),
    ("w240-q8-render-half", 48, 64, 6, ["--init", "siren-t16-basis-w240", "-q", "8"], "32", "rgb", "0.5.0"),
    ("w240-q8-render-3x", 24, 32, 6, ["--init", "siren-t16-basis-w240", "-q", "8"], "96x72", "rgb", "0.5.0"),
    ("w240-gray-q6", 40, 56, 7, ["--init", "siren-t16-basis-w240", "-q", "6"], None, "gray", "0.5.0"),
    ("w240-rgba-q9", 40, 56, 8, ["--init", "siren-t16-basis-w240", "-q", "9"], None, "rgba-soft", "0.5.0"),
    # chroma classes of their own, activity buckets coded given the neighbours' (0.6.0): grids of many shapes
    ("ctx-q2", 48, 64, 1, ["--init", "siren-t16-basis-ctx", "-q", "2"], None, "rgb", "0.6.0"),
    ("ctx-q6", 48, 64, 1, ["--init", "siren-t16-basis-ctx", "-q", "6"], None, "rgb", "0.6.0"),
    ("ctx-q15", 48, 64, 1, ["--init", "siren-t16-basis-ctx", "-q", "15"], None, "rgb", "0.6.0"),
    ("ctx-q4-96x128", 96, 128, 10, ["--init", "siren-t16-basis-ctx", "-q", "4"], None, "rgb", "0.6.0"),
    ("ctx-bpp0.5-odd-37x23", 23, 37, 3, ["--init", "siren-t16-basis-ctx", "--bpp", "0.5"], None, "rgb", "0.6.0"),
    ("ctx-bpp0.05", 48, 64, 2, ["--init", "siren-t16-basis-ctx", "--bpp", "0.05"], None, "rgb", "0.6.0"),
    ("ctx-1x1", 1, 1, 4, ["--init", "siren-t16-basis-ctx", "-q", "8"], None, "rgb", "0.6.0"),
    ("ctx-strip-3x200", 200, 3, 5, ["--init", "siren-t16-basis-ctx", "-q", "12"], None, "rgb", "0.6.0"),
    ("ctx-strip-200x3", 3, 200, 5, ["--init", "siren-t16-basis-ctx", "-q", "12"], None, "rgb", "0.6.0"),
    ("ctx-q8-render-half", 48, 64, 6, ["--init", "siren-t16-basis-ctx", "-q", "8"], "32", "rgb", "0.6.0"),
    ("ctx-q8-render-3x", 24, 32, 6, ["--init", "siren-t16-basis-ctx", "-q", "8"], "96x72", "rgb", "0.6.0"),
    ("ctx-gray-q6", 40, 56, 7, ["--init", "siren-t16-basis-ctx", "-q", "6"], None, "gray", "0.6.0"),
    ("ctx-rgba-q9", 40, 56, 8, ["--init", "siren-t16-basis-ctx", "-q", "9"], None, "rgba-soft", "0.6.0"),
    # coefficient models that adapt within the file, diagonal by diagonal (0.7.0): grids of many shapes
    ("adapt-q2", 48, 64, 1, ["--init", "siren-t16-basis-adapt", "-q", "2"], None, "rgb", "0.7.0"),
    ("adapt-q6", 48, 64, 1, ["--init", "siren-t16-basis-adapt", "-q", "6"], None, "rgb", "0.7.0"),
    ("adapt-q15", 48, 64, 1, ["--init", "siren-t16-basis-adapt", "-q", "15"], None, "rgb", "0.7.0"),
    ("adapt-q4-96x128", 96, 128, 10, ["--init", "siren-t16-basis-adapt", "-q", "4"], None, "rgb", "0.7.0"),
    ("adapt-q12-160x96", 160, 96, 11, ["--init", "siren-t16-basis-adapt", "-q", "12"], None, "rgb", "0.7.0"),
    ("adapt-bpp0.5-odd-37x23", 23, 37, 3, ["--init", "siren-t16-basis-adapt", "--bpp", "0.5"], None, "rgb", "0.7.0"),
    ("adapt-bpp0.05", 48, 64, 2, ["--init", "siren-t16-basis-adapt", "--bpp", "0.05"], None, "rgb", "0.7.0"),
    ("adapt-1x1", 1, 1, 4, ["--init", "siren-t16-basis-adapt", "-q", "8"], None, "rgb", "0.7.0"),
    ("adapt-strip-3x200", 200, 3, 5, ["--init", "siren-t16-basis-adapt", "-q", "12"], None, "rgb", "0.7.0"),
    ("adapt-strip-200x3", 3, 200, 5, ["--init", "siren-t16-basis-adapt", "-q", "12"], None, "rgb", "0.7.0"),
    ("adapt-q8-render-half", 48, 64, 6, ["--init", "siren-t16-basis-adapt", "-q", "8"], "32", "rgb", "0.7.0"),
    ("adapt-q8-render-3x", 24, 32, 6, ["--init", "siren-t16-basis-adapt", "-q", "8"], "96x72", "rgb", "0.7.0"),
    ("adapt-gray-q6", 40, 56, 7, ["--init", "siren-t16-basis-adapt", "-q", "6"], None, "gray", "0.7.0"),
    ("adapt-rgba-q9", 40, 56, 8, ["--init", "siren-t16-basis-adapt", "-q", "9"], None, "rgba-soft", "0.7.0"),
    # the post-filter trained with the tile-border pixels weighted, the RDOQ weighing them too (0.8.0)
    ("seam-q2", 48, 64, 1, ["--init", "siren-t16-basis-seam", "-q", "2"], None, "rgb", "0.8.0"),
    ("seam-q6", 48, 64, 1, ["--init", "siren-t16-basis-seam", "-q", "6"], None, "rgb", "0.8.0"),
    ("seam-q15", 48, 64, 1, ["--init", "siren-t16-basis-seam", "-q", "15"], None, "rgb", "0.8.0"),
    ("seam-q4-96x128", 96, 128, 10, ["--init", "siren-t16-basis-seam", "-q", "4"], None, "rgb", "0.8.0"),
    ("seam-q12-160x96", 160, 96, 11, ["--init", "siren-t16-basis-seam", "-q", "12"], None, "rgb", "0.8.0"),
    ("seam-bpp0.5-odd-37x23", 23, 37, 3, ["--init", "siren-t16-basis-seam", "--bpp", "0.5"], None, "rgb", "0.8.0"),
    ("seam-bpp0.05", 48, 64, 2, ["--init", "siren-t16-basis-seam", "--bpp", "0.05"], None, "rgb", "0.8.0"),
    ("seam-1x1", 1, 1, 4, ["--init", "siren-t16-basis-seam", "-q", "8"], None, "rgb", "0.8.0"),
    ("seam-strip-3x200", 200, 3, 5, ["--init", "siren-t16-basis-seam", "-q", "12"], None, "rgb", "0.8.0"),
    ("seam-strip-200x3", 3, 200, 5, ["--init", "siren-t16-basis-seam", "-q", "12"], None, "rgb", "0.8.0"),
    ("seam-q8-render-half", 48, 64, 6, ["--init", "siren-t16-basis-seam", "-q", "8"], "32", "rgb", "0.8.0"),
    ("seam-q8-render-3x", 24, 32, 6, ["--init", "siren-t16-basis-seam", "-q", "8"], "96x72", "rgb", "0.8.0"),
    ("seam-gray-q6", 40, 56, 7, ["--init", "siren-t16-basis-seam", "-q", "6"], None, "gray", "0.8.0"),
    ("seam-rgba-q9", 40, 56, 8, ["--init", "siren-t16-basis-seam", "-q", "9"], None, "rgba-soft", "0.8.0"),
    # a quantisation matrix: each basis function on its own step, finer for those heavy on the tile border (0.9.0)
    ("qm-q2", 48, 64, 1, ["--init", "siren-t16-basis-qm", "-q", "2"], None, "rgb", "0.9.0"),
    ("qm-q6", 48, 64, 1, ["--init", "siren-t16-basis-qm", "-q", "6"], None, "rgb", "0.9.0"),
    ("qm-q15", 48, 64, 1, ["--init", "siren-t16-basis-qm", "-q", "15"], None, "rgb", "0.9.0"),
    ("qm-q4-96x128", 96, 128, 10, ["--init", "siren-t16-basis-qm", "-q", "4"], None, "rgb", "0.9.0"),
    ("qm-q12-160x96", 160, 96, 11, ["--init", "siren-t16-basis-qm", "-q", "12"], None, "rgb", "0.9.0"),
    ("qm-bpp0.5-odd-37x23", 23, 37, 3, ["--init", "siren-t16-basis-qm", "--bpp", "0.5"], None, "rgb", "0.9.0"),
    ("qm-bpp0.05", 48, 64, 2, ["--init", "siren-t16-basis-qm", "--bpp", "0.05"], None, "rgb", "0.9.0"),
    ("qm-1x1", 1, 1, 4, ["--init", "siren-t16-basis-qm", "-q", "8"], None, "rgb", "0.9.0"),
    ("qm-strip-3x200", 200, 3, 5, ["--init", "siren-t16-basis-qm", "-q", "12"], None, "rgb", "0.9.0"),
    ("qm-q8-render-half", 48, 64, 6, ["--init", "siren-t16-basis-qm", "-q", "8"], "32", "rgb", "0.9.0"),
    ("qm-q8-render-3x", 24, 32, 6, ["--init", "siren-t16-basis-qm", "-q", "8"], "96x72", "rgb", "0.9.0"),
    ("qm-gray-q6", 40, 56, 7, ["--init", "siren-t16-basis-qm", "-q", "6"], None, "gray", "0.9.0"),
    ("qm-rgba-q9", 40, 56, 8, ["--init", "siren-t16-basis-qm", "-q", "9"], None, "rgba-soft", "0.9.0"),
    # lapped tiles: the pre- and post-filter across tile borders that shares a tile's border error (0.10.0)
    ("lap-q2", 48, 64, 1, ["--init", "siren-t16-basis-lap", "-q", "2"], None, "rgb", "0.10.0"),
    ("lap-q6", 48, 64, 1, ["--init", "siren-t16-basis-lap", "-q", "6"], None, "rgb", "0.10.0"),
    ("lap-q15", 48, 64, 1, ["--init", "siren-t16-basis-lap", "-q", "15"], None, "rgb", "0.10.0"),
    ("lap-q4-96x128", 96, 128, 10, ["--init", "siren-t16-basis-lap", "-q", "4"], None, "rgb", "0.10.0"),
    ("lap-q12-160x96", 160, 96, 11, ["--init", "siren-t16-basis-lap", "-q", "12"], None, "rgb", "0.10.0"),
    ("lap-bpp0.5-odd-37x23", 23, 37, 3, ["--init", "siren-t16-basis-lap", "--bpp", "0.5"], None, "rgb", "0.10.0"),
    ("lap-bpp0.05", 48, 64, 2, ["--init", "siren-t16-basis-lap", "--bpp", "0.05"], None, "rgb", "0.10.0"),
    ("lap-1x1", 1, 1, 4, ["--init", "siren-t16-basis-lap", "-q", "8"], None, "rgb", "0.10.0"),
    ("lap-strip-3x200", 200, 3, 5, ["--init", "siren-t16-basis-lap", "-q", "12"], None, "rgb", "0.10.0"),
    ("lap-q8-render-half", 48, 64, 6, ["--init", "siren-t16-basis-lap", "-q", "8"], "32", "rgb", "0.10.0"),
    ("lap-q8-render-3x", 24, 32, 6, ["--init", "siren-t16-basis-lap", "-q", "8"], "96x72", "rgb", "0.10.0"),
    ("lap-gray-q6", 40, 56, 7, ["--init", "siren-t16-basis-lap", "-q", "6"], None, "gray", "0.10.0"),
    ("lap-rgba-q9", 40, 56, 8, ["--init", "siren-t16-basis-lap", "-q", "9"], None, "rgba-soft", "0.10.0"),
]


def photo(h: int, w: int, seed: int) -> np.ndarray:
    """A photo-like test image: smooth waves, an edge and a little grain (deterministic)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w, 2)
    chans = []
    for _ in range(3):
        a, b, c, d = rng.uniform(0.5, 3.0, 4)
        chans.append(0.5 + 0.3 * np.sin(a * 4 * x + b) * np.cos(c * 4 * y + d) + 0.15 * (x + 0.3 * y > 0.6))
    grain = rng.normal(0, 0.02, (h, w, 3))
    return np.clip((np.stack(chans, -1) + grain) * 255, 0, 255).round().astype(np.uint8)


def source(kind: str, h: int, w: int, seed: int, path: Path) -> Path:
    """The case's input file: an RGB PNG, or a gray, RGBA or LA PNG, or a JPEG carrying EXIF, ICC and XMP."""
    rgb = photo(h, w, seed)
    y, x = np.mgrid[0:h, 0:w]
    if kind == "gray":
        Image.fromarray(rgb[..., 1]).save(path)
    elif kind == "rgba-soft":
        alpha = (255 * (x + y) / max(h + w - 2, 1)).astype(np.uint8)
        Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(path)
    elif kind == "la-binary":
        alpha = np.where((x - w / 2) ** 2 + (y - h / 2) ** 2 < (min(h, w) / 3) ** 2, 255, 0).astype(np.uint8)
        Image.fromarray(np.dstack([rgb[..., 0], alpha]), "LA").save(path)
    elif kind == "jpeg-metadata":
        from PIL import ImageCms

        path = path.with_suffix(".jpg")
        exif = Image.Exif()
        exif[0x010F] = "inrzip golden corpus"
        exif[0x0112] = 6
        icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/>'
        Image.fromarray(rgb).save(path, "JPEG", quality=92, exif=exif.tobytes(), icc_profile=icc, xmp=xmp)
    else:
        Image.fromarray(rgb).save(path)
    return path


def inrzip(*args: str) -> None:
    r = subprocess.run([sys.executable, "-m", "inrzip", *args], capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"inrzip {' '.join(args)} failed: {r.stderr.strip()}")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    version = subprocess.run(
        [sys.executable, "-m", "inrzip", "--version"], capture_output=True, text=True, check=True
    ).stdout.split()[-1]
    entries = []
    release = tuple(int(v) for v in version.split("."))
    for name, h, w, seed, args, size, *more in CASES:
        kind, since = more if more else ("rgb", "0.1.0")
        if tuple(int(v) for v in since.split(".")) > release:
            continue
        src = source(kind, h, w, seed, out / f"{name}.source.png")
        inrzip("encode", str(src), "-o", str(out / f"{name}.inrz"), "--device", "cpu", "-f", *args)
        dec = ["decode", str(out / f"{name}.inrz"), "-o", str(out / f"{name}.png"), "-f"]
        inrzip(*dec, *(["--size", size] if size else []))
        src.unlink()  # the file and what it decodes to are the record; the source is remade from the seed
        entry = {"file": f"{name}.inrz", "decodes_to": f"{name}.png", "size": size, "encoded_with": args}
        entries.append(entry | ({"source": kind} if kind != "rgb" else {}))
    manifest = {"release": version, "files": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {len(entries)} golden files of inrzip {version} to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
