"""NumPy's polynomial functions (coefficients highest power first): polyval, polyfit, ...

Each follows NumPy's own steps with funcad operations: Horner's rule for
``polyval``, ``convolve`` for ``polymul`` and ``poly``, long division for
``polydiv``, scaled least squares (``funcad.numpy.linalg.lstsq``) for
``polyfit``; so all are differentiable in every coefficient. ``roots`` is
NumPy's (the eigenvalues of the companion matrix) with the derivative of
the implicit function ``p(r) = 0`` (``funcad.primitives.polyroots``). With no
traced argument every function calls NumPy directly.

>>> import numpy as np, funcad as fa, funcad.numpy as fnp
>>> fa.grad(lambda p: fnp.polyval(p, 2.0))(np.array([1.0, 0.0, -1.0]))  # (x**2, x, 1)
array([4., 2., 1.])
"""

from __future__ import annotations

import warnings
from typing import Any

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._concrete import maybe_concrete, traced
from funcad.numpy._lazy import is_lazy, plain
from funcad.numpy._numerical_util import as_operand
from funcad.numpy.composites import dot
from funcad.numpy.numerical import convolve, vander
from funcad.primitives import polyroots
from funcad.primitives._util import backend_of, dtype_of, ndim_of, shape_of
from funcad.primitives.arithmetic import add, divide, multiply, negative, subtract
from funcad.primitives.comparison import astype
from funcad.primitives.complex import real
from funcad.primitives.elementwise import sqrt
from funcad.primitives.indexing import getitem
from funcad.primitives.reduction import sum as sum_
from funcad.primitives.shape import concatenate, reshape, transpose

__all__ = [
    "polyval", "polyadd", "polysub", "polymul", "polyder", "polyint", "polydiv", "polyfit",
    "roots", "poly",
]

ArrayLike = Any


def _xp(*xs):
    return backend.of_many(*[x for x in xs if not isinstance(x, Tracer)]).xp


def _like(*xs):
    """The argument whose backend the result takes: a traced one, else a lazy one."""
    found = next((x for x in xs if traced(x)), None)
    return found if found is not None else next((x for x in xs if is_lazy(x)), xs[0])


def _atleast_1d(x, like):
    x = as_operand(x, like)
    return reshape(x, (1,)) if ndim_of(x) == 0 else x


def polyval(p: ArrayLike, x: ArrayLike) -> ArrayLike:
    """The polynomial with coefficients ``p`` at ``x``, by Horner's rule (as NumPy)."""
    if plain(p, x):
        return backend.of_pair(p, x).xp.polyval(p, x)
    like = _like(p, x)
    p, x = as_operand(p, like), as_operand(x, like)
    y = backend_of(like).xp.zeros(shape_of(x), dtype_of(x))
    for i in range(shape_of(p)[0]):
        y = add(multiply(y, x), getitem(p, i))
    return y


def _padded(a1, a2, combine):
    """``combine`` of two coefficient arrays aligned at their last (constant) term."""
    like = _like(a1, a2)
    a1, a2 = _atleast_1d(a1, like), _atleast_1d(a2, like)
    gap = shape_of(a2)[0] - shape_of(a1)[0]
    xp = backend_of(like).xp
    if gap > 0:
        a1 = concatenate([xp.zeros(gap, dtype_of(a1)), a1], 0)
    elif gap < 0:
        a2 = concatenate([xp.zeros(-gap, dtype_of(a2)), a2], 0)
    return combine(a1, a2)


def polyadd(a1: ArrayLike, a2: ArrayLike) -> ArrayLike:
    """The sum of two polynomials (the shorter padded with leading zeros)."""
    if not traced(a1, a2):
        return _xp(a1, a2).polyadd(a1, a2)
    return _padded(a1, a2, add)


def polysub(a1: ArrayLike, a2: ArrayLike) -> ArrayLike:
    """The difference ``a1 - a2`` of two polynomials."""
    if not traced(a1, a2):
        return _xp(a1, a2).polysub(a1, a2)
    return _padded(a1, a2, subtract)


def polymul(a1: ArrayLike, a2: ArrayLike) -> ArrayLike:
    """The product of two polynomials: the convolution of their coefficients."""
    if not traced(a1, a2):
        return _xp(a1, a2).polymul(a1, a2)
    like = _like(a1, a2)
    return convolve(_atleast_1d(a1, like), _atleast_1d(a2, like))


def polyder(p: ArrayLike, m: int = 1) -> ArrayLike:
    """The ``m``-th derivative of the polynomial ``p``."""
    if not traced(p):
        return _xp(p).polyder(p, m)
    m = int(m)
    if m < 0:
        raise ValueError(f"polyder: m={m}; order of derivative must be positive "
                         f"(see polyint).")
    xp = backend_of(p).xp
    for _ in range(m):
        n = shape_of(p)[0] - 1
        p = multiply(getitem(p, slice(None, -1)), xp.arange(n, 0, -1))
    return p


def polyint(p: ArrayLike, m: int = 1, k: ArrayLike = None) -> ArrayLike:
    """The ``m``-th antiderivative of ``p``, with integration constants ``k``."""
    if not traced(p, k):
        return _xp(p).polyint(p, m, k)
    m = int(m)
    if m < 0:
        raise ValueError(f"polyint: m={m}; order of integral must be positive (see polyder).")
    xp = backend_of(_like(p, k)).xp
    k = xp.zeros(m, float) if k is None else _atleast_1d(k, p)
    if shape_of(k)[0] == 1 and m > 1:
        k = multiply(getitem(k, 0), xp.ones(m, float))
    if shape_of(k)[0] < m:
        raise ValueError(f"polyint: k has {shape_of(k)[0]} values for m={m}; k must be a "
                         f"scalar or a rank-1 array of length 1 or >m.")
    p = as_operand(p, k)
    for i in range(m):
        scaled = divide(p, xp.arange(shape_of(p)[0], 0, -1))
        constant = getitem(k, slice(i, i + 1))
        dtype = xp.result_type(dtype_of(scaled), dtype_of(constant))
        p = concatenate([astype(scaled, dtype), astype(constant, dtype)], 0)
    return p


def polydiv(u: ArrayLike, v: ArrayLike) -> ArrayLike:
    """Quotient and remainder ``(q, r)`` of the polynomial division ``u / v``.

    The remainder's leading entries that are zero up to rounding are dropped,
    as NumPy does; inside ``vmap``, where each example could drop a different
    number, exactly the ``len(u) - len(v) + 1`` entries that the division
    cancels are dropped.
    """
    if not traced(u, v):
        return _xp(u, v).polydiv(u, v)
    like = _like(u, v)
    u, v = add(_atleast_1d(u, like), 0.0), add(_atleast_1d(v, like), 0.0)
    xp = backend_of(like).xp
    dtype = xp.result_type(dtype_of(u), dtype_of(v))
    m, n = shape_of(u)[0] - 1, shape_of(v)[0] - 1
    scale = divide(1.0, getitem(v, 0))
    r = astype(u, dtype)
    quotient = []
    for k in range(m - n + 1):
        d = multiply(scale, getitem(r, k))
        quotient.append(reshape(d, (1,)))
        reduced = subtract(getitem(r, slice(k, k + n + 1)), multiply(d, v))
        r = concatenate([getitem(r, slice(None, k)), reduced, getitem(r, slice(k + n + 1, None))],
                        0)
    q = concatenate(quotient, 0) if quotient else xp.zeros((1,), dtype)
    return astype(q, dtype), getitem(r, slice(_leading_zeros(r, m - n + 1), None))


def _leading_zeros(r, cancelled: int) -> int:
    """How many leading entries of ``r`` NumPy's ``polydiv`` drops (at least one is kept)."""
    length = shape_of(r)[0]
    value = maybe_concrete(r)
    if value is None:
        return min(max(cancelled, 0), length - 1)
    xp = backend.of(value).xp
    count = 0
    while count < length - 1 and xp.allclose(value[count], 0, rtol=1e-14):
        count += 1
    return count


def polyfit(x: ArrayLike, y: ArrayLike, deg: int, rcond: float | None = None,
            full: bool = False, w: ArrayLike = None, cov: bool | str = False) -> Any:
    """Least-squares polynomial fit of degree ``deg``; differentiable in ``x``, ``y``, ``w``.

    The same scaled Vandermonde system as NumPy, solved by
    ``funcad.numpy.linalg.lstsq``; ``full`` and ``cov`` return what NumPy returns.
    """
    if not traced(x, y, w):
        return _xp(x, y).polyfit(x, y, deg, rcond=rcond, full=full, w=w, cov=cov)
    from funcad.numpy import linalg

    like = _like(x, y, w)
    order = int(deg) + 1
    x, y = add(as_operand(x, like), 0.0), add(as_operand(y, like), 0.0)
    if deg < 0:
        raise ValueError(f"polyfit: deg={deg}; expected deg >= 0.")
    if ndim_of(x) != 1:
        raise TypeError(f"polyfit: x has shape {shape_of(x)}; expected 1D vector for x.")
    if shape_of(x)[0] == 0:
        raise TypeError("polyfit: expected non-empty vector for x.")
    if ndim_of(y) < 1 or ndim_of(y) > 2:
        raise TypeError(f"polyfit: y has shape {shape_of(y)}; expected 1D or 2D array for y.")
    if shape_of(x)[0] != shape_of(y)[0]:
        raise TypeError(f"polyfit: x has {shape_of(x)[0]} points and y {shape_of(y)[0]}; "
                        f"expected x and y to have same length.")
    xp = backend_of(like).xp
    if rcond is None:
        rcond = shape_of(x)[0] * float(xp.finfo(dtype_of(x)).eps)
    lhs, rhs = vander(x, order), y
    if w is not None:
        w = add(as_operand(w, like), 0.0)
        if ndim_of(w) != 1:
            raise TypeError(f"polyfit: w has shape {shape_of(w)}; expected a 1-d array for "
                            f"weights.")
        if shape_of(w)[0] != shape_of(y)[0]:
            raise TypeError("polyfit: expected w and y to have the same length.")
        column = getitem(w, (slice(None), None))
        # NumPy weighs in place: lhs and rhs keep their dtypes.
        lhs = astype(multiply(lhs, column), dtype_of(lhs))
        rhs = astype(multiply(rhs, column if ndim_of(rhs) == 2 else w), dtype_of(rhs))
    scale = sqrt(sum_(multiply(lhs, lhs), axis=0))
    lhs = astype(divide(lhs, scale), dtype_of(lhs))
    c, resids, rank, s = linalg.lstsq(lhs, rhs, rcond)
    c = transpose(divide(transpose(c), scale))
    rank_value = maybe_concrete(rank)
    if rank_value is not None and int(rank_value) != order and not full:
        warnings.warn("Polyfit may be poorly conditioned", xp.exceptions.RankWarning,
                      stacklevel=2)
    if full:
        return c, resids, rank, s, rcond
    if not cov:
        return c
    outer = multiply(getitem(scale, (slice(None), None)), getitem(scale, (None, slice(None))))
    base = divide(linalg.inv(dot(transpose(lhs), lhs)), outer)
    if cov == "unscaled":
        fac = 1
    else:
        if shape_of(x)[0] <= order:
            raise ValueError(f"polyfit: {shape_of(x)[0]} points for order {order}; the "
                             f"number of data points must exceed order to scale the "
                             f"covariance matrix.")
        fac = divide(resids, shape_of(x)[0] - order)
    if ndim_of(y) == 1:
        return c, multiply(base, fac)
    return c, multiply(getitem(base, (slice(None), slice(None), None)), fac)


def roots(p: ArrayLike) -> ArrayLike:
    """The roots of the polynomial ``p``: NumPy's, with the implicit-function derivative.

    A simple root ``r`` moves by ``-dp(r) / p'(r)`` when the coefficients move
    by ``dp``; at a repeated root ``p'(r) = 0`` and the derivative is not finite.
    Complex roots give complex results (with JAX's conventions).
    """
    if not isinstance(p, Tracer):
        return backend.of(p).xp.roots(p)
    if ndim_of(p) == 0:
        p = reshape(p, (1,))
    if ndim_of(p) != 1:
        raise ValueError(f"roots: p has shape {shape_of(p)}; input must be a rank-1 array.")
    if dtype_of(p).kind not in "fc":
        p = astype(p, backend_of(p).xp.float64)
    return polyroots.roots(p)


def poly(seq_of_zeros: ArrayLike) -> ArrayLike:
    """The coefficients of the monic polynomial with the given roots.

    A square matrix gives its characteristic polynomial, from its eigenvalues
    (``fnp.linalg.eigvals``) as NumPy does; under a transform its derivative
    needs distinct eigenvalues (see ``docs/linalg.md``), and a real matrix's
    coefficients are real.
    """
    if not isinstance(seq_of_zeros, Tracer):
        return backend.of(seq_of_zeros).xp.poly(seq_of_zeros)
    zeros = reshape(seq_of_zeros, (1,)) if ndim_of(seq_of_zeros) == 0 else seq_of_zeros
    shape = shape_of(zeros)
    xp = backend_of(zeros).xp
    real_matrix = False
    if len(shape) == 2 and shape[0] == shape[1] and shape[0] != 0:
        from funcad.numpy.linalg import eigvals

        real_matrix = dtype_of(zeros).kind != "c"
        zeros = eigvals(zeros)
        shape = shape_of(zeros)
    if len(shape) != 1:
        raise ValueError(f"poly: input has shape {shape}; input must be 1d or non-empty "
                         f"square 2d array.")
    dtype = xp.dtype(xp.mintypecode(dtype_of(zeros).char))
    zeros = astype(zeros, dtype)
    if shape[0] == 0:
        return 1.0
    a = xp.ones((1,), dtype)
    pad = xp.zeros((1,), dtype)
    for i in range(shape[0]):
        # The convolution with [1, -zero]: a[k] - zero * a[k-1].
        a = add(concatenate([astype(a, dtype), pad], 0),
                multiply(concatenate([pad, astype(a, dtype)], 0), negative(getitem(zeros, i))))
    if real_matrix:
        return real(a)
    if dtype.kind == "c":
        value = maybe_concrete(zeros)
        if value is not None and bool(xp.all(xp.sort(value) == xp.sort(value.conjugate()))):
            a = real(a)
    return a
