"""Would coding each tile's activity bucket with its left / upper neighbours' buckets as context pay? Bits per
tile of the bucket, model counted on 80 training photos, 10 val photos, the shipped predicting init.

python results/predict/estimate_activity_context.py
"""

import numpy as np
from inrzip import inits
from inrzip.codecs.basis import model as basis
from inrzip.train import predictor as tp
from inrzip.images import list_images
from inrzip.train.data import load_rgb_uint8

ip = inits.load("siren-t16-basis-ip")


def acts(paths, s):
    out = []
    for p in paths:
        ny, nx, c = tp.photo_coefficients(ip, load_rgb_uint8(p), 512)
        q = basis.quantize(ip, c, s, nx * 16, ny * 16, False, 0.1)
        a = basis.activity(q).reshape(ny, nx)
        l = np.full_like(a, -1)
        l[:, 1:] = a[:, :-1]
        u = np.full_like(a, -1)
        u[1:] = a[:-1]
        ctx = np.where((l >= 0) & (u >= 0), (l + u + 1) // 2, np.maximum(l, u)) + 1  # 0 = none
        out.append((a.ravel(), ctx.ravel(), (q != 0).sum(1)))
    return [np.concatenate(x) for x in zip(*out)]


for s in (36, 46, 56):
    tr = acts(list_images("../shared/data/train")[::9][:80], s)
    va = acts(list_images("../shared/data/val/bsd100")[:10], s)
    n0 = np.bincount(tr[0], minlength=7) + 1
    p0 = n0 / n0.sum()
    h0 = -np.log2(p0[va[0]]).mean()
    cnt = np.ones((8, 7))
    np.add.at(cnt, (tr[1], tr[0]), 1)
    p1 = cnt / cnt.sum(1, keepdims=True)
    h1 = -np.log2(p1[va[1], va[0]]).mean()
    print(f"s={s}: activity bits/tile {h0:.2f} -> with neighbour context {h1:.2f}; mean nonzeros {va[2].mean():.1f}")
