"""One-dimensional piecewise-linear interpolation, ``interp``.

Each ``x`` finds its segment ``[xp[j], xp[j+1]]`` by a binary search
(``searchsorted`` on the concrete values; inside ``vmap``, where one search
per example would be needed, by counting ``xp <= x``), and the value is
``fp[j] + slope * (x - xp[j])``, NumPy's formula. The segment index carries no
derivative, so the result is differentiable in ``x``, ``xp`` and ``fp`` (and in
``left`` and ``right``), piecewise.

At a knot the derivative in ``x`` is one-sided, as in JAX: the segment to the
right of an interior knot (searchsorted with ``side='right'``), the first
segment at ``xp[0]``, the last one at ``xp[-1]``; outside ``[xp[0], xp[-1]]`` it
is zero (the value is ``left`` or ``right``).
"""

from __future__ import annotations

from typing import Any

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._concrete import maybe_concrete, traced
from funcad.numpy._lazy import plain
from funcad.numpy._numerical_util import as_operand
from funcad.numpy.indexing import take
from funcad.numpy.sorting import argsort
from funcad.primitives._util import backend_of, dtype_of, ndim_of, shape_of
from funcad.primitives.arithmetic import add, divide, maximum, minimum, multiply, subtract
from funcad.primitives.binary_math import remainder
from funcad.primitives.comparison import astype, equal, greater, less, less_equal, where
from funcad.primitives.indexing import getitem
from funcad.primitives.reduction import sum as sum_
from funcad.primitives.shape import concatenate, reshape

ArrayLike = Any


def interp(x: ArrayLike, xp: ArrayLike, fp: ArrayLike, left: ArrayLike = None,
           right: ArrayLike = None, period: float | None = None) -> ArrayLike:
    """Piecewise-linear interpolant of the points ``(xp, fp)`` at ``x`` (``xp`` increasing).

    Values, like NumPy's, are float64 (complex128 for complex ``fp``). At a knot
    the derivative in ``x`` is one-sided, as in JAX: the segment to the right of
    an interior knot, the last segment at ``xp[-1]``, zero outside the knots.

    >>> import numpy as np, funcad as fa, funcad.numpy as fnp
    >>> xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    >>> fa.grad(lambda x: fnp.interp(x, xp, fp))(1.0)  # the right-hand slope at a knot
    np.float64(0.5)
    """
    if plain(x, xp, fp, left, right, period):
        return backend.of(fp).xp.interp(x, xp, fp, left=left, right=right, period=period)
    like = next(v for v in (x, xp, fp, left, right, period) if not plain(v))
    x, xp, fp = (as_operand(v, like) for v in (x, xp, fp))
    if ndim_of(xp) != 1 or ndim_of(fp) != 1:
        raise ValueError(f"interp: xp has shape {shape_of(xp)} and fp {shape_of(fp)}; data "
                         f"points must be 1-D sequences.")
    if shape_of(xp)[0] != shape_of(fp)[0]:
        raise ValueError(f"interp: fp and xp are not of the same length ({shape_of(fp)[0]} "
                         f"and {shape_of(xp)[0]}).")
    if shape_of(xp)[0] == 0:
        raise ValueError("interp: array of sample points is empty; xp needs a point.")
    arrays = backend_of(like).xp
    # NumPy computes in float64 (complex128 for complex fp), whatever the inputs.
    dtype = arrays.dtype(arrays.complex128 if dtype_of(fp).kind == "c" else arrays.float64)
    x, xp, fp = astype(x, arrays.float64), astype(xp, arrays.float64), astype(fp, dtype)
    if period is not None:
        x, xp, fp = _periodic(x, xp, fp, period)
        left = right = None
    left = getitem(fp, 0) if left is None else astype(as_operand(left, like), dtype)
    right = getitem(fp, -1) if right is None else astype(as_operand(right, like), dtype)
    n = shape_of(xp)[0]
    if n == 1:
        inside = getitem(fp, 0)
    else:
        j = _segments(x, xp, n)
        x0, x1 = take(xp, j), take(xp, add(j, 1))
        f0, f1 = take(fp, j), take(fp, add(j, 1))
        width = subtract(x1, x0)
        # A segment of zero width (a repeated last knot) gets slope 0, not inf or NaN.
        flat = equal(width, 0)
        slope = where(flat, 0.0, divide(subtract(f1, f0), where(flat, 1.0, width)))
        # Anchored at the right end where x is that knot (only xp[-1] can be), so that
        # the value there is fp[-1] exactly, as NumPy's.
        at_end = equal(x, x1)
        anchor_x, anchor_f = where(at_end, x1, x0), where(at_end, f1, f0)
        inside = add(multiply(slope, subtract(x, anchor_x)), anchor_f)
    above, below = greater(x, getitem(xp, -1)), less(x, getitem(xp, 0))
    return where(above, right, where(below, left, inside))


def _segments(x, xp, n: int):
    """For each ``x``, the ``j`` in ``[0, n - 2]`` with ``xp[j] <= x < xp[j+1]`` (clipped)."""
    x_value, xp_value = _unbatched(x), _unbatched(xp)
    if x_value is not None and xp_value is not None:
        # Known or lazy values: one binary search (a lazy backend's runs chunk by chunk).
        arrays = backend.of_many(xp_value, x_value).xp
        points = arrays.asarray(x_value)
        # Dask searches 1-d arrays only; a 0-d x is searched as one point.
        j = arrays.searchsorted(arrays.asarray(xp_value), points.reshape(-1),
                                side="right") - 1
        return arrays.clip(j, 0, n - 2).reshape(points.shape)
    # Inside vmap: the number of knots at or below x is searchsorted's 'right' index.
    arrays = backend_of(xp).xp
    counts = sum_(astype(less_equal(reshape(xp, (1,) * ndim_of(x) + (n,)),
                                    getitem(x, (Ellipsis, None))), arrays.intp), axis=-1)
    return minimum(maximum(subtract(counts, 1), 0), n - 2)


def _unbatched(x):
    """The value under ``x``'s tracers (known, or a lazy array), or None where vmap batches it."""
    from funcad.transforms.vmap import BatchTracer

    while isinstance(x, Tracer):
        if isinstance(x, BatchTracer):
            return None
        x = x._value
    return x


def _periodic(x, xp, fp, period):
    """NumPy's periodic extension: everything modulo ``period``, knots sorted and wrapped."""
    if traced(period):
        raise TypeError("interp: period must be a concrete number, not a traced value.")
    if period == 0:
        raise ValueError("interp: period must be a non-zero value.")
    period = abs(period)
    x, xp = remainder(x, period), remainder(xp, period)
    xp_value = maybe_concrete(xp)
    order = argsort(xp if xp_value is None else xp_value)
    xp, fp = take(xp, order), take(fp, order)
    xp = concatenate([subtract(getitem(xp, slice(-1, None)), period), xp,
                      add(getitem(xp, slice(0, 1)), period)], 0)
    fp = concatenate([getitem(fp, slice(-1, None)), fp, getitem(fp, slice(0, 1))], 0)
    return x, xp, fp
