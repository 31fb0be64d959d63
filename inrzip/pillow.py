"""A Pillow plugin for ``.inrz``: ``import inrzip.pillow`` (or ``inrzip.pillow.register()``) and then

    Image.open("photo.inrz")                      # decodes (numpy; no torch)
    im.draft(None, (1536, 1024)); im.load()       # renders at any size before loading
    im.save("photo.inrz", quality=8)              # encodes (quality=, bpp=, init=, steps=, strip=)

Modelled on Pillow's own plugins (``_accept`` on the magic, ``_open`` reads only the header,
``load`` decodes): the header gives size and mode without decoding anything.
"""

from __future__ import annotations

from typing import IO

from PIL import Image, ImageFile

from .format import container

FORMAT = "INRZ"
MIME = "image/x-inrz"


def _accept(prefix: bytes) -> bool:
    return prefix[:4] == container.MAGIC


class InrzImageFile(ImageFile.ImageFile):
    """An opened ``.inrz``: size and mode from the header; pixels rendered on ``load``."""

    format = FORMAT
    format_description = "inrzip implicit neural representation"

    def _open(self) -> None:
        from .errors import InrzipError

        self._data = self.fp.read()
        try:
            header, _, extras = container.read_all(self._data)
        except InrzipError as e:
            raise SyntaxError(str(e)) from None
        self._size = (header.width, header.height)
        self._mode = extras.mode
        self._render_size: tuple[int, int] | None = None
        self.tile = []
        for key, name in (("exif", "exif"), ("icc", "icc_profile"), ("xmp", "xmp")):
            if key in extras.sections:
                self.info[name] = extras.sections[key]

    def draft(self, mode: str | None, size: tuple[int, int] | None):
        """Render at ``size`` (any size: the networks are continuous) instead of the stored one."""
        if size is None or self._render_size is not None:
            return None
        self._render_size = (int(size[0]), int(size[1]))
        box = (0, 0, *self._size)
        self._size = self._render_size
        return self.mode, box

    def load(self):
        if self._data is not None:
            from .decoder import decode

            pixels = decode(self._data, size=self._render_size)
            self._data = None
            self.load_prepare()
            self.frombytes(Image.fromarray(pixels, self.mode).tobytes())
        return Image.Image.load(self)


def _save(im: Image.Image, fp: IO[bytes], filename: str | bytes) -> None:
    """``im.save(..., format="INRZ")``: encoder options from the save call (quality, bpp, init, steps, strip)."""
    from .encoder import encode

    options = {
        k: im.encoderinfo[k] for k in ("quality", "bpp", "init", "steps", "device", "strip") if k in im.encoderinfo
    }
    fp.write(encode(im, **options).data)


def register() -> None:
    """Teach Pillow the format: open, save, the ``.inrz`` extension and the MIME type."""
    Image.register_open(FORMAT, InrzImageFile, _accept)
    Image.register_save(FORMAT, _save)
    Image.register_extension(FORMAT, ".inrz")
    Image.register_mime(FORMAT, MIME)


register()
