"""The paper's Fourier-feature network (FFN, Tancik et al. 2020), for its appendix-B experiments only.

A fixed Gaussian map ``x -> [sin 2pi xB, cos 2pi xB]`` (B: 2 x ``fourier``, std ``sigma``, drawn
from a fixed seed, never pruned) feeds ReLU layers. It reuses the SIREN's flat parameter layout,
so meta-learning, masks and the test-time fit run on it unchanged: :mod:`inrzip.nets.torch_siren`
hands the walk and the initialisation to a config that brings its own. No codec decodes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from ..nets.arch import SirenConfig


@dataclass(frozen=True)
class FFNConfig(SirenConfig):
    """An FFN of the SIREN's shape: 2 -> [fourier features] -> width (ReLU) -> ... -> 3."""

    fourier: int = 32  # Fourier features
    sigma: float = 10.0  # std of B, coordinates in [-1, 1]

    def layer_shapes(self) -> list[tuple[int, int]]:
        dims = [2 * self.fourier] + [self.width] * (self.depth + 1) + [self.out_features]
        return list(zip(dims[:-1], dims[1:], strict=True))

    @classmethod
    def from_dict(cls, fields: dict) -> FFNConfig:
        return cls(**fields)

    def fourier_matrix(self) -> Tensor:
        """The fixed map ``2 pi B`` ``[2, fourier]``: drawn from a fixed seed, so it is part of the architecture."""
        g = torch.Generator().manual_seed(20_211_014)
        return 2 * math.pi * self.sigma * torch.randn(self.in_features, self.fourier, generator=g)

    def torch_init(self, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """PyTorch's nn.Linear default, U(+-1/sqrt(fan_in)), for weights and biases."""
        ws, bs = [], []
        for fan_in, fan_out in self.layer_shapes():
            bound = 1.0 / math.sqrt(fan_in)
            ws.append((torch.rand(fan_in * fan_out, generator=generator) * 2 - 1) * bound)
            bs.append((torch.rand(fan_out, generator=generator) * 2 - 1) * bound)
        return torch.cat(ws), torch.cat(bs)

    def torch_forward(self, layers: list[tuple[Tensor, Tensor]], h: Tensor) -> Tensor:
        """Fourier features, ReLU layers, a linear last layer: ``h [B, N, 2]`` -> ``[B, N, 3]``."""
        proj = h @ self.fourier_matrix().to(h)
        h = torch.cat([proj.sin(), proj.cos()], dim=-1)
        for i, (w, b) in enumerate(layers):
            h = torch.baddbmm(b, h, w)
            if i < len(layers) - 1:
                h = h.relu()
        return h


def config_from_dict(fields: dict) -> SirenConfig:
    """The config an experiment's init file records: an FFN's when it has Fourier features."""
    return FFNConfig.from_dict(fields) if fields.get("fourier") else SirenConfig.from_dict(fields)
