"""The golden corpus: every file an earlier release wrote decodes, with this release, to the image that
release decoded it to (within one grey level at its own size; renders at other sizes may improve), and the
init each one names is still installed."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from inrzip import __version__, decoder, inits
from inrzip.format import container
from inrzip.metrics import psnr_uint8

GOLDEN = Path(__file__).parent / "golden"
CASES = [
    (release.name, entry)
    for release in sorted(p for p in GOLDEN.iterdir() if p.is_dir())
    for entry in json.loads((release / "manifest.json").read_text())["files"]
]


def test_the_corpus_is_there():
    releases = {r for r, _ in CASES}
    assert "2026-11-28" in releases and len(CASES) >= 15
    assert any(r.endswith(f"-{__version__}") for r in releases), "this release has not written its golden files"
    assert {e["encoded_with"][1] for _, e in CASES} >= {
        "siren-t16-basis",
        "siren-t16-w64",
        "siren-t16-basis-sr",
        "siren-t16-basis-pf",
        "siren-t16-basis-ip",
        "siren-t16-basis-w240",
        "siren-t16-basis-ctx",
        "siren-t16-basis-adapt",
        "siren-t16-basis-seam",
        "siren-t16-basis-qm",
        "siren-t16-basis-lap",
    }


@pytest.mark.parametrize("release,entry", CASES, ids=[f"{r}/{e['file']}" for r, e in CASES])
def test_old_files_decode_to_what_their_release_decoded(release, entry, monkeypatch):
    monkeypatch.delenv("INRZIP_WEIGHTS", raising=False)  # the installed inits alone
    data = (GOLDEN / release / entry["file"]).read_bytes()
    expect = np.asarray(Image.open(GOLDEN / release / entry["decodes_to"])).astype(int)  # in the file's mode
    got = decoder.decode(data, size=entry["size"]).astype(int)
    assert got.shape == expect.shape
    if entry["size"] is None:  # at its own size a file decodes to the same pixels, within one grey level
        assert np.abs(got - expect).max() <= 1, f"{release}/{entry['file']} decodes differently"
    else:  # a render at another size may improve between releases, and stays the same picture
        assert psnr_uint8(got.astype(np.uint8), expect.astype(np.uint8)) > 30, f"{release}/{entry['file']}"


def test_every_init_a_released_file_names_is_installed(monkeypatch):
    monkeypatch.delenv("INRZIP_WEIGHTS", raising=False)
    named = {container.read_header((GOLDEN / r / e["file"]).read_bytes())[0].init for r, e in CASES}
    installed = {inits.file_id(p) for p in inits.available().values()}
    assert named <= installed, f"released files name inits this package no longer ships: {named - installed}"
