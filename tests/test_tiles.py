import numpy as np
import pytest

from inrzip import tiles
from inrzip.nets import torch_siren as siren


def test_extract_covers_image_and_marks_padding():
    rgb = np.random.default_rng(0).integers(0, 256, (13, 21, 3), dtype=np.uint8)
    ny, nx = tiles.grid_shape(13, 21, 8)
    t, w = tiles.extract(rgb, 8, 0, ny * nx)
    assert t.shape == (ny * nx, 64, 3) and w.shape == (ny * nx, 64, 1)
    img = t.reshape(ny, nx, 8, 8, 3).transpose(0, 2, 1, 3, 4).reshape(ny * 8, nx * 8, 3)
    np.testing.assert_allclose(img[:13, :21], rgb / 255.0, atol=1e-6)
    assert float(w.sum()) == 13 * 21
    # chunked extraction gives the same tiles
    part, _ = tiles.extract(rgb, 8, 3, 5)
    assert np.array_equal(part, t[3:5])


def test_native_plan_reproduces_training_grid():
    p = tiles.axis_plan(20, 20, 8)
    assert p.count.tolist() == [8, 8, 4]
    np.testing.assert_allclose(p.local[0], siren.tile_grid(8)[:8, 0].numpy(), atol=1e-6)


def test_plan_any_size_assigns_every_output_pixel_once():
    for n_in, n_out in [(20, 7), (20, 53), (768, 1536), (5, 1)]:
        py, px = tiles.axis_plan(n_in, n_out, 8), tiles.axis_plan(n_in + 3, n_out + 2, 8)
        assert py.count.sum() == n_out
        idx = np.arange(len(py.start) * len(px.start))
        _, valid, flat = tiles.render_batch(py, px, idx)
        hit = np.sort(flat[valid])
        assert np.array_equal(hit, np.arange(n_out * (n_out + 2)))
        assert np.abs(py.local).max() <= 1 + 2 / 7 + 1e-6


def test_tile_border_pixels_are_each_tiles_first_and_last():
    mask = tiles.border_mask(20, 3, 8)
    assert mask.shape == (20, 3) and mask[:, 0].all()
    assert mask[:, 1].nonzero()[0].tolist() == [0, 7, 8, 15, 16]
    assert tiles.border_mask(3, 2, 1).all() and not tiles.border_mask(0, 5, 16).size


def test_border_weights_favour_each_tiles_edge_pixels():
    w = tiles.border_weights(40, 40, 16, 4.0)
    assert w.shape == (40, 40) and abs(float(w.mean()) - 1) < 1e-6
    edge = np.isin(np.arange(40) % 16, (0, 15))
    assert np.allclose(w[edge][:, ~edge] / w[~edge][:, ~edge].mean(), 4) and np.allclose(w[edge][:, edge], w.max())
    assert np.allclose(w[np.ix_(~edge, ~edge)], w.min()) and w.max() / w.min() == pytest.approx(4)
    assert np.allclose(tiles.border_weights(32, 32, 16, 1.0), 1)
