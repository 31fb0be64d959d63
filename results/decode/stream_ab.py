"""0.11.0's post-filter (overlapping 96-pixel blocks) against this checkout's (pieces streamed down their rows), one
process, the filter of one render on both cores and on one: best and median of 7, and whether the pixels agree.

    inrzip decode /tmp/k2.inrz -o /tmp/k2.png -f && python results/decode/stream_ab.py /tmp/k2.png [INIT]
"""
import statistics
import sys

import numpy as np
from PIL import Image
from timing import module_at, seconds

from inrzip import inits, parallel, postfilter
from inrzip.nets import numpy_cnn as new

old = module_at("e65c38b", "inrzip/nets/numpy_cnn.py", "numpy_cnn_0_11_0")
net = inits.load(sys.argv[2] if len(sys.argv) > 2 else inits.DEFAULT_INIT).post_filter
img = np.asarray(Image.open(sys.argv[1]).convert("RGB"))
extra = lambda win: postfilter.extra_channels(56, 16, win)  # noqa: E731
a, b = old.restore(net, img, extra), new.restore(net, img, extra)
print(f"{img.shape[1]}x{img.shape[0]}, cells {net.shuffle}: {int((a != b).sum())} of {a.size} values differ, "
      f"at most by {int(np.abs(a.astype(int) - b).max())}")
for threads in (parallel.workers(), 1):
    parallel.workers = lambda threads=threads: threads
    for name, mod in (("0.11.0 blocks", old), ("streamed", new)) * 2:
        s = seconds(lambda mod=mod: mod.restore(net, img, extra), 7)
        print(f"{threads} thread(s), {name}: best {min(s):.3f} s, median {statistics.median(s):.3f}")
