import io

import numpy as np
import pytest
from PIL import Image

from inrzip.errors import InrzipError
from inrzip.images import load_image
from inrzip.tools.fuzz import huge_png_header


def save(im: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def test_modes_convert_to_rgb():
    rgb = np.random.default_rng(0).integers(0, 256, (9, 7, 3), dtype=np.uint8)
    base = Image.fromarray(rgb)
    out, notes = load_image(save(base))
    assert np.array_equal(out, rgb) and notes == []
    gray, _ = load_image(save(base.convert("L")))
    assert gray.shape == (9, 7, 3) and np.array_equal(gray[..., 0], gray[..., 2])
    pal, _ = load_image(save(base.convert("P")))
    assert pal.shape == (9, 7, 3)
    cmyk, _ = load_image(save(base.convert("CMYK"), "JPEG"))
    assert cmyk.shape == (9, 7, 3)


def test_alpha_dropped_with_warning():
    out, notes = load_image(save(Image.new("RGBA", (5, 4), (10, 20, 30, 0))))
    assert out.shape == (4, 5, 3) and tuple(out[0, 0]) == (10, 20, 30)
    assert any("alpha" in n for n in notes)


def test_16bit_scaled_not_clipped():
    a = np.full((4, 4), 65535, np.uint16)
    a[0, 0] = 0x8000
    out, _ = load_image(save(Image.fromarray(a)))
    assert out[1, 1, 0] == 255 and out[0, 0, 0] == 128


def test_exif_orientation_honoured():
    im = Image.new("RGB", (6, 3), (200, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 cw on display
    out, _ = load_image(save(im, "JPEG", exif=exif))
    assert out.shape == (6, 3, 3)


def test_animated_first_frame_with_warning():
    frames = [Image.new("RGB", (4, 4), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    out, notes = load_image(buf.getvalue())
    assert out[0, 0, 0] > 200 and any("first" in n for n in notes)


def test_one_pixel_image():
    out, _ = load_image(save(Image.new("RGB", (1, 1), (1, 2, 3))))
    assert out.shape == (1, 1, 3)


@pytest.mark.parametrize(
    "data,msg",
    [
        (b"", "not an image"),
        (b"hello world", "not an image"),
        (save(Image.new("RGB", (8, 8)))[:40], "not an image|cannot decode"),
        (save(Image.new("RGB", (64, 64)))[:-20], "cannot decode"),
    ],
)
def test_not_an_image(data, msg):
    with pytest.raises(InrzipError, match=msg):
        load_image(data)


def test_missing_file(tmp_path):
    with pytest.raises(InrzipError, match="cannot read"):
        load_image(tmp_path / "nope.png")


def test_decompression_bomb_refused():
    with pytest.raises(InrzipError, match="pixel limit"):
        load_image(huge_png_header(30000, 30000))
