# A lab script of the package's layout before 0.1.0 (modules such as inrzip.codec and inrzip.weights, gone since):
# it runs at commit d91bc78, where it was written (git worktree add /tmp/at-d91bc78 d91bc78, then run it there).
"""Lever: which (level, q16 bits) pairs lie on the rate-distortion hull, on 4 val photos.

python results/levers/q16_level_vs_bits.py > results/levers/q16_level_vs_bits.txt
"""

import numpy as np
import torch

from inrzip import codec
from inrzip import weights as W
from inrzip.images import load_image

torch.set_num_threads(2)
lad = W.load()
res: dict = {}
for i in (7, 21, 40, 63):
    rgb, _ = load_image(f"../shared/data/val/bsd100/img_{i:03d}.png")
    h, w, _ = rgb.shape
    for q in (3, 5, 7, 9, 11):
        lv = lad.level(q)
        vals = codec.fit_image(rgb, lad, lv, 100, 3e-3, torch.device("cpu"))
        for bits in (2.5, 3, 4, 5, 6, 8):
            data = codec.pack(lad, lv, vals, w, h, "q16", bits)
            res.setdefault((q, bits), []).append((len(data) * 8 / (w * h), codec.psnr_uint8(rgb, codec.decode(data))))
for (q, bits), v in sorted(res.items()):
    a = np.array(v).mean(0)
    print(f"level {q:>2} bits {bits:>3}: {a[0]:.3f} bpp {a[1]:.2f} dB")
