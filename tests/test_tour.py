"""The tour (``python -m funcad``) runs, prints the textbook tables, and agrees with closed forms."""

import subprocess
import sys

import numpy as np
import pytest

from funcad.__main__ import main

pytestmark = pytest.mark.fixed_backend("runs the tour, which is written with NumPy arrays")


def test_tour_prints_the_worked_examples(capsys):
    main()
    out = capsys.readouterr().out
    x1, x2 = 2.0, 5.0
    value = np.log(x1) + x1 * x2 - np.sin(x2)
    assert f"= ({value:.3f}, {x2 + 1 / x1:.3f})" in out
    assert f"= ({x2 + 1 / x1:.4f}, {x1 - np.cos(x2):.4f})" in out
    assert f"= {-np.cos(1.0):.6f}" in out
    assert "= 6.0" in out
    # The trace tables of Baydin et al.: primal, tangent and adjoint traces.
    for line in ("v1  = ln v-1   = 0.693", "v5  = v4 − v3  = 11.652",
                 "v\u03071  = v\u0307-1 / v-1       = 0.5",
                 "v\u03040  = v\u03040 + v\u03042·v-1  = 1.716"):
        assert line in out
    # Every result is followed by its closed-form comparison, and they agree to round-off.
    errors = [float(line.rsplit("=", 1)[1]) for line in out.splitlines() if "closed form" in line]
    assert len(errors) == 9 and max(errors) < 1e-12
    for topic in ("jvp(", "grad(", "vjp(", "jacobian(", "hessian(", "vmap(grad(loss))",
                  "grad(grad(grad(sin)))"):
        assert topic in out


def test_python_m_funcad_exits_zero():
    done = subprocess.run([sys.executable, "-m", "funcad"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Reverse adjoint trace" in done.stdout
