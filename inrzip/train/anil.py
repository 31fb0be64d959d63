"""Meta-learning the shared body: ANIL (Raghu et al. 2020) with the inner loop solved in closed form.

When a tile adapts only the last layer, the inner problem is linear least squares, so the
best head after adaptation is the projection of the tile onto the body's span (as in R2-D2,
Bertinetto et al. 2019). The outer loop therefore trains the body to minimise the projection
error over training tiles: MAML's objective with an exact inner solver. The shipped head init is
zero (tiles are centred by the colour mean), and what a 100-step Adam fit then reaches is the
projection itself (measured: README).

Then, in closed form: the colour KLT, an orthonormal basis of the span ordered by variance
per channel (KLT within the span), each coefficient's rms, and the entropy tables.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from ..codecs.basis import entropy
from ..codecs.basis import model as basis
from ..nets import torch_siren as siren
from ..nets.arch import SirenConfig
from ..nets.optim import adam
from . import manifest
from .data import CropSampler

DEADZONE = 0.7  # rounding threshold (val: README)


def body_features(cfg: SirenConfig, body_w: torch.Tensor, body_b: torch.Tensor, coords: torch.Tensor) -> torch.Tensor:
    """torch twin of :func:`basis.features`: ``[N, width + 1]``."""
    h = siren.forward(cfg, body_w[None], body_b[None], coords, head=False)[0]
    return torch.cat([torch.ones(h.shape[0], 1, dtype=h.dtype), h], dim=1)


def projection_loss(feat: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """MSE of tiles ``z [B, N, 3]`` after the best head: their residual off the span of ``feat [N, F]``."""
    q, _ = torch.linalg.qr(feat)
    fitted = torch.einsum("nk,bkc->bnc", q, torch.einsum("nk,bnc->bkc", q, z))
    return (z - fitted).square().mean()


def fine_grid(tile: int, factor: int) -> tuple[torch.Tensor, np.ndarray]:
    """The ``factor``-times finer pixels inside a tile's sample span: coordinates ``[M, 2]`` (x, y; the tile
    grid's local system) and their indices in the ``tile*factor`` square crop the tile was downscaled from."""
    x = (np.arange(tile * factor) + 0.5) / factor - 0.5  # in coarse pixels, as the decoder maps output pixels
    inside = np.flatnonzero((x >= 0) & (x <= tile - 1))
    local = torch.from_numpy(-1.0 + 2.0 * x[inside] / (tile - 1)).float()
    yy, xx = torch.meshgrid(local, local, indexing="ij")
    rows, cols = np.meshgrid(inside, inside, indexing="ij")
    return torch.stack([xx, yy], dim=-1).reshape(-1, 2), (rows * tile * factor + cols).reshape(-1)


def upscale_pairs(
    train_dir: str, tile: int, factor: int, count: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Training pairs for the upscaling prior: ``count`` crops of ``tile*factor`` pixels, their downscale to
    ``tile`` (antialiased bicubic, close to the bench's Lanczos) ``[count, tile^2, 3]``, the fine pixels inside
    the tile's span ``[count, M, 3]`` and their coordinates ``[M, 2]``."""
    sampler = CropSampler(train_dir, tile * factor, seed + factor)
    fine = torch.cat([sampler.sample(500) for _ in range(math.ceil(count / 500))])[:count]
    side = tile * factor
    images = fine.reshape(count, side, side, 3).permute(0, 3, 1, 2)
    coarse = torch.nn.functional.interpolate(images, size=(tile, tile), mode="bicubic", antialias=True)
    coarse = coarse.clamp(0, 1).permute(0, 2, 3, 1).reshape(count, tile * tile, 3)
    coords, index = fine_grid(tile, factor)
    return coarse, fine[:, torch.from_numpy(index)], coords


def upscale_loss(
    coarse_feat: torch.Tensor, fine_feat: torch.Tensor, zc: torch.Tensor, zf: torch.Tensor
) -> torch.Tensor:
    """MSE on the fine pixels ``zf`` of the head fitted (least squares) on the coarse ones ``zc``."""
    q, r = torch.linalg.qr(coarse_feat)
    head = torch.linalg.solve_triangular(r, torch.einsum("nk,bnc->bkc", q, zc), upper=True)
    return (torch.einsum("mk,bkc->bmc", fine_feat, head) - zf).square().mean()


def colour_space(tiles: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The training pixels' mean colour and colour KLT (orthonormal columns, the luma-like axis first)."""
    flat = tiles.reshape(-1, 3)
    _, colour = torch.linalg.eigh(torch.cov(flat.T))
    return flat.mean(0), colour.flip(1)


def derive_basis(feat: torch.Tensor, z: torch.Tensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From the trained body's features ``[N, F]`` and the training tiles ``z [B, N, 3]``: per channel the
    orthonormal basis of the span ordered by variance ``[3, F, K]`` (a KLT within the span), each
    coefficient's rms ``[3, K]`` and the training tiles' coefficients ``[B, 3, K]``."""
    q, r = torch.linalg.qr(feat.double())
    coef = torch.einsum("nk,bnc->bck", q, z.double())  # [B, 3, F]
    bases, rms, klt = [], [], []
    for c in range(3):
        eigval, eigvec = torch.linalg.eigh(coef[:, c].T @ coef[:, c] / coef.shape[0])
        eigvec = eigvec.flip(1)  # largest variance first
        bases.append(torch.linalg.solve_triangular(r, eigvec, upper=True))  # features -> orthonormal functions
        rms.append(eigval.flip(0).clamp_min(1e-12).sqrt())
        klt.append(coef[:, c] @ eigvec)
    klt_all = torch.stack(klt, dim=1).float().numpy()
    return torch.stack(bases).float().numpy(), torch.stack(rms).float().numpy(), klt_all


def train(
    train_dir: str,
    out: Path,
    cfg: SirenConfig,
    steps: int = 3000,
    batch: int = 512,
    n_tiles: int = 100_000,
    lr: float = 1e-4,
    qualities: tuple[int, ...] = tuple(range(28, 85, 4)),
    seed: int = 0,
    command: str = "",
    log: Callable[[str], None] = print,
    upscale: tuple[int, ...] = (),
    upscale_weight: float = 1.0,
    upscale_tiles: int = 8000,
) -> Path:
    """Train the body, derive the basis and tables, and write the ladder to ``out`` (and its manifest entry).

    With ``upscale`` factors the outer loss adds, times ``upscale_weight``, the error on the fine pixels of a
    head fitted on their downscale (the inner problem stays a least-squares fit; only the outer loss changes):
    a body whose tiles, fitted on coarse pixels, predict the fine ones.
    """
    torch.manual_seed(seed)
    t0 = time.time()
    sampler = CropSampler(train_dir, cfg.tile, seed)
    tiles = torch.cat([sampler.sample(2000) for _ in range(math.ceil(n_tiles / 2000))])[:n_tiles].double()
    log(f"{tiles.shape[0]} training tiles from {len(sampler.images)} photos ({time.time() - t0:.0f} s)")
    colour_mean, colour = colour_space(tiles)
    z = ((tiles - colour_mean) @ colour).float()
    theta, bias = siren.init_params(cfg)  # SIREN init; the last layer (the head) is not part of the body
    body_w = theta[: -cfg.width * cfg.out_features].clone().requires_grad_(True)
    body_b = bias[: -cfg.out_features].clone().requires_grad_(True)
    coords = siren.tile_grid(cfg.tile)
    gen = torch.Generator().manual_seed(seed)
    pairs = []
    for factor in upscale:
        coarse, fine, fine_coords = upscale_pairs(train_dir, cfg.tile, factor, upscale_tiles, seed)
        to_z = lambda a: ((a.double() - colour_mean) @ colour).float()  # noqa: E731
        pairs.append((to_z(coarse), to_z(fine), fine_coords))
        log(f"{upscale_tiles} upscaling pairs at x{factor} ({time.time() - t0:.0f} s)")

    def loss(_: int) -> torch.Tensor:
        pick = torch.randint(z.shape[0], (batch,), generator=gen)
        feat = body_features(cfg, body_w, body_b, coords)
        total = projection_loss(feat, z[pick])
        for zc, zf, fine_coords in pairs:
            pick = torch.randint(zc.shape[0], (batch // 4,), generator=gen)
            fine_feat = body_features(cfg, body_w, body_b, fine_coords)
            total = total + upscale_weight / len(pairs) * upscale_loss(feat, fine_feat, zc[pick], zf[pick])
        return total

    def report(it: int, value: torch.Tensor) -> None:
        if it % 250 == 0 or it == steps - 1:
            log(f"step {it}: loss {-10 * math.log10(value.item()):.2f} dB ({time.time() - t0:.0f} s)")

    adam([body_w, body_b], loss, steps, lr, report)
    settings = dict(steps=steps, batch=batch, n_tiles=n_tiles, lr=lr, seed=seed, deadzone=DEADZONE)
    if upscale:
        settings |= dict(upscale=list(upscale), upscale_weight=upscale_weight, upscale_tiles=upscale_tiles)
    return save_body(out, cfg, body_w, body_b, z, colour_mean, colour, qualities, train_dir, command, settings, t0, log)


def save_body(
    out: Path,
    cfg: SirenConfig,
    body_w: torch.Tensor,
    body_b: torch.Tensor,
    z: torch.Tensor,
    colour_mean: torch.Tensor,
    colour: torch.Tensor,
    qualities: tuple[int, ...],
    train_dir: str,
    command: str,
    settings: dict,
    t0: float,
    log: Callable[[str], None] = print,
) -> Path:
    """Derive, from a trained body and the training tiles in colour-KLT space ``z``, the basis, rms and entropy
    tables; write the ladder to ``out`` and its manifest entry."""
    coords = siren.tile_grid(cfg.tile)
    with torch.no_grad():
        feat = body_features(cfg, body_w, body_b, coords)
        ceiling = -10 * math.log10(projection_loss(feat, z).item())  # of any head, over all training tiles
        basis_m, rms_t, klt = derive_basis(feat, z)
    lrms = np.round(basis.PER_OCTAVE * np.log2(rms_t)).astype(np.int32)
    arrays = dict(
        body_w=body_w.detach().numpy(),
        body_b=body_b.detach().numpy(),
        basis=basis_m,
        rms=rms_t,
        lrms=lrms,
        colour_mean=np.asarray(colour_mean, np.float32),
        colour=np.asarray(colour, np.float32),
        deadzone=np.array(DEADZONE),
    )
    arrays["pmf"], arrays["activity_pmf"], arrays["group_first"] = tables(
        lambda s: basis.deadzone_quantize(klt[:, basis.stored(lrms, s)], s, DEADZONE), lrms, qualities
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    basis.save(out, cfg, arrays, list(qualities))
    manifest.record(out, command, train_dir, cfg, settings, time.time() - t0, {"projection_psnr": round(ceiling, 2)})
    log(f"wrote {out}: projection PSNR over the training tiles {ceiling:.2f} dB ({time.time() - t0:.0f} s)")
    return out


def tables(
    quantized: Callable[[int], np.ndarray],
    lrms: np.ndarray,
    qualities: tuple[int, ...],
    predicted: int = 0,
    chroma_classes: bool = False,
    grids: list[tuple[int, int]] | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Categorical models of q per (step octave, activity bucket, class) and of the bucket per octave, counted
    over ``quantized(s) [B, n]``, the training tiles' q at step index ``s`` (the columns :func:`basis.stored`
    keeps; ``predicted``: the coefficients a predicting init always stores), at every other step index of each
    octave that the qualities touch. ``chroma_classes``: classes as :func:`basis.column_classes` gives them;
    ``grids``: the tile grids (rows, columns) of the photos whose tiles ``quantized`` concatenates, row-major:
    then the bucket's model is counted per (upper, left) neighbour's bucket.

    One set per octave: measured on val, 11-16 % fewer bits than one set pooled over all rates
    (README). Every symbol keeps a small floor, so any q in range stays codable (at a cost).
    Returns the tables (float32: exact in the float64 the coder takes) and the first octave.
    """
    width = 2 * basis.RMAX + 1
    n_cls = basis.n_classes(chroma_classes)
    contexts = () if grids is None else (basis.N_ACTIVITY + 1, basis.N_ACTIVITY + 1)
    first, last = min(qualities) // basis.PER_OCTAVE, max(qualities) // basis.PER_OCTAVE
    pmfs, activity_pmfs = [], []
    for octave in range(first, last + 1):
        counts = np.zeros(basis.N_ACTIVITY * n_cls * width)
        buckets = np.zeros((*contexts, basis.N_ACTIVITY))
        for s in range(octave * basis.PER_OCTAVE, (octave + 1) * basis.PER_OCTAVE, 2):
            keep = basis.stored(lrms, s, predicted)
            q = quantized(s)
            act = basis.activity(q)
            cls = np.broadcast_to(basis.column_classes(lrms, s, chroma_classes)[keep], q.shape)
            index = (act[:, None] * n_cls + cls) * width + q + basis.RMAX
            counts += np.bincount(index.reshape(-1), minlength=counts.size)
            buckets += _bucket_counts(act, grids)
        pmf = _borrow_empty(counts.reshape(basis.N_ACTIVITY, n_cls, width)) + 0.01
        pmfs.append(pmf / pmf.sum(axis=2, keepdims=True))
        activity_pmfs.append((buckets + 1.0) / (buckets + 1.0).sum(axis=-1, keepdims=True))
    return np.stack(pmfs).astype(np.float32), np.stack(activity_pmfs).astype(np.float32), first


def _bucket_counts(act: np.ndarray, grids: list[tuple[int, int]] | None) -> np.ndarray:
    """How often each bucket occurs ``[N_ACTIVITY]``, or with ``grids`` per (upper, left) neighbour's bucket."""
    if grids is None:
        return np.bincount(act, minlength=basis.N_ACTIVITY)
    side = basis.N_ACTIVITY + 1
    out = np.zeros(side * side * basis.N_ACTIVITY)
    start = 0
    for ny, nx in grids:
        a = act[start : start + ny * nx]
        up, left = entropy.activity_contexts(a, (ny, nx), np.arange(a.size))
        out += np.bincount((up * side + left) * basis.N_ACTIVITY + a, minlength=out.size)
        start += ny * nx
    if start != act.size:
        raise ValueError("the grids do not cover the quantised tiles")
    return out.reshape(side, side, basis.N_ACTIVITY)


def _borrow_empty(counts: np.ndarray) -> np.ndarray:
    """``counts [activity, class, symbols]`` with each class no training coefficient fell in given the counts of
    the nearest class that has some (same bucket). A step index outside the trained octaves meets classes none
    of them saw; the floor alone would cost ~10 bits for each of their coefficients, mostly zeros."""
    out = counts.copy()
    for b in range(counts.shape[0]):
        seen = np.flatnonzero(counts[b].sum(axis=1) > 0)
        if seen.size:
            for k in np.flatnonzero(counts[b].sum(axis=1) == 0):
                out[b, k] = counts[b, seen[np.argmin(np.abs(seen - k))]]
    return out
