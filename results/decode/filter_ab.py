"""0.10.0's post-filter convolutions against this checkout's, one process: a 106x106 block on one thread (fresh
allocations each call for 0.10.0's), then the whole filter of a 768x512 render on both cores, best and median of 5.

    inrzip decode /tmp/k2.inrz -o /tmp/k2.png -f && python results/decode/filter_ab.py /tmp/k2.png
"""
import sys
import time

import numpy as np
from PIL import Image
from threadpoolctl import threadpool_limits
from timing import module_at, seconds

from inrzip import postfilter
from inrzip.nets import numpy_cnn as new

old = module_at("7ed05e6", "inrzip/nets/numpy_cnn.py", "numpy_cnn_0_10_0")
net = postfilter.from_arrays(np.load("weights/siren-t16-basis-lap.npz"))
x = np.random.default_rng(0).random((106, 106, 8), dtype=np.float32)


def per_call(f, n=20):
    f()
    t = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t) / n


with threadpool_limits(1, user_api="blas"):
    scratch = new.Scratch()
    print(f"block: 0.10.0 {per_call(lambda: old.forward(net.weights, net.biases, x)) * 1e3:.1f} ms, "
          f"now {per_call(lambda: new.forward(net.weights, net.biases, x, scratch)) * 1e3:.1f} ms")
img = np.asarray(Image.open(sys.argv[1]).convert("RGB"))
extra = lambda win: postfilter.extra_channels(56, 16, win)  # noqa: E731
for name, mod in (("0.10.0", old), ("now", new)) * 2:
    s = seconds(lambda mod=mod: mod.restore(net, img, extra), 5)
    print(f"{name}: restore best {min(s):.3f} s, median {sorted(s)[2]:.3f}")
