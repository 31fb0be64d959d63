"""Decoding: a ``.inrz`` file to pixels at any size, with numpy alone (torch only for a GPU render).

A decode is a few small matrix products per tile. numpy renders a Kodak image in well under a
second, and not importing torch saves ~1.5 s of process start, so ``inrzip decode`` renders this
way on the CPU; ``device="cuda"`` plugs the codec's torch evaluator into the same loop.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from . import codecs, inits, lapping, parallel, tiles
from . import upscaler as learned
from .codecs import Codec, Evaluate
from .errors import InrzipError
from .format import container
from .format.container import Extras, Header
from .images import resize, to_uint8

MAX_OUTPUT_PIXELS = 1 << 28  # refuse decodes that would need more than ~0.8 GB of 8-bit output
DECODE_CHUNK = 1024  # tiles per batch, further capped so a batch holds ~1M output points
# source pixels the upscaled render's blend zone reaches into each tile's own samples: on val the seam ratio
# at 2x / 4x is 1.03 / 1.09 with 0.1 (the photos': 1.01 / 1.04), 1.24 / 1.31 with 0 (results/upscale/README.md)
BLEND_REACH = 0.1


@dataclass(frozen=True)
class Job:
    """A parsed file and what to render: its init and codec, the tiles' values, the render grid and the output size."""

    header: Header
    extras: Extras  # the image mode, its metadata and alpha sections
    init: Any
    codec: Codec
    level: Any  # what the codec's evaluator needs besides the values (a ladder level, a step index)
    values: np.ndarray  # [tiles, n] float32
    out_w: int
    out_h: int
    render_w: int  # the grid the networks are evaluated on: the output, or the source size for downscales
    render_h: int

    @property
    def gray(self) -> bool:
        return self.extras.gray


@dataclass(frozen=True)
class Decoded:
    """A decoded image in the mode its file records: ``[H, W]`` L, ``[H, W, 2]`` LA, ``[H, W, 3]`` RGB or
    ``[H, W, 4]`` RGBA, and the metadata the file carries (exif, icc, xmp: raw bytes)."""

    pixels: np.ndarray
    mode: str
    metadata: dict[str, bytes]


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
    header, raw, extras = container.read_all(data)
    found = inits.for_file(header.init, init)
    codec = codecs.of(found)
    level, values = codec.unpack(found, header, raw, extras.gray)
    out_w, out_h = parse_size(size, header.width, header.height)
    render_w, render_h = max(out_w, header.width), max(out_h, header.height)
    if render_w * render_h > MAX_OUTPUT_PIXELS:
        raise InrzipError(f"rendering {render_w}x{render_h} is over the {MAX_OUTPUT_PIXELS:,}-pixel limit")
    return Job(header, extras, found, codec, level, values, out_w, out_h, render_w, render_h)


def evaluator(job: Job, device: str = "cpu") -> Evaluate:
    """numpy on the CPU (no torch import); torch on ``device`` when it is a GPU ("auto": one if present)."""
    if device == "cpu":
        return job.codec.evaluator(job.init, job.level)
    from .nets.device import pick_device

    dev = pick_device(device)
    return job.codec.evaluator(job.init, job.level, None if dev.type == "cpu" else dev)


def render(
    job: Job,
    evaluate: Evaluate | None = None,
    chunk: int = DECODE_CHUNK,
    on_tiles=None,
    networks: np.ndarray | None = None,
) -> np.ndarray:
    """Evaluate every tile network on the ``render_w x render_h`` grid, a bounded chunk of tiles at a time:
    ``[H, W, 3]`` uint8, or ``[H, W, 1]`` for a gray file. ``on_tiles(done, total)`` reports progress in tiles.

    At the source size every pixel is one tile's sample. Above it, pixels between two tiles' samples
    are rendered by both and blended (:func:`tiles.blend_plan`): no seam at any scale. Lapped tiles
    (:mod:`lapping`) are post-filtered at the source size, and above it get that filter's correction resampled.
    ``networks``: lapped tiles' float32 render at the source size where the caller has it (a render at the source
    size post-filters it in place).
    """
    evaluate = evaluate or evaluator(job)
    h = job.header
    scales = job.codec.lap_scales(job.init)
    at_source = (job.render_w, job.render_h) == (h.width, h.height)
    if scales is not None and networks is None:
        source_job = replace(job, render_w=h.width, render_h=h.height)
        networks = _render_grid(source_job, evaluate, chunk, on_tiles if at_source else None, np.float32)
    if not at_source:
        overlap = None if scales is None else lapping.Resampled(networks, scales, h.tile, job.render_w, job.render_h)
        return _render_blended(job, evaluate, chunk, on_tiles, overlap)
    if scales is None:
        return _render_grid(job, evaluate, chunk, on_tiles, np.uint8)
    return _rounded(lapping.inverse(networks, scales, h.tile))


def _rounded(x: np.ndarray, rows: int = 256) -> np.ndarray:
    """``to_uint8`` a band of rows at a time: rounding a large float render never holds two more copies of it."""
    out = np.empty(x.shape, np.uint8)
    for top in range(0, x.shape[0], rows):
        out[top : top + rows] = to_uint8(x[top : top + rows])
    return out


def _render_grid(job: Job, evaluate: Evaluate, chunk: int, on_tiles, dtype) -> np.ndarray:
    """The networks at the source size: uint8, or the colours before rounding (float32) for a post-filter."""
    tile = job.header.tile
    py = tiles.axis_plan(job.header.height, job.render_h, tile)
    px = tiles.axis_plan(job.header.width, job.render_w, tile)
    out = np.empty((job.render_h * job.render_w, _channels(job)), dtype)
    per_tile = py.max_count * px.max_count
    # activations bounded to ~1M points per chunk, and pieces for every core
    chunk = max(1, min(chunk, (1 << 20) // max(per_tile, 1), -(-job.header.tiles // (4 * parallel.workers()))))

    def pixels(start: int) -> tuple[np.ndarray, np.ndarray]:
        idx = np.arange(start, min(start + chunk, job.header.tiles))
        coords, valid, flat = tiles.render_batch(py, px, idx)
        pix = _colours(job, evaluate, idx, coords)
        return flat[valid], (to_uint8(pix) if dtype == np.uint8 else pix)[valid]

    starts = range(0, job.header.tiles, chunk)
    for start, (where, values) in zip(starts, parallel.ordered_map(pixels, starts), strict=True):
        out[where] = values
        if on_tiles is not None:
            on_tiles(min(start + chunk, job.header.tiles), job.header.tiles)
    return out.reshape(job.render_h, job.render_w, out.shape[1])


def _channels(job: Job) -> int:
    return 1 if job.gray else 3


def _colours(job: Job, evaluate: Evaluate, idx: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """The networks of tiles ``idx`` at ``coords [B, M, 2]``: ``[B, M, C]`` floats (gray: one channel)."""
    pred = evaluate(job.values[idx], coords)
    return pred @ job.codec.gray_weights(job.init)[:, None] if job.gray else pred


def _render_blended(
    job: Job, evaluate: Evaluate, chunk: int, on_tiles, overlap: lapping.Resampled | None = None
) -> np.ndarray:
    """The render above the source size, one tile row at a time: each tile covers its samples and the gaps
    to its neighbours, weighted; rows shared with the next tile row carry over in a float band. ``overlap``:
    the lapped tiles' post-filter correction, added to each finished band of rows. The networks run on every
    core, a chunk of tiles each (:mod:`inrzip.parallel`), while the band is summed in order: the same sums on any
    number of threads."""
    h = job.header
    py = tiles.blend_plan(h.height, job.render_h, h.tile, BLEND_REACH)
    px = tiles.blend_plan(h.width, job.render_w, h.tile, BLEND_REACH)
    ny, nx = len(py.start), len(px.start)
    width, c = job.render_w, _channels(job)
    out = np.empty((job.render_h, width, c), np.uint8)
    per_tile = py.max_count * px.max_count
    chunk = max(1, min(chunk, (1 << 20) // max(per_tile, 1)))  # the same pieces on any number of threads
    pieces = [np.arange(f, min(f + chunk, (r + 1) * nx)) for r in range(ny) for f in range(r * nx, (r + 1) * nx, chunk)]

    def weighted(idx: np.ndarray) -> np.ndarray:
        coords, weight = _blend_samples(py, px, idx)
        return _colours(job, evaluate, idx, coords) * weight[..., None]

    band_top, band = 0, np.zeros((c, 0, width), np.float64)  # channel-first: each channel's rows contiguous
    preds = parallel.ordered_map(weighted, pieces, ahead=2 * parallel.workers())  # tile rows ahead of the sums
    for idx, pred in zip(pieces, preds, strict=True):
        row = int(idx[0]) // nx
        if idx[0] == row * nx:  # a tile row's first piece: grow the band to the row's last output row
            need = int(py.start[row] + py.count[row]) - band_top
            if need > band.shape[1]:
                band = np.concatenate([band, np.zeros((c, need - band.shape[1], width))], axis=1)
        flat = _blend_flat(py, px, idx, band_top, band.shape[1], width)
        for ch in range(c):
            plane = band[ch].reshape(-1)  # a view: the band is C-contiguous per channel
            plane += np.bincount(flat.reshape(-1), pred[..., ch].reshape(-1), plane.size)
        if on_tiles is not None:
            on_tiles(int(idx[-1]) + 1, h.tiles)
        if idx[-1] + 1 == (row + 1) * nx:  # its last: the rows no later tile row touches are done
            done = int(py.start[row + 1]) if row + 1 < ny else job.render_h
            rows = band[:, : done - band_top].transpose(1, 2, 0)
            out[band_top:done] = to_uint8(rows if overlap is None else rows + overlap.rows(band_top, done))
            band, band_top = np.ascontiguousarray(band[:, done - band_top :]), done
    return out


def _blend_samples(py, px, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates ``[B, my*mx, 2]`` and blend weights ``[B, my*mx]`` of tiles ``idx``."""
    nx = len(px.start)
    ty, tx = idx // nx, idx % nx
    ly, lx = py.local[ty], px.local[tx]
    coords = np.stack(np.broadcast_arrays(lx[:, None, :], ly[:, :, None]), axis=-1).reshape(len(idx), -1, 2)
    weight = (py.weight[ty][:, :, None] * px.weight[tx][:, None, :]).reshape(len(idx), -1)
    return coords.astype(np.float32), weight


def _blend_flat(py, px, idx: np.ndarray, band_top: int, band_rows: int, width: int) -> np.ndarray:
    """Flat band indices ``[B, my*mx]`` (rows from ``band_top``) of tiles ``idx``' samples."""
    nx = len(px.start)
    ty, tx = idx // nx, idx % nx
    iy = py.start[ty][:, None, None] + np.arange(py.max_count)[None, :, None] - band_top
    ix = px.start[tx][:, None, None] + np.arange(px.max_count)[None, None, :]
    flat = np.clip(iy, 0, band_rows - 1) * width + np.minimum(ix, width - 1)  # padding slots: weight 0
    return flat.reshape(len(idx), -1)


def finish(job: Job, rgb: np.ndarray) -> np.ndarray:
    """Downscales: filter the source-size render to the output with Lanczos, so detail is averaged, not aliased."""
    if (job.render_w, job.render_h) == (job.out_w, job.out_h):
        return rgb
    return resize(rgb, job.out_w, job.out_h)


def colour(
    job: Job, evaluate: Evaluate | None = None, chunk: int = DECODE_CHUNK, on_tiles=None, restore: bool = True
) -> np.ndarray:
    """The colour planes at the output size: the networks' render, restored by what the init learned (its
    post-filter at the source size, the learned upscaler above it), resized for downscales (where a restoration
    would cost a source-size filter for detail the resize averages away). ``restore=False``: the networks'
    render alone."""
    h = job.header
    evaluate = evaluate or evaluator(job)
    restorer = restore and learned.for_render(job.init.name, job.init.id, (h.width, h.height), (job.out_w, job.out_h))
    at_source = replace(job, out_w=h.width, out_h=h.height, render_w=h.width, render_h=h.height)
    networks = None  # lapped tiles at the source size, rendered once for the upscale and the upscaler's source
    if restorer and learned.needs_source(restorer) and job.codec.lap_scales(job.init) is not None:
        networks = _render_grid(at_source, evaluate, chunk, None, np.float32)
    rgb = render(job, evaluate, chunk, on_tiles, networks)
    if restore and (job.out_w, job.out_h) == (h.width, h.height):
        rgb = job.codec.restore(job.init, job.level, rgb)
    rgb = finish(job, rgb)
    if not restorer:
        return rgb
    if not learned.needs_source(restorer):
        return learned.apply(restorer, rgb)
    source = job.codec.restore(job.init, job.level, render(at_source, evaluate, chunk, networks=networks))
    return learned.apply(restorer, rgb, source)


def decode(
    data: bytes | str | Path | Any,
    size=None,
    device: str = "cpu",
    init: Any = None,
    chunk: int = DECODE_CHUNK,
    on_tiles=None,
    restore: bool = True,
) -> np.ndarray:
    """Render a .inrz file (bytes, a path, or an ``Encoded``) at its own size or any ``size`` (N, "N", "WxH",
    (W, H)): an array in the file's mode (see :class:`Decoded`).

    ``device="cpu"`` renders with numpy and never imports torch; "cuda" (or "auto" with a GPU)
    renders with torch on the GPU. ``init``: the file's init object or path, when it is not installed.
    ``restore=False``: the tile networks' render alone, without the init's post-filter or the learned upscaler.
    """
    return decode_picture(data, size, device, init, chunk, on_tiles, restore).pixels


def decode_picture(
    data: bytes | str | Path | Any,
    size=None,
    device: str = "cpu",
    init: Any = None,
    chunk: int = DECODE_CHUNK,
    on_tiles=None,
    restore: bool = True,
) -> Decoded:
    """As :func:`decode`, with the mode and the metadata the file carries. numpy's BLAS runs on one thread
    throughout: the parallel parts run on threads of their own (:mod:`inrzip.parallel`)."""
    with parallel.one_blas_thread():
        job = prepare(_file_bytes(data), size, init)
        planes = colour(job, evaluator(job, device), chunk, on_tiles, restore)
        alpha = _alpha(job, device, init)
    planes = planes if alpha is None else np.concatenate([planes, alpha[..., None]], axis=2)
    pixels = planes[..., 0] if planes.shape[2] == 1 else planes
    metadata = {k: v for k, v in job.extras.sections.items() if k in container.METADATA}
    return Decoded(np.ascontiguousarray(pixels), job.extras.mode, metadata)


def _file_bytes(data) -> bytes:
    """The bytes of a file given as bytes, a path, or anything with ``.data`` (an ``Encoded``)."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    if isinstance(data, str | Path):
        try:
            return Path(data).read_bytes()
        except OSError as e:
            raise InrzipError(f"cannot read {data}: {e.strerror or e}") from None
    if isinstance(getattr(data, "data", None), bytes):
        return data.data
    raise InrzipError(f"decode takes bytes, a path or an Encoded, not {type(data).__name__}")


def _alpha(job: Job, device: str, init: Any) -> np.ndarray | None:
    """The alpha plane at the output size: unpacked bits (resized), or the nested gray file rendered there."""
    sections, h = job.extras.sections, job.header
    if "alpha-bits" in sections:
        bits = np.frombuffer(sections["alpha-bits"], np.uint8)
        if bits.size != -(-h.width * h.height // 8):
            raise InrzipError("corrupt .inrz file: the alpha plane does not fit the image")
        plane = np.unpackbits(bits)[: h.width * h.height].reshape(h.height, h.width) * np.uint8(255)
        if (h.width, h.height) == (job.out_w, job.out_h):
            return plane
        return resize(plane[..., None], job.out_w, job.out_h)[..., 0]
    if "alpha" in sections:
        nested = prepare(sections["alpha"], (job.out_w, job.out_h), init)
        n = nested.header
        if nested.extras.mode != "L" or nested.extras.sections or (n.width, n.height) != (h.width, h.height):
            raise InrzipError("corrupt .inrz file: the alpha plane does not fit the image")
        return finish(nested, render(nested, evaluator(nested, device)))[..., 0]
    return None
