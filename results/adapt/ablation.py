"""The val ablation table of 0.7.0's default, in one run: the default, then one lever taken out at a time.

The adapting models taken out: the default's filter on 0.6.0's fixed models (runs/ctx/pf-20k-1600.npz, the filter's
training init: the same values, the bits of fixed models); the longer-trained filter taken out: 0.6.0's filter on
the adapting models (runs/adapt/adapt-ctxfilter.npz, `inrzip train-postfilter --copy-from siren-t16-basis-ctx`);
both: 0.6.0's default. Val, the first 10 bsd100 photos, every level, JPEG's curve on the same photos.

python results/adapt/ablation.py > results/adapt/ablation.txt   (after bash results/adapt/chain.sh and the copy)
"""

import time

import numpy as np
import torch

from inrzip.tools import bench
from inrzip.tools.machine import machine

torch.set_num_threads(2)
VAL = "../shared/data/val/bsd100"
DEFAULT = "siren-t16-basis-adapt"
ROWS = [
    (f"default ({DEFAULT}): adapting models, longer-trained filter", DEFAULT),
    ("- adapting models (0.6.0's fixed ones)", "runs/ctx/pf-20k-1600.npz"),
    ("- longer-trained filter (0.6.0's)", "runs/adapt/adapt-ctxfilter.npz"),
    ("0.6.0's default (siren-t16-basis-ctx)", "siren-t16-basis-ctx"),
]
print(f"machine: {machine()}; val: first 10 of {VAL}, every level; mean per-image PSNR (RGB)")
print(f"{'row':<62} {'PSNR@0.25':>9} {'@0.5':>7} {'@1':>7} {'@2':>7} {'BD vs JPEG':>11} {'BD vs default':>14}")
t0, ref = time.time(), None
for label, init in ROWS:
    r = bench.run(VAL, None, limit=10, init=init, anchors=("jpeg",), log=lambda m: None)
    curve = ([m["bpp"] for m in r["means"]], [m["psnr"] for m in r["means"]])
    ref = ref or curve
    s = r["summary"]["inrzip-ans"]
    at = [s["psnr_at_bpp"][k] for k in ("0.25", "0.5", "1.0")] + [float(np.interp(np.log(2.0), np.log(curve[0]), curve[1]))]
    vs_default = bench.bd_rate(ref, curve)
    print(f"{label:<62} " + " ".join(f"{v:>7.2f}" if v is not None else "    n/a" for v in at)
          + f" {s['bd_rate_vs_jpeg_pct']:>+10.1f} % {vs_default:>+12.1f} %", flush=True)  # fmt: skip
print(f"{time.time() - t0:.0f} s")
