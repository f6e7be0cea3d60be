"""Linear solvers: solve, triangular solve, slogdet and the pseudo-inverse.

Each primitive works on stacks ``(..., n, n)`` as NumPy's ``linalg`` does, so
its batching rule only moves the batch axis to the front. Rules never form an
inverse where a solve will do. The helpers at the top (matrix transpose,
triangle masks, diagonals) are shared with ``decompositions.py``.

``slogdet`` returns one array ``(..., 2)`` holding the sign and the log of the
absolute determinant: a primitive has one output, and the public function in
``funcad.numpy.linalg`` splits it.
"""

from __future__ import annotations

from funcad.core.primitive import Primitive
from funcad.primitives._util import (
    backend_of,
    dtype_of,
    move_to_front,
    ndim_of,
    shape_of,
    unbroadcast,
)
from funcad.primitives.arithmetic import add, divide, multiply, negative, subtract
from funcad.primitives.comparison import equal, where
from funcad.primitives.indexing import getitem
from funcad.primitives.linalg import einsum, matmul
from funcad.primitives.shape import concatenate, reshape, transpose

solve_p = Primitive("solve")
triangular_solve_p = Primitive("triangular_solve")
slogdet_p = Primitive("slogdet")
pinv_p = Primitive("pinv")


# Helpers shared by the matrix rules ------------------------------------------
def matrix_transpose(x):
    """``x`` with its last two axes swapped."""
    n = ndim_of(x)
    return transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


def symmetrize(x):
    """``(x + x^T) / 2`` over the last two axes."""
    return multiply(add(x, matrix_transpose(x)), 0.5)


def constant_like(x, value):
    """A 0-d constant of ``x``'s dtype (keeps float32 rules in float32)."""
    return backend_of(x).xp.asarray(value, dtype=dtype_of(x))


def triangle_mask(x, lower: bool, diagonal: float = 1.0):
    """Ones on one triangle of an ``(n, n)`` matrix, ``diagonal`` on its diagonal.

    ``x`` gives the size (its last axis), dtype and backend.
    """
    n = shape_of(x)[-1]
    xp = backend_of(x).xp
    ones = xp.ones((n, n), dtype=dtype_of(x))
    mask = xp.tril(ones) if lower else xp.triu(ones)
    return mask - xp.eye(n, dtype=dtype_of(x)) * (1.0 - diagonal)


def triangle(x, lower: bool):
    """The lower (or upper) triangle of ``x``, zeros elsewhere; differentiable."""
    return multiply(x, triangle_mask(x, lower))


def eye_like(x):
    """The boolean identity of the size of ``x``'s last axis."""
    return backend_of(x).xp.eye(shape_of(x)[-1], dtype=bool)


def identity_like(x):
    """The identity matrix of the size of ``x``'s last axis and of its dtype."""
    return backend_of(x).xp.eye(shape_of(x)[-1], dtype=dtype_of(x))


def diagonal(x):
    """The diagonal of the last two axes."""
    return einsum("...ii->...i", x)


def trace(x):
    """The trace over the last two axes."""
    return einsum("...ii->...", x)


def diag_embed(v):
    """Square matrices with ``v`` (over its last axis) on their diagonals."""
    return multiply(getitem(v, (Ellipsis, None, slice(None))), identity_like(v))


def divide_or_nan(x, d):
    """``x / d`` elementwise; 0 where both are 0, NaN where only ``d`` is.

    A zero numerator is a derivative that was never asked for (the factor of a
    symbolic zero), so it stays zero; a nonzero one over a zero denominator is
    a derivative that does not exist.
    """
    zero = equal(d, 0)
    safe = where(zero, constant_like(d, 1.0), d)
    undefined = where(equal(x, 0), constant_like(x, 0.0), constant_like(x, float("nan")))
    return where(zero, undefined, divide(x, safe))


def divide_by_gaps(k, lam):
    """``k[..., i, j] / (lam[j] - lam[i])`` off the diagonal, 0 on it.

    Equal values (a degenerate spectrum) give NaN where ``k`` is nonzero: the
    derivative of the vectors does not exist there.
    """
    gaps = subtract(getitem(lam, (Ellipsis, None, slice(None))),
                    getitem(lam, (Ellipsis, slice(None), None)))
    return where(eye_like(lam), constant_like(k, 0.0), divide_or_nan(k, gaps))


def stacked_batch(prim):
    """Batching rule of a one-argument primitive that maps over leading axes."""

    def batch_stacked(args, bdims, **params):
        (x,), (bdim,) = args, bdims
        return prim.bind(move_to_front(x, bdim), **params), 0

    batch_stacked.__name__ = f"_{prim.name}_batch"
    return batch_stacked


def _paired_batch(prim):
    """Batching rule of ``prim(a, b)`` whose leading (stack) axes broadcast."""

    def batch_paired(args, bdims, **params):
        ranks = [ndim_of(x) - (b is not None) for x, b in zip(args, bdims)]
        rank = max(ranks)
        moved = []
        for x, b, r in zip(args, bdims, ranks):
            if b is not None:
                x = move_to_front(x, b)
                if r < rank:
                    # The batch axis must stay in front of the other's stack axes.
                    s = shape_of(x)
                    x = reshape(x, s[:1] + (1,) * (rank - r) + s[1:])
            moved.append(x)
        return prim.bind(*moved, **params), 0

    batch_paired.__name__ = f"_{prim.name}_batch"
    return batch_paired


# solve ----------------------------------------------------------------------
def solve(a, b):
    """``x`` with ``a @ x == b``; ``a`` is ``(..., n, n)`` and ``b`` is ``(..., n, k)``."""
    return solve_p.bind(a, b)


def _same_rank(a, b):
    """``a`` and ``b`` with leading ones to equal rank.

    NumPy 1.x read a ``b`` one dimension shorter than ``a`` as a stack of
    vectors; with equal ranks ``b`` is a stack of matrices in every version.
    """
    ranks = max(a.ndim, b.ndim)
    return a.reshape((1,) * (ranks - a.ndim) + a.shape), b.reshape(
        (1,) * (ranks - b.ndim) + b.shape)


@solve_p.def_impl
def _solve_impl(a, b):
    xp = backend_of(a).xp
    return xp.linalg.solve(*_same_rank(xp.asarray(a), xp.asarray(b)))


def _solve_jvp_a(t, ans, a, b):
    return negative(solve(a, matmul(t, ans)))


def _solve_jvp_b(t, ans, a, b):
    return solve(a, t)


def _solve_vjp_a(ct, ans, a, b):
    g = solve(matrix_transpose(a), ct)
    return unbroadcast(negative(matmul(g, matrix_transpose(ans))), shape_of(a))


def _solve_vjp_b(ct, ans, a, b):
    return unbroadcast(solve(matrix_transpose(a), ct), shape_of(b))


solve_p.def_jvp(_solve_jvp_a, _solve_jvp_b)
solve_p.def_vjp(_solve_vjp_a, _solve_vjp_b)
solve_p.def_batch(_paired_batch(solve_p))


# triangular_solve -----------------------------------------------------------
def triangular_solve(a, b, lower: bool):
    """``x`` with ``tri(a) @ x == b``, reading only the lower (or upper) triangle of ``a``."""
    return triangular_solve_p.bind(a, b, lower=bool(lower))


@triangular_solve_p.def_impl
def _triangular_solve_impl(a, b, *, lower):
    # NumPy has no triangular solver; LU on the triangle is exact enough and
    # keeps SciPy optional.
    xp = backend_of(a).xp
    a, b = _same_rank(xp.asarray(a), xp.asarray(b))
    return xp.linalg.solve(xp.tril(a) if lower else xp.triu(a), b)


def _triangular_solve_jvp_a(t, ans, a, b, *, lower):
    return negative(triangular_solve(a, matmul(triangle(t, lower), ans), lower))


def _triangular_solve_jvp_b(t, ans, a, b, *, lower):
    return triangular_solve(a, t, lower)


def _triangular_solve_vjp_a(ct, ans, a, b, *, lower):
    g = triangular_solve(matrix_transpose(a), ct, not lower)
    g = triangle(negative(matmul(g, matrix_transpose(ans))), lower)
    return unbroadcast(g, shape_of(a))


def _triangular_solve_vjp_b(ct, ans, a, b, *, lower):
    return unbroadcast(triangular_solve(matrix_transpose(a), ct, not lower), shape_of(b))


triangular_solve_p.def_jvp(_triangular_solve_jvp_a, _triangular_solve_jvp_b)
triangular_solve_p.def_vjp(_triangular_solve_vjp_a, _triangular_solve_vjp_b)
triangular_solve_p.def_batch(_paired_batch(triangular_solve_p))


# slogdet --------------------------------------------------------------------
def slogdet_packed(a):
    """``(..., 2)``: the sign of ``det(a)`` and ``log|det(a)|`` side by side."""
    return slogdet_p.bind(a)


@slogdet_p.def_impl
def _slogdet_impl(a):
    xp = backend_of(a).xp
    sign, logabsdet = xp.linalg.slogdet(a)
    return xp.stack([sign, logabsdet], axis=-1)


def _slogdet_jvp(t, ans, a):
    # d log|det a| = tr(a^{-1} da); the sign is locally constant.
    t_log = getitem(trace(solve(a, t)), (Ellipsis, None))
    zero = backend_of(t_log).xp.zeros(shape_of(t_log), dtype=dtype_of(t_log))
    return concatenate([zero, t_log], axis=-1)


def _slogdet_vjp(ct, ans, a):
    g = getitem(ct, (Ellipsis, 1, None, None))
    return multiply(g, solve(matrix_transpose(a), identity_like(a)))


slogdet_p.def_jvp(_slogdet_jvp)
slogdet_p.def_vjp(_slogdet_vjp)
slogdet_p.def_batch(stacked_batch(slogdet_p))


# pinv -----------------------------------------------------------------------
def pinv(a, rcond: float, hermitian: bool):
    """Moore-Penrose pseudo-inverse of ``(..., m, n)`` stacks (NumPy's values)."""
    return pinv_p.bind(a, rcond=rcond, hermitian=bool(hermitian))


@pinv_p.def_impl
def _pinv_impl(a, *, rcond, hermitian):
    return backend_of(a).xp.linalg.pinv(a, rcond=rcond, hermitian=hermitian)


# The derivative of A+ where the rank is locally constant (Golub and Pereyra):
# dX = -X dA X + X X^T dA^T (I - A X) + (I - X A) dA^T X^T X.
def _pinv_jvp(t, ans, a, *, rcond, hermitian):
    x, x_t, t_t = ans, matrix_transpose(ans), matrix_transpose(t)
    inner = negative(matmul(x, matmul(t, x)))
    w = subtract(t_t, matmul(matmul(t_t, a), x))
    left = matmul(x, matmul(x_t, w))
    y = matmul(t_t, matmul(x_t, x))
    right = subtract(y, matmul(x, matmul(a, y)))
    return add(inner, add(left, right))


def _pinv_vjp(ct, ans, a, *, rcond, hermitian):
    x, x_t, ct_t = ans, matrix_transpose(ans), matrix_transpose(ct)
    inner = negative(matmul(x_t, matmul(ct, x_t)))
    z = matmul(ct_t, matmul(x, x_t))
    left = subtract(z, matmul(a, matmul(x, z)))
    w = matmul(matmul(x_t, x), ct_t)
    right = subtract(w, matmul(matmul(w, x), a))
    return add(inner, add(left, right))


pinv_p.def_jvp(_pinv_jvp)
pinv_p.def_vjp(_pinv_vjp)
pinv_p.def_batch(stacked_batch(pinv_p))
