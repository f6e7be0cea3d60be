"""Set operations and sorting helpers: unique, intersect1d, union1d, lexsort, trim_zeros, ...

The values these return are elements of their inputs, picked out by a gather,
so they are differentiable: each carries the derivative of the element it
came from (for ``unique``, the first occurrence; for ``intersect1d``, the
element of ``ar1``). Indices, inverses and counts have no derivative.

How many values there are depends on the data. Under ``grad``, ``jvp`` and
``vjp`` the data is known and these work as in NumPy; under ``vmap`` they
raise a ``TypeError``, except ``unique`` and its ``unique_*`` variants given
JAX's ``size=`` (the result padded with ``fill_value``, by default the
smallest value, or cut to ``size``), and ``lexsort``, ``sort_complex``, whose
shapes are fixed.

>>> import numpy as np, funcad as fa, funcad.numpy as fnp
>>> fa.grad(lambda x: fnp.sum(fnp.unique(x) ** 2))(np.array([2.0, 1.0, 2.0]))
array([4., 2., 0.])
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._concrete import concrete, maybe_concrete
from funcad.numpy._lazy import constants_xp, plain_xp
from funcad.numpy._lazy import plain as _plain_args
from funcad.numpy._numerical_util import default_xp
from funcad.numpy.composites import ravel
from funcad.numpy.indexing import at, take, take_along_axis
from funcad.numpy.reductions import cumsum
from funcad.numpy.searching import nonzero
from funcad.numpy.sorting import argsort, sort
from funcad.primitives import logical
from funcad.primitives._util import dtype_of, ndim_of, normalize_axes, normalize_axis, shape_of
from funcad.primitives.arithmetic import subtract
from funcad.primitives.comparison import astype, less, logical_and, not_equal, where
from funcad.primitives.indexing import getitem
from funcad.primitives.integer import logical_not
from funcad.primitives.shape import concatenate, reshape
from funcad.primitives.special_values import isnan

__all__ = [
    "unique", "unique_values", "unique_counts", "unique_inverse", "unique_all",
    "UniqueAllResult", "UniqueCountsResult", "UniqueInverseResult",
    "intersect1d", "union1d", "setdiff1d", "setxor1d", "lexsort", "sort_complex", "trim_zeros",
]  # fmt: skip


class UniqueAllResult(NamedTuple):
    values: Any
    indices: Any
    inverse_indices: Any
    counts: Any


class UniqueCountsResult(NamedTuple):
    values: Any
    counts: Any


class UniqueInverseResult(NamedTuple):
    values: Any
    inverse_indices: Any


_FIXED_SIZE = "pass size= (and fill_value=) for a result of fixed length"
_KNOWN = "the set operations need known values: call them outside vmap"


# unique -----------------------------------------------------------------------------
def unique(ar, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None, *, equal_nan: bool = True,
           sorted: bool = True, size: int | None = None, fill_value=None):  # noqa: A002
    """The distinct elements of ``ar``, differentiable (each from its first occurrence).

    With ``return_index``, ``return_inverse`` and ``return_counts`` also where
    each first occurs, how to rebuild ``ar`` and how often each occurs.
    JAX's ``size=`` fixes the number of values (``axis=None`` only): missing
    ones are ``fill_value`` (the smallest value by default), their index and
    count 0.

    >>> import numpy as np, funcad.numpy as fnp
    >>> fnp.unique(np.array([3, 1, 3]), size=3, fill_value=-1)
    array([ 1,  3, -1])
    """
    return _unique(ar, (return_index, return_inverse, return_counts), axis, equal_nan, sorted,
                   size, fill_value, "unique")


def _unique(ar, flags, axis, equal_nan, sorted, size, fill_value, name):  # noqa: A002
    return_index = flags[0]
    if size is not None:
        if axis is not None:
            raise TypeError("unique: size= is supported with axis=None only.")
        from funcad.numpy.searching import _size

        return _unique_fixed(ar, _size(size), fill_value, flags, equal_nan)
    if _plain_args(ar):
        return plain_xp(ar).unique(ar, *flags, axis=axis, equal_nan=equal_nan, sorted=sorted)
    plain = concrete(ar, name, "x" if name.startswith("unique_") else "ar", _FIXED_SIZE)
    be = backend.of(plain)
    xp = be.xp
    if not be.native:
        # CuPy's unique always sorts and has no sorted= option.
        if not isinstance(ar, Tracer):
            return xp.unique(plain, *flags, axis=axis, equal_nan=equal_nan)
        # Asking for the first indices too saves a second search on the device.
        full = xp.unique(plain, True, *flags[1:], axis=axis, equal_nan=equal_nan)
        index = full[1]
        found = full[:1] + (full[1:] if return_index else full[2:])
    else:
        found = xp.unique(plain, *flags, axis=axis, equal_nan=equal_nan, sorted=sorted)
        found = found if isinstance(found, tuple) else (found,)
        index = found[1] if return_index else _first_indices(xp, plain, found[0], axis,
                                                             equal_nan)
    values = take(ravel(ar), index) if axis is None else take(ar, index, axis=axis)
    out = (values,) + found[1:]
    return out if len(out) > 1 else values


def _first_indices(xp, plain, values, axis, equal_nan):
    """Where each of ``values`` (from NumPy's unique, in its order) first occurs."""
    ordered, first = xp.unique(plain, return_index=True, axis=axis, equal_nan=equal_nan)
    if ordered.shape == values.shape and bool(xp.all((ordered == values) | (ordered != ordered))):
        return first
    # A hashed (unsorted) order: find each value among the sorted ones.
    return first[xp.searchsorted(ordered, values)]


def _unique_fixed(ar, size, fill_value, flags, equal_nan):
    """``unique`` padded or cut to ``size`` values, with no value-dependent shape."""
    return_index, return_inverse, return_counts = flags
    shape = shape_of(ar)
    flat = ravel(ar) if not _plain_args(ar) else plain_xp(ar).ravel(plain_xp(ar).asarray(ar))
    n = math.prod(shape)
    if n == 0:
        raise ValueError("unique: size= needs a non-empty array (there is no smallest value "
                         "to pad with).")
    order = argsort(flat, kind="stable")
    ordered = take(flat, order)
    later, earlier = getitem(ordered, slice(1, None)), getitem(ordered, slice(None, -1))
    fresh = not_equal(later, earlier)
    if equal_nan and getattr(dtype_of(ordered), "kind", None) in ("f", "c"):
        fresh = logical_and(fresh, logical_not(logical_and(isnan(later), isnan(earlier))))
    xp = constants_xp(flat)
    fresh = concatenate([xp.ones(1, bool), fresh], 0)
    bounds = nonzero(fresh, size=size + 1, fill_value=n)[0]
    starts, ends = getitem(bounds, slice(0, size)), getitem(bounds, slice(1, None))
    valid = less(xp.arange(size), logical.count_nonzero(fresh))
    starts = where(valid, starts, 0)
    fill = getitem(ordered, 0) if fill_value is None else fill_value
    values = where(valid, take(ordered, starts), fill)
    if dtype_of(values) != dtype_of(ordered):
        values = astype(values, dtype_of(ordered))
    out = [values]
    if return_index:
        out.append(where(valid, take(order, starts), 0))
    if return_inverse:
        group = subtract(cumsum(astype(fresh, xp.intp)), 1)
        inverse = at(xp.zeros(n, xp.intp))[order].set(group)
        out.append(reshape(inverse, shape))
    if return_counts:
        out.append(where(valid, subtract(ends, starts), 0))
    return tuple(out) if len(out) > 1 else values


def unique_values(x, /, *, size: int | None = None, fill_value=None):
    """The distinct elements of ``x`` (NaNs kept apart); differentiable."""
    if size is None and _plain_args(x):
        return plain_xp(x).unique_values(x)
    return _unique(x, (False, False, False), None, False, size is not None, size, fill_value,
                   "unique_values")


def unique_counts(x, /, *, size: int | None = None, fill_value=None) -> UniqueCountsResult:
    """The distinct elements of ``x`` and how often each occurs."""
    if size is None and _plain_args(x):
        return plain_xp(x).unique_counts(x)
    found = _unique(x, (False, False, True), None, False, True, size, fill_value, "unique_counts")
    return UniqueCountsResult(*found)


def unique_inverse(x, /, *, size: int | None = None, fill_value=None) -> UniqueInverseResult:
    """The distinct elements of ``x`` and the indices that rebuild ``x`` from them."""
    if size is None and _plain_args(x):
        return plain_xp(x).unique_inverse(x)
    found = _unique(x, (False, True, False), None, False, True, size, fill_value, "unique_inverse")
    return UniqueInverseResult(*found)


def unique_all(x, /, *, size: int | None = None, fill_value=None) -> UniqueAllResult:
    """The distinct elements of ``x``, first indices, inverse indices and counts."""
    if size is None and _plain_args(x):
        return plain_xp(x).unique_all(x)
    found = _unique(x, (True, True, True), None, False, True, size, fill_value, "unique_all")
    return UniqueAllResult(*found)


# Set operations of 1-D arrays ----------------------------------------------------------
def _plain(x, name, argument):
    """The known value of ``x``: an array of its own backend (a list becomes NumPy's)."""
    value = concrete(x, name, argument, _KNOWN)
    return value if backend.is_array(value) else default_xp().asarray(value)


def _known_pair(ar1, ar2, name):
    """The known values of ``ar1`` and ``ar2`` and the namespace computing with them.

    They are data: arrays of two backends that do not mix are refused, naming
    both; a list goes along with the other's backend.
    """
    plain1, plain2 = _plain(ar1, name, "ar1"), _plain(ar2, name, "ar2")
    arrays = [v for v, x in ((plain1, ar1), (plain2, ar2))
              if isinstance(x, Tracer) or backend.is_array(x)]
    be = backend.of_many(*arrays) if arrays else backend.of(plain1)
    if not be.native:
        plain1, plain2 = be.xp.asarray(plain1), be.xp.asarray(plain2)
    return plain1, plain2, be


def _result_type(ar1, ar2):
    xp = default_xp()
    return xp.result_type(*(dtype_of(a) if dtype_of(a) is not None else xp.asarray(a)
                            for a in (ar1, ar2)))


def intersect1d(ar1, ar2, assume_unique: bool = False, return_indices: bool = False):
    """The sorted values in both ``ar1`` and ``ar2``; differentiable (through ``ar1``)."""
    if _plain_args(ar1, ar2):
        return plain_xp(ar1, ar2).intersect1d(ar1, ar2, assume_unique, return_indices)
    plain1, plain2, be = _known_pair(ar1, ar2, "intersect1d")
    if be.native:
        _, index1, index2 = be.xp.intersect1d(plain1, plain2, assume_unique, return_indices=True)
    else:
        index1, index2 = _intersect_indices(be.xp, plain1, plain2, assume_unique)
    values = astype(take(ravel(ar1), index1), _result_type(ar1, ar2))
    return (values, index1, index2) if return_indices else values


def _intersect_indices(xp, plain1, plain2, assume_unique: bool):
    """Where the common values first occur in ``plain1`` and ``plain2``, as NumPy's.

    The backend's sort, unique and comparisons only (CuPy's ``intersect1d`` may
    lack ``return_indices``).
    """
    if assume_unique:
        plain1, plain2 = plain1.ravel(), plain2.ravel()
    else:
        plain1, first1 = xp.unique(plain1, return_index=True)
        plain2, first2 = xp.unique(plain2, return_index=True)
    joined = xp.concatenate([plain1, plain2])
    order = xp.argsort(joined, kind="stable")
    ordered = joined[order]
    pairs = ordered[1:] == ordered[:-1]
    index1, index2 = order[:-1][pairs], order[1:][pairs] - plain1.size
    if not assume_unique:
        index1, index2 = first1[index1], first2[index2]
    return index1, index2


def union1d(ar1, ar2):
    """The sorted values in ``ar1`` or ``ar2``; differentiable (each from its first occurrence)."""
    if _plain_args(ar1, ar2):
        return plain_xp(ar1, ar2).union1d(ar1, ar2)
    return _unique(concatenate([ravel(ar1), ravel(ar2)], 0), (False, False, False), None, True,
                   True, None, None, "union1d")


def setdiff1d(ar1, ar2, assume_unique: bool = False):
    """The values of ``ar1`` that are not in ``ar2``; differentiable in ``ar1``."""
    if _plain_args(ar1, ar2):
        return plain_xp(ar1, ar2).setdiff1d(ar1, ar2, assume_unique)
    plain1, plain2, be = _known_pair(ar1, ar2, "setdiff1d")
    xp = be.xp
    if assume_unique:
        candidates, index = plain1.ravel(), xp.arange(plain1.size)
    else:
        candidates, index = xp.unique(plain1, return_index=True)
    return take(ravel(ar1), index[~xp.isin(candidates, plain2)])


def setxor1d(ar1, ar2, assume_unique: bool = False):
    """The sorted values in exactly one of ``ar1`` and ``ar2``; differentiable in both."""
    if _plain_args(ar1, ar2):
        return plain_xp(ar1, ar2).setxor1d(ar1, ar2, assume_unique)
    plain1, plain2, be = _known_pair(ar1, ar2, "setxor1d")
    xp = be.xp
    if assume_unique:
        index1, index2 = xp.arange(plain1.size), xp.arange(plain2.size)
    else:
        index1 = xp.unique(plain1, return_index=True)[1]
        index2 = xp.unique(plain2, return_index=True)[1]
    index = xp.concatenate([index1, plain1.size + index2])
    joined = concatenate([astype(ravel(a), _result_type(ar1, ar2)) for a in (ar1, ar2)], 0)
    if not index.size:
        return take(joined, index)
    both = xp.concatenate([plain1.ravel(), plain2.ravel()])[index]
    order = xp.argsort(both, kind="stable")
    ordered = both[order]
    # As NumPy: a value is kept where it differs from both neighbours.
    edge = xp.ones(1, dtype=bool)
    fresh = xp.concatenate([edge, ordered[1:] != ordered[:-1], edge])
    return take(joined, index[order][fresh[1:] & fresh[:-1]])


# lexsort, sort_complex, trim_zeros ----------------------------------------------------
def lexsort(keys, axis: int = -1):
    """Indices that sort by the last key, then the one before, ...; not differentiable."""
    if _plain_args(keys):
        return plain_xp(keys).lexsort(keys, axis)
    plain = maybe_concrete(keys)
    arrays = [] if plain is None else plain if isinstance(plain, list) else [plain]
    # Other backends sort by the stable argsorts below (CuPy's lexsort has no axis=).
    if plain is not None and backend.of_many(*[k for k in arrays
                                               if backend.is_array(k)]).native:
        return default_xp().lexsort(plain if not isinstance(plain, list) else tuple(plain), axis)
    keys = [getitem(keys, i) for i in range(shape_of(keys)[0])] if isinstance(
        keys, Tracer) or backend.is_array(keys) else list(keys)
    if not keys:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    axis = normalize_axis(axis, ndim_of(keys[0]))
    # Stable sorts from the least significant key to the most significant one.
    order = argsort(keys[0], axis=axis, kind="stable")
    for key in keys[1:]:
        step = argsort(take_along_axis(key, order, axis), axis=axis, kind="stable")
        order = take_along_axis(order, step, axis)
    return order


def sort_complex(a):
    """``a`` sorted by real part, then imaginary part, as complex numbers; differentiable."""
    if _plain_args(a):
        return plain_xp(a).sort_complex(a)
    result = sort(a, axis=-1)
    char = dtype_of(a).char
    if dtype_of(a).kind == "c":
        return result
    return astype(result, "F" if char in "bhBH" else "G" if char == "g" else "D")


def trim_zeros(filt, trim: str = "fb", axis=None):
    """``filt`` without its leading and/or trailing zeros; differentiable in the rest."""
    if _plain_args(filt):
        return plain_xp(filt).trim_zeros(filt, trim, axis)
    trim = trim.lower()
    if trim not in {"fb", "bf", "f", "b"}:
        raise ValueError(f"unexpected character(s) in `trim`: {trim!r}")
    ndim = ndim_of(filt)
    axes = normalize_axes(axis, ndim) if axis is not None else tuple(range(ndim))
    if not axes:
        return filt
    plain = _plain(filt, "trim_zeros", "filt")
    where_nonzero = backend.of(plain).xp.argwhere(plain)
    if where_nonzero.size == 0:
        start = stop = [0] * ndim
    else:
        # Python ints for the slices: from a device, a read of each bound (not a copy).
        start = [int(v) for v in where_nonzero.min(0)]
        stop = [int(v) + 1 for v in where_nonzero.max(0)]
        if "f" not in trim:
            start = [None] * ndim
        if "b" not in trim:
            stop = [None] * ndim
    return getitem(filt, tuple(slice(start[d], stop[d]) if d in axes else slice(None)
                               for d in range(ndim)))
