"""Shared fixtures: tiny photos and a tiny meta-learned ladder, made by the tests themselves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image


def smooth_photo(h: int, w: int, seed: int) -> np.ndarray:
    """A smooth, photo-like colour image (low-frequency waves), uint8."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    chans = []
    for _ in range(3):
        a, b, c, d = rng.uniform(0.5, 3.0, 4)
        chans.append(0.5 + 0.25 * np.sin(a * 3 * x + b) * np.cos(c * 3 * y + d))
    return (np.stack(chans, -1) * 255).round().astype(np.uint8)


@pytest.fixture(scope="session")
def photo_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("photos")
    for i in range(6):
        Image.fromarray(smooth_photo(40 + 4 * i, 48, i)).save(d / f"p{i}.png")
    return d


@pytest.fixture(scope="session")
def tiny_ladder(tmp_path_factory, photo_dir) -> Path:
    """A real ladder (MAML + 3 pruning rounds) of 8-wide SIRENs on 8x8 tiles, trained in seconds."""
    from inrzip.nets.arch import SirenConfig
    from inrzip.train.meta import MetaConfig, train_ladder

    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("weights") / "tiny"
    cfg = SirenConfig(width=8, depth=1, w0=10.0, tile=8)
    mc = MetaConfig(
        outer_steps=60,
        round_steps=20,
        rounds=3,
        meta_batch=8,
        inner_steps=2,
        inner_opt="adam",
        inner_lr=1e-2,
        outer_lr=1e-2,
        val_tiles=8,
        test_steps=20,
        test_lr=1e-2,
        ckpt_every=50,
    )
    return train_ladder(cfg, mc, str(photo_dir), str(photo_dir), out, command="tests", log=lambda m: None)


@pytest.fixture()
def tiny_init(tiny_ladder, monkeypatch) -> str:
    """Make the tiny ladder findable by id (as a shipped one would be) and return its path."""
    monkeypatch.setenv("INRZIP_WEIGHTS", str(tiny_ladder.parent))
    return str(tiny_ladder)


@pytest.fixture(scope="session")
def tiny_basis_file(tmp_path_factory, photo_dir) -> Path:
    """A real shared-body ladder (16-wide body on 8x8 tiles), trained in a second."""
    from inrzip.nets.arch import SirenConfig
    from inrzip.train import anil

    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("basis") / "tinyb.npz"
    return anil.train(
        str(photo_dir),
        out,
        SirenConfig(width=16, depth=1, w0=10.0, tile=8),
        steps=30,
        batch=64,
        n_tiles=1000,
        log=lambda m: None,
    )


@pytest.fixture()
def tiny_basis(tiny_basis_file, monkeypatch) -> str:
    """The tiny shared-body ladder, findable by id; returns its path."""
    monkeypatch.setenv("INRZIP_WEIGHTS", str(tiny_basis_file.parent))
    return str(tiny_basis_file)


def edgy_photo(h: int, w: int, seed: int) -> np.ndarray:
    """Flat discs with sharp edges over a gentle ripple: what a tile codec rings and blocks on."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 3)) + rng.uniform(0.2, 0.8, 3)
    for _ in range(12):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(6, 30)
        img[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = rng.uniform(0, 1, 3)
    img += 0.05 * np.sin(x / 7.0)[..., None]
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8)


def small_pieces(monkeypatch, side: int, strip: int = 2) -> None:
    """Cut the CNN restorations (post-filter, upscaler) into ``side``-cell pieces streamed ``strip`` rows at a
    time, so a small image crosses many piece and strip boundaries."""
    from inrzip.nets import numpy_cnn

    monkeypatch.setattr(numpy_cnn, "BAND", side)
    monkeypatch.setattr(numpy_cnn, "PANEL", side)
    monkeypatch.setattr(numpy_cnn, "STRIP", strip)
