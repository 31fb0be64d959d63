"""The val ablation table of 0.7.0's default, in one run: the default, then one lever taken out at a time.

The adapting models taken out: the default's filter on 0.6.0's fixed models (runs/ctx/pf-20k-1600.npz, the filter's
training init: the same values, the bits of fixed models); the longer-trained filter taken out: 0.6.0's filter on
the adapting models (runs/adapt/adapt-ctxfilter.npz, `inrzip train-postfilter --copy-from siren-t16-basis-ctx`);
both: 0.6.0's default. Val, the first 10 bsd100 photos, every level, JPEG's curve on the same photos.

python results/adapt/ablation.py > results/adapt/ablation.txt   (after bash results/adapt/chain.sh and the copy)
"""


import torch

from inrzip.tools import bench

torch.set_num_threads(2)
VAL = "../shared/data/val/bsd100"
DEFAULT = "siren-t16-basis-adapt"
ROWS = [
    (f"default ({DEFAULT}): adapting models, longer-trained filter", DEFAULT),
    ("- adapting models (0.6.0's fixed ones)", "runs/ctx/pf-20k-1600.npz"),
    ("- longer-trained filter (0.6.0's)", "runs/adapt/adapt-ctxfilter.npz"),
    ("0.6.0's default (siren-t16-basis-ctx)", "siren-t16-basis-ctx"),
]
bench.ablation(VAL, ROWS, limit=10, out=lambda line: print(line, flush=True))
