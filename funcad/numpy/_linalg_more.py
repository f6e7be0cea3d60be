"""The rest of ``numpy.linalg``: NumPy 2's array-API names, cond, matrix_rank, tensors, eig.

Re-exported by ``funcad.numpy.linalg``, which lists these names in its
``__all__``. With no traced argument each function calls the backend's
``linalg`` and returns exactly what NumPy returns. Under a transform:

* the array-API names (``matrix_norm``, ``vector_norm``, ``svdvals``,
  ``matrix_transpose``, ``outer``, ``cross``, ``diagonal``, ``trace``,
  ``tensordot``, ``vecdot``, ``matmul``) are funcad.numpy's functions with
  ``numpy.linalg``'s argument rules;
* ``cond``, ``tensorinv`` and ``tensorsolve`` are composites of ``svd``,
  ``norm``, ``inv`` and ``solve``; ``matrix_rank`` counts singular values
  (an integer, no derivative; it works under ``vmap``);
* ``eig`` and ``eigvals`` use the ``eig`` primitive (``primitives/eigen.py``)
  and are always complex, as in JAX; plain calls keep NumPy's rule (real
  arrays when every eigenvalue of a real matrix is real).

>>> import funcad as fa, funcad.numpy as fnp, numpy as np
>>> a = np.array([[2.0, 1.0], [0.0, 3.0]])
>>> fnp.linalg.eigvals(a).tolist()
[2.0, 3.0]
>>> fa.jvp(fnp.linalg.eigvals, (a,), (np.array([[0.0, 0.0], [1.0, 0.0]]),))[1].tolist()
[(-1+0j), (1+0j)]
"""

from __future__ import annotations

import math
import operator
from typing import Any, NamedTuple

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy import array_api as _api
from funcad.numpy import composites as _composites
from funcad.numpy import products as _products
from funcad.numpy._concrete import maybe_concrete, traced
from funcad.numpy._lazy import plain
from funcad.numpy._numerical_util import as_operand
from funcad.numpy.linalg import (
    _check_matrix,
    _linalg_error,
    inv,
    norm,
    solve,
    svd,
)
from funcad.primitives import eigen as _eigen
from funcad.primitives import linalg as _contractions
from funcad.primitives import logical as _logical
from funcad.primitives._util import backend_of, dtype_of, ndim_of, normalize_axis, shape_of
from funcad.primitives.arithmetic import divide, multiply
from funcad.primitives.comparison import astype, equal, greater, not_equal, where
from funcad.primitives.indexing import getitem
from funcad.primitives.reduction import max as max_
from funcad.primitives.shape import reshape, transpose

__all__ = [
    "EigResult", "cond", "cross", "diagonal", "eig", "eigvals", "matmul", "matrix_norm",
    "matrix_rank", "matrix_transpose", "outer", "svdvals", "tensordot", "tensorinv",
    "tensorsolve", "trace", "vecdot", "vector_norm",
]


class EigResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


def _xp(*xs):
    return backend.of_many(*xs).xp


def _operands(x1, x2):
    """Both operands as arrays of the traced one's backend (Python scalars and lists too)."""
    return as_operand(x1, x2), as_operand(x2, x1)


# Array-API names --------------------------------------------------------------------
def matrix_norm(x, /, *, keepdims: bool = False, ord="fro"):  # noqa: A002 - NumPy's name
    """The matrix norm of ``ord`` over the last two axes (``norm(x, ord, (-2, -1))``)."""
    if plain(x):
        return _xp(x).linalg.matrix_norm(x, keepdims=keepdims, ord=ord)
    return norm(x, axis=(-2, -1), keepdims=keepdims, ord=ord)


def vector_norm(x, /, *, axis=None, keepdims: bool = False, ord=2):  # noqa: A002
    """The vector norm of ``ord`` over ``axis``: all axes for None, or several at once."""
    if plain(x):
        return _xp(x).linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord)
    shape = shape_of(x)
    nd = len(shape)
    if axis is None:
        axes = tuple(range(nd))
        flat, along = reshape(x, (-1,)), 0
    elif isinstance(axis, tuple):
        axes = tuple(normalize_axis(a, nd) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"funcad.numpy.linalg.vector_norm: repeated axis in axis={axis}.")
        # The named axes become one, in front: a vector norm over a single axis.
        rest = tuple(i for i in range(nd) if i not in axes)
        flat = reshape(transpose(x, axes + rest),
                       (math.prod(shape[i] for i in axes),) + tuple(shape[i] for i in rest))
        along = 0
    else:
        try:
            along = operator.index(axis)
        except TypeError as e:
            raise TypeError(f"funcad.numpy.linalg.vector_norm: axis={axis!r}; it must be None, "
                            f"an integer or a tuple of integers.") from e
        axes = (normalize_axis(along, nd),)
        flat = x
    out = norm(flat, ord=ord, axis=along)
    if keepdims:
        out = reshape(out, tuple(1 if i in axes else s for i, s in enumerate(shape)))
    return out


def svdvals(x, /):
    """The singular values of ``x`` (``(..., m, n)``), in descending order."""
    if not isinstance(x, Tracer):
        return _xp(x).linalg.svdvals(x)
    return svd(x, compute_uv=False)


def matrix_transpose(x, /):
    """``x`` with its last two axes exchanged."""
    if not isinstance(x, Tracer):
        return _xp(x).linalg.matrix_transpose(x)
    return _api.matrix_transpose(x)


def matmul(x1, x2, /):
    """The matrix product ``x1 @ x2`` (``numpy.matmul``'s rules)."""
    if not traced(x1, x2):
        return _xp(x1, x2).linalg.matmul(x1, x2)
    return _contractions.matmul(*_operands(x1, x2))


def outer(x1, x2, /):
    """The outer product of two 1-D arrays (no flattening, unlike ``numpy.outer``)."""
    if not traced(x1, x2):
        return _xp(x1, x2).linalg.outer(x1, x2)
    x1, x2 = _operands(x1, x2)
    if ndim_of(x1) != 1 or ndim_of(x2) != 1:
        raise ValueError(
            f"funcad.numpy.linalg.outer: the inputs have shapes {shape_of(x1)} and "
            f"{shape_of(x2)}; both must be 1-D (use funcad.numpy.outer to flatten).")
    return _products.outer(x1, x2)


def cross(x1, x2, /, *, axis: int = -1):
    """The cross product of 3-vectors along ``axis``, broadcasting the other axes."""
    if plain(x1, x2):
        return _xp(x1, x2).linalg.cross(x1, x2, axis=axis)
    x1, x2 = _operands(x1, x2)
    lengths = [shape_of(x)[normalize_axis(axis, ndim_of(x), "axis")] if ndim_of(x) else None
               for x in (x1, x2)]
    if lengths != [3, 3]:
        raise ValueError(
            f"funcad.numpy.linalg.cross: the vectors along axis={axis} have lengths "
            f"{lengths[0]} and {lengths[1]} (shapes {shape_of(x1)} and {shape_of(x2)}); both "
            f"must be 3 (funcad.numpy.cross also takes 2-vectors).")
    return _products.cross(x1, x2, axis=axis)


def diagonal(x, /, *, offset: int = 0):
    """The ``offset`` diagonal of the last two axes, over the leading (stack) axes."""
    if not isinstance(x, Tracer):
        return _xp(x).linalg.diagonal(x, offset=offset)
    return _products.diagonal(x, offset, -2, -1)


def trace(x, /, *, offset: int = 0, dtype=None):
    """The sum of the ``offset`` diagonal of the last two axes, per matrix of a stack."""
    if not isinstance(x, Tracer):
        return _xp(x).linalg.trace(x, offset=offset, dtype=dtype)
    return _products.trace(x, offset, -2, -1, dtype)


def tensordot(x1, x2, /, *, axes=2):
    """Sum of products over ``axes`` (an int, or two lists of axes), as ``numpy.tensordot``."""
    if not traced(x1, x2):
        return _xp(x1, x2).linalg.tensordot(x1, x2, axes=axes)
    return _composites.tensordot(*_operands(x1, x2), axes=axes)


def vecdot(x1, x2, /, *, axis: int = -1):
    """``sum(conj(x1) * x2)`` along ``axis`` of each operand, broadcasting the other axes."""
    if plain(x1, x2):
        return _xp(x1, x2).linalg.vecdot(x1, x2, axis=axis)
    return _api.vecdot(*_operands(x1, x2), axis=axis)


# Condition number and rank ---------------------------------------------------------
def _inf_where_zero(numerator, denominator):
    """``numerator / denominator``, inf where the denominator is 0 (NumPy's cond there)."""
    zero = equal(denominator, 0)
    return where(zero, math.inf, divide(numerator, where(zero, 1.0, denominator)))


def cond(x, p=None):
    """The condition number of ``x`` in the norm ``p``; differentiable where it is finite.

    For ``p`` None, 2 or -2 it is the ratio of the extreme singular values
    (any ``(..., m, n)``; inf at singular matrices, with derivative 0 there).
    Other norms need square ``x`` and compute ``norm(x) * norm(inv(x))``;
    under a transform a singular ``x`` then raises ``LinAlgError`` (NumPy
    returns inf).
    """
    if plain(x):
        return _xp(x).linalg.cond(x, p)
    _check_matrix(x, "cond", square=False)
    if 0 in shape_of(x)[-2:]:
        raise _linalg_error(x, f"funcad.numpy.linalg.cond: x has shape {shape_of(x)}; cond is "
                               f"not defined on empty arrays.")
    if p is None or (not isinstance(p, str) and p in (2, -2)):
        s = svd(x, compute_uv=False)
        largest, smallest = getitem(s, (Ellipsis, 0)), getitem(s, (Ellipsis, -1))
        if p == -2:
            return _inf_where_zero(smallest, largest)
        return _inf_where_zero(largest, smallest)
    _check_matrix(x, "cond")
    return multiply(norm(x, p, axis=(-2, -1)), norm(inv(x), p, axis=(-2, -1)))


def matrix_rank(A, tol=None, hermitian: bool = False, *, rtol=None):  # noqa: N803 - NumPy's name
    """The number of singular values above ``tol`` (an integer: no derivative; vmap works).

    Defaults as NumPy: ``tol = S.max() * rtol`` with ``rtol = max(m, n) * eps``.
    """
    if plain(A, tol, rtol):
        return _xp(A).linalg.matrix_rank(A, tol, hermitian, rtol=rtol)
    if rtol is not None and tol is not None:
        raise ValueError("funcad.numpy.linalg.matrix_rank: `tol` and `rtol` can't be both set; "
                         "pass one of them.")
    if plain(A):
        A = _xp(A).asarray(A)  # noqa: N806
    if ndim_of(A) < 2:
        nonzero = _logical.any(not_equal(A, 0))
        value = maybe_concrete(nonzero)
        return int(value) if value is not None else astype(nonzero, backend_of(A).xp.intp)
    s = svd(A, compute_uv=False, hermitian=hermitian)
    if tol is None:
        if rtol is None:
            xp = backend_of(s).xp
            rtol = max(shape_of(A)[-2:]) * float(xp.finfo(dtype_of(s)).eps)
        else:
            rtol = getitem(as_operand(rtol, s), (Ellipsis, None))
        if shape_of(s)[-1] == 0:
            return _logical.count_nonzero(s, axis=-1)
        tol = multiply(max_(s, axis=-1, keepdims=True), rtol)
    else:
        tol = getitem(as_operand(tol, s), (Ellipsis, None))
    return _logical.count_nonzero(greater(s, tol), axis=-1)


# Tensor inverse and solve -------------------------------------------------------------
def tensorinv(a, ind: int = 2):
    """The inverse of ``a`` seen as a matrix: its first ``ind`` axes against the rest."""
    if plain(a):
        return _xp(a).linalg.tensorinv(a, ind)
    shape = shape_of(a)
    if ind <= 0:
        raise ValueError(f"funcad.numpy.linalg.tensorinv: ind={ind}; it must be a positive "
                         f"number of leading axes.")
    rows = math.prod(shape[ind:])
    cols = math.prod(shape) // rows if rows else 0
    return reshape(inv(reshape(a, (rows, cols))), shape[ind:] + shape[:ind])


def tensorsolve(a, b, axes=None):
    """``x`` with ``tensordot(a, x, x.ndim) == b``; ``axes`` of ``a`` move to the end first."""
    if plain(a, b):
        return _xp(a, b).linalg.tensorsolve(a, b, axes)
    a, b = _operands(a, b)
    an, bn = ndim_of(a), ndim_of(b)
    if axes is not None:
        order = list(range(an))
        for k in axes:
            if k not in order:
                raise ValueError(f"funcad.numpy.linalg.tensorsolve: axes={axes!r} for a of "
                                 f"shape {shape_of(a)}; list distinct axes in [0, {an - 1}].")
            order.remove(k)
            order.append(k)
        a = transpose(a, tuple(order))
    unknowns = shape_of(a)[-(an - bn):]
    size = math.prod(unknowns)
    if math.prod(shape_of(a)) != size ** 2:
        raise _linalg_error(a, (
            f"funcad.numpy.linalg.tensorsolve: a has shape {shape_of(a)} and b {shape_of(b)}; "
            f"prod(a.shape[b.ndim:]) must equal prod(a.shape[:b.ndim])."))
    x = solve(reshape(a, (size, size)), reshape(b, (-1,)))
    return reshape(x, unknowns)


# Eigenvalues of general matrices ----------------------------------------------------
def eig(a):
    """Eigenvalues and unit right eigenvectors ``(w, v)`` of general square matrices.

    Plain calls are NumPy's (real arrays when a real matrix has only real
    eigenvalues). Under a transform both are always complex, as in JAX.
    Eigenvalues need to be distinct for the vectors to have derivatives
    (NaN otherwise). Each vector is defined up to a phase: only
    phase-invariant functions of them, such as ``v @ diag(w) @ inv(v)`` or
    ``v * conj(v[0]) / abs(v[0])``, are differentiable; the rules keep each
    vector's component along itself zero (``v_j^H dv_j = 0``).
    """
    if not isinstance(a, Tracer):
        return _xp(a).linalg.eig(a)
    _check_matrix(a, "eig")
    packed = _eigen.eig_packed(a)
    return EigResult(getitem(packed, (Ellipsis, 0, slice(None))),
                     getitem(packed, (Ellipsis, slice(1, None), slice(None))))


def eigvals(a):
    """Eigenvalues of general square matrices, in LAPACK's order; complex under transforms.

    ``dw_i = (v^{-1} da v)_ii``, also at repeated eigenvalues of a
    diagonalizable matrix; a defective matrix (no basis of eigenvectors) has
    no derivative.
    """
    if not isinstance(a, Tracer):
        return _xp(a).linalg.eigvals(a)
    return eig(a).eigenvalues
