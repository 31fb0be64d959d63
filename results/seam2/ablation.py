"""The val ablation table of 0.9.0, in one run: the default, then one lever taken out at a time.

Rows: the default (siren-t16-basis-qm: the quantisation matrix; the fit's loss weighs tile-border pixels 4, the
RDOQ's emphasis 8); the matrix taken out (siren-t16-basis-seam); the border-weighted fit taken out as well
(fit.FIT_BORDER = 1: 0.8.0 as released); the RDOQ's emphasis too (codec.RDO_BORDER = 1); 0.7.0
(siren-t16-basis-adapt, none of them). Each setting stays for the rows after. Val, the first 10 bsd100 photos,
every level, JPEG's curve on the same photos. Before the matrix was built, its first row was the seam init's
(ablation-seam.txt).

python results/seam2/ablation.py > results/seam2/ablation.txt
"""

import torch

from inrzip.codecs.basis import model as basis
from inrzip.tools import bench

torch.set_num_threads(2)
VAL = "../shared/data/val/bsd100"
DEFAULT = "siren-t16-basis-qm"


def plain_fit():
    basis.UNLAPPED = basis.UNLAPPED._replace(fit_border=1.0)  # 0.11.0 moved the constant into model.UNLAPPED (encoder_tuning)


def no_emphasis():
    basis.UNLAPPED = basis.UNLAPPED._replace(rdoq_border=1.0)


ROWS = [
    (f"default ({DEFAULT}): matrix, border-weighted fit, RDOQ emphasis, border-weighted filter", DEFAULT),
    ("- quantisation matrix (siren-t16-basis-seam)", "siren-t16-basis-seam"),
    ("- border-weighted fit (0.8.0)", "siren-t16-basis-seam", plain_fit),
    ("- RDOQ border emphasis", "siren-t16-basis-seam", no_emphasis),
    ("- border-weighted filter (0.7.0)", "siren-t16-basis-adapt"),
]
bench.ablation(VAL, ROWS, limit=10, out=lambda line: print(line, flush=True))
