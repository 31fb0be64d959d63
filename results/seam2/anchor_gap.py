"""The border gap of the anchors on inrzip's tile grid: each Kodak photo coded by each anchor at the setting the
bench matched to the inrzip file's size (results/kodak-basis-qm.json), PSNR on the pixels of the 16x16 grid's
border ring against the rest, as the bench measures inrzip's (``bench.seam_psnr``); and on an 8x8 grid (JPEG's
blocks). Mean over the photos of interior - border PSNR.

    python results/seam2/anchor_gap.py results/kodak-basis-qm.json 1 4 6 7 10 12
"""

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from inrzip.tools import anchors
from inrzip.tools.bench import seam_psnr

KODAK = Path("../shared/data/kodak")
rows = json.load(open(sys.argv[1]))["rows"]
levels = [int(a) for a in sys.argv[2:]]
found, _ = anchors.available(anchors.NAMES)
print("level  bpp    " + "  ".join(f"{n:>16}" for n in ["inrzip", *(a.name for a in found)]), flush=True)
for level in levels:
    at = [r for r in rows if r["quality"] == level and r["codec"] == "ans"]
    gaps = {"inrzip": ([r["psnr_tile_interior"] - r["psnr_tile_border"] for r in at], [])}
    for a in found:
        g16, g8 = [], []
        for r in at:
            rgb = np.asarray(Image.open(KODAK / r["image"]).convert("RGB"))
            recon = a.decode(a.encode(rgb, r[f"{a.name}_quality"]))
            b, i = seam_psnr(rgb, recon, 16)
            g16.append(i - b)
            b, i = seam_psnr(rgb, recon, 8)
            g8.append(i - b)
        gaps[a.name] = (g16, g8)
    bpp = np.mean([r["bpp"] for r in at])
    cells = [f"{np.mean(g16):+.2f}" + (f" ({np.mean(g8):+.2f})" if g8 else "") for g16, g8 in gaps.values()]
    print(f"{level:>5}  {bpp:.3f}  " + "  ".join(f"{c:>16}" for c in cells), flush=True)
