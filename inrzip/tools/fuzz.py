"""Mutation fuzzing of the .inrz reader: ``python -m inrzip.tools.fuzz --runs 10000``.

Every input must either decode or be refused with an :class:`InrzipError`; any other exception
is a crash. CI runs it briefly from the tests; a person can run it for hours.
"""

from __future__ import annotations

import random
import sys
import time

import click
import msgpack
import numpy as np

from .. import inits
from ..decoder import decode
from ..errors import InrzipError
from ..format import container


def seed_file(extras: bool = False, init: str = inits.DEFAULT_INIT) -> bytes:
    """A real file of ``init`` (default: the shipped default, ANS-coded): a small photo-like image; with
    ``extras`` an RGBA one with a soft alpha plane (a nested file) and EXIF, ICC and XMP (version 2)."""
    from ..encoder import encode
    from ..images import Picture

    y, x = np.mgrid[0:40, 0:56]
    rgb = (127 + 100 * np.sin(np.stack([x / 7, y / 5, (x + y) / 9], -1))).astype(np.uint8)
    if not extras:
        return encode(rgb, quality=1, steps=3, init=init).data
    alpha = (x * 255 // 55).astype(np.uint8)
    metadata = {"exif": b"Exif\0\0" + bytes(40), "icc": bytes(range(256)) * 2, "xmp": b"<x:xmpmeta/>"}
    return encode(Picture(rgb, "RGBA", alpha, metadata), quality=1, alpha_quality=1, steps=3, init=init).data


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
    expect = container.read_all(base)
    refused = crashes = 0
    for _ in range(runs):
        mutant = mutate(base, rng)
        while mutant == base:
            mutant = mutate(base, rng)
        try:
            got = container.read_all(mutant)
            if got != expect:
                crashes += 1
                print(f"silent corruption: {mutant[:64].hex()}...", file=sys.stderr)
            elif got[0].width * got[0].height <= 1 << 16:
                decode(mutant, device="cpu")
        except InrzipError:
            refused += 1
        except Exception as e:  # noqa: BLE001 - that is exactly what we are hunting
            crashes += 1
            print(f"crash: {type(e).__name__}: {e} on {mutant[:64].hex()}...", file=sys.stderr)
    return runs, refused, crashes


def _png(im) -> bytes:
    import io

    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def _edit_header(data: bytes, **changes) -> bytes:
    """The file with header fields changed and its checksum recomputed: only the change itself is wrong."""
    import zstandard

    _, _, n = container.PREFIX.unpack_from(data)
    start = container.PREFIX.size + n
    fields = msgpack.unpackb(data[container.PREFIX.size : start]) | changes
    if set(fields) == set(container.Header.__dataclass_fields__):
        raw = zstandard.ZstdDecompressor().decompress(data[start:])
        try:
            fields["crc"] = container.checksum(container.Header(**fields), raw)
        except (TypeError, ValueError):  # fields msgpack cannot pack as the writer would: leave the old checksum
            pass
    head = msgpack.packb(fields)
    return container.PREFIX.pack(container.MAGIC, container.VERSION, len(head)) + head + data[start:]


def _small_gray(good: bytes) -> bytes:
    """A valid gray file of ``good``'s init but another size (8 x 8): an alpha plane that does not fit."""
    from ..encoder import encode

    init = inits.for_file(container.read_header(good)[0].init)
    return encode(np.full((8, 8), 200, np.uint8), quality=1, steps=1, init=init).data


def huge_png_header(width: int, height: int) -> bytes:
    """A valid 1x1 PNG whose IHDR (checksum fixed) claims ``width x height``: a decompression-bomb probe."""
    import struct
    import zlib

    from PIL import Image

    data = bytearray(_png(Image.new("RGB", (1, 1))))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def _with_extras(good: bytes, mode: str, sections: dict[str, bytes]) -> bytes:
    """``good``'s header and payload as a version-2 file with this mode and these sections (checksum right)."""
    header, raw = container.read(good)
    fields = {k: getattr(header, k) for k in ("init", "quality", "width", "height", "tile", "codec", "values", "tiles")}
    return container.write(fields, raw, container.Extras(mode, sections))


def _claim(data: bytes, **layout) -> bytes:
    """A version-2 file whose header claims other layout fields (checksum left as it was)."""
    _, _, n = container.PREFIX.unpack_from(data)
    start = container.PREFIX.size + n
    fields = msgpack.unpackb(data[container.PREFIX.size : start]) | layout
    head = msgpack.packb(fields)
    return container.PREFIX.pack(container.MAGIC, container.VERSION_EXTRAS, len(head)) + head + data[start:]


def bad_inputs(good: bytes) -> list[tuple[str, str, bytes, list[str]]]:
    """(kind, description, file bytes, extra CLI args) for every bad input the robustness issue lists."""
    import zstandard
    from PIL import Image

    head_end = container.PREFIX.size + container.PREFIX.unpack_from(good)[2]
    flipped = bytearray(good)
    flipped[-5] ^= 0x10
    header = container.read_header(good)[0]
    with_exif = _with_extras(good, "RGB", {"exif": b"Exif\0\0" + bytes(30)})
    exif_frame = len(zstandard.ZstdCompressor(level=container.ZSTD_LEVEL).compress(b"Exif\0\0" + bytes(30)))
    bomb = zstandard.compress(bytes(64 << 20))
    bomb_base = with_exif[:-exif_frame]
    return [
        ("inrz", "metadata section claims 1 GiB", _claim(with_exif, sections=[["exif", 1 << 30, exif_frame]]), []),
        ("inrz", "metadata section of an unknown kind", _claim(with_exif, sections=[["gps", 36, exif_frame]]), []),
        ("inrz", "metadata that inflates past its claim", _claim(with_exif, sections=[["exif", 4, exif_frame]]), []),
        (
            "inrz",
            "EXIF as a zstd bomb (64 MiB of zeros)",
            _claim(bomb_base, sections=[["exif", 36, len(bomb)]]) + bomb,
            [],
        ),
        ("inrz", "EXIF claiming 32 MiB", _claim(with_exif, sections=[["exif", 32 << 20, exif_frame]]), []),
        ("inrz", "RGBA without an alpha plane", _with_extras(good, "RGBA", {}), []),
        ("inrz", "alpha bits that do not fit the image", _with_extras(good, "RGBA", {"alpha-bits": b"\xff" * 3}), []),
        ("inrz", "nested alpha file of another size", _with_extras(good, "RGBA", {"alpha": _small_gray(good)}), []),
        ("inrz", "nested alpha that is not an .inrz", _with_extras(good, "RGBA", {"alpha": b"junk" * 9}), []),
        (
            "inrz",
            f"an RGB file claiming mode LA ({header.values} values)",
            _with_extras(good, "LA", {"alpha-bits": b"\0" * 512}),
            [],
        ),
        ("inrz", "empty file", b"", []),
        ("inrz", "truncated to half", good[: len(good) // 2], []),
        ("inrz", "one bit flipped in the payload", bytes(flipped), []),
        ("inrz", "wrong magic", b"JUNK" + good[4:], []),
        ("inrz", "unknown version 9", good[:4] + bytes([9]) + good[5:], []),
        ("inrz", "unknown init id", _edit_header(good, init="0" * 16), []),
        ("inrz", "negative width", _edit_header(good, width=-5), []),
        ("inrz", "width 10^9", _edit_header(good, width=10**9), []),
        ("inrz", "tile count does not match", _edit_header(good, tiles=3), []),
        ("inrz", "header claims a 1 TB payload", _edit_header(good, raw=10**12), []),
        ("inrz", "msgpack garbage header", good[:9] + b"\xc1" * (head_end - 9) + good[head_end:], []),
        ("inrz", "zstd bomb (64 MiB of zeros)", good[:head_end] + zstandard.compress(b"\0" * (64 << 20)), []),
        ("inrz", "bytes after the payload", good + b"trailing", []),
        ("decode", "--size 0", good, ["--size", "0"]),
        ("decode", "--size -3", good, ["--size", "-3"]),
        ("decode", "--size abc", good, ["--size", "abc"]),
        ("decode", "--size 100000x100000", good, ["--size", "100000x100000"]),
        ("image", "not an image", b"hello, world", []),
        ("image", "zero-byte file", b"", []),
        ("image", "truncated PNG", _png(Image.new("RGB", (64, 64)))[:-20], []),
        ("image", "PNG header claiming 30000x30000", huge_png_header(30000, 30000), []),
        ("image", "missing input file", b"", ["--missing"]),
        ("exists", "output exists, no --force", good, []),
    ]


def catalogue(good: bytes, init: str | None = None) -> list[tuple[str, str, int, str]]:
    """Run the CLI on every bad input; returns (kind, description, exit code, its stderr)."""
    import tempfile
    from pathlib import Path

    from click.testing import CliRunner

    from ..cli import main as cli

    out = []
    with tempfile.TemporaryDirectory() as d:
        for i, (kind, what, data, extra) in enumerate(bad_inputs(good)):
            src = Path(d) / (f"in{i}.inrz" if kind != "image" else f"in{i}.png")
            if extra != ["--missing"]:
                src.write_bytes(data)
            dst = Path(d) / f"out{i}"
            if kind == "image":
                args = ["encode", str(src), "-o", str(dst), "--steps", "1"] + (["--init", init] if init else [])
            else:
                args = ["decode", str(src), "-o", str(dst) + ".png", *[a for a in extra if a != "--missing"]]
            if kind == "exists":
                Path(str(dst) + ".png").write_bytes(b"precious")
            r = CliRunner().invoke(cli, args)
            made = [p.name for p in Path(d).glob(f"out{i}*")]
            if kind == "exists":
                made = [] if Path(str(dst) + ".png").read_bytes() == b"precious" else made
            message = r.stderr.strip() + (f" [left {made}]" if made else "")
            out.append((kind, what, r.exit_code, message))
    return out


@click.command()
@click.option("--runs", default=10_000, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--catalogue", "show", is_flag=True, help="Instead: run the CLI on each listed bad input, print what it says."
)
def main(runs: int, seed: int, show: bool) -> None:
    """Fuzz the .inrz reader and decoder; exits 1 if anything crashed."""
    if show:
        rows = catalogue(seed_file())
        for kind, what, code, message in rows:
            click.echo(f"{kind:<6} {what:<34} exit {code}: {message}")
        sys.exit(0 if all(code != 0 and "[left" not in m and "Traceback" not in m for _, _, code, m in rows) else 1)
    failed = 0
    for name, data in (("RGB, version 1", seed_file()), ("RGBA + metadata, version 2", seed_file(extras=True))):
        t0 = time.perf_counter()
        tried, refused, crashes = run(runs // 2, seed, data)
        failed += crashes
        click.echo(
            f"fuzz ({name}, {len(data):,} bytes): {tried} mutated inputs tried, {refused} refused cleanly, "
            f"{tried - refused - crashes} decoded to the original (mutations the format ignores), "
            f"{crashes} crashes, {time.perf_counter() - t0:.1f} s"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
