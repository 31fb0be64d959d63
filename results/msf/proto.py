"""Prototype: does a post-filter that also sees a coarse (1/4 resolution) view of the decode beat the shipped
one-scale filter at the same training budget? Three networks, the same crops, steps, patches and seed; scored on
10 val photos (bsd100, not the training folder) at levels 2 / 6 / 10, PSNR and border / inner PSNR.

    python results/msf/proto.py STEPS [VARIANT ...]     (VARIANT: base rgb feat; all three by default)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from inrzip import inits, postfilter
from inrzip.decoder import decode
from inrzip.encoder import encode
from inrzip.images import list_images, load_image
from inrzip.metrics import psnr_uint8
from inrzip.nets.numpy_cnn import Window
from inrzip.tools.bench import seam_psnr
from inrzip.train.postfilter import make_pairs, tensors
from inrzip.train.upscaler import network

RUN = Path("runs/msf")
INIT = "runs/ctx/siren-t16-ctx-ip.npz"
F4 = 4


class MultiScale(torch.nn.Module):
    """The one-scale filter plus a branch at 1/4 resolution (pixel-unshuffled RGB, 4x4-pooled extras); the branch
    either adds an RGB correction (``rgb``) or 16 feature planes into the fine branch's third layer (``feat``)."""

    def __init__(self, inputs: int, how: str, width: int = 32, coarse: int = 64, depth: int = 3):
        super().__init__()
        self.how = how
        cin = 3 * F4 * F4 + inputs - 3
        self.c = torch.nn.ModuleList([torch.nn.Conv2d(cin, coarse, 3, padding=1)]
                                     + [torch.nn.Conv2d(coarse, coarse, 3, padding=1) for _ in range(depth)])
        out = 3 if how == "rgb" else 16
        self.c_out = torch.nn.Conv2d(coarse, out * F4 * F4, 3, padding=1)
        self.f = torch.nn.ModuleList([torch.nn.Conv2d(inputs, width, 3, padding=1),
                                      torch.nn.Conv2d(width, width, 3, padding=1),
                                      torch.nn.Conv2d(width + (16 if how == "feat" else 0), width, 3, padding=1),
                                      torch.nn.Conv2d(width, width, 3, padding=1)])
        self.f_out = torch.nn.Conv2d(width, 3, 3, padding=1)
        with torch.no_grad():
            for last in (self.f_out, self.c_out):
                last.weight.mul_(0.1)
                last.bias.zero_()

    def forward(self, x):
        c = torch.cat([F.pixel_unshuffle(x[:, :3], F4), F.avg_pool2d(x[:, 3:], F4)], 1)
        for conv in self.c:
            c = F.relu(conv(c))
        c = F.pixel_shuffle(self.c_out(c), F4)
        h = F.relu(self.f[0](x))
        h = F.relu(self.f[1](h))
        if self.how == "feat":
            h = torch.cat([h, c], 1)
        h = F.relu(self.f[2](h))
        h = F.relu(self.f[3](h))
        y = self.f_out(h)
        return y + c if self.how == "rgb" else y


def fit(net, originals, inputs, steps, patch=96, batch=8, lr=3e-4, edge=24, seed=0, log=print):
    torch.manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    rng = np.random.default_rng(seed + 1)
    crop = originals.shape[2]
    t0 = time.time()
    for step in range(steps):
        pick = torch.from_numpy(rng.integers(len(originals), size=batch))
        y0, x0 = rng.integers((crop - patch) // F4 + 1, size=2) * F4  # the coarse grid stays on the tiles'
        x = inputs[pick, :, y0 : y0 + patch, x0 : x0 + patch]
        t = originals[pick, :, y0 : y0 + patch, x0 : x0 + patch]
        loss = (x[:, :3] + net(x) - t)[:, :, edge:-edge, edge:-edge].square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 500 == 0 or step == steps - 1:
            log(f"  step {step}: {-10 * np.log10(loss.item()):.2f} dB ({time.time() - t0:.0f} s)")
    return net


def val_set(init, levels=(2, 6, 10), n=10):
    out = []
    for p in list_images("../shared/data/val/bsd100")[:n]:
        rgb = load_image(p)[0]
        for q in levels:
            enc = encode(rgb, quality=q, init=init)
            out.append((q, rgb, decode(enc.data, init=init, restore=False), enc.header.quality))
    return out


def score(net, vals, tile):
    rows = {}
    with torch.no_grad():
        for q, rgb, render, s in vals:
            h, w = render.shape[:2]
            extra = postfilter.extra_channels(s, tile, Window(0, h, 0, w))
            x = np.concatenate([render.astype(np.float32) / 255, extra], 2)
            ph, pw = -h % F4, -w % F4
            x = np.pad(x, ((0, ph), (0, pw), (0, 0)), mode="edge")
            xt = torch.from_numpy(x).permute(2, 0, 1)[None]
            y = (xt[:, :3] + net(xt))[0, :, :h, :w].permute(1, 2, 0).numpy()
            rec = np.clip(np.round(y * 255), 0, 255).astype(np.uint8)
            r = rows.setdefault(q, [])
            r.append((psnr_uint8(rgb, rec), *seam_psnr(rgb, rec, tile)))
    return {q: [float(np.mean(c)) for c in zip(*r)] for q, r in rows.items()}


def main():
    steps = int(sys.argv[1])
    variants = sys.argv[2:] or ["base", "rgb", "feat"]
    torch.set_num_threads(2)
    RUN.mkdir(parents=True, exist_ok=True)
    init = inits.load(INIT)
    cache = RUN / "pairs-800.npz"
    if cache.exists():
        z = np.load(cache)
        originals, inputs = torch.from_numpy(z["o"]), torch.from_numpy(z["i"])
    else:
        t0 = time.time()
        originals, inputs = tensors(make_pairs("../shared/data/train", init, 800, 256, 0), init.cfg.tile)
        np.savez(cache, o=originals.numpy(), i=inputs.numpy())
        print(f"pairs {time.time() - t0:.0f} s", flush=True)
    vals = val_set(init)
    plain = score(lambda x: torch.zeros_like(x[:, :3]), vals, init.cfg.tile)
    print("plain", json.dumps(plain), flush=True)
    for v in variants:
        net = network(32, 3, inputs.shape[1]) if v == "base" else MultiScale(inputs.shape[1], v)
        t0 = time.time()
        fit(net, originals, inputs, steps, log=lambda m: print(m, flush=True))
        sec = time.time() - t0
        res = score(net, vals, init.cfg.tile)
        print(v, f"{sec:.0f} s", json.dumps({q: [round(a - b, 3) for a, b in zip(r, plain[q])] for q, r in res.items()}),
              json.dumps(res), flush=True)
        torch.save(net.state_dict(), RUN / f"{v}-{steps}.pt")


if __name__ == "__main__":
    main()
