"""Lapping by time-domain pre- and post-filtering (Tran, Liang, Tu 2003) around the shipped tiles, measured before
building: the encoder fits the tiles of a pre-filtered photo (across each tile border, the differences of pixel pairs
mirrored about the border scaled by s_d > 1), the decoder renders the tiles and applies the inverse (the differences
scaled by 1 / s_d), so quantisation's step at a border is shrunk and spread over 2m pixels. No post-filter CNN in
either row (the shipped one learnt unlapped decodes). Val: first 10 bsd100 photos, levels 4-9.

    python results/lap/lap.py INIT  "m:s0,s1,..;m:..."
"""

import sys
from pathlib import Path

import numpy as np
import torch

from inrzip import decoder, images, inits, tiles
from inrzip.codecs.basis import codec, fit
from inrzip.metrics import psnr_uint8
from inrzip.tools.bench import bd_rate, seam_psnr

torch.set_num_threads(2)


def lap_axis(x: np.ndarray, axis: int, s: np.ndarray, tile: int, inverse: bool) -> np.ndarray:
    x = np.moveaxis(x.copy(), axis, 0)
    m, n = len(s), x.shape[0]
    b = np.arange(tile, n, tile)
    b = b[(b - m >= 0) & (b + m <= n)]
    for d in range(m):
        left, right = x[b - 1 - d], x[b + d]
        mean, diff = (left + right) / 2, (left - right) / 2
        diff = diff / s[d] if inverse else diff * s[d]
        x[b - 1 - d], x[b + d] = mean + diff, mean - diff
    return np.moveaxis(x, 0, axis)


def lap(x, s, tile, inverse=False):
    return lap_axis(lap_axis(x, 0, s, tile, inverse), 1, s, tile, inverse)


def render_float(data, init):
    job = decoder.prepare(data, None, init)
    ev = decoder.evaluator(job)
    tile = job.header.tile
    py = tiles.axis_plan(job.header.height, job.render_h, tile)
    px = tiles.axis_plan(job.header.width, job.render_w, tile)
    out = np.empty((job.render_h * job.render_w, 3), np.float32)
    idx = np.arange(job.header.tiles)
    coords, valid, flat = tiles.render_batch(py, px, idx)
    pix = decoder._colours(job, ev, idx, coords)
    out[flat[valid]] = pix[valid]
    return out.reshape(job.render_h, job.render_w, 3), job


init = inits.load(sys.argv[1])
configs = [None] + [np.array([float(v) for v in c.split(":")[1].split(",")]) for c in sys.argv[2].split(";")]
levels = list(range(4, 10))
paths = sorted(Path("../shared/data/val/bsd100").glob("*.png"))[:10]
acc = {}
for path in paths:
    rgb, _ = images.load_image(path)
    h, w, _ = rgb.shape
    for ci, s in enumerate(configs):
        src = rgb if s is None else lap(rgb.astype(np.float32), s, 16)
        torch.manual_seed(0)
        coef = fit.fit_images([src], init, 100, codec.HEAD_LR, torch.device("cpu"))[0]
        for q in levels:
            data = codec.pack(init, init.s_for(q), coef, w, h)
            f, job = render_float(data, init)
            recon = images.to_uint8(f if s is None else lap(f, s, 16, inverse=True))
            b, i = seam_psnr(rgb, recon, 16)
            row = [len(data) * 8 / (w * h), psnr_uint8(rgb, recon), i - b]
            filt = job.codec.restore(job.init, job.level, recon)
            b2, i2 = seam_psnr(rgb, filt, 16)
            acc.setdefault((ci, q), []).append(row + [psnr_uint8(rgb, filt), i2 - b2])
    print(path.name, flush=True)


def at(x, y, target):
    return float(np.interp(np.log(target), np.log(x), y))


curves = {ci: np.array([np.mean(acc[(ci, q)], axis=0) for q in levels]) for ci in range(len(configs))}
ref = curves[0]
lo, hi = max(ref[0, 0], 0.25), min(ref[-1, 0], 1.0)
for ci, m in curves.items():
    bd = bd_rate((list(ref[:, 0]), list(ref[:, 1])), (list(m[:, 0]), list(m[:, 1])), lo, hi)
    bdf = bd_rate((list(ref[:, 0]), list(ref[:, 3])), (list(m[:, 0]), list(m[:, 3])), lo, hi)
    print(f"{'none' if configs[ci] is None else configs[ci]}: no CNN PSNR@0.5 {at(m[:, 0], m[:, 1], 0.5):.3f} gap "
          f"{at(m[:, 0], m[:, 2], 0.5):.3f} BD {bd:+.2f} % | shipped CNN after: {at(m[:, 0], m[:, 3], 0.5):.3f} gap "
          f"{at(m[:, 0], m[:, 4], 0.5):.3f} BD {bdf:+.2f} % | " + " ".join(f"{r[0]:.3f}/{r[1]:.2f}/{r[2]:.2f}" for r in m),
          flush=True)
