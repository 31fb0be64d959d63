#!/usr/bin/env bash
# The siren-t16-basis-ctx chain, in order (each step's command, settings and wall time: weights/manifest.json and
# results/ctx/chain-manifest.json). Its body is 0.5.0's (results/wide/chain.sh, step 1: runs/wide/siren-t16-wide-sr.npz).
# 1. intra prediction + residual tables, mixed between octaves, chroma classes, activity context: runs/ctx/siren-t16-ctx-ip.npz
# 2. post-filter trained on this init's decodes at lr 3e-4 (at 1e-3 it collapsed: results/wide/postfilter-collapse.txt)
# 3. learned upscaler for renders above the source size: weights/upscalers/siren-t16-basis-ctx.npz
set -euo pipefail
D=../shared/data/train
[ -f runs/wide/siren-t16-wide-sr.npz ] || inrzip train-basis --data $D --out runs/wide/siren-t16-wide-sr.npz \
    --width 240 --upscale 2 --upscale 4
[ -f runs/ctx/siren-t16-ctx-ip.npz ] || inrzip train-predictor --data $D --init runs/wide/siren-t16-wide-sr.npz \
    --out runs/ctx/siren-t16-ctx-ip.npz --table-mix --chroma-classes --activity-context
[ -f weights/siren-t16-basis-ctx.npz ] || inrzip train-postfilter --data $D --init runs/ctx/siren-t16-ctx-ip.npz \
    --out weights/siren-t16-basis-ctx.npz --lr 3e-4 --threads 2
[ -f weights/upscalers/siren-t16-basis-ctx.npz ] || inrzip train-upscaler --data $D --init siren-t16-basis-ctx \
    --out weights/upscalers/siren-t16-basis-ctx.npz --threads 2
