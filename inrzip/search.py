"""The search for the setting whose output lands nearest a size: rate control and size-matched anchors."""

from __future__ import annotations

from collections.abc import Callable


def nearest_size(size_of: Callable[[int], int], lo: int, hi: int, target: float) -> int:
    """The integer setting in ``[lo, hi]`` whose size is nearest ``target``, for sizes that grow with the setting.

    Bisection finds the largest setting whose size fits (or ``lo``), then it or the next one wins,
    whichever lands nearer (the smaller on a tie). ``size_of`` is called O(log(hi - lo)) times:
    callers that need the output of the winner cache it.
    """
    a, b = lo, hi
    while a < b:
        mid = (a + b + 1) // 2
        if size_of(mid) <= target:
            a = mid
        else:
            b = mid - 1
    options = [a] + ([a + 1] if a < hi else [])
    return min(options, key=lambda s: abs(size_of(s) - target))
