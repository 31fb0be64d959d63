"""Reading any photo into predictable 8-bit RGB, and writing PNGs."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InrzipError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm"}


def list_images(folder: str | Path) -> list[Path]:
    """Image files under ``folder`` (recursive), sorted so runs are reproducible."""
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"not a directory: {root}")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not files:
        raise FileNotFoundError(f"no images in {root}")
    return files


# Pillow's own decompression-bomb guard is the anchor: above it we refuse instead of warning.
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485


def _to_rgb(im: Image.Image, notes: list[str]) -> np.ndarray:
    """Convert one frame to ``[H,W,3]`` uint8: 16-bit scaled (not clipped), alpha dropped, palette expanded."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "I;16N"):
        a = np.asarray(im).astype(np.float64)
        peak = 65535.0 if im.mode.startswith("I;16") or a.max() > 255 else 255.0
        a = np.clip(np.rint(a * (255.0 / peak)), 0, 255).astype(np.uint8)
        return np.repeat(a[..., None], 3, axis=2)
    if im.mode == "F":
        a = np.asarray(im, dtype=np.float64)
        a = np.clip(np.rint(a * (255.0 if a.max() <= 1.0 else 1.0)), 0, 255).astype(np.uint8)
        return np.repeat(a[..., None], 3, axis=2)
    if im.mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        notes.append("alpha channel dropped (inrzip stores RGB)")
    return np.asarray(im.convert("RGB"))


def load_image(source: str | Path | bytes) -> tuple[np.ndarray, list[str]]:
    """Decode a photo to ``[H,W,3]`` uint8 RGB with EXIF orientation applied; returns (pixels, warnings)."""
    notes: list[str] = []
    name = "<stdin>" if isinstance(source, bytes) else str(source)
    try:
        fp = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")
    except OSError as e:
        raise InrzipError(f"cannot read {name}: {e.strerror or e}") from None
    with fp:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                im = Image.open(fp)
                if im.width * im.height > MAX_PIXELS:
                    raise InrzipError(f"{name}: {im.width}x{im.height} is over the {MAX_PIXELS:,}-pixel limit")
                if getattr(im, "n_frames", 1) > 1:
                    notes.append(f"{im.n_frames} frames: only the first is encoded")
                    im.seek(0)
                im.load()
                im = ImageOps.exif_transpose(im) or im
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise InrzipError(f"{name}: image is over the {MAX_PIXELS:,}-pixel limit") from None
        except UnidentifiedImageError:
            raise InrzipError(f"{name}: not an image Pillow can read") from None
        except (OSError, SyntaxError, ValueError, EOFError) as e:
            raise InrzipError(f"{name}: cannot decode image ({e})") from None
        rgb = _to_rgb(im, notes)
    if rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise InrzipError(f"{name}: image has no pixels")
    return np.ascontiguousarray(rgb), notes


def png_bytes(rgb: np.ndarray) -> bytes:
    """Encode ``[H,W,3]`` uint8 as PNG."""
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, format="PNG")
    return buf.getvalue()


def sample_photos() -> list[Path]:
    """Real photographs shipped by installed dependencies: the default input (no user data needed).

    scikit-image ships public-domain/CC0 colour photos (astronaut, coffee, chelsea) in its wheel;
    matplotlib ships grace_hopper.jpg. Files are read directly: neither package is imported.
    """
    from importlib.util import find_spec

    found = []
    for pkg, rel in (
        ("skimage", ("data", "astronaut.png")),
        ("skimage", ("data", "coffee.png")),
        ("skimage", ("data", "chelsea.png")),
        ("matplotlib", ("mpl-data", "sample_data", "grace_hopper.jpg")),
    ):
        spec = find_spec(pkg)
        if spec and spec.submodule_search_locations:
            p = Path(next(iter(spec.submodule_search_locations)), *rel)
            if p.is_file():
                found.append(p)
    if not found:
        raise InrzipError("no sample photo found: install scikit-image or matplotlib, or pass image paths")
    return found
