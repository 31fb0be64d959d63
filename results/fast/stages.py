"""Where `inrzip decode`'s time goes: imports, parse + entropy decoding, render, post-filter, PNG, for one file.

    inrzip encode ../shared/data/kodak/kodim02.png -o /tmp/k2.inrz -f && python results/fast/stages.py /tmp/k2.inrz
"""
import sys
import time

t0 = time.perf_counter()
from PIL import Image  # noqa: E402

from inrzip import decoder, images  # noqa: E402

t1 = time.perf_counter()
data = open(sys.argv[1], "rb").read()
job = decoder.prepare(data)
t2 = time.perf_counter()
rgb = decoder.render(job, decoder.evaluator(job))
t3 = time.perf_counter()
rgb = job.codec.restore(job.init, job.level, rgb)
t4 = time.perf_counter()
images.encode_file(Image.fromarray(rgb), "PNG")
t5 = time.perf_counter()
print(f"import {t1 - t0:.3f} prepare {t2 - t1:.3f} render {t3 - t2:.3f} filter {t4 - t3:.3f} png {t5 - t4:.3f}")
