"""The post-filter of one 768x512 render, timed in a fresh process: three calls after a pause, three right after a
multithreaded BLAS product (whose threads spin a while before they sleep), alternately.

    inrzip encode ../shared/data/kodak/kodim02.png -o /tmp/k2.inrz -f && python results/decode/spin.py /tmp/k2.inrz
"""
import sys
import time

import numpy as np

from inrzip import decoder, inits, postfilter

init = inits.load("siren-t16-basis-lap")
render = decoder.decode(sys.argv[1], restore=False)
a = np.random.default_rng(0).random((2000, 2000), dtype=np.float32)
quiet, after = [], []
for _ in range(3):
    time.sleep(0.5)
    t = time.perf_counter()
    postfilter.apply(init.post_filter, render, 56, 16)
    quiet.append(time.perf_counter() - t)
    a @ a  # BLAS on every core
    t = time.perf_counter()
    postfilter.apply(init.post_filter, render, 56, 16)
    after.append(time.perf_counter() - t)
print("after a pause: " + " ".join(f"{s:.3f}" for s in quiet) + " s; right after a BLAS product: "
      + " ".join(f"{s:.3f}" for s in after) + " s")
