"""The val ablation table of 0.5.0's default, in one run: the default, then one lever taken out at a time.

Taken out without retraining, each as an init file written beside the default with the lever's arrays removed
(found through INRZIP_WEIGHTS, as a file names its init by content): the mixing of entropy tables between
octaves (the same tables, each octave's own), the post-filter; then 0.4.0's default (width-192 body, tables per
octave, its post-filter trained before prediction) for the width. Val, the first 10 bsd100 photos, every level,
JPEG's curve on the same photos.

python results/wide/ablation.py > results/wide/ablation.txt
"""

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import torch

from inrzip import inits
from inrzip.tools import bench

torch.set_num_threads(2)
VAL = "../shared/data/val/bsd100"
DEFAULT = "siren-t16-basis-w240"
work = Path(tempfile.mkdtemp())
os.environ["INRZIP_WEIGHTS"] = str(work)


def variant(name: str, edit) -> str:
    with np.load(inits.resolve(DEFAULT)) as z:
        arrays = edit({k: z[k] for k in z.files})
    np.savez_compressed(work / f"{name}.npz", **arrays)
    return name


def no_mix(a: dict) -> dict:
    meta = json.loads(str(a["meta"]))
    meta.pop("table_mix")
    return a | {"meta": np.array(json.dumps(meta))}


ROWS = [
    (f"default ({DEFAULT}): width 240, mixed tables, prediction, post-filter, RDOQ", DEFAULT),
    ("- mixed tables (each octave's own)", variant("w240-no-mix", no_mix)),
    ("- post-filter", variant("w240-no-filter", lambda a: {k: v for k, v in a.items() if "post_filter" not in k})),
    ("0.4.0's default (siren-t16-basis-ip: width 192, tables per octave)", "siren-t16-basis-ip"),
]
bench.ablation(VAL, ROWS, limit=10, out=lambda line: print(line, flush=True))
