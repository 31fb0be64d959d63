"""``weights/manifest.json``: how each shipped initialization was made (command, data, settings, machine)."""

from __future__ import annotations

import json
from pathlib import Path

from ..inits import file_id
from ..nets.arch import SirenConfig
from ..tools.machine import machine


def record(
    path: Path, command: str, train_dir: str, cfg: SirenConfig | None, settings: dict | None, wall: float, extra: dict
) -> None:
    """Add or replace ``path``'s entry in the manifest beside it."""
    path = Path(path)
    manifest_path = path.parent / "manifest.json"
    entries = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    entry = {"id": file_id(path), "command": command, "train_data": str(train_dir)}
    if cfg is not None:
        entry["siren"] = cfg.to_dict()
    if settings is not None:
        entry["settings"] = settings
    entries[path.name] = entry | {"wall_time_s": round(wall, 1), "machine": machine()} | extra
    manifest_path.write_text(json.dumps(entries, indent=2) + "\n")
