"""The written-out Adam is torch.optim.Adam, bit for bit (files must not change with it)."""

import torch

from inrzip.nets.optim import adam


def test_adam_matches_torch_bit_for_bit():
    g = torch.Generator().manual_seed(0)
    target = torch.randn(7, 13, generator=g)
    start = torch.randn(7, 13, generator=g)
    mine = start.clone().requires_grad_(True)
    adam([mine], lambda _: ((mine.sin() - target) ** 2).sum(dim=1), 50, 0.05)
    ref = start.clone().requires_grad_(True)
    opt = torch.optim.Adam([ref], lr=0.05)
    for _ in range(50):
        opt.zero_grad(set_to_none=True)
        ((ref.sin() - target) ** 2).sum(dim=1).sum().backward()
        opt.step()
    assert torch.equal(mine.detach(), ref.detach())
    assert not torch.equal(mine.detach(), start)
