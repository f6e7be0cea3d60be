"""NumPy's elementwise math beyond the core: more ufuncs, rounding, NaN handling.

The primitives live in ``funcad/primitives`` (``elementwise``, ``rounding``,
``special_values``, ``binary_math``); this module adds NumPy's other names for
them and the functions that are compositions of them (``fix``, ``modf``,
``divmod``, ``float_power``, ``isposinf``, ``isneginf``).
"""

from __future__ import annotations

from funcad import backend
from funcad.core.trace import Tracer
from funcad.primitives._util import backend_of, check_no_out, dtype_of
from funcad.primitives.arithmetic import power, subtract
from funcad.primitives.binary_math import (
    arctan2,
    copysign,
    fmax,
    fmin,
    fmod,
    hypot,
    ldexp,
    logaddexp,
    logaddexp2,
    remainder,
)
from funcad.primitives.comparison import astype, greater, less, logical_and, where
from funcad.primitives.elementwise import (
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctanh,
    cbrt,
    deg2rad,
    exp2,
    fabs,
    log2,
    log10,
    positive,
    rad2deg,
    sinc,
)
from funcad.primitives.rounding import (
    ceil,
    floor,
    floor_divide,
    heaviside,
    rint,
    round,  # noqa: A004 - mirrors numpy.round
    spacing,
    trunc,
)
from funcad.primitives.special_values import isfinite, isinf, isnan, nan_to_num, signbit

__all__ = [
    "acos", "acosh", "arccosh", "arcsinh", "arctan2", "arctanh", "around", "asin", "asinh",
    "atan", "atan2", "atanh", "cbrt", "ceil", "copysign", "deg2rad", "degrees", "divmod",
    "exp2", "fabs", "fix", "float_power", "floor", "floor_divide", "fmax", "fmin", "fmod",
    "heaviside", "hypot", "isfinite", "isinf", "isnan", "isneginf", "isposinf", "ldexp",
    "log10", "log2", "logaddexp", "logaddexp2", "mod", "modf", "nan_to_num", "positive",
    "pow", "rad2deg", "radians", "remainder", "rint", "round", "signbit", "sinc", "spacing",
    "trunc",
]  # fmt: skip

# NumPy's other names for the same functions.
around = round
radians, degrees = deg2rad, rad2deg
mod = remainder
asin, acos, atan, atan2, pow = arcsin, arccos, arctan, arctan2, power  # noqa: A001
asinh, acosh, atanh = arcsinh, arccosh, arctanh


def fix(x, out=None):
    """``x`` rounded toward zero (``numpy.fix``); zero derivative.

    >>> import funcad.numpy as fnp
    >>> fnp.fix([-2.5, 2.5]).tolist()
    [-2.0, 2.0]
    """
    check_no_out(out, "fix")
    if isinstance(x, Tracer):
        return trunc(x)
    return backend.of(x).xp.fix(x)


def _as_inexact(x):
    """``x``, cast to float64 when its dtype is integer or boolean (as NumPy's float loops)."""
    if getattr(dtype_of(x), "kind", "f") in "fc":
        return x
    return astype(x, backend_of(x).xp.float64)


def modf(x) -> tuple:
    """``(fractional part, integer part)`` of ``x``, both with the sign of ``x``.

    The fractional part has derivative 1 (as in JAX, also at integers) and the
    integer part 0.

    >>> import funcad.numpy as fnp
    >>> [a.tolist() for a in fnp.modf([-2.5, 3.25])]
    [[-0.5, 0.25], [-2.0, 3.0]]
    """
    if not isinstance(x, Tracer):
        return backend.of(x).xp.modf(x)
    x = _as_inexact(x)
    # x - trunc(x) is exact; at +-inf it would be nan where NumPy gives 0.
    finite_x = where(isinf(x), 0.0, x)
    return subtract(finite_x, trunc(finite_x)), trunc(x)


def divmod(x1, x2) -> tuple:  # noqa: A001 - mirrors numpy.divmod
    """``(x1 // x2, x1 % x2)``: ``floor_divide`` and ``remainder`` together.

    >>> import funcad.numpy as fnp
    >>> [a.tolist() for a in fnp.divmod([7.0, -7.0], 2.0)]
    [[3.0, -4.0], [1.0, 1.0]]
    """
    if not (isinstance(x1, Tracer) or isinstance(x2, Tracer)):
        return backend.of_pair(x1, x2).xp.divmod(x1, x2)
    return floor_divide(x1, x2), remainder(x1, x2)


def _promotable(x):
    """What ``result_type`` takes for ``x``: its dtype, or a Python scalar itself (weak)."""
    dtype = dtype_of(x)
    if dtype is not None:
        return dtype
    if isinstance(x, (bool, int, float, complex)):
        return x
    return backend_of(x).xp.asarray(x).dtype


def float_power(x1, x2):
    """``x1 ** x2`` computed in at least float64 (``numpy.float_power``).

    float32 arguments give a float64 result, as NumPy's; their derivatives
    come back float32.

    >>> import funcad.numpy as fnp
    >>> fnp.float_power(fnp.float32(2.0), -2).dtype
    dtype('float64')
    """
    if not (isinstance(x1, Tracer) or isinstance(x2, Tracer)):
        return backend.of_pair(x1, x2).xp.float_power(x1, x2)
    xp = backend_of(x1 if isinstance(x1, Tracer) else x2).xp
    dtype = xp.result_type(_promotable(x1), _promotable(x2), xp.float64)
    operands = [x if isinstance(x, (int, float)) and not isinstance(x, bool) else astype(x, dtype)
                for x in (x1, x2)]
    return power(*operands)


def isposinf(x, out=None):
    """Elementwise: is +inf, as booleans; not differentiable."""
    check_no_out(out, "isposinf")
    if not isinstance(x, Tracer):
        return backend.of(x).xp.isposinf(x)
    return logical_and(isinf(x), greater(x, 0))


def isneginf(x, out=None):
    """Elementwise: is -inf, as booleans; not differentiable."""
    check_no_out(out, "isneginf")
    if not isinstance(x, Tracer):
        return backend.of(x).xp.isneginf(x)
    return logical_and(isinf(x), less(x, 0))
