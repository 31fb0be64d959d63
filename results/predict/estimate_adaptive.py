"""Would entropy models that adapt within the file pay? Coefficient bits of 10 val photos under the shipped tables
against a count-based model per (activity, class) context that starts from the shipped table (prior weight 20),
the shipped predicting init, three step indices.

python results/predict/estimate_adaptive.py
"""
import numpy as np, torch
torch.set_num_threads(1)
from inrzip import inits
from inrzip.codecs.basis import model as basis, fit
from inrzip.images import list_images, load_image
ip = inits.load("siren-t16-basis-ip")
for s in (36, 46, 56):
    tot_static = tot_emp = tot_kt = 0
    for p in list_images("../shared/data/val/bsd100")[:10]:
        im, _ = load_image(p); h, w = im.shape[:2]
        coef = fit.fit_images([im], ip, 100, 0.5, torch.device("cpu"))[0]
        q = basis.quantize(ip, coef, s, w, h, False, 0.1)
        cls = basis.classes(ip, s); act = basis.activity(q)
        bits = basis.code_lengths(ip, s)
        tot_static += bits[act[:, None], cls[None], q + basis.RMAX].sum()
        # adaptive KT estimator per (act, class) context starting from the shipped pmf as prior (weight 20)
        ctx = np.broadcast_to(act[:, None] * 32 + cls[None], q.shape).ravel(); sym = (q + basis.RMAX).ravel()
        pmf, _ = basis.tables_for(ip, s)
        order = np.lexsort((np.arange(sym.size), ctx))
        kt = 0.0
        for c in np.unique(ctx):
            ss = sym[ctx == c]
            prior = pmf[c // 32, c % 32] * 20
            counts = {}
            n = 0
            for x in ss:
                kt += -np.log2((prior[x] + counts.get(x, 0)) / (20 + n)); counts[x] = counts.get(x, 0) + 1; n += 1
        tot_kt += kt
    print(f"s={s}: shipped tables {tot_static/8/10:.0f} B/photo, adaptive (shipped prior, weight 20) {tot_kt/8/10:.0f} B/photo ({100*(tot_kt/tot_static-1):+.1f} %)", flush=True)
