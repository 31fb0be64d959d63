"""Rate-distortion benchmark: inrzip levels vs JPEG at the nearest file size, CompressAI-style JSON."""

from __future__ import annotations

import io
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from . import codec, images
from . import weights as shipped
from .data import list_images


def machine() -> str:
    """One line saying where figures came from."""
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return (
        f"{platform.machine()} {os.cpu_count()} cpus, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads){gpu}"
    )


def jpeg_at_size(rgb: np.ndarray, target_bytes: int) -> tuple[int, bytes]:
    """Pillow JPEG (4:2:0) at the quality whose file size is nearest ``target_bytes`` (binary search)."""
    im = Image.fromarray(rgb)
    cache: dict[int, bytes] = {}

    def enc(q: int) -> bytes:
        if q not in cache:
            buf = io.BytesIO()
            im.save(buf, format="JPEG", quality=q, subsampling=2)
            cache[q] = buf.getvalue()
        return cache[q]

    lo, hi = 1, 95
    while lo < hi:  # smallest quality whose size >= target
        mid = (lo + hi) // 2
        if len(enc(mid)) < target_bytes:
            lo = mid + 1
        else:
            hi = mid
    best = min({max(lo - 1, 1), lo}, key=lambda q: abs(len(enc(q)) - target_bytes))
    return best, enc(best)


def default_qualities(ladder: shipped.Ladder, codec_name: str = "fp16", lo: float = 0.2, hi: float = 2.2) -> list[int]:
    """Levels whose nominal rate on the tile grid lies in [lo, hi] bpp."""
    t = ladder.cfg.tile
    rate = lambda lv: codec.nominal_bpp(lv.n_values, t, 64 * t, 64 * t, codec_name)
    return [lv.quality for lv in ladder.levels if lo <= rate(lv) <= hi]


def run(
    data_dir: str | None,
    qualities: list[int] | None,
    steps: int = 100,
    lr: float = codec.DEFAULT_LR,
    device: str = "auto",
    limit: int | None = None,
    init: str = shipped.DEFAULT_INIT,
    codec_name: str = "fp16",
    bits: float | None = None,
    log=print,
) -> dict:
    """Encode/decode every image at every level; JPEG at each matched size. Returns the full report."""
    ladder = shipped.load(init)
    paths = list_images(data_dir) if data_dir else images.sample_photos()
    paths = paths[:limit] if limit else paths
    qualities = qualities or default_qualities(ladder, codec_name)
    rows = []
    for path in paths:
        rgb, _ = images.load_image(path)
        h, w, _ = rgb.shape
        for q in qualities:
            enc = codec.encode(
                rgb, quality=q, steps=steps, lr=lr, device=device, init=init, codec=codec_name, bits=bits
            )
            t0 = time.perf_counter()
            recon = codec.decode(enc.data, device=device)
            dec_s = time.perf_counter() - t0
            jq, jdata = jpeg_at_size(rgb, len(enc.data))
            jrgb = np.asarray(Image.open(io.BytesIO(jdata)).convert("RGB"))
            row = {
                "image": path.name,
                "quality": q,
                "bytes": len(enc.data),
                "bpp": enc.bpp,
                "psnr": codec.psnr_uint8(rgb, recon),
                "encode_s": enc.seconds,
                "decode_s": dec_s,
                "jpeg_quality": jq,
                "jpeg_bpp": len(jdata) * 8 / (w * h),
                "jpeg_psnr": codec.psnr_uint8(rgb, jrgb),
            }
            rows.append(row)
            log(
                f"{path.name} q{q}: {row['bpp']:.3f} bpp {row['psnr']:.2f} dB ({row['encode_s']:.1f} s) | "
                f"JPEG q{jq}: {row['jpeg_bpp']:.3f} bpp {row['jpeg_psnr']:.2f} dB"
            )
    means = []
    for q in qualities:
        sel = [r for r in rows if r["quality"] == q]
        means.append(
            {
                "quality": q,
                "n_weights": ladder.level(q).n_weights,
                **{
                    k: float(np.mean([r[k] for r in sel]))
                    for k in ("bpp", "psnr", "encode_s", "decode_s", "jpeg_bpp", "jpeg_psnr")
                },
            }
        )
    return {
        "data": str(data_dir or "sample photos"),
        "images": len(paths),
        "init": ladder.name,
        "codec": codec_name,
        "init_id": ladder.id,
        "steps": steps,
        "lr": lr,
        "machine": machine(),
        "rows": rows,
        "means": means,
    }


def format_table(report: dict) -> str:
    """Per-level means as a plain-text table."""
    lines = [
        f"inrzip bench: {report['images']} images from {report['data']}, init {report['init']}, "
        f"{report['steps']} steps, lr {report['lr']:g}, codec {report['codec']}",
        f"machine: {report['machine']}",
        f"{'quality':>7} {'weights':>7} {'bpp':>7} {'PSNR':>7} {'enc s':>7} {'dec s':>7} | "
        f"{'JPEG bpp':>8} {'JPEG PSNR':>9}",
    ]
    for m in report["means"]:
        lines.append(
            f"{m['quality']:>7} {m['n_weights']:>7} {m['bpp']:>7.3f} {m['psnr']:>7.2f} {m['encode_s']:>7.2f} "
            f"{m['decode_s']:>7.3f} | {m['jpeg_bpp']:>8.3f} {m['jpeg_psnr']:>9.2f}"
        )
    return "\n".join(lines)


def write_json(report: dict, path: Path) -> None:
    """CompressAI's result layout (name, description, results: lists per metric), plus our raw rows."""
    means = report["means"]
    out = {
        "name": "inrzip",
        "description": f"inrzip {report['init']} ({report['init_id']}), {report['codec']}, "
        f"{report['steps']} Adam steps, "
        f"lr {report['lr']:g}, on {report['data']}; machine: {report['machine']}",
        "results": {
            "bpp": [m["bpp"] for m in means],
            "psnr-rgb": [m["psnr"] for m in means],
            "encoding_time": [m["encode_s"] for m in means],
            "decoding_time": [m["decode_s"] for m in means],
            "quality": [m["quality"] for m in means],
        },
        "jpeg": {
            "name": "JPEG (Pillow, 4:2:0, size-matched)",
            "results": {"bpp": [m["jpeg_bpp"] for m in means], "psnr-rgb": [m["jpeg_psnr"] for m in means]},
        },
        "rows": report["rows"],
    }
    path.write_text(json.dumps(out, indent=2) + "\n")
