#!/bin/bash
# Issue 4: the cpu budget of `inrzip paper`, run on the GPU to see its figures now (resumable on the CPU).
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 3
export PYTHONPATH=/tmp/site:$PWD
mkdir -p $OUT/paper-cpu
timeout 470 python3 -m inrzip paper --train .gpu/paper/train --test .gpu/paper/val --faces .gpu/paper/faces \
  --out $OUT/paper-cpu --budget cpu --device cuda 2>&1 | grep -v "meta-train" | tee $OUT/paper-log.txt
echo "paper exit ${PIPESTATUS[0]}"
tar -C $OUT/paper-cpu -cf $OUT/paper-inits.tar inits && rm -rf $OUT/paper-cpu/inits
ls -la $OUT $OUT/paper-cpu
