"""encode() and decode(): the library API the CLI calls."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from . import basis, container, decoder, entropy, masks, quant, siren, tiles
from . import fit as fitting
from . import weights as shipped
from .container import Header
from .decoder import DECODE_CHUNK, MAX_OUTPUT_PIXELS, init_values, parse_size  # noqa: F401 - the library API
from .errors import InrzipError

DEFAULT_STEPS = 100
DEFAULT_LR = 3e-3  # measured on val against 1e-4 (code), 1e-3 (paper), 1e-2: see README
HEAD_LR = 0.5  # shared-body ladders: Adam lr of u = coef / rms (val: 0.3-1.0 all reach the optimum, levers/head_fit)
ENCODE_CHUNK = 256  # tiles fitted at once: bounds activation memory (~0.5 GB at width 32)
DEFAULT_BITS = 5.0  # q16 resolution when neither --bits nor --bpp is given: the knee of val's RD hull (README)
# what a value costs after zstd (measured on val photos, level 9): aims --bpp at a level before fitting
FP16_BITS_PER_VALUE = 9.7
Q16_BITS_PER_VALUE = 3.5  # at DEFAULT_BITS


def pick_device(device: str = "auto") -> torch.device:
    """ "auto" picks CUDA when present."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise InrzipError("--device cuda asked for, but torch sees no CUDA GPU")
    if device not in ("cpu", "cuda"):
        raise InrzipError(f"unknown device {device!r} (auto, cpu or cuda)")
    return torch.device(device)


def nominal_bpp(n_values: int, tile: int, width: int, height: int, codec: str = "fp16") -> float:
    """Rate a level is expected to cost, header included (~110 bytes): what --bpp aims the level with.

    Uses the measured cost of a value after zstd, so it is an estimate; q16 then hits the target
    exactly by choosing its quantiser resolution.
    """
    n_tiles = math.ceil(width / tile) * math.ceil(height / tile)
    bits = FP16_BITS_PER_VALUE if codec == "fp16" else Q16_BITS_PER_VALUE
    extra = 0 if codec == "fp16" else n_values * 4
    return (n_tiles * n_values * bits / 8 + extra + 110) * 8 / (width * height)


def quality_for_bpp(ladder: shipped.Ladder, bpp: float, width: int, height: int, codec: str = "fp16") -> int:
    """The level whose rate lands nearest ``bpp`` (in log-rate)."""
    if not bpp > 0:
        raise InrzipError("--bpp must be positive")
    rates = [nominal_bpp(lv.n_values, ladder.cfg.tile, width, height, codec) for lv in ladder.levels]
    return 1 + int(np.argmin([abs(math.log(r / bpp)) for r in rates]))


@dataclass(frozen=True)
class Encoded:
    """A finished encode: the file bytes and what the CLI reports."""

    data: bytes
    header: Header
    psnr: float
    seconds: float

    @property
    def bpp(self) -> float:
        return len(self.data) * 8 / (self.header.width * self.header.height)


def fit_image(
    rgb: np.ndarray,
    ladder: shipped.Ladder,
    level: shipped.Level,
    steps: int,
    lr: float,
    dev: torch.device,
    chunk: int | None = None,
    on_step: Callable[[int, int], None] | None = None,
    compact: bool = True,
) -> np.ndarray:
    """Every tile's fitted values ``[tiles, K + 3]``, a chunk of tiles at a time (bounded memory).

    With ``compact`` the fit runs on the level's live hidden units only (:func:`siren.compact`):
    the same values up to float rounding, several times faster at sparse levels.
    """
    return fit_tiles([rgb], ladder, level, steps, lr, dev, chunk, on_step, compact)[0]


def fit_tiles(
    images: list[np.ndarray],
    ladder: shipped.Ladder,
    level: shipped.Level,
    steps: int,
    lr: float,
    dev: torch.device,
    chunk: int | None = None,
    on_step: Callable[[int, int], None] | None = None,
    compact: bool = True,
) -> list[np.ndarray]:
    """Fit the tiles of several images as one stream of batches (chunks span image borders).

    Each tile's result does not depend on its batch-mates (see :func:`fitting.fit`), so an image
    gets the same values alone or in a crowd; the crowd just keeps the batches full.
    """
    cfg = ladder.cfg
    net = _network(ladder, level, compact, dev)
    coords = siren.tile_grid(cfg.tile).to(dev)
    start_values = torch.from_numpy(init_values(ladder, level)).to(dev)

    def fit_chunk(target: torch.Tensor, weight: torch.Tensor, report) -> np.ndarray:
        values = fitting.fit(
            net.cfg, net.theta, net.bias, net.mask, coords, target, steps=steps, lr=lr, weight=weight, on_step=report
        )
        return (net.expand(values, start_values) if compact else values).cpu().numpy()

    return _fit_chunks(images, cfg.tile, level.n_values, fit_chunk, dev, chunk, steps, on_step)


def _fit_chunks(
    images: list[np.ndarray],
    tile: int,
    n_values: int,
    fit_chunk: Callable,
    dev: torch.device,
    chunk: int | None,
    steps: int,
    on_step: Callable[[int, int], None] | None,
) -> list[np.ndarray]:
    """Run ``fit_chunk(target, weight, report) -> [b, n_values]`` over the tiles of all images, a chunk at a time."""
    chunk = chunk or default_chunk(dev)
    counts = [math.prod(tiles.grid_shape(*rgb.shape[:2], tile)) for rgb in images]
    owner = np.repeat(np.arange(len(images)), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    outs = [np.empty((n, n_values), np.float32) for n in counts]
    total = int(sum(counts))
    n_chunks = math.ceil(total / chunk)
    for k, start in enumerate(range(0, total, chunk)):
        stop = min(start + chunk, total)
        parts = []
        for i in np.unique(owner[start:stop]):  # the slice of each image inside this chunk
            a, b = max(start, first[i]) - first[i], min(stop, first[i] + counts[i]) - first[i]
            parts.append((i, a, b, *tiles.extract(images[i], tile, a, b)))
        target = torch.from_numpy(np.concatenate([p[3] for p in parts])).to(dev)
        weight = torch.from_numpy(np.concatenate([p[4] for p in parts])).to(dev)
        report = None if on_step is None else (lambda s, _loss, k=k: on_step(k * steps + s + 1, n_chunks * steps))
        values = fit_chunk(target, weight, report)
        row = 0
        for i, a, b, *_ in parts:
            outs[i][a:b] = values[row : row + b - a]
            row += b - a
    return outs


def default_chunk(dev: torch.device) -> int:
    """Tiles per batch: small on CPU (cache-sized), large on GPU (one launch does the whole image)."""
    return ENCODE_CHUNK if dev.type == "cpu" else 16384


def _network(ladder: shipped.Ladder, level: shipped.Level, compact: bool, dev: torch.device):
    """The level's network on ``dev``, compacted to its live units unless asked not to."""
    theta, bias, mask = (torch.from_numpy(a) for a in (level.theta, level.bias, level.mask))
    if compact:
        c = siren.compact(ladder.cfg, theta, bias, mask)
        return siren.Compacted(c.cfg, c.theta.to(dev), c.bias.to(dev), c.mask.to(dev), c.keep.to(dev))
    full = torch.arange(level.n_weights, device=dev)
    return siren.Compacted(ladder.cfg, theta.to(dev), bias.to(dev), mask.to(dev), full)


def encode(rgb: np.ndarray, **options) -> Encoded:
    """Fit every tile of ``rgb [H,W,3] uint8`` from the shared init and pack the surviving weights.

    ``codec="fp16"`` stores the values as half floats (the paper's format); ``"q16"`` stores
    integer differences from the init with ``bits`` of resolution, or, given ``bpp`` and no
    ``bits``, the resolution that lands the file nearest that rate. Options: see :func:`encode_batch`.
    """
    return encode_batch([rgb], **options)[0]


def encode_batch(
    images: list[np.ndarray],
    quality: int | None = None,
    bpp: float | None = None,
    steps: int = DEFAULT_STEPS,
    lr: float | None = None,
    device: str = "auto",
    seed: int = 0,
    init: str = shipped.DEFAULT_INIT,
    codec: str | None = None,
    bits: float | None = None,
    chunk: int | None = None,
    on_step: Callable[[int, int], None] | None = None,
    compact: bool = True,
) -> list[Encoded]:
    """Encode several images in one vectorised run: the tiles of all images sharing a level are fitted together.

    Each file is the same as encoding its image alone (per-tile losses, element-wise Adam).
    ``seconds`` of each result is the run's wall time shared out by tile count.
    """
    t0 = time.perf_counter()
    for rgb in images:
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise InrzipError("encode expects an [H, W, 3] uint8 image")
    if steps < 0:
        raise InrzipError("--steps must be >= 0")
    if lr is not None and not lr > 0:
        raise InrzipError("--lr must be positive")
    if codec is not None and codec not in container.CODECS:
        raise InrzipError(f"unknown codec {codec!r} ({', '.join(container.CODECS)})")
    if bits is not None and not 1 <= bits <= 14:
        raise InrzipError("--bits must be between 1 and 14")
    if bpp is not None and not bpp > 0:
        raise InrzipError("--bpp must be positive")
    try:
        ladder = shipped.load(init)
    except (FileNotFoundError, ValueError) as e:
        raise InrzipError(str(e)) from None
    if isinstance(ladder, basis.BasisLadder):
        if codec not in (None, "ans") or bits is not None:
            raise InrzipError(f"{ladder.name} stores ANS-coded coefficients: --codec fp16/q16 and --bits do not apply")
        return _encode_basis(images, ladder, quality, bpp, steps, lr or HEAD_LR, device, seed, chunk, on_step, t0)
    if codec == "ans":
        raise InrzipError(f"--codec ans needs a shared-body initialization, and {ladder.name} is not one")
    codec = codec or "fp16"
    lr = lr or DEFAULT_LR
    levels = []
    for rgb in images:
        h, w, _ = rgb.shape
        q = quality
        if q is None:
            q = quality_for_bpp(ladder, bpp, w, h, codec) if bpp is not None else default_quality(ladder, codec)
        try:
            levels.append(ladder.level(q))
        except ValueError as e:
            raise InrzipError(str(e)) from None
    dev = pick_device(device)
    torch.manual_seed(seed)
    values: list[np.ndarray | None] = [None] * len(images)
    counts = [_n_tiles(rgb, ladder) for rgb in images]
    total, done = sum(counts), 0
    for q in sorted({lv.quality for lv in levels}):  # one batched fit per level
        members = [i for i, lv in enumerate(levels) if lv.quality == q]
        share = sum(counts[i] for i in members)
        report = None
        if on_step is not None:  # one bar for the whole run, in tiles
            report = lambda d, n, base=done, share=share: on_step(base + share * d // n, total)  # noqa: E731
        batch = [images[i] for i in members]
        fitted = fit_tiles(batch, ladder, ladder.level(q), steps, lr, dev, chunk, report, compact)
        for i, v in zip(members, fitted, strict=True):
            values[i] = v
        done += share
    fit_seconds = time.perf_counter() - t0
    results = []
    for rgb, level, v in zip(images, levels, values, strict=True):
        h, w, _ = rgb.shape
        data = pack(ladder, level, v, w, h, codec, bits, bpp)
        header, _ = container.read_header(data)
        seconds = fit_seconds * _n_tiles(rgb, ladder) / max(total, 1)
        recon = decode(data, device=device)
        results.append(Encoded(data, header, psnr_uint8(rgb, recon), seconds))
    return results


def _encode_basis(
    images: list[np.ndarray],
    ladder: basis.BasisLadder,
    quality: int | None,
    bpp: float | None,
    steps: int,
    lr: float,
    device: str,
    seed: int,
    chunk: int | None,
    on_step: Callable[[int, int], None] | None,
    t0: float,
) -> list[Encoded]:
    """Shared-body ladders: fit every tile's coefficients in one batched run, then quantise and code each image.

    One fit serves every step index (the functions are orthonormal), so ``--bpp`` only re-packs.
    """
    try:  # the step of a fixed level (--quality, or the default when no --bpp is given)
        fixed_s = ladder.s_for(quality if quality is not None else default_quality(ladder))
    except ValueError as e:
        raise InrzipError(str(e)) from None
    torch.manual_seed(seed)
    coefs = fit_basis(images, ladder, steps, lr, pick_device(device), chunk, on_step)
    total = sum(c.shape[0] for c in coefs)
    fit_seconds = time.perf_counter() - t0
    results = []
    for rgb, coef in zip(images, coefs, strict=True):
        h, w, _ = rgb.shape
        if bpp is not None and quality is None:
            data = _basis_rate_control(ladder, coef, w, h, bpp * w * h / 8)
        else:
            data = pack_basis(ladder, fixed_s, coef, w, h)
        header, _ = container.read_header(data)
        recon = decoder.decode(data)
        results.append(Encoded(data, header, psnr_uint8(rgb, recon), fit_seconds * coef.shape[0] / max(total, 1)))
    return results


def fit_basis(
    images: list[np.ndarray],
    ladder: basis.BasisLadder,
    steps: int = DEFAULT_STEPS,
    lr: float = HEAD_LR,
    dev: torch.device | None = None,
    chunk: int | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> list[np.ndarray]:
    """Every tile's fitted coefficients ``[tiles, 3, K]`` per image, one batched run (:func:`fitting.fit_head`)."""
    dev = dev or torch.device("cpu")
    coords = siren.tile_grid(ladder.cfg.tile).numpy()
    phi = torch.from_numpy(basis.functions(ladder, coords)).to(dev)
    rms = torch.from_numpy(ladder.rms).to(dev)
    mean = torch.from_numpy(ladder.colour_mean).to(dev)
    colour = torch.from_numpy(ladder.colour).to(dev)

    def fit_chunk(target: torch.Tensor, weight: torch.Tensor, report) -> np.ndarray:
        coef = fitting.fit_head(phi, rms, (target - mean) @ colour, steps, lr, weight, report)
        return coef.reshape(coef.shape[0], -1).cpu().numpy()

    coefs = _fit_chunks(images, ladder.cfg.tile, 3 * ladder.k, fit_chunk, dev, chunk, steps, on_step)
    return [c.reshape(-1, 3, ladder.k) for c in coefs]


def pack_basis(ladder: basis.BasisLadder, s: int, coef: np.ndarray, width: int, height: int) -> bytes:
    """The .inrz bytes of fitted coefficients ``[tiles, 3, K]`` at step index ``s``."""
    keep = basis.mask(ladder, s)
    q = basis.deadzone_quantize(coef[:, keep], s, ladder.deadzone)
    raw = entropy.encode(q, basis.classes(ladder, s), *basis.tables_for(ladder, s), basis.RMAX)
    fields = dict(
        init=ladder.id,
        quality=s,
        width=width,
        height=height,
        tile=ladder.cfg.tile,
        codec="ans",
        values=int(keep.sum()),
        tiles=coef.shape[0],
    )
    return container.write(fields, raw)


def _basis_rate_control(ladder: basis.BasisLadder, coef: np.ndarray, w: int, h: int, target_bytes: float) -> bytes:
    """Bisect the step index (16 per octave) for the file nearest ``target_bytes``; size grows with the index."""
    lo, hi = basis.S_RANGE
    cache: dict[int, bytes] = {}

    def packed(s: int) -> bytes:
        if s not in cache:
            cache[s] = pack_basis(ladder, s, coef, w, h)
        return cache[s]

    while lo < hi:  # the largest index whose file fits, or the smallest index
        mid = (lo + hi + 1) // 2
        if len(packed(mid)) <= target_bytes:
            lo = mid
        else:
            hi = mid - 1
    options = [packed(lo)] + ([packed(lo + 1)] if lo < basis.S_RANGE[1] else [])
    return min(options, key=lambda d: abs(len(d) - target_bytes))


def _n_tiles(rgb: np.ndarray, ladder: shipped.Ladder) -> int:
    return math.prod(tiles.grid_shape(*rgb.shape[:2], ladder.cfg.tile))


def pack(
    ladder: shipped.Ladder,
    level: shipped.Level,
    values: np.ndarray,
    width: int,
    height: int,
    codec: str = "fp16",
    bits: float | None = None,
    bpp: float | None = None,
) -> bytes:
    """The .inrz bytes for fitted ``values``: one fit can be packed with several codecs (bench does)."""
    fields = dict(
        init=ladder.id,
        quality=level.quality,
        width=width,
        height=height,
        tile=ladder.cfg.tile,
        codec=codec,
        values=level.n_values,
        tiles=values.shape[0],
    )
    if codec == "fp16":
        return container.write(fields, values)
    if bits is not None or bpp is None:
        return container.write(fields, quant.quantize(values, init_values(ladder, level), bits or DEFAULT_BITS))
    return _rate_control(fields, values, init_values(ladder, level), bpp * width * height / 8)


def _rate_control(fields: dict, values: np.ndarray, v0: np.ndarray, target_bytes: float) -> bytes:
    """Bisect the quantiser resolution (fractional bits) until the file is as near ``target_bytes`` as it gets."""
    lo, hi = 1.0, 14.0
    best = None
    for _ in range(14):
        mid = (lo + hi) / 2
        data = container.write(fields, quant.quantize(values, v0, mid))
        if best is None or abs(len(data) - target_bytes) < abs(len(best) - target_bytes):
            best = data
        if len(data) > target_bytes:
            hi = mid
        else:
            lo = mid
    return best


def default_quality(ladder: shipped.Ladder | basis.BasisLadder, codec: str = "fp16") -> int:
    """The level nearest 1 bpp on the tile grid (shared-body ladders: the middle level, ~1 bpp on Kodak)."""
    if isinstance(ladder, basis.BasisLadder):
        return (len(ladder.qualities) + 1) // 2
    return quality_for_bpp(ladder, 1.0, ladder.cfg.tile * 64, ladder.cfg.tile * 64, codec)


def decode(data: bytes, size: str | None = None, device: str = "auto", chunk: int = DECODE_CHUNK) -> np.ndarray:
    """Render a .inrz file to ``[H,W,3]`` uint8 at its own size or any ``size`` (see :mod:`decoder`).

    On the CPU the numpy renderer runs; on a GPU the same loop evaluates the torch networks.
    """
    job = decoder.prepare(data, size)
    dev = pick_device(device)
    shared_body = isinstance(job.ladder, basis.BasisLadder)  # its render is a few small matmuls: numpy
    evaluate = None if dev.type == "cpu" or shared_body else torch_network(job.ladder, job.level, dev)
    return decoder.finish(job, decoder.render(job, evaluate, chunk))


def torch_network(
    ladder: shipped.Ladder, level: shipped.Level, dev: torch.device, compact: bool = True
) -> decoder.Evaluate:
    """The level's networks as a torch evaluator for :func:`decoder.render` (GPU decode, benchmarks)."""
    net = _network(ladder, level, compact, dev)
    index = masks.mask_index(net.mask)

    @torch.no_grad()
    def evaluate(values: np.ndarray, coords: np.ndarray) -> np.ndarray:
        v = net.values(torch.from_numpy(values).to(dev))
        return siren.forward_values(net.cfg, v, net.bias, index, torch.from_numpy(coords).to(dev)).cpu().numpy()

    return evaluate


def psnr_uint8(a: np.ndarray, b: np.ndarray, band: int = 1 << 20) -> float:
    """RGB PSNR in dB, data range 255, over all pixels and channels; ~``band`` samples at a time (bounded memory)."""
    fa, fb = a.reshape(-1), b.reshape(-1)
    sse = 0
    for start in range(0, fa.size, band):
        d = fa[start : start + band].astype(np.int32) - fb[start : start + band].astype(np.int32)
        sse += int(np.dot(d, d))
    if sse == 0:
        return float("inf")
    return float(10 * np.log10(255.0**2 * fa.size / sse))
