"""With intra prediction (and tables counted on the encoder's choices at 0.1), does the quantiser's rate weight
still sit at its optimum? Val, 10 photos, every level, the default init (siren-t16-basis-ip), BD-rate against
JPEG and PSNR at 0.5 bpp per lambda.

python results/predict/rdo_lambda.py 0.07 0.1 0.13 0.16 > results/predict/rdo_lambda.txt
"""

import sys

import torch

from inrzip.codecs.basis import model as basis
from inrzip.tools import bench

torch.set_num_threads(1)
for lam in map(float, sys.argv[1:]):
    basis.UNLAPPED = basis.UNLAPPED._replace(rdoq_lambda=lam)  # 0.11.0 moved codec.RDO_LAMBDA there
    r = bench.run("../shared/data/val/bsd100", None, limit=10, anchors=("jpeg",), log=lambda m: None)
    s = r["summary"]["inrzip-ans"]
    print(
        f"lambda {lam:g}: {s['psnr_at_0.5bpp']:.3f} dB at 0.5 bpp, BD-rate vs JPEG {s['bd_rate_vs_jpeg_pct']:+.2f} %",
        flush=True,
    )
