"""Seconds of the default decoder's dequantisation (residuals plus intra predictions, wavefront by wavefront) for
one file, best of 5.

    python results/decode/dequantize_time.py /tmp/k2.inrz
"""
import sys

from timing import seconds

from inrzip import decoder
from inrzip.codecs.basis import model

calls = []
dequantize = model.dequantize
model.dequantize = lambda *a: calls.append(a) or dequantize(*a)
decoder.prepare(open(sys.argv[1], "rb").read())
s = seconds(lambda: dequantize(*calls[0]), 5)
print(f"dequantize: best {min(s) * 1e3:.1f} ms")
