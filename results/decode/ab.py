"""Commands run alternately, N rounds; median and best wall seconds of each (so a drift of the machine hits all).

    python results/decode/ab.py 8 "inrzip decode /tmp/k2.inrz -o /tmp/a.png -f" "OPENBLAS_NUM_THREADS=1 inrzip decode ..."
"""
import statistics
import subprocess
import sys
import time

n, commands = int(sys.argv[1]), sys.argv[2:]
seconds = {c: [] for c in commands}
for _ in range(n):
    for c in commands:
        t = time.perf_counter()
        subprocess.run(c, shell=True, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds[c].append(time.perf_counter() - t)
for c in commands:
    print(f"median {statistics.median(seconds[c]):.3f} best {min(seconds[c]):.3f}  {c}")
