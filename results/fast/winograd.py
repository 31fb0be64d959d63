"""Winograd F(2x2, 3x3) and F(4x4, 3x3) convolutions in numpy (explicit transforms) against numpy_cnn.conv3x3,
one 106x106 block (a 96-pixel block and its halo) per post-filter layer shape, one BLAS thread:

    python results/fast/winograd.py > results/fast/winograd.txt
"""
import time, numpy as np
from threadpoolctl import threadpool_limits
from inrzip.nets import numpy_cnn
import sys
sys.path.insert(0, "results/fast")
from winograd_tensordot import F, compare, kernel_transform

def combine(T, parts, out):
    """out[i] = sum_k T[i, k] parts[k], for each row i of T (zeros skipped, +-1 without a multiply)."""
    for i, row in enumerate(T):
        o = out[i]
        first = True
        for k, c in enumerate(row):
            if c == 0:
                continue
            p = parts[k]
            if first:
                if c == 1: np.copyto(o, p)
                elif c == -1: np.negative(p, out=o)
                else: np.multiply(p, np.float32(c), out=o)
                first = False
            elif c == 1: o += p
            elif c == -1: o -= p
            else: o += np.float32(c) * p
    return out

def conv_wino(x, U, b, m):
    BT, G, AT = F[m]
    a = m + 2
    h, wd, cin = x.shape
    nh, nw = -(-h // m), -(-wd // m)
    xp = np.zeros((m * nh + 2, m * nw + 2, cin), np.float32)
    xp[1:h+1, 1:wd+1] = x
    R = combine(BT, [xp[k:k + m * nh:m] for k in range(a)], np.empty((a, nh, m * nw + 2, cin), np.float32))
    V = np.empty((a, a, nh, nw, cin), np.float32)
    for i in range(a):
        combine(BT, [R[i, :, k:k + m * nw:m] for k in range(a)], V[i])
    M = np.matmul(V.reshape(a * a, nh * nw, cin), U).reshape(a, a, nh, nw, -1)
    Y = combine(AT, [M[k] for k in range(a)], np.empty((m, a, nh, nw, U.shape[2]), np.float32))
    out = np.empty((nh, m, nw, m, U.shape[2]), np.float32)
    for p in range(m):
        combine(AT, [Y[p, k] for k in range(a)], out[:, p].transpose(2, 0, 1, 3))
    out = out.reshape(m * nh, m * nw, -1)
    out += b
    return out[:h, :wd]

if __name__ == "__main__":
    compare(conv_wino)
