"""An init derived from another (a post-filter or intra prediction added): the source's arrays with some added or
replaced, written atomically with its manifest entry, and the source's learned upscaler shared under the new
init's name and id. The source init is left as it was, so the files that name it keep their decodes."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import inits, upscaler
from ..files import save_atomic
from . import manifest


def write(
    init_name: str,
    out: Path,
    arrays: dict[str, np.ndarray],
    settings: dict,
    train_dir: str,
    command: str,
    t0: float,
    log: Callable[[str], None],
    drop: str | None = None,
) -> Path:
    """``out``: the arrays of ``init_name`` (a name or path; less those whose name starts with ``drop``) updated with
    ``arrays``; its manifest entry records ``settings`` with the source's name and id."""
    source = inits.load(init_name)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with np.load(inits.resolve(init_name), allow_pickle=False) as z:
        merged = {k: z[k] for k in z.files if drop is None or not k.startswith(drop)} | arrays
    save_atomic(out, lambda f: np.savez_compressed(f, **merged))
    settings = dict(source_init=source.name, source_init_id=source.id) | settings
    manifest.record(out, command, train_dir, None, settings, time.time() - t0, {})
    log(f"wrote {out} ({time.time() - t0:.0f} s)")
    share_upscaler(source, out, command, train_dir, log)
    return out


def share_upscaler(source, out: Path, command: str, train_dir: str, log: Callable[[str], None]) -> None:
    """The new init has its source's body, basis and post-filter: the source's learned upscaler restores its
    upscales too, so it is written beside the new init under the new init's name and id, a start until one
    trained for the new init replaces it (``inrzip train-upscaler --init NEW``)."""
    path = upscaler.path_for(source.name)
    shared = None if path is None else upscaler.load(path)
    if shared is None or shared.init_id != source.id:
        return
    dest = out.parent / "upscalers" / f"{out.stem}.npz"
    dest.parent.mkdir(parents=True, exist_ok=True)
    upscaler.save(dest, inits.file_id(out), shared.nets)
    manifest.record(
        dest, command, train_dir, None, {"copied_from": str(path.name)}, 0.0, {"init_id": inits.file_id(out)}
    )
    log(f"wrote {dest} (the upscaler of {source.name})")
