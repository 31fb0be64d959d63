import torch

from inrzip.nets.arch import SirenConfig
from inrzip.train import masks


def test_paper_weight_counts():
    cfg = SirenConfig(width=256, depth=3)
    assert cfg.n_weights == 197_888 == 3 * 256**2 + 5 * 256
    assert masks.ladder_counts(cfg.n_weights, 2) == [197_888, 158_311, 126_649]
    assert masks.ladder_counts(cfg.n_weights, 15)[-1] == 6_964


def test_prune_removes_floor_gamma_of_survivors_globally():
    theta = torch.randn(197_888, generator=torch.Generator().manual_seed(0))
    mask = torch.ones_like(theta, dtype=torch.bool)
    m1 = masks.prune(theta, mask)
    m2 = masks.prune(theta, m1)
    assert int(m1.sum()) == 158_311 and int(m2.sum()) == 126_649
    assert bool((m2 <= m1).all())  # only ever removes
    # one global threshold: every kept weight is at least as large as every dropped one
    assert theta[m1].abs().min() >= theta[~m1].abs().max()


def test_global_ranking_can_empty_a_small_layer_first():
    theta = torch.cat([torch.full((10,), 0.01), torch.linspace(1, 2, 90)])
    m = masks.prune(theta, torch.ones(100, dtype=torch.bool))
    assert not m[:20].any() and m[20:].all()  # 20 dropped: the whole small layer, then the 10 next smallest


def test_random_scores_differ_from_magnitude():
    g = torch.Generator().manual_seed(1)
    theta = torch.randn(1000, generator=g)
    mask = torch.ones(1000, dtype=torch.bool)
    rnd = masks.prune(theta, mask, scores=masks.random_scores(1000, g))
    mag = masks.prune(theta, mask)
    assert int(rnd.sum()) == int(mag.sum()) == 800
    assert not torch.equal(rnd, mag)


def test_useful_keeps_only_connected_paths():
    shapes = [(2, 3), (3, 2)]
    first = torch.tensor([[1, 0, 0], [0, 1, 0]], dtype=torch.bool)  # units 0, 1 fed; unit 2 not
    second = torch.tensor([[1, 0], [0, 0], [0, 1]], dtype=torch.bool)  # unit 0 and unit 2 drain
    mask = torch.cat([first.reshape(-1), second.reshape(-1)])
    u = masks.useful(mask, shapes)
    keep_first, keep_second = u[:6].view(2, 3), u[6:].view(3, 2)
    assert keep_first.tolist() == [[True, False, False], [False, False, False]]  # unit 1 never drains
    assert keep_second.tolist() == [[True, False], [False, False], [False, False]]  # unit 2 never fed
    assert bool((u <= mask).all())


def test_layerwise_pruning_takes_gamma_of_every_layer():
    theta = torch.cat([torch.full((10,), 0.01), torch.linspace(1, 2, 90)])  # the case global ranking empties
    m = masks.prune_layerwise(theta, torch.ones(100, dtype=torch.bool), [10, 90])
    assert int(m[:10].sum()) == 8 and int(m[10:].sum()) == 72  # floor(0.2 n) from each layer
    assert theta[10:][m[10:]].min() >= theta[10:][~m[10:]].max()  # by magnitude within the layer
