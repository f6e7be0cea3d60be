"""Matrix decompositions (cholesky, eigh, svd, qr) and det, over stacks ``(..., m, n)``.

``det`` is here because its derivatives come from the SVD (see its section).

A primitive has one output, so the factorizations with several return a
packed array that ``funcad.numpy.linalg`` slices apart:

* ``eigh``: ``(..., n + 1, n)``, the eigenvalues as the first row, then the
  eigenvectors (as columns, like NumPy's ``v``);
* ``svd``: ``(..., m + 1 + n, k)`` with ``k = min(m, n)``: ``u``, then ``s``
  as one row, then ``vh^H`` (the right singular vectors as columns);
* ``qr``: ``(..., m + n, n)``: ``q`` above ``r`` (reduced mode, ``m >= n``).

For complex input the packed array is complex; the eigenvalues and singular
values are its real part, and their cotangents' imaginary parts are ignored.

Conventions:

* ``cholesky`` and ``eigh`` read one triangle of their input, as LAPACK does,
  but their derivatives are those of the Hermitian (real: symmetric) matrix:
  tangents are made Hermitian, ``(t + t^H) / 2``, as in JAX. This is the
  derivative of ``f((a + a^H) / 2)``, which equals ``f(a)`` for the inputs
  these functions are meant for.
* Complex matrices follow JAX's convention: a VJP is the transpose of the
  JVP's linear map. Each VJP here is ``conj(A*(conj(ct)))`` with ``A*`` the
  textbook adjoint (conjugate transposes); for real input the conjugations
  vanish and the rules are the usual real ones.
* The derivatives of eigenvectors and singular vectors divide by gaps between
  eigenvalues (squared singular values). Where two are exactly equal the
  vectors are not unique and have no derivative: those entries are NaN,
  except where the vectors' cotangent (or the tangent's projection) is
  exactly zero, so eigenvalues and singular values alone still differentiate.
  Only functions that do not depend on the vectors' signs (complex: phases)
  have derivatives. The gauge the rules differentiate is JAX's: ``v^H dv``
  has a zero diagonal for eigenvectors and right singular vectors, and
  ``u``'s phase follows from ``a = u diag(s) v^H``; for ``qr`` the phases
  of ``r``'s diagonal are held fixed.
"""

from __future__ import annotations

import itertools

from funcad import backend
from funcad.core.primitive import PerArgument, Primitive
from funcad.primitives._util import backend_of, dtype_of, shape_of, unbroadcast
from funcad.primitives.arithmetic import add, multiply, subtract
from funcad.primitives.comparison import astype
from funcad.primitives.indexing import getitem
from funcad.primitives.linalg import matmul
from funcad.primitives.reduction import sum as sum_
from funcad.primitives.scan import products_of_others
from funcad.primitives.shape import concatenate
from funcad.primitives.solvers import (
    _paired_batch,
    adjoint,
    conj_if_complex,
    diag_embed,
    diagonal,
    divide_by_gaps,
    divide_or_nan,
    divide_or_zero,
    hermitize,
    imaginary_diagonal,
    is_complex,
    real_if_complex,
    stacked_batch,
    triangle_mask,
    triangular_solve,
)

cholesky_p = Primitive("cholesky")
eigh_p = Primitive("eigh")
svd_p = Primitive("svd")
qr_p = Primitive("qr")
det_p = Primitive("det")
det_derivative_p = Primitive("det_derivative")

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


def _real_row(v, like):
    """A real vector as a packed row of ``like``'s dtype."""
    return _as_row(astype(v, dtype_of(like)) if is_complex(like) else v)


# cholesky -------------------------------------------------------------------
def cholesky(a):
    """The lower Cholesky factor ``l`` with ``l @ l^H == a`` (lower triangle read)."""
    return cholesky_p.bind(a)


@cholesky_p.def_impl
def _cholesky_impl(a):
    return backend_of(a).xp.linalg.cholesky(a)


def _phi(x):
    """The lower triangle of ``x`` with its diagonal halved."""
    return multiply(x, triangle_mask(x, lower=True, diagonal=0.5))


# From a = l l^H: l^{-1} da l^{-H} = x + x^H with x = l^{-1} dl lower
# triangular (real diagonal), so dl = l phi(l^{-1} da l^{-H}). Triangular solves only.
def _cholesky_jvp(t, ans, a):
    y = triangular_solve(ans, hermitize(t), True)
    m = adjoint(triangular_solve(ans, adjoint(y), True))
    return matmul(ans, _phi(m))


def _cholesky_vjp(ct, ans, a):
    # The adjoint herm(l^{-H} phi(l^H c) l^{-1}), with c = conj(ct).
    lh = adjoint(ans)
    p = _phi(matmul(lh, conj_if_complex(ct)))
    y = triangular_solve(lh, p, False)
    g = adjoint(triangular_solve(lh, adjoint(y), False))
    return conj_if_complex(hermitize(g))


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
    return xp.concatenate([w[..., None, :].astype(v.dtype), v], axis=-2)


def _eigh_parts(packed):
    return real_if_complex(_row(packed, 0)), _rows(packed, 1)


def _eigh_jvp(t, ans, a, *, uplo):
    w, v = _eigh_parts(ans)
    m = matmul(adjoint(v), matmul(hermitize(t), v))
    v_dot = matmul(v, divide_by_gaps(m, w))
    return concatenate([_real_row(real_if_complex(diagonal(m)), ans), v_dot], axis=-2)


def _eigh_vjp(ct, ans, a, *, uplo):
    # The adjoint herm(v (diag(w_bar) + gaps(v^H v_bar)) v^H), with conj(ct).
    w, v = _eigh_parts(ans)
    w_bar, v_bar = real_if_complex(_row(ct, 0)), conj_if_complex(_rows(ct, 1))
    inner = add(diag_embed(w_bar), divide_by_gaps(matmul(adjoint(v), v_bar), w))
    return conj_if_complex(hermitize(matmul(v, matmul(inner, adjoint(v)))))


eigh_p.def_jvp(_eigh_jvp)
eigh_p.def_vjp(_eigh_vjp)
eigh_p.def_batch(stacked_batch(eigh_p))


# svd ------------------------------------------------------------------------
def svd_packed(a, hermitian: bool):
    """``(..., m + 1 + n, k)``: ``u``, the singular values, ``vh^H`` (thin SVD)."""
    return svd_p.bind(a, hermitian=bool(hermitian))


@svd_p.def_impl
def _svd_impl(a, *, hermitian):
    xp = backend_of(a).xp
    u, s, vh = xp.linalg.svd(a, full_matrices=False, hermitian=hermitian)
    return xp.concatenate([u, s[..., None, :].astype(u.dtype), xp.swapaxes(vh, -1, -2).conj()],
                          axis=-2)


def _svd_parts(packed, a):
    m = shape_of(a)[-2]
    return _rows(packed, 0, m), real_if_complex(_row(packed, m)), _rows(packed, m + 1)


def _phase_term(k, s):
    """``diag(i Im(diag(k)) / s)``, 0 where ``s`` is 0: turns ``u``'s phases (complex only)."""
    return divide_or_zero(imaginary_diagonal(k), _as_row(s))


def _svd_jvp(t, ans, a, *, hermitian):
    u, s, v = _svd_parts(ans, a)
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    s_row, s_col, s2 = _as_row(s), _as_column(s), multiply(s, s)
    ds = matmul(adjoint(u), matmul(t, v))
    ds_s = multiply(ds, s_row)
    s_ds = multiply(s_col, ds)
    du_inner = divide_by_gaps(add(ds_s, adjoint(ds_s)), s2)
    if is_complex(ds):
        du_inner = add(du_inner, _phase_term(ds, s))
    du = matmul(u, du_inner)
    dv = matmul(v, divide_by_gaps(add(s_ds, adjoint(s_ds)), s2))
    if m > k:
        # The part of da v outside span(u) turns u towards it.
        tv = matmul(t, v)
        du = add(du, divide_or_nan(subtract(tv, matmul(u, matmul(adjoint(u), tv))), s_row))
    if n > k:
        tu = matmul(adjoint(t), u)
        dv = add(dv, divide_or_nan(subtract(tu, matmul(v, matmul(adjoint(v), tu))), s_row))
    return concatenate([du, _real_row(real_if_complex(diagonal(ds)), ans), dv], axis=-2)


def _svd_vjp(ct, ans, a, *, hermitian):
    # The adjoint of the JVP above, applied to conj(ct) and conjugated back.
    u, s, v = _svd_parts(ans, a)
    u_bar, s_bar, v_bar = _svd_parts(conj_if_complex(ct), a)
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    s_row, s_col, s2 = _as_row(s), _as_column(s), multiply(s, s)
    uh, vh = adjoint(u), adjoint(v)
    uh_u_bar = matmul(uh, u_bar)
    j = divide_by_gaps(uh_u_bar, s2)
    h = divide_by_gaps(matmul(vh, v_bar), s2)
    inner = add(diag_embed(s_bar),
                add(multiply(add(j, adjoint(j)), s_row),
                    multiply(s_col, add(h, adjoint(h)))))
    if is_complex(a):
        inner = add(inner, _phase_term(uh_u_bar, s))
    g = matmul(u, matmul(inner, vh))
    if m > k:
        off = subtract(u_bar, matmul(u, uh_u_bar))
        g = add(g, matmul(divide_or_nan(off, s_row), vh))
    if n > k:
        off = subtract(v_bar, matmul(v, matmul(vh, v_bar)))
        g = add(g, matmul(u, adjoint(divide_or_nan(off, s_row))))
    return conj_if_complex(g)


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


def _skew(c):
    """The skew-Hermitian part of ``c`` that ``q``'s derivative turns along.

    Made from ``c``'s strictly lower triangle and, for complex ``c``, the
    imaginary part of its diagonal (which keeps ``r``'s diagonal phases fixed).
    """
    low = _strictly_lower(c)
    o = subtract(low, adjoint(low))
    return add(o, imaginary_diagonal(c)) if is_complex(c) else o


# With x = da r^{-1} and c = q^H x: dq = q (o - c) + x and dr = (c - o) r.
def _qr_jvp(t, ans, a):
    m = shape_of(a)[-2]
    q, r = _rows(ans, 0, m), _rows(ans, m)
    x = adjoint(triangular_solve(adjoint(r), adjoint(t), True))
    c = matmul(adjoint(q), x)
    o = _skew(c)
    dq = add(matmul(q, subtract(o, c)), x)
    dr = matmul(subtract(c, o), r)
    return concatenate([dq, dr], axis=-2)


def _qr_vjp(ct, ans, a):
    m = shape_of(a)[-2]
    q, r = _rows(ans, 0, m), _rows(ans, m)
    ct = conj_if_complex(ct)
    q_bar, r_bar = _rows(ct, 0, m), _rows(ct, m)
    b = subtract(matmul(adjoint(q), q_bar), matmul(r_bar, adjoint(r)))
    g = subtract(_strictly_lower(subtract(b, adjoint(b))), b)
    if is_complex(a):
        g = add(g, imaginary_diagonal(b))
    z = add(q_bar, matmul(q, g))
    return conj_if_complex(adjoint(triangular_solve(r, adjoint(z), False)))


qr_p.def_jvp(_qr_jvp)
qr_p.def_vjp(_qr_vjp)
qr_p.def_batch(stacked_batch(qr_p))


# det ------------------------------------------------------------------------
# det's derivatives exist at every matrix, singular or not: det is a
# polynomial. With the SVD a = u diag(s) vh (u, vh unitary),
#     det(a + x) = c det(diag(s) + u^H x vh^H),   c = det(u) det(vh),
# so every derivative of det at a is one of det at the diagonal diag(s).
# There the m-th derivative along f_1, ..., f_m is, from Leibniz's formula,
#     sum over distinct rows r_1..r_m and permutations p of 1..m of
#     sgn(p) w(r) prod_j f_j[r_j, r_p(j)],   w(r) = prod of s_i for i not in r:
# products of singular values, no division, so exact at any rank. The m-th
# derivative is zero for m > n. ``det_derivative(a, t_1, ..., t_k)`` is the
# (k+1)-th derivative as the matrix of its last slot (k = 0: the cofactor
# matrix); its derivative along any argument is the same primitive with one
# more (or one replaced) direction, which raises the order. All are
# holomorphic and symmetric in their directions, so the VJPs are plain
# transposes. Cost: O(n^3 + m! n^m) per matrix at order m.
def det(a):
    """The determinant of ``(..., n, n)`` stacks; derivatives exact at singular matrices."""
    return det_p.bind(a)


def det_derivative(a, *directions):
    """``d^(k+1) det(a)[t_1, ..., t_k, .]`` as a matrix (k = 0: the cofactor ``adj(a)^T``)."""
    return det_derivative_p.bind(a, *directions)


def _inner(x, y):
    """``sum(x * y)`` over the last two axes: the bilinear pairing (no conjugate)."""
    return sum_(multiply(x, y), axis=(-2, -1))


def _as_matrix_scalar(x):
    return getitem(x, (Ellipsis, None, None))


def _svd_frame(a):
    """``(u, s, vh, c)`` of the concrete ``a``: its SVD and ``c = det(u) det(vh)``."""
    xp = backend_of(a).xp
    u, s, vh = xp.linalg.svd(a)
    c = xp.linalg.det(u) * xp.linalg.det(vh)
    # |c| = 1 up to rounding; its phase (a sign for real a) is what matters.
    c = c / abs(c) if c.dtype.kind == "c" else xp.sign(c)
    return u, s, vh, c[..., None, None]


def _complement_products(s, order: int):
    """``w[..., r_1, ..., r_m]``: the product of the ``s_i`` with i not among the r's.

    Zero where two r's are equal. Built by replacing ``s_r`` with 1 for one
    index after another and taking, for the last one, the products of the
    others (exclusive running products: exact where some ``s_i`` are 0).
    """
    xp = backend_of(s).xp
    n = s.shape[-1]
    eye = xp.eye(n, dtype=bool)
    one = xp.ones((), dtype=s.dtype)
    table = s
    for _ in range(order - 1):
        table = xp.where(eye, one, table[..., None, :])
    w = products_of_others(table, (table.ndim - 1,))
    index = xp.arange(n)
    distinct = xp.ones((n,) * order, dtype=bool)
    for i in range(order):
        for j in range(i + 1, order):
            shape_i, shape_j = [1] * order, [1] * order
            shape_i[i] = shape_j[j] = n
            distinct &= index.reshape(shape_i) != index.reshape(shape_j)
    return xp.where(distinct, w, xp.zeros((), dtype=s.dtype))


def _permutations(m: int):
    """``(permutation, sign)`` pairs of ``range(m)``."""
    for p in itertools.permutations(range(m)):
        inversions = sum(p[i] > p[j] for i in range(m) for j in range(i + 1, m))
        yield p, -1 if inversions % 2 else 1


@det_p.def_impl
def _det_impl(a):
    return backend_of(a).xp.linalg.det(a)


@det_derivative_p.def_impl
def _det_derivative_impl(a, *directions):
    xp = backend.of_many(a, *directions).xp
    a = xp.asarray(a)
    directions = [xp.asarray(t) for t in directions]
    n, order = a.shape[-1], len(directions) + 1
    shape = xp.broadcast_shapes(a.shape, *(t.shape for t in directions))
    dtype = xp.result_type(a, *directions)
    if order > n:
        return xp.zeros(shape, dtype=dtype)
    u, s, vh, c = _svd_frame(a)
    uh, v = xp.swapaxes(u.conj(), -1, -2), xp.swapaxes(vh.conj(), -1, -2)
    frames = [uh @ t @ v for t in directions]
    w = _complement_products(s, order)
    letters = "abcdefghijklmnopqrstuvwxyz"[:order]
    # The gradient in the last slot: r_m is the row, r_p(m) the column.
    g = xp.zeros(shape[:-2] + (n, n), dtype=dtype)
    eye = xp.eye(n, dtype=dtype)
    for p, sign in _permutations(order):
        terms = ",".join([f"...{letters}"] + [f"...{letters[j]}{letters[p[j]]}"
                                              for j in range(order - 1)])
        row, col = letters[-1], letters[p[-1]]
        if row == col:
            d = xp.einsum(f"{terms}->...{row}", w, *frames)
            g = g + sign * (d[..., None, :] * eye)
        else:
            g = g + sign * xp.einsum(f"{terms}->...{row}{col}", w, *frames)
    # Back in a's frame: <y, result> = c <u^H y vh^H, g>.
    return c * (u.conj() @ g @ vh.conj())


def _det_jvp(t, ans, a):
    return _inner(det_derivative(a), t)


def _det_vjp(ct, ans, a):
    return multiply(_as_matrix_scalar(ct), det_derivative(a))


def _det_derivative_jvp(i, t, ans, a, *directions):
    # Along a: one more direction; along a direction: linear, so it is replaced.
    if i == 0:
        return det_derivative(a, *directions, t)
    return det_derivative(a, *directions[:i - 1], t, *directions[i:])


def _det_derivative_vjp(i, ct, ans, a, *directions):
    # <ct, D(a)[.., w, ..]> = d^m det(a)[.., w, .., ct]: symmetric, so ct fills w's slot.
    if i == 0:
        return unbroadcast(det_derivative(a, *directions, ct), shape_of(a))
    rest = directions[:i - 1] + directions[i:]
    return unbroadcast(det_derivative(a, *rest, ct), shape_of(directions[i - 1]))


det_p.def_jvp(_det_jvp)
det_p.def_vjp(_det_vjp)
det_p.def_batch(stacked_batch(det_p))
det_derivative_p.def_jvp(PerArgument(_det_derivative_jvp))
det_derivative_p.def_vjp(PerArgument(_det_derivative_vjp))
det_derivative_p.def_batch(_paired_batch(det_derivative_p))
