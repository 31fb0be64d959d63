import io
import json

import numpy as np
from PIL import Image

from conftest import smooth_photo
from inrzip import bench


def test_jpeg_at_size_is_nearest():
    rgb = smooth_photo(64, 64, 0)
    q, data = bench.jpeg_at_size(rgb, 1500)
    sizes = {}
    for qq in range(1, 96):
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, format="JPEG", quality=qq, subsampling=2)
        sizes[qq] = len(buf.getvalue())
    best = min(abs(s - 1500) for s in sizes.values())
    assert abs(len(data) - 1500) <= best + 40  # JPEG size is near-monotone in quality


def test_bench_run_and_json(tiny_init, photo_dir, tmp_path):
    report = bench.run(
        str(photo_dir),
        [1, 4],
        steps=5,
        init=tiny_init,
        limit=2,
        codec_names=("fp16", "q16"),
        anchors=("jpeg", "webp"),
        log=lambda m: None,
    )
    assert report["images"] == 2 and len(report["rows"]) == 8
    m = [x for x in report["means"] if x["codec"] == "fp16"]
    assert m[0]["bpp"] < m[1]["bpp"]
    assert all(np.isfinite(r["jpeg_psnr"]) and r["webp_bpp"] > 0 for r in report["rows"])
    table = bench.format_table(report)
    assert "JPEG" in table and "WEBP" in table and "machine" in table
    bench.write_json(report, tmp_path / "r.json")
    out = json.loads((tmp_path / "r.json").read_text())["runs"]
    assert len(out["inrzip-q16"]["results"]["bpp"]) == 2
    assert set(out["inrzip-fp16"]["results"]) >= {"bpp", "psnr-rgb", "encoding_time", "decoding_time"}
    assert "webp-matched-to-q16" in out
