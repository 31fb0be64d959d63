"""A small convolutional network (3x3 convolutions, ReLU between) evaluated with numpy: the torch-free twin of
:mod:`inrzip.train.upscaler`'s model, so a decode never imports torch."""

from __future__ import annotations

import numpy as np


def conv3x3(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``x [H, W, Cin]`` (zero padded by one) convolved with ``w [3, 3, Cin, Cout]`` plus ``b``: ``[H, W, Cout]``.

    Nine shifted matrix products instead of an im2col copy nine times the input: the memory of a
    strip stays a few activations.
    """
    h, wd, cin = x.shape
    xp = np.zeros((h + 2, wd + 2, cin), np.float32)
    xp[1:-1, 1:-1] = x
    out = np.broadcast_to(b.astype(np.float32), (h * wd, b.size)).copy()
    for dy in range(3):
        for dx in range(3):
            out += xp[dy : dy + h, dx : dx + wd].reshape(-1, cin) @ w[dy, dx]
    return out.reshape(h, wd, -1)


def forward(weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    """The network on ``x [H, W, C]`` float32: convolutions with ReLU between, none after the last."""
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        x = conv3x3(x, w, b)
        if i < len(weights) - 1:
            np.maximum(x, 0, out=x)
    return x


def receptive_radius(n_layers: int) -> int:
    """Pixels each output depends on, each side: one per 3x3 layer."""
    return n_layers
