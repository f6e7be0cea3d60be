"""The CuPy tests, run in every CI run on a stand-in for CuPy.

``tests/cupy_standin`` is a NumPy-backed package named ``cupy`` that follows
CuPy's rules (its own array type, ``TypeError`` for NumPy operands and for
``__array__``, 0-d results, one way to the host). With it first on the path, a
child pytest runs the CuPy tests (``tests/test_backend_cupy.py``, including its
strict sweep), every transform on CuPy (``tests/test_backend_transforms.py``),
the systematic sweep with its inputs on CuPy (``tests/test_sweep.py``) and
every other test that takes ``--backend`` (``SELECTION``: all but those
marked ``fixed_backend``, which stay on one backend). So
funcad's side of the CuPy backend (dispatch, no host copies, no NumPy
constants meeting device arrays) is tested without a GPU. CuPy's own coverage
and numerics are not: a function CuPy lacks shows only on a real device, where
the same tests run on CuPy itself.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.fixed_backend("starts its own --backend cupy run on the CuPy stand-in")

ROOT = Path(__file__).resolve().parent.parent
STANDIN = ROOT / "tests" / "cupy_standin"
# The CuPy backend's own tests, and every test that takes --backend (those that stay on one
# backend, fixed_backend, run in the parent run).
SELECTION = ["-m", "cupy_backend or not fixed_backend", "tests"]


def test_cupy_suites_pass_on_the_standin():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(STANDIN), str(ROOT)]))
    env.pop("FUNCAD_BACKEND", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--backend", "cupy",
         "-o", "addopts=", *SELECTION],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200,
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", summary)}
    # Every test ran on the stand-in: nothing skipped for want of CuPy or a device.
    assert counts.get("passed", 0) > 10_000 and "skipped" not in counts, summary


def test_gpu_benchmark_runs_on_the_standin():
    """``benchmarks/gpu.py`` end to end: every funcad result checked against its baseline.

    The stand-in's timings are NumPy's on the CPU; the figures come from a GPU run.
    """
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(STANDIN), str(ROOT)]))
    run = subprocess.run([sys.executable, "benchmarks/gpu.py", "--quick"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "CuPy stand-in" in run.stdout
    for workload in ("fa.grad on CuPy", "fa.hessian on CuPy", "fa.vmap(fa.grad) on CuPy"):
        assert workload in run.stdout, run.stdout
