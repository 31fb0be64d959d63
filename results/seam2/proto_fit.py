"""Prototype: the tile-border pixels weighted in the fit itself (the least squares the 100 steps converge to) and
in each level's kept coefficients (the weighted least squares on the functions the level stores, a fixed map of
the full fit), on top of 0.8.0's default (seam filter, RDOQ border emphasis). Decoder unchanged.

    python results/seam2/proto_fit.py ROW ...     ROW: MODE:WEIGHT, MODE one of fit, level, both; "default" alone

Val, the first 10 bsd100 photos, every level (bench.ablation: BD vs JPEG, vs the first row, border gap).
"""

from __future__ import annotations

import sys

import numpy as np
import torch

from inrzip import tiles
from inrzip.codecs.basis import codec, fit, model
from inrzip.nets import torch_siren
from inrzip.tools import bench

torch.set_num_threads(2)
VAL = "../shared/data/val/bsd100"
DEFAULT = "siren-t16-basis-seam"
PLAIN_FIT, PLAIN_PACK = fit.fit_images, codec.pack
STATE = {"mode": "default", "w": 1.0}


MEMO: dict = {}


def memo(fn):
    def wrapped(ladder_id, ladder, *args):
        key = (fn.__name__, ladder_id, *args)
        if key not in MEMO:
            MEMO[key] = fn(ladder_id, ladder, *args)
        return MEMO[key]

    return wrapped


@memo
def phi_of(ladder_id: str, ladder) -> np.ndarray:
    return model.functions(ladder, torch_siren.tile_grid(ladder.cfg.tile).numpy()).astype(np.float64)  # [3, N, K]


def pixel_weights(ladder, w: float) -> np.ndarray:
    t = ladder.cfg.tile
    return tiles.border_weights(t, t, t, w).reshape(-1)


@memo
def fit_maps(ladder_id: str, ladder, w: float) -> list[np.ndarray]:
    """Per channel [K, N]: the weighted least squares on every function."""
    phi, wp = phi_of(ladder_id, ladder), pixel_weights(ladder, w)
    return [np.linalg.solve(p.T @ (wp[:, None] * p), p.T * wp[None]) for p in phi]


@memo
def level_maps(ladder_id: str, ladder, s: int, w: float, gray: bool) -> list[np.ndarray]:
    """Per channel [K, K]: full coefficients -> the weighted least squares on the level's kept functions."""
    phi, wp = phi_of(ladder_id, ladder), pixel_weights(ladder, w)
    keep = model.mask(ladder, s, gray)
    out = []
    for c, p in enumerate(phi):
        m = np.zeros((ladder.k, ladder.k))
        ps = p[:, keep[c]]
        m[keep[c]] = np.linalg.solve(ps.T @ (wp[:, None] * ps), ps.T @ (wp[:, None] * p))
        out.append(m)
    return out


def weighted_fit(images, ladder, *args, **kw):
    coefs = PLAIN_FIT(images, ladder, *args, **kw)
    if STATE["mode"] not in ("fit", "both"):
        return coefs
    maps = fit_maps(ladder.id, ladder, STATE["w"])
    out = []
    t = ladder.cfg.tile
    for rgb, coef in zip(images, coefs, strict=True):
        z, weight = tiles.extract(rgb, t, 0, coef.shape[0])
        z = (z - ladder.colour_mean) @ ladder.colour
        whole = weight.reshape(weight.shape[0], -1).min(axis=1) > 0
        new = coef.copy()
        for c in range(3):
            new[whole, c] = z[whole, :, c] @ maps[c].T
        out.append(new.astype(np.float32))
    return out


def weighted_pack(ladder, step_index, coef, width, height, gray=False, extras=None, emphasis=None):
    if STATE["mode"] in ("level", "both"):
        maps = level_maps(ladder.id, ladder, step_index, STATE["w"], gray)
        coef = np.stack([coef[:, c] @ maps[c].T for c in range(3)], axis=1).astype(np.float32)
    return PLAIN_PACK(ladder, step_index, coef, width, height, gray, extras, emphasis)


fit.fit_images, codec.pack = weighted_fit, weighted_pack


def setting(mode: str, w: float):
    def set_it():
        STATE.update(mode=mode, w=w)

    return set_it


rows = []
for arg in sys.argv[1:]:
    mode, _, w = arg.partition(":")
    rows.append((arg, DEFAULT, setting(mode, float(w or 1))))
bench.ablation(VAL, rows, limit=10, out=lambda line: print(line, flush=True))
