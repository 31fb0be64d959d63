"""Meta-SparseINR (Algorithm 1): MAML on random crops, then iterative global magnitude pruning.

Each pruning round's re-meta-learned init is one quality level. State is checkpointed every
``ckpt_every`` outer steps and a run resumes from its checkpoint after an interruption.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.distributed as dist
from torch import Tensor
from torch.nn.parallel import DistributedDataParallel

from ..codecs.siren import fit as fitting
from ..codecs.siren.model import save
from ..files import save_atomic
from ..nets import torch_siren as siren
from ..nets.arch import SirenConfig
from ..nets.optim import psnr
from ..progress import Progress
from . import manifest, masks
from .data import CropSampler, fixed_tiles


@dataclass
class MetaConfig:
    """Meta-learning schedule (paper names). Defaults are the CPU ladder we ship (see the manifest)."""

    outer_steps: int = 4000  # dense MAML steps (tau)
    round_steps: int = 1000  # re-meta-training steps per pruning round (tau~)
    rounds: int = 16
    meta_batch: int = 32  # tasks (crops) per outer step
    inner_steps: int = 5
    inner_lr: float = 3e-3
    inner_opt: str = "adam"  # "sgd" (the paper) or "adam" (the test-time optimizer, first-order)
    outer_lr: float = 3e-4
    second_order: bool = False
    gamma: float = masks.GAMMA
    scores: str = "layer-normalized"  # "magnitude" (the paper), "random" (Random Pruning baseline)
    prune_scope: str = "global"  # one ranking over all layers (the paper) or "layer": gamma of each layer
    meta_learner: str = "maml"  # or "reptile" (the paper's appendix E)
    seed: int = 0
    val_tiles: int = 512
    test_steps: int = 100
    test_lr: float = 3e-3
    ckpt_every: int = 250
    keep_rounds: list[int] = field(default_factory=list)  # empty: keep every round


def adapt(
    cfg: SirenConfig,
    values0: Tensor,
    bias: Tensor,
    index: Tensor,
    coords: Tensor,
    target: Tensor,
    inner_steps: int,
    inner_lr: float,
    second_order: bool,
    inner_opt: str = "sgd",
) -> Tensor:
    """MAML inner loop: ``inner_steps`` of SGD (or Adam) on each task's surviving weights, all tasks at once.

    Summing per-task losses gives each task its own gradient. With ``second_order`` the graph of
    the inner gradients is kept so the outer gradient differentiates through them; otherwise
    the inner gradients are constants (first-order MAML). ``inner_opt="adam"`` runs the
    test-time optimizer itself (element-wise Adam, torch's defaults), so the init is learned
    for the fit it will actually get.
    """
    values = values0.expand(target.shape[0], -1)
    m = v = torch.zeros_like(values)
    for t in range(1, inner_steps + 1):
        loss = fitting.tile_losses(cfg, values, bias, index, coords, target).sum()
        (grad,) = torch.autograd.grad(loss, values, create_graph=second_order)
        if inner_opt == "adam":
            m = 0.9 * m + 0.1 * grad
            v = 0.999 * v + 0.001 * grad.square()
            step = (m / (1 - 0.9**t)) / ((v / (1 - 0.999**t)).sqrt() + 1e-8)
            values = values - inner_lr * step
        else:
            values = values - inner_lr * grad
    return values


def post_adaptation_loss(
    cfg: SirenConfig, theta: Tensor, bias: Tensor, mask: Tensor, coords: Tensor, target: Tensor, mc: MetaConfig
) -> Tensor:
    """The meta-objective: mean MSE of the tasks after the inner loop, differentiable w.r.t. theta and bias.

    With ``mc.meta_learner == "reptile"`` the value is the same MSE but the gradient is Reptile's
    direction, init minus the mean adapted values (Nichol et al. 2018): the surrogate
    0.5 ||init - mean(adapted)||^2 with the adapted values held constant. The outer optimizer and
    DDP then treat both meta-learners alike.
    """
    index = masks.mask_index(mask)
    values0 = siren.initial_values(cfg, theta, index)
    reptile = mc.meta_learner == "reptile"
    second_order = mc.second_order and not reptile
    adapted = adapt(cfg, values0, bias, index, coords, target, mc.inner_steps, mc.inner_lr, second_order, mc.inner_opt)
    mse = fitting.tile_losses(cfg, adapted, bias, index, coords, target).mean()
    if not reptile:
        return mse
    k = index.numel()
    goal = adapted.detach().mean(dim=0)
    head = bias[-cfg.out_features :]
    surrogate = (
        0.5 * (theta[index] - goal[:k]).square().sum() + 0.5 * (head - (head + goal[k:]).detach()).square().sum()
    )
    return surrogate - surrogate.detach() + mse.detach()


class MetaObjective(torch.nn.Module):
    """theta and bias as a module whose forward is the MAML objective, so PyTorch's DDP can wrap it.

    Under ``torchrun`` each rank adapts its share of the meta-batch and DDP averages the outer
    gradients: the same step as one process on the whole batch.
    """

    def __init__(self, cfg: SirenConfig, theta: Tensor, bias: Tensor, mc: MetaConfig):
        super().__init__()
        self.cfg, self.mc = cfg, mc
        self.theta = torch.nn.Parameter(theta)
        self.bias = torch.nn.Parameter(bias)

    def forward(self, mask: Tensor, coords: Tensor, target: Tensor) -> Tensor:
        return post_adaptation_loss(self.cfg, self.theta, self.bias, mask, coords, target, self.mc)


def world() -> tuple[int, int]:
    """(rank, world size) of the process group, (0, 1) without one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def outer_step(objective: torch.nn.Module, mask: Tensor, coords: Tensor, target: Tensor, opt) -> float:
    """One MAML outer step of a :class:`MetaObjective` (or its DDP wrapper); returns the mean post-adaptation MSE."""
    opt.zero_grad(set_to_none=True)
    loss = objective(mask, coords, target)
    loss.backward()
    opt.step()
    return float(loss.detach())


def validate(
    cfg: SirenConfig, theta: Tensor, bias: Tensor, mask: Tensor, coords: Tensor, tiles: Tensor, steps: int, lr: float
) -> float:
    """Mean PSNR (dB) of fixed validation tiles after the test-time fit."""
    with torch.enable_grad():
        values = fitting.fit(cfg, theta.detach(), bias.detach(), mask, coords, tiles, steps=steps, lr=lr)
    mse = fitting.evaluate(cfg, values, bias.detach(), mask, coords, tiles)
    return float(psnr(mse).mean())


def train_ladder(
    cfg: SirenConfig,
    mc: MetaConfig,
    train_dir: str,
    val_dir: str,
    out: Path,
    command: str = "",
    log=print,
    device: str | torch.device = "cpu",
    sampler=None,
    val: Tensor | None = None,
) -> Path:
    """Meta-learn the dense init, then prune and re-meta-learn ``rounds`` times; save the ladder.

    Writes ``out.ckpt`` (resumable state) while running and ``out.npz`` + manifest entry at the end.
    In a process group (torchrun) every rank draws the same global meta-batch and adapts its
    slice; DDP averages the gradients; rank 0 alone validates and writes files. ``sampler`` and
    ``val`` replace the crop sampler and validation tiles of the folders (the paper's experiments
    meta-learn on whole images).
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)  # fail now, not after hours of training
    rank, n_ranks = world()
    if rank:
        log = lambda m: None  # noqa: E731 - rank 0 speaks for the group
    if mc.meta_batch % n_ranks:
        raise ValueError(f"--meta-batch {mc.meta_batch} does not split over {n_ranks} processes")
    torch.manual_seed(mc.seed)
    run = _Run(cfg, mc, torch.device(device), sampler or CropSampler(train_dir, cfg.tile, seed=mc.seed), rank)
    val = (fixed_tiles(val_dir, cfg.tile, mc.val_tiles) if val is None else val).to(run.dev)
    ckpt = out.with_suffix(".ckpt")
    if ckpt.exists():
        run.resume(ckpt)
        log(f"resumed {ckpt}: round {run.state['round']} step {run.state['step']}")
    engine = DistributedDataParallel(run.objective) if n_ranks > 1 else run.objective
    total = mc.outer_steps + mc.rounds * mc.round_steps
    bar = Progress(total, "meta-train", start=run.steps_done(), stream=None if rank == 0 else open(os.devnull, "w"))
    t_start = time.monotonic() - run.state["elapsed"]
    state = run.state
    while state["round"] <= mc.rounds:
        r = state["round"]
        while state["step"] < (mc.outer_steps if r == 0 else mc.round_steps):
            target = run.sampler.sample(mc.meta_batch)[rank::n_ranks].to(run.dev)
            loss = outer_step(engine, state["mask"], run.coords, target, run.opt)
            state["step"] += 1
            state["losses"].append(loss)
            bar.update(1, round=r, psnr=float(psnr(torch.tensor(loss))))
            if state["step"] % mc.ckpt_every == 0:
                state["elapsed"] = time.monotonic() - t_start
                run.save(ckpt)
        if not mc.keep_rounds or r in mc.keep_rounds:  # the round's init is a quality level: validate, keep it
            level = run.level(val, time.monotonic() - t_start)
            state["levels"].append(level)
            log(
                f"\nround {r}: {level['n_weights']} weights ({level['density']:.2%}), "
                f"val PSNR after {mc.test_steps} steps: {level['val_psnr']:.2f} dB"
            )
        state["round"] += 1
        if r == mc.rounds:
            break
        run.prune()
        state["step"] = 0
        state["elapsed"] = time.monotonic() - t_start
        run.save(ckpt)
    bar.close()
    wall = time.monotonic() - t_start
    if rank:
        return out.with_suffix(".npz")
    path = save_ladder(out, cfg, mc, state["levels"], train_dir, val_dir, command, wall)
    ckpt.unlink(missing_ok=True)
    return path


class _Run:
    """One meta-training run's state: the init being learned, its optimiser, sampler and RNGs, the round,
    step and mask, and the levels kept so far; saved to and resumed from a checkpoint."""

    def __init__(self, cfg: SirenConfig, mc: MetaConfig, dev: torch.device, sampler, rank: int):
        self.cfg, self.mc, self.dev, self.sampler, self.rank = cfg, mc, dev, sampler, rank
        self.coords = siren.tile_grid(cfg.tile).to(dev)
        self.g = torch.Generator().manual_seed(mc.seed)
        theta0, bias0 = siren.init_params(cfg, self.g)
        self.objective = MetaObjective(cfg, theta0.clone().to(dev), bias0.clone().to(dev), mc)
        self.theta, self.bias = self.objective.theta, self.objective.bias
        self.opt = torch.optim.Adam([self.theta, self.bias], lr=mc.outer_lr)  # one Adam state across rounds
        mask = torch.ones(cfg.n_weights, dtype=torch.bool, device=dev)
        self.state = {"round": 0, "step": 0, "mask": mask, "levels": [], "elapsed": 0.0, "losses": []}

    def steps_done(self) -> int:
        r, mc = self.state["round"], self.mc
        return (mc.outer_steps + (r - 1) * mc.round_steps if r else 0) + self.state["step"]

    def resume(self, ckpt: Path) -> None:
        saved = torch.load(ckpt, weights_only=False, map_location=self.dev)
        if saved["siren"] != self.cfg.to_dict() or saved["meta"] != asdict(self.mc):
            raise ValueError(f"{ckpt} was made with other settings; delete it or use them")
        with torch.no_grad():
            self.theta.copy_(saved["theta"])
            self.bias.copy_(saved["bias"])
        self.opt.load_state_dict(saved["opt"])
        self.sampler.set_state(saved["sampler"])
        torch.set_rng_state(saved["torch_rng"])
        self.g.set_state(saved["gen_rng"])
        self.state = saved["state"]

    def save(self, ckpt: Path) -> None:
        if self.rank:
            return
        saved = {
            "siren": self.cfg.to_dict(),
            "meta": asdict(self.mc),
            "theta": self.theta.detach(),
            "bias": self.bias.detach(),
            "opt": self.opt.state_dict(),
            "sampler": self.sampler.state(),
            "torch_rng": torch.get_rng_state(),
            "gen_rng": self.g.get_state(),
            "state": self.state,
        }
        save_atomic(ckpt, lambda f: torch.save(saved, f))

    def level(self, val: Tensor, wall: float) -> dict:
        """The current init under the current mask as a level, validated on ``val`` (rank 0 only)."""
        mask, mc = self.state["mask"], self.mc
        val_psnr = float("nan")
        if self.rank == 0:
            val_psnr = validate(self.cfg, self.theta, self.bias, mask, self.coords, val, mc.test_steps, mc.test_lr)
        return {
            "round": self.state["round"],
            "n_weights": int(mask.sum()),
            "density": float(mask.float().mean()),
            "theta": (self.theta.detach() * mask).cpu(),
            "bias": self.bias.detach().cpu(),
            "mask": mask.cpu(),
            "val_psnr": val_psnr,
            "wall_s": wall,
        }

    @torch.no_grad()
    def prune(self) -> None:
        """One round of the ladder: drop ``gamma`` of the surviving weights (on the CPU: the same masks anywhere)."""
        th, mask = self.theta.detach().cpu(), self.state["mask"].cpu()
        shapes = self.cfg.layer_shapes()
        if self.mc.prune_scope == "layer":
            new_mask = masks.prune_layerwise(th, mask, [i * o for i, o in shapes], self.mc.gamma)
        else:
            scores = masks.round_scores(self.mc.scores, th, mask, shapes, self.g)
            new_mask = masks.prune(th, mask, self.mc.gamma, scores)
        self.state["mask"] = new_mask.to(self.dev)


def save_ladder(
    out: Path,
    cfg: SirenConfig,
    mc: MetaConfig,
    levels: list[dict],
    train_dir: str,
    val_dir: str,
    command: str,
    wall: float,
) -> Path:
    """Write the ladder file (``out.npz``) and its entry in ``manifest.json`` beside it."""
    path = out.with_suffix(".npz")
    ordered = sorted(levels, key=lambda lv: lv["n_weights"])  # quality 1 = fewest weights
    save(path, cfg, [{k: v.numpy() if hasattr(v, "numpy") else v for k, v in lv.items()} for lv in ordered])
    levels_info = [
        {
            "round": lv["round"],
            "n_weights": lv["n_weights"],
            "density": round(lv["density"], 5),
            "val_psnr_100_steps": round(lv["val_psnr"], 3),
            "wall_s_at_save": round(lv["wall_s"], 1),
        }
        for lv in ordered
    ]
    extra = {"val_data": str(val_dir), "meta": asdict(mc), "levels": levels_info}
    manifest.record(path, command, train_dir, cfg, None, wall, extra)
    return path
