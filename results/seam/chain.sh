#!/usr/bin/env bash
# The siren-t16-basis-seam chain, in order (each step's command, settings and wall time: weights/manifest.json and
# results/seam/chain-manifest.json). Body, prediction, tables and adapting models are 0.7.0's
# (results/adapt/chain.sh); what is new:
# 1. a post-filter trained as 0.7.0's (20,000 steps, 1,600 crops, lr 3e-4) with the tile-border pixels weighing 4
#    in its loss (chosen on val: results/seam/proto_filter*.txt), on runs/adapt/siren-t16-adapt-ip.npz's decodes,
#    copied in
# 2. learned upscaler for renders above the source size, as 0.7.0's
set -euo pipefail
D=../shared/data/train
[ -f runs/adapt/siren-t16-adapt-ip.npz ] || bash results/adapt/chain.sh
[ -f runs/seam/pf-bw4-20k-1600.npz ] || inrzip train-postfilter --data $D --init runs/adapt/siren-t16-adapt-ip.npz \
    --out runs/seam/pf-bw4-20k-1600.npz --lr 3e-4 --steps 20000 --pairs 1600 --threads 2 --border-weight 4
[ -f weights/siren-t16-basis-seam.npz ] || inrzip train-postfilter --data $D --init runs/adapt/siren-t16-adapt-ip.npz \
    --out weights/siren-t16-basis-seam.npz --copy-from runs/seam/pf-bw4-20k-1600.npz
[ -f weights/upscalers/siren-t16-basis-seam.npz ] || inrzip train-upscaler --data $D --init siren-t16-basis-seam \
    --out weights/upscalers/siren-t16-basis-seam.npz --threads 2 --lr 3e-4 --steps 6000
