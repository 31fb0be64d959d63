"""The paper's experiments on our data: ``inrzip paper --budget smoke|cpu|paper``.

Meta-SparseINR against its baselines (PAPER.md): Random Pruning, Dense-Narrow, MAML+OneShot,
MAML+IMP and Scratch, on whole images prepared as the paper does (Imagenette: short side to
200, centre crop 178; CelebA: centre crop 178), scaled to the budget's side. Every test fit is
the paper's: fresh Adam, full batch, 100 steps, on the (masked) weights and all biases.

Each trained initialization is saved under ``OUT/inits`` and each result row under
``OUT/rows.jsonl`` as soon as it exists, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from .. import inits as ladders
from ..codecs.siren import model as ladder_model
from ..nets import torch_siren as siren
from ..nets.arch import SirenConfig
from ..nets.optim import adam
from ..tools.machine import machine
from ..train import masks
from ..train.data import ImageSampler, paper_images
from ..train.meta import MetaConfig, train_ladder
from .ffn import FFNConfig, config_from_dict

METHODS = ("meta-sparseinr", "random-pruning", "dense-narrow", "maml+oneshot", "maml+imp", "scratch")
# ours beside the paper's: Algorithm 1 with the codec's layer-normalized, connectivity-aware pruning scores
VARIANTS = ("meta-sparseinr-ln", "meta-sparseinr-reptile")
# the paper's appendix B: the Fourier-feature network, its MAML ladder, the dense MAML init and a random init
FFN_METHODS = ("ffn:meta-sparseinr", "ffn:dense-maml", "ffn:scratch")


@dataclass(frozen=True)
class Budget:
    """One schedule. ``rounds_tested`` are the pruning rounds r (density 0.8^r) every method is tested at."""

    name: str
    side: int  # images are side x side (the paper: 178)
    width: int
    depth: int  # hidden width->width layers (the paper: 3)
    w0: float
    outer_steps: int  # dense MAML steps (tau)
    round_steps: int  # per pruning round (tau~)
    rounds_tested: tuple[int, ...]
    meta_batch: int = 3
    inner_steps: int = 2
    inner_lr: float = 1e-2
    outer_lr: float = 1e-5
    second_order: bool = True
    test_steps: int = 100
    test_lrs: tuple[float, ...] = (1e-4, 1e-3)
    n_train: int | None = None  # photos meta-trained on (None: all)
    n_test: int = 100
    seeds: tuple[int, ...] = (0,)
    ffn_sigma: float = 10.0  # FFN: the paper's sigma 20 on [0, 1] coordinates is 10 on our [-1, 1]
    s53_side: int = 512  # section 5.3: single photos of this side
    s53_images: int = 3
    s53_steps: int = 50_000
    s53_lr: float = 1e-4
    methods: tuple[str, ...] = METHODS  # which of the paper's methods to run
    extras: bool = True  # our variants, the FFN (appendix B) and section 5.3
    prune_scope: str = "global"  # Meta-SparseINR's ranking: over all layers (the paper) or "layer"
    fold_w0: bool = False  # meta-train w0 * theta (see ``outer_lr_used``)
    tag: str = ""  # appended to Meta-SparseINR's init name (runs that share one inits folder)
    dense_tag: str = ""  # appended to Dense-Narrow's init names (set when its schedule differs)

    @property
    def outer_lr_used(self) -> float:
        """The outer lr on theta. Folding w0 into the weights (Adam on w0 * theta, as in sin(x (w0 W) + w0 b))
        is exactly Adam on theta at lr / w0: Adam's step ignores the gradient's scale, so a step of lr
        in w0 * theta is lr / w0 in theta. The inner SGD loop is kept as it is (its lr times w0^2)."""
        return self.outer_lr / self.w0 if self.fold_w0 else self.outer_lr

    @property
    def rounds(self) -> int:
        return max(self.rounds_tested)

    def cfg(self, width: int | None = None) -> SirenConfig:
        return SirenConfig(width=width or self.width, depth=self.depth, w0=self.w0, tile=self.side)


BUDGETS = {
    # seconds: for the test suite
    "smoke": Budget(
        "smoke",
        side=8,
        width=8,
        depth=1,
        w0=9.0,
        outer_steps=12,
        round_steps=4,
        rounds_tested=(1, 3),
        outer_lr=1e-3,
        test_steps=10,
        n_train=6,
        n_test=3,
        ffn_sigma=0.5,
        s53_side=8,
        s53_images=2,
        s53_steps=10,
        s53_lr=1e-3,
    ),
    # about two hours on 2 CPU cores: 32x32 images, width 64, w0 scaled with the side (200 x 32/178)
    "cpu": Budget(
        "cpu",
        side=32,
        width=64,
        depth=3,
        w0=36.0,
        outer_steps=2000,
        round_steps=300,
        rounds_tested=(4, 7, 10, 13, 15),
        outer_lr=1e-4,
        n_test=24,
        ffn_sigma=1.8,  # scaled with the side, like w0
        s53_side=64,  # 512 px and 50k steps are days here: 64 px, 500 steps at lr 1e-3
        s53_steps=500,
        s53_lr=1e-3,
    ),
    # about two hours on this 2-core CPU with one thread: 48x48 faces, width 96, 3,000 + 15 x 1,000
    # outer steps (the cpu budget: 2,000 + 15 x 300); only the methods the comparison needs
    "mid": Budget(
        "mid",
        side=48,
        width=96,
        depth=3,
        w0=54.0,
        outer_steps=3000,
        round_steps=1000,
        rounds_tested=(4, 7, 10, 13, 15),
        outer_lr=1e-4,
        n_test=24,
        methods=("meta-sparseinr", "dense-narrow", "scratch"),  # the comparison, and Dense-Narrow's own start
        extras=False,
    ),
    # the released code's schedule (PAPER.md), for a GPU
    "paper": Budget(
        "paper",
        side=178,
        width=256,
        depth=3,
        w0=200.0,
        outer_steps=150_000,
        round_steps=30_000,
        rounds_tested=(4, 7, 10, 13, 15, 17, 20),
        n_test=100,
    ),
}


def hypotheses(base: Budget) -> dict[str, tuple[Budget, str]]:
    """The hypothesis table's rows: ``base`` with one change each, Meta-SparseINR and Dense-Narrow only, tested
    at the densities nearest the paper's 10.7 % and 3.52 %.

    Dense-Narrow gets the same outer schedule as the dense MAML phase, so only the rows that change
    that schedule (lr, folding) retrain it; the others share the base row's Dense-Narrow inits.
    """
    tested = tuple(sorted({min(base.rounds_tested, key=lambda r: abs(0.8**r - d)) for d in (0.107, 0.0352)}))

    def row(name: str, **changes) -> Budget:
        common = dict(rounds_tested=tested, methods=("meta-sparseinr", "dense-narrow"), extras=False)
        return replace(base, name=f"{base.name}:{name}", tag=f"-{name}", **common, **changes)

    def lr_row(factor: float) -> tuple[str, tuple[Budget, str]]:
        lr = base.outer_lr * factor
        short = f"{lr:.0e}".replace("e-0", "e-")  # 1e-3: no dots in file names
        what = f"outer lr {short} (Dense-Narrow too): lr x steps of the run {factor:g}x the base's"
        return f"lr-{short}", (row(f"lr-{short}", outer_lr=lr, dense_tag=f"-lr{short}"), what)

    return {
        "base": (
            row("base"),
            f"the {base.name} budget: rounds of {base.round_steps} steps, outer lr "
            f"{base.outer_lr:g}, global magnitude pruning",
        ),
        **dict(lr_row(f) for f in (3, 10)),
        "fold-w0": (
            row("fold-w0", fold_w0=True, dense_tag="-fold-w0"),
            "w0 folded into the weights (Dense-Narrow too): Adam on w0 theta, exactly outer lr / w0 on theta",
        ),
        "layer-wise": (row("layer-wise", prune_scope="layer"), "20 % of each layer per round instead of global"),
        **{
            f"rounds-{n}": (row(f"rounds-{n}", round_steps=n), f"rounds of {n:,} steps")
            for n in (round(base.round_steps * 10 / 3), base.round_steps * 10)  # the cpu budget: 1,000 and 3,000
        },
    }


def narrow_width(cfg: SirenConfig, n_weights: int) -> int:
    """The narrowest dense width whose weight count matches or just exceeds ``n_weights`` (Dense-Narrow, Scratch)."""
    w = 1
    while replace(cfg, width=w).n_weights < n_weights:
        w += 1
    return w


def test_fit(
    cfg: SirenConfig,
    theta: Tensor,
    bias: Tensor,
    mask: Tensor,
    targets: Tensor,
    steps: int,
    lr: float,
    prune_at: dict[int, float] | None = None,
    return_weights: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """The paper's test-time fit of every image at once; returns per-image PSNR after each step ``[steps+1, N]``
    (and, with ``return_weights``, each image's final masked weights ``[N, P]``).

    Weights (times the mask) and all biases adapt, each image with its own Adam state. ``prune_at``
    maps a step to a density: there each image's own weights are pruned by magnitude to that
    density (MAML+OneShot, MAML+IMP), which is why masks here may differ per image.
    """
    n = targets.shape[0]
    coords = siren.tile_grid(cfg.tile).to(targets.device)
    w = (theta * mask).expand(n, -1).clone().requires_grad_(True)
    b = bias.expand(n, -1).clone().requires_grad_(True)
    m = mask.expand(n, -1).clone()
    curve = []

    def psnr() -> Tensor:
        with torch.no_grad():
            mse = (siren.forward(cfg, w * m, b, coords) - targets).square().mean(dim=(1, 2))
            return (-10 * torch.log10(mse.clamp_min(1e-12))).cpu()

    def losses(step: int) -> Tensor:
        nonlocal m
        if prune_at and step in prune_at:
            with torch.no_grad():
                keep = round(prune_at[step] * cfg.n_weights)
                scores = torch.where(m, (w * m).abs(), torch.full_like(w, -1.0))
                top = scores.topk(keep, dim=1).indices
                m = torch.zeros_like(m).scatter_(1, top, True)
        return (siren.forward(cfg, w * m, b, coords) - targets).square().mean(dim=(1, 2))

    curve.append(psnr())
    adam([w, b], losses, steps, lr, lambda _step, _loss: curve.append(psnr()))
    if return_weights:
        return torch.stack(curve), (w * m).detach()
    return torch.stack(curve)


def winning_tickets(
    cfg: SirenConfig, images: Tensor, steps: int, lr: float, rounds: tuple[int, ...], seed: int
) -> dict[int, Tensor]:
    """Section 5.3: per image, train from a random init, prune 20 % of survivors by magnitude, rewind to the
    init, retrain (iterative magnitude pruning with rewinding); the PSNR curve of each tested round."""
    theta0, bias0 = siren.init_params(cfg, torch.Generator().manual_seed(seed))
    theta0, bias0 = theta0.to(images.device), bias0.to(images.device)
    mask = torch.ones(images.shape[0], cfg.n_weights, dtype=torch.bool, device=images.device)
    counts = masks.ladder_counts(cfg.n_weights, max(rounds))
    out = {}
    for r in range(max(rounds) + 1):
        curve, w = test_fit(cfg, theta0, bias0, mask, images, steps, lr, return_weights=True)
        if r in rounds:
            out[r] = curve
        if r < max(rounds):
            scores = torch.where(mask, w.abs(), torch.full_like(w, -1.0))
            top = scores.topk(counts[r + 1], dim=1).indices
            mask = torch.zeros_like(mask).scatter_(1, top, True)
    return out


class Runner:
    """Trains what each method needs (cached under OUT/inits) and tests it (rows appended to OUT/rows.jsonl)."""

    def __init__(
        self,
        budget: Budget,
        train_dir: str,
        tests: dict[str, tuple[str, str]],
        out: Path,
        log=print,
        device="cpu",
        inits: Path | None = None,
    ):
        self.b, self.out, self.log, self.dev = budget, Path(out), log, torch.device(device)
        self.out.mkdir(parents=True, exist_ok=True)
        self.inits = Path(inits) if inits else self.out / "inits"
        self.inits.mkdir(parents=True, exist_ok=True)
        self.train_dir = train_dir
        photos = paper_images(train_dir, budget.side, "imagenette", budget.n_train)
        n_held = max(1, min(8, len(photos) // 4))
        self.train, self.held_out = photos[:-n_held], photos[-n_held:]
        # held_out: the ladders' own validation figure (manifest); the test sets are never seen in training
        self.tests = {name: paper_images(d, budget.side, proto, budget.n_test) for name, (d, proto) in tests.items()}
        natural = [d for d, proto in tests.values() if proto == "imagenette"]
        self.s53_images = (
            paper_images(natural[0], budget.s53_side, "imagenette", budget.s53_images) if natural else None
        )
        self.rows_path = self.out / "rows.jsonl"
        self.rows = (
            [json.loads(line) for line in self.rows_path.read_text().splitlines()] if self.rows_path.exists() else []
        )

    def meta_config(self, seed: int, rounds: int, scores: str, learner: str = "maml") -> MetaConfig:
        b = self.b
        return MetaConfig(
            outer_steps=b.outer_steps,
            round_steps=b.round_steps,
            rounds=rounds,
            meta_batch=b.meta_batch,
            inner_steps=b.inner_steps,
            inner_lr=b.inner_lr,
            inner_opt="sgd",
            outer_lr=b.outer_lr_used,
            prune_scope=b.prune_scope,
            second_order=b.second_order,
            scores=scores,
            seed=seed,
            val_tiles=len(self.held_out),
            test_steps=b.test_steps,
            test_lr=max(b.test_lrs),
            ckpt_every=100,
            keep_rounds=[0, *b.rounds_tested] if rounds else [],
            meta_learner=learner,
        )

    def ladder(
        self, name: str, cfg: SirenConfig, seed: int, rounds: int, scores: str, learner: str = "maml"
    ) -> ladder_model.Ladder:
        """Train (or load the cached) ladder: rounds=0 is a dense meta-learned init."""
        if "." in name:  # the ladder's files are named by with_suffix, which would cut the name at the dot
            raise ValueError(f"init name {name!r}: no dots")
        path = self.inits / f"{name}-s{seed}"
        if not path.with_suffix(".npz").exists():
            t0 = time.monotonic()
            train_ladder(
                cfg,
                self.meta_config(seed, rounds, scores, learner),
                self.train_dir,
                "held-out train photos",
                path,
                command=f"inrzip paper ({name})",
                log=lambda m: None,
                sampler=ImageSampler(self.train, seed),
                val=self.held_out,
                device=self.dev,
            )
            self.log(f"trained {path.name} in {time.monotonic() - t0:.0f} s")
        file = path.with_suffix(".npz")
        with np.load(file, allow_pickle=False) as z:
            cfg = config_from_dict(json.loads(str(z["siren"])))
            return ladder_model.from_npz(z, file.stem, ladders.file_id(file), cfg)

    def record(self, **row) -> None:
        self.rows.append(row)
        with self.rows_path.open("a") as f:
            f.write(json.dumps(row) + "\n")

    def done(self, **key) -> bool:
        return any(all(r.get(k) == v for k, v in key.items()) for r in self.rows)

    def test(self, method: str, seed: int, r: int, cfg: SirenConfig, theta, bias, mask, prune_at=None) -> None:
        """Fit every test set at every test lr; record final PSNR (mean, std over images) and the curve."""
        for test_name, targets in self.tests.items():
            for lr in self.b.test_lrs:
                key = dict(method=method, seed=seed, round=r, test=test_name, lr=lr)
                if self.done(**key):
                    continue
                curve = test_fit(
                    cfg,
                    torch.as_tensor(theta).to(self.dev),
                    torch.as_tensor(bias).to(self.dev),
                    torch.as_tensor(mask).to(self.dev),
                    targets.to(self.dev),
                    self.b.test_steps,
                    lr,
                    prune_at,
                )
                final = curve[-1]
                n_weights = int(torch.as_tensor(mask).sum()) if prune_at is None else round(0.8**r * cfg.n_weights)
                self.record(
                    **key,
                    width=cfg.width,
                    n_weights=n_weights,
                    psnr=float(final.mean()),
                    psnr_std_images=float(final.std()),
                    curve=[float(c) for c in curve.mean(dim=1)],
                )
                self.log(
                    f"{method:<15} r{r:>2} {test_name:<6} lr {lr:g}: {float(final.mean()):.2f} dB ({n_weights} weights)"
                )

    def run(self) -> None:
        b, base, want = self.b, self.b.cfg(), set(self.b.methods)
        for seed in b.seeds:
            by_round = {lv.round: lv for lv in self.meta_sparse(seed).levels}
            for r in b.rounds_tested:
                lv = by_round[r]
                self.test("meta-sparseinr", seed, r, base, lv.theta, lv.bias, lv.mask)
            if "random-pruning" in want:
                random_ladder = self.ladder("random-pruning", base, seed, b.rounds, "random")
                for lv in random_ladder.levels:
                    if lv.round in b.rounds_tested:
                        self.test("random-pruning", seed, lv.round, base, lv.theta, lv.bias, lv.mask)
            for r in b.rounds_tested:
                self.dense_baselines(seed, r, base, by_round[0], by_round[r].n_weights)
            if b.extras:
                self.extras(seed, base)

    def meta_sparse(self, seed: int) -> ladder_model.Ladder:
        """Meta-SparseINR's ladder (Algorithm 1: global magnitude pruning, or the budget's scope)."""
        return self.ladder(f"meta-sparseinr{self.b.tag}", self.b.cfg(), seed, self.b.rounds, "magnitude")

    def dense_baselines(self, seed: int, r: int, base: SirenConfig, dense, n_weights: int) -> None:
        """The methods that start from the dense MAML init or a dense narrow net, at round ``r``'s ``n_weights``."""
        b, want = self.b, set(self.b.methods)
        density = n_weights / base.n_weights
        if "maml+oneshot" in want:
            prune_at = {b.test_steps // 2: density}
            self.test("maml+oneshot", seed, r, base, dense.theta, dense.bias, dense.mask, prune_at=prune_at)
        if "maml+imp" in want:
            imp = {round(k * b.test_steps / (r + 1)): 0.8**k for k in range(1, r + 1)}  # r prunes, evenly spaced
            self.test("maml+imp", seed, r, base, dense.theta, dense.bias, dense.mask, prune_at=imp)
        narrow = replace(base, width=narrow_width(base, n_weights))
        if "dense-narrow" in want:
            dn = self.ladder(f"dense-narrow-w{narrow.width}{b.dense_tag}", narrow, seed, 0, "magnitude").levels[-1]
            self.test("dense-narrow", seed, r, narrow, dn.theta, dn.bias, dn.mask)
        if "scratch" in want:
            theta0, bias0 = siren.init_params(narrow, torch.Generator().manual_seed(seed))
            self.test("scratch", seed, r, narrow, theta0, bias0, torch.ones(narrow.n_weights, dtype=torch.bool))

    def extras(self, seed: int, base: SirenConfig) -> None:
        """Our variants, the FFN of appendix B and section 5.3."""
        b = self.b
        for name, scores, learner in (
            ("meta-sparseinr-ln", "layer-normalized", "maml"),
            ("meta-sparseinr-reptile", "magnitude", "reptile"),  # the paper's appendix E
        ):
            variant = self.ladder(name, base, seed, b.rounds, scores, learner)
            for lv in variant.levels:
                if lv.round in b.rounds_tested:
                    self.test(name, seed, lv.round, base, lv.theta, lv.bias, lv.mask)
        ffn = FFNConfig(**base.to_dict(), fourier=base.width // 2, sigma=b.ffn_sigma)
        for lv in self.ladder("ffn-meta-sparseinr", ffn, seed, b.rounds, "magnitude").levels:
            name = "ffn:dense-maml" if lv.round == 0 else "ffn:meta-sparseinr"
            self.test(name, seed, lv.round, ffn, lv.theta, lv.bias, lv.mask)
        theta0, bias0 = siren.init_params(ffn, torch.Generator().manual_seed(seed))
        self.test("ffn:scratch", seed, 0, ffn, theta0, bias0, torch.ones(ffn.n_weights, dtype=torch.bool))
        self.section53(seed)

    def section53(self, seed: int) -> None:
        """Winning tickets (IMP with rewinding) against Dense-Narrow from scratch, on single larger photos."""
        b = self.b
        test = f"single-{b.s53_side}"
        if self.s53_images is None or self.done(method="s5.3:dense-narrow", seed=seed, round=b.rounds, test=test):
            return
        cfg = replace(b.cfg(), tile=b.s53_side, w0=b.w0 * b.s53_side / b.side)
        images = self.s53_images.to(self.dev)
        counts = masks.ladder_counts(cfg.n_weights, b.rounds)
        for r, curve in winning_tickets(cfg, images, b.s53_steps, b.s53_lr, b.rounds_tested, seed).items():
            self._record_curve("s5.3:imp-rewind", seed, r, test, b.s53_lr, cfg.width, counts[r], curve)
        for r in b.rounds_tested:
            narrow = replace(cfg, width=narrow_width(cfg, counts[r]))
            theta0, bias0 = siren.init_params(narrow, torch.Generator().manual_seed(seed))
            ones = torch.ones(narrow.n_weights, dtype=torch.bool, device=self.dev)
            curve = test_fit(narrow, theta0.to(self.dev), bias0.to(self.dev), ones, images, b.s53_steps, b.s53_lr)
            self._record_curve("s5.3:dense-narrow", seed, r, test, b.s53_lr, narrow.width, narrow.n_weights, curve)

    def _record_curve(self, method, seed, r, test, lr, width, n_weights, curve) -> None:
        if self.done(method=method, seed=seed, round=r, test=test, lr=lr):
            return
        final = curve[-1]
        self.record(
            method=method,
            seed=seed,
            round=r,
            test=test,
            lr=lr,
            width=width,
            n_weights=n_weights,
            psnr=float(final.mean()),
            psnr_std_images=float(final.std()),
            curve=[float(c) for c in curve.mean(dim=1)],
        )
        self.log(f"{method:<18} r{r:>2} {test} lr {lr:g}: {float(final.mean()):.2f} dB ({n_weights} weights)")


def summarize(rows: list[dict]) -> dict:
    """Mean and std over seeds of each (test set, lr, method, round)."""
    table: dict = {}
    for r in rows:
        cell = table.setdefault(r["test"], {}).setdefault(f"lr={r['lr']:g}", {}).setdefault(r["method"], {})
        cell.setdefault(str(r["round"]), []).append(r)
    out: dict = {}
    for test, by_lr in table.items():
        for lr, by_method in by_lr.items():
            for method, by_round in by_method.items():
                for rnd, cells in by_round.items():
                    psnrs = [c["psnr"] for c in cells]
                    out.setdefault(test, {}).setdefault(lr, {}).setdefault(method, {})[rnd] = {
                        "density": 0.8 ** int(rnd),
                        "n_weights": cells[0]["n_weights"],
                        "width": cells[0]["width"],
                        "psnr_mean": float(np.mean(psnrs)),
                        "psnr_std_seeds": float(np.std(psnrs)) if len(psnrs) > 1 else None,
                        "psnr_std_images": float(np.mean([c["psnr_std_images"] for c in cells])),
                        "seeds": len(psnrs),
                        "curve": list(np.mean([c["curve"] for c in cells], axis=0)),
                    }
    return out


def figures(summary: dict, out: Path, budget: Budget) -> None:
    """Figure 2 (PSNR vs surviving fraction, per test set; solid: the higher lr) and Figure 3 (PSNR vs step)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def title(test: str) -> str:
        if test.startswith("single-"):
            side = budget.s53_side
            return f"section 5.3: {budget.s53_images} photos {side}x{side}, {budget.s53_steps} steps"
        return f"{test}, {budget.side}x{budget.side}, {budget.test_steps} steps, budget {budget.name}"

    tests = list(summary)
    fig, axes = plt.subplots(1, len(tests), figsize=(6.5 * len(tests), 5), dpi=110, squeeze=False)
    for ax, test in zip(axes[0], tests, strict=True):
        top = max(summary[test], key=lambda k: float(k.split("=")[1]))
        methods = list(dict.fromkeys(m for by_method in summary[test].values() for m in by_method))
        for lr, by_method in summary[test].items():
            for method, by_round in by_method.items():
                pts = sorted((v["density"], v["psnr_mean"]) for v in by_round.values())
                color = plt.cm.tab20(methods.index(method) % 20)
                label = method if lr == top else None
                ax.plot(*zip(*pts, strict=True), "-" if lr == top else ":", marker="o", ms=3, color=color, label=label)
        ax.set_xscale("log")
        ax.set_xlabel("fraction of weights surviving")
        ax.set_ylabel(f"PSNR after the fit (dB); solid {top}, dotted lower lr")
        ax.set_title(title(test), fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6, loc="upper left")
    fig.tight_layout()
    fig.savefig(out / "figure2.png")
    plt.close(fig)
    fig, axes = plt.subplots(1, len(tests), figsize=(6.5 * len(tests), 4.5), dpi=110, squeeze=False)
    for ax, test in zip(axes[0], tests, strict=True):
        lr = max(summary[test], key=lambda k: float(k.split("=")[1]))
        target = min(budget.rounds_tested, key=lambda r: abs(0.8**r - 0.0352))  # the paper's 3.52 % density
        finals = {m: v[str(target)]["psnr_mean"] for m, v in summary[test][lr].items() if str(target) in v}
        for method in sorted(finals, key=finals.get, reverse=True)[:3]:
            ax.plot(summary[test][lr][method][str(target)]["curve"], label=method)
        ax.set_xlabel("Adam step")
        ax.set_ylabel("PSNR (dB)")
        ax.set_title(f"{title(test)}; density {0.8**target:.2%}, {lr}", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "figure3.png")
    plt.close(fig)


def run(
    budget_name: str, train_dir: str, tests: dict[str, tuple[str, str]], out: Path, log=print, device="cpu"
) -> dict:
    """Run (or resume) a budget; writes settings.json, results.json, figure2.png and figure3.png under ``out``."""
    budget = BUDGETS[budget_name]
    out = Path(out)
    t0 = time.monotonic()
    runner = Runner(budget, train_dir, tests, out, log, device)
    runner.run()
    summary = summarize(runner.rows)
    settings = {
        "budget": asdict(budget),
        "train": train_dir,
        "tests": tests,
        "methods": list(METHODS),
        "variants": list(VARIANTS),
        "ffn_methods": list(FFN_METHODS),
        "section_5.3": f"IMP with rewinding vs Dense-Narrow from scratch on {budget.s53_images} photos of "
        f"{budget.s53_side}x{budget.s53_side}, {budget.s53_steps} Adam steps at lr {budget.s53_lr:g} per round",
        "protocol": "test fit: fresh Adam, full batch, weights and all biases, 100 steps; "
        "meta-learning: MAML on the surviving weights and the output-bias offset (inrzip.meta), SGD inner loop",
        "machine": machine(),
        "device": str(device),
        "wall_s": round(time.monotonic() - t0, 1),
    }
    (out / "settings.json").write_text(json.dumps(settings, indent=2) + "\n")
    (out / "results.json").write_text(json.dumps(summary, indent=2) + "\n")
    figures(summary, out, budget)
    return summary


def layer_stats(ladder: ladder_model.Ladder, cfg: SirenConfig) -> dict:
    """Per layer and kept round: surviving weights and their mean |theta| (the hypotheses' diagnostics)."""
    sizes = [i * o for i, o in cfg.layer_shapes()]
    out = {}
    for lv in ladder.levels:
        theta, mask = np.asarray(lv.theta), np.asarray(lv.mask, bool)
        parts = zip(np.split(theta, np.cumsum(sizes)[:-1]), np.split(mask, np.cumsum(sizes)[:-1]), strict=True)
        out[str(lv.round)] = [
            {"kept": int(m.sum()), "mean_abs": float(np.abs(t[m]).mean()) if m.any() else 0.0} for t, m in parts
        ]
    return out


def run_hypotheses(
    train_dir: str, tests: dict[str, tuple[str, str]], out: Path, log=print, device="cpu", only=None, base="cpu"
) -> dict:
    """Run (or resume) the hypothesis rows (all, or those named in ``only``); write table.json and table.md.

    Each row's rows.jsonl lives in ``out/<row>``; the inits of all rows share ``out/inits`` so that
    the rows whose Dense-Narrow schedule is the base one reuse its inits.
    """
    out = Path(out)
    table = {}
    for name, (budget, what) in hypotheses(BUDGETS[base]).items():
        if only and name not in only:
            continue
        log(f"hypothesis {name}: {what}")
        t0 = time.monotonic()
        runner = Runner(budget, train_dir, tests, out / name, log, device, inits=out / "inits")
        runner.run()
        summary = summarize(runner.rows)
        ladder = runner.meta_sparse(budget.seeds[0])
        row = {"what": what, "budget": asdict(budget), "layers": layer_stats(ladder, budget.cfg()), "gaps": {}}
        for test, by_lr in summary.items():
            for lr, by_method in by_lr.items():
                ms, dn = by_method["meta-sparseinr"], by_method["dense-narrow"]
                row["gaps"].setdefault(test, {})[lr] = {
                    f"{ms[r]['density']:.1%}": {
                        "meta-sparseinr": ms[r]["psnr_mean"],
                        "dense-narrow": dn[r]["psnr_mean"],
                        "gap": ms[r]["psnr_mean"] - dn[r]["psnr_mean"],
                    }
                    for r in map(str, budget.rounds_tested)
                }
        row["wall_s_this_call"] = round(time.monotonic() - t0, 1)
        table[name] = row
    if only is None:
        (out / "table.json").write_text(json.dumps(table, indent=2) + "\n")
        (out / "table.md").write_text(hypothesis_markdown(table) + "\n")
    return table


def hypothesis_markdown(table: dict) -> str:
    """One line per row: Meta-SparseINR - Dense-Narrow (dB, lr 1e-3) at 10.7 % and 3.5 %, and the layers' shares."""
    lines = [
        "| row | change | faces 10.7 % | faces 3.5 % | natural 10.7 % | natural 3.5 % "
        "| weights kept per layer at 3.5 % | mean abs, layer 0 / 1, dense |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in table.items():
        cells = []
        for test in ("faces", "natural"):
            for d in ("10.7%", "3.5%"):
                g = row["gaps"].get(test, {}).get("lr=0.001", {}).get(d)
                cells.append(f"{g['gap']:+.2f} ({g['meta-sparseinr']:.2f} vs {g['dense-narrow']:.2f})" if g else "-")
        layers = row["layers"]
        last = layers[max(layers, key=int)]
        dense = layers["0"]
        ratio = dense[0]["mean_abs"] / max(dense[1]["mean_abs"], 1e-12)
        cells.append(" / ".join(str(layer["kept"]) for layer in last))
        cells.append(f"{ratio:.0f}x")
        lines.append(f"| {name} | {row['what']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
