"""Would entropy classes split by colour channel pay? Tables counted on training photos (the shipped pipeline's
quantiser: prediction, RDOQ under the shipped tables) per (activity, class) as shipped, or per (activity, luma or
chroma, class), or per (activity, channel, class); the ideal code length of val photos under each, one octave's
step indices, the shipped default init. Both counts see the same photos, so the comparison is fair.

python results/recon/estimate_channel_classes.py N_TRAIN N_VAL
"""
import sys
import numpy as np
from inrzip import inits
from inrzip.codecs.basis import model as basis
from inrzip.images import list_images
from inrzip.train.data import load_rgb_uint8
from inrzip.train.predictor import photo_coefficients

init = inits.load("siren-t16-basis-w240")
T = 16
W = 2 * basis.RMAX + 1
n_train, n_val = int(sys.argv[1]), int(sys.argv[2])
tr = list_images("../shared/data/train")
tr = [tr[i] for i in np.linspace(0, len(tr) - 1, n_train).astype(int)]
val = list_images("../shared/data/val/bsd100")[:n_val]
train_c = [photo_coefficients(init, load_rgb_uint8(p), 512) for p in tr]
val_c = [photo_coefficients(init, load_rgb_uint8(p), 4096) for p in val]
SPLITS = {"shared": lambda ch: 0 * ch, "luma/chroma": lambda ch: np.minimum(ch, 1), "per channel": lambda ch: ch}


def q_of(data, s):
    return [basis.quantize(init, c, s, nx * T, ny * T, False, 0.1) for ny, nx, c in data]


def index(q, s, split):
    keep = basis.mask(init, s)
    ch = np.broadcast_to(np.arange(3)[:, None], keep.shape)[keep]
    cls = basis.class_of(init.lrms, s)[keep] + basis.N_CLASSES * split(ch)
    act = basis.activity(q)
    return (act[:, None] * 3 * basis.N_CLASSES + cls[None]) * W + q + basis.RMAX


for octave in (2, 3):
    ss = range(16 * octave, 16 * octave + 16, 2)
    trq = {s: np.concatenate(q_of(train_c, s)) for s in ss}
    for s_eval in (16 * octave + 4, 16 * octave + 10):
        vq = q_of(val_c, s_eval)
        row = []
        for name, split in SPLITS.items():
            counts = np.zeros(basis.N_ACTIVITY * 3 * basis.N_CLASSES * W)
            for s in ss:
                counts += np.bincount(index(trq[s], s, split).ravel(), minlength=counts.size)
            c = counts.reshape(-1, W) + 0.01
            bits = -np.log2(c / c.sum(1, keepdims=True)).ravel()
            row.append(sum(bits[index(q, s_eval, split)].sum() for q in vq) / 8 / len(vq))
        print(f"s={s_eval}: B/photo " + ", ".join(f"{n} {b:.0f} ({100*(b/row[0]-1):+.2f} %)" for n, b in zip(SPLITS, row)), flush=True)
