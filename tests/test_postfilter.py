"""The post-filter: its input channels, its numpy twin, where it applies, the init that carries it, training."""

import json
from dataclasses import replace

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from conftest import edgy_photo, small_pieces, smooth_photo
from inrzip import decoder, encoder, images, inits, parallel, postfilter, upscaler
from inrzip.cli import main
from inrzip.metrics import psnr_uint8
from inrzip.nets import numpy_cnn
from inrzip.nets.numpy_cnn import Window
from inrzip.train import postfilter as trainer
from inrzip.train import upscaler as cnn_trainer


def random_torch_filter(width=8, depth=1, seed=0, shuffle=1) -> torch.nn.Sequential:
    torch.manual_seed(seed)
    net = cnn_trainer.network(width, depth, 3 + postfilter.EXTRA, shuffle)
    with torch.no_grad():
        for m in net:
            if isinstance(m, torch.nn.Conv2d):
                m.weight.normal_(0, 0.3)
    return net


def random_filter(width=8, depth=1, seed=0, shuffle=1) -> numpy_cnn.Net:
    return numpy_cnn.Net(*cnn_trainer.export(random_torch_filter(width, depth, seed, shuffle)), shuffle)


def test_extra_channels_tell_the_step_and_the_tile_phase():
    x = postfilter.extra_channels(40, 16, Window(3, 40, 0, 50))
    assert x.shape == (37, 50, postfilter.EXTRA) and x.dtype == np.float32
    assert np.all(x[..., 0] == (40 - postfilter.STEP_CENTRE) / postfilter.STEP_SCALE)
    np.testing.assert_allclose(x[:, 0, 1:3], x[:, 16, 1:3], atol=1e-5)  # x phase repeats every tile
    np.testing.assert_allclose(x[0, :, 3:], x[16, :, 3:], atol=1e-5)  # y phase: row 3 and row 19
    assert not np.allclose(x[:, 0, 1:3], x[:, 8, 1:3])  # across a tile the phase differs
    small = Window(0, 4, 0, 4)
    assert not np.allclose(postfilter.extra_channels(40, 8, small), postfilter.extra_channels(40, 16, small))
    # a window's pixels get the channels they have in the whole image
    whole = postfilter.extra_channels(52, 16, Window(0, 40, 0, 50))
    np.testing.assert_array_equal(whole[3:30, 7:45], postfilter.extra_channels(52, 16, Window(3, 30, 7, 45)))


def test_blocks_give_the_whole_image_result(monkeypatch):
    net = random_filter()
    img = (np.random.default_rng(0).random((50, 23, 3)) * 255).astype(np.uint8)
    whole = img.astype(np.float32) / 255
    given = np.concatenate([whole, postfilter.extra_channels(44, 8, Window(0, 50, 0, 23))], axis=2)
    expected = np.rint(np.clip(whole + numpy_cnn.forward(net.weights, net.biases, given), 0, 1) * 255)
    small_pieces(monkeypatch, 7)  # 8 x 4 pieces, each with its halo, streamed 2 rows at a time
    np.testing.assert_array_equal(postfilter.apply(net, img, 44, 8), expected.astype(np.uint8))
    other_step = postfilter.apply(net, img, 60, 8)
    assert not np.array_equal(other_step, expected)  # the step index reaches the network
    assert postfilter.apply(net, img[..., :1], 44, 8).shape == (50, 23, 1)


@pytest.mark.parametrize("shuffle", [1, 2])
def test_the_first_layers_response_to_the_tile_phase_is_reused_down_the_rows(monkeypatch, shuffle):
    """The extra channels repeat every tile: their response is computed once per phase away from a piece's edges
    and reused, giving the whole image's result; told a wrong period, the reuse shows."""
    net = random_filter(depth=2, seed=4, shuffle=shuffle)
    img = (np.random.default_rng(3).random((70, 20, 3)) * 255).astype(np.uint8)
    small_pieces(monkeypatch, 40 // shuffle, strip=3)
    extra = lambda win: postfilter.extra_channels(44, 8, win)  # noqa: E731
    whole = numpy_cnn.restore(net, img, extra)  # no period: every strip's response computed
    if shuffle == 1:  # the split first layer is the network on all channels at once
        x = img.astype(np.float32) / 255
        given = np.concatenate([x, extra(Window(0, 70, 0, 20))], axis=2)
        expected = np.rint(np.clip(x + numpy_cnn.forward(net.weights, net.biases, given), 0, 1) * 255)
        assert np.abs(whole.astype(np.int16) - expected).max() <= 1  # float32 sums in another order
    np.testing.assert_array_equal(numpy_cnn.restore(net, img, extra, period=8), whole)
    np.testing.assert_array_equal(postfilter.apply(net, img, 44, 8), whole)
    assert not np.array_equal(numpy_cnn.restore(net, img, extra, period=6), whole)


@pytest.mark.parametrize("threads", [2, 5])
def test_blocks_on_any_number_of_threads_give_the_same_pixels(monkeypatch, threads):
    net = random_filter()
    img = (np.random.default_rng(1).random((40, 30, 3)) * 255).astype(np.uint8)
    small_pieces(monkeypatch, 9)
    monkeypatch.setattr(parallel, "workers", lambda: 1)
    one_block = postfilter.apply(net, img, 50, 8)
    monkeypatch.setattr(parallel, "workers", lambda: threads)
    np.testing.assert_array_equal(postfilter.apply(net, img, 50, 8), one_block)


def test_blocks_run_with_one_blas_thread_each(monkeypatch):
    from threadpoolctl import threadpool_info

    seen = []
    forward_rows = numpy_cnn.forward_rows

    def spy(*args):
        seen.append([p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"])
        return forward_rows(*args)

    monkeypatch.setattr(numpy_cnn, "forward_rows", spy)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    small_pieces(monkeypatch, 16)
    postfilter.apply(random_filter(), np.zeros((20, 40, 3), np.uint8), 50, 8)
    assert len(seen) == 6 and all(threads and set(threads) == {1} for threads in seen)


@pytest.mark.parametrize("threads", [2, 3, 64])
def test_the_cut_depends_on_the_image_alone(monkeypatch, threads):
    """Bands of at most BAND rows whatever the CPUs: a decode gives the same pixels on any number of them."""
    seen = []
    forward_rows = numpy_cnn.forward_rows

    def spy(*args):
        seen.append(args[2])  # the piece's rows, its halo included
        return forward_rows(*args)

    monkeypatch.setattr(numpy_cnn, "forward_rows", spy)
    img = (np.random.default_rng(5).random((300, 12, 3)) * 255).astype(np.uint8)
    net = random_filter()
    monkeypatch.setattr(parallel, "workers", lambda: 1)
    one = postfilter.apply(net, img, 50, 8)
    assert len(seen) == 3 and max(seen) <= numpy_cnn.BAND + 2 * net.radius
    monkeypatch.setattr(parallel, "workers", lambda: threads)
    np.testing.assert_array_equal(postfilter.apply(net, img, 50, 8), one)
    assert len(seen) == 6


def test_an_error_in_a_block_is_raised(monkeypatch):
    def fail(*args):
        raise MemoryError("block")

    monkeypatch.setattr(numpy_cnn, "forward_rows", fail)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    with pytest.raises(MemoryError, match="block"):
        postfilter.apply(random_filter(), np.zeros((20, 40, 3), np.uint8), 50, 8)


@pytest.mark.parametrize("shape", [(24, 20), (25, 19), (7, 9)])
def test_a_filter_on_cells_is_the_torch_network(shape, monkeypatch):
    """On 2x2 cells (pixel unshuffle, convolutions, pixel shuffle) the numpy filter is the torch network, block by
    block as whole; a size that is not a whole number of cells is extended by its edge pixels."""
    h, w = shape
    net = random_torch_filter(width=8, depth=1, seed=3, shuffle=2)
    img = (np.random.default_rng(2).random((h, w, 3)) * 255).astype(np.uint8)
    ph, pw = h + h % 2, w + w % 2
    padded = np.pad(img, ((0, ph - h), (0, pw - w), (0, 0)), mode="edge").astype(np.float32) / 255
    given = np.concatenate([padded, postfilter.extra_channels(50, 8, Window(0, ph, 0, pw))], axis=2)
    with torch.no_grad():
        x = torch.from_numpy(given).permute(2, 0, 1)[None]
        ref = (x[:, :3] + net(x))[0].permute(1, 2, 0).numpy()[:h, :w]
    expected = np.rint(np.clip(ref, 0, 1) * 255)
    cells = numpy_cnn.Net(*cnn_trainer.export(net), 2)
    assert cells.radius == 6 and cells.inputs == 3 + postfilter.EXTRA
    whole = postfilter.apply(cells, img, 50, 8)
    assert np.abs(whole.astype(np.int16) - expected).max() <= 1  # float32 sums in another order
    small_pieces(monkeypatch, 3)  # 6-pixel pieces, each with its halo
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    np.testing.assert_array_equal(postfilter.apply(cells, img, 50, 8), whole)
    plain = numpy_cnn.Net(*cnn_trainer.export(net))  # the same weights read as a per-pixel network do not chain
    with pytest.raises(ValueError):
        postfilter.apply(plain, img, 50, 8)


def test_a_filter_on_cells_round_trips_and_older_readers_refuse_it():
    net = random_filter(shuffle=2)
    arrays = postfilter.to_arrays(net)
    back = postfilter.from_arrays(arrays)
    assert back.shuffle == 2 and all(np.array_equal(a, b) for a, b in zip(back.weights, net.weights, strict=True))
    assert "post_filter_shuffle" not in postfilter.to_arrays(random_filter())  # per-pixel filters stay as they were
    without = {k: v for k, v in arrays.items() if k != "post_filter_shuffle"}  # what a release before cells reads
    with pytest.raises(ValueError, match="chain"):
        postfilter.from_arrays(without)
    with pytest.raises(ValueError, match="cells"):
        postfilter.from_arrays(arrays | {"post_filter_shuffle": np.array(0)})
    with pytest.raises(ValueError, match="chain"):
        postfilter.from_arrays(arrays | {"post_filter_shuffle": np.array(3)})


def test_arrays_round_trip_and_bad_shapes_are_refused():
    net = random_filter()
    back = postfilter.from_arrays(postfilter.to_arrays(net))
    assert all(np.array_equal(a, b) for a, b in zip(back.weights, net.weights, strict=True))
    assert postfilter.from_arrays({"format": np.array("x")}) is None
    arrays = postfilter.to_arrays(net)
    arrays["post_filter_w1"] = arrays["post_filter_w1"][:, :, :5]
    with pytest.raises(ValueError, match="chain"):
        postfilter.from_arrays(arrays)


@pytest.fixture()
def filtered_init(tiny_basis, photo_dir, tmp_path, monkeypatch):
    """The tiny shared-body init with a tiny post-filter: a second init installed beside the first."""
    torch.set_num_threads(1)
    weights_dir = tmp_path / "weights"
    source = inits.load(tiny_basis)
    ups = weights_dir / "upscalers"
    ups.mkdir(parents=True)
    up_net = numpy_cnn.Net(*cnn_trainer.export(cnn_trainer.network(8, 1)))
    upscaler.save(ups / f"{source.name}.npz", source.id, {2: up_net})  # the source init's upscaler
    monkeypatch.setenv("INRZIP_WEIGHTS", f"{weights_dir}:{inits.resolve(tiny_basis).parent}")
    out = trainer.train(
        str(photo_dir), weights_dir / "tinyb-pf.npz", tiny_basis, n_pairs=4, crop=32,
        cnn=cnn_trainer.CnnTraining(steps=40, width=8, depth=1, batch=2, patch=16, lr=3e-3), log=lambda m: None,
    )  # fmt: skip
    monkeypatch.setenv("INRZIP_WEIGHTS", f"{weights_dir}:{inits.resolve(tiny_basis).parent}")
    return out


def test_an_init_with_a_filter_restores_its_files_and_only_its_files(filtered_init, tiny_basis, tmp_path):
    source, filtered = inits.load(tiny_basis), inits.load(str(filtered_init))
    assert source.post_filter is None and filtered.post_filter.inputs == 3 + postfilter.EXTRA
    assert filtered.id != source.id and np.array_equal(filtered.body_w, source.body_w)
    photo = smooth_photo(40, 48, 3)
    old = encoder.encode(photo, quality=6, init=tiny_basis)
    new = encoder.encode(photo, quality=6, init=filtered)
    plain = decoder.decode(new.data, restore=False)
    restored = decoder.decode(new.data)
    # same fit, same bytes but the init id; the filter changes the decode, and the encoder reports what it decodes
    assert len(new.data) == len(old.data) and np.array_equal(plain, decoder.decode(old.data))
    assert not np.array_equal(restored, plain) and psnr_uint8(restored, plain) > 20
    assert new.psnr == pytest.approx(psnr_uint8(photo, restored))
    np.testing.assert_array_equal(decoder.decode(old.data), decoder.decode(old.data, restore=False))
    # a downscale resizes the networks' render; an upscale is the source init's, upscaler included
    half = decoder.decode(new.data, size="24x20")
    np.testing.assert_array_equal(half, images.resize(plain, 24, 20))
    assert upscaler.for_render(filtered.name, filtered.id, (48, 40), (96, 80)) is not None
    big = decoder.decode(new.data, size="96x80")
    np.testing.assert_array_equal(big, decoder.decode(old.data, size="96x80"))
    assert not np.array_equal(big, decoder.decode(new.data, size="96x80", restore=False))
    src = tmp_path / "a.inrz"
    src.write_bytes(new.data)
    for flag, expected in (([], restored), (["--plain"], plain)):
        dst = tmp_path / f"out{len(flag)}.png"
        r = CliRunner().invoke(main, ["decode", str(src), "-o", str(dst), *flag])
        assert r.exit_code == 0, r.output
        np.testing.assert_array_equal(np.asarray(Image.open(dst)), expected)


def test_training_inputs_are_the_decoders(tiny_basis, photo_dir):
    """The network learns on the channels the decoder gives it: the numpy filter of a decode equals the torch
    network's output on the training tensors."""
    torch.set_num_threads(1)
    init = inits.load(tiny_basis)
    triples = trainer.make_pairs(str(photo_dir), init, 2, 32, seed=0)
    assert all(o.shape == r.shape == (32, 32, 3) and s in init.qualities for o, r, s in triples)
    originals, inputs = trainer.tensors(triples, init.cfg.tile)
    assert inputs.shape == (2, 3 + postfilter.EXTRA, 32, 32)
    torch.manual_seed(0)
    net = cnn_trainer.network(8, 1, inputs.shape[1])
    with torch.no_grad():
        ref = (inputs[:1, :3] + net(inputs[:1]))[0].permute(1, 2, 0).numpy()
    out = postfilter.apply(numpy_cnn.Net(*cnn_trainer.export(net)), triples[0][1], triples[0][2], init.cfg.tile)
    assert np.abs(out.astype(np.float64) - np.clip(ref, 0, 1) * 255).max() <= 0.51


def test_training_crops_are_kept_and_reused_only_for_what_they_were_made_for(
    tiny_basis, photo_dir, tmp_path, monkeypatch
):
    torch.set_num_threads(1)
    init = inits.load(tiny_basis)
    cache = tmp_path / "crops" / "pairs.npz"
    made = trainer.cached_pairs(cache, str(photo_dir), init, 2, 32, 0, log=lambda m: None)
    assert cache.exists() and len(made) == 2

    def no_more(*args):
        raise AssertionError("made the crops again")

    monkeypatch.setattr(trainer, "make_pairs", no_more)
    read = trainer.cached_pairs(cache, str(photo_dir), init, 2, 32, 0, log=lambda m: None)
    assert len(read) == len(made) == 2
    for (o1, r1, s1), (o2, r2, s2) in zip(made, read, strict=True):
        assert np.array_equal(o1, o2) and np.array_equal(r1, r2) and s1 == s2 and r2.dtype == np.uint8
    for other in (dict(count=3), dict(crop=24), dict(seed=1)):
        args = dict(count=2, crop=32, seed=0) | other
        with pytest.raises(ValueError, match="holds other crops"):
            trainer.cached_pairs(cache, str(photo_dir), init, log=lambda m: None, **args)
    with pytest.raises(ValueError, match="holds other crops"):  # another init
        trainer.cached_pairs(cache, str(photo_dir), inits.load("siren-t16-basis-qm"), 2, 32, 0, log=lambda m: None)


def test_cli_refuses_before_training(tmp_path, photo_dir):
    existing = tmp_path / "x.npz"
    existing.write_bytes(b"keep")
    for out, msg, more in (
        (tmp_path / "x.txt", "must end in .npz", []),
        (existing, "exists", []),
        (tmp_path / "y.npz", "--lr must be positive", ["--lr", "0"]),
        (tmp_path / "y.npz", "--border-weight must be in (0, 1000]", ["--border-weight", "0"]),
        (tmp_path / "y.npz", "--border-weight must be in (0, 1000]", ["--border-weight", "nan"]),
        (tmp_path / "y.npz", "--patch must be a multiple of the cells (2)", ["--shuffle", "2", "--patch", "33"]),
        (tmp_path / "y.npz", "and over 20, got 20", ["--shuffle", "2", "--patch", "20"]),
        (tmp_path / "y.npz", "--shuffle", ["--shuffle", "5"]),
        (tmp_path / "y.npz", "--pairs-cache must end in .npz", ["--pairs-cache", str(tmp_path / "c.txt")]),
        (tmp_path / "y.npz", "not both", ["--copy-from", "a", "--start-from", "b"]),
    ):
        r = CliRunner().invoke(main, ["train-postfilter", "--data", str(photo_dir), "--out", str(out), *more])
        assert r.exit_code != 0 and msg in r.output and "Traceback" not in r.output
    assert existing.read_bytes() == b"keep" and not (tmp_path / "y.npz").exists()


def test_cli_trains_at_the_learning_rate_it_is_given(tiny_basis, photo_dir, tmp_path):
    torch.set_num_threads(1)
    out = tmp_path / "lr.npz"
    args = ["train-postfilter", "--init", tiny_basis, "--out", str(out), "--steps", "3",
            "--pairs", "2", "--width", "4", "--depth", "1", "--lr", "2e-4"]  # fmt: skip
    r = CliRunner().invoke(main, [*args, "--data", str(photo_dir)])  # its photos are smaller than the crops
    assert r.exit_code != 0 and "has both sides of at least 256 pixels" in r.output and not out.exists()
    big = tmp_path / "big"
    big.mkdir()
    Image.fromarray(smooth_photo(260, 270, 1)).save(big / "a.png")
    r = CliRunner().invoke(main, [*args, "--data", str(big)])
    assert r.exit_code == 0, r.output
    entry = json.loads((tmp_path / "manifest.json").read_text())["lr.npz"]
    assert entry["settings"]["lr"] == 2e-4 and inits.load(str(out)).post_filter is not None
    assert "border_weight" not in entry["settings"]
    crops = ["--pairs-cache", str(tmp_path / "crops.npz")]
    r = CliRunner().invoke(
        main, [*args, "--data", str(big), "--out", str(tmp_path / "bw.npz"), "--border-weight", "4", *crops]
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "crops.npz").exists() and "training crops from" not in r.output
    assert json.loads((tmp_path / "manifest.json").read_text())["bw.npz"]["settings"]["border_weight"] == 4
    cells = tmp_path / "cells.npz"
    r = CliRunner().invoke(
        main, [*args, "--data", str(big), "--out", str(cells), "--shuffle", "2", "--patch", "32", *crops]
    )
    assert r.exit_code == 0, r.output
    assert "training crops from" in r.output  # the same init, photos and crops: the kept ones
    assert json.loads((tmp_path / "manifest.json").read_text())["cells.npz"]["settings"]["shuffle"] == 2
    init = inits.load(str(cells))
    assert init.post_filter.shuffle == 2 and init.post_filter.inputs == 3 + postfilter.EXTRA
    tuned = tmp_path / "tuned.npz"
    r = CliRunner().invoke(
        main, [*args, "--data", str(big), "--out", str(tuned), "--start-from", str(cells), "--patch", "32", *crops]
    )
    assert r.exit_code == 0, r.output
    settings = json.loads((tmp_path / "manifest.json").read_text())["tuned.npz"]["settings"]
    assert settings["started_from_id"] == init.id and settings["shuffle"] == 2 and settings["width"] == 4
    assert inits.load(str(tuned)).post_filter.shuffle == 2
    odd = ["--out", str(tmp_path / "odd.npz"), "--start-from", str(cells), "--patch", "33"]  # the start's cells: 2
    r = CliRunner().invoke(main, [*args, "--data", str(big), *odd, *crops])
    assert r.exit_code != 0 and "multiple of the cells (2)" in r.output and not (tmp_path / "odd.npz").exists()
    r = CliRunner().invoke(main, [*args, "--data", str(big), "--out", str(tmp_path / "no.npz"), "--start-from",
                                  tiny_basis, *crops])  # fmt: skip
    assert r.exit_code != 0 and "has no post-filter to start from" in r.output and "Traceback" not in r.output
    enc = encoder.encode(smooth_photo(21, 27, 2), quality=6, init=init)  # odd sides: cells past the edge
    assert decoder.decode(enc.data, init=init).shape == (21, 27, 3)


def test_the_loss_weights_steer_the_fit():
    """Zero weight everywhere leaves the network as initialised (Adam's steps are 0 where gradients are); all ones
    is the unweighted fit; weight on half the pixels trains a different network."""
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    inputs = torch.from_numpy(rng.random((4, 3 + postfilter.EXTRA, 24, 24), dtype=np.float32))
    originals = torch.from_numpy(rng.random((4, 3, 24, 24), dtype=np.float32))
    cnn = cnn_trainer.CnnTraining(steps=5, width=4, depth=1, batch=2, patch=16)
    fit = lambda weight: cnn_trainer.fit_residual(originals, inputs, cnn, lambda m: None, weight)  # noqa: E731
    torch.manual_seed(cnn.seed)
    start = cnn_trainer.network(cnn.width, cnn.depth, inputs.shape[1])
    flat = lambda net: torch.cat([p.detach().reshape(-1) for p in net.parameters()])  # noqa: E731
    with np.errstate(divide="ignore"):  # the log line's dB of a zero loss
        assert torch.equal(flat(fit(torch.zeros(24, 24))), flat(start))
    assert torch.equal(flat(fit(torch.ones(24, 24))), flat(fit(None)))
    half = torch.ones(24, 24)
    half[:, :12] = 0
    assert not torch.allclose(flat(fit(half)), flat(fit(None)))


def test_a_training_started_from_a_network_starts_there():
    """Zero loss weight leaves the network as it started: the given one, not a fresh one; other shapes are refused."""
    torch.set_num_threads(1)
    rng = np.random.default_rng(1)
    inputs = torch.from_numpy(rng.random((3, 3 + postfilter.EXTRA, 24, 24), dtype=np.float32))
    originals = torch.from_numpy(rng.random((3, 3, 24, 24), dtype=np.float32))
    cnn = cnn_trainer.CnnTraining(steps=4, width=4, depth=1, batch=2, patch=16)
    given = cnn_trainer.export(cnn_trainer.fit_residual(originals, inputs, cnn, lambda m: None))
    with np.errstate(divide="ignore"):
        net = cnn_trainer.fit_residual(originals, inputs, cnn, lambda m: None, torch.zeros(24, 24), given)
    for a, b in zip(cnn_trainer.export(net)[0] + cnn_trainer.export(net)[1], given[0] + given[1], strict=True):
        np.testing.assert_array_equal(a, b)
    fresh = cnn_trainer.export(cnn_trainer.network(4, 1, 3 + postfilter.EXTRA))
    assert not np.array_equal(fresh[0][0], given[0][0])
    with pytest.raises(ValueError, match="starting network"):
        cnn_trainer.fit_residual(originals, inputs, replace(cnn, width=5), lambda m: None, None, given)


def test_an_upscaler_for_a_filtered_init_reads_the_restored_source(filtered_init, photo_dir, tmp_path, monkeypatch):
    """Trained for an init with a post-filter, the upscaler's networks read the render and the filtered 1x decode
    resized; the decoder gives them both, block by block as whole."""
    torch.set_num_threads(1)
    filtered = inits.load(str(filtered_init))
    triples = cnn_trainer.make_pairs(str(photo_dir), filtered, (2,), 2, 32, (2.0,), seed=0)
    assert all(src.shape == (32, 32, 3) and src.dtype == np.uint8 for _, _, src in triples)
    out = filtered_init.parent / "upscalers" / f"{filtered.name}.npz"
    cnn_trainer.train(
        str(photo_dir), out, str(filtered_init), factors=(2,), n_pairs=2, crop=32, bpps=(2.0,),
        cnn=cnn_trainer.CnnTraining(steps=5, width=8, depth=1, batch=2, patch=16, lr=3e-3), log=lambda m: None,
    )  # fmt: skip
    net = upscaler.for_render(filtered.name, filtered.id, (24, 20), (48, 40))
    assert net is not None and net.inputs == 6 and upscaler.needs_source(net) and len(triples) == 2
    enc = encoder.encode(smooth_photo(20, 24, 5), quality=8, init=filtered)
    big = decoder.decode(enc.data, size="48x40")
    render = decoder.decode(enc.data, size="48x40", restore=False)
    expected = upscaler.apply(net, render, decoder.decode(enc.data))
    np.testing.assert_array_equal(big, expected)
    small_pieces(monkeypatch, 7)
    np.testing.assert_array_equal(upscaler.apply(net, render, decoder.decode(enc.data)), expected)
    with pytest.raises(ValueError, match="source"):
        upscaler.apply(net, render)


def has_filter(path) -> bool:
    with np.load(path) as z:
        return postfilter.PREFIX + "_layers" in z.files


SHIPPED_FILTERS = [name for name, path in inits.available().items() if has_filter(path)]


@pytest.mark.parametrize("name", SHIPPED_FILTERS)
def test_every_shipped_filter_restores_its_decodes(name):
    """A filter whose training collapsed (an output of ~0.05 grey levels: it happened once) would ship silently."""
    torch.set_num_threads(1)
    ladder = inits.load(name)
    for seed in range(2):
        photo = edgy_photo(96, 128, seed)
        data = encoder.encode(photo, quality=4, init=ladder).data
        filtered = psnr_uint8(photo, decoder.decode(data, init=ladder))
        assert filtered > psnr_uint8(photo, decoder.decode(data, init=ladder, restore=False)) + 0.1, name


def test_cli_copies_a_filter_from_another_init(filtered_init, tiny_basis, photo_dir, tmp_path):
    out = tmp_path / "copied.npz"
    args = ["train-postfilter", "--data", str(photo_dir), "--init", tiny_basis, "--out", str(out)]
    r = CliRunner().invoke(main, [*args, "--copy-from", tiny_basis])  # a donor without a filter
    assert r.exit_code != 0 and "has no post-filter" in r.output and "Traceback" not in r.output
    assert not out.exists()
    r = CliRunner().invoke(main, [*args, "--copy-from", str(filtered_init)])
    assert r.exit_code == 0, r.output
    copied, donor, source = inits.load(str(out)), inits.load(str(filtered_init)), inits.load(tiny_basis)
    # the donor is this source with a filter: the copy has the same arrays, so the same content id
    assert copied.id == donor.id != source.id and np.array_equal(copied.basis, source.basis)
    for a, b in zip(copied.post_filter.weights, donor.post_filter.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    photo = smooth_photo(40, 48, 3)
    data = encoder.encode(photo, quality=5, init=copied).data
    plain = decoder.decode(data, init=copied, restore=False)
    expect = postfilter.apply(donor.post_filter, plain, copied.s_for(5), copied.cfg.tile)
    np.testing.assert_array_equal(decoder.decode(data, init=copied), expect)
