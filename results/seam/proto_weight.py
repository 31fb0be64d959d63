"""Prototype: does an encoder that weights tile-border pixels more (weighted least squares on the kept
coefficients, and the RDOQ's distortion weighted to match) close the border / interior gap, and at what cost?
Decoder unchanged. 10 val photos (bsd100, cropped to whole tiles), the default init.

    python results/seam/proto_weight.py [WEIGHT ...]
    python results/seam/proto_weight.py --rdoq-only [WEIGHT ...]   (the plain projection, only the RDOQ weighted)
"""

from __future__ import annotations

import sys

import numpy as np

from inrzip import inits
from inrzip.codecs.basis import model
from inrzip.codecs.basis.codec import pack
from inrzip.decoder import decode
from inrzip.images import list_images, load_image
from inrzip.metrics import psnr_uint8
from inrzip.nets import torch_siren
from inrzip.tiles import extract
from inrzip.tools.bench import seam_psnr

LEVELS = (3, 7, 10)
ORIGINAL = model._rdo_block
D = {}


def weighted_block(ladder, coef, s, cls, lam, bits, emphasis=None):
    """model._rdo_block with each column's distortion weighted by D["d"] (its functions' weighted energy; written
    before the encoder had its own emphasis, which this replaces)."""
    step_size = model.step(s)
    q0 = model.deadzone_quantize(coef, s, ladder.deadzone)
    towards = np.where(q0 != 0, q0 - np.sign(q0), 0)
    cands = np.clip(np.stack([q0, q0 + np.where(coef >= 0, 1, -1), towards]), -model.RMAX, model.RMAX)
    dist = (coef[None] - cands * step_size) ** 2 * D["d"][None, None, :]
    rate = bits[model.activity(q0)[None, :, None], cls[None, None, :], cands + model.RMAX]
    best = np.argmin(dist + lam * step_size * step_size * rate, axis=0)
    return np.take_along_axis(cands, best[None], 0)[0]


def main():
    rdoq_only = "--rdoq-only" in sys.argv
    weights = [float(a) for a in sys.argv[1:] if a != "--rdoq-only"] or [1.0, 1.5, 2.0, 3.0]
    ladder = inits.load(inits.DEFAULT_INIT)
    t = ladder.cfg.tile
    phi = model.functions(ladder, torch_siren.tile_grid(t).numpy())  # [3, N, K]
    ring = np.zeros((t, t), bool)
    ring[[0, -1], :] = ring[:, [0, -1]] = True
    photos = []
    for p in list_images("../shared/data/val/bsd100")[:10]:
        rgb = load_image(p)[0]
        h, w = rgb.shape[0] // t * t, rgb.shape[1] // t * t
        rgb = np.ascontiguousarray(rgb[:h, :w])
        n = (h // t) * (w // t)
        z = (extract(rgb, t, 0, n)[0] - ladder.colour_mean) @ ladder.colour  # [B, N, 3]
        photos.append((rgb, z))
    model._rdo_block = weighted_block
    for wb in weights:
        wp = np.where(ring.reshape(-1), wb, 1.0)
        wp = wp / wp.mean()
        rows = []
        for q in LEVELS:
            s = ladder.s_for(q)
            keep = model.mask(ladder, s)
            d = np.zeros((3, ladder.k))
            solve = []
            for c in range(3):
                pk = phi[c][:, keep[c]].astype(np.float64)
                a = pk.T @ (wp[:, None] * pk) if not rdoq_only else pk.T @ pk
                solve.append(np.linalg.solve(a, pk.T * (wp[None] if not rdoq_only else 1)))  # [k_c, N]: (weighted) LS
                d[c, keep[c]] = np.einsum("nk,n,nk->k", pk, wp, pk)
            D["d"] = d[keep]
            stats = []
            for rgb, z in photos:
                coef = np.zeros((z.shape[0], 3, ladder.k), np.float32)
                for c in range(3):
                    coef[:, c, keep[c]] = z[:, :, c] @ solve[c].T
                data = pack(ladder, s, coef, rgb.shape[1], rgb.shape[0])
                rec = decode(data, init=ladder)
                stats.append((8 * len(data) / (rgb.shape[0] * rgb.shape[1]), psnr_uint8(rgb, rec), *seam_psnr(rgb, rec, t)))
            m = np.mean(stats, axis=0)
            rows.append(f"q{q}: {m[0]:.4f} bpp {m[1]:.3f} dB border {m[2]:.3f} inner {m[3]:.3f} gap {m[3] - m[2]:.3f}")
        print(f"{'rdoq-only ' if rdoq_only else ''}weight {wb}: " + " | ".join(rows), flush=True)
    model._rdo_block = ORIGINAL


if __name__ == "__main__":
    main()
