"""The prior weight of the adapting models, on val: bytes of whole files (every byte counted) of 10 bsd100 photos
at every level under the 0.6.0 default's tables, static (0) and adapting with weight W; the decodes are the same
(only the coding changes). Also checks every file decodes to the encoder's q, and times the entropy coding.

python results/adapt/weights.py
"""
import time
from dataclasses import replace

import numpy as np, torch
torch.set_num_threads(2)
from inrzip import inits
from inrzip.codecs.basis import model as basis, fit, entropy
from inrzip.codecs.basis.codec import pack
RDO_LAMBDA = basis.UNLAPPED.rdoq_lambda  # codec.RDO_LAMBDA before 0.11.0
from inrzip.images import list_images, load_image
from inrzip.tiles import grid_shape

L = inits.load("siren-t16-basis-ctx")
photos = [load_image(p)[0] for p in list_images("../shared/data/val/bsd100")[:10]]
coefs = [fit.fit_images([im], L, 100, 0.5, torch.device("cpu"))[0] for im in photos]
WS = (0, 50, 100, 150, 200, 300)
print("level  " + " ".join(f"{'W' + str(w):>8}" for w in WS) + "   (mean bytes per photo; % vs static)")
tot = {w: 0 for w in WS}
times = {w: [0.0, 0.0] for w in WS}
for level in range(1, 16):
    s = L.s_for(level)
    size = {}
    for w in WS:
        lad = replace(L, adapt_weight=w)
        n = 0
        for im, coef in zip(photos, coefs):
            h, wd = im.shape[:2]
            n += len(pack(lad, s, coef, wd, h))
            if level in (3, 7, 12):
                q = basis.quantize(lad, coef, s, wd, h, False, RDO_LAMBDA)
                cls, grid = basis.classes(lad, s), grid_shape(h, wd, lad.cfg.tile)
                t0 = time.perf_counter()
                raw = entropy.encode(q, cls, *basis.tables_for(lad, s), basis.RMAX, grid, w)
                t1 = time.perf_counter()
                back = entropy.decode(raw, q.shape[0], cls, *basis.tables_for(lad, s), basis.RMAX, grid, w)
                t2 = time.perf_counter()
                assert np.array_equal(back, q)
                times[w][0] += t1 - t0; times[w][1] += t2 - t1
        size[w] = n / len(photos)
        tot[w] += n
    print(f"{level:5d}  " + " ".join(f"{size[w]:8.0f}" for w in WS) + "   "
          + " ".join(f"{100 * (size[w] / size[0] - 1):+.2f}" for w in WS[1:]), flush=True)
print("all    " + " ".join(f"{tot[w] / 150:8.0f}" for w in WS) + "   "
      + " ".join(f"{100 * (tot[w] / tot[0] - 1):+.2f}" for w in WS[1:]))
print("entropy coding ms per photo (levels 3, 7, 12; encode / decode): "
      + ", ".join(f"W{w} {1000 * a / 30:.0f} / {1000 * b / 30:.0f}" for w, (a, b) in times.items()))
