"""The streamed post-filter at other panel widths and strip heights: best and median of 5, both cores.

    inrzip decode /tmp/k2.inrz -o /tmp/k2.png -f && python results/decode/pieces.py /tmp/k2.png [INIT]
"""
import statistics
import sys

import numpy as np
from PIL import Image
from timing import seconds

from inrzip import inits, postfilter
from inrzip.nets import numpy_cnn

net = inits.load(sys.argv[2] if len(sys.argv) > 2 else inits.DEFAULT_INIT).post_filter
img = np.asarray(Image.open(sys.argv[1]).convert("RGB"))
for panel, strip in [(1024, 8), (384, 8), (256, 8), (384, 16), (256, 16), (192, 16), (128, 24), (1024, 4)]:
    numpy_cnn.PANEL, numpy_cnn.STRIP = panel, strip
    s = seconds(lambda: postfilter.apply(net, img, 56, 16), 5)
    print(f"panel {panel}, strip {strip}: best {min(s):.3f} s, median {statistics.median(s):.3f}")
