"""A small convolutional network (3x3 convolutions, ReLU between) evaluated with numpy: the torch-free twin of
:func:`inrzip.train.upscaler.network`, so a decode never imports torch. Used by the learned upscaler and the
post-filter, both of which add its output to the render they restore.

A network may run on cells of ``shuffle x shuffle`` pixels (torch's pixel unshuffle before the first layer, pixel
shuffle after the last): each layer then costs ``shuffle^2`` times less per pixel and sees ``shuffle`` times
farther. Cells are aligned to the image's corner, so blocks and the whole image cut them the same way."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import parallel
from ..images import to_uint8


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
        self._tiled: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def get(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """An uninitialised ``float32`` array of ``shape``, the same memory every time ``name`` is asked for."""
        n = int(np.prod(shape))
        buf = self._store.get(name)
        if buf is None or buf.size < n:
            buf = self._store[name] = np.empty(n, np.float32)
        return buf[:n].reshape(shape)

    def tiled(self, b: np.ndarray, times: int) -> np.ndarray:
        """``b`` repeated ``times`` over, kept while asked for the same ``b``: a bias added a row of pixels at a time
        (numpy's broadcast of a short vector takes 0.78 ms per 100 k pixels of 32 channels, a row-long one 0.31)."""
        kept = self._tiled.get(id(b))
        if kept is None or kept[0] is not b or kept[1].size != b.size * times:
            if len(self._tiled) > 16:  # biases of networks no longer in use
                self._tiled.clear()
            kept = self._tiled[id(b)] = (b, np.tile(b, times))  # holding ``b`` keeps its id from being reused
        return kept[1]

    def padded(self, name: str, h: int, w: int, c: int) -> np.ndarray:
        """``[h + 2, w + 2, c]`` whose one-pixel frame is zero (the convolution's zero padding); inside unset."""
        xp = self.get(name, (h + 2, w + 2, c))
        xp[0], xp[-1], xp[:, 0], xp[:, -1] = 0, 0, 0, 0
        return xp


NARROW = 12  # output channels up to which a layer's three kernel rows go in one product (see :func:`conv3x3`): an
# RGB layer, and one on 2x2 cells (12 outputs from 40: 18.4 against 21.0 ms per 100 k cells, results/decode/)


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
    rows_of_pixels = out.reshape(h, wd * cout)
    np.add(rows_of_pixels, scratch.tiled(b, wd), out=rows_of_pixels)
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
        y = conv3x3(xp, wt, np.asarray(b, np.float32), scratch)
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


def forward_rows(
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    height: int,
    read: Callable[[int, int], np.ndarray],
    strip: int,
    scratch: Scratch,
    fixed: Callable[[int, int], np.ndarray] | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """:func:`forward` on an input of ``height`` rows, streamed: ``read(a, b)`` gives input rows ``a:b``
    (``[b - a, W, C]`` float32, ``strip`` rows at a time); yields ``(first row, [rows, W, Cout])`` of the output
    in order, each valid until the next. Each layer keeps its last two input rows between strips, so no row is
    computed twice and a layer's activations stay a few rows high (in the CPU's cache, however tall the input).
    ``fixed(a, b)``: the first layer's response ``[b - a, W, Cout]`` to input channels that ``read`` leaves out
    (and ``weights[0]`` with them), for its output rows ``a:b``.
    """
    depth = len(weights)
    held = [0] * depth  # rows in each layer's padded input buffer; its row 0 is image row ``first[l] - 1``
    first = [0] * depth
    width = 0
    bufs: list[np.ndarray] = []

    def push(layer: int, rows: np.ndarray | None) -> None:
        """Append ``rows`` (or, with None, the zero row below the input) to ``layer``'s input buffer."""
        n = 1 if rows is None else rows.shape[0]
        dst = bufs[layer][held[layer] : held[layer] + n, 1:-1]
        if rows is None:
            dst[...] = 0
        elif layer == 0:
            dst[...] = rows
        else:
            np.maximum(rows, 0, out=dst)
        held[layer] += n

    done = 0
    while done < height:
        x = read(done, min(height, done + strip))
        if not bufs:
            width = x.shape[1]
            for i, w in enumerate(weights):
                rows = strip + depth + 3  # two kept, the strip, the zero row below; the last strip grows a row a layer
                buf = scratch.get(f"stream{i}", (rows, width + 2, w.shape[2]))
                buf[:, 0] = buf[:, -1] = 0
                buf[0] = 0  # the zero row above the input
                bufs.append(buf)
            held = [1] * depth
        done += x.shape[0]
        push(0, x)
        if done == height:
            push(0, None)
        for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
            n = held[i]
            if n < 3:
                break
            response = fixed(first[0], first[0] + n - 2) if i == 0 and fixed is not None else None
            y = conv3x3(bufs[i][:n], w, b, scratch).reshape(n - 2, width, -1)
            if response is not None:
                y += response
            if i == depth - 1:
                yield first[i], y
            else:
                push(i + 1, y)
                if done == height and i + 1 < depth:
                    push(i + 1, None)
            bufs[i][0:2] = bufs[i][n - 2 : n]  # the next strip's rows above
            held[i] = 2
            first[i] += n - 2


STRIP = 8  # output rows per streamed step (:func:`forward_rows`): a 768-wide layer's taps ~3 MB
PANEL = 1024  # widest piece: wider images are cut into panels, each with a halo of the receptive radius
BAND = 128  # tallest piece. The cut depends on the image alone, so a decode gives the same pixels on any number of
# CPUs (products of other heights may round otherwise); bands of 128 rows keep 2-8 CPUs busy on a Kodak photo, for a
# halo (twice the radius) ~3 % of a 768x512 filter's time on 2 cores against two bands of 256


def _cuts(size: int, most: int) -> list[int]:
    """Starts (and the end) of the fewest near-equal spans of ``size`` no longer than ``most``."""
    n = max(1, -(-size // max(most, 1)))
    return [size * i // n for i in range(n + 1)]


def restore(
    net: Net, render: np.ndarray, extra: Callable[[Window], np.ndarray] | None = None, period: int | None = None
) -> np.ndarray:
    """``render [H, W, C]`` uint8 (C 1 or 3) plus the network's correction. ``extra(window)``: more input
    channels for the window's pixels beside the RGB ones; with ``period``, channels of the pixels' positions alone
    that repeat every ``period`` rows. A gray render goes in as equal RGB and comes out as their mean. A network on
    cells sees a render whose size is not a whole number of cells extended by its edge pixels.

    The image is cut into bands and panels (by its size alone), each evaluated with a halo of the receptive
    radius (so pieces join exactly) and streamed down its rows (:func:`forward_rows`); the pieces run on one
    thread per CPU, each with a one-thread BLAS (:mod:`inrzip.parallel`). The first layer's response to the
    extra channels is computed apart, once per phase of ``period`` away from a piece's top and bottom rows."""
    h, w = render.shape[:2]
    cell = net.shuffle
    padded = render if cell == 1 else np.pad(render, ((0, -h % cell), (0, -w % cell), (0, 0)), mode="edge")
    ch, cw = padded.shape[0] // cell, padded.shape[1] // cell  # in cells
    halo = len(net.weights)  # cells
    rgb_in = 3 * cell * cell  # unshuffled, a pixel's channels are cell^2 apart: the RGB ones come first
    # contiguous once, not reshaped into a copy at every strip's product
    weights = [np.ascontiguousarray(net.weights[0][:, :, :rgb_in]), *net.weights[1:]]
    w_extra = np.ascontiguousarray(net.weights[0][:, :, rgb_in:])
    no_bias = np.zeros(w_extra.shape[3], np.float32)
    repeat = None if period is None else math.lcm(period, cell) // cell  # cells
    out = np.empty_like(render)
    scratch_of_thread, extra_scratch_of_thread = parallel.thread_local(Scratch), parallel.thread_local(Scratch)

    def piece(span: tuple[int, int, int, int]) -> None:
        top, bottom, left, right = span  # output cells
        win = Window(max(0, top - halo), min(ch, bottom + halo), max(0, left - halo), min(cw, right + halo))
        px = Window(*(v * cell for v in win))
        height, scratch = win.bottom - win.top, scratch_of_thread()

        def cells(x: np.ndarray) -> np.ndarray:
            return x if cell == 1 else unshuffle(x, cell)

        def read(a: int, b: int) -> np.ndarray:
            x = padded[px.top + a * cell : px.top + b * cell, px.left : px.right].astype(np.float32) / 255.0
            return cells(np.repeat(x, 3, axis=2) if x.shape[2] == 1 else x)

        seen: dict[tuple[int, int], np.ndarray] = {}

        def fixed(a: int, b: int) -> np.ndarray:
            """The first layer's response to the extra channels at window cell rows ``a:b``."""
            inside = repeat is not None and a >= 1 and b + 1 <= height  # no zero row of the window's edges
            key = ((win.top + a) % repeat, b - a) if inside else None
            if key in seen:
                return seen[key]
            lo, hi = max(a - 1, 0), min(b + 1, height)
            xp = np.zeros((b - a + 2, win.right - win.left + 2, w_extra.shape[2]), np.float32)
            rows = Window(px.top + lo * cell, px.top + hi * cell, px.left, px.right)
            xp[lo - a + 1 : hi - a + 1, 1:-1] = cells(extra(rows))
            response = conv3x3(xp, w_extra, no_bias, extra_scratch_of_thread()).copy()
            response = response.reshape(b - a, -1, w_extra.shape[3])
            if key is not None:
                seen[key] = response
            return response

        rows = forward_rows(weights, net.biases, height, read, STRIP, scratch, None if extra is None else fixed)
        for start, y in rows:
            a, b = max(start, top - win.top), min(start + y.shape[0], bottom - win.top)  # rows kept, window cells
            if a >= b:
                continue
            c0 = left - win.left
            correction = y[a - start : b - start, c0 : c0 + right - left]
            if cell != 1:
                correction = shuffle(correction, cell)
            y0, x0 = (win.top + a) * cell, left * cell
            part = padded[y0 : y0 + correction.shape[0], x0 : x0 + correction.shape[1]]
            x = part.astype(np.float32) / 255.0
            restored = (np.repeat(x, 3, axis=2) if x.shape[2] == 1 else x) + correction
            if x.shape[2] == 1:
                restored = restored.mean(axis=2, keepdims=True)
            restored = restored[: h - y0, : w - x0]
            out[y0 : y0 + restored.shape[0], x0 : x0 + restored.shape[1]] = to_uint8(restored)  # pieces never overlap

    rows, cols = _cuts(ch, BAND // cell), _cuts(cw, PANEL // cell)
    spans = [(*r, *c) for r in zip(rows, rows[1:], strict=False) for c in zip(cols, cols[1:], strict=False)]
    for _ in parallel.ordered_map(piece, spans, ahead=len(spans)):  # pieces write ``out``; nothing held
        pass
    return out
