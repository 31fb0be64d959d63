"""Training intra prediction (:mod:`inrzip.codecs.basis.predict`) for a shared-body init, in closed form.

On whole training photos: every tile's coefficients (the projection the 100-step fit reaches), the
decoded borders of its neighbours at several step indices, and per pattern of available neighbours
a ridge regression from those borders to the tile's first ``M`` coefficients per channel. Then, with
the maps in the loop as the codec runs them, the residuals at every step index the ladder touches:
their spread sets the predicted coefficients' entropy classes and they make the entropy tables.
Written as a new init (the source init's body, basis, post-filter and upscaler), so the source init's
files keep their decodes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from .. import inits, tiles
from ..codecs.basis import model as basis
from ..codecs.basis import predict
from ..codecs.basis.model import BasisLadder
from ..images import list_images
from . import derived
from .anil import tables
from .data import load_rgb_uint8

FIT_STEPS = (32, 40, 48, 56, 64)  # step indices whose decoded borders the maps are fitted on (pooled)
RMS_STEP = 48  # the step index whose residuals set the predicted coefficients' classes (about 0.5 bpp)
RIDGE = 1e-2


def photo_coefficients(ladder: BasisLadder, rgb: np.ndarray, crop: int) -> tuple[int, int, np.ndarray]:
    """(tile rows, columns, coefficients ``[tiles, 3, K]``) of the centre crop of a photo: the projection of
    each whole tile onto the orthonormal functions (what the 100-step fit converges to)."""
    t = ladder.cfg.tile
    h, w = (min(rgb.shape[0], crop) // t) * t, (min(rgb.shape[1], crop) // t) * t
    y0, x0 = (rgb.shape[0] - h) // 2, (rgb.shape[1] - w) // 2
    ny, nx = h // t, w // t
    pixels, _ = tiles.extract(rgb[y0 : y0 + h, x0 : x0 + w], t, 0, ny * nx)  # whole tiles: no padding
    z = (pixels - ladder.colour_mean) @ ladder.colour
    phi = basis.grid_functions(ladder)
    return ny, nx, np.einsum("cnk,bnc->bck", phi, z).astype(np.float32)


def open_loop_samples(
    ladder: BasisLadder, pred: predict.Predictor, ny: int, nx: int, coef: np.ndarray, s: int
) -> tuple[np.ndarray, np.ndarray]:
    """Features ``[B, F]`` and tile indices ``[B]`` of every tile with all four neighbours, from the dead-zone
    decode at ``s``."""
    keep = basis.mask(ladder, s)
    decoded = np.zeros_like(coef)
    q = basis.deadzone_quantize(coef[:, keep] / basis.multipliers(ladder, s), s, ladder.deadzone)
    decoded[:, keep] = q * basis.column_steps(ladder, s)  # each coefficient on its own step
    bottom, right = (b.reshape(ny, nx, -1, 3) for b in predict.borders(pred, decoded))
    i, j = np.meshgrid(np.arange(1, ny), np.arange(1, nx - 1), indexing="ij")
    feats, _ = predict.features(bottom, right, i.ravel(), j.ravel())
    return feats, (i * nx + j).ravel()


def fit_maps(feats: np.ndarray, targets: np.ndarray, tile: int, ridge: float = RIDGE) -> np.ndarray:
    """``[16, F, 3, M]``: per pattern of available neighbours, the ridge map from the features (the missing
    neighbours' zeroed) to the targets ``[N, 3, M]``; zeros for the patterns no tile has."""
    n_feat = predict.n_features(tile)
    block = 3 * tile  # features per neighbour row / column; the corner has 3
    spans = {
        predict.TOP: slice(0, block),
        predict.TOP_RIGHT: slice(block, 2 * block),
        predict.LEFT: slice(2 * block, 3 * block),
        predict.TOP_LEFT: slice(3 * block, 3 * block + 3),
    }
    x = feats.astype(np.float64)
    y = targets.reshape(len(targets), -1).astype(np.float64)
    gram, cross = x.T @ x / len(x), x.T @ y / len(x)
    out = np.zeros((16, n_feat, *targets.shape[1:]), np.float32)
    for pattern in predict.PATTERNS:
        live = np.ones(n_feat, bool)
        for bit, span in spans.items():
            if not pattern & bit:
                live[span] = False
        g = gram[np.ix_(live, live)] + ridge * np.eye(int(live.sum()))
        out[pattern, live] = np.linalg.solve(g, cross[live]).reshape(-1, *targets.shape[1:])
    return out


def residuals(ladder: BasisLadder, ny: int, nx: int, coef: np.ndarray, s: int) -> np.ndarray:
    """The stored columns ``[tiles, n]`` the quantiser sees at ``s``: coefficients less their closed-loop
    predictions, the neighbours dead-zone quantised (what a decode adds to ``q step`` is the prediction)."""
    t = ladder.cfg.tile
    q = basis.quantize(ladder, coef, s, nx * t, ny * t, False, None)
    predicted = basis.dequantize(ladder, q, s, nx * t, ny * t, False) - q * basis.column_steps(ladder, s)
    return coef[:, basis.mask(ladder, s)] - predicted


def train(
    train_dir: str,
    out: Path,
    init_name: str = "siren-t16-basis-pf",
    photos: int = 200,
    crop: int = 512,
    m: int = 64,
    rdo_pass: bool = True,
    table_mix: bool = False,
    chroma_classes: bool = False,
    activity_context: bool = False,
    adapt_weight: int = 0,
    command: str = "",
    log: Callable[[str], None] = print,
) -> Path:
    """Fit the maps and the residual tables for ``init_name`` and write ``out``: that init with them in it.
    ``table_mix``: the new init mixes its tables between octaves (:func:`basis.tables_for`), and the tables are
    counted again under the mixed models (with ``rdo_pass``); ``chroma_classes``, ``activity_context`` and
    ``adapt_weight``: its entropy models have those options (:class:`basis.BasisLadder`; the tables are the same
    with or without adaptation: they are its prior)."""
    t0 = time.time()
    source = inits.load(init_name)
    if source.format != basis.FORMAT or source.predictor is not None:
        raise ValueError(f"{init_name} is not a shared-body init without prediction")
    if not 1 <= m <= source.k:
        raise ValueError(f"m must be 1..{source.k} (the coefficients per channel), got {m}")
    paths = list_images(train_dir)
    paths = [paths[i] for i in np.linspace(0, len(paths) - 1, min(photos, len(paths))).astype(int)]
    data = [photo_coefficients(source, load_rgb_uint8(p), crop) for p in paths]
    data = [(ny, nx, c) for ny, nx, c in data if ny >= 2 and nx >= 3]
    log(f"{sum(len(c) for *_, c in data)} tiles of {len(data)} photos ({time.time() - t0:.0f} s)")
    tile = source.cfg.tile
    shell = predict.Predictor(np.zeros((16, predict.n_features(tile), 3, m), np.float32),
                              *predict.border_functions(lambda xy: basis.functions(source, xy), tile))  # fmt: skip
    feats, targets = [], []
    for s in FIT_STEPS:
        for ny, nx, coef in data:
            f, idx = open_loop_samples(source, shell, ny, nx, coef, s)
            feats.append(f)
            targets.append(coef[idx, :, :m])
    weights = fit_maps(np.concatenate(feats), np.concatenate(targets), tile)
    log(f"maps fitted on {sum(len(f) for f in feats)} samples ({time.time() - t0:.0f} s)")
    ladder = replace(source, predictor=replace(shell, weights=weights))
    # the first m columns of every channel are stored at every step: their spread is the residuals'
    columns = np.flatnonzero(np.broadcast_to(np.arange(source.k) < m, (3, source.k))[basis.mask(ladder, RMS_STEP)])
    spread = np.concatenate([residuals(ladder, ny, nx, c, RMS_STEP)[:, columns] for ny, nx, c in data])
    lrms = source.lrms.copy()
    rms = np.sqrt(np.mean(spread.astype(np.float64) ** 2, axis=0)).reshape(3, m)
    lrms[:, :m] = np.round(basis.PER_OCTAVE * np.log2(np.maximum(rms, 1e-6))).astype(np.int32)
    options = dict(table_mix=table_mix, chroma_classes=chroma_classes, activity_context=activity_context)
    ladder = replace(ladder, lrms=lrms, **options)
    log(f"residual rms of the predicted coefficients: {np.round(rms[:, :4], 3).tolist()} ... "
        f"(the source's {np.round(source.rms[:, :4], 3).tolist()}) ({time.time() - t0:.0f} s)")  # fmt: skip

    def quantized(lam: float | None) -> Callable[[int], np.ndarray]:
        return lambda s: np.concatenate(
            [basis.quantize(ladder, c, s, nx * tile, ny * tile, False, lam) for ny, nx, c in data]
        )

    grids = [(ny, nx) for ny, nx, _ in data] if activity_context else None
    count = dict(predicted=m, chroma_classes=chroma_classes, grids=grids)
    pmf, activity_pmf, first = tables(quantized(None), lrms, source.qualities, **count)
    log(f"entropy tables counted ({time.time() - t0:.0f} s)")
    if rdo_pass:  # count again what the encoder codes: its rate-distortion choices under these tables
        ladder = replace(ladder, pmf=pmf.astype(np.float64), activity_pmf=activity_pmf.astype(np.float64))
        lam = basis.encoder_tuning(ladder).rdoq_lambda  # the lambda this init's encoder will quantise with
        pmf, activity_pmf, first = tables(quantized(lam), lrms, source.qualities, **count)
        log(f"entropy tables counted again on the encoder's choices ({time.time() - t0:.0f} s)")
    arrays = dict(lrms=lrms, pmf=pmf, activity_pmf=activity_pmf, group_first=np.array(first))
    arrays["meta"] = basis.meta_array(source.qualities, adapt_weight, **options)
    settings = dict(photos=len(data), crop=crop, m=m, rdo_pass=rdo_pass, fit_steps=list(FIT_STEPS),
                    rms_step=RMS_STEP, ridge=RIDGE) | {k: True for k, v in options.items() if v}  # fmt: skip
    if adapt_weight:
        settings["adapt_weight"] = adapt_weight
    arrays |= predict.to_arrays(weights)
    return derived.write(init_name, out, arrays, settings, train_dir, command, t0, log)
