"""The val ablation of 0.10.0, one run: each row takes one lever out of the row above it (first 10 bsd100 photos,
every level, JPEG beside): PSNR at 0.25 / 0.5 / 1 / 2 bpp, BD-rate vs JPEG and vs the first row (0.25-1 bpp), the
border gap at 0.5 bpp (interior - border PSNR, interpolated in log-rate between levels) and its mean over the levels.

    INRZIP_WEIGHTS=runs/lap:runs/half:weights python results/lap/ablation.py   (after bash results/lap/chain.sh)
"""

import numpy as np
import torch

from inrzip.tools import bench

torch.set_num_threads(2)
ROWS = [
    ("default (0.10.0): lapping at 1.3, its filter fine-tuned on the lapped decodes", "siren-t16-basis-lap"),
    ("- the fine-tuning (the 20,000-step filter as it is)", "runs/lap/lap13-f20.npz"),
    ("- lapping", "runs/half/pf-qm-bw4-20k.npz"),
    ("- the 20,000-step filter (0.9.0, siren-t16-basis-qm)", "siren-t16-basis-qm"),
]
print(f"machine: {bench.machine()}; val: first 10 of ../shared/data/val/bsd100, every level; mean per-image PSNR (RGB)")
ref = None
for label, init in ROWS:
    r = bench.run("../shared/data/val/bsd100", None, limit=10, init=init, anchors=("jpeg",), log=lambda m: None)
    bpp = np.array([m["bpp"] for m in r["means"]])
    psnr = [m["psnr"] for m in r["means"]]
    gaps = np.array([m["psnr_tile_interior"] - m["psnr_tile_border"] for m in r["means"]])
    ref = ref or (list(bpp), psnr)
    s = next(v for k, v in r["summary"].items() if k.startswith("inrzip-"))
    at = [s["psnr_at_bpp"][k] for k in ("0.25", "0.5", "1.0")] + [bench.psnr_at(list(bpp), psnr, 2.0)]
    gap05 = float(np.interp(np.log(0.5), np.log(bpp), gaps))
    print(f"| {label} | {' / '.join(f'{v:.2f}' for v in at)} | {s['bd_rate_vs_jpeg_pct']:+.1f} % | "
          f"{bench.bd_rate(ref, (list(bpp), psnr)):+.2f} % | {gap05:.2f} | {gaps.mean():.2f} |", flush=True)
    print("  " + " ".join(f"{b:.3f}/{p:.2f}/{g:.2f}" for b, p, g in zip(bpp, psnr, gaps)), flush=True)
