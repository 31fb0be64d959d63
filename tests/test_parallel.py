"""The decoder's pieces on threads: results in order, bounded, one BLAS thread, the same pixels on any count."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from conftest import smooth_photo
from inrzip import decoder, encoder, parallel


def blas_threads() -> set[int]:
    return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}


def test_ordered_map_keeps_order_bounds_the_pieces_in_flight_and_uses_one_blas_thread(monkeypatch):
    monkeypatch.setattr(parallel, "workers", lambda: 3)
    lock, live, most, seen = threading.Lock(), [0], [0], []

    def piece(i: int) -> int:
        with lock:
            live[0] += 1
            most[0] = max(most[0], live[0])
        seen.append(blas_threads())
        time.sleep(0.01 * (i % 3))  # later pieces finish first
        with lock:
            live[0] -= 1
        return i * i

    results = []
    for r in parallel.ordered_map(piece, range(12), ahead=4):
        results.append(r)
        time.sleep(0.005)
    assert results == [i * i for i in range(12)]
    assert 1 < most[0] <= 3
    assert all(s == {1} for s in seen)


def test_ordered_map_raises_a_piece_s_error(monkeypatch):
    monkeypatch.setattr(parallel, "workers", lambda: 2)

    def piece(i: int) -> int:
        if i == 5:
            raise MemoryError("piece 5")
        return i

    got = []
    with pytest.raises(MemoryError, match="piece 5"):
        for r in parallel.ordered_map(piece, range(9)):
            got.append(r)
    assert got == [0, 1, 2, 3, 4]


def test_ordered_map_starts_no_queued_piece_after_a_failure(monkeypatch):
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    started = []

    def piece(i: int) -> int:
        started.append(i)
        if i == 0:
            raise ValueError("first")
        time.sleep(0.01)
        return i

    with pytest.raises(ValueError, match="first"):
        list(parallel.ordered_map(piece, range(200), ahead=200))  # all queued at once
    assert len(started) < 20


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_a_decode_is_the_same_on_any_number_of_threads(monkeypatch, tiny_basis, threads):
    rgb = smooth_photo(44, 60, 4)
    enc = encoder.encode(rgb, quality=3, init=tiny_basis)
    monkeypatch.setattr(parallel, "workers", lambda: 1)
    one = decoder.decode(enc.data, init=tiny_basis)
    up = decoder.decode(enc.data, size=(90, 66), init=tiny_basis)
    monkeypatch.setattr(parallel, "workers", lambda: threads)
    np.testing.assert_array_equal(decoder.decode(enc.data, init=tiny_basis), one)
    np.testing.assert_array_equal(decoder.decode(enc.data, size=(90, 66), init=tiny_basis), up)


def test_the_blas_limit_is_lifted_after_a_decode(tiny_basis):
    before = blas_threads()
    enc = encoder.encode(smooth_photo(24, 24, 1), quality=3, init=tiny_basis)
    decoder.decode(enc.data, init=tiny_basis)
    assert blas_threads() == before
