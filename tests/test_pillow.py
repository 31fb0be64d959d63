"""The Pillow plugin: Image.open decodes .inrz, im.save encodes it, extension and MIME type registered."""

import io

import numpy as np
from PIL import Image

from conftest import smooth_photo


def test_open_save_and_any_size(tiny_basis, tmp_path):
    import inrzip.pillow  # noqa: F401 - registers the format

    assert Image.registered_extensions()[".inrz"] == "INRZ" and Image.MIME["INRZ"] == "image/x-inrz"
    rgb = smooth_photo(24, 40, 3)
    Image.fromarray(rgb).save(tmp_path / "x.inrz", quality=9, init=tiny_basis)  # format from the extension
    im = Image.open(tmp_path / "x.inrz")
    assert (im.format, im.mode, im.size) == ("INRZ", "RGB", (40, 24))
    assert 20 < _psnr(np.asarray(im), rgb)
    big = Image.open(tmp_path / "x.inrz")
    big.draft(None, (80, 48))
    assert np.asarray(big).shape == (48, 80, 3)
    buf = io.BytesIO()
    Image.fromarray(rgb[..., 0]).save(buf, format="INRZ", bpp=2.0, init=tiny_basis)
    gray = Image.open(io.BytesIO(buf.getvalue()))
    assert gray.mode == "L" and np.asarray(gray).shape == (24, 40)


def test_register_is_explicit_and_idempotent():
    from inrzip import pillow

    pillow.register()
    pillow.register()
    assert "INRZ" in Image.OPEN and "INRZ" in Image.SAVE


def _psnr(a, b):
    from inrzip.metrics import psnr_uint8

    return psnr_uint8(a, b)
