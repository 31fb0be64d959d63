"""Meta-training under torchrun: 2 CPU processes (gloo) through PyTorch DDP give the one-process ladder."""

import subprocess
import sys

import numpy as np

from inrzip import inits

ARGS = (
    "--width 8 --depth 1 --tile 8 --w0 10 --outer-steps 20 --round-steps 10 --rounds 1 --meta-batch 8 "
    "--inner-steps 2 --inner-lr 1e-2 --outer-lr 1e-2 --val-tiles 8 --threads 1 --device cpu"
).split()


def train(photo_dir, out, nproc):
    launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}"]
    cmd = (launch if nproc > 1 else [sys.executable]) + ["-m", "inrzip", "train", "--data", str(photo_dir)]
    r = subprocess.run(cmd + ["--val", str(photo_dir), "--out", str(out), *ARGS], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[:3000] + "\n...\n" + r.stderr[-1000:]  # the failing rank's error comes first
    return inits.load(str(out.with_suffix(".npz"))), r.stdout


def test_ddp_two_processes_match_one(photo_dir, tmp_path):
    one, _ = train(photo_dir, tmp_path / "one" / "ladder", 1)
    two, stdout = train(photo_dir, tmp_path / "two" / "ladder", 2)
    assert stdout.count("wrote") == 1  # rank 0 alone writes and reports
    assert len(one.levels) == len(two.levels) == 2
    for a, b in zip(one.levels, two.levels, strict=True):
        assert np.array_equal(a.mask, b.mask)
        np.testing.assert_allclose(a.theta, b.theta, atol=1e-5, rtol=1e-4)
        np.testing.assert_allclose(a.bias, b.bias, atol=1e-5, rtol=1e-4)
    assert np.abs(one.levels[-1].theta).mean() > 1e-2  # real weights, not zeros
