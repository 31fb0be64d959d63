"""Would mixing the two nearest octaves' tables by the step index's place between their centres pay? Ideal code length
of the shipped init's q (RDOQ under the shipped tables, 10 val photos) under the shipped per-octave tables and under
the mixed ones, at every other step index from 30 to 70.

python results/predict/estimate_table_interpolation.py
"""

import numpy as np
import torch

from inrzip import inits
from inrzip.codecs.basis import fit
from inrzip.codecs.basis import model as basis
from inrzip.images import list_images, load_image

torch.set_num_threads(2)
ip = inits.load("siren-t16-basis-ip")
photos = [load_image(p)[0] for p in list_images("../shared/data/val/bsd100")[:10]]
coefs = fit.fit_images(photos, ip, 100, 0.5, torch.device("cpu"))


def mixed(s: int) -> np.ndarray:
    centre = (s - basis.PER_OCTAVE // 2 + 1) / basis.PER_OCTAVE - ip.group_first  # 0 at group 0's centre (s = 23)
    g0 = int(np.clip(np.floor(centre), 0, ip.pmf.shape[0] - 1))
    g1 = min(g0 + 1, ip.pmf.shape[0] - 1)
    w = float(np.clip(centre - g0, 0, 1))
    return (1 - w) * ip.pmf[g0] + w * ip.pmf[g1]


tot_a = tot_b = 0.0
for s in range(30, 71, 2):
    a = b = 0.0
    for rgb, coef in zip(photos, coefs, strict=True):
        h, w, _ = rgb.shape
        q = basis.quantize(ip, coef, s, w, h, False, 0.1)
        act, cls = basis.activity(q)[:, None], basis.classes(ip, s)[None]
        a += -np.log2(basis.tables_for(ip, s)[0][act, cls, q + basis.RMAX]).sum()
        b += -np.log2(mixed(s)[act, cls, q + basis.RMAX]).sum()
    tot_a, tot_b = tot_a + a, tot_b + b
    print(f"s={s}: per-octave {a / 8 / 10:.0f} B/photo, mixed {b / 8 / 10:.0f} B/photo ({100 * (b / a - 1):+.2f} %)",
          flush=True)  # fmt: skip
print(f"all: {100 * (tot_b / tot_a - 1):+.2f} %")
