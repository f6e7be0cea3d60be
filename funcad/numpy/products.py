"""Products and matrix structure: outer, inner, vdot, kron, cross; triu, tril, diag, trace.

All are composites of multiply, einsum, slices, reshapes and where.

Re-exported by ``funcad.numpy.manipulation``. With no traced argument each
calls NumPy directly.

>>> import numpy as np, funcad as fa, funcad.numpy as fnp
>>> fa.grad(lambda a: fnp.sum(fnp.cross(a, np.array([0.0, 0.0, 1.0]))))(np.ones(3))
array([-1.,  1.,  0.])
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

from funcad import backend
from funcad.core.trace import Tracer
from funcad.primitives._util import (
    backend_of,
    check_no_out,
    dtype_of,
    ndim_of,
    normalize_axis,
    shape_of,
)
from funcad.primitives.arithmetic import multiply, negative, subtract
from funcad.primitives.comparison import where
from funcad.primitives.complex import conj
from funcad.primitives.indexing import getitem
from funcad.primitives.linalg import einsum, matmul
from funcad.primitives.reduction import sum as sum_
from funcad.primitives.shape import concatenate, reshape, transpose

__all__ = ["outer", "inner", "vdot", "kron", "cross", "triu", "tril", "diag", "diagonal", "trace"]

ArrayLike = Any


def _xp(a, b):
    return backend.of_pair(a, b).xp


def _xp1(x):
    return backend.of(x).xp


def _zeros(x, shape):
    return backend_of(x).xp.zeros(shape, dtype_of(x))


def outer(a: ArrayLike, b: ArrayLike, out: None = None) -> ArrayLike:
    """The outer product of ``a`` and ``b``, each flattened first."""
    check_no_out(out, "outer")
    if not (isinstance(a, Tracer) or isinstance(b, Tracer)):
        return _xp(a, b).outer(a, b)
    return multiply(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def inner(a: ArrayLike, b: ArrayLike, /) -> ArrayLike:
    """Sum of products over the last axes of ``a`` and ``b``."""
    if not (isinstance(a, Tracer) or isinstance(b, Tracer)):
        return _xp(a, b).inner(a, b)
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        return multiply(a, b)
    if sa[-1] != sb[-1]:
        raise ValueError(f"inner: the last axes of a {sa} and b {sb} differ in length "
                         f"({sa[-1]} != {sb[-1]}).")
    letters = "abcdefghijklmnopqrstuvwxy"
    la, lb = letters[:len(sa) - 1], letters[len(sa) - 1:len(sa) + len(sb) - 2]
    return einsum(f"{la}z,{lb}z->{la}{lb}", a, b)


def vdot(a: ArrayLike, b: ArrayLike, /) -> ArrayLike:
    """The dot product of ``a`` and ``b`` flattened, conjugating ``a`` (as ``numpy.vdot``)."""
    if not (isinstance(a, Tracer) or isinstance(b, Tracer)):
        return _xp(a, b).vdot(a, b)
    fa, fb = reshape(a, (-1,)), reshape(b, (-1,))
    if shape_of(fa) != shape_of(fb):
        raise ValueError(f"vdot: a and b must have the same number of elements; got "
                         f"{shape_of(fa)[0]} and {shape_of(fb)[0]}.")
    if getattr(dtype_of(fa), "kind", None) == "c":
        fa = conj(fa)
    return matmul(fa, fb)


def kron(a: ArrayLike, b: ArrayLike) -> ArrayLike:
    """The Kronecker product: blocks of ``b`` scaled by the elements of ``a``."""
    if not (isinstance(a, Tracer) or isinstance(b, Tracer)):
        return _xp(a, b).kron(a, b)
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        return multiply(a, b)
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    # a's axes interleaved with b's: element (i, j, k, l) is a[i, k] * b[j, l].
    a = reshape(a, tuple(v for s in sa for v in (s, 1)))
    b = reshape(b, tuple(v for s in sb for v in (1, s)))
    return reshape(multiply(a, b), tuple(p * q for p, q in zip(sa, sb)))


def _component(x, i: int):
    return getitem(x, (Ellipsis, i))


def cross(a: ArrayLike, b: ArrayLike, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> ArrayLike:
    """The cross product of 3-vectors (or 2-vectors) along ``axisa``/``axisb``."""
    if not (isinstance(a, Tracer) or isinstance(b, Tracer)):
        return _xp(a, b).cross(a, b, axisa, axisb, axisc, axis)
    if axis is not None:
        axisa = axisb = axisc = axis
    na, nb = ndim_of(a), ndim_of(b)
    if na < 1 or nb < 1:
        raise ValueError("cross: a and b must have at least one dimension; got a 0-d array.")
    a = _to_last(a, normalize_axis(axisa, na, "axisa"))
    b = _to_last(b, normalize_axis(axisb, nb, "axisb"))
    da, db = shape_of(a)[-1], shape_of(b)[-1]
    if da not in (2, 3) or db not in (2, 3):
        raise ValueError(f"cross: incompatible dimensions for cross product (dimension must be "
                         f"2 or 3); got vectors of length {da} and {db}.")
    if da == 2 or db == 2:
        warnings.warn("Arrays of 2-dimensional vectors are deprecated. Use arrays of "
                      "3-dimensional vectors instead. (deprecated in NumPy 2.0)",
                      DeprecationWarning, stacklevel=2)
    a0, a1, b0, b1 = _component(a, 0), _component(a, 1), _component(b, 0), _component(b, 1)
    # Each component is computed as NumPy does (products, then one subtraction).
    c2 = subtract(multiply(a0, b1), multiply(a1, b0))
    if da == 2 and db == 2:
        return c2
    if da == 2:
        b2 = _component(b, 2)
        c0, c1 = multiply(a1, b2), negative(multiply(a0, b2))
    elif db == 2:
        a2 = _component(a, 2)
        c0, c1 = negative(multiply(a2, b1)), multiply(a2, b0)
    else:
        a2, b2 = _component(a, 2), _component(b, 2)
        c0 = subtract(multiply(a1, b2), multiply(a2, b1))
        c1 = subtract(multiply(a2, b0), multiply(a0, b2))
    c = concatenate([getitem(c, (Ellipsis, None)) for c in (c0, c1, c2)], -1)
    n = ndim_of(c)
    axisc = normalize_axis(axisc, n, "axisc")
    return transpose(c, tuple(range(axisc)) + (n - 1,) + tuple(range(axisc, n - 1)))


def _to_last(x, axis: int):
    n = ndim_of(x)
    return transpose(x, tuple(i for i in range(n) if i != axis) + (axis,))


# Triangles and diagonals --------------------------------------------------------


def _triangle(m, k, name):
    shape = shape_of(m)
    if not shape:
        raise ValueError(f"{name}: m must be at least 1-d; got a 0-d array.")
    xp = backend_of(m).xp
    k = operator.index(k)
    keep = xp.tri(*shape[-2:], k=k if name == "tril" else k - 1, dtype=bool)
    if name == "triu":
        keep = ~keep
    return where(keep, m, xp.zeros((), dtype_of(m)))


def triu(m: ArrayLike, k: int = 0) -> ArrayLike:
    """``m`` with the elements below the ``k``-th diagonal zeroed."""
    if not isinstance(m, Tracer):
        return _xp1(m).triu(m, k)
    return _triangle(m, k, "triu")


def tril(m: ArrayLike, k: int = 0) -> ArrayLike:
    """``m`` with the elements above the ``k``-th diagonal zeroed."""
    if not isinstance(m, Tracer):
        return _xp1(m).tril(m, k)
    return _triangle(m, k, "tril")


def diagonal(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> ArrayLike:
    """The ``offset`` diagonal of ``a`` in the plane of ``axis1``, ``axis2`` (as last axis)."""
    if not isinstance(a, Tracer):
        return _xp1(a).diagonal(a, offset, axis1, axis2)
    n = ndim_of(a)
    if n < 2:
        raise ValueError(f"diagonal: a must be at least 2-d; got shape {shape_of(a)}.")
    a1, a2 = normalize_axis(axis1, n, "axis1"), normalize_axis(axis2, n, "axis2")
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 cannot be the same (both {a1}).")
    offset = operator.index(offset)
    x = transpose(a, tuple(i for i in range(n) if i not in (a1, a2)) + (a1, a2))
    p, q = shape_of(x)[-2:]
    # Elements (i, i + offset) of a (p, q) plane sit q + 1 apart once the plane is flat.
    start = offset if offset >= 0 else -offset * q
    length = max(0, min(p, q - offset) if offset >= 0 else min(p + offset, q))
    flat = reshape(x, shape_of(x)[:-2] + (p * q,))
    stop = start + (length - 1) * (q + 1) + 1 if length else start
    return getitem(flat, (Ellipsis, slice(start, stop, q + 1)))


def diag(v: ArrayLike, k: int = 0) -> ArrayLike:
    """The ``k``-th diagonal of a 2-d ``v``, or a 2-d array with 1-d ``v`` on it."""
    if not isinstance(v, Tracer):
        return _xp1(v).diag(v, k)
    shape, k = shape_of(v), operator.index(k)
    if len(shape) == 2:
        return diagonal(v, k)
    if len(shape) != 1:
        raise ValueError(f"diag: v must be 1-d or 2-d; got shape {shape}.")
    n = shape[0]
    m = n + abs(k)
    # Rows [0]*s + [v_i] + zeros, m + 1 long, laid flat and cut to n rows of m: v_i lands
    # at column i + s, since each row start moves one column right. O(n * m) work.
    s = max(k, 0)
    rows = concatenate([_zeros(v, (n, s)), getitem(v, (slice(None), None)),
                        _zeros(v, (n, m - s))], 1)
    square = reshape(getitem(reshape(rows, (-1,)), slice(0, n * m)), (n, m))
    if k == 0:
        return square
    pad_rows = _zeros(v, (abs(k), m))
    return concatenate([pad_rows, square] if k < 0 else [square, pad_rows], 0)


def trace(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None,
          out: None = None) -> ArrayLike:
    """Sum along the ``offset`` diagonal of ``a``."""
    check_no_out(out, "trace")
    if not isinstance(a, Tracer):
        return _xp1(a).trace(a, offset, axis1, axis2, dtype)
    return sum_(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)
