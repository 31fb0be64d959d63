"""The shared-body codec: basis, head fit, quantiser, ANS coding, rate control, file checks."""

import json
from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from conftest import smooth_photo
from inrzip import decoder, encoder, inits, tiles
from inrzip.codecs.basis import codec as basis_codec
from inrzip.codecs.basis import entropy
from inrzip.codecs.basis import fit as basis_fit
from inrzip.codecs.basis import model as basis
from inrzip.codecs.basis.codec import HEAD_LR
from inrzip.errors import InrzipError
from inrzip.format import container, payload
from inrzip.metrics import psnr_uint8
from inrzip.nets import torch_siren as siren


def ladder_of(path: str) -> basis.BasisLadder:
    lad = inits.load(path)
    assert lad.format == basis.FORMAT
    return lad


def test_functions_are_orthonormal_on_the_tile_grid(tiny_basis):
    lad = ladder_of(tiny_basis)
    phi = basis.functions(lad, siren.tile_grid(lad.cfg.tile).numpy())
    for c in range(3):
        gram = phi[c].T @ phi[c]
        assert np.abs(gram - np.eye(lad.k)).max() < 1e-3
    assert np.allclose(lad.colour.T @ lad.colour, np.eye(3), atol=1e-5)
    assert np.all(np.diff(lad.rms, axis=1) <= 1e-6)  # ordered by spread, largest first


def test_head_fit_reaches_least_squares(tiny_basis):
    """100 preconditioned Adam steps land on the projection (what the README claims)."""
    lad = ladder_of(tiny_basis)
    phi = torch.from_numpy(basis.functions(lad, siren.tile_grid(lad.cfg.tile).numpy()))
    rgb = smooth_photo(32, 32, 5).astype(np.float32) / 255
    t = lad.cfg.tile
    z = torch.from_numpy(
        (rgb.reshape(4, t, 4, t, 3).swapaxes(1, 2).reshape(16, t * t, 3) - lad.colour_mean) @ lad.colour
    )
    fitted = basis_fit.fit_head(phi, torch.from_numpy(lad.rms), z, steps=100, lr=HEAD_LR)
    exact = torch.einsum("cnk,bnc->bck", phi, z)
    err = lambda c: (torch.einsum("cnk,bck->bnc", phi, c) - z).square().mean().item()  # noqa: E731
    assert err(fitted) <= err(exact) * 1.05 + 1e-7
    assert err(fitted) < 0.5 * err(torch.zeros_like(exact))


def test_border_weighted_fit_reaches_weighted_least_squares(tiny_basis):
    """With the tile-border pixels weighing more, the 100 steps (in the metric's whitened coordinates) land on the
    weighted least squares, whose border error is smaller than the plain projection's and interior error larger."""
    lad = ladder_of(tiny_basis)
    t = lad.cfg.tile
    phi = torch.from_numpy(basis.functions(lad, siren.tile_grid(t).numpy()))
    noise = np.random.default_rng(3).normal(0, 0.05, (32, 32, 3))  # a little noise: no basis fits it exactly
    rgb = (smooth_photo(32, 32, 5) / 255 + noise).astype(np.float32)
    z = torch.from_numpy(
        (rgb.reshape(4, t, 4, t, 3).swapaxes(1, 2).reshape(16, t * t, 3) - lad.colour_mean) @ lad.colour
    )
    metric = basis_fit.border_metric(phi, t, 8.0)
    ring = torch.from_numpy(tiles.border_mask(t, t, t).reshape(-1))
    w = metric.pixels.double()
    assert torch.allclose(w, torch.where(ring, 8.0, 1.0).double() / torch.where(ring, 8.0, 1.0).double().mean())
    p = phi.double()
    gram = torch.einsum("cnk,n,cnj->ckj", p, w, p)
    exact = torch.linalg.solve(gram, torch.einsum("cnk,n,bnc->cbk", p, w, z.double()).transpose(1, 2)).permute(2, 0, 1)
    fitted = basis_fit.fit_head(phi, torch.from_numpy(lad.rms), z, steps=100, lr=HEAD_LR, metric=metric).double()
    plain = basis_fit.fit_head(phi, torch.from_numpy(lad.rms), z, steps=100, lr=HEAD_LR).double()

    def err(c, where):
        return (torch.einsum("cnk,bck->bnc", p, c) - z.double())[:, where].square().mean().item()

    werr = lambda c: err(c, ring) * w[ring].mean().item() * ring.sum().item() + err(c, ~ring) * (~ring).sum().item()  # noqa: E731
    assert werr(fitted) <= werr(exact.float().double()) * 1.05 + 1e-7
    assert err(fitted, ring) < 0.9 * err(plain, ring) and err(fitted, ~ring) > err(plain, ~ring)
    unit = basis_fit.border_metric(phi, t, 1.0)  # weight 1: the plain projection's coordinates
    assert torch.allclose(unit.unwhiten, torch.eye(lad.k).expand_as(unit.unwhiten), atol=1e-3)


def test_the_encoder_is_tuned_to_its_tiles(tiny_basis):
    """Unlapped tiles: border pixels weigh more in the fit and the RDOQ; lapped tiles less, with their own lambda."""
    lad, rgb, cpu = ladder_of(tiny_basis), smooth_photo(24, 40, 1), torch.device("cpu")
    plain = basis_fit.fit_images([rgb], lad, 20, HEAD_LR, cpu, border_weight=1.0)[0]
    assert lad.lap_scales is None and basis.encoder_tuning(lad) == basis.UNLAPPED
    assert basis.UNLAPPED.fit_border > 1 and basis.UNLAPPED.rdoq_border > 1
    assert not np.allclose(basis_fit.fit_images([rgb], lad, 20, HEAD_LR, cpu)[0], plain, atol=1e-4)
    np.testing.assert_array_equal(basis_codec.rdoq_emphasis(lad), basis.border_emphasis(lad, 8.0))
    lapped = replace(lad, lap_scales=np.array([1.3], np.float32))
    tuned = basis.encoder_tuning(lapped)
    assert tuned == basis.LAPPED and tuned.fit_border < basis.UNLAPPED.fit_border
    assert tuned.rdoq_border < basis.UNLAPPED.rdoq_border
    as_given = basis_fit.fit_images([rgb], lad, 20, HEAD_LR, cpu, border_weight=tuned.fit_border)[0]
    np.testing.assert_array_equal(basis_fit.fit_images([rgb], lapped, 20, HEAD_LR, cpu)[0], as_given)
    assert (basis_codec.rdoq_emphasis(lapped) is None) == (tuned.rdoq_border == 1)


def test_pack_quantises_with_the_init_s_lambda(tiny_basis, monkeypatch):
    lad = ladder_of(tiny_basis)
    rgb = smooth_photo(24, 40, 3)
    coef = basis_fit.fit_images([rgb], lad, 20, HEAD_LR, torch.device("cpu"))[0]
    s = lad.s_for(8)
    sizes = {}
    for lam in (0.0, 0.1, 0.5):
        monkeypatch.setattr(basis, "UNLAPPED", basis.UNLAPPED._replace(rdoq_lambda=lam))
        sizes[lam] = len(basis_codec.pack(lad, s, coef, 40, 24))
    assert sizes[0.0] > sizes[0.1] > sizes[0.5]


def test_round_trip_levels_and_determinism(tiny_basis):
    rgb = smooth_photo(37, 45, 2)
    lo, hi = (encoder.encode(rgb, quality=q, init=tiny_basis) for q in (1, 15))
    assert lo.header.codec == "ans" and lo.header.quality == ladder_of(tiny_basis).s_for(1)
    assert len(lo.data) < len(hi.data) and lo.psnr < hi.psnr
    assert hi.psnr == pytest.approx(psnr_uint8(rgb, decoder.decode(hi.data)))
    assert encoder.encode(rgb, quality=15, init=tiny_basis).data == hi.data


def test_batched_encode_equals_one_by_one(tiny_basis):
    photos = [smooth_photo(20 + 4 * i, 28, i) for i in range(3)]
    batch = encoder.encode_batch(photos, quality=8, init=tiny_basis, chunk=7)
    for rgb, enc in zip(photos, batch, strict=True):
        assert enc.data == encoder.encode(rgb, quality=8, init=tiny_basis, chunk=7).data


def test_rate_control_lands_near_the_target(tiny_basis):
    rgb = np.asarray(Image.fromarray(smooth_photo(96, 128, 3)).resize((128, 96)))
    noise = np.random.default_rng(0).integers(-20, 20, rgb.shape)
    rgb = np.clip(rgb.astype(int) + noise, 0, 255).astype(np.uint8)  # some texture, so rates vary with the step
    for target in (1.0, 2.0):
        enc = encoder.encode(rgb, bpp=target, init=tiny_basis)
        assert abs(enc.bpp / target - 1) < 0.06, (target, enc.bpp)


def test_upscaled_render_is_smooth(tiny_basis):
    """Any-resolution decode: the 2x render stays near a Lanczos upscale of the 1x decode."""
    enc = encoder.encode(smooth_photo(32, 48, 1), quality=12, init=tiny_basis)
    one, two = decoder.decode(enc.data), decoder.decode(enc.data, size="96x64")
    lanczos = np.asarray(Image.fromarray(one).resize((96, 64), Image.Resampling.LANCZOS))
    assert two.shape == (64, 96, 3) and psnr_uint8(two, lanczos) > 25


def test_options_that_do_not_apply_are_refused(tiny_basis, tiny_init):
    rgb = smooth_photo(16, 16, 0)
    with pytest.raises(InrzipError, match="do not apply"):
        encoder.encode(rgb, init=tiny_basis, codec="q16")
    with pytest.raises(InrzipError, match="do not apply"):
        encoder.encode(rgb, init=tiny_basis, bits=6)
    with pytest.raises(InrzipError, match="quality"):
        encoder.encode(rgb, init=tiny_basis, quality=99)
    with pytest.raises(InrzipError, match="shared-body"):
        encoder.encode(rgb, init=tiny_init, codec="ans", steps=1)


def test_bad_ans_files_are_refused(tiny_basis):
    good = encoder.encode(smooth_photo(24, 24, 1), quality=5, init=tiny_basis).data
    header, offset = container.read_header(good)
    flipped = bytearray(good)
    flipped[-3] ^= 0x10
    with pytest.raises(InrzipError):
        decoder.decode(bytes(flipped))
    fields = {k: getattr(header, k) for k in ("init", "quality", "width", "height", "tile", "codec", "tiles")}
    _, raw = container.read(good)
    wrong_count = container.write(fields | {"values": header.values + 1}, raw)
    with pytest.raises(InrzipError, match="value count"):
        decoder.decode(wrong_count)
    as_fp16 = container.write(
        fields | {"codec": "fp16", "values": 1}, payload.pack_fp16(np.zeros((header.tiles, 1), np.float32))
    )
    with pytest.raises(InrzipError, match="codec ans"):
        decoder.decode(as_fp16)
    padded = container.write(fields | {"values": header.values}, raw + b"\0\0\0\0")
    with pytest.raises(InrzipError, match="corrupt .inrz payload: coded stream"):
        decoder.decode(padded)


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 6),
    st.lists(st.integers(0, basis.N_CLASSES - 1), min_size=1, max_size=12),
    st.integers(0, 2**31),
)
def test_entropy_round_trip(tiles, cls, seed):
    rng = np.random.default_rng(seed)
    pmf = rng.random((basis.N_ACTIVITY, basis.N_CLASSES, 2 * basis.RMAX + 1)) ** 8 + 1e-6
    pmf /= pmf.sum(axis=2, keepdims=True)
    activity_pmf = rng.random(basis.N_ACTIVITY) + 0.01
    activity_pmf /= activity_pmf.sum()
    q = rng.integers(-basis.RMAX, basis.RMAX + 1, (tiles, len(cls))) * (rng.random((tiles, len(cls))) < 0.5)
    cls = np.array(cls)
    data = entropy.encode(q, cls, pmf, activity_pmf, basis.RMAX)
    assert np.array_equal(entropy.decode(data, tiles, cls, pmf, activity_pmf, basis.RMAX), q)
    with pytest.raises(InrzipError):
        bad = data[:-4] if len(data) > 4 else data + b"\1\0\0\0"
        entropy.decode(bad, tiles, cls, pmf, activity_pmf, basis.RMAX)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 7), st.integers(0, 2**31))
def test_entropy_round_trip_with_activity_contexts(ny, nx, seed):
    rng = np.random.default_rng(seed)
    cls = rng.integers(0, 2 * basis.N_CLASSES, 20)
    pmf = rng.random((basis.N_ACTIVITY, 2 * basis.N_CLASSES, 2 * basis.RMAX + 1)) ** 8 + 1e-6
    pmf /= pmf.sum(axis=2, keepdims=True)
    activity_pmf = rng.random((basis.N_ACTIVITY + 1, basis.N_ACTIVITY + 1, basis.N_ACTIVITY)) ** 4 + 1e-3
    activity_pmf /= activity_pmf.sum(axis=2, keepdims=True)
    q = rng.integers(-3, 4, (ny * nx, cls.size)) * (rng.random((ny * nx, cls.size)) < rng.random((ny * nx, 1)))
    data = entropy.encode(q, cls, pmf, activity_pmf, basis.RMAX, (ny, nx))
    assert np.array_equal(entropy.decode(data, ny * nx, cls, pmf, activity_pmf, basis.RMAX, (ny, nx)), q)
    with pytest.raises(InrzipError):
        entropy.decode(data, ny * nx, cls, pmf, activity_pmf, basis.RMAX, (ny, nx + 1))
    with pytest.raises(InrzipError):
        bad = data[:-4] if len(data) > 4 else data + b"\1\0\0\0"
        entropy.decode(bad, ny * nx, cls, pmf, activity_pmf, basis.RMAX, (ny, nx))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 7), st.integers(0, 12), st.sampled_from([1, 100, 5000]), st.integers(0, 2**31))
def test_entropy_round_trip_with_adapting_models(ny, nx, n, weight, seed):
    rng = np.random.default_rng(seed)
    cls = rng.integers(0, 2 * basis.N_CLASSES, n)
    pmf = rng.random((basis.N_ACTIVITY, 2 * basis.N_CLASSES, 2 * basis.RMAX + 1)) ** 8 + 1e-6
    pmf /= pmf.sum(axis=2, keepdims=True)
    activity_pmf = rng.random((basis.N_ACTIVITY + 1, basis.N_ACTIVITY + 1, basis.N_ACTIVITY)) + 1e-3
    activity_pmf /= activity_pmf.sum(axis=2, keepdims=True)
    q = rng.integers(-300, 301, (ny * nx, n)) * (rng.random((ny * nx, n)) < rng.random((ny * nx, 1)))
    args = (cls, pmf, activity_pmf, basis.RMAX, (ny, nx))
    data = entropy.encode(q, *args, weight)
    assert np.array_equal(entropy.decode(data, ny * nx, *args, weight), q)
    with pytest.raises(InrzipError):
        entropy.decode(data, ny * nx, cls, pmf, activity_pmf, basis.RMAX, (ny, nx + 1), weight)
    with pytest.raises(InrzipError):
        bad = data[:-4] if len(data) > 4 else data + b"\1\0\0\0"
        entropy.decode(bad, ny * nx, *args, weight)


def test_adapting_models_learn_a_photo_unlike_the_prior():
    """Values far more often +-1 than the shipped models say: the adapting coder learns that as it goes and spends
    fewer bits than the fixed models, the more the less it trusts the prior."""
    rng = np.random.default_rng(0)
    ny, nx, n = 12, 16, 24
    cls = np.zeros(n, int)
    pmf = np.full((basis.N_ACTIVITY, basis.N_CLASSES, 2 * basis.RMAX + 1), 1e-4)
    pmf[:, :, basis.RMAX] = 1.0  # the prior: almost always 0
    pmf /= pmf.sum(axis=2, keepdims=True)
    activity_pmf = np.full(basis.N_ACTIVITY, 1 / basis.N_ACTIVITY)
    q = rng.choice([-1, 0, 1], (ny * nx, n), p=[0.3, 0.4, 0.3])
    sizes = {w: len(entropy.encode(q, cls, pmf, activity_pmf, basis.RMAX, (ny, nx), w)) for w in (0, 1000, 30)}
    assert sizes[30] < sizes[1000] < sizes[0]
    assert sizes[30] < 0.5 * sizes[0]


def test_adapting_models_are_the_shipped_ones_plus_the_counts():
    prior = np.array([[[0.5, 0.25, 0.25]], [[0.2, 0.6, 0.2]]])
    counts = entropy._Counts(prior.shape)
    b, k = np.array([0, 0, 0, 1, 0]), np.zeros(5, int)
    counts.add(b, k, np.array([0, 2, 0, 1, 1]))
    counts.add(b[-1:], k[-1:], np.array([1]), -1)  # uncounted again
    got = counts.adapted(prior * 10, 10, np.array([0, 1]), np.array([0, 0]))
    np.testing.assert_allclose(got, [[7 / 13, 2.5 / 13, 3.5 / 13], [2 / 11, 7 / 11, 2 / 11]])
    np.testing.assert_allclose(got.sum(axis=1), 1.0)


def test_activity_contexts_are_decoded_before_the_tiles_that_read_them():
    ny, nx = 4, 6
    seen = np.zeros(ny * nx, bool)
    for idx in entropy.diagonals(ny, nx):
        i, j = np.divmod(idx, nx)
        assert np.all(i + j == i[0] + j[0])
        assert np.all(seen[idx[i > 0] - nx]) and np.all(seen[idx[j > 0] - 1]) and not seen[idx].any()
        seen[idx] = True
    assert seen.all()
    activity = np.arange(ny * nx) % basis.N_ACTIVITY
    up, left = entropy.activity_contexts(activity, (ny, nx), np.arange(ny * nx))
    assert up[:nx].tolist() == [basis.NO_NEIGHBOUR] * nx and up[nx:].tolist() == activity[:-nx].tolist()
    assert left[::nx].tolist() == [basis.NO_NEIGHBOUR] * ny and left[1].item() == activity[0]


def test_chroma_classes_follow_the_luma_ones():
    lrms = np.array([[0, -8, -40], [0, -8, -40], [4, 4, 4]])
    shared = basis.column_classes(lrms, 40)
    split = basis.column_classes(lrms, 40, chroma_classes=True)
    assert np.array_equal(split[0], shared[0]) and np.array_equal(split[1:], shared[1:] + basis.N_CLASSES)
    assert split.max() < basis.n_classes(True) == 2 * basis.n_classes(False)
    with pytest.raises(ValueError, match="unknown init options"):
        basis.meta_array([40], chroma=True)


def test_meta_keeps_the_adapting_weight_and_refuses_bad_ones(tiny_basis, tmp_path):
    assert "adapt_weight" not in json.loads(str(basis.meta_array([40], table_mix=True)))
    assert json.loads(str(basis.meta_array([40], 100, table_mix=True)))["adapt_weight"] == 100
    with pytest.raises(ValueError, match="adapt_weight"):
        basis.meta_array([40], -1)
    with pytest.raises(ValueError, match="adapt_weight"):
        basis.meta_array([40], basis.MAX_ADAPT_WEIGHT + 1)
    source = inits.resolve(tiny_basis)
    with np.load(source) as z:
        arrays = dict(z)
    meta = json.loads(str(arrays["meta"]))
    for bad in (1.5, -3, "100", True):
        arrays["meta"] = np.array(json.dumps(meta | {"adapt_weight": bad}))
        np.savez(tmp_path / "bad.npz", **arrays)
        with pytest.raises(InrzipError, match="adapt_weight"):
            inits.load(str(tmp_path / "bad.npz"))


def test_tables_count_the_activity_of_each_tile_given_its_neighbours():
    """A grid whose buckets repeat their upper neighbour's: the counted model of a bucket given an upper neighbour
    of the same bucket is far above its model given another."""
    from inrzip.train.anil import tables

    ny, nx, n = 6, 5, 12
    rows = np.repeat(np.arange(nx)[None] % 3, ny, axis=0).reshape(-1)  # column j has 0, 1 or 2 non-zeros ... x3
    q = np.zeros((ny * nx, n), np.int32)
    for t, k in enumerate(rows):
        q[t, : (0, 3, 12)[k]] = 1
    lrms = np.zeros((3, 4), np.int32)
    pmf, activity_pmf, _ = tables(lambda s: q, lrms, (40,), predicted=4, chroma_classes=True, grids=[(ny, nx)])
    assert pmf.shape[2] == 2 * basis.N_CLASSES and activity_pmf.shape == (1, 8, 8, basis.N_ACTIVITY)
    assert np.allclose(activity_pmf.sum(axis=-1), 1)
    b = basis.activity(q[:1])[0]
    same = activity_pmf[0, b, basis.NO_NEIGHBOUR, b]
    assert same > 0.5 and activity_pmf[0, b, basis.NO_NEIGHBOUR, (b + 1) % basis.N_ACTIVITY] < 0.2
    with pytest.raises(ValueError, match="grids"):
        tables(lambda s: q, lrms, (40,), predicted=4, grids=[(ny, nx - 1)])


def test_activity_buckets():
    q = np.zeros((4, 100), int)
    for row, n in enumerate((0, 1, 7, 99)):
        q[row, :n] = 1
    assert basis.activity(q).tolist() == [0, 0, 2, 6]


@given(st.lists(st.floats(-50, 50), min_size=1, max_size=20), st.integers(1, 128))
def test_deadzone_quantiser_error_is_bounded(values, s):
    c = np.array(values)
    q = basis.deadzone_quantize(c, s, 0.7)
    step = basis.step(s)
    inside = np.abs(c) < basis.RMAX * step
    assert np.all(np.abs(c - q * step)[inside] <= 0.7 * step + 1e-9)
    assert np.all(np.abs(q) <= basis.RMAX)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_fit_matches_cpu_fit(tiny_basis):
    """The head fit on a GPU lands where the CPU's does; the file's integers then decode identically anywhere."""
    rgb = smooth_photo(48, 40, 9)
    lad = ladder_of(tiny_basis)
    gpu = basis_fit.fit_images([rgb], lad, 100, HEAD_LR, torch.device("cuda"))[0]
    cpu = basis_fit.fit_images([rgb], lad, 100, HEAD_LR, torch.device("cpu"))[0]
    assert np.abs(gpu - cpu).max() < 1e-3
    data = encoder.encode(rgb, quality=8, init=tiny_basis, device="cuda").data
    assert decoder.decode(data, device="cuda").shape == (48, 40, 3)


def stored_coefficients(lad: basis.BasisLadder, s: int, tiles: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random stored coefficients ``[tiles, n]`` at step index ``s``, spread as the init's, and their classes."""
    keep = basis.mask(lad, s)
    rng = np.random.default_rng(seed)
    coef = (rng.normal(size=(tiles, int(keep.sum()))) * lad.rms[keep] * 1.5).astype(np.float32)
    return coef, basis.classes(lad, s)


def test_rdo_quantiser_never_costs_more_than_the_dead_zone(tiny_basis):
    lad = ladder_of(tiny_basis)
    s = 40
    coef, cls = stored_coefficients(lad, s, 50, 0)
    q0 = basis.deadzone_quantize(coef, s, lad.deadzone)
    bits = -np.log2(basis.tables_for(lad, s)[0])[basis.activity(q0)[:, None], cls[None, :]]
    step = basis.step(s)

    def cost(q, lam):
        rate = np.take_along_axis(bits, (q + basis.RMAX)[..., None], axis=2)[..., 0]
        return (coef - q * step) ** 2 + lam * step * step * rate

    for lam in (0.0, 0.1, 1.0):
        q = basis.rdo_quantize(lad, coef, s, cls, lam)
        assert np.abs(q - q0).max() <= 1
        assert np.all(cost(q, lam) <= cost(q0, lam) * (1 + 1e-6) + 1e-9)
    assert np.count_nonzero(basis.rdo_quantize(lad, coef, s, cls, 1.0)) < np.count_nonzero(q0)  # rate pushes to 0


def test_border_emphasis_is_each_functions_weighted_norm(tiny_basis):
    lad = ladder_of(tiny_basis)
    np.testing.assert_allclose(basis.border_emphasis(lad, 1.0), 1.0, atol=1e-4)  # orthonormal functions
    e = basis.border_emphasis(lad, 8.0)
    t = lad.cfg.tile
    mean = (8 * (4 * t - 4) + (t * t - 4 * t + 4)) / (t * t)
    assert e.shape == (3, lad.k) and e.min() >= 1 / mean - 1e-4 and e.max() <= 8 / mean + 1e-4
    assert e.min() < 0.9 and e.max() > 1.1  # functions differ in how much of them lies on the tile's edge


def test_rdo_emphasis_weighs_each_columns_error(tiny_basis):
    lad = ladder_of(tiny_basis)
    s = 40
    coef, cls = stored_coefficients(lad, s, 60, 1)
    plain = basis.rdo_quantize(lad, coef, s, cls, 1.0)
    np.testing.assert_array_equal(basis.rdo_quantize(lad, coef, s, cls, 1.0, np.ones(coef.shape[1])), plain)
    heavy = np.ones(coef.shape[1])
    heavy[::2] = 1e6  # error on the even columns outweighs any rate: each is the candidate nearest its value
    q = basis.rdo_quantize(lad, coef, s, cls, 1.0, heavy)
    q0 = basis.deadzone_quantize(coef, s, lad.deadzone)
    cands = np.stack([q0, q0 + np.where(coef >= 0, 1, -1), np.where(q0 != 0, q0 - np.sign(q0), 0)])
    nearest = np.take_along_axis(cands, np.abs(coef - cands * basis.step(s)).argmin(axis=0)[None], 0)[0]
    np.testing.assert_array_equal(q[:, ::2], nearest[:, ::2])
    assert not np.array_equal(plain[:, ::2], nearest[:, ::2])  # without it, rate moved some of them
    np.testing.assert_array_equal(q[:, 1::2], plain[:, 1::2])


def test_mixed_tables_are_each_octave_at_its_centre_and_linear_between(tiny_basis):
    lad = ladder_of(tiny_basis)
    groups = lad.pmf.shape[0]
    assert groups >= 2 and not lad.table_mix
    mix = replace(lad, table_mix=True)
    first_centre = lad.group_first * basis.PER_OCTAVE + basis.PER_OCTAVE // 2 - 1
    for g in range(groups):
        centre = first_centre + g * basis.PER_OCTAVE
        assert basis.mix_weights(centre, lad.group_first, groups)[2] == 0.0
        np.testing.assert_array_equal(basis.tables_for(mix, centre)[0], lad.pmf[g])
        np.testing.assert_array_equal(basis.tables_for(mix, centre)[1], lad.activity_pmf[g])
    half = first_centre + basis.PER_OCTAVE // 2
    assert basis.mix_weights(half, lad.group_first, groups) == (0, 1, 0.5)
    np.testing.assert_allclose(basis.tables_for(mix, half)[0], (lad.pmf[0] + lad.pmf[1]) / 2)
    # outside the outer centres: the end groups alone, as the per-octave tables
    assert basis.mix_weights(basis.S_RANGE[0], lad.group_first, groups) == (0, 1, 0.0)
    assert basis.mix_weights(basis.S_RANGE[1], lad.group_first, groups) == (groups - 1, groups - 1, 0.0)
    for s in range(*basis.S_RANGE):
        pmf, activity_pmf = basis.tables_for(mix, s)
        assert np.allclose(pmf.sum(axis=-1), 1) and np.isclose(activity_pmf.sum(), 1)
    # an octave's edge sits between two centres: both tables weigh in
    edge = (lad.group_first + 1) * basis.PER_OCTAVE
    g0, g1, w = basis.mix_weights(edge, lad.group_first, groups)
    assert (g0, g1) == (0, 1) and 0 < w < 1
    np.testing.assert_array_equal(basis.tables_for(lad, edge)[0], lad.pmf[1])  # unmixed: the octave's own


@given(st.lists(st.integers(0, 3), min_size=1, max_size=40), st.integers(1, 4))
@settings(max_examples=50, deadline=None)
def test_same_rows_groups_equal_rows_in_order(labels, width):
    rows = np.repeat(np.array(labels, np.float32)[:, None], width, axis=1)
    groups = basis.same_rows(rows)
    assert sorted(np.concatenate(groups).tolist()) == list(range(len(labels)))
    assert [labels[g[0]] for g in groups] == list(dict.fromkeys(labels))  # first appearance order
    for g in groups:
        assert (np.diff(g) > 0).all() and len({labels[i] for i in g}) == 1


def test_render_evaluates_each_coordinate_pattern_once(tiny_basis, monkeypatch):
    """A render whose tiles share local coordinates runs the body once per distinct pattern, not per tile."""
    lad = ladder_of(tiny_basis)
    coef = np.random.default_rng(0).standard_normal((6, 3, lad.k)).astype(np.float32)
    grid = siren.tile_grid(lad.cfg.tile).numpy()
    coords = np.stack([grid] * 4 + [grid * 0.5] * 2)
    calls = []
    original = basis.features
    monkeypatch.setattr(basis, "features", lambda *a: calls.append(1) or original(*a))
    out = basis.evaluate(lad, coef, coords)
    assert len(calls) == 2
    one = basis.evaluate(lad, coef[4:5], coords[4:5])
    np.testing.assert_allclose(out[4:5], one, atol=1e-5)
