"""Distortion measures on 8-bit images (numpy only)."""

from __future__ import annotations

import numpy as np


def psnr_uint8(a: np.ndarray, b: np.ndarray, band: int = 1 << 20) -> float:
    """RGB PSNR in dB, data range 255, over all pixels and channels; ~``band`` samples at a time (bounded memory)."""
    fa, fb = a.reshape(-1), b.reshape(-1)
    sse = 0
    for start in range(0, fa.size, band):
        d = fa[start : start + band].astype(np.int32) - fb[start : start + band].astype(np.int32)
        sse += int(np.dot(d, d))
    if sse == 0:
        return float("inf")
    return float(10 * np.log10(255.0**2 * fa.size / sse))


MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)  # Wang, Simoncelli and Bovik 2003


def _gauss_filter(a: np.ndarray, sigma: float = 1.5, size: int = 11) -> np.ndarray:
    """Separable Gaussian filter of ``[H, W]``, 'valid' region only (as the reference implementation)."""
    x = np.arange(size) - (size - 1) / 2
    k = np.exp(-(x**2) / (2 * sigma**2))
    k /= k.sum()
    w = a.shape[1] - size + 1
    rows = sum(k[i] * a[:, i : i + w] for i in range(size))  # shifted slices: one pass per tap, not per row
    h = a.shape[0] - size + 1
    return sum(k[i] * rows[i : i + h] for i in range(size))


def _ssim_parts(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean SSIM and mean contrast-structure term of two ``[H, W]`` float planes, data range 255."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = _gauss_filter(x), _gauss_filter(y)
    sxx = _gauss_filter(x * x) - mx * mx
    syy = _gauss_filter(y * y) - my * my
    sxy = _gauss_filter(x * y) - mx * my
    cs = (2 * sxy + c2) / (sxx + syy + c2)
    return float(np.mean((2 * mx * my + c1) / (mx * mx + my * my + c1) * cs)), float(np.mean(cs))


def ms_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """MS-SSIM (5 scales, Gaussian window 11 / 1.5, 2x2 average downsampling) of two uint8 images, averaged
    over channels; images smaller than 176 pixels on a side use as many scales as fit."""
    a = a.astype(np.float64).reshape(*a.shape[:2], -1)
    b = b.astype(np.float64).reshape(*b.shape[:2], -1)
    scores = []
    for c in range(a.shape[2]):
        x, y = a[..., c], b[..., c]
        parts = []
        for level in range(len(MS_SSIM_WEIGHTS)):
            if min(x.shape) < 11:
                break
            ssim, cs = _ssim_parts(x, y)
            parts.append(cs if level < len(MS_SSIM_WEIGHTS) - 1 else ssim)
            h, w = (x.shape[0] // 2) * 2, (x.shape[1] // 2) * 2
            x = x[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
            y = y[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
        if len(parts) < len(MS_SSIM_WEIGHTS):  # too small for every scale: the last one reached counts as SSIM
            parts[-1] = ssim
        weights = np.asarray(MS_SSIM_WEIGHTS[: len(parts)])
        weights /= weights.sum()
        scores.append(float(np.prod(np.maximum(parts, 1e-12) ** weights)))
    return float(np.mean(scores))


def seam_ratio(img: np.ndarray, period: int) -> float:
    """Mean absolute step between neighbouring pixels across lines every ``period`` pixels (tile borders)
    over the mean step elsewhere: about 1 for a photo, above 1 where a grid shows."""
    a = img.astype(np.float64).reshape(*img.shape[:2], -1).mean(axis=2)
    dx, dy = np.abs(np.diff(a, axis=1)), np.abs(np.diff(a, axis=0))
    bx = (np.arange(dx.shape[1]) % period) == period - 1
    by = (np.arange(dy.shape[0]) % period) == period - 1
    border = np.concatenate([dx[:, bx].ravel(), dy[by].ravel()])
    inner = np.concatenate([dx[:, ~bx].ravel(), dy[~by].ravel()])
    return float(border.mean() / max(inner.mean(), 1e-12))
