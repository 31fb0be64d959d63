"""Where a decode's time goes, per init: kodim02 encoded at the default level with each init, then
results/fast/stages.py run on the file three times in fresh processes (imports, parse + entropy decoding, render,
post-filter, PNG).

    INRZIP_WEIGHTS=runs/half:weights python results/half/speed.py siren-t16-basis-qm runs/half/pf-half-w40.npz
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from inrzip import encoder

PHOTO = "../shared/data/kodak/kodim02.png"
with tempfile.TemporaryDirectory() as tmp:
    for init in sys.argv[1:]:
        enc = encoder.encode(PHOTO, init=init)
        path = Path(tmp) / "k2.inrz"
        path.write_bytes(enc.data)
        print(f"{init}: {len(enc.data):,} bytes, {enc.psnr:.2f} dB", flush=True)
        for _ in range(3):
            out = subprocess.run([sys.executable, "results/fast/stages.py", str(path)], capture_output=True, text=True)
            print("  " + (out.stdout.strip() or out.stderr.strip().splitlines()[-1]), flush=True)
