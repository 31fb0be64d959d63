"""Meta-training the shared body: the upscaling prior's grids and pairs line up with the decoder's render plan."""

import numpy as np
import torch

from inrzip import tiles
from inrzip.train import anil


def test_fine_grid_matches_the_decoders_upscaled_render_plan():
    for factor in (2, 3, 4):
        coords, index = anil.fine_grid(16, factor)
        side = 16 * factor
        plan = tiles.blend_plan(16, side, 16)  # one tile: the render's local coordinate of each output pixel
        inside = np.abs(plan.local[0, : plan.count[0]]) < 1  # pixels strictly inside the sample span
        xs = plan.local[0][: plan.count[0]]
        assert coords[:, 0].abs().max() <= 1 and len(index) == len(coords)
        cols = index % side
        np.testing.assert_allclose(coords[:, 0].numpy(), xs[cols], atol=1e-6)  # same coordinate for the same pixel
        assert inside.sum() <= int(np.sqrt(len(coords))) <= inside.sum() + 2


def test_upscale_pairs_and_loss(photo_dir):
    coarse, fine, coords = anil.upscale_pairs(str(photo_dir), 8, 2, 12, seed=0)
    assert coarse.shape == (12, 64, 3) and fine.shape == (12, len(coords), 3)
    assert 0 <= float(coarse.min()) and float(coarse.max()) <= 1
    # a smooth crop's downscale and fine pixels agree on the mean colour
    torch.testing.assert_close(coarse.mean(dim=1), fine.mean(dim=1), atol=0.05, rtol=0)
    feat = torch.cat([torch.ones(64, 1), torch.randn(64, 20)], dim=1)
    fine_feat = torch.cat([torch.ones(len(coords), 1), torch.randn(len(coords), 20)], dim=1)
    assert float(anil.upscale_loss(feat, fine_feat, coarse, fine)) > 0


def test_train_with_the_upscaling_prior_records_it(photo_dir, tmp_path):
    import json

    from inrzip.nets.arch import SirenConfig

    torch.set_num_threads(1)
    out = anil.train(
        str(photo_dir),
        tmp_path / "sr.npz",
        SirenConfig(width=16, depth=1, w0=10.0, tile=8),
        steps=5,
        batch=32,
        n_tiles=500,
        log=lambda m: None,
        upscale=(2,),
        upscale_tiles=50,
    )
    entry = json.loads((tmp_path / "manifest.json").read_text())["sr.npz"]
    assert out.exists() and entry["settings"]["upscale"] == [2]


def test_tables_give_unseen_classes_the_nearest_seen_model():
    """A class no training coefficient fell in (a step index outside the trained octaves meets them) gets the
    model of the nearest class seen, not the flat floor that would cost ~10 bits per zero."""
    from inrzip.codecs.basis import model as basis

    rng = np.random.default_rng(0)
    lrms = np.full((3, 4), -16, np.int32)  # class 15-16 at the trained step indices
    q = rng.laplace(0, 0.3, (500, 12)).round().astype(np.int32)
    pmf, _, first = anil.tables(lambda s: q, lrms, (32, 40), predicted=4)
    assert first == 2 and pmf.shape[0] == 1
    seen = {int(k) for s in range(32, 48, 2) for k in np.unique(basis.class_of(lrms, s))}
    bucket = int(np.bincount(basis.activity(q)).argmax())
    low = min(seen)
    np.testing.assert_array_equal(pmf[0, bucket, 0], pmf[0, bucket, low])
    zero = -np.log2(pmf[0, bucket, 3, basis.RMAX])
    assert zero < 1.0  # a zero is cheap even in a class never counted
