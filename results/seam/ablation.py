"""The val ablation table of 0.8.0's default, in one run: the default, then one lever taken out at a time.

The border-weighted filter taken out: 0.7.0's init (the same values and models, its unweighted filter) under this
encoder; the RDOQ's border emphasis taken out (codec.RDO_BORDER = 1, the rows after keep it out): the default's
init, then 0.7.0's (0.7.0 as released). Val, the first 10 bsd100 photos, every level, JPEG's curve on the same photos.

python results/seam/ablation.py > results/seam/ablation.txt   (after bash results/seam/chain.sh)
"""

import torch

from inrzip.codecs.basis import model as basis
from inrzip.tools import bench

torch.set_num_threads(2)
VAL = "../shared/data/val/bsd100"
DEFAULT = "siren-t16-basis-seam"


def no_emphasis():
    basis.UNLAPPED = basis.UNLAPPED._replace(rdoq_border=1.0)  # 0.11.0 moved the constant into model.UNLAPPED (encoder_tuning)


ROWS = [
    (f"default ({DEFAULT}): border-weighted filter, RDOQ border emphasis", DEFAULT),
    ("- border-weighted filter (0.7.0's filter)", "siren-t16-basis-adapt"),
    ("- RDOQ border emphasis", DEFAULT, no_emphasis),
    ("0.7.0 (siren-t16-basis-adapt, no emphasis)", "siren-t16-basis-adapt"),
]
bench.ablation(VAL, ROWS, limit=10, out=lambda line: print(line, flush=True))
