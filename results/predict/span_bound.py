"""The span's bound on Kodak: every whole tile projected on the shipped body's 193 orthonormal functions per channel,
no quantisation (what no rate can beat), and how often the last luma coefficients are coded at s = 48.

python results/predict/span_bound.py [INIT]   (default siren-t16-basis-ip; 0.5.0: siren-t16-basis-w240)
"""

import sys

import numpy as np

from inrzip import inits
from inrzip.codecs.basis import model as basis
from inrzip.images import list_images, load_image
from inrzip.train import predictor as tp

ip = inits.load(sys.argv[1] if len(sys.argv) > 1 else "siren-t16-basis-ip")
phi = basis.grid_functions(ip)
ps, nzs = [], []
for p in list_images("../shared/data/kodak"):
    rgb, _ = load_image(p)
    ny, nx, coef = tp.photo_coefficients(ip, rgb, 10000)
    rec = np.einsum("cnk,bck->bnc", phi, coef) @ ip.colour.T + ip.colour_mean
    t = rgb[: ny * 16, : nx * 16].astype(np.float32) / 255
    t = t.reshape(ny, 16, nx, 16, 3).transpose(0, 2, 1, 3, 4).reshape(-1, 256, 3)
    ps.append(-10 * np.log10(np.mean((np.clip(rec, 0, 1) - t) ** 2)))
    q = basis.quantize(ip, coef, 48, nx * 16, ny * 16, False, 0.1)
    idx = np.flatnonzero(basis.mask(ip, 48).reshape(-1))  # stored column -> c * K + k
    sel = (idx // ip.k == 0) & (idx % ip.k >= ip.k - 43)
    nzs.append((q[:, sel] != 0).mean())
print(f"Kodak projection PSNR (unquantised, the span's bound): mean {np.mean(ps):.2f} dB, min {np.min(ps):.2f}, "
      f"max {np.max(ps):.2f}")  # fmt: skip
print(f"s=48: share of non-zero q among luma coefficients {ip.k - 43}-{ip.k - 1}: {np.mean(nzs) * 100:.2f} %")
