#!/bin/bash
# One prepared device check (issues 5 and 6): GPU timings, GPU determinism, CUDA test run.
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 3
export PYTHONPATH=/tmp/site:$PWD
nvidia-smi -L; python3 -c "import torch; print(torch.__version__, torch.cuda.get_device_name())"
for c in fp16 q16; do
  for i in 1 2; do
    /usr/bin/time -f "encode wall %e s" python3 -m inrzip encode .gpu/kodim23.png -o $OUT/k23-$c-$i.inrz --codec $c --device cuda -f
  done
  cmp $OUT/k23-$c-1.inrz $OUT/k23-$c-2.inrz && echo "SAME BYTES on GPU ($c)"
  python3 -m inrzip decode $OUT/k23-$c-1.inrz -o $OUT/k23-$c-gpu.png --device cuda -f
  rm $OUT/k23-$c-2.inrz
done
timeout 300 python3 -m inrzip.benchmarks --device cuda --image .gpu/kodim01.png --json $OUT/bench-gpu.json --meta-seconds 5
timeout 150 python3 -m pytest -q -x -p no:cacheprovider tests --deselect tests/test_wheel.py 2>&1 | tail -5
