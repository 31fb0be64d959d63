"""Cheaper post-filters against the default's, on val: what each costs in rate-distortion and border gap.

Rows: the default (siren-t16-basis-seam: width 32, border weight 4); the same values and models with a width-16
filter trained the same way on this encoder's decodes (runs/fast/pf-w16-bw4.npz); with 0.7.0's width-24 filter
(plain loss; runs/adapt/pf-w24-20k.npz); with no filter. Val, the first 10 bsd100 photos, every level, JPEG's curve
on the same photos.

python results/fast/ablation.py > results/fast/ablation.txt   (after the trainings in results/fast/README.md)
"""

import sys

import torch

from inrzip.tools import bench

torch.set_num_threads(2)
VAL = "../shared/data/val/bsd100"
ROWS = [
    ("default (siren-t16-basis-seam, filter width 32)", "siren-t16-basis-seam"),
    ("filter width 16, border weight 4", "runs/fast/pf-w16-bw4.npz"),
    ("filter width 24, plain loss (0.7.0's try)", "runs/adapt/pf-w24-20k.npz"),
    ("no filter", "runs/adapt/siren-t16-adapt-ip.npz"),
]
picked = [r for r in ROWS if not sys.argv[1:] or any(a in r[1] for a in sys.argv[1:])]
bench.ablation(VAL, picked, limit=10, out=lambda line: print(line, flush=True))
