"""Would the encoder's RDOQ gain from the photo's own statistics? A second quantisation pass whose code lengths are
the adapting models' at the end of the first pass (-log2 of (W pmf + counts) / (W + n)), encoder only: coded bytes
and coefficient MSE (the pixel MSE before the filter: the basis is orthonormal) on 10 val photos, three levels,
against one pass.

python results/adapt/estimate_rdoq.py
"""
import numpy as np, torch
torch.set_num_threads(1)
from inrzip import inits
from inrzip.codecs.basis import model as basis, fit, codec, entropy
from inrzip.images import list_images, load_image
from inrzip.tiles import grid_shape

L = inits.load("siren-t16-basis-adapt")
photos = [load_image(p)[0] for p in list_images("../shared/data/val/bsd100")[:10]]
coefs = [fit.fit_images([im], L, 100, 0.5, torch.device("cpu"))[0] for im in photos]
static = basis.code_lengths
for level in (3, 7, 11):
    s = L.s_for(level)
    pmf, activity_pmf = basis.tables_for(L, s)
    cls = basis.classes(L, s)
    tot = np.zeros((2, 2))
    for im, coef in zip(photos, coefs):
        h, w = im.shape[:2]
        q = basis.quantize(L, coef, s, w, h, False, basis.UNLAPPED.rdoq_lambda)
        act = basis.activity(q)
        counts = np.zeros(pmf.shape)
        np.add.at(counts, (np.repeat(act, cls.size), np.tile(cls, act.size), (q + basis.RMAX).ravel()), 1)
        own = -np.log2((L.adapt_weight * pmf + counts) / (L.adapt_weight + counts.sum(2, keepdims=True)))
        basis.code_lengths = lambda ladder, s_: own
        q2 = basis.quantize(L, coef, s, w, h, False, basis.UNLAPPED.rdoq_lambda)
        basis.code_lengths = static
        for p, qq in enumerate((q, q2)):
            raw = entropy.encode(qq, cls, pmf, activity_pmf, basis.RMAX, grid_shape(h, w, 16), L.adapt_weight)
            full = basis.expand(L, s, basis.dequantize(L, qq, s, w, h, False))
            tot[p] += (len(raw), ((coef - full) ** 2).sum() / (coef.shape[0] * 256 * 3))
    (b0, m0), (b1, m1) = tot / len(photos)
    print(f"level {level}: one pass {b0:.0f} B, mse {m0:.3e}; two passes {b1:.0f} B ({100 * (b1 / b0 - 1):+.2f} %), "
          f"mse {m1:.3e} ({10 * np.log10(m0 / m1):+.3f} dB)", flush=True)
