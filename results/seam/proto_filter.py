"""Prototype: a post-filter trained with the tile-border pixels weighted more in its loss. Does it close the
border / interior gap, and at what cost to the whole image's PSNR? Same crops, steps, seed and val scoring as
results/msf/proto.py (whose cached pairs it reads), the shipped filter's shape.

    python results/seam/proto_filter.py STEPS WEIGHT [WEIGHT ...]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "msf"))
from proto import INIT, RUN, score, val_set  # noqa: E402

from inrzip import inits  # noqa: E402
from inrzip.train.upscaler import network  # noqa: E402


def border_weight(x: torch.Tensor, weight: float) -> torch.Tensor:
    """``[B, 1, H, W]``: ``weight`` on pixels in a tile's first or last row or column (read off the cos phase
    channels: cos((i + 1/2) 2 pi / 16) > 0.95 only for i = 0 and 15), 1 elsewhere, normalised to mean 1."""
    edge = (x[:, 4:5] > 0.95) | (x[:, 6:7] > 0.95)
    w = 1.0 + (weight - 1.0) * edge.float()
    return w / w.mean()


def fit(net, originals, inputs, steps, weight, patch=96, batch=8, lr=3e-4, edge=24, seed=0):
    torch.manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    rng = np.random.default_rng(seed + 1)
    crop = originals.shape[2]
    for step in range(steps):
        pick = torch.from_numpy(rng.integers(len(originals), size=batch))
        y0, x0 = rng.integers((crop - patch) // 4 + 1, size=2) * 4
        x = inputs[pick, :, y0 : y0 + patch, x0 : x0 + patch]
        t = originals[pick, :, y0 : y0 + patch, x0 : x0 + patch]
        err = (x[:, :3] + net(x) - t).square() * border_weight(x, weight)
        loss = err[:, :, edge:-edge, edge:-edge].mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    return net


def main():
    steps, weights = int(sys.argv[1]), [float(a) for a in sys.argv[2:]]
    torch.set_num_threads(2)
    init = inits.load(INIT)
    z = np.load(RUN / "pairs-800.npz")
    originals, inputs = torch.from_numpy(z["o"]), torch.from_numpy(z["i"])
    vals = val_set(init)
    plain = score(lambda x: torch.zeros_like(x[:, :3]), vals, init.cfg.tile)
    print("plain (PSNR, border, inner)", json.dumps(plain), flush=True)
    for wb in weights:
        t0 = time.time()
        net = fit(network(32, 3, inputs.shape[1]), originals, inputs, steps, wb)
        res = score(net, vals, init.cfg.tile)
        gaps = {q: round(r[2] - r[1], 3) for q, r in res.items()}
        print(f"border weight {wb}: {time.time() - t0:.0f} s, gain over plain (PSNR, border, inner)",
              json.dumps({q: [round(a - b, 3) for a, b in zip(r, plain[q])] for q, r in res.items()}),
              "gap", json.dumps(gaps), flush=True)


if __name__ == "__main__":
    main()
