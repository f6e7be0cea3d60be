"""funcad.numpy.linalg beyond the factorizations: array-API names, cond, matrix_rank,
tensor solves, eig/eigvals on general matrices, det's higher derivatives, result types.

Expected values come from NumPy or closed forms.

The tests that compute run on the backend ``--backend`` names (the fixture ``on``
of ``tests/conftest.py``; NumPy without it): inputs, and the constants the
functions under test close over, are put there, the transforms run under the
backend's guard (Dask: no computing; CuPy: no copy to the host), and the results
must be that backend's arrays before they are read back and compared with NumPy.
Tests of NumPy-only behaviour (plain calls and NumPy's result types) stay on
NumPy; errors for bad input are raised on the backend too. Dask has no lazy ``eig``: there the eig tests check
that funcad refuses it and are marked xfail.
"""

from __future__ import annotations

import inspect
import itertools

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
import tests.op_specs  # noqa: F401 - loads the specs package before one of its modules
from tests.specs.linalg import general, separated_singular
from tests.test_linalg import DOCS, _central, _rng, _traced_error

la = fnp.linalg


# The rest of numpy.linalg: array-API names, cond, rank, tensors, eig ---------------
def _similar(s, d):
    return s @ d @ np.linalg.inv(s)


@pytest.mark.fixed_backend("plain calls must return exactly NumPy's results and result types "
                           "(np.float64 scalars, NumPy's dtypes)")
def test_more_plain_calls_return_numpys_results_exactly():
    rng = _rng(30)
    a, t, v, w = general(rng, (2, 3, 3)), rng.normal(size=(4, 3)), rng.normal(size=3), \
        rng.normal(size=(2, 3))
    t6 = general(rng, (6, 6)).reshape(2, 3, 6)
    cases = [
        (la.matrix_norm(a), np.linalg.matrix_norm(a)),
        (la.matrix_norm(a, keepdims=True, ord="nuc"),
         np.linalg.matrix_norm(a, keepdims=True, ord="nuc")),
        (la.vector_norm(a, axis=(0, 2), ord=3), np.linalg.vector_norm(a, axis=(0, 2), ord=3)),
        (la.vector_norm(a), np.linalg.vector_norm(a)), (la.svdvals(t), np.linalg.svdvals(t)),
        (la.matrix_transpose(a), np.linalg.matrix_transpose(a)),
        (la.outer(v, w[0]), np.linalg.outer(v, w[0])), (la.cross(w, v), np.linalg.cross(w, v)),
        (la.diagonal(a, offset=1), np.linalg.diagonal(a, offset=1)),
        (la.trace(a, offset=-1), np.linalg.trace(a, offset=-1)),
        (la.tensordot(a, a.T, axes=2), np.linalg.tensordot(a, a.T, axes=2)),
        (la.vecdot(w, v), np.linalg.vecdot(w, v)), (la.matmul(a, v), np.linalg.matmul(a, v)),
        (la.cond(t), np.linalg.cond(t)), (la.cond(a, "fro"), np.linalg.cond(a, "fro")),
        (la.cond(np.ones((2, 2)), 1), np.linalg.cond(np.ones((2, 2)), 1)),  # inf
        (la.matrix_rank(t), np.linalg.matrix_rank(t)), (la.matrix_rank(v), 1),
        (la.tensorinv(t6), np.linalg.tensorinv(t6)), (la.tensorinv(t6.T, 1),
                                                       np.linalg.tensorinv(t6.T, 1)),
        (la.tensorsolve(t6, w), np.linalg.tensorsolve(t6, w)),
        (la.tensorsolve(t6.transpose(2, 0, 1), w, (0,)),
         np.linalg.tensorsolve(t6.transpose(2, 0, 1), w, (0,))),
        (la.eigvals(a), np.linalg.eigvals(a)),
    ]
    for ours, theirs in cases:
        assert type(ours) is type(theirs)
        assert np.asarray(ours).dtype == np.asarray(theirs).dtype
        np.testing.assert_array_equal(ours, theirs)
    for x in [np.triu(a[0]), a[0], a[0] + 1j * a[1], np.triu(a[0]).astype(np.float32)]:
        ours, theirs = la.eig(x), np.linalg.eig(x)
        assert type(ours) is type(theirs)
        for p, q in zip(ours, theirs):
            assert p.dtype == q.dtype
            np.testing.assert_array_equal(p, q)
    # NumPy's dtype rule: a real matrix with real eigenvalues gives real arrays.
    assert la.eig(np.triu(a[0])).eigenvalues.dtype == np.float64
    assert la.eigvals(np.array([[0.0, 1.0], [-1.0, 0.0]])).dtype == np.complex128


def _array_api_cases(v, w):
    """Each function with NumPy's, closing over ``v`` and ``w`` (NumPy or the backend's)."""
    return {
        "matrix_norm": (lambda a: la.matrix_norm(a, ord=2),
                        lambda a: np.linalg.matrix_norm(a, ord=2)),
        "vector_norm": (lambda a: la.vector_norm(a, axis=(2, 0), keepdims=True),
                        lambda a: np.linalg.vector_norm(a, axis=(2, 0), keepdims=True)),
        "svdvals": (la.svdvals, np.linalg.svdvals),
        "matrix_transpose": (la.matrix_transpose, np.linalg.matrix_transpose),
        "outer": (lambda a: la.outer(a[0, 0], v), lambda a: np.linalg.outer(a[0, 0], v)),
        "cross": (lambda a: la.cross(a, w[0]), lambda a: np.linalg.cross(a, w[0])),
        "diagonal": (lambda a: la.diagonal(a, offset=-1),
                     lambda a: np.linalg.diagonal(a, offset=-1)),
        "trace": (la.trace, np.linalg.trace),
        "tensordot": (lambda a: la.tensordot(a, w, axes=([0, 1], [0, 1])),
                      lambda a: np.linalg.tensordot(a, w, axes=([0, 1], [0, 1]))),
        "vecdot": (lambda a: la.vecdot(a, w, axis=0),
                   lambda a: np.linalg.vecdot(a, w, axis=0)),
        "matmul": (lambda a: la.matmul(v, a), lambda a: np.linalg.matmul(v, a)),
    }


def test_array_api_names_under_transforms(on):
    rng = _rng(31)
    a, v, w = rng.normal(size=(2, 3, 3)), rng.normal(size=3), rng.normal(size=(2, 3))
    u = rng.normal(size=a.shape)
    ab, ub = on.put((a, u))
    refs = _array_api_cases(v, w)
    for name, (f, ref) in _array_api_cases(*on.put((v, w))).items():
        ref_np = refs[name][1]
        y, t = on.run(fa.jvp, f, (ab,), (ub,))
        np.testing.assert_allclose(y, ref_np(a), rtol=1e-12, err_msg=name)
        np.testing.assert_allclose(t, _central(ref_np, a, u), rtol=1e-6, atol=1e-8,
                                   err_msg=name)
        # NumPy's own functions dispatch to funcad's on traced values (CuPy's
        # __array_function__ declines calls where a tracer takes part).
        np.testing.assert_allclose(on.run(fa.grad(lambda a, r=ref: np.sum(r(a))), ab),
                                   on.run(fa.grad(lambda a, f=f: fnp.sum(f(a))), ab),
                                   err_msg=name)


def test_cond_closed_forms_and_singular_matrices(on):
    rng = _rng(32)
    a = separated_singular(rng, (3, 3))
    ab = on.put(a)
    uu, s, vh = np.linalg.svd(a)
    # cond = s0 / s2: d cond = (u0^T da v0 - cond u2^T da v2) / s2.
    expected = (np.outer(uu[:, 0], vh[0]) - s[0] / s[2] * np.outer(uu[:, 2], vh[2])) / s[2]
    np.testing.assert_allclose(on.run(fa.grad(la.cond), ab), expected, rtol=1e-10)
    np.testing.assert_allclose(on.run(fa.grad(lambda a: la.cond(a, -2)), ab),
                               (np.outer(uu[:, 2], vh[2]) - s[2] / s[0] * np.outer(
                                   uu[:, 0], vh[0])) / s[0], rtol=1e-10)
    # Frobenius: cond = |a| |inv(a)|.
    b = np.linalg.inv(a)
    fro = b.T @ b @ b.T  # d|b| = -<b, b da b> / |b|
    expected = a / np.linalg.norm(a) * np.linalg.norm(b) - np.linalg.norm(a) * fro / \
        np.linalg.norm(b)
    np.testing.assert_allclose(on.run(fa.grad(lambda a: la.cond(a, "fro")), ab), expected,
                               rtol=1e-10)
    # At a singular matrix the 2-norm condition number is inf, as NumPy's, with derivative 0.
    singular = np.diag([1.0, 2.0, 0.0])
    y, t = on.run(fa.jvp, la.cond, (on.put(singular),), (ab,))
    assert y == np.linalg.cond(singular) == np.inf and t == 0
    # An error for a singular matrix is NumPy's (a lazy backend cannot raise it early).
    with pytest.raises(np.linalg.LinAlgError):
        fa.grad(lambda a: la.cond(a, "fro"))(singular)


def test_matrix_rank_under_transforms(on):
    rng = _rng(33)
    full, one = rng.normal(size=(4, 3)), np.outer(rng.normal(size=4), rng.normal(size=3))
    stack = np.stack([full, one, np.zeros((4, 3)), full @ np.diag([1.0, 1.0, 0.0])])
    stack_b = on.put(stack)
    ranks = on.run(fa.vmap(la.matrix_rank), stack_b)
    np.testing.assert_array_equal(ranks, np.linalg.matrix_rank(stack))
    assert ranks.dtype == np.linalg.matrix_rank(stack).dtype
    # A tolerance per example, batched too.
    tol = np.array([0.1, 0.1, 0.1, 10.0])
    np.testing.assert_array_equal(
        on.run(fa.vmap(lambda a, t: la.matrix_rank(a, tol=t)), stack_b, on.put(tol)),
        np.linalg.matrix_rank(stack, tol=tol))
    np.testing.assert_array_equal(on.run(fa.vmap(lambda a: la.matrix_rank(a, rtol=0.5)), stack_b),
                                  np.linalg.matrix_rank(stack, rtol=0.5))
    # An integer: no derivative, but usable inside differentiated code.
    g = on.run(fa.grad(lambda a: la.matrix_rank(a) * fnp.sum(a)), on.put(one))
    np.testing.assert_array_equal(g, np.ones((4, 3)))
    # Vectors: NumPy's Python int (on NumPy; see test_more_plain_calls_...), and a batch of
    # them under vmap.
    if on.name == "numpy":
        assert fa.jvp(la.matrix_rank, (np.zeros(3),), (np.ones(3),))[0] == 0
    np.testing.assert_array_equal(
        on.run(fa.vmap(la.matrix_rank), on.put(np.array([[0.0, 0.0], [0.0, 2.0]]))), [0, 1])
    h = on.run(fa.vmap(lambda a: la.matrix_rank(a, hermitian=True)),
               on.put(np.stack([np.eye(3), np.diag([1.0, -1.0, 0.0])])))
    np.testing.assert_array_equal(h, [3, 2])


def test_tensorinv_and_tensorsolve_closed_forms(on):
    rng = _rng(34)
    a = general(rng, (6, 6)).reshape(2, 3, 6)
    ab = on.put(a)
    ainv, dinv = on.run(fa.jvp, la.tensorinv, (ab,), (ab,))
    assert ainv.shape == (6, 2, 3)
    np.testing.assert_allclose(np.tensordot(ainv, a, axes=2), np.eye(6), atol=1e-12)
    np.testing.assert_allclose(ainv, np.linalg.tensorinv(a), rtol=1e-12)
    # d inv = -inv da inv, in the tensor layout.
    m = np.linalg.inv(a.reshape(6, 6))
    np.testing.assert_allclose(dinv, -(m @ a.reshape(6, 6) @ m).reshape(6, 2, 3), rtol=1e-10)
    b = rng.normal(size=(2, 3))
    bb = on.put(b)
    x = on.run(fa.jvp, lambda a, b: la.tensorsolve(a, b), (ab, bb), (ab, bb))[0]
    np.testing.assert_allclose(np.tensordot(a, x, axes=1), b, atol=1e-12)
    # Gradient in b: the transposed solve.
    g = on.run(fa.grad(lambda b: fnp.sum(la.tensorsolve(ab, b))), bb)
    np.testing.assert_allclose(g, np.linalg.solve(a.reshape(6, 6).T, np.ones(6)).reshape(2, 3),
                               rtol=1e-10)


# eig ------------------------------------------------------------------------------
def _eig_input(rng, n=3, complex_=False):
    s = np.eye(n) + 0.3 * rng.normal(size=(n, n))
    w = np.arange(n) * 1.5 - 1.2
    if complex_:
        s, w = s + 0.3j * rng.normal(size=(n, n)), w + 1j * rng.uniform(-1, 1, n)
    return _similar(s, np.diag(w))


def _eig_not_lazy(on, a):
    """On Dask: check that eig is refused before any work, and mark the test xfail."""
    if on.name != "dask":
        return
    from funcad.backend.dask import NotLazyError

    ab = on.put(a)
    with pytest.raises(NotLazyError):
        on.run(fa.jvp, la.eig, (ab,), (ab,))
    pytest.xfail("Dask has no lazy numpy.linalg.eig: funcad refuses eig/eigvals on Dask "
                 "(NotLazyError) by design (docs/backends.md, tests/test_dask_sweep.py)")


def test_eig_is_complex_under_transforms_and_named_like_numpys(on):
    rng = _rng(35)
    a = _eig_input(rng)
    _eig_not_lazy(on, a)
    ab = on.put(a)
    out, _ = on.run(fa.jvp, la.eig, (ab,), (ab,))
    assert out._fields == np.linalg.eig(a)._fields == ("eigenvalues", "eigenvectors")
    (w, v), (w0, v0) = out, np.linalg.eig(a)
    assert w0.dtype == np.float64 and w.dtype == v.dtype == np.complex128
    np.testing.assert_allclose(w, w0, rtol=1e-12)
    np.testing.assert_allclose(v, v0, rtol=1e-12)
    out = on.run(fa.vmap(la.eig), on.put(np.stack([a, a.T])))
    assert out.eigenvalues.shape == (2, 3) and out.eigenvectors.shape == (2, 3, 3)
    assert on.run(fa.jvp, la.eigvals, (ab,), (ab,))[0].dtype == np.complex128
    assert on.run(fa.vmap(la.eigvals), on.put(a[None])).dtype == np.complex128
    # NumPy's eigvals on a tracer dispatches to funcad's.
    np.testing.assert_allclose(on.run(fa.jvp, lambda a: np.linalg.eigvals(a), (ab,), (ab,))[0],
                               w0)
    for phrase in ("complex", "phase"):
        assert phrase in inspect.getdoc(la.eig).lower()


def test_eigenvalue_gradients_are_outer_products_of_left_and_right_vectors(on):
    rng = _rng(36)
    for complex_ in (False, True):
        a = _eig_input(rng, 4, complex_)
        _eig_not_lazy(on, a)
        ab = on.put(a)
        w, v = np.linalg.eig(a)
        left = np.linalg.inv(v)  # rows: left eigenvectors, with left @ v = I
        for i in range(4):
            expected = np.outer(left[i], v[:, i])  # d w_i = left_i da v_i
            if complex_:
                g = on.run(fa.grad(lambda a, i=i: la.eigvals(a)[i], holomorphic=True), ab)
            else:
                g = on.run(fa.grad(lambda a, i=i: fnp.real(la.eigvals(a)[i])), ab)
                expected = expected.real
            np.testing.assert_allclose(g, expected, rtol=1e-10, atol=1e-12)
    # A real matrix with complex eigenvalues: grad of Re and Im of w_0 (JAX: df/dx).
    rot = _similar(np.eye(3) + 0.3 * rng.normal(size=(3, 3)),
                   np.array([[1.0, 2.0, 0.0], [-2.0, 1.0, 0.0], [0.0, 0.0, 4.0]]))
    w, v = np.linalg.eig(rot)
    i = int(np.argmax(w.imag))
    e = np.outer(np.linalg.inv(v)[i], v[:, i])
    rot_b = on.put(rot)
    np.testing.assert_allclose(on.run(fa.grad(lambda a: fnp.real(la.eigvals(a)[i])), rot_b),
                               e.real, atol=1e-12)
    np.testing.assert_allclose(on.run(fa.grad(lambda a: fnp.imag(la.eigvals(a)[i])), rot_b),
                               e.imag, atol=1e-12)


def test_eigenvector_gauge_keeps_unit_norm_and_real_self_component(on):
    rng = _rng(37)
    for a in (_eig_input(rng), _eig_input(rng, complex_=True)):
        _eig_not_lazy(on, a)
        u = rng.normal(size=a.shape) + (1j * rng.normal(size=a.shape) if a.dtype.kind == "c"
                                        else 0)
        (w, v), (dw, dv) = on.run(fa.jvp, la.eig, (on.put(a),), (on.put(u),))
        np.testing.assert_allclose(np.linalg.norm(v, axis=0), 1, rtol=1e-12)
        # v_j^H dv_j = 0: the norm stays 1 and the component along itself stays real.
        np.testing.assert_allclose(np.einsum("ij,ij->j", v.conj(), dv), 0, atol=1e-12)
        # a dv + da v = dv w + v dw.
        np.testing.assert_allclose(a @ dv + u @ v, dv * w + v * dw, atol=1e-10)


def _phase_fixed_columns(v):
    first = v[..., 0:1, :]
    return v * fnp.conj(first) / fnp.abs(first)


def _eig_objective(weights):
    def f(a):
        w, v = la.eig(a)
        return fnp.sum(fnp.real(_phase_fixed_columns(v) * weights[1:]) + fnp.imag(
            w ** 3 * weights[0]))

    return f


def test_eig_hessian_and_batched_gradients(on):
    rng = _rng(38)
    a = _eig_input(rng, 3)
    _eig_not_lazy(on, a)
    weights = rng.normal(size=(4, 3))
    f = _eig_objective(weights)  # NumPy, for the finite-difference references
    fb = _eig_objective(on.put(weights))

    u = rng.normal(size=a.shape)
    ab, ub = on.put((a, u))
    _, t = on.run(fa.jvp, fb, (ab,), (ub,))
    assert t == pytest.approx(np.sum(on.run(fa.grad(fb), ab) * u), rel=1e-10)

    def f_np(a):
        w, v = np.linalg.eig(a)
        v = v * np.conj(v[0:1]) / np.abs(v[0:1])
        return np.sum(np.real(v * weights[1:]) + np.imag(w.astype(complex) ** 3 * weights[0]))

    assert t == pytest.approx(_central(f_np, a, u), rel=1e-6, abs=1e-6)
    h = on.run(fa.hessian(fb), ab).reshape(9, 9)
    np.testing.assert_allclose(h, h.T, atol=1e-8)
    np.testing.assert_allclose(h @ u.ravel(), _central(fa.grad(f), a, u, 1e-5).ravel(),
                               rtol=1e-5, atol=1e-5)
    stack = np.stack([a, a + 0.05 * u])
    np.testing.assert_allclose(on.run(fa.vmap(fa.grad(fb)), on.put(stack)),
                               np.stack([on.run(fa.grad(fb), on.put(x)) for x in stack]),
                               atol=1e-12)


def test_eig_at_repeated_eigenvalues(on):
    # diag(1, 1, 2): the eigenvalues are exactly repeated, the vectors not unique.
    a = np.diag([1.0, 1.0, 2.0])
    _eig_not_lazy(on, a)
    u = _rng(39).normal(size=(3, 3))
    ab, ub = on.put((a, u))
    (w, v), (dw, dv) = on.run(fa.jvp, la.eig, (ab,), (ub,))
    assert np.all(np.isfinite(dw)) and np.isnan(dv).any()
    # Symmetric functions of the eigenvalues still differentiate: sum(w^2) = tr(a^2).
    np.testing.assert_allclose(
        on.run(fa.grad(lambda a: fnp.real(fnp.sum(la.eigvals(a) ** 2))), ab), 2 * a.T,
        atol=1e-12)
    _, t = on.run(fa.jvp, lambda a: fnp.sum(la.eigvals(a)), (ab,), (ub,))
    assert t == pytest.approx(np.trace(u))


def test_eig_single_precision(on):
    a = _eig_input(_rng(40)).astype(np.float32)
    ab = on.put(a)
    # The other spectral functions first: they are lazy on Dask too.
    for f in (la.cond, la.svdvals, la.matrix_norm, la.vector_norm, lambda a: la.tensorinv(a, 1),
              lambda a: la.cond(a, 1), lambda a: la.tensorsolve(a, a[0])):
        y, t = on.run(fa.jvp, f, (ab,), (ab,))
        assert on.run(f, ab).dtype == y.dtype == t.dtype == np.float32
        assert on.run(fa.grad(lambda a, f=f: fnp.sum(f(a))), ab).dtype == np.float32
    _eig_not_lazy(on, a)
    assert on.run(la.eigvals, ab).dtype == np.float32  # NumPy: real spectrum, single precision
    (w, v), (dw, dv) = on.run(fa.jvp, la.eig, (ab,), (ab,))
    assert w.dtype == v.dtype == dw.dtype == dv.dtype == np.complex64
    g = on.run(fa.grad(lambda a: fnp.real(fnp.sum(la.eigvals(a) ** 2))), ab)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * a.T, rtol=1e-4, atol=1e-4)
    assert on.run(fa.hessian(lambda a: fnp.real(fnp.sum(la.eigvals(a) ** 3))),
                  ab).dtype == np.float32


def test_more_bad_arguments(on):
    a = general(_rng(41), (3, 3))
    _traced_error(on, la.eig, np.ones((3, 4)), r"\(3, 4\).*square", np.linalg.LinAlgError)
    _traced_error(on, la.eigvals, np.ones(3), "at least 2-D", np.linalg.LinAlgError)
    _traced_error(on, lambda a: la.cond(a, "fro"), np.ones((3, 4)), "square", np.linalg.LinAlgError)
    _traced_error(on, la.cond, np.ones((0, 0)), "empty", np.linalg.LinAlgError)
    _traced_error(on, lambda a: la.outer(a, a[0]), a, "1-D")
    _traced_error(on, lambda a: la.cross(a[:, :2], a[:, :2]), a, "must be 3")
    _traced_error(on, lambda a: la.tensorinv(a, ind=0), a, "ind=0")
    _traced_error(on, lambda a: la.tensorsolve(a, a), a, "prod", np.linalg.LinAlgError)
    _traced_error(on, lambda a: la.tensorsolve(a, a[0], axes=(5,)), a, "axes=")
    _traced_error(on, lambda a: la.vector_norm(a, axis=(0, 0)), a, "repeated axis")
    _traced_error(on, lambda a: la.vector_norm(a, axis=1.5), a, "axis=1.5", TypeError)
    _traced_error(on, lambda a: la.matrix_rank(a, tol=1.0, rtol=1.0), a, "both")
    _traced_error(on, lambda a: la.matrix_norm(a, ord="bad"), a, "invalid norm order")
    assert la.LinAlgError is np.linalg.LinAlgError


@pytest.mark.fixed_backend("compares np.linalg's names with funcad's and docs/linalg.md: no array")
def test_every_numpy_linalg_function_is_provided_and_documented():
    text = DOCS.read_text()
    names = [n for n in np.linalg.__all__ if n != "LinAlgError"]
    assert all(callable(getattr(la, n)) for n in names)
    assert not [n for n in names if f"`{n}(" not in text]
    for n in la.__all__:
        assert n in dir(la)


# det: every order of derivative, at any rank -------------------------------------
def _det_derivatives(a, order):
    """d^k det / da_{i1 j1} ... da_{ik jk} from Leibniz's formula (sums of signed minors).

    det = sum over permutations p of sgn(p) prod_r a[r, p(r)]: each term is linear in
    each entry it holds, so its k-th derivative along k of them (distinct rows of p's
    graph) is sgn(p) times the product of the other n - k entries.
    """
    n = a.shape[-1]
    out = np.zeros((n, n) * order, dtype=a.dtype)
    for p in itertools.permutations(range(n)):
        sign = round(np.linalg.det(np.eye(n)[list(p)]))
        for rows in itertools.permutations(range(n), order):
            rest = np.prod([a[r, p[r]] for r in range(n) if r not in rows])
            out[tuple(i for r in rows for i in (r, p[r]))] += sign * rest
    return out


def _levi_civita():
    e = np.zeros((3, 3, 3))
    for p in itertools.permutations(range(3)):
        e[p] = round(np.linalg.det(np.eye(3)[list(p)]))
    return e


def _of_rank(rng, n, rank, complex_=False):
    def draw(shape):
        x = rng.normal(size=shape)
        return x + 1j * rng.normal(size=shape) if complex_ else x

    return draw((n, rank)) @ draw((rank, n))


def test_third_derivative_of_a_2x2_det_is_zero_at_a_singular_matrix(on):
    # det of a 2x2 matrix is quadratic: every derivative above the second is 0.
    a = on.put(np.array([[1.0, 2.0], [2.0, 4.0]]))
    np.testing.assert_array_equal(on.run(fa.jacfwd(fa.hessian(la.det)), a), np.zeros((2,) * 6))
    np.testing.assert_array_equal(on.run(fa.jacrev(fa.jacrev(fa.jacrev(la.det))), a),
                                  np.zeros((2,) * 6))


@pytest.mark.parametrize("rank", [3, 2, 1, 0])
def test_det_third_and_fourth_derivatives_of_3x3_matrices(rank, on):
    # d^3 det / da_ij da_kl da_mn = eps_ikm eps_jln (det is cubic), whatever the rank.
    a = _of_rank(_rng(50 + rank), 3, rank)
    ab = on.put(a)
    e = _levi_civita()
    expected = np.einsum("ikm,jln->ijklmn", e, e)
    np.testing.assert_allclose(_det_derivatives(a, 3), expected, atol=1e-12)
    np.testing.assert_allclose(on.run(fa.jacfwd(fa.hessian(la.det)), ab), expected, atol=1e-12)
    np.testing.assert_allclose(on.run(fa.jacrev(fa.jacrev(fa.jacrev(la.det))), ab), expected,
                               atol=1e-12)
    np.testing.assert_array_equal(on.run(fa.jacfwd(fa.jacfwd(fa.hessian(la.det))), ab), 0.0)


@pytest.mark.parametrize("rank", [4, 2, 1])
def test_det_third_derivative_of_4x4_matrices_is_a_sum_of_signed_minors(rank, on):
    rng = _rng(60 + rank)
    a = _of_rank(rng, 4, rank)
    ab = on.put(a)
    expected = _det_derivatives(a, 3)
    np.testing.assert_allclose(on.run(fa.jacfwd(fa.hessian(la.det)), ab), expected, atol=1e-12)
    np.testing.assert_allclose(on.run(fa.jacrev(fa.jacfwd(fa.jacrev(la.det))), ab), expected,
                               atol=1e-12)
    # Close to singular, where a division by det would lose every digit.
    near = a + 1e-9 * rng.normal(size=(4, 4))
    np.testing.assert_allclose(on.run(fa.jacfwd(fa.hessian(la.det)), on.put(near)),
                               _det_derivatives(near, 3), atol=1e-12)


def test_det_fourth_derivative_and_batches(on):
    rng = _rng(70)
    a = _of_rank(rng, 4, 2)
    ab = on.put(a)
    np.testing.assert_allclose(on.run(fa.jacfwd(fa.jacfwd(fa.hessian(la.det))), ab),
                               _det_derivatives(a, 4), atol=1e-12)
    stack = np.stack([_of_rank(rng, 4, 1), general(rng, (4, 4))])
    np.testing.assert_allclose(on.run(fa.vmap(fa.jacfwd(fa.hessian(la.det))), on.put(stack)),
                               np.stack([_det_derivatives(x, 3) for x in stack]), atol=1e-11)
    # A direction that depends on a: D^2 det(a)[a, .] = (n - 1) adj(a)^T (Euler, degree
    # n - 1), whose Jacobian is (n - 1) times the Hessian of det.
    def along_itself(a):
        return fa.hvp(la.det, (a,), (a,))

    expected = 3 * _det_derivatives(a, 2)
    np.testing.assert_allclose(on.run(fa.jacfwd(along_itself), ab), expected, atol=1e-12)
    np.testing.assert_allclose(on.run(fa.jacrev(along_itself), ab), expected, atol=1e-12)


def test_det_third_derivative_complex_and_single_precision(on):
    rng = _rng(71)
    z = _of_rank(rng, 4, 2, complex_=True)
    third = on.run(fa.jacfwd(fa.hessian(la.det, holomorphic=True), holomorphic=True), on.put(z))
    np.testing.assert_allclose(third, _det_derivatives(z, 3), atol=1e-12)
    a = _of_rank(rng, 3, 2).astype(np.float32)
    third = on.run(fa.jacfwd(fa.hessian(la.det)), on.put(a))
    assert third.dtype == np.float32
    e = _levi_civita()
    np.testing.assert_allclose(third, np.einsum("ikm,jln->ijklmn", e, e), atol=1e-5)


# NumPy's result types under transforms ----------------------------------------------
@pytest.mark.filterwarnings("ignore:divide by zero")  # ord -1 of a vector holding a 0
@pytest.mark.parametrize("dtype", [np.int64, np.int32, bool])
def test_norms_of_integers_are_float64_under_transforms(dtype, on):
    inf = np.inf
    x = np.array([[[1, -2, 0], [3, 4, -1]], [[0, 2, 5], [-3, 1, 1]]]).astype(dtype)
    cases = [(lambda v, o=o: la.norm(v, o)) for o in (None, 1, -1, 2, inf, -inf, 0, 3)]
    cases += [(lambda m, o=o: la.norm(m, o, axis=(0, 1))) for o in
              (None, "fro", "nuc", 1, -1, 2, -2, inf, -inf)]
    cases += [lambda m: la.vector_norm(m, ord=1), lambda m: la.vector_norm(m, ord=inf),
              lambda m: la.matrix_norm(m, ord=1), lambda m: la.matrix_norm(m, ord=-inf)]
    for f in cases:
        inputs = x[:, 0] if f in cases[:8] else x
        ours = on.run(fa.vmap(f), on.put(inputs))
        theirs = np.stack([f(v) for v in inputs])
        assert theirs.dtype == ours.dtype == np.float64
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("dtypes", [(np.float64, np.float64), (np.float32, np.float32),
                                    (np.float32, np.float64), (np.complex64, np.float32),
                                    (np.float64, np.int64)])
@pytest.mark.fixed_backend("checks NumPy's result types of lstsq (np.ndarray, the np.int32 rank) "
                           "under transforms")
def test_lstsq_types_are_numpys_under_transforms(dtypes):
    rng = _rng(72)
    a, b = rng.normal(size=(5, 3)).astype(dtypes[0]), rng.normal(size=(5,)).astype(dtypes[1])

    def kinds(results):
        return [(type(r), np.asarray(r).dtype, np.shape(r)) for r in results]

    for a_, b_ in [(a, b), (a[:2], b[:2])]:  # with residuals, and m < n without
        expected = kinds(np.linalg.lstsq(a_, b_))
        primal, tangent = fa.jvp(lambda a, b=b_: la.lstsq(a, b), (a_,), (a_,))
        assert kinds(primal) == expected
        assert type(primal[2]) is np.int32 and type(tangent[2]) is np.int32
        assert kinds(fa.vjp(lambda a, b=b_: la.lstsq(a, b), a_)[0]) == expected
        batched = fa.vmap(lambda a, b=b_: la.lstsq(a, b))(np.stack([a_, a_]))
        assert [(r.dtype, r.shape[1:]) for r in batched] == [k[1:] for k in expected]


def test_lists_of_traced_values_are_operands(on):
    # A right-hand side given as a list of traced numbers is stacked, as fnp.asarray does.
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    ab, one = on.put((a, np.float64(1.0)))
    g = on.run(fa.grad(lambda t: fnp.sum(la.solve(ab, [t, 2.0 * t]))), one)
    assert g == pytest.approx(np.sum(np.linalg.solve(a, [1.0, 2.0])), rel=1e-12)
    g = on.run(fa.grad(lambda t: fnp.sum(la.lstsq(ab, [t, 2.0 * t])[0])), one)
    assert g == pytest.approx(np.sum(np.linalg.lstsq(a, [1.0, 2.0])[0]), rel=1e-12)
