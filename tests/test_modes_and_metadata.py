"""Gray, alpha and metadata end to end: what goes in comes back in the same mode, with its EXIF, ICC and XMP."""

import functools
import io

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageCms

from conftest import smooth_photo
from inrzip import decoder, encoder, images
from inrzip.cli import main
from inrzip.format import container

XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>'


@functools.cache
def srgb_icc() -> bytes:
    """One profile per run: lcms stamps the creation time into the header, so two made a second apart differ."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def jpeg_with_metadata(rgb: np.ndarray, orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "inrzip-test-camera"  # Make
    exif[0x0112] = orientation
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=95, exif=exif.tobytes(), icc_profile=srgb_icc(), xmp=XMP)
    return buf.getvalue()


def test_jpeg_exif_icc_xmp_survive_encode_and_decode(tiny_basis, tmp_path):
    src = tmp_path / "camera.jpg"
    src.write_bytes(jpeg_with_metadata(smooth_photo(24, 40, 1), orientation=6))  # stored sideways
    r = CliRunner().invoke(main, ["encode", str(src), "--init", tiny_basis, "-q", "5"])
    assert r.exit_code == 0, r.output
    assert "metadata" in r.output
    inrz = tmp_path / "camera.inrz"
    r = CliRunner().invoke(main, ["decode", str(inrz), "-o", str(tmp_path / "out.png")])
    assert r.exit_code == 0, r.output
    out = Image.open(tmp_path / "out.png")
    assert out.size == (24, 40)  # orientation applied at encode
    assert out.info["icc_profile"] == srgb_icc()
    exif = out.getexif()
    assert exif[0x010F] == "inrzip-test-camera" and exif.get(0x0112, 1) == 1  # tag reset: not rotated twice
    assert b"adobe:ns:meta" in (out.info.get("xmp") or b"")
    header, _, extras = container.read_all(inrz.read_bytes())
    assert set(extras.sections) == {"exif", "icc", "xmp"}
    r = CliRunner().invoke(main, ["info", str(inrz)])
    assert "icc" in r.output and "exif" in r.output
    stripped = tmp_path / "stripped.inrz"
    assert (
        CliRunner()
        .invoke(main, ["encode", str(src), "--init", tiny_basis, "-q", "5", "--strip", "-o", str(stripped)])
        .exit_code
        == 0
    )
    assert container.read_all(stripped.read_bytes())[2].sections == {}
    assert len(stripped.read_bytes()) < len(inrz.read_bytes())  # metadata bytes are counted in the file
    for fmt in ("jpg", "webp", "tif"):
        dst = tmp_path / f"out.{fmt}"
        r = CliRunner().invoke(main, ["decode", str(inrz), "-o", str(dst)])
        assert r.exit_code == 0, r.output
        assert Image.open(dst).info.get("icc_profile") == srgb_icc(), fmt
        assert ("second lossy step" in r.output) == (fmt == "jpg")


@pytest.mark.parametrize("which", ["tiny_basis", "tiny_init"])
def test_gray_images_stay_gray(which, request):
    init = request.getfixturevalue(which)
    gray = smooth_photo(32, 40, 2)[..., 1]
    enc = encoder.encode(gray, init=init, quality=3, steps=20)
    assert enc.mode == "L" and enc.psnr > 20
    out = decoder.decode(enc.data)
    assert out.shape == (32, 40) and out.dtype == np.uint8
    assert abs(enc.psnr - images_psnr(gray, out)) < 1e-6
    as_rgb = encoder.encode(np.repeat(gray[..., None], 3, axis=2), init=init, quality=3, steps=20)
    if which == "tiny_basis":  # one channel coded: a third of the values of the same picture as RGB
        gray_values = container.read_header(enc.data)[0].values
        assert gray_values < 0.5 * container.read_header(as_rgb.data)[0].values
        assert enc.psnr >= as_rgb.psnr - 0.5


def images_psnr(a, b):
    from inrzip.metrics import psnr_uint8

    return psnr_uint8(a, b)


def test_rgba_round_trip_soft_and_binary_alpha(tiny_basis, tmp_path):
    rgb = smooth_photo(32, 48, 3)
    y, x = np.mgrid[0:32, 0:48]
    soft = np.clip(255 * (x / 47.0), 0, 255).astype(np.uint8)
    binary = np.where((x - 24) ** 2 + (y - 16) ** 2 < 120, 255, 0).astype(np.uint8)
    results = {}
    for name, alpha in (("soft", soft), ("binary", binary)):
        enc = encoder.encode(np.dstack([rgb, alpha]), init=tiny_basis, quality=8)
        out = decoder.decode(enc.data)
        assert enc.mode == "RGBA" and out.shape == (32, 48, 4)
        results[name] = (enc, out)
    enc, out = results["binary"]
    assert np.array_equal(out[..., 3], binary) and enc.alpha_psnr == float("inf")
    enc, out = results["soft"]
    assert enc.alpha_psnr > 25 and enc.alpha_bytes > 0
    assert images_psnr(soft, out[..., 3]) == pytest.approx(enc.alpha_psnr)
    big = decoder.decode(enc.data, size="96x64")
    assert big.shape == (64, 96, 4)  # the alpha plane renders at any size too
    la = encoder.encode(np.dstack([rgb[..., 0], binary]), init=tiny_basis, quality=8)
    assert la.mode == "LA" and decoder.decode(la.data).shape == (32, 48, 2)
    png = tmp_path / "a.png"
    Image.fromarray(np.dstack([rgb, soft]), "RGBA").save(png)
    r = CliRunner().invoke(main, ["encode", str(png), "--init", tiny_basis, "-q", "8"])
    assert r.exit_code == 0 and "alpha" in r.output and "warning" not in r.output, r.output
    r = CliRunner().invoke(main, ["decode", str(tmp_path / "a.inrz")])
    assert r.exit_code == 0 and Image.open(tmp_path / "a.decoded.png").mode == "RGBA"


def test_pictures_from_every_kind_of_source(tmp_path):
    rgb = smooth_photo(8, 10, 0)
    Image.fromarray(rgb).save(tmp_path / "p.png")
    for src in (
        tmp_path / "p.png",
        str(tmp_path / "p.png"),
        (tmp_path / "p.png").read_bytes(),
        Image.fromarray(rgb),
        rgb,
    ):
        picture, _ = images.load_picture(src)
        assert picture.mode == "RGB" and np.array_equal(picture.pixels, rgb)
    assert images.load_picture(rgb[..., 0])[0].mode == "L"
    assert images.load_picture(Image.fromarray(rgb).convert("P"))[0].mode == "RGB"
    assert images.load_picture(Image.fromarray(rgb).convert("LA"))[0].mode == "LA"
    with pytest.raises(Exception, match="uint8"):
        images.load_picture(rgb.astype(np.float32))
