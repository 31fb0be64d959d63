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
