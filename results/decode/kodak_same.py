"""Two Kodak bench JSONs (`inrzip bench --json`), rows of the same image and level side by side: how many files
differ in bytes and how far each level's mean PSNR moved.

    python results/decode/kodak_same.py results/kodak-basis-lap-0.11.0.json /tmp/k-0.12.json
"""
import json
import sys
from collections import defaultdict

old, new = (json.load(open(p)) for p in sys.argv[1:3])
rows = {(r["image"], r["quality"]): r for r in old["rows"]}
by_level = defaultdict(list)
for r in new["rows"]:
    o = rows.get((r["image"], r["quality"]))
    if o is not None:
        by_level[r["quality"]].append((o, r))
for q, pairs in sorted(by_level.items()):
    n = len(pairs)
    other_bytes = sum(o["bytes"] != r["bytes"] for o, r in pairs)
    dpsnr = [r["psnr"] - o["psnr"] for o, r in pairs]
    print(f"level {q}: {n} photos, {other_bytes} with other bytes, mean PSNR {sum(o['psnr'] for o, _ in pairs) / n:.4f}"
          f" -> {sum(r['psnr'] for _, r in pairs) / n:.4f} dB (per photo {min(dpsnr):+.5f} .. {max(dpsnr):+.5f})")
