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
  reflecting past an axis, ``insert``, ``delete``);
* NumPy's signatures where Dask's differ (a positional ``dtype`` in ``zeros``,
  ``eye``'s ``M``, ``cumsum`` without an axis, ``numpy.linalg.matmul``,
  ``count_nonzero``'s ``keepdims``, ``average``'s weights, ``gradient``'s
  result ...);
* advanced indexing with NumPy's rules, and updates at an index (assignment,
  ``add.at``, ``minimum.at``, ``maximum.at``: the transposes of ``x[i]``),
  chunk by chunk (``funcad.backend._dask_indexing``);
* what needs a whole axis or a whole matrix (``sort``, ``argsort``,
  ``partition``, ``take_along_axis``, ``solve``, ``inv``, ``cholesky``,
  ``eigh``, ``svd``, ``qr``, ``slogdet``, ``pinv``, ...) puts those axes in
  one chunk and runs NumPy's function on every chunk of the others
  (``funcad.backend._dask_blocks``): stacks of matrices work chunk by chunk.

NumPy operands join Dask graphs (Dask's chunks are NumPy arrays), so a NumPy
parameter vector times a Dask design matrix is a Dask array.

This module imports Dask only in :func:`load`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy

from funcad.backend.base import Backend


@dataclass(frozen=True)
class DaskBackend(Backend):
    """The Dask backend, with ``scatter``, since a Dask array is not written into.

    ``scatter(x, index, values, mode)`` is a new array: ``x`` with ``values``
    combined in at ``index`` (``x[index] = values`` for ``"set"``, otherwise as
    ``numpy.<mode>.at``).
    """

    scatter: Callable[..., Any] | None = None


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


def _checked(prefix: str, table: dict) -> dict:
    """``table``'s functions, refusing clearly where Dask cannot build a call lazily."""
    return {name: _known_shape(f"{prefix}.{name}", fn) for name, fn in table.items()}


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


def _at(mode: str):
    """``numpy.<ufunc>.at(out, index, values)``, built lazily: ``out`` is rebound to the result."""

    def at(out, index, values) -> None:
        from funcad.backend import _dask_indexing

        out[...] = _dask_indexing.update(out, index, values, mode)

    at.__name__ = "at"
    return at


# ufunc.at built chunk by chunk. ``multiply`` stays refused: its derivative asks which
# targets are distinct (gather.py's _products_of_others), a value-dependent answer.
_LAZY_AT = ("add", "minimum", "maximum")


class _Ufunc:
    """A Dask ufunc: calls and reductions as Dask's; ``.at`` lazily for some."""

    def __init__(self, name: str, ufunc) -> None:
        self._name = name
        self._ufunc = ufunc

    def __call__(self, *args, **kwargs):
        return self._ufunc(*args, **kwargs)

    def __getattr__(self, attr: str):
        if attr == "at":
            if self._name in _LAZY_AT:
                return _at(self._name)
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
        if type(theirs).__name__ == "ufunc":
            # Dask applies any NumPy ufunc chunk by chunk (its __array_ufunc__).
            return _Ufunc(name, theirs)
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


def _getitem(x, index):
    """``x[index]`` for an index holding arrays, with NumPy's rules (Dask's differ)."""
    from funcad.backend import _dask_indexing

    return _dask_indexing.getitem(x, index)


def _scatter(x, index, values, mode: str):
    """A new array: ``x`` with ``values`` combined in at ``index`` by ``mode``.

    ``mode="set"`` is ``x[index] = values``; the others are ``numpy.<mode>.at``.
    """
    from funcad.backend import _dask_indexing

    if mode not in ("set",) + _LAZY_AT:
        _not_lazy(f"numpy.{mode}.at (an unbuffered in-place update)")()
    return _dask_indexing.update(x, index, values, mode)


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


def _count_nonzero(da, a, axis=None, *, keepdims=False):
    """NumPy's count_nonzero (Dask's takes no ``keepdims``): a sum of ``a != 0``."""
    a = da.asarray(a)
    return (a != 0).sum(axis=axis, keepdims=keepdims, dtype=numpy.intp)


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


def compute_together(values: list) -> list:
    """NumPy arrays of lazy ``values``, computed in one pass (shared parts once)."""
    import dask

    return [numpy.asarray(v) for v in dask.compute(*values)]


def load() -> Backend:
    """Import Dask and build the backend (raises ImportError when Dask is missing)."""
    import dask.array as da
    import opt_einsum

    from funcad.backend import _dask_blocks

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
        **_checked("numpy.linalg", _dask_blocks.linalg(da)),
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
        if out is not None:
            raise NotLazyError("numpy.take on a Dask array cannot write into out=; use the "
                               "returned array.")
        if mode not in (None, "raise", "clip", "wrap"):
            raise ValueError(f"take: mode must be 'raise', 'clip' or 'wrap', got {mode!r}.")
        a = da.asarray(a)
        if axis is None:
            a, axis = _reshape(da, a, (-1,)), 0
        axis = axis + a.ndim if axis < 0 else axis
        if mode in ("clip", "wrap"):
            n = a.shape[axis]
            if isinstance(indices, da.Array):
                indices = da.clip(indices, 0, n - 1) if mode == "clip" else indices % n
            else:
                indices = numpy.asarray(indices)
                indices = numpy.clip(indices, 0, n - 1) if mode == "clip" else indices % n
        if not isinstance(indices, da.Array):
            indices = numpy.asarray(indices)
        return _getitem(a, (slice(None),) * axis + (indices,))

    def take_along_axis(arr, indices, axis=-1):
        arr = da.asarray(arr)
        if axis is None:
            arr, axis, indices = _reshape(da, arr, (-1,)), 0, indices.reshape(-1)
        if numpy.ndim(indices) != arr.ndim:
            raise ValueError(f"take_along_axis: indices has {numpy.ndim(indices)} dimensions "
                             f"but arr has {arr.ndim}; they must match.")
        axis = axis + arr.ndim if axis < 0 else axis
        if not isinstance(indices, da.Array):
            indices = numpy.asarray(indices)
        index = tuple(indices if d == axis else numpy.arange(n).reshape(
            tuple(n if k == d else 1 for k in range(arr.ndim))) for d, n in enumerate(arr.shape))
        return _getitem(arr, index)

    def eye(N, M=None, k=0, dtype=float, **kwargs):  # noqa: N803 - numpy.eye's names
        M = N if M is None else M  # noqa: N806
        if M == N:
            return da.eye(N, k=k, dtype=dtype, **kwargs)
        # Dask's eye builds a graph with a missing task when M != N (dask/dask#11937):
        # a square one, cut to shape, has none.
        return da.eye(max(N, M), k=k, dtype=dtype, **kwargs)[:N, :M]

    def identity(n, dtype=float, **kwargs):
        return da.eye(n, dtype=dtype, **kwargs)

    overrides: dict[str, Any] = {
        "eye": eye,
        "identity": identity,
        "take": _known_shape("numpy.take", take),
        "take_along_axis": _known_shape("numpy.take_along_axis", take_along_axis),
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
        "count_nonzero": functools.partial(_count_nonzero, da),
        **_checked("numpy", _dask_blocks.sorting(da)),
        **_checked("numpy", _dask_blocks.triangles(da)),
        **_checked("numpy", _dask_blocks.vectors(da)),
        **_checked("numpy", _dask_blocks.statistics(da)),
        **_checked("numpy", _dask_blocks.products(da)),
        # Dask's insert and delete disagree with NumPy on some index forms.
        "insert": _not_lazy("numpy.insert"),
        "delete": _not_lazy("numpy.delete"),
    }
    xp = _Namespace(da, numpy, "numpy", overrides)
    return DaskBackend(
        name="dask",
        xp=xp,
        array_types=(da.Array,),
        einsum=einsum,
        to_numpy=_to_numpy,
        must_copy=_must_copy,
        absorbs=("numpy",),
        lazy=True,
        getitem=_getitem,
        map_elementwise=_map_elementwise,
        scatter=_scatter,
    )
