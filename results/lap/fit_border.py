"""The fit's border weight and the RDOQ's emphasis retuned for the lapped default (measured, not built): val, first 10
bsd100 photos, every level, each (fit weight, RDOQ emphasis) pair against the shipped (4, 8).

    python results/lap/fit_border.py FIT:RDO ...
"""

import sys

import numpy as np
import torch

from inrzip.codecs.basis import codec, fit
from inrzip.tools import bench

torch.set_num_threads(2)
ref = None
for pair in ["4:8"] + sys.argv[1:]:
    fw, rw = (float(v) for v in pair.split(":"))
    fit.FIT_BORDER, codec.RDO_BORDER = fw, rw
    r = bench.run("../shared/data/val/bsd100", None, limit=10, init="siren-t16-basis-lap", anchors=("jpeg",),
                  log=lambda m: None)
    bpp = [m["bpp"] for m in r["means"]]
    psnr = [m["psnr"] for m in r["means"]]
    gaps = np.array([m["psnr_tile_interior"] - m["psnr_tile_border"] for m in r["means"]])
    ref = ref or (bpp, psnr)
    gap05 = float(np.interp(np.log(0.5), np.log(bpp), gaps))
    print(f"fit {fw:g} rdoq {rw:g}: BD vs (4, 8) {bench.bd_rate(ref, (bpp, psnr)):+.2f} % (0.25-1 bpp), "
          f"{bench.bd_rate(ref, (bpp, psnr), 1.0, 2.0):+.2f} % (1-2 bpp); gap at 0.5 bpp {gap05:.2f}", flush=True)
    print("  " + " ".join(f"{b:.3f}/{p:.2f}/{g:.2f}" for b, p, g in zip(bpp, psnr, gaps)), flush=True)
