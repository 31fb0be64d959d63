import sys, json
from inrzip.tools import bench
init = sys.argv[1]
out = {}
for f in (2, 4):
    r = bench.run_upscale("/work/shared/data/val/bsd100", f, (1.0,), limit=8, init=init, anchors=(), log=lambda m: None)
    out[f] = {m["method"]: (round(m["psnr"], 3), round(m["seam"], 3)) for m in r["means"]}
    print(init, f, out[f], flush=True)
