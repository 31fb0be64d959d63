"""The shipped weights must be found by a regular (non-editable) install, i.e. from inside a built wheel."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_ships_weights_and_finds_them(tmp_path):
    shipped = sorted(p.name for p in (ROOT / "weights").glob("*.npz"))
    if not shipped:
        pytest.skip("no shipped initialization in this checkout")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)], check=True
    )
    (wheel,) = tmp_path.glob("inrzip-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"inrzip/_weights/{n}" for n in shipped} <= set(names)
    assert "inrzip/_weights/manifest.json" in names
    upscalers = sorted(p.name for p in (ROOT / "weights" / "upscalers").glob("*.npz"))
    assert {f"inrzip/_weights/upscalers/{n}" for n in upscalers} <= set(names)
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import inrzip.inits as w; d = w.weights_dirs(); assert 'site' in str(d[0]), d; "
        "import inrzip.upscaler as u; assert u.path_for(w.DEFAULT_INIT) is not None; "
        "assert w.load().post_filter is not None and w.load().predictor is not None; "
        "print(w.load().name, *sorted(w.load(n).name for n in w.available()))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["siren-t16-basis-lap", *sorted(Path(n).stem for n in shipped)]
