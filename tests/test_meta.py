import numpy as np
import pytest
import torch

from inrzip import inits
from inrzip.codecs.siren import fit
from inrzip.nets import torch_siren as siren
from inrzip.nets.arch import SirenConfig
from inrzip.train import masks, meta
from inrzip.train.meta import MetaConfig


def _post_adaptation_loss(cfg, theta, bias, mask, coords, target, mc):
    return float(meta.post_adaptation_loss(cfg, theta, bias, mask, coords, target, mc).detach())


@pytest.mark.parametrize(
    "second_order,inner_opt,learner",
    [(True, "sgd", "maml"), (False, "sgd", "maml"), (False, "adam", "maml"), (False, "sgd", "reptile")],
)
def test_one_outer_step_lowers_post_adaptation_loss(second_order, inner_opt, learner):
    cfg = SirenConfig(width=8, depth=1, tile=8, w0=10.0)
    g = torch.Generator().manual_seed(0)
    theta, bias = siren.init_params(cfg, g)
    theta.requires_grad_(True)
    bias.requires_grad_(True)
    mask = masks.prune(theta.detach(), torch.ones(cfg.n_weights, dtype=torch.bool))
    coords = siren.tile_grid(8)
    target = 0.5 + 0.3 * torch.rand(4, 64, 3, generator=g)  # toy task set
    mc = MetaConfig(inner_steps=2, inner_lr=1e-2, second_order=second_order, inner_opt=inner_opt, meta_learner=learner)
    before = _post_adaptation_loss(cfg, theta, bias, mask, coords, target, mc)
    objective = meta.MetaObjective(cfg, theta.detach().clone(), bias.detach().clone(), mc)
    opt = torch.optim.Adam(objective.parameters(), lr=1e-3)
    meta.outer_step(objective, mask, coords, target, opt)
    theta, bias = objective.theta, objective.bias
    after = _post_adaptation_loss(cfg, theta, bias, mask, coords, target, mc)
    assert after < before


def test_second_order_gradient_differs_from_first_order():
    cfg = SirenConfig(width=8, depth=1, tile=8, w0=10.0)
    theta, bias = siren.init_params(cfg, torch.Generator().manual_seed(0))
    mask = torch.ones(cfg.n_weights, dtype=torch.bool)
    target = torch.rand(3, 64, 3, generator=torch.Generator().manual_seed(1))
    grads = []
    for so in (False, True):
        th = theta.clone().requires_grad_(True)
        index = masks.mask_index(mask)
        a = meta.adapt(cfg, siren.initial_values(cfg, th, index), bias, index, siren.tile_grid(8), target, 2, 0.1, so)
        fit.tile_losses(cfg, a, bias, index, siren.tile_grid(8), target).mean().backward()
        grads.append(th.grad)
    assert not torch.allclose(grads[0], grads[1])


def test_ladder_file_levels_and_manifest(tiny_ladder):
    import json

    ladder = inits.load(str(tiny_ladder))
    counts = [lv.n_weights for lv in ladder.levels]
    assert counts == sorted(counts) and len(counts) == 4  # dense + 3 rounds, quality 1 = sparsest
    assert counts[::-1] == masks.ladder_counts(ladder.cfg.n_weights, 3)
    for lv in ladder.levels:
        assert bool((lv.theta[~lv.mask] == 0).all())
    entry = json.loads((tiny_ladder.parent / "manifest.json").read_text())[tiny_ladder.name]
    assert entry["id"] == ladder.id and len(entry["levels"]) == 4
    assert all("val_psnr_100_steps" in lv for lv in entry["levels"])


def test_interrupted_training_resumes_to_the_same_result(photo_dir, tmp_path, monkeypatch):
    cfg = SirenConfig(width=8, depth=1, w0=10.0, tile=8)
    mc = MetaConfig(
        outer_steps=12,
        round_steps=6,
        rounds=2,
        meta_batch=4,
        inner_steps=1,
        val_tiles=4,
        test_steps=3,
        ckpt_every=4,
        inner_opt="adam",
        inner_lr=1e-2,
        outer_lr=1e-2,
    )
    torch.set_num_threads(1)
    ref = (
        meta.train_ladder(cfg, mc, str(photo_dir), str(photo_dir), tmp_path / "a" / "ref", log=lambda m: None)
        if (tmp_path / "a").mkdir() is None
        else None
    )
    real_step, calls = meta.outer_step, {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 15:  # dies during the first pruning round, after a checkpoint
            raise KeyboardInterrupt
        return real_step(*args, **kwargs)

    (tmp_path / "b").mkdir()
    monkeypatch.setattr(meta, "outer_step", flaky)
    with pytest.raises(KeyboardInterrupt):
        meta.train_ladder(cfg, mc, str(photo_dir), str(photo_dir), tmp_path / "b" / "run", log=lambda m: None)
    assert (tmp_path / "b" / "run.ckpt").exists()
    monkeypatch.setattr(meta, "outer_step", real_step)
    messages = []
    out = meta.train_ladder(cfg, mc, str(photo_dir), str(photo_dir), tmp_path / "b" / "run", log=messages.append)
    assert any("resumed" in m for m in messages)
    a, b = inits.load(str(ref)), inits.load(str(out))
    for la, lb in zip(a.levels, b.levels, strict=True):
        assert np.array_equal(la.mask, lb.mask)
        np.testing.assert_allclose(la.theta, lb.theta, rtol=1e-5, atol=1e-7)
    assert not (tmp_path / "b" / "run.ckpt").exists()


def test_reptile_gradient_points_from_the_adapted_values_to_the_init():
    cfg = SirenConfig(width=8, depth=1, tile=8, w0=10.0)
    theta, bias = siren.init_params(cfg, torch.Generator().manual_seed(3))
    theta.requires_grad_(True)
    bias.requires_grad_(True)
    mask = torch.ones(cfg.n_weights, dtype=torch.bool)
    coords = siren.tile_grid(8)
    target = torch.rand(5, 64, 3, generator=torch.Generator().manual_seed(4))
    mc = MetaConfig(inner_steps=3, inner_lr=1e-2, inner_opt="sgd", meta_learner="reptile")
    loss = meta.post_adaptation_loss(cfg, theta, bias, mask, coords, target, mc)
    loss.backward()
    index = masks.mask_index(mask)
    values0 = siren.initial_values(cfg, theta.detach(), index).requires_grad_(True)
    each = meta.adapt(cfg, values0, bias.detach(), index, coords, target, 3, 1e-2, False, "sgd").detach()
    adapted = each.mean(dim=0)
    k = index.numel()
    torch.testing.assert_close(theta.grad[index], values0.detach()[:k] - adapted[:k])
    torch.testing.assert_close(bias.grad[-3:], -adapted[k:])
    assert bias.grad[:-3].abs().max() == 0
    mse = fit.tile_losses(cfg, each, bias.detach(), index, coords, target).mean()
    assert float(loss.detach()) == pytest.approx(float(mse), rel=1e-5)  # the value logged is the post-adaptation MSE
