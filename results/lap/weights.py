"""The encoder's border weights per level, on val (first 10 bsd100 photos, levels 4-9 around 0.5 bpp): each
(fit weight, RDOQ weight) pair's bpp / PSNR / border gap per level, then PSNR and gap at 0.5 bpp (interpolated in
log-rate) and BD-rate over the levels against the shipped pair (4, 8). Encoder-only: every file decodes as before.

    python results/lap/weights.py INIT FIT,FIT.. RDO,RDO.. [LEVELS]
"""

import sys
from pathlib import Path

import numpy as np
import torch

from inrzip import images, inits
from inrzip.codecs.basis import codec, fit
from inrzip.codecs.basis import model as basis
from inrzip.decoder import decode
from inrzip.metrics import psnr_uint8
from inrzip.tools.bench import bd_rate, seam_psnr

torch.set_num_threads(2)
init = inits.load(sys.argv[1])
fits = [float(v) for v in sys.argv[2].split(",")]
rdos = [float(v) for v in sys.argv[3].split(",")]
levels = [int(v) for v in sys.argv[4].split(",")] if len(sys.argv) > 4 else list(range(4, 10))
paths = sorted(Path("../shared/data/val/bsd100").glob("*.png"))[:10]
acc = {}  # (fw, rw, level) -> list of (bpp, psnr, gap)
for path in paths:
    rgb, _ = images.load_image(path)
    h, w, _ = rgb.shape
    for fw in fits:
        torch.manual_seed(0)
        coef = fit.fit_images([rgb], init, 100, codec.HEAD_LR, torch.device("cpu"), border_weight=fw)[0]
        for rw in rdos:
            emphasis = basis.border_emphasis(init, rw)
            for q in levels:
                data = codec.pack(init, init.s_for(q), coef, w, h, emphasis=emphasis)
                recon = decode(data, init=init)
                b, i = seam_psnr(rgb, recon, init.cfg.tile)
                acc.setdefault((fw, rw, q), []).append((len(data) * 8 / (w * h), psnr_uint8(rgb, recon), i - b))
    print(path.name, flush=True)


def at(x, y, target):
    return float(np.interp(np.log(target), np.log(x), y))


curves = {}
for fw in fits:
    for rw in rdos:
        curves[(fw, rw)] = np.array([np.mean(acc[(fw, rw, q)], axis=0) for q in levels])
ref = curves.get((4.0, 8.0), next(iter(curves.values())))
lo, hi = max(ref[0, 0], 0.25), min(ref[-1, 0], 1.0)
for (fw, rw), m in curves.items():
    bd = bd_rate((list(ref[:, 0]), list(ref[:, 1])), (list(m[:, 0]), list(m[:, 1])), lo, hi)
    print(f"fit {fw:g} rdoq {rw:g}: PSNR@0.5 {at(m[:, 0], m[:, 1], 0.5):.3f} gap@0.5 {at(m[:, 0], m[:, 2], 0.5):.3f}"
          f" BD vs (4, 8) {bd if bd is not None else float('nan'):+.2f} %  | " + " ".join(f"{b:.3f}/{p:.2f}/{g:.2f}" for b, p, g in m), flush=True)
