"""The learned upscaler: a small CNN that restores the INR's render above the source size.

The tile networks render any size, seamlessly, but a tile fitted on its own coarse pixels knows
nothing past its border and predicts its fine pixels no better than a Lanczos filter. The CNN
sees a neighbourhood across borders and was trained on the renders of coded, downscaled training
photos against the originals (``inrzip train-upscaler``), one network per factor (2 and 4; a
render uses the one nearest its factor). It predicts a correction added to the render, band by
band (bounded memory), with numpy.

It applies to files of the init it was trained on (their renders are what it learned), when the
output is at least ``MIN_FACTOR`` times the source in both directions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .images import resize
from .nets import numpy_cnn
from .nets.numpy_cnn import Net

FORMAT = "inrzip-upscaler-1"
MIN_FACTOR = 1.5


@dataclass(frozen=True)
class Upscaler:
    """The networks of one init, one per trained scale factor."""

    name: str
    init_id: str  # the init whose renders it restores
    nets: dict[int, Net]

    def net_for(self, factor: float) -> Net:
        """The network trained at the factor nearest ``factor`` (in log scale)."""
        return self.nets[min(self.nets, key=lambda f: abs(np.log(f / factor)))]


def path_for(init_name: str) -> Path | None:
    """The installed upscaler of an init (``upscalers/<init>.npz`` in a weights folder), or None."""
    from .inits import weights_dirs

    for d in weights_dirs():
        if (d / "upscalers" / f"{init_name}.npz").is_file():
            return d / "upscalers" / f"{init_name}.npz"
    return None


def load(path: str | Path) -> Upscaler:
    """The upscaler in ``path``; read once per file version (a folder decode asks for it per file)."""
    return _load(str(path), Path(path).stat().st_mtime)


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Upscaler:
    with np.load(path, allow_pickle=False) as z:
        if str(z["format"]) != FORMAT:
            raise ValueError(f"{path}: not an inrzip upscaler")
        nets = {}
        for f in z["factors"].tolist():
            n = int(z[f"layers_{f}"])
            weights = [z[f"w{f}_{i}"].astype(np.float32) for i in range(n)]
            nets[int(f)] = Net(weights, [z[f"b{f}_{i}"].astype(np.float32) for i in range(n)])
        return Upscaler(Path(path).stem, str(z["init_id"]), nets)


def save(path: str | Path, init_id: str, nets: dict[int, Net]) -> None:
    """Write the networks per factor; ValueError for a network on cells, which this file cannot say it is."""
    arrays = {}
    for f, net in nets.items():
        if net.shuffle != 1:
            raise ValueError(f"the x{f} network runs on cells: an upscaler file stores per-pixel networks only")
        arrays[f"layers_{f}"] = np.array(len(net.weights))
        arrays |= {f"w{f}_{i}": w.astype(np.float32) for i, w in enumerate(net.weights)}
        arrays |= {f"b{f}_{i}": b.astype(np.float32) for i, b in enumerate(net.biases)}
    factors = np.array(sorted(nets))
    np.savez(path, format=np.array(FORMAT), init_id=np.array(init_id), factors=factors, **arrays)


def for_render(init_name: str, init_id: str, src: tuple[int, int], out: tuple[int, int]) -> Net | None:
    """The network to apply to a render of ``src`` (w, h) pixels at ``out``, or None (not an upscale, or no
    upscaler installed for this init)."""
    factor = min(out[0] / src[0], out[1] / src[1])
    if factor < MIN_FACTOR:
        return None
    path = path_for(init_name)
    if path is None:
        return None
    up = load(path)
    return up.net_for(factor) if up.init_id == init_id else None


def needs_source(up: Net) -> bool:
    """Whether ``up`` also reads the restored source-size decode (networks trained for an init with a
    post-filter: its 1x decode carries what the filter restored, which the render at the output size lacks)."""
    return up.inputs > 3


def source_channels(restored: np.ndarray, width: int, height: int) -> np.ndarray:
    """The restored source-size decode ``[h, w, C]`` uint8 resized (Lanczos) to the output, as RGB: ``[H, W, 3]``
    uint8, the input (over 255) the networks that read it were trained on; 8-bit until a band needs it."""
    out = resize(restored, width, height)
    return np.repeat(out, 3, axis=2) if out.shape[2] == 1 else out


def apply(up: Net, render: np.ndarray, source: np.ndarray | None = None) -> np.ndarray:
    """The restored render: ``render [H, W, C]`` uint8 (C 1 or 3) plus the CNN's correction, band by band;
    ``source``: the restored source-size decode, for the networks that read it."""
    if not needs_source(up):
        return numpy_cnn.restore(up, render)
    if source is None:
        raise ValueError("this upscaler reads the restored source-size decode")
    extra = source_channels(source, render.shape[1], render.shape[0])
    return numpy_cnn.restore(
        up, render, lambda win: extra[win.top : win.bottom, win.left : win.right].astype(np.float32) / 255.0
    )
