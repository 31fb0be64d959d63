"""Prototype lever (issue: tiles that know their neighbours): the learned upscaler's CNN as a 1x post-filter.

Trained as `inrzip train-upscaler` trains its networks, on 300 training crops coded at 0.25 / 0.5 / 1 bpp and
decoded at 1x; measured on 10 val photos at three rates (the decoder only changes: equal bytes).

python results/levers/post_filter.py > results/levers/post_filter.txt   (run from the repository root)
"""
import time, numpy as np, torch
torch.set_num_threads(2)
from inrzip import encode, decode, inits, upscaler
from inrzip.images import list_images, load_image
from inrzip.metrics import psnr_uint8
from inrzip.train import upscaler as tr
t0 = time.time()
init = inits.load()
pairs = tr.make_pairs("../shared/data/train", init, (1,), 300, 256, (0.25, 0.5, 1.0), seed=0)
print(f"{len(pairs)} pairs {time.time()-t0:.0f} s", flush=True)
net = tr.fit(pairs, tr.CnnTraining(steps=3000), lambda m: print(m, flush=True))
n = upscaler.Net(*tr.export(net))
for bpp in (0.25, 0.5, 1.0):
    res = []
    for p in list_images("../shared/data/val/bsd100")[:10]:
        im, _ = load_image(p)
        enc = encode(im, bpp=bpp, init=init)
        one = decode(enc.data, init=init)
        res.append((enc.bpp, psnr_uint8(im, one), psnr_uint8(im, upscaler.apply(n, one))))
    m = np.mean(res, axis=0)
    print(f"val 10, --bpp {bpp}: {m[0]:.3f} bpp, decode {m[1]:.2f} dB, + post-filter {m[2]:.2f} dB ({m[2]-m[1]:+.2f})", flush=True)
print(f"{time.time()-t0:.0f} s")
