"""A lapped basis init: the source init's tiles wrapped in lapping's pre- and post-filter (:mod:`inrzip.lapping`).

Nothing is retrained: the encoder fits the same functions to the pre-filtered photo, the decoder post-filters their
render, so the error a tile leaves at its border is shrunk by ``1 / s_d`` and shared with its neighbour
(``results/lap/``: on val, ``--scales 1.3`` takes the border-vs-interior gap of the unfiltered render from 0.80 to
0.25 dB at 0.5 bpp for -1.8 % of BD-rate). The source's post-filter and upscaler come along; a post-filter trained
on the lapped decodes replaces the first with ``inrzip train-postfilter --init NEW``.

    python -m inrzip.train.lapped SOURCE OUT --scales S0[,S1..]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import inits, lapping
from ..codecs.basis import model
from . import derived


def write(source: str, out: Path, scales: list[float], log: Callable[[str], None] = print) -> Path:
    """``source``'s arrays with ``lap_scales`` added (or replaced), as a new init at ``out`` with its manifest entry,
    and the source's learned upscaler shared under its name (:mod:`derived`)."""
    t0 = time.time()
    arrays = {"lap_scales": np.array(scales, np.float32)}
    text = ",".join(f"{s:g}" for s in scales)
    command = f"python -m inrzip.train.lapped {source} {out} --scales {text}"
    return derived.write(source, out, arrays, {"lap_scales": scales}, "", command, t0, log, drop="lap_scales")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m inrzip.train.lapped", description=__doc__.split("\n")[0])
    parser.add_argument("source", help="the basis init (name or path)")
    parser.add_argument("out", type=Path, help="the new init, e.g. weights/NAME.npz")
    parser.add_argument("--scales", required=True, help="s_d for the pixel pairs at distance d + 1/2, comma-separated")
    args = parser.parse_args(argv)
    if args.out.exists():
        parser.error(f"{args.out} exists")
    try:
        scales = [float(v) for v in args.scales.split(",")]
    except ValueError:
        parser.error(f"--scales: numbers separated by commas, got {args.scales!r}")
    source = inits.load(args.source)
    if source.format != model.FORMAT:
        parser.error(f"{args.source} is not a basis init")
    try:
        lapping.check(np.array(scales, np.float32), source.cfg.tile)
    except ValueError as e:
        parser.error(str(e))
    write(args.source, args.out, scales)


if __name__ == "__main__":
    main()
