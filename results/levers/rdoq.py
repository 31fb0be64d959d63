"""Lever: rate-distortion optimised quantisation. Per coefficient, among the dead-zone value q0, q0 one step
further from zero and one step nearer to it (0 included), keep the q that minimises (c - q step)^2 +
lambda step^2 bits(q), bits from the shipped model of the coefficient's (tile activity, class). The decoder
does not change.

python results/levers/rdoq.py ../shared/data/val/bsd100 10 > results/levers/rdoq.txt
"""

import sys

import numpy as np
import torch

from inrzip import decode, images, inits
from inrzip.codecs.basis import codec as basis_codec
from inrzip.codecs.basis import fit as basis_fit
from inrzip.codecs.basis import model as basis
from inrzip.images import list_images
from inrzip.metrics import psnr_uint8
from inrzip.tools.bench import bd_rate, psnr_at
from inrzip.tools.machine import machine

LEVELS = (28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 68)


def rdo_quantize(ladder, coef: np.ndarray, s: int, lam: float) -> np.ndarray:
    keep = basis.mask(ladder, s)
    c = coef[:, keep]
    step = basis.step(s)
    q0 = basis.deadzone_quantize(c, s, ladder.deadzone)
    pmf, _ = basis.tables_for(ladder, s)
    cls = basis.classes(ladder, s)
    act = basis.activity(q0)
    bits = -np.log2(np.maximum(pmf, 1e-300))  # [A, C, 2R+1]
    sign = np.where(c >= 0, 1, -1)
    cands = np.stack([q0, q0 + sign, np.where(q0 != 0, q0 - np.sign(q0), 0)])
    cands = np.clip(cands, -basis.RMAX, basis.RMAX)
    dist = (c[None] - cands * step) ** 2
    rate = bits[act[None, :, None], cls[None, None, :], cands + basis.RMAX]
    best = np.argmin(dist + lam * step * step * rate, axis=0)
    return np.take_along_axis(cands, best[None], 0)[0].astype(np.int32)


def main(folder: str, limit: int) -> None:
    ladder = inits.load()
    torch.set_num_threads(2)
    print(f"machine: {machine()}; init {ladder.name}")
    curves = {}
    original = basis.deadzone_quantize
    for path in list_images(folder)[:limit]:
        rgb, _ = images.load_image(path)
        h, w, _ = rgb.shape
        coef = basis_fit.fit_images([rgb], ladder, 100, 0.5, torch.device("cpu"))[0]
        for lam in (None, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2):
            pts = curves.setdefault(lam, [])
            for s in LEVELS:
                if lam is None:
                    basis.deadzone_quantize = original
                else:
                    q = rdo_quantize(ladder, coef, s, lam)
                    basis.deadzone_quantize = lambda *_a, q=q: q
                data = basis_codec.pack(ladder, s, coef, w, h)
                basis.deadzone_quantize = original
                pts.append((s, len(data) * 8 / (w * h), psnr_uint8(rgb, decode(data))))
        print(path.name, flush=True)
    ref = None
    for lam, pts in curves.items():
        mean = [(np.mean([p[1] for p in pts if p[0] == s]), np.mean([p[2] for p in pts if p[0] == s])) for s in LEVELS]
        bpp, psnr = zip(*mean, strict=True)
        ref = ref or (bpp, psnr)
        print(f"lambda {lam}: at 0.5 bpp {psnr_at(bpp, psnr, 0.5):.2f} dB, BD-rate vs dead zone {bd_rate(ref, (bpp, psnr)):+.2f} %")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
