"""Photo folders -> random training crops and fixed validation tiles (meta-learning data)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from ..images import list_images, load_image


def load_rgb_uint8(path: Path) -> np.ndarray:
    """Decode one training photo to ``[H, W, 3]`` uint8."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


class CropSampler:
    """Random ``tile x tile`` crops (with random flips) from a folder of photos, as [B, N, 3] floats in [0,1].

    Photos smaller than a tile are skipped. Sampling is vectorised per batch: one gather, no per-pixel loop.
    """

    def __init__(self, folder: str | Path, tile: int, seed: int = 0):
        self.tile = tile
        self.images = [im for im in (load_rgb_uint8(p) for p in list_images(folder)) if min(im.shape[:2]) >= tile]
        if not self.images:
            raise ValueError(f"no image in {folder} is at least {tile}x{tile}")
        # draw photos in proportion to their number of distinct crops, so big photos aren't under-sampled
        sizes = np.array([(h - tile + 1) * (w - tile + 1) for h, w, _ in (im.shape for im in self.images)], float)
        self.p = np.sqrt(sizes) / np.sqrt(sizes).sum()
        self.rng = np.random.default_rng(seed)

    def sample(self, batch: int) -> Tensor:
        t = self.tile
        picks = self.rng.choice(len(self.images), size=batch, p=self.p)
        crops = np.empty((batch, t, t, 3), np.uint8)
        for k, i in enumerate(picks):
            im = self.images[i]
            y = self.rng.integers(0, im.shape[0] - t + 1)
            x = self.rng.integers(0, im.shape[1] - t + 1)
            crops[k] = im[y : y + t, x : x + t]
        flip_x = self.rng.random(batch) < 0.5
        crops[flip_x] = crops[flip_x, :, ::-1]
        flip_y = self.rng.random(batch) < 0.5
        crops[flip_y] = crops[flip_y, ::-1]
        return torch.from_numpy(crops).float().div_(255).reshape(batch, t * t, 3)

    def state(self) -> dict:
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state


def fixed_tiles(folder: str | Path, tile: int, count: int, seed: int = 1234) -> Tensor:
    """A fixed, reproducible set of validation tiles ``[count, tile*tile, 3]``."""
    return CropSampler(folder, tile, seed=seed).sample(count)


def paper_images(folder: str | Path, side: int, protocol: str = "imagenette", limit: int | None = None) -> Tensor:
    """Whole photos as the paper prepares them, at ``side x side``: ``[N, side*side, 3]`` floats in [0, 1].

    "imagenette": resize the short side to side*200/178, centre-crop side (the paper's 200 -> 178).
    "celeba": centre-crop the largest square of 178/218 of the width (CelebA's 178x218 -> 178x178;
    FFHQ's square faces scale the same way), then resize to side.
    """
    out = []
    for path in list_images(folder)[:limit]:
        with Image.open(path) as im:
            im = im.convert("RGB")
            if protocol == "celeba":
                c = min(im.width, im.height)
                left, top = (im.width - c) // 2, (im.height - c) // 2
                im = im.crop((left, top, left + c, top + c)).resize((side, side), Image.Resampling.LANCZOS)
            else:
                short = max(side, round(side * 200 / 178))
                scale = short / min(im.width, im.height)
                im = im.resize(
                    (max(short, round(im.width * scale)), max(short, round(im.height * scale))),
                    Image.Resampling.LANCZOS,
                )
                left, top = (im.width - side) // 2, (im.height - side) // 2
                im = im.crop((left, top, left + side, top + side))
            out.append(np.asarray(im))
    return torch.from_numpy(np.stack(out)).float().div_(255).reshape(len(out), side * side, 3)


class ImageSampler:
    """Random whole images (with random flips) from a fixed set ``[N, side*side, 3]``: the paper's meta-batches."""

    def __init__(self, images: Tensor, seed: int = 0):
        self.images = images
        self.side = int(round(images.shape[1] ** 0.5))
        self.rng = np.random.default_rng(seed)

    def sample(self, batch: int) -> Tensor:
        picks = torch.from_numpy(self.rng.integers(0, len(self.images), size=batch))
        ims = self.images[picks].reshape(batch, self.side, self.side, 3)
        flip = torch.from_numpy(self.rng.random(batch) < 0.5)
        ims = torch.where(flip[:, None, None, None], ims.flip(2), ims)
        return ims.reshape(batch, -1, 3)

    def state(self) -> dict:
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state


def _shorter_side(path: Path) -> int:
    with Image.open(path) as im:
        return min(im.size)


def random_crops(train_dir: str, crop: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Endless ``crop x crop`` RGB windows at random places of random training photos (smaller photos skipped):
    the examples the restoring CNNs learn from. ValueError where no photo is large enough (it would never end)."""
    photos = list_images(train_dir)
    shorter = [_shorter_side(p) for p in photos]  # from the headers: a photo too small is never decoded
    if max(shorter, default=0) < crop:
        raise ValueError(f"no photo in {train_dir} has both sides of at least {crop} pixels (the training crops)")
    while True:
        k = rng.integers(len(photos))
        if shorter[k] < crop:
            continue
        photo, _ = load_image(photos[k])
        y, x = rng.integers(photo.shape[0] - crop + 1), rng.integers(photo.shape[1] - crop + 1)
        yield np.ascontiguousarray(photo[y : y + crop, x : x + crop])
