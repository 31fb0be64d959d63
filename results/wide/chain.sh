#!/usr/bin/env bash
# The siren-t16-basis-w240 chain, in order (each step's command, settings and wall time: results/wide/chain-manifest.json, weights/manifest.json).
# 1. body of width 240 with the upscaling prior (ANIL, closed-form head): runs/wide/siren-t16-wide-sr.npz
# 2. intra prediction + residual tables, mixed between octaves: runs/wide/siren-t16-wide-ip.npz
# 3. post-filter: siren-t16-basis-ip's, copied (two trainings on this init's own decodes collapsed to no correction:
#    results/wide/postfilter-collapse.txt): weights/siren-t16-basis-w240.npz
# 4. learned upscaler for renders above the source size: weights/upscalers/siren-t16-basis-w240.npz
set -euo pipefail
D=../shared/data/train
[ -f runs/wide/siren-t16-wide-sr.npz ] || inrzip train-basis --data $D --out runs/wide/siren-t16-wide-sr.npz \
    --width 240 --upscale 2 --upscale 4
[ -f runs/wide/siren-t16-wide-ip.npz ] || inrzip train-predictor --data $D --init runs/wide/siren-t16-wide-sr.npz \
    --out runs/wide/siren-t16-wide-ip.npz --table-mix
[ -f weights/siren-t16-basis-w240.npz ] || inrzip train-postfilter --data $D --init runs/wide/siren-t16-wide-ip.npz \
    --out weights/siren-t16-basis-w240.npz --copy-from siren-t16-basis-ip
[ -f weights/upscalers/siren-t16-basis-w240.npz ] || inrzip train-upscaler --data $D --init siren-t16-basis-w240 \
    --out weights/upscalers/siren-t16-basis-w240.npz --threads 2
