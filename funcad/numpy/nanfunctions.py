"""NaN-ignoring order statistics, arg-reductions and scans.

``nanmedian``, ``nanquantile`` and ``nanpercentile`` sort each slice (NaNs sort
last), count its non-NaN elements, and interpolate linearly between the two
sorted values around ``q * (count - 1)``, NumPy's ``'linear'`` method on the
non-NaN values. The positions are gathered, so NaN elements are never read
and get a zero derivative; an all-NaN slice gives NaN with NumPy's
``RuntimeWarning``. ``nancumsum`` and ``nancumprod`` replace NaNs by 0 and 1
(``where``), ``nanargmax`` and ``nanargmin`` by -inf and +inf, and raise
NumPy's ``ValueError`` for an all-NaN slice (inside ``vmap``, where a value
per example is not known, such a slice gives -1, as in JAX). With no traced
argument every function calls NumPy directly.

>>> import numpy as np, funcad as fa, funcad.numpy as fnp
>>> x = np.array([3.0, np.nan, 1.0, 2.0])
>>> fa.grad(lambda x: fnp.nanmedian(x))(x)
array([0., 0., 0., 1.])
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._concrete import maybe_concrete
from funcad.numpy._lazy import constants_xp
from funcad.numpy._numerical_util import is_inexact
from funcad.numpy.indexing import take_along_axis
from funcad.numpy.reductions import argmax as argmax_
from funcad.numpy.reductions import argmin as argmin_
from funcad.numpy.reductions import cumprod as cumprod_
from funcad.numpy.reductions import cumsum as cumsum_
from funcad.numpy.sorting import fractions_known, quantile_dtype, quantile_fractions, sort
from funcad.numpy.statistics import nanmean
from funcad.primitives import logical
from funcad.primitives._util import (
    backend_of,
    check_no_out,
    dtype_of,
    normalize_axes,
    shape_of,
)
from funcad.primitives.arithmetic import add, divide, maximum, minimum, multiply, subtract
from funcad.primitives.comparison import astype, equal, greater, greater_equal, where
from funcad.primitives.reduction import sum as sum_
from funcad.primitives.rounding import floor
from funcad.primitives.shape import reshape, transpose

__all__ = [
    "nanmedian", "nanquantile", "nanpercentile", "nanargmax", "nanargmin",
    "nancumsum", "nancumprod",
]

ArrayLike = Any
Axis = int | tuple[int, ...] | None


def _xp(x):
    return backend.of(x).xp


# nancumsum, nancumprod ------------------------------------------------------
def nancumsum(a: ArrayLike, axis: int | None = None, dtype: Any = None,
              out: None = None) -> ArrayLike:
    """Running sum along ``axis`` treating NaNs as zero; NaNs get a zero derivative."""
    check_no_out(out, "nancumsum")
    if not isinstance(a, Tracer):
        return _xp(a).nancumsum(a, axis=axis, dtype=dtype)
    if is_inexact(a):
        a = where(equal(a, a), a, 0)
    return cumsum_(a, axis=axis, dtype=dtype)


def nancumprod(a: ArrayLike, axis: int | None = None, dtype: Any = None,
               out: None = None) -> ArrayLike:
    """Running product along ``axis`` treating NaNs as one; NaNs get a zero derivative."""
    check_no_out(out, "nancumprod")
    if not isinstance(a, Tracer):
        return _xp(a).nancumprod(a, axis=axis, dtype=dtype)
    if is_inexact(a):
        a = where(equal(a, a), a, 1)
    return cumprod_(a, axis=axis, dtype=dtype)


# nanargmax, nanargmin -------------------------------------------------------
def nanargmax(a: ArrayLike, axis: int | None = None, out: None = None, *,
              keepdims: bool = False) -> ArrayLike:
    """Index of the first maximum along ``axis`` ignoring NaNs; no derivative.

    An all-NaN slice raises ``ValueError`` (inside ``vmap`` it gives -1).
    """
    check_no_out(out, "nanargmax")
    if not isinstance(a, Tracer):
        return _xp(a).nanargmax(a, axis=axis, keepdims=keepdims)
    return _nan_arg(argmax_, a, axis, keepdims, -math.inf, "nanargmax")


def nanargmin(a: ArrayLike, axis: int | None = None, out: None = None, *,
              keepdims: bool = False) -> ArrayLike:
    """Index of the first minimum along ``axis`` ignoring NaNs; no derivative.

    An all-NaN slice raises ``ValueError`` (inside ``vmap`` it gives -1).
    """
    check_no_out(out, "nanargmin")
    if not isinstance(a, Tracer):
        return _xp(a).nanargmin(a, axis=axis, keepdims=keepdims)
    return _nan_arg(argmin_, a, axis, keepdims, math.inf, "nanargmin")


def _nan_arg(reduce, a, axis, keepdims, fill, name):
    if not is_inexact(a):
        return reduce(a, axis=axis, keepdims=keepdims)
    valid = equal(a, a)
    some = logical.any(valid, axis, keepdims)
    value = maybe_concrete(some)
    if value is not None and not bool(_xp(value).all(value)):
        raise ValueError(f"{name}: All-NaN slice encountered; "
                         f"no index to return. Check the input with fnp.isnan first.")
    index = reduce(where(valid, a, fill), axis=axis, keepdims=keepdims)
    return index if value is not None else where(some, index, -1)


# nanmedian, nanquantile, nanpercentile --------------------------------------
def nanmedian(a: ArrayLike, axis: Axis = None, out: None = None,
              overwrite_input: bool = False, keepdims: bool = False) -> ArrayLike:
    """The median of the non-NaN elements along ``axis``; NaN for an all-NaN slice."""
    check_no_out(out, "nanmedian")
    if not isinstance(a, Tracer) and not backend.of(a).lazy:
        return _xp(a).nanmedian(a, axis=axis, overwrite_input=overwrite_input,
                                keepdims=keepdims)
    xp = constants_xp(a)
    dtype = dtype_of(a) if is_inexact(a) else xp.dtype(xp.float64)
    return _nan_quantile(a, xp.asarray(0.5), axis, keepdims, dtype, median=True)


def nanquantile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out: None = None,
                overwrite_input: bool = False, method: str = "linear",
                keepdims: bool = False, *, weights: ArrayLike = None) -> ArrayLike:
    """The ``q``-th quantiles (``q`` in [0, 1], not traced) of the non-NaN elements."""
    # CuPy has no nanquantile: other backends than NumPy take funcad's path.
    if not isinstance(a, Tracer) and not isinstance(q, Tracer) and backend.of(a).native:
        return _xp(a).nanquantile(a, q, axis=axis, out=out, overwrite_input=overwrite_input,
                                  method=method, keepdims=keepdims, weights=weights)
    _check(a, q, out, method, weights, "nanquantile")
    fractions = quantile_fractions(a, q, 1)
    if fractions_known(fractions) and not (fractions.min() >= 0 and fractions.max() <= 1):
        raise ValueError("nanquantile: Quantiles must be in the range [0, 1].")
    return _nan_quantile(a, fractions, axis, keepdims, quantile_dtype(a, q, fractions))


def nanpercentile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out: None = None,
                  overwrite_input: bool = False, method: str = "linear",
                  keepdims: bool = False, *, weights: ArrayLike = None) -> ArrayLike:
    """The ``q``-th percentiles (``q`` in [0, 100], not traced) of the non-NaN elements."""
    # CuPy has no nanpercentile: other backends than NumPy take funcad's path.
    if not isinstance(a, Tracer) and not isinstance(q, Tracer) and backend.of(a).native:
        return _xp(a).nanpercentile(a, q, axis=axis, out=out, overwrite_input=overwrite_input,
                                    method=method, keepdims=keepdims, weights=weights)
    _check(a, q, out, method, weights, "nanpercentile")
    fractions = quantile_fractions(a, q, 100)
    if fractions_known(fractions) and not (fractions.min() >= 0 and fractions.max() <= 1):
        raise ValueError("nanpercentile: Percentiles must be in the range [0, 100].")
    return _nan_quantile(a, fractions, axis, keepdims, quantile_dtype(a, q, fractions))


def _check(a, q, out, method, weights, name):
    check_no_out(out, name)
    if isinstance(q, Tracer):
        raise TypeError(f"{name}: q must be concrete (a number or a NumPy array), not a "
                        f"traced value; funcad differentiates quantiles in the data only.")
    if method != "linear" or weights is not None:
        raise ValueError(f"{name}: funcad differentiates method='linear' without weights; "
                         f"got method={method!r}{' and weights' if weights is not None else ''}.")
    if dtype_of(a).kind == "c":
        raise TypeError(f"{name}: a must be an array of real numbers; got dtype {dtype_of(a)}.")


def _nan_quantile(a, q, axis, keepdims, dtype, median=False):
    """Linear-interpolation quantiles ``q`` (a concrete array) of the non-NaN elements.

    With ``median``, the mean of the two middle values, ``(lower + upper) / 2``, as
    NumPy's ``nanmedian`` computes it (the same element twice for an odd count).
    """
    xp = backend_of(a).xp
    shape = shape_of(a)
    axes = normalize_axes(tuple(axis) if isinstance(axis, list) else axis, len(shape))
    if math.prod(shape) == 0:
        return nanmean(a, axis=axis, keepdims=keepdims)
    if dtype_of(a) != dtype:
        a = astype(a, dtype)
    kept = tuple(i for i in range(len(shape)) if i not in axes)
    kept_shape = tuple(shape[i] for i in kept)
    n = math.prod(shape[i] for i in axes)
    flat = reshape(transpose(a, kept + axes), kept_shape + (n,))
    # NaNs sort last, so the first `count` sorted values are the non-NaN ones.
    ordered = sort(flat, axis=-1)
    count = sum_(astype(equal(flat, flat), xp.intp), axis=-1, keepdims=True)
    _warn_all_nan(count)
    last = maximum(subtract(count, 1), 0)
    position = multiply(astype(subtract(count, 1), xp.float64),
                        xp.asarray(q, dtype=xp.float64).reshape(-1))
    below = minimum(maximum(astype(floor(position), xp.intp), 0), last)
    offset = subtract(position, astype(below, xp.float64))
    # The next value only when the position lies past `below` (an odd median's is exact).
    above = minimum(add(below, astype(greater(offset, 0), xp.intp)), last)
    weight = astype(offset, dtype)
    lower = take_along_axis(ordered, below, -1)
    upper = take_along_axis(ordered, above, -1)
    if q.dtype.kind in "biu":
        # As NumPy: integer quantiles take the elements (no 0 * inf from interpolating).
        result = lower
    elif median:
        result = divide(add(lower, upper), 2)
    else:
        gap = subtract(upper, lower)
        # As NumPy's lerp: from the nearer end, so that weights of 0 and 1 are exact.
        result = where(greater_equal(weight, 0.5),
                       subtract(upper, multiply(gap, subtract(1, weight))),
                       add(lower, multiply(gap, weight)))
    if is_inexact(result):
        result = where(equal(count, 0), math.nan, result)
    # (kept..., Q) -> q's dimensions first, as NumPy's.
    k = len(kept_shape)
    result = transpose(result, (k,) + tuple(range(k)))
    out_shape = kept_shape
    if keepdims:
        out_shape = tuple(1 if i in axes else s for i, s in enumerate(shape))
    return reshape(result, q.shape + out_shape)


def _warn_all_nan(count):
    value = maybe_concrete(count)
    # A lazy value is not known before it is computed: no warning rather than a computation.
    if value is not None and not backend.of(value).lazy and bool((value == 0).any()):
        warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=4)
