"""Gray and alpha on real photos: what one-channel gray and the alpha plane cost, and what they give back.

python results/everyday/modes.py ../shared/data/kodak > results/everyday/modes.txt
"""

import sys
from pathlib import Path

import numpy as np
from PIL import Image

from inrzip import decode, encode
from inrzip.metrics import psnr_uint8
from inrzip.tools.machine import machine

kodak = Path(sys.argv[1])
names = ["kodim05.png", "kodim14.png", "kodim23.png"]
print(f"machine: {machine()}")
print("gray: the photo as L (one channel coded) vs the same gray as RGB vs the colour original, same level")
for name in names:
    rgb = np.asarray(Image.open(kodak / name).convert("RGB"))
    gray = np.asarray(Image.open(kodak / name).convert("L"))
    for q in (4, 8, 12):
        g, g3, c = (encode(x, quality=q) for x in (gray, np.repeat(gray[..., None], 3, 2), rgb))
        print(
            f"  {name} q{q}: L {len(g.data):,} B {g.psnr:.2f} dB | gray as RGB {len(g3.data):,} B {g3.psnr:.2f} dB"
            f" | colour {len(c.data):,} B {c.psnr:.2f} dB | L / colour bytes {len(g.data) / len(c.data):.2f}"
        )
print("alpha: RGBA at colour level 8; soft = a radial ramp, binary = a disk; alpha level swept")
for name in names:
    rgb = np.asarray(Image.open(kodak / name).convert("RGB"))
    h, w, _ = rgb.shape
    y, x = np.mgrid[0:h, 0:w]
    r = np.hypot(x - w / 2, y - h / 2) / np.hypot(w / 2, h / 2)
    soft = np.clip(255 * (1.2 - 1.4 * r), 0, 255).astype(np.uint8)
    binary = np.where(r < 0.6, 255, 0).astype(np.uint8)
    plain = encode(rgb, quality=8)
    for label, alpha in (("binary", binary), ("soft", soft)):
        for aq in (4, 8, 15) if label == "soft" else (None,):
            enc = encode(np.dstack([rgb, alpha]), quality=8, alpha_quality=aq)
            back = decode(enc.data)[..., 3]
            print(
                f"  {name} {label} alpha level {aq or '-'}: file {len(enc.data):,} B (RGB alone {len(plain.data):,}),"
                f" alpha {enc.alpha_bytes:,} B = {enc.alpha_bytes * 8 / (w * h):.4f} bpp,"
                f" alpha PSNR {psnr_uint8(alpha, back):.2f} dB, colour PSNR {enc.psnr:.2f} dB"
            )
