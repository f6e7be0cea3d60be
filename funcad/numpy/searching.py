"""Searching, counting and selecting: nonzero, searchsorted, bincount, select, insert, ...

Indices and counts have no derivative; the values these functions pick out
(``extract``, ``compress``, ``choose``, ``select``, ``append``, ``delete``,
``insert``, ``partition``) are gathers or ``where`` choices of their inputs, so
derivatives flow to the elements chosen. ``bincount``'s weights are
differentiable through a scatter-add.

Some results have a shape that depends on the values (``nonzero`` has one
entry per nonzero element). Under ``grad``, ``jvp`` and ``vjp`` the values are
known, so these work as in NumPy; under ``vmap`` each example could give a
different shape, so they raise a ``TypeError`` unless given a fixed ``size=``
(as in JAX). The histograms live in ``funcad.numpy._histograms`` and are
re-exported here.

>>> import numpy as np, funcad as fa, funcad.numpy as fnp
>>> fa.vmap(lambda x: fnp.nonzero(x > 0, size=2, fill_value=-1)[0])(
...     np.array([[1.0, -1.0, 2.0], [-1.0, -1.0, 3.0]]))
array([[ 0,  2],
       [ 2, -1]])
"""

from __future__ import annotations

import math
import operator

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._concrete import concrete, maybe_concrete, traced
from funcad.numpy._lazy import constants_xp, param_on
from funcad.numpy._lazy import plain as _plain_args
from funcad.numpy._numerical_util import as_operand
from funcad.numpy.composites import ravel, stack
from funcad.numpy.indexing import take, take_along_axis
from funcad.numpy.sorting import argsort, sort
from funcad.primitives import logical
from funcad.primitives._util import (
    backend_of,
    check_no_out,
    dtype_of,
    ndim_of,
    normalize_axis,
    shape_of,
)
from funcad.primitives.binary_math import remainder
from funcad.primitives.comparison import (
    astype,
    less,
    less_equal,
    logical_and,
    logical_or,
    not_equal,
    where,
)
from funcad.primitives.gather import IndexArray, scatter
from funcad.primitives.integer import logical_not
from funcad.primitives.rounding import floor_divide
from funcad.primitives.shape import concatenate, reshape
from funcad.primitives.special_values import isnan

__all__ = [
    "nonzero", "argwhere", "flatnonzero", "searchsorted", "digitize", "extract", "compress",
    "bincount", "partition", "argpartition", "select", "choose", "piecewise", "append",
    "delete", "insert",
]  # fmt: skip

_FIXED_SIZE = "pass size= (and fill_value=) for a result of fixed length"


def _xp(x):
    return backend_of(x).xp


# nonzero, argwhere, flatnonzero ---------------------------------------------
def nonzero(a, *, size: int | None = None, fill_value=None) -> tuple:
    """Indices of the nonzero elements, one array per dimension; not differentiable.

    ``size=`` (JAX's) fixes the length: the first ``size`` indices are kept and
    missing ones are ``fill_value`` (0 by default, or one value per dimension),
    which makes it usable under ``vmap``.

    >>> import numpy as np, funcad.numpy as fnp
    >>> fnp.nonzero(np.array([0, 3, 0, 4]), size=3, fill_value=-1)
    (array([ 1,  3, -1]),)
    """
    return _nonzero(a, size, fill_value, "nonzero")


def _nonzero(a, size, fill_value, name):
    if size is None:
        if not isinstance(a, Tracer):
            return backend.of(a).xp.nonzero(a)
        if not shape_of(a):
            _refuse_0d()
        plain = concrete(a, name, "condition" if name == "where" else "a", _FIXED_SIZE)
        return backend.of(plain).xp.nonzero(plain)
    return _nonzero_fixed(a, _size(size), fill_value)


def _refuse_0d():
    raise ValueError("Calling nonzero on 0d arrays is not allowed. "
                     "Use fnp.atleast_1d(scalar).nonzero() instead.")


def _size(size) -> int:
    try:
        size = operator.index(size)
    except TypeError:
        raise TypeError(f"size= must be an integer, got {size!r}.") from None
    if size < 0:
        raise ValueError(f"size= must be non-negative, got {size}.")
    return size


def _nonzero_fixed(a, size: int, fill_value):
    """``nonzero`` padded or truncated to ``size``, with no value-dependent shape."""
    shape = shape_of(a)
    if not shape:
        _refuse_0d()
    xp = _xp(a) if isinstance(a, Tracer) else backend.of(a).xp
    n = math.prod(shape)
    mask = not_equal(reshape(a, (n,)), 0)
    # A stable sort of "is zero" puts the nonzero positions first, in order.
    from funcad.primitives.sorting import argsort as argsort_

    order = argsort_(logical_not(mask), 0, "stable")
    if size <= n:
        order = order[:size]
    else:
        order = concatenate([order, xp.zeros(size - n, dtype=xp.intp)], 0)
    valid = less(xp.arange(size), logical.count_nonzero(mask))
    fills = _fills(fill_value, len(shape))
    out, rest = [], order
    for d in range(len(shape) - 1, -1, -1):
        out.append(where(valid, remainder(rest, shape[d]) if d else rest, fills[d]))
        rest = floor_divide(rest, shape[d])
    return tuple(reversed(out))


def _fills(fill_value, ndim: int) -> list:
    if fill_value is None:
        return [0] * ndim
    if isinstance(fill_value, (tuple, list)):
        if len(fill_value) != ndim:
            raise ValueError(f"fill_value= has {len(fill_value)} entries but the array has "
                             f"{ndim} dimensions; give one value, or one per dimension.")
        return list(fill_value)
    return [fill_value] * ndim


def argwhere(a, *, size: int | None = None, fill_value=None):
    """Indices of the nonzero elements as an ``(N, a.ndim)`` array; not differentiable."""
    if size is None and not isinstance(a, Tracer):
        return backend.of(a).xp.argwhere(a)
    if not shape_of(a):
        if size is None:
            plain = concrete(a, "argwhere", "a", _FIXED_SIZE)
            return backend.of(plain).xp.argwhere(plain)
        xp = _xp(a) if isinstance(a, Tracer) else backend.of(a).xp
        return xp.zeros((size, 0), dtype=xp.intp)
    return stack(_nonzero(a, size, fill_value, "argwhere"), axis=-1)


def flatnonzero(a, *, size: int | None = None, fill_value=None):
    """Indices of the nonzero elements of the flattened ``a``; not differentiable."""
    if size is None and not isinstance(a, Tracer):
        return backend.of(a).xp.flatnonzero(a)
    return _nonzero(ravel(a), size, fill_value, "flatnonzero")[0]


# searchsorted, digitize -------------------------------------------------------
def searchsorted(a, v, side: str = "left", sorter=None):
    """Where ``v`` would be inserted in the sorted 1-D ``a``; not differentiable.

    Under ``vmap`` of ``a`` or ``v`` it compares every pair (O(len(a) * v.size)).
    """
    if _plain_args(a, v, sorter):
        return backend.of(a).xp.searchsorted(a, v, side=side, sorter=sorter)
    if not traced(a, v, sorter):
        return _search_known(a, v, side, sorter)
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}.")
    plain = [maybe_concrete(x) for x in (a, v, sorter)]
    if all(p is not None or x is None for p, x in zip(plain, (a, v, sorter))):
        return _search_known(*plain[:2], side, plain[2])
    if ndim_of(a) != 1:
        raise ValueError(f"searchsorted: a must be one-dimensional, got shape {shape_of(a)}.")
    # Numbers and lists join the traced argument's backend.
    a, v = as_operand(a, v), as_operand(v, a)
    if sorter is not None:
        a = take(a, sorter)
    return _count_before(a, v, side)


def _search_known(a, v, side, sorter):
    """``searchsorted`` on known values, by their backend (a lazy one's, chunk by chunk).

    ``a`` and ``v`` are data of one backend (numbers and lists go along with any);
    ``sorter`` is an index array, which may be NumPy's next to another backend's data.
    """
    be = backend.of_indexing([x for x in (a, v) if backend.is_array(x)],
                             [] if sorter is None else [sorter])
    xp = be.xp
    if be.native:
        return xp.searchsorted(a, v, side=side, sorter=sorter)
    a = xp.asarray(a) if sorter is None else xp.take(a, backend.parameter_on(be, sorter))
    return xp.searchsorted(a, xp.asarray(v), side=side)


def _count_before(a, v, side):
    """How many elements of ``a`` sort before each ``v`` (NaN sorts last, as in NumPy)."""
    column = reshape(v, shape_of(v) + (1,))
    if side == "left":
        before = less(a, column)
    else:
        before = less_equal(a, column)
    if getattr(dtype_of(a), "kind", None) == "f" or getattr(dtype_of(v), "kind", None) == "f":
        if side == "left":
            before = logical_or(before, logical_and(isnan(column), logical_not(isnan(a))))
        else:
            before = logical_or(before, isnan(column))
    return logical.count_nonzero(before, axis=-1)


def digitize(x, bins, right: bool = False):
    """Indices of the bins that the values of ``x`` fall in; not differentiable.

    ``bins`` that are neither increasing nor decreasing raise NumPy's
    ``ValueError`` whenever their values are known, which includes ``grad``,
    ``jvp`` and ``vjp``. Under ``vmap`` of ``bins`` they are not known when the
    call is made: each example's bins count as increasing when no step goes
    down and as decreasing otherwise, so non-monotonic bins give no error but,
    for each value, the number of bins above it (``bins > x``; ``bins >= x``
    with ``right=True``), which is the answer for decreasing bins.
    """
    if _plain_args(x, bins):
        return backend.of(x).xp.digitize(x, bins, right=right)
    if getattr(dtype_of(x), "kind", None) == "c":
        raise TypeError("digitize: x may not be complex")
    side = "left" if right else "right"
    n = shape_of(bins)[0] if shape_of(bins) else 0
    plain = maybe_concrete(bins)
    if plain is not None:
        # Bin edges are not data: NumPy ones or a list go along with another backend's x.
        if isinstance(x, Tracer) or backend.is_array(x):
            plain = param_on(x, plain)
        xp = backend.of(plain).xp
        steps = xp.diff(plain)
        if bool(xp.all(steps >= 0)):
            return searchsorted(plain, x, side)
        if bool(xp.all(steps <= 0)):
            return n - searchsorted(plain[::-1], x, side)
        raise ValueError("digitize: bins must be monotonically increasing or decreasing")
    # Batched bins: each example's direction is chosen elementwise.
    increasing = logical.all(less_equal(bins[:-1], bins[1:]))
    return where(increasing, searchsorted(bins, x, side), n - searchsorted(bins[::-1], x, side))


# extract, compress ------------------------------------------------------------
def extract(condition, arr):
    """The elements of ``arr`` where ``condition`` is true, flattened; differentiable in ``arr``."""
    if not traced(condition, arr):
        # A boolean selector, like an index array: a NumPy one goes along with any backend.
        return backend.of(arr).xp.extract(param_on(arr, condition), arr)
    cond = concrete(condition, "extract", "condition",
                    "use fnp.where(condition, arr, 0) to keep the shape")
    return take(ravel(arr), backend.of(cond).xp.flatnonzero(cond))


def compress(condition, a, axis: int | None = None, out=None):
    """The slices of ``a`` along ``axis`` where ``condition`` is true; differentiable in ``a``."""
    check_no_out(out, "compress")
    if not traced(condition, a):
        # A boolean selector, like an index array: a NumPy one goes along with any backend.
        return backend.of(a).xp.compress(param_on(a, condition), a, axis=axis)
    cond = concrete(condition, "compress", "condition",
                    "use fnp.where(condition, a, 0) to keep the shape")
    xp = backend.of(cond).xp
    cond = xp.asarray(cond)
    if cond.ndim != 1:
        raise ValueError(f"compress: condition must be a 1-d array, got shape {cond.shape}.")
    return take(a, xp.flatnonzero(cond), axis=axis)


# bincount ---------------------------------------------------------------------
def bincount(x, weights=None, minlength: int = 0, *, length: int | None = None):
    """Occurrences of each non-negative integer in ``x``, or sums of ``weights``.

    Differentiable in ``weights`` (a scatter-add). The length is
    ``max(x.max() + 1, minlength)``, which depends on the values; JAX's
    ``length=`` fixes it (values of ``x`` outside ``[0, length)`` are dropped),
    which is what ``vmap`` over ``x`` needs.

    >>> import numpy as np, funcad as fa, funcad.numpy as fnp
    >>> fa.grad(lambda w: fnp.bincount(np.array([0, 2, 2]), w)[2])(np.ones(3))
    array([0., 1., 1.])
    """
    if length is None and _plain_args(x, weights):
        return backend.of(x).xp.bincount(x, weights=weights, minlength=minlength)
    if ndim_of(x) != 1:
        raise ValueError(f"bincount: x must be one-dimensional, got shape {shape_of(x)}.")
    kind = getattr(dtype_of(x), "kind", None) or backend.of(x).xp.asarray(x).dtype.kind
    if kind not in ("i", "u", "b"):
        raise TypeError(f"bincount: x must hold integers, got dtype {dtype_of(x)}.")
    plain = maybe_concrete(x)
    if plain is not None:
        xp = backend.of(plain).xp
        plain = xp.asarray(plain, dtype=xp.intp)
        if plain.size and plain.min() < 0:
            raise ValueError("bincount: x must be non-negative (the smallest value is "
                             f"{plain.min()}).")
        if length is None:
            length = max(int(plain.max()) + 1 if plain.size else 0, minlength)
        x = plain
    elif length is None:
        concrete(x, "bincount", "x", "pass length= for a result of fixed length")
    xp = _xp(x) if isinstance(x, Tracer) else backend.of(x).xp
    if weights is None:
        dtype, values = xp.intp, xp.ones(shape_of(x), dtype=xp.intp)
    else:
        if shape_of(weights) != shape_of(x):
            raise ValueError(f"bincount: weights has shape {shape_of(weights)} but x has "
                             f"{shape_of(x)}; they must match.")
        if getattr(dtype_of(weights), "kind", None) == "c":
            raise TypeError("bincount: weights must be real (NumPy casts them to float64).")
        dtype, values = xp.float64, astype(weights, xp.float64)
    return _scatter_add(x, values, length, dtype)


def _scatter_add(index, values, length: int, dtype):
    """Sums of ``values`` at ``index`` into ``length`` bins; out-of-range entries dropped."""
    xp = _xp(index) if isinstance(index, Tracer) else backend.of(index).xp
    # The sums are made where the values are when those live on a device; the index may
    # be a NumPy one there (known counts), which the scatter moves, as indexing does.
    values_be = backend_of(values)
    if not (values_be.native or values_be.lazy):
        xp = values_be.xp
        index = backend.parameter_on(values_be, index)
    inside = logical_and(less_equal(0, index), less(index, length))
    # Only NumPy's values are checked first: elsewhere that would wait for them.
    if not isinstance(inside, Tracer) and backend.of(inside).native and bool(inside.all()):
        return scatter(xp.zeros(length, dtype), values, [index], (IndexArray(0),), "add")
    index = where(inside, index, 0)
    values = where(inside, values, xp.zeros((), dtype))
    return scatter(xp.zeros(length, dtype), values, [index], (IndexArray(0),), "add")


# partition, argpartition --------------------------------------------------------
def partition(a, kth, axis: int | None = -1, kind: str = "introselect", order=None):
    """``a`` with its ``kth`` elements in sorted place; differentiable in ``a``.

    On traced values the whole axis is sorted, which is one valid partition
    (NumPy leaves the order within each side unspecified).
    """
    return _partition(a, kth, axis, kind, order, "partition")


def argpartition(a, kth, axis: int | None = -1, kind: str = "introselect", order=None):
    """Indices that partition ``a`` around its ``kth`` elements; not differentiable.

    On traced values these are the indices that sort ``a`` (a valid partition).
    """
    return _partition(a, kth, axis, kind, order, "argpartition")


def _partition(a, kth, axis, kind, order, name):
    if not isinstance(a, Tracer):
        return getattr(backend.of(a).xp, name)(a, kth, axis=axis, kind=kind, order=order)
    if order is not None:
        raise TypeError(f"{name}: order= (structured arrays) is not supported by funcad.")
    if axis is None:
        a, axis = ravel(a), 0
    n = shape_of(a)[normalize_axis(axis, ndim_of(a))]
    for k in backend.default().xp.atleast_1d(kth).tolist():
        if not -n <= k < n:
            raise ValueError(f"{name}: kth(={k}) out of bounds ({n})")
    # A whole sort of the axis is one valid partition.
    return sort(a, axis=axis) if name == "partition" else argsort(a, axis=axis, kind="stable")


# select, choose, piecewise --------------------------------------------------------
def select(condlist, choicelist, default=0):
    """The element of the first choice whose condition holds, else ``default``.

    Differentiable in the choices and ``default``.
    """
    if _plain_args(condlist, choicelist, default):
        return backend.default().xp.select(condlist, choicelist, default)
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(condlist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    xp = backend_of(next(x for x in (*condlist, *choicelist, default)
                         if isinstance(x, Tracer) or backend.is_array(x))).xp
    dtype = xp.result_type(*(_weak(c) for c in (*choicelist, default)))
    for i, cond in enumerate(condlist):
        kind = getattr(dtype_of(cond), "kind", None) or xp.asarray(cond).dtype.kind
        if kind != "b":
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
    result = default
    for cond, choice in zip(condlist[::-1], choicelist[::-1]):
        result = where(cond, choice, result)
    return astype(result, dtype)


def _weak(x):
    """What NumPy's promotion sees: a dtype, or a Python number (weak, NEP 50)."""
    if isinstance(x, Tracer) or backend.is_array(x):
        return dtype_of(x)
    if type(x) in (int, float, complex):
        return x
    return backend.default().xp.asarray(x).dtype


def choose(a, choices, out=None, mode: str = "raise"):
    """``choices[a[i]][i]`` for every position ``i`` (broadcast); differentiable in the choices.

    ``mode='raise'`` raises NumPy's ``ValueError`` for an index outside
    ``[0, len(choices))`` whenever the indices are known, which includes
    ``grad``, ``jvp`` and ``vjp``. Under ``vmap`` of ``a`` they are not known
    when the call is made, so, as JAX clamps out-of-bounds gathers, such an
    index is clamped into range as with ``mode='clip'``: the result stays finite
    and picks the first or the last choice.

    >>> import numpy as np, funcad as fa, funcad.numpy as fnp
    >>> fa.vmap(lambda i: fnp.choose(i, [np.zeros(2), np.ones(2)]))(np.array([[-1, 5]]))
    array([[0., 1.]])
    """
    check_no_out(out, "choose")
    if _plain_args(a, choices):
        return backend.of(a).xp.choose(a, choices, mode=mode)
    if mode not in ("raise", "clip", "wrap"):
        raise ValueError(f"choose: mode must be 'raise', 'clip' or 'wrap', got {mode!r}.")
    n = len(choices)
    plain = maybe_concrete(a)
    if plain is not None:
        xp = backend.of(plain).xp
        a = xp.asarray(plain)
        if mode == "raise" and a.size and (a.min() < 0 or a.max() >= n):
            raise ValueError("invalid entry in choice array")
    if mode == "clip" or (mode == "raise" and plain is None):
        a = where(less(a, 0), 0, where(less(a, n - 1), a, n - 1))
    elif mode == "wrap":
        a = remainder(a, n)
    items = list(choices) if not isinstance(choices, Tracer) else [choices[i] for i in range(n)]
    xp = backend.default().xp
    dtype = xp.result_type(*(_weak(c) for c in items))
    shape = xp.broadcast_shapes(shape_of(a), *(shape_of(c) for c in items))
    from funcad.primitives.shape import broadcast_to

    stacked = stack([broadcast_to(astype(c, dtype), shape) for c in items])
    index = reshape(broadcast_to(a, shape), (1,) + shape)
    return reshape(take_along_axis(stacked, index, 0), shape)


def piecewise(x, condlist, funclist, *args, **kw):
    """``funclist[i](x)`` where ``condlist[i]`` holds, else 0; differentiable in ``x``.

    Each function sees only the elements its condition selects, as in NumPy
    (a 0-d ``x`` reaches them as a 1-element array); under ``vmap`` of the
    conditions each function is applied to all of ``x`` and the results are
    chosen with ``where``.
    """
    if _plain_args(x, condlist):
        return backend.of(x).xp.piecewise(x, condlist, funclist, *args, **kw)
    conds = _condition_list(x, condlist)
    if shape_of(x):
        return _piecewise(x, conds, funclist, args, kw)
    # As NumPy, whose boolean indexing of a 0-d x gives each function a (1,) array.
    conds = [reshape(c, (1,)) for c in conds]
    return reshape(_piecewise(reshape(x, (1,)), conds, funclist, args, kw), ())


def _piecewise(x, conds, funclist, args, kw):
    from funcad.numpy.indexing import at

    xp = _xp(x) if isinstance(x, Tracer) else backend.of(x).xp
    n, n2 = len(conds), len(funclist)
    if n == n2 - 1:
        otherwise = conds[0]
        for c in conds[1:]:
            otherwise = logical_or(otherwise, c)
        conds.append(logical_not(otherwise))
    elif n != n2:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    dtype = dtype_of(x) if dtype_of(x) is not None else xp.asarray(x).dtype
    y = xp.zeros(shape_of(x), dtype)
    plain = [maybe_concrete(c) for c in conds]
    for cond, known, func in zip(conds, plain, funclist):
        if known is not None:
            # Known conditions pick known positions (host NumPy ones next to a lazy x).
            cxp = constants_xp(x)
            index = cxp.nonzero(cxp.broadcast_to(cxp.asarray(known, dtype=bool), shape_of(x)))
            if not callable(func):
                y = at(y)[index].set(func)
            elif index[0].size:
                y = at(y)[index].set(func(at(x)[index].get(), *args, **kw))
        else:
            y = where(cond, func(x, *args, **kw) if callable(func) else func, y)
            # As NumPy's assignment into zeros_like(x): results take x's dtype.
            y = astype(y, dtype)
    return y


def _condition(c, x):
    """A condition as a boolean array; traced and lazy ones stay as they are (cast if need be).

    A condition given as a NumPy array or a list is a selector, not data: it goes
    along with another backend's ``x`` (copied to a device, as index arrays are).
    """
    if isinstance(c, Tracer) or (backend.is_array(c) and backend.of(c).lazy):
        return c if getattr(dtype_of(c), "kind", None) == "b" else astype(c, bool)
    if backend.is_array(c) and not backend.of(c).native:
        return backend.of(c).xp.asarray(c, dtype=bool)
    return param_on(x, backend.default().xp.asarray(c, dtype=bool))


def _condition_list(x, condlist) -> list:
    """NumPy's reading of ``condlist``: one condition, or a sequence of them."""
    if isinstance(condlist, (list, tuple)):
        first = condlist[0] if condlist else None
        if isinstance(first, (list, tuple, Tracer)) or ndim_of(first) > 0 or ndim_of(x) == 0:
            return [_condition(c, x) for c in condlist]
        return [_condition(condlist, x)]
    if ndim_of(condlist) > ndim_of(x):
        return [condlist[i] for i in range(shape_of(condlist)[0])]
    return [condlist]


# append, delete, insert -----------------------------------------------------------
def append(arr, values, axis: int | None = None):
    """``values`` joined to the end of ``arr`` along ``axis`` (flattened for None)."""
    if not traced(arr, values):
        return backend.of(arr).xp.append(arr, values, axis=axis)
    if axis is None:
        arr = arr if ndim_of(arr) == 1 else ravel(arr)
        values, axis = ravel(values), ndim_of(arr) - 1
    return concatenate([arr, values], axis)


def _positions(shape, offset: int = 0, xp=None):
    xp = backend.default().xp if xp is None else xp
    return xp.arange(offset, offset + math.prod(shape), dtype=xp.intp).reshape(shape)


def _concrete_index(obj, name: str):
    if not traced(obj):
        return obj
    return concrete(obj, name, "obj", "indices must be known: pass them as a NumPy array")


def delete(arr, obj, axis: int | None = None):
    """``arr`` without the entries ``obj`` along ``axis``; differentiable in ``arr``."""
    if not traced(arr, obj) and _has_own(arr):
        return backend.of(arr).xp.delete(arr, obj, axis=axis)
    obj = _concrete_index(obj, "delete")
    xp = constants_xp(arr)
    if _has_own(arr):
        # NumPy's own delete on the positions of arr's elements says which are kept,
        # with NumPy's errors.
        return take(ravel(arr), xp.delete(_positions(shape_of(arr), xp=xp), obj, axis=axis))
    shape = shape_of(arr)
    if axis is None:
        shape, axis = (math.prod(shape),), 0
    axis = normalize_axis(axis, len(shape))
    # The positions of arr's elements, less those along ``axis`` that obj names, on
    # arr's device (obj may be an index array there, or NumPy's).
    keep = xp.ones(shape[axis], dtype=bool)
    keep[backend.parameter_on(backend_of(arr), obj) if backend.is_array(obj) else obj] = False
    kept = xp.compress(keep, _positions(shape, xp=xp), axis=axis)
    return take(ravel(arr), kept)


def _has_own(arr) -> bool:
    """Whether ``arr``'s backend has NumPy's ``delete`` and ``insert`` (CuPy has neither)."""
    be = backend_of(arr)
    return be.native or be.lazy


def insert(arr, obj, values, axis: int | None = None):
    """``values`` inserted into ``arr`` before ``obj`` along ``axis``; differentiable in both."""
    if not traced(arr, obj, values) and _has_own(arr):
        return backend.of(arr).xp.insert(arr, obj, values, axis=axis)
    obj = _concrete_index(obj, "insert")
    arr = as_operand(arr, values)
    dtype = dtype_of(arr)
    values = as_operand(values, arr)
    if dtype_of(values) != dtype:
        values = astype(values, dtype)
    size = math.prod(shape_of(arr))
    # NumPy's own insert on element positions (values numbered after arr's) is the layout.
    layout = backend.default().xp.insert(_positions(shape_of(arr)), obj,
                                         _positions(shape_of(values), size), axis=axis)
    return take(concatenate([ravel(arr), ravel(values)], 0), layout)



# The histograms live in their own module; it uses this one's searchsorted.
from funcad.numpy._histograms import (  # noqa: E402
    histogram,
    histogram2d,
    histogram_bin_edges,
    histogramdd,
)

__all__ += ["histogram", "histogram_bin_edges", "histogram2d", "histogramdd"]
