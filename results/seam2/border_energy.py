"""Where each basis function puts its energy: the share on the tile's border ring (60 of 256 pixels, 0.234 if
spread evenly), by function index (order of spread, largest first), per colour axis of the default init.

    python results/seam2/border_energy.py > results/seam2/border_energy.txt
"""

import numpy as np

from inrzip import inits, tiles
from inrzip.codecs.basis import model

ladder = inits.load(inits.DEFAULT_INIT)
t = ladder.cfg.tile
axis = np.linspace(-1.0, 1.0, t, dtype=np.float32)
yy, xx = np.meshgrid(axis, axis, indexing="ij")
phi = model.functions(ladder, np.stack([xx, yy], axis=-1).reshape(-1, 2)).astype(np.float64)  # [3, N, K]
ring = tiles.border_mask(t, t, t).reshape(-1)
share = (phi[:, ring] ** 2).sum(axis=1)  # [3, K]: each function has unit norm
print(f"{ladder.name}: share of each function's energy on the border ring ({ring.mean():.3f} if even), mean per band")
bands = list(range(0, ladder.k, 30))
print("axis  " + " ".join(f"{a:>3}-{min(a + 29, ladder.k - 1):<3}" for a in bands))
for c in range(3):
    print(f"{c:<5} " + " ".join(f"{share[c, a:a + 30].mean():>7.3f}" for a in bands))
kept = model.mask(ladder, ladder.s_for(6))
print(f"level 6 (~0.5 bpp) keeps {kept.sum(axis=1).tolist()} per axis; their mean share: "
      + ", ".join(f"{share[c, kept[c]].mean():.3f}" for c in range(3)))
