"""Sweep rows for funcad.numpy.linalg.

Inputs come from callable domains: symmetric positive definite matrices,
well-conditioned general matrices (both signs of the determinant),
symmetric matrices with well-separated eigenvalues and matrices with
well-separated singular values. ``cholesky`` and ``eigh`` differentiate as
functions of the symmetric matrix, so their rows symmetrize the input first
(the finite differences perturb it with non-symmetric directions).
Eigenvectors and singular vectors are only defined up to sign: their rows
fix the sign by the first component, a gauge-invariant function.

Complex rows (``complex_rows``) draw complex matrices of the same kinds.
Holomorphic functions (solve, inv, det, matrix_power, products) compare
``jacfwd``/``jacrev`` with ``holomorphic=True``; the others (Hermitian
factorizations, singular values, norms, slogdet, pinv) are checked on
(real, imaginary) pairs. Complex vectors are defined up to a phase, so their
rows make the first component real and positive, ``v * conj(v0) / |v0|``, or
use products such as ``u @ diag(s) @ vh``. ``det`` also has rows at singular
matrices, where its derivatives (the adjugate) exist.

``tests/specs/linalg_more.py`` covers the rest of numpy.linalg (array-API names, cond,
matrix_rank, tensorinv, tensorsolve, eig, eigvals). ``eig`` draws matrices
with well-separated eigenvalues in a well-conditioned random basis (real
spectra, complex-conjugate pairs of real matrices, complex matrices). Its
rows use gauge-invariant functions of the vectors (``v diag(exp w) v^{-1}``,
columns made real and positive in their first entry), and put eigenvalues in
a fixed order (by ``re + 0.37 im``) because LAPACK's order may change under
the finite differences' perturbations.
"""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from tests.op_specs import AWAY_FROM_ZERO, Row


# Domains ----------------------------------------------------------------------
def spd(rng, shape):
    """``b b^T + n I``: symmetric positive definite, well conditioned."""
    n = shape[-1]
    b = rng.normal(size=shape)
    return b @ np.swapaxes(b, -1, -2) + n * np.eye(n)


def general(rng, shape):
    """``g + 3 I`` with a random sign on the first row: nonsingular, either sign of det."""
    n = shape[-1]
    a = rng.normal(size=shape) * 0.7 + 3 * np.eye(n)
    sign = rng.choice([-1.0, 1.0], size=shape[:-2] + (1, 1))
    row = np.arange(n)[:, None] == 0
    return np.where(row, a * sign, a)


def _orthogonal(rng, shape):
    q, r = np.linalg.qr(rng.normal(size=shape))
    return q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]


def distinct_symmetric(rng, shape):
    """``q diag(w) q^T`` with eigenvalues at least 1 apart, of both signs."""
    n = shape[-1]
    w = np.arange(n) * 1.5 - 1.2 + rng.uniform(0, 0.3, shape[:-1])
    q = _orthogonal(rng, shape)
    return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)


def separated_singular(rng, shape):
    """``u diag(s) v^T`` with singular values 1, 2, 3, ... (plus noise)."""
    m, n = shape[-2:]
    k = min(m, n)
    s = np.arange(k, 0, -1) + 0.5 + rng.uniform(0, 0.3, shape[:-2] + (k,))
    u = _orthogonal(rng, shape[:-2] + (m, m))[..., :k]
    v = _orthogonal(rng, shape[:-2] + (n, n))[..., :k]
    return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)


def triangular_friendly(rng, shape):
    """Diagonally dominant, so either triangle is well conditioned."""
    return rng.normal(size=shape) + 4 * np.eye(shape[-1])


# Complex domains ----------------------------------------------------------------
def _complex_normal(rng, shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


def plane(rng, shape):
    """Complex entries with real and imaginary parts in [-2, 2]."""
    return rng.uniform(-2, 2, shape) + 1j * rng.uniform(-2, 2, shape)


def complex_general(rng, shape):
    """``g + 3 I`` with complex ``g`` and a random phase on the first row: nonsingular."""
    n = shape[-1]
    a = _complex_normal(rng, shape) * 0.5 + 3 * np.eye(n)
    phase = np.exp(1j * rng.uniform(-3, 3, shape[:-2] + (1, 1)))
    return np.where(np.arange(n)[:, None] == 0, a * phase, a)


def hpd(rng, shape):
    """``b b^H + n I``: Hermitian positive definite, well conditioned."""
    b = _complex_normal(rng, shape)
    return b @ np.conj(np.swapaxes(b, -1, -2)) + shape[-1] * np.eye(shape[-1])


def _unitary(rng, shape):
    q, r = np.linalg.qr(_complex_normal(rng, shape))
    d = np.diagonal(r, axis1=-2, axis2=-1)
    return q * (d / np.abs(d))[..., None, :]


def distinct_hermitian(rng, shape):
    """``q diag(w) q^H`` with real eigenvalues at least 1 apart, of both signs."""
    n = shape[-1]
    w = np.arange(n) * 1.5 - 1.2 + rng.uniform(0, 0.3, shape[:-1])
    q = _unitary(rng, shape)
    return (q * w[..., None, :]) @ np.conj(np.swapaxes(q, -1, -2))


def complex_separated_singular(rng, shape):
    """``u diag(s) v^H`` with complex unitary factors and singular values 1.5, 2.5, ..."""
    m, n = shape[-2:]
    k = min(m, n)
    s = np.arange(k, 0, -1) + 0.5 + rng.uniform(0, 0.3, shape[:-2] + (k,))
    u = _unitary(rng, shape[:-2] + (m, m))[..., :k]
    v = _unitary(rng, shape[:-2] + (n, n))[..., :k]
    return (u * s[..., None, :]) @ np.conj(np.swapaxes(v, -1, -2))


def complex_triangular_friendly(rng, shape):
    """Diagonally dominant complex matrices: either triangle is well conditioned."""
    return _complex_normal(rng, shape) + 4 * np.eye(shape[-1])


# Helpers the rows share (written for funcad and NumPy alike) ------------------
def _sym(xp, a):
    return (a + xp.swapaxes(a, -1, -2)) / 2


def _gauge(xp, vecs):
    """Columns signed so that their first entries are positive."""
    return vecs * xp.sign(vecs[..., 0:1, :])


def _eigh_packed(xp, a, uplo="L"):
    w, v = xp.linalg.eigh(_sym(xp, a), UPLO=uplo)
    return xp.concatenate([w[..., None, :], _gauge(xp, v)], axis=-2)


def _svd_packed(xp, a):
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    sign = xp.sign(u[..., 0:1, :])
    return xp.concatenate([u * sign, s[..., None, :], xp.swapaxes(vh, -1, -2) * sign], axis=-2)


def _qr_packed(xp, a):
    q, r = xp.linalg.qr(a)
    return xp.concatenate([q, r], axis=-2)


def _herm(xp, a):
    return (a + xp.conj(xp.swapaxes(a, -1, -2))) / 2


def _phase_gauge(xp, vecs):
    """Columns turned so that their first entries are real and positive."""
    first = vecs[..., 0:1, :]
    return vecs * xp.conj(first) / xp.abs(first)


def _complex_eigh_packed(xp, a):
    w, v = xp.linalg.eigh(_herm(xp, a))
    return xp.concatenate([w[..., None, :] + 0j, _phase_gauge(xp, v)], axis=-2)


def _complex_svd_packed(xp, a):
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    first = u[..., 0:1, :]
    phase = xp.conj(first) / xp.abs(first)
    v = xp.conj(xp.swapaxes(vh, -1, -2))
    return xp.concatenate([u * phase, s[..., None, :] + 0j, v * phase], axis=-2)


def _usv(xp, a):
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    return (u * s[..., None, :]) @ vh


def _positive_qr(xp, a):
    """``q`` and ``r`` with ``r``'s diagonal made real and positive: the unique QR."""
    q, r = xp.linalg.qr(a)
    d = xp.einsum("...ii->...i", r)
    phase = d / xp.abs(d)
    return xp.concatenate([q * phase[..., None, :], xp.conj(phase)[..., :, None] * r], axis=-2)


def _triangular_ref(a, b, lower):
    return np.linalg.solve(np.tril(a) if lower else np.triu(a), b)


def rows():
    out = []

    def add(name, fun, ref, shapes, domains, prims, **kw):
        out.append(Row(name, fun, ref, shapes, domains, prims, **kw))

    la, nla = fnp.linalg, np.linalg

    # Solvers.
    for shapes in [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 2)),
                   ((2, 3, 3), (3,)), ((2, 3, 3), (3, 2)), ((3, 3), (2, 3, 2))]:
        add("solve", la.solve, nla.solve, shapes, (general, (-2.0, 2.0)), ("solve",))
    for lower in (True, False):
        for shapes in [((3, 3), (3, 2)), ((3, 3), (3,)), ((2, 3, 3), (2, 3, 1))]:
            add("solve_triangular",
                lambda a, b, lo=lower: la.solve_triangular(a, b, lower=lo),
                lambda a, b, lo=lower: _triangular_ref(a, b, lo), shapes,
                (triangular_friendly, (-2.0, 2.0)), ("triangular_solve", "getitem"))
    for shape in [(3, 3), (2, 3, 3)]:
        add("inv", la.inv, nla.inv, (shape,), (general,), ("solve",))
        add("det", la.det, nla.det, (shape,), (general,), ("det", "det_derivative"))
        add("slogdet", lambda a: la.slogdet(a)[1], lambda a: nla.slogdet(a)[1], (shape,),
            (general,), ("slogdet", "getitem"))
        add("slogdet", lambda a: fnp.stack(la.slogdet(a), axis=-1),
            lambda a: np.stack(nla.slogdet(a), axis=-1), (shape,), (general,),
            ("slogdet", "getitem"))

    # det at singular matrices: rank 1 of 2, rank 2 of 3, rank 1 of 3.
    for inputs in [[[1.0, 2.0], [2.0, 4.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],
                   np.outer([1.0, -2.0, 0.5], [2.0, 1.0, -1.0])]:
        add("det", la.det, nla.det, (np.shape(inputs),), None,
            ("det", "det_derivative"), extra={"inputs": [inputs]})

    # Decompositions.
    for shape in [(3, 3), (2, 3, 3)]:
        add("cholesky", lambda a: la.cholesky(_sym(fnp, a)), lambda a: nla.cholesky(_sym(np, a)),
            (shape,), (spd,), ("cholesky", "triangular_solve"))
        add("eigh", lambda a: _eigh_packed(fnp, a), lambda a: _eigh_packed(np, a), (shape,),
            (distinct_symmetric,), ("eigh", "getitem"))
        add("eigvalsh", lambda a: la.eigvalsh(_sym(fnp, a)),
            lambda a: nla.eigvalsh(_sym(np, a)), (shape,), (distinct_symmetric,), ("eigh",))
    add("cholesky", lambda a: la.cholesky(_sym(fnp, a), upper=True),
        lambda a: nla.cholesky(_sym(np, a), upper=True), ((4, 4),), (spd,), ("cholesky",))
    add("eigh", lambda a: _eigh_packed(fnp, a, "U"), lambda a: _eigh_packed(np, a, "U"),
        ((4, 4),), (distinct_symmetric,), ("eigh",))
    for shape in [(3, 3), (4, 3), (3, 4), (2, 3, 3), (2, 4, 3)]:
        add("svd", lambda a: _svd_packed(fnp, a), lambda a: _svd_packed(np, a), (shape,),
            (separated_singular,), ("svd", "getitem"))
        add("svd", lambda a: la.svd(a, compute_uv=False),
            lambda a: nla.svd(a, compute_uv=False), (shape,), (separated_singular,), ("svd",))
    add("svd", lambda a: la.svd(_sym(fnp, a), hermitian=True, compute_uv=False),
        lambda a: nla.svd(_sym(np, a), hermitian=True, compute_uv=False), ((3, 3),),
        (distinct_symmetric,), ("svd",))
    for shape in [(3, 3), (4, 3), (2, 3, 3), (2, 5, 3)]:
        add("qr", lambda a: _qr_packed(fnp, a), lambda a: _qr_packed(np, a), (shape,),
            (separated_singular,), ("qr", "triangular_solve"))
    add("qr", lambda a: la.qr(a, mode="r"), lambda a: nla.qr(a, mode="r"), ((4, 3),),
        (separated_singular,), ("qr",))

    # Pseudo-inverse and least squares.
    for shape in [(3, 3), (4, 3), (3, 4), (2, 4, 3)]:
        add("pinv", la.pinv, nla.pinv, (shape,), (separated_singular,), ("pinv",))
    add("pinv", lambda a: la.pinv(_sym(fnp, a), hermitian=True),
        lambda a: nla.pinv(_sym(np, a), hermitian=True), ((3, 3),), (distinct_symmetric,),
        ("pinv",))
    for shapes in [((4, 3), (4,)), ((4, 3), (4, 2)), ((3, 3), (3,)), ((3, 4), (3, 2))]:
        add("lstsq", lambda a, b: la.lstsq(a, b)[0], lambda a, b: nla.lstsq(a, b)[0], shapes,
            (separated_singular, (-2.0, 2.0)), ("pinv", "matmul"))
    for shapes in [((4, 3), (4,)), ((5, 2), (5, 3))]:
        add("lstsq", lambda a, b: la.lstsq(a, b)[1], lambda a, b: nla.lstsq(a, b)[1], shapes,
            (separated_singular, (-2.0, 2.0)), ("pinv", "matmul", "sum"))
    add("lstsq", lambda a, b: la.lstsq(a, b)[3], lambda a, b: nla.lstsq(a, b)[3],
        ((4, 3), (4,)), (separated_singular, (-2.0, 2.0)), ("svd",))

    # Products.
    for n in [0, 1, 2, 3, 5, -1, -3]:
        for shape in [(3, 3), (2, 3, 3)]:
            add("matrix_power", lambda a, k=n: la.matrix_power(a, k),
                lambda a, k=n: nla.matrix_power(a, k), (shape,), (general,),
                ("matmul", "solve"))
    add("multi_dot", lambda a, b, c: la.multi_dot([a, b, c]),
        lambda a, b, c: nla.multi_dot([a, b, c]), ((2, 3), (3, 4), (4, 2)), None, ("matmul",))
    add("multi_dot", lambda a, b, c, d: la.multi_dot([a, b, c, d]),
        lambda a, b, c, d: nla.multi_dot([a, b, c, d]), ((3,), (3, 4), (4, 2), (2,)), None,
        ("matmul", "reshape"))
    add("multi_dot", lambda a, b, c, d: la.multi_dot([a, b, c, d]),
        lambda a, b, c, d: nla.multi_dot([a, b, c, d]), ((5, 2), (2, 6), (6, 3), (3, 4)), None,
        ("matmul",))
    add("multi_dot", lambda a, b: la.multi_dot([a, b]), lambda a, b: nla.multi_dot([a, b]),
        ((2, 3), (3,)), None, ("matmul",))

    # Norms: vectors.
    for ord_ in [None, 1, 2, np.inf, -np.inf, 3, 0.5, 0]:
        add("norm", lambda x, o=ord_: la.norm(x, o), lambda x, o=ord_: nla.norm(x, o), ((5,),),
            (AWAY_FROM_ZERO,), ("sqrt", "power", "absolute", "max", "min", "sum", "where"))
    for ord_, axis, keepdims in [(None, 1, False), (2, -1, True), (np.inf, 0, True),
                                 (1, (2,), False), (3, 1, False)]:
        add("norm", lambda x, o=ord_, a=axis, k=keepdims: la.norm(x, o, a, k),
            lambda x, o=ord_, a=axis, k=keepdims: nla.norm(x, o, a, k), ((2, 3, 4),),
            (AWAY_FROM_ZERO,), ("sqrt", "absolute", "max", "sum"))
    add("norm", lambda x: la.norm(x, keepdims=True), lambda x: nla.norm(x, keepdims=True),
        ((2, 3, 4),), None, ("sqrt", "sum"))
    # Norms: matrices.
    for ord_ in [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]:
        add("norm", lambda x, o=ord_: la.norm(x, o), lambda x, o=ord_: nla.norm(x, o), ((4, 3),),
            (separated_singular,), ("sqrt", "svd", "absolute", "max", "min", "sum"))
    for ord_, axis, keepdims in [("fro", (0, 2), False), ("nuc", (2, 0), True), (1, (1, 2), False),
                                 (np.inf, (2, 1), True), (-2, (-1, -2), False)]:
        add("norm", lambda x, o=ord_, a=axis, k=keepdims: la.norm(x, o, a, k),
            lambda x, o=ord_, a=axis, k=keepdims: nla.norm(x, o, a, k), ((2, 3, 4),),
            (AWAY_FROM_ZERO,), ("sqrt", "svd", "absolute", "max", "min", "sum", "transpose"))
    return out + complex_rows()


def complex_rows():
    """Rows on complex matrices (see the module docstring)."""
    out = []

    def add(name, fun, ref, shapes, domains, prims, holomorphic=False, **kw):
        extra = kw.pop("extra", {})
        if holomorphic:
            extra = {**extra, "holomorphic": True}
        out.append(Row(name, fun, ref, shapes, domains, prims, extra=extra, **kw))

    la, nla = fnp.linalg, np.linalg

    # Holomorphic.
    for shapes in [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 2)), ((2, 3, 3), (3,))]:
        add("solve", la.solve, nla.solve, shapes, (complex_general, plane), ("solve",),
            holomorphic=True)
    for lower in (True, False):
        add("solve_triangular", lambda a, b, lo=lower: la.solve_triangular(a, b, lower=lo),
            lambda a, b, lo=lower: _triangular_ref(a, b, lo), ((3, 3), (3, 2)),
            (complex_triangular_friendly, plane), ("triangular_solve",), holomorphic=True)
    for shape in [(3, 3), (2, 3, 3)]:
        add("inv", la.inv, nla.inv, (shape,), (complex_general,), ("solve",), holomorphic=True)
        add("det", la.det, nla.det, (shape,), (complex_general,),
            ("det", "det_derivative"), holomorphic=True)
    singular = np.outer([1.0 + 1.0j, -2.0, 0.5j], [2.0, 1.0 - 0.5j, -1.0]) + np.outer(
        [0.5, 1.0j, 1.0], [1.0j, 0.0, 2.0 - 1.0j])  # rank 2
    add("det", la.det, nla.det, ((3, 3),), None, ("det", "det_derivative"),
        holomorphic=True, extra={"inputs": [singular]})
    for n in [2, 3, -2]:
        add("matrix_power", lambda a, k=n: la.matrix_power(a, k),
            lambda a, k=n: nla.matrix_power(a, k), ((3, 3),), (complex_general,),
            ("matmul", "solve"), holomorphic=True)
    add("multi_dot", lambda a, b, c: la.multi_dot([a, b, c]),
        lambda a, b, c: nla.multi_dot([a, b, c]), ((2, 3), (3, 4), (4, 2)), (plane,) * 3,
        ("matmul",), holomorphic=True)

    # Not holomorphic: a real matrix with a complex right-hand side, and slogdet.
    add("solve", la.solve, nla.solve, ((3, 3), (3, 2)), (general, plane), ("solve",))
    for shape in [(3, 3), (2, 3, 3)]:
        add("slogdet", lambda a: la.slogdet(a)[1], lambda a: nla.slogdet(a)[1], (shape,),
            (complex_general,), ("slogdet", "getitem", "real"))
        add("slogdet", lambda a: la.slogdet(a)[0], lambda a: nla.slogdet(a)[0], (shape,),
            (complex_general,), ("slogdet", "getitem"))

    # Hermitian factorizations, on (a + a^H) / 2.
    for shape in [(3, 3), (2, 3, 3)]:
        add("cholesky", lambda a: la.cholesky(_herm(fnp, a)),
            lambda a: nla.cholesky(_herm(np, a)), (shape,), (hpd,), ("cholesky", "conj"))
        add("eigvalsh", lambda a: la.eigvalsh(_herm(fnp, a)),
            lambda a: nla.eigvalsh(_herm(np, a)), (shape,), (distinct_hermitian,), ("eigh",))
        add("eigh", lambda a: _complex_eigh_packed(fnp, a), lambda a: _complex_eigh_packed(np, a),
            (shape,), (distinct_hermitian,), ("eigh", "absolute", "conj"))
    add("cholesky", lambda a: la.cholesky(_herm(fnp, a), upper=True),
        lambda a: nla.cholesky(_herm(np, a), upper=True), ((3, 3),), (hpd,), ("cholesky",))
    add("eigh", lambda a: la.eigh(_herm(fnp, a), UPLO="U")[0],
        lambda a: nla.eigh(_herm(np, a), UPLO="U")[0], ((3, 3),), (distinct_hermitian,),
        ("eigh",))

    # SVD, QR, pseudo-inverse and least squares.
    for shape in [(3, 3), (4, 3), (3, 4), (2, 4, 3)]:
        add("svd", lambda a: la.svd(a, compute_uv=False), lambda a: nla.svd(a, compute_uv=False),
            (shape,), (complex_separated_singular,), ("svd",))
        add("svd", lambda a: _usv(fnp, a), lambda a: _usv(np, a), (shape,),
            (complex_separated_singular,), ("svd",))
        add("svd", lambda a: _complex_svd_packed(fnp, a), lambda a: _complex_svd_packed(np, a),
            (shape,), (complex_separated_singular,), ("svd", "absolute", "conj"))
        add("pinv", la.pinv, nla.pinv, (shape,), (complex_separated_singular,), ("pinv",))
    add("svd", lambda a: la.svd(_herm(fnp, a), hermitian=True, compute_uv=False),
        lambda a: nla.svd(_herm(np, a), hermitian=True, compute_uv=False), ((3, 3),),
        (distinct_hermitian,), ("svd",))
    add("pinv", lambda a: la.pinv(_herm(fnp, a), hermitian=True),
        lambda a: nla.pinv(_herm(np, a), hermitian=True), ((3, 3),), (distinct_hermitian,),
        ("pinv",))
    for shape in [(3, 3), (4, 3), (2, 5, 3)]:
        add("qr", lambda a: _positive_qr(fnp, a), lambda a: _positive_qr(np, a), (shape,),
            (complex_separated_singular,), ("qr", "triangular_solve", "absolute"))
    add("qr", lambda a: fnp.abs(la.qr(a, mode="r")), lambda a: np.abs(nla.qr(a, mode="r")),
        ((4, 3),), (complex_separated_singular,), ("qr", "absolute"))
    for shapes in [((4, 3), (4,)), ((4, 3), (4, 2)), ((3, 4), (3, 2))]:
        add("lstsq", lambda a, b: la.lstsq(a, b)[0], lambda a, b: nla.lstsq(a, b)[0], shapes,
            (complex_separated_singular, plane), ("pinv", "matmul"))
    add("lstsq", lambda a, b: la.lstsq(a, b)[1], lambda a, b: nla.lstsq(a, b)[1],
        ((5, 2), (5, 3)), (complex_separated_singular, plane), ("pinv", "matmul", "real"))
    add("lstsq", lambda a, b: la.lstsq(a, b)[3], lambda a, b: nla.lstsq(a, b)[3],
        ((4, 3), (4,)), (complex_separated_singular, plane), ("svd",))

    # Norms.
    for ord_ in [None, 1, 2, np.inf, -np.inf, 3, 0]:
        add("norm", lambda x, o=ord_: la.norm(x, o), lambda x, o=ord_: nla.norm(x, o), ((5,),),
            (plane,), ("sqrt", "power", "absolute", "max", "min", "sum", "real", "conj"))
    add("norm", lambda x: la.norm(x, axis=1, keepdims=True),
        lambda x: nla.norm(x, axis=1, keepdims=True), ((2, 3, 4),), (plane,), ("sqrt", "real"))
    for ord_ in [None, "fro", "nuc", 1, 2, -2, np.inf]:
        add("norm", lambda x, o=ord_: la.norm(x, o), lambda x, o=ord_: nla.norm(x, o), ((4, 3),),
            (complex_separated_singular,), ("sqrt", "svd", "absolute", "max", "min", "sum"))
    return out
