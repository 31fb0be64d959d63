"""Prototype: how good is a neighbour tile's function extrapolated one pixel into a tile, as a second opinion on
that tile's border pixels? For the top border row of every tile (below another tile): the tile's own decoded row,
the upper neighbour's function evaluated one pixel past its bottom edge, and the best blend of the two (one
weight per level, fitted here: an upper bound of what a filter could take from it). Plain renders (no
post-filter), 10 val photos cropped to whole tiles, the default init.

    python results/seam/proto_extrap.py
"""

from __future__ import annotations

import numpy as np

from inrzip import inits
from inrzip.codecs.basis import model
from inrzip.decoder import prepare
from inrzip.encoder import encode
from inrzip.images import list_images, load_image

LEVELS = (3, 7, 10)


def psnr(err: np.ndarray) -> float:
    return float(10 * np.log10(1.0 / np.mean(err.astype(np.float64) ** 2)))


def main():
    ladder = inits.load(inits.DEFAULT_INIT)
    t = ladder.cfg.tile
    axis = -1.0 + 2.0 * np.arange(t) / (t - 1)
    for q in LEVELS:
        own_e, nb_e, own2_e = [], [], []
        for p in list_images("../shared/data/val/bsd100")[:10]:
            rgb = load_image(p)[0]
            h, w = rgb.shape[0] // t * t, rgb.shape[1] // t * t
            rgb = np.ascontiguousarray(rgb[:h, :w])
            job = prepare(encode(rgb, quality=q).data)
            coef = model.expand(ladder, job.level.step_index, job.values)
            ny, nx = h // t, w // t
            # own top rows (y = -1) of tiles in rows 1.., and the upper neighbours' functions at y = 1 + 2 / 15
            below = np.arange(nx, ny * nx)
            above = below - nx
            top = np.stack([axis, np.full(t, -1.0)], -1)
            past = np.stack([axis, np.full(t, 1.0 + 2.0 / (t - 1))], -1)
            second = np.stack([axis, np.full(t, -1.0 + 2.0 / (t - 1))], -1)  # the row inside, for reference
            own = model.evaluate(ladder, coef[below], np.broadcast_to(top, (below.size, t, 2)))
            nb = model.evaluate(ladder, coef[above], np.broadcast_to(past, (above.size, t, 2)))
            own2 = model.evaluate(ladder, coef[below], np.broadcast_to(second, (below.size, t, 2)))
            truth = rgb.reshape(ny, t, nx, t, 3)[1:, 0].reshape(-1, t, 3) / 255.0
            truth2 = rgb.reshape(ny, t, nx, t, 3)[1:, 1].reshape(-1, t, 3) / 255.0
            own_e.append((own - truth).reshape(-1, 3))
            nb_e.append((nb - truth).reshape(-1, 3))
            own2_e.append((own2 - truth2).reshape(-1, 3))
        a, b = np.concatenate(own_e), np.concatenate(nb_e)
        # best blend own + t (nb - own): t = -<a, b - a> / |b - a|^2
        d = b - a
        tw = float(-(a * d).sum() / (d * d).sum())
        corr = float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))
        print(f"level {q}: own border row {psnr(a):.2f} dB, second row {psnr(np.concatenate(own2_e)):.2f}, "
              f"neighbour's extrapolation {psnr(b):.2f}, error correlation {corr:.2f}, "
              f"best blend (weight {tw:.2f} on the neighbour) {psnr(a + tw * d):.2f}", flush=True)


if __name__ == "__main__":
    main()
