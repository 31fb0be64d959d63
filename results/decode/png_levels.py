"""PNG zlib levels on decoded photos: best of 5 seconds and bytes per level (Pillow, its bundled zlib).

    python results/decode/png_levels.py DECODED.png ...
"""
import io
import sys
import time

from PIL import Image, features

print(f"# Pillow {Image.__version__}, zlib {features.version('zlib')}")
for path in sys.argv[1:]:
    im = Image.open(path)
    im.load()
    row = []
    for level in (1, 2, 3, 6):
        s = []
        for _ in range(5):
            buf = io.BytesIO()
            t = time.perf_counter()
            im.save(buf, "PNG", compress_level=level)
            s.append(time.perf_counter() - t)
        row.append(f"level {level} {min(s) * 1e3:.0f} ms {len(buf.getvalue()) / 1e3:.0f} KB")
    print(f"{path}: " + " | ".join(row))
