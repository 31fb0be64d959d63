"""The Python API takes what people have, and the README's examples run as written."""

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import smooth_photo
from inrzip import decode, encode
from inrzip.errors import InrzipError

README = Path(__file__).parent.parent / "README.md"


def test_encode_takes_paths_pil_images_and_arrays(tiny_basis, tmp_path):
    rgb = smooth_photo(20, 28, 1)
    Image.fromarray(rgb).save(tmp_path / "p.png")
    files = {
        encode(src, init=tiny_basis, quality=5).data
        for src in (str(tmp_path / "p.png"), tmp_path / "p.png", Image.fromarray(rgb), rgb)
    }
    assert len(files) == 1  # the same image, whatever it came as


def test_decode_takes_bytes_paths_and_encoded_and_any_size_form(tiny_basis, tmp_path):
    enc = encode(smooth_photo(20, 28, 1), init=tiny_basis, quality=5)
    (tmp_path / "x.inrz").write_bytes(enc.data)
    base = decode(enc.data)
    for src in (enc, tmp_path / "x.inrz", str(tmp_path / "x.inrz")):
        assert np.array_equal(decode(src), base)
    assert decode(enc, size=56).shape == (40, 56, 3)
    assert decode(enc, size=(30, 10)).shape == (10, 30, 3)
    assert decode(enc, size="30x10").shape == (10, 30, 3)
    with pytest.raises(InrzipError, match="size"):
        decode(enc, size=(0, 5))
    with pytest.raises(InrzipError, match="decode takes"):
        decode(12345)
    assert len(repr(enc)) < 200 and "bytes" in repr(enc)


def readme_blocks(tag: str) -> list[str]:
    """The README's ```python blocks that follow a line holding ``tag``."""
    text = README.read_text()
    return [m.group(1) for m in re.finditer(r"<!-- " + tag + r" -->\n```python\n(.*?)```", text, re.S)]


@pytest.mark.parametrize("tag", ["api-example", "pillow-example"])
def test_readme_examples_run(tag, tmp_path, monkeypatch):
    blocks = readme_blocks(tag)
    assert blocks, f"README has no {tag} block"
    monkeypatch.chdir(tmp_path)
    Image.fromarray(smooth_photo(48, 64, 2)).save(tmp_path / "photo.png")
    for code in blocks:
        exec(compile(code, f"README:{tag}", "exec"), {})
