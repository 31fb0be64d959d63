import dataclasses

import numpy as np
import pytest
import torch

from conftest import smooth_photo
from inrzip import decoder, encoder, inits
from inrzip.codecs.siren import codec as siren_codec
from inrzip.codecs.siren import fit as siren_fit
from inrzip.errors import InrzipError
from inrzip.format import container, payload
from inrzip.metrics import psnr_uint8


def values(data: bytes) -> np.ndarray:
    """The fp16 values a file stores."""
    header, raw = container.read(data)
    return payload.unpack_fp16(raw, header.tiles, header.values)


def test_encode_decode_reaches_psnr(tiny_init):
    rgb = smooth_photo(30, 37, 11)
    enc = encoder.encode(rgb, quality=4, init=tiny_init, steps=100, lr=1e-2)
    out = decoder.decode(enc.data)
    assert out.shape == rgb.shape and out.dtype == np.uint8
    assert psnr_uint8(rgb, out) == pytest.approx(enc.psnr)
    assert enc.psnr > 30
    assert enc.bpp == len(enc.data) * 8 / (30 * 37)


def test_more_weights_cost_more_bits_and_fit_better(tiny_init):
    rgb = smooth_photo(32, 32, 3)
    lo, hi = (encoder.encode(rgb, quality=q, init=tiny_init, steps=60, lr=1e-2) for q in (1, 4))
    assert len(lo.data) < len(hi.data) and lo.psnr < hi.psnr + 0.5


def test_decode_any_size(tiny_init):
    data = encoder.encode(smooth_photo(24, 40, 1), quality=2, init=tiny_init, steps=5).data
    assert decoder.decode(data, size="80").shape == (48, 80, 3)
    assert decoder.decode(data, size="20").shape == (12, 20, 3)
    assert decoder.decode(data, size="123x7").shape == (7, 123, 3)
    for bad in ("0", "-3", "abc", "10x", "100000x100000"):
        with pytest.raises(InrzipError):
            decoder.decode(data, size=bad)


def test_upscale_is_consistent_with_native(tiny_init):
    rgb = smooth_photo(32, 32, 5)
    data = encoder.encode(rgb, quality=4, init=tiny_init, steps=60, lr=1e-2).data
    native = decoder.decode(data).astype(float)
    big = decoder.decode(data, size="64").astype(float)
    small_again = big.reshape(32, 2, 32, 2, 3).mean(axis=(1, 3))
    assert np.abs(small_again - native).mean() < 4  # same picture, rendered finer


def test_seed_determinism_and_chunk_invariance(tiny_init):
    rgb = smooth_photo(30, 30, 2)
    a = encoder.encode(rgb, quality=3, init=tiny_init, steps=20, seed=7).data
    b = encoder.encode(rgb, quality=3, init=tiny_init, steps=20, seed=7).data
    c = encoder.encode(rgb, quality=3, init=tiny_init, steps=20, seed=7, chunk=5).data
    assert a == b
    va, vc = values(a), values(c)
    assert np.abs(va - vc).max() < 2e-3


def test_bpp_picks_nearest_level(tiny_init):
    ladder = inits.load(tiny_init)
    rates = [siren_codec.nominal_bpp(lv.n_values, 8, 64, 64) for lv in ladder.levels]
    for q, r in enumerate(rates, start=1):
        assert siren_codec.CODEC.quality_for_bpp(ladder, r * 1.01, 64, 64, "fp16") == q


def test_unknown_init_and_bad_quality(tiny_init, monkeypatch):
    data = encoder.encode(smooth_photo(16, 16, 0), quality=1, init=tiny_init, steps=2).data
    monkeypatch.setenv("INRZIP_WEIGHTS", "/nonexistent")
    if any(inits.load(str(p)).id == container.read_header(data)[0].init for p in inits.available().values()):
        pytest.skip("shipped init collides")
    with pytest.raises(InrzipError, match="initialization"):
        decoder.decode(data)
    with pytest.raises(InrzipError, match="quality"):
        encoder.encode(smooth_photo(16, 16, 0), quality=99, init=tiny_init, steps=1)


def test_q16_is_smaller_than_fp16_at_similar_quality(tiny_init):
    rgb = smooth_photo(40, 48, 6)
    fp = encoder.encode(rgb, quality=4, init=tiny_init, steps=60, lr=1e-2)
    q = encoder.encode(rgb, quality=4, init=tiny_init, steps=60, lr=1e-2, codec="q16", bits=8)
    assert len(q.data) < len(fp.data)
    fine = encoder.encode(rgb, quality=4, init=tiny_init, steps=60, lr=1e-2, codec="q16", bits=12)
    assert abs(fine.psnr - fp.psnr) < 0.2  # enough resolution reproduces the unquantised fit
    coarse = encoder.encode(rgb, quality=4, init=tiny_init, steps=60, lr=1e-2, codec="q16", bits=3)
    assert len(coarse.data) < len(q.data) and coarse.psnr < q.psnr


def test_q16_rate_control_lands_near_target(tiny_init):
    rgb = smooth_photo(64, 64, 8)
    ref = encoder.encode(rgb, quality=4, init=tiny_init, steps=20, codec="q16", bits=7)
    target = ref.bpp * 0.8
    hit = encoder.encode(rgb, quality=4, init=tiny_init, steps=20, codec="q16", bpp=target)
    assert abs(hit.bpp / target - 1) < 0.05


def cut_units(cfg, mask, units=(0, 3)):
    """The mask with every outgoing weight of some hidden units removed: dead units to compact away."""
    mask = mask.clone()
    start = 0
    for layer, (fan_in, fan_out) in enumerate(cfg.layer_shapes()):
        block = mask[start : start + fan_in * fan_out].view(fan_in, fan_out)
        if layer > 0:
            block[list(units)] = False
        start += fan_in * fan_out
    return mask


def test_compact_network_is_the_same_function(tiny_init):
    from inrzip.nets import torch_siren as siren

    ladder = inits.load(tiny_init)
    cfg = ladder.cfg
    coords = siren.tile_grid(cfg.tile)
    for level in ladder.levels:
        mask = cut_units(cfg, torch.from_numpy(level.mask))
        theta = torch.from_numpy(level.theta) * mask
        bias = torch.from_numpy(level.bias)
        net = siren.compact(cfg, theta, bias, mask)
        assert net.cfg.width <= cfg.width - 2
        index = siren.mask_index(mask)
        full = siren.initial_values(cfg, theta, index) + torch.randn(5, index.numel() + 3) * 0.3
        a = siren.forward_values(cfg, full, bias, index, coords)
        b = siren.forward_values(net.cfg, net.values(full), net.bias, siren.mask_index(net.mask), coords)
        torch.testing.assert_close(a, b)
        back = net.expand(net.values(full), siren.initial_values(cfg, theta, index))
        torch.testing.assert_close(back[:, net.keep], full[:, net.keep])
        torch.testing.assert_close(back[:, -3:], full[:, -3:])


def test_compact_fit_matches_plain_fit(tiny_init):
    ladder = inits.load(tiny_init)
    rgb = smooth_photo(24, 32, 5)
    for level in ladder.levels:
        mask = cut_units(ladder.cfg, torch.from_numpy(level.mask)).numpy()
        level = dataclasses.replace(level, mask=mask, theta=level.theta * mask)
        (fast,) = siren_fit.fit_images([rgb], ladder, level, 15, 1e-2, torch.device("cpu"), compact=True)
        (plain,) = siren_fit.fit_images([rgb], ladder, level, 15, 1e-2, torch.device("cpu"), compact=False)
        np.testing.assert_allclose(fast, plain, atol=1e-4)


def test_batch_encode_equals_one_by_one(tiny_init):
    photos = [smooth_photo(20 + 4 * i, 28, i) for i in range(3)]
    batch = encoder.encode_batch(photos, quality=2, init=tiny_init, steps=10, chunk=7)
    for rgb, result in zip(photos, batch, strict=True):
        alone = encoder.encode(rgb, quality=2, init=tiny_init, steps=10, chunk=7)
        assert result.header == alone.header
        a, b = values(result.data), values(alone.data)
        np.testing.assert_allclose(a, b, atol=2e-3)  # fp16 values; only float summation order may differ


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_encode_decodes_on_cpu_within_one_grey_level(tiny_init):
    rgb = smooth_photo(48, 40, 9)
    a = encoder.encode(rgb, quality=2, init=tiny_init, steps=20, device="cuda").data
    assert a == encoder.encode(rgb, quality=2, init=tiny_init, steps=20, device="cuda").data
    gpu, cpu = decoder.decode(a, device="cuda"), decoder.decode(a, device="cpu")
    assert np.abs(gpu.astype(int) - cpu.astype(int)).max() <= 1


def test_numpy_decoder_matches_torch_renderer(tiny_init):
    for codec_name in ("fp16", "q16"):
        data = encoder.encode(smooth_photo(37, 45, 3), quality=3, init=tiny_init, steps=15, codec=codec_name).data
        for size in (None, "90", "20"):
            job = decoder.prepare(data, size)
            torch_rgb = decoder.render(job, siren_fit.torch_evaluator(job.init, job.level, torch.device("cpu")))
            numpy_rgb = decoder.render(job)
            assert np.abs(torch_rgb.astype(int) - numpy_rgb.astype(int)).max() <= 1


def test_cli_decode_does_not_import_torch(tiny_init, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = tmp_path / "x.inrz"
    src.write_bytes(encoder.encode(smooth_photo(20, 20, 1), quality=1, init=tiny_init, steps=2).data)
    code = (
        "import sys; from inrzip.cli import main; "
        f"main(['decode', {str(src)!r}, '-o', {str(tmp_path / 'x.png')!r}], standalone_mode=False); "
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    env = {**os.environ, "INRZIP_WEIGHTS": str(Path(tiny_init).parent)}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr[-1500:]
    assert (tmp_path / "x.png").exists()
