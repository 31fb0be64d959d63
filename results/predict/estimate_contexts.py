"""The same with cross-entropy models counted on training photos: one model per coefficient, per (coefficient,
activity bucket), and per (coefficient, activity, neighbours' |q| at the same index), raw and predicted.

python results/predict/estimate_contexts.py 46  (also 36, 56)
"""

import sys, numpy as np

sys.argv += []
exec(open("results/predict/estimate.py").read().split("S = [int")[0])
from inrzip.images import list_images

train = list_images("../shared/data/train")[::8][:100]
val = list_images("../shared/data/val/bsd100")[:10]
s = int(sys.argv[1]) if len(sys.argv) > 1 else 46
keep = basis.mask(init, s)
kflat = keep.reshape(-1)
n = int(kflat.sum())


def prep(paths, W=None):
    out = []
    for p in paths:
        ny, nx, coef = tiles_of(p)
        F, idx = feats(ny, nx, decoded(coef, s))
        c = coef.reshape(len(coef), -1)[:, kflat]
        if W is None:
            out.append((F, c[idx], None, None, None))
            continue
        pred = (F @ W).astype(np.float32)[:, kflat]
        q0 = basis.deadzone_quantize(c, s, init.deadzone)
        r = c[idx] - pred
        q1 = q0.copy()
        q1[idx] = basis.deadzone_quantize(r, s, init.deadzone)

        # neighbour magnitude context at same index, from the coded symbols
        def nb(q):
            g = np.abs(q).reshape(ny, nx, -1)
            l = np.zeros_like(g)
            l[:, 1:] = g[:, :-1]
            u = np.zeros_like(g)
            u[1:] = g[:-1]
            return np.minimum(l + u, 2).reshape(ny * nx, -1)[idx]

        out.append((None, None, q0[idx], q1[idx], (nb(q0), nb(q1))))
    return out


tr = prep(train)
X = np.concatenate([a[0] for a in tr]).astype(np.float64)
Y = np.concatenate([a[1] for a in tr]).astype(np.float64)
Wk = np.linalg.solve(X.T @ X + 1e-2 * np.eye(X.shape[1]), X.T @ Y)
W = np.zeros((X.shape[1], kflat.size))
W[:, kflat] = Wk
TR = prep(train, W)
VA = prep(val, W)
R = 24


def xent(trq, trctx, vaq, vactx, nctx):
    # per column, per ctx model with add-0.1 smoothing, symbols clipped
    tot = 0.0
    for k in range(n):
        cnt = np.full((nctx, 2 * R + 1), 0.1)
        np.add.at(cnt, (trctx[:, k], np.clip(trq[:, k], -R, R) + R), 1)
        p = cnt / cnt.sum(1, keepdims=True)
        tot += -np.log2(p[vactx[:, k], np.clip(vaq[:, k], -R, R) + R]).sum()
    return tot


for name, qi in (("raw", 2), ("pred", 3)):
    trq = np.concatenate([a[qi] for a in TR])
    vaq = np.concatenate([a[qi] for a in VA])
    tra = basis.activity(trq)
    vaa = basis.activity(vaq)
    trn = np.concatenate([a[4][qi - 2] for a in TR])
    van = np.concatenate([a[4][qi - 2] for a in VA])
    T0 = len(vaq)
    z = np.zeros_like(trq)
    zv = np.zeros_like(vaq)
    b_none = xent(trq, z, vaq, zv, 1) / T0
    b_act = xent(trq, np.broadcast_to(tra[:, None], trq.shape), vaq, np.broadcast_to(vaa[:, None], vaq.shape), 7) / T0
    b_nb = xent(trq, tra[:, None] * 3 + trn, vaq, vaa[:, None] * 3 + van, 21) / T0
    print(f"s={s} {name}: bits/tile none {b_none:.1f} act {b_act:.1f} act+nb {b_nb:.1f}", flush=True)
