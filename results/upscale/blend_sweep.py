"""Sweep of the upscaled render's blend zone on val (8 bsd100 photos, 1 bpp of the small image).

Ran at commit 1374333 plus a BLEND_CLAMP knob (99: each tile extrapolates freely through the gap; 0: its
values are clamped at its edge samples), since made the only behaviour:
python results/upscale/blend_sweep.py 2 (and 4). Output: blend-sweep-val.txt; each row: mean PSNR of the
render, of the 1x decode + Lanczos, the seam ratio of the render and of the original.
"""
import sys
import numpy as np
from PIL import Image
from inrzip import encode, decode, decoder
from inrzip.images import list_images
from inrzip.metrics import psnr_uint8, seam_ratio
F = int(sys.argv[1]); paths = list_images("/work/shared/data/val/bsd100")[:8]
encs = {}
for p in paths:
    orig = np.asarray(Image.open(p).convert("RGB")); H, W = (orig.shape[0] // F) * F, (orig.shape[1] // F) * F; orig = orig[:H, :W]
    small = np.asarray(Image.fromarray(orig).resize((W // F, H // F), Image.Resampling.LANCZOS))
    encs[p.name] = (orig, encode(small, bpp=1.0).data)
for reach, clamp in ((0.0, 99.0), (0.0, 0.0), (0.1, 0.0), (0.15, 0.0), (0.2, 0.0), (0.3, 0.0)):
    decoder.BLEND_REACH, decoder.BLEND_CLAMP = reach, clamp
    r = []
    for n, (orig, data) in encs.items():
        H, W, _ = orig.shape
        big = decode(data, size=(W, H)); one = decode(data)
        lz = np.asarray(Image.fromarray(one).resize((W, H), Image.Resampling.LANCZOS))
        r.append((psnr_uint8(orig, big), psnr_uint8(orig, lz), seam_ratio(big, 16 * F), seam_ratio(orig, 16 * F)))
    print("x", F, "reach", reach, "clamp", clamp, np.mean(r, axis=0).round(3), flush=True)
