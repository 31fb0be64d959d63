"""The shared-body initialization: a SIREN whose hidden layers every tile shares and whose head each tile fits.

The hidden sine layers (the *body*) are meta-learned once and shipped; a tile adapts only the
last layer. The
last layer is parametrised in a shipped orthonormal coordinate system, per colour channel:

    colour(x) = mean + U @ [ phi_c(x) . coef_c ]_c,   phi_c(x) = [1, body(x)] @ basis_c

``basis_c`` makes the functions ``phi_c`` orthonormal on the tile grid and orders them by how
much of the training tiles' variance they carry (a KLT within the body's span), ``U`` is the
colour KLT. A tile's values are its coefficients ``coef [3, K]``: in this system a quantisation
error costs exactly its square in pixel MSE, so one step size for every coefficient is the
right allocation (reverse water-filling), and each coefficient's spread across training tiles
(``rms``) is its entropy model's prior. The rendering is still a SIREN: per tile the effective
last layer is ``sum_c basis_c coef_c U[:, c]``, evaluated at any coordinates, so any resolution.

Quantiser steps are indexed by an integer ``s`` (step ``2^((16 - s) / 16)``: 16 steps per octave);
everything the entropy coder needs follows from ``s`` in integer arithmetic (:func:`classes`),
so encoder and decoder agree bit for bit on any machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar, NamedTuple

import numpy as np

from ... import lapping, postfilter
from ...files import save_atomic
from ...nets import numpy_siren
from ...nets.arch import SirenConfig
from ...nets.numpy_cnn import Net
from ...tiles import border_weights, grid_shape
from . import predict
from .predict import Predictor

FORMAT = "inrzip-basis-1"
PER_OCTAVE = 16  # step indices per octave: --bpp lands within ~2 % by choosing one
N_CLASSES = 32  # entropy-model classes: half-octave bins of rms / step
RMAX = 511  # largest |q| coded; the quantiser clips there
KEEP = -3 * PER_OCTAVE  # a coefficient is stored when rms / step >= 2^-3: the level's mask
S_RANGE = (1, 128)  # valid step indices: steps 2 .. 0.008
# a tile's activity: its count of non-zero q, bucketed at these edges; coded first (side information),
# it selects the coefficient models, which measured 15 % fewer bits on val photos than one model per class
ACTIVITY_EDGES = (0, 2, 5, 10, 20, 40, 80)
N_ACTIVITY = len(ACTIVITY_EDGES)
# where an init codes a tile's bucket in the context of its upper and left neighbours' (``activity_context``),
# a neighbour outside the image counts as this extra bucket
NO_NEIGHBOUR = N_ACTIVITY


@dataclass(frozen=True)
class BasisLadder:
    """A shipped shared-body initialization (see the module docstring)."""

    format: ClassVar[str] = FORMAT
    name: str
    id: str
    cfg: SirenConfig  # the SIREN; its hidden layers are the body, its last layer is the per-tile head
    body_w: np.ndarray  # flat hidden-layer weights (layer l as in x out, row-major), float32
    body_b: np.ndarray  # hidden-layer biases, float32
    basis: np.ndarray  # [3, width + 1, K] float32: body features (with a leading 1) -> orthonormal functions
    rms: np.ndarray  # [3, K] float32: spread of each coefficient over training tiles
    lrms: np.ndarray  # [3, K] int32: round(PER_OCTAVE log2 rms), what masks and classes are computed from
    colour_mean: np.ndarray  # [3] float32
    colour: np.ndarray  # [3, 3] float32, orthonormal (columns: colour KLT axes)
    # [groups, N_ACTIVITY, classes, 2 RMAX + 1], as stored (float32; tables_for widens the groups a file uses):
    pmf: np.ndarray  # models of q per step octave, activity bucket, class
    # [groups, N_ACTIVITY] float64: the model of a tile's activity bucket per step octave; with activity_context
    # [groups, N_ACTIVITY + 1, N_ACTIVITY + 1, N_ACTIVITY], one per (upper, left) neighbour's bucket
    activity_pmf: np.ndarray
    group_first: int  # the step octave (s // PER_OCTAVE) of the first table group
    deadzone: float  # the encoder's rounding threshold the tables were made with
    qualities: tuple[int, ...]  # step index of each user quality level, 1 = smallest file
    post_filter: Net | None = None  # the source-size render's post-filter (inrzip.postfilter), where it has one
    predictor: Predictor | None = None  # intra prediction of each tile's first coefficients (predict), where it has one
    table_mix: bool = False  # entropy models of s mixed from the two octaves around it (tables_for), where it says so
    chroma_classes: bool = False  # the colour axes after the first have classes of their own (column_classes)
    activity_context: bool = False  # a tile's bucket is coded given its upper and left neighbours' (entropy)
    adapt_weight: int = 0  # > 0: the coefficient models learn from the file, the shipped ones weighing this (entropy)
    # [3, K] int32: each coefficient's step index offset (its step is step(s + offset)), where the init has them
    step_offsets: np.ndarray | None = None
    lap_scales: np.ndarray | None = None  # [m] float32: the tiles' lapping (inrzip.lapping), where the init has one

    @property
    def k(self) -> int:
        return self.basis.shape[2]

    def s_for(self, quality: int) -> int:
        if not 1 <= quality <= len(self.qualities):
            raise ValueError(f"quality must be 1..{len(self.qualities)} for {self.name}, got {quality}")
        return self.qualities[quality - 1]


MAX_STEP_OFFSET = 2 * PER_OCTAVE  # a coefficient's step within a factor 4 of the level's


def step(s: int) -> float:
    """Quantiser step of index ``s``: 16 per octave, s = 16 is 1.0 (coefficients of pixels in [0, 1])."""
    return float(2.0 ** ((PER_OCTAVE - s) / PER_OCTAVE))


def mask(ladder: BasisLadder, s: int, gray: bool = False) -> np.ndarray:
    """``[3, K]`` bool: coefficients stored at step index ``s`` (rms at least 1/8 of the step).

    The ladder's pruning: a coefficient that would round to zero in nearly every tile is never
    stored, so it costs no bits; the coarser the step, the fewer survive. A gray image stores the
    first colour axis (the luma-like one) alone: its other coefficients carry no picture. Predicted
    coefficients are always stored: their residuals cost next to nothing where they are small.
    """
    keep = stored(spread(ladder), s, 0 if ladder.predictor is None else ladder.predictor.m)
    if gray:
        keep[1:] = False
    return keep


def stored(lrms: np.ndarray, s: int, predicted: int = 0) -> np.ndarray:
    """``[3, K]`` bool: the coefficients of a colour file at ``s`` (:func:`mask`), the first ``predicted`` always."""
    keep = lrms + s >= KEEP
    keep[:, :predicted] = True
    return keep


def classes(ladder: BasisLadder, s: int, gray: bool = False) -> np.ndarray:
    """Entropy-model class of each stored coefficient (channel-major order), from integers only."""
    return column_classes(spread(ladder), s, ladder.chroma_classes)[mask(ladder, s, gray)]


def spread(ladder: BasisLadder) -> np.ndarray:
    """``[3, K]`` int: each coefficient's spread in step indices, ``lrms`` plus its step offset: a coefficient with a
    finer step is kept and classed as one that spreads wider."""
    return ladder.lrms if ladder.step_offsets is None else ladder.lrms + ladder.step_offsets


def column_steps(ladder: BasisLadder, s: int, gray: bool = False) -> np.ndarray:
    """``[n]`` float32: the step of each stored coefficient at step index ``s``, ``step(s)`` times its multiplier."""
    return np.float32(step(s)) * multipliers(ladder, s, gray)


def multipliers(ladder: BasisLadder, s: int, gray: bool = False) -> np.ndarray:
    """``[n]`` float32: each stored coefficient's step over ``step(s)``, ``2^(-offset / PER_OCTAVE)`` (all 1 without
    offsets). A quantisation matrix: the functions that put more of their energy on the tile's border get finer
    steps, so the quantiser's noise no longer gathers there."""
    keep = mask(ladder, s, gray)
    if ladder.step_offsets is None:
        return np.ones(int(keep.sum()), np.float32)
    return (2.0 ** (-ladder.step_offsets[keep].astype(np.float64) / PER_OCTAVE)).astype(np.float32)


def column_classes(lrms: np.ndarray, s: int, chroma_classes: bool = False) -> np.ndarray:
    """``[3, K]``: the class of every coefficient (:func:`class_of`); with ``chroma_classes`` the second and third
    colour axes' classes follow the first's (``+ N_CLASSES``). A chroma coefficient and a luma one of the same
    spread are distributed differently (sparser, heavier tails): val photos coded 0.4-1.3 % smaller with classes
    of their own (results/recon)."""
    cls = class_of(lrms, s)
    if chroma_classes:
        cls = cls + np.array([[0], [N_CLASSES], [N_CLASSES]])
    return cls


def n_classes(chroma_classes: bool) -> int:
    return N_CLASSES * (2 if chroma_classes else 1)


def tables_for(ladder: BasisLadder, s: int) -> tuple[np.ndarray, np.ndarray]:
    """The entropy models of step index ``s``: its octave's tables (the nearest group outside the trained range),
    or where the ladder mixes them, the two groups' tables whose octave centres bracket ``s`` mixed linearly."""
    if not ladder.table_mix:
        g = int(np.clip(s // PER_OCTAVE - ladder.group_first, 0, ladder.pmf.shape[0] - 1))
        return ladder.pmf[g].astype(np.float64), ladder.activity_pmf[g]
    g0, g1, w = mix_weights(s, ladder.group_first, ladder.pmf.shape[0])
    mixed = lambda t: (1.0 - w) * t[g0].astype(np.float64) + w * t[g1].astype(np.float64)  # noqa: E731
    return mixed(ladder.pmf), mixed(ladder.activity_pmf)


def mix_weights(s: int, group_first: int, groups: int) -> tuple[int, int, float]:
    """``(g0, g1, w)``: the models of ``s`` are ``(1 - w) table[g0] + w table[g1]``.

    A group's tables are counted at the even step indices of its octave, so they fit its centre
    (``16 octave + 7``) best and its edges worst: one set per octave made files grow under 1 % over
    the two steps across an octave's edge and about 12 % elsewhere. Mixing the groups whose centres
    bracket ``s`` (weight linear in ``s``; the end groups beyond the outer centres) is smooth in ``s``.
    ``w`` is a multiple of 1/16, so the mixed models are the same float64 numbers on every machine.
    """
    place = s - group_first * PER_OCTAVE - (PER_OCTAVE // 2 - 1)  # steps from group 0's centre
    g0 = int(np.clip(place // PER_OCTAVE, 0, groups - 1))
    if g0 == groups - 1:
        return g0, g0, 0.0
    return g0, g0 + 1, float(np.clip(place - PER_OCTAVE * g0, 0, PER_OCTAVE)) / PER_OCTAVE


def class_of(lrms: np.ndarray, s: int) -> np.ndarray:
    """Class of every coefficient: half-octave bins of rms / step, from integers only."""
    return np.clip((lrms + s) // (PER_OCTAVE // 2) + N_CLASSES // 2, 0, N_CLASSES - 1)


def activity(q: np.ndarray) -> np.ndarray:
    """Each tile's activity bucket ``[tiles]`` from its quantised values ``q [tiles, n]``."""
    return np.searchsorted(np.asarray(ACTIVITY_EDGES), np.count_nonzero(q, axis=1), side="right") - 1


def deadzone_quantize(coef: np.ndarray, s: int, deadzone: float) -> np.ndarray:
    """``q = sign(c) floor(|c| / step + 1 - deadzone)``: a dead zone wider than rounding, clipped to +-RMAX.

    Values just past half a step are cheaper as zeros than as +-1 (a rate-distortion choice
    measured on val: README).
    """
    q = np.floor(np.abs(coef) / step(s) + 1.0 - deadzone)
    return (np.sign(coef) * np.clip(q, 0, RMAX)).astype(np.int32)


RDO_BLOCK = 4096  # tiles quantised at once: bounds the candidates' memory (~60 MB) on huge photos


def rdo_quantize(
    ladder: BasisLadder, coef: np.ndarray, s: int, cls: np.ndarray, lam: float, emphasis: np.ndarray | None = None
) -> np.ndarray:
    """Rate-distortion optimised ``q`` of the stored coefficients ``coef [tiles, n]`` (classes ``cls [n]``).

    Per coefficient, among the dead-zone value, one step further from zero and one nearer (0 included),
    the q that minimises ``e (c - q step)^2 + lam step^2 bits(q)``, bits from the shipped model of the
    coefficient's (tile activity, class); the activity is the dead-zone q's. In the orthonormal basis the
    first term is the pixel error itself, weighted per column by ``emphasis [n]`` where given (else 1: see
    :func:`border_emphasis`). The decoder is the same: only the encoder's choice changes
    (val: lam 0.1 gave +0.18 dB at 0.5 bpp, BD-rate -4.1 % against the dead zone; results/levers/rdoq.txt).
    Tiles are independent (their activity is their own), so they go RDO_BLOCK at a time.
    """
    bits = code_lengths(ladder, s)
    out = np.empty(coef.shape, np.int32)
    for start in range(0, coef.shape[0], RDO_BLOCK):
        block = coef[start : start + RDO_BLOCK]
        out[start : start + RDO_BLOCK] = _rdo_block(ladder, block, s, cls, lam, bits, emphasis)
    return out


class EncoderTuning(NamedTuple):
    """The encoder's choices for an init's tiles; files decode the same whatever they are."""

    fit_border: float  # weight of a tile's border pixels in the fit's loss (1: plain least squares; fit.BorderMetric)
    rdoq_border: float  # weight of a tile's border pixels in the RDOQ's distortion (:func:`border_emphasis`)
    rdoq_lambda: float  # the RDOQ's rate weight, in step^2 per bit (:func:`quantize`)


UNLAPPED = EncoderTuning(4.0, 8.0, 0.1)  # val: results/seam2/ (fit), results/seam/ (RDOQ), results/levers/rdoq.txt
LAPPED = EncoderTuning(1.0, 1.0, 0.08)  # val: results/retune/


def encoder_tuning(ladder: BasisLadder) -> EncoderTuning:
    """The encoder's settings for ``ladder``'s tiles.

    A tile fitted alone leaves its error at its border as a step against its neighbour's, which the border
    weights pull down. Lapped tiles (``lap_scales`` not all 1) share that error with the neighbour through the decoder's
    post-filter; weighted as before, their borders come out better than their interiors above ~0.8 bpp, where
    the bits spent on them are wasted: plain least squares and an unweighted RDOQ are the better choice."""
    lapped = ladder.lap_scales is not None and bool(np.any(ladder.lap_scales != 1))
    return LAPPED if lapped else UNLAPPED


def border_emphasis(ladder: BasisLadder, weight: float) -> np.ndarray:
    """``[3, K]``: each function's squared norm on the tile grid when the pixels of the tile's border weigh
    ``weight`` and the others 1 (mean weight 1): ``sum_p w_p phi_pj^2``.

    The quantiser's error on a coefficient lands on the pixels in proportion to its function's square; functions
    that put more of it on the tile's edge make the grid show, so the RDOQ weighs their error this much more
    (val: border / interior gap -0.06 dB at no cost in rate-distortion, ``results/seam/``).
    """
    t = ladder.cfg.tile
    phi = grid_functions(ladder).astype(np.float64)  # [3, N, K]
    return np.einsum("n,cnk->ck", border_weights(t, t, t, weight).reshape(-1), phi * phi)


def code_lengths(ladder: BasisLadder, s: int) -> np.ndarray:
    """``[activity, class, 2 RMAX + 1]`` bits of each q under the models of step index ``s``."""
    pmf, _ = tables_for(ladder, s)
    return -np.log2(np.maximum(pmf, 1e-300))


def quantize(
    ladder: BasisLadder,
    coef: np.ndarray,
    s: int,
    width: int,
    height: int,
    gray: bool,
    lam: float | None,
    emphasis: np.ndarray | None = None,
) -> np.ndarray:
    """The ``q [tiles, n]`` a file at step index ``s`` stores for fitted coefficients ``coef [tiles, 3, K]``:
    :func:`rdo_quantize` of the coefficients (``lam`` None: the dead zone alone; ``emphasis [3, K]``: its
    per-coefficient distortion weights; each coefficient on its own step where the init has a quantisation matrix,
    :func:`multipliers`), or with a predictor of their
    residuals, wavefront by wavefront (each front predicted from the decoded fronts before it, as the decoder
    will)."""
    keep = mask(ladder, s, gray)
    cls = classes(ladder, s, gray)
    mult = multipliers(ladder, s, gray)  # quantised on its own step: c / mult on step(s)
    stored_emphasis = (np.ones(mult.size) if emphasis is None else emphasis[keep]) * mult.astype(np.float64) ** 2
    if ladder.predictor is None:
        if lam is None:
            return deadzone_quantize(coef[:, keep] / mult, s, ladder.deadzone)
        return rdo_quantize(ladder, coef[:, keep] / mult, s, cls, lam, stored_emphasis)
    bits = code_lengths(ladder, s)

    def choose(c: np.ndarray) -> np.ndarray:
        if lam is None:
            return deadzone_quantize(c, s, ladder.deadzone)
        return _rdo_block(ladder, c, s, cls, lam, bits, stored_emphasis)

    m, steps = ladder.predictor.m, column_steps(ladder, s, gray)
    q = np.empty((coef.shape[0], int(keep.sum())), np.int32)

    def code(idx: np.ndarray, guess: np.ndarray) -> np.ndarray:
        residual = coef[idx].copy()
        residual[:, :, :m] -= guess
        q[idx] = choose(residual[:, keep] / mult)
        decoded = expand(ladder, s, q[idx] * steps, gray)
        decoded[:, :, :m] += guess
        return decoded

    predict.run(ladder.predictor, *grid_shape(height, width, ladder.cfg.tile), 1 if gray else 3, code)
    return q


def dequantize(ladder: BasisLadder, q: np.ndarray, s: int, width: int, height: int, gray: bool) -> np.ndarray:
    """The stored values ``[tiles, n]`` float32 of a file's ``q``: steps, plus the predictions where the init
    predicts (the inverse of :func:`quantize` up to the quantiser's error)."""
    values = (q * column_steps(ladder, s, gray)).astype(np.float32)
    if ladder.predictor is None:
        return values
    m, keep = ladder.predictor.m, mask(ladder, s, gray)
    full = expand(ladder, s, values, gray)

    def code(idx: np.ndarray, guess: np.ndarray) -> np.ndarray:
        full[idx, :, :m] += guess
        return full[idx]

    predict.run(ladder.predictor, *grid_shape(height, width, ladder.cfg.tile), 1 if gray else 3, code)
    return full[:, keep]


def _rdo_block(
    ladder: BasisLadder, coef: np.ndarray, s: int, cls: np.ndarray, lam: float, bits, emphasis: np.ndarray | None
) -> np.ndarray:
    step_size = step(s)
    q0 = deadzone_quantize(coef, s, ladder.deadzone)
    towards = np.where(q0 != 0, q0 - np.sign(q0), 0)
    cands = np.clip(np.stack([q0, q0 + np.where(coef >= 0, 1, -1), towards]), -RMAX, RMAX)
    dist = (coef[None] - cands * step_size) ** 2
    if emphasis is not None:
        dist = dist * emphasis
    rate = bits[activity(q0)[None, :, None], cls[None, None, :], cands + RMAX]
    best = np.argmin(dist + lam * step_size * step_size * rate, axis=0)
    return np.take_along_axis(cands, best[None], 0)[0]


def features(cfg: SirenConfig, body_w: np.ndarray, body_b: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """``[..., width + 1]``: a leading 1, then the body's last sine layer at ``coords [..., 2]`` (float32)."""
    h = numpy_siren.forward(cfg, body_w, body_b, coords, head=False)
    return np.concatenate([np.ones((*h.shape[:-1], 1), np.float32), h], axis=-1)


def heads(ladder: BasisLadder, coef: np.ndarray) -> np.ndarray:
    """Each tile's effective last layer ``[B, width + 1, 3]`` (RGB) from its coefficients ``[B, 3, K]``."""
    per_channel = np.stack([coef[:, c] @ ladder.basis[c].T for c in range(3)], axis=2)  # [B, width + 1, 3]
    return per_channel @ ladder.colour.T


def gray_weights(ladder: BasisLadder) -> np.ndarray:
    """``[3]``: the gray value of a rendered gray image from its RGB render.

    A gray image ``g`` is fitted as RGB ``(g, g, g)``; its first colour-axis coefficient is
    ``g S - m`` (``S`` the axis' sum, ``m`` the mean's projection), the only one stored, so the render
    is ``mean + axis f`` and ``g = axis . rgb / S`` exactly.
    """
    axis = ladder.colour[:, 0].astype(np.float64)
    return (axis / axis.sum()).astype(np.float32)


def expand(ladder: BasisLadder, s: int, values: np.ndarray, gray: bool = False) -> np.ndarray:
    """Stored values ``[B, n]`` (the masked coefficients) -> full coefficients ``[B, 3, K]``."""
    full = np.zeros((values.shape[0], 3, ladder.k), np.float32)
    full[:, mask(ladder, s, gray)] = values
    return full


def functions(ladder: BasisLadder, coords: np.ndarray) -> np.ndarray:
    """The orthonormal functions ``[3, N, K]`` at ``coords [N, 2]`` (on the tile grid: orthonormal columns)."""
    return np.einsum("nf,cfk->cnk", features(ladder.cfg, ladder.body_w, ladder.body_b, coords), ladder.basis)


def grid_functions(ladder: BasisLadder) -> np.ndarray:
    """The functions ``[3, N, K]`` on the tile's own grid (linspace(-1, 1) per axis, (x, y), row-major): there they
    are orthonormal."""
    t = ladder.cfg.tile
    axis = np.linspace(-1.0, 1.0, t, dtype=np.float32)
    yy, xx = np.meshgrid(axis, axis, indexing="ij")
    return functions(ladder, np.stack([xx, yy], axis=-1).reshape(-1, 2))


def evaluate(ladder: BasisLadder, coef: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """Colours ``[B, M, 3]`` of B tiles with coefficients ``[B, 3, K]`` at ``coords [B, M, 2]``.

    Tiles that sample the same local coordinates (all but the image's last row and column at
    most sizes) share one body evaluation: the body runs per distinct pattern, not per tile.
    """
    head = heads(ladder, coef)
    out = np.empty((coef.shape[0], coords.shape[1], 3), np.float32)
    for members in same_rows(coords.reshape(coords.shape[0], -1)):
        pattern = coords[members[0]]
        feat = features(ladder.cfg, ladder.body_w, ladder.body_b, pattern)  # [M, width + 1]
        stacked = head[members].transpose(1, 0, 2).reshape(feat.shape[1], -1)  # one GEMM for the group
        out[members] = (feat @ stacked).reshape(feat.shape[0], members.size, 3).transpose(1, 0, 2)
    return out + ladder.colour_mean.astype(np.float32)


def same_rows(a: np.ndarray) -> list[np.ndarray]:
    """The indices of each set of equal rows of ``a [B, M]``, ascending, sets in order of first appearance.

    By each row's bytes: linear in B, where ``np.unique(axis=0)`` sorts the rows (0.1 s of a Kodak decode).
    """
    groups: dict[bytes, list[int]] = {}
    for i, row in enumerate(np.ascontiguousarray(a)):
        groups.setdefault(row.tobytes(), []).append(i)
    return [np.array(g) for g in groups.values()]


ENTROPY_OPTIONS = ("table_mix", "chroma_classes", "activity_context")  # the meta flags of the entropy models


MAX_ADAPT_WEIGHT = 1 << 20  # a larger prior weight would learn nothing from any photo


def meta_array(qualities, adapt_weight: int = 0, **options: bool) -> np.ndarray:
    """The ``meta`` array of an init file: its quality ladder and the entropy options it sets (ENTROPY_OPTIONS,
    and ``adapt_weight`` where it is not 0)."""
    unknown = set(options) - set(ENTROPY_OPTIONS)
    if unknown:
        raise ValueError(f"unknown init options {sorted(unknown)}")
    if not 0 <= adapt_weight <= MAX_ADAPT_WEIGHT:
        raise ValueError(f"adapt_weight must be 0..{MAX_ADAPT_WEIGHT}, got {adapt_weight}")
    meta = {"qualities": [int(s) for s in qualities]} | {k: True for k, v in options.items() if v}
    return np.array(json.dumps(meta | ({"adapt_weight": int(adapt_weight)} if adapt_weight else {})))


def save(path: Path, cfg: SirenConfig, arrays: dict, qualities: list[int]) -> None:
    """Write a shared-body ladder atomically (``arrays``: the BasisLadder's array fields by name)."""
    payload = {
        "format": np.array(FORMAT),
        "siren": np.array(json.dumps(cfg.to_dict())),
        "meta": meta_array(qualities),
    } | {k: np.asarray(v) for k, v in arrays.items()}
    # the entropy tables are mostly their floor value: they compress well
    save_atomic(path, lambda f: np.savez_compressed(f, **payload))


def from_npz(z, name: str, file_id: str) -> BasisLadder:
    """A BasisLadder from an opened ``.npz`` (format already checked by :mod:`inrzip.inits`)."""
    cfg = SirenConfig.from_dict(json.loads(str(z["siren"])))
    meta = json.loads(str(z["meta"]))
    rms = z["rms"].astype(np.float32)
    ladder = BasisLadder(
        name=name,
        id=file_id,
        cfg=cfg,
        body_w=z["body_w"].astype(np.float32),
        body_b=z["body_b"].astype(np.float32),
        basis=z["basis"].astype(np.float32),
        rms=rms,
        lrms=z["lrms"].astype(np.int32),
        colour_mean=z["colour_mean"].astype(np.float32),
        colour=z["colour"].astype(np.float32),
        pmf=z["pmf"],  # float32 as stored (9 MB): tables_for widens the one or two groups a file uses
        activity_pmf=z["activity_pmf"].astype(np.float64),
        group_first=int(z["group_first"]),
        deadzone=float(z["deadzone"]),
        qualities=tuple(int(s) for s in meta["qualities"]),
        post_filter=postfilter.from_arrays(z),
        **{k: meta.get(k, False) is True for k in ENTROPY_OPTIONS},
        adapt_weight=meta.get("adapt_weight", 0),
        step_offsets=z["step_offsets"].astype(np.int32) if "step_offsets" in z else None,
        lap_scales=z["lap_scales"].astype(np.float32) if "lap_scales" in z else None,
    )
    if ladder.lap_scales is not None:
        lapping.check(ladder.lap_scales, cfg.tile)
    if type(ladder.adapt_weight) is not int or not 0 <= ladder.adapt_weight <= MAX_ADAPT_WEIGHT:
        raise ValueError(f"adapt_weight must be an integer 0..{MAX_ADAPT_WEIGHT}")
    k = ladder.basis.shape[2]
    if ladder.basis.shape != (3, cfg.width + 1, k) or rms.shape != (3, k) or ladder.lrms.shape != (3, k):
        raise ValueError("basis, rms and lrms shapes do not agree")
    if ladder.step_offsets is not None and (
        ladder.step_offsets.shape != (3, k) or np.abs(ladder.step_offsets).max(initial=0) > MAX_STEP_OFFSET
    ):
        raise ValueError(f"step_offsets must be [3, K] integers within +-{MAX_STEP_OFFSET}")
    groups = ladder.pmf.shape[0]
    contexts = (N_ACTIVITY + 1, N_ACTIVITY + 1) if ladder.activity_context else ()
    if ladder.pmf.shape != (groups, N_ACTIVITY, n_classes(ladder.chroma_classes), 2 * RMAX + 1) or (
        ladder.activity_pmf.shape != (groups, *contexts, N_ACTIVITY)
    ):
        raise ValueError("entropy tables have the wrong shape")
    found = predict.from_arrays(z, lambda coords: functions(ladder, coords), cfg.tile, k)
    return ladder if found is None else replace(ladder, predictor=found)
