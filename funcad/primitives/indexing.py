"""Basic indexing: ``x[idx]`` with ints, slices, ``None`` and ``...``.

Its VJP places the cotangent into zeros of the input's shape
(``scatter_zeros``); the two are each other's transpose. Indexes holding
arrays, lists or masks go to ``gather`` (``funcad/primitives/gather.py``).
"""

from __future__ import annotations

from funcad import backend
from funcad.core.primitive import Primitive
from funcad.core.trace import Tracer
from funcad.primitives._util import move_to_front, shape_of

getitem_p = Primitive("getitem")
scatter_zeros_p = Primitive("scatter_zeros")

_BASIC = (int, slice, type(None), type(Ellipsis))


class AdvancedIndexError(Exception):
    """Raised by ``normalize_index`` for an index that holds arrays, lists or masks."""


def normalize_index(idx) -> tuple:
    """A basic index as a tuple of Python ints, slices, None and Ellipsis.

    Raises :class:`AdvancedIndexError` when ``idx`` needs advanced indexing.
    """
    if not isinstance(idx, tuple):
        idx = (idx,)
    out = []
    for item in idx:
        if isinstance(item, _BASIC) and not isinstance(item, bool):
            out.append(item)
            continue
        if isinstance(item, (list, Tracer)) or getattr(item, "shape", ()) != () or getattr(
            getattr(item, "dtype", None), "kind", None
        ) == "b" or is_lazy_array(item):
            raise AdvancedIndexError
        if isinstance(item, bool) or not hasattr(item, "__index__"):
            raise TypeError(
                f"index element {item!r} of type {type(item).__name__} is not valid: use "
                f"ints, slices, None, ..., or integer or boolean arrays."
            )
        out.append(int(item.__index__()))
    if sum(item is Ellipsis for item in out) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    return tuple(out)


def is_lazy_array(item) -> bool:
    """A lazy (Dask) array: its value is not known while the graph is built."""
    return backend.is_array(item) and backend.of(item).lazy


def getitem(x, idx):
    """``x[idx]``: basic indexing here, advanced indexing through ``gather``."""
    try:
        idx = normalize_index(idx)
    except AdvancedIndexError:
        from funcad.numpy.indexing import getitem_advanced

        return getitem_advanced(x, idx)
    return getitem_p.bind(x, idx=idx)


def scatter_zeros(values, idx, shape):
    """Zeros of ``shape`` with ``values`` placed at the basic index ``idx``."""
    return scatter_zeros_p.bind(values, idx=idx, shape=tuple(shape))


# getitem --------------------------------------------------------------------
@getitem_p.def_impl
def _getitem_impl(x, *, idx):
    return backend.of(x).xp.asarray(x)[idx]


def _getitem_jvp(t, ans, x, *, idx):
    return getitem(t, idx)


def _getitem_vjp(ct, ans, x, *, idx):
    return scatter_zeros(ct, idx, shape_of(x))


@getitem_p.def_batch
def _getitem_batch(args, bdims, *, idx):
    (x,), (bdim,) = args, bdims
    return getitem(move_to_front(x, bdim), (slice(None),) + idx), 0


getitem_p.def_jvp(_getitem_jvp)
getitem_p.def_vjp(_getitem_vjp)
getitem_p.linear = True


# scatter_zeros --------------------------------------------------------------
@scatter_zeros_p.def_impl
def _scatter_zeros_impl(values, *, idx, shape):
    xp = backend.of(values).xp
    out = xp.zeros(shape, dtype=xp.result_type(values))
    if 0 in shape_of(values):
        return out  # nothing to place (Dask refuses to assign an empty block)
    if any(item is None for item in idx):
        # NumPy drops the new axes' length-one dimensions when assigning; Dask does not.
        idx, values = _without_new_axes(idx, values, len(shape))
    if backend.of(values).lazy:
        idx, values = _increasing_steps(idx, values, shape)
    out[idx] = values
    return out


def _increasing_steps(idx, values, shape):
    """``idx`` with each negative-step slice as the same elements in increasing order.

    Dask fails to assign through a negative-step slice after an int and a slice
    (an ``IndexError``); ``values`` are flipped along those axes to match.
    """
    used = sum(item is not Ellipsis for item in idx)
    items = []
    for item in idx:
        items += [slice(None)] * (len(shape) - used) if item is Ellipsis else [item]
    flipped, out_axis, kept = [], 0, []
    for item, n in zip(items, shape):
        if isinstance(item, slice):
            steps = range(*item.indices(n))
            if steps.step < 0 and len(steps):
                item = slice(steps[-1], steps[0] + 1, -steps.step)
                flipped.append(out_axis)
            out_axis += 1
        kept.append(item)
    if not flipped:
        return idx, values
    return tuple(kept), backend.of(values).xp.flip(values, axis=tuple(flipped))


def _without_new_axes(idx, values, ndim):
    """``idx`` without its ``None`` entries, and ``values`` without their axes."""
    consumed = sum(item is not None and item is not Ellipsis for item in idx)
    axis, new_axes = 0, []
    for item in idx:
        if item is None:
            new_axes.append(axis)
            axis += 1
        elif item is Ellipsis:
            axis += ndim - consumed
        elif isinstance(item, slice):
            axis += 1
    shape = tuple(s for k, s in enumerate(shape_of(values)) if k not in new_axes)
    kept = tuple(item for item in idx if item is not None)
    return kept, backend.of(values).xp.reshape(values, shape)


def _scatter_zeros_jvp(t, ans, values, *, idx, shape):
    return scatter_zeros(t, idx, shape)


def _scatter_zeros_vjp(ct, ans, values, *, idx, shape):
    return getitem(ct, idx)


@scatter_zeros_p.def_batch
def _scatter_zeros_batch(args, bdims, *, idx, shape):
    (values,), (bdim,) = args, bdims
    values = move_to_front(values, bdim)
    size = shape_of(values)[0]
    return scatter_zeros(values, (slice(None),) + idx, (size,) + shape), 0


scatter_zeros_p.def_jvp(_scatter_zeros_jvp)
scatter_zeros_p.def_vjp(_scatter_zeros_vjp)
scatter_zeros_p.linear = True
