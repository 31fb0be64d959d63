"""Winograd transforms as tensordots (slower than the explicit ones of winograd.py); F and kernel_transform are
shared with it."""
import time, numpy as np
from threadpoolctl import threadpool_limits
from inrzip.nets import numpy_cnn

F = {
 2: (np.array([[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]]),
     np.array([[1,0,0],[.5,.5,.5],[.5,-.5,.5],[0,0,1]]),
     np.array([[1,1,1,0],[0,1,-1,-1]])),
 4: (np.array([[4,0,-5,0,1,0],[0,-4,-4,1,1,0],[0,4,-4,-1,1,0],[0,-2,-1,2,1,0],[0,2,-1,-2,1,0],[0,4,0,-5,0,1]]),
     np.array([[1/4,0,0],[-1/6,-1/6,-1/6],[-1/6,1/6,-1/6],[1/24,1/12,1/6],[1/24,-1/12,1/6],[0,0,1]]),
     np.array([[1,1,1,1,1,0],[0,1,-1,2,-2,0],[0,1,1,4,4,0],[0,1,-1,8,-8,1]])),
}

def kernel_transform(w, m):
    BT, G, AT = F[m]
    U = np.einsum('ai,ijcd,bj->abcd', G, w.astype(np.float64), G)
    a = m + 2
    return U.reshape(a * a, *w.shape[2:]).astype(np.float32)

def conv_wino(x, U, b, m):
    BT, G, AT = (t.astype(np.float32) for t in F[m])
    a = m + 2
    h, wd, cin = x.shape
    nh, nw = -(-h // m), -(-wd // m)
    xp = np.zeros((m * nh + 2, m * nw + 2, cin), np.float32)
    xp[1:h+1, 1:wd+1] = x
    S = np.stack([xp[k:k + m * nh:m] for k in range(a)])            # [a, nh, Wp, C]
    R = np.tensordot(BT, S, 1)                                        # [a(i), nh, Wp, C]
    S2 = np.stack([R[:, :, k:k + m * nw:m] for k in range(a)], 1)   # [a(i), a(k), nh, nw, C]
    V = np.tensordot(S2, BT, axes=([1], [1]))                        # [a(i), nh, nw, C, a(j)]
    V = np.moveaxis(V, 4, 1).reshape(a * a, nh * nw, cin)
    M = np.matmul(V, U).reshape(a, a, nh, nw, -1)                     # [i, j, nh, nw, Cout]
    Y = np.tensordot(AT, M, 1)                                        # [p, j, nh, nw, Co]
    Y = np.tensordot(Y, AT, axes=([1], [1]))                          # [p, nh, nw, Co, q]
    out = Y.transpose(1, 0, 2, 4, 3).reshape(m * nh, m * nw, -1)
    out += b
    return out[:h, :wd]

def compare(conv):
    """``conv(x, U, b, m)`` against numpy_cnn.forward (one layer: conv3x3 since 0.11.0 takes a padded input and scratch memory) on a 106x106 block of each layer shape, one BLAS thread."""
    rng = np.random.default_rng(0)
    for m in (2, 4):
        for cin, cout in ((8, 32), (32, 32), (32, 3)):
            x = rng.random((106, 106, cin), np.float32)
            w = rng.normal(0, .1, (3, 3, cin, cout)).astype(np.float32)
            b = rng.normal(0, .1, cout).astype(np.float32)
            U = kernel_transform(w, m)
            ref, got = numpy_cnn.forward([w], [b], x), conv(x, U, b, m)
            with threadpool_limits(1, "blas"):
                for f, name in ((lambda: numpy_cnn.forward([w], [b], x), "direct"), (lambda: conv(x, U, b, m), f"wino{m}")):
                    f()
                    t = time.perf_counter()
                    for _ in range(20):
                        f()
                    print(cin, cout, name, round((time.perf_counter() - t) / 20 * 1000, 2), "ms")
            print("maxdiff", np.abs(ref - got).max())


if __name__ == "__main__":
    compare(conv_wino)
