"""The ``.inrz`` container: magic, version, msgpack header, zstd payload. Every field is validated.

Layout (little-endian)::

    b"INRZ" | version: u8 | header_len: u32 | header: msgpack map | payload: one zstd frame

The payload holds each tile's surviving weights; the mask is never stored (it ships with the init).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import asdict, dataclass

import msgpack
import numpy as np
import zstandard

from .errors import InrzipError

MAGIC = b"INRZ"
VERSION = 1
PREFIX = struct.Struct("<4sBI")
MAX_HEADER = 4096
MAX_SIDE = 1 << 16  # largest width/height a file may claim
MAX_PAYLOAD = 1 << 30  # refuse to inflate more than 1 GiB, whatever the header says
# raw half floats | quantised deltas from the init (int16 + per-value step) | ANS-coded coefficients
CODECS = ("fp16", "q16", "ans")
ZSTD_LEVEL = 19


@dataclass(frozen=True)
class Header:
    """What a decoder needs besides the shipped init: which init, which level, the image and its tiling."""

    init: str  # content id of the initialization file (16 hex digits)
    quality: int  # ladder level, 1 = fewest weights; for "ans", the quantiser's step index
    width: int
    height: int
    tile: int
    codec: str  # "fp16", "q16" or "ans"
    values: int  # surviving weights per tile (must equal the level's mask count)
    tiles: int  # number of tiles (ceil(h/tile) * ceil(w/tile))
    raw: int  # payload bytes after zstd
    crc: int  # crc32 of the other header fields (msgpack) followed by the payload before zstd

    def check(self) -> None:
        """Refuse any header whose fields are out of range or don't add up."""

        def bad(msg: str) -> InrzipError:
            return InrzipError(f"corrupt .inrz header: {msg}")

        if not (
            isinstance(self.init, str) and len(self.init) == 16 and all(c in "0123456789abcdef" for c in self.init)
        ):
            raise bad("init id")
        ints = ("quality", "width", "height", "tile", "values", "tiles", "raw", "crc")
        if not all(isinstance(getattr(self, k), int) and not isinstance(getattr(self, k), bool) for k in ints):
            raise bad("non-integer field")
        if self.codec not in CODECS:
            raise InrzipError(f"unknown value codec {self.codec!r} (this inrzip reads {', '.join(CODECS)})")
        if not (1 <= self.width <= MAX_SIDE and 1 <= self.height <= MAX_SIDE):
            raise bad(f"image size {self.width}x{self.height}")
        if not 2 <= self.tile <= 1024 or not 1 <= self.quality <= 1000 or not 1 <= self.values <= 1 << 24:
            raise bad("tile, quality or value count out of range")
        expect = -(-self.width // self.tile) * -(-self.height // self.tile)
        if self.tiles != expect:
            raise bad(f"{self.tiles} tiles for a {self.width}x{self.height} image in {self.tile}-pixel tiles")
        if self.codec == "ans":
            if self.raw % 4 or not 4 <= self.raw <= ans_bound(self.tiles, self.values) or self.raw > MAX_PAYLOAD:
                raise bad("coded payload size out of range for tiles x values")
        elif self.raw != payload_size(self.codec, self.tiles, self.values) or self.raw > MAX_PAYLOAD:
            raise bad("payload size does not match tiles x values")
        if not 0 <= self.crc < 1 << 32:
            raise bad("checksum field")


@dataclass(frozen=True)
class Quantized:
    """A ``q16`` payload: integer deltas from the init and the step of each value index."""

    step: np.ndarray  # [values] float32
    q: np.ndarray  # [tiles, values] int16


def payload_size(codec: str, tiles: int, values: int) -> int:
    """Bytes of the payload after zstd, from the header's counts alone."""
    return tiles * values * 2 + (values * 4 if codec == "q16" else 0)


def ans_bound(tiles: int, values: int) -> int:
    """Most bytes an ANS payload may hold: 64 bits per symbol is already far past any model's worst case."""
    return tiles * values * 8 + 64


def _planes(a: np.ndarray) -> bytes:
    """A 2-byte ``[tiles, values]`` array, value-major, high bytes then low bytes.

    Grouping one weight across all tiles, and high bytes apart from low bytes, lets zstd find
    the redundancy that interleaved 16-bit words hide.
    """
    b = np.ascontiguousarray(a.astype(a.dtype.newbyteorder("<")).T).view(np.uint8).reshape(-1, 2)
    return b[:, 1].tobytes() + b[:, 0].tobytes()


def _unplanes(raw: bytes, tiles: int, values: int, dtype: str) -> np.ndarray:
    n = tiles * values
    b = np.frombuffer(raw, np.uint8, count=2 * n)
    planes = np.empty((n, 2), np.uint8)
    planes[:, 1], planes[:, 0] = b[:n], b[n:]
    return planes.reshape(-1).view(dtype).reshape(values, tiles).T


def pack_values(values: np.ndarray | Quantized | bytes) -> bytes:
    """fp16: ``[tiles, values]`` floats as half floats. q16: steps (f32) then zigzag int16 deltas. ans: as coded."""
    if isinstance(values, bytes):
        return values
    if isinstance(values, Quantized):
        q = values.q.astype(np.int32)
        zigzag = ((q << 1) ^ (q >> 31)).astype("<u2")  # small |q| -> small codes, sign in the low bit
        return values.step.astype("<f4").tobytes() + _planes(zigzag)
    return _planes(values.astype("<f2"))


def unpack_values(raw: bytes, codec: str, tiles: int, values: int) -> np.ndarray | Quantized | bytes:
    """Inverse of :func:`pack_values`: float32 ``[tiles, values]``, a :class:`Quantized`, or the coded bytes."""
    if codec == "ans":
        return raw
    if codec == "q16":
        step = np.frombuffer(raw, "<f4", count=values).astype(np.float32)
        z = _unplanes(raw[values * 4 :], tiles, values, "<u2").astype(np.int32)
        return Quantized(step, ((z >> 1) ^ -(z & 1)).astype(np.int16))
    return _unplanes(raw, tiles, values, "<f2").astype(np.float32)


def checksum(header: Header, raw: bytes) -> int:
    """crc32 over every header field but the checksum, then the payload: a flip anywhere is caught."""
    fields = asdict(header)
    fields.pop("crc")
    return zlib.crc32(raw, zlib.crc32(msgpack.packb(fields)))


def write(header_fields: dict, values: np.ndarray | Quantized | bytes) -> bytes:
    """Serialise a header (without raw/crc, which are computed here) and the per-tile values."""
    raw = pack_values(values)
    header = Header(**header_fields, raw=len(raw), crc=0)
    header = Header(**(asdict(header) | {"crc": checksum(header, raw)}))
    header.check()
    head = msgpack.packb(asdict(header))
    payload = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(raw)
    return PREFIX.pack(MAGIC, VERSION, len(head)) + head + payload


def read_header(data: bytes) -> tuple[Header, int]:
    """Parse and validate the header; returns it and the payload offset."""
    if len(data) < PREFIX.size:
        raise InrzipError("not an .inrz file (too short)")
    magic, version, head_len = PREFIX.unpack_from(data)
    if magic != MAGIC:
        raise InrzipError("not an .inrz file (bad magic)")
    if version != VERSION:
        raise InrzipError(f".inrz format version {version} is not supported (this inrzip reads {VERSION})")
    if head_len > MAX_HEADER or PREFIX.size + head_len > len(data):
        raise InrzipError("corrupt .inrz file: header length out of range (truncated?)")
    try:
        fields = msgpack.unpackb(
            data[PREFIX.size : PREFIX.size + head_len],
            raw=False,
            strict_map_key=True,
            max_str_len=256,
            max_bin_len=0,
            max_array_len=0,
            max_map_len=32,
            max_ext_len=0,
        )
    except Exception:  # msgpack raises many types on garbage; all mean the same thing here
        raise InrzipError("corrupt .inrz header (not msgpack)") from None
    if not isinstance(fields, dict) or set(fields) != set(Header.__dataclass_fields__):
        raise InrzipError("corrupt .inrz header: wrong fields")
    header = Header(**fields)
    header.check()
    return header, PREFIX.size + head_len


FEED = 64  # compressed bytes per step: one step can inflate to at most ~2 MB, whatever the frame claims


def _inflate(payload: bytes, expect: int) -> bytes:
    """The one zstd frame of a payload, refusing output beyond ``expect`` bytes and any bytes after the frame."""
    dobj = zstandard.ZstdDecompressor().decompressobj()
    out = bytearray()
    try:
        for start in range(0, len(payload), FEED):
            out += dobj.decompress(payload[start : start + FEED])
            if len(out) > expect:
                raise InrzipError("corrupt .inrz payload: inflates past the size in its header")
            if dobj.eof:
                if dobj.unused_data or start + FEED < len(payload):
                    raise InrzipError("corrupt .inrz file: bytes after the payload")
                break
    except zstandard.ZstdError:
        raise InrzipError("corrupt .inrz payload (zstd)") from None
    if not dobj.eof:
        raise InrzipError("corrupt .inrz payload: truncated")
    return bytes(out)


def read(data: bytes) -> tuple[Header, np.ndarray | Quantized | bytes]:
    """Parse a whole file: validated header and its values (see :func:`unpack_values`)."""
    header, offset = read_header(data)
    raw = _inflate(data[offset:], header.raw)
    if len(raw) != header.raw:
        raise InrzipError("corrupt .inrz payload: wrong length (truncated?)")
    if checksum(header, raw) != header.crc:
        raise InrzipError("corrupt .inrz payload: checksum mismatch")
    return header, unpack_values(raw, header.codec, header.tiles, header.values)
