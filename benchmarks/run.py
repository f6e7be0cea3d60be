# ruff: noqa: N803, N806 - X, Y, W1, A: the usual names in the formulas
"""funcad benchmarks: every figure in docs/performance.md, measured in one run.

    python benchmarks/run.py            # full run (about a minute on 2 cores)
    python benchmarks/run.py --quick    # smoke run, a few seconds; figures are noisy

Each timing warms the function up, picks a call count so one repeat lasts at
least ``MIN_REPEAT_S``, and reports the median over ``REPEATS`` repeats of the
per-call time (``time.perf_counter``). Baselines are plain NumPy. Every
funcad result is checked against its baseline before it is timed.
"""

from __future__ import annotations

import os
import sys

# One BLAS thread, set before NumPy is imported: ratios then compare work, not
# how well each side happens to parallelise.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

# glibc malloc gives freed memory back to the kernel when the top of the heap
# has more than a (dynamic) threshold free, and the next large array then
# page-faults it back in: 60-180 minor faults per call here for arrays of about
# 1 MB, on the funcad side or on the NumPy side depending on allocation history,
# which made medians bimodal (e.g. vmap(grad) 210 or 520 us from run to run).
# Fixed thresholds keep both sides fault-free; the environment has to be set
# before the process starts, hence the re-exec. --default-malloc skips it.
_MALLOC = {"MALLOC_TRIM_THRESHOLD_": "268435456", "MALLOC_MMAP_THRESHOLD_": "268435456"}
# Only when run as a script: not when imported, nor under `python -m cProfile`.
if (
    __name__ == "__main__"
    and sys.modules["__main__"].__dict__ is globals()
    and sys.platform.startswith("linux")
    and "--default-malloc" not in sys.argv
    and any(os.environ.get(k) != v for k, v in _MALLOC.items())
    and os.path.exists(sys.argv[0])
):
    os.environ.update(_MALLOC)
    os.execv(sys.executable, [sys.executable, sys.argv[0]] + sys.argv[1:])

import argparse  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import funcad as fa  # noqa: E402
import funcad.numpy as fnp  # noqa: E402

REPEATS = 9
MIN_REPEAT_S = 0.1


# Timing -------------------------------------------------------------------------


def _calibrate(fn, min_time):
    """Calls per repeat so that one repeat of ``fn()`` lasts about ``min_time``."""
    fn()  # warm-up (imports, caches, opt_einsum plans)
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= min_time / 4 or number >= 1 << 22:
            break
        number *= 4 if elapsed < min_time / 40 else 2
    return max(1, int(number * min_time / max(elapsed, 1e-9)))


def bench_many(*fns, repeats=None, min_time=None):
    """Median seconds per call of each zero-argument ``fn``.

    Repeats are interleaved (A B C A B C ...) so that a burst of background
    load falls on a baseline and on the funcad side alike.
    """
    repeats = repeats or REPEATS
    min_time = MIN_REPEAT_S if min_time is None else min_time
    numbers = [_calibrate(fn, min_time) for fn in fns]
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, number, out in zip(fns, numbers, times):
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            out.append((time.perf_counter() - t0) / number)
    return [statistics.median(t) for t in times]


def bench(fn, *args, repeats=None, min_time=None):
    """Median seconds per call of ``fn(*args)``, after a warm-up."""
    return bench_many(lambda: fn(*args), repeats=repeats, min_time=min_time)[0]


def fmt_t(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:9.2f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:9.2f} ms"
    return f"{seconds:9.3f} s "


def line(label, value):
    print(f"  {label:<58} {value}")


def section(title):
    print()
    print(title)
    print("-" * len(title))


# 1. Scalar primitives and no-transform overhead ---------------------------------

SCALAR_ITERS = 250  # 4 primitives per iteration: 1000 primitive calls


def scalar_chain_fnp(x, iters=SCALAR_ITERS):
    """sin, multiply, add, subtract per iteration, every one a funcad.numpy call."""
    for _ in range(iters):
        x = fnp.subtract(fnp.add(x, fnp.multiply(fnp.sin(x), 0.01)), 0.001)
    return x


def scalar_chain_np(x, iters=SCALAR_ITERS):
    for _ in range(iters):
        x = np.subtract(np.add(x, np.multiply(np.sin(x), 0.01)), 0.001)
    return x


def scalar_chain_derivative(x, iters):
    """d/dx0 of the chain, by the product of the per-step derivatives."""
    d = 1.0
    x = float(x)
    for _ in range(iters):
        d *= 1.0 + 0.01 * np.cos(x)
        x = x + np.sin(x) * 0.01 - 0.001
    return d


def bench_scalar(results):
    section(
        "1. Scalar primitives (loop of 1000 fnp.sin / multiply / add / subtract on a 0-d float)"
    )
    n_ops = 4 * SCALAR_ITERS
    x0 = np.array(0.5)

    g = fa.grad(scalar_chain_fnp)(x0)
    y, t = fa.jvp(scalar_chain_fnp, (x0,), (np.array(1.0),))
    want = scalar_chain_derivative(x0, SCALAR_ITERS)
    np.testing.assert_allclose(g, want, rtol=1e-10)
    np.testing.assert_allclose(t, want, rtol=1e-10)
    np.testing.assert_allclose(y, scalar_chain_np(x0), rtol=1e-12)

    grad_fn = fa.grad(scalar_chain_fnp)
    one = np.array(1.0)
    t_np, t_plain, t_grad, t_jvp = (
        t / n_ops
        for t in bench_many(
            lambda: scalar_chain_np(x0),
            lambda: scalar_chain_fnp(x0),
            lambda: grad_fn(x0),
            lambda: fa.jvp(scalar_chain_fnp, (x0,), (one,)),
        )
    )
    line("NumPy (np.sin / np.multiply / ...), per primitive", fmt_t(t_np))
    line("funcad, no transform, per primitive", fmt_t(t_plain))
    line("funcad under fa.grad (forward + backward), per primitive", fmt_t(t_grad))
    line("funcad under fa.jvp, per primitive", fmt_t(t_jvp))
    results["scalar_grad_us"] = t_grad * 1e6
    results["scalar_jvp_us"] = t_jvp * 1e6
    results["scalar_plain_us"] = t_plain * 1e6
    results["scalar_np_us"] = t_np * 1e6

    print()
    print(
        "  No-transform overhead: funcad.numpy call minus the NumPy call (16-element float64 arrays)"
    )
    rng = np.random.default_rng(0)
    a = rng.standard_normal(16)
    b = rng.standard_normal(16)
    m = rng.standard_normal((4, 4))
    cases = [
        ("sin(a)", lambda: np.sin(a), lambda: fnp.sin(a)),
        ("tanh(a)", lambda: np.tanh(a), lambda: fnp.tanh(a)),
        ("add(a, b)", lambda: np.add(a, b), lambda: fnp.add(a, b)),
        ("multiply(a, b)", lambda: np.multiply(a, b), lambda: fnp.multiply(a, b)),
        ("add(a, 1.0)", lambda: np.add(a, 1.0), lambda: fnp.add(a, 1.0)),
        ("sum(a)", lambda: np.sum(a), lambda: fnp.sum(a)),
        ("matmul(m, m)", lambda: np.matmul(m, m), lambda: fnp.matmul(m, m)),
        ("sin(0-d)", lambda: np.sin(x0), lambda: fnp.sin(x0)),
    ]
    overheads = {}
    for name, np_fn, fnp_fn in cases:
        np.testing.assert_array_equal(np_fn(), fnp_fn())
        t_n, t_f = bench_many(np_fn, fnp_fn, min_time=MIN_REPEAT_S / 2)
        overheads[name] = t_f - t_n
        line(
            f"{name:<16} numpy {t_n * 1e6:6.3f} µs  funcad {t_f * 1e6:6.3f} µs  added",
            f"{(t_f - t_n) * 1e6:6.3f} µs",
        )
    results["overhead"] = overheads


# 2. MLP -------------------------------------------------------------------------

MLP_SIZES = (784, 256, 256, 10)
BATCH = 128


def mlp_init(rng):
    params = []
    for n_in, n_out in zip(MLP_SIZES[:-1], MLP_SIZES[1:]):
        params.append(rng.standard_normal((n_in, n_out)) / np.sqrt(n_in))
        params.append(np.zeros(n_out))
    return tuple(params)


def mlp_loss_np(params, X, Y):
    """Mean softmax cross-entropy of a tanh MLP, plain NumPy (the baseline)."""
    W1, b1, W2, b2, W3, b3 = params
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    logits = h2 @ W3 + b3
    m = np.max(logits, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True)) + m
    return np.sum(Y * (lse - logits)) / X.shape[0]


def mlp_loss_fnp(params, X, Y):
    """The same loss, written with funcad.numpy (params is a tuple pytree)."""
    W1, b1, W2, b2, W3, b3 = params
    h1 = fnp.tanh(X @ W1 + b1)
    h2 = fnp.tanh(h1 @ W2 + b2)
    logits = h2 @ W3 + b3
    m = fnp.max(logits, axis=1, keepdims=True)
    lse = fnp.log(fnp.sum(fnp.exp(logits - m), axis=1, keepdims=True)) + m
    return fnp.sum(Y * (lse - logits)) / X.shape[0]


def mlp_grad_by_hand(params, X, Y):
    """Hand-written backprop of mlp_loss_np (forward included)."""
    W1, b1, W2, b2, W3, b3 = params
    n = X.shape[0]
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    logits = h2 @ W3 + b3
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    d3 = (p * Y.sum(axis=1, keepdims=True) - Y) / n
    dW3, db3 = h2.T @ d3, d3.sum(axis=0)
    d2 = (d3 @ W3.T) * (1.0 - h2 * h2)
    dW2, db2 = h1.T @ d2, d2.sum(axis=0)
    d1 = (d2 @ W2.T) * (1.0 - h1 * h1)
    dW1, db1 = X.T @ d1, d1.sum(axis=0)
    return dW1, db1, dW2, db2, dW3, db3


def bench_mlp(results):
    section(f"2. MLP {'-'.join(map(str, MLP_SIZES))} tanh, batch {BATCH}, softmax cross-entropy")
    rng = np.random.default_rng(1)
    params = mlp_init(rng)
    X = rng.standard_normal((BATCH, MLP_SIZES[0]))
    Y = np.eye(MLP_SIZES[-1])[rng.integers(0, MLP_SIZES[-1], BATCH)]

    grad_fn = fa.grad(mlp_loss_fnp)
    g = grad_fn(params, X, Y)
    g_hand = mlp_grad_by_hand(params, X, Y)
    for a, b in zip(g, g_hand):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(mlp_loss_fnp(params, X, Y), mlp_loss_np(params, X, Y), rtol=1e-12)

    t_fwd, t_fnp_fwd, t_grad, t_hand = bench_many(
        lambda: mlp_loss_np(params, X, Y),
        lambda: mlp_loss_fnp(params, X, Y),
        lambda: grad_fn(params, X, Y),
        lambda: mlp_grad_by_hand(params, X, Y),
    )
    line("NumPy forward (loss)", fmt_t(t_fwd))
    line("funcad.numpy forward, no transform", f"{fmt_t(t_fnp_fwd)}  ({t_fnp_fwd / t_fwd:.2f}x)")
    line(
        "fa.grad(loss) w.r.t. all 6 parameters", f"{fmt_t(t_grad)}  ({t_grad / t_fwd:.2f}x forward)"
    )
    line(
        "hand-written NumPy backprop (forward + backward)",
        f"{fmt_t(t_hand)}  ({t_hand / t_fwd:.2f}x forward)",
    )
    results["mlp_ratio"] = t_grad / t_fwd
    results["mlp_hand_ratio"] = t_hand / t_fwd
    results["mlp_times"] = (t_fwd, t_grad, t_hand)


# 3. Hessian ---------------------------------------------------------------------


def bench_hessian(results, sizes):
    section("3. fa.hessian of f(x) = sum(tanh(A @ x)) vs closed form A.T @ diag(-2t(1-t^2)) @ A")
    for n in sizes:
        rng = np.random.default_rng(n)
        A = rng.standard_normal((n, n)) / np.sqrt(n)
        x = rng.standard_normal(n)

        def f(x, A=A):
            return fnp.sum(fnp.tanh(A @ x))

        def closed_form(x, A=A):
            t = np.tanh(A @ x)
            d = -2.0 * t * (1.0 - t * t)
            return A.T @ (d[:, None] * A)

        def closed_form_diag(x, A=A):
            t = np.tanh(A @ x)
            return A.T @ np.diag(-2.0 * t * (1.0 - t * t)) @ A

        hess = fa.hessian(f)
        H = hess(x)
        np.testing.assert_allclose(H, closed_form(x), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(H, closed_form_diag(x), rtol=1e-9, atol=1e-12)
        t_h, t_c, t_d = bench_many(
            lambda: hess(x), lambda: closed_form(x), lambda: closed_form_diag(x)
        )
        line(f"n = {n}: fa.hessian", fmt_t(t_h))
        line(
            f"n = {n}: closed form, A.T @ (d[:, None] * A)",
            f"{fmt_t(t_c)}  -> ratio {t_h / t_c:.2f}x",
        )
        line(
            f"n = {n}: closed form with an explicit np.diag (2 matmuls)",
            f"{fmt_t(t_d)}  -> ratio {t_h / t_d:.2f}x",
        )
        results[f"hessian_{n}"] = (t_h, t_c, t_d)


# 4. Per-example gradients -------------------------------------------------------


def logreg_loss(w, x, y):
    """Logistic loss of one example (y in {0, 1})."""
    z = fnp.dot(x, w)
    return fnp.log1p(fnp.exp(z)) - y * z


def bench_per_example(results, n_loop):
    n, d = 1000, 100
    section(f"4. Per-example gradients, logistic regression {n} x {d}")
    rng = np.random.default_rng(2)
    X = rng.standard_normal((n, d))
    w = rng.standard_normal(d) * 0.1
    y = (rng.random(n) < 0.5).astype(float)

    per_example = fa.vmap(fa.grad(logreg_loss), in_axes=(None, 0, 0))
    grad_one = fa.grad(logreg_loss)

    def by_hand(w, X, y):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        return (p - y)[:, None] * X

    def loop(w, X, y, count=n):
        return np.stack([grad_one(w, X[i], y[i]) for i in range(count)])

    G = per_example(w, X, y)
    want = by_hand(w, X, y)
    np.testing.assert_allclose(G, want, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(loop(w, X, y, 50), want[:50], rtol=1e-10, atol=1e-13)

    # The loop over all 1000 examples (in --quick, over n_loop of them, scaled).
    t_vmap, t_hand, t_loop = bench_many(
        lambda: per_example(w, X, y), lambda: by_hand(w, X, y), lambda: loop(w, X, y, n_loop)
    )
    t_loop *= n / n_loop
    line("hand-vectorised NumPy (p - y)[:, None] * X", fmt_t(t_hand))
    line(
        "fa.vmap(fa.grad(loss), in_axes=(None, 0, 0))",
        f"{fmt_t(t_vmap)}  ({t_vmap / t_hand:.2f}x hand-vectorised)",
    )
    scaled = "" if n_loop == n else f", scaled from {n_loop}"
    line(
        f"Python loop of fa.grad over {n} examples{scaled}",
        f"{fmt_t(t_loop)}  ({t_loop / t_hand:.0f}x hand-vectorised, {t_loop / t_vmap:.0f}x vmap)",
    )
    results["vmap_ratio"] = t_vmap / t_hand
    results["loop_ratio"] = t_loop / t_hand
    results["vmap_times"] = (t_hand, t_vmap, t_loop)


# 5. Long scalar chain -----------------------------------------------------------

LONG_ITERS = 5000  # 4 primitives per iteration: 20,000 scalar ops


def long_chain(x, xp, iters=LONG_ITERS):
    """The same source runs on NumPy scalars (xp=np) and on funcad tracers (xp=fnp)."""
    for _ in range(iters):
        x = x + xp.sin(x) * 0.01 - 0.001
    return x


def long_chain_ufuncs(x, iters=LONG_ITERS):
    """The loop with every operation an explicit NumPy ufunc call (a slower baseline)."""
    for _ in range(iters):
        x = np.subtract(np.add(x, np.multiply(np.sin(x), 0.01)), 0.001)
    return x


def bench_long_chain(results):
    n_ops = 4 * LONG_ITERS
    section(f"5. grad through {n_ops:,} sequential scalar ops (x = x + sin(x) * 0.01 - 0.001)")
    x0 = np.float64(0.5)
    grad_fn = fa.grad(long_chain)
    g = grad_fn(x0, fnp)
    np.testing.assert_allclose(g, scalar_chain_derivative(x0, LONG_ITERS), rtol=1e-9)
    np.testing.assert_allclose(long_chain(x0, np), long_chain_ufuncs(x0), rtol=1e-12)
    t_np, t_uf, t_fwd, t_grad = bench_many(
        lambda: long_chain(x0, np),
        lambda: long_chain_ufuncs(x0),
        lambda: long_chain(x0, fnp),
        lambda: grad_fn(x0, fnp),
    )
    per_op = lambda t: f"{t / n_ops * 1e6:.3f} µs/op"  # noqa: E731
    line("NumPy forward, same source (np.float64 operators)", f"{fmt_t(t_np)}  ({per_op(t_np)})")
    line("NumPy forward, explicit ufunc calls (np.add(...))", f"{fmt_t(t_uf)}  ({per_op(t_uf)})")
    line("funcad forward, no transform (same source, xp=fnp)", f"{fmt_t(t_fwd)}  ({per_op(t_fwd)})")
    line(
        "fa.grad",
        f"{fmt_t(t_grad)}  ({per_op(t_grad)}; {t_grad / t_np:.1f}x operators, "
        f"{t_grad / t_uf:.1f}x ufunc calls)",
    )
    results["long_ratio"] = t_grad / t_np
    results["long_ratio_ufunc"] = t_grad / t_uf
    results["long_times"] = (t_np, t_uf, t_grad)


# Summary ------------------------------------------------------------------------


def summary(results, hess_n):
    section("Summary (medians; ratios are funcad / NumPy baseline)")
    worst_overhead = max(results["overhead"].values()) * 1e6
    worst_name = max(results["overhead"], key=results["overhead"].get)
    h = results[f"hessian_{hess_n}"]
    rows = [
        (
            "grad, per scalar primitive (1000-op loop)",
            f"{results['scalar_grad_us']:.2f} µs",
            "<= 8 µs",
            results["scalar_grad_us"] <= 8,
        ),
        (
            "jvp, per scalar primitive (1000-op loop)",
            f"{results['scalar_jvp_us']:.2f} µs",
            "",
            None,
        ),
        (
            "MLP grad / NumPy forward",
            f"{results['mlp_ratio']:.2f}x",
            "<= 2.6x",
            results["mlp_ratio"] <= 2.6,
        ),
        (
            "  (hand-written backprop / NumPy forward)",
            f"{results['mlp_hand_ratio']:.2f}x",
            "(2.35x)",
            None,
        ),
        (f"hessian n={hess_n} / closed form", f"{h[0] / h[1]:.2f}x", "<= 3x", h[0] / h[1] <= 3),
        ("  (vs closed form with explicit np.diag)", f"{h[0] / h[2]:.2f}x", "", None),
        (
            "vmap(grad) per-example / hand-vectorised",
            f"{results['vmap_ratio']:.2f}x",
            "<= 2x",
            results["vmap_ratio"] <= 2,
        ),
        ("  (loop of grad / hand-vectorised)", f"{results['loop_ratio']:.0f}x", "", None),
        (
            "grad through 20,000 scalar ops / NumPy forward",
            f"{results['long_ratio']:.1f}x",
            "<= 15x",
            results["long_ratio"] <= 15,
        ),
        (
            "  (same, vs NumPy written with explicit ufunc calls)",
            f"{results['long_ratio_ufunc']:.1f}x",
            "",
            None,
        ),
        (
            f"no-transform overhead, worst case ({worst_name})",
            f"{worst_overhead:.2f} µs",
            "< 1 µs",
            worst_overhead < 1,
        ),
    ]
    print(f"  {'workload':<52} {'measured':>10}  {'target':>8}  status")
    for name, value, target, ok in rows:
        status = "" if ok is None else ("ok" if ok else "ABOVE TARGET")
        print(f"  {name:<52} {value:>10}  {target:>8}  {status}")


def main():
    global REPEATS, MIN_REPEAT_S
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer, shorter repeats")
    parser.add_argument(
        "--default-malloc",
        action="store_true",
        help="keep glibc's default malloc trimming (medians then vary more)",
    )
    opts = parser.parse_args()
    if opts.quick:
        REPEATS, MIN_REPEAT_S = 3, 0.005
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=os.path.dirname(os.path.abspath(__file__)),
            timeout=5,
        ).stdout.strip()
    except Exception:  # noqa: BLE001 - informational only
        commit = ""
    print(
        f"funcad {fa.__version__}{' (' + commit + ')' if commit else ''}, numpy {np.__version__}, "
        f"Python {platform.python_version()}"
    )
    print(
        f"platform: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"BLAS threads = {os.environ['OPENBLAS_NUM_THREADS']}"
    )
    print(
        f"mode: {'quick' if opts.quick else 'full'} (median of {REPEATS} repeats, "
        f">= {MIN_REPEAT_S * 1e3:g} ms each)"
    )
    tuned = all(os.environ.get(k) == v for k, v in _MALLOC.items())
    print(
        f"malloc: {'fixed trim/mmap thresholds (' + _MALLOC['MALLOC_TRIM_THRESHOLD_'] + ')' if tuned else 'default'}"
    )
    faults0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    load0 = os.getloadavg()[0]
    start = time.perf_counter()
    results = {}
    bench_scalar(results)
    bench_mlp(results)
    bench_hessian(results, (100, 400))
    bench_per_example(results, n_loop=100 if opts.quick else 1000)
    bench_long_chain(results)
    summary(results, 400)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults0
    print(
        f"\n  total wall time {time.perf_counter() - start:.1f} s, {faults} minor page faults, "
        f"1-min load average {load0:.2f} at start, {os.getloadavg()[0]:.2f} at end"
    )


if __name__ == "__main__":
    main()
