"""Decoding: a ``.inrz`` file to pixels at any size, with numpy alone (torch only for a GPU render).

A decode is a few small matrix products per tile. numpy renders a Kodak image in well under a
second, and not importing torch saves ~1.5 s of process start, so ``inrzip decode`` renders this
way on the CPU; ``device="cuda"`` plugs the codec's torch evaluator into the same loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from . import codecs, inits, tiles
from .codecs import Codec, Evaluate
from .errors import InrzipError
from .format import container
from .format.container import Header

MAX_OUTPUT_PIXELS = 1 << 28  # refuse decodes that would need more than ~0.8 GB of 8-bit output
DECODE_CHUNK = 1024  # tiles per batch, further capped so a batch holds ~1M output points


@dataclass(frozen=True)
class Job:
    """A parsed file and what to render: its init and codec, the tiles' values, the render grid and the output size."""

    header: Header
    init: Any
    codec: Codec
    level: Any  # what the codec's evaluator needs besides the values (a ladder level, a step index)
    values: np.ndarray  # [tiles, n] float32
    out_w: int
    out_h: int
    render_w: int  # the grid the networks are evaluated on: the output, or the source size for downscales
    render_h: int


def parse_size(size: str | int | tuple[int, int] | None, width: int, height: int) -> tuple[int, int]:
    """``None`` -> original; ``N`` or ``"N"`` -> longer side N, aspect kept; ``"WxH"`` or ``(W, H)`` -> exactly that."""
    if size is None:
        return width, height
    try:
        if isinstance(size, tuple | list):
            out = int(size[0]), int(size[1])
            if len(size) != 2:
                raise ValueError
        elif isinstance(size, str) and "x" in size.lower():
            ws, hs = size.lower().split("x")
            out = int(ws), int(hs)
        else:
            side = int(size)
            scale = side / max(width, height)
            out = (side, max(1, round(height * scale))) if width >= height else (max(1, round(width * scale)), side)
    except (ValueError, TypeError, IndexError):
        raise InrzipError(f"--size must be N or WxH with positive integers, got {size!r}") from None
    if min(out) < 1:
        raise InrzipError(f"--size must be positive, got {size!r}")
    if out[0] * out[1] > MAX_OUTPUT_PIXELS:
        raise InrzipError(f"--size {out[0]}x{out[1]} is over the {MAX_OUTPUT_PIXELS:,}-pixel output limit")
    return out


def prepare(data: bytes, size=None, init: Any = None) -> Job:
    """Parse and check a file against its initialization (``init``: an init or a path; default: the installed
    one the file names); plan the render grid.

    Upscales evaluate the networks on the finer grid (the INR's continuous nature); downscales
    render at the source size and are filtered afterwards (:func:`finish`).
    """
    header, raw = container.read(data)
    found = inits.for_file(header.init, init)
    codec = codecs.of(found)
    level, values = codec.unpack(found, header, raw)
    out_w, out_h = parse_size(size, header.width, header.height)
    render_w, render_h = max(out_w, header.width), max(out_h, header.height)
    if render_w * render_h > MAX_OUTPUT_PIXELS:
        raise InrzipError(f"rendering {render_w}x{render_h} is over the {MAX_OUTPUT_PIXELS:,}-pixel limit")
    return Job(header, found, codec, level, values, out_w, out_h, render_w, render_h)


def evaluator(job: Job, device: str = "cpu") -> Evaluate:
    """numpy on the CPU (no torch import); torch on ``device`` when it is a GPU ("auto": one if present)."""
    if device == "cpu":
        return job.codec.evaluator(job.init, job.level)
    from .nets.device import pick_device

    dev = pick_device(device)
    return job.codec.evaluator(job.init, job.level, None if dev.type == "cpu" else dev)


def render(job: Job, evaluate: Evaluate | None = None, chunk: int = DECODE_CHUNK, on_tiles=None) -> np.ndarray:
    """Evaluate every tile network on the ``render_w x render_h`` grid, a bounded chunk of tiles at a time.

    ``on_tiles(done, total)`` reports progress in tiles.
    """
    evaluate = evaluate or evaluator(job)
    tile = job.header.tile
    py = tiles.axis_plan(job.header.height, job.render_h, tile)
    px = tiles.axis_plan(job.header.width, job.render_w, tile)
    out = np.empty((job.render_h * job.render_w, 3), np.uint8)
    per_tile = py.max_count * px.max_count
    chunk = max(1, min(chunk, (1 << 20) // max(per_tile, 1)))  # bound activations to ~1M points per chunk
    for start in range(0, job.header.tiles, chunk):
        idx = np.arange(start, min(start + chunk, job.header.tiles))
        coords, valid, flat = tiles.render_batch(py, px, idx)
        pred = evaluate(job.values[idx], coords)
        pix = np.rint(np.clip(pred, 0.0, 1.0) * 255.0).astype(np.uint8)
        out[flat[valid]] = pix[valid]
        if on_tiles is not None:
            on_tiles(int(idx[-1]) + 1, job.header.tiles)
    return out.reshape(job.render_h, job.render_w, 3)


def finish(job: Job, rgb: np.ndarray) -> np.ndarray:
    """Downscales: filter the source-size render to the output with Lanczos, so detail is averaged, not aliased."""
    if (job.render_w, job.render_h) == (job.out_w, job.out_h):
        return rgb
    return np.asarray(Image.fromarray(rgb).resize((job.out_w, job.out_h), Image.Resampling.LANCZOS))


def decode(
    data: bytes, size=None, device: str = "cpu", init: Any = None, chunk: int = DECODE_CHUNK, on_tiles=None
) -> np.ndarray:
    """Render a .inrz file to ``[H,W,3]`` uint8 at its own size or any ``size`` (see :func:`parse_size`).

    ``device="cpu"`` renders with numpy and never imports torch; "cuda" (or "auto" with a GPU)
    renders with torch on the GPU. ``init``: the file's init object or path, when it is not installed.
    """
    job = prepare(data, size, init)
    return finish(job, render(job, evaluator(job, device), chunk, on_tiles))
