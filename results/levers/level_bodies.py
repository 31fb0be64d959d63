"""Lever: the paper's recipe in the default codec. Meta-SparseINR re-meta-trains the init under each
level's mask; here the shared body is re-trained (ANIL, closed-form inner loop) for one level at a time,
starting from the shipped body, and its rate-distortion compared with the shipped body's at equal size.

Three bodies per level, each refined from the shipped one for the same steps on the same training tiles,
each with its basis, rms and entropy tables re-derived from those tiles (so only the outer loss differs):
- control: the shipped loss (the tiles' error off the body's span), i.e. one body for every level;
- mask: the paper's recipe read literally, the error after keeping only the level's stored coefficients
  (the top ``m_c`` KLT functions of channel c within the span, ``m_c`` from the level's mask);
- rd: the level's quantiser inside the loss: a coefficient under the dead zone costs its square, one above
  it the step's squared error / 12 plus lambda step^2 times its approximate bits (2 + log2 |c| / step);
  the KLT rotation within the span is recomputed each step and held constant in the gradient.

python results/levers/level_bodies.py ../shared/data/train ../shared/data/val/bsd100 > results/levers/level_bodies.txt
"""

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from inrzip import inits
from inrzip.codecs.basis import model as basis
from inrzip.tools.bench import bd_rate, psnr_at
from inrzip.tools.machine import machine
from inrzip.train import anil
from inrzip.train.data import CropSampler

STEPS, BATCH, LR, N_TILES = 600, 512, 1e-4, 30_000
LEVELS = {"q4": 40, "q6": 48}  # ~0.35 and ~0.55 bpp on val
LAMBDA = 0.1155  # the slope of a uniform quantiser's high-rate RD curve: 2 ln 2 / 12


def klt(feat: torch.Tensor, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Tiles' energy off the span ``[B]`` and their KLT coefficients within it ``[B, 3, F]`` (rotation detached)."""
    q, _ = torch.linalg.qr(feat)
    a = torch.einsum("nk,bnc->bck", q, z)
    off = z.square().sum((1, 2)) - a.square().sum((1, 2))
    out = []
    for c in range(3):
        with torch.no_grad():
            _, vec = torch.linalg.eigh(a[:, c].T @ a[:, c] / a.shape[0])
        out.append(a[:, c] @ vec.flip(1))
    return off, torch.stack(out, 1)


def level_loss(kind: str, feat, z, s: int, kept: np.ndarray) -> torch.Tensor:
    n = z.shape[1] * z.shape[2]
    if kind == "control":
        return anil.projection_loss(feat, z)
    off, k = klt(feat, z)
    stored = torch.from_numpy(np.arange(k.shape[2])[None, :] < kept[:, None])  # [3, F]
    dropped = (k.square() * ~stored).sum((1, 2))
    if kind == "mask":
        return (off + dropped).mean() / n
    d = basis.step(s)
    big = (k.abs() >= 0.7 * d) & stored
    dist = torch.where(big, torch.full_like(k, d * d / 12), k.square() * stored).sum((1, 2))
    bits = torch.where(big, 2 + torch.log2(k.abs().clamp_min(1e-9) / d), torch.zeros_like(k)).sum((1, 2))
    return (off + dropped + dist + LAMBDA * d * d * bits).mean() / n


def refine(kind: str, s: int, shipped, z, train_dir: str, out: Path) -> Path:
    cfg = shipped.cfg
    body_w = torch.from_numpy(shipped.body_w.copy()).requires_grad_(True)
    body_b = torch.from_numpy(shipped.body_b.copy()).requires_grad_(True)
    coords = anil.siren.tile_grid(cfg.tile)
    kept = basis.mask(shipped, s).sum(axis=1)
    gen = torch.Generator().manual_seed(1)
    opt = torch.optim.Adam([body_w, body_b], lr=LR)
    t0 = time.time()
    for _ in range(STEPS):
        pick = torch.randint(z.shape[0], (BATCH,), generator=gen)
        loss = level_loss(kind, anil.body_features(cfg, body_w, body_b, coords), z[pick], s, kept)
        opt.zero_grad()
        loss.backward()
        opt.step()
    settings = dict(kind=kind, level=s, steps=STEPS, batch=BATCH, lr=LR, n_tiles=N_TILES, start=shipped.name)
    return anil.save_body(
        out,
        cfg,
        body_w.detach(),
        body_b.detach(),
        z,
        torch.from_numpy(shipped.colour_mean),
        torch.from_numpy(shipped.colour),
        shipped.qualities,
        train_dir,
        "results/levers/level_bodies.py",
        settings,
        t0,
        log=lambda m: print(m, flush=True),
    )


def bench(init: Path, val: str, qualities: list[int]) -> tuple[list, list]:
    out = init.with_suffix(".json")
    args = ["inrzip", "bench", "--data", val, "--limit", "10", "--anchor", "jpeg", "--init", str(init)]
    args += [f"-q{q}" for q in qualities] + ["--json", str(out)]
    subprocess.run(args, check=True, capture_output=True)
    rows = json.loads(out.read_text())["results"]
    return rows["bpp"], rows["psnr-rgb"]


def main(train_dir: str, val: str) -> None:
    torch.set_num_threads(1)
    shipped = inits.load()
    print(f"machine: {machine()}; start {shipped.name}; {STEPS} steps, batch {BATCH}, lr {LR:g}, {N_TILES} tiles")
    tiles = CropSampler(train_dir, shipped.cfg.tile, seed=7).sample(N_TILES).double()
    z = ((tiles - torch.from_numpy(shipped.colour_mean).double()) @ torch.from_numpy(shipped.colour).double()).float()
    work = Path("/tmp/level_bodies")
    work.mkdir(exist_ok=True)
    for name, s in LEVELS.items():
        level = shipped.qualities.index(s) + 1
        around = [q for q in range(level - 2, level + 3) if 1 <= q <= len(shipped.qualities)]
        curves = {}
        for kind in ("control", "mask", "rd"):
            path = refine(kind, s, shipped, z, train_dir, work / f"{name}-{kind}.npz")
            curves[kind] = bench(path, val, around)
            b, p = curves[kind]
            at = math.exp(np.mean(np.log(b)))
            print(f"{name} (s={s}) {kind:<8} levels {around}: " + ", ".join(f"{x:.3f}/{y:.2f}" for x, y in zip(b, p)))
            print(f"    PSNR at {at:.3f} bpp (the control's mean log-rate): {psnr_at(*curves[kind], at)}", flush=True)
        for kind in ("mask", "rd"):
            lo, hi = min(curves["control"][0]), max(curves["control"][0])
            gain = bd_rate(curves["control"], curves[kind], lo, hi)
            print(f"{name}: {kind} vs control BD-rate over {lo:.3f}-{hi:.3f} bpp: {gain:+.2f} %", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
