"""The encoder's border weights and RDOQ lambda retuned for the lapped default: val, the first N bsd100 photos,
every level, each setting against the shipped one (fit weight 4, RDOQ emphasis 8, lambda 0.1). retune.txt ran at
fbc9908 (the weights were then fit.FIT_BORDER, codec.RDO_BORDER and codec.RDO_LAMBDA, set the same way), retune2.txt
at 94a385a (model.LAPPED_BORDER, lambda codec.RDO_LAMBDA), retune3.txt with model.LAPPED as here.

    python results/retune/retune.py N FIT:RDO[:LAMBDA] ...
"""

import sys

import numpy as np
import torch

from inrzip.codecs.basis import model as basis
from inrzip.tools import bench

torch.set_num_threads(2)
limit, ref = int(sys.argv[1]), None
print(f"val: first {limit} of bsd100, siren-t16-basis-lap, every level; mean per-image PSNR; bench.machine(): "
      f"{bench.machine()}", flush=True)
for setting in ["4:8:0.1"] + sys.argv[2:]:
    fw, rw, *lam = (float(v) for v in setting.split(":"))
    basis.LAPPED = basis.EncoderTuning(fw, rw, lam[0] if lam else 0.1)  # what encoder_tuning gives a lapped init
    r = bench.run("../shared/data/val/bsd100", None, limit=limit, init="siren-t16-basis-lap", anchors=("jpeg",),
                  log=lambda m: None)
    bpp = [m["bpp"] for m in r["means"]]
    psnr = [m["psnr"] for m in r["means"]]
    gaps = np.array([m["psnr_tile_interior"] - m["psnr_tile_border"] for m in r["means"]])
    ref = ref or (bpp, psnr)
    gap05 = float(np.interp(np.log(0.5), np.log(bpp), gaps))
    print(f"fit {fw:g} rdoq {rw:g} lambda {basis.LAPPED.rdoq_lambda:g}: BD vs shipped "
          f"{bench.bd_rate(ref, (bpp, psnr)):+.2f} % (0.25-1 bpp), {bench.bd_rate(ref, (bpp, psnr), 1.0, 2.0):+.2f} % "
          f"(1-2 bpp); gap at 0.5 bpp {gap05:.2f}, levels {gaps.min():.2f}..{gaps.max():.2f}", flush=True)
    print("  " + " ".join(f"{b:.3f}/{p:.2f}/{g:.2f}" for b, p, g in zip(bpp, psnr, gaps)), flush=True)
