"""Scans, differences and logical reductions: cumsum, cumprod, diff, argmax, any, ptp, ...

``cumsum`` and ``cumprod`` are primitives (``funcad.primitives.scan``);
``argmax``, ``argmin``, ``any``, ``all`` and ``count_nonzero`` are primitives
with no derivative (``funcad.primitives.logical``): on traced values they give
plain integers or booleans, and under ``vmap`` batched ones. ``diff`` and
``ptp`` are composites. The statistics (``var``, ``std``, ``average`` and the
``nan*`` reductions) live in ``funcad.numpy.statistics`` and are re-exported
here. With no traced argument every function calls NumPy directly.

>>> import numpy as np, funcad as fa, funcad.numpy as fnp
>>> fa.grad(lambda x: fnp.sum(fnp.cumprod(x)))(np.array([2.0, 0.0, 3.0]))  # exact at 0
array([1., 8., 0.])
"""

from __future__ import annotations

from typing import Any

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._lazy import plain
from funcad.numpy._numerical_util import as_operand
from funcad.numpy.statistics import (
    average,
    nanmax,
    nanmean,
    nanmin,
    nanprod,
    nanstd,
    nansum,
    nanvar,
    std,
    var,
)
from funcad.primitives import logical, scan
from funcad.primitives._util import check_no_out, dtype_of, ndim_of, normalize_axis, shape_of
from funcad.primitives.arithmetic import subtract
from funcad.primitives.comparison import astype, not_equal
from funcad.primitives.indexing import getitem
from funcad.primitives.reduction import max as max_
from funcad.primitives.reduction import min as min_
from funcad.primitives.shape import broadcast_to, concatenate, reshape

__all__ = [
    "cumsum", "cumprod", "diff", "argmax", "argmin", "any", "all", "count_nonzero", "ptp",
    "var", "std", "average",
    "nansum", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanprod",
]

ArrayLike = Any


class _NoValue:
    """Marks an argument that was not given (``None`` is a value for ``diff``)."""

    def __repr__(self) -> str:
        return "<no value>"


_NO_VALUE = _NoValue()


def _xp(x):
    return backend.of(x).xp


# cumsum, cumprod ------------------------------------------------------------
def cumsum(a: ArrayLike, axis: int | None = None, dtype: Any = None,
           out: None = None) -> ArrayLike:
    """Running sum along ``axis`` (of the flattened array for None).

    >>> import numpy as np, funcad.numpy as fnp
    >>> fnp.cumsum(np.array([[1, 2], [3, 4]]))
    array([ 1,  3,  6, 10])
    """
    check_no_out(out, "cumsum")
    if not isinstance(a, Tracer):
        return _xp(a).cumsum(a, axis=axis, dtype=dtype)
    a, axis = _scanned(a, axis, dtype)
    return scan.cumsum(a, axis)


def cumprod(a: ArrayLike, axis: int | None = None, dtype: Any = None,
            out: None = None) -> ArrayLike:
    """Running product along ``axis`` (of the flattened array for None).

    Its derivatives never divide by ``a``, so they are exact where elements are
    zero. They cost O(n) work in the scanned length n, at every order: a linear
    recurrence evaluated as a log-depth scan, with no (n, n) table.

    >>> import numpy as np, funcad as fa, funcad.numpy as fnp
    >>> fa.jacfwd(lambda x: fnp.cumprod(x))(np.array([2.0, 0.0, 5.0]))
    array([[ 1.,  0.,  0.],
           [ 0.,  2.,  0.],
           [ 0., 10.,  0.]])
    """
    check_no_out(out, "cumprod")
    if not isinstance(a, Tracer):
        return _xp(a).cumprod(a, axis=axis, dtype=dtype)
    a, axis = _scanned(a, axis, dtype)
    return scan.cumprod(a, axis)


def _scanned(a, axis, dtype):
    """The array a scan runs over, and its axis: NumPy flattens for ``axis=None``."""
    if dtype is not None:
        a = astype(a, dtype)
    if axis is None:
        return reshape(a, (-1,)), 0
    return a, normalize_axis(axis, ndim_of(a))


# diff -----------------------------------------------------------------------
def diff(a: ArrayLike, n: int = 1, axis: int = -1, prepend: ArrayLike = _NO_VALUE,
         append: ArrayLike = _NO_VALUE) -> ArrayLike:
    """The ``n``-th difference along ``axis``, after joining ``prepend`` and ``append``.

    >>> import numpy as np, funcad.numpy as fnp
    >>> fnp.diff(np.array([1.0, 4.0, 9.0, 16.0]), n=2)
    array([2., 2.])
    """
    edges = [x for x in (prepend, append) if x is not _NO_VALUE]
    if plain(a, *edges):
        given = {name: x for name, x in (("prepend", prepend), ("append", append))
                 if x is not _NO_VALUE}
        return _xp(a).diff(a, n=n, axis=axis, **given)
    # Traced or lazy (Dask's diff computes a Dask edge): funcad's operations.
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative but got n={n!r}.")
    if n == 0:
        return a
    shape = shape_of(a)
    if not shape:
        raise ValueError("diff requires input that is at least one dimensional; got a 0-d array.")
    axis = normalize_axis(axis, len(shape))
    if edges:
        # A scalar edge becomes one slice along axis, as in NumPy.
        edge_shape = shape[:axis] + (1,) + shape[axis + 1 :]
        before, after = ([] if x is _NO_VALUE else [_edge(x, a, edge_shape)]
                         for x in (prepend, append))
        a = concatenate(before + [a] + after, axis)
    # Booleans differ (True) or not, as NumPy's diff does for them.
    step = not_equal if getattr(dtype_of(a), "kind", None) == "b" else subtract
    later = (slice(None),) * axis + (slice(1, None),)
    earlier = (slice(None),) * axis + (slice(None, -1),)
    for _ in range(n):
        a = step(getitem(a, later), getitem(a, earlier))
    return a


def _edge(x, a, edge_shape):
    """A ``prepend``/``append`` edge as an array of ``a``'s backend; a number is one slice."""
    x = as_operand(x, a)  # numbers and lists join a's backend, not the default one
    return x if shape_of(x) else broadcast_to(x, edge_shape)


# argmax, argmin, any, all, count_nonzero ------------------------------------
def argmax(a: ArrayLike, axis: int | None = None, out: None = None, *,
           keepdims: bool = False) -> ArrayLike:
    """Index of the first maximum along ``axis`` (flattened for None); no derivative.

    >>> import numpy as np, funcad as fa, funcad.numpy as fnp
    >>> fa.grad(lambda x: x[fnp.argmax(x)] ** 2)(np.array([1.0, 3.0, 2.0]))
    array([0., 6., 0.])
    """
    check_no_out(out, "argmax")
    if not isinstance(a, Tracer):
        return _xp(a).argmax(a, axis=axis, keepdims=keepdims)
    return logical.argmax(a, axis, keepdims)


def argmin(a: ArrayLike, axis: int | None = None, out: None = None, *,
           keepdims: bool = False) -> ArrayLike:
    """Index of the first minimum along ``axis`` (flattened for None); no derivative."""
    check_no_out(out, "argmin")
    if not isinstance(a, Tracer):
        return _xp(a).argmin(a, axis=axis, keepdims=keepdims)
    return logical.argmin(a, axis, keepdims)


def any(a: ArrayLike, axis: int | tuple[int, ...] | None = None,  # noqa: A001 - mirrors numpy
        out: None = None, keepdims: bool = False) -> ArrayLike:
    """Whether any element along ``axis`` is nonzero (NaN counts); no derivative."""
    check_no_out(out, "any")
    if not isinstance(a, Tracer):
        return _xp(a).any(a, axis=_tuple(axis), keepdims=keepdims)
    return logical.any(a, axis, keepdims)


def all(a: ArrayLike, axis: int | tuple[int, ...] | None = None,  # noqa: A001 - mirrors numpy
        out: None = None, keepdims: bool = False) -> ArrayLike:
    """Whether every element along ``axis`` is nonzero (NaN counts); no derivative."""
    check_no_out(out, "all")
    if not isinstance(a, Tracer):
        return _xp(a).all(a, axis=_tuple(axis), keepdims=keepdims)
    return logical.all(a, axis, keepdims)


def count_nonzero(a: ArrayLike, axis: int | tuple[int, ...] | None = None, *,
                  keepdims: bool = False) -> ArrayLike:
    """The number of nonzero elements along ``axis`` (all for None); no derivative."""
    if not isinstance(a, Tracer):
        return _xp(a).count_nonzero(a, axis=_tuple(axis), keepdims=keepdims)
    return logical.count_nonzero(a, axis, keepdims)


def _tuple(axis):
    return tuple(axis) if isinstance(axis, list) else axis


# ptp ------------------------------------------------------------------------
def ptp(a: ArrayLike, axis: int | tuple[int, ...] | None = None, out: None = None,
        keepdims: bool = False) -> ArrayLike:
    """Peak to peak, ``max - min`` over ``axis``; tied extremes share the derivative."""
    check_no_out(out, "ptp")
    if not isinstance(a, Tracer) and not backend.of(a).lazy:
        return _xp(a).ptp(a, axis=_tuple(axis), keepdims=keepdims)
    return subtract(max_(a, axis=axis, keepdims=keepdims), min_(a, axis=axis, keepdims=keepdims))
