"""The ``.inrz`` container: magic, version, msgpack header, zstd payload. Every field is validated.

Layout (little-endian)::

    b"INRZ" | version: u8 | header_len: u32 | header: msgpack map | payload: one zstd frame

The payload holds each tile's coded values in the layout its header's ``codec`` names
(:mod:`.payload`); the mask, basis and entropy tables ship with the init and are never stored.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import asdict, dataclass

import msgpack
import zstandard

from ..errors import InrzipError
from .payload import LAYOUTS, payload_fits

MAGIC = b"INRZ"
VERSION = 1
PREFIX = struct.Struct("<4sBI")
MAX_HEADER = 4096
MAX_SIDE = 1 << 16  # largest width/height a file may claim
MAX_PAYLOAD = 1 << 30  # refuse to inflate more than 1 GiB, whatever the header says
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
        if self.codec not in LAYOUTS:
            raise InrzipError(f"unknown value codec {self.codec!r} (this inrzip reads {', '.join(LAYOUTS)})")
        if not (1 <= self.width <= MAX_SIDE and 1 <= self.height <= MAX_SIDE):
            raise bad(f"image size {self.width}x{self.height}")
        if not 2 <= self.tile <= 1024 or not 1 <= self.quality <= 1000 or not 1 <= self.values <= 1 << 24:
            raise bad("tile, quality or value count out of range")
        expect = -(-self.width // self.tile) * -(-self.height // self.tile)
        if self.tiles != expect:
            raise bad(f"{self.tiles} tiles for a {self.width}x{self.height} image in {self.tile}-pixel tiles")
        if self.raw > MAX_PAYLOAD or not payload_fits(self.codec, self.raw, self.tiles, self.values):
            raise bad("payload size does not match tiles x values")
        if not 0 <= self.crc < 1 << 32:
            raise bad("checksum field")


def checksum(header: Header, raw: bytes) -> int:
    """crc32 over every header field but the checksum, then the payload: a flip anywhere is caught."""
    fields = asdict(header)
    fields.pop("crc")
    return zlib.crc32(raw, zlib.crc32(msgpack.packb(fields)))


def write(header_fields: dict, raw: bytes) -> bytes:
    """Serialise a header (without raw/crc, which are computed here) and the payload bytes a codec made."""
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


def read(data: bytes) -> tuple[Header, bytes]:
    """Parse a whole file: validated header and its payload bytes (checksum verified), for its codec to unpack."""
    header, offset = read_header(data)
    raw = _inflate(data[offset:], header.raw)
    if len(raw) != header.raw:
        raise InrzipError("corrupt .inrz payload: wrong length (truncated?)")
    if checksum(header, raw) != header.crc:
        raise InrzipError("corrupt .inrz payload: checksum mismatch")
    return header, raw
