#!/usr/bin/env bash
# The lapped default (0.10.0, siren-t16-basis-lap), from the released siren-t16-basis-qm; this 2-core CPU, idle
# (each step's manifest entry: weights/manifest.json, "chain").
set -euo pipefail
export INRZIP_WEIGHTS=runs/lap:runs/half:weights
# 1. the qm init's post-filter retrained 20,000 steps on its own decodes (1,650 s; results/qm/val-filter-20k.txt)
inrzip train-postfilter --data ../shared/data/train --init siren-t16-basis-qm --out runs/half/pf-qm-bw4-20k.npz \
    --lr 3e-4 --steps 20000 --pairs 1600 --threads 2 --border-weight 4 --pairs-cache runs/half/crops-qm-1600.npz
# 2. lapping around its tiles: nothing retrained (results/lap/val1.txt)
python -m inrzip.train.lapped runs/half/pf-qm-bw4-20k.npz runs/lap/lap13-f20.npz --scales 1.3
# 3. that filter fine-tuned 10,000 steps on the lapped decodes
inrzip train-postfilter --data ../shared/data/train --init runs/lap/lap13-f20.npz --out runs/lap/lap13-ft.npz \
    --lr 2e-4 --steps 10000 --pairs 1600 --threads 2 --border-weight 4 --pairs-cache runs/lap/crops-lap13-1600.npz \
    --start-from runs/half/pf-qm-bw4-20k.npz
# 4. shipped as it is (the same bytes, so the same id), and its upscaler trained on its renders
cp runs/lap/lap13-ft.npz weights/siren-t16-basis-lap.npz
inrzip train-upscaler --data ../shared/data/train --init siren-t16-basis-lap \
    --out weights/upscalers/siren-t16-basis-lap.npz --threads 2 --lr 3e-4 --steps 6000
