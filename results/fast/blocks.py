"""The post-filter's block size and threads: one 768x512 render (a file of kodim02 at the default level) filtered
with blocks of 64-160 pixels, one or two at a time. The file is decoded without torch: a process that has run torch's
fit keeps its OpenMP threads, which distort the BLAS-threaded rows. Run with OPENBLAS_NUM_THREADS=1 and =2:

    inrzip encode ../shared/data/kodak/kodim02.png -o /tmp/k2.inrz -f
    for n in 1 2; do echo BLAS $n; OPENBLAS_NUM_THREADS=$n python results/fast/blocks.py /tmp/k2.inrz; done
"""
import time, numpy as np
from concurrent.futures import ThreadPoolExecutor
from inrzip import postfilter
from inrzip.nets import numpy_cnn
from inrzip.nets.numpy_cnn import Window
from inrzip.images import to_uint8
z=np.load('weights/siren-t16-basis-seam.npz'); net=postfilter.from_arrays(z)
from PIL import Image
import sys
from inrzip import decoder
img = decoder.decode(sys.argv[1], restore=False)
ref=postfilter.apply(net,img,56,16)
def restore_par(net, render, extra, block=256, workers=2):
    h, w = render.shape[:2]; r = net.radius; out = np.empty_like(render)
    def one(tl):
        top,left=tl
        win = Window(max(0, top - r), min(h, top + block + r), max(0, left - r), min(w, left + block + r))
        x = render[win.top : win.bottom, win.left : win.right].astype(np.float32) / 255.0
        given = np.concatenate([x, extra(win)], axis=2)
        fixed = x + numpy_cnn.forward(net.weights, net.biases, given)
        y0, x0 = top - win.top, left - win.left
        b = fixed[y0 : y0 + min(block, h - top), x0 : x0 + min(block, w - left)]
        out[top : top + b.shape[0], left : left + b.shape[1]] = to_uint8(b)
    jobs=[(t,l) for t in range(0,h,block) for l in range(0,w,block)]
    with ThreadPoolExecutor(workers) as ex: list(ex.map(one, jobs))
    return out
print('block size, blocks at a time, best of 3 seconds; max difference to the shipped filter')
for blk in (64, 96, 128, 160, 256):
  for wk in (1,2):
    ts=[]
    for i in range(3):
        t=time.perf_counter(); o=restore_par(net,img,lambda win: postfilter.extra_channels(56,16,win),blk,wk); ts.append(time.perf_counter()-t)
    print(blk,wk,round(min(ts),3),np.abs(o.astype(int)-ref).max())
