"""A small convolutional network (3x3 convolutions, ReLU between) evaluated with numpy: the torch-free twin of
:func:`inrzip.train.upscaler.network`, so a decode never imports torch. Used by the learned upscaler and the
post-filter, both of which add its output to the render they restore.

A network may run on cells of ``shuffle x shuffle`` pixels (torch's pixel unshuffle before the first layer, pixel
shuffle after the last): each layer then costs ``shuffle^2`` times less per pixel and sees ``shuffle`` times
farther. Cells are aligned to the image's corner, so blocks and the whole image cut them the same way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import parallel
from ..images import to_uint8

BLOCK = 96  # output cells per side of a block: its activations (~5 MB) stay in the CPU's cache, so a block is
# faster per pixel than a bigger one (768x512 post-filter, one thread: 0.53 s at 96, 0.79 at 256) despite its halo
# (the receptive radius on each side, +22 % of the work at 96)


class Window(NamedTuple):
    """Rows ``top:bottom`` and columns ``left:right`` of an image."""

    top: int
    bottom: int
    left: int
    right: int


@dataclass(frozen=True)
class Net:
    """One CNN: ``[3, 3, Cin, Cout]`` weights and biases per layer, on cells of ``shuffle x shuffle`` pixels
    (``Cin`` = input channels x shuffle^2, ``Cout`` of the last = output channels x shuffle^2)."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    shuffle: int = 1

    @property
    def radius(self) -> int:
        """Pixels each output depends on, each side."""
        return receptive_radius(len(self.weights), self.shuffle)

    @property
    def inputs(self) -> int:
        """Input channels per pixel."""
        return self.weights[0].shape[2] // (self.shuffle * self.shuffle)


class Scratch:
    """One thread's reusable float32 memory, so a layer's padded input, taps and products are not allocated afresh.

    A fresh multi-megabyte array is mapped by the allocator and page-faulted at first touch: where glibc's dynamic
    mmap threshold is low (it depends on what the process freed before), that doubled the filter's time
    (``results/fast/``). Views of a few grown-never-shrunk buffers cost nothing per layer."""

    def __init__(self) -> None:
        self._store: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """An uninitialised ``float32`` array of ``shape``, the same memory every time ``name`` is asked for."""
        n = int(np.prod(shape))
        buf = self._store.get(name)
        if buf is None or buf.size < n:
            buf = self._store[name] = np.empty(n, np.float32)
        return buf[:n].reshape(shape)

    def padded(self, name: str, h: int, w: int, c: int) -> np.ndarray:
        """``[h + 2, w + 2, c]`` whose one-pixel frame is zero (the convolution's zero padding); inside unset."""
        xp = self.get(name, (h + 2, w + 2, c))
        xp[0], xp[-1], xp[:, 0], xp[:, -1] = 0, 0, 0, 0
        return xp


NARROW = 8  # output channels up to which a layer's three kernel rows go in one product (see :func:`conv3x3`)


def conv3x3(xp: np.ndarray, w: np.ndarray, b: np.ndarray, scratch: Scratch) -> np.ndarray:
    """``xp [H + 2, W + 2, Cin]`` (the input zero padded by one) convolved with ``w [3, 3, Cin, Cout]`` plus ``b``:
    ``[H * W, Cout]``, a view of ``scratch`` (valid until its next use).

    The three horizontal taps side by side (``[H + 2, W, 3 Cin]``, a third of a full im2col copy), then one
    matrix product per kernel row over a contiguous block of rows: 1.5x faster than im2col and 2.3x faster
    than nine shifted products on this CPU (a 72 x 768 strip of the post-filter: 102 / 156 / 233 ms). A narrow
    layer (the last, to RGB) puts its three kernel rows side by side in one product instead, then adds the
    shifted parts: a product with 3 outputs runs at a quarter of the CPU's rate.
    """
    h, wd, cin = xp.shape[0] - 2, xp.shape[1] - 2, xp.shape[2]
    cout = w.shape[3]
    taps = scratch.get("taps", (h + 2, wd, 3 * cin))
    np.concatenate([xp[:, 0:wd], xp[:, 1 : wd + 1], xp[:, 2 : wd + 2]], axis=2, out=taps)
    taps = taps.reshape((h + 2) * wd, 3 * cin)
    rows = w.reshape(3, 3 * cin, cout)
    out = scratch.get("out", (h * wd, cout))
    if cout <= NARROW:
        y = scratch.get("rows", ((h + 2) * wd, 3, cout))
        np.matmul(taps, rows.transpose(1, 0, 2).reshape(3 * cin, 3 * cout), out=y.reshape(-1, 3 * cout))
        np.add(y[0 : h * wd, 0], y[wd : (h + 1) * wd, 1], out=out)
        out += y[2 * wd :, 2]
    else:
        part = scratch.get("part", (h * wd, cout))
        np.matmul(taps[0 : h * wd], rows[0], out=out)
        for dy in (1, 2):
            np.matmul(taps[dy * wd : (dy + h) * wd], rows[dy], out=part)
            out += part
    out += b
    return out


def forward(
    weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray, scratch: Scratch | None = None
) -> np.ndarray:
    """The network on ``x [H, W, C]`` float32: convolutions with ReLU between, none after the last. Each layer
    writes its rectified output straight into the next one's padded input."""
    scratch = scratch or Scratch()
    h, w = x.shape[:2]
    xp = scratch.padded("in", h, w, x.shape[2])
    xp[1:-1, 1:-1] = x
    for i, (wt, b) in enumerate(zip(weights, biases, strict=True)):
        y = conv3x3(xp, wt, b.astype(np.float32), scratch)
        if i == len(weights) - 1:
            return y.reshape(h, w, -1).copy()
        xp = scratch.padded("ab"[i % 2], h, w, y.shape[1])
        np.maximum(y.reshape(h, w, -1), 0, out=xp[1:-1, 1:-1])
    raise ValueError("a network needs at least one layer")


def unshuffle(x: np.ndarray, r: int) -> np.ndarray:
    """``[H, W, C]`` -> ``[H / r, W / r, C r^2]``, channel ``c r^2 + i r + j`` from pixel ``(r y + i, r x + j)``:
    torch's ``pixel_unshuffle``."""
    h, w, c = x.shape
    return x.reshape(h // r, r, w // r, r, c).transpose(0, 2, 4, 1, 3).reshape(h // r, w // r, c * r * r)


def shuffle(z: np.ndarray, r: int) -> np.ndarray:
    """The inverse of :func:`unshuffle`: torch's ``pixel_shuffle``."""
    h, w, c = z.shape
    return z.reshape(h, w, c // (r * r), r, r).transpose(0, 3, 1, 4, 2).reshape(h * r, w * r, c // (r * r))


def receptive_radius(n_layers: int, shuffle: int = 1) -> int:
    """Pixels each output depends on, each side, of ``n_layers`` 3x3 layers on cells of ``shuffle`` pixels: one
    cell per layer."""
    return n_layers * shuffle


def check_patch(patch: int, hidden: int, shuffle: int) -> None:
    """ValueError unless a training patch of a network with ``hidden`` width->width layers (and its first and
    last) on cells of ``shuffle`` pixels is whole cells and wider than the two edges whose outputs saw its zero
    padding (left out of the loss: each a receptive radius)."""
    edge = receptive_radius(hidden + 2, shuffle)
    if patch % shuffle or patch <= 2 * edge:
        raise ValueError(f"--patch must be a multiple of the cells ({shuffle}) and over {2 * edge}, got {patch}")


def restore(net: Net, render: np.ndarray, extra: Callable[[Window], np.ndarray] | None = None) -> np.ndarray:
    """``render [H, W, C]`` uint8 (C 1 or 3) plus the network's correction, block by block (each with a halo of
    the receptive radius, so blocks join exactly). ``extra(window)``: more input channels for the window's
    pixels beside the RGB ones. A gray render goes in as equal RGB and comes out as their mean. A network on
    cells sees a render whose size is not a whole number of cells extended by its edge pixels.

    The blocks run on one thread per CPU, each with a one-thread BLAS (:mod:`inrzip.parallel`)."""
    h, w = render.shape[:2]
    cell = net.shuffle
    padded = render if cell == 1 else np.pad(render, ((0, -h % cell), (0, -w % cell), (0, 0)), mode="edge")
    ph, pw = padded.shape[:2]
    r, size = net.radius, BLOCK * cell
    out = np.empty_like(render)

    scratch_of_thread = parallel.thread_local(Scratch)

    def block(corner: tuple[int, int]) -> None:
        top, left = corner
        scratch = scratch_of_thread()
        win = Window(max(0, top - r), min(ph, top + size + r), max(0, left - r), min(pw, left + size + r))
        x = padded[win.top : win.bottom, win.left : win.right].astype(np.float32) / 255.0
        rgb = np.repeat(x, 3, axis=2) if x.shape[2] == 1 else x
        given = rgb if extra is None else np.concatenate([rgb, extra(win)], axis=2)
        if cell == 1:
            correction = forward(net.weights, net.biases, given, scratch)
        else:
            correction = shuffle(forward(net.weights, net.biases, unshuffle(given, cell), scratch), cell)
        fixed = rgb + correction
        if x.shape[2] == 1:
            fixed = fixed.mean(axis=2, keepdims=True)
        y0, x0 = top - win.top, left - win.left
        part = fixed[y0 : y0 + min(size, h - top), x0 : x0 + min(size, w - left)]
        out[top : top + part.shape[0], left : left + part.shape[1]] = to_uint8(part)  # blocks never overlap

    corners = [(top, left) for top in range(0, h, size) for left in range(0, w, size)]
    for _ in parallel.ordered_map(block, corners, ahead=len(corners)):  # blocks write ``out``; nothing held
        pass
    return out
