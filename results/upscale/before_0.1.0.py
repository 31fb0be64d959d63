# A lab script for the renderer of release 0.1.0 (inrzip.codec and inrzip.bench, gone since): it runs at commit
# a7f2dee, the last with those modules (git worktree add /tmp/at-a7f2dee a7f2dee, then run it there).
"""x2 on Kodak with release 0.1.0's renderer and init (nearest tile, extrapolating), same protocol as bench --upscale."""
import numpy as np
from pathlib import Path
from PIL import Image
from inrzip import codec
from inrzip.bench import seam_psnr
F = 2
res = []
for p in sorted(Path("/work/shared/data/kodak").glob("*.png")):
    orig = np.asarray(Image.open(p).convert("RGB")); H, W = (orig.shape[0] // F) * F, (orig.shape[1] // F) * F; orig = orig[:H, :W]
    small = np.asarray(Image.fromarray(orig).resize((W // F, H // F), Image.Resampling.LANCZOS))
    enc = codec.encode(small, bpp=1.0, device="cpu")
    big = codec.decode(enc.data, size=f"{W}x{H}", device="cpu")
    a = big.astype(np.float64).mean(axis=2)
    dx, dy = np.abs(np.diff(a, axis=1)), np.abs(np.diff(a, axis=0))
    bx = (np.arange(dx.shape[1]) % 32) == 31; by = (np.arange(dy.shape[0]) % 32) == 31
    seam = np.concatenate([dx[:, bx].ravel(), dy[by].ravel()]).mean() / np.concatenate([dx[:, ~bx].ravel(), dy[~by].ravel()]).mean()
    res.append((codec.psnr_uint8(orig, big), seam))
print("0.1.0 render x2 (siren-t16-basis, nearest tile): mean PSNR %.2f dB, seam ratio %.3f" % tuple(np.mean(res, axis=0)))
