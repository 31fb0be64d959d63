"""Rate-distortion benchmark: inrzip levels vs JPEG at the nearest file size, CompressAI-style JSON."""

from __future__ import annotations

import json
import time
from functools import cache
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .. import codecs, images, inits
from ..decoder import decode
from ..encoder import encode
from ..format.container import read_header
from ..images import list_images, resize
from ..metrics import ms_ssim, psnr_uint8, seam_ratio
from ..nets.device import pick_device
from ..search import nearest_size
from ..tiles import border_mask
from . import anchors as classic
from .anchors import Anchor
from .machine import machine

# Published Kodak curves (../shared/ANCHORS.md: mean per-image RGB PSNR at these bpp), drawn dashed on --plot.
PUBLISHED_BPP = (0.25, 0.3, 0.5, 0.75, 1.0)
PUBLISHED = {
    "COIN": (25.85, 26.35, 27.83, 29.08, 30.02),
    "COIN++": (26.03, 26.41, 27.6, None, None),
    "Strumpler et al. 2022": (28.29, 28.91, 30.62, 31.99, None),
    "MSCN": (28.72, 29.19, 30.05, None, None),
    "BPG 4:4:4": (30.32, 31.00, 33.32, 35.41, 37.16),
    "VTM 4:4:4": (31.27, 32.08, 34.37, 36.58, 38.24),
    "C3": (30.92, 31.70, 34.22, 36.57, 38.46),
}


def at_size(rgb: np.ndarray, target_bytes: int, anchor: Anchor) -> tuple[int, bytes]:
    """A classic codec at the setting whose file size is nearest ``target_bytes`` (:func:`search.nearest_size`)."""

    @cache
    def enc(q: int) -> bytes:
        return anchor.encode(rgb, q)

    best = nearest_size(lambda q: len(enc(q)), anchor.lowest, anchor.highest, target_bytes)
    return best, enc(best)


def anchor_curve(rgb: np.ndarray, anchor: Anchor) -> list[tuple[int, float, float]]:
    """(setting, bpp, PSNR) of a classic codec at each of its swept settings."""
    out = []
    for q in anchor.sweep:
        data = anchor.encode(rgb, q)
        out.append((q, len(data) * 8 / (rgb.shape[0] * rgb.shape[1]), psnr_uint8(rgb, anchor.decode(data))))
    return out


def _hull(bpp, psnr) -> tuple[np.ndarray, np.ndarray]:
    """Points sorted by rate, keeping only those that raise PSNR (an RD curve must be increasing)."""
    order = np.argsort(bpp)
    b, p = np.asarray(bpp, float)[order], np.asarray(psnr, float)[order]
    keep = p >= np.maximum.accumulate(p)
    return b[keep], p[keep]


def psnr_at(bpp, psnr, at: float) -> float | None:
    """PSNR of a curve at ``at`` bpp, interpolated linearly in log(bpp); None outside the curve."""
    b, p = _hull(bpp, psnr)
    if len(b) == 0 or not b[0] <= at <= b[-1]:
        return None
    return float(np.interp(np.log(at), np.log(b), p))


def bd_rate(ref, test, lo: float = 0.25, hi: float = 1.0, n: int = 200) -> float | None:
    """Bjontegaard delta rate (%) of ``test`` against ``ref``, curves given as (bpp, psnr) lists.

    Log-rate is interpolated piecewise-linearly in PSNR (robust where a cubic fit of few points
    wiggles) and averaged over the PSNR interval both curves cover, with ``test`` restricted to
    its part inside [lo, hi] bpp. None when the curves share no PSNR interval.
    """
    rb, rp = _hull(*ref)
    tb, tp = _hull(*test)
    if len(rb) < 2 or len(tb) < 2 or tb[-1] < lo or tb[0] > hi:
        return None
    t_lo = psnr_at(tb, tp, lo) if tb[0] < lo else tp[0]
    t_hi = psnr_at(tb, tp, hi) if tb[-1] > hi else tp[-1]
    p_lo, p_hi = max(rp[0], t_lo), min(rp[-1], t_hi)
    if not p_hi > p_lo:
        return None
    grid = np.linspace(p_lo, p_hi, n)
    diff = np.interp(grid, tp, np.log(tb)) - np.interp(grid, rp, np.log(rb))
    return float((np.exp(diff.mean()) - 1) * 100)


def seam_psnr(rgb: np.ndarray, recon: np.ndarray, tile: int) -> tuple[float, float]:
    """PSNR on pixels at a tile border (first or last row/column of a tile) and on the rest."""
    border = border_mask(rgb.shape[0], rgb.shape[1], tile)
    return psnr_uint8(rgb[border], recon[border]), psnr_uint8(rgb[~border], recon[~border])


def run(
    data_dir: str | None,
    qualities: list[int] | None,
    steps: int = 100,
    lr: float | None = None,
    device: str = "auto",
    limit: int | None = None,
    init: str = inits.DEFAULT_INIT,
    codec_names: tuple[str, ...] | None = None,
    bits: float | None = None,
    anchors: tuple[str, ...] = classic.DEFAULT,
    targets: tuple[float, ...] = (),
    log=print,
    on_image=None,
) -> dict:
    """Fit every image once per fit its levels need and pack it at each level with each payload layout;
    size-match each anchor to every file.

    Also: each anchor's own curve over its swept settings (for BD-rate and PSNR at a rate), and,
    for each ``targets`` bpp, an encode by rate control (``--bpp``: how near it lands). Anchors whose
    library is not installed are skipped and named in the report. ``on_image(report)``: the report so
    far after each image (an interrupted bench keeps what it measured).
    """
    loaded = inits.load(init)
    c = codecs.of(loaded)
    names = tuple(n for n in (codec_names or c.value_codecs) if n in c.value_codecs) or c.value_codecs[:1]
    qualities = qualities or list(range(1, c.qualities(loaded) + 1))
    for q in qualities:
        c.fit_key(loaded, q)  # refuses a level the init does not have, before any fit
    lr = lr or c.default_lr
    found, skipped = classic.available(tuple(anchors))
    if skipped:
        log(f"skipped anchors (library not installed; pip install 'inrzip[bench]'): {', '.join(skipped)}")
    paths = list_images(data_dir) if data_dir else images.sample_photos()
    paths = paths[:limit] if limit else paths
    rows, curve_rows, target_rows = [], [], []
    head = {
        "data": str(data_dir or "sample photos"),
        "init": loaded.name,
        "init_id": loaded.id,
        "steps": steps,
        "lr": lr,
        "bits": bits if "q16" in names else None,
        "anchors": [a.name for a in found],
        "anchor_labels": {a.name: a.label for a in found},
        "skipped_anchors": skipped,
        "machine": machine(),
    }
    report: dict = {}
    t0 = time.perf_counter()
    for i, path in enumerate(paths, start=1):
        rgb, _ = images.load_image(path)
        log(f"[{i}/{len(paths)}] {path.name} {rgb.shape[1]}x{rgb.shape[0]} ({time.perf_counter() - t0:.0f} s so far)")
        rows += _image_rows(path.name, rgb, loaded, qualities, names, steps, lr, device, bits, found, log)
        for target in targets:
            enc = encode(rgb, bpp=target, steps=steps, lr=lr, device=device, init=loaded)
            row = dict(image=path.name, target_bpp=target, quality=enc.header.quality, bpp=enc.bpp, psnr=enc.psnr)
            target_rows.append(row | {"encode_s": enc.seconds})
            log(f"{path.name} --bpp {target}: {enc.bpp:.3f} bpp, level {enc.header.quality}, {enc.psnr:.2f} dB")
        for anchor in found:
            for setting, bpp, psnr in anchor_curve(rgb, anchor):
                curve_rows.append(
                    {"image": path.name, "anchor": anchor.name, "setting": setting, "bpp": bpp, "psnr": psnr}
                )
        report = head | {
            "images": i,
            "rows": rows,
            "means": _level_means(rows, names, qualities, found),
            "anchor_curves": _anchor_curves(curve_rows, found),
            "anchor_rows": curve_rows,
            "targets": _target_means(target_rows, targets),
            "target_rows": target_rows,
        }
        report["summary"] = summarize(report)
        if on_image is not None:
            on_image(report)
    return report


def _pct(v: float | None, width: int) -> str:
    return f"{v:>+{width}.1f} %" if v is not None else f"{'n/a':>{width + 2}}"


def ablation(data_dir: str, rows: list[tuple], limit: int | None = 10, out=print) -> list[dict]:
    """The val ablation table, in one run: each ``(label, init)`` row benched at every level on the same photos
    (JPEG's curve beside), printed as it finishes: PSNR at 0.25 / 0.5 / 1 / 2 bpp, BD-rate vs JPEG and vs the first
    row (the default the others take one lever out of). A row ``(label, init, setup)`` calls ``setup()`` first (an
    encoder setting the row takes out; it stays for the rows after). Returns each row's figures."""
    width = max(len(label) for label, *_ in rows) + 1
    out(f"machine: {machine()}; val: first {limit} of {data_dir}, every level; mean per-image PSNR (RGB)")
    out(
        f"{'row':<{width}} {'PSNR@0.25':>9} {'@0.5':>7} {'@1':>7} {'@2':>7} {'BD vs JPEG':>11} {'BD vs default':>14}"
        f" {'border gap':>10}"
    )
    t0, ref, table = time.time(), None, []
    for label, init, *setup in rows:
        for f in setup:
            f()
        r = run(data_dir, None, limit=limit, init=init, anchors=("jpeg",), log=lambda m: None)
        curve = ([m["bpp"] for m in r["means"]], [m["psnr"] for m in r["means"]])
        ref = ref or curve
        s = next(v for k, v in r["summary"].items() if k.startswith("inrzip-"))
        at = [s["psnr_at_bpp"][k] for k in ("0.25", "0.5", "1.0")] + [psnr_at(*curve, 2.0)]
        gaps = [m["psnr_tile_interior"] - m["psnr_tile_border"] for m in r["means"] if "psnr_tile_border" in m]
        row = dict(
            label=label, init=init, psnr_at=at, bd_vs_jpeg=s["bd_rate_vs_jpeg_pct"], bd_vs_default=bd_rate(ref, curve)
        )
        row["border_gap"] = float(np.mean(gaps)) if gaps else None  # interior - border PSNR, mean over the levels
        table.append(row)
        cells = " ".join(f"{v:>7.2f}" if v is not None else "    n/a" for v in at)
        gap = f"{row['border_gap']:>7.2f} dB" if gaps else "       n/a"
        out(f"{label:<{width}} {cells} {_pct(row['bd_vs_jpeg'], 10)} {_pct(row['bd_vs_default'], 12)} {gap}")
    out(f"{time.time() - t0:.0f} s")
    return table


def _image_rows(name, rgb, init, qualities, names, steps, lr, device, bits, anchors: list[Anchor], log) -> list[dict]:
    """One row per (level, payload layout) of one image: its file's rate, PSNR, MS-SSIM and seconds, and each
    size-matched anchor's. Levels that share a fit (every level of a basis init) are fitted once."""
    c = codecs.of(init)
    h, w, _ = rgb.shape
    dev = pick_device(device)
    fits: dict = {}
    rows = []
    for q in qualities:
        key = c.fit_key(init, q)
        if key not in fits:
            torch.manual_seed(0)
            t0 = time.perf_counter()
            fits[key] = (c.fit(init, [rgb], key, steps, lr, dev, None, None)[0], time.perf_counter() - t0)
        fitted, fit_s = fits[key]
        for value_codec in names:
            t0 = time.perf_counter()
            data = c.pack(init, fitted, w, h, q, value_codec, bits)
            enc_s = fit_s + time.perf_counter() - t0
            t0 = time.perf_counter()
            recon = decode(data, device=device, init=init)
            dec_s = time.perf_counter() - t0
            header = read_header(data)[0]
            border, interior = seam_psnr(rgb, recon, header.tile)
            row = dict(image=name, codec=value_codec, quality=q, values=header.values, bytes=len(data))
            row |= dict(bpp=len(data) * 8 / (w * h), psnr=psnr_uint8(rgb, recon), ms_ssim=ms_ssim(rgb, recon))
            row |= dict(psnr_tile_border=border, psnr_tile_interior=interior, encode_s=enc_s, decode_s=dec_s)
            for anchor in anchors:
                aq, adata = at_size(rgb, len(data), anchor)
                argb = anchor.decode(adata)
                f = anchor.name
                row |= {f"{f}_quality": aq, f"{f}_bpp": len(adata) * 8 / (w * h), f"{f}_psnr": psnr_uint8(rgb, argb)}
                row[f"{f}_ms_ssim"] = ms_ssim(rgb, argb)
            rows.append(row)
            log(
                f"{name} q{q} {value_codec}: {row['bpp']:.3f} bpp {row['psnr']:.2f} dB ({enc_s:.1f} s) | "
                + " | ".join(f"{a.name} {row[a.name + '_bpp']:.3f} bpp {row[a.name + '_psnr']:.2f} dB" for a in anchors)
            )
    return rows


def _level_means(rows: list[dict], names, qualities, anchors: list[Anchor]) -> list[dict]:
    """Mean over images of every figure, per (payload layout, level): the RD curve is mean per-image PSNR."""
    keys = ["bpp", "psnr", "ms_ssim", "psnr_tile_border", "psnr_tile_interior", "encode_s", "decode_s"]
    keys += [f"{a.name}_{k}" for a in anchors for k in ("bpp", "psnr", "ms_ssim")]
    means = []
    for name in names:
        for q in qualities:
            sel = [r for r in rows if r["quality"] == q and r["codec"] == name]
            means.append(
                {"codec": name, "quality": q, "values": sel[0]["values"] if sel else 0}
                | {k: float(np.mean([r[k] for r in sel])) for k in keys}
            )
    return means


def _anchor_curves(curve_rows: list[dict], anchors: list[Anchor]) -> dict:
    """Each anchor's curve: mean bpp and PSNR over images at each swept setting."""
    curves = {}
    for anchor in anchors:
        pts = []
        for setting in anchor.sweep:
            sel = [r for r in curve_rows if r["anchor"] == anchor.name and r["setting"] == setting]
            pts.append(
                {
                    "setting": setting,
                    "bpp": float(np.mean([r["bpp"] for r in sel])),
                    "psnr": float(np.mean([r["psnr"] for r in sel])),
                }
            )
        curves[anchor.name] = pts
    return curves


def _target_means(target_rows: list[dict], targets) -> list[dict]:
    """How near ``--bpp`` lands: mean rate, mean |error|, PSNR and seconds per target."""
    out = []
    for target in targets:
        sel = [r for r in target_rows if r["target_bpp"] == target]
        out.append(
            {
                "target_bpp": target,
                "bpp": float(np.mean([r["bpp"] for r in sel])),
                "mean_abs_error_pct": float(np.mean([abs(r["bpp"] / target - 1) for r in sel]) * 100),
                "psnr": float(np.mean([r["psnr"] for r in sel])),
                "encode_s": float(np.mean([r["encode_s"] for r in sel])),
            }
        )
    return out


AT_BPP = (0.25, 0.5, 1.0)  # the rates the summary reads every curve at
BD_AGAINST = ("jpeg", "webp", "avif")  # the curves BD-rates are taken against, where the run has them


def summarize(report: dict) -> dict:
    """Every curve's PSNR at ``AT_BPP`` (log-bpp interpolation) and BD-rate (0.25-1 bpp) against JPEG, WebP and
    AVIF; the levels where a size-matched anchor beats inrzip."""
    curves = {
        f"inrzip-{name}": (
            [m["bpp"] for m in report["means"] if m["codec"] == name],
            [m["psnr"] for m in report["means"] if m["codec"] == name],
        )
        for name in dict.fromkeys(m["codec"] for m in report["means"])
    }
    for fmt, pts in report["anchor_curves"].items():
        curves[fmt.upper()] = ([p["bpp"] for p in pts], [p["psnr"] for p in pts])
    refs = [f.upper() for f in BD_AGAINST if f.upper() in curves]
    out = {}
    for name, c in curves.items():
        bd = {ref: bd_rate(curves[ref], c) for ref in refs if ref != name}
        out[name] = {
            "psnr_at_0.5bpp": psnr_at(*c, 0.5),
            "psnr_at_bpp": {str(b): psnr_at(*c, b) for b in AT_BPP},
            "bd_rate_vs_jpeg_pct": bd.get("JPEG"),
            "bd_rate_pct": bd,
        }
        if name.startswith("inrzip-"):
            means = [m for m in report["means"] if f"inrzip-{m['codec']}" == name]
            out[name]["levels_below"] = {
                f: [m["quality"] for m in means if m[f"{f}_psnr"] > m["psnr"]] for f in report["anchors"]
            }
    return out


def format_table(report: dict) -> str:
    """Per-level means, the summary (PSNR at 0.25 / 0.5 / 1 bpp, BD-rates) and rate control, as plain text."""
    anchors = report["anchors"]
    lines = [
        f"inrzip bench: {report['images']} images from {report['data']}, init {report['init']}, "
        f"{report['steps']} steps, lr {report['lr']:g}"
        + ("" if report["bits"] is None else f", q16 at {report['bits']:g} bits"),
        f"machine: {report['machine']}",
    ]
    lines += [f"  {f.upper()}: {report['anchor_labels'][f]}" for f in anchors]
    if report["skipped_anchors"]:
        lines.append(f"skipped (library not installed): {', '.join(report['skipped_anchors'])}")
    lines.append(
        f"{'codec':>5} {'quality':>7} {'values':>7} {'bpp':>7} {'PSNR':>7} {'MS-SSIM':>7} {'border':>7} {'inner':>7} "
        f"{'enc s':>6} {'dec s':>6} | "
        + " | ".join(f"{f.upper() + ' bpp':>9} {'PSNR':>6} {'MS-SSIM':>7}" for f in anchors)
    )
    for m in report["means"]:
        lines.append(
            f"{m['codec']:>5} {m['quality']:>7} {m['values']:>7} {m['bpp']:>7.3f} {m['psnr']:>7.2f} "
            f"{m['ms_ssim']:>7.4f} "
            f"{m['psnr_tile_border']:>7.2f} {m['psnr_tile_interior']:>7.2f} "
            f"{m['encode_s']:>6.2f} {m['decode_s']:>6.3f} | "
            + " | ".join(f"{m[f + '_bpp']:>9.3f} {m[f + '_psnr']:>6.2f} {m[f + '_ms_ssim']:>7.4f}" for f in anchors)
        )
    lines.append(
        "(mean per-image PSNR (RGB) and MS-SSIM; anchors size-matched per image to each inrzip file, every byte "
        "counted; border/inner: PSNR on tile-border pixels / the rest)"
    )
    for fmt, pts in report["anchor_curves"].items():
        lines.append(f"{fmt.upper()} curve: " + ", ".join(f"{p['bpp']:.3f}/{p['psnr']:.2f}" for p in pts))
    rates = " / ".join(f"{b:g}" for b in AT_BPP)
    lines.append(f"summary: PSNR at {rates} bpp (interpolated in log-bpp); BD-rate over 0.25-1 bpp against each curve:")
    for name, s in report["summary"].items():
        at = " / ".join("  n/a" if v is None else f"{v:.2f}" for v in s["psnr_at_bpp"].values())
        bd = ", ".join(f"vs {ref} {'n/a' if v is None else f'{v:+.1f} %'}" for ref, v in s["bd_rate_pct"].items())
        lines.append(f"  {name:<12} {at} dB" + (f"; BD-rate {bd}" if bd else ""))
        for f, below in s.get("levels_below", {}).items():
            lines.append(f"      levels where size-matched {f.upper()} is better: {below or 'none'}")
    for t in report["targets"]:
        lines.append(
            f"--bpp {t['target_bpp']:g}: mean {t['bpp']:.3f} bpp (mean |error| {t['mean_abs_error_pct']:.1f} %), "
            f"{t['psnr']:.2f} dB, {t['encode_s']:.1f} s per image"
        )
    return "\n".join(lines)


def write_json(report: dict, path: Path) -> None:
    """CompressAI's result layout: {name, description, results: {bpp, psnr-rgb, ...}} for the first codec at the
    top level, every codec and anchor under ``runs`` in the same layout, then the summary and raw rows."""
    runs = {}
    for name in dict.fromkeys(m["codec"] for m in report["means"]):
        means = [m for m in report["means"] if m["codec"] == name]
        runs[f"inrzip-{name}"] = {
            "name": f"inrzip-{name}",
            "description": f"inrzip {report['init']} ({report['init_id']}), {name}, {report['steps']} Adam steps, "
            f"lr {report['lr']:g}, on {report['data']}; machine: {report['machine']}",
            "results": {
                "bpp": [m["bpp"] for m in means],
                "psnr-rgb": [m["psnr"] for m in means],
                "ms-ssim-rgb": [m["ms_ssim"] for m in means],
                "encoding_time": [m["encode_s"] for m in means],
                "decoding_time": [m["decode_s"] for m in means],
                "quality": [m["quality"] for m in means],
            },
        }
        for f in report["anchors"]:
            runs[f"{f}-matched-to-{name}"] = {
                "name": f"{report['anchor_labels'][f]}, size-matched per image to inrzip-{name}",
                "results": {
                    "bpp": [m[f + "_bpp"] for m in means],
                    "psnr-rgb": [m[f + "_psnr"] for m in means],
                    "ms-ssim-rgb": [m[f + "_ms_ssim"] for m in means],
                },
            }
    for f, pts in report["anchor_curves"].items():
        runs[f] = {
            "name": report["anchor_labels"][f],
            "description": f"{report['anchor_labels'][f]} at settings {[p['setting'] for p in pts]}",
            "results": {
                "bpp": [p["bpp"] for p in pts],
                "psnr-rgb": [p["psnr"] for p in pts],
                "quality": [p["setting"] for p in pts],
            },
        }
    first = next(iter(runs.values()))
    out = first | {"runs": runs, "summary": report["summary"], "targets": report["targets"]}
    out |= {"rows": report["rows"], "target_rows": report["target_rows"]}
    path.write_text(json.dumps(out, indent=2) + "\n")


def plot(report: dict, path: Path) -> None:
    """PSNR vs bpp: inrzip and the anchors measured in this run (solid), published curves (dashed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10.5, 5.5), dpi=120)
    for name in dict.fromkeys(m["codec"] for m in report["means"]):
        means = [m for m in report["means"] if m["codec"] == name]
        ax.plot([m["bpp"] for m in means], [m["psnr"] for m in means], "o-", lw=2.2, label=f"inrzip {name}")
    for t in report["targets"]:
        ax.plot(t["bpp"], t["psnr"], "k*", ms=11)
    if report["targets"]:
        ax.plot([], [], "k*", ms=11, label="inrzip --bpp (rate control)")
    for fmt, pts in report["anchor_curves"].items():
        ax.plot(
            [p["bpp"] for p in pts], [p["psnr"] for p in pts], "s-", ms=3, lw=1.2, label=f"{fmt.upper()} (this run)"
        )
    for name, psnrs in PUBLISHED.items():
        xs = [b for b, p in zip(PUBLISHED_BPP, psnrs, strict=True) if p is not None]
        ys = [p for p in psnrs if p is not None]
        ax.plot(xs, ys, "--", lw=1, label=f"{name} (published, Kodak)")
    ax.set_xlim(0, 1.6)
    ax.set_xlabel("bits per pixel (file bytes x 8 / pixels)")
    ax.set_ylabel("PSNR (dB, RGB)")
    ax.set_title(f"{report['data']}: {report['images']} images, {report['steps']}-step encode")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def run_upscale(
    data_dir: str | None,
    factor: int,
    targets: tuple[float, ...] = (1.0,),
    limit: int | None = None,
    init: str = inits.DEFAULT_INIT,
    anchors: tuple[str, ...] = ("jpeg", "webp", "avif"),
    crops: Path | None = None,
    device: str = "auto",
    log=print,
) -> dict:
    """Each photo downscaled by ``factor`` (Lanczos), encoded at each ``targets`` bpp of the small image and
    rendered at the full size; against a Lanczos and a bicubic upscale of the same file's 1x decode, and each
    anchor of the small image at the same bytes + Lanczos. PSNR and MS-SSIM against the original, and the
    seam ratio (steps across the source tile borders over steps elsewhere) beside the original's."""
    loaded = inits.load(init)
    found, skipped = classic.available(tuple(anchors))
    if skipped:
        log(f"skipped anchors (library not installed; pip install 'inrzip[bench]'): {', '.join(skipped)}")
    paths = list_images(data_dir) if data_dir else images.sample_photos()
    paths = paths[:limit] if limit else paths
    rows = []
    t0 = time.perf_counter()
    for i, path in enumerate(paths, start=1):
        orig, _ = images.load_image(path)
        h, w = (orig.shape[0] // factor) * factor, (orig.shape[1] // factor) * factor
        orig = orig[:h, :w]
        small = np.asarray(Image.fromarray(orig).resize((w // factor, h // factor), Image.Resampling.LANCZOS))
        log(f"[{i}/{len(paths)}] {path.name} {w}x{h} / {factor} ({time.perf_counter() - t0:.0f} s so far)")
        for target in targets:
            enc = encode(small, bpp=target, init=loaded, device=device)
            period = enc.header.tile * factor
            one = decode(enc.data, init=loaded)
            outputs = {
                "inrzip render": decode(enc.data, size=(w, h), init=loaded),
                "inrzip render, no upscaler": decode(enc.data, size=(w, h), init=loaded, restore=False),
                "inrzip 1x + Lanczos": resize(one, w, h),
                "inrzip 1x + bicubic": resize(one, w, h, Image.Resampling.BICUBIC),
            }
            for anchor in found:
                _, adata = at_size(small, len(enc.data), anchor)
                back = anchor.decode(adata)
                outputs[f"{anchor.name.upper()} + Lanczos"] = resize(back, w, h)
            base = dict(image=path.name, target_bpp=target, bpp_small=enc.bpp, bytes=len(enc.data))
            for method, img in outputs.items():
                rows.append(
                    base
                    | dict(method=method, psnr=psnr_uint8(orig, img), ms_ssim=ms_ssim(orig, img))
                    | dict(seam=seam_ratio(img, period), seam_original=seam_ratio(orig, period))
                )
            if crops is not None and i <= 3:
                _crop_picture(orig, outputs, crops / f"{path.stem}-x{factor}-{target:g}bpp.png", period)
    return {
        "data": str(data_dir or "sample photos"),
        "images": len(paths),
        "factor": factor,
        "init": loaded.name,
        "init_id": loaded.id,
        "machine": machine(),
        "rows": rows,
        "means": _upscale_means(rows),
    }


def _upscale_means(rows: list[dict]) -> list[dict]:
    """Mean PSNR, MS-SSIM and seam ratio per (target, method), and the seam ratio's excess over the original's."""
    out = []
    for target in dict.fromkeys(r["target_bpp"] for r in rows):
        for method in dict.fromkeys(r["method"] for r in rows):
            sel = [r for r in rows if r["target_bpp"] == target and r["method"] == method]
            mean = {k: float(np.mean([r[k] for r in sel])) for k in ("psnr", "ms_ssim", "seam", "seam_original")}
            out.append({"target_bpp": target, "method": method} | mean)
    return out


def format_upscale(report: dict) -> str:
    """The upscale table: one row per method, PSNR and MS-SSIM against the originals, seam ratios."""
    lines = [
        f"inrzip bench --upscale {report['factor']}: {report['images']} images from {report['data']}, "
        f"init {report['init']}; machine: {report['machine']}",
        "each photo downscaled by the factor (Lanczos), coded at the target bpp of the small image, shown full size;",
        "mean per-image PSNR (RGB) and MS-SSIM against the original; seam: steps across tile borders / elsewhere",
        f"{'bpp':>5} {'method':<28} {'PSNR':>7} {'MS-SSIM':>8} {'seam':>6} {'original':>8}",
    ]
    for m in report["means"]:
        lines.append(
            f"{m['target_bpp']:>5g} {m['method']:<28} {m['psnr']:>7.2f} {m['ms_ssim']:>8.4f} "
            f"{m['seam']:>6.3f} {m['seam_original']:>8.3f}"
        )
    return "\n".join(lines)


def _crop_picture(orig: np.ndarray, outputs: dict, path: Path, period: int) -> None:
    """Side by side: the original, inrzip's render with and without the upscaler and the Lanczos upscale, 3x
    enlarged crops around the centre."""
    from PIL import ImageDraw

    size = min(4 * period, orig.shape[0] // 2, orig.shape[1] // 2)
    y0, x0 = (orig.shape[0] - size) // 2, (orig.shape[1] - size) // 2
    panels = [("original", orig), ("inrzip render", outputs["inrzip render"])]
    panels.append(("render, no upscaler", outputs["inrzip render, no upscaler"]))
    panels.append(("1x + Lanczos", outputs["inrzip 1x + Lanczos"]))
    zoom = 3
    canvas = Image.new("RGB", (len(panels) * (size * zoom + 8), size * zoom + 24), "white")
    draw = ImageDraw.Draw(canvas)
    for k, (name, img) in enumerate(panels):
        crop = Image.fromarray(img[y0 : y0 + size, x0 : x0 + size]).resize((size * zoom,) * 2, Image.Resampling.NEAREST)
        canvas.paste(crop, (k * (size * zoom + 8), 24))
        draw.text((k * (size * zoom + 8) + 4, 4), name, fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(path)


def plot_upscale(report: dict, path: Path) -> None:
    """PSNR and MS-SSIM of each method, one group per target rate."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = list(dict.fromkeys(m["method"] for m in report["means"]))
    targets = list(dict.fromkeys(m["target_bpp"] for m in report["means"]))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), dpi=120)
    for ax, key in zip(axes, ("psnr", "ms_ssim"), strict=True):
        for k, method in enumerate(methods):
            ys = [
                next(m[key] for m in report["means"] if m["method"] == method and m["target_bpp"] == t) for t in targets
            ]
            xs = np.arange(len(targets)) + k / (len(methods) + 1)
            ax.bar(xs, ys, width=1 / (len(methods) + 1), label=method)
        ax.set_xticks(np.arange(len(targets)) + 0.4, [f"{t:g} bpp (small)" for t in targets])
        lo = min(m[key] for m in report["means"])
        ax.set_ylim(lo - (1.0 if key == "psnr" else 0.02), None)
        ax.set_ylabel("PSNR (dB)" if key == "psnr" else "MS-SSIM")
    axes[0].legend(fontsize=7)
    fig.suptitle(f"{report['data']}: x{report['factor']} from the downscaled photo, {report['images']} images")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
