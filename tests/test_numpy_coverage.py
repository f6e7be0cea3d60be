"""funcad.numpy against NumPy's public functions and docs/numpy.md.

Fails when a function the NumPy-surface issue claims is missing, when a public
NumPy function is neither in funcad.numpy nor listed as unsupported in
docs/numpy.md, or when the page lists as unsupported something funcad has.
"""

from __future__ import annotations

import pathlib
import re

import numpy as np
import pytest

import funcad.numpy as fnp

pytestmark = pytest.mark.fixed_backend("compares funcad.numpy's names with NumPy's; no arrays are computed")

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "numpy.md"

CLAIMED = """
exp2 log2 log10 cbrt arctan2 hypot logaddexp logaddexp2 deg2rad rad2deg sinc fmod remainder
copysign heaviside power float_power arcsinh arccosh arctanh floor ceil round trunc nan_to_num
isfinite isnan
var std average nansum nanmean cumsum cumprod diff argmax argmin any all count_nonzero ptp
median quantile percentile sort argsort
take take_along_axis flip roll tile repeat pad triu tril diag diagonal trace split
array_split ravel atleast_1d atleast_2d atleast_3d meshgrid outer inner kron vdot cross vstack
hstack dstack column_stack at
real imag conj angle abs
sum mean prod max min reshape transpose moveaxis expand_dims squeeze broadcast_to concatenate
stack where dot matmul tensordot einsum zeros ones eye arange linspace zeros_like ones_like
""".split()

CLAIMED_LINALG = """
solve inv det slogdet cholesky eigh eigvalsh svd qr norm pinv matrix_power lstsq multi_dot
""".split()


def _public_functions(module) -> set[str]:
    names = set()
    for name in dir(module):
        if name.startswith("_"):
            continue
        obj = getattr(module, name)
        if isinstance(obj, type):
            continue
        if isinstance(obj, np.ufunc) or type(obj).__name__ in (
                "_ArrayFunctionDispatcher", "function", "builtin_function_or_method"):
            names.add(name)
    return names


def _documented_unsupported() -> set[str]:
    text = DOC.read_text()
    table = text[text.index("## Not supported"):]
    rows = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`(\w+)`", row)}


@pytest.mark.parametrize("name", CLAIMED)
def test_claimed_function_is_in_funcad_numpy(name):
    assert callable(getattr(fnp, name, None)), f"funcad.numpy.{name} is missing"


@pytest.mark.parametrize("name", CLAIMED_LINALG)
def test_claimed_linalg_function_is_in_funcad_numpy_linalg(name):
    assert callable(getattr(fnp.linalg, name, None)), f"funcad.numpy.linalg.{name} is missing"


def test_every_numpy_function_is_provided_or_documented_as_unsupported():
    unsupported = _documented_unsupported()
    numpy_functions = _public_functions(np)
    unaccounted = sorted(n for n in numpy_functions if not hasattr(fnp, n) and n not in unsupported)
    assert not unaccounted, (
        f"NumPy {np.__version__} functions neither in funcad.numpy nor in docs/numpy.md's "
        f"table of unsupported functions: {unaccounted}"
    )


def test_unsupported_table_lists_only_what_funcad_lacks():
    unsupported = _documented_unsupported()
    provided = sorted(n for n in unsupported if hasattr(fnp, n))
    assert not provided, f"docs/numpy.md lists as unsupported what funcad.numpy has: {provided}"
    assert len(unsupported) >= 40  # the table was read at all
