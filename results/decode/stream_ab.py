"""0.11.0's post-filter (overlapping 96-pixel blocks) against this checkout's (pieces streamed down their rows), one
process, the filter of one render on both cores and on one: best and median of 7, and whether the pixels agree.

    inrzip decode /tmp/k2.inrz -o /tmp/k2.png -f && python results/decode/stream_ab.py /tmp/k2.png [INIT]
"""
import statistics
import subprocess
import sys
import time
import types

import numpy as np
from PIL import Image

from inrzip import inits, parallel, postfilter
from inrzip.nets import numpy_cnn as new

source = subprocess.run(["git", "show", "e65c38b:inrzip/nets/numpy_cnn.py"], capture_output=True, text=True,
                        check=True).stdout.replace("from .. import", "from inrzip import").replace(
                        "from ..images import", "from inrzip.images import")  # fmt: skip
old = types.ModuleType("numpy_cnn_0_11_0")
sys.modules[old.__name__] = old  # dataclasses look their module up
exec(compile(source, "numpy_cnn_0_11_0", "exec"), old.__dict__)
net = inits.load(sys.argv[2] if len(sys.argv) > 2 else inits.DEFAULT_INIT).post_filter
img = np.asarray(Image.open(sys.argv[1]).convert("RGB"))
extra = lambda win: postfilter.extra_channels(56, 16, win)  # noqa: E731
a, b = old.restore(net, img, extra), new.restore(net, img, extra)
print(f"{img.shape[1]}x{img.shape[0]}, cells {net.shuffle}: {int((a != b).sum())} of {a.size} values differ, "
      f"at most by {int(np.abs(a.astype(int) - b).max())}")
for threads in (parallel.workers(), 1):
    parallel.workers = lambda threads=threads: threads
    for name, mod in (("0.11.0 blocks", old), ("streamed", new)) * 2:
        s = []
        for _ in range(7):
            t = time.perf_counter()
            mod.restore(net, img, extra)
            s.append(time.perf_counter() - t)
        print(f"{threads} thread(s), {name}: best {min(s):.3f} s, median {statistics.median(s):.3f}")
