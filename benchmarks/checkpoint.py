"""Peak memory and time of grad of a deep MLP, with and without checkpointing.

    python benchmarks/checkpoint.py            # 50 layers, width 256, batch 64 and 256
    python benchmarks/checkpoint.py --quick    # a smaller, faster smoke run

Peak memory is tracemalloc's peak during one gradient evaluation (NumPy
reports its allocations to tracemalloc); time is the median of a few
repeats (``time.perf_counter``). Checkpointing each layer should cut the
memory of the activations kept for the backward pass, at the price of about
one extra forward pass. The weights' gradients (50 x 256 x 256 doubles, 25 MiB)
are needed either way and bound the memory ratio from below: the larger
the batch, the more the activations dominate and the lower the ratio.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import tracemalloc

# One BLAS thread, set before NumPy is imported, as in benchmarks/run.py.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import funcad as fa  # noqa: E402
import funcad.numpy as fnp  # noqa: E402
from funcad.transforms.checkpoint import checkpoint  # noqa: E402


def layer(x, w, b):
    """One tanh layer of the MLP."""
    return fnp.tanh(x @ w + b)


def make_loss(depth: int, remat: bool):
    """The MLP's loss as a function of its parameters and input."""
    step = checkpoint(layer) if remat else layer

    def loss(params, x):
        for w, b in params:
            x = step(x, w, b)
        return fnp.sum(x * x)

    return loss


def problem(depth: int, width: int, batch: int):
    """Parameters and input drawn with a fixed seed."""
    rng = np.random.default_rng(0)
    params = [(rng.normal(size=(width, width)) / np.sqrt(width), 0.1 * rng.normal(size=width))
              for _ in range(depth)]
    return params, rng.normal(size=(batch, width))


def peak_bytes(fun, *args) -> int:
    """tracemalloc's peak over one call of ``fun``."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fun(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


def median_time(fun, *args, repeats: int) -> float:
    """Median seconds per call over ``repeats`` calls, after a warm-up call."""
    fun(*args)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fun(*args)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(depth: int, width: int, batch: int, repeats: int) -> None:
    """Print memory and time with and without checkpointing, and their ratios."""
    params, x = problem(depth, width, batch)
    plain = fa.grad(make_loss(depth, remat=False))
    remat = fa.grad(make_loss(depth, remat=True))
    for a, b in zip(fa.tree_util.tree_leaves(plain(params, x)),
                    fa.tree_util.tree_leaves(remat(params, x))):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    mem_plain, mem_remat = peak_bytes(plain, params, x), peak_bytes(remat, params, x)
    t_plain = median_time(plain, params, x, repeats=repeats)
    t_remat = median_time(remat, params, x, repeats=repeats)
    print(f"grad of a {depth}-layer tanh MLP, width {width}, batch {batch}")
    print(f"{'':16}{'peak MiB':>10}{'time ms':>10}")
    print(f"{'plain':16}{mem_plain / 2**20:10.2f}{t_plain * 1e3:10.2f}")
    print(f"{'checkpointed':16}{mem_remat / 2**20:10.2f}{t_remat * 1e3:10.2f}")
    print(f"ratio (checkpointed / plain): memory {mem_remat / mem_plain:.3f}, "
          f"time {t_remat / t_plain:.3f}\n")


def main() -> None:
    """Both batch sizes, or one small problem with --quick."""
    if "--quick" in sys.argv:
        measure(10, 64, 16, repeats=3)
        return
    for batch in (64, 256):
        measure(50, 256, batch, repeats=7)

if __name__ == "__main__":
    main()
