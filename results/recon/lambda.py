"""RDOQ rate weight on the 0.6.0 default: val, 10 bsd100 photos, every level; PSNR at 0.25 / 0.5 / 1 bpp, BD-rate vs JPEG and vs
the first lambda given.

python results/recon/lambda.py 0.1 0.14 0.07
"""
import sys

import torch
torch.set_num_threads(2)
from inrzip.codecs.basis import model as basis
from inrzip.tools import bench
ref = None
for lam in [float(x) for x in sys.argv[1:]]:
    basis.UNLAPPED = basis.UNLAPPED._replace(rdoq_lambda=lam)  # 0.11.0 moved codec.RDO_LAMBDA there
    r = bench.run("../shared/data/val/bsd100", None, limit=10, init="siren-t16-basis-ctx", anchors=("jpeg",), log=lambda m: None)
    curve = ([m["bpp"] for m in r["means"]], [m["psnr"] for m in r["means"]])
    ref = ref or curve
    s = r["summary"]["inrzip-ans"]
    print(lam, s["psnr_at_bpp"], s["bd_rate_vs_jpeg_pct"], bench.bd_rate(ref, curve), flush=True)
