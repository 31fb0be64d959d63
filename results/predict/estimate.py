"""Before building it: how many bits would a linear prediction of each tile's coefficients from its decoded
neighbours' border pixels save? Open loop (neighbours decoded without prediction), ridge fitted on 100 training
photos at one step index, the empirical entropy of the dead-zone q per coefficient on 10 val photos, interior tiles.

python results/predict/estimate.py 46
"""

import sys, numpy as np
from inrzip import inits
from inrzip.codecs.basis import model as basis
from inrzip.images import list_images, load_image
from inrzip.nets import torch_siren

init = inits.load("siren-t16-basis-pf")
print("qualities", init.qualities, "K", init.k)
coords = torch_siren.tile_grid(16).numpy()
phi = basis.functions(init, coords)  # [3,256,K]
T = 16


def tiles_of(path):
    im, _ = load_image(path)
    h, w = (im.shape[0] // T) * T, (im.shape[1] // T) * T
    im = im[:h, :w].astype(np.float32) / 255
    ny, nx = h // T, w // T
    t = im.reshape(ny, T, nx, T, 3).transpose(0, 2, 1, 3, 4).reshape(ny * nx, T * T, 3)
    z = (t - init.colour_mean) @ init.colour
    coef = np.einsum("cnk,bnc->bck", phi, z)
    return ny, nx, coef


def decoded(coef, s):
    keep = basis.mask(init, s)
    q = basis.deadzone_quantize(coef[:, keep], s, init.deadzone)
    full = np.zeros_like(coef)
    full[:, keep] = q * basis.step(s)
    return full


def feats(ny, nx, chat):
    zh = np.einsum("cnk,bck->bnc", phi, chat).reshape(ny, nx, T, T, 3)
    F = []
    idx = []
    for i in range(1, ny):
        for j in range(1, nx - 1):
            f = np.concatenate(
                [
                    zh[i - 1, j, -1].ravel(),
                    zh[i - 1, j, -2].ravel(),
                    zh[i - 1, j + 1, -1].ravel(),
                    zh[i, j - 1, :, -1].ravel(),
                    zh[i, j - 1, :, -2].ravel(),
                    zh[i - 1, j - 1, -1, -1],
                    [1.0],
                ]
            )
            F.append(f)
            idx.append(i * nx + j)
    return np.array(F, np.float32), np.array(idx)


S = [int(a) for a in sys.argv[1:]] or [36, 46, 56]
train = list_images("../shared/data/train")[::8][:100]
val = list_images("../shared/data/val/bsd100")[:10]


def H(x):
    v, c = np.unique(x, return_counts=True)
    p = c / c.sum()
    return -(c * np.log2(p)).sum()


for s in S:
    Xs, Ys = [], []
    for p in train:
        ny, nx, coef = tiles_of(p)
        F, idx = feats(ny, nx, decoded(coef, s))
        Xs.append(F)
        Ys.append(coef[idx].reshape(len(idx), -1))
    X = np.concatenate(Xs).astype(np.float64)
    Y = np.concatenate(Ys).astype(np.float64)
    A = X.T @ X + 1e-3 * len(X) * np.eye(X.shape[1]) * 0 + 1e-2 * np.eye(X.shape[1])
    W = np.linalg.solve(A, X.T @ Y)
    keep = basis.mask(init, s)
    h0 = h1 = 0.0
    d0 = d1 = 0.0
    n = 0
    col0 = np.zeros(int(keep.sum()))
    col1 = np.zeros_like(col0)
    Q0, Q1 = [], []
    for p in val:
        ny, nx, coef = tiles_of(p)
        F, idx = feats(ny, nx, decoded(coef, s))
        c = coef[idx].reshape(len(idx), -1)
        pred = (F @ W).astype(np.float32)
        kflat = keep.reshape(-1)
        q0 = basis.deadzone_quantize(c[:, kflat], s, init.deadzone)
        r = c[:, kflat] - pred[:, kflat]
        q1 = basis.deadzone_quantize(r, s, init.deadzone)
        d0 += ((c[:, kflat] - q0 * basis.step(s)) ** 2).sum()
        d1 += ((r - q1 * basis.step(s)) ** 2).sum()
        n += len(idx)
        Q0.append(q0)
        Q1.append(q1)
    Q0 = np.concatenate(Q0)
    Q1 = np.concatenate(Q1)
    for k in range(Q0.shape[1]):
        col0[k] = H(Q0[:, k])
        col1[k] = H(Q1[:, k])
    print(
        f"s={s} tiles={n} bits/tile raw {col0.sum() / n:.1f} pred {col1.sum() / n:.1f} ({100 * (col1.sum() / col0.sum() - 1):+.1f} %) "
        f"mse raw {d0 / n:.4g} pred {d1 / n:.4g}; first cols raw {np.round(col0[:4] / n, 2)} pred {np.round(col1[:4] / n, 2)}",
        flush=True,
    )
    nz = keep.sum(1)
    print(
        "  per channel raw",
        [round(col0[a:b].sum() / n, 1) for a, b in [(0, nz[0]), (nz[0], nz[0] + nz[1]), (nz[0] + nz[1], nz.sum())]],
        "pred",
        [round(col1[a:b].sum() / n, 1) for a, b in [(0, nz[0]), (nz[0], nz[0] + nz[1]), (nz[0] + nz[1], nz.sum())]],
        flush=True,
    )
