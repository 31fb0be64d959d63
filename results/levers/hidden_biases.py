# A lab script of the package's layout before 0.1.0 (modules such as inrzip.codec and inrzip.weights, gone since):
# it runs at commit d91bc78, where it was written (git worktree add /tmp/at-d91bc78 d91bc78, then run it there).
"""Lever: adapt each tile's hidden biases too (more values per tile), against the ladder's next level.

python results/levers/hidden_biases.py PHOTO[,PHOTO...] LEVEL [LEVEL ...]
python results/levers/hidden_biases.py PHOTO[,PHOTO...] capacity   # levels 9/13/17, 100 vs 1000 steps
"""

import sys

import numpy as np
import torch

from inrzip import fit as F
from inrzip import masks, siren, tiles
from inrzip import weights as W
from inrzip.images import load_image

torch.set_num_threads(2)
lad = W.load()
cfg0 = lad.cfg
paths = sys.argv[1].split(",")


def fit_photo(net, rgb, adapt_bias, steps, lr):
    """PSNR of one photo after the 100-step fit, with or without per-tile hidden biases."""
    cfg = net.cfg
    index = masks.mask_index(net.mask)
    k = index.numel()
    coords = siren.tile_grid(cfg.tile)
    ny, nx = tiles.grid_shape(*rgb.shape[:2], cfg.tile)
    target, weight = (torch.from_numpy(a) for a in tiles.extract(rgb, cfg.tile, 0, ny * nx))
    b = target.shape[0]
    v = siren.initial_values(cfg, net.theta, index).expand(b, -1).clone()
    v[:, k:] = F.mean_offset(cfg, v, net.bias, index, coords, target, weight)
    hb = net.bias[: cfg.width].expand(b, -1).clone()
    params = [v.requires_grad_()] + ([hb.requires_grad_()] if adapt_bias else [])
    opt = torch.optim.Adam(params, lr=lr)

    def sq_err():
        wts, bias = siren.tile_params(cfg, v, net.bias, index)
        return ((siren.forward(cfg, wts, torch.cat([hb, bias[:, cfg.width :]], 1), coords) - target) ** 2) * weight

    for _ in range(steps):
        opt.zero_grad()
        sq_err().sum((1, 2)).div(weight.sum((1, 2)) * 3).sum().backward()
        opt.step()
    with torch.no_grad():
        return 10 * np.log10(float(weight.sum() * 3 / sq_err().sum()))


def run(q, adapt_bias, steps=100, lr=3e-3):
    lv = lad.level(q)
    net = siren.compact(cfg0, *(torch.from_numpy(a) for a in (lv.theta, lv.bias, lv.mask)))
    psnrs = [fit_photo(net, load_image(p)[0], adapt_bias, steps, lr) for p in paths]
    n = int(net.mask.sum()) + 3 + (net.cfg.width if adapt_bias else 0)
    return float(np.mean(psnrs)), n, net.cfg.width


if sys.argv[2] == "capacity":
    for q in (9, 13, 17):
        figs = [
            f"{steps} steps lr {lr:g} {run(q, False, steps, lr)[0]:.2f} dB"
            for steps, lr in ((100, 3e-3), (100, 1e-2), (1000, 3e-3))
        ]
        print(f"level {q} ({lad.level(q).n_values} values): " + " | ".join(figs))
else:
    for q in (int(a) for a in sys.argv[2:]):
        a, b = run(q, False), run(q, True)
        print(
            f"L{q}: weights-only {a[0]:.2f} dB ({a[1]} values)  +hidden biases {b[0]:.2f} dB ({b[1]} values)  "
            f"live units {a[2]}"
        )
