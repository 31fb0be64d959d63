"""The post-filter: a small CNN that takes out of a source-size render what the tile grid and the quantiser put in.

Each tile's function is fitted and quantised alone, so a decode at the source size shows the 16x16
grid in smooth areas and ringing inside busy tiles. The CNN sees across tile borders and is told
what a tile's own function cannot know: where the borders are (the phase of every pixel within its
tile, as cos / sin in x and y) and how coarse the quantiser was (the file's step index). Trained on
the source-size decodes of coded training crops at every level against the crops
(``inrzip train-postfilter``), it predicts a correction added to the render, band by band. It restores
decodes at the source size; a downscale resizes the networks' render and an upscale has the learned upscaler.

It ships inside an init (arrays ``post_filter_*``): a file names its init by content hash, so a file
decodes with the filter it was encoded for, and files of an init without one keep their decodes.
"""

from __future__ import annotations

import numpy as np

from .nets import numpy_cnn
from .nets.numpy_cnn import Net, Window

PREFIX = "post_filter"
STEP_CENTRE, STEP_SCALE = 56, 16  # the step-index channel is (s - 56) / 16: about -2 .. 2 over the ladder
EXTRA = 5  # input channels beside RGB: the step index, cos / sin of the tile phase in x, then in y


def extra_channels(step_index: int, tile: int, win: Window) -> np.ndarray:
    """``[rows, columns, EXTRA]`` float32 of the window: the step index and each pixel's tile phase."""
    y = (np.arange(win.top, win.bottom, dtype=np.float32) + 0.5) * np.float32(2 * np.pi / tile)
    x = (np.arange(win.left, win.right, dtype=np.float32) + 0.5) * np.float32(2 * np.pi / tile)
    shape = (win.bottom - win.top, win.right - win.left)
    planes = [
        np.full(shape, (step_index - STEP_CENTRE) / STEP_SCALE, np.float32),
        np.broadcast_to(np.cos(x)[None], shape),
        np.broadcast_to(np.sin(x)[None], shape),
        np.broadcast_to(np.cos(y)[:, None], shape),
        np.broadcast_to(np.sin(y)[:, None], shape),
    ]
    return np.stack(planes, axis=-1).astype(np.float32)


def apply(net: Net, render: np.ndarray, step_index: int, tile: int) -> np.ndarray:
    """The filtered source-size render ``[H, W, C]`` uint8 (C 1 or 3) of a file at ``step_index``."""
    return numpy_cnn.restore(net, render, lambda win: extra_channels(step_index, tile, win), period=tile)


MAX_SHUFFLE = 4


def to_arrays(net: Net) -> dict[str, np.ndarray]:
    """The arrays an init file stores for ``net`` (``_shuffle`` only where it runs on cells: older releases
    then refuse the filter, whose first layer's inputs do not match theirs, instead of misreading it)."""
    arrays = {f"{PREFIX}_layers": np.array(len(net.weights))}
    if net.shuffle != 1:
        arrays[f"{PREFIX}_shuffle"] = np.array(net.shuffle)
    arrays |= {f"{PREFIX}_w{i}": w.astype(np.float32) for i, w in enumerate(net.weights)}
    return arrays | {f"{PREFIX}_b{i}": b.astype(np.float32) for i, b in enumerate(net.biases)}


def from_arrays(z) -> Net | None:
    """The post-filter of an opened init file, or None where it has none; ValueError where its shapes disagree."""
    if f"{PREFIX}_layers" not in z:
        return None
    n = int(z[f"{PREFIX}_layers"])
    cell = int(z[f"{PREFIX}_shuffle"]) if f"{PREFIX}_shuffle" in z else 1
    if not 1 <= cell <= MAX_SHUFFLE:
        raise ValueError(f"post-filter cells must be 1..{MAX_SHUFFLE} pixels wide")
    net = Net([z[f"{PREFIX}_w{i}"].astype(np.float32) for i in range(n)],
              [z[f"{PREFIX}_b{i}"].astype(np.float32) for i in range(n)], cell)  # fmt: skip
    cin = (3 + EXTRA) * cell * cell
    for w, b in zip(net.weights, net.biases, strict=True):
        if w.ndim != 4 or w.shape[:3] != (3, 3, cin) or b.shape != (w.shape[3],):
            raise ValueError("post-filter layers do not chain")
        cin = w.shape[3]
    if cin != 3 * cell * cell:
        raise ValueError("post-filter does not end in RGB")
    return net
