"""The val ablation table: the default codec with one lever taken out at a time, in one run.

Levers taken out without retraining: intra prediction (the same fits coded by the init without it,
siren-t16-basis-pf), then the post-filter too (siren-t16-basis-sr, the same bytes as -pf), rate-distortion
optimised quantisation (the dead zone alone), the dead zone (plain rounding). Val, the first 10 bsd100 photos,
every level, JPEG's curve on the same photos.

python results/predict/ablation.py > results/predict/ablation.txt
"""

import time

import torch

from inrzip import inits
from inrzip.codecs.basis import model as basis
from inrzip.tools import bench
from inrzip.tools.machine import machine

torch.set_num_threads(2)
VAL = "../shared/data/val/bsd100"
rdo = basis._rdo_block


def dead_zone_only(ladder, coef, s, cls, lam, bits):
    return basis.deadzone_quantize(coef, s, ladder.deadzone)


def rounding_only(ladder, coef, s, cls, lam, bits):
    return basis.deadzone_quantize(coef, s, 0.5)


ROWS = [
    (f"default ({inits.DEFAULT_INIT}): prediction, post-filter, RDOQ, dead zone", inits.DEFAULT_INIT, rdo),
    ("- prediction (siren-t16-basis-pf)", "siren-t16-basis-pf", rdo),
    ("- prediction - post-filter (siren-t16-basis-sr)", "siren-t16-basis-sr", rdo),
    ("- RDOQ (dead zone alone)", inits.DEFAULT_INIT, dead_zone_only),
    ("- RDOQ - dead zone (rounding)", inits.DEFAULT_INIT, rounding_only),
]
print(f"machine: {machine()}; val: first 10 of {VAL}, every level; mean per-image PSNR (RGB)")
print(f"{'row':<72} {'PSNR@0.25':>9} {'@0.5':>7} {'@1':>7} {'BD vs JPEG':>11} {'BD vs default':>14}")
t0, ref = time.time(), None
for label, init, quantize in ROWS:
    basis._rdo_block = quantize
    r = bench.run(VAL, None, limit=10, init=init, anchors=("jpeg",), log=lambda m: None)
    basis._rdo_block = rdo
    curve = ([m["bpp"] for m in r["means"]], [m["psnr"] for m in r["means"]])
    ref = ref or curve
    s = r["summary"]["inrzip-ans"]
    at = [s["psnr_at_bpp"][k] for k in ("0.25", "0.5", "1.0")]
    vs_default = bench.bd_rate(ref, curve)
    print(f"{label:<72} " + " ".join(f"{v:>7.2f}" if v is not None else "    n/a" for v in at)
          + f" {s['bd_rate_vs_jpeg_pct']:>+10.1f} % {vs_default:>+12.1f} %", flush=True)  # fmt: skip
print(f"{time.time() - t0:.0f} s")
