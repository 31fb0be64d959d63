"""kodim23 at 0.5 bpp: the networks' render (what 0.2.0 decoded), the same file post-filtered (0.3.0), WebP at the
same bytes, and the original; one 160x160 crop, 3x nearest-neighbour so the tile grid shows.

python results/postfilter/crop.py ../shared/data/kodak/kodim23.png results/postfilter/kodim23-0.5bpp.png
"""
import sys

import numpy as np
from PIL import Image, ImageDraw

from inrzip import decode, encode
from inrzip.images import load_image
from inrzip.metrics import psnr_uint8
from inrzip.tools import anchors, bench

src, out = sys.argv[1], sys.argv[2]
rgb, _ = load_image(src)
enc = encode(rgb, bpp=0.5)
panels = {
    f"render alone (0.2.0) {psnr_uint8(rgb, decode(enc.data, restore=False)):.2f} dB": decode(enc.data, restore=False),
    f"post-filtered (0.3.0) {psnr_uint8(rgb, decode(enc.data)):.2f} dB": decode(enc.data),
}
webp = anchors.get("webp")
_, data = bench.at_size(rgb, len(enc.data), webp)
panels[f"WebP, {len(data)} B {psnr_uint8(rgb, webp.decode(data)):.2f} dB"] = webp.decode(data)
panels["original"] = rgb
y, x, s, k = 176, 272, 160, 3  # smooth green background between the parrots: where the grid showed
tiles = []
for label, img in panels.items():
    crop = Image.fromarray(np.ascontiguousarray(img[y : y + s, x : x + s])).resize((s * k, s * k), Image.NEAREST)
    canvas = Image.new("RGB", (s * k, s * k + 22), "white")
    canvas.paste(crop, (0, 22))
    ImageDraw.Draw(canvas).text((4, 4), label, fill="black")
    tiles.append(canvas)
sheet = Image.new("RGB", (len(tiles) * (s * k + 6), s * k + 22), "white")
for i, t in enumerate(tiles):
    sheet.paste(t, (i * (s * k + 6), 0))
sheet.save(out)
print(f"kodim23 --bpp 0.5: {len(enc.data)} bytes, {enc.bpp:.3f} bpp;", "; ".join(panels))
