#!/usr/bin/env bash
# The siren-t16-basis-adapt chain, in order (each step's command, settings and wall time: weights/manifest.json and
# results/adapt/chain-manifest.json). Body, prediction and tables are 0.6.0's (results/ctx/chain.sh); what is new:
# 1. the same prediction and tables, coefficient models that adapt within the file (prior weight 100, chosen on val:
#    results/adapt/weights.txt): runs/adapt/siren-t16-adapt-ip.npz
# 2. a post-filter trained twice as long on twice the crops as 0.6.0's (runs/ctx/pf-20k-1600.npz, trained on
#    runs/ctx/siren-t16-ctx-ip.npz's decodes, which are this init's: adaptation changes the bits, not the values),
#    copied in
# 3. learned upscaler for renders above the source size: weights/upscalers/siren-t16-basis-adapt.npz, at lr 3e-4
#    for 6,000 steps (at the default 1e-3 and 4,000 its x4 network collapsed to a constant output)
set -euo pipefail
D=../shared/data/train
[ -f runs/ctx/siren-t16-ctx-ip.npz ] || bash results/ctx/chain.sh
[ -f runs/adapt/siren-t16-adapt-ip.npz ] || inrzip train-predictor --data $D --init runs/wide/siren-t16-wide-sr.npz \
    --out runs/adapt/siren-t16-adapt-ip.npz --table-mix --chroma-classes --activity-context --adapt-weight 100
[ -f runs/ctx/pf-20k-1600.npz ] || inrzip train-postfilter --data $D --init runs/ctx/siren-t16-ctx-ip.npz \
    --out runs/ctx/pf-20k-1600.npz --lr 3e-4 --steps 20000 --pairs 1600 --threads 2
[ -f weights/siren-t16-basis-adapt.npz ] || inrzip train-postfilter --data $D --init runs/adapt/siren-t16-adapt-ip.npz \
    --out weights/siren-t16-basis-adapt.npz --copy-from runs/ctx/pf-20k-1600.npz
[ -f weights/upscalers/siren-t16-basis-adapt.npz ] || inrzip train-upscaler --data $D --init siren-t16-basis-adapt \
    --out weights/upscalers/siren-t16-basis-adapt.npz --threads 2 --lr 3e-4 --steps 6000
