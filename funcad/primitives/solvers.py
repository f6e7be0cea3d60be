"""Linear solvers: solve, triangular solve, slogdet and the pseudo-inverse.

Each primitive works on stacks ``(..., n, n)`` as NumPy's ``linalg`` does, so
its batching rule only moves the batch axis to the front. Rules never form an
inverse where a solve will do. The helpers at the top (matrix transpose,
conjugate transpose, triangle masks, diagonals) are shared with
``decompositions.py``.

Complex matrices follow JAX's convention: a VJP is the transpose of the JVP's
linear map, not its conjugate transpose. ``solve``, ``triangular_solve`` and
``det`` are holomorphic, so their rules use plain transposes. For the others
the VJP is written as ``conj(A*(conj(ct)))``, where ``A*`` is the adjoint for
the inner product ``Re tr(x^H y)`` (the textbook formula, with conjugate
transposes); for real matrices the conjugations vanish.

``slogdet`` returns one array ``(..., 2)`` holding the sign and the log of the
absolute determinant: a primitive has one output, and the public function in
``funcad.numpy.linalg`` splits it (for complex input the array is complex
and ``logabsdet`` is its real part).
"""

from __future__ import annotations

from funcad import backend
from funcad.core.primitive import Primitive
from funcad.primitives._util import (
    backend_of,
    batch_axes_in_front,
    dtype_of,
    move_to_front,
    ndim_of,
    shape_of,
    unbroadcast,
)
from funcad.primitives.arithmetic import add, divide, multiply, negative, subtract
from funcad.primitives.comparison import astype, equal, where
from funcad.primitives.complex import conj, imag, real
from funcad.primitives.indexing import getitem
from funcad.primitives.linalg import einsum, matmul
from funcad.primitives.shape import concatenate, transpose

solve_p = Primitive("solve")
triangular_solve_p = Primitive("triangular_solve")
slogdet_p = Primitive("slogdet")
pinv_p = Primitive("pinv")


# Helpers shared by the matrix rules ------------------------------------------
def is_complex(x) -> bool:
    return getattr(dtype_of(x), "kind", None) == "c"


def conj_if_complex(x):
    """``conj(x)``, or ``x`` itself (no operation recorded) when it is real."""
    return conj(x) if is_complex(x) else x


def real_if_complex(x):
    """``real(x)``, or ``x`` itself when it is real."""
    return real(x) if is_complex(x) else x


def matrix_transpose(x):
    """``x`` with its last two axes swapped."""
    n = ndim_of(x)
    return transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


def adjoint(x):
    """The conjugate transpose over the last two axes (the transpose of a real ``x``)."""
    return matrix_transpose(conj_if_complex(x))


def hermitize(x):
    """``(x + x^H) / 2`` over the last two axes (``(x + x^T) / 2`` for real ``x``)."""
    return multiply(add(x, adjoint(x)), 0.5)


def constant_like(x, value):
    """A 0-d constant of ``x``'s dtype (keeps float32 rules in float32)."""
    return backend_of(x).xp.asarray(value, dtype=dtype_of(x))


def triangle_mask(x, lower: bool, diagonal: float = 1.0):
    """Ones on one triangle of an ``(n, n)`` matrix, ``diagonal`` on its diagonal.

    ``x`` gives the size (its last axis), dtype and backend; the mask is real.
    """
    n = shape_of(x)[-1]
    xp = backend_of(x).xp
    dtype = xp.finfo(dtype_of(x)).dtype
    ones = xp.ones((n, n), dtype=dtype)
    mask = xp.tril(ones) if lower else xp.triu(ones)
    return mask - xp.eye(n, dtype=dtype) * (1.0 - diagonal)


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


def imaginary_diagonal(x):
    """``i Im(diag(x))`` as a diagonal matrix: the phase part of a complex diagonal."""
    d = diagonal(x)
    return diag_embed(subtract(d, real(d)))


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


def divide_or_zero(x, d):
    """``x / d`` elementwise, and 0 where ``d`` is 0."""
    zero = equal(d, 0)
    return where(zero, constant_like(x, 0.0), divide(x, where(zero, constant_like(d, 1.0), d)))


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
        return prim.bind(*batch_axes_in_front(args, bdims), **params), 0

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
    xp = backend.of_many(a, b).xp  # either operand may be the lazy one
    return xp.linalg.solve(*_same_rank(xp.asarray(a), xp.asarray(b)))


# Holomorphic: plain transposes in the VJPs, for complex matrices too.
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
    xp = backend.of_many(a, b).xp
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
    return xp.stack([sign, logabsdet.astype(sign.dtype)], axis=-1)


# With z = tr(a^{-1} da): d log|det a| = Re z, and the sign (real: locally
# constant) turns by d sign = i Im(z) sign.
def _slogdet_jvp(t, ans, a):
    z = trace(solve(a, t))
    if not is_complex(a):
        zero = backend_of(z).xp.zeros(shape_of(z), dtype=dtype_of(z))
        return _stack_last(zero, z)
    t_sign = multiply(subtract(z, real(z)), getitem(ans, (Ellipsis, 0)))
    return _stack_last(t_sign, astype(real(z), dtype_of(ans)))


def _stack_last(x, y):
    """``x`` and ``y`` side by side along a new last axis."""
    return concatenate([getitem(x, (Ellipsis, None)), getitem(y, (Ellipsis, None))], axis=-1)


def _slogdet_vjp(ct, ans, a):
    # Transpose of the JVP: (Re(ct_log) + i Im(ct_sign sign)) a^{-T}.
    g = getitem(ct, (Ellipsis, 1))
    if is_complex(a):
        g = add(real(g), multiply(imag(multiply(getitem(ct, (Ellipsis, 0)),
                                                  getitem(ans, (Ellipsis, 0)))), 1j))
    g = getitem(g, (Ellipsis, None, None))
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
# dX = -X dA X + X X^H dA^H (I - A X) + (I - X A) dA^H X^H X.
def _pinv_jvp(t, ans, a, *, rcond, hermitian):
    x, x_h, t_h = ans, adjoint(ans), adjoint(t)
    inner = negative(matmul(x, matmul(t, x)))
    w = subtract(t_h, matmul(matmul(t_h, a), x))
    left = matmul(x, matmul(x_h, w))
    y = matmul(t_h, matmul(x_h, x))
    right = subtract(y, matmul(x, matmul(a, y)))
    return add(inner, add(left, right))


def _pinv_vjp(ct, ans, a, *, rcond, hermitian):
    # The adjoint -X^H c X^H + (I - A X) c^H X X^H + X^H X c^H (I - X A), with c = conj(ct).
    c = conj_if_complex(ct)
    x, x_h, c_h = ans, adjoint(ans), adjoint(c)
    inner = negative(matmul(x_h, matmul(c, x_h)))
    z = matmul(c_h, matmul(x, x_h))
    left = subtract(z, matmul(a, matmul(x, z)))
    w = matmul(matmul(x_h, x), c_h)
    right = subtract(w, matmul(matmul(w, x), a))
    return conj_if_complex(add(inner, add(left, right)))


pinv_p.def_jvp(_pinv_jvp)
pinv_p.def_vjp(_pinv_vjp)
pinv_p.def_batch(stacked_batch(pinv_p))
