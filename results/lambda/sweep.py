"""The RDOQ's rate weight lambda, retuned with the post-filter in the loop: 0.1 was chosen in 0.2.0, before the
filter, the prediction and the adapting models. Encoder only: every file decodes with the same decoder.
Val, the first 10 bsd100 photos, every level of the default init; BD-rate against the first row.

python results/lambda/sweep.py [LAMBDA ...] > results/lambda/sweep.txt
"""

import sys

import torch

from inrzip import inits
from inrzip.codecs.basis import model as basis
from inrzip.tools import bench

torch.set_num_threads(2)
lams = [float(a) for a in sys.argv[1:]] or [0.1, 0.13, 0.16, 0.2]
for lam in lams:
    basis.UNLAPPED = basis.UNLAPPED._replace(rdoq_lambda=lam)  # 0.11.0 moved codec.RDO_LAMBDA there
    bench.ablation("../shared/data/val/bsd100", [(f"lambda {lam}", inits.DEFAULT_INIT)], limit=10,
                   out=lambda line: print(line, flush=True))
