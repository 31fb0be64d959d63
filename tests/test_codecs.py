"""The codec interface as the pipeline sees it: any init file works by path, the registry finds its codec,
the decode side runs without torch, and every codec renders with torch as with numpy."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from conftest import smooth_photo
from inrzip import codecs, decoder, encoder, inits
from inrzip.cli import main
from inrzip.errors import InrzipError

GOLDEN = Path(__file__).parent / "golden"


def test_every_installed_init_has_a_registered_codec():
    for name, path in inits.available().items():
        init = inits.load(str(path))
        assert codecs.of(init).format == init.format, name
    with pytest.raises(ValueError, match="unknown initialization format"):
        codecs.for_format("inrzip-nothing-9")


@pytest.mark.parametrize("which", ["tiny_basis_file", "tiny_ladder"])
def test_encode_and_decode_with_an_init_that_is_not_installed(which, request, tmp_path, monkeypatch):
    """An init the user trained: encode --init PATH checks its own file, decode --init PATH reads it."""
    path = request.getfixturevalue(which)
    path = path if str(path).endswith(".npz") else path.with_suffix(".npz")
    monkeypatch.delenv("INRZIP_WEIGHTS", raising=False)
    assert inits.file_id(path) not in {inits.file_id(p) for p in inits.available().values()}
    photo = tmp_path / "photo.png"
    Image.fromarray(smooth_photo(24, 32, 3)).save(photo)
    r = CliRunner().invoke(main, ["encode", str(photo), "--init", str(path), "--steps", "5", "-q", "2"])
    assert r.exit_code == 0, r.output
    inrz = tmp_path / "photo.inrz"
    r = CliRunner().invoke(main, ["decode", str(inrz), "-o", str(tmp_path / "a.png")])
    assert r.exit_code == 1 and "--init PATH" in r.output  # not installed: says how to give it
    r = CliRunner().invoke(main, ["decode", str(inrz), "-o", str(tmp_path / "a.png"), "--init", str(path)])
    assert r.exit_code == 0, r.output
    assert Image.open(tmp_path / "a.png").size == (32, 24)


def test_decode_refuses_an_init_that_is_not_the_files(tiny_basis_file, tmp_path):
    data = (GOLDEN / "2026-11-28" / "basis-q8.inrz").read_bytes()
    with pytest.raises(InrzipError, match="needs initialization"):
        decoder.decode(data, init=str(tiny_basis_file))


def test_a_file_of_the_default_init_hashes_no_other_init(monkeypatch):
    hashed = []
    monkeypatch.setattr(inits, "_file_id", lambda path, mtime: hashed.append(Path(path).stem) or "x" * 16)
    monkeypatch.setattr(inits, "load", lambda path: Path(path).stem)
    assert inits.for_file("x" * 16) == inits.DEFAULT_INIT and hashed == [inits.DEFAULT_INIT]
    hashed.clear()
    with pytest.raises(InrzipError, match="does not have"):
        inits.for_file("y" * 16)
    assert sorted(hashed) == sorted(inits.available())  # an older init's file: every installed one is looked at


@pytest.mark.parametrize("which", ["tiny_basis", "tiny_init"])
def test_torch_render_matches_numpy_render(which, request):
    """The evaluator --device cuda plugs in, run here on the CPU: the same pixels within one grey level."""
    init = request.getfixturevalue(which)
    data = encoder.encode(smooth_photo(37, 45, 3), quality=3, init=init, steps=10).data
    for size in (None, "90", "20"):
        job = decoder.prepare(data, size)
        by_torch = decoder.render(job, job.codec.evaluator(job.init, job.level, torch.device("cpu")))
        by_numpy = decoder.render(job)
        assert np.abs(by_torch.astype(int) - by_numpy.astype(int)).max() <= 1


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_decode_of_the_default_codec_runs_on_the_gpu():
    data = (GOLDEN / "2026-11-28" / "basis-q15.inrz").read_bytes()
    gpu, cpu = decoder.decode(data, device="cuda"), decoder.decode(data, device="cpu")
    assert np.abs(gpu.astype(int) - cpu.astype(int)).max() <= 1
    assert torch.cuda.max_memory_allocated() > 0


def test_library_decode_never_imports_torch():
    """A fresh interpreter: the package's top-level decode renders a default-codec file with torch absent."""
    src = GOLDEN / "2026-11-28" / "basis-q15.inrz"
    code = (
        "import sys; from inrzip import decode; from pathlib import Path; "
        f"rgb = decode(Path({str(src)!r}).read_bytes(), size=100); "
        "assert rgb.shape == (75, 100, 3), rgb.shape; assert 'torch' not in sys.modules, 'torch was imported'"
    )
    env = {k: v for k, v in os.environ.items() if k != "INRZIP_WEIGHTS"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr[-1500:]


def test_upscaled_render_has_no_seam_of_its_own(tiny_basis):
    """Above the source size, pixels between two tiles blend both: the step across a tile border is no larger
    than the steps inside the tiles' own sample spans (the old nearest-tile render jumped there)."""
    rgb = smooth_photo(16, 32, 4)
    data = encoder.encode(rgb, init=tiny_basis, quality=15).data
    big = decoder.decode(data, size=(128, 64)).astype(float).mean(axis=2)  # 4x: tile border between x 63 and 64
    steps = np.abs(np.diff(big, axis=1)).mean(axis=0)
    assert steps[63] <= 2 * np.median(steps) + 1
    assert np.array_equal(decoder.decode(data), decoder.decode(data, size=(32, 16)))  # 1x untouched
