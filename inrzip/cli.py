"""Command line: parse arguments, call the library, print one line per result. No codec logic here."""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

import click

from . import __version__
from .errors import InrzipError

# Before torch loads OpenMP: idle threads sleep instead of spinning. Spinning threads of two encodes side by
# side on this 2-core machine starved each other (3.5 s alone, 18.8 s each side by side); sleeping ones
# cost a little alone and nothing together (README, "Speed and memory"). A user's setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class Cli(click.Group):
    """Every failure becomes one line on stderr and a non-zero exit code; never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InrzipError as e:
            click.echo(f"inrzip: error: {e}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("inrzip: interrupted", err=True)
            ctx.exit(130)
        except MemoryError:
            click.echo("inrzip: error: out of memory", err=True)
            ctx.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as e:  # noqa: BLE001 - the CLI's promise is one line, whatever went wrong
            if os.environ.get("INRZIP_DEBUG"):
                raise
            click.echo(f"inrzip: internal error: {type(e).__name__}: {e} (INRZIP_DEBUG=1 shows a traceback)", err=True)
            ctx.exit(1)


def _say(msg: str, to_stderr: bool = False) -> None:
    click.echo(msg, err=to_stderr)


def _bar(label: str, unit: str = "steps"):
    """A progress callback ``(done, total)``: a bar on a terminal's stderr, silent elsewhere (INRZIP_PROGRESS=1
    prints a line every 30 s instead)."""
    from .progress import Progress

    state: dict = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = Progress(total, label, unit=unit, forced=os.environ.get("INRZIP_PROGRESS") == "1")
        state["bar"].update(done - state["bar"].done)
        if done == total:
            state["bar"].close()

    return update


def _check_stdout(dst: str) -> None:
    """``-o -`` writes binary data: never onto a terminal."""
    if dst == "-" and sys.stdout.isatty():
        raise InrzipError("refusing to write binary data to a terminal (redirect stdout, or give -o FILE)")


@click.group(cls=Cli)
@click.version_option(__version__, prog_name="inrzip")
def main() -> None:
    """inrzip: images stored as the weights of small meta-learned sparse SIRENs."""


device_option = click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", help="Output file ('-' for stdout). Default: beside the input, .inrz.")
@click.option(
    "-q", "--quality", type=int, help="Level, 1 = smallest file (1-15 for the default init). Default: middle."
)
@click.option("--bpp", type=float, help="Aim the file at this many bits per pixel (rate control).")
@click.option("--steps", default=100, show_default=True, help="Adam steps per tile.")
@click.option("--lr", type=float, help="Adam learning rate of the fit (default: the init's, 0.5 or 3e-3).")
@device_option
@click.option("--seed", default=0, show_default=True)
@click.option("--init", "init", default=None, help="Initialization name or .npz path (default: the shipped one).")
@click.option(
    "--codec",
    "codec_name",
    type=click.Choice(["fp16", "q16", "ans"]),
    help="Payload layout. ans: the default init's (and only) one. Per-tile SIREN inits (--init siren-t16-w64): "
    "fp16 half-float weights (the paper's format, their default) or q16 quantised deltas (their default with --bpp).",
)
@click.option("--bits", type=float, help="q16 resolution (+-4 rms over 2^bits steps). Default 5, or set by --bpp.")
@click.option(
    "--alpha-quality", type=int, help="Level of a soft alpha plane (default: the finest). 0/255 alpha is exact."
)
@click.option("--strip", is_flag=True, help="Drop EXIF, ICC profile and XMP (kept by default).")
@click.option("-f", "--force", is_flag=True, help="Overwrite an existing output.")
def encode(
    inputs, output, quality, bpp, steps, lr, device, seed, init, codec_name, bits, alpha_quality, strip, force
) -> None:
    """Encode images (files, folders of images, or '-' for stdin) to .inrz.

    Several images are fitted in one vectorised run; under torchrun each rank takes its share.
    """
    from . import codecs, inits
    from .options import check_options

    if quality is not None and bpp is not None:
        raise InrzipError("give --quality or --bpp, not both")
    check_options(quality, bpp, steps, lr, bits)  # torch is not imported yet: bad arguments fail at once
    loaded = inits.load(init or inits.DEFAULT_INIT)
    codec = codecs.of(loaded)
    codec.options(loaded, codec_name, bits, bpp)
    for q in (quality, alpha_quality):
        if q is not None:
            codec.fit_key(loaded, q)
    jobs = _encode_jobs(inputs, output, force)
    rank, world = _rank()
    if device == "auto" and world > 1:
        device = "cuda" if _cuda_for_rank() else "cpu"
    options = dict(quality=quality, bpp=bpp, steps=steps, lr=lr, device=device, seed=seed, init=loaded)
    options |= dict(codec=codec_name, bits=bits, alpha_quality=alpha_quality, strip=strip)
    failed = sum(_encode_group(group, len(jobs), options, force) for group in _batches(jobs))
    if failed:
        raise InrzipError(f"{failed} of {len(jobs)} inputs could not be read")


def _encode_jobs(inputs: tuple[str, ...], output: str | None, force: bool) -> list[tuple[str, str]]:
    """(source, destination) of this process's share of the inputs, each output checked before any work."""
    from . import files

    sources = _sources(inputs)
    if len(sources) > 1 and output is not None:
        raise InrzipError("-o takes one input; with several inputs each output goes beside its input")
    rank, world = _rank()
    jobs = []
    for src in sources[rank::world]:
        dst = output or ("-" if src == "-" else str(Path(src).with_suffix(".inrz")))
        _check_stdout(dst)
        if dst != "-":
            _not_the_source(src, dst)
            files.check_writable(Path(dst), force)
        jobs.append((src, dst))
    return jobs


def _encode_group(group: list[tuple[str, str]], n_jobs: int, options: dict, force: bool) -> int:
    """Load a batch of inputs, encode them in one run, write each file and report it; returns how many failed."""
    from . import codecs, encoder, files, images

    failed, loaded = 0, []
    for src, dst in group:
        try:
            picture, notes = images.load_picture(files.read_input(src) if src == "-" else src)
        except InrzipError as e:
            if n_jobs == 1:
                raise
            click.echo(f"inrzip: error: {e} (skipped)", err=True)
            failed += 1
            continue
        for note in notes:
            click.echo(f"inrzip: warning: {src}: {note}", err=True)
        loaded.append((src, dst, picture))
    if not loaded:
        return failed
    label = f"encode {Path(loaded[0][0]).name}" if len(loaded) == 1 else f"encode {len(loaded)} images"
    results = encoder.encode_batch([p for _, _, p in loaded], on_step=_bar(label), **options)
    describe = codecs.of(options["init"]).describe
    for (src, dst, _), result in zip(loaded, results, strict=True):
        files.write_atomic(dst, result.data, force=force)
        _say(f"{src} -> {dst}: {_summary(result, describe)}", to_stderr=dst == "-")
    return failed


def _summary(result, describe) -> str:
    """One line about a finished encode: size, mode, level, bytes, bpp, PSNR, alpha and metadata, seconds."""
    h = result.header
    extra = ""
    if result.alpha_psnr is not None:
        exact = result.alpha_psnr == float("inf")
        extra += f", alpha {result.alpha_bytes:,} bytes ({'exact' if exact else f'{result.alpha_psnr:.2f} dB'})"
    if result.metadata_bytes:
        extra += f", metadata {result.metadata_bytes:,} bytes"
    return (
        f"{h.width}x{h.height} {result.mode}, {describe(h)}, {h.codec}, {len(result.data):,} bytes, "
        f"{result.bpp:.4f} bpp, PSNR {result.psnr:.2f} dB{extra}, {result.seconds:.1f} s"
    )


def _sources(inputs: tuple[str, ...]) -> list[str]:
    """Files, the images inside folders, or '-': each checked to exist before any heavy import."""
    from .images import list_images

    sources: list[str] = []
    for src in inputs:
        if src != "-" and Path(src).is_dir():
            try:
                sources += [str(p) for p in list_images(src)]
            except FileNotFoundError as e:
                raise InrzipError(str(e)) from None
        elif src != "-" and not Path(src).exists():
            raise InrzipError(f"cannot read {src}: no such file")
        else:
            sources.append(src)
    return sources


def _describe(header) -> str:
    """How a header's level reads: through its init's codec, when the init is at hand."""
    from . import codecs, inits

    try:
        return codecs.of(inits.for_file(header.init)).describe(header)
    except InrzipError:
        return f"level {header.quality}"


BATCH_PIXELS = 1 << 26  # images held at once by one batched encode (~200 MB of uint8 RGB)


def _batches(jobs: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Group jobs so that a batch's images (sized from their headers, not decoded) stay under BATCH_PIXELS."""
    from PIL import Image

    out: list[list[tuple[str, str]]] = [[]]
    pixels = 0
    for job in jobs:
        try:
            with Image.open(job[0]) as im:
                n = im.width * im.height
        except Exception:  # noqa: BLE001 - unreadable or stdin: the loader reports it properly
            n = 0
        if out[-1] and pixels + n > BATCH_PIXELS:
            out.append([])
            pixels = 0
        out[-1].append(job)
        pixels += n
    return [b for b in out if b]


def _rank() -> tuple[int, int]:
    """(rank, world size) under torchrun, else (0, 1): batch encodes are sharded by input."""
    try:
        return int(os.environ.get("RANK", 0)), max(1, int(os.environ.get("WORLD_SIZE", 1)))
    except ValueError:
        return 0, 1


def _cuda_for_rank() -> bool:
    """Under torchrun, put each rank on its own GPU (LOCAL_RANK) when there are GPUs."""
    import torch

    if not torch.cuda.is_available():
        return False
    torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)) % torch.cuda.device_count())
    return True


OUTPUT_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP", ".tif": "TIFF", ".tiff": "TIFF"}


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    help="Output image (.png, .jpg, .webp, .tif; '-' for PNG on stdout). Default: beside the input, NAME.decoded.png.",
)
@click.option("--size", help="N: longer side N, aspect kept; WxH: exactly that. Default: the original size.")
@click.option(
    "-t",
    "--to",
    "ext",
    type=click.Choice(["png", "jpg", "webp", "tif"]),
    default="png",
    show_default=True,
    help="Format of the default outputs.",
)
@click.option("--init", "init", default=None, help="The file's initialization as a .npz path, when not installed.")
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda"]),
    default="auto",
    show_default=True,
    help="cuda: render with torch on the GPU. auto and cpu: render with numpy (no torch import, faster to start).",
)
@click.option("--strip", is_flag=True, help="Do not write the file's EXIF, ICC profile and XMP into the image.")
@click.option(
    "--plain",
    is_flag=True,
    help="The tile networks' render alone, without what restores it (the init's post-filter, the learned upscaler).",
)
@click.option("-f", "--force", is_flag=True, help="Overwrite an existing output (never the input itself).")
def decode(inputs, output, size, ext, init, device, strip, plain, force) -> None:
    """Decode .inrz files (or folders of them) to images at any resolution, in the mode they were encoded from."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # a decode keeps BLAS on one thread (inrzip.parallel): numpy
    # then loads OpenBLAS without starting its thread pool
    from . import decoder, files, images
    from .format import container

    sources = _inrz_sources(inputs)
    if len(sources) > 1 and output is not None:
        raise InrzipError("-o takes one input; with several inputs each output goes beside its input")
    jobs = []
    for src in sources:
        dst = output or ("-" if src == "-" else str(_decoded_name(Path(src), ext)))
        _check_stdout(dst)
        if dst != "-":
            _not_the_source(src, dst)
            if Path(dst).suffix.lower() not in OUTPUT_FORMATS:
                raise InrzipError(f"{dst}: unknown image type (use {', '.join(OUTPUT_FORMATS)})")
        jobs.append((src, dst))
    bar = _bar(f"decode {len(jobs)} files", "files") if len(jobs) > 1 else None
    failed = 0
    for k, (src, dst) in enumerate(jobs):
        try:
            data = files.read_input(src)
            container.read_header(data)  # "not an .inrz file" before anything about the output
            if dst != "-":
                files.check_writable(Path(dst), force)
            tiles = _bar(f"decode {Path(src).name}", "tiles") if len(jobs) == 1 else None
            dev = "cuda" if device == "cuda" else "cpu"
            decoded = decoder.decode_picture(data, size, dev, init, on_tiles=tiles, restore=not plain)
            fmt = "PNG" if dst == "-" else OUTPUT_FORMATS[Path(dst).suffix.lower()]
            if fmt == "JPEG":
                click.echo(
                    f"inrzip: note: {dst}: JPEG adds a second lossy step (use .png for the decode itself)", err=True
                )
            metadata = {} if strip else decoded.metadata
            files.write_atomic(dst, images.encode_file(images.to_pil(decoded.pixels, metadata), fmt), force=force)
        except InrzipError as e:
            if len(jobs) == 1:
                raise
            click.echo(f"inrzip: error: {src}: {e} (skipped)", err=True)
            failed += 1
            continue
        finally:
            if bar is not None:
                bar(k + 1, len(jobs))
        h, w = decoded.pixels.shape[:2]
        _say(f"{src} -> {dst}: {w}x{h} {decoded.mode}", to_stderr=dst == "-")
    if failed:
        raise InrzipError(f"{failed} of {len(jobs)} files could not be decoded")


def _inrz_sources(inputs: tuple[str, ...]) -> list[str]:
    """Files, or the .inrz files inside folders, or '-'."""
    out: list[str] = []
    for src in inputs:
        if src != "-" and Path(src).is_dir():
            found = sorted(str(p) for p in Path(src).rglob("*.inrz") if p.is_file())
            if not found:
                raise InrzipError(f"no .inrz files in {src}")
            out += found
        else:
            out.append(src)
    return out


def _decoded_name(src: Path, ext: str) -> Path:
    """``photo.inrz`` -> ``photo.decoded.png``: never the name of the photo it was made from."""
    return src.with_name(f"{src.stem}.decoded.{ext}")


def _not_the_source(src: str, dst: str) -> None:
    """No output may replace its own input, even with --force."""
    if src != "-" and Path(dst).exists() and Path(dst).resolve() == Path(src).resolve():
        raise InrzipError(f"{dst} is the input itself: refusing to overwrite it (give -o another name)")


@main.command()
@click.argument("inputs", nargs=-1, required=True)
def info(inputs) -> None:
    """Print .inrz headers: init, level, size, mode, codec, bytes (metadata and alpha included)."""
    from . import files, inits
    from .format import container

    for k, src in enumerate(inputs):
        data = files.read_input(src)
        header, raw, extras = container.read_all(data)
        offset = container.read_header(data)[1]
        sections = "".join(f"\n{name:<12}{len(v):,} bytes" for name, v in extras.sections.items())
        _say(
            ("\n" if k else "")
            + f"file        {src}\nbytes       {len(data):,} (header {offset}, payload and sections "
            f"{len(data) - offset:,})\nbpp         {len(data) * 8 / (header.width * header.height):.4f}\n"
            f"image       {header.width}x{header.height} {extras.mode}\n"
            f"init        {header.init} ({inits.name_of(header.init)})\n"
            f"level       {_describe(header)}\ntiles       {header.tiles} of {header.tile}x{header.tile}\n"
            f"codec       {header.codec}, {header.values} values per tile\nchecksum    crc32 {header.crc:08x}"
            + sections
        )


@main.command()
@click.option("-o", "--out-dir", default="inrzip-demo", show_default=True, type=click.Path(file_okay=False))
@device_option
@click.option("-f", "--force", is_flag=True)
def demo(out_dir, device, force) -> None:
    """Encode and decode a sample photograph that an installed package ships (no data needed)."""
    from . import decoder, encoder, files, images

    photo = images.sample_photos()[0]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    inrz, png, big = out / f"{photo.stem}.inrz", out / f"{photo.stem}.decoded.png", out / f"{photo.stem}.2x.png"
    for p in (inrz, png, big):
        files.check_writable(p, force)
    result = encoder.encode(photo, device=device, on_step=_bar(f"encode {photo.name}"))
    files.write_atomic(inrz, result.data, force=force)
    files.write_atomic(png, images.png_bytes(decoder.decode(result.data, device=device)), force=force)
    h = result.header
    files.write_atomic(
        big,
        images.png_bytes(decoder.decode(result.data, size=2 * max(h.width, h.height), device=device)),
        force=force,
    )
    _say(
        f"{photo} ({h.width}x{h.height}) -> {inrz}: {_describe(h)}, {len(result.data):,} bytes, "
        f"{result.bpp:.4f} bpp, PSNR {result.psnr:.2f} dB, encode {result.seconds:.1f} s\n"
        f"decoded: {png}, 2x: {big}"
    )


# the bench's anchors (tools.anchors.NAMES, named here to check arguments before numpy; a test checks they agree)
ANCHORS = ("jpeg", "webp", "avif", "jpeg2000", "jpegxl")


@main.command()
@click.option(
    "--data", "data_dir", type=click.Path(exists=True, file_okay=False), help="Photo folder (default: sample photos)."
)
@click.option(
    "-q", "--quality", "qualities", type=int, multiple=True, help="Levels to run (default: those spanning ~0.2-2 bpp)."
)
@click.option("--steps", default=100, show_default=True)
@click.option("--lr", type=float, help="Adam lr of the fit (default: the init's).")
@device_option
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Write CompressAI-style results JSON.")
@click.option("--limit", type=int, help="Only the first N images.")
@click.option(
    "--codec",
    "codecs",
    type=click.Choice(["fp16", "q16"]),
    multiple=True,
    help="Codecs of a per-tile SIREN init (default q16, fp16); shared-body inits use ans.",
)
@click.option("--bits", type=float, help="q16 resolution (default 5).")
@click.option("--bpp", "targets", type=float, multiple=True, help="Also encode at this rate by rate control (q16).")
@click.option("--plot", "plot_out", type=click.Path(dir_okay=False), help="Write a PSNR-vs-bpp plot (PNG).")
@click.option(
    "--anchor",
    "anchors",
    type=click.Choice(ANCHORS),
    multiple=True,
    help="Classic codecs to compare (default all; jpeg2000 and jpegxl need the bench extra, else they are skipped).",
)
@click.option("--init", "init", default=None, help="Initialization name or .npz path.")
@click.option(
    "--upscale",
    type=click.IntRange(2, 8),
    help="Instead: photos downscaled by F, coded at --bpp (default 1) of the small image, shown at full size.",
)
@click.option("--crops", "crops_dir", type=click.Path(file_okay=False), help="With --upscale: side-by-side crops here.")
def bench(
    data_dir,
    qualities,
    steps,
    lr,
    device,
    json_out,
    limit,
    codecs,
    bits,
    targets,
    plot_out,
    anchors,
    init,
    upscale,
    crops_dir,
):
    """Rate-distortion table: inrzip levels vs JPEG, WebP, AVIF, JPEG 2000 and JPEG XL at equal file size, PSNR and
    MS-SSIM, BD-rates; --json is rewritten after every image."""
    from . import inits
    from .tools import bench as benchmod

    if upscale:
        report = benchmod.run_upscale(
            data_dir,
            upscale,
            tuple(targets) or (1.0,),
            limit=limit,
            init=init or inits.DEFAULT_INIT,
            anchors=tuple(anchors) or ("jpeg", "webp", "avif"),
            crops=Path(crops_dir) if crops_dir else None,
            device=device,
            log=lambda m: click.echo(m, err=True),
        )
        _say(benchmod.format_upscale(report))
        if json_out:
            Path(json_out).write_text(json.dumps(report, indent=2) + "\n")
            _say(f"wrote {json_out}")
        if plot_out:
            benchmod.plot_upscale(report, Path(plot_out))
            _say(f"wrote {plot_out}")
        return

    report = benchmod.run(
        data_dir,
        list(qualities) or None,
        steps=steps,
        lr=lr,
        device=device,
        limit=limit,
        codec_names=tuple(codecs) or None,
        bits=bits,
        anchors=tuple(anchors) or ANCHORS,
        targets=tuple(targets),
        init=init or inits.DEFAULT_INIT,
        log=lambda m: click.echo(m, err=True),
        on_image=(lambda r: benchmod.write_json(r, Path(json_out))) if json_out else None,
    )
    _say(benchmod.format_table(report))
    if json_out:
        benchmod.write_json(report, Path(json_out))
        _say(f"wrote {json_out}")
    if plot_out:
        benchmod.plot(report, Path(plot_out))
        _say(f"wrote {plot_out}")


train_data_option = click.option(
    "--data", "train_dir", required=True, type=click.Path(exists=True, file_okay=False), help="Training photos."
)


@main.command()
@train_data_option
@click.option(
    "--val", "val_dir", required=True, type=click.Path(exists=True, file_okay=False), help="Validation photos."
)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Output ladder, e.g. weights/NAME.")
@click.option("--width", default=64, show_default=True)
@click.option("--depth", default=0, show_default=True, help="Hidden width->width layers.")
@click.option("--tile", default=16, show_default=True)
@click.option("--w0", default=15.0, show_default=True)
@click.option("--outer-steps", default=4000, show_default=True, help="Dense MAML steps.")
@click.option("--round-steps", default=1000, show_default=True, help="Re-meta-training steps per pruning round.")
@click.option("--rounds", default=16, show_default=True)
@click.option("--meta-batch", default=32, show_default=True)
@click.option("--inner-steps", default=5, show_default=True)
@click.option(
    "--inner-opt",
    type=click.Choice(["sgd", "adam"]),
    default="adam",
    show_default=True,
    help="Inner-loop optimizer: the paper's SGD, or Adam as the encoder runs it.",
)
@click.option("--inner-lr", default=3e-3, show_default=True)
@click.option("--outer-lr", default=3e-4, show_default=True)
@click.option("--test-lr", default=3e-3, show_default=True, help="Adam lr of the validation fit.")
@click.option("--second-order/--first-order", default=False, show_default=True)
@click.option(
    "--meta-learner",
    type=click.Choice(["maml", "reptile"]),
    default="maml",
    show_default=True,
    help="Reptile: move the init toward the adapted values (first-order).",
)
@click.option(
    "--scores",
    type=click.Choice(["layer-normalized", "magnitude", "random", "random-connected"]),
    default="layer-normalized",
    show_default=True,
)
@click.option("--seed", default=0, show_default=True)
@click.option("--val-tiles", default=512, show_default=True)
@click.option("--threads", default=0, help="torch threads (0: torch's default).")
@device_option
def train(train_dir, val_dir, out, threads, device, **settings) -> None:
    """Meta-learn a sparse initialization ladder (resumes from OUT.ckpt if present).

    Under torchrun (several processes or GPUs) the meta-batch is split over the ranks with DDP.
    """
    import torch

    from .nets.arch import SirenConfig
    from .nets.device import pick_device
    from .train.meta import MetaConfig, train_ladder

    if threads:
        torch.set_num_threads(threads)
    cfg = SirenConfig(**{k: settings.pop(k) for k in ("width", "depth", "w0", "tile")})
    mc = MetaConfig(**settings)  # every other option is a MetaConfig field of the same name
    command = "inrzip " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    rank, n_ranks = _rank()
    if n_ranks > 1:
        import torch.distributed as dist

        gpu = device != "cpu" and _cuda_for_rank()
        dist.init_process_group("nccl" if gpu else "gloo")
        dev = torch.device("cuda", torch.cuda.current_device()) if gpu else torch.device("cpu")
    else:
        dev = pick_device(device)
    try:
        path = train_ladder(
            cfg, mc, train_dir, val_dir, Path(out), command=command, log=lambda m: click.echo(m, err=True), device=dev
        )
        if n_ranks > 1:  # leave together: a rank closing its gloo connections while another still reads aborts it
            dist.barrier()
    except (FileNotFoundError, ValueError) as e:
        raise InrzipError(str(e)) from None
    finally:
        if n_ranks > 1:
            dist.destroy_process_group()
    if rank == 0:
        click.echo(f"wrote {path}")


def _npz_out(out: str) -> Path:
    """A training command's output path, refused (before torch is imported) unless it is an .npz."""
    if not str(out).endswith(".npz"):
        raise InrzipError("--out must end in .npz")
    return Path(out)


def _new_npz_out(out: str, force: bool) -> Path:
    """:func:`_npz_out`, also refused where it exists and ``force`` is not given (before any training)."""
    path = _npz_out(out)
    if path.exists() and not force:
        raise InrzipError(f"{path} exists (use --force to overwrite it)")
    return path


def _run_training(train, *args, **kwargs) -> None:
    """Run a trainer that writes ``args[1]`` with the command line (for its manifest) and a log on stderr; its
    missing-data and bad-setting errors become one line."""
    import sys

    try:
        train(*args, command="inrzip " + " ".join(sys.argv[1:]), log=lambda m: click.echo(m, err=True), **kwargs)
    except (FileNotFoundError, ValueError) as e:
        raise InrzipError(str(e)) from None
    click.echo(f"wrote {args[1]}")


@main.command("train-basis")
@train_data_option
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Output file, e.g. weights/NAME.npz.")
@click.option("--width", default=192, show_default=True)
@click.option("--depth", default=1, show_default=True, help="Hidden width->width sine layers of the body.")
@click.option("--tile", default=16, show_default=True)
@click.option("--w0", default=10.0, show_default=True)
@click.option("--steps", default=3000, show_default=True, help="Outer (body) steps.")
@click.option("--tiles", "n_tiles", default=100_000, show_default=True, help="Training tiles drawn.")
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--upscale",
    "factors",
    type=click.IntRange(2, 8),
    multiple=True,
    help="Also train the upscaling prior at this factor (repeatable): fit on the downscale, loss on the fine pixels.",
)
@click.option("--upscale-weight", default=1.0, show_default=True, help="Weight of the upscaling loss.")
@click.option("-f", "--force", is_flag=True, help="Overwrite an existing --out.")
def train_basis(train_dir, out, width, depth, tile, w0, steps, n_tiles, seed, factors, upscale_weight, force) -> None:
    """Meta-train a shared-body initialization (ANIL with the head solved exactly; the default init)."""
    out = _new_npz_out(out, force)
    from .nets.arch import SirenConfig
    from .train import anil

    cfg = SirenConfig(width=width, depth=depth, w0=w0, tile=tile)
    _run_training(
        anil.train, train_dir, out, cfg, steps=steps, n_tiles=n_tiles, seed=seed, upscale=tuple(factors),
        upscale_weight=upscale_weight,
    )  # fmt: skip


@main.command("train-upscaler")
@train_data_option
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Output, e.g. weights/upscalers/INIT.npz.")
@click.option("--init", "init_name", default=None, help="The init whose renders it restores (default: the default).")
@click.option(
    "--factor",
    "factors",
    type=click.IntRange(2, 8),
    multiple=True,
    help="Scale factors, one network each (default 2, 4).",
)
@click.option("--steps", default=4000, show_default=True, help="Adam steps per network.")
@click.option("--pairs", "n_pairs", default=300, show_default=True, help="Training crops (coded, rendered) per factor.")
@click.option("--width", default=32, show_default=True)
@click.option("--depth", default=3, show_default=True, help="Hidden width->width convolutions.")
@click.option("--lr", default=1e-3, show_default=True, help="Adam learning rate.")
@click.option("--seed", default=0, show_default=True)
@click.option("--threads", default=0, help="torch threads (0: torch's default).")
@click.option("-f", "--force", is_flag=True, help="Overwrite an existing --out.")
def train_upscaler(train_dir, out, init_name, factors, steps, n_pairs, width, depth, lr, seed, threads, force) -> None:
    """Train the learned upscaler that restores an init's renders above the source size."""
    if not lr > 0:
        raise InrzipError(f"--lr must be positive, got {lr}")
    out = _new_npz_out(out, force)
    import torch

    from . import inits
    from .train import upscaler

    if threads:
        torch.set_num_threads(threads)
    cnn = upscaler.CnnTraining(steps=steps, width=width, depth=depth, lr=lr, seed=seed)
    init_name = init_name or inits.DEFAULT_INIT
    _run_training(upscaler.train, train_dir, out, init_name, factors=tuple(factors) or (2, 4), n_pairs=n_pairs, cnn=cnn)


@main.command("train-postfilter")
@train_data_option
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The new init, e.g. weights/NAME.npz.")
@click.option("--init", "init_name", default="siren-t16-basis-sr", show_default=True, help="The init it filters.")
@click.option("--steps", default=10_000, show_default=True, help="Adam steps.")
@click.option("--lr", default=1e-3, show_default=True, help="Adam learning rate.")
@click.option(
    "--pairs", "n_pairs", default=800, show_default=True, help="Training crops, each coded at a random level."
)
@click.option("--width", default=32, show_default=True)
@click.option("--depth", default=3, show_default=True, help="Hidden width->width convolutions.")
@click.option(
    "--shuffle",
    type=click.IntRange(1, 4),
    default=1,
    show_default=True,
    help="Run the network on cells of NxN pixels (N^2 times less work per layer, N times the reach).",
)
@click.option("--patch", type=click.IntRange(16, 256), default=48, show_default=True, help="Training patch side.")
@click.option("--seed", default=0, show_default=True)
@click.option("--threads", default=0, help="torch threads (0: torch's default).")
@click.option(
    "--border-weight",
    default=1.0,
    show_default=True,
    help="Loss weight of the pixels on a tile's border (the others weigh 1).",
)
@click.option(
    "--copy-from", "donor", default=None, help="Take this init's post-filter instead of training one (no training)."
)
@click.option(
    "--pairs-cache",
    type=click.Path(dir_okay=False),
    default=None,
    help="Keep the training crops in this .npz and reuse them when it was made for the same init and settings.",
)
@click.option(
    "--start-from",
    default=None,
    help="Start from this init's post-filter (its width, depth and cells) instead of a fresh network.",
)
@click.option("-f", "--force", is_flag=True, help="Overwrite an existing --out.")
def train_postfilter(
    train_dir, out, init_name, steps, lr, n_pairs, width, depth, shuffle, patch, seed, threads, border_weight, donor,
    pairs_cache, start_from, force,
) -> None:  # fmt: skip
    """Train a post-filter for an init's source-size decodes; write that init with the filter in it as a new init
    (the source init's files keep their decodes)."""
    if not lr > 0:
        raise InrzipError(f"--lr must be positive, got {lr}")
    if pairs_cache is not None and not str(pairs_cache).endswith(".npz"):
        raise InrzipError("--pairs-cache must end in .npz")
    if start_from is None:  # else the starting filter's depth and cells: checked once it is read
        from .nets.numpy_cnn import check_patch

        try:
            check_patch(patch, depth, shuffle)
        except ValueError as e:
            raise InrzipError(str(e)) from None
    if not 0 < border_weight <= 1000:
        raise InrzipError(f"--border-weight must be in (0, 1000], got {border_weight}")
    if donor is not None and start_from is not None:
        raise InrzipError("give --copy-from (no training) or --start-from, not both")
    out = _new_npz_out(out, force)
    if donor is not None:
        from .train import postfilter

        _run_training(postfilter.copy, train_dir, out, init_name, donor=donor)
        return
    import torch

    from .train import postfilter
    from .train.upscaler import CnnTraining

    if threads:
        torch.set_num_threads(threads)
    cnn = CnnTraining(steps=steps, lr=lr, width=width, depth=depth, seed=seed, shuffle=shuffle, patch=patch)
    _run_training(
        postfilter.train, train_dir, out, init_name, n_pairs=n_pairs, cnn=cnn, border_weight=border_weight,
        pairs_cache=None if pairs_cache is None else Path(pairs_cache), start_from=start_from,
    )  # fmt: skip


@main.command("train-predictor")
@train_data_option
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The new init, e.g. weights/NAME.npz.")
@click.option("--init", "init_name", default="siren-t16-basis-pf", show_default=True, help="The init it predicts for.")
@click.option("--photos", default=200, show_default=True, help="Training photos (spread over the folder).")
@click.option("--crop", default=512, show_default=True, help="Centre crop of each photo, pixels.")
@click.option("--m", "m", default=64, show_default=True, help="Coefficients predicted per channel.")
@click.option(
    "--rdo-pass/--no-rdo-pass",
    default=True,
    show_default=True,
    help="Count the tables again on the encoder's rate-distortion choices.",
)
@click.option(
    "--table-mix/--no-table-mix",
    default=False,
    show_default=True,
    help="Mix each step index's entropy tables from the two octaves around it.",
)
@click.option(
    "--chroma-classes/--no-chroma-classes",
    default=False,
    show_default=True,
    help="Give the chroma coefficients entropy classes of their own.",
)
@click.option(
    "--activity-context/--no-activity-context",
    default=False,
    show_default=True,
    help="Code each tile's activity bucket given its upper and left neighbours'.",
)
@click.option(
    "--adapt-weight",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Let the coefficient models learn from the file, the shipped ones counting as this many symbols (0: fixed).",
)
@click.option("-f", "--force", is_flag=True, help="Overwrite an existing --out.")
def train_predictor(
    train_dir,
    out,
    init_name,
    photos,
    crop,
    m,
    rdo_pass,
    table_mix,
    chroma_classes,
    activity_context,
    adapt_weight,
    force,
) -> None:
    """Fit intra prediction (each tile's first coefficients from its decoded neighbours) and the residuals' entropy
    tables for a shared-body init; write that init with them as a new init (the source init's files keep theirs)."""
    out = _new_npz_out(out, force)
    from .codecs.basis.model import MAX_ADAPT_WEIGHT  # numpy only: still before torch

    if adapt_weight > MAX_ADAPT_WEIGHT:
        raise InrzipError(f"--adapt-weight must be at most {MAX_ADAPT_WEIGHT}, got {adapt_weight}")
    from .train import predictor

    options = dict(photos=photos, crop=crop, m=m, rdo_pass=rdo_pass, table_mix=table_mix)
    options |= dict(chroma_classes=chroma_classes, activity_context=activity_context, adapt_weight=adapt_weight)
    _run_training(predictor.train, train_dir, out, init_name, **options)


# the rows of ``inrzip paper --budget hypotheses`` (experiments.paper.hypotheses), named here to check before torch
HYPOTHESIS_ROWS = ("base", "lr-3e-4", "lr-1e-3", "fold-w0", "layer-wise", "rounds-1000", "rounds-3000")


@main.command()
@click.option(
    "--train", "train_dir", required=True, type=click.Path(exists=True, file_okay=False), help="Meta-train photos."
)
@click.option(
    "--test",
    "test_dir",
    type=click.Path(exists=True, file_okay=False),
    help="Natural test photos (Imagenette protocol).",
)
@click.option(
    "--faces", "faces_dir", type=click.Path(exists=True, file_okay=False), help="Face photos (CelebA protocol)."
)
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Results folder, e.g. results/paper-cpu.")
@click.option(
    "--budget",
    type=click.Choice(["smoke", "cpu", "mid", "paper", "hypotheses"]),
    default="smoke",
    show_default=True,
    help="A schedule, or 'hypotheses': the cpu budget's table of single changes (Meta-SparseINR vs Dense-Narrow).",
)
@click.option(
    "--row",
    "rows",
    multiple=True,
    type=click.Choice(HYPOTHESIS_ROWS),
    help="With --budget hypotheses: run only these rows (repeatable).",
)
@click.option("--threads", default=0, help="torch threads (0: torch's default).")
@device_option
def paper(train_dir, test_dir, faces_dir, out, budget, rows, threads, device) -> None:
    """The paper's experiments (Meta-SparseINR vs its baselines, Figures 2 and 3); resumes an interrupted run."""
    import torch

    from .experiments import paper as experiment

    if threads:
        torch.set_num_threads(threads)
    tests = {}
    if test_dir:
        tests["natural"] = (test_dir, "imagenette")
    if faces_dir:
        tests["faces"] = (faces_dir, "celeba")
    if not tests:
        raise InrzipError("give --test and/or --faces")
    try:
        from .nets.device import pick_device

        log = lambda m: click.echo(m, err=True)  # noqa: E731
        if budget == "hypotheses":
            experiment.run_hypotheses(train_dir, tests, Path(out), log, pick_device(device), only=rows or None)
            _say(f"wrote {out}/table.md" if not rows else f"ran {', '.join(rows)} in {out}")
            return
        experiment.run(budget, train_dir, tests, Path(out), log=log, device=pick_device(device))
    except (FileNotFoundError, ValueError) as e:
        raise InrzipError(str(e)) from None
    _say(f"wrote {out}/results.json, figure2.png, figure3.png, settings.json")
