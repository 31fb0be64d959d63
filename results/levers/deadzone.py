# A lab script of the package's layout before 0.1.0 (modules such as inrzip.codec and inrzip.weights, gone since):
# it runs at commit cdb8a9a, where it was written (git worktree add /tmp/at-cdb8a9a cdb8a9a, then run it there).
"""Dead-zone width of the quantiser, measured on val photos with the shipped body (tables rebuilt per width).

python results/levers/deadzone.py ../shared/data/train ../shared/data/val/bsd100 10
Prints, per dead zone, mean bpp / PSNR over the photos at each quality level, and the BD-rate
against JPEG (Pillow 4:2:0, its own curve on the same photos) over 0.25-1 bpp.
"""

import dataclasses
import sys

import numpy as np
import torch

from inrzip import anil, basis, bench, codec, data, siren, tiles
from inrzip import weights as shipped

train_dir, val_dir, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
lad = shipped.load("siren-t16-basis")
phi = basis.functions(lad, siren.tile_grid(lad.cfg.tile).numpy())
z = (data.CropSampler(train_dir, lad.cfg.tile, 0).sample(50_000).numpy() - lad.colour_mean) @ lad.colour
klt = np.einsum("cnk,bnc->bck", phi, z)
photos = [data.load_rgb_uint8(p) for p in data.list_images(val_dir)[:limit]]
coefs = codec.fit_basis(photos, lad)
jpeg = {q: [] for q in bench.ANCHOR_QUALITIES["jpeg"]}
for rgb in photos:
    for q, b, p in bench.anchor_curve(rgb, "jpeg"):
        jpeg[q].append((b, p))
jpeg_curve = ([np.mean([b for b, _ in v]) for v in jpeg.values()], [np.mean([p for _, p in v]) for v in jpeg.values()])
for dz in (0.5, 0.6, 0.7, 0.8):
    pmf, activity_pmf, first = anil.tables(klt, lad.lrms, lad.qualities, dz)
    trial = dataclasses.replace(lad, pmf=pmf, activity_pmf=activity_pmf, group_first=first, deadzone=dz)
    rates, psnrs = [], []
    for s in trial.qualities:
        bpp, ps = [], []
        for rgb, coef in zip(photos, coefs):
            h, w, _ = rgb.shape
            size = len(codec.pack_basis(trial, s, coef, w, h))
            keep = basis.mask(trial, s)
            deq = np.zeros_like(coef)
            deq[:, keep] = basis.deadzone_quantize(coef[:, keep], s, dz) * basis.step(s)
            n = deq.shape[0]
            coords = np.broadcast_to(siren.tile_grid(lad.cfg.tile).numpy(), (n, lad.cfg.tile**2, 2))
            out = np.rint(np.clip(basis.evaluate(trial, deq, coords), 0, 1) * 255)
            ref, weight = tiles.extract(rgb, lad.cfg.tile, 0, n)
            err = ((out - np.rint(ref * 255)) ** 2 * weight).sum() / (weight.sum() * 3)
            bpp.append(size * 8 / (w * h))
            ps.append(10 * np.log10(255**2 / err))
        rates.append(np.mean(bpp))
        psnrs.append(np.mean(ps))
    bd = bench.bd_rate(jpeg_curve, (rates, psnrs))
    at = bench.psnr_at(rates, psnrs, 0.5)
    print(f"dead zone {dz}: PSNR at 0.5 bpp {at:.2f} dB, BD-rate vs JPEG {bd:+.1f} %  "
          + " ".join(f"{b:.3f}/{p:.2f}" for b, p in zip(rates, psnrs)), flush=True)
print(f"JPEG at 0.5 bpp: {bench.psnr_at(*jpeg_curve, 0.5):.2f} dB")
torch.set_num_threads(1)
