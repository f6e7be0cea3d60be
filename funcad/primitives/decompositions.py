"""Matrix decompositions: cholesky, eigh, svd and qr, over stacks ``(..., m, n)``.

A primitive has one output, so the factorizations with several return a
packed array that ``funcad.numpy.linalg`` slices apart:

* ``eigh``: ``(..., n + 1, n)``, the eigenvalues as the first row, then the
  eigenvectors (as columns, like NumPy's ``v``);
* ``svd``: ``(..., m + 1 + n, k)`` with ``k = min(m, n)``: ``u``, then ``s``
  as one row, then ``vh`` transposed (the right singular vectors as columns);
* ``qr``: ``(..., m + n, n)``: ``q`` above ``r`` (reduced mode, ``m >= n``).

Conventions:

* ``cholesky`` and ``eigh`` read one triangle of their input, as LAPACK does,
  but their derivatives are those of the symmetric matrix: tangents are
  symmetrized, ``(t + t^T) / 2``, and gradients come back symmetric, as in
  JAX. This is the derivative of ``f((a + a^T) / 2)``, which equals
  ``f(a)`` for the symmetric inputs these functions are meant for.
* The derivatives of eigenvectors and singular vectors divide by gaps between
  eigenvalues (squared singular values). Where two are exactly equal the
  vectors are not unique and have no derivative: those entries are NaN,
  except where the vectors' cotangent (or the tangent's projection) is
  exactly zero, so eigenvalues and singular values alone still differentiate.
  Only functions that do not depend on the vectors' signs have derivatives
  (``v[:, i]`` and ``-v[:, i]`` are both eigenvectors).
"""

from __future__ import annotations

from funcad.core.primitive import Primitive
from funcad.primitives._util import backend_of, shape_of
from funcad.primitives.arithmetic import add, multiply, subtract
from funcad.primitives.indexing import getitem
from funcad.primitives.linalg import matmul
from funcad.primitives.shape import concatenate
from funcad.primitives.solvers import (
    diag_embed,
    diagonal,
    divide_by_gaps,
    divide_or_nan,
    matrix_transpose,
    stacked_batch,
    symmetrize,
    triangle_mask,
    triangular_solve,
)

cholesky_p = Primitive("cholesky")
eigh_p = Primitive("eigh")
svd_p = Primitive("svd")
qr_p = Primitive("qr")

_ROWS = slice(None)


def _rows(x, start, stop=None):
    """Rows ``start:stop`` of the last-but-one axis."""
    return getitem(x, (Ellipsis, slice(start, stop), _ROWS))


def _row(x, i):
    """Row ``i`` of the last-but-one axis, as a vector over the last axis."""
    return getitem(x, (Ellipsis, i, _ROWS))


def _as_row(v):
    """A vector ``(..., k)`` as a one-row matrix ``(..., 1, k)``."""
    return getitem(v, (Ellipsis, None, _ROWS))


def _as_column(v):
    """A vector ``(..., k)`` as a one-column matrix ``(..., k, 1)``."""
    return getitem(v, (Ellipsis, slice(None), None))


# cholesky -------------------------------------------------------------------
def cholesky(a):
    """The lower Cholesky factor ``l`` with ``l @ l^T == a`` (lower triangle read)."""
    return cholesky_p.bind(a)


@cholesky_p.def_impl
def _cholesky_impl(a):
    return backend_of(a).xp.linalg.cholesky(a)


def _phi(x):
    """The lower triangle of ``x`` with its diagonal halved."""
    return multiply(x, triangle_mask(x, lower=True, diagonal=0.5))


# From a = l l^T: l^{-1} da l^{-T} = x + x^T with x = l^{-1} dl lower
# triangular, so dl = l phi(l^{-1} da l^{-T}). Triangular solves only.
def _cholesky_jvp(t, ans, a):
    y = triangular_solve(ans, symmetrize(t), True)
    m = matrix_transpose(triangular_solve(ans, matrix_transpose(y), True))
    return matmul(ans, _phi(m))


def _cholesky_vjp(ct, ans, a):
    lt = matrix_transpose(ans)
    p = _phi(matmul(lt, ct))
    y = triangular_solve(lt, p, False)
    g = matrix_transpose(triangular_solve(lt, matrix_transpose(y), False))
    return symmetrize(g)


cholesky_p.def_jvp(_cholesky_jvp)
cholesky_p.def_vjp(_cholesky_vjp)
cholesky_p.def_batch(stacked_batch(cholesky_p))


# eigh -----------------------------------------------------------------------
def eigh_packed(a, uplo: str):
    """``(..., n + 1, n)``: eigenvalues (ascending) above the eigenvectors."""
    return eigh_p.bind(a, uplo=uplo)


@eigh_p.def_impl
def _eigh_impl(a, *, uplo):
    xp = backend_of(a).xp
    w, v = xp.linalg.eigh(a, UPLO=uplo)
    return xp.concatenate([w[..., None, :], v], axis=-2)


def _eigh_jvp(t, ans, a, *, uplo):
    w, v = _row(ans, 0), _rows(ans, 1)
    m = matmul(matrix_transpose(v), matmul(symmetrize(t), v))
    v_dot = matmul(v, divide_by_gaps(m, w))
    return concatenate([_as_row(diagonal(m)), v_dot], axis=-2)


def _eigh_vjp(ct, ans, a, *, uplo):
    w, v = _row(ans, 0), _rows(ans, 1)
    w_bar, v_bar = _row(ct, 0), _rows(ct, 1)
    inner = add(diag_embed(w_bar), divide_by_gaps(matmul(matrix_transpose(v), v_bar), w))
    return symmetrize(matmul(v, matmul(inner, matrix_transpose(v))))


eigh_p.def_jvp(_eigh_jvp)
eigh_p.def_vjp(_eigh_vjp)
eigh_p.def_batch(stacked_batch(eigh_p))


# svd ------------------------------------------------------------------------
def svd_packed(a, hermitian: bool):
    """``(..., m + 1 + n, k)``: ``u``, the singular values, ``vh^T`` (thin SVD)."""
    return svd_p.bind(a, hermitian=bool(hermitian))


@svd_p.def_impl
def _svd_impl(a, *, hermitian):
    xp = backend_of(a).xp
    u, s, vh = xp.linalg.svd(a, full_matrices=False, hermitian=hermitian)
    return xp.concatenate([u, s[..., None, :], xp.swapaxes(vh, -1, -2)], axis=-2)


def _svd_parts(packed, a):
    m = shape_of(a)[-2]
    return _rows(packed, 0, m), _row(packed, m), _rows(packed, m + 1)


def _svd_jvp(t, ans, a, *, hermitian):
    u, s, v = _svd_parts(ans, a)
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    s_row, s_col, s2 = _as_row(s), _as_column(s), multiply(s, s)
    ds = matmul(matrix_transpose(u), matmul(t, v))
    ds_s = multiply(ds, s_row)
    s_ds = multiply(s_col, ds)
    du = matmul(u, divide_by_gaps(add(ds_s, matrix_transpose(ds_s)), s2))
    dv = matmul(v, divide_by_gaps(add(s_ds, matrix_transpose(s_ds)), s2))
    if m > k:
        # The part of da v outside span(u) turns u towards it.
        tv = matmul(t, v)
        du = add(du, divide_or_nan(subtract(tv, matmul(u, matmul(matrix_transpose(u), tv))),
                                   s_row))
    if n > k:
        tu = matmul(matrix_transpose(t), u)
        dv = add(dv, divide_or_nan(subtract(tu, matmul(v, matmul(matrix_transpose(v), tu))),
                                   s_row))
    return concatenate([du, _as_row(diagonal(ds)), dv], axis=-2)


def _svd_vjp(ct, ans, a, *, hermitian):
    u, s, v = _svd_parts(ans, a)
    u_bar, s_bar, v_bar = _svd_parts(ct, a)
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    s_row, s_col, s2 = _as_row(s), _as_column(s), multiply(s, s)
    j = divide_by_gaps(matmul(matrix_transpose(u), u_bar), s2)
    h = divide_by_gaps(matmul(matrix_transpose(v), v_bar), s2)
    inner = add(diag_embed(s_bar),
                add(multiply(add(j, matrix_transpose(j)), s_row),
                    multiply(s_col, add(h, matrix_transpose(h)))))
    vt = matrix_transpose(v)
    g = matmul(u, matmul(inner, vt))
    if m > k:
        off = subtract(u_bar, matmul(u, matmul(matrix_transpose(u), u_bar)))
        g = add(g, matmul(divide_or_nan(off, s_row), vt))
    if n > k:
        off = subtract(v_bar, matmul(v, matmul(vt, v_bar)))
        g = add(g, matmul(u, matrix_transpose(divide_or_nan(off, s_row))))
    return g


svd_p.def_jvp(_svd_jvp)
svd_p.def_vjp(_svd_vjp)
svd_p.def_batch(stacked_batch(svd_p))


# qr -------------------------------------------------------------------------
def qr_packed(a):
    """``(..., m + n, n)``: ``q`` above ``r`` of the reduced QR (``m >= n``)."""
    return qr_p.bind(a)


@qr_p.def_impl
def _qr_impl(a):
    xp = backend_of(a).xp
    q, r = xp.linalg.qr(a, mode="reduced")
    return xp.concatenate([q, r], axis=-2)


def _strictly_lower(x):
    return multiply(x, triangle_mask(x, lower=True, diagonal=0.0))


# With x = da r^{-1} and c = q^T x: dq = q (o - c) + x and dr = (c - o) r,
# where o is the antisymmetric matrix made from c's strictly lower triangle.
def _qr_jvp(t, ans, a):
    m = shape_of(a)[-2]
    q, r = _rows(ans, 0, m), _rows(ans, m)
    x = matrix_transpose(triangular_solve(matrix_transpose(r), matrix_transpose(t), True))
    c = matmul(matrix_transpose(q), x)
    low = _strictly_lower(c)
    o = subtract(low, matrix_transpose(low))
    dq = add(matmul(q, subtract(o, c)), x)
    dr = matmul(subtract(c, o), r)
    return concatenate([dq, dr], axis=-2)


def _qr_vjp(ct, ans, a):
    m = shape_of(a)[-2]
    q, r = _rows(ans, 0, m), _rows(ans, m)
    q_bar, r_bar = _rows(ct, 0, m), _rows(ct, m)
    b = subtract(matmul(matrix_transpose(q), q_bar), matmul(r_bar, matrix_transpose(r)))
    g = subtract(_strictly_lower(subtract(b, matrix_transpose(b))), b)
    z = add(q_bar, matmul(q, g))
    return matrix_transpose(triangular_solve(r, matrix_transpose(z), False))


qr_p.def_jvp(_qr_jvp)
qr_p.def_vjp(_qr_vjp)
qr_p.def_batch(stacked_batch(qr_p))

