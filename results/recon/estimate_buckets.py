"""Would finer activity buckets pay, now that a bucket is coded given its neighbours'? Coefficient bits under tables
per (bucket, class) plus the buckets' bits under a model per (upper, left) bucket, both counted on training photos,
the ideal code length of val photos; the shipped edges against finer ones. The init with chroma classes and
activity contexts (runs/ctx/siren-t16-ctx-ip.npz), one octave's step indices.

python results/recon/estimate_buckets.py N_TRAIN N_VAL
"""
import sys
import numpy as np
from inrzip import inits
from inrzip.codecs.basis import model as basis
from inrzip.codecs.basis import entropy
from inrzip.images import list_images
from inrzip.train.data import load_rgb_uint8
from inrzip.train.predictor import photo_coefficients

init = inits.load("runs/ctx/siren-t16-ctx-ip.npz")
T = 16
W = 2 * basis.RMAX + 1
NC = 2 * basis.N_CLASSES
n_train, n_val = int(sys.argv[1]), int(sys.argv[2])
tr = list_images("../shared/data/train")
tr = [tr[i] for i in np.linspace(0, len(tr) - 1, n_train).astype(int)]
val = list_images("../shared/data/val/bsd100")[:n_val]
train_c = [photo_coefficients(init, load_rgb_uint8(p), 512) for p in tr]
val_c = [photo_coefficients(init, load_rgb_uint8(p), 4096) for p in val]
EDGES = {
    "shipped (7)": (0, 2, 5, 10, 20, 40, 80),
    "10": (0, 1, 2, 4, 7, 12, 20, 33, 55, 90),
    "14": (0, 1, 2, 3, 5, 7, 10, 14, 20, 28, 40, 56, 80, 113),
    "20": (0, 1, 2, 3, 4, 5, 7, 9, 12, 15, 19, 24, 30, 38, 48, 60, 75, 95, 120, 150),
}


def coded(data, s):
    return [(ny, nx, basis.quantize(init, c, s, nx * T, ny * T, False, 0.1)) for ny, nx, c in data]


def index(q, s, edges):
    keep = basis.mask(init, s)
    cls = basis.classes(init, s)
    act = np.searchsorted(np.asarray(edges), np.count_nonzero(q, axis=1), side="right") - 1
    return act, (act[:, None] * NC + cls[None]) * W + q + basis.RMAX


def act_index(act, ny, nx, nb):
    i, j = np.divmod(np.arange(ny * nx), nx)
    up = np.where(i > 0, act[np.maximum(np.arange(ny * nx) - nx, 0)], nb)
    left = np.where(j > 0, act[np.maximum(np.arange(ny * nx) - 1, 0)], nb)
    return (up * (nb + 1) + left) * nb + act


for octave in (2, 3):
    ss = range(16 * octave, 16 * octave + 16, 2)
    trq = {s: coded(train_c, s) for s in ss}
    for s_eval in (16 * octave + 4, 16 * octave + 10):
        vq = coded(val_c, s_eval)
        row = []
        for name, edges in EDGES.items():
            nb = len(edges)
            counts = np.zeros(nb * NC * W)
            acounts = np.zeros((nb + 1) * (nb + 1) * nb)
            for s in ss:
                for ny, nx, q in trq[s]:
                    act, idx = index(q, s, edges)
                    counts += np.bincount(idx.ravel(), minlength=counts.size)
                    acounts += np.bincount(act_index(act, ny, nx, nb), minlength=acounts.size)
            c = counts.reshape(-1, W) + 0.01
            bits = -np.log2(c / c.sum(1, keepdims=True)).ravel()
            a = acounts.reshape(-1, nb) + 1.0
            abits = -np.log2(a / a.sum(1, keepdims=True)).ravel()
            tot = 0.0
            for ny, nx, q in vq:
                act, idx = index(q, s_eval, edges)
                tot += bits[idx].sum() + abits[act_index(act, ny, nx, nb)].sum()
            row.append(tot / 8 / len(vq))
        print(f"s={s_eval}: B/photo " + ", ".join(f"{n} {b:.0f} ({100*(b/row[0]-1):+.2f} %)" for n, b in zip(EDGES, row)), flush=True)
