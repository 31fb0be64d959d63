"""Rate-distortion benchmark: inrzip levels vs JPEG at the nearest file size, CompressAI-style JSON."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from . import codec, images
from . import weights as shipped
from .data import list_images
from .machine import machine

ANCHOR_FORMATS = {  # Pillow format, save options, quality range
    "jpeg": ("JPEG", {"subsampling": 2}, (1, 95)),
    "webp": ("WEBP", {"method": 6}, (0, 100)),
    "avif": ("AVIF", {"speed": 6}, (0, 100)),
}


def at_size(rgb: np.ndarray, target_bytes: int, fmt: str = "jpeg") -> tuple[int, bytes]:
    """A classic codec at the quality whose file size is nearest ``target_bytes`` (binary search)."""
    pil_format, options, (q_lo, q_hi) = ANCHOR_FORMATS[fmt]
    im = Image.fromarray(rgb)
    cache: dict[int, bytes] = {}

    def enc(q: int) -> bytes:
        if q not in cache:
            buf = io.BytesIO()
            im.save(buf, format=pil_format, quality=q, **options)
            cache[q] = buf.getvalue()
        return cache[q]

    lo, hi = q_lo, q_hi
    while lo < hi:  # smallest quality whose size >= target
        mid = (lo + hi) // 2
        if len(enc(mid)) < target_bytes:
            lo = mid + 1
        else:
            hi = mid
    best = min({max(lo - 1, q_lo), lo}, key=lambda q: abs(len(enc(q)) - target_bytes))
    return best, enc(best)


def jpeg_at_size(rgb: np.ndarray, target_bytes: int) -> tuple[int, bytes]:
    """Pillow JPEG (4:2:0) at the quality whose size is nearest ``target_bytes``."""
    return at_size(rgb, target_bytes, "jpeg")


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
    codec_names: tuple[str, ...] = ("fp16",),
    bits: float | None = None,
    anchors: tuple[str, ...] = ("jpeg",),
    log=print,
) -> dict:
    """Fit every image at every level once, pack it with each codec, and match each anchor's file size."""
    ladder = shipped.load(init)
    paths = list_images(data_dir) if data_dir else images.sample_photos()
    paths = paths[:limit] if limit else paths
    qualities = qualities or default_qualities(ladder, codec_names[0])
    dev = codec.pick_device(device)
    rows = []
    for path in paths:
        rgb, _ = images.load_image(path)
        h, w, _ = rgb.shape
        for q in qualities:
            level = ladder.level(q)
            torch.manual_seed(0)
            t0 = time.perf_counter()
            values = codec.fit_image(rgb, ladder, level, steps, lr, dev)
            fit_s = time.perf_counter() - t0
            for name in codec_names:
                t0 = time.perf_counter()
                data = codec.pack(ladder, level, values, w, h, name, bits)
                enc_s = fit_s + time.perf_counter() - t0
                t0 = time.perf_counter()
                recon = codec.decode(data, device=device)
                row = {
                    "image": path.name,
                    "codec": name,
                    "quality": q,
                    "bytes": len(data),
                    "bpp": len(data) * 8 / (w * h),
                    "psnr": codec.psnr_uint8(rgb, recon),
                    "encode_s": enc_s,
                    "decode_s": time.perf_counter() - t0,
                }
                for fmt in anchors:
                    aq, adata = at_size(rgb, len(data), fmt)
                    argb = np.asarray(Image.open(io.BytesIO(adata)).convert("RGB"))
                    row |= {
                        f"{fmt}_quality": aq,
                        f"{fmt}_bpp": len(adata) * 8 / (w * h),
                        f"{fmt}_psnr": codec.psnr_uint8(rgb, argb),
                    }
                rows.append(row)
                log(
                    f"{path.name} q{q} {name}: {row['bpp']:.3f} bpp {row['psnr']:.2f} dB ({enc_s:.1f} s) | "
                    + " | ".join(f"{f} {row[f + '_bpp']:.3f} bpp {row[f + '_psnr']:.2f} dB" for f in anchors)
                )
    keys = ["bpp", "psnr", "encode_s", "decode_s"] + [f"{f}_{k}" for f in anchors for k in ("bpp", "psnr")]
    means = []
    for name in codec_names:
        for q in qualities:
            sel = [r for r in rows if r["quality"] == q and r["codec"] == name]
            means.append(
                {
                    "codec": name,
                    "quality": q,
                    "n_weights": ladder.level(q).n_weights,
                    **{k: float(np.mean([r[k] for r in sel])) for k in keys},
                }
            )
    return {
        "data": str(data_dir or "sample photos"),
        "images": len(paths),
        "init": ladder.name,
        "init_id": ladder.id,
        "steps": steps,
        "lr": lr,
        "anchors": list(anchors),
        "machine": machine(),
        "rows": rows,
        "means": means,
    }


def format_table(report: dict) -> str:
    """Per-level means as a plain-text table."""
    anchors = report["anchors"]
    lines = [
        f"inrzip bench: {report['images']} images from {report['data']}, init {report['init']}, "
        f"{report['steps']} steps, lr {report['lr']:g}",
        f"machine: {report['machine']}",
        f"{'codec':>5} {'quality':>7} {'weights':>7} {'bpp':>7} {'PSNR':>7} {'enc s':>7} {'dec s':>7} | "
        + " | ".join(f"{f.upper() + ' bpp':>9} {f.upper() + ' PSNR':>10}" for f in anchors),
    ]
    for m in report["means"]:
        lines.append(
            f"{m['codec']:>5} {m['quality']:>7} {m['n_weights']:>7} {m['bpp']:>7.3f} {m['psnr']:>7.2f} "
            f"{m['encode_s']:>7.2f} {m['decode_s']:>7.3f} | "
            + " | ".join(f"{m[f + '_bpp']:>9.3f} {m[f + '_psnr']:>10.2f}" for f in anchors)
        )
    return "\n".join(lines)


def write_json(report: dict, path: Path) -> None:
    """CompressAI's result layout (name, description, results: lists per metric) per codec, plus raw rows."""
    out = {}
    for name in dict.fromkeys(m["codec"] for m in report["means"]):
        means = [m for m in report["means"] if m["codec"] == name]
        out[f"inrzip-{name}"] = {
            "name": f"inrzip-{name}",
            "description": f"inrzip {report['init']} ({report['init_id']}), {name}, {report['steps']} Adam steps, "
            f"lr {report['lr']:g}, on {report['data']}; machine: {report['machine']}",
            "results": {
                "bpp": [m["bpp"] for m in means],
                "psnr-rgb": [m["psnr"] for m in means],
                "encoding_time": [m["encode_s"] for m in means],
                "decoding_time": [m["decode_s"] for m in means],
                "quality": [m["quality"] for m in means],
            },
        }
        for f in report["anchors"]:
            out[f"{f}-matched-to-{name}"] = {
                "name": f"{f.upper()} (Pillow), size-matched to inrzip-{name}",
                "results": {"bpp": [m[f + "_bpp"] for m in means], "psnr-rgb": [m[f + "_psnr"] for m in means]},
            }
    path.write_text(json.dumps({"runs": out, "rows": report["rows"]}, indent=2) + "\n")
