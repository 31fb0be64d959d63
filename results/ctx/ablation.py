"""The val ablation table of 0.6.0's default, in one run: the default, then one lever taken out at a time.

Taken out without retraining, each as an init file written beside the default (found through INRZIP_WEIGHTS, as a
file names its init by content): the post-filter trained on this init's decodes against 0.5.0's copied one; the
entropy options (chroma classes, activity context) from an init trained without each (runs/ctx, same body,
prediction and steps, with the default's filter). Val, the first 10 bsd100 photos, every level, JPEG's curve on the
same photos.

python results/ctx/ablation.py > results/ctx/ablation.txt   (after bash results/ctx/ablation_inits.sh)
"""

import os
import tempfile
from pathlib import Path

import numpy as np
import torch

from inrzip import inits
from inrzip.tools import bench

torch.set_num_threads(2)
VAL = "../shared/data/val/bsd100"
DEFAULT = "siren-t16-basis-ctx"
work = Path(tempfile.mkdtemp())
os.environ["INRZIP_WEIGHTS"] = str(work)


def arrays_of(init: str) -> dict:
    with np.load(inits.resolve(init)) as z:
        return {k: z[k] for k in z.files}


def variant(name: str, arrays: dict) -> str:
    np.savez_compressed(work / f"{name}.npz", **arrays)
    return name


def filter_of(init: str) -> dict:
    return {k: v for k, v in arrays_of(init).items() if k.startswith("post_filter")}


def entropy_of(init: str) -> dict:
    return {k: v for k, v in arrays_of(init).items() if k in ("lrms", "pmf", "activity_pmf", "group_first", "meta")}


default = arrays_of(DEFAULT)
ROWS = [
    (f"default ({DEFAULT}): chroma classes, activity context, own filter", DEFAULT),
    ("- own filter (0.5.0's copied filter)", variant("ctx-old-filter", default | filter_of("siren-t16-basis-w240"))),
    ("- activity context", variant("ctx-no-activity", default | entropy_of("runs/ctx/no-activity.npz"))),
    ("- chroma classes", variant("ctx-no-chroma", default | entropy_of("runs/ctx/no-chroma.npz"))),
    ("- both (0.5.0's tables, own filter)", variant("ctx-no-both", default | entropy_of("runs/wide/siren-t16-wide-ip.npz"))),
    ("0.5.0's default (siren-t16-basis-w240)", "siren-t16-basis-w240"),
]
bench.ablation(VAL, ROWS, limit=10, out=lambda line: print(line, flush=True))
