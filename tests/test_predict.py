"""Intra prediction: the coding order, the features, the maps, the closed loop, and an init that carries them."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from conftest import smooth_photo
from inrzip import decoder, encoder, inits
from inrzip.cli import main
from inrzip.codecs.basis import fit, predict
from inrzip.codecs.basis import model as basis
from inrzip.errors import InrzipError
from inrzip.metrics import psnr_uint8
from inrzip.train import predictor as trainer


@pytest.mark.parametrize("ny,nx", [(1, 1), (1, 5), (4, 1), (3, 2), (5, 7)])
def test_every_tile_comes_once_after_the_neighbours_it_reads(ny, nx):
    order = np.full((ny, nx), -1)
    for t, (i, j) in enumerate(predict.fronts(ny, nx)):
        assert len(i) and np.all(order[i, j] == -1)
        order[i, j] = t
    assert np.all(order >= 0)
    for i in range(ny):
        for j in range(nx):
            for di, dj in ((-1, 0), (0, -1), (-1, 1), (-1, -1)):
                if 0 <= i + di < ny and 0 <= j + dj < nx:
                    assert order[i + di, j + dj] < order[i, j]


def test_features_read_the_neighbours_borders_and_zero_the_missing():
    ny, nx, t = 3, 4, 4
    rng = np.random.default_rng(0)
    bottom = rng.normal(size=(ny, nx, t, 3)).astype(np.float32)
    right = rng.normal(size=(ny, nx, t, 3)).astype(np.float32)
    i, j = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    feats, pattern = predict.features(bottom, right, i.ravel(), j.ravel())
    assert feats.shape == (ny * nx, predict.n_features(t)) and np.all(feats[:, -1] == 1)
    assert set(pattern.tolist()) <= set(predict.PATTERNS)
    b = 3 * t
    inner = 1 * nx + 2  # tile (1, 2): all four neighbours
    np.testing.assert_array_equal(feats[inner, :b], bottom[0, 2].ravel())
    np.testing.assert_array_equal(feats[inner, b : 2 * b], bottom[0, 3].ravel())
    np.testing.assert_array_equal(feats[inner, 2 * b : 3 * b], right[1, 1].ravel())
    np.testing.assert_array_equal(feats[inner, 3 * b : 3 * b + 3], bottom[0, 1, -1])
    assert pattern[inner] == 15 and pattern[0] == 0 and np.all(feats[0, :-1] == 0)
    last = 1 * nx + 3  # the last column has no top-right neighbour
    assert pattern[last] == 13 and np.all(feats[last, b : 2 * b] == 0)
    assert pattern[2] == predict.LEFT and np.all(feats[2, : 2 * b] == 0)  # first row: the left tile alone


def test_fit_maps_recovers_a_linear_map_per_pattern():
    rng = np.random.default_rng(1)
    t, n = 2, 4000
    f = predict.n_features(t)
    feats = rng.normal(size=(n, f)).astype(np.float32)
    feats[:, -1] = 1
    true = rng.normal(size=(f, 3, 2))
    targets = np.einsum("nf,fcm->ncm", feats, true)
    maps = trainer.fit_maps(feats, targets, t, ridge=1e-6)
    np.testing.assert_allclose(maps[15], true, atol=1e-3)
    assert np.all(maps[[p for p in range(16) if p not in predict.PATTERNS]] == 0)
    # with neighbours missing, the map reads none of their features
    assert np.all(maps[predict.LEFT][: 2 * 3 * t] == 0) and np.all(maps[0][:-1] == 0)


@pytest.fixture()
def predicting_init(tiny_basis, photo_dir, tmp_path, monkeypatch):
    """The tiny shared-body init with intra prediction: a second init installed beside the first."""
    out = trainer.train(str(photo_dir), tmp_path / "w" / "tinyb-ip.npz", tiny_basis, m=6, log=lambda m: None)
    monkeypatch.setenv("INRZIP_WEIGHTS", f"{out.parent}:{inits.resolve(tiny_basis).parent}")
    return out


def test_the_decoder_adds_back_what_the_encoder_predicted(predicting_init):
    """Quantise in the closed loop, dequantise as the decoder does: every stored coefficient lands within two
    steps of the fitted one (a decoder predicting anything else would miss by the prediction)."""
    torch.set_num_threads(1)
    ladder = inits.load(str(predicting_init))
    assert ladder.predictor is not None and ladder.predictor.m == 6
    photo = smooth_photo(37, 45, 4)
    coef = ladder_fit(ladder, photo)
    for s in (30, 50):
        keep = basis.mask(ladder, s)
        assert keep[:, :6].all()
        q = basis.quantize(ladder, coef, s, 45, 37, False, 0.1)
        values = basis.dequantize(ladder, q, s, 45, 37, False)
        assert np.abs(values - coef[:, keep]).max() <= 2 * basis.step(s)
        plain = q * np.float32(basis.step(s))
        assert np.abs(plain - coef[:, keep]).max() > 2 * basis.step(s)  # the residuals alone are not the picture


def ladder_fit(ladder, photo):
    return fit.fit_images([photo], ladder, 100, 0.5, torch.device("cpu"))[0]


def test_a_predicting_init_codes_smooth_photos_smaller_and_decodes_them(predicting_init, tiny_basis):
    torch.set_num_threads(1)
    source, ip = inits.load(tiny_basis), inits.load(str(predicting_init))
    assert ip.id != source.id and np.array_equal(ip.basis, source.basis)
    smaller = 0
    for seed in range(3):
        photo = smooth_photo(48, 64, 10 + seed)
        old = encoder.encode(photo, quality=5, init=source)
        new = encoder.encode(photo, quality=5, init=ip)
        smaller += len(new.data) < len(old.data)
        out = decoder.decode(new.data)
        assert new.psnr == pytest.approx(psnr_uint8(photo, out)) and abs(new.psnr - old.psnr) < 1.0
        np.testing.assert_array_equal(decoder.decode(old.data), decoder.decode(old.data, init=source))
    assert smaller == 3
    for shape in ((1, 1, 3), (3, 50, 3), (40, 5, 3)):  # one tile, one row of tiles, one column
        photo = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
        enc = encoder.encode(photo, quality=8, init=ip)
        assert decoder.decode(enc.data).shape == shape
    # the coarsest steps (outside the trained octaves) still code the always-stored residuals cheaply
    photo = smooth_photo(48, 64, 3)
    tiny = encoder.encode(photo, bpp=0.01, init=ip)
    assert tiny.header.quality < ip.qualities[0] and len(tiny.data) <= len(
        encoder.encode(photo, quality=1, init=ip).data
    )
    gray = smooth_photo(30, 30, 2)[..., 0]
    enc = encoder.encode(gray, quality=8, init=ip)
    back = decoder.decode(enc.data)
    assert back.shape == gray.shape and psnr_uint8(gray, back) > 25


def test_cli_trains_a_predictor_and_refuses_before_work(tiny_basis, photo_dir, tmp_path):
    existing = tmp_path / "x.npz"
    existing.write_bytes(b"keep")
    for out, extra, msg in (
        (tmp_path / "x.txt", [], "must end in .npz"),
        (existing, [], "exists"),
        (tmp_path / "y.npz", ["--m", "999"], "m must be"),
    ):
        r = CliRunner().invoke(main, ["train-predictor", "--data", str(photo_dir), "--init", tiny_basis,
                                      "--out", str(out), *extra])  # fmt: skip
        assert r.exit_code != 0 and msg in r.output, r.output
        assert "Traceback" not in r.output
    assert existing.read_bytes() == b"keep" and not (tmp_path / "y.npz").exists()
    out = tmp_path / "z.npz"
    r = CliRunner().invoke(main, ["train-predictor", "--data", str(photo_dir), "--init", tiny_basis,
                                  "--out", str(out), "--m", "4"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert inits.load(str(out)).predictor.m == 4 and not inits.load(str(out)).table_mix
    mixed = tmp_path / "mixed.npz"
    r = CliRunner().invoke(main, ["train-predictor", "--data", str(photo_dir), "--init", tiny_basis,
                                  "--out", str(mixed), "--m", "4", "--table-mix"])  # fmt: skip
    assert r.exit_code == 0, r.output
    ladder = inits.load(str(mixed))
    assert ladder.table_mix and ladder.qualities == inits.load(str(out)).qualities
    photo = smooth_photo(40, 56, 6)
    enc = encoder.encode(photo, quality=6, init=ladder)
    assert enc.psnr == pytest.approx(psnr_uint8(photo, decoder.decode(enc.data, init=ladder)))
    contexts = tmp_path / "contexts.npz"
    r = CliRunner().invoke(main, ["train-predictor", "--data", str(photo_dir), "--init", tiny_basis, "--out",
                                  str(contexts), "--m", "4", "--chroma-classes", "--activity-context"])  # fmt: skip
    assert r.exit_code == 0, r.output
    ladder = inits.load(str(contexts))
    assert ladder.chroma_classes and ladder.activity_context and not ladder.table_mix
    assert ladder.pmf.shape[2] == 2 * basis.N_CLASSES and ladder.activity_pmf.shape[1:] == (8, 8, basis.N_ACTIVITY)
    for shape in ((40, 56), (5, 70), (70, 5)):
        photo = smooth_photo(*shape, 6)
        enc = encoder.encode(photo, quality=6, init=ladder)
        assert enc.psnr == pytest.approx(psnr_uint8(photo, decoder.decode(enc.data, init=ladder)))
    adapting = tmp_path / "adapting.npz"
    args = ["train-predictor", "--data", str(photo_dir), "--init", tiny_basis, "--m", "4", "--chroma-classes",
            "--activity-context", "--out", str(adapting), "--adapt-weight"]  # fmt: skip
    for bad in ("-1", str(basis.MAX_ADAPT_WEIGHT + 1)):
        r = CliRunner().invoke(main, [*args, bad])
        assert r.exit_code != 0 and "adapt-weight" in r.output and "Traceback" not in r.output
        assert not adapting.exists()
    r = CliRunner().invoke(main, [*args, "40"])
    assert r.exit_code == 0, r.output
    adapted = inits.load(str(adapting))
    assert adapted.adapt_weight == 40 and ladder.adapt_weight == 0 and adapted.id != ladder.id
    # the same tables (they are the prior), the same decode
    np.testing.assert_array_equal(adapted.pmf, ladder.pmf)
    photo = smooth_photo(64, 80, 7)
    fixed, learning = (encoder.encode(photo, quality=9, init=x) for x in (ladder, adapted))
    np.testing.assert_array_equal(decoder.decode(fixed.data, init=ladder), decoder.decode(learning.data, init=adapted))


def test_an_init_without_a_predictor_has_none_and_a_misshapen_one_is_refused():
    functions = lambda xy: np.ones((3, len(xy), 5), np.float32)  # noqa: E731
    assert predict.from_arrays({"format": np.array("x")}, functions, 4, 5) is None
    good = predict.to_arrays(np.zeros((16, predict.n_features(4), 3, 2)))
    pred = predict.from_arrays(good, functions, 4, 5)
    assert pred.m == 2 and pred.bottom.shape == pred.right.shape == (3, 4, 5)
    for bad in (np.zeros((16, 9, 3, 2)), np.zeros((15, predict.n_features(4), 3, 2)), np.zeros((16, 37, 3, 6))):
        with pytest.raises(ValueError, match="predictor"):
            predict.from_arrays(predict.to_arrays(bad), functions, 4, 5)


def with_offsets(path, out, seed=0) -> str:
    """A copy of the init at ``path`` with random step offsets (a quantisation matrix)."""
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["step_offsets"] = np.random.default_rng(seed).integers(-6, 7, arrays["lrms"].shape).astype(np.int32)
    np.savez(out, **arrays)
    return str(out)


@pytest.mark.parametrize("predicted", [False, True])
def test_step_offsets_give_each_coefficient_its_own_step(predicted, tiny_basis, request, tmp_path):
    """Masks and classes follow ``lrms + offset``; each stored value is quantised on ``step(s + offset)``, with
    prediction or without; the file decodes to the values the encoder meant."""
    source = str(request.getfixturevalue("predicting_init")) if predicted else tiny_basis
    path = with_offsets(source, tmp_path / "qm.npz")
    plain, qm = inits.load(source), inits.load(path)
    k, s = qm.step_offsets, qm.s_for(7)
    assert plain.step_offsets is None and np.array_equal(
        basis.multipliers(plain, s), np.ones(basis.mask(plain, s).sum())
    )
    keep = basis.mask(qm, s)
    m = plain.predictor.m if predicted else 0
    np.testing.assert_array_equal(keep, basis.stored(plain.lrms + k, s, m))
    np.testing.assert_array_equal(basis.classes(qm, s), basis.column_classes(plain.lrms + k, s)[keep])
    np.testing.assert_allclose(basis.multipliers(qm, s), 2.0 ** (-k[keep] / basis.PER_OCTAVE), rtol=1e-6)
    photo = smooth_photo(32, 40, 2)
    coef = fit.fit_images([photo], qm, 100, 0.5, torch.device("cpu"))[0]
    q = basis.quantize(qm, coef, s, 40, 32, False, None)
    values = basis.dequantize(qm, q, s, 40, 32, False)
    steps = basis.step(s) * basis.multipliers(qm, s)
    assert np.all(np.abs(values - coef[:, keep]) <= steps * (qm.deadzone + 1e-3))  # each within its own step
    plain_q = basis.quantize(plain, coef, s, 40, 32, False, None)
    assert not np.array_equal(q.shape, plain_q.shape) or not np.array_equal(q, plain_q)
    enc = encoder.encode(photo, quality=7, init=path)
    assert enc.psnr == pytest.approx(psnr_uint8(photo, decoder.decode(enc.data, init=path)))


def test_step_offsets_out_of_range_are_refused(tiny_basis, tmp_path):
    with np.load(tiny_basis) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["step_offsets"] = np.full(arrays["lrms"].shape, basis.MAX_STEP_OFFSET + 1, np.int32)
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(InrzipError, match="step_offsets"):
        inits.load(str(tmp_path / "bad.npz"))


def test_qmatrix_writes_an_init_with_finer_steps_for_border_heavy_functions(tiny_basis, tmp_path):
    from inrzip.train import qmatrix

    out = qmatrix.write(tiny_basis, tmp_path / "w" / "qm.npz", 1.0, 8.0, log=lambda m: None)
    qm = inits.load(str(out))
    e = basis.border_emphasis(qm, 8.0)
    k = qm.step_offsets
    assert k.shape == e.shape and np.all((k > 0) <= (e > 1)) and np.all((k < 0) <= (e < 1)) and k.any()
    np.testing.assert_array_equal(k, np.rint(8 * np.log2(e)).astype(np.int32))
    entry = json.loads((out.parent / "manifest.json").read_text())["qm.npz"]
    assert entry["id"] == qm.id and entry["settings"]["alpha"] == 1.0 and "inrzip.train.qmatrix" in entry["command"]
    np.testing.assert_array_equal(qmatrix.offsets(qm, 0.0, 8.0), np.zeros_like(k))  # alpha 0: one step for all
    with pytest.raises(SystemExit):
        qmatrix.main([tiny_basis, str(out)])  # never overwrites
