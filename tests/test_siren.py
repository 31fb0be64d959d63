import torch

from inrzip.codecs.siren import fit
from inrzip.nets import torch_siren as siren
from inrzip.nets.arch import SirenConfig


def test_shapes_and_counts():
    cfg = SirenConfig(width=16, depth=2, tile=8)
    theta, bias = siren.init_params(cfg)
    assert theta.shape == (cfg.n_weights,) and bias.shape == (cfg.n_biases,)
    assert cfg.n_weights == 2 * 16 + 2 * 16 * 16 + 16 * 3
    out = siren.forward(cfg, theta.expand(5, -1), bias, siren.tile_grid(8))
    assert out.shape == (5, 64, 3)


def test_tile_grid_is_linspace_with_endpoints():
    g = siren.tile_grid(5)
    assert g.shape == (25, 2)
    assert g[0].tolist() == [-1.0, -1.0] and g[-1].tolist() == [1.0, 1.0]
    assert g[1].tolist() == [-0.5, -1.0]  # x varies fastest


def test_pruned_weights_stay_exactly_zero_through_the_fit():
    cfg = SirenConfig(width=8, depth=1, tile=8, w0=10.0)
    g = torch.Generator().manual_seed(0)
    theta, bias = siren.init_params(cfg, g)
    mask = torch.rand(cfg.n_weights, generator=g) < 0.3
    target = torch.rand(4, 64, 3, generator=g)
    values = fit.fit(cfg, theta * mask, bias, mask, siren.tile_grid(8), target, steps=30, lr=1e-2)
    index = mask.nonzero().squeeze(1)
    weights, _ = siren.tile_params(cfg, values, bias, index)
    assert values.shape == (4, int(mask.sum()) + 3)
    assert bool((weights[:, ~mask] == 0).all())
    assert not torch.equal(values[:, :-3], (theta[index]).expand(4, -1))  # the survivors did move


def test_fit_lowers_loss_and_is_batch_independent():
    cfg = SirenConfig(width=8, depth=1, tile=8, w0=10.0)
    g = torch.Generator().manual_seed(0)
    theta, bias = siren.init_params(cfg, g)
    mask = torch.ones(cfg.n_weights, dtype=torch.bool)
    target = torch.rand(6, 64, 3, generator=g)
    c = siren.tile_grid(8)
    start = fit.evaluate(
        cfg, siren.initial_values(cfg, theta, mask.nonzero().squeeze(1)).expand(6, -1), bias, mask, c, target
    )
    together = fit.fit(cfg, theta, bias, mask, c, target, steps=40, lr=1e-2)
    apart = torch.cat([fit.fit(cfg, theta, bias, mask, c, target[i : i + 3], steps=40, lr=1e-2) for i in (0, 3)])
    assert bool((fit.evaluate(cfg, together, bias, mask, c, target) < start).all())
    torch.testing.assert_close(together, apart, rtol=1e-4, atol=1e-6)
