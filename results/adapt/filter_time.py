"""Seconds of the post-filter alone on a Kodak decode (kodim01, level 7), per init given: median of 5 runs, idle.

python results/adapt/filter_time.py INIT [INIT ...]
"""
import sys
import time

import numpy as np

from inrzip import decoder, encoder, inits, postfilter
from inrzip.images import load_image

photo = load_image("../shared/data/kodak/kodim01.png")[0]
for name in sys.argv[1:]:
    init = inits.load(name)
    enc = encoder.encode(photo, quality=7, init=init)
    plain = decoder.decode(enc.data, init=init, restore=False)
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        postfilter.apply(init.post_filter, plain, enc.header.quality, init.cfg.tile)
        runs.append(time.perf_counter() - t0)
    widths = [w.shape[3] for w in init.post_filter.weights[:-1]]
    print(f"{name}: filter widths {widths}, {np.median(runs):.3f} s (median of 5; min {min(runs):.3f})", flush=True)
