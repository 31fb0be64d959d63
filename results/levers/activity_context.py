# A lab script of the package's layout before 0.1.0 (modules such as inrzip.codec and inrzip.weights, gone since):
# it runs at commit b1969e1, where it was written (git worktree add /tmp/at-b1969e1 b1969e1, then run it there).
"""Entropy of the quantised coefficients of 10 val photos under per-step-index models counted on training tiles:
one model per class, against one per (tile activity bucket, class) plus the bucket's own cost (prototype, kept as run).

python results/levers/activity_context.py  (from the repository root)
"""
import numpy as np, sys
sys.path.insert(0,'.')
from inrzip import basis, codec, data, siren
from inrzip import weights as shipped
lad = shipped.load("siren-t16-basis")
phi = basis.functions(lad, siren.tile_grid(16).numpy())
z = (data.CropSampler('../shared/data/train', 16, 0).sample(30_000).numpy() - lad.colour_mean) @ lad.colour
klt = np.einsum("cnk,bnc->bck", phi, z)
photos = [data.load_rgb_uint8(p) for p in data.list_images('../shared/data/val/bsd100')[:10]]
coefs = codec.fit_basis(photos, lad)
W = 2 * basis.RMAX + 1
EDGES = np.array([0, 2, 5, 10, 20, 40, 80])  # buckets of #nonzeros per tile
def bucket(q): return np.searchsorted(EDGES, (q != 0).sum(1), side='right') - 1
NB = len(EDGES)
for s in (36, 44, 52):
    keep = basis.mask(lad, s); cls = basis.classes(lad, s)
    qt = basis.deadzone_quantize(klt[:, keep], s, 0.7); bt = bucket(qt)
    h1 = np.zeros((basis.N_CLASSES, W)); h2 = np.zeros((NB, basis.N_CLASSES, W)); hb = np.zeros(NB)
    np.add.at(h1, (np.broadcast_to(cls, qt.shape), qt + basis.RMAX), 1)
    np.add.at(h2, (np.broadcast_to(bt[:, None], qt.shape), np.broadcast_to(cls, qt.shape), qt + basis.RMAX), 1)
    np.add.at(hb, bt, 1)
    p1 = (h1 + 0.01) / (h1 + 0.01).sum(1, keepdims=True); p2 = (h2 + 0.01) / (h2 + 0.01).sum(2, keepdims=True); pb = (hb + 1) / (hb + 1).sum()
    r1 = r2 = px = 0
    for rgb, coef in zip(photos, coefs):
        q = basis.deadzone_quantize(coef[:, keep], s, 0.7); b = bucket(q)
        r1 += -np.log2(p1[np.broadcast_to(cls, q.shape), q + basis.RMAX]).sum()
        r2 += -np.log2(p2[np.broadcast_to(b[:, None], q.shape), np.broadcast_to(cls, q.shape), q + basis.RMAX]).sum() - np.log2(pb[b]).sum()
        px += rgb.shape[0] * rgb.shape[1]
    print(s, 'class model %.3f bpp, class x activity %.3f bpp (%.1f %% less)' % (r1 / px, r2 / px, 100 * (1 - r2 / r1)))
