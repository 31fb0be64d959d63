import struct

import msgpack
import numpy as np
import pytest
import zstandard

from inrzip.errors import InrzipError
from inrzip.format import container, payload

FIELDS = dict(init="0123456789abcdef", quality=2, width=20, height=12, tile=8, codec="fp16", values=5, tiles=6)


def make(values=None) -> tuple[bytes, np.ndarray]:
    v = np.random.default_rng(0).normal(size=(6, 5)).astype(np.float32) if values is None else values
    return container.write(FIELDS, payload.pack_fp16(v)), v


def read_fp16(data: bytes):
    header, raw = container.read(data)
    return header, payload.unpack_fp16(raw, header.tiles, header.values)


def test_round_trip_is_fp16_exact():
    data, v = make()
    header, back = read_fp16(data)
    assert header.width == 20 and header.height == 12 and header.tiles == 6 and header.values == 5
    np.testing.assert_array_equal(back, v.astype(np.float16).astype(np.float32))
    assert data[:4] == b"INRZ" and data[4] == container.VERSION


def test_pack_unpack_layout_inverse():
    v = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    np.testing.assert_array_equal(payload.unpack_fp16(payload.pack_fp16(v), 3, 4), v.astype(np.float16))
    q = payload.Quantized(
        np.array([0.5, 1, 2, 4], np.float32), np.array([[0, -1, 1, 32767], [-32767, 5, -5, 2]] * 2, np.int16)[:3]
    )
    back = payload.unpack_q16(payload.pack_q16(q), 3, 4)
    np.testing.assert_array_equal(back.q, q.q)
    np.testing.assert_array_equal(back.step, q.step)


def test_q16_round_trip_and_size_check():
    q = payload.Quantized(np.ones(5, np.float32), np.arange(30, dtype=np.int16).reshape(6, 5) - 15)
    data = container.write(FIELDS | {"codec": "q16"}, payload.pack_q16(q))
    header, raw = container.read(data)
    back = payload.unpack_q16(raw, header.tiles, header.values)
    assert header.codec == "q16" and header.raw == 6 * 5 * 2 + 5 * 4
    np.testing.assert_array_equal(back.q, q.q)


def test_every_truncation_is_refused():
    data, _ = make()
    for cut in range(len(data)):
        with pytest.raises(InrzipError):
            container.read(data[:cut])


def test_bit_flips_are_refused_or_harmless():
    data, v = make()
    for pos in range(len(data)):
        for bit in (0, 7):
            bad = bytearray(data)
            bad[pos] ^= 1 << bit
            try:
                header, back = read_fp16(bytes(bad))
            except InrzipError:
                continue
            # accepted only where the flip changes nothing decoded (e.g. an unused zstd frame flag)
            assert header == container.read(data)[0], f"flip at byte {pos} bit {bit} changed the header"
            np.testing.assert_array_equal(back, v.astype(np.float16).astype(np.float32))


def _with_header(**changes) -> bytes:
    data, _ = make()
    _, _, n = container.PREFIX.unpack_from(data)
    fields = msgpack.unpackb(data[9 : 9 + n]) | changes
    head = msgpack.packb(fields)
    return container.PREFIX.pack(b"INRZ", 1, len(head)) + head + data[9 + n :]


@pytest.mark.parametrize(
    "changes,message",
    [
        (dict(width=-1), "image size"),
        (dict(width=10**9), "image size"),
        (dict(tiles=7), "tiles"),
        (dict(values=6), "payload size"),
        (dict(codec="q9"), "unknown value codec"),
        (dict(init="zz"), "init id"),
        (dict(quality="1"), "non-integer"),
        (dict(raw=10**12), "payload size"),
        (dict(extra=1), "wrong fields"),
    ],
)
def test_header_fields_out_of_range(changes, message):
    with pytest.raises(InrzipError, match=message):
        container.read(_with_header(**changes))


def test_wrong_magic_and_version():
    data, _ = make()
    with pytest.raises(InrzipError, match="magic"):
        container.read(b"JUNK" + data[4:])
    with pytest.raises(InrzipError, match="version 9"):
        container.read(data[:4] + bytes([9]) + data[5:])
    with pytest.raises(InrzipError, match="header length"):
        container.read(data[:5] + struct.pack("<I", 1 << 30) + data[9:])


def test_zstd_bomb_is_bounded():
    data, _ = make()
    _, _, n = container.PREFIX.unpack_from(data)
    bomb = zstandard.ZstdCompressor().compress(b"\0" * (64 << 20))  # 64 MiB of zeros, tiny frame
    with pytest.raises(InrzipError, match="inflates past"):
        container.read(data[: 9 + n] + bomb)


@pytest.mark.parametrize("tail", [b"\0", b"junk", zstandard.ZstdCompressor().compress(b"second frame")])
def test_bytes_after_the_payload_are_refused(tail):
    data, _ = make()
    with pytest.raises(InrzipError, match="bytes after the payload"):
        container.read(data + tail)


def test_version_2_round_trip_and_plain_rgb_stays_version_1():
    data, _ = make()
    assert data[4] == 1  # no mode, no sections: exactly what earlier releases wrote
    extras = container.Extras("RGBA", {"icc": b"profile" * 20, "alpha-bits": b"\xff" * 30})
    raw = payload.pack_fp16(np.ones((6, 5), np.float32))
    v2 = container.write(FIELDS, raw, extras)
    assert v2[4] == 2
    header, back, got = container.read_all(v2)
    assert back == raw and got == extras and header.width == 20
    assert container.read(v2)[1] == raw
    for cut in range(len(v2)):
        with pytest.raises(InrzipError):
            container.read_all(v2[:cut])
    for pos in range(9, len(v2)):
        bad = bytearray(v2)
        bad[pos] ^= 0x04
        try:
            assert container.read_all(bytes(bad)) == (header, raw, extras)  # accepted only if unchanged
        except InrzipError:
            pass


@pytest.mark.parametrize(
    "mode,sections,message",
    [
        ("RGBA", {}, "alpha sections"),
        ("RGB", {"alpha-bits": b"\xff"}, "alpha sections"),
        ("L", {"alpha": b"x", "alpha-bits": b"y"}, "alpha sections"),
    ],
)
def test_version_2_layouts_that_do_not_add_up_are_refused(mode, sections, message):
    v2 = container.write(FIELDS, payload.pack_fp16(np.ones((6, 5), np.float32)), container.Extras(mode, sections))
    with pytest.raises(InrzipError, match=message):
        container.read_all(v2)


def test_writer_refuses_what_no_reader_would_take():
    raw = payload.pack_fp16(np.ones((6, 5), np.float32))
    with pytest.raises(InrzipError, match="mode"):
        container.write(FIELDS, raw, container.Extras("CMYK", {}))
    with pytest.raises(InrzipError, match="limit"):
        container.write(FIELDS, raw, container.Extras("RGB", {"exif": bytes(container.MAX_METADATA + 1)}))
