"""The numpy walk through a SIREN's layers: the decoder's network, with no torch import.

One function serves a single network (``[P]`` weights, the shared body) and a batch of networks
(``[B, P]``, one per tile): numpy's ``matmul`` broadcasts over the leading axes.
"""

from __future__ import annotations

import numpy as np

from .arch import SirenConfig


def forward(
    cfg: SirenConfig, weights: np.ndarray, bias: np.ndarray, coords: np.ndarray, head: bool = True
) -> np.ndarray:
    """``sin(w0 (h W + b))`` through the hidden layers, then the linear last layer (``head``) if asked.

    ``weights [..., P]`` and ``bias [..., Q]`` hold every layer flat (layer l as an ``in x out``
    matrix, row-major); ``coords [..., N, 2]``. Without ``head`` the weights may stop after the
    hidden layers and the result is the last hidden layer's features ``[..., N, width]``.
    """
    shapes = cfg.layer_shapes()
    h, wo, bo = coords.astype(np.float32), 0, 0
    w0 = np.float32(cfg.w0)
    for i, (fan_in, fan_out) in enumerate(shapes if head else shapes[:-1]):
        w = weights[..., wo : wo + fan_in * fan_out].reshape(*weights.shape[:-1], fan_in, fan_out)
        b = bias[..., None, bo : bo + fan_out] if bias.ndim > 1 else bias[bo : bo + fan_out]
        wo, bo = wo + fan_in * fan_out, bo + fan_out
        h = np.sin((h @ w + b) * w0) if i < len(shapes) - 1 else h @ w + b
    return h
