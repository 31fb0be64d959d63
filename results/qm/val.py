"""Val (first 10 bsd100 photos, every level, JPEG beside): each init's curve, BD-rate vs JPEG and vs the first,
PSNR at 0.25 / 0.5 / 1 / 2 bpp, and per level bpp / PSNR / border gap.

    python results/qm/val.py [--limit N] INIT ...   (N photos; 10 unless given)
"""

import sys

import numpy as np
import torch

from inrzip.tools import bench

torch.set_num_threads(2)
VAL = "../shared/data/val/bsd100"
ref, args = None, sys.argv[1:]
limit, args = (int(args[1]), args[2:]) if args[:1] == ["--limit"] else (10, args)
for init in args:
    r = bench.run(VAL, None, limit=limit, init=init, anchors=("jpeg",), log=lambda m: None)
    curve = ([m["bpp"] for m in r["means"]], [m["psnr"] for m in r["means"]])
    ref = ref or curve
    s = next(v for k, v in r["summary"].items() if k.startswith("inrzip-"))
    at = [s["psnr_at_bpp"][k] for k in ("0.25", "0.5", "1.0")] + [bench.psnr_at(*curve, 2.0)]
    gaps = [m["psnr_tile_interior"] - m["psnr_tile_border"] for m in r["means"]]
    print(f"{init}: PSNR {' / '.join(f'{v:.2f}' for v in at)}; BD vs JPEG {s['bd_rate_vs_jpeg_pct']:+.1f} %, "
          f"vs first {bench.bd_rate(ref, curve):+.2f} %; gap mean {np.mean(gaps):.2f}", flush=True)
    print("  " + " ".join(f"{m['bpp']:.3f}/{m['psnr']:.2f}/{g:.2f}" for m, g in zip(r["means"], gaps)), flush=True)
