"""Would coefficient models that adapt within the file pay on the 0.6.0 default (chroma classes, activity
contexts)? Ideal code length of 10 val photos' q under the shipped (mixed) tables against a count-based model per
(activity, class) context that starts from the shipped table (prior weight W) and learns either after every
symbol or after every anti-diagonal of tiles (what a vectorised decoder could do). Raster order within a diagonal.

python results/adapt/estimate.py
"""
import numpy as np, torch
torch.set_num_threads(2)
from inrzip import inits
from inrzip.codecs.basis import model as basis, fit, entropy
RDO_LAMBDA = basis.UNLAPPED.rdoq_lambda  # codec.RDO_LAMBDA before 0.11.0
from inrzip.images import list_images, load_image
from inrzip.tiles import grid_shape

L = inits.load("siren-t16-basis-ctx")
photos = [load_image(p)[0] for p in list_images("../shared/data/val/bsd100")[:10]]
coefs = [fit.fit_images([im], L, 100, 0.5, torch.device("cpu"))[0] for im in photos]
for level in (3, 6, 7, 10):
    s = L.s_for(level)
    pmf, _ = basis.tables_for(L, s)
    bits = -np.log2(np.maximum(pmf, 1e-300))
    cls = basis.classes(L, s)
    nc = pmf.shape[1]
    tot = {"static": 0.0}
    for im, coef in zip(photos, coefs):
        h, w = im.shape[:2]
        q = basis.quantize(L, coef, s, w, h, False, RDO_LAMBDA)
        act = basis.activity(q)
        tot["static"] += bits[act[:, None], cls[None], q + basis.RMAX].sum()
        ny, nx = grid_shape(h, w, L.cfg.tile)
        order = np.concatenate(entropy.diagonals(ny, nx))
        diag_of = np.empty(ny * nx, int)
        for d, idx in enumerate(entropy.diagonals(ny, nx)):
            diag_of[idx] = d
        for W in (10, 30, 100):
            counts = pmf * W  # [act, cls, sym]
            n = np.full(pmf.shape[:2], float(W))
            per_sym = 0.0
            c2 = counts.copy(); n2 = n.copy()
            per_diag = 0.0
            pending = []
            last_d = -1
            for t in order:
                d = diag_of[t]
                if d != last_d:
                    for a, c, x in pending:
                        c2[a, c, x] += 1; n2[a, c] += 1
                    pending = []
                    last_d = d
                a = act[t]
                sym = q[t] + basis.RMAX
                per_sym += -np.log2(counts[a, cls, sym] / n[a, cls]).sum()
                per_diag += -np.log2(c2[a, cls, sym] / n2[a, cls]).sum()
                np.add.at(counts, (a, cls, sym), 1); np.add.at(n, (a, cls), 1)
                pending += [(a, c, x) for c, x in zip(cls, sym)]
            tot[f"sym W{W}"] = tot.get(f"sym W{W}", 0) + per_sym
            tot[f"diag W{W}"] = tot.get(f"diag W{W}", 0) + per_diag
    st = tot["static"]
    print(f"level {level} s={s}: static {st/8/10:.0f} B/photo; " + ", ".join(
        f"{k} {100*(v/st-1):+.2f} %" for k, v in tot.items() if k != "static"), flush=True)
