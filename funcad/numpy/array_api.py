"""NumPy 2's array-API names, type queries, and more creation functions.

``concat``, ``permute_dims``, ``matrix_transpose``, ``cumulative_sum``,
``vecdot``, ``matvec``, ``unstack``, ``resize``, ``diagflat`` and the like are
composites of existing primitives, differentiable to any order. The type
queries (``result_type``, ``can_cast``, ``iscomplexobj``, ...) read a traced
value's dtype. ``geomspace`` and ``logspace`` are differentiable in their
ends (and ``logspace`` in its base); the index generators (``tri``,
``indices``, ``tril_indices``, ...) take no traced input and are NumPy's.

>>> import numpy as np, funcad as fa, funcad.numpy as fnp
>>> float(fa.grad(lambda s: fnp.geomspace(s, 8.0, 4)[1])(1.0))  # d/ds s**(2/3) 8**(1/3)
1.3333333333333333
"""

from __future__ import annotations

import operator

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._concrete import concrete, maybe_concrete
from funcad.numpy._lazy import constants_xp, is_lazy, plain, plain_xp
from funcad.numpy._numerical_util import as_operand, default_xp
from funcad.numpy.composites import moveaxis, ravel, swapaxes
from funcad.numpy.creation import asarray
from funcad.numpy.products import diag
from funcad.numpy.reductions import cumprod, cumsum
from funcad.primitives._util import (
    backend_of,
    check_no_out,
    dtype_of,
    ndim_of,
    normalize_axis,
    shape_of,
)
from funcad.primitives.arithmetic import add, divide, multiply, power, subtract
from funcad.primitives.comparison import astype, equal, not_equal
from funcad.primitives.complex import conj, imag, real
from funcad.primitives.elementwise import log10, sign
from funcad.primitives.indexing import getitem
from funcad.primitives.linalg import einsum
from funcad.primitives.shape import broadcast_to, concatenate, reshape, transpose

__all__ = [
    "concat", "permute_dims", "matrix_transpose", "cumulative_sum", "cumulative_prod",
    "vecdot", "matvec", "vecmat", "unstack", "asanyarray", "ascontiguousarray",
    "asfortranarray", "asarray_chkfinite", "copy", "broadcast_arrays", "broadcast_shapes",
    "result_type", "can_cast", "promote_types", "min_scalar_type", "isscalar", "iscomplexobj",
    "isrealobj", "iscomplex", "isreal", "real_if_close", "rollaxis", "resize", "diagflat",
    "geomspace", "logspace", "tri", "indices", "ix_", "fromfunction", "diag_indices",
    "diag_indices_from", "tril_indices", "tril_indices_from", "triu_indices",
    "triu_indices_from", "mask_indices",
]  # fmt: skip


def _xp(x):
    return backend_of(x).xp


def _dtype(x):
    """The dtype of an array or tracer; a Python scalar stays itself (weak, NEP 50)."""
    return dtype_of(x) if isinstance(x, Tracer) or backend.is_array(x) else x


# Array-API names ------------------------------------------------------------------
def concat(arrays, /, axis: int | None = 0, out=None, *, dtype=None, casting="same_kind"):
    """Join arrays along an existing axis (``concatenate``'s array-API name)."""
    check_no_out(out, "concat")
    if plain(arrays):
        return plain_xp(arrays).concat(arrays, axis=axis, dtype=dtype, casting=casting)
    from funcad.numpy.manipulation import _concat_cast

    return _concat_cast(arrays, axis, dtype, casting, "concat")


def permute_dims(a, axes=None):
    """``a`` with its axes permuted (``transpose``'s array-API name)."""
    if plain(a):
        return plain_xp(a).permute_dims(a, axes)
    return transpose(a, axes)


def matrix_transpose(x, /):
    """``x`` with its last two axes exchanged."""
    if plain(x):
        return plain_xp(x).matrix_transpose(x)
    if ndim_of(x) < 2:
        raise ValueError(f"Input array must be at least 2-dimensional, but it is {ndim_of(x)}")
    return swapaxes(x, -1, -2)


def _cumulative(x, scan, identity, axis, dtype, include_initial, name):
    shape = shape_of(x)
    if not shape:
        x, shape = reshape(x, (1,)), (1,)
    if axis is None:
        if len(shape) >= 2:
            raise ValueError("For arrays which have more than one dimension ``axis`` "
                             f"argument is required ({name}).")
        axis = 0
    axis = normalize_axis(axis, len(shape))
    result = scan(x, axis=axis, dtype=dtype)
    if not include_initial:
        return result
    first = _xp(result).full(shape[:axis] + (1,) + shape[axis + 1:], identity, dtype_of(result))
    return concatenate([first, result], axis)


def cumulative_sum(x, /, *, axis: int | None = None, dtype=None, out=None,
                   include_initial: bool = False):
    """Running sum along ``axis``, optionally starting with 0; differentiable."""
    check_no_out(out, "cumulative_sum")
    if plain(x):
        return plain_xp(x).cumulative_sum(x, axis=axis, dtype=dtype,
                                           include_initial=include_initial)
    return _cumulative(x, cumsum, 0, axis, dtype, include_initial, "cumulative_sum")


def cumulative_prod(x, /, *, axis: int | None = None, dtype=None, out=None,
                    include_initial: bool = False):
    """Running product along ``axis``, optionally starting with 1; differentiable."""
    check_no_out(out, "cumulative_prod")
    if plain(x):
        return plain_xp(x).cumulative_prod(x, axis=axis, dtype=dtype,
                                            include_initial=include_initial)
    return _cumulative(x, cumprod, 1, axis, dtype, include_initial, "cumulative_prod")


def _conj_if_complex(x):
    return conj(x) if getattr(_dtype_of_any(x), "kind", None) == "c" else x


def _dtype_of_any(x):
    return dtype_of(x) if dtype_of(x) is not None else default_xp().asarray(x).dtype


def vecdot(x1, x2, /, out=None, *, axis: int = -1, keepdims: bool = False):
    """``sum(conj(x1) * x2)`` along ``axis``, broadcasting the other axes."""
    check_no_out(out, "vecdot")
    if plain(x1, x2):
        return plain_xp(x1, x2).vecdot(x1, x2, axis=axis, keepdims=keepdims)
    a = moveaxis(x1, axis, -1)
    b = moveaxis(x2, axis, -1)
    if shape_of(a)[-1] != shape_of(b)[-1]:
        raise ValueError(f"vecdot: the vectors have lengths {shape_of(a)[-1]} and "
                         f"{shape_of(b)[-1]} along axis {axis}; they must match.")
    result = einsum("...i,...i->...", _conj_if_complex(a), b)
    if keepdims:
        result = moveaxis(reshape(result, shape_of(result) + (1,)), -1, axis)
    return result


def matvec(x1, x2, /, out=None):
    """Matrix-vector products ``x1 @ x2`` over the last axes, broadcasting the others."""
    check_no_out(out, "matvec")
    if plain(x1, x2):
        return plain_xp(x1, x2).matvec(x1, x2)
    return einsum("...ij,...j->...i", x1, x2)


def vecmat(x1, x2, /, out=None):
    """Vector-matrix products ``conj(x1) @ x2`` over the last axes, broadcasting the others."""
    check_no_out(out, "vecmat")
    if plain(x1, x2):
        return plain_xp(x1, x2).vecmat(x1, x2)
    return einsum("...i,...ij->...j", _conj_if_complex(x1), x2)


def unstack(x, /, *, axis: int = 0) -> tuple:
    """The slices of ``x`` along ``axis``, as a tuple."""
    if plain(x):
        return plain_xp(x).unstack(x, axis=axis)
    if ndim_of(x) == 0:
        raise ValueError("Input array must be at least 1-d.")
    axis = normalize_axis(axis, ndim_of(x))
    return tuple(getitem(x, (slice(None),) * axis + (i,)) for i in range(shape_of(x)[axis]))


# Conversions ----------------------------------------------------------------------
def asanyarray(a, dtype=None, order=None, *, device=None, copy=None, like=None):
    """``a`` as an array (``asarray``; traced values stay traced)."""
    if plain(a):
        return plain_xp(a).asanyarray(a, dtype=dtype, order=order, device=device, copy=copy)
    return asarray(a, dtype)


def ascontiguousarray(a, dtype=None, *, like=None):
    """``a`` as an array with at least one dimension."""
    if plain(a):
        return plain_xp(a).ascontiguousarray(a, dtype=dtype)
    a = asarray(a, dtype)
    return a if shape_of(a) else reshape(a, (1,))


def asfortranarray(a, dtype=None, *, like=None):
    """``a`` as an array with at least one dimension (memory order is NumPy's concern)."""
    if plain(a):
        return plain_xp(a).asfortranarray(a, dtype=dtype)
    a = asarray(a, dtype)
    return a if shape_of(a) else reshape(a, (1,))


def asarray_chkfinite(a, dtype=None, order=None):
    """``a`` as an array; a ``ValueError`` if it holds infinities or NaNs."""
    if plain(a):
        return plain_xp(a).asarray_chkfinite(a, dtype=dtype, order=order)
    a = asarray(a, dtype)
    # Every example of a vmap batch is checked: the loop would stop at the first bad one.
    value = a
    while isinstance(value, Tracer):
        value = value._value
    be = backend.of(value)
    if value.dtype.kind not in "fc":
        return a
    if be.lazy:
        if isinstance(a, Tracer):
            from funcad.backend import NotLazyError

            raise NotLazyError(
                "asarray_chkfinite cannot check a traced Dask array for infs and NaNs without "
                "computing it; check the input before the transform "
                "(fnp.asarray_chkfinite(x) checks chunk by chunk when x is computed)."
            )
        # The check runs with the graph: computing the result raises NumPy's ValueError.
        return be.map_elementwise(_finite_block, a)
    if not bool(be.xp.isfinite(value).all()):
        raise ValueError("array must not contain infs or NaNs")
    return a


def _finite_block(block):
    # NumPy's check and message, run on each chunk when the graph is computed.
    return backend.of(block).xp.asarray_chkfinite(block)


def copy(a, order: str = "K", subok: bool = False):
    """A copy of ``a``; traced values are immutable, so they are returned as they are."""
    if plain(a):
        return plain_xp(a).copy(a, order=order, subok=subok)
    if not isinstance(a, Tracer):
        return a.copy()  # a lazy array: a new graph node, as Dask's copy
    return a


def broadcast_arrays(*args, subok: bool = False) -> tuple:
    """The arguments broadcast against each other, as a tuple."""
    if plain(args):
        return plain_xp(args).broadcast_arrays(*args, subok=subok)
    shape = default_xp().broadcast_shapes(*(shape_of(a) for a in args))
    # Numbers and lists become arrays of the arrays' backend.
    like = next(a for a in args if isinstance(a, Tracer) or backend.is_array(a))
    return tuple(a if shape_of(a) == shape and isinstance(a, Tracer)
                 else broadcast_to(as_operand(a, like), shape) for a in args)


def broadcast_shapes(*args) -> tuple:
    """The shape that arrays of the given shapes broadcast to."""
    return default_xp().broadcast_shapes(*args)


# Type queries ---------------------------------------------------------------------
def result_type(*arrays_and_dtypes):
    """The dtype NumPy's promotion gives; a traced value counts by its dtype."""
    return default_xp().result_type(*(_dtype(a) for a in arrays_and_dtypes))


def can_cast(from_, to, casting: str = "safe") -> bool:
    """Whether ``from_`` (a dtype, or an array's dtype) casts to ``to`` under ``casting``."""
    return default_xp().can_cast(_dtype(from_), to, casting=casting)


def promote_types(type1, type2, /):
    """The smallest dtype both ``type1`` and ``type2`` cast to safely."""
    return default_xp().promote_types(type1, type2)


def min_scalar_type(a, /):
    """The smallest dtype that holds ``a``'s value (its dtype for arrays with dimensions)."""
    if plain(a):
        return plain_xp(a).min_scalar_type(a)
    if shape_of(a):
        return dtype_of(a)
    value = concrete(a, "min_scalar_type", "a", "the dtype depends on the value: use a.dtype",
                     "dtype")
    if backend.is_array(value) and not backend.of(value).native:
        # The value as a Python number (a synchronisation, not a copy): NumPy reads 0-d
        # arrays by value, the same way.
        value = value.item()
    return default_xp().min_scalar_type(value)


def isscalar(element) -> bool:
    """Whether ``element`` is a scalar (never true of arrays or traced values)."""
    return default_xp().isscalar(element)


def iscomplexobj(x) -> bool:
    """Whether ``x`` has a complex dtype."""
    if not isinstance(x, Tracer):
        return default_xp().iscomplexobj(x)
    return dtype_of(x).kind == "c"


def isrealobj(x) -> bool:
    """Whether ``x`` does not have a complex dtype."""
    return not iscomplexobj(x)


def iscomplex(x):
    """Elementwise: a nonzero imaginary part, as booleans; not differentiable."""
    if not isinstance(x, Tracer):
        return default_xp().iscomplex(x)
    if dtype_of(x).kind == "c":
        return not_equal(imag(x), 0)
    return _xp(x).zeros(shape_of(x), bool)[()]


def isreal(x):
    """Elementwise: a zero imaginary part, as booleans; not differentiable."""
    if not isinstance(x, Tracer):
        return default_xp().isreal(x)
    if dtype_of(x).kind == "c":
        return equal(imag(x), 0)
    return _xp(x).ones(shape_of(x), bool)[()]


def real_if_close(a, tol: float = 100):
    """The real part of complex ``a`` when every imaginary part is within ``tol`` eps of 0."""
    if plain(a):
        return plain_xp(a).real_if_close(a, tol=tol)
    if dtype_of(a).kind != "c":
        return a
    value = concrete(a, "real_if_close", "a",
                     "the dtype depends on the values: use fnp.real(a) instead", "dtype")
    xp = backend.of(value).xp
    if tol > 1:
        tol = xp.finfo(value.dtype).eps * tol
    return real(a) if bool(xp.all(xp.absolute(value.imag) < tol)) else a


# Shapes ---------------------------------------------------------------------------
def rollaxis(a, axis: int, start: int = 0):
    """``a`` with ``axis`` moved to sit before position ``start``."""
    if plain(a):
        return plain_xp(a).rollaxis(a, axis, start)
    n = ndim_of(a)
    axis = normalize_axis(axis, n)
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise ValueError(f"'start' arg requires {-n} <= start < {n + 1}, but {start} was passed in")
    if axis < start:
        start -= 1
    if axis == start:
        return a
    axes = list(range(n))
    axes.remove(axis)
    axes.insert(start, axis)
    return transpose(a, tuple(axes))


def resize(a, new_shape):
    """``a`` flattened, repeated as needed and cut to ``new_shape``; differentiable."""
    if plain(a):
        return plain_xp(a).resize(a, new_shape)
    if isinstance(new_shape, int) or hasattr(new_shape, "__index__"):
        new_shape = (operator.index(new_shape),)
    new_shape = tuple(operator.index(s) for s in new_shape)
    if any(s < 0 for s in new_shape):
        raise ValueError("all elements of `new_shape` must be non-negative")
    flat = ravel(a)
    size, new_size = shape_of(flat)[0], 1
    for s in new_shape:
        new_size *= s
    if size == 0 or new_size == 0:
        return _xp(a).zeros(new_shape, dtype_of(a))
    repeats = -(-new_size // size)
    flat = concatenate([flat] * repeats, 0) if repeats > 1 else flat
    return reshape(getitem(flat, slice(0, new_size)), new_shape)


def diagflat(v, k: int = 0):
    """A 2-D array with the flattened ``v`` on its ``k``-th diagonal; differentiable."""
    if plain(v):
        return plain_xp(v).diagflat(v, k)
    return diag(ravel(v), k)


# Ranges ---------------------------------------------------------------------------
def inexact_type(*values):
    """NumPy's ``linspace`` dtype: the ends' promotion, made inexact.

    Python numbers are weak (NEP 50) unless every end is one.
    """
    xp = default_xp()
    if all(not isinstance(v, Tracer) and dtype_of(v) is None for v in values):
        return xp.result_type(*(xp.asarray(v) for v in values), 0.0)
    return xp.result_type(*(_dtype(v) for v in values), 0.0)


def _as_type(x, dtype, other, like=None):
    """``x`` as an array of ``dtype``; a number or list on the backend of the other end.

    With two numbers for ends, they go to ``like``'s backend when it is given.
    """
    if isinstance(x, Tracer):
        return astype(x, dtype)
    if backend.is_array(x):
        xp = backend.of(x).xp
    elif isinstance(other, Tracer) or backend.is_array(other):
        xp = backend_of(other).xp
    elif like is not None:
        xp = backend_of(like).xp
    else:
        xp = default_xp()
    return xp.asarray(x, dtype=dtype)


def ramp(start, stop, num: int, endpoint: bool, dtype, like=None):
    """``linspace`` along a new first axis, with NumPy's arithmetic (exact ends).

    Number ends make the ramp on ``like``'s backend when it is given.
    """
    start, stop = _as_type(start, dtype, stop, like), _as_type(stop, dtype, start, like)
    shape = default_xp().broadcast_shapes(shape_of(start), shape_of(stop))
    delta = subtract(stop, start)
    div = num - 1 if endpoint else num
    inner = num - 1 if endpoint and num > 1 else num
    xp = _xp(start) if isinstance(start, Tracer) else _xp(stop)
    steps = xp.arange(inner, dtype=dtype).reshape((-1,) + (1,) * len(shape))
    y = add(multiply(steps, divide(delta, div) if div > 0 else delta), start)
    if inner == num:
        return y if shape_of(y) == (num,) + shape else broadcast_to(y, (num,) + shape)
    last = reshape(broadcast_to(stop, shape), (1,) + shape)
    return concatenate([broadcast_to(y, (inner,) + shape), last], 0)


def _count(num) -> int:
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    return num


def logspace(start, stop, num: int = 50, endpoint: bool = True, base=10.0, dtype=None,
             axis: int = 0):
    """``base ** linspace(start, stop)``; differentiable in ``start``, ``stop`` and ``base``."""
    if plain(start, stop, base):
        return plain_xp(start, stop, base).logspace(start, stop, num=num, endpoint=endpoint,
                                                    base=base, dtype=dtype, axis=axis)
    num = _count(num)
    if ndim_of(base):
        # As NumPy: a base with dimensions broadcasts with the ends, then gains the new axis.
        ndmax = len(default_xp().broadcast_shapes(shape_of(start), shape_of(stop), shape_of(base)))
        start, stop, base = (reshape(asarray(v), (1,) * (ndmax - ndim_of(v)) + shape_of(v))
                             for v in (start, stop, base))
    # Number ends next to an array base: the exponents are made on the base's backend.
    like = base if isinstance(base, Tracer) or backend.is_array(base) else None
    y = ramp(start, stop, num, endpoint, inexact_type(start, stop), like)
    y = moveaxis(y, 0, axis) if axis != 0 else y
    if ndim_of(base):
        base = reshape(base, _insert_one(shape_of(base), axis))
    result = power(base, y)
    return result if dtype is None else astype(result, dtype)


def _insert_one(shape, axis):
    axis = normalize_axis(axis, len(shape) + 1)
    return shape[:axis] + (1,) + shape[axis:]


def geomspace(start, stop, num: int = 50, endpoint: bool = True, dtype=None, axis: int = 0):
    """Numbers spaced evenly on a log scale from ``start`` to ``stop``; differentiable in both."""
    if plain(start, stop):
        return plain_xp(start, stop).geomspace(start, stop, num=num, endpoint=endpoint, dtype=dtype,
                                      axis=axis)
    num = _count(num)
    xp = default_xp()
    # A lazy end is not known before it is computed: a zero one gives NaN there.
    known = [maybe_concrete(v) for v in (start, stop)]
    if any(k is not None and not is_lazy(k) and _any_zero(k) for k in known):
        raise ValueError("Geometric sequence cannot include zero")
    dt = xp.result_type(_dtype(start), _dtype(stop), float(num), xp.zeros((), dtype))
    if dt.kind == "c":
        raise TypeError("geomspace: funcad differentiates real ends only; got complex ones.")
    start, stop = _as_type(start, dt, stop), _as_type(stop, dt, start)
    # As NumPy: work from a positive start, then restore the sign.
    out_sign = sign(start)
    start = divide(start, out_sign)
    stop = divide(stop, out_sign)
    shape = xp.broadcast_shapes(shape_of(start), shape_of(stop))
    # exp(log(x)) need not be x: the ends are the arguments themselves. The powers
    # are computed only for the points between them, so that ends of mixed signs,
    # whose logarithm is NaN, leave no NaN in the derivatives of num <= 2 points.
    inner = max(num - 2 if endpoint else num - 1, 0)
    parts = [reshape(broadcast_to(start, shape), (1,) + shape)] if num else []
    if inner:
        powers = power(10.0, ramp(log10(start), log10(stop), num, endpoint, dt))
        parts.append(getitem(powers, slice(1, 1 + inner)))
    if num > 1 and endpoint:
        parts.append(reshape(broadcast_to(stop, shape), (1,) + shape))
    result = concatenate(parts, 0) if parts else _xp(start).zeros((0,) + shape, dt)
    result = multiply(result, out_sign)
    if axis != 0:
        result = moveaxis(result, 0, axis)
    return result if dtype is None or xp.dtype(dtype) == dt else astype(result, dtype)


def _any_zero(value) -> bool:
    """Whether a known end (a number or an array of any backend) holds a zero."""
    if not backend.is_array(value):
        return bool(default_xp().any(default_xp().asarray(value) == 0))
    return bool(backend.of(value).xp.any(value == 0))


# Index generators (no traced input) -------------------------------------------------
def tri(N, M=None, k: int = 0, dtype=float, *, like=None):  # noqa: N803 - numpy's names
    """A 2-D array with ones at and below the ``k``-th diagonal."""
    return default_xp().tri(N, M, k, dtype=dtype)


def indices(dimensions, dtype=int, sparse: bool = False):
    """The grid of indices of an array of shape ``dimensions``."""
    return default_xp().indices(dimensions, dtype=dtype, sparse=sparse)


def ix_(*args) -> tuple:
    """Open-mesh index arrays from 1-D sequences (boolean ones give their nonzero positions)."""
    if plain(args):
        return plain_xp(args).ix_(*args)
    out, nd = [], len(args)
    for k, new in enumerate(args):
        if ndim_of(new) != 1:
            raise ValueError("Cross index must be 1 dimensional")
        kind = getattr(dtype_of(new), "kind", None) or default_xp().asarray(new).dtype.kind
        if kind == "b":
            known = concrete(new, "ix_", f"argument {k}", "pass integer indices")
            xp = backend.of_arrays(known).xp
            new = xp.flatnonzero(known)
        n = shape_of(new)[0]
        out.append(reshape(new, (1,) * k + (n,) + (1,) * (nd - k - 1)))
    return tuple(out)


def fromfunction(function, shape, *, dtype=float, like=None, **kwargs):
    """``function`` called with the index grids of ``shape`` (it may use traced values)."""
    return default_xp().fromfunction(function, shape, dtype=dtype, **kwargs)


def diag_indices(n: int, ndim: int = 2) -> tuple:
    """Indices of the main diagonal of an ``n`` by ... by ``n`` array."""
    return default_xp().diag_indices(n, ndim)


def diag_indices_from(arr) -> tuple:
    """Indices of the main diagonal of ``arr`` (traced or not: only its shape counts)."""
    if plain(arr):
        return plain_xp(arr).diag_indices_from(arr)
    shape = shape_of(arr)
    if len(shape) < 2:
        raise ValueError("input array must be at least 2-d")
    if len(set(shape)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    # Index constants of arr's backend (NumPy's for a lazy one, whose graphs take them).
    return constants_xp(arr).diag_indices(shape[0], len(shape))


def tril_indices(n: int, k: int = 0, m: int | None = None) -> tuple:
    """Indices of the lower triangle of an ``(n, m)`` array."""
    return default_xp().tril_indices(n, k, m)


def triu_indices(n: int, k: int = 0, m: int | None = None) -> tuple:
    """Indices of the upper triangle of an ``(n, m)`` array."""
    return default_xp().triu_indices(n, k, m)


def _two_d(arr, name):
    shape = shape_of(arr)
    if len(shape) != 2:
        raise ValueError(f"{name}: input array must be 2-d, got shape {shape}")
    return shape


def tril_indices_from(arr, k: int = 0) -> tuple:
    """Indices of the lower triangle of the 2-D ``arr`` (only its shape counts)."""
    if plain(arr):
        return plain_xp(arr).tril_indices_from(arr, k)
    n, m = _two_d(arr, "tril_indices_from")
    return constants_xp(arr).tril_indices(n, k=k, m=m)


def triu_indices_from(arr, k: int = 0) -> tuple:
    """Indices of the upper triangle of the 2-D ``arr`` (only its shape counts)."""
    if plain(arr):
        return plain_xp(arr).triu_indices_from(arr, k)
    n, m = _two_d(arr, "triu_indices_from")
    return constants_xp(arr).triu_indices(n, k=k, m=m)


def mask_indices(n: int, mask_func, k: int = 0) -> tuple:
    """Indices where ``mask_func(ones((n, n)), k)`` is nonzero."""
    return default_xp().mask_indices(n, mask_func, k)
