# ruff: noqa: N803, N806 - X, Y, W1, A: the usual names in the formulas
"""funcad on the GPU: the workloads of benchmarks/run.py with CuPy arrays.

    python benchmarks/gpu.py            # needs CuPy and a CUDA device
    python benchmarks/gpu.py --quick    # fewer repeats

Each workload is timed three ways on the device: funcad on CuPy arrays, the
hand-written CuPy baseline of run.py (forward pass, closed-form Hessian,
hand-vectorised per-example gradients), and, where PyTorch with CUDA is
installed, ``torch.func`` on CUDA tensors for comparison. Every funcad result
is checked against its baseline first. Timings synchronise the device around
each call and report the median over repeats.

Without CuPy or a CUDA device the script says so and exits with status 0.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402


def _no_gpu_reason() -> str | None:
    try:
        import cupy  # noqa: F401
    except ImportError:
        return 'CuPy is not installed (pip install "funcad[cuda12]" or "funcad[cuda13]")'
    from funcad.backend.cupy import device_count

    if device_count() == 0:
        return "no CUDA device is present"
    return None


def _torch_cuda():
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


def timed(fn, sync, repeats, min_time=0.05):
    """Median seconds per call of ``fn()``, synchronising the device around calls."""
    fn()
    sync()
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        sync()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time or number >= 1 << 16:
            break
        number *= 2
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        sync()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def fmt(seconds: float) -> str:
    return f"{seconds * 1e6:9.1f} us" if seconds < 1e-3 else f"{seconds * 1e3:9.2f} ms"


# Workloads (as in run.py, written once for any NumPy-like namespace) -------------


def mlp_params(rng, sizes):
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params.append(rng.standard_normal((n_in, n_out)) / np.sqrt(n_in))
        params.append(np.zeros(n_out))
    return tuple(params)


def mlp_loss(params, X, Y, xp):
    W1, b1, W2, b2, W3, b3 = params
    h1 = xp.tanh(X @ W1 + b1)
    h2 = xp.tanh(h1 @ W2 + b2)
    logits = h2 @ W3 + b3
    m = xp.max(logits, axis=1, keepdims=True)
    lse = xp.log(xp.sum(xp.exp(logits - m), axis=1, keepdims=True)) + m
    return xp.sum(Y * (lse - logits)) / X.shape[0]


def mlp_loss_torch(params, X, Y, torch):
    """``mlp_loss`` in PyTorch's spelling (``dim``, ``keepdim``, ``amax``)."""
    W1, b1, W2, b2, W3, b3 = params
    h1 = torch.tanh(X @ W1 + b1)
    h2 = torch.tanh(h1 @ W2 + b2)
    logits = h2 @ W3 + b3
    m = torch.amax(logits, dim=1, keepdim=True)
    lse = torch.log(torch.sum(torch.exp(logits - m), dim=1, keepdim=True)) + m
    return torch.sum(Y * (lse - logits)) / X.shape[0]


def mlp_grad_by_hand(params, X, Y, xp):
    W1, b1, W2, b2, W3, b3 = params
    n = X.shape[0]
    h1 = xp.tanh(X @ W1 + b1)
    h2 = xp.tanh(h1 @ W2 + b2)
    logits = h2 @ W3 + b3
    e = xp.exp(logits - xp.max(logits, axis=1, keepdims=True))
    p = e / xp.sum(e, axis=1, keepdims=True)
    d3 = (p * Y.sum(axis=1, keepdims=True) - Y) / n
    d2 = (d3 @ W3.T) * (1.0 - h2 * h2)
    d1 = (d2 @ W2.T) * (1.0 - h1 * h1)
    return X.T @ d1, d1.sum(axis=0), h1.T @ d2, d2.sum(axis=0), h2.T @ d3, d3.sum(axis=0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="funcad GPU benchmarks (CuPy)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes")
    args = parser.parse_args(argv)
    reason = _no_gpu_reason()
    if reason is not None:
        print(f"benchmarks/gpu.py: skipped, {reason}. Nothing to measure on this machine.")
        return 0

    import cupy

    import funcad as fa
    import funcad.numpy as fnp

    torch = _torch_cuda()
    repeats = 3 if args.quick else 9
    sync = cupy.cuda.Device().synchronize
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    print(f"device: {props['name'].decode()}, CuPy {cupy.__version__}, "
          f"PyTorch {'%s (CUDA)' % torch.__version__ if torch else 'not available'}")
    rng = np.random.default_rng(0)

    def torch_sync():
        torch.cuda.synchronize()

    def to_torch(a):
        return torch.as_tensor(np.asarray(a), device="cuda")

    # 1. MLP gradient ----------------------------------------------------------
    sizes = (784, 256, 256, 10)
    for batch in (128, 4096):
        params = mlp_params(rng, sizes)
        X = rng.standard_normal((batch, sizes[0]))
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
        gp = tuple(cupy.asarray(p) for p in params)
        gX, gY = cupy.asarray(X), cupy.asarray(Y)
        grad_fn = fa.grad(lambda p, X, Y: mlp_loss(p, X, Y, fnp))
        g = grad_fn(gp, gX, gY)
        for a, b in zip(g, mlp_grad_by_hand(gp, gX, gY, cupy)):
            np.testing.assert_allclose(a.get(), b.get(), rtol=1e-9, atol=1e-12)
        t_fwd = timed(lambda: mlp_loss(gp, gX, gY, cupy), sync, repeats)
        t_grad = timed(lambda: grad_fn(gp, gX, gY), sync, repeats)
        t_hand = timed(lambda: mlp_grad_by_hand(gp, gX, gY, cupy), sync, repeats)
        print(f"\n1. MLP {'-'.join(map(str, sizes))}, batch {batch}")
        print(f"   CuPy forward                    {fmt(t_fwd)}")
        print(f"   fa.grad on CuPy                 {fmt(t_grad)}  ({t_grad / t_fwd:.2f}x forward)")
        print(f"   hand-written CuPy backprop      {fmt(t_hand)}  ({t_hand / t_fwd:.2f}x forward)")
        if torch is not None:
            import torch.func

            tp = tuple(to_torch(p) for p in params)
            tX, tY = to_torch(X), to_torch(Y)
            t_grad_fn = torch.func.grad(lambda p: mlp_loss_torch(p, tX, tY, torch))
            t_fwd_t = timed(lambda: mlp_loss_torch(tp, tX, tY, torch), torch_sync, repeats)
            t_grad_t = timed(lambda: t_grad_fn(tp), torch_sync, repeats)
            print(f"   torch.func.grad (CUDA)          {fmt(t_grad_t)}  "
                  f"({t_grad_t / t_fwd_t:.2f}x its forward {fmt(t_fwd_t).strip()})")

    # 2. Hessian ---------------------------------------------------------------
    for n in ((400,) if args.quick else (400, 2000)):
        A = rng.standard_normal((n, n)) / np.sqrt(n)
        x = rng.standard_normal(n)
        gA, gx = cupy.asarray(A), cupy.asarray(x)
        hess = fa.hessian(lambda x: fnp.sum(fnp.tanh(gA @ x)))

        def closed_form(x):
            t = cupy.tanh(gA @ x)
            return gA.T @ ((-2.0 * t * (1.0 - t * t))[:, None] * gA)

        np.testing.assert_allclose(hess(gx).get(), closed_form(gx).get(), rtol=1e-9, atol=1e-12)
        t_h = timed(lambda: hess(gx), sync, repeats)
        t_c = timed(lambda: closed_form(gx), sync, repeats)
        print(f"\n2. hessian of sum(tanh(A @ x)), n = {n}")
        print(f"   fa.hessian on CuPy              {fmt(t_h)}  ({t_h / t_c:.2f}x closed form)")
        print(f"   closed form on CuPy             {fmt(t_c)}")
        if torch is not None:
            tA, tx = to_torch(A), to_torch(x)
            t_hess = torch.func.hessian(lambda x: torch.sum(torch.tanh(tA @ x)))
            t_t = timed(lambda: t_hess(tx), torch_sync, repeats)
            print(f"   torch.func.hessian (CUDA)       {fmt(t_t)}")

    # 3. Per-example gradients -------------------------------------------------
    for n, d in ((1000, 100), (100_000, 100)):
        X = rng.standard_normal((n, d))
        w = rng.standard_normal(d) * 0.1
        y = (rng.random(n) < 0.5).astype(float)
        gX, gw, gy = cupy.asarray(X), cupy.asarray(w), cupy.asarray(y)

        def example_loss(w, x, y):
            z = fnp.dot(x, w)
            return fnp.log1p(fnp.exp(z)) - y * z

        per_example = fa.vmap(fa.grad(example_loss), in_axes=(None, 0, 0))

        def by_hand(w, X, y):
            p = 1.0 / (1.0 + cupy.exp(-(X @ w)))
            return (p - y)[:, None] * X

        np.testing.assert_allclose(per_example(gw, gX, gy).get(), by_hand(gw, gX, gy).get(),
                                   rtol=1e-10, atol=1e-13)
        t_v = timed(lambda: per_example(gw, gX, gy), sync, repeats)
        t_b = timed(lambda: by_hand(gw, gX, gy), sync, repeats)
        print(f"\n3. per-example gradients, logistic regression {n} x {d}")
        print(f"   fa.vmap(fa.grad) on CuPy        {fmt(t_v)}  ({t_v / t_b:.2f}x hand-vectorised)")
        print(f"   hand-vectorised CuPy            {fmt(t_b)}")
        if torch is not None:
            tX, tw, ty = to_torch(X), to_torch(w), to_torch(y)

            def t_loss(w, x, y):
                z = torch.dot(x, w)
                return torch.log1p(torch.exp(z)) - y * z

            t_per = torch.func.vmap(torch.func.grad(t_loss), in_dims=(None, 0, 0))
            t_t = timed(lambda: t_per(tw, tX, ty), torch_sync, repeats)
            print(f"   torch.func.vmap(grad) (CUDA)    {fmt(t_t)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
