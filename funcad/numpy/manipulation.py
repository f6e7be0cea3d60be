"""Array manipulation: flip, roll, tile, repeat, pad, triangles, diagonals, splits, stacks.

Every function here is a composite of the shape, indexing and arithmetic
primitives (slices, ``concatenate``, ``reshape``, ``broadcast_to``, ``where``),
so each is differentiable to any order and batches under ``vmap`` with no
rules of its own. With no traced argument each calls NumPy directly.
``pad`` lives in ``funcad.numpy._pad``; the products (``outer``, ``kron``,
``cross``, ...) and the triangles and diagonals (``triu``, ``diag``, ``trace``,
...) in ``funcad.numpy.products``. All are re-exported here.

>>> import numpy as np, funcad as fa, funcad.numpy as fnp
>>> fa.grad(lambda x: fnp.sum(fnp.roll(x, 1) * np.arange(3.0)))(np.ones(3))
array([1., 2., 0.])
"""

from __future__ import annotations

import operator
from typing import Any, Sequence

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._concrete import traced
from funcad.numpy._lazy import constants_xp, plain
from funcad.numpy._pad import pad
from funcad.numpy.products import cross, diag, diagonal, inner, kron, outer, trace, tril, triu, vdot
from funcad.primitives._util import (
    dtype_of,
    ndim_of,
    normalize_axes,
    normalize_axis,
    shape_of,
)
from funcad.primitives.comparison import astype
from funcad.primitives.indexing import getitem
from funcad.primitives.shape import broadcast_to, concatenate, reshape, transpose

__all__ = [
    "flip", "fliplr", "flipud", "rot90", "roll", "tile", "repeat", "pad",
    "triu", "tril", "diag", "diagonal", "trace",
    "split", "array_split", "hsplit", "vsplit", "dsplit",
    "atleast_1d", "atleast_2d", "atleast_3d", "meshgrid",
    "vstack", "hstack", "dstack", "column_stack", "row_stack", "block",
    "outer", "inner", "kron", "vdot", "cross",
]

ArrayLike = Any



def _xp(x):
    return backend.of(x).xp


def _xps(arrays):
    """The array namespace owning a (nested) sequence of arrays."""
    flat = []

    def collect(obj):
        if isinstance(obj, (list, tuple)):
            for o in obj:
                collect(o)
        else:
            flat.append(obj)

    collect(arrays)
    return backend.of_many(*flat).xp


def _along(axis: int, item) -> tuple:
    """A basic index applying ``item`` to ``axis`` and keeping every other axis."""
    return (slice(None),) * axis + (item,)


# Flips and rotations ------------------------------------------------------------


def flip(m: ArrayLike, axis: int | Sequence[int] | None = None) -> ArrayLike:
    """``m`` with the order of elements reversed along ``axis`` (all axes when None)."""
    if not isinstance(m, Tracer):
        return _xp(m).flip(m, axis)
    n = ndim_of(m)
    axes = normalize_axes(axis, n)
    return getitem(m, tuple(slice(None, None, -1) if a in axes else slice(None)
                            for a in range(n)))


def fliplr(m: ArrayLike) -> ArrayLike:
    """``m`` with its columns (axis 1) in reverse order."""
    if not isinstance(m, Tracer):
        return _xp(m).fliplr(m)
    if ndim_of(m) < 2:
        raise ValueError(f"fliplr: m must be at least 2-d; got shape {shape_of(m)}. "
                         "Use flip(m) for 1-d arrays.")
    return getitem(m, (slice(None), slice(None, None, -1)))


def flipud(m: ArrayLike) -> ArrayLike:
    """``m`` with its rows (axis 0) in reverse order."""
    if not isinstance(m, Tracer):
        return _xp(m).flipud(m)
    if ndim_of(m) < 1:
        raise ValueError("flipud: m must be at least 1-d; got a 0-d array.")
    return getitem(m, (slice(None, None, -1),))


def rot90(m: ArrayLike, k: int = 1, axes: Sequence[int] = (0, 1)) -> ArrayLike:
    """``m`` rotated by 90 degrees ``k`` times in the plane of ``axes``."""
    if not isinstance(m, Tracer):
        return _xp(m).rot90(m, k, axes)
    axes = tuple(axes)
    n = ndim_of(m)
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must hold 2 axes; got {axes!r}.")
    a0, a1 = (normalize_axis(a, n, "axes") for a in axes)
    if a0 == a1:
        raise ValueError(f"rot90: the two axes must be different; got {axes!r}.")
    k = operator.index(k) % 4
    if k == 0:
        return getitem(m, ())
    if k == 2:
        return flip(flip(m, a0), a1)
    perm = list(range(n))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return transpose(flip(m, a1), tuple(perm))
    return flip(transpose(m, tuple(perm)), a1)


# Roll, tile, repeat -------------------------------------------------------------


def _ints(value, function: str, name: str) -> list[int]:
    """An int or a sequence of ints as a list, with an error that names ``name``."""
    items = [value] if hasattr(value, "__index__") else value
    try:
        return [operator.index(v) for v in items]
    except TypeError:
        raise TypeError(
            f"{function}: {name} must be an int or a sequence of ints; got {value!r}."
        ) from None


def roll(a: ArrayLike, shift: int | Sequence[int],
         axis: int | Sequence[int] | None = None) -> ArrayLike:
    """``a`` with elements shifted cyclically by ``shift`` along ``axis``."""
    if plain(a):
        return _xp(a).roll(a, shift, axis)
    if axis is None:
        return reshape(roll(reshape(a, (-1,)), shift, 0), shape_of(a))
    shape = shape_of(a)
    shifts = _ints(shift, "roll", "shift")
    axes = _ints(axis, "roll", "axis")
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    elif len(axes) == 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shift {shift!r} and axis {axis!r} must have the same length "
                         "(or one of them a single value).")
    total = [0] * len(shape)
    for s, ax in zip(shifts, axes):
        total[normalize_axis(ax, len(shape))] += operator.index(s)
    for ax, s in enumerate(total):
        n = shape[ax]
        s = s % n if n else 0
        if s:
            a = concatenate([getitem(a, _along(ax, slice(n - s, None))),
                             getitem(a, _along(ax, slice(None, n - s)))], ax)
    return a


def tile(A: ArrayLike, reps: int | Sequence[int]) -> ArrayLike:  # noqa: N803 - numpy's name
    """``A`` repeated ``reps`` times along each axis."""
    if not isinstance(A, Tracer):
        return _xp(A).tile(A, reps)
    reps = tuple(_ints(reps, "tile", "reps"))
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: reps must be non-negative; got {reps!r}.")
    shape = shape_of(A)
    d = max(len(reps), len(shape))
    shape = (1,) * (d - len(shape)) + shape
    reps = (1,) * (d - len(reps)) + reps
    # Interleave a length-one axis before each axis, broadcast it to the count, merge.
    x = reshape(A, tuple(v for s in shape for v in (1, s)))
    x = broadcast_to(x, tuple(v for r, s in zip(reps, shape) for v in (r, s)))
    return reshape(x, tuple(r * s for r, s in zip(reps, shape)))


def _repeat_counts(repeats, n: int) -> list[int]:
    xp = backend.default().xp
    counts = xp.asarray(repeats)
    if counts.dtype.kind not in "iub" or counts.ndim > 1:
        raise TypeError(f"repeat: repeats must be an integer or a 1-d sequence of integers; "
                        f"got {repeats!r}.")
    counts = counts.reshape(-1).tolist()
    if len(counts) not in (1, n):
        raise ValueError(f"repeat: repeats has {len(counts)} entries but the axis has {n} "
                         "elements; give one count, or one per element.")
    if any(c < 0 for c in counts):
        raise ValueError(f"repeat: repeats may not contain negative values; got {repeats!r}.")
    return counts


def _repeat_each(x, r: int, axis: int):
    """Every element of ``x`` along ``axis`` repeated ``r`` times, by broadcasting."""
    shape = shape_of(x)
    x = reshape(x, shape[:axis + 1] + (1,) + shape[axis + 1:])
    x = broadcast_to(x, shape[:axis + 1] + (r,) + shape[axis + 1:])
    return reshape(x, shape[:axis] + (shape[axis] * r,) + shape[axis + 1:])


def repeat(a: ArrayLike, repeats: int | Sequence[int], axis: int | None = None) -> ArrayLike:
    """Each element of ``a`` repeated ``repeats`` times (one count or one per element)."""
    if plain(a):
        return _xp(a).repeat(a, repeats, axis)
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    axis = normalize_axis(axis, ndim_of(a))
    n = shape_of(a)[axis]
    counts = _repeat_counts(repeats, n)
    if len(counts) == 1 or len(set(counts)) == 1:
        return _repeat_each(a, counts[0] if counts else 0, axis)
    try:
        from funcad.numpy.indexing import take
    except ImportError:  # the gather family is absent: fall back to slices
        return _repeat_runs(a, counts, axis)
    xp = constants_xp(a)
    return take(a, xp.repeat(xp.arange(n), counts), axis=axis)


def _repeat_runs(a, counts: list[int], axis: int):
    """``repeat`` with per-element counts as one broadcast per run of equal counts."""
    parts, start, n = [], 0, len(counts)
    for stop in range(1, n + 1):
        if stop == n or counts[stop] != counts[start]:
            if counts[start]:
                run = getitem(a, _along(axis, slice(start, stop)))
                parts.append(_repeat_each(run, counts[start], axis))
            start = stop
    if not parts:
        return getitem(a, _along(axis, slice(0, 0)))
    return concatenate(parts, axis)


# Splits -----------------------------------------------------------------------


def array_split(ary: ArrayLike, indices_or_sections: int | Sequence[int],
                axis: int = 0) -> list:
    """``ary`` cut along ``axis`` into sections (nearly equal) or at indices."""
    if plain(ary):
        return _xp(ary).array_split(ary, indices_or_sections, axis)
    axis = normalize_axis(axis, ndim_of(ary))
    total = shape_of(ary)[axis]
    if hasattr(indices_or_sections, "__len__"):
        points = [0] + [operator.index(i) for i in indices_or_sections] + [total]
    else:
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError(f"array_split: the number of sections must be positive; got "
                             f"{indices_or_sections!r}.")
        each, extras = divmod(total, sections)
        sizes = [each + 1] * extras + [each] * (sections - extras)
        points = [0]
        for size in sizes:
            points.append(points[-1] + size)
    return [getitem(ary, _along(axis, slice(start, stop)))
            for start, stop in zip(points[:-1], points[1:])]


def split(ary: ArrayLike, indices_or_sections: int | Sequence[int], axis: int = 0) -> list:
    """``ary`` cut along ``axis`` into equal sections or at indices."""
    if plain(ary):
        return _xp(ary).split(ary, indices_or_sections, axis)
    if not hasattr(indices_or_sections, "__len__"):
        total = shape_of(ary)[normalize_axis(axis, ndim_of(ary))]
        sections = int(indices_or_sections)
        if sections <= 0 or total % sections:
            raise ValueError(f"split: an axis of length {total} does not divide into "
                             f"{indices_or_sections!r} equal sections; use array_split for "
                             "unequal ones.")
    return array_split(ary, indices_or_sections, axis)


def hsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int]) -> list:
    """``split`` along axis 1 (axis 0 for 1-d arrays)."""
    if plain(ary):
        return _xp(ary).hsplit(ary, indices_or_sections)
    if ndim_of(ary) == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions; got a 0-d array.")
    return split(ary, indices_or_sections, 1 if ndim_of(ary) > 1 else 0)


def vsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int]) -> list:
    """``split`` along axis 0 of an array of 2 or more dimensions."""
    if plain(ary):
        return _xp(ary).vsplit(ary, indices_or_sections)
    if ndim_of(ary) < 2:
        raise ValueError(f"vsplit only works on arrays of 2 or more dimensions; got shape "
                         f"{shape_of(ary)}.")
    return split(ary, indices_or_sections, 0)


def dsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int]) -> list:
    """``split`` along axis 2 of an array of 3 or more dimensions."""
    if plain(ary):
        return _xp(ary).dsplit(ary, indices_or_sections)
    if ndim_of(ary) < 3:
        raise ValueError(f"dsplit only works on arrays of 3 or more dimensions; got shape "
                         f"{shape_of(ary)}.")
    return split(ary, indices_or_sections, 2)


# At least n dimensions, meshgrid ----------------------------------------------------


def _atleast(arys, n: int):
    """NumPy's ``atleast_{n}d`` applied to each of ``arys``; one result alone is unwrapped."""
    xp_fn = ("atleast_1d", "atleast_2d", "atleast_3d")[n - 1]
    out = []
    for ary in arys:
        if not isinstance(ary, Tracer):
            out.append(getattr(_xp(ary), xp_fn)(ary))
            continue
        shape = shape_of(ary)
        if len(shape) < n:
            # 1-d (k,) becomes (1, k) in 2-d and (1, k, 1) in 3-d; 2-d gains a last axis.
            new = {0: (1,) * n, 1: (1,) + shape + (1,) * (n - 2), 2: shape + (1,)}[len(shape)]
            ary = reshape(ary, new)
        out.append(ary)
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*arys: ArrayLike) -> ArrayLike:
    """Each input viewed with at least one dimension."""
    return _atleast(arys, 1)


def atleast_2d(*arys: ArrayLike) -> ArrayLike:
    """Each input viewed with at least two dimensions."""
    return _atleast(arys, 2)


def atleast_3d(*arys: ArrayLike) -> ArrayLike:
    """Each input viewed with at least three dimensions."""
    return _atleast(arys, 3)


def meshgrid(*xi: ArrayLike, copy: bool = True, sparse: bool = False,
             indexing: str = "xy") -> tuple:
    """Coordinate arrays from coordinate vectors (``indexing`` 'xy' or 'ij')."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij'; got {indexing!r}.")
    if plain(*xi):
        return _xps(xi).meshgrid(*xi, copy=copy, sparse=sparse, indexing=indexing)
    ndim = len(xi)
    ones = (1,) * ndim
    shapes = [ones[:i] + (-1,) + ones[i + 1:] for i in range(ndim)]
    if indexing == "xy" and ndim > 1:
        shapes[0], shapes[1] = (1, -1) + ones[2:], (-1, 1) + ones[2:]
    out = [reshape(x, s) for x, s in zip(xi, shapes)]
    if not sparse:
        full = [1] * ndim
        for x, s in zip(out, shapes):
            full[s.index(-1)] = shape_of(x)[s.index(-1)]
        out = [broadcast_to(x, tuple(full)) for x in out]
    return tuple(out)


# Stacks -----------------------------------------------------------------------------


def _concat_cast(arrays, axis, dtype, casting, name):
    """``concatenate`` with NumPy's ``dtype`` and ``casting`` arguments."""
    arrays = list(arrays)
    if dtype is not None:
        xp = backend.default().xp
        for i, a in enumerate(arrays):
            source = xp.result_type(a) if dtype_of(a) is None else dtype_of(a)
            if not xp.can_cast(source, dtype, casting=casting):
                raise TypeError(f"{name}: cannot cast input {i} from {source} to {xp.dtype(dtype)} "
                                f"with casting={casting!r}; pass casting='unsafe' to force it.")
        arrays = [astype(a, dtype) for a in arrays]
    return concatenate(arrays, axis)


def _sequence(tup, name):
    if not isinstance(tup, (list, tuple)):
        raise TypeError(f"{name}: arrays to stack must be passed as a list or tuple; got "
                        f"{type(tup).__name__}.")
    return tup


def vstack(tup: Sequence[ArrayLike], *, dtype: Any = None,
           casting: str = "same_kind") -> ArrayLike:
    """Arrays stacked along the first axis (1-d arrays become rows)."""
    if plain(tup):
        return _xps(tup).vstack(tup, dtype=dtype, casting=casting)
    arrays = atleast_2d(*_sequence(tup, "vstack"))
    arrays = arrays if isinstance(arrays, tuple) else (arrays,)
    return _concat_cast(arrays, 0, dtype, casting, "vstack")


def row_stack(tup: Sequence[ArrayLike], *, dtype: Any = None,
              casting: str = "same_kind") -> ArrayLike:
    """Deprecated alias of ``vstack``, kept because NumPy 2 still has it."""
    import warnings

    warnings.warn("`row_stack` alias is deprecated. Use `np.vstack` directly.",
                  DeprecationWarning, stacklevel=2)
    return vstack(tup, dtype=dtype, casting=casting)


def hstack(tup: Sequence[ArrayLike], *, dtype: Any = None,
           casting: str = "same_kind") -> ArrayLike:
    """Arrays stacked along the second axis (the first for 1-d arrays)."""
    if plain(tup):
        return _xps(tup).hstack(tup, dtype=dtype, casting=casting)
    arrays = atleast_1d(*_sequence(tup, "hstack"))
    arrays = arrays if isinstance(arrays, tuple) else (arrays,)
    axis = 0 if ndim_of(arrays[0]) == 1 else 1
    return _concat_cast(arrays, axis, dtype, casting, "hstack")


def dstack(tup: Sequence[ArrayLike]) -> ArrayLike:
    """Arrays stacked along the third axis."""
    if not traced(tup):
        return _xps(tup).dstack(tup)
    arrays = atleast_3d(*_sequence(tup, "dstack"))
    return concatenate(arrays if isinstance(arrays, tuple) else (arrays,), 2)


def column_stack(tup: Sequence[ArrayLike]) -> ArrayLike:
    """1-d arrays as the columns of a 2-d array; 2-d arrays stacked as they are."""
    if plain(tup):
        return _xps(tup).column_stack(tup)
    arrays = []
    for v in _sequence(tup, "column_stack"):
        shape = shape_of(v)
        if len(shape) < 2:
            v = reshape(v, (shape[0] if shape else 1, 1))
        arrays.append(v)
    return concatenate(arrays, 1)


def _block_depth(arrays, index: str) -> tuple[int, int]:
    """(list depth, largest array ndim) of a nested list, checking it is regular."""
    if isinstance(arrays, tuple):
        raise TypeError(f"block: arrays{index} is a tuple; only lists arrange blocks.")
    if not isinstance(arrays, list):
        return 0, ndim_of(arrays)
    if not arrays:
        raise ValueError(f"block: the list at arrays{index} cannot be empty.")
    found = [_block_depth(a, f"{index}[{i}]") for i, a in enumerate(arrays)]
    depths = {d for d, _ in found}
    if len(depths) > 1:
        raise ValueError(f"block: list depths are mismatched inside arrays{index}: "
                         f"{sorted(depths)}; every block must be nested equally deep.")
    return found[0][0] + 1, max(k for _, k in found)


def _block_join(arrays, depth: int, list_ndim: int, result_ndim: int):
    if not isinstance(arrays, list):
        shape = shape_of(arrays)
        return reshape(arrays, (1,) * (result_ndim - len(shape)) + shape)
    parts = [_block_join(a, depth + 1, list_ndim, result_ndim) for a in arrays]
    return concatenate(parts, result_ndim - (list_ndim - depth))


def block(arrays: list) -> ArrayLike:
    """An array assembled from nested lists of blocks (innermost lists join the last axis)."""
    if not traced(arrays):
        return _xps(arrays).block(arrays)
    list_ndim, array_ndim = _block_depth(arrays, "")
    return _block_join(arrays, 0, list_ndim, max(list_ndim, array_ndim))
