# A lab script of the package's layout before 0.1.0 (modules such as inrzip.codec and inrzip.weights, gone since):
# it runs at commit fcad76c, where it was written (git worktree add /tmp/at-fcad76c fcad76c, then run it there).
"""How close does a 100-step Adam fit get to the least-squares head on the shipped shared-body init?

python results/levers/head_fit.py V/img_001.png,V/img_002.png,V/img_003.png,V/img_004.png
(V = ../shared/data/val/bsd100). Prints the PSNR (unquantised) of the exact projection and of
100 Adam steps on the coefficients, plain (one lr for all) or preconditioned by each
coefficient's training rms (what the codec runs), for several lrs.
"""

import sys

import numpy as np
import torch

from inrzip import basis, codec, data, siren, tiles
from inrzip import fit as fitting
from inrzip import weights as shipped

lad = shipped.load("siren-t16-basis")
phi = torch.from_numpy(basis.functions(lad, siren.tile_grid(lad.cfg.tile).numpy()))
targets = []
for path in sys.argv[1].split(","):
    rgb = data.load_rgb_uint8(path)
    n = int(np.prod(tiles.grid_shape(*rgb.shape[:2], lad.cfg.tile)))
    t, _ = tiles.extract(rgb, lad.cfg.tile, 0, n)
    targets.append(((torch.from_numpy(t) - torch.from_numpy(lad.colour_mean)) @ torch.from_numpy(lad.colour)).float())


def psnr(coef, z):
    return -10 * np.log10((torch.einsum("cnk,bck->bnc", phi, coef) - z).square().mean().item())


print(f"exact projection: {np.mean([psnr(torch.einsum('cnk,bnc->bck', phi, z), z) for z in targets]):.2f} dB")
rms = torch.from_numpy(lad.rms)
for name, scale in (("plain", torch.ones_like(rms)), ("rms-preconditioned", rms)):
    for lr in ((0.01, 0.03, 0.1, 0.3) if name == "plain" else (0.1, 0.3, codec.HEAD_LR, 1.0)):
        fits = [fitting.fit_head(phi, scale, z, steps=100, lr=lr) for z in targets]
        print(f"{name:>18} lr {lr:<5}: {np.mean([psnr(c, z) for c, z in zip(fits, targets)]):.2f} dB")
