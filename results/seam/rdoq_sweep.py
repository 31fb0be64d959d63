"""The RDOQ's border weight (codec.RDO_BORDER, basis.border_emphasis) on val: BD-rate against JPEG and the
border / interior gap at every level. Encoder only: the decoder is the same.

python results/seam/rdoq_sweep.py [WEIGHT ...] > results/seam/rdoq_sweep.txt
"""

import sys

import numpy as np
import torch

from inrzip import inits
from inrzip.codecs.basis import model as basis
from inrzip.tools import bench

torch.set_num_threads(2)
for wb in [float(a) for a in sys.argv[1:]] or [1.0, 8.0]:
    basis.UNLAPPED = basis.UNLAPPED._replace(rdoq_border=wb)  # 0.11.0 moved the constant into model.UNLAPPED (encoder_tuning)
    r = bench.run("../shared/data/val/bsd100", None, limit=10, init=inits.DEFAULT_INIT, anchors=("jpeg",),
                  log=lambda m: None)
    s = next(v for k, v in r["summary"].items() if k.startswith("inrzip-"))
    gaps = [m["psnr_tile_interior"] - m["psnr_tile_border"] for m in r["means"]]
    at = " / ".join(f"{s['psnr_at_bpp'][k]:.3f}" for k in ("0.25", "0.5", "1.0"))
    print(f"border weight {wb}: PSNR at 0.25 / 0.5 / 1 bpp {at}, BD vs JPEG {s['bd_rate_vs_jpeg_pct']:.2f} %, "
          f"gap per level {' '.join(f'{g:.2f}' for g in gaps)} (mean {np.mean(gaps):.3f})", flush=True)
