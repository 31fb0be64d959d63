"""Training the post-filter (:mod:`inrzip.postfilter`): source-size decodes of training crops coded at every
level of an init, the crops themselves, and a residual CNN fitted to them; written out as a new init (the
source init's arrays plus the filter's), so the files of the source init keep their decodes."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from .. import inits, postfilter, tiles
from ..codecs.basis.model import FORMAT
from ..decoder import decode
from ..encoder import encode
from ..files import save_atomic
from ..nets.numpy_cnn import Net, Window, check_patch
from . import derived
from .data import random_crops
from .upscaler import CnnTraining, export, fit_residual

SHIPPED = CnnTraining(steps=10_000)  # the shipped filter's (siren-t16-basis-pf, weights/manifest.json)


def make_pairs(train_dir: str, init, count: int, crop: int, seed: int) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """``count`` (crop, its plain source-size decode, step index) triples, each crop coded at a random level."""
    rng = np.random.default_rng(seed)
    out = []
    for orig in itertools.islice(random_crops(train_dir, crop, rng), count):
        enc = encode(orig, quality=int(rng.integers(1, len(init.qualities) + 1)), init=init)
        out.append((orig, decode(enc.data, init=init, restore=False), enc.header.quality))
    return out


def cached_pairs(
    cache: Path, train_dir: str, init, count: int, crop: int, seed: int, log: Callable[[str], None] = print
) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """:func:`make_pairs`, kept in ``cache`` (an ``.npz``): read from it when it was made for the same init (by
    id), folder, count, crop and seed, else made and written there. The crops are most of a short training's time
    (517 of 1,782 s for 20,000 steps on this CPU), and each filter tried on one init needs the same ones."""
    key = dict(init_id=init.id, train_dir=str(Path(train_dir).resolve()), count=count, crop=crop, seed=seed)
    cache = Path(cache)
    if cache.exists():
        with np.load(cache, allow_pickle=False) as z:
            made_for = json.loads(str(z["key"]))
            if made_for != key:
                raise ValueError(f"{cache} holds other crops ({made_for}); give another --pairs-cache")
            log(f"training crops from {cache}")
            return list(zip(z["originals"], z["renders"], (int(s) for s in z["steps"]), strict=True))
    triples = make_pairs(train_dir, init, count, crop, seed)
    arrays = dict(key=np.array(json.dumps(key)), originals=np.stack([o for o, _, _ in triples]))
    arrays |= dict(renders=np.stack([r for _, r, _ in triples]), steps=np.array([s for _, _, s in triples]))
    cache.parent.mkdir(parents=True, exist_ok=True)
    save_atomic(cache, lambda f: np.savez(f, **arrays))
    return triples


def tensors(triples, tile: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(originals ``[N, 3, H, W]``, inputs ``[N, 3 + EXTRA, H, W]``) in [0, 1], the inputs as the decoder builds
    them (:func:`inrzip.postfilter.extra_channels`)."""
    originals, inputs = [], []
    for orig, render, s in triples:
        h, w = render.shape[:2]
        extra = postfilter.extra_channels(s, tile, Window(0, h, 0, w))
        inputs.append(np.concatenate([render.astype(np.float32) / 255, extra], axis=2))
        originals.append(orig.astype(np.float32) / 255)
    as_t = lambda a: torch.from_numpy(np.stack(a)).permute(0, 3, 1, 2).contiguous()  # noqa: E731
    return as_t(originals), as_t(inputs)


def filterable(init_name: str):
    """The init ``init_name``, a shared-body one (only those take a post-filter); ValueError otherwise."""
    init = inits.load(init_name)
    if init.format != FORMAT:
        raise ValueError(f"{init_name} is not a shared-body init: only those take a post-filter")
    return init


def train(
    train_dir: str,
    out: Path,
    init_name: str = "siren-t16-basis-sr",
    n_pairs: int = 800,
    crop: int = 256,
    cnn: CnnTraining = SHIPPED,
    border_weight: float = 1.0,
    command: str = "",
    log: Callable[[str], None] = print,
    pairs_cache: Path | None = None,
    start_from: str | None = None,
) -> Path:
    """Fit a post-filter to ``init_name``'s decodes and write ``out``: that init with the filter in it.

    Tile-border pixels weigh ``border_weight`` in the loss (:func:`inrzip.tiles.border_weights` over each crop,
    coded from its corner): they are where the tiles' separate fits and quantisers leave most error, and a weight
    of 4 trains a filter that takes 0.1 dB more of that gap out and, at equal steps, gains more on the whole image
    too (``results/seam/``). ``pairs_cache``: where the training crops are kept (:func:`cached_pairs`).
    ``start_from``: an init whose post-filter the training starts from (its size and cells replace ``cnn``'s)."""
    t0 = time.time()
    init = filterable(init_name)
    start = None
    if start_from is not None:
        given = inits.load(start_from)
        start = getattr(given, "post_filter", None)
        if start is None:
            raise ValueError(f"{start_from} has no post-filter to start from")
        width, depth = start.weights[0].shape[3], len(start.weights) - 2
        cnn = replace(cnn, width=width, depth=depth, shuffle=start.shuffle)
        check_patch(cnn.patch, cnn.depth, cnn.shuffle)
    if pairs_cache is None:
        triples = make_pairs(train_dir, init, n_pairs, crop, cnn.seed)
    else:
        triples = cached_pairs(pairs_cache, train_dir, init, n_pairs, crop, cnn.seed, log)
    log(f"{len(triples)} training crops ({time.time() - t0:.0f} s)")
    originals, inputs = tensors(triples, init.cfg.tile)
    weight = None
    if border_weight != 1:
        weight = torch.from_numpy(tiles.border_weights(crop, crop, init.cfg.tile, border_weight).astype(np.float32))
    net = fit_residual(originals, inputs, cnn, log, weight, None if start is None else (start.weights, start.biases))
    settings = dict(n_pairs=n_pairs, crop=crop) | asdict(cnn)
    if start is not None:
        settings |= dict(started_from=given.name, started_from_id=given.id)
    if weight is not None:
        settings["border_weight"] = border_weight
    arrays = postfilter.to_arrays(Net(*export(net), cnn.shuffle))
    return derived.write(init_name, out, arrays, settings, train_dir, command, t0, log, drop=postfilter.PREFIX)


def copy(
    train_dir: str, out: Path, init_name: str, donor: str, command: str = "", log: Callable[[str], None] = print
) -> Path:
    """Write ``out``: ``init_name`` with ``donor``'s post-filter, untrained. The filter sees the render's pixels, the
    step index and the tile phase, not the init's functions, so one trained on another init's decodes carries over
    (how well: measure on val)."""
    t0 = time.time()
    filterable(init_name)
    given = inits.load(donor)
    if getattr(given, "post_filter", None) is None:
        raise ValueError(f"{donor} has no post-filter to give")
    settings = dict(filter_copied_from=given.name, filter_copied_from_id=given.id)
    arrays = postfilter.to_arrays(given.post_filter)
    return derived.write(init_name, out, arrays, settings, train_dir, command, t0, log, drop=postfilter.PREFIX)
