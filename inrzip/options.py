"""Checks of encode options that hold whatever the image and init: torch-free, so the CLI refuses a bad
argument at once instead of after the seconds that importing torch takes."""

from __future__ import annotations

from .errors import InrzipError


def check_options(
    quality: int | None, bpp: float | None, steps: int, lr: float | None, bits: float | None = None
) -> None:
    """Refuse options that are wrong whatever the image and init (before any heavy import or fit).

    The library takes ``quality`` and ``bpp`` together (q16: that level, its resolution set by the rate);
    the CLI refuses the pair.
    """
    if steps < 0:
        raise InrzipError("--steps must be >= 0")
    if lr is not None and not lr > 0:
        raise InrzipError("--lr must be positive")
    if bits is not None and not 1 <= bits <= 14:
        raise InrzipError("--bits must be between 1 and 14")
    if bpp is not None and not bpp > 0:
        raise InrzipError("--bpp must be positive")
