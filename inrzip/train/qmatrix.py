"""A quantisation matrix for a basis init: each function's step index offset, from where it puts its energy.

The first functions of the basis put more of their energy on the tile's border ring than its share of the pixels
(0.29-0.31 against 0.234 for the default), the last ones less; with one step for every coefficient the quantiser's
noise gathers on the border. For the error weighted as the encoder weighs it (border pixels ``weight``), the best
steps go as ``e_j ** -1/2`` (``e_j``: the function's weighted energy, :func:`model.border_emphasis`). A step index
offset ``k_j = round(alpha * PER_OCTAVE / 2 * log2 e_j)`` gives each function ``step(s + k_j)``: integers, so masks,
classes and tables stay the same on every machine (``results/qm/``).

    python -m inrzip.train.qmatrix SOURCE OUT [--alpha A] [--weight W]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import inits
from ..codecs.basis import model
from . import derived


def offsets(ladder: model.BasisLadder, alpha: float, weight: float) -> np.ndarray:
    """``[3, K]`` int32 step index offsets: ``alpha`` 1 gives the steps that minimise the border-weighted error."""
    e = model.border_emphasis(ladder, weight)
    k = np.rint(alpha * model.PER_OCTAVE / 2 * np.log2(e))
    return np.clip(k, -model.MAX_STEP_OFFSET, model.MAX_STEP_OFFSET).astype(np.int32)


def write(source: str, out: Path, alpha: float, weight: float, log: Callable[[str], None] = print) -> Path:
    """``source``'s arrays with the step offsets added (or replaced), as a new init at ``out`` with its manifest
    entry, and the source's learned upscaler shared under its name (:mod:`derived`)."""
    t0 = time.time()
    arrays = {"step_offsets": offsets(inits.load(source), alpha, weight)}
    settings = {"alpha": alpha, "border_weight": weight}
    command = f"python -m inrzip.train.qmatrix {source} {out} --alpha {alpha:g} --weight {weight:g}"
    return derived.write(source, out, arrays, settings, "", command, t0, log, drop="step_offsets")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m inrzip.train.qmatrix", description=__doc__.split("\n")[0])
    parser.add_argument("source", help="the basis init (name or path)")
    parser.add_argument("out", type=Path, help="the new init, e.g. weights/NAME.npz")
    parser.add_argument("--alpha", type=float, default=1.0, help="strength: 1 = the weighted error's best steps")
    parser.add_argument("--weight", type=float, default=8.0, help="the border pixels' weight (the RDOQ's)")
    args = parser.parse_args(argv)
    if args.out.exists():
        parser.error(f"{args.out} exists")
    if inits.load(args.source).format != model.FORMAT:
        parser.error(f"{args.source} is not a basis init")
    write(args.source, args.out, args.alpha, args.weight)


if __name__ == "__main__":
    main()
