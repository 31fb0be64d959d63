"""Would reconstruction offsets pay? The decoder puts a non-zero q at q * step; the centroid of the residuals
that quantise to q (dead zone, RDOQ) sits elsewhere. Offsets per (class, |q| bucket) counted on training photos,
the pixel error they remove on val photos (before the post-filter), the shipped default init.

python results/recon/estimate_offsets.py N_TRAIN N_VAL
"""
import sys
import numpy as np
from inrzip import inits
from inrzip.codecs.basis import model as basis, predict
from inrzip.images import list_images, load_image
from inrzip.nets import torch_siren

init = inits.load("siren-t16-basis-w240")
T = 16
coords = torch_siren.tile_grid(T).numpy()
phi = basis.functions(init, coords)
MB = 3  # |q| buckets: 1, 2, >= 3


def tiles_of(path):
    im, _ = load_image(path)
    h, w = (im.shape[0] // T) * T, (im.shape[1] // T) * T
    im = im[:h, :w].astype(np.float32) / 255
    ny, nx = h // T, w // T
    t = im.reshape(ny, T, nx, T, 3).transpose(0, 2, 1, 3, 4).reshape(ny * nx, T * T, 3)
    z = (t - init.colour_mean) @ init.colour
    coef = np.einsum("cnk,bnc->bck", phi, z)
    sse_out = float((z ** 2).sum() - (coef ** 2).sum())
    return w, h, coef, sse_out


def record(coef, s, w, h):
    """(residual r [tiles, n], q, activity) as the encoder quantises, wavefront by wavefront."""
    keep = basis.mask(init, s)
    cls = basis.classes(init, s)
    bits = basis.code_lengths(init, s)
    m, st = init.predictor.m, np.float32(basis.step(s))
    q = np.empty((coef.shape[0], int(keep.sum())), np.int32)
    r = np.empty(q.shape, np.float32)

    def code(idx, guess):
        res = coef[idx].copy()
        res[:, :, :m] -= guess
        r[idx] = res[:, keep]
        q[idx] = basis._rdo_block(init, res[:, keep], s, cls, 0.1, bits)
        dec = basis.expand(init, s, q[idx] * st)
        dec[:, :, :m] += guess
        return dec

    predict.run(init.predictor, *basis.grid_shape(h, w, T), 3, code)
    return r, q, cls, basis.activity(q)


def stats(paths, s):
    num = np.zeros((basis.N_ACTIVITY, basis.N_CLASSES, MB))
    cnt = np.zeros_like(num)
    for p in paths:
        w, h, coef, _ = tiles_of(p)
        r, q, cls, act = record(coef, s, w, h)
        nz = q != 0
        a = np.broadcast_to(act[:, None], q.shape)[nz]
        c = np.broadcast_to(cls[None], q.shape)[nz]
        mb = np.minimum(np.abs(q[nz]), MB) - 1
        d = np.abs(r[nz]) / basis.step(s) - np.abs(q[nz])
        np.add.at(num, (a, c, mb), d)
        np.add.at(cnt, (a, c, mb), 1)
    return num, cnt


n_train, n_val = int(sys.argv[1]), int(sys.argv[2])
train = list_images("../shared/data/train")[:: max(1, 871 // n_train)][:n_train]
val = list_images("../shared/data/val/bsd100")[:n_val]
for s in (36, 46, 56):
    num, cnt = stats(train, s)
    d_full = np.where(cnt > 20, num / np.maximum(cnt, 1), 0.0)
    n2, c2 = num.sum(0), cnt.sum(0)
    d_cls = np.where(c2 > 20, n2 / np.maximum(c2, 1), 0.0)
    base = gain_full = gain_cls = 0.0
    npx = 0
    for p in val:
        w, h, coef, sse_out = tiles_of(p)
        r, q, cls, act = record(coef, s, w, h)
        st = basis.step(s)
        nz = q != 0
        mb = np.minimum(np.abs(q), MB) - 1
        err0 = (r - q * st) ** 2
        sse0 = err0.sum() + sse_out + (coef ** 2).sum() - (coef[:, basis.mask(init, s)] ** 2).sum()
        for name, dd in (("full", d_full[act[:, None], cls[None], mb]), ("cls", d_cls[cls[None], mb])):
            rec = np.where(nz, np.sign(q) * (np.abs(q) + dd) * st, 0.0)
            g = err0.sum() - ((r - rec) ** 2).sum()
            if name == "full":
                gain_full += g
            else:
                gain_cls += g
        base += sse0
        npx += w * h * 3
    mse0 = base / npx
    print(f"s={s}: pre-filter PSNR {10*np.log10(1/mse0):.3f} dB; offsets per (class,|q|) "
          f"+{10*np.log10(base/(base-gain_cls)):.3f} dB, per (activity,class,|q|) +{10*np.log10(base/(base-gain_full)):.3f} dB", flush=True)
    sel = c2[:, 0] > 1000
    print("  offsets |q|=1 by class:", np.round(d_cls[sel, 0], 3).tolist(), " |q|=2:", np.round(d_cls[sel, 1], 3).tolist(), flush=True)
