"""Statistics: var, std, average and the NaN-ignoring reductions (nansum, nanmean, ...).

Every function here is a composite of funcad primitives (``sum``, ``max``,
``where``, arithmetic), so it is differentiable to any order and batches under
``vmap`` with no rules of its own. With no traced argument each calls NumPy
directly and returns exactly what NumPy returns.

The ``nan*`` functions replace NaNs with a neutral value through ``where``
(``x == x`` is False only at NaN), so NaN elements contribute nothing and get
a zero derivative.

>>> import numpy as np, funcad as fa, funcad.numpy as fnp
>>> fa.grad(lambda x: fnp.var(x))(np.array([1.0, 2.0, 6.0]))  # 2 (x - mean) / n
array([-1.33333333, -0.66666667,  2.        ])
"""

from __future__ import annotations

import builtins
import math
from typing import Any

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._concrete import traced
from funcad.numpy._numerical_util import is_inexact
from funcad.numpy.composites import mean as mean_
from funcad.primitives import logical
from funcad.primitives._util import (
    backend_of,
    check_no_out,
    dtype_of,
    ndim_of,
    normalize_axes,
    normalize_axis,
    shape_of,
)
from funcad.primitives.arithmetic import add, divide, maximum, multiply, subtract
from funcad.primitives.comparison import astype, equal, less_equal, where
from funcad.primitives.elementwise import sqrt
from funcad.primitives.reduction import max as max_
from funcad.primitives.reduction import min as min_
from funcad.primitives.reduction import prod as prod_
from funcad.primitives.reduction import sum as sum_
from funcad.primitives.shape import broadcast_to, reshape, transpose

__all__ = [
    "var", "std", "average",
    "nansum", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanprod",
]

ArrayLike = Any
Axis = int | tuple[int, ...] | None



def _xp(x):
    return backend.of(x).xp


def _axes(axis, x) -> tuple[int, ...]:
    return normalize_axes(tuple(axis) if isinstance(axis, list) else axis, ndim_of(x))


def _ddof(ddof, correction):
    """``correction`` is the Array API's name for ``ddof``; only one may be given."""
    if correction is None:
        return ddof
    if ddof != 0:
        raise ValueError(
            f"ddof={ddof!r} and correction={correction!r} were both given; they are two "
            f"names for one setting, so pass only one of them."
        )
    return correction


def _floating(a, dtype):
    """``a`` in the dtype the statistics are computed in (float64 for integers)."""
    if dtype is not None:
        return astype(a, dtype)
    if not is_inexact(a):
        return astype(a, backend.default().xp.float64)
    return a


# var, std -------------------------------------------------------------------
def var(a: ArrayLike, axis: Axis = None, dtype: Any = None, out: None = None, ddof: float = 0,
        keepdims: bool = False, *, mean: ArrayLike = None,
        correction: float | None = None) -> ArrayLike:
    """Variance over ``axis``: ``sum((a - mean)**2) / (N - ddof)``.

    ``mean`` (shaped as with ``keepdims=True``) replaces the computed mean, as
    in NumPy. ``N - ddof <= 0`` gives inf or NaN, as NumPy does.

    >>> import numpy as np, funcad.numpy as fnp
    >>> float(fnp.var(np.array([1.0, 2.0, 3.0, 4.0]), ddof=1))
    1.6666666666666667
    """
    ddof = _ddof(ddof, correction)
    check_no_out(out, "var")
    if not traced(a, mean):
        given = {} if mean is None else {"mean": mean}
        return _xp(a).var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, **given)
    return _variance(a, axis, dtype, ddof, keepdims, mean)


def std(a: ArrayLike, axis: Axis = None, dtype: Any = None, out: None = None, ddof: float = 0,
        keepdims: bool = False, *, mean: ArrayLike = None,
        correction: float | None = None) -> ArrayLike:
    """Standard deviation over ``axis``: ``sqrt(var(a, axis, ddof=ddof))``.

    Where the input is constant along ``axis`` the value is 0 and derivatives
    through that slice's result are NaN, as in JAX: ``var``'s derivative there
    is 0 and ``sqrt``'s slope at 0 is infinite (0 * inf). In a Jacobian this
    also reaches the entries pairing that slice with another one (a zero
    cotangent or tangent times inf); other slices keep exact derivatives. Add a
    small constant under the root, or use ``var``, where constant slices are
    expected.

    >>> import numpy as np, funcad as fa, funcad.numpy as fnp
    >>> fa.grad(lambda x: fnp.std(x))(np.array([1.0, 3.0]))  # (x - mean) / (n std)
    array([-0.5,  0.5])
    """
    ddof = _ddof(ddof, correction)
    check_no_out(out, "std")
    if not traced(a, mean):
        given = {} if mean is None else {"mean": mean}
        return _xp(a).std(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, **given)
    return sqrt(_variance(a, axis, dtype, ddof, keepdims, mean))


def _variance(a, axis, dtype, ddof, keepdims, mean):
    # The same operations as NumPy's var: sum / N, deviations, sum of squares / (N - ddof).
    a = _floating(a, dtype)
    axes = _axes(axis, a)
    count = math.prod(shape_of(a)[i] for i in axes)
    if mean is None:
        mean = divide(sum_(a, axis=axes, keepdims=True), count)
    deviation = subtract(a, mean)
    squares = sum_(_squared_magnitude(deviation), axis=axes, keepdims=keepdims)
    return divide(squares, builtins.max(count - ddof, 0))


def _squared_magnitude(d):
    """``|d|**2``, real for complex ``d`` (re**2 + im**2, as NumPy computes it)."""
    if getattr(dtype_of(d), "kind", None) != "c":
        return multiply(d, d)
    # Imported here: only complex data needs the complex-part primitives.
    from funcad.primitives.complex import imag, real

    re, im = real(d), imag(d)
    return add(multiply(re, re), multiply(im, im))


def _real_dtype(x):
    """The real dtype matching ``x``'s (float32 for complex64), for counts."""
    dtype = dtype_of(x)
    return backend_of(x).xp.finfo(dtype).dtype if dtype.kind == "c" else dtype


# average --------------------------------------------------------------------
def average(a: ArrayLike, axis: Axis = None, weights: ArrayLike = None, returned: bool = False,
            *, keepdims: bool = False) -> ArrayLike:
    """Weighted average ``sum(a * weights) / sum(weights)`` over ``axis``.

    ``weights`` has ``a``'s shape, or the shape of ``a`` along ``axis``. With
    ``returned=True`` gives ``(average, sum_of_weights)``. Differentiable in
    ``a`` and in ``weights``. Weights that sum to zero raise
    ``ZeroDivisionError`` when they are not traced; traced ones give inf/NaN.

    >>> import numpy as np, funcad as fa, funcad.numpy as fnp
    >>> a = np.array([1.0, 2.0, 4.0])
    >>> fa.grad(lambda w: fnp.average(a, weights=w))(np.ones(3))  # (a - avg) / sum(w)
    array([-0.44444444, -0.11111111,  0.55555556])
    """
    if not traced(a, weights):
        return _xp(a).average(a, axis=axis, weights=weights, returned=returned,
                              keepdims=keepdims)
    shape = shape_of(a)
    given = None if axis is None else tuple(
        normalize_axis(ax, len(shape)) for ax in (axis if isinstance(axis, (tuple, list))
                                                  else (axis,))
    )
    if weights is None:
        avg = mean_(a, axis=given, keepdims=keepdims)
        count = math.prod(shape) / math.prod(shape_of(avg))
        scale = backend_of(avg).xp.asarray(count, dtype=dtype_of(avg))
    else:
        weights = _weights_along(weights, shape, given)
        xp = backend_of(weights).xp
        floor = () if is_inexact(a) else (xp.float64,)
        result = xp.result_type(dtype_of(a) or xp.float64, dtype_of(weights) or xp.float64, *floor)
        a, weights = astype(a, result), astype(weights, result)
        scale = sum_(weights, axis=given, keepdims=keepdims)
        # On a lazy backend the check would compute the weights while the graph is built.
        if not isinstance(scale, Tracer) and not backend_of(scale).lazy and bool(
                _xp(scale).any(scale == 0)):
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
        avg = divide(sum_(multiply(a, weights), axis=given, keepdims=keepdims), scale)
    if not returned:
        return avg
    if shape_of(scale) != shape_of(avg):
        scale = broadcast_to(scale, shape_of(avg))
    return avg, scale


def _weights_along(weights, shape, axes):
    """``weights`` shaped to broadcast against an array of ``shape`` (NumPy's rules)."""
    w_shape = shape_of(weights)
    if w_shape == shape:
        return weights
    if axes is None:
        raise TypeError(
            f"average: weights of shape {w_shape} differ from a's shape {shape}, so axis "
            f"must say which axes of a they run along (e.g. axis=0)."
        )
    if w_shape != tuple(shape[ax] for ax in axes):
        raise ValueError(
            f"average: weights of shape {w_shape} must match a's shape {shape} along "
            f"axis={axes}, i.e. have shape {tuple(shape[ax] for ax in axes)}."
        )
    order = sorted(range(len(axes)), key=lambda i: axes[i])
    weights = transpose(weights, tuple(order))
    return reshape(weights, tuple(s if ax in axes else 1 for ax, s in enumerate(shape)))


# NaN-ignoring reductions ----------------------------------------------------
def _valid(a):
    """True where ``a`` is not NaN (``a == a``); no derivative."""
    return equal(a, a)


def nansum(a: ArrayLike, axis: Axis = None, dtype: Any = None, out: None = None,
           keepdims: bool = False) -> ArrayLike:
    """Sum over ``axis`` treating NaNs as zero; NaNs get a zero derivative."""
    check_no_out(out, "nansum")
    if not traced(a):
        return _xp(a).nansum(a, axis=axis, dtype=dtype, keepdims=keepdims)
    if is_inexact(a):
        a = where(_valid(a), a, 0)
    return sum_(a, axis=axis, dtype=dtype, keepdims=keepdims)


def nanprod(a: ArrayLike, axis: Axis = None, dtype: Any = None, out: None = None,
            keepdims: bool = False) -> ArrayLike:
    """Product over ``axis`` treating NaNs as one; NaNs get a zero derivative."""
    check_no_out(out, "nanprod")
    if not traced(a):
        return _xp(a).nanprod(a, axis=axis, dtype=dtype, keepdims=keepdims)
    if is_inexact(a):
        a = where(_valid(a), a, 1)
    return prod_(a, axis=axis, dtype=dtype, keepdims=keepdims)


def nanmean(a: ArrayLike, axis: Axis = None, dtype: Any = None, out: None = None,
            keepdims: bool = False) -> ArrayLike:
    """Mean of the non-NaN elements over ``axis``; NaN for an all-NaN slice."""
    check_no_out(out, "nanmean")
    if not traced(a):
        return _xp(a).nanmean(a, axis=axis, dtype=dtype, keepdims=keepdims)
    if dtype is not None:
        a = astype(a, dtype)
    if not is_inexact(a):
        return mean_(a, axis=axis, keepdims=keepdims)
    valid = _valid(a)
    total = sum_(where(valid, a, 0), axis=axis, keepdims=keepdims)
    # The count in the data's own dtype keeps float32 results float32.
    return divide(total, sum_(astype(valid, _real_dtype(a)), axis=axis, keepdims=keepdims))


def nanvar(a: ArrayLike, axis: Axis = None, dtype: Any = None, out: None = None,
           ddof: float = 0, keepdims: bool = False, *,
           correction: float | None = None) -> ArrayLike:
    """Variance of the non-NaN elements over ``axis``; NaN where ``N - ddof <= 0``."""
    ddof = _ddof(ddof, correction)
    check_no_out(out, "nanvar")
    if not traced(a):
        return _xp(a).nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    return _nan_variance(a, axis, dtype, ddof, keepdims)


def nanstd(a: ArrayLike, axis: Axis = None, dtype: Any = None, out: None = None,
           ddof: float = 0, keepdims: bool = False, *,
           correction: float | None = None) -> ArrayLike:
    """Standard deviation of the non-NaN elements; derivative NaN at zero spread (see std)."""
    ddof = _ddof(ddof, correction)
    check_no_out(out, "nanstd")
    if not traced(a):
        return _xp(a).nanstd(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    return sqrt(_nan_variance(a, axis, dtype, ddof, keepdims))


def _nan_variance(a, axis, dtype, ddof, keepdims):
    a = _floating(a, dtype)
    axes = _axes(axis, a)
    valid = _valid(a)
    count = sum_(astype(valid, _real_dtype(a)), axis=axes, keepdims=True)
    # An all-NaN slice divides by 1 here; its deviations are all masked below.
    center = divide(sum_(where(valid, a, 0), axis=axes, keepdims=True), maximum(count, 1))
    deviation = where(valid, subtract(a, center), 0)
    squares = sum_(_squared_magnitude(deviation), axis=axes, keepdims=keepdims)
    if not keepdims:
        count = reshape(count, shape_of(squares))
    dof = subtract(count, ddof)
    bad = less_equal(dof, 0)
    return where(bad, math.nan, divide(squares, where(bad, 1, dof)))


def nanmax(a: ArrayLike, axis: Axis = None, out: None = None,
           keepdims: bool = False) -> ArrayLike:
    """Maximum over ``axis`` ignoring NaNs (NaN for an all-NaN slice); ties share."""
    check_no_out(out, "nanmax")
    if not traced(a):
        return _xp(a).nanmax(a, axis=axis, keepdims=keepdims)
    return _nan_extremum(max_, a, axis, keepdims, -math.inf)


def nanmin(a: ArrayLike, axis: Axis = None, out: None = None,
           keepdims: bool = False) -> ArrayLike:
    """Minimum over ``axis`` ignoring NaNs (NaN for an all-NaN slice); ties share."""
    check_no_out(out, "nanmin")
    if not traced(a):
        return _xp(a).nanmin(a, axis=axis, keepdims=keepdims)
    return _nan_extremum(min_, a, axis, keepdims, math.inf)


def _nan_extremum(reduce, a, axis, keepdims, fill):
    if not is_inexact(a):
        return reduce(a, axis=axis, keepdims=keepdims)
    valid = _valid(a)
    best = reduce(where(valid, a, fill), axis=axis, keepdims=keepdims)
    return where(logical.any(valid, _axes(axis, a), keepdims), best, math.nan)
