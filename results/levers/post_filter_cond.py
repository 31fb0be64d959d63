"""Prototype lever: a 1x post-filter that knows the step and the tile grid.

The first post-filter (post_filter.py) saw only the decoded pixels: one network for every rate gained at
0.25 / 0.5 bpp and lost at 1 bpp. This one's input adds the file's step index (one constant channel) and
the position within the 16x16 tile (cos / sin of the phase in x and y): the network can tell a tile border
from an edge of the picture and how coarse the quantiser was. Trained on 1x decodes of training crops at
every level (-q 1..15), measured on 10 val photos at five rates (the decoder alone changes: equal bytes).

python results/levers/post_filter_cond.py WIDTH STEPS [DEPTH] > results/levers/post_filter_cond.txt
"""
import sys, time, numpy as np, torch
torch.set_num_threads(int(__import__("os").environ.get("THREADS", "2")))
from inrzip import encode, decode, inits
from inrzip.images import list_images, load_image
from inrzip.metrics import psnr_uint8

WIDTH, STEPS = int(sys.argv[1]), int(sys.argv[2])
DEPTH = int(sys.argv[3]) if len(sys.argv) > 3 else 3
N_PAIRS, CROP, PATCH, BATCH = 600, 256, 48, 16
t0 = time.time()
init = inits.load("siren-t16-basis-sr")  # the decodes the filter restores (not the default: it filters already)
rng = np.random.default_rng(0)


def grid(h, w):
    y, x = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
    a, b = 2 * np.pi * x / 16, 2 * np.pi * y / 16
    return np.stack([np.cos(a), np.sin(a), np.cos(b), np.sin(b)], -1)


def inputs(render_u8, s):
    x = render_u8.astype(np.float32) / 255
    h, w = x.shape[:2]
    return np.concatenate([x, np.full((h, w, 1), (s - 56) / 16, np.float32), grid(h, w)], -1)


photos = list_images("../shared/data/train")
X, Y = [], []
while len(X) < N_PAIRS:
    photo, _ = load_image(photos[rng.integers(len(photos))])
    if min(photo.shape[:2]) < CROP:
        continue
    y, x = rng.integers(photo.shape[0] - CROP + 1), rng.integers(photo.shape[1] - CROP + 1)
    orig = photo[y : y + CROP, x : x + CROP]
    enc = encode(orig, quality=int(rng.integers(1, 16)), init=init)
    X.append(inputs(decode(enc.data, init=init), enc.header.quality))
    Y.append(orig.astype(np.float32) / 255)
print(f"{len(X)} pairs {time.time()-t0:.0f} s", flush=True)
X = torch.from_numpy(np.stack(X)).permute(0, 3, 1, 2).contiguous()
Y = torch.from_numpy(np.stack(Y)).permute(0, 3, 1, 2).contiguous()

torch.manual_seed(0)
layers = [torch.nn.Conv2d(X.shape[1], WIDTH, 3, padding=1), torch.nn.ReLU()]
for _ in range(DEPTH):
    layers += [torch.nn.Conv2d(WIDTH, WIDTH, 3, padding=1), torch.nn.ReLU()]
layers.append(torch.nn.Conv2d(WIDTH, 3, 3, padding=1))
with torch.no_grad():
    layers[-1].weight.mul_(0.1)
    layers[-1].bias.zero_()
net = torch.nn.Sequential(*layers)
opt = torch.optim.Adam(net.parameters(), 1e-3)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, STEPS)
edge = DEPTH + 2
for step in range(STEPS):
    pick = torch.from_numpy(rng.integers(len(X), size=BATCH))
    y0, x0 = rng.integers(CROP - PATCH + 1, size=2)
    x = X[pick, :, y0 : y0 + PATCH, x0 : x0 + PATCH]
    t = Y[pick, :, y0 : y0 + PATCH, x0 : x0 + PATCH]
    loss = (x[:, :3] + net(x) - t)[:, :, edge:-edge, edge:-edge].square().mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    if step % 1000 == 0 or step == STEPS - 1:
        print(f"step {step}: batch {-10*np.log10(loss.item()):.2f} dB ({time.time()-t0:.0f} s)", flush=True)
torch.save(net.state_dict(), f"/tmp/pf_w{WIDTH}.pt")


def border_gap(im, dec):
    err = ((im.astype(np.float64) - dec) ** 2).mean(-1)
    h, w = err.shape
    yy, xx = np.mgrid[0:h, 0:w]
    border = (yy % 16 == 0) | (yy % 16 == 15) | (xx % 16 == 0) | (xx % 16 == 15)
    p = lambda m: 10 * np.log10(255**2 / m)
    return p(err[~border].mean()) - p(err[border].mean())


net.eval()
for q in (1, 3, 6, 10, 15):
    res = []
    for p in list_images("../shared/data/val/bsd100")[:10]:
        im, _ = load_image(p)
        enc = encode(im, quality=q, init=init)
        one = decode(enc.data, init=init)
        with torch.no_grad():
            x = torch.from_numpy(inputs(one, enc.header.quality)).permute(2, 0, 1)[None]
            fixed = (x[:, :3] + net(x))[0].permute(1, 2, 0).numpy()
        f8 = np.clip(np.round(fixed * 255), 0, 255).astype(np.uint8)
        res.append((enc.bpp, psnr_uint8(im, one), psnr_uint8(im, f8), border_gap(im, one), border_gap(im, f8)))
    m = np.mean(res, axis=0)
    print(f"val 10, -q {q}: {m[0]:.3f} bpp, decode {m[1]:.2f} dB, + filter {m[2]:.2f} dB ({m[2]-m[1]:+.2f}); "
          f"interior - border {m[3]:.2f} -> {m[4]:.2f} dB", flush=True)
print(f"{time.time()-t0:.0f} s")
