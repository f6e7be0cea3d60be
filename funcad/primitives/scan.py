"""Scans along one axis: cumsum, cumprod, and the linear recurrence behind them.

``cumsum`` is linear: its JVP is the cumsum of the tangent, its VJP the
cumsum of the cotangent taken from the far end.

``cumprod``'s derivatives never divide by ``x``, so they are exact where
elements are zero. The tangent of ``y = cumprod(x)`` obeys the recurrence
``y'[i] = x[i] * y'[i-1] + y[i-1] * t[i]``, a *linear recurrence*
``h[i] = a[i] * h[i-1] + b[i]``; that recurrence is the primitive
``linear_recurrence``, whose own rules are linear recurrences again, so every
order of derivative costs O(n) work in the scanned length n.
``linear_recurrence`` is evaluated as a pairwise (log-depth) scan: about 3n
multiply-adds in log2(n) vectorised passes, with no Python loop over n.
"""

from __future__ import annotations

import math

from funcad import backend
from funcad.core.primitive import Primitive
from funcad.primitives._util import (
    backend_of,
    batch_size,
    dtype_of,
    move_to_front,
    ndim_of,
    normalize_axis,
    shape_of,
)
from funcad.primitives.arithmetic import add, multiply
from funcad.primitives.indexing import getitem
from funcad.primitives.shape import concatenate, reshape, transpose

cumsum_p = Primitive("cumsum")
cumprod_p = Primitive("cumprod")
linear_recurrence_p = Primitive("linear_recurrence")


def cumsum(x, axis: int):
    """Running sum of ``x`` along ``axis`` (an int; flattening is the caller's job)."""
    return cumsum_p.bind(x, axis=normalize_axis(axis, ndim_of(x)))


def cumprod(x, axis: int):
    """Running product of ``x`` along ``axis``; O(n) derivatives, exact at zeros."""
    return cumprod_p.bind(x, axis=normalize_axis(axis, ndim_of(x)))


def linear_recurrence(a, b, axis: int, reverse: bool = False):
    """``h[i] = a[i] * h[i-1] + b[i]`` along ``axis``, starting from ``h[-1] = 0``.

    With ``reverse=True`` the scan runs from the end: ``h[i] = a[i] * h[i+1] + b[i]``.
    ``a`` and ``b`` must have one shape.

    >>> import numpy as np
    >>> linear_recurrence(np.array([5.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0]), 0)
    array([ 1.,  3., 10.])
    """
    if shape_of(a) != shape_of(b):
        raise ValueError(
            f"linear_recurrence: a has shape {shape_of(a)} and b has shape {shape_of(b)}; "
            f"they must have one shape (broadcast them first)."
        )
    axis = normalize_axis(axis, ndim_of(b))
    return linear_recurrence_p.bind(a, b, axis=axis, reverse=bool(reverse))


# Helpers used by the rules; they work on arrays and tracers alike. ------------


def _along(axis: int, item) -> tuple:
    return (slice(None),) * axis + (item,)


def flip_axis(x, axis: int):
    """``x`` reversed along ``axis`` (a view on NumPy)."""
    return getitem(x, _along(axis, slice(None, None, -1)))


def shift(x, axis: int, fill, forward: bool = True):
    """``x`` moved one place along ``axis``, with ``fill`` in the place left empty.

    ``forward``: ``out[i] = x[i-1]`` and ``out[0] = fill``; otherwise
    ``out[i] = x[i+1]`` and ``out[-1] = fill``.
    """
    shape = shape_of(x)
    n = shape[axis]
    if n == 0:
        return x
    pad = backend_of(x).xp.full(shape[:axis] + (1,) + shape[axis + 1 :], fill, dtype=dtype_of(x))
    if forward:
        return concatenate([pad, getitem(x, _along(axis, slice(0, n - 1)))], axis)
    return concatenate([getitem(x, _along(axis, slice(1, None))), pad], axis)


def products_of_others(x, axis: tuple[int, ...]):
    """For each element, the product of the other elements it is reduced with over ``axis``.

    The product of the elements before it times the product of those after it,
    each an exclusive ``cumprod``: O(n) for n reduced elements, exact where
    elements are zero, and O(n) again at every order of derivative. ``axis`` is
    a sorted tuple of non-negative axes (as the reduction primitives hold it).
    """
    shape = shape_of(x)
    kept = tuple(i for i in range(len(shape)) if i not in axis)
    moved = transpose(x, kept + tuple(axis))
    n = math.prod(shape[a] for a in axis)
    flat = reshape(moved, tuple(shape[i] for i in kept) + (n,))
    last = len(kept)
    before = shift(cumprod(flat, last), last, 1)
    after = flip_axis(shift(cumprod(flip_axis(flat, last), last), last, 1), last)
    others = reshape(multiply(before, after), tuple(shape[i] for i in kept + tuple(axis)))
    inverse = [0] * len(shape)
    for i, a in enumerate(kept + tuple(axis)):
        inverse[a] = i
    return transpose(others, tuple(inverse))


def _scan_batch(prim):
    """Batching rule of a one-argument scan: the scanned axis moves past the batch axis."""

    def batch_scan(args, bdims, *, axis):
        (x,), (bdim,) = args, bdims
        return prim.bind(x, axis=axis + (axis >= bdim)), bdim

    batch_scan.__name__ = f"_{prim.name}_batch"
    return batch_scan


# cumsum ---------------------------------------------------------------------
@cumsum_p.def_impl
def _cumsum_impl(x, *, axis):
    return backend.of(x).xp.cumsum(x, axis=axis)


def _cumsum_jvp(t, ans, x, *, axis):
    return cumsum(t, axis)


def _cumsum_vjp(ct, ans, x, *, axis):
    return flip_axis(cumsum(flip_axis(ct, axis), axis), axis)


cumsum_p.def_jvp(_cumsum_jvp)
cumsum_p.def_vjp(_cumsum_vjp)
cumsum_p.def_batch(_scan_batch(cumsum_p))
cumsum_p.linear = True


# cumprod --------------------------------------------------------------------
@cumprod_p.def_impl
def _cumprod_impl(x, *, axis):
    return backend.of(x).xp.cumprod(x, axis=axis)


def _cumprod_jvp(t, ans, x, *, axis):
    # y'[i] = x[i] y'[i-1] + y[i-1] t[i]: no division, so zeros in x are exact.
    return linear_recurrence(x, multiply(shift(ans, axis, 1), t), axis)


def _cumprod_vjp(ct, ans, x, *, axis):
    # The transpose of the JVP's recurrence runs from the end with x shifted back.
    carried = linear_recurrence(shift(x, axis, 0, forward=False), ct, axis, reverse=True)
    return multiply(shift(ans, axis, 1), carried)


cumprod_p.def_jvp(_cumprod_jvp)
cumprod_p.def_vjp(_cumprod_vjp)
cumprod_p.def_batch(_scan_batch(cumprod_p))


# linear_recurrence ----------------------------------------------------------
def _scan_last(xp, a, b, lazy=False):
    """``h[i] = a[i] h[i-1] + b[i]`` along the last axis of NumPy-like arrays.

    Pairs (2k, 2k+1) fold into one step ``h -> a1 a0 h + (a1 b0 + b1)``; the
    half-length scan of the pairs gives ``h`` at odd places, one more step the
    even ones. O(n) work in log2(n) passes.
    """
    n = b.shape[-1]
    if n < 2:
        return b.copy()
    pairs = n // 2
    a0, a1 = a[..., 0 : 2 * pairs : 2], a[..., 1 : 2 * pairs : 2]
    b0, b1 = b[..., 0 : 2 * pairs : 2], b[..., 1 : 2 * pairs : 2]
    odd = _scan_last(xp, a1 * a0, a1 * b0 + b1, lazy)
    even = a[..., 2::2] * odd[..., : (n - 1) // 2] + b[..., 2::2]
    if not lazy:
        h = b.copy()
        h[..., 1::2] = odd
        h[..., 2::2] = even
        return h
    # Dask's strided assignment is unreliable: interleave by stacking instead.
    even = xp.concatenate([b[..., :1], even], axis=-1)
    h = xp.reshape(xp.stack([even[..., :pairs], odd], axis=-1), b.shape[:-1] + (2 * pairs,))
    return xp.concatenate([h, even[..., pairs:]], axis=-1) if n % 2 else h


@linear_recurrence_p.def_impl
def _linear_recurrence_impl(a, b, *, axis, reverse):
    be = backend.of_pair(a, b)
    xp = be.xp
    dtype = xp.result_type(a, b)
    a = xp.moveaxis(xp.asarray(a, dtype=dtype), axis, -1)
    b = xp.moveaxis(xp.asarray(b, dtype=dtype), axis, -1)
    if reverse:
        a, b = a[..., ::-1], b[..., ::-1]
    h = _scan_last(xp, a, b, be.lazy)
    if reverse:
        h = h[..., ::-1]
    return xp.moveaxis(h, -1, axis)


def _previous(h, axis, reverse):
    """The ``h`` each step starts from: ``h[i-1]`` (``h[i+1]`` in reverse), 0 at the start."""
    return shift(h, axis, 0, forward=not reverse)


def _linear_recurrence_jvp_all(tangents, ans, a, b, *, axis, reverse):
    t_a, t_b = tangents
    # h'[i] = a[i] h'[i-1] + (t_a[i] h[i-1] + t_b[i]): one recurrence for both tangents.
    drive = t_b
    if t_a is not None:
        from_a = multiply(t_a, _previous(ans, axis, reverse))
        drive = from_a if t_b is None else add(from_a, t_b)
    return linear_recurrence(a, drive, axis, reverse)


def _linear_recurrence_jvp_a(t, ans, a, b, *, axis, reverse):
    return _linear_recurrence_jvp_all((t, None), ans, a, b, axis=axis, reverse=reverse)


def _linear_recurrence_jvp_b(t, ans, a, b, *, axis, reverse):
    return linear_recurrence(a, t, axis, reverse)


def _linear_recurrence_vjp_b(ct, ans, a, b, *, axis, reverse):
    # Transpose: c[i] = ct[i] + a[i+1] c[i+1], the same recurrence run the other way.
    return linear_recurrence(shift(a, axis, 0, forward=reverse), ct, axis, not reverse)


def _linear_recurrence_vjp_a(ct, ans, a, b, *, axis, reverse):
    carried = _linear_recurrence_vjp_b(ct, ans, a, b, axis=axis, reverse=reverse)
    return multiply(carried, _previous(ans, axis, reverse))


@linear_recurrence_p.def_batch
def _linear_recurrence_batch(args, bdims, *, axis, reverse):
    (a, b), (a_bdim, b_bdim) = args, bdims
    if a_bdim == b_bdim:
        return linear_recurrence_p.bind(a, b, axis=axis + (axis >= a_bdim), reverse=reverse), a_bdim
    size = batch_size(args, bdims)
    a, b = move_to_front(a, a_bdim, size), move_to_front(b, b_bdim, size)
    return linear_recurrence_p.bind(a, b, axis=axis + 1, reverse=reverse), 0


linear_recurrence_p.def_jvp(_linear_recurrence_jvp_a, _linear_recurrence_jvp_b)
linear_recurrence_p.def_jvp_all(_linear_recurrence_jvp_all)
linear_recurrence_p.def_vjp(_linear_recurrence_vjp_a, _linear_recurrence_vjp_b)
