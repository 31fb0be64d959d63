"""The learned upscaler: numpy twin of the trained CNN, strip-wise application, when it applies, training."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from conftest import edgy_photo, small_pieces, smooth_photo
from inrzip import decoder, encoder, inits, upscaler
from inrzip.cli import main
from inrzip.metrics import psnr_uint8
from inrzip.nets import numpy_cnn
from inrzip.train import upscaler as trainer


def random_net(width=8, depth=2, seed=0):
    torch.manual_seed(seed)
    net = trainer.network(width, depth)
    with torch.no_grad():
        for m in net:
            if isinstance(m, torch.nn.Conv2d):
                m.weight.normal_(0, 0.3)
    return net


def test_numpy_forward_matches_torch():
    net = random_net()
    x = torch.rand(1, 3, 21, 17)
    with torch.no_grad():
        ref = net(x)[0].permute(1, 2, 0).numpy()
    weights, biases = trainer.export(net)
    out = numpy_cnn.forward(weights, biases, x[0].permute(1, 2, 0).numpy().copy())
    np.testing.assert_allclose(out, ref, atol=1e-4)


def test_reused_scratch_memory_gives_fresh_results():
    """One thread's buffers serve blocks of every size: a bigger block's values left in them must not leak into
    a smaller one's zero padding."""
    weights, biases = trainer.export(random_net())
    rng = np.random.default_rng(1)
    scratch = numpy_cnn.Scratch()
    for shape in [(30, 40, 3), (11, 9, 3), (40, 13, 3), (5, 5, 3)]:
        x = rng.random(shape, dtype=np.float32) + 1  # positive: stale activations would not be zero
        np.testing.assert_array_equal(
            numpy_cnn.forward(weights, biases, x, scratch), numpy_cnn.forward(weights, biases, x)
        )


@pytest.mark.parametrize("strip", [1, 2, 5, 64])
def test_streamed_rows_are_the_whole_forward(strip):
    """A network streamed down its input a few rows at a time (each layer keeping two rows between strips) gives
    every output row once, in order, equal to the network on the whole input."""
    weights, biases = trainer.export(random_net())
    rng = np.random.default_rng(2)
    scratch = numpy_cnn.Scratch()
    for h, w in [(1, 6), (2, 3), (23, 9), (40, 17)]:
        x = rng.random((h, w, 3), dtype=np.float32) + 1
        reads, rows = [], []

        def read(a, b, x=x, reads=reads):
            reads.append((a, b))
            return x[a:b]

        for first, y in numpy_cnn.forward_rows(weights, biases, h, read, strip, scratch):
            assert first == len(rows)
            rows += list(y.copy())  # y is valid until the next strip
        assert reads == [(a, min(h, a + strip)) for a in range(0, h, strip)]
        np.testing.assert_array_equal(np.stack(rows), numpy_cnn.forward(weights, biases, x))


def test_an_upscaler_file_refuses_a_network_on_cells(tmp_path):
    """Its file has no field for cells: such a network would be read back as a per-pixel one."""
    cells = numpy_cnn.Net(*trainer.export(trainer.network(8, 1, 3, shuffle=2)), 2)
    path = tmp_path / "up.npz"
    with pytest.raises(ValueError, match="cells"):
        upscaler.save(path, "0" * 16, {2: cells})
    assert not path.exists()
    upscaler.save(path, "0" * 16, {2: numpy_cnn.Net(*trainer.export(random_net()))})
    assert upscaler.load(path).nets[2].shuffle == 1


def test_blocks_give_the_whole_image_result(monkeypatch):
    weights, biases = trainer.export(random_net())
    up = upscaler.Net(weights, biases)
    img = (np.random.default_rng(0).random((50, 23, 3)) * 255).astype(np.uint8)
    whole = img.astype(np.float32) / 255
    expected = np.rint(np.clip(whole + numpy_cnn.forward(weights, biases, whole), 0, 1) * 255).astype(np.uint8)
    small_pieces(monkeypatch, 7)  # 8 x 4 pieces, each with its halo, streamed 2 rows at a time
    np.testing.assert_array_equal(upscaler.apply(up, img), expected)
    gray = upscaler.apply(up, img[..., :1])
    assert gray.shape == (50, 23, 1)


@pytest.fixture()
def trained(tiny_basis, photo_dir, tmp_path, monkeypatch):
    """A tiny upscaler for the tiny shared-body init, installed beside it."""
    torch.set_num_threads(1)
    weights_dir = tmp_path / "weights"
    out = trainer.train(
        str(photo_dir), weights_dir / "upscalers" / "tinyb.npz", tiny_basis, factors=(2, 4), n_pairs=3, crop=32,
        bpps=(2.0,), cnn=trainer.CnnTraining(steps=30, width=8, depth=1, batch=2, patch=16, lr=3e-3),
        log=lambda m: None,
    )  # fmt: skip
    monkeypatch.setenv("INRZIP_WEIGHTS", f"{weights_dir}:{inits.resolve(tiny_basis).parent}")
    return out


def test_it_applies_to_upscales_of_its_own_init(trained, tiny_basis, tmp_path):
    init = inits.load(tiny_basis)
    up = upscaler.load(trained)
    assert up.init_id == init.id and set(up.nets) == {2, 4} and up.nets[2].radius == 3
    assert up.net_for(2.2) is up.nets[2] and up.net_for(3.5) is up.nets[4] and up.net_for(8) is up.nets[4]
    assert upscaler.for_render(init.name, init.id, (32, 32), (64, 64)) is not None
    assert upscaler.for_render(init.name, init.id, (32, 32), (40, 40)) is None  # under MIN_FACTOR
    assert upscaler.for_render(init.name, "another-id", (32, 32), (64, 64)) is None  # trained on other renders
    assert upscaler.for_render("no-such-init", init.id, (32, 32), (64, 64)) is None
    enc = encoder.encode(smooth_photo(32, 48, 1), quality=12, init=tiny_basis)
    plain = decoder.decode(enc.data, size="96x64", restore=False)
    restored = decoder.decode(enc.data, size="96x64")
    assert restored.shape == plain.shape and not np.array_equal(restored, plain)
    assert psnr_uint8(restored, plain) > 20  # a correction, not another picture
    np.testing.assert_array_equal(decoder.decode(enc.data), decoder.decode(enc.data, restore=False))  # 1x: untouched
    src = tmp_path / "a.inrz"
    src.write_bytes(enc.data)
    for flag, expected in (([], restored), (["--plain"], plain)):
        dst = tmp_path / f"out{len(flag)}.png"
        r = CliRunner().invoke(main, ["decode", str(src), "--size", "96x64", "-o", str(dst), *flag])
        assert r.exit_code == 0, r.output
        np.testing.assert_array_equal(np.asarray(Image.open(dst)), expected)


def test_pairs_are_coded_renders_of_the_crops(tiny_basis, photo_dir):
    torch.set_num_threads(1)
    init = inits.load(tiny_basis)
    pairs = trainer.make_pairs(str(photo_dir), init, (2,), 2, 32, (1.0,), seed=0)
    assert all(o.shape == r.shape == (32, 32, 3) and src is None for o, r, src in pairs)  # no post-filter: no source
    assert any(not np.array_equal(o, r) for o, r, _ in pairs)


def test_cli_refuses_before_training(tmp_path, photo_dir):
    existing = tmp_path / "x.npz"
    existing.write_bytes(b"keep")
    for command in ("train-upscaler", "train-basis"):
        for out, msg, more in (
            (tmp_path / "x.txt", "must end in .npz", []),
            (existing, "exists", []),
            *([(tmp_path / "y.npz", "--lr must be positive", ["--lr", "-1"])] if command == "train-upscaler" else []),
        ):
            r = CliRunner().invoke(main, [command, "--data", str(photo_dir), "--out", str(out), *more])
            assert r.exit_code != 0 and msg in r.output and "Traceback" not in r.output, (command, r.output)
    assert existing.read_bytes() == b"keep" and not (tmp_path / "y.npz").exists()


def test_cli_trains_at_the_learning_rate_it_is_given_and_overwrites_only_with_force(tiny_basis, tmp_path):
    torch.set_num_threads(1)
    big = tmp_path / "big"
    big.mkdir()
    Image.fromarray(smooth_photo(260, 270, 1)).save(big / "a.png")
    out = tmp_path / "ups" / "tiny.npz"
    args = ["train-upscaler", "--data", str(big), "--init", tiny_basis, "--out", str(out), "--factor", "2",
            "--steps", "3", "--pairs", "2", "--width", "4", "--depth", "1", "--lr", "2e-4"]  # fmt: skip
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    entry = json.loads((out.parent / "manifest.json").read_text())["tiny.npz"]
    assert entry["settings"]["lr"] == 2e-4 and set(upscaler.load(out).nets) == {2}
    before = out.read_bytes()
    r = CliRunner().invoke(main, [*args[:-1], "5e-4"])
    assert r.exit_code != 0 and "exists" in r.output and out.read_bytes() == before
    r = CliRunner().invoke(main, [*args[:-1], "5e-4", "--force"])
    assert r.exit_code == 0, r.output
    assert json.loads((out.parent / "manifest.json").read_text())["tiny.npz"]["settings"]["lr"] == 5e-4


SHIPPED = sorted(name for name in inits.available() if upscaler.path_for(name) is not None)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_upscaler_corrects_its_renders(name):
    """A network whose training collapsed (a constant output under one grey level: it happened once) would ship
    silently: each factor's network must move the pixels of an upscale of one of its init's files."""
    torch.set_num_threads(1)
    up, init = upscaler.load(upscaler.path_for(name)), inits.load(name)
    assert up.init_id == init.id
    photo = edgy_photo(64, 96, 3)
    data = encoder.encode(photo, quality=8, init=init).data
    for factor in up.nets:
        size = f"{96 * factor}x{64 * factor}"
        change = decoder.decode(data, size=size).astype(int) - decoder.decode(data, size=size, restore=False)
        assert change.std() > 0.5, (name, factor, change.std())
