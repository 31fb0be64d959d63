"""Mutation fuzzing of the .inrz reader: ``python -m inrzip.fuzz --runs 10000``.

Every input must either decode or be refused with an :class:`InrzipError`; any other exception
is a crash. CI runs it briefly from the tests; a person can run it for hours.
"""

from __future__ import annotations

import random
import sys
import time

import click
import numpy as np

from . import codec, container
from .errors import InrzipError


def seed_file() -> bytes:
    """A real file for the shipped init: a small photo-like image at the lowest level, q16 and fp16 alike."""
    from . import weights as shipped

    ladder = shipped.load()
    y, x = np.mgrid[0:40, 0:56]
    rgb = (127 + 100 * np.sin(np.stack([x / 7, y / 5, (x + y) / 9], -1))).astype(np.uint8)
    return codec.encode(rgb, quality=1, steps=3, init=str(shipped.resolve(ladder.name)), codec="q16").data


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random corruption: bit flips, byte overwrites, truncation, insertion or a splice."""
    b = bytearray(data)
    kind = rng.randrange(5)
    if kind == 0 and b:
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif kind == 1 and b:
        i = rng.randrange(len(b))
        b[i : i + rng.randint(1, 8)] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    elif kind == 2:
        del b[rng.randrange(len(b) + 1) :]
    elif kind == 3:
        i = rng.randrange(len(b) + 1)
        b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
    else:
        i, j = sorted(rng.randrange(len(b) + 1) for _ in range(2))
        b[i:j] = b[j:] + b[:i]
    return bytes(b)


def run(runs: int, seed: int = 0, data: bytes | None = None) -> tuple[int, int, int]:
    """Fuzz ``runs`` mutants (each differs from the seed file); returns (tried, refused, crashes).

    A mutant that decodes must carry the seed's header and values exactly (the checksum's promise);
    one that decodes to anything else counts as a crash, as does any exception but InrzipError.
    """
    rng = random.Random(seed)
    base = data if data is not None else seed_file()
    expect_header, expect = container.read(base)
    refused = crashes = 0
    for _ in range(runs):
        mutant = mutate(base, rng)
        while mutant == base:
            mutant = mutate(base, rng)
        try:
            header, values = container.read(mutant)
            if header != expect_header or container.pack_values(values) != container.pack_values(expect):
                crashes += 1
                print(f"silent corruption: {mutant[:64].hex()}...", file=sys.stderr)
            elif header.width * header.height <= 1 << 16:
                codec.decode(mutant, device="cpu")
        except InrzipError:
            refused += 1
        except Exception as e:  # noqa: BLE001 - that is exactly what we are hunting
            crashes += 1
            print(f"crash: {type(e).__name__}: {e} on {mutant[:64].hex()}...", file=sys.stderr)
    return runs, refused, crashes


@click.command()
@click.option("--runs", default=10_000, show_default=True)
@click.option("--seed", default=0, show_default=True)
def main(runs: int, seed: int) -> None:
    """Fuzz the .inrz reader and decoder; exits 1 if anything crashed."""
    t0 = time.perf_counter()
    tried, refused, crashes = run(runs, seed)
    click.echo(
        f"fuzz: {tried} mutated inputs tried, {refused} refused cleanly, "
        f"{tried - refused - crashes} decoded to the original (mutations the format ignores), "
        f"{crashes} crashes, {time.perf_counter() - t0:.1f} s"
    )
    sys.exit(1 if crashes else 0)


if __name__ == "__main__":
    main()
