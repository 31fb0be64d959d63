"""Val: the shipped init with its entropy tables mixed between the two octaves whose centres bracket the step index
(linear in the step index), encoder and decoder alike (a prototype: ``basis.tables_for`` replaced in this process).
10 bsd100 photos, every level, JPEG's curve on the same photos.

python results/predict/tune_table_mix.py > results/predict/tune-table-mix.txt
"""

import numpy as np
import torch

from inrzip.codecs.basis import model as basis
from inrzip.tools import bench

torch.set_num_threads(2)


def mixed(ladder, s: int):
    last = ladder.pmf.shape[0] - 1
    place = 2 * (s - ladder.group_first * basis.PER_OCTAVE) - (basis.PER_OCTAVE - 2)  # half steps from group 0's centre
    g0 = int(np.clip(place // (2 * basis.PER_OCTAVE), 0, last))
    g1 = min(g0 + 1, last)
    w = float(np.clip(place - 2 * basis.PER_OCTAVE * g0, 0, 2 * basis.PER_OCTAVE)) / (2 * basis.PER_OCTAVE)
    pmf = (1 - w) * ladder.pmf[g0] + w * ladder.pmf[g1]
    return pmf, (1 - w) * ladder.activity_pmf[g0] + w * ladder.activity_pmf[g1]


for label, tables in (("per-octave tables (shipped)", basis.tables_for), ("mixed tables", mixed)):
    basis.tables_for = tables
    r = bench.run("../shared/data/val/bsd100", None, limit=10, anchors=("jpeg",), log=lambda m: None)
    s = r["summary"]["inrzip-ans"]
    at = " / ".join(f"{s['psnr_at_bpp'][k]:.2f}" for k in ("0.25", "0.5", "1.0"))
    levels = " ".join(f"{m['bpp']:.3f}/{m['psnr']:.2f}" for m in r["means"])
    print(f"{label}: {at} dB at 0.25 / 0.5 / 1 bpp, BD-rate vs JPEG {s['bd_rate_vs_jpeg_pct']:+.2f} %; levels {levels}",
          flush=True)  # fmt: skip
