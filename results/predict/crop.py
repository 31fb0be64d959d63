"""kodim23 at 0.5 bpp: 0.3.0's default (siren-t16-basis-pf) and 0.4.0's (siren-t16-basis-ip, intra prediction), each
by rate control, WebP at the bytes of the 0.4.0 file, and the original; one 160x160 crop, 3x nearest-neighbour so the
tile grid shows.

python results/predict/crop.py ../shared/data/kodak/kodim23.png results/predict/kodim23-0.5bpp.png
Other releases' pairs: LABEL=INIT arguments after the two paths (WebP at the last one's bytes), e.g. 0.5.0's
python results/predict/crop.py ../shared/data/kodak/kodim23.png results/wide/kodim23-0.5bpp.png \
    0.4.0=siren-t16-basis-ip 0.5.0=siren-t16-basis-w240
An init may carry a lapped init's encoder tuning after it (INIT:FIT:RDOQ:LAMBDA, model.EncoderTuning), e.g. 0.11.0's
retune: 0.10.0=siren-t16-basis-lap:4:8:0.1 0.11.0=siren-t16-basis-lap
"""

import sys

import numpy as np
from PIL import Image, ImageDraw

from inrzip import decode, encode
from inrzip.codecs.basis import model as basis
from inrzip.images import load_image
from inrzip.metrics import psnr_uint8
from inrzip.tools import anchors, bench

src, out = sys.argv[1], sys.argv[2]
pairs = [a.split("=", 1) for a in sys.argv[3:]] or [("0.3.0", "siren-t16-basis-pf"), ("0.4.0", "siren-t16-basis-ip")]
rgb, _ = load_image(src)
panels = {}
shipped = basis.LAPPED
for label, spec in pairs:
    init, *tuning = spec.split(":")
    basis.LAPPED = basis.EncoderTuning(*map(float, tuning)) if tuning else shipped
    enc = encode(rgb, bpp=0.5, init=init)
    img = decode(enc.data)
    panels[f"{label} {enc.bpp:.3f} bpp {psnr_uint8(rgb, img):.2f} dB"] = img
webp = anchors.get("webp")
_, data = bench.at_size(rgb, len(enc.data), webp)
panels[f"WebP {len(data) * 8 / rgb.shape[0] / rgb.shape[1]:.3f} bpp {psnr_uint8(rgb, webp.decode(data)):.2f} dB"] = (
    webp.decode(data)
)
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
print("kodim23 --bpp 0.5:", "; ".join(panels))
