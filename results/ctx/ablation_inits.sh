#!/usr/bin/env bash
# The ablation's inits without one entropy option each (same body and prediction as the default's source).
set -euo pipefail
D=../shared/data/train
[ -f runs/ctx/no-activity.npz ] || inrzip train-predictor --data $D --init runs/wide/siren-t16-wide-sr.npz \
    --out runs/ctx/no-activity.npz --table-mix --chroma-classes
[ -f runs/ctx/no-chroma.npz ] || inrzip train-predictor --data $D --init runs/wide/siren-t16-wide-sr.npz \
    --out runs/ctx/no-chroma.npz --table-mix --activity-context
