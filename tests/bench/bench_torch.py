#!/usr/bin/python3
"""The bench verb's training steps in PyTorch, for Debian's /usr/bin/python3 with python3-torch (1.13).

Same models, objectives, optimizers, batch sizes and loop structure as the C# course (lib/WganCourse: Models/Mlp.cs,
Models/Dcgan.cs, Objectives/Gan.cs, Objectives/Wgan.cs, Training/Trainer.cs): one step = one generator step with its
critic steps; every critic step draws a fresh real batch and fresh z; losses stay on the device and are read once per
100 steps. Prints the same table as `WganCourse.Runner bench` and writes JSON that the bench verb joins
(`bench --torch` runs this script itself).

Debian's PyTorch 1.13 is built with generic (reference) BLAS: it is a floor for comparison, not the goal, and
not a fair peer of libtorch 2.10 with MKL/oneDNN that TorchSharp ships.

    /usr/bin/python3 tests/bench/bench_torch.py [--threads N] [--steps N] [--only TEXT] [--json FILE]
"""
import argparse
import gzip
import json
import math
import os
import re
import statistics
import sys
import time

import numpy as np

# The C# side sets this natively before libgomp loads (Hosting/NativeSetup.cs); the same wait policy here keeps the
# comparison fair on a shared machine, where spinning OpenMP threads slow small steps many times over.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402  (after the OpenMP setting, which libgomp reads when it loads)
import torch.nn as nn
import torch.nn.functional as F

SEED = 20140610
TOY_BATCH = 256
DCGAN_BATCH = 64


# ---------------------------------------------------------------- data

class RingBatches:
    """8 Gaussians on a circle of radius 2, std 0.02, everything scaled by 1/1.414 (Toy.Ring8), from a private generator."""

    def __init__(self, seed=1):
        scale = 1 / 1.414
        angles = [2 * math.pi * k / 8 for k in range(8)]
        self.means = torch.tensor([[scale * 2 * math.cos(a), scale * 2 * math.sin(a)] for a in angles], dtype=torch.float64)
        self.std = 0.02 * scale
        self.weights = torch.full((8,), 1 / 8, dtype=torch.float64)
        self.gen = torch.Generator().manual_seed(seed)

    def next(self, n):
        which = torch.multinomial(self.weights, n, replacement=True, generator=self.gen)
        mu = self.means.index_select(0, which)
        x = mu + self.std * torch.randn(n, 2, dtype=torch.float64, generator=self.gen)
        return x.float()


def load_digits(root):
    """data/mnist-digits: 10,000 digits as gzipped IDX, scaled to [-1, 1] like Digits.Load."""
    folder = os.path.join(root, "mnist-digits")
    with gzip.open(os.path.join(folder, "digits-images-idx3-ubyte.gz")) as f:
        raw = f.read()
    n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 1, rows, cols)
    return torch.from_numpy(pixels.astype(np.float32)) / 127.5 - 1


class ImageBatches:
    """Shuffled epochs of a fixed image set, last incomplete batch dropped (Training/Batches.cs)."""

    def __init__(self, images, seed=1):
        self.images = images
        self.gen = torch.Generator().manual_seed(seed)
        self.order = None
        self.pos = 0

    def next(self, n):
        if self.order is None or self.pos + n > len(self.images):
            self.order = torch.randperm(len(self.images), generator=self.gen)
            self.pos = 0
        idx = self.order[self.pos:self.pos + n]
        self.pos += n
        return self.images.index_select(0, idx)


# ---------------------------------------------------------------- models

def mlp(inp, out, hidden, layers=2):
    mods, width = [], inp
    for _ in range(layers):
        mods += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    mods.append(nn.Linear(width, out))
    return nn.Sequential(*mods)


class ToyG(nn.Module):
    latent = 2

    def __init__(self, width):
        super().__init__()
        self.net = mlp(2, 2, width)

    def forward(self, z):
        return self.net(z)


class ToyD(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.net = mlp(2, 1, width)

    def forward(self, x):
        return self.net(x)


class DcganG(nn.Module):
    latent = 100

    def __init__(self, ngf):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(100, 2 * ngf, 7, 1, 0, bias=False), nn.BatchNorm2d(2 * ngf), nn.ReLU(),
            nn.ConvTranspose2d(2 * ngf, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(),
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=True), nn.Tanh())
        init_dcgan(self)

    def forward(self, z):
        return self.net(z.view(z.shape[0], 100, 1, 1))


class DcganD(nn.Module):
    def __init__(self, ndf):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=True), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf, 2 * ndf, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * ndf), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * ndf, 1, 7, 1, 0, bias=True))
        init_dcgan(self)

    def forward(self, x):
        return self.net(x.reshape(x.shape[0], 1, 28, 28)).view(x.shape[0], 1)


def init_dcgan(module):
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                m.weight.normal_(0, 0.02)
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.normal_(1, 0.02)
                m.bias.zero_()


# ---------------------------------------------------------------- objectives

class GanNonSat:
    n_critic = 1

    def optimizers(self, g, d):
        return (torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999)),
                torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999)))

    def critic_loss(self, d, real, fake):
        return F.softplus(-d(real)).mean() + F.softplus(d(fake)).mean()

    def generator_loss(self, scores):
        return F.softplus(-scores).mean()

    def after_critic_step(self, d):
        pass


class WganClip:
    n_critic = 5

    def optimizers(self, g, d):
        return torch.optim.RMSprop(d.parameters(), 5e-5, alpha=0.99), torch.optim.RMSprop(g.parameters(), 5e-5, alpha=0.99)

    def critic_loss(self, d, real, fake):
        return d(fake).mean() - d(real).mean()

    def generator_loss(self, scores):
        return -scores.mean()

    def after_critic_step(self, d):
        with torch.no_grad():
            for p in d.parameters():
                p.clamp_(-0.01, 0.01)


class WganGp(WganClip):
    def optimizers(self, g, d):
        return torch.optim.Adam(d.parameters(), 1e-4, betas=(0.0, 0.9)), torch.optim.Adam(g.parameters(), 1e-4, betas=(0.0, 0.9))

    def critic_loss(self, d, real, fake):
        eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)))
        xhat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
        grad = torch.autograd.grad(d(xhat).sum(), xhat, create_graph=True, retain_graph=True)[0]
        penalty = 10 * (grad.reshape(real.shape[0], -1).norm(dim=1) - 1).square().mean()
        return d(fake).mean() - d(real).mean() + penalty

    def after_critic_step(self, d):
        pass


# ---------------------------------------------------------------- the loop (Trainer.Run)

def time_steps(objective, g, d, data, batch, warmup, steps):
    torch.manual_seed(SEED)
    d_opt, g_opt = objective.optimizers(g, d)
    g.train()
    d.train()
    total = warmup + steps
    window = min(100, total)
    critic_buf, gen_buf = torch.zeros(window), torch.zeros(window)
    stamps = [time.perf_counter()]
    cpu = [time.process_time()]
    start = 0
    for s in range(total):
        acc = torch.zeros(1)
        for _ in range(objective.n_critic):
            x = data.next(batch)
            with torch.no_grad():
                fake = g(torch.randn(x.shape[0], g.latent))
            loss = objective.critic_loss(d, x, fake)
            d_opt.zero_grad()
            loss.backward()
            d_opt.step()
            objective.after_critic_step(d)
            acc += loss.detach()
        i = s - start
        critic_buf[i] = acc[0] / objective.n_critic
        fake = g(torch.randn(batch, g.latent))
        loss = objective.generator_loss(d(fake))
        g_opt.zero_grad()
        loss.backward()
        g_opt.step()
        gen_buf[i] = loss.detach()
        done = s + 1
        if done - start == window or done == total:
            values = critic_buf[:done - start].tolist() + gen_buf[:done - start].tolist()  # one host read per window
            if not all(math.isfinite(v) for v in values):
                raise RuntimeError(f"training diverged before step {done}")
            start = done
        stamps.append(time.perf_counter())
        cpu.append(time.process_time())
    ms = [(stamps[i] - stamps[i - 1]) * 1e3 for i in range(warmup + 1, total + 1)]
    cpu_ms = [(cpu[i] - cpu[i - 1]) * 1e3 for i in range(warmup + 1, total + 1)]
    q = statistics.quantiles(ms, n=10) if len(ms) >= 2 else [ms[0]] * 9
    return {"median_ms": statistics.median(ms), "p10_ms": q[0], "p90_ms": q[-1], "mean_ms": statistics.fmean(ms),
            "cpu_median_ms": statistics.median(cpu_ms)}


def cases(data_root):
    images = None

    def digits():
        nonlocal images
        if images is None:
            images = load_digits(data_root)
        return ImageBatches(images)

    def toy(width):
        torch.manual_seed(SEED)
        return ToyG(width), ToyD(width)

    def dcgan(width):
        torch.manual_seed(SEED)
        return DcganG(width), DcganD(width)

    # name, objective, models, twin models, data, batch, twin batch, default steps, warm-up (Benchmark.StandardCases;
    # fewer DCGAN steps than the C# bench because generic BLAS makes them seconds long)
    return [
        ("GAN (non-sat.), 1 D + 1 G step", GanNonSat, lambda: toy(128), lambda: toy(1), RingBatches, TOY_BATCH, 1, 300, 50),
        ("WGAN clip, n_critic 5", WganClip, lambda: toy(128), lambda: toy(1), RingBatches, TOY_BATCH, 1, 200, 30),
        ("WGAN-GP, n_critic 5", WganGp, lambda: toy(128), lambda: toy(1), RingBatches, TOY_BATCH, 1, 200, 30),
        ("DCGAN ngf = ndf = 32", GanNonSat, lambda: dcgan(32), lambda: dcgan(1), digits, DCGAN_BATCH, 2, 8, 2),
        ("DCGAN ngf = ndf = 64", GanNonSat, lambda: dcgan(64), lambda: dcgan(1), digits, DCGAN_BATCH, 2, 5, 2),
    ]


def matmul_gflops(n=1024, repeats=3):
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(n, n, generator=g), torch.randn(n, n, generator=g)
    a @ b
    best = min(timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9, n


def timed(f):
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def blas_info():
    m = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    return f"BLAS {m.group(1)}" if m else "unknown BLAS"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--steps", type=int, default=None, help="timed steps per row (default: 300/200 toy, 8/5 DCGAN)")
    p.add_argument("--only", default=None)
    p.add_argument("--json", default=None)
    p.add_argument("--no-floor", action="store_true", help="skip the width-1 overhead twins")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    here = os.path.dirname(os.path.abspath(__file__))
    data_root = os.environ.get("WGAN_COURSE_DATA") or os.path.join(here, "..", "..", "data")
    mm, mm_n = matmul_gflops()
    blas = blas_info()
    print(f"PyTorch {torch.__version__} · {blas} · {torch.get_num_threads()} thread(s) · "
          f"float32 matmul {mm_n}×{mm_n}: {mm:.1f} GFLOP/s", flush=True)
    rows = []
    for name, obj, models, twin, data, batch, twin_batch, steps, warmup in cases(data_root):
        if a.only and a.only.lower() not in name.lower():
            continue
        n = a.steps if a.steps and batch == TOY_BATCH else (min(a.steps, steps) if a.steps else steps)
        g, d = models()
        row = {"name": name, "batch": batch, "n_critic": obj.n_critic, "steps": n, "warmup": warmup}
        row.update(time_steps(obj(), g, d, data(), batch, warmup, n))
        if not a.no_floor:
            tg, td = twin()
            row["floor_ms"] = time_steps(obj(), tg, td, data(), twin_batch, warmup, n)["median_ms"]
        rows.append(row)
        print(f"  {name}: {row['median_ms']:.2f} ms/step (p10 {row['p10_ms']:.2f}, p90 {row['p90_ms']:.2f}; CPU {row['cpu_median_ms']:.2f} ms)"
              + (f", overhead floor {row['floor_ms']:.2f} ms" if "floor_ms" in row else ""), flush=True)
    print(f"{'model':32} {'batch':>5} {'n_critic':>8} {'ms/step':>9} {'p10–p90':>17} {'CPU ms':>9} {'floor ms':>9}")
    for r in rows:
        print(f"{r['name']:32} {r['batch']:>5} {r['n_critic']:>8} {r['median_ms']:>9.2f} "
              f"{r['p10_ms']:>8.2f}–{r['p90_ms']:<8.2f} {r['cpu_median_ms']:>9.2f} {r.get('floor_ms', float('nan')):>9.2f}")
    result = {"torch_version": torch.__version__, "blas": blas, "threads": torch.get_num_threads(),
              "matmul_gflops": mm, "matmul_n": mm_n, "python": sys.version.split()[0], "rows": rows,
              "note": "Debian python3-torch 1.13 with generic BLAS: a floor for comparison, not the goal"}
    if a.json:
        os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
        with open(a.json, "w") as f:
            json.dump(result, f, indent=2)
        print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
