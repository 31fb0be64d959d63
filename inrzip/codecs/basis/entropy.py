"""Entropy coding of quantised coefficients with constriction's ANS coder (Bamler, 2022).

constriction is a maintained, tested range/ANS coder with numpy bindings; a hand-written
arithmetic coder would be more code of ours for the same bits. Each coefficient belongs to a
class (its rms over the step, in half-octaves: :func:`basis.classes`), each tile to an activity
bucket (how many of its values are non-zero, coded first); each (bucket, class) pair has one
shipped categorical model of ``q``, used in one vectorised call per pair. Where the init codes the
buckets in context (a table per upper and left neighbour's bucket), they go by anti-diagonals of
the tile grid, whose neighbours are all on the diagonal before.
"""

from __future__ import annotations

import constriction
import numpy as np

from ...errors import InrzipError
from . import model as basis


def _groups(activity: np.ndarray, cls: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, int, int]]:
    """(tile rows, columns, bucket, class) of every non-empty group, in coding order."""
    columns = [(np.flatnonzero(cls == k), int(k)) for k in np.unique(cls)]
    out = []
    for b in np.unique(activity):
        rows = np.flatnonzero(activity == b)
        out += [(rows, cols, int(b), k) for cols, k in columns]
    return out


def _model(p: np.ndarray):
    return constriction.stream.model.Categorical(p, perfect=False)


_FAMILY = constriction.stream.model.Categorical(perfect=False)  # one categorical per symbol, from a 2-D array


def diagonals(ny: int, nx: int) -> list[np.ndarray]:
    """Row-major tile indices of each anti-diagonal ``i + j`` of an ``ny x nx`` grid, in coding order."""
    i, j = np.divmod(np.arange(ny * nx), nx)
    order = np.lexsort((i, i + j))
    return np.split(order, np.flatnonzero(np.diff((i + j)[order])) + 1)


def activity_contexts(activity: np.ndarray, grid: tuple[int, int], idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The upper and left neighbours' buckets of tiles ``idx`` (``basis.NO_NEIGHBOUR`` outside the grid)."""
    nx = grid[1]
    i, j = np.divmod(idx, nx)
    up = np.where(i > 0, activity[np.maximum(idx - nx, 0)], basis.NO_NEIGHBOUR)
    left = np.where(j > 0, activity[np.maximum(idx - 1, 0)], basis.NO_NEIGHBOUR)
    return up, left


def _check_grid(tiles: int, grid: tuple[int, int] | None) -> None:
    if grid is None or grid[0] * grid[1] != tiles:
        raise InrzipError("corrupt .inrz header: tile count does not match the image's tile grid")


def encode(
    q: np.ndarray,
    cls: np.ndarray,
    pmf: np.ndarray,
    activity_pmf: np.ndarray,
    rmax: int,
    grid: tuple[int, int] | None = None,
) -> bytes:
    """``q [tiles, n]`` ints in ``[-rmax, rmax]``, ``cls [n]`` class per column -> little-endian 32-bit words.

    First every tile's activity bucket (:func:`basis.activity`; ``activity_pmf [up, left, bucket]``: in the
    context of its neighbours on the tile ``grid`` (rows, columns), diagonal by diagonal), then the coefficients
    group by group (bucket, class), each group in one vectorised call with the group's model ``pmf[b, k]``.
    """
    coder = constriction.stream.stack.AnsCoder()
    symbols = (q + rmax).astype(np.int32)
    activity = basis.activity(q)
    for rows, cols, b, k in reversed(_groups(activity, cls)):  # a stack: push the last group first
        coder.encode_reverse(np.ascontiguousarray(symbols[np.ix_(rows, cols)]).reshape(-1), _model(pmf[b, k]))
    if activity_pmf.ndim == 1:
        coder.encode_reverse(activity.astype(np.int32), _model(activity_pmf))
    else:
        _check_grid(q.shape[0], grid)
        for idx in reversed(diagonals(*grid)):
            up, left = activity_contexts(activity, grid, idx)
            coder.encode_reverse(activity[idx].astype(np.int32), _FAMILY, activity_pmf[up, left])
    return coder.get_compressed().astype("<u4").tobytes()


def decode(
    data: bytes,
    tiles: int,
    cls: np.ndarray,
    pmf: np.ndarray,
    activity_pmf: np.ndarray,
    rmax: int,
    grid: tuple[int, int] | None = None,
) -> np.ndarray:
    """Inverse of :func:`encode`; refuses streams that run dry, have words left over, or disagree with themselves."""
    if len(data) % 4:
        raise InrzipError("corrupt .inrz payload: coded stream is not whole 32-bit words")
    words = np.frombuffer(data, "<u4").astype(np.uint32)
    q = np.empty((tiles, cls.size), np.int32)
    try:
        coder = constriction.stream.stack.AnsCoder(words)
        if activity_pmf.ndim == 1:
            activity = np.asarray(coder.decode(_model(activity_pmf), tiles))
        else:
            _check_grid(tiles, grid)
            activity = np.zeros(tiles, np.int64)
            for idx in diagonals(*grid):
                up, left = activity_contexts(activity, grid, idx)
                activity[idx] = coder.decode(_FAMILY, activity_pmf[up, left])
        for rows, cols, b, k in _groups(activity, cls):
            q[np.ix_(rows, cols)] = coder.decode(_model(pmf[b, k]), rows.size * cols.size).reshape(rows.size, cols.size)
        if not coder.is_empty():
            raise InrzipError("corrupt .inrz payload: coded stream has data left over")
    except InrzipError:
        raise
    except BaseException as e:  # constriction reports bad streams as exceptions or (Rust) panics
        if isinstance(e, KeyboardInterrupt | SystemExit):
            raise
        raise InrzipError("corrupt .inrz payload: coded stream does not decode") from None
    q -= rmax
    if not np.array_equal(basis.activity(q), activity):
        raise InrzipError("corrupt .inrz payload: coded activity does not match the coefficients")
    return q
