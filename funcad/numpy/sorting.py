"""Sorting and order statistics: sort, argsort, median, quantile, percentile.

``sort`` gathers with the sorting permutation, so each sorted value carries the
derivative of the element it came from; tied elements keep their order
(a stable sort), so at a tie the derivative goes to one element, not split.
``quantile`` interpolates linearly between two sorted values, so its
derivative is shared between the two elements around the quantile.
"""

from __future__ import annotations

import math

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._lazy import constants_xp, param_on
from funcad.numpy.indexing import getitem_advanced, take_along_axis
from funcad.primitives._util import (
    backend_of,
    check_no_out,
    dtype_of,
    ndim_of,
    normalize_axes,
    normalize_axis,
    shape_of,
)
from funcad.primitives.arithmetic import add, multiply, subtract
from funcad.primitives.comparison import astype, where
from funcad.primitives.indexing import getitem, is_lazy_array
from funcad.primitives.shape import reshape, transpose
from funcad.primitives.sorting import argsort as _argsort
from funcad.primitives.special_values import isnan

__all__ = ["sort", "argsort", "median", "quantile", "percentile"]


def argsort(a, axis: int | None = -1, kind: str | None = None, order=None):
    """Indices that sort ``a`` along ``axis``; not differentiable (integer output)."""
    if order is not None:
        raise TypeError("argsort: order= (structured arrays) is not supported by funcad.")
    if not isinstance(a, Tracer):
        return backend.of(a).xp.argsort(a, axis=axis, kind=kind)
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    return _argsort(a, normalize_axis(axis, ndim_of(a)), kind)


def sort(a, axis: int | None = -1, kind: str | None = None, order=None):
    """``a`` sorted along ``axis`` (flattened when None); differentiable in ``a``."""
    if order is not None:
        raise TypeError("sort: order= (structured arrays) is not supported by funcad.")
    if not isinstance(a, Tracer):
        return backend.of(a).xp.sort(a, axis=axis, kind=kind)
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    axis = normalize_axis(axis, ndim_of(a))
    # A stable sort makes the derivative at ties deterministic.
    return take_along_axis(a, _argsort(a, axis, "stable"), axis)


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None):
    """The ``q``-th quantiles of ``a`` along ``axis``, by linear interpolation.

    ``q`` is a number or an array of numbers in [0, 1] (not traced); the result
    has ``q``'s dimensions first, as NumPy's.
    """
    _check_quantile_args(q, out, method, weights, "quantile")
    if not isinstance(a, Tracer) and not backend.of(a).lazy:
        return backend.of(a).xp.quantile(a, param_on(a, q), axis=axis, method=method,
                                         keepdims=keepdims)
    fractions = quantile_fractions(a, q, 1)
    return _quantile(a, fractions, axis, keepdims, "quantile", quantile_dtype(a, q, fractions))


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None):
    """The ``q``-th percentiles of ``a`` along ``axis`` (``q`` in [0, 100])."""
    _check_quantile_args(q, out, method, weights, "percentile")
    if not isinstance(a, Tracer) and not backend.of(a).lazy:
        return backend.of(a).xp.percentile(a, param_on(a, q), axis=axis, method=method,
                                           keepdims=keepdims)
    fractions = quantile_fractions(a, q, 100)
    return _quantile(a, fractions, axis, keepdims, "percentile",
                     quantile_dtype(a, q, fractions))


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median along ``axis``; at an even count, the mean of the two middle values."""
    check_no_out(out, "median")
    if not isinstance(a, Tracer) and not backend.of(a).lazy:
        return backend.of(a).xp.median(a, axis=axis, keepdims=keepdims)
    fractions = constants_xp(a).asarray(0.5)
    return _quantile(a, fractions, axis, keepdims, "median", quantile_dtype(a, 0.5, fractions))


def _check_quantile_args(q, out, method, weights, name):
    if isinstance(q, Tracer):
        _refuse_traced_q(name)
    check_no_out(out, name)
    if method != "linear" or weights is not None:
        raise ValueError(
            f"{name}: funcad differentiates method='linear' without weights; got "
            f"method={method!r}{' and weights' if weights is not None else ''}."
        )


def _refuse_traced_q(name):
    raise TypeError(
        f"{name}: q must be concrete (a number or a NumPy array), not a traced value; "
        f"funcad differentiates quantiles with respect to the data only."
    )


def quantile_fractions(a, q, scale: int):
    """``q / scale`` as an array of fractions next to ``a``.

    A lazy ``q`` stays lazy, so that nothing is computed before the result is;
    its range is then checked by no one before that, as Dask's own checks.
    """
    xp = backend.of(q).xp if is_lazy_array(q) else constants_xp(a)
    q = xp.asarray(q)
    return q if scale == 1 else xp.true_divide(q, scale)


def fractions_known(fractions) -> bool:
    """Whether the range of ``fractions`` can be checked without computing them."""
    return fractions.size and not is_lazy_array(fractions)


def quantile_dtype(a, q, fractions):
    """NumPy's result dtype for quantiles ``q``, read as the array ``fractions``.

    Integer ``fractions`` (0 or 1) pick elements, which keep ``a``'s dtype; a
    Python number ``q`` is weak (float32 data stays float32, integers give
    float64); a float array takes part in the promotion.
    """
    xp = backend_of(a).xp
    if fractions.dtype.kind in "biu":
        return dtype_of(a)
    inexact = dtype_of(a) if dtype_of(a).kind in "fc" else xp.dtype(xp.float64)
    if type(q) in (int, float):
        return inexact
    return xp.result_type(inexact, fractions.dtype)


def _quantile(a, q, axis, keepdims, name, dtype):
    """Quantiles ``q`` (a concrete array of fractions) of ``a`` over ``axis``."""
    xp = backend.of(q).xp if is_lazy_array(q) else constants_xp(a)
    picks = q.dtype.kind in "biu"  # integer quantiles take elements, as in NumPy
    if dtype_of(a) != dtype:
        a = astype(a, dtype)
    q = xp.asarray(q, dtype=float)
    if fractions_known(q) and (q.min() < 0 or q.max() > 1):
        raise ValueError(f"{name}: quantiles must be in the range [0, 1]"
                         f"{' (percentiles in [0, 100])' if name == 'percentile' else ''}.")
    shape = shape_of(a)
    axes = normalize_axes(axis, len(shape))
    kept = tuple(i for i in range(len(shape)) if i not in axes)
    n = math.prod(shape[i] for i in axes)
    if n == 0:
        raise ValueError(f"{name} of an empty selection is undefined.")
    # The reduced axes, flattened into one last axis, sorted.
    moved = transpose(a, kept + axes)
    flat = reshape(moved, tuple(shape[i] for i in kept) + (n,))
    ordered = sort(flat, axis=-1)
    # NumPy's 'linear' method: the virtual index (n - 1) q between two neighbours.
    position = q.astype(xp.float64) * (n - 1)
    below = xp.floor(position).astype(xp.intp)
    above = xp.minimum(below + 1, n - 1)
    if name == "median" or picks:
        # NumPy's median is the middle value, or the mean of the middle two.
        above = xp.where(position == below, below, above)
    weight = xp.asarray(position - below, dtype=dtype_of(a))
    lower = getitem_advanced(ordered, (Ellipsis, below))
    upper = getitem_advanced(ordered, (Ellipsis, above))
    if picks:
        result = lower
    elif name == "median":
        # The mean of the middle values, so that inf stays inf.
        result = multiply(add(lower, upper), 0.5)
    else:
        gap = subtract(upper, lower)
        # As NumPy's lerp: from the nearer end, so that weights of 0 and 1 are exact.
        result = where(weight >= 0.5, subtract(upper, multiply(gap, 1 - weight)),
                       add(lower, multiply(gap, weight)))
    # A slice holding NaN has a NaN quantile, as NumPy's (sorting put NaN last).
    if dtype.kind in "fc":
        has_nan = isnan(getitem(ordered, (Ellipsis, n - 1) + (None,) * q.ndim))
        # Only NumPy's values are checked first: elsewhere that would wait for the device.
        if isinstance(has_nan, Tracer) or not backend_of(has_nan).native or has_nan.any():
            result = where(has_nan, math.nan, result)
    k = ndim_of(result) - q.ndim
    result = transpose(result, tuple(range(k, k + q.ndim)) + tuple(range(k)))
    if keepdims:
        result = reshape(result, q.shape + tuple(1 if i in axes else s
                                                 for i, s in enumerate(shape)))
    return result
