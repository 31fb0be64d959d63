"""Torch-free decoding: a ``.inrz`` file to pixels with numpy alone.

A decode is a few small matrix products per tile. numpy renders a Kodak image in well under a
second, and not importing torch saves ~1.5 s of process start, so ``inrzip decode`` renders this
way on the CPU; ``--device cuda`` (and the library's ``codec.decode`` on a GPU) plug the torch
network into the same loop through ``render(..., evaluate=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from . import arch, basis, container, entropy, quant, tiles
from . import weights as shipped
from .container import Header
from .errors import InrzipError

MAX_OUTPUT_PIXELS = 1 << 28  # refuse decodes that would need more than ~0.8 GB of 8-bit output
DECODE_CHUNK = 1024  # tiles per batch, further capped so a batch holds ~1M output points

# evaluate(values [B, K + 3], coords [B, M, 2]) -> colours [B, M, 3]
Evaluate = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Job:
    """A parsed file and what to render: the networks' values, the render grid and the output size."""

    header: Header
    ladder: shipped.Ladder | basis.BasisLadder
    level: shipped.Level | int  # a shared-body ladder's level is its step index
    values: np.ndarray  # [tiles, K + 3] float32 (shared-body ladders: the stored coefficients, dequantised)
    out_w: int
    out_h: int
    render_w: int  # the grid the networks are evaluated on: the output, or the source size for downscales
    render_h: int


def init_values(ladder: shipped.Ladder, level: shipped.Level) -> np.ndarray:
    """What every tile starts from ``[K + 3]``: the surviving init weights and a zero output-bias offset."""
    return np.concatenate([level.theta[level.mask], np.zeros(ladder.cfg.out_features, np.float32)])


def parse_size(size: str | None, width: int, height: int) -> tuple[int, int]:
    """``None`` -> original; ``"N"`` -> longer side N, aspect kept; ``"WxH"`` -> exactly that."""
    if size is None:
        return width, height
    try:
        if "x" in size.lower():
            ws, hs = size.lower().split("x")
            out = int(ws), int(hs)
        else:
            side = int(size)
            scale = side / max(width, height)
            out = (side, max(1, round(height * scale))) if width >= height else (max(1, round(width * scale)), side)
    except ValueError:
        raise InrzipError(f"--size must be N or WxH with positive integers, got {size!r}") from None
    if min(out) < 1:
        raise InrzipError(f"--size must be positive, got {size!r}")
    if out[0] * out[1] > MAX_OUTPUT_PIXELS:
        raise InrzipError(f"--size {out[0]}x{out[1]} is over the {MAX_OUTPUT_PIXELS:,}-pixel output limit")
    return out


def prepare(data: bytes, size: str | None = None) -> Job:
    """Parse and check a file against its initialization; plan the render grid.

    Upscales evaluate the networks on the finer grid (the INR's continuous nature); downscales
    render at the source size and are filtered afterwards (:func:`finish`).
    """
    header, values = container.read(data)
    try:
        ladder = shipped.find_by_id(header.init)
    except (LookupError, ValueError) as e:  # not installed, or installed but unreadable
        raise InrzipError(str(e)) from None
    if isinstance(ladder, basis.BasisLadder):
        return _prepare_basis(header, ladder, values, size)
    if header.codec == "ans":
        raise InrzipError(f"corrupt .inrz header: codec ans needs a shared-body initialization, not {ladder.name}")
    try:
        level = ladder.level(header.quality)
    except ValueError:
        raise InrzipError(f"corrupt .inrz header: quality {header.quality} not in {ladder.name}") from None
    if ladder.cfg.fourier:
        raise InrzipError(f"{ladder.name} is a research (Fourier-feature) ladder, not a codec initialization")
    if header.tile != ladder.cfg.tile or header.values != level.n_values:
        raise InrzipError("corrupt .inrz header: tiling or value count does not match its initialization")
    if isinstance(values, container.Quantized):
        values = quant.dequantize(values, init_values(ladder, level))
    values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
    return Job(header, ladder, level, values, *_plan(header, size))


def _plan(header: Header, size: str | None) -> tuple[int, int, int, int]:
    """Output and render sizes: upscales render the finer grid, downscales render the source size."""
    out_w, out_h = parse_size(size, header.width, header.height)
    render_w, render_h = max(out_w, header.width), max(out_h, header.height)
    if render_w * render_h > MAX_OUTPUT_PIXELS:
        raise InrzipError(f"rendering {render_w}x{render_h} is over the {MAX_OUTPUT_PIXELS:,}-pixel limit")
    return out_w, out_h, render_w, render_h


def _prepare_basis(header: Header, ladder: basis.BasisLadder, raw, size: str | None) -> Job:
    """A shared-body file: entropy-decode the step indices' coefficients and dequantise them."""
    s = header.quality
    if header.codec != "ans":
        raise InrzipError(f"corrupt .inrz header: {ladder.name} files use codec ans, not {header.codec}")
    if not basis.S_RANGE[0] <= s <= basis.S_RANGE[1]:
        raise InrzipError(f"corrupt .inrz header: step index {s} out of range")
    if header.tile != ladder.cfg.tile or header.values != int(basis.mask(ladder, s).sum()):
        raise InrzipError("corrupt .inrz header: tiling or value count does not match its initialization")
    q = entropy.decode(raw, header.tiles, basis.classes(ladder, s), *basis.tables_for(ladder, s), basis.RMAX)
    values = (q * np.float32(basis.step(s))).astype(np.float32)
    return Job(header, ladder, s, values, *_plan(header, size))


def numpy_network(ladder: shipped.Ladder | basis.BasisLadder, level: shipped.Level | int) -> Evaluate:
    """The level's networks, compacted to their live units, evaluated with numpy (float32)."""
    if isinstance(ladder, basis.BasisLadder):
        return lambda values, coords: basis.evaluate(ladder, basis.expand(ladder, level, values), coords)
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
        return forward(cfg, weights, bias, coords)

    return evaluate


def forward(cfg: arch.SirenConfig, weights: np.ndarray, bias: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """numpy twin of ``siren.forward``: B networks ``[B,P]``/``[B,Q]`` on ``coords [B,N,2]`` -> ``[B,N,3]``."""
    h, wo, bo = coords, 0, 0
    shapes = cfg.layer_shapes()
    for i, (fan_in, fan_out) in enumerate(shapes):
        w = weights[:, wo : wo + fan_in * fan_out].reshape(-1, fan_in, fan_out)
        b = bias[:, None, bo : bo + fan_out]
        wo, bo = wo + fan_in * fan_out, bo + fan_out
        if i < len(shapes) - 1:
            h = np.sin(np.matmul(h, w * np.float32(cfg.w0)) + b * np.float32(cfg.w0))
        else:
            h = np.matmul(h, w) + b
    return h


def render(job: Job, evaluate: Evaluate | None = None, chunk: int = DECODE_CHUNK) -> np.ndarray:
    """Evaluate every tile network on the ``render_w x render_h`` grid, a bounded chunk of tiles at a time."""
    evaluate = evaluate or numpy_network(job.ladder, job.level)
    tile = job.ladder.cfg.tile
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
    return out.reshape(job.render_h, job.render_w, 3)


def finish(job: Job, rgb: np.ndarray) -> np.ndarray:
    """Downscales: filter the source-size render to the output with Lanczos, so detail is averaged, not aliased."""
    if (job.render_w, job.render_h) == (job.out_w, job.out_h):
        return rgb
    return np.asarray(Image.fromarray(rgb).resize((job.out_w, job.out_h), Image.Resampling.LANCZOS))


def decode(data: bytes, size: str | None = None, chunk: int = DECODE_CHUNK) -> np.ndarray:
    """Render a .inrz file to ``[H,W,3]`` uint8 at its own size or any ``size``, on the CPU, without torch."""
    job = prepare(data, size)
    return finish(job, render(job, chunk=chunk))
