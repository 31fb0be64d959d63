"""A non-linear predictor: an MLP on the ridge residual, against the ridge alone (bits of the first 32
coefficients per channel, s = 46, 10 val photos).

python results/predict/estimate_mlp.py
"""

import sys, numpy as np, torch

torch.set_num_threads(1)
exec(open("results/predict/estimate.py").read().split("S = [int")[0])
train = list_images("../shared/data/train")[::4][:200]
val = list_images("../shared/data/val/bsd100")[:10]
M = 32


def collect(paths, ss):
    X, Y, Q = [], [], []
    for s in ss:
        for p in paths:
            ny, nx, coef = tiles_of(p)
            if ny < 2 or nx < 3:
                continue
            F, idx = feats(ny, nx, decoded(coef, s))
            X.append(F)
            Y.append(coef[idx][:, :, :M].reshape(len(idx), -1))
            Q.append(np.full(len(idx), s))
    return np.concatenate(X), np.concatenate(Y), np.concatenate(Q)


X, Y, _ = collect(train, [32, 40, 48, 56, 64])
print("train samples", X.shape, flush=True)
W = np.linalg.solve(
    X.T.astype(np.float64) @ X + 1e-2 * len(X) / len(X) * np.eye(X.shape[1]), X.T.astype(np.float64) @ Y
)
s = 46
Xv, Yv, _ = collect(val, [s])
keepM = basis.mask(init, s)[:, :M].reshape(-1)
step = basis.step(s)


def bits_est(r):  # per-coefficient Laplace entropy estimate of deadzone-quantised values, sum over first M
    q = basis.deadzone_quantize(r, s, init.deadzone)
    tot = 0
    for k in range(q.shape[1]):
        v, c = np.unique(q[:, k], return_counts=True)
        p = c / c.sum()
        tot += -(c * np.log2(p)).sum()
    return tot / len(q)


print("raw", bits_est(Yv), "ridge", bits_est(Yv - Xv @ W), flush=True)
Xt, Yt = torch.tensor(X), torch.tensor(Y)
Wt = torch.tensor(W, dtype=torch.float32)
for hidden in (256,):
    net = torch.nn.Sequential(
        torch.nn.Linear(X.shape[1], hidden),
        torch.nn.ReLU(),
        torch.nn.Linear(hidden, hidden),
        torch.nn.ReLU(),
        torch.nn.Linear(hidden, Y.shape[1]),
    )
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    g = torch.Generator().manual_seed(0)
    for it in range(6000):
        pick = torch.randint(len(Xt), (512,), generator=g)
        pred = Xt[pick] @ Wt + net(Xt[pick])
        loss = (pred - Yt[pick]).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if it % 2000 == 1999:
            with torch.no_grad():
                pv = (torch.tensor(Xv) @ Wt + net(torch.tensor(Xv))).numpy()
            print(hidden, it, loss.item(), "mlp", bits_est(Yv - pv), flush=True)
