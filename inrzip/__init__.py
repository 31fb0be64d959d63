"""inrzip: an image codec that stores photos as meta-learned SIREN weights.

``from inrzip import encode, decode``: the library API. Both are imported on first use, so
``import inrzip`` stays light and decoding never imports torch.
"""

from __future__ import annotations

__version__ = "0.12.0"

__all__ = ["Encoded", "__version__", "decode", "encode", "encode_batch"]


def __getattr__(name: str):
    if name in ("encode", "encode_batch", "Encoded"):
        from . import encoder

        return getattr(encoder, name)
    if name == "decode":
        from .decoder import decode

        return decode
    raise AttributeError(f"module 'inrzip' has no attribute {name!r}")
