"""Gradients of least-squares and logistic-regression losses over a Dask design matrix.

The design matrix ``X`` (``rows`` by ``cols``, float64) is generated chunk by
chunk on the workers and is never held whole anywhere: funcad builds lazy Dask
graphs for the losses and their gradients, and Dask runs them, one loss per
pass over ``X``, on a ``dask.distributed.LocalCluster``. Each chunk of rows is
drawn from a seed that depends on its block number modulo ``period``, so the
exact answer is the NumPy computation on the first ``period`` blocks (a mean
does not change when its terms repeat); with ``period`` equal to the number of
blocks (the default), every block is different.

    python examples/dask_least_squares.py --gb 4 --period 5   # a 4 GB design matrix
    python examples/dask_least_squares.py --rows 20000 --cols 10 --chunk-rows 2500

It prints the losses, the gradients' agreement with NumPy, the wall time and the
peak resident memory of every process (the client, which also runs the
scheduler, and each worker).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import funcad as fa  # noqa: E402
import funcad.numpy as fnp  # noqa: E402


def least_squares(w, X, y):  # noqa: N803 - X: the design matrix
    """Half the mean squared residual of ``X @ w`` against ``y``."""
    r = X @ w - y
    return 0.5 * fnp.mean(r * r)


def logistic(w, X, t):  # noqa: N803
    """Mean logistic loss of the scores ``X @ w`` for labels ``t`` in {0, 1}."""
    return fnp.mean(fnp.logaddexp(0.0, (1.0 - 2.0 * t) * (X @ w)))


def _true_weights(cols: int) -> np.ndarray:
    return np.linspace(-1.0, 1.0, cols)


def make_block(block: int, period: int, rows: int, cols: int, seed: int):
    """Rows, targets and labels of one block, from its own seed."""
    rng = np.random.default_rng([seed, block % period])
    X = rng.standard_normal((rows, cols))  # noqa: N806
    scores = X @ _true_weights(cols)
    y = scores + 0.1 * rng.standard_normal(rows)
    t = (scores + rng.standard_normal(rows) > 0).astype(np.float64)
    return X, y, t


def dask_problem(rows: int, cols: int, chunk_rows: int, period: int, seed: int,
                 tag: str = ""):
    """``X``, ``y``, ``t`` as Dask arrays whose chunks are made where they are used.

    ``tag`` goes into the task names: two problems with different tags share no
    tasks, so each is generated afresh by the pass that uses it.
    """
    import dask.array as da

    blocks = rows // chunk_rows

    def block_X(block_id=None):  # noqa: N802
        return make_block(block_id[0], period, chunk_rows, cols, seed)[0]

    def block_y(block_id=None):
        return make_block(block_id[0], period, chunk_rows, cols, seed)[1]

    def block_t(block_id=None):
        return make_block(block_id[0], period, chunk_rows, cols, seed)[2]

    key = f"{tag}-{rows}-{cols}-{chunk_rows}-{period}-{seed}"
    X = da.map_blocks(block_X, chunks=((chunk_rows,) * blocks, (cols,)), dtype=float,  # noqa: N806
                      name=f"X-{key}")
    y = da.map_blocks(block_y, chunks=((chunk_rows,) * blocks,), dtype=float, name=f"y-{key}")
    t = da.map_blocks(block_t, chunks=((chunk_rows,) * blocks,), dtype=float, name=f"t-{key}")
    return X, y, t


def numpy_reference(w, rows: int, cols: int, chunk_rows: int, period: int, seed: int):
    """Losses and gradients in NumPy from the ``period`` distinct blocks, one at a time.

    Every block repeats ``blocks / period`` times, and a mean does not change
    when its terms repeat, so these are the whole matrix's exact values.
    """
    sums = np.zeros(2), np.zeros(cols), np.zeros(cols)
    for b in range(period):
        X, y, t = make_block(b, period, chunk_rows, cols, seed)  # noqa: N806
        r = X @ w - y
        z = X @ w
        s = 1.0 - 2.0 * t
        sums[0][:] += (0.5 * np.sum(r * r), np.sum(np.logaddexp(0.0, s * z)))
        sums[1][:] += X.T @ r
        sums[2][:] += X.T @ (s / (1.0 + np.exp(-s * z)))  # d/dz log(1 + e^(s z))
    n = period * chunk_rows
    return (sums[0][0] / n, sums[1] / n), (sums[0][1] / n, sums[2] / n)


def _peak_rss_bytes() -> int:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run(rows: int, cols: int, chunk_rows: int, period: int | None = None, seed: int = 0,
        client=None) -> dict:
    """Both losses and gradients on Dask, checked against NumPy; returns the figures."""
    import dask

    if rows % chunk_rows:
        raise ValueError(f"rows={rows} must be a multiple of chunk_rows={chunk_rows}")
    blocks = rows // chunk_rows
    period = blocks if period is None else period
    if blocks % period:
        raise ValueError(f"the {blocks} blocks must be a multiple of period={period}")
    w = np.full(cols, 0.1)
    # Building the graphs computes nothing. Each loss gets its own copy of the
    # problem's graph (own task names) and its own pass over X. Measured with an
    # 8 GB X on two workers: both losses in one graph, or the second pass reusing
    # the first one's task names, kept chunks of X in memory and peaked at 1.5 to
    # 1.7 GB per worker, growing with X; one pass per loss with fresh names peaks
    # at about 0.4 GB per worker, whatever the size of X.
    X, y, _ = dask_problem(rows, cols, chunk_rows, period, seed, "least-squares")  # noqa: N806
    ls = fa.value_and_grad(least_squares)(w, X, y)
    X, _, t = dask_problem(rows, cols, chunk_rows, period, seed, "logistic")  # noqa: N806
    lr = fa.value_and_grad(logistic)(w, X, t)
    start = time.perf_counter()
    if client is not None:
        ls = client.compute(ls, sync=True)
        lr = client.compute(lr, sync=True)
    else:
        (ls,) = dask.compute(ls)
        (lr,) = dask.compute(lr)
    seconds = time.perf_counter() - start
    client_peak = _peak_rss_bytes()  # before the reference's own arrays
    ref_ls, ref_lr = numpy_reference(w, rows, cols, chunk_rows, period, seed)
    error = max(
        float(np.max(np.abs(np.asarray(a) - b) / (np.abs(b) + 1e-300)))
        for a, b in zip((*ls, *lr), (*ref_ls, *ref_lr))
    )
    return {
        "rows": rows, "cols": cols, "chunk_rows": chunk_rows, "blocks": blocks,
        "period": period, "gigabytes": rows * cols * 8 / 1e9, "seconds": seconds,
        "least_squares": float(ls[0]), "logistic": float(lr[0]),
        "gradients": {"least_squares": np.asarray(ls[1]).tolist(),
                      "logistic": np.asarray(lr[1]).tolist()},
        "max_relative_error": error, "client_peak_rss_bytes": client_peak,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gb", type=float, help="size of X in GB (sets --rows)")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--cols", type=int, default=100)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--period", type=int, default=None,
                        help="distinct blocks (default: all different)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads-per-worker", type=int, default=1)
    parser.add_argument("--memory-limit", default="1.5GB",
                        help="per worker; the nanny restarts a worker that goes over")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    rows = args.rows
    if args.gb is not None:
        rows = int(args.gb * 1e9 / (8 * args.cols)) // args.chunk_rows * args.chunk_rows
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=args.workers, threads_per_worker=args.threads_per_worker,
                      memory_limit=args.memory_limit, processes=True) as cluster, \
            Client(cluster) as client:
        figures = run(rows, args.cols, args.chunk_rows, args.period, client=client)
        workers = client.run(_peak_rss_bytes)
    figures["peak_rss_bytes"] = {"client_and_scheduler": figures.pop("client_peak_rss_bytes"),
                                 **{f"worker {i}": v for i, v in
                                    enumerate(sorted(workers.values()))}}
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"X: {figures['rows']} x {figures['cols']} float64 = {figures['gigabytes']:.2f} GB "
              f"in {figures['blocks']} chunks of {figures['chunk_rows']} rows")
        print(f"least squares {figures['least_squares']:.6f}, logistic "
              f"{figures['logistic']:.6f}; gradients agree with NumPy to "
              f"{figures['max_relative_error']:.1e} (relative)")
        print(f"compute: {figures['seconds']:.1f} s")
        for name, value in figures["peak_rss_bytes"].items():
            print(f"peak RSS {name}: {value / 2**20:.0f} MiB")
    return 0 if figures["max_relative_error"] < 1e-8 else 1


if __name__ == "__main__":
    sys.exit(main())
