"""funcad.numpy.linalg: NumPy's linear algebra, differentiable, for real and complex matrices.

With no traced argument each function calls the backend's ``linalg`` and
returns exactly what NumPy returns. Under a transform the functions are
built from the primitives in ``funcad/primitives/solvers.py`` and
``decompositions.py`` and from composites of them, and batch over leading
axes ``(..., m, n)`` as NumPy does. ``solve_triangular`` is a funcad extra
(NumPy has no triangular solver). The rest of NumPy 2's list (the array-API
names, ``cond``, ``matrix_rank``, ``tensorinv``, ``tensorsolve``, ``eig``,
``eigvals``) lives in ``_linalg_more.py`` and is re-exported here.
Conventions, the gauge of eigen- and singular vectors, and what is not
supported: ``docs/linalg.md``.

>>> import funcad as fa, funcad.numpy as fnp, numpy as np
>>> a = np.array([[4.0, 1.0], [1.0, 3.0]])
>>> np.allclose(fa.grad(lambda a: fnp.linalg.slogdet(a)[1])(a), np.linalg.inv(a).T)
True
"""

from __future__ import annotations

import math
import operator
from typing import Any, NamedTuple

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._concrete import maybe_concrete, traced
from funcad.numpy._lazy import plain
from funcad.numpy._numerical_util import as_operand
from funcad.primitives import decompositions as _dec
from funcad.primitives import solvers as _sol
from funcad.primitives._util import (
    backend_of,
    check_no_out,
    dtype_of,
    ndim_of,
    normalize_axis,
    shape_of,
)
from funcad.primitives.arithmetic import multiply, power, subtract
from funcad.primitives.comparison import astype, equal, greater, not_equal, where
from funcad.primitives.complex import conj, real
from funcad.primitives.elementwise import absolute, sqrt
from funcad.primitives.indexing import getitem
from funcad.primitives.linalg import matmul as _matmul
from funcad.primitives.logical import count_nonzero
from funcad.primitives.reduction import max as max_
from funcad.primitives.reduction import min as min_
from funcad.primitives.reduction import sum as sum_
from funcad.primitives.shape import reshape, transpose

__all__ = [
    "EigResult", "EighResult", "LinAlgError", "QRResult", "SVDResult", "SlogdetResult",
    "cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh",
    "inv", "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank", "matrix_transpose",
    "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve", "solve_triangular", "svd",
    "svdvals", "tensordot", "tensorinv", "tensorsolve", "trace", "vecdot", "vector_norm",
]

LinAlgError = backend.default().xp.linalg.LinAlgError


class EighResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


class SVDResult(NamedTuple):
    U: Any
    S: Any
    Vh: Any


class QRResult(NamedTuple):
    Q: Any
    R: Any


class SlogdetResult(NamedTuple):
    sign: Any
    logabsdet: Any


class _NoValue:
    """Marks an argument that was not given (NumPy's ``pinv(rtol=...)``)."""



def _linalg_error(x, message: str):
    error = getattr(backend_of(x).xp.linalg, "LinAlgError", ValueError)
    return error(message)


def _common_inexact(*xs):
    """NumPy's computing type for ``linalg``: the common type, integers and bools as float64."""
    xp = backend_of(xs[0]).xp
    dtypes = [dtype_of(x) for x in xs]
    return xp.result_type(*(d if xp.issubdtype(d, xp.inexact) else xp.float64 for d in dtypes))


def _cast(x, dtype):
    """``x`` as ``dtype`` (no operation recorded where it already is)."""
    return x if dtype_of(x) == dtype else astype(x, dtype)


def _check_matrix(a, name: str, arg: str = "a", square: bool = True) -> None:
    shape = shape_of(a)
    if len(shape) < 2:
        raise _linalg_error(a, (
            f"funcad.numpy.linalg.{name}: {arg} has shape {shape}; it must be a matrix "
            f"or a stack of matrices (at least 2-D). Pass an array of shape (..., m, n)."))
    if square and shape[-1] != shape[-2]:
        raise _linalg_error(a, (
            f"funcad.numpy.linalg.{name}: {arg} has shape {shape}; its last two dimensions "
            f"must be equal (a square matrix or a stack of them)."))


# Solvers --------------------------------------------------------------------
def _solve_with(solver, a, b, name: str, **params):
    """``solver(a, b)`` with NumPy 2's rule: a 1-D ``b`` is one vector."""
    _check_matrix(a, name)
    n = shape_of(a)[-1]
    b_shape = shape_of(b)
    vector = len(b_shape) == 1
    if not b_shape or (b_shape[0] if vector else b_shape[-2]) != n:
        raise ValueError(
            f"funcad.numpy.linalg.{name}: b has shape {b_shape} but a has shape "
            f"{shape_of(a)}; b must be (n,) or (..., n, k) with n = {n}.")
    if vector:
        return getitem(solver(a, reshape(b, (n, 1)), **params), (Ellipsis, 0))
    return solver(a, b, **params)


def solve(a, b):
    """Solve ``a @ x = b`` for ``x``; ``b`` is ``(n,)`` or ``(..., n, k)`` (NumPy 2)."""
    if not traced(a, b):
        return backend.of_pair(a, b).xp.linalg.solve(a, b)
    a, b = as_operand(a, b), as_operand(b, a)
    return _solve_with(_sol.solve, a, b, "solve")


def solve_triangular(a, b, lower: bool = False):
    """Solve ``tri(a) @ x = b``, reading only a's lower or upper triangle (a funcad extra).

    Like ``scipy.linalg.solve_triangular(a, b, lower=lower)``, but ``a`` may be
    a stack ``(..., n, n)`` and ``b`` is ``(n,)`` or ``(..., n, k)``. The other
    triangle of ``a`` is ignored and gets no derivative.

    >>> import numpy as np, funcad.numpy as fnp
    >>> fnp.linalg.solve_triangular(np.array([[2.0, 9.0], [1.0, 4.0]]), np.array([2.0, 5.0]),
    ...                             lower=True).tolist()
    [1.0, 1.0]
    """
    if traced(a, b):
        a, b = as_operand(a, b), as_operand(b, a)
    else:
        xp = backend.of_pair(a, b).xp
        a, b = xp.asarray(a), xp.asarray(b)
    return _solve_with(_sol.triangular_solve, a, b, "solve_triangular", lower=bool(lower))


def inv(a):
    """The inverse of a square matrix (or a stack of them)."""
    if not isinstance(a, Tracer):
        return backend.of(a).xp.linalg.inv(a)
    _check_matrix(a, "inv")
    return _sol.solve(a, _sol.identity_like(a))


def slogdet(a):
    """``(sign, logabsdet)`` of the determinant; a real sign has zero derivative.

    For complex ``a`` the sign is ``det / |det|`` (unit modulus) and turns with
    ``a``; ``logabsdet`` is real. Both need a nonsingular ``a``.
    """
    if not isinstance(a, Tracer):
        return backend.of(a).xp.linalg.slogdet(a)
    _check_matrix(a, "slogdet")
    packed = _sol.slogdet_packed(a)
    return SlogdetResult(getitem(packed, (Ellipsis, 0)),
                         _sol.real_if_complex(getitem(packed, (Ellipsis, 1))))


def det(a):
    """The determinant; its derivatives (the adjugate, ...) exist at singular ``a`` too.

    >>> import funcad as fa, funcad.numpy as fnp, numpy as np
    >>> g = fa.grad(fnp.linalg.det)(np.array([[1.0, 2.0], [2.0, 4.0]]))  # singular
    >>> np.allclose(g, [[4.0, -2.0], [-2.0, 1.0]])  # adj(a)^T
    True
    """
    if not isinstance(a, Tracer):
        return backend.of(a).xp.linalg.det(a)
    _check_matrix(a, "det")
    return _dec.det(a)


def pinv(a, rcond=None, hermitian: bool = False, *, rtol=_NoValue):
    """Moore-Penrose pseudo-inverse; differentiable where the rank is locally constant."""
    if not isinstance(a, Tracer):
        xp = backend.of(a).xp
        if rtol is _NoValue:
            return xp.linalg.pinv(a, rcond=rcond, hermitian=hermitian)
        return xp.linalg.pinv(a, rcond=rcond, hermitian=hermitian, rtol=rtol)
    _check_matrix(a, "pinv", square=False)
    if rcond is not None and rtol is not _NoValue:
        raise ValueError("funcad.numpy.linalg.pinv: `rtol` and `rcond` can't be both set.")
    if rcond is None:
        # NumPy's defaults: 1e-15 with neither given, max(m, n) * eps for rtol=None.
        rcond = 1e-15 if rtol is _NoValue else rtol
        if rcond is None:
            rcond = max(shape_of(a)[-2:]) * float(backend_of(a).xp.finfo(dtype_of(a)).eps)
    return _sol.pinv(a, _scalar_cutoff(rcond, "pinv"), hermitian)


def _scalar_cutoff(rcond, name: str) -> float:
    if isinstance(rcond, Tracer) or shape_of(rcond) != ():
        raise ValueError(
            f"funcad.numpy.linalg.{name}: rcond={rcond!r}; under a transform the cutoff "
            f"must be one number (a cutoff per matrix is not supported).")
    return float(rcond)


def lstsq(a, b, rcond=None):
    """Least squares ``(x, residuals, rank, s)`` as NumPy; ``x`` and ``s`` differentiable.

    Under a transform ``x`` is ``pinv(a, rcond) @ b`` (the minimum-norm
    solution NumPy returns) and ``residuals`` is ``sum((b - a @ x)**2, 0)``
    where NumPy gives it (m > n and full rank). Inside ``vmap``, and on a lazy
    backend (Dask), the rank is not known from shapes alone: residuals are
    then given whenever m > n (NumPy gives none for a rank-deficient ``a``),
    and ``rank`` is an int32 array. Types are NumPy's:
    ``x`` of the common inexact type of ``a`` and ``b``, ``residuals`` and
    ``s`` of its real type, ``rank`` an ``int32``.
    """
    if not traced(a, b):
        return backend.of_pair(a, b).xp.linalg.lstsq(a, b, rcond=rcond)
    a, b = as_operand(a, b), as_operand(b, a)
    if ndim_of(a) != 2 or ndim_of(b) not in (1, 2) or shape_of(b)[0] != shape_of(a)[0]:
        raise _linalg_error(a, (
            f"funcad.numpy.linalg.lstsq: a has shape {shape_of(a)} and b {shape_of(b)}; a must "
            f"be (m, n) and b (m,) or (m, k), as in NumPy (use vmap for stacks)."))
    dtype = _common_inexact(a, b)
    a, b = _cast(a, dtype), _cast(b, dtype)
    m, n = shape_of(a)
    xp = backend_of(a).xp
    if rcond is None:
        rcond = float(xp.finfo(xp.float64).eps) * max(m, n)
    rcond = _scalar_cutoff(rcond, "lstsq")
    x = _matmul(_sol.pinv(a, rcond, False), b)
    s = svd(a, compute_uv=False)
    s_value = maybe_concrete(s)
    if s_value is None:
        above = greater(s, multiply(max_(s, axis=-1, keepdims=True), rcond))
        rank = astype(count_nonzero(above, axis=-1), xp.int32)
    else:
        count = xp.sum(s_value > rcond * s_value.max()) if s_value.size else 0
        # NumPy's rank is an int32 scalar; a device backend keeps a 0-d array on the device.
        rank = (xp.int32(count) if backend.of(s_value).native
                else xp.asarray(count, dtype=xp.int32))
    if m > n and (s_value is None or rank == n):
        residuals = sum_(_abs_squared(subtract(b, _matmul(a, x))), axis=0)
        if ndim_of(b) == 1:
            residuals = reshape(residuals, (1,))
    else:
        residuals = xp.zeros((0,), dtype=xp.finfo(dtype).dtype)
    return x, residuals, rank, s


# Decompositions -------------------------------------------------------------
def cholesky(a, /, *, upper: bool = False):
    """Cholesky factor of a Hermitian (real: symmetric) positive definite matrix.

    Lower, or its conjugate transpose with ``upper=True``. Only the lower
    triangle of ``a`` is read, as in NumPy; the derivative is that of the
    Hermitian matrix (tangents made Hermitian, ``(t + t^H) / 2``).
    """
    if not isinstance(a, Tracer):
        xp = backend.of(a).xp
        return xp.linalg.cholesky(a, upper=True) if upper else xp.linalg.cholesky(a)
    _check_matrix(a, "cholesky")
    factor = _dec.cholesky(a)
    return _sol.adjoint(factor) if upper else factor


def _check_uplo(uplo, name: str) -> None:
    if uplo not in ("L", "U"):
        raise ValueError(f"funcad.numpy.linalg.{name}: UPLO={uplo!r}; use 'L' or 'U'.")


def eigh(a, UPLO: str = "L"):  # noqa: N803 - mirrors numpy.linalg.eigh
    """Eigenvalues (ascending, real) and eigenvectors of a Hermitian (real: symmetric) matrix.

    The derivative is that of the Hermitian matrix. Eigenvectors are defined
    up to sign (complex: a phase), so only sign- and phase-invariant functions
    of them are differentiable, and only where eigenvalues are distinct: at a
    repeated eigenvalue the eigenvector derivatives do not exist and come out
    NaN. Eigenvalues alone (``eigvalsh``) differentiate there too.
    """
    if not isinstance(a, Tracer):
        return backend.of(a).xp.linalg.eigh(a, UPLO=UPLO)
    _check_matrix(a, "eigh")
    _check_uplo(UPLO, "eigh")
    packed = _dec.eigh_packed(a, UPLO)
    return EighResult(_sol.real_if_complex(getitem(packed, (Ellipsis, 0, slice(None)))),
                      getitem(packed, (Ellipsis, slice(1, None), slice(None))))


def eigvalsh(a, UPLO: str = "L"):  # noqa: N803 - mirrors numpy.linalg.eigvalsh
    """Eigenvalues (ascending, real) of a Hermitian matrix; defined at repeated ones too."""
    if not isinstance(a, Tracer):
        return backend.of(a).xp.linalg.eigvalsh(a, UPLO=UPLO)
    return eigh(a, UPLO).eigenvalues


def svd(a, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False):
    """Singular value decomposition ``(U, S, Vh)``, or ``S`` alone with compute_uv=False.

    Under a transform ``full_matrices=True`` is only possible for square
    matrices (the extra columns of U or V are not unique). Singular vectors
    are defined up to a common sign (complex: phase) per pair, so only sign-
    and phase-invariant functions of them, like ``u @ diag(s) @ vh``, are
    differentiable, and only where singular values are
    distinct and, for non-square a, nonzero: elsewhere the vector derivatives
    do not exist and come out NaN. Singular values alone differentiate there.
    """
    if not isinstance(a, Tracer):
        return backend.of(a).xp.linalg.svd(a, full_matrices=full_matrices,
                                           compute_uv=compute_uv, hermitian=hermitian)
    _check_matrix(a, "svd", square=bool(hermitian))
    m, n = shape_of(a)[-2:]
    if compute_uv and full_matrices and m != n:
        raise ValueError(
            f"funcad.numpy.linalg.svd: full_matrices=True on a traced {m}x{n} matrix; the "
            f"extra singular vectors of a non-square matrix are not unique and have no "
            f"derivative. Pass full_matrices=False.")
    packed = _dec.svd_packed(a, hermitian)
    s = _sol.real_if_complex(getitem(packed, (Ellipsis, m, slice(None))))
    if not compute_uv:
        return s
    u = getitem(packed, (Ellipsis, slice(0, m), slice(None)))
    vh = _sol.adjoint(getitem(packed, (Ellipsis, slice(m + 1, None), slice(None))))
    return SVDResult(u, s, vh)


def qr(a, mode: str = "reduced"):
    """QR decomposition ``(Q, R)``; under transforms for m >= n, modes 'reduced' and 'r'.

    Mode 'complete' is accepted for square matrices, where it equals 'reduced';
    for m > n its extra columns of Q are not unique, and 'raw' returns LAPACK's
    Householder reflectors, neither of which has a derivative here.
    """
    if not isinstance(a, Tracer):
        return backend.of(a).xp.linalg.qr(a, mode=mode)
    _check_matrix(a, "qr", square=False)
    m, n = shape_of(a)[-2:]
    if m < n:
        raise ValueError(
            f"funcad.numpy.linalg.qr: a traced {m}x{n} matrix has m < n, which is not "
            f"supported (R is not square there). Differentiate qr of a.T, or of a[:, :m].")
    if mode not in ("reduced", "r") and not (mode == "complete" and m == n):
        raise ValueError(
            f"funcad.numpy.linalg.qr: mode={mode!r} is not differentiable for a {m}x{n} "
            f"matrix; use mode='reduced' (or 'r'). 'complete' works only for square a.")
    packed = _dec.qr_packed(a)
    r = getitem(packed, (Ellipsis, slice(m, None), slice(None)))
    if mode == "r":
        return r
    return QRResult(getitem(packed, (Ellipsis, slice(0, m), slice(None))), r)


# Products -------------------------------------------------------------------
def matrix_power(a, n):
    """``a`` to the integer power ``n`` by repeated squaring; negative ``n`` inverts first."""
    if not isinstance(a, Tracer):
        return backend.of(a).xp.linalg.matrix_power(a, n)
    _check_matrix(a, "matrix_power")
    try:
        n = operator.index(n)
    except TypeError as e:
        raise TypeError(f"funcad.numpy.linalg.matrix_power: exponent n={n!r} must be an "
                        f"integer.") from e
    if n == 0:
        xp = backend_of(a).xp
        return xp.broadcast_to(xp.eye(shape_of(a)[-1], dtype=dtype_of(a)), shape_of(a)).copy()
    if n < 0:
        a, n = inv(a), -n
    # NumPy's order of products: powers of two, multiplied in from the lowest bit.
    z = result = None
    while n > 0:
        z = a if z is None else _matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else _matmul(result, z)
    return result


def multi_dot(arrays, *, out=None):
    """The product of two or more matrices, in the cheapest order (as NumPy)."""
    arrays = list(arrays)
    if plain(*arrays):
        return backend.of_many(*arrays).xp.linalg.multi_dot(arrays, out=out)
    check_no_out(out, "linalg.multi_dot")
    if len(arrays) < 2:
        raise ValueError("funcad.numpy.linalg.multi_dot: expecting at least two arrays.")
    like = next(x for x in arrays if not plain(x))
    arrays = [as_operand(x, like) for x in arrays]
    if len(arrays) == 2:
        from funcad.numpy.composites import dot

        return dot(arrays[0], arrays[1])
    first, last = ndim_of(arrays[0]), ndim_of(arrays[-1])
    if first == 1:
        arrays[0] = reshape(arrays[0], (1, -1))
    if last == 1:
        arrays[-1] = reshape(arrays[-1], (-1, 1))
    for i, x in enumerate(arrays):
        if ndim_of(x) != 2:
            raise _linalg_error(x, (
                f"funcad.numpy.linalg.multi_dot: array {i} has shape {shape_of(x)}; the first "
                f"and last may be 1-D, the others must be 2-D."))
    result = _chain_product(arrays, _chain_order([shape_of(x) for x in arrays]))
    if first == 1 and last == 1:
        return reshape(result, ())
    if first == 1 or last == 1:
        return reshape(result, (-1,))
    return result


def _chain_order(shapes):
    """Where to split each sub-chain for the fewest scalar multiplications."""
    dims = [s[0] for s in shapes] + [shapes[-1][1]]
    count = len(shapes)
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain_product(arrays, split, i=0, j=None):
    j = len(arrays) - 1 if j is None else j
    if i == j:
        return arrays[i]
    k = split[i][j]
    return _matmul(_chain_product(arrays, split, i, k), _chain_product(arrays, split, k + 1, j))


# Norms ----------------------------------------------------------------------
def _abs_squared(x):
    """``|x|**2`` elementwise, real (``x * x`` for real ``x``)."""
    if _sol.is_complex(x):
        return real(multiply(x, conj(x)))
    return multiply(x, x)


def _safe_sqrt(s):
    """``sqrt(s)`` whose derivative at ``s == 0`` is 0 (the norm's subgradient at 0)."""
    zero = equal(s, 0)
    return where(zero, 0.0, sqrt(where(zero, 1.0, s)))


def _safe_root(s, p):
    """``s ** (1/p)`` with derivative 0 at ``s == 0``."""
    zero = equal(s, 0)
    return where(zero, 0.0, power(where(zero, 1.0, s), 1.0 / p))


def norm(x, ord=None, axis=None, keepdims: bool = False):  # noqa: A002 - mirrors NumPy
    """Vector or matrix norm, as ``numpy.linalg.norm``.

    At ``x == 0`` the 2-norm and the Frobenius norm (and other p-norms) have
    no derivative; funcad returns the subgradient 0 there, also at second
    order. ``max``-type norms (inf, 1 and inf for matrices, 2) split the
    derivative evenly between ties, as ``max`` does.

    >>> import funcad as fa, funcad.numpy as fnp, numpy as np
    >>> fa.grad(fnp.linalg.norm)(np.zeros(3)).tolist()
    [0.0, 0.0, 0.0]
    """
    if not isinstance(x, Tracer) and not backend.of(x).lazy:
        return backend.of(x).xp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    # Traced or lazy (Dask's norm takes at most 2-D arrays): funcad's operations.
    # NumPy takes the norm of integers and booleans in float64.
    x = _cast(x, _common_inexact(x))
    nd = ndim_of(x)
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1):
            out = _safe_sqrt(sum_(_abs_squared(x)))
            return reshape(out, (1,) * nd) if keepdims else out
        axis = tuple(range(nd))
    elif not isinstance(axis, tuple):
        try:
            axis = (operator.index(axis),)
        except TypeError as e:
            raise TypeError(f"funcad.numpy.linalg.norm: axis={axis!r}; 'axis' must be None, "
                            f"an integer or a tuple of integers.") from e
    axis = tuple(normalize_axis(a, nd) for a in axis)
    if len(axis) == 1:
        return _vector_norm(x, ord, axis, keepdims)
    if len(axis) == 2:
        return _matrix_norm(x, ord, axis, keepdims)
    raise ValueError(f"funcad.numpy.linalg.norm: improper number of dimensions to norm: "
                     f"axis={axis} for an array of shape {shape_of(x)}; use 1 or 2 axes.")


def _vector_norm(x, ord, axis, keepdims):  # noqa: A002
    inf = math.inf
    if isinstance(ord, str):
        raise ValueError(f"funcad.numpy.linalg.norm: invalid norm order '{ord}' for vectors; "
                         f"use None, a number, inf or -inf.")
    if ord == inf:
        return max_(absolute(x), axis=axis, keepdims=keepdims)
    if ord == -inf:
        return min_(absolute(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        real_dtype = backend_of(x).xp.finfo(dtype_of(x)).dtype
        return sum_(astype(not_equal(x, 0), real_dtype), axis=axis, keepdims=keepdims)
    if ord == 1:
        return sum_(absolute(x), axis=axis, keepdims=keepdims)
    if ord is None or ord == 2:
        return _safe_sqrt(sum_(_abs_squared(x), axis=axis, keepdims=keepdims))
    p = float(ord)
    return _safe_root(sum_(power(absolute(x), p), axis=axis, keepdims=keepdims), p)


def _matrix_norm(x, ord, axis, keepdims):  # noqa: A002
    row, col = axis
    if row == col:
        raise ValueError(f"funcad.numpy.linalg.norm: duplicate axes given, axis={axis}.")
    inf = math.inf
    if ord in (2, -2, "nuc"):
        nd = ndim_of(x)
        rest = tuple(i for i in range(nd) if i not in axis)
        s = svd(transpose(x, rest + (row, col)), compute_uv=False)
        out = {2: max_, -2: min_, "nuc": sum_}[ord](s, axis=-1)
    elif ord in (1, -1):
        reduce = max_ if ord == 1 else min_
        out = reduce(sum_(absolute(x), axis=row), axis=col - (col > row))
    elif ord in (inf, -inf):
        reduce = max_ if ord == inf else min_
        out = reduce(sum_(absolute(x), axis=col), axis=row - (row > col))
    elif ord in (None, "fro", "f"):
        out = _safe_sqrt(sum_(_abs_squared(x), axis=axis))
    else:
        raise ValueError(f"funcad.numpy.linalg.norm: invalid norm order {ord!r} for matrices; "
                         f"use None, 'fro', 'nuc', 1, -1, 2, -2, inf or -inf.")
    if keepdims:
        shape = list(shape_of(x))
        shape[row] = shape[col] = 1
        out = reshape(out, tuple(shape))
    return out


# The rest of numpy.linalg lives in _linalg_more, which builds on the functions above.
from funcad.numpy._linalg_more import (  # noqa: E402
    EigResult,
    cond,
    cross,
    diagonal,
    eig,
    eigvals,
    matmul,
    matrix_norm,
    matrix_rank,
    matrix_transpose,
    outer,
    svdvals,
    tensordot,
    tensorinv,
    tensorsolve,
    trace,
    vecdot,
    vector_norm,
)
