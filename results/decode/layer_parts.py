"""Where a streamed post-filter layer's time goes (an 8 x 768 strip, one thread, best of 30, ms per 100 k pixels):
a 32 -> 32 layer's taps copy, its three products, adds, bias (as a broadcast and a row of pixels at a time) and the
ReLU into the next buffer; then the narrow
last layer (32 -> 3) as conv3x3 does it against one product over the padded input and nine shifted adds.

    python results/decode/layer_parts.py
"""
import numpy as np
from timing import seconds

from inrzip import parallel
from inrzip.nets import numpy_cnn


def best(f, n=30):
    return min(seconds(f, n))


rng = np.random.default_rng(0)
H, W, C = 8, 768, 32
per = 1e8 / (H * W)
xp = rng.random((H + 2, W + 2, C), dtype=np.float32)
w = rng.random((3, 3, C, C), dtype=np.float32)
b = rng.random(C, dtype=np.float32)
scratch = numpy_cnn.Scratch()
taps = np.empty((H + 2, W, 3 * C), np.float32)
rows, flat = w.reshape(3, 3 * C, C), taps.reshape(-1, 3 * C)
out, part, nxt = np.empty((H * W, C), np.float32), np.empty((H * W, C), np.float32), np.empty((H + 2, W + 2, C), np.float32)


def narrow_as_one_product(xp, w, b, y, out):
    h, wd, cin, cout = xp.shape[0] - 2, xp.shape[1] - 2, xp.shape[2], w.shape[3]
    np.matmul(xp.reshape(-1, cin), w.transpose(2, 0, 1, 3).reshape(cin, 9 * cout), out=y)
    yv = y.reshape(h + 2, wd + 2, 3, 3, cout)
    out[...] = b
    for dy in range(3):
        for dx in range(3):
            out += yv[dy : dy + h, dx : dx + wd, dy, dx]
    return out


with parallel.one_blas_thread():
    print(f"32 -> 32 layer (conv3x3): {best(lambda: numpy_cnn.conv3x3(xp, w, b, scratch)) * per:.1f}")
    print(f"  taps copy {best(lambda: np.concatenate([xp[:, 0:W], xp[:, 1:W + 1], xp[:, 2:W + 2]], axis=2, out=taps)) * per:.1f}")
    print(f"  three products {3 * best(lambda: np.matmul(flat[: H * W], rows[0], out=out)) * per:.1f} "
          f"(at 45 G multiply-adds/s: {9 * C * C / 45e9 * 1e8:.1f})")
    tiled, by_row = np.tile(b, W), out.reshape(H, W * C)
    print(f"  two adds {2 * best(lambda: out.__iadd__(part)) * per:.1f}, bias broadcast {best(lambda: out.__iadd__(b)) * per:.1f}"
          f" or a row of pixels at a time (conv3x3 since 0.12.0) {best(lambda: by_row.__iadd__(tiled)) * per:.1f}")
    print(f"  ReLU into the next padded buffer {best(lambda: np.maximum(out.reshape(H, W, C), 0, out=nxt[1:-1, 1:-1])) * per:.1f}")
    w3, b3 = rng.standard_normal((3, 3, C, 3)).astype(np.float32), rng.random(3, dtype=np.float32)
    y, o = np.empty(((H + 2) * (W + 2), 27), np.float32), np.empty((H, W, 3), np.float32)
    ref = numpy_cnn.conv3x3(xp, w3, b3, scratch).reshape(H, W, 3)
    assert np.abs(narrow_as_one_product(xp, w3, b3, y, o) - ref).max() < 1e-3
    print(f"32 -> 3 layer: conv3x3 {best(lambda: numpy_cnn.conv3x3(xp, w3, b3, scratch)) * per:.1f}, "
          f"one product + nine shifted adds {best(lambda: narrow_as_one_product(xp, w3, b3, y, o)) * per:.1f}")
    w12, b12 = rng.standard_normal((3, 3, 40, 12)).astype(np.float32), rng.random(12, dtype=np.float32)
    x40 = rng.random((H + 2, W // 2 + 2, 40), dtype=np.float32)
    split = {}
    for narrow in (8, 12):  # a network on 2x2 cells ends in 12 outputs: three products, or its rows in one
        numpy_cnn.NARROW = narrow
        split[narrow] = best(lambda: numpy_cnn.conv3x3(x40, w12, b12, scratch)) * 1e8 / (H * (W // 2))
    print(f"40 -> 12 layer on an 8 x {W // 2} strip of cells: three products {split[8]:.1f}, "
          f"kernel rows side by side (NARROW = 12) {split[12]:.1f}")
