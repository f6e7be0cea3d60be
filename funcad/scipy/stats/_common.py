"""What the distributions share: SciPy for plain inputs, loc and scale, and the support.

SciPy computes only with values it can see: NumPy arrays and Python numbers.
Traced arguments, and arrays of a lazy backend (Dask), take the formulas
written with funcad operations instead, which build a graph on the arrays'
own backend (see :func:`plain_values`).

SciPy's rule, followed exactly: where a parameter is invalid (``scale <= 0``,
a shape parameter out of range) or ``x`` is nan the result is nan; elsewhere
outside the support a log-density is -inf and a density 0.

Outside the support the formula is evaluated at a safe point instead of at
``x``: ``where`` sends a zero cotangent to the branch it does not select, and
zero times the inf or nan a formula makes outside its domain would be nan.
"""

from __future__ import annotations

import math
import operator

import funcad.numpy as fnp
from funcad.core.trace import Tracer
from funcad.numpy._lazy import plain as plain_values  # noqa: F401 - re-exported
from funcad.primitives._util import backend_of, dtype_of
from funcad.primitives.special import result_float_dtype, with_float_dtype

_PYTHON_NUMBERS = (bool, int, float)
_scipy_stats = None


def scipy_stats():
    """``scipy.stats``, imported on first use (it takes a while to import)."""
    global _scipy_stats
    if _scipy_stats is None:
        import scipy.stats

        _scipy_stats = scipy.stats
    return _scipy_stats


def plain(method, *args):
    """SciPy's ``method(*args)``, kept in float32 when the inputs are float32.

    SciPy computes every distribution in float64; funcad keeps NumPy's dtype
    rules (NEP 50: Python scalars are weak), so float32 data gives float32.
    """
    return with_float_dtype(method(*args), *args)


# Conditions: Python bools where they do not depend on traced values (no array work).
def compare(op, a, b):
    """``op(a, b)`` for an ``operator`` comparison; a Python bool for plain scalars."""
    if isinstance(a, _PYTHON_NUMBERS) and isinstance(b, _PYTHON_NUMBERS):
        return op(a, b)
    out = _COMPARISONS[op](a, b)
    if not getattr(out, "ndim", 0) and _known(out):
        # A scalar test of known values is decided here, once (on a GPU, one
        # scalar read), so that the formulas keep the data's dtype.
        return bool(out)
    return out


def _known(value) -> bool:
    """A concrete value that can be read now: no tracer, and not a lazy (Dask) graph."""
    return not isinstance(value, Tracer) and not backend_of(value).lazy


_COMPARISONS = {
    operator.lt: fnp.less,
    operator.le: fnp.less_equal,
    operator.gt: fnp.greater,
    operator.ge: fnp.greater_equal,
    operator.eq: fnp.equal,
}


def either(a, b):
    """``a or b`` elementwise; a Python bool stays one."""
    if a is False or b is True:
        return b
    if b is False or a is True:
        return a
    return fnp.logical_or(a, b)


def both(a, b):
    """``a and b`` elementwise; a Python bool stays one."""
    if a is True or b is False:
        return b
    if b is True or a is False:
        return a
    return fnp.logical_and(a, b)


def invalid_unless(condition):
    """Where ``condition`` fails; nan parameters fail every comparison, as in SciPy."""
    if isinstance(condition, bool):
        return not condition
    return fnp.equal(condition, False)


def positive(a):
    """``a > 0``: SciPy's check of a scale or of a positive shape parameter."""
    return compare(operator.gt, a, 0)


def select(condition, x, otherwise):
    """``where(condition, x, otherwise)``, skipped for a Python bool condition."""
    if condition is True:
        return x
    if condition is False:
        return fnp.where(False, x, otherwise)
    return fnp.where(condition, x, otherwise)


# The pieces of a location-scale family.
def standardize(x, loc, scale):
    """``(x - loc) / scale``, without the operations a default loc or scale needs not."""
    # Operators, not fnp functions: two Python numbers give a Python (weak) float.
    z = x if (isinstance(loc, _PYTHON_NUMBERS) and loc == 0) else x - loc
    if isinstance(scale, _PYTHON_NUMBERS) and scale == 1:
        return z
    return z / scale


def log_of(scale):
    """log(scale), a weak Python float for a Python scale."""
    if isinstance(scale, _PYTHON_NUMBERS):
        return math.log(scale) if scale > 0 else math.nan
    return fnp.log(scale)


def minus_log_scale(value, scale):
    """``value - log(scale)``, as SciPy writes a scaled log-density."""
    if isinstance(scale, _PYTHON_NUMBERS) and scale == 1:
        return value
    return fnp.subtract(value, log_of(scale))


def over_scale(value, scale):
    """``value / scale``, as SciPy writes a scaled density."""
    if isinstance(scale, _PYTHON_NUMBERS) and scale == 1:
        return value
    return fnp.divide(value, scale)


def finish(value, z, invalid, inside=True, outside=-math.inf):
    """SciPy's result: ``value`` inside, ``outside`` out of the support, nan if invalid.

    ``invalid`` marks bad parameters; nan ``z`` is invalid too where a support
    test (which nan fails) would otherwise give it the ``outside`` value.
    """
    if inside is not True:
        value = select(inside, value, outside)
        invalid = either(invalid, fnp.isnan(z))
    if invalid is False:
        return value
    return fnp.where(invalid, math.nan, value)


def log_cdf(p, q):
    """``log(p)`` where ``p < 1/2``, else ``log1p(-q)`` (``q = 1 - p``), as SciPy's logcdf.

    Each branch sees 1/2 where it is not taken: ``q`` rounds to 1 where ``p`` is
    tiny, and the slope of ``log1p(-q)`` there would be inf times a zero cotangent.
    """
    lower = fnp.less(p, 0.5)
    return fnp.where(lower, fnp.log(fnp.where(lower, p, 0.5)),
                     fnp.log1p(-fnp.where(lower, 0.5, q)))


def safe(inside, z, fill, *like):
    """``z`` inside the support and ``fill`` (a point of the support) outside.

    A Python-number ``z`` stays in the floating dtype of the arrays ``like``
    (NEP 50: a weak scalar next to them): a lazy (Dask) support test is an
    array, and ``where`` of two Python floats would be float64.
    """
    if inside is True:
        return z
    if inside is False and isinstance(z, (int, float)):
        return fill  # a Python number, weak as z was, on no backend
    out = fnp.where(inside, z, fill)
    if like and isinstance(z, (int, float)):
        want = result_float_dtype(*like)
        if want is not None and want.kind == "f" and dtype_of(out) != want:
            out = fnp.astype(out, want)
    return out
