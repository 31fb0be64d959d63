import io
import os

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from conftest import smooth_photo
from inrzip.cli import main


@pytest.fixture()
def photo(tmp_path):
    p = tmp_path / "photo.png"
    Image.fromarray(smooth_photo(24, 32, 4)).save(p)
    return p


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def test_encode_decode_info(tiny_init, photo, tmp_path):
    r = run("encode", photo, "--init", tiny_init, "-q", "3", "--steps", "30")
    assert r.exit_code == 0, r.output
    inrz = photo.with_suffix(".inrz")
    assert inrz.exists() and "bpp" in r.output and "PSNR" in r.output
    original = photo.read_bytes()
    r = run("decode", inrz)  # lands on photo.decoded.png, never on the photo it came from
    assert r.exit_code == 0 and photo.read_bytes() == original
    assert Image.open(photo.with_name("photo.decoded.png")).size == (32, 24)
    r = run("decode", inrz)  # again: that output exists now
    assert r.exit_code != 0 and "exists" in r.output
    r = run("decode", inrz, "-o", tmp_path / "big.png", "--size", "64x48")
    assert r.exit_code == 0, r.output
    assert Image.open(tmp_path / "big.png").size == (64, 48)
    r = run("info", inrz)
    assert r.exit_code == 0 and "level       quality 3" in r.output and "24" in r.output


def test_shared_body_encode_bpp_decode_info(tiny_basis, photo, tmp_path):
    out = tmp_path / "x.inrz"
    r = run("encode", photo, "--init", tiny_basis, "--bpp", "2", "-o", out)
    assert r.exit_code == 0, r.output
    assert "ans" in r.output and "step index" in r.output
    r = run("info", out)
    assert r.exit_code == 0 and "codec       ans" in r.output and "step index" in r.output
    r = run("decode", out, "-o", tmp_path / "x.png", "--size", "64")
    assert r.exit_code == 0 and Image.open(tmp_path / "x.png").size == (64, 48)
    r = run("encode", photo, "--init", tiny_basis, "--codec", "fp16", "-o", tmp_path / "y.inrz")
    assert r.exit_code == 1 and "do not apply" in r.output and not (tmp_path / "y.inrz").exists()


def test_stdin_stdout(tiny_init, photo):
    r = CliRunner().invoke(
        main, ["encode", "-", "--init", tiny_init, "--steps", "2", "-q", "1"], input=photo.read_bytes()
    )
    assert r.exit_code == 0
    assert r.stdout_bytes[:4] == b"INRZ"
    d = CliRunner().invoke(main, ["decode", "-"], input=r.stdout_bytes)
    assert d.exit_code == 0 and Image.open(io.BytesIO(d.stdout_bytes)).size == (32, 24)


def test_force_and_no_overwrite(tiny_init, photo):
    out = photo.with_suffix(".inrz")
    out.write_bytes(b"keep me")
    r = run("encode", photo, "--init", tiny_init, "--steps", "1")
    assert r.exit_code == 1 and out.read_bytes() == b"keep me"
    r = run("encode", photo, "--init", tiny_init, "--steps", "1", "--force")
    assert r.exit_code == 0 and out.read_bytes()[:4] == b"INRZ"


@pytest.mark.parametrize(
    "args,message",
    [
        (["encode", "missing.png"], "cannot read"),
        (["decode", "missing.inrz"], "cannot read"),
        (["info", "notinrz.txt"], "not an .inrz"),
        (["encode", "notinrz.txt"], "not an image"),
        (["decode", "trunc.inrz"], "corrupt"),
        (["decode", "good.inrz", "-o", "x.png", "--size", "0"], "--size"),
        (["decode", "good.inrz", "-o", "x.png", "--size", "abc"], "--size"),
        (["decode", "good.inrz", "-o", "x.png", "--size", "100000x100000"], "limit"),
        (["encode", "photo.png", "-q", "1", "--bpp", "1"], "not both"),
        (["encode", "photo.png", "-q", "99", "-o", "y.inrz"], "quality"),
    ],
)
def test_errors_one_line_nonzero_no_output(tiny_init, photo, args, message, monkeypatch):
    d = photo.parent
    monkeypatch.chdir(d)
    (d / "notinrz.txt").write_text("hello")
    good = run("encode", photo, "--init", tiny_init, "--steps", "1", "-o", d / "good.inrz")
    assert good.exit_code == 0
    (d / "trunc.inrz").write_bytes((d / "good.inrz").read_bytes()[:-7])
    before = set(os.listdir(d))
    extra = ["--init", tiny_init] if args[0] == "encode" else []
    r = run(*args, *extra)
    assert r.exit_code != 0
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in r.output
    assert set(os.listdir(d)) == before  # no partial or temporary file left


def test_decode_image_is_not_a_traceback(photo):
    r = run("decode", photo, "-o", photo.parent / "o.png")
    assert r.exit_code == 1 and "not an .inrz" in r.output


def test_same_seed_same_bytes(tiny_init, photo, tmp_path):
    a, b = tmp_path / "a.inrz", tmp_path / "b.inrz"
    for p in (a, b):
        assert run("encode", photo, "--init", tiny_init, "--steps", "10", "--seed", "3", "-o", p).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    img = np.asarray(Image.open(photo))
    assert img.shape == (24, 32, 3)


def test_encode_a_folder_in_one_run(tiny_init, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(smooth_photo(16 + 8 * i, 24, i)).save(folder / f"im{i}.png")
    (folder / "broken.png").write_bytes(b"not a png")
    r = CliRunner().invoke(main, ["encode", str(folder), "--init", tiny_init, "--steps", "3", "-q", "2"])
    assert r.exit_code == 1 and "broken.png" in r.output and "1 of 4 inputs" in r.output
    for i in range(3):
        assert (folder / f"im{i}.inrz").read_bytes()[:4] == b"INRZ"
    assert not (folder / "broken.inrz").exists()


def test_encode_shards_inputs_by_rank(tiny_init, tmp_path, monkeypatch):
    for i in range(4):
        Image.fromarray(smooth_photo(16, 16, i)).save(tmp_path / f"s{i}.png")
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    args = ["encode", *[str(tmp_path / f"s{i}.png") for i in range(4)], "--init", tiny_init, "--steps", "2"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.glob("*.inrz")) == ["s1.inrz", "s3.inrz"]


@pytest.mark.slow
def test_demo_encodes_the_sample_photo_with_the_shipped_init(tmp_path):
    r = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "demo"), "--device", "cpu"])
    assert r.exit_code == 0, r.output
    files = {p.name for p in (tmp_path / "demo").iterdir()}
    assert len(files) == 3 and any(f.endswith(".inrz") for f in files)
    big = next(p for p in (tmp_path / "demo").iterdir() if p.name.endswith(".2x.png"))
    small = next(p for p in (tmp_path / "demo").iterdir() if p.name.endswith(".decoded.png"))
    assert Image.open(big).size == tuple(2 * s for s in Image.open(small).size)
    assert "PSNR" in r.output


def test_decode_never_overwrites_its_own_input(tiny_basis, photo, tmp_path):
    inrz = tmp_path / "x.inrz"
    assert run("encode", photo, "--init", tiny_basis, "-q", "3", "-o", inrz).exit_code == 0
    before = inrz.read_bytes()
    r = CliRunner().invoke(main, ["decode", str(inrz), "-o", str(inrz), "--force"])
    assert r.exit_code == 1 and "input itself" in r.output and inrz.read_bytes() == before
    r = CliRunner().invoke(main, ["encode", str(photo), "-o", str(photo), "--force", "--init", tiny_basis])
    assert r.exit_code == 1 and "input itself" in r.output


def test_a_png_given_to_decode_is_named_as_such_even_when_the_output_exists(photo):
    photo.with_name("photo.decoded.png").write_bytes(b"x")
    r = run("decode", photo)
    assert r.exit_code == 1 and "not an .inrz file" in r.output


def test_binary_output_refuses_a_terminal(tiny_basis, photo, monkeypatch):
    import types

    from inrzip import cli

    inrz = photo.with_suffix(".inrz")
    assert run("encode", photo, "--init", tiny_basis, "-q", "2").exit_code == 0
    fake_sys = types.SimpleNamespace(stdout=types.SimpleNamespace(isatty=lambda: True), argv=["inrzip"])
    monkeypatch.setattr(cli, "sys", fake_sys)
    for args in (["decode", str(inrz), "-o", "-"], ["encode", str(photo), "-o", "-", "--init", tiny_basis]):
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 1 and "terminal" in r.output


def test_decode_many_files_and_folders(tiny_basis, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(2):
        Image.fromarray(smooth_photo(16, 24, i)).save(folder / f"im{i}.png")
    assert run("encode", folder, "--init", tiny_basis, "-q", "2").exit_code == 0
    (folder / "broken.inrz").write_bytes(b"INRZ junk")
    r = CliRunner().invoke(main, ["decode", str(folder), "--to", "webp"])
    assert r.exit_code == 1 and "broken.inrz" in r.output and "1 of 3 files" in r.output
    assert sorted(p.name for p in folder.glob("*.decoded.webp")) == ["im0.decoded.webp", "im1.decoded.webp"]
    r = CliRunner().invoke(main, ["info", str(folder / "im0.inrz"), str(folder / "im1.inrz")])
    assert r.exit_code == 0 and r.output.count("file        ") == 2


def test_progress_is_silent_off_a_terminal_unless_asked(tiny_basis, photo, monkeypatch):
    r = CliRunner().invoke(main, ["encode", str(photo), "--init", tiny_basis, "-q", "2", "--steps", "5"])
    assert r.exit_code == 0 and len(r.output.strip().splitlines()) == 1
    monkeypatch.setenv("INRZIP_PROGRESS", "1")
    r = CliRunner().invoke(main, ["encode", str(photo), "--init", tiny_basis, "-q", "2", "-f", "--steps", "5"])
    assert r.exit_code == 0 and "encode photo.png 5/5" in r.output  # counted in steps, as asked


@pytest.mark.parametrize(
    "args,message",
    [
        (["encode", "photo.png", "-q", "20"], "quality must be 1..15"),
        (["encode", "missing.png"], "cannot read missing.png"),
        (["encode", "photo.png", "--bpp", "0"], "--bpp must be positive"),
        (["encode", "photo.png", "--codec", "fp16"], "do not apply"),
    ],
)
def test_bad_arguments_are_refused_before_torch_is_imported(photo, args, message):
    import subprocess
    import sys

    code = (
        "import atexit, sys; atexit.register(lambda: print('torch' if 'torch' in sys.modules else 'no torch'));"
        f"from inrzip.cli import main; main({args!r})"
    )
    env = {k: v for k, v in os.environ.items() if k != "INRZIP_WEIGHTS"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=photo.parent, env=env)
    assert r.returncode == 1 and message in r.stderr, r.stderr
    assert "no torch" in r.stdout


def test_outputs_get_the_usual_file_mode(tiny_basis, photo):
    assert run("encode", photo, "--init", tiny_basis, "-q", "2").exit_code == 0
    assert run("decode", photo.with_suffix(".inrz")).exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    for p in (photo.with_suffix(".inrz"), photo.with_name("photo.decoded.png")):
        assert p.stat().st_mode & 0o777 == 0o666 & ~umask
