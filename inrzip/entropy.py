"""Entropy coding of quantised coefficients with constriction's ANS coder (Bamler, 2022).

constriction is a maintained, tested range/ANS coder with numpy bindings; a hand-written
arithmetic coder would be more code of ours for the same bits. Each coefficient belongs to a
class (its rms over the step, in half-octaves: :func:`basis.classes`); each class has one shipped
categorical model of ``q``. Symbols are coded class by class, every tile's coefficients of a
class in one vectorised call.
"""

from __future__ import annotations

import constriction
import numpy as np

from .errors import InrzipError


def _models(pmf: np.ndarray, present: np.ndarray) -> dict[int, object]:
    return {int(k): constriction.stream.model.Categorical(pmf[k], perfect=False) for k in present}


def encode(q: np.ndarray, cls: np.ndarray, pmf: np.ndarray, rmax: int) -> bytes:
    """``q [tiles, n]`` ints in ``[-rmax, rmax]``, ``cls [n]`` class per column -> little-endian 32-bit words."""
    coder = constriction.stream.stack.AnsCoder()
    symbols = (q + rmax).astype(np.int32)
    present = np.unique(cls)
    models = _models(pmf, present)
    for k in present[::-1]:  # a stack: push the last class first so the decoder pops them in order
        coder.encode_reverse(np.ascontiguousarray(symbols[:, cls == k]).reshape(-1), models[int(k)])
    return coder.get_compressed().astype("<u4").tobytes()


def decode(data: bytes, tiles: int, cls: np.ndarray, pmf: np.ndarray, rmax: int) -> np.ndarray:
    """Inverse of :func:`encode`; refuses streams that run dry or have words left over."""
    if len(data) % 4:
        raise InrzipError("corrupt .inrz payload: coded stream is not whole 32-bit words")
    words = np.frombuffer(data, "<u4").astype(np.uint32)
    q = np.empty((tiles, cls.size), np.int32)
    present = np.unique(cls)
    models = _models(pmf, present)
    try:
        coder = constriction.stream.stack.AnsCoder(words)
        for k in present:
            cols = np.flatnonzero(cls == k)
            q[:, cols] = coder.decode(models[int(k)], tiles * cols.size).reshape(tiles, cols.size)
        if not coder.is_empty():
            raise InrzipError("corrupt .inrz payload: coded stream has data left over")
    except InrzipError:
        raise
    except BaseException as e:  # constriction reports bad streams as exceptions or (Rust) panics
        if isinstance(e, KeyboardInterrupt | SystemExit):
            raise
        raise InrzipError("corrupt .inrz payload: coded stream does not decode") from None
    return q - rmax
