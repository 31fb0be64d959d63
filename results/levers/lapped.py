"""Lever: lapped tiles. Each tile's function also covers ``o`` pixels into its neighbours; the image is the
normalised overlap-add of the windowed tiles (linear ramps over the 2o-pixel overlaps), and the 100 Adam
steps fit all tiles jointly to that blended image. Quantised and ANS-coded exactly as the default codec.

python results/levers/lapped.py ../shared/data/val/bsd100 8 > results/levers/lapped.txt
"""

import sys
import time

import numpy as np
import torch
from PIL import Image

from inrzip import images, inits
from inrzip.codecs.basis import fit as basis_fit
from inrzip.codecs.basis import model as basis
from inrzip.codecs.basis.codec import pack
from inrzip.images import list_images
from inrzip.metrics import psnr_uint8
from inrzip.tools.bench import bd_rate, psnr_at
from inrzip.tools.machine import machine

T = 16
LEVELS = (28, 36, 44, 52, 60, 68)  # step indices


def windows(o: int) -> np.ndarray:
    """1-D window over the extended tile (offsets -o .. T-1+o): linear ramps across each 2o overlap."""
    x = np.arange(-o, T + o, dtype=np.float64)
    left = np.clip((x + o + 0.5) / (2 * o), 0, 1)
    right = np.clip((T + o - 0.5 - x) / (2 * o), 0, 1)
    return np.minimum(left, right)


def extended_coords(o: int) -> np.ndarray:
    axis = -1.0 + 2.0 * np.arange(-o, T + o) / (T - 1)
    yy, xx = np.meshgrid(axis, axis, indexing="ij")
    return np.stack([xx, yy], -1).reshape(-1, 2).astype(np.float32)


class Lapped:
    """Render and fit with overlap ``o`` on an image padded to whole tiles plus ``o`` on every side."""

    def __init__(self, ladder, h: int, w: int, o: int):
        self.ladder, self.o, self.h, self.w = ladder, o, h, w
        self.ny, self.nx = -(-h // T), -(-w // T)
        self.size = (self.ny * T + 2 * o, self.nx * T + 2 * o)
        e = T + 2 * o
        win = windows(o)
        self.win = torch.from_numpy(np.outer(win, win).reshape(-1)).float()  # [E^2]
        self.phi = torch.from_numpy(basis.functions(ladder, extended_coords(o)))  # [3, E^2, K]
        self.e = e
        ones = self.win[None, :, None].expand(self.ny * self.nx, -1, 1)
        self.norm = self._fold(ones)  # [1, 1, H, W]

    def _fold(self, x: torch.Tensor) -> torch.Tensor:
        """Overlap-add of per-tile patches ``[L, E^2, C]`` into ``[1, C, H, W]``."""
        c = x.shape[2]
        cols = x.permute(2, 1, 0).reshape(1, c * self.e * self.e, -1)
        return torch.nn.functional.fold(cols, self.size, kernel_size=self.e, stride=T)

    def render(self, coef: torch.Tensor) -> torch.Tensor:
        """RGB image ``[h, w, 3]`` (floats) of coefficients ``[L, 3, K]``."""
        z = torch.einsum("cnk,lck->lnc", self.phi, coef)
        rgb = z @ torch.from_numpy(self.ladder.colour.T) + torch.from_numpy(self.ladder.colour_mean)
        img = self._fold(rgb * self.win[None, :, None]) / self.norm
        o = self.o
        return img[0].permute(1, 2, 0)[o : o + self.h, o : o + self.w]

    def fit(self, rgb: np.ndarray, steps: int = 100, lr: float = 0.5) -> torch.Tensor:
        target = torch.from_numpy(rgb.astype(np.float32) / 255)
        rms = torch.from_numpy(self.ladder.rms)
        u = torch.zeros(self.ny * self.nx, 3, self.ladder.k, requires_grad=True)
        opt = torch.optim.Adam([u], lr=lr)
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            loss = (self.render(u * rms) - target).square().sum() / (T * T * 3)
            loss.backward()
            opt.step()
        return (u * rms).detach()


def decode_psnr(lap: Lapped, data_coef: np.ndarray, rgb: np.ndarray) -> float:
    img = lap.render(torch.from_numpy(data_coef)).numpy()
    return psnr_uint8(rgb, np.rint(np.clip(img, 0, 1) * 255).astype(np.uint8))


def quantised(ladder, s: int, coef: np.ndarray) -> np.ndarray:
    keep = basis.mask(ladder, s)
    q = basis.deadzone_quantize(coef[:, keep], s, ladder.deadzone)
    return basis.expand(ladder, s, (q * np.float32(basis.step(s))).astype(np.float32))


def main(folder: str, limit: int) -> None:
    ladder = inits.load()
    torch.set_num_threads(2)
    print(f"machine: {machine()}; init {ladder.name}; step indices {LEVELS}")
    curves: dict[str, list] = {}
    for path in list_images(folder)[:limit]:
        rgb, _ = images.load_image(path)
        h, w, _ = rgb.shape
        t0 = time.perf_counter()
        base = basis_fit.fit_images([rgb], ladder, 100, 0.5, torch.device("cpu"))[0]
        variants = {"independent (0.2.0)": (None, base)}
        for o in (1, 2):
            lap = Lapped(ladder, h, w, o)
            variants[f"lapped o={o}"] = (lap, lap.fit(rgb).numpy())
        for name, (lap, coef) in variants.items():
            pts = curves.setdefault(name, [])
            for s in LEVELS:
                data = pack(ladder, s, coef, w, h)
                if lap is None:
                    from inrzip import decode

                    psnr = psnr_uint8(rgb, decode(data))
                else:
                    psnr = decode_psnr(lap, quantised(ladder, s, coef), rgb)
                pts.append((path.name, s, len(data) * 8 / (w * h), psnr))
        print(f"{path.name}: {time.perf_counter() - t0:.1f} s", flush=True)
    base_curve = None
    for name, pts in curves.items():
        mean = [(np.mean([p[2] for p in pts if p[1] == s]), np.mean([p[3] for p in pts if p[1] == s])) for s in LEVELS]
        bpp, psnr = zip(*mean, strict=True)
        base_curve = base_curve or (bpp, psnr)
        bd = bd_rate(base_curve, (bpp, psnr))
        at = psnr_at(bpp, psnr, 0.5)
        print(f"{name:<22} " + " ".join(f"{b:.3f}/{p:.2f}" for b, p in mean)
              + f" | at 0.5 bpp {at if at is None else round(at, 2)} dB | BD-rate vs independent {bd:+.1f} %")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
