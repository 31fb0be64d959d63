"""Reading any photo into predictable 8-bit RGB, and writing PNGs."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InrzipError


def to_uint8(pred: np.ndarray) -> np.ndarray:
    """Colours in [0, 1] (clipped) to 8-bit, rounded to nearest: every render's last step."""
    return np.rint(np.clip(pred, 0.0, 1.0) * 255.0).astype(np.uint8)


def resize(a: np.ndarray, width: int, height: int, method=Image.Resampling.LANCZOS) -> np.ndarray:
    """``[H, W, C]`` uint8 (C 1 or 3) resized with Pillow (Lanczos unless told): ``[height, width, C]``."""
    im = Image.fromarray(a[..., 0] if a.shape[2] == 1 else a)
    return np.asarray(im.resize((width, height), method)).reshape(height, width, a.shape[2])


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


GRAY_MODES = ("1", "L", "I;16", "I;16B", "I;16L", "I", "I;16N", "F")


@dataclass(frozen=True)
class Picture:
    """An image as inrzip codes it: colour planes, an optional alpha plane, the mode to give back, metadata.

    ``pixels`` is always ``[H, W, 3]`` uint8, what the networks fit: a gray image holds its gray value
    in all three (the codec then stores one channel). ``metadata`` maps "exif", "icc" and "xmp" to raw bytes.
    """

    pixels: np.ndarray
    mode: str = "RGB"  # RGB, L, RGBA or LA
    alpha: np.ndarray | None = None  # [H, W] uint8 for RGBA and LA
    metadata: dict[str, bytes] = field(default_factory=dict)

    @property
    def gray(self) -> bool:
        return self.mode in ("L", "LA")


def _scaled_gray(im: Image.Image) -> np.ndarray:
    """16-bit, 32-bit and float gray to 8 bits: scaled (not clipped)."""
    if im.mode == "F":
        a = np.asarray(im, dtype=np.float64)
        return np.clip(np.rint(a * (255.0 if a.max() <= 1.0 else 1.0)), 0, 255).astype(np.uint8)
    if im.mode in ("1", "L"):
        return np.asarray(im.convert("L"))
    a = np.asarray(im).astype(np.float64)
    peak = 65535.0 if im.mode.startswith("I;16") or a.max() > 255 else 255.0
    return np.clip(np.rint(a * (255.0 / peak)), 0, 255).astype(np.uint8)


def _from_pil(im: Image.Image) -> Picture:
    """One frame (orientation already applied) as a Picture, keeping gray, alpha and metadata."""
    metadata = _metadata(im)
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("PA", "RGBa"):
        im = im.convert("RGBA")
    if im.mode == "La":
        im = im.convert("LA")
    if im.mode == "LA":
        gray, alpha = (np.asarray(band) for band in im.split())
        return Picture(np.repeat(gray[..., None], 3, axis=2), "LA", np.ascontiguousarray(alpha), metadata)
    if im.mode in GRAY_MODES:
        return Picture(np.repeat(_scaled_gray(im)[..., None], 3, axis=2), "L", None, metadata)
    if im.mode == "RGBA":
        a = np.asarray(im)
        return Picture(np.ascontiguousarray(a[..., :3]), "RGBA", np.ascontiguousarray(a[..., 3]), metadata)
    return Picture(np.asarray(im.convert("RGB")), "RGB", None, metadata)


def _metadata(im: Image.Image) -> dict[str, bytes]:
    """EXIF (orientation already applied and reset by the caller), ICC profile and XMP, as raw bytes."""
    out = {}
    exif = im.getexif()
    if len(exif):
        out["exif"] = exif.tobytes()
    if im.info.get("icc_profile"):
        out["icc"] = bytes(im.info["icc_profile"])
    xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    if xmp:
        out["xmp"] = xmp.encode() if isinstance(xmp, str) else bytes(xmp)
    return out


def from_array(a: np.ndarray) -> Picture:
    """``[H, W]`` gray, ``[H, W, 2]`` gray + alpha, ``[H, W, 3]`` RGB or ``[H, W, 4]`` RGBA, uint8."""
    if a.dtype != np.uint8:
        raise InrzipError(f"an image array must be uint8, got {a.dtype}")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim == 2:
        return Picture(np.repeat(a[..., None], 3, axis=2), "L")
    if a.ndim != 3 or a.shape[2] not in (2, 3, 4):
        raise InrzipError(f"an image array must be [H, W], [H, W, 2], [H, W, 3] or [H, W, 4], got {list(a.shape)}")
    if min(a.shape[:2]) < 1:
        raise InrzipError("image has no pixels")
    if a.shape[2] == 2:
        return Picture(np.repeat(a[..., :1], 3, axis=2), "LA", np.ascontiguousarray(a[..., 1]))
    if a.shape[2] == 4:
        return Picture(np.ascontiguousarray(a[..., :3]), "RGBA", np.ascontiguousarray(a[..., 3]))
    return Picture(np.ascontiguousarray(a), "RGB")


def load_picture(source: str | Path | bytes | Image.Image | np.ndarray) -> tuple[Picture, list[str]]:
    """A path, file bytes, a PIL image or an array as a Picture, EXIF orientation applied; returns (picture, notes)."""
    if isinstance(source, np.ndarray):
        return from_array(source), []
    notes: list[str] = []
    if isinstance(source, Image.Image):
        return _from_pil(ImageOps.exif_transpose(source) or source), notes
    name = "<stdin>" if isinstance(source, bytes) else str(source)
    try:
        fp = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")
    except OSError as e:
        raise InrzipError(f"cannot read {name}: {e.strerror or e}") from None
    with fp:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                warnings.filterwarnings("ignore", message="XMP data cannot be read")
                im = Image.open(fp)
                if im.width * im.height > MAX_PIXELS:
                    raise InrzipError(f"{name}: {im.width}x{im.height} is over the {MAX_PIXELS:,}-pixel limit")
                if getattr(im, "n_frames", 1) > 1:
                    notes.append(f"{im.n_frames} frames: only the first is encoded")
                    im.seek(0)
                im.load()
                im = ImageOps.exif_transpose(im) or im
                picture = _from_pil(im)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise InrzipError(f"{name}: image is over the {MAX_PIXELS:,}-pixel limit") from None
        except UnidentifiedImageError:
            raise InrzipError(f"{name}: not an image Pillow can read") from None
        except (OSError, SyntaxError, ValueError, EOFError) as e:
            raise InrzipError(f"{name}: cannot decode image ({e})") from None
    if picture.pixels.shape[0] < 1 or picture.pixels.shape[1] < 1:
        raise InrzipError(f"{name}: image has no pixels")
    return picture, notes


def load_image(source: str | Path | bytes) -> tuple[np.ndarray, list[str]]:
    """A photo as ``[H,W,3]`` uint8 RGB (gray replicated, alpha left out), EXIF orientation applied."""
    picture, notes = load_picture(source)
    if picture.alpha is not None:
        notes.append("alpha channel left out (RGB only here)")
    return np.ascontiguousarray(picture.pixels), notes


def to_pil(pixels: np.ndarray, metadata: dict[str, bytes] | None = None) -> Image.Image:
    """A decoded array (``[H, W]`` L, ``[H, W, 2]`` LA, ``[H, W, 3]`` RGB, ``[H, W, 4]`` RGBA) as a PIL image
    whose ``info`` carries the metadata (exif, icc_profile, xmp) for :func:`encode_file`."""
    mode = {2: "L", 3: {2: "LA", 3: "RGB", 4: "RGBA"}.get(pixels.shape[-1])}[pixels.ndim]
    im = Image.fromarray(pixels, mode)
    metadata = metadata or {}
    for key, name in (("exif", "exif"), ("icc", "icc_profile"), ("xmp", "xmp")):
        if key in metadata:
            im.info[name] = metadata[key]
    return im


def encode_file(im: Image.Image, fmt: str) -> bytes:
    """An image file in Pillow format ``fmt`` with its metadata written back where the format holds it.

    JPEG cannot hold alpha (flattened onto white) and is written at quality 95; WebP losslessly.
    """
    info = im.info
    options: dict = {}
    if info.get("exif"):
        options["exif"] = info["exif"]
    if info.get("icc_profile"):
        options["icc_profile"] = info["icc_profile"]
    xmp = info.get("xmp")
    if fmt == "PNG" and xmp:
        from PIL import PngImagePlugin

        text = PngImagePlugin.PngInfo()
        text.add_itxt("XML:com.adobe.xmp", xmp.decode("utf-8", "replace") if isinstance(xmp, bytes) else xmp)
        options["pnginfo"] = text
    elif fmt == "TIFF" and xmp:
        options["tiffinfo"] = {700: xmp}
    elif fmt in ("JPEG", "WEBP") and xmp:
        options["xmp"] = xmp
    if fmt == "JPEG":
        options["quality"] = 95
        if im.mode in ("RGBA", "LA"):
            flat = Image.new("RGB" if im.mode == "RGBA" else "L", im.size, 255)
            flat.paste(im, mask=im.getchannel("A"))
            im = flat
    if fmt == "WEBP":
        options["lossless"] = True
    if fmt == "PNG":  # zlib level 2 (Pillow's zlib-ng): decoded Kodak photos 0.028-0.032 s, 0.1-2.8 % larger than
        options["compress_level"] = 2  # at level 3 (0.039-0.042 s; results/decode/png-levels.txt)
    buf = io.BytesIO()
    im.save(buf, format=fmt, **options)
    return buf.getvalue()


def png_bytes(rgb: np.ndarray) -> bytes:
    """Encode ``[H,W,3]`` uint8 as PNG."""
    return encode_file(Image.fromarray(rgb, "RGB"), "PNG")


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
