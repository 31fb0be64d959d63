"""Diagnosis of the post-filter that would not train on siren-t16-basis-w240's decodes: the shipped training
(10,000 steps, 800 crops of 256 px) at a lower learning rate, then the filter's gain on two edgy synthetic photos
and one val photo. Not shipped: a record for the next filter.

python results/wide/postfilter_lr.py runs/wide/siren-t16-wide-ip.npz 3e-4 > results/wide/postfilter-lr3e-4.txt
"""

import sys
import time
from pathlib import Path

import numpy as np
import torch

from inrzip import decoder, encoder, inits
from inrzip.images import list_images, load_image
from inrzip.metrics import psnr_uint8
from inrzip.train import postfilter
from inrzip.train.upscaler import CnnTraining

torch.set_num_threads(2)
source, lr = sys.argv[1], float(sys.argv[2])
out = Path("/tmp") / f"pf-lr{lr:g}.npz"
t0 = time.time()
postfilter.train("../shared/data/train", out, source, cnn=CnnTraining(steps=10_000, lr=lr), log=lambda m: None)
ladder = inits.load(str(out))
rgb, _ = load_image(list_images("../shared/data/val/bsd100")[0])
for q in (2, 6, 12):
    data = encoder.encode(rgb, quality=q, init=ladder).data
    gain = psnr_uint8(rgb, decoder.decode(data, init=ladder)) - psnr_uint8(rgb, decoder.decode(data, init=ladder, restore=False))
    print(f"lr {lr:g}: val photo 1, level {q}: filter gain {gain:+.3f} dB", flush=True)
w = ladder.post_filter.weights
print(f"max |w| per layer: {[round(float(np.abs(x).max()), 3) for x in w]}; {time.time() - t0:.0f} s")
