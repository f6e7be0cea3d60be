"""Advanced indexing on Dask arrays, built lazily with NumPy's rules.

Dask indexes with one integer array at a time and, with ints and arrays apart,
places the result's axes differently from NumPy. Here an index is taken apart
the way NumPy defines it: its basic part (ints, slices, ``None``) is applied by
Dask, the axes that integer arrays index are moved first and gathered jointly
(``vindex``), and the broadcast dimensions of the arrays are then placed
where NumPy puts them: where the first array stood when the arrays (and ints)
are adjacent, first otherwise.

Updates (``x[i] = v``, ``numpy.add.at`` and the other ``ufunc.at``) go chunk by
chunk: NumPy index arrays are known while the graph is built, so each chunk of
the result receives exactly the values that land in it, and NumPy's own
assignment or ``ufunc.at`` runs on that chunk (repeated indices accumulate, and
of repeated assignments the last one wins, as in NumPy).

Index arrays that are Dask arrays themselves (values unknown until computed,
so their bounds are checked then) are taken one at a time, or along one axis
with every other axis indexed by its own ``arange`` (what ``take_along_axis``
builds): the indexed axis is then put in one chunk and NumPy's
``take_along_axis`` (or ``ufunc.at``) runs on each chunk of the other axes.
``add.at`` at one Dask index array sums partial results, one per chunk of the
index, as Dask's ``bincount`` does.

This module imports Dask only inside its functions.
"""

from __future__ import annotations

import math
import operator
from typing import NamedTuple

import numpy

from funcad.backend.index_items import NO_AXIS, index_items

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


_FULL = slice(None)


def _errors():
    from funcad.backend.dask import LazyShapeError, NotLazyError

    return NotLazyError, LazyShapeError


def _is_dask(item) -> bool:
    return type(item).__module__.startswith("dask.")


def _is_array(item) -> bool:
    return isinstance(item, numpy.ndarray) or _is_dask(item)


def _item_arrays(item, where: str):
    """An index item that is not None, ``...``, a slice or an int: an int or index arrays."""
    if _is_dask(item):
        if item.dtype == bool or any(math.isnan(s) for s in item.shape):
            _, lazy_shape_error = _errors()
            raise lazy_shape_error(
                f"x[mask] with a Dask boolean mask ({where}) gives a result whose shape "
                f"depends on the values, which funcad cannot trace lazily. Use "
                f"fnp.where(mask, x, 0) instead of x[mask], or compute the mask first "
                f"(mask.compute())."
            )
        if item.dtype.kind not in "iu":
            raise IndexError(f"arrays used as indices must be of integer or boolean type; "
                             f"{where} has dtype {item.dtype}.")
        return [item]
    if not isinstance(item, (list, tuple, numpy.ndarray)) and hasattr(item, "__index__"):
        return operator.index(item)
    array = numpy.asarray(item)
    if array.dtype == bool:
        if array.ndim == 0:
            raise TypeError(f"{where} is a 0-d boolean array; index with an array of "
                            f"booleans with dimensions.")
        return list(array.nonzero())
    if array.dtype.kind not in "iu":
        if array.size:
            raise IndexError(f"arrays used as indices must be of integer or boolean type; "
                             f"{where} has dtype {array.dtype}.")
        array = array.astype(numpy.intp)
    return int(array) if array.ndim == 0 else [array]


def parse(index, ndim: int) -> list:
    """``index`` as a list covering every axis: ints, slices, None, arrays and ``NO_AXIS``."""
    return index_items(index, ndim, _item_arrays)


def _axis_sizes(items, shape) -> list:
    """The size of the axis each item indexes (None for items that index no axis)."""
    sizes, axis = [], 0
    for item in items:
        if item is None or item is NO_AXIS:
            sizes.append(None)
        else:
            sizes.append(shape[axis])
            axis += 1
    return sizes


def _wrap(array, n: int, axis: int):
    """A NumPy index array checked against an axis of ``n``, negatives wrapped."""
    if array.size:
        low, high = int(array.min()), int(array.max())
        if low < -n or high >= n:
            bad = low if low < -n else high
            raise IndexError(f"index {bad} is out of bounds for axis {axis} with size {n}")
        if low < 0:
            array = numpy.where(array < 0, array + n, array)
    return array


def _checked_block(block, *, n: int, axis: int):
    if block.size:
        low, high = int(block.min()), int(block.max())
        if low < -n or high >= n:
            bad = low if low < -n else high
            raise IndexError(f"index {bad} is out of bounds for axis {axis} with size {n}")
    return numpy.where(block < 0, block + n, block) if block.dtype.kind == "i" else block


def _wrap_lazy(array, n: int, axis: int):
    """A Dask index array, bounds-checked and wrapped as NumPy's, chunk by chunk.

    Its values are not known before it is computed: an index out of bounds
    raises NumPy's ``IndexError`` then.
    """
    return array.map_blocks(_checked_block, n=n, axis=axis, dtype=array.dtype)


class _Plan:
    """An index taken apart: basic part, index arrays, and where their dims go."""

    def __init__(self, items, shape) -> None:
        sizes = _axis_sizes(items, shape)
        self.items = items
        positions = [k for k, item in enumerate(items) if _is_array(item)]
        self.has_arrays = bool(positions)
        advanced = [k for k, item in enumerate(items)
                    if _is_array(item) or type(item) is int]
        self.adjacent = bool(advanced) and advanced == list(
            range(advanced[0], advanced[-1] + 1))
        # Result dims from slices and None before the first advanced item.
        self.before = sum(1 for item in items[:advanced[0]] if item is None
                          or isinstance(item, slice)) if advanced else 0
        self.arrays = []
        self.sizes = []
        for k in positions:
            array = items[k]
            axis = sum(1 for item in items[:k] if item is not None and item is not NO_AXIS)
            if isinstance(array, numpy.ndarray):
                array = _wrap(array, sizes[k], axis)
            else:
                array = _wrap_lazy(array, sizes[k], axis)
            self.arrays.append(array)
            self.sizes.append(sizes[k])
        self.lazy = any(_is_dask(a) for a in self.arrays)
        self.batch = tuple(numpy.broadcast_shapes(*(a.shape for a in self.arrays))) \
            if self.arrays else ()


def _front(shape_rank: int, axes: list) -> list:
    """The permutation that moves ``axes`` first, the others after them in order."""
    return list(axes) + [a for a in range(shape_rank) if a not in axes]


def _place(z, plan: _Plan):
    """``z`` (broadcast dims first, then the others) with NumPy's placement of the former."""
    import dask.array as da

    nb = len(plan.batch)
    if plan.adjacent and plan.before and nb:
        z = da.moveaxis(z, list(range(nb)), list(range(plan.before, plan.before + nb)))
    return z


def getitem(x, index):
    """``x[index]`` with NumPy's rules, for any index of ints, slices, None, ... and arrays."""
    items = parse(index, x.ndim)
    plan = _Plan(items, x.shape)
    if not plan.has_arrays:
        return x[tuple(item for item in items if item is not NO_AXIS)]
    basic, array_axes, axis = [], [], 0
    for item in items:
        if item is NO_AXIS:
            continue
        if _is_array(item):
            basic.append(_FULL)
            array_axes.append(axis)
            axis += 1
        else:
            basic.append(item)
            axis += type(item) is not int
    y = x[tuple(basic)]
    k = len(array_axes)
    if array_axes != list(range(k)):
        y = y.transpose(_front(y.ndim, array_axes))
    return _place(_gather_front(y, plan), plan)


def _gather_front(y, plan: _Plan):
    """``y[a0, a1, ...]`` for index arrays on ``y``'s first axes: broadcast dims, then the rest."""
    import dask.array as da

    arrays, k = plan.arrays, len(plan.arrays)
    rest = y.shape[k:]
    if math.prod(plan.batch) == 0:
        return da.zeros(plan.batch + rest, dtype=y.dtype)
    if not plan.lazy:
        if k == 1 and arrays[0].ndim == 1:
            return y[arrays[0]]
        return y.vindex[tuple(arrays)]
    if k == 1:  # Dask's own indexing by one array, chunk by chunk
        (i,) = arrays
        if i.ndim == 1:
            return y[i]
        flat = y[i.reshape(-1) if i.ndim else i.reshape(1)]
        return _reshape(flat, i.shape + rest)
    along = _along(arrays, y.shape[:k], plan.batch)
    if along is not None:
        return _from_lanes(_take_along(y, along.index, along.axis, k), along)
    not_lazy, _ = _errors()
    raise not_lazy(
        "x[i, j] with index arrays on several axes, a Dask array among them, has a lazy "
        "Dask implementation in funcad only when it reads along one axis, every other axis "
        "indexed by its arange (x[fnp.arange(n), labels], or what take_along_axis builds). "
        "Index one axis at a time, use fnp.take_along_axis, or compute the index arrays "
        "first (labels.compute())."
    )


def _reshape(x, shape):
    import dask.array as da

    from funcad.backend.dask import _reshape as reshape

    return reshape(da, x, shape)


def _along_axis(arrays, sizes) -> int | None:
    """The axis of the one Dask array when every other array is its axis's ``arange``.

    Such an index (what ``take_along_axis`` builds) reads along one axis only.
    """
    k = len(arrays)
    lazy = [j for j, a in enumerate(arrays) if _is_dask(a)]
    if len(lazy) != 1 or any(a.ndim > k for a in arrays) or arrays[lazy[0]].ndim != k:
        return None
    for j, a in enumerate(arrays):
        if j == lazy[0]:
            continue
        shape = (1,) * (k - a.ndim) + a.shape
        want = tuple(sizes[j] if m == j else 1 for m in range(k))
        if shape != want or not numpy.array_equal(a.reshape(-1), numpy.arange(sizes[j])):
            return None
    d = lazy[0]
    shape = arrays[d].shape
    if any(shape[j] not in (1, sizes[j]) for j in range(k) if j != d):
        return None
    return d


def _own_dims(arrays, sizes, batch, d: int) -> list | None:
    """The broadcast dim each array but the ``d``-th (the Dask one) is the ``arange`` along.

    None unless every such array is, once broadcast to ``batch``, the ``arange``
    of the axis it indexes along one broadcast dim of its own, those dims in
    the axes' order (``x[arange(n), labels]``, or with ``arange(n)[:, None]``).
    """
    own = []
    for j, a in enumerate(arrays):
        if j == d:
            continue
        shape = (1,) * (len(batch) - a.ndim) + a.shape
        dims = [m for m, s in enumerate(shape) if s != 1]
        if len(dims) != 1 or batch[dims[0]] != sizes[j] or not numpy.array_equal(
                a.reshape(-1), numpy.arange(sizes[j])):
            return None
        own.append(dims[0])
    return own if own == sorted(set(own)) else None


class _Along(NamedTuple):
    """An index that reads along ``axis`` only, as ``take_along_axis`` takes it.

    ``index`` has one dim per indexed axis: the other axes' broadcast dims, and at
    ``axis`` the remaining broadcast dims (``extra``) flattened; ``order`` lists
    the broadcast dims in that layout.
    """

    axis: int
    index: object
    order: list
    extra: tuple


def _along(arrays, sizes, batch) -> _Along | None:
    """``arrays`` (one of them a Dask array) as a read along one axis, or None."""
    import dask.array as da

    lazy = [j for j, a in enumerate(arrays) if _is_dask(a)]
    if len(lazy) != 1:
        return None
    d = lazy[0]
    axis = _along_axis(arrays, sizes)
    if axis is not None:  # take_along_axis's own form
        return _Along(d, da.broadcast_to(arrays[d], batch), list(range(len(batch))),
                      (batch[d],))
    own = _own_dims(arrays, sizes, batch, d)
    if own is None:
        return None
    extra = [m for m in range(len(batch)) if m not in own]
    order = own[:d] + extra + own[d:]
    index = da.broadcast_to(arrays[d], batch).transpose(order)
    lanes = tuple(batch[m] for m in own)
    shape = lanes[:d] + (math.prod(batch[m] for m in extra),) + lanes[d:]
    return _Along(d, _reshape(index, shape), order, tuple(batch[m] for m in extra))


def _to_lanes(z, along: _Along):
    """``z`` (broadcast dims, then the others) in the layout of ``along.index``."""
    nb = len(along.order)
    z = z.transpose(along.order + list(range(nb, z.ndim)))
    d = along.axis
    return _reshape(z, z.shape[:d] + (math.prod(along.extra),) + z.shape[d + len(along.extra):])


def _from_lanes(z, along: _Along):
    """The inverse of ``_to_lanes``: ``z`` back to broadcast dims, then the others."""
    d = along.axis
    z = _reshape(z, z.shape[:d] + along.extra + z.shape[d + 1:])
    nb = len(along.order)
    return z.transpose(list(numpy.argsort(along.order)) + list(range(nb, z.ndim)))


def _lanes(y, axis: int, k: int):
    """``y`` with ``axis`` in one chunk, the other axes chunked to keep chunks small."""
    chunks = {j: "auto" for j in range(y.ndim) if j != axis}
    chunks[axis] = -1
    return y.rechunk(chunks)


def _take_along_block(block, index, *, axis: int, rest: int):
    return numpy.take_along_axis(block, index.reshape(index.shape + (1,) * rest), axis=axis)


def _take_along(y, index, axis: int, k: int):
    """``take_along_axis(y, index, axis)`` over ``y``'s first ``k`` axes, lane by lane."""
    import dask.array as da

    rest = y.ndim - k
    y = _lanes(y, axis, k)
    index = index.rechunk(tuple(-1 if j == axis else y.chunks[j] for j in range(k)))
    ind = _LETTERS[:y.ndim]
    lane = _LETTERS[y.ndim]
    out = ind[:axis] + lane + ind[axis + 1:]
    return da.blockwise(_take_along_block, out, y, ind, index, out[:k], axis=axis, rest=rest,
                        dtype=y.dtype, concatenate=True,
                        meta=numpy.empty((0,) * y.ndim, y.dtype))


# Updates ------------------------------------------------------------------------------
def _apply(out, local, values, mode: str) -> None:
    if mode == "set":
        out[local] = values
    else:
        getattr(numpy, mode).at(out, local, values)


def _update_block(block, values, *, local, mode):
    out = block.copy()
    _apply(out, local, values, mode)
    return out


def _update_along_block(block, values, index, *, axis: int, k: int, mode: str):
    out = block.copy()
    grid = [numpy.arange(s).reshape(tuple(s if m == j else 1 for m in range(k)))
            for j, s in enumerate(values.shape[:k])]
    grid[axis] = index
    _apply(out, tuple(grid), values, mode)
    return out


def _target_shape(plan: _Plan, shape) -> tuple:
    """The shape of ``x[index]`` (NumPy's placement of the broadcast dims)."""
    rest, axis = [], 0
    for item in plan.items:
        if item is None:
            rest.append(1)
        elif item is NO_AXIS:
            continue
        else:
            if isinstance(item, slice):
                rest.append(len(range(*item.indices(shape[axis]))))
            axis += 1
    at = plan.before if plan.adjacent else 0
    return tuple(rest[:at]) + plan.batch + tuple(rest[at:])


def update(x, index, values, mode: str):
    """A new Dask array: ``x`` with ``values`` combined in at ``index`` by ``mode``.

    ``mode`` is ``"set"`` (assignment) or the name of a NumPy ufunc whose ``at``
    combines repeated indices (``"add"``, ``"multiply"``, ``"minimum"``, ``"maximum"``).
    """
    import dask.array as da

    items = parse(index, x.ndim)
    if any(type(item) is int for item in items) and any(_is_array(i) for i in items):
        # With arrays, ints are advanced indexes: 0-d arrays keep NumPy's placement.
        items = [numpy.asarray(item) if type(item) is int else item for item in items]
    plan = _Plan(items, x.shape)
    target = _target_shape(plan, x.shape)
    values = da.asarray(values)
    if values.ndim > len(target):  # NumPy drops leading length-one dims of the values
        values = values.reshape(values.shape[values.ndim - len(target):]) if all(
            s == 1 for s in values.shape[:values.ndim - len(target)]) else values
    values = da.broadcast_to(values, target)
    if mode == "set":
        values = values.astype(x.dtype)
    if not plan.has_arrays:
        kept = tuple(item for item in items if item is not NO_AXIS)
        values = values[tuple(0 if item is None else _FULL for item in kept
                              if type(item) is not int)]
        region = tuple(item for item in kept if item is not None)
        out = x.copy()
        out[region] = values if mode == "set" else getattr(da, mode)(x[region], values)
        return out
    # Values in the layout (broadcast dims, then the others), without None's dims.
    nb = len(plan.batch)
    if plan.adjacent and plan.before and nb:
        values = da.moveaxis(values, list(range(plan.before, plan.before + nb)),
                             list(range(nb)))
    others = [item for item in items if item is not NO_AXIS and not _is_array(item)]
    values = values[(_FULL,) * nb + tuple(0 if item is None else _FULL for item in others)]
    region = tuple(_FULL if _is_array(item) else item for item in items
                   if item is not None and item is not NO_AXIS)
    array_axes = [k for k, item in enumerate(i for i in items if i is not None
                                             and i is not NO_AXIS) if _is_array(item)]
    whole = all(item == _FULL for item in region)
    sub = x if whole else x[region]
    order = _front(sub.ndim, array_axes)
    moved = sub.transpose(order) if order != list(range(sub.ndim)) else sub
    changed = _update_front(moved, values, plan.arrays, plan.batch, mode)
    if order != list(range(sub.ndim)):
        changed = changed.transpose(numpy.argsort(order).tolist())
    if whole:
        return changed
    out = x.copy()
    out[region] = changed
    return out


def _update_front(y, values, arrays, batch, mode: str):
    """``y`` updated at index arrays on its first axes; ``values`` has the broadcast dims first."""
    k = len(arrays)
    if math.prod(batch) == 0:
        return y
    if not any(_is_dask(a) for a in arrays):
        return _update_known(y, values, [numpy.broadcast_to(a, batch) for a in arrays], mode)

    fixed = [j for j, a in enumerate(arrays) if isinstance(a, numpy.ndarray) and a.ndim == 0]
    if fixed:  # ints among Dask arrays: update the slab they pick, then put it back
        slab = tuple(int(arrays[j]) if j in fixed else _FULL for j in range(k))
        others = [a for j, a in enumerate(arrays) if j not in fixed]
        out = y.copy()
        out[slab] = _update_front(y[slab], values, others, batch, mode)
        return out
    if k == 1 and arrays[0].ndim != 1:  # one index array: its elements in a row
        batch = (math.prod(batch),)
        arrays = [arrays[0].reshape(batch)]
        values = _reshape(values, batch + y.shape[1:])
    if k == 1 and mode == "add":
        return _add_partials(y, values, arrays[0])
    along = _along(arrays, y.shape[:k], batch)
    if along is not None:
        return _update_along(y, _to_lanes(values, along), along.index, along.axis, k, mode)
    not_lazy, _ = _errors()
    raise not_lazy(
        f"updating a Dask array at Dask index arrays (mode {mode!r}) is built lazily only "
        f"with one index array, or along one axis with the others indexed by their aranges "
        f"(x[fnp.arange(n), labels], or what take_along_axis builds); funcad cannot build "
        f"this update lazily. Compute the index arrays first (i.compute())."
    )


def _update_known(y, values, arrays, mode: str):
    """Chunk by chunk: each chunk of ``y`` gets the values whose (known) targets it holds."""
    import dask.array as da

    k = len(arrays)
    batch = arrays[0].shape
    flat = [a.reshape(-1) for a in arrays]
    grid = [len(c) for c in y.chunks[:k]]
    bounds = [numpy.cumsum((0,) + c) for c in y.chunks[:k]]
    block_of = [numpy.searchsorted(b, t, side="right") - 1 for b, t in zip(bounds, flat)]
    which = numpy.ravel_multi_index(block_of, grid) if k > 1 else block_of[0]
    order = numpy.argsort(which, kind="stable")  # keeps NumPy's order of repeated writes
    starts = numpy.searchsorted(which[order], numpy.arange(math.prod(grid) + 1))
    rest_chunks = y.chunks[k:]
    ind = _LETTERS[:y.ndim]
    lane = _LETTERS[y.ndim]
    pieces = {}
    for block in numpy.ndindex(*grid):
        region = tuple(slice(b[i], b[i + 1]) for b, i in zip(bounds, block))
        piece = y[region]
        b = numpy.ravel_multi_index(block, grid) if k > 1 else block[0]
        chosen = order[starts[b]:starts[b + 1]]
        if chosen.size:
            where = numpy.unravel_index(chosen, batch)
            picked = values[where[0]] if len(batch) == 1 else values.vindex[where]
            picked = picked.rechunk((-1,) + rest_chunks)
            local = tuple(t[chosen] - b0[i] for t, b0, i in zip(flat, bounds, block))
            piece = da.blockwise(_update_block, ind, piece, ind, picked, lane + ind[k:],
                                 local=local, mode=mode, dtype=y.dtype, concatenate=True,
                                 meta=numpy.empty((0,) * y.ndim, y.dtype))
        pieces[block] = piece
    return _assemble(pieces, (), grid)


def _assemble(pieces, block: tuple, grid):
    """The pieces under ``block`` (a prefix of block coordinates), joined along their axes."""
    import dask.array as da

    axis = len(block)
    if axis == len(grid):
        return pieces[block]
    parts = [_assemble(pieces, block + (i,), grid) for i in range(grid[axis])]
    return parts[0] if len(parts) == 1 else da.concatenate(parts, axis=axis)


def _update_along(y, values, index, axis: int, k: int, mode: str):
    """``y`` updated along ``axis`` at a Dask ``index`` (the other axes by their ``arange``)."""
    import dask.array as da

    y = _lanes(y, axis, k)
    index = index.rechunk(tuple(-1 if j == axis else y.chunks[j] for j in range(k)))
    values = values.rechunk(index.chunks + y.chunks[k:])
    ind = _LETTERS[:y.ndim]
    lane = _LETTERS[y.ndim]
    other = ind[:axis] + lane + ind[axis + 1:]
    return da.blockwise(_update_along_block, ind, y, ind, values, other, index, other[:k],
                        axis=axis, k=k, mode=mode, dtype=y.dtype, concatenate=True,
                        meta=numpy.empty((0,) * y.ndim, y.dtype))


def _partial_sums(index, values, *, n: int):
    out = numpy.zeros((1, n) + values.shape[1:], values.dtype)
    numpy.add.at(out[0], index, values)
    return out


def _add_partials(y, values, index):
    """``numpy.add.at`` on ``y``'s first axis at a 1-D Dask ``index``.

    Each chunk of the index adds its values into zeros of ``y``'s shape; the
    partial sums are then summed (Dask's tree reduction), as Dask's bincount.
    """
    import dask.array as da

    n = y.shape[0]
    values = values.astype(numpy.result_type(y.dtype, values.dtype))
    values = values.rechunk(index.chunks + y.chunks[1:])
    rest = _LETTERS[2:y.ndim + 1]
    parts = da.blockwise(_partial_sums, "pa" + rest, index, "p", values, "p" + rest,
                         new_axes={"a": n}, adjust_chunks={"p": 1}, n=n, dtype=values.dtype,
                         meta=numpy.empty((0,) * (y.ndim + 1), values.dtype))
    return y + parts.sum(axis=0).astype(y.dtype).rechunk(y.chunks)
