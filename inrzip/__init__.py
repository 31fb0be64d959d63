"""inrzip: an image codec that stores photos as meta-learned sparse SIREN weights."""

__version__ = "0.1.0"
