"""The Dask backend: funcad over ``dask.array``, building lazy graphs.

A transform applied to Dask arrays builds a Dask graph for its values and its
derivatives alike; nothing runs until the user calls ``.compute()`` (or
``dask.compute`` on a pytree of results), on whatever scheduler the user has.

The namespace ``xp`` that rules see is ``dask.array``, changed so that nothing
runs before the user asks and nothing differs from NumPy:

* dtype and shape helpers that take no arrays (``finfo``, ``promote_types``,
  ``float64``, ``inf``, ...) come from NumPy;
* a function whose result would have a shape that depends on the values
  (``nonzero``, ``argwhere``, a boolean mask, ...) raises
  :class:`LazyShapeError` instead of returning an array of unknown shape;
* a NumPy function that Dask does not implement, or an option Dask's version
  does not take, raises :class:`NotLazyError` instead of computing on the host
  behind the user's back (which is what NumPy's protocol would make Dask do);
  so do the few calls where Dask's result would differ from NumPy's (``pad``
  reflecting past an axis, ``insert``, ``delete``, advanced indexes with ints
  and arrays apart);
* NumPy's signatures where Dask's differ (a positional ``dtype`` in ``zeros``,
  ``eye``'s ``M``, ``cumsum`` without an axis, ``numpy.linalg.matmul`` ...),
  and ``add.at`` (the transpose of ``x[i]``) as a one-hot contraction.

NumPy operands join Dask graphs (Dask's chunks are NumPy arrays), so a NumPy
parameter vector times a Dask design matrix is a Dask array.

This module imports Dask only in :func:`load`.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy

from funcad.backend.base import Backend


class NotLazyError(NotImplementedError):
    """A NumPy function that funcad's Dask backend cannot build lazily."""


class LazyShapeError(ValueError):
    """A result whose shape depends on the values, which a lazy graph cannot have."""


# NumPy functions on dtypes and shapes, not arrays: NumPy's own serve Dask too.
_FROM_NUMPY = frozenset({
    "finfo", "iinfo", "dtype", "promote_types", "can_cast", "issubdtype",
    "broadcast_shapes", "mintypecode", "errstate", "exceptions", "ndim", "shape",
    "isscalar", "iscomplexobj", "isrealobj", "obj2sctype", "format_float_positional",
})


def _unknown_shapes(value) -> bool:
    if isinstance(value, (tuple, list)):
        return any(_unknown_shapes(v) for v in value)
    shape = getattr(value, "shape", None)
    return shape is not None and any(
        isinstance(s, float) and math.isnan(s) for s in shape
    )


def _known_shape(name: str, fn):
    """``fn`` (a dask.array function), refusing results of value-dependent shape."""

    @functools.wraps(fn)
    def known_shape(*args, **kwargs):
        try:
            out = fn(*args, **kwargs)
        except TypeError as error:
            if "keyword" not in str(error):
                raise
            raise NotLazyError(
                f"the Dask version of {name} does not take these arguments ({error}); funcad "
                f"cannot build this call lazily. Compute the array first (x.compute()) and use the "
                f"NumPy backend."
            ) from error
        except NotImplementedError as error:
            if isinstance(error, NotLazyError):
                raise
            raise NotLazyError(
                f"Dask cannot build {name} lazily here: {str(error).strip()}"
            ) from error
        return _refuse_unknown_shape(name, out)

    return known_shape


def _refuse_unknown_shape(name: str, out):
    if _unknown_shapes(out):
        raise LazyShapeError(
            f"{name} on a Dask array gives a result whose shape depends on the values, "
            f"which funcad cannot trace lazily. Give the size explicitly where the function "
            f"allows it (e.g. fnp.nonzero(x, size=n)), use fnp.where(mask, x, 0) instead of "
            f"x[mask], or compute the array first (x.compute()) and use the NumPy backend."
        )
    return out


def _not_lazy(qualified: str):
    def not_lazy(*args, **kwargs):
        raise NotLazyError(
            f"{qualified} has no lazy Dask implementation, so funcad cannot apply it to a "
            f"Dask array without computing it. Compute the array first (x.compute()) and use "
            f"the NumPy backend, or rewrite this step with elementwise operations, "
            f"reductions, reshapes, basic indexing or contractions, which Dask runs chunk "
            f"by chunk."
        )

    not_lazy.__name__ = qualified.rpartition(".")[2]
    return not_lazy


def _add_at(out, index, values) -> None:
    """``numpy.add.at(out, index, values)`` for one integer index array, built lazily.

    The sum over repeated indices is a contraction with a one-hot matrix, which
    Dask runs chunk by chunk; ``out`` (a Dask array) is rebound to the result.
    """
    import dask.array as da

    items = list(index) if isinstance(index, tuple) else [index]
    if any(item is Ellipsis for item in items):
        k = items.index(Ellipsis)
        items[k:k + 1] = [slice(None)] * (out.ndim - len(items) + 1)
    arrays = [k for k, item in enumerate(items)
              if isinstance(item, list) or getattr(item, "ndim", 0)]
    if not arrays:  # a basic index names each place once
        out[tuple(items)] = out[tuple(items)] + values
        return
    full = slice(None)
    if len(arrays) != 1 or len(items) > out.ndim or any(
        not (isinstance(item, slice) and item == full)
        for k, item in enumerate(items) if k != arrays[0]
    ):
        raise NotLazyError(
            "numpy.add.at on a Dask array is built lazily only for one integer index array "
            "among full slices (the gradient of x[i], x[:, i], x[..., i]); funcad cannot "
            "build this index lazily. Compute the array first (x.compute())."
        )
    (k,) = arrays
    i = items[k]
    if isinstance(i, (list, numpy.ndarray)):
        i = numpy.asarray(i)
        if i.dtype == bool and i.ndim == 1:
            i = numpy.flatnonzero(i)
    if getattr(i, "dtype", None) is not None and i.dtype.kind not in "iu":
        raise NotLazyError(
            f"numpy.add.at on a Dask array takes an integer index array, got dtype {i.dtype}; "
            f"turn a NumPy mask into indices with numpy.flatnonzero first."
        )
    n = out.shape[k]
    i = da.asarray(i)
    i = da.where(i < 0, i + n, i)
    one_hot = (i[..., None] == da.arange(n)).astype(values.dtype)
    letters = "abcdefghijklmnopqrstuvwxyz"
    lead, rest = letters[:k], letters[k:]
    axes, rest = rest[:i.ndim], rest[i.ndim:]
    trail, target = rest[:out.ndim - k - 1], rest[out.ndim - k - 1]
    spec = f"{lead}{axes}{trail},{axes}{target}->{lead}{target}{trail}"
    out[...] = out + da.einsum(spec, da.broadcast_to(values, out.shape[:k] + i.shape
                                                     + out.shape[k + 1:]), one_hot)


class _Ufunc:
    """A Dask ufunc: calls and reductions as Dask's; ``.at`` lazily for ``add`` only."""

    def __init__(self, name: str, ufunc) -> None:
        self._name = name
        self._ufunc = ufunc

    def __call__(self, *args, **kwargs):
        return self._ufunc(*args, **kwargs)

    def __getattr__(self, attr: str):
        if attr == "at":
            if self._name == "add":
                return _add_at
            return _not_lazy(f"numpy.{self._name}.at (an unbuffered in-place update)")
        return getattr(self._ufunc, attr)

    def __repr__(self) -> str:
        return f"<funcad dask ufunc {self._name}>"


class _Namespace:
    """``dask.array`` (or one of its submodules) as a NumPy-like namespace."""

    def __init__(self, dask_module, numpy_module, prefix: str, overrides: dict) -> None:
        self._dask = dask_module
        self._numpy = numpy_module
        self._prefix = prefix
        self._overrides = overrides
        self.__name__ = f"funcad.backend.dask:{prefix}"

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._lookup(name)
        setattr(self, name, value)  # later lookups skip __getattr__
        return value

    def _lookup(self, name: str):
        if name in self._overrides:
            return self._overrides[name]
        qualified = f"{self._prefix}.{name}"
        mine = getattr(self._dask, name, None)
        theirs = getattr(self._numpy, name, None)
        if theirs is not None and (name in _FROM_NUMPY or isinstance(theirs, type)
                                   or not callable(theirs) and not _is_module(theirs)):
            return theirs  # dtypes, constants, dtype and shape helpers
        if mine is not None and callable(mine) and not isinstance(mine, type):
            if type(mine).__name__ == "ufunc":
                return _Ufunc(name, mine)
            return _known_shape(qualified, mine)
        if mine is not None:
            return mine
        if theirs is None:
            raise AttributeError(f"{qualified} does not exist")
        return _not_lazy(qualified)


def _is_module(value) -> bool:
    return type(value).__name__ == "module"


def _reshape(da, x, shape):
    """Dask's reshape; where its chunks cannot be split evenly, one chunk if it fits."""
    try:
        return da.reshape(x, shape)
    except NotImplementedError as error:
        import dask

        limit = dask.utils.parse_bytes(dask.config.get("array.chunk-size"))
        if x.nbytes > limit:
            raise NotLazyError(
                f"dask.array cannot reshape {x.shape} (chunks {x.chunks}) to {shape} chunk by "
                f"chunk, and the array ({x.nbytes} bytes) is larger than one chunk "
                f"(array.chunk-size = {limit} bytes). Rechunk it first so that the reshape "
                f"merges or splits whole chunks. {str(error).strip()}"
            ) from error
        return da.reshape(x.rechunk(-1), shape)


def _array(da, obj, dtype=None, copy=True, **kwargs):
    # Dask arrays are never changed in place by funcad, so a copy is a new graph node.
    out = da.array(obj, dtype=dtype, **kwargs)
    return out.copy() if copy and out is obj else out


def _advanced_getitem(x, index):
    """``x[index]`` for an index holding arrays, where Dask agrees with NumPy."""
    items = index if isinstance(index, tuple) else (index,)
    arrays = [k for k, item in enumerate(items) if getattr(item, "ndim", 0) or
              isinstance(item, list)]
    ints = [k for k, item in enumerate(items) if hasattr(item, "__index__")
            and not getattr(item, "ndim", 0)]
    advanced = sorted(arrays + ints)
    separated = advanced and advanced[-1] - advanced[0] + 1 != len(advanced)
    if len(arrays) > 1 or (arrays and separated):
        raise NotLazyError(
            "dask.array indexes with one index array at a time, and places the result's "
            "axes differently from NumPy when ints and arrays are separated by a slice; "
            "funcad cannot build this index lazily. Index in two steps (x[i][:, j]), or "
            "compute the array first (x.compute())."
        )
    return _refuse_unknown_shape("x[index] with a Dask boolean mask", x[index])


def _pad(da, x, pad_width, *args, **kwargs):
    """Dask's pad, refused where its shape would differ from NumPy's.

    Dask mishandles reflections wider than the axis they reflect.
    """
    out = da.pad(x, pad_width, *args, **kwargs)
    widths = numpy.broadcast_to(numpy.asarray(pad_width, dtype=numpy.int64), (x.ndim, 2))
    want = tuple(int(n + a + b) for n, (a, b) in zip(x.shape, widths))
    if out.shape != want:
        raise NotLazyError(
            f"dask.array's pad gives shape {out.shape} here where NumPy gives {want} (a "
            f"reflection wider than its axis); funcad refuses rather than return a wrong "
            f"result. Compute the array first (x.compute())."
        )
    return out


def _map_elementwise(fn, *args, **params):
    """``fn`` (elementwise, for NumPy arrays) on the chunks of ``args`` broadcast together."""
    import dask.array as da

    at = [k for k, a in enumerate(args) if getattr(a, "shape", None) is not None]
    arrays = da.broadcast_arrays(*[da.asarray(args[k]) for k in at])
    args = list(args)
    for k, a in zip(at, arrays):
        args[k] = a
    dtype = numpy.result_type(*[a.dtype for a in arrays], 1.0)
    return da.map_blocks(fn, *args, dtype=dtype, **params)


def _may_share_memory(a, b) -> bool:
    # Dask arrays are graphs, not memory: only the same object is shared.
    return a is b


def _must_copy(x, inputs) -> bool:
    # A Dask array is immutable data, but ``x[i] = v`` rewires the Python object:
    # hand out a new object when the result is one of the inputs.
    return any(x is i for i in inputs)


def _to_numpy(x):
    return numpy.asarray(x.compute())


def load() -> Backend:
    """Import Dask and build the backend (raises ImportError when Dask is missing)."""
    import dask.array as da
    import opt_einsum

    @functools.lru_cache(maxsize=1024)
    def contraction(subscripts: str, shapes: tuple[tuple[int, ...], ...]):
        return opt_einsum.contract_expression(subscripts, *shapes)

    def einsum(subscripts: str, *operands):
        # opt_einsum plans the pairwise order; Dask's tensordot and einsum run each
        # pair chunk by chunk.
        shapes = tuple(tuple(numpy.shape(op)) for op in operands)
        return contraction(subscripts, shapes)(*operands, backend="dask")

    def linalg_trace(x, /, *, offset=0, dtype=None):
        return da.trace(x, offset=offset, axis1=-2, axis2=-1, dtype=dtype)

    def linalg_diagonal(x, /, *, offset=0):
        return da.diagonal(x, offset=offset, axis1=-2, axis2=-1)

    # numpy.linalg's array-API functions that are Dask's top-level ones (on the last axes).
    linalg = _Namespace(da.linalg, numpy.linalg, "numpy.linalg", {
        "LinAlgError": numpy.linalg.LinAlgError,
        "matmul": _known_shape("numpy.linalg.matmul", da.matmul),
        "tensordot": _known_shape("numpy.linalg.tensordot", da.tensordot),
        "outer": _known_shape("numpy.linalg.outer", da.outer),
        "matrix_transpose": _known_shape("numpy.linalg.matrix_transpose",
                                         lambda x: da.swapaxes(x, -1, -2)),
        "trace": linalg_trace,
        "diagonal": linalg_diagonal,
    })

    def cumulative(name):
        fn = getattr(da, name)

        def along_axis(x, axis=None, dtype=None, **kwargs):
            if axis is None:  # NumPy flattens first, 0-d arrays included
                x, axis = da.ravel(x), 0
            return fn(x, axis=axis, dtype=dtype, **kwargs)

        along_axis.__name__ = name
        return along_axis

    def creation(name):
        fn = getattr(da, name)

        # Dask's creation functions read dtype only as a keyword; NumPy's take it positionally.
        def with_dtype(shape, dtype=float, order="C", **kwargs):
            return fn(shape, dtype=dtype, **kwargs)

        with_dtype.__name__ = name
        return with_dtype

    def full(shape, fill_value, dtype=None, order="C", **kwargs):
        return da.full(shape, fill_value, dtype=dtype, **kwargs)

    def take(a, indices, axis=None, out=None, mode=None):
        if out is not None or mode not in (None, "raise"):
            raise NotLazyError(
                f"dask.array's take has no out= or mode={mode!r}; funcad cannot build this "
                f"call lazily. Clip or wrap the indices first (fnp.clip, %)."
            )
        if axis is None:
            a, axis = da.ravel(a), 0
        return da.take(a, indices, axis=axis)

    def eye(N, M=None, k=0, dtype=float, **kwargs):  # noqa: N803 - numpy.eye's names
        return da.eye(N, M=M, k=k, dtype=dtype, **kwargs)

    def identity(n, dtype=float, **kwargs):
        return da.eye(n, dtype=dtype, **kwargs)

    overrides: dict[str, Any] = {
        "eye": eye,
        "identity": identity,
        "take": _known_shape("numpy.take", take),
        "zeros": creation("zeros"),
        "ones": creation("ones"),
        "empty": creation("empty"),
        "full": full,
        "cumsum": cumulative("cumsum"),
        "cumprod": cumulative("cumprod"),
        "linalg": linalg,
        "may_share_memory": _may_share_memory,
        "einsum": einsum,
        "reshape": functools.partial(_reshape, da),
        "array": functools.partial(_array, da),
        "pad": functools.partial(_pad, da),
        # Dask's insert and delete disagree with NumPy on some index forms.
        "insert": _not_lazy("numpy.insert"),
        "delete": _not_lazy("numpy.delete"),
    }
    xp = _Namespace(da, numpy, "numpy", overrides)
    return Backend(
        name="dask",
        xp=xp,
        array_types=(da.Array,),
        einsum=einsum,
        to_numpy=_to_numpy,
        must_copy=_must_copy,
        absorbs=("numpy",),
        lazy=True,
        getitem=_advanced_getitem,
        map_elementwise=_map_elementwise,
    )
