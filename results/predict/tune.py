"""Val tuning of intra prediction: train a predicting init from siren-t16-basis-pf with one setting changed, then
the val bench (10 bsd100 photos, JPEG anchor) on it. Usage: python results/predict/tune.py NAME KEY=VALUE ...
(keys: m, photos, crop, rdo_pass, ridge, rms_step). Writes results/predict/tune-NAME.txt."""

import subprocess
import sys
from pathlib import Path

from inrzip.train import predictor

name, settings = sys.argv[1], dict(a.split("=") for a in sys.argv[2:])
kwargs = {k: int(v) for k, v in settings.items() if k in ("m", "photos", "crop", "rdo_pass")}
if "ridge" in settings:
    predictor.RIDGE = float(settings["ridge"])
if "rms_step" in settings:
    predictor.RMS_STEP = int(settings["rms_step"])
out = Path(f"/tmp/predict-tune/siren-t16-basis-ip-{name}.npz")
lines = []
predictor.train("../shared/data/train", out, log=lines.append, **kwargs)
bench = subprocess.run(
    [sys.executable, "-m", "inrzip", "bench", "--data", "../shared/data/val/bsd100", "--limit", "10",
     "--anchor", "jpeg", "--init", str(out)], capture_output=True, text=True, check=True).stdout  # fmt: skip
text = "\n".join([f"settings {settings}", *lines, *bench.splitlines()[-24:]]) + "\n"
Path(f"results/predict/tune-{name}.txt").write_text(text)
print(text)
