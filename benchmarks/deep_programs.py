"""Time of grad, jvp, vmap and hessian through long chains of scalar primitives.

Prints the time per step for chains of n, 2n and 4n steps (three primitives a
step) and the ratio of the per-step times: about 1 means time grows linearly
with the length of the program. Run: python benchmarks/deep_programs.py [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import funcad as fa
import funcad.numpy as fnp


def chain(x, steps):
    for _ in range(steps):
        x = x + fnp.sin(x) * 0.01
    return x


WORKLOADS = {
    "grad": lambda n: fa.grad(lambda x: chain(x, n))(0.5),
    "jvp": lambda n: fa.jvp(lambda x: chain(x, n), (0.5,), (1.0,)),
    "vmap": lambda n: fa.vmap(lambda x: chain(x, n))(np.linspace(0.0, 1.0, 8)),
    "hessian": lambda n: fa.hessian(lambda x: fnp.sum(chain(x, n)))(np.array([0.5, 1.0])),
}


def best_time(fn, n, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn(n)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short chains, one repeat")
    args = parser.parse_args()
    base, repeats = (2_000, 1) if args.quick else (10_000, 3)
    sizes = (base, 2 * base, 4 * base)
    print(f"{'transform':10s}" + "".join(f"{f'{n} steps':>16s}" for n in sizes)
          + f"{'per-step ratio 4n/n':>22s}")
    for name, fn in WORKLOADS.items():
        per_step = [best_time(fn, n, repeats) / n * 1e6 for n in sizes]
        cells = "".join(f"{f'{t:.2f} us/step':>16s}" for t in per_step)
        print(f"{name:10s}{cells}{per_step[-1] / per_step[0]:>22.2f}")


if __name__ == "__main__":
    main()
