"""Per-level figures of proto_fit.py's rows (val, first 10 bsd100): bpp, PSNR, border / interior gap per level.

    python results/seam2/per_level.py ROW ...     ROW: MODE:WEIGHT[:RDO_BORDER] as in proto_fit.py
"""

import sys

sys.argv, rows = sys.argv[:1], sys.argv[1:]
exec(open("results/seam2/proto_fit.py").read().split("rows = []")[0])  # the patches, without the ablation run

for arg in rows:
    mode, w, *rdo = (arg.split(":") + ["1"])[:2] + arg.split(":")[2:]
    STATE.update(mode=mode, w=float(w))
    model.UNLAPPED = model.UNLAPPED._replace(rdoq_border=float(rdo[0]) if rdo else 8.0)  # 0.11.0: model.UNLAPPED
    r = bench.run(VAL, None, limit=10, init=DEFAULT, anchors=(), log=lambda m: None)
    cells = [
        f"{m['bpp']:.3f}/{m['psnr']:.2f}/{m['psnr_tile_interior'] - m['psnr_tile_border']:.2f}" for m in r["means"]
    ]
    print(f"{arg:<12} " + " ".join(cells), flush=True)
