import io
import json

import numpy as np
import pytest
from PIL import Image

from conftest import smooth_photo
from inrzip.tools import anchors, bench


def test_jpeg_at_size_is_nearest():
    rgb = smooth_photo(64, 64, 0)
    q, data = bench.at_size(rgb, 1500, anchors.get("jpeg"))
    sizes = {}
    for qq in range(1, 96):
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, format="JPEG", quality=qq, subsampling=2)
        sizes[qq] = len(buf.getvalue())
    best = min(abs(s - 1500) for s in sizes.values())
    assert abs(len(data) - 1500) <= best + 40  # JPEG size is near-monotone in quality


def test_psnr_at_interpolates_in_log_bpp():
    bpp, psnr = [0.25, 1.0], [20.0, 30.0]
    assert bench.psnr_at(bpp, psnr, 0.5) == pytest.approx(25.0)  # halfway in log(bpp)
    assert bench.psnr_at(bpp, psnr, 2.0) is None and bench.psnr_at(bpp, psnr, 0.1) is None


def test_bd_rate_of_a_curve_needing_half_the_bits():
    ref = ([0.2, 0.4, 0.8, 1.6], [24.0, 27.0, 30.0, 33.0])
    half = ([b / 2 for b in ref[0]], ref[1])
    assert bench.bd_rate(ref, half, lo=0.0, hi=10.0) == pytest.approx(-50.0, abs=0.01)
    assert bench.bd_rate(ref, ref, lo=0.0, hi=10.0) == pytest.approx(0.0, abs=1e-9)
    assert bench.bd_rate(ref, ([0.5, 1.0], [10.0, 12.0])) is None  # no common PSNR range


def test_seam_psnr_finds_border_errors():
    rgb = np.full((32, 32, 3), 100, np.uint8)
    recon = rgb.copy()
    recon[15:17] = 110  # a seam between two tile rows
    border, interior = bench.seam_psnr(rgb, recon, 16)
    assert border < 40 and interior == float("inf")


def test_bench_run_json_plot(tiny_init, photo_dir, tmp_path):
    report = bench.run(
        str(photo_dir),
        [1, 4],
        steps=5,
        init=tiny_init,
        limit=2,
        codec_names=("fp16", "q16"),
        anchors=("jpeg", "webp"),
        targets=(2.0,),
        log=lambda m: None,
    )
    assert report["images"] == 2 and len(report["rows"]) == 8
    m = [x for x in report["means"] if x["codec"] == "fp16"]
    assert m[0]["bpp"] < m[1]["bpp"]
    assert all(np.isfinite(r["jpeg_psnr"]) and r["webp_bpp"] > 0 for r in report["rows"])
    jpeg = report["anchor_curves"]["jpeg"]
    assert [p["setting"] for p in jpeg] == list(anchors.get("jpeg").sweep)
    assert jpeg[0]["bpp"] < jpeg[-1]["bpp"] and jpeg[0]["psnr"] < jpeg[-1]["psnr"]
    assert set(report["summary"]) == {"inrzip-fp16", "inrzip-q16", "JPEG", "WEBP"}
    (t,) = report["targets"]
    assert t["target_bpp"] == 2.0 and t["bpp"] > 0 and len(report["target_rows"]) == 2
    table = bench.format_table(report)
    assert "JPEG" in table and "WEBP" in table and "machine" in table and "--bpp 2" in table
    bench.write_json(report, tmp_path / "r.json")
    out = json.loads((tmp_path / "r.json").read_text())
    assert out["name"] == "inrzip-fp16" and len(out["results"]["psnr-rgb"]) == 2  # CompressAI's layout
    runs = out["runs"]
    assert len(runs["inrzip-q16"]["results"]["bpp"]) == 2
    assert set(runs["inrzip-fp16"]["results"]) >= {"bpp", "psnr-rgb", "encoding_time", "decoding_time"}
    assert "webp-matched-to-q16" in runs and len(runs["jpeg"]["results"]["bpp"]) == len(jpeg)
    bench.plot(report, tmp_path / "rd.png")
    assert Image.open(tmp_path / "rd.png").size[0] > 600


def test_anchor_names_agree_with_the_cli():
    from inrzip import cli

    assert cli.ANCHORS == anchors.NAMES


@pytest.mark.parametrize("name", anchors.NAMES)
def test_each_anchor_grows_with_its_setting_and_decodes(name):
    found, missing = anchors.available((name,))
    if missing:
        pytest.skip(f"{name}: library not installed")
    (a,) = found
    rgb = smooth_photo(48, 64, 1)
    small, big = a.encode(rgb, a.sweep[0]), a.encode(rgb, a.sweep[-1])
    assert len(small) < len(big) and a.lowest <= a.sweep[0] < a.sweep[-1] <= a.highest
    back = a.decode(big)
    assert back.shape == rgb.shape and back.dtype == np.uint8
    assert bench.psnr_uint8(rgb, back) > bench.psnr_uint8(rgb, a.decode(small))
    setting, data = bench.at_size(rgb, (len(small) + len(big)) // 2, a)
    assert a.lowest <= setting <= a.highest and len(small) <= len(data) <= len(big)


def test_a_missing_library_skips_its_anchor(monkeypatch, tiny_init, photo_dir):
    def missing():
        raise ImportError("no such library")

    label, lo, hi, sweep, _ = anchors.SPECS["jpegxl"]
    monkeypatch.setitem(anchors.SPECS, "jpegxl", (label, lo, hi, sweep, missing))
    found, skipped = anchors.available(("jpeg", "jpegxl"))
    assert [a.name for a in found] == ["jpeg"] and skipped == ["jpegxl"]
    said = []
    seen = []
    report = bench.run(
        str(photo_dir), [1, 4], steps=5, init=tiny_init, limit=2, codec_names=("q16",), anchors=("jpeg", "jpegxl"),
        log=said.append, on_image=lambda r: seen.append(r["images"]),
    )  # fmt: skip
    assert report["anchors"] == ["jpeg"] and report["skipped_anchors"] == ["jpegxl"]
    assert any("jpegxl" in m for m in said) and "skipped (library not installed): jpegxl" in bench.format_table(report)
    assert seen == [1, 2]  # the report after each image
    s = report["summary"]["inrzip-q16"]
    assert set(s["bd_rate_pct"]) == {"JPEG"} and set(s["psnr_at_bpp"]) == {"0.25", "0.5", "1.0"}
    means = [m for m in report["means"] if m["codec"] == "q16"]
    assert s["levels_below"]["jpeg"] == [m["quality"] for m in means if m["jpeg_psnr"] > m["psnr"]]
    assert all(0 < r["ms_ssim"] <= 1 and 0 < r["jpeg_ms_ssim"] <= 1 for r in report["rows"])


def test_ablation_reads_every_row_against_the_first(monkeypatch):
    """The ablation table: each row's BD-rate against the first (a row needing 10 % more bits at every PSNR reads
    +10 %), PSNR at 2 bpp from its own curve, one printed line per row as it finishes."""
    curves = {"a": ([0.2, 0.5, 1.0, 2.5], [27.0, 30.0, 34.0, 40.0])}
    curves["b"] = ([1.1 * x for x in curves["a"][0]], curves["a"][1])

    def fake_run(data_dir, qualities, init, **kw):
        b, p = curves[init]
        at = {k: bench.psnr_at(b, p, float(k)) for k in ("0.25", "0.5", "1.0")}
        summary = {"psnr_at_bpp": at, "bd_rate_vs_jpeg_pct": -40.0 if init == "a" else None}
        means = [{"bpp": x, "psnr": y} for x, y in zip(b, p, strict=True)]
        if init == "a":  # border / interior PSNR per level: a gap of 0.5 and 0.7
            means[0] |= {"psnr_tile_border": 26.5, "psnr_tile_interior": 27.0}
            means[1] |= {"psnr_tile_border": 29.5, "psnr_tile_interior": 30.2}
        return {"means": means, "summary": {"inrzip-ans": summary}}

    monkeypatch.setattr(bench, "run", fake_run)
    lines = []
    table = bench.ablation("val", [("default", "a"), ("- a lever", "b")], out=lines.append)
    assert table[0]["bd_vs_default"] == pytest.approx(0, abs=1e-9)
    assert table[1]["bd_vs_default"] == pytest.approx(10, abs=0.01)
    assert table[0]["psnr_at"][3] == pytest.approx(bench.psnr_at(*curves["a"], 2.0))
    assert table[1]["psnr_at"][3] < table[0]["psnr_at"][3]
    assert len(lines) == 5 and lines[2].startswith("default ") and "-40.0 %" in lines[2]
    assert lines[3].startswith("- a lever") and "n/a" in lines[3] and "+10.0 %" in lines[3]
    assert table[0]["border_gap"] == pytest.approx(0.6) and lines[2].endswith("0.60 dB")
    assert table[1]["border_gap"] is None and lines[3].endswith("n/a")


def test_an_ablation_row_can_change_a_setting_first(monkeypatch):
    """A row's setup runs before its bench and stays for the rows after: a setting the encoder reads."""
    seen = []
    setting = {"x": 1}

    def fake_run(data_dir, qualities, init, **kw):
        seen.append((init, setting["x"]))
        summary = {"psnr_at_bpp": {"0.25": 27.0, "0.5": 30.0, "1.0": 34.0}, "bd_rate_vs_jpeg_pct": -40.0}
        return {"means": [{"bpp": b, "psnr": p} for b, p in ((0.2, 27), (0.5, 30), (1, 34), (2.5, 40))],
                "summary": {"inrzip-ans": summary}}  # fmt: skip

    monkeypatch.setattr(bench, "run", fake_run)
    rows = [("default", "a"), ("- setting", "a", lambda: setting.update(x=2)), ("- both", "b")]
    bench.ablation("val", rows, out=lambda line: None)
    assert seen == [("a", 1), ("a", 2), ("b", 2)]
