"""Lapping: the pre- and post-filter across tile borders, and a lapped basis init end to end."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import edgy_photo, smooth_photo
from inrzip import decoder, encoder, inits, lapping
from inrzip.codecs.basis import model as basis
from inrzip.errors import InrzipError
from inrzip.metrics import psnr_uint8
from inrzip.tools.bench import seam_psnr
from inrzip.train import lapped


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(1, 70),
    w=st.integers(1, 70),
    tile=st.sampled_from([4, 8, 16]),
    scales=st.lists(st.floats(0.2, 5.0), min_size=1, max_size=2),
    seed=st.integers(0, 2**16),
)
def test_the_post_filter_inverts_the_pre_filter(h, w, tile, scales, seed):
    x = np.random.default_rng(seed).uniform(0, 255, (h, w, 3)).astype(np.float32)
    s = np.array(scales, np.float32)
    y = lapping.forward(x, s, tile)
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_allclose(lapping.inverse(y.copy(), s, tile), x, atol=2e-3)


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(1, 70),
    w=st.integers(1, 40),
    scales=st.lists(st.floats(0.2, 5.0), min_size=1, max_size=4),
    y0=st.integers(0, 70),
    rows=st.integers(0, 70),
    seed=st.integers(0, 2**16),
)
def test_the_encoders_bands_are_the_pre_filtered_photo(h, w, scales, y0, rows, seed):
    """The fit reads the pre-filtered photo a band of rows at a time: the same float32 values, never a whole copy."""
    rgb = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    s = np.array(scales, np.float32)
    whole = lapping.forward(rgb, s, 8)
    bands = lapping.Prefiltered(rgb, s, 8)
    assert bands.shape == rgb.shape
    np.testing.assert_array_equal(bands[y0 : y0 + rows], whole[y0 : y0 + rows])
    np.testing.assert_array_equal(bands[:], whole)


def test_only_the_pixels_beside_a_lapped_border_change():
    x = np.random.default_rng(1).uniform(0, 1, (37, 50, 1)).astype(np.float32)
    y = lapping.forward(x, np.array([1.5, 1.2], np.float32), 16)
    changed = np.abs(y - x)[..., 0] > 1e-6
    near = np.zeros_like(changed)
    for b in (16, 32):  # 48 has two pixels on its right in x (50 columns): lapped; none past 32 in y (37 rows)
        near[b - 2 : b + 2, :] = True
    near[:, [14, 15, 16, 17, 30, 31, 32, 33, 46, 47, 48, 49]] = True
    assert changed.any() and not (changed & ~near).any()
    np.testing.assert_array_equal(lapping.borders(37, 16, 2), [16, 32])
    np.testing.assert_array_equal(lapping.borders(50, 16, 2), [16, 32, 48])
    np.testing.assert_array_equal(lapping.borders(49, 16, 2), [16, 32])  # one pixel past 48: not lapped


def test_a_step_at_a_border_is_shrunk_and_shared():
    """What the post-filter does to the quantiser's error: a step of 1 between two tiles becomes 1 / s."""
    err = np.zeros((16, 32, 1), np.float32)
    err[:, :16] = 1.0
    out = lapping.inverse(err.copy(), np.array([2.0], np.float32), 16)
    np.testing.assert_allclose(out[0, 15:17, 0], [0.75, 0.25])
    np.testing.assert_allclose(out[:, :15], 1.0)
    np.testing.assert_allclose(out[:, 17:], 0.0)


def test_resampled_correction_at_the_source_size_is_the_post_filter():
    x = np.random.default_rng(2).uniform(0, 1, (24, 40, 3)).astype(np.float32)
    s = np.array([1.3], np.float32)
    fix = lapping.Resampled(x, s, 8, 40, 24)
    np.testing.assert_allclose(x + fix.rows(0, 24), lapping.inverse(x.copy(), s, 8), atol=1e-6)
    up = lapping.Resampled(x, s, 8, 80, 48).rows(10, 20)
    assert up.shape == (10, 80, 3) and np.abs(up).max() <= np.abs(fix.correction).max() + 1e-6


@pytest.mark.parametrize("scales", [[0.0], [1.0] * 5, [9.0], [[1.2]]])
def test_bad_scales_are_refused(scales):
    with pytest.raises(ValueError, match="lap_scales"):
        lapping.check(np.array(scales, np.float32), 8)


@pytest.fixture()
def lapped_init(tiny_basis, tmp_path):
    def make(scales: list[float]) -> str:
        name = "lap" + "-".join(f"{s:g}" for s in scales)
        return str(lapped.write(tiny_basis, tmp_path / "w" / f"{name}.npz", scales, log=lambda m: None))

    return make


def test_scales_of_one_are_the_source_init(tiny_basis, lapped_init):
    rgb = smooth_photo(30, 41, 4)
    path = lapped_init([1.0])
    assert inits.load(path).lap_scales.tolist() == [1.0]
    plain = encoder.encode(rgb, quality=3, init=tiny_basis)
    same = encoder.encode(rgb, quality=3, init=path)
    assert len(same.data) == len(plain.data)
    assert np.abs(decoder.decode(same.data, init=path).astype(int) - decoder.decode(plain.data).astype(int)).max() <= 1


def test_a_lapped_init_round_trips_at_every_size_with_less_grid(tiny_basis, lapped_init, tmp_path, monkeypatch):
    """Both encoded alike (plain least squares: lapped inits' tuning), the lapped tiles show less grid."""
    monkeypatch.setattr(basis, "UNLAPPED", basis.LAPPED)
    path = lapped_init([1.5])
    init = inits.load(path)
    np.testing.assert_array_equal(init.lap_scales, [1.5])
    entry = json.loads((tmp_path / "w" / "manifest.json").read_text())["lap1.5.npz"]
    assert entry["id"] == init.id and "inrzip.train.lapped" in entry["command"]
    gaps = {}
    for name, at in (("plain", tiny_basis), ("lapped", path)):
        rgb = edgy_photo(64, 72, 3)
        enc = encoder.encode(rgb, quality=2, init=at)
        out = decoder.decode(enc.data, init=at, restore=False)
        assert enc.psnr == pytest.approx(psnr_uint8(rgb, decoder.decode(enc.data, init=at)))
        border, interior = seam_psnr(rgb, out, 8)
        gaps[name] = interior - border
        for size in ("144x128", "36x32", "100x40"):
            w, h = (int(v) for v in size.split("x"))
            other = decoder.decode(enc.data, size=size, init=at)
            assert other.shape == (h, w, 3)
    assert gaps["lapped"] < gaps["plain"] - 0.1, gaps


def test_an_upscaled_lapped_render_has_the_post_filter_too(lapped_init):
    """Above the source size the post-filter's correction is resampled: the 2x render, pooled back to 1x, is the
    1x render at the tile borders too (without the correction, the pre-filtered borders show: 31.7 dB here)."""
    path = lapped_init([3.0])
    enc = encoder.encode(edgy_photo(32, 48, 1), quality=12, init=path)
    one = decoder.decode(enc.data, init=path, restore=False)
    two = decoder.decode(enc.data, size="96x64", init=path, restore=False)
    pooled = np.rint(two.reshape(32, 2, 48, 2, 3).mean(axis=(1, 3))).astype(np.uint8)
    border, interior = seam_psnr(one, pooled, 8)
    assert border > 37 and interior > 37, (border, interior)


def test_the_tool_refuses_what_it_cannot_write(tiny_basis, tiny_init, tmp_path, capsys):
    out = tmp_path / "x.npz"
    for argv in ([tiny_basis, str(out), "--scales", "1,2,3,4,5"], [tiny_basis, str(out), "--scales", "a"],
                 [tiny_init, str(out), "--scales", "1.3"]):  # fmt: skip
        with pytest.raises(SystemExit):
            lapped.main(argv)
        assert not out.exists()
    lapped.main([tiny_basis, str(out), "--scales", "1.3"])
    with pytest.raises(SystemExit):
        lapped.main([tiny_basis, str(out), "--scales", "1.3"])  # never overwrites
    with pytest.raises(InrzipError):
        inits.load(str(_bent(out, tmp_path)))


def _bent(path, tmp_path):
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["lap_scales"] = np.array([20.0], np.float32)
    np.savez(tmp_path / "bent.npz", **arrays)
    return tmp_path / "bent.npz"


def test_a_lapped_upscale_renders_the_networks_once_at_the_source_size(lapped_init, tmp_path, monkeypatch):
    """The resampled lapping correction and the upscaler's restored source decode share one source-size render."""
    from inrzip import upscaler
    from inrzip.nets.numpy_cnn import Net
    from inrzip.train import upscaler as trainer

    path = lapped_init([1.5])
    init = inits.load(path)
    reads_source = Net(*trainer.export(trainer.network(4, 1, 6)))  # the render's RGB and the source decode's
    (tmp_path / "w" / "upscalers").mkdir(exist_ok=True)
    upscaler.save(tmp_path / "w" / "upscalers" / f"{init.name}.npz", init.id, {2: reads_source})
    monkeypatch.setenv("INRZIP_WEIGHTS", str(tmp_path / "w"))
    assert upscaler.needs_source(upscaler.for_render(init.name, init.id, (48, 32), (96, 64)))
    enc = encoder.encode(edgy_photo(32, 48, 2), quality=8, init=path)
    sizes, render_grid = [], decoder._render_grid

    def counted(job, *args):
        sizes.append((job.render_w, job.render_h))
        return render_grid(job, *args)

    monkeypatch.setattr(decoder, "_render_grid", counted)
    out = decoder.decode(enc.data, size="96x64", init=path)
    assert out.shape == (64, 96, 3) and sizes.count((48, 32)) == 1
