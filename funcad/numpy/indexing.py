"""Advanced indexing, take, take_along_axis and functional updates (``fnp.at``).

Arrays cannot be written into under a transform, so ``x[idx] = v`` becomes
``fnp.at(x)[idx].set(v)``, which returns a new array and works the same on
plain arrays (NumPy straight away) and traced values. ``x.at[idx]`` is the
same on traced values, as in JAX.

>>> import numpy as np, funcad as fa, funcad.numpy as fnp
>>> fnp.at(np.zeros(3))[np.array([0, 0, 2])].add(1.0).tolist()
[2.0, 0.0, 1.0]
>>> fa.grad(lambda x: fnp.sum(x[np.array([0, 0, 2])] ** 2))(np.ones(3)).tolist()
[4.0, 0.0, 2.0]
"""

from __future__ import annotations

from funcad import backend
from funcad.backend.index_items import NO_AXIS, index_items
from funcad.core.trace import Tracer
from funcad.numpy._concrete import maybe_concrete, traced
from funcad.primitives._util import (
    check_no_out,
    constants_xp,
    dtype_of,
    ndim_of,
    normalize_axis,
    shape_of,
)
from funcad.primitives.comparison import astype
from funcad.primitives.gather import (
    IndexArray,
    gather,
    indexed_shape,
    scatter,
)
from funcad.primitives.indexing import AdvancedIndexError, is_lazy_array, normalize_index
from funcad.primitives.shape import broadcast_to, reshape

__all__ = ["at", "ravel_multi_index", "take", "take_along_axis", "unravel_index"]


def is_basic_index(idx) -> bool:
    """True when ``idx`` holds only ints, slices, ``None`` and ``...`` (no arrays)."""
    try:
        normalize_index(idx)
    except AdvancedIndexError:
        return False
    return True


def _index_array(item, where: str):
    """An index item as integer index arrays (a boolean mask gives one per axis it covers)."""
    if isinstance(item, Tracer):
        kind = getattr(dtype_of(item), "kind", None)
        if kind == "b" and maybe_concrete(item) is not None:
            # Only staging (make_graph, explain) traces a mask; jvp and vjp see it
            # plain, and its one value selects the elements here too.
            return _index_array(maybe_concrete(item), where)
        if kind == "b":
            raise TypeError(
                f"a traced boolean mask ({where}) selects a number of elements that is not "
                f"known while tracing; use fnp.where(mask, x, 0) or fnp.at(x)[...] instead."
            )
        if kind not in ("i", "u"):
            raise IndexError(f"arrays used as indices must be of integer or boolean type; "
                             f"{where} has dtype {dtype_of(item)}.")
        return [item]
    if isinstance(item, list) and any(isinstance(v, Tracer) for v in item):
        from funcad.numpy.creation import asarray

        return _index_array(asarray(item), where)
    array = backend.of(item).xp.asarray(item)
    if array.dtype.kind == "b":
        if array.ndim == 0:
            raise TypeError(f"{where} is a 0-d boolean array; index with an array of "
                            f"booleans with dimensions.")
        return list(array.nonzero())
    if array.dtype.kind not in ("i", "u") and array.size:
        raise IndexError(f"arrays used as indices must be of integer or boolean type; "
                         f"{where} has dtype {array.dtype}.")
    return [array.astype(backend.of(array).xp.intp)]


def _item_arrays(item, where: str):
    """An index item that is not None, ``...``, a slice or an int: an int or index arrays."""
    if not isinstance(item, Tracer) and getattr(item, "shape", None) == () and hasattr(
            item, "__index__") and getattr(getattr(item, "dtype", None), "kind", "i") != "b" \
            and not is_lazy_array(item):  # a lazy one is not known while the graph is built
        return int(item.__index__())
    return _index_array(item, where)


def advanced_index(idx, ndim: int):
    """``idx`` as ``(template, arrays)`` for ``gather``/``scatter`` on ``ndim`` axes.

    The template names every axis (``...`` expanded, trailing axes filled in);
    an ellipsis that stands for no axis is kept, since it separates index arrays.
    """
    template, arrays = [], []
    for item in index_items(idx, ndim, _item_arrays):
        if item is NO_AXIS:
            # NumPy's rules place the dims of index arrays an empty ``...`` separates
            # first, so it stays in the template.
            template.append(Ellipsis)
        elif item is None or isinstance(item, (int, slice)):
            template.append(item)
        else:
            template.append(IndexArray(len(arrays)))
            arrays.append(item)
    return tuple(template), arrays


def getitem_advanced(x, idx):
    """``x[idx]`` for an index with arrays, lists or masks."""
    template, arrays = advanced_index(idx, ndim_of(x))
    return gather(x, arrays, template)


def take(a, indices, axis=None, out=None, mode=None):
    """Elements of ``a`` at ``indices`` along ``axis`` (of the flattened ``a`` when None)."""
    check_no_out(out, "take")
    if not isinstance(a, Tracer) and not isinstance(indices, Tracer):
        # Lazy indices (Dask) take a NumPy ``a`` into their graph.
        be = backend.of_indexing((a,), (indices,))
        if not be.native:
            indices = backend.parameter_on(be, indices)
        return be.xp.take(a, indices, axis=axis, mode=mode)
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    axis = normalize_axis(axis, ndim_of(a))
    indices = _bounded(indices, shape_of(a)[axis], mode)
    return getitem_advanced(a, (slice(None),) * axis + (indices,))


def _bounded(indices, n: int, mode):
    if mode in (None, "raise"):
        return indices
    if isinstance(indices, Tracer) or mode not in ("clip", "wrap"):
        raise ValueError(
            f"take: mode={mode!r} is supported for concrete indices as 'clip' or 'wrap'; "
            f"use mode='raise' or bound the indices first."
        )
    xp = backend.of(indices).xp
    indices = xp.asarray(indices)
    return xp.clip(indices, 0, n - 1) if mode == "clip" else xp.mod(indices, n)


def take_along_axis(arr, indices, axis):
    """Values of ``arr`` at ``indices`` along ``axis``, as ``numpy.take_along_axis``."""
    if not isinstance(arr, Tracer) and not isinstance(indices, Tracer):
        be = backend.of_indexing((arr,), (indices,))
        return be.xp.take_along_axis(arr, backend.parameter_on(be, indices), axis)
    if axis is None:
        arr, axis = reshape(arr, (-1,)), 0
    ndim = ndim_of(arr)
    axis = normalize_axis(axis, ndim)
    if ndim_of(indices) != ndim:
        raise ValueError(
            f"take_along_axis: indices has {ndim_of(indices)} dimensions but arr has {ndim}; "
            f"they must match (use expand_dims to add axes of length one)."
        )
    xp = constants_xp(arr)
    index = []
    for d, n in enumerate(shape_of(arr)):
        if d == axis:
            index.append(indices)
        else:
            index.append(xp.arange(n).reshape(tuple(n if k == d else 1 for k in range(ndim))))
    return getitem_advanced(arr, tuple(index))


# Functional updates --------------------------------------------------------
_MODES = {"set": "set", "add": "add", "multiply": "multiply", "min": "minimum",
          "max": "maximum"}


class IndexUpdateRef:
    """``at(x)[idx]``: methods return a new array with ``x[idx]`` updated."""

    __slots__ = ("array", "index")

    def __init__(self, array, index) -> None:
        self.array = array
        self.index = index

    def get(self):
        """``x[idx]``."""
        x = _as_array(self.array)
        if isinstance(x, Tracer) or not is_basic_index(self.index):
            return getitem_advanced(x, self.index)
        return x[self.index]

    def set(self, values):
        """``x`` with ``x[idx] = values``; of repeated indices the last one is kept."""
        return _update(self.array, self.index, values, "set")

    def add(self, values):
        """``x`` with ``values`` added at ``idx``; repeated indices accumulate."""
        return _update(self.array, self.index, values, "add")

    def multiply(self, values):
        """``x`` with ``x[idx]`` multiplied by ``values``; repeated indices accumulate."""
        return _update(self.array, self.index, values, "multiply")

    def min(self, values):  # noqa: A003 - mirrors JAX's .at[].min
        """``x`` with ``x[idx] = minimum(x[idx], values)``."""
        return _update(self.array, self.index, values, "min")

    def max(self, values):  # noqa: A003 - mirrors JAX's .at[].max
        """``x`` with ``x[idx] = maximum(x[idx], values)``."""
        return _update(self.array, self.index, values, "max")


class IndexUpdateHelper:
    """``at(x)``: index it to say where to update, ``at(x)[idx].set(v)``."""

    __slots__ = ("array",)

    def __init__(self, array) -> None:
        self.array = array

    def __getitem__(self, index) -> IndexUpdateRef:
        return IndexUpdateRef(self.array, index)


def at(x) -> IndexUpdateHelper:
    """Functional in-place updates: ``fnp.at(x)[idx].set(v)`` returns a new array.

    Works the same on plain arrays and traced values; the update methods are
    ``set``, ``add``, ``multiply``, ``min``, ``max`` and ``get``. Derivatives flow to
    both ``x`` and ``v``.

    >>> import numpy as np, funcad.numpy as fnp
    >>> x = np.zeros(3)
    >>> fnp.at(x)[1].set(5.0).tolist(), x.tolist()
    ([0.0, 5.0, 0.0], [0.0, 0.0, 0.0])
    """
    return IndexUpdateHelper(x)


def _items(index):
    return index if isinstance(index, tuple) else (index,)


def _as_array(x):
    return x if isinstance(x, Tracer) or backend.is_array(x) else backend.of(x).xp.asarray(x)


def _broadcastable(shape, target) -> bool:
    if len(shape) > len(target):
        return False
    return all(s in (1, t) for s, t in zip(shape[::-1], target[::-1]))


def _update(x, index, values, method: str):
    mode = _MODES[method]
    x = _as_array(x)
    traced_index = any(isinstance(i, Tracer) or (isinstance(i, list) and any(
        isinstance(v, Tracer) for v in i)) for i in _items(index))
    if not (isinstance(x, Tracer) or isinstance(values, Tracer) or traced_index):
        be = backend.of_many(x, values)
        xp = be.xp
        if be.lazy:  # a lazy array is not written into: its backend builds the result
            return be.scatter(xp.asarray(x), index, values, mode)
        out = xp.array(x, copy=True)
        if mode == "set":
            out[index] = values
        else:
            getattr(xp, mode).at(out, index, values)
        return out
    template, arrays = advanced_index(index, ndim_of(x))
    target = indexed_shape(template, shape_of(x), tuple(shape_of(a) for a in arrays))
    if not (isinstance(values, Tracer) or backend.is_array(values) or traced(values)):
        # Numbers and lists become constants of x's backend, not of the default one.
        values = constants_xp(x).asarray(values)
    if dtype_of(values) != dtype_of(x):
        values = astype(values, dtype_of(x))
    if shape_of(values) != target:
        if not _broadcastable(shape_of(values), target):
            raise ValueError(
                f"at(x)[idx].{method}(values): values of shape {shape_of(values)} cannot be "
                f"broadcast to x[idx], of shape {target}; give values that shape or one "
                f"that broadcasts to it."
            )
        values = broadcast_to(values, target)
    return scatter(x, values, arrays, template, mode)


# Index conversions: integer arithmetic, so they also map over traced indices. ---
def _strides(dims, order: str) -> list[int]:
    if order not in ("C", "F"):
        raise ValueError(f"order must be 'C' or 'F', got {order!r}.")
    strides, step = [0] * len(dims), 1
    for k in (reversed(range(len(dims))) if order == "C" else range(len(dims))):
        strides[k] = step
        step *= dims[k]
    return strides


def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """Flat indices of the index arrays ``multi_index`` into an array of shape ``dims``."""
    multi_index = tuple(multi_index)
    if not any(isinstance(i, Tracer) for i in multi_index):
        return backend.of_arrays(*multi_index).xp.ravel_multi_index(multi_index, dims, mode=mode,
                                                         order=order)
    if mode != "raise":
        raise ValueError(f"ravel_multi_index: mode={mode!r} is supported for concrete indices "
                         f"only; use mode='raise' on traced indices.")
    dims = tuple(int(d) for d in dims)
    if len(multi_index) != len(dims):
        raise ValueError(f"ravel_multi_index: {len(multi_index)} index arrays for "
                         f"{len(dims)} dimensions; give one per dimension.")
    flat = 0
    for index, stride in zip(multi_index, _strides(dims, order)):
        flat = flat + index * stride
    return flat


def unravel_index(indices, shape, order="C"):
    """The index arrays into ``shape`` of the flat ``indices``, as a tuple."""
    if not isinstance(indices, Tracer):
        return backend.of_arrays(indices).xp.unravel_index(indices, shape, order=order)
    shape = (int(shape),) if hasattr(shape, "__index__") else tuple(int(d) for d in shape)
    strides = _strides(shape, order)
    return tuple((indices // stride) % dim for dim, stride in zip(shape, strides))
