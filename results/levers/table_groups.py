# A lab script of the package's layout before 0.1.0 (modules such as inrzip.codec and inrzip.weights, gone since):
# it runs at commit 75ce911, where it was written (git worktree add /tmp/at-75ce911 75ce911, then run it there).
"""Ideal code length of 10 val photos: entropy tables pooled over all step indices, against one set per step
octave, against one per +-half octave around the step (prototype, kept as run; python results/levers/table_groups.py)."""
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
W = 2 * basis.RMAX + 1; NB = basis.N_ACTIVITY; NC = basis.N_CLASSES
def count(srange):
    c = np.zeros(NB * NC * W); b = np.zeros(NB)
    for s in srange:
        keep = lad.lrms + s >= basis.KEEP
        q = basis.deadzone_quantize(klt[:, keep], s, 0.7); act = basis.activity(q)
        cls = np.broadcast_to(basis.class_of(lad.lrms, s)[keep], q.shape)
        c += np.bincount(((act[:, None] * NC + cls) * W + q + basis.RMAX).ravel(), minlength=c.size)
        b += np.bincount(act, minlength=NB)
    p = c.reshape(NB, NC, W) + 0.01; p /= p.sum(2, keepdims=True); pb = (b + 1) / (b + 1).sum()
    return p, pb
def bits(p, pb, s):
    keep = basis.mask(lad, s); cls = basis.classes(lad, s); tot = px = 0
    for rgb, coef in zip(photos, coefs):
        q = basis.deadzone_quantize(coef[:, keep], s, 0.7); a = basis.activity(q)
        tot += -np.log2(p[np.broadcast_to(a[:, None], q.shape), np.broadcast_to(cls, q.shape), q + basis.RMAX]).sum() - np.log2(pb[a]).sum()
        px += rgb.shape[0] * rgb.shape[1]
    return tot / px
pooled = count(range(20, 93, 2))
for s in (36, 44, 52):
    g0 = (s // 16) * 16
    grp = count(range(g0, g0 + 16, 2))
    near = count(range(s - 8, s + 9, 2))
    print(s, 'pooled %.4f  octave-group %.4f  +-half-octave %.4f bpp' % (bits(*pooled, s), bits(*grp, s), bits(*near, s)), flush=True)
