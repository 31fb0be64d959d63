# A lab script of the package's layout before 0.1.0 (modules such as inrzip.codec and inrzip.weights, gone since):
# it runs at commit bfed3db, where it was written (git worktree add /tmp/at-bfed3db bfed3db, then run it there).
"""Lever: how much an ideal adaptive entropy coder could save over zstd on q16 payloads.

    python results/levers/entropy_bound.py > results/levers/entropy_bound.txt
"""

import numpy as np
import torch

from inrzip import codec, quant
from inrzip import weights as W
from inrzip.images import load_image

torch.set_num_threads(2)
lad = W.load()
rgb, _ = load_image("../shared/data/val/bsd100/img_005.png")
h, w, _ = rgb.shape
for q in (5, 9):
    lv = lad.level(q)
    vals = codec.fit_image(rgb, lad, lv, 100, 3e-3, torch.device("cpu"))
    for bits in (4, 6):
        data = codec.pack(lad, lv, vals, w, h, "q16", bits)
        z = quant.quantize(vals, codec.init_values(lad, lv), bits).q
        # one adaptive model per value index (column), model cost ignored: a lower bound for any such coder
        entropy = 0.0
        for j in range(z.shape[1]):
            _, c = np.unique(z[:, j], return_counts=True)
            entropy += -(c * np.log2(c / c.sum())).sum()
        print(
            f"level {q} bits {bits}: zstd file {len(data) * 8 / (w * h):.3f} bpp; "
            f"entropy bound {entropy / (w * h):.3f} bpp ({len(data) * 8 / entropy:.2f}x)"
        )
