"""Property-based tests (hypothesis): the parser, the quantiser, the render plan and the CLI on arbitrary input."""

import numpy as np
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import smooth_photo
from inrzip import decoder, encoder, tiles
from inrzip.cli import main
from inrzip.codecs.siren import quant
from inrzip.errors import InrzipError
from inrzip.format import container, payload

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def files(draw):
    """A valid container for random (small) header fields and values, fp16, q16 or ans (opaque coded words)."""
    tile = draw(st.integers(2, 32))
    w, h = draw(st.integers(1, 200)), draw(st.integers(1, 200))
    n_tiles = -(-w // tile) * -(-h // tile)
    k = draw(st.integers(1, 12))
    codec_name = draw(st.sampled_from(list(payload.LAYOUTS)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    fields = dict(
        init="0123456789abcdef",
        quality=draw(st.integers(1, 20)),
        width=w,
        height=h,
        tile=tile,
        codec=codec_name,
        values=k,
        tiles=n_tiles,
    )
    if codec_name == "fp16":
        raw = payload.pack_fp16(rng.normal(size=(n_tiles, k)).astype(np.float32))
    elif codec_name == "ans":
        raw = rng.bytes(4 * draw(st.integers(1, n_tiles * k)))
    else:
        raw = payload.pack_q16(
            payload.Quantized(
                rng.uniform(1e-4, 1, k).astype(np.float32), rng.integers(-32767, 32768, (n_tiles, k)).astype(np.int16)
            )
        )
    return fields, raw


@FAST
@given(files())
def test_container_round_trips(case):
    fields, values = case
    header, back = container.read(container.write(fields, values))
    assert {k: getattr(header, k) for k in fields} == fields
    assert back == values


@FAST
@given(st.binary(max_size=300))
def test_arbitrary_bytes_decode_or_are_refused(blob):
    for data in (blob, container.MAGIC + bytes([container.VERSION]) + blob):
        try:
            container.read(data)
        except InrzipError as e:
            assert str(e) and "\n" not in str(e)


@FAST
@given(files(), st.data())
def test_edited_files_are_refused_or_unchanged(case, data):
    fields, values = case
    good = container.write(fields, values)
    bad = bytearray(good)
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert", "set"]))
        pos = data.draw(st.integers(0, max(len(bad) - 1, 0)))
        if op == "flip" and bad:
            bad[pos] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "cut":
            del bad[pos:]
        elif op == "insert":
            bad[pos:pos] = data.draw(st.binary(min_size=1, max_size=8))
        elif bad:
            bad[pos] = data.draw(st.integers(0, 255))
    try:
        header, back = container.read(bytes(bad))
    except InrzipError:
        return
    assert header == container.read(good)[0]  # accepted only if nothing the decoder uses changed
    assert back == container.read(good)[1]


@FAST
@given(st.integers(1, 40), st.integers(1, 12), st.floats(1, 12, allow_nan=False), st.integers(0, 2**32 - 1))
def test_quantiser_error_is_at_most_half_a_step(tiles_, k, bits, seed):
    rng = np.random.default_rng(seed)
    v0 = rng.normal(size=k).astype(np.float32)
    values = (v0 + rng.normal(scale=rng.uniform(1e-3, 1), size=(tiles_, k))).astype(np.float32)
    q = quant.quantize(values, v0, bits)
    err = np.abs(quant.dequantize(q, v0) - values)
    assert np.all(err <= q.step[None, :] * 0.5 * (1 + 1e-4) + 1e-6)


@FAST
@given(st.integers(1, 300), st.integers(1, 900), st.integers(2, 32))
def test_render_plan_covers_every_output_pixel_once(n_in, n_out, tile):
    plan = tiles.axis_plan(n_in, n_out, tile)
    assert plan.count.sum() == n_out
    assert np.all(plan.start == np.concatenate([[0], np.cumsum(plan.count)[:-1]]))
    used = np.concatenate([plan.local[t, : plan.count[t]] for t in range(len(plan.count))])
    # every coordinate lies within the tile's grid, up to half a pixel of extrapolation at a border
    assert np.all(np.abs(used) <= 1 + 1.0 / max(tile - 1, 1) + 1e-6)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=12))
def test_size_parser_accepts_or_refuses_in_one_line(size):
    try:
        w, h = decoder.parse_size(size, 768, 512)
    except InrzipError as e:
        assert "\n" not in str(e)
    else:
        assert w >= 1 and h >= 1 and w * h <= decoder.MAX_OUTPUT_PIXELS


@FAST
@given(st.binary(max_size=200), st.sampled_from(["", "--size=0", "--size=-3", "--size=abc", "--size=100000x100000"]))
def test_cli_decode_of_anything_is_one_line(tmp_path_factory, blob, size):
    path = tmp_path_factory.mktemp("cli") / "x.inrz"
    path.write_bytes(blob)
    args = ["decode", str(path), "-o", str(path.with_suffix(".png"))] + ([size] if size else [])
    r = CliRunner().invoke(main, args)
    assert r.exit_code != 0
    assert not path.with_suffix(".png").exists()
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1


def test_cli_refuses_bad_sizes_on_a_real_file(tiny_init, tmp_path):
    src = tmp_path / "a.inrz"
    src.write_bytes(encoder.encode(smooth_photo(20, 20, 2), quality=1, steps=1, init=tiny_init).data)
    for size in ["0", "-3", "abc", "100000x100000", "0x5", "3x"]:
        r = CliRunner().invoke(main, ["decode", str(src), "-o", str(tmp_path / "o.png"), "--size", size])
        assert r.exit_code != 0 and len(r.output.strip().splitlines()) == 1, (size, r.output)
        assert not (tmp_path / "o.png").exists()


@FAST
@given(st.integers(1, 120), st.integers(1, 6), st.integers(2, 32))
def test_blend_plan_weights_sum_to_one_on_every_output_pixel(n_in, factor, tile):
    n_out = n_in * factor + (factor > 1)  # upscales, not always an integer factor
    plan = tiles.blend_plan(n_in, n_out, tile)
    total = np.zeros(n_out)
    for t in range(len(plan.start)):
        total[plan.start[t] : plan.start[t] + plan.count[t]] += plan.weight[t, : plan.count[t]]
    np.testing.assert_allclose(total, 1.0, atol=1e-6)
    assert np.all(plan.weight >= 0) and np.all(plan.weight <= 1)
