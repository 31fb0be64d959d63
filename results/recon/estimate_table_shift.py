"""Would a per-photo choice of entropy tables pay? The coefficients' bits at step index s under the models of
s + d (d signalled per photo, or per photo and colour channel), against the models of s; val photos, the shipped
default init, the encoder's q (prediction, RDOQ) unchanged.

python results/recon/estimate_table_shift.py N_VAL
"""
import sys
import numpy as np
from inrzip import inits
from inrzip.codecs.basis import model as basis
from inrzip.images import list_images, load_image
from inrzip.codecs.basis import fit
import torch

torch.set_num_threads(1)
init = inits.load("siren-t16-basis-w240")
D = range(-12, 13, 2)
val = list_images("../shared/data/val/bsd100")[: int(sys.argv[1])]
coefs = []
for p in val:
    im, _ = load_image(p)
    h, w = im.shape[:2]
    coefs.append((fit.fit_images([im], init, 100, 0.5, torch.device("cpu"))[0], w, h))
for s in (36, 46, 56):
    tot0 = tot_img = tot_ch = tot_cls = 0.0
    for coef, w, h in coefs:
        q = basis.quantize(init, coef, s, w, h, False, 0.1)
        act = basis.activity(q)
        keep = basis.mask(init, s)
        chan = np.broadcast_to(np.arange(3)[:, None], keep.shape)[keep]
        per = []
        for d in D:
            pmf, apmf = basis.tables_for(init, s + d)
            for cls_s in (s, s + d):
                cls = basis.class_of(init.lrms, cls_s)[keep]
                b = -np.log2(np.maximum(pmf[act[:, None], cls[None], q + basis.RMAX], 1e-300))
                per.append((d, cls_s == s, [b[:, chan == c].sum() for c in range(3)], -np.log2(apmf[act]).sum()))
        base = [x for x in per if x[0] == 0][0]
        b0 = sum(base[2]) + base[3]
        tot0 += b0
        tot_img += min(sum(x[2]) + x[3] for x in per)
        tot_ch += min(x[3] for x in per) + sum(min(x[2][c] for x in per) for c in range(3))
    print(f"s={s}: {tot0/8/len(coefs):.0f} B/photo; best shift per photo {100*(tot_img/tot0-1):+.2f} %, "
          f"per photo and channel {100*(tot_ch/tot0-1):+.2f} % (signalling not counted)", flush=True)
