"""Training the learned upscaler (:mod:`inrzip.upscaler`): pairs of (the init's render of a coded, downscaled
training crop at full size, the crop itself), a small residual CNN fitted to them with Adam."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .. import inits
from .. import upscaler as model
from ..decoder import decode
from ..encoder import encode
from ..nets import numpy_cnn
from . import manifest
from .data import random_crops


@dataclass(frozen=True)
class CnnTraining:
    """How a restoration CNN (the upscaler's, the post-filter's) is fitted: its size and Adam's schedule."""

    steps: int = 4000
    width: int = 32
    depth: int = 3  # hidden width -> width convolutions
    batch: int = 16
    patch: int = 48  # random square crops of the training pairs
    lr: float = 1e-3  # cosine-decayed to 0
    seed: int = 0
    shuffle: int = 1  # the network runs on cells of shuffle x shuffle pixels (numpy_cnn)


def make_pairs(
    train_dir: str, init, factors: tuple[int, ...], count: int, crop: int, bpps: tuple[float, ...], seed: int
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """``count`` (original crop, plain render, source) triples: each crop downscaled (Lanczos) by a factor,
    encoded at one of ``bpps`` of the small image, rendered back at the crop's size without the upscaler.
    ``source``: for an init with a post-filter, its restored 1x decode resized to the crop (the networks'
    second input, :func:`inrzip.upscaler.source_channels`), else None."""
    rng = np.random.default_rng(seed)
    with_source = getattr(init, "post_filter", None) is not None
    pairs = []
    for i, orig in enumerate(itertools.islice(random_crops(train_dir, crop, rng), count)):
        f = factors[i % len(factors)]
        small = np.asarray(Image.fromarray(orig).resize((crop // f, crop // f), Image.Resampling.LANCZOS))
        enc = encode(small, bpp=float(rng.choice(bpps)), init=init)
        plain = decode(enc.data, size=(crop, crop), init=init, restore=False)
        source = model.source_channels(decode(enc.data, init=init), crop, crop) if with_source else None
        pairs.append((orig, plain, source))
    return pairs


def network(width: int, depth: int, inputs: int = 3, shuffle: int = 1) -> torch.nn.Sequential:
    """inputs -> width -> depth x (width -> width) -> 3, 3x3 convolutions, ReLU between; the last layer starts
    near 0. With ``shuffle`` > 1 on cells of shuffle x shuffle pixels (pixel unshuffle first, shuffle last)."""
    cell = shuffle * shuffle
    layers: list[torch.nn.Module] = [torch.nn.Conv2d(inputs * cell, width, 3, padding=1), torch.nn.ReLU()]
    for _ in range(depth):
        layers += [torch.nn.Conv2d(width, width, 3, padding=1), torch.nn.ReLU()]
    layers.append(torch.nn.Conv2d(width, 3 * cell, 3, padding=1))
    with torch.no_grad():
        layers[-1].weight.mul_(0.1)
        layers[-1].bias.zero_()
    if shuffle > 1:
        layers = [torch.nn.PixelUnshuffle(shuffle), *layers, torch.nn.PixelShuffle(shuffle)]
    return torch.nn.Sequential(*layers)


def load(net: torch.nn.Sequential, weights: list[np.ndarray], biases: list[np.ndarray]) -> None:
    """Set ``net``'s convolutions to :func:`export`'s arrays; ValueError where the shapes differ."""
    convs = [m for m in net if isinstance(m, torch.nn.Conv2d)]
    shapes = [tuple(c.weight.permute(2, 3, 1, 0).shape) for c in convs]
    if shapes != [w.shape for w in weights]:
        raise ValueError(f"the starting network's layers {[w.shape for w in weights]} are not {shapes}")
    with torch.no_grad():
        for c, w, b in zip(convs, weights, biases, strict=True):
            c.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1))))
            c.bias.copy_(torch.from_numpy(b))


def export(net: torch.nn.Sequential) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The convolutions as numpy ``[3, 3, Cin, Cout]`` weights and biases (:mod:`inrzip.nets.numpy_cnn`'s layout)."""
    convs = [m for m in net if isinstance(m, torch.nn.Conv2d)]
    weights = [c.weight.detach().permute(2, 3, 1, 0).contiguous().numpy() for c in convs]
    return weights, [c.bias.detach().numpy().copy() for c in convs]


def train(
    train_dir: str,
    out: Path,
    init_name: str = inits.DEFAULT_INIT,
    factors: tuple[int, ...] = (2, 4),
    n_pairs: int = 300,
    crop: int = 256,
    bpps: tuple[float, ...] = (0.5, 1.0, 2.0),
    cnn: CnnTraining = CnnTraining(),
    command: str = "",
    log: Callable[[str], None] = print,
) -> Path:
    """One network per factor: make its pairs, fit it; write them all to ``out``."""
    t0 = time.time()
    init = inits.load(init_name)
    nets = {}
    for factor in factors:
        pairs = make_pairs(train_dir, init, (factor,), n_pairs, crop, bpps, cnn.seed)
        log(f"x{factor}: {len(pairs)} training pairs ({time.time() - t0:.0f} s)")
        net = fit(pairs, cnn, lambda m, f=factor: log(f"x{f}: {m}"))
        nets[factor] = model.Net(*export(net))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out, init.id, nets)
    settings = dict(init=init.name, factors=list(factors), n_pairs=n_pairs, crop=crop, bpps=list(bpps)) | asdict(cnn)
    manifest.record(out, command, train_dir, None, settings, time.time() - t0, {"init_id": init.id})
    log(f"wrote {out} ({time.time() - t0:.0f} s)")
    return out


def fit(pairs, cnn: CnnTraining, log: Callable[[str], None]) -> torch.nn.Sequential:
    """The residual CNN fitted to (original, render, source) triples: render + net(render, source) ~ original
    (``source`` None: the render alone)."""
    to_t = lambda a: torch.from_numpy(np.array(a)).permute(2, 0, 1).float()  # noqa: E731  (a copy: decodes may be read-only)
    originals = torch.stack([to_t(o) / 255 for o, _, _ in pairs])
    inputs = torch.stack([torch.cat([to_t(r) / 255, *([] if s is None else [to_t(s) / 255])]) for _, r, s in pairs])
    return fit_residual(originals, inputs, cnn, log)


def fit_residual(
    originals: torch.Tensor,
    inputs: torch.Tensor,
    cnn: CnnTraining,
    log: Callable[[str], None],
    weight: torch.Tensor | None = None,
    start: tuple[list[np.ndarray], list[np.ndarray]] | None = None,
) -> torch.nn.Sequential:
    """A CNN such that ``inputs[:, :3] + net(inputs) ~ originals`` (``[N, C, H, W]`` floats in [0, 1]; the first
    three input channels are the render, any others tell the network more): Adam, cosine-decayed lr, MSE on
    random patches away from their zero-padded edges, each pixel's error weighted by ``weight [H, W]`` where
    given (the same map on every crop). ``start``: the weights and biases (:func:`export`'s layout) to start
    from instead of a fresh network of ``cnn``'s size: a network trained for one init's decodes, fine-tuned
    for another's."""
    t0 = time.time()
    crop, patch = originals.shape[2], cnn.patch
    torch.manual_seed(cnn.seed)
    net = network(cnn.width, cnn.depth, inputs.shape[1], cnn.shuffle)
    if start is not None:
        load(net, *start)
    opt = torch.optim.Adam(net.parameters(), cnn.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cnn.steps)
    rng = np.random.default_rng(cnn.seed + 1)
    edge = numpy_cnn.receptive_radius(cnn.depth + 2, cnn.shuffle)  # outputs that saw the zero padding: no loss
    cell = cnn.shuffle  # patches start on the cell grid, as the decoder cuts an image (from its corner)
    for step in range(cnn.steps):
        pick = torch.from_numpy(rng.integers(len(originals), size=cnn.batch))
        y0, x0 = rng.integers((crop - patch) // cell + 1, size=2) * cell
        x = inputs[pick, :, y0 : y0 + patch, x0 : x0 + patch]
        target = originals[pick, :, y0 : y0 + patch, x0 : x0 + patch]
        err = (x[:, :3] + net(x) - target).square()
        if weight is not None:
            err = err * weight[y0 : y0 + patch, x0 : x0 + patch]
        loss = err[:, :, edge:-edge, edge:-edge].mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 500 == 0 or step == cnn.steps - 1:
            log(f"step {step}: batch {-10 * np.log10(loss.item()):.2f} dB ({time.time() - t0:.0f} s)")
    return net
