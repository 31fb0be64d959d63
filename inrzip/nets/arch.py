"""The architecture of one tile network and its compaction, as plain data (numpy): the torch code and the
torch-free decoder share it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class SirenConfig:
    """Architecture of one tile network: 2 -> width (sine) -> depth x (width -> width) -> 3."""

    width: int = 64
    depth: int = 0
    w0: float = 15.0
    tile: int = 16
    in_features: int = 2
    out_features: int = 3

    def layer_shapes(self) -> list[tuple[int, int]]:
        """(fan_in, fan_out) of each linear layer, input to output."""
        dims = [self.in_features] + [self.width] * (self.depth + 1) + [self.out_features]
        return list(zip(dims[:-1], dims[1:], strict=True))

    @property
    def n_weights(self) -> int:
        """Dense weight count (3w^2 + 5w for the paper's shape)."""
        return sum(i * o for i, o in self.layer_shapes())

    @property
    def n_biases(self) -> int:
        return sum(o for _, o in self.layer_shapes())

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, fields: dict) -> SirenConfig:
        """The config an init file records (its ``siren`` entry); files of 0.1.0 also carry the FFN's fields."""
        fields = dict(fields)
        if fields.pop("fourier", 0):
            raise ValueError("a research (Fourier-feature) network, not a codec initialization")
        fields.pop("sigma", None)
        return cls(**fields)


@dataclass(frozen=True)
class Compaction:
    """Which parts of a masked network survive when hidden units nothing reads from are removed.

    Such a unit cannot reach the output, so its incoming weights get no gradient and stay at the
    init: dropping it changes no result, only the cost. Sparse levels keep few live units (8 of 64
    at the default fp16 level), so the fit and the render shrink by about that factor.
    """

    cfg: SirenConfig  # the compact architecture (hidden width = live units, padded to one width)
    weight_index: np.ndarray  # [Pc] positions in the full flat weights of the compact net's weights
    bias_index: np.ndarray  # [Qc] positions in the full biases
    keep: np.ndarray  # [Kc] positions, in a tile's full value vector, of the surviving weights kept


def compaction(cfg: SirenConfig, mask: np.ndarray) -> Compaction:
    """Remove, layer by layer from the output back, the hidden units no surviving weight reads from."""
    mask = np.asarray(mask, bool)
    shapes = cfg.layer_shapes()
    offsets = np.cumsum([0] + [i * o for i, o in shapes])
    layer_mask = [mask[offsets[i] : offsets[i + 1]].reshape(shape) for i, shape in enumerate(shapes)]
    units: list[np.ndarray] = [np.arange(cfg.out_features)]
    for layer in range(len(shapes) - 1, 0, -1):  # hidden layer `layer - 1` feeds layer `layer`
        units.insert(0, np.flatnonzero(layer_mask[layer][:, units[0]].any(axis=1)))
    width = max(1, max(u.size for u in units[:-1]))
    for i, u in enumerate(units[:-1]):  # pad every hidden layer to one width with (harmless) dead units
        spare = np.setdiff1d(np.arange(cfg.width), u)[: width - u.size]
        units[i] = np.sort(np.concatenate([u, spare]))
    units.insert(0, np.arange(shapes[0][0]))
    position = np.full(mask.size, -1, np.int64)
    position[mask] = np.arange(int(mask.sum()))
    weight_index, bias_index = [], []
    bias_offsets = np.cumsum([0] + [o for _, o in shapes])
    for i, (_, fan_out) in enumerate(shapes):
        flat = offsets[i] + units[i][:, None] * fan_out + units[i + 1][None, :]
        weight_index.append(flat.reshape(-1))
        bias_index.append(bias_offsets[i] + units[i + 1])
    weight_index = np.concatenate(weight_index)
    keep = position[weight_index][mask[weight_index]]
    small = SirenConfig(**(cfg.to_dict() | {"width": int(width)}))
    return Compaction(small, weight_index, np.concatenate(bias_index), keep)
