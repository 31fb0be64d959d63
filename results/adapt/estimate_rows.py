"""As estimate.py, vectorised: the counts learn after every row of tiles (the chunk a decoder can take in a few
calls per context), prior weights W from 30 to 3000; also after every 4 rows.

python results/adapt/estimate_rows.py
"""
import numpy as np, torch
torch.set_num_threads(2)
from inrzip import inits
from inrzip.codecs.basis import model as basis, fit
RDO_LAMBDA = basis.UNLAPPED.rdoq_lambda  # codec.RDO_LAMBDA before 0.11.0
from inrzip.images import list_images, load_image
from inrzip.tiles import grid_shape

L = inits.load("siren-t16-basis-ctx")
photos = [load_image(p)[0] for p in list_images("../shared/data/val/bsd100")[:10]]
coefs = [fit.fit_images([im], L, 100, 0.5, torch.device("cpu"))[0] for im in photos]
WS = (30, 100, 300, 1000, 3000)
for level in (1, 3, 6, 7, 10, 15):
    s = L.s_for(level)
    pmf, _ = basis.tables_for(L, s)
    bits = -np.log2(np.maximum(pmf, 1e-300))
    cls = basis.classes(L, s)
    tot = {}
    for im, coef in zip(photos, coefs):
        h, w = im.shape[:2]
        q = basis.quantize(L, coef, s, w, h, False, RDO_LAMBDA)
        act = basis.activity(q)
        sym = q + basis.RMAX
        tot["static"] = tot.get("static", 0) + bits[act[:, None], cls[None], sym].sum()
        ny, nx = grid_shape(h, w, L.cfg.tile)
        for rows_per in (1, 4):
            for W in WS:
                cnt = np.zeros(pmf.shape); n = np.zeros(pmf.shape[:2])
                b = 0.0
                for r0 in range(0, ny, rows_per):
                    t = np.arange(r0 * nx, min(ny, r0 + rows_per) * nx)
                    a = np.broadcast_to(act[t][:, None], (t.size, cls.size)).ravel()
                    c = np.broadcast_to(cls[None], (t.size, cls.size)).ravel()
                    x = sym[t].ravel()
                    b += -np.log2((W * pmf[a, c, x] + cnt[a, c, x]) / (W + n[a, c])).sum()
                    np.add.at(cnt, (a, c, x), 1); np.add.at(n, (a, c), 1)
                k = f"{rows_per}r W{W}"
                tot[k] = tot.get(k, 0) + b
    st = tot["static"]
    print(f"level {level:2d} s={s}: static {st/8/10:6.0f} B/photo; " + ", ".join(
        f"{k} {100*(v/st-1):+.2f}" for k, v in tot.items() if k != "static"), flush=True)
