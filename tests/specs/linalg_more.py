"""Sweep rows for the rest of numpy.linalg: array-API names, cond, matrix_rank,
tensor solves, and eig/eigvals on matrices with well-separated spectra.

Eigenvectors enter rows through gauge-invariant functions (``v diag(f(w)) v^-1``,
columns phase-fixed by their first entry), and eigenvalues in a fixed order,
since LAPACK's order can change under a small perturbation.
"""

from __future__ import annotations

import math

import numpy as np

import funcad.numpy as fnp
from tests.op_specs import AWAY_FROM_ZERO, Row
from tests.specs.linalg import (
    _complex_normal,
    _phase_gauge,
    complex_general,
    complex_separated_singular,
    general,
    plane,
    separated_singular,
)


# The rest of numpy.linalg ---------------------------------------------------------
def _basis(rng, shape, complex_=False):
    """``I + 0.3 g``: a well-conditioned basis of eigenvectors."""
    g = _complex_normal(rng, shape) if complex_ else rng.normal(size=shape)
    return np.eye(shape[-1]) + 0.3 * g


def _similar(s, d):
    return s @ d @ np.linalg.inv(s)


def real_spectrum(rng, shape):
    """Real, non-symmetric, with real eigenvalues at least 1.2 apart."""
    n = shape[-1]
    w = np.arange(n) * 1.5 - 1.2 + rng.uniform(0, 0.3, shape[:-1])
    return _similar(_basis(rng, shape), w[..., None] * np.eye(n))


def rotating(rng, shape):
    """Real, with eigenvalue pairs ``c +- i b`` (blocks [[c, b], [-b, c]]); one real if n is odd."""
    n = shape[-1]
    d = np.zeros(shape)
    for j in range(0, n - 1, 2):
        c, b = 2.0 * j - 1 + rng.uniform(0, 0.3, shape[:-2]), 1 + rng.uniform(0, 0.3, shape[:-2])
        d[..., j, j] = d[..., j + 1, j + 1] = c
        d[..., j, j + 1], d[..., j + 1, j] = b, -b
    if n % 2:
        d[..., n - 1, n - 1] = 2.0 * n + rng.uniform(0, 0.3, shape[:-2])
    return _similar(_basis(rng, shape), d)


def complex_spectrum(rng, shape):
    """Complex, with eigenvalues at least 1.2 apart."""
    n = shape[-1]
    w = np.arange(n) * 1.5 - 1.2 + 1j * rng.uniform(-1, 1, shape[:-1])
    return _similar(_basis(rng, shape, True), w[..., None] * np.eye(n))


def low_rank(rng, shape):
    """``b c`` with inner dimension 1 or 2: rank-deficient (and full-rank) matrices mixed."""
    m, n = shape[-2:]
    k = 1 + (shape[0] % 2 if len(shape) > 2 else 1)
    return rng.normal(size=shape[:-2] + (m, k)) @ rng.normal(size=shape[:-2] + (k, n))


def tensor_of(n):
    """Well-conditioned ``(n, n)`` matrices reshaped to the drawn trailing (tensor) axes."""
    def draw(rng, shape):
        k = len(shape) - 1
        while math.prod(shape[k:]) != n * n:
            k -= 1
        return general(rng, shape[:k] + (n, n)).reshape(shape)
    return draw


def _ordered(xp, w):
    """Indices that sort eigenvalues by ``re + 0.37 im``: distinct for the draws above."""
    return xp.argsort(xp.real(w) + 0.37 * xp.imag(w), axis=-1)


def _eigvals_sorted(xp, a):
    w = xp.linalg.eigvals(a)
    return xp.take_along_axis(w, _ordered(xp, w), axis=-1)


def _eig_function(xp, a):
    """``v diag(exp w) v^{-1}``: exp(a), from the eigenvectors (gauge- and order-invariant)."""
    w, v = xp.linalg.eig(a)
    return (v * xp.exp(w)[..., None, :]) @ xp.linalg.inv(v)


def _eig_vectors(xp, a):
    """Eigenvalues above eigenvectors, columns in a fixed order, phases fixed by row 0."""
    w, v = xp.linalg.eig(a)
    idx = _ordered(xp, w)
    w, v = xp.take_along_axis(w, idx, axis=-1), xp.take_along_axis(v, idx[..., None, :], axis=-1)
    return xp.concatenate([w[..., None, :], _phase_gauge(xp, v)], axis=-2)


def rows():
    """Rows of the array-API names, cond, matrix_rank, tensor solves and eig."""
    out = []

    def add(name, fun, ref, shapes, domains, prims, holomorphic=False, **kw):
        extra = kw.pop("extra", {})
        if holomorphic:
            extra = {**extra, "holomorphic": True}
        out.append(Row(name, fun, ref, shapes, domains, prims, extra=extra, **kw))

    la, nla = fnp.linalg, np.linalg
    norm_prims = ("sqrt", "svd", "absolute", "max", "min", "sum", "power", "reshape",
                  "transpose")

    # Norms.
    for kw in [{}, {"ord": "nuc"}, {"ord": 2, "keepdims": True}, {"ord": -2}, {"ord": 1},
               {"ord": np.inf, "keepdims": True}]:
        add("matrix_norm", lambda x, k=kw: la.matrix_norm(x, **k),
            lambda x, k=kw: nla.matrix_norm(x, **k), ((2, 4, 3),), (separated_singular,),
            norm_prims)
    for kw in [{}, {"axis": 1}, {"axis": (0, 2), "ord": 3}, {"axis": (2, 0), "keepdims": True},
               {"ord": np.inf, "keepdims": True}, {"axis": -1, "ord": 1}, {"ord": 0}]:
        add("vector_norm", lambda x, k=kw: la.vector_norm(x, **k),
            lambda x, k=kw: nla.vector_norm(x, **k), ((2, 3, 4),), (AWAY_FROM_ZERO,),
            norm_prims)
    add("vector_norm", lambda x: la.vector_norm(x, axis=(0, 1), ord=2),
        lambda x: nla.vector_norm(x, axis=(0, 1), ord=2), ((2, 3),), (plane,),
        norm_prims + ("real", "conj"))
    add("matrix_norm", la.matrix_norm, nla.matrix_norm, ((4, 3),),
        (complex_separated_singular,), norm_prims + ("real", "conj"))
    for shape in [(4, 3), (2, 3, 3)]:
        add("svdvals", la.svdvals, nla.svdvals, (shape,), (separated_singular,), ("svd",))
    add("svdvals", la.svdvals, nla.svdvals, ((3, 4),), (complex_separated_singular,), ("svd",))

    # Array-API products and views.
    add("matrix_transpose", la.matrix_transpose, nla.matrix_transpose, ((2, 3, 4),), None,
        ("transpose",))
    add("matmul", la.matmul, nla.matmul, ((2, 3, 4), (4, 2)), None, ("matmul",))
    add("outer", la.outer, nla.outer, ((3,), (4,)), None, ("multiply", "reshape"))
    add("outer", la.outer, nla.outer, ((3,), (2,)), (plane, plane), ("multiply",),
        holomorphic=True)
    for shapes, axis in [(((3,), (3,)), -1), (((2, 3), (3,)), -1), (((3, 2), (3, 2)), 0),
                         (((4, 3, 2), (3, 1)), -2)]:
        add("cross", lambda x, y, a=axis: la.cross(x, y, axis=a),
            lambda x, y, a=axis: nla.cross(x, y, axis=a), shapes, None,
            ("multiply", "subtract", "getitem", "concatenate", "transpose"))
    add("cross", la.cross, nla.cross, ((2, 3), (2, 3)), (plane, plane), ("multiply",),
        holomorphic=True)
    for offset in [0, 1, -2]:
        add("diagonal", lambda x, k=offset: la.diagonal(x, offset=k),
            lambda x, k=offset: nla.diagonal(x, offset=k), ((2, 3, 4),), None,
            ("getitem", "reshape", "transpose"))
        add("trace", lambda x, k=offset: la.trace(x, offset=k),
            lambda x, k=offset: nla.trace(x, offset=k), ((2, 4, 3),), None, ("sum", "getitem"))
    add("trace", la.trace, nla.trace, ((3, 3),), (plane,), ("sum",), holomorphic=True)
    for shapes, axes in [(((2, 3, 4), (3, 4, 2)), 2), (((2, 3), (4, 3)), ([1], [1]))]:
        add("tensordot", lambda x, y, a=axes: la.tensordot(x, y, axes=a),
            lambda x, y, a=axes: nla.tensordot(x, y, axes=a), shapes, None, ("einsum",))
    for shapes, axis in [(((2, 3), (3,)), -1), (((3, 2), (3, 1)), 0)]:
        add("vecdot", lambda x, y, a=axis: la.vecdot(x, y, axis=a),
            lambda x, y, a=axis: nla.vecdot(x, y, axis=a), shapes, None, ("einsum",))
    add("vecdot", la.vecdot, nla.vecdot, ((2, 3), (3,)), (plane, plane), ("einsum", "conj"))

    # Condition numbers, rank, tensor inverse and solve.
    for p in [None, 2, -2]:
        for shape in [(4, 3), (2, 3, 3)]:
            add("cond", lambda x, q=p: la.cond(x, q), lambda x, q=p: nla.cond(x, q), (shape,),
                (separated_singular,), ("svd", "divide", "where"))
    for p in ["fro", "nuc", 1, -1, np.inf, -np.inf]:
        add("cond", lambda x, q=p: la.cond(x, q), lambda x, q=p: nla.cond(x, q), ((3, 3),),
            (separated_singular,), ("solve", "svd", "sum", "max", "min", "multiply"))
    add("cond", la.cond, nla.cond, ((3, 4),), (complex_separated_singular,), ("svd",))
    add("cond", lambda x: la.cond(x, "fro"), lambda x: nla.cond(x, "fro"), ((3, 3),),
        (complex_general,), ("solve", "sqrt"))
    for shape in [(4, 3), (3, 5), (2, 3, 3)]:
        add("matrix_rank", la.matrix_rank, nla.matrix_rank, (shape,), (low_rank,),
            ("svd", "greater", "count_nonzero", "max"), differentiable=False)
    add("matrix_rank", lambda x: la.matrix_rank(x, rtol=0.3),
        lambda x: nla.matrix_rank(x, rtol=0.3), ((4, 4),), (separated_singular,),
        ("svd", "count_nonzero"), differentiable=False)
    add("matrix_rank", lambda x: la.matrix_rank(x, tol=1.7), lambda x: nla.matrix_rank(x, tol=1.7),
        ((3, 4),), (separated_singular,), ("svd", "count_nonzero"), differentiable=False)
    add("tensorinv", la.tensorinv, nla.tensorinv, ((2, 3, 6),), (tensor_of(6),),
        ("solve", "reshape"))
    add("tensorinv", lambda x: la.tensorinv(x, ind=1), lambda x: nla.tensorinv(x, ind=1),
        ((4, 2, 2),), (tensor_of(4),), ("solve", "reshape"))
    add("tensorsolve", la.tensorsolve, nla.tensorsolve, ((2, 3, 6), (2, 3)),
        (tensor_of(6), (-2.0, 2.0)), ("solve", "reshape"))
    add("tensorsolve", lambda a, b: la.tensorsolve(a, b, axes=(0, 2)),
        lambda a, b: nla.tensorsolve(a, b, axes=(0, 2)), ((2, 2, 2, 2), (2, 2)),
        (tensor_of(4), (-2.0, 2.0)), ("solve", "reshape", "transpose"))
    add("tensorsolve", la.tensorsolve, nla.tensorsolve, ((2, 3, 6), (2, 3)),
        (lambda rng, shape: tensor_of(6)(rng, shape) * (1 + 0.5j), plane),
        ("solve",), holomorphic=True)

    # eig and eigvals. Real spectra are real in NumPy: those rows take real parts.
    for shape in [(3, 3), (2, 4, 4)]:
        add("eigvals", lambda a: fnp.real(_eigvals_sorted(fnp, a)),
            lambda a: np.real(_eigvals_sorted(np, a)), (shape,), (real_spectrum,),
            ("eig", "getitem", "real", "argsort", "gather"))
        add("eigvals", lambda a: _eigvals_sorted(fnp, a), lambda a: _eigvals_sorted(np, a),
            (shape,), (rotating,), ("eig", "getitem", "argsort", "gather"))
        add("eig", lambda a: fnp.real(_eig_function(fnp, a)),
            lambda a: np.real(_eig_function(np, a)), (shape,), (real_spectrum,),
            ("eig", "solve", "exp", "real"))
        add("eig", lambda a: fnp.real(_eig_function(fnp, a)),
            lambda a: np.real(_eig_function(np, a)), (shape,), (rotating,), ("eig", "solve"))
        add("eig", lambda a: fnp.real(_eig_vectors(fnp, a)),
            lambda a: np.real(_eig_vectors(np, a)), (shape,), (real_spectrum,),
            ("eig", "absolute", "conj", "gather"))
        add("eig", lambda a: _eig_vectors(fnp, a), lambda a: _eig_vectors(np, a), (shape,),
            (rotating,), ("eig", "absolute", "conj", "gather"))
        add("eigvals", lambda a: _eigvals_sorted(fnp, a), lambda a: _eigvals_sorted(np, a),
            (shape,), (complex_spectrum,), ("eig",), holomorphic=True)
        add("eig", lambda a: _eig_function(fnp, a), lambda a: _eig_function(np, a), (shape,),
            (complex_spectrum,), ("eig", "solve"), holomorphic=True)
        add("eig", lambda a: _eig_vectors(fnp, a), lambda a: _eig_vectors(np, a), (shape,),
            (complex_spectrum,), ("eig", "absolute", "conj"))
    # LAPACK's own order, unsorted.
    add("eigvals", lambda a: fnp.real(la.eigvals(a)), lambda a: np.real(nla.eigvals(a)),
        ((3, 3),), (real_spectrum,), ("eig",))
    add("eigvals", la.eigvals, nla.eigvals, ((3, 3),), (rotating,), ("eig",))
    return out
