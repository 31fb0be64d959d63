"""Which torch device a fit or a render runs on."""

from __future__ import annotations

import torch

from ..errors import InrzipError

DEVICES = ("auto", "cpu", "cuda")


def pick_device(device: str = "auto") -> torch.device:
    """ "auto" picks CUDA when present."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise InrzipError("--device cuda asked for, but torch sees no CUDA GPU")
    if device not in DEVICES:
        raise InrzipError(f"unknown device {device!r} (auto, cpu or cuda)")
    return torch.device(device)
