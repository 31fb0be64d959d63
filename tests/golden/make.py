"""Write one release's golden files: ``python tests/golden/make.py tests/golden/<release date>``.

Run it with the release's own ``inrzip`` (``python -m inrzip`` resolves to it: a checkout of the
release on PYTHONPATH, or its installed wheel). It drives only the CLI, which every release keeps,
so the same script serves each release. Every file is decoded by the release that wrote it; the
PNG it wrote is what every later release must reproduce within one grey level
(tests/test_golden.py). Nothing here reads the photo data sets: the images are made below.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

# (name, height, width, seed, encode arguments, decode --size or None)
CASES = [
    ("basis-q1", 48, 64, 1, ["--init", "siren-t16-basis", "-q", "1"], None),
    ("basis-q8", 48, 64, 1, ["--init", "siren-t16-basis", "-q", "8"], None),
    ("basis-q15", 48, 64, 1, ["--init", "siren-t16-basis", "-q", "15"], None),
    ("basis-bpp1", 40, 56, 2, ["--init", "siren-t16-basis", "--bpp", "1"], None),
    ("basis-odd-37x23", 23, 37, 3, ["--init", "siren-t16-basis", "-q", "10"], None),
    ("basis-1x1", 1, 1, 4, ["--init", "siren-t16-basis", "-q", "8"], None),
    ("basis-strip-3x200", 200, 3, 5, ["--init", "siren-t16-basis", "-q", "12"], None),
    ("basis-q12-render-2x", 24, 32, 6, ["--init", "siren-t16-basis", "-q", "12"], "64x48"),
    ("basis-q12-render-half", 48, 64, 6, ["--init", "siren-t16-basis", "-q", "12"], "32"),
    ("w64-fp16-q4", 48, 64, 1, ["--init", "siren-t16-w64", "-q", "4", "--codec", "fp16"], None),
    ("w64-fp16-q12", 48, 64, 1, ["--init", "siren-t16-w64", "-q", "12", "--codec", "fp16"], None),
    ("w64-q16-q9", 40, 56, 2, ["--init", "siren-t16-w64", "-q", "9", "--codec", "q16"], None),
    ("w64-q16-bpp2", 40, 56, 2, ["--init", "siren-t16-w64", "--bpp", "2"], None),
    ("w64-fp16-odd-1x1", 1, 1, 4, ["--init", "siren-t16-w64", "-q", "6", "--codec", "fp16"], None),
    ("w64-q16-strip-200x3", 3, 200, 5, ["--init", "siren-t16-w64", "-q", "10", "--codec", "q16"], None),
]


def photo(h: int, w: int, seed: int) -> np.ndarray:
    """A photo-like test image: smooth waves, an edge and a little grain (deterministic)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w, 2)
    chans = []
    for _ in range(3):
        a, b, c, d = rng.uniform(0.5, 3.0, 4)
        chans.append(0.5 + 0.3 * np.sin(a * 4 * x + b) * np.cos(c * 4 * y + d) + 0.15 * (x + 0.3 * y > 0.6))
    grain = rng.normal(0, 0.02, (h, w, 3))
    return np.clip((np.stack(chans, -1) + grain) * 255, 0, 255).round().astype(np.uint8)


def inrzip(*args: str) -> None:
    r = subprocess.run([sys.executable, "-m", "inrzip", *args], capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"inrzip {' '.join(args)} failed: {r.stderr.strip()}")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    version = subprocess.run(
        [sys.executable, "-m", "inrzip", "--version"], capture_output=True, text=True, check=True
    ).stdout.split()[-1]
    entries = []
    for name, h, w, seed, args, size in CASES:
        src = out / f"{name}.source.png"
        Image.fromarray(photo(h, w, seed)).save(src)
        inrzip("encode", str(src), "-o", str(out / f"{name}.inrz"), "--device", "cpu", "-f", *args)
        dec = ["decode", str(out / f"{name}.inrz"), "-o", str(out / f"{name}.png"), "-f"]
        inrzip(*dec, *(["--size", size] if size else []))
        src.unlink()  # the file and what it decodes to are the record; the source is remade from the seed
        entries.append({"file": f"{name}.inrz", "decodes_to": f"{name}.png", "size": size, "encoded_with": args})
    manifest = {"release": version, "files": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {len(entries)} golden files of inrzip {version} to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
