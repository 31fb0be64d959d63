"""The paper's experiments at the smoke budget: every method, both test sets and lrs, figures, resume."""

import json

from click.testing import CliRunner
from PIL import Image

from inrzip.cli import main
from inrzip.experiments import paper


def test_narrow_width_matches_or_exceeds_the_count():
    cfg = paper.BUDGETS["paper"].cfg()
    assert cfg.n_weights == 197_888  # 3w^2 + 5w at w = 256, as PAPER.md counts
    assert paper.narrow_width(cfg, 6_964) == 48  # the paper's Dense-Narrow partner of 3.52 %


def test_smoke_budget_end_to_end_and_resume(photo_dir, tmp_path):
    out = tmp_path / "paper-smoke"
    args = ["paper", "--train", str(photo_dir), "--test", str(photo_dir), "--faces", str(photo_dir)]
    r = CliRunner().invoke(main, args + ["--out", str(out), "--budget", "smoke"])
    assert r.exit_code == 0, r.output
    results = json.loads((out / "results.json").read_text())
    budget = paper.BUDGETS["smoke"]
    assert set(results) == {"natural", "faces", "single-8"}
    s53 = results.pop("single-8")[f"lr={budget.s53_lr:g}"]
    assert set(s53) == {"s5.3:imp-rewind", "s5.3:dense-narrow"}
    assert all(set(v) == {str(r) for r in budget.rounds_tested} for v in s53.values())
    ticket = s53["s5.3:imp-rewind"]
    assert ticket["3"]["n_weights"] < ticket["1"]["n_weights"] and len(ticket["1"]["curve"]) == budget.s53_steps + 1
    for test in results.values():
        assert set(test) == {f"lr={lr:g}" for lr in budget.test_lrs}
        for by_method in test.values():
            assert set(by_method) == set(paper.METHODS) | set(paper.VARIANTS) | set(paper.FFN_METHODS)
            for method, by_round in by_method.items():
                rounds = (
                    {"0"} if method in ("ffn:dense-maml", "ffn:scratch") else {str(r) for r in budget.rounds_tested}
                )
                assert set(by_round) == rounds
                for cell in by_round.values():
                    assert len(cell["curve"]) == budget.test_steps + 1 and cell["psnr_mean"] > 0
    sparse = results["natural"]["lr=0.001"]["meta-sparseinr"]
    assert sparse["3"]["n_weights"] < sparse["1"]["n_weights"]
    assert Image.open(out / "figure2.png").size[0] > 500 and (out / "figure3.png").exists()
    settings = json.loads((out / "settings.json").read_text())
    assert settings["budget"]["name"] == "smoke" and "machine" in settings
    rows = (out / "rows.jsonl").read_text().splitlines()
    r = CliRunner().invoke(main, args + ["--out", str(out), "--budget", "smoke"])  # resume: nothing to redo
    assert r.exit_code == 0 and "trained" not in r.output
    assert (out / "rows.jsonl").read_text().splitlines() == rows


def test_folding_w0_is_the_outer_lr_over_w0():
    """Adam on w0 * theta at lr moves theta exactly as Adam on theta at lr / w0 (up to Adam's epsilon)."""
    import torch

    w0, lr = 36.0, 1e-3
    target = torch.randn(50, generator=torch.Generator().manual_seed(1))
    theta0 = torch.randn(50, generator=torch.Generator().manual_seed(0)) * 0.01
    folded = (theta0 * w0).requires_grad_(True)
    plain = theta0.clone().requires_grad_(True)
    opt_f, opt_p = torch.optim.Adam([folded], lr=lr), torch.optim.Adam([plain], lr=lr / w0)
    for _ in range(20):
        for opt, t in ((opt_f, folded / w0), (opt_p, plain)):
            opt.zero_grad()
            (torch.sin(w0 * t) - target).square().sum().backward()
            opt.step()
    assert torch.allclose(folded.detach() / w0, plain.detach(), atol=1e-6)
    assert not torch.allclose(plain.detach(), theta0, atol=1e-4)  # it moved (20 steps of lr / w0)
    budget = paper.hypotheses(paper.BUDGETS["cpu"])["fold-w0"][0]
    assert budget.outer_lr_used == budget.outer_lr / budget.w0


def test_hypothesis_rows_and_table(photo_dir, tmp_path):
    from inrzip.cli import HYPOTHESIS_ROWS

    assert tuple(paper.hypotheses(paper.BUDGETS["cpu"])) == HYPOTHESIS_ROWS
    cpu_rows = paper.hypotheses(paper.BUDGETS["cpu"])
    assert cpu_rows["rounds-1000"][0].round_steps == 1000 and cpu_rows["base"][0].rounds_tested == (10, 15)
    tests = {"faces": (str(photo_dir), "celeba")}
    table = paper.run_hypotheses(str(photo_dir), tests, tmp_path, log=lambda m: None, base="smoke")
    assert set(table) == {"base", "lr-3e-3", "lr-1e-2", "fold-w0", "layer-wise", "rounds-13", "rounds-40"}
    for row in table.values():
        cell = row["gaps"]["faces"]["lr=0.001"]["51.2%"]
        assert cell["gap"] == cell["meta-sparseinr"] - cell["dense-narrow"]
    # layer-wise keeps the same fraction of every layer; global ranking need not
    kept = [layer["kept"] for layer in table["layer-wise"]["layers"]["3"]]
    dense = [layer["kept"] for layer in table["layer-wise"]["layers"]["0"]]
    assert all(abs(k / d - 0.512) < 0.05 for k, d in zip(kept, dense, strict=True) if d >= 64)
    # rows whose Dense-Narrow schedule is the base one share its inits; lr and folding train their own
    names = sorted(p.name for p in (tmp_path / "inits").glob("dense-narrow-*.npz"))
    assert len(names) == 4 and any("fold-w0" in n for n in names)
    assert "| base |" in (tmp_path / "table.md").read_text()
