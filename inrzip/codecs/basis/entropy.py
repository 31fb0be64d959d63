"""Entropy coding of quantised coefficients with constriction's ANS coder (Bamler, 2022).

constriction is a maintained, tested range/ANS coder with numpy bindings; a hand-written
arithmetic coder would be more code of ours for the same bits. Each coefficient belongs to a
class (its rms over the step, in half-octaves: :func:`basis.classes`), each tile to an activity
bucket (how many of its values are non-zero, coded first); each (bucket, class) pair has one
shipped categorical model of ``q``, used in one vectorised call per pair. Where the init codes the
buckets in context (a table per upper and left neighbour's bucket), they go by anti-diagonals of
the tile grid, whose neighbours are all on the diagonal before. Where the init adapts (a prior weight
``W``), the coefficients go by the same diagonals and each (bucket, class) model learns from the
file: its counts of the diagonals already coded added to ``W`` times the shipped model (a photo's
statistics differ from the training set's; 10 val photos: files 1.4-2.8 % smaller at every level).
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


def _contexts(activity: np.ndarray, cls: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bucket, class) of every value of the tiles ``idx``, tile by tile, each tile's columns in order."""
    return np.repeat(activity[idx], cls.size), np.tile(cls, idx.size)


def _diagonal_groups(b: np.ndarray, k: np.ndarray):
    """One diagonal's values (buckets ``b``, classes ``k``: :func:`_contexts`) in coding order, grouped by (bucket,
    class): (positions in the diagonal's values, group starts, each group's bucket, each group's class). Within a
    group, the values keep their order."""
    if not b.size:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), b, k
    key = (b * (int(k.max()) + 1) + k).astype(np.int16)  # under 8 x 64: 16 bits, which numpy radix-sorts
    order = np.argsort(key, kind="stable")  # ties keep (tile, column) order
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return order, starts, b[order[starts]], k[order[starts]]


class _Counts:
    """Each (bucket, class) model's symbol counts over the diagonals coded so far, and their sums."""

    def __init__(self, shape: tuple[int, int, int]) -> None:
        self.counts = np.zeros(shape, np.int64)
        self.totals = np.zeros(shape[:2], np.int64)

    def add(self, b: np.ndarray, k: np.ndarray, values: np.ndarray, sign: int = 1) -> None:
        """Count (or with ``sign`` -1 uncount) ``values`` of the (bucket, class) pairs ``b, k``, one per value."""
        _, classes, symbols = self.counts.shape
        pair = b.astype(np.int64) * classes + k
        np.add.at(self.counts.reshape(-1), pair * symbols + values, sign)  # a flat index: numpy's fast path
        np.add.at(self.totals.reshape(-1), pair, sign)

    def adapted(self, prior: np.ndarray, weight: int, b: np.ndarray, k: np.ndarray) -> np.ndarray:
        """``[groups, symbols]`` models of the (bucket, class) pairs ``b, k``: the shipped models times ``weight``
        plus the counts so far, normalised; float64 sums and one division, the same numbers on every machine."""
        model = prior[b, k]
        model += self.counts[b, k]
        model /= (weight + self.totals[b, k])[:, None]
        return model


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
    adapt: int = 0,
) -> bytes:
    """``q [tiles, n]`` ints in ``[-rmax, rmax]``, ``cls [n]`` class per column -> little-endian 32-bit words.

    First every tile's activity bucket (:func:`basis.activity`; ``activity_pmf [up, left, bucket]``: in the
    context of its neighbours on the tile ``grid`` (rows, columns), diagonal by diagonal), then the coefficients
    group by group (bucket, class), each group in one vectorised call with the group's model ``pmf[b, k]``; with
    ``adapt`` (a prior weight) diagonal by diagonal, each group's model adapted to the diagonals before.
    """
    coder = constriction.stream.stack.AnsCoder()
    symbols = (q + rmax).astype(np.int32)
    activity = basis.activity(q)
    if adapt:  # a stack: push the last diagonal first, its models from the counts of those before it
        _check_grid(q.shape[0], grid)
        diags, counts = diagonals(*grid), _Counts(pmf.shape)
        for idx in diags:  # diagonal by diagonal: the index arrays of a huge photo stay small
            counts.add(*_contexts(activity, cls, idx), symbols[idx].reshape(-1))
        prior = adapt * pmf
        for idx in reversed(diags):
            b, k = _contexts(activity, cls, idx)
            values = symbols[idx].reshape(-1)
            counts.add(b, k, values, -1)  # the counts of the diagonals before this one
            order, starts, b, k = _diagonal_groups(b, k)
            models = counts.adapted(prior, adapt, b, k)
            parts = np.split(values[order], starts[1:]) if order.size else []
            for part, model in reversed(list(zip(parts, models, strict=True))):
                coder.encode_reverse(part, _model(model))
    else:
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
    adapt: int = 0,
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
        if adapt:
            _check_grid(tiles, grid)
            counts = _Counts(pmf.shape)
            prior = adapt * pmf
            for idx in diagonals(*grid):
                contexts = _contexts(activity, cls, idx)
                order, starts, b, k = _diagonal_groups(*contexts)
                if not order.size:
                    continue
                models = counts.adapted(prior, adapt, b, k)
                sizes = np.diff(np.r_[starts, order.size])
                values = np.empty(order.size, np.int32)
                values[order] = np.concatenate(
                    [coder.decode(_model(m), int(n)) for m, n in zip(models, sizes, strict=True)]
                )
                q[idx] = values.reshape(idx.size, cls.size)
                counts.add(*contexts, values)
        else:
            for rows, cols, b, k in _groups(activity, cls):
                q[np.ix_(rows, cols)] = coder.decode(_model(pmf[b, k]), rows.size * cols.size).reshape(
                    rows.size, cols.size
                )
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
