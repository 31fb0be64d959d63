"""The ``.inrz`` container: magic, version, msgpack header, zstd payload. Every field is validated.

Layout (little-endian)::

    version 1: b"INRZ" | 1: u8 | header_len: u32 | header: msgpack map | payload: one zstd frame
    version 2: b"INRZ" | 2: u8 | header_len: u32 | header: msgpack map | payload frame | one frame per section

Version 2 adds to version 1's header the image ``mode`` (RGB, L, RGBA, LA), the payload frame's
length and the list of sections (metadata, alpha). A plain RGB image without metadata is still
written as version 1, byte for byte what earlier releases wrote; both versions are read.

The payload holds each tile's coded values in the layout its header's ``codec`` names
(:mod:`.payload`); the mask, basis and entropy tables ship with the init and are never stored.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import msgpack
import zstandard

from ..errors import InrzipError
from .payload import LAYOUTS, payload_fits

MAGIC = b"INRZ"
VERSION = 1  # the version of a plain RGB file
VERSION_EXTRAS = 2  # mode, metadata and alpha sections
VERSIONS = (VERSION, VERSION_EXTRAS)
MODES = ("RGB", "L", "RGBA", "LA")
# sections a version-2 file may carry: metadata (written back on decode) and the alpha plane
METADATA = ("exif", "icc", "xmp")
SECTIONS = (*METADATA, "alpha", "alpha-bits")
MAX_SECTION = 1 << 26  # 64 MiB of inflated alpha plane, whatever a header claims
MAX_METADATA = 1 << 24  # 16 MiB of one kind of metadata (an ICC profile is KBs to a few MB, EXIF at most 64 KB)
PREFIX = struct.Struct("<4sBI")
MAX_HEADER = 4096
MAX_SIDE = 1 << 16  # largest width/height a file may claim
MAX_PAYLOAD = 1 << 30  # refuse to inflate more than 1 GiB, whatever the header says
ZSTD_LEVEL = 19


@dataclass(frozen=True)
class Extras:
    """What a version-2 file adds: the image mode and its sections (inflated bytes by name)."""

    mode: str = "RGB"
    sections: dict[str, bytes] = field(default_factory=dict)

    @property
    def gray(self) -> bool:
        return self.mode in ("L", "LA")


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


def checksum(header: Header, raw: bytes, layout: dict | None = None, sections: list[bytes] = ()) -> int:
    """crc32 over every header field but the checksum (version 2: and its layout fields), the payload, then
    each section: a flip anywhere is caught."""
    fields = asdict(header)
    fields.pop("crc")
    crc = zlib.crc32(raw, zlib.crc32(msgpack.packb(fields | (layout or {}))))
    for part in sections:
        crc = zlib.crc32(part, crc)
    return crc


def write(header_fields: dict, raw: bytes, extras: Extras | None = None) -> bytes:
    """Serialise a header (without raw/crc, which are computed here), the payload bytes a codec made and,
    where there are any, the mode and sections (version 2; otherwise version 1)."""
    extras = extras or Extras()
    header = Header(**header_fields, raw=len(raw), crc=0)
    header.check()
    compress = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress
    payload = compress(raw)
    if extras.mode == "RGB" and not extras.sections:
        header = Header(**(asdict(header) | {"crc": checksum(header, raw)}))
        head = msgpack.packb(asdict(header))
        return PREFIX.pack(MAGIC, VERSION, len(head)) + head + payload
    if extras.mode not in MODES or not set(extras.sections) <= set(SECTIONS):
        raise InrzipError(f"cannot write mode {extras.mode!r} with sections {sorted(extras.sections)}")
    if any(len(v) > MAX_METADATA for k, v in extras.sections.items() if k in METADATA):
        raise InrzipError(f"metadata over the {MAX_METADATA >> 20} MiB limit (--strip drops it)")
    names = [n for n in SECTIONS if n in extras.sections]
    frames = [_section_frame(extras.sections[n]) for n in names]
    layout = {
        "mode": extras.mode,
        "packed": len(payload),
        "sections": [[n, len(extras.sections[n]), len(f)] for n, f in zip(names, frames, strict=True)],
    }
    crc = checksum(header, raw, layout, [extras.sections[n] for n in names])
    head = msgpack.packb(asdict(header) | {"crc": crc} | layout)
    if len(head) > MAX_HEADER:
        raise InrzipError("header too large")
    return PREFIX.pack(MAGIC, VERSION_EXTRAS, len(head)) + head + payload + b"".join(frames)


@lru_cache(maxsize=8)
def _section_frame(section: bytes) -> bytes:
    """A section's zstd frame, cached: rate control writes the same metadata and alpha at every step it tries."""
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(section)


def section_sizes(data: bytes) -> dict[str, int]:
    """Bytes each section's frame takes in a file, from its header (a version-1 file has none)."""
    _, _, layout = _parse(data)
    return {} if layout is None else {name: packed for name, _, packed in layout["sections"]}


def read_header(data: bytes) -> tuple[Header, int]:
    """Parse and validate the header; returns it and the payload offset."""
    header, offset, _ = _parse(data)
    return header, offset


def _parse(data: bytes) -> tuple[Header, int, dict | None]:
    """Header, payload offset and (version 2) the layout fields: mode, payload frame length, sections."""
    if len(data) < PREFIX.size:
        raise InrzipError("not an .inrz file (too short)")
    magic, version, head_len = PREFIX.unpack_from(data)
    if magic != MAGIC:
        raise InrzipError("not an .inrz file (bad magic)")
    if version not in VERSIONS:
        raise InrzipError(f".inrz format version {version} is not supported (this inrzip reads 1 and 2)")
    if head_len > MAX_HEADER or PREFIX.size + head_len > len(data):
        raise InrzipError("corrupt .inrz file: header length out of range (truncated?)")
    try:
        fields = msgpack.unpackb(
            data[PREFIX.size : PREFIX.size + head_len],
            raw=False,
            strict_map_key=True,
            max_str_len=256,
            max_bin_len=0,
            max_array_len=0 if version == VERSION else 16,
            max_map_len=32,
            max_ext_len=0,
        )
    except Exception:  # msgpack raises many types on garbage; all mean the same thing here
        raise InrzipError("corrupt .inrz header (not msgpack)") from None
    keys = set(Header.__dataclass_fields__) | (set() if version == VERSION else {"mode", "packed", "sections"})
    if not isinstance(fields, dict) or set(fields) != keys:
        raise InrzipError("corrupt .inrz header: wrong fields")
    layout = None
    if version == VERSION_EXTRAS:
        layout = {k: fields.pop(k) for k in ("mode", "packed", "sections")}
        _check_layout(layout, len(data) - PREFIX.size - head_len)
    header = Header(**fields)
    header.check()
    return header, PREFIX.size + head_len, layout


def _check_layout(layout: dict, available: int) -> None:
    """A version-2 layout: a known mode, known unique sections, frame lengths that add up to the file."""
    bad = lambda msg: InrzipError(f"corrupt .inrz header: {msg}")  # noqa: E731
    if layout["mode"] not in MODES:
        raise bad(f"unknown image mode {layout['mode']!r}")
    sections = layout["sections"]
    if not isinstance(sections, list) or not all(isinstance(e, list) and len(e) == 3 for e in sections):
        raise bad("sections")
    names = [e[0] for e in sections]
    lengths = [n for e in sections for n in (e[1], e[2])] + [layout["packed"]]
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 < n <= MAX_SECTION for n in lengths):
        raise bad("section length out of range")
    if any(e[1] > MAX_METADATA for e in sections if e[0] in METADATA):
        raise bad(f"metadata over the {MAX_METADATA >> 20} MiB limit")
    if not set(names) <= set(SECTIONS) or len(set(names)) != len(names) or names != sorted(names, key=SECTIONS.index):
        raise bad("unknown, repeated or misordered section")
    if layout["packed"] + sum(e[2] for e in sections) != available:
        raise InrzipError("corrupt .inrz file: section lengths do not add up to the file (truncated?)")
    alpha = {"alpha", "alpha-bits"} & set(names)
    if len(alpha) != (1 if layout["mode"] in ("RGBA", "LA") else 0):
        raise bad(f"mode {layout['mode']} with alpha sections {sorted(alpha)}")


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
    if len(out) != expect:
        raise InrzipError("corrupt .inrz payload: wrong length (truncated?)")
    return bytes(out)


def read(data: bytes) -> tuple[Header, bytes]:
    """Parse a whole file: validated header and its payload bytes (checksum verified), for its codec to unpack."""
    header, raw, _ = read_all(data)
    return header, raw


def read_all(data: bytes) -> tuple[Header, bytes, Extras]:
    """Parse a whole file: header, payload bytes and extras (mode, inflated sections), checksum verified."""
    header, offset, layout = _parse(data)
    if layout is None:
        raw = _inflate(data[offset:], header.raw)
        if checksum(header, raw) != header.crc:
            raise InrzipError("corrupt .inrz payload: checksum mismatch")
        return header, raw, Extras()
    end = offset + layout["packed"]
    raw = _inflate(data[offset:end], header.raw)
    sections = {}
    for name, raw_len, packed_len in layout["sections"]:
        sections[name] = _inflate(data[end : end + packed_len], raw_len)
        end += packed_len
    if checksum(header, raw, layout, list(sections.values())) != header.crc:
        raise InrzipError("corrupt .inrz payload: checksum mismatch")
    return header, raw, Extras(layout["mode"], sections)
