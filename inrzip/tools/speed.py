"""Speed and memory benchmarks: ``python -m inrzip.tools.speed`` prints figures and the machine they ran on.

Each optimisation is timed against the plain implementation in the same run (same process,
same photo), so the ratios hold on whatever machine runs it. Peak memory of the large-photo
encode is measured in a child process so that nothing else counts towards it.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import click
import numpy as np
import torch
from PIL import Image

from .. import codecs, decoder, images, inits, tiles
from ..codecs.basis import fit as basis_fit
from ..codecs.batching import ENCODE_CHUNK
from ..codecs.siren import fit as siren_fit
from ..encoder import DEFAULT_STEPS, encode
from ..nets import torch_siren as siren
from ..nets.arch import SirenConfig
from ..nets.device import pick_device
from ..train import masks
from ..train.meta import MetaConfig, MetaObjective, outer_step
from .machine import machine, peak_rss_gb

SIREN_INIT = "siren-t16-w64"  # the per-tile SIREN ladder whose fit and render optimisations are timed below


def photo(path: str | None, width: int, height: int) -> np.ndarray:
    """A ``width x height`` photo: the given one (or the first sample photo) scaled to cover, centre-cropped."""
    rgb, _ = images.load_image(path or images.sample_photos()[0])
    im = Image.fromarray(rgb)
    scale = max(width / im.width, height / im.height)
    im = im.resize((max(width, round(im.width * scale)), max(height, round(im.height * scale))), Image.LANCZOS)
    left, top = (im.width - width) // 2, (im.height - height) // 2
    return np.asarray(im.crop((left, top, left + width, top + height)))


def timed(fn: Callable[[], object], dev: torch.device) -> tuple[float, object]:
    """Wall seconds of one call, the GPU's queue drained before and after."""
    if dev.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    out = fn()
    if dev.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0, out


def encode_variants(rgb: np.ndarray, quality: int, dev: torch.device, steps: int) -> list[dict]:
    """The 100-step fit, plain (0.1: dense 64-unit nets, 256-tile chunks) against each optimisation."""
    ladder = inits.load(SIREN_INIT)
    level = ladder.level(quality)
    lr = codecs.of(ladder).default_lr
    n_tiles = math.prod(tiles.grid_shape(*rgb.shape[:2], ladder.cfg.tile))
    variants = [
        ("plain (dense units, 256-tile chunks)", dict(compact=False, chunk=ENCODE_CHUNK)),
        ("compact live units, 256-tile chunks", dict(compact=True, chunk=ENCODE_CHUNK)),
        ("compact live units, one batch", dict(compact=True, chunk=n_tiles)),
        ("default for this device", dict(compact=True, chunk=None)),
    ]
    siren_fit.fit_images([rgb[:64, :64]], ladder, level, 2, lr, dev)  # warm-up (CUDA context, kernels)
    rows, ref = [], None
    for name, kw in variants:
        seconds, (values,) = timed(lambda kw=kw: siren_fit.fit_images([rgb], ladder, level, steps, lr, dev, **kw), dev)
        ref = values if ref is None else ref
        rows.append({"variant": name, "seconds": seconds, "max_value_diff_vs_plain": float(np.abs(values - ref).max())})
    base = rows[0]["seconds"]
    for r in rows:
        r["speedup"] = base / r["seconds"]
    return rows


def decode_variants(rgb: np.ndarray, quality: int, dev: torch.device) -> list[dict]:
    """Render time in-process (plain vs compact), and a whole ``inrzip decode`` command's wall time."""
    enc = encode(rgb, quality=quality, steps=20, device=dev.type, init=SIREN_INIT)
    job = decoder.prepare(enc.data)
    rows = []
    variants = [("render, torch, plain", siren_fit.torch_evaluator(job.init, job.level, dev, compact=False))]
    variants.append(("render, torch, compact", siren_fit.torch_evaluator(job.init, job.level, dev)))
    if dev.type == "cpu":
        variants.append(("render, numpy, compact (the CLI's decoder)", None))
    for name, evaluate in variants:
        decoder.render(job, evaluate)  # warm-up
        seconds, _ = timed(lambda e=evaluate: decoder.render(job, e), dev)
        rows.append({"variant": name, "seconds": seconds})
    seconds, _ = timed(lambda: decoder.decode(enc.data, device=dev.type), dev)
    rows.append({"variant": "decode() in-process (parse + render)", "seconds": seconds})
    rows.append({"variant": "inrzip decode command (process start included)", "seconds": decode_command(enc.data, dev)})
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    rows.append(
        {"variant": "for reference: python -c 'import torch' (decode skips it)", "seconds": time.perf_counter() - t0}
    )
    return rows


def decode_command(data: bytes, dev: torch.device) -> float:
    """Wall seconds of a whole ``inrzip decode`` process on ``data`` (start-up included)."""
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "x.inrz"
        src.write_bytes(data)
        t0 = time.perf_counter()
        cmd = [sys.executable, "-m", "inrzip", "decode", str(src), "--device", dev.type, "-o", str(Path(d) / "x.png")]
        subprocess.run(cmd, check=True, capture_output=True)
        return time.perf_counter() - t0


def default_codec(rgb: np.ndarray, dev: torch.device, steps: int) -> list[dict]:
    """The default (shared-body) codec: fit alone, whole encode (fit, pack, check decode), render, decode command."""
    ladder = inits.load()
    lr = codecs.of(ladder).default_lr
    basis_fit.fit_images([rgb[:64, :64]], ladder, 2, lr, dev)  # warm-up
    rows = []
    seconds, _ = timed(lambda: basis_fit.fit_images([rgb], ladder, steps, lr, dev), dev)
    rows.append({"variant": f"fit, {steps} Adam steps, every tile in one run", "seconds": seconds})
    seconds, enc = timed(lambda: encode(rgb, steps=steps, device=dev.type), dev)
    rows.append({"variant": f"encode() (fit, quantise, ANS, check decode), {enc.bpp:.3f} bpp", "seconds": seconds})
    job = decoder.prepare(enc.data)
    seconds, _ = timed(lambda: decoder.render(job), dev)
    rows.append({"variant": "render (numpy)", "seconds": seconds})
    seconds, _ = timed(lambda: decoder.decode(enc.data), dev)
    rows.append({"variant": "decode() in-process (parse, render, the init's post-filter)", "seconds": seconds})
    rows.append({"variant": "inrzip decode command (process start included)", "seconds": decode_command(enc.data, dev)})
    return rows


def large(width: int, height: int, steps: int, device: str, image: str | None) -> dict:
    """Encode (and decode at --size 4096) a large photo in a child process; returns its seconds and peak memory."""
    cmd = [sys.executable, "-m", "inrzip.tools.speed", "--child-large", f"{width}x{height}", "--steps", str(steps)]
    cmd += ["--device", device] + (["--image", image] if image else [])
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def _child_large(size: str, steps: int, device: str, image: str | None) -> None:
    w, h = (int(v) for v in size.split("x"))
    rgb = photo(image, w, h)
    dev = pick_device(device)
    base = peak_rss_gb()
    seconds, enc = timed(lambda: encode(rgb, steps=steps, device=device), dev)
    out = {
        "size": size,
        "steps": steps,
        "quality": enc.header.quality,
        "encode_seconds": seconds,
        "encode_psnr": enc.psnr,
        "bpp": enc.bpp,
        "peak_rss_gb_after_encode": peak_rss_gb(),
        "rss_gb_before_encode": base,
    }
    seconds, _ = timed(lambda: decoder.decode(enc.data, size="4096", device=device), dev)
    out |= {"decode_4096_seconds": seconds, "peak_rss_gb_after_decode_4096": peak_rss_gb()}
    seconds, _ = timed(lambda: decoder.decode(enc.data, device=device), dev)  # the source size: post-filtered
    out |= {"decode_full_size_seconds": seconds, "peak_rss_gb_after_decode": peak_rss_gb()}
    if dev.type == "cuda":
        out["cuda_peak_gb"] = torch.cuda.max_memory_allocated() / 1e9
    print(json.dumps(out))


def meta_throughput(dev: torch.device, seconds: float = 8.0) -> list[dict]:
    """Outer steps per second of the shipped ladder's MAML step (random targets), variant against plain."""
    cfg = SirenConfig()
    g = torch.Generator().manual_seed(0)
    theta, bias = siren.init_params(cfg, g)
    mask = masks.prune(theta, torch.ones(cfg.n_weights, dtype=torch.bool)).to(dev)
    coords = siren.tile_grid(cfg.tile).to(dev)
    rows = []
    for name, mc in (
        ("plain: second-order MAML, SGD inner loop (the paper's)", MetaConfig(inner_opt="sgd", second_order=True)),
        ("first-order, SGD inner loop", MetaConfig(inner_opt="sgd")),
        ("first-order, Adam inner loop (shipped)", MetaConfig()),
    ):
        objective = MetaObjective(cfg, theta.clone().to(dev), bias.clone().to(dev), mc)
        opt = torch.optim.Adam(objective.parameters(), lr=mc.outer_lr)
        target = torch.rand(mc.meta_batch, cfg.tile**2, 3, generator=g).to(dev)
        outer_step(objective, mask, coords, target, opt)  # warm-up
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds or n < 3:
            outer_step(objective, mask, coords, target, opt)
            n += 1
        if dev.type == "cuda":
            torch.cuda.synchronize()
        rows.append({"variant": name, "steps_per_s": n / (time.perf_counter() - t0), "meta_batch": mc.meta_batch})
    for r in rows:
        r["speedup"] = r["steps_per_s"] / rows[0]["steps_per_s"]
    return rows


def _table(title: str, rows: list[dict]) -> str:
    lines = [title]
    for r in rows:
        figs = ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items() if k != "variant")
        lines.append(f"  {r['variant']:<52} {figs}")
    return "\n".join(lines)


@click.command()
@click.option("--image", help="Photo to benchmark on (default: a sample photo), scaled and cropped to 768x512.")
@click.option("--device", "device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--steps", default=DEFAULT_STEPS, show_default=True)
@click.option("--large", "large_size", default="6000x4000", show_default=True, help="Large photo WxH ('' skips).")
@click.option("--large-steps", default=DEFAULT_STEPS, show_default=True)
@click.option("--meta-seconds", default=8.0, show_default=True, help="Seconds per meta-training variant (0 skips).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Also write the figures as JSON.")
@click.option("--child-large", hidden=True)
def main(image, device, steps, large_size, large_steps, meta_seconds, json_out, child_large) -> None:
    """Print encode/decode seconds, peak memory and meta-training throughput, with each optimisation's speed-up."""
    if child_large:
        _child_large(child_large, steps, device, image)
        return
    dev = pick_device(device)
    report: dict = {"machine": machine(), "device": str(dev)}
    click.echo(f"machine: {report['machine']}; device {dev}")
    rgb = photo(image, 768, 512)
    report["default_codec_768x512"] = default_codec(rgb, dev, steps)
    click.echo(_table(f"default codec ({inits.DEFAULT_INIT}), 768x512 (seconds):", report["default_codec_768x512"]))
    ladder = inits.load(SIREN_INIT)
    quality = codecs.of(ladder).default_quality(ladder, "fp16")
    report["encode_768x512"] = encode_variants(rgb, quality, dev, steps)
    click.echo(
        _table(
            f"{SIREN_INIT} encode 768x512, level {quality}, {steps} steps (seconds; speed-up vs plain):",
            report["encode_768x512"],
        )
    )
    report["decode_768x512"] = decode_variants(rgb, quality, dev)
    click.echo(_table(f"{SIREN_INIT} decode 768x512 (seconds):", report["decode_768x512"]))
    if large_size:
        w, h = (int(v) for v in large_size.lower().split("x"))
        report["large"] = large(w, h, large_steps, dev.type, image)
        click.echo(
            "large photo: "
            + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in report["large"].items())
        )
    if meta_seconds > 0:
        report["meta_train"] = meta_throughput(dev, meta_seconds)
        click.echo(_table("meta-training, shipped architecture, meta-batch 32:", report["meta_train"]))
    if json_out:
        Path(json_out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
