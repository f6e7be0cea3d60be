"""Edge cases of funcad.numpy.linalg: values, conventions, degenerate inputs, errors.

Expected values come from NumPy or from closed forms (d log|det a| = a^{-T},
d lambda_i = v_i v_i^T, d sigma_i = u_i v_i^T, ...), never from funcad itself.

The tests that compute run on the backend ``--backend`` names (the fixture ``on``
of ``tests/conftest.py``; NumPy without it): inputs, and the constants the
functions under test close over, are put there, the transforms run under the
backend's guard (Dask: no computing; CuPy: no copy to the host), and the results
must be that backend's arrays before they are read back and compared with NumPy.
Tests of NumPy-only behaviour (plain calls returning NumPy's exact types,
LinAlgError for singular input) stay on NumPy; errors for bad arguments are
raised on the backend too.
"""

from __future__ import annotations

import inspect
import pathlib

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
import tests.op_specs  # noqa: F401 - loads the specs package before one of its modules
from tests.specs.linalg import distinct_symmetric, general, separated_singular, spd

la = fnp.linalg
DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs" / "linalg.md"


def _rng(seed=0):
    return np.random.default_rng(seed)


def _sym(a):
    return (a + np.swapaxes(a, -1, -2)) / 2


def _central(f, x, u, eps=1e-6):
    return (np.asarray(f(x + eps * u)) - np.asarray(f(x - eps * u))) / (2 * eps)


# Plain calls are NumPy's -------------------------------------------------------
@pytest.mark.fixed_backend("plain calls must return exactly NumPy's results and result types "
                           "(np.float64 scalars, NumPy's named-tuple results)")
def test_plain_calls_return_numpys_results_exactly():
    rng = _rng(1)
    a, s, t, b = general(rng, (3, 3)), spd(rng, (3, 3)), rng.normal(size=(4, 3)), rng.normal(
        size=(3, 2))
    pairs = [
        (la.solve(a, b), np.linalg.solve(a, b)), (la.inv(a), np.linalg.inv(a)),
        (la.det(a), np.linalg.det(a)), (la.cholesky(s), np.linalg.cholesky(s)),
        (la.cholesky(s, upper=True), np.linalg.cholesky(s, upper=True)),
        (la.eigvalsh(s), np.linalg.eigvalsh(s)), (la.pinv(t), np.linalg.pinv(t)),
        (la.pinv(t, rtol=None), np.linalg.pinv(t, rtol=None)),
        (la.matrix_power(a, -3), np.linalg.matrix_power(a, -3)),
        (la.multi_dot([t, a, b]), np.linalg.multi_dot([t, a, b])),
        (la.norm(t, "nuc"), np.linalg.norm(t, "nuc")), (la.norm(t, 3, axis=0),
                                                        np.linalg.norm(t, 3, axis=0)),
        (la.svd(t, compute_uv=False), np.linalg.svd(t, compute_uv=False)),
    ]
    z = a + 1j * b[:, :1]
    pairs += [(la.det(z), np.linalg.det(z)), (la.inv(z), np.linalg.inv(z)),
              (la.norm(z, "nuc"), np.linalg.norm(z, "nuc")), (la.pinv(z), np.linalg.pinv(z))]
    for ours, theirs in pairs:
        assert type(ours) is type(theirs)
        np.testing.assert_array_equal(ours, theirs)
    for ours, theirs in [(la.slogdet(a), np.linalg.slogdet(a)), (la.eigh(s), np.linalg.eigh(s)),
                         (la.svd(t), np.linalg.svd(t)), (la.qr(t), np.linalg.qr(t)),
                         (la.lstsq(t, b[:, 0].repeat(2)[:4]), np.linalg.lstsq(t, b[:, 0].repeat(
                             2)[:4]))]:
        assert type(ours) is type(theirs)
        for x, y in zip(ours, theirs):
            np.testing.assert_array_equal(x, y)


def test_traced_results_are_named_like_numpys(on):
    rng = _rng(2)
    s, t = distinct_symmetric(rng, (3, 3)), separated_singular(rng, (4, 3))

    def parts(s, t):
        eig, usv, qr, sld = la.eigh(s), la.svd(t, full_matrices=False), la.qr(t), la.slogdet(s)
        return eig.eigenvalues, eig.eigenvectors, usv.U, usv.S, usv.Vh, qr.Q, qr.R, sld.sign, \
            sld.logabsdet

    sb, tb = on.put((s, t))
    (out, _) = on.run(fa.jvp, parts, (sb, tb), (sb, tb))
    expected = [*np.linalg.eigh(s), *np.linalg.svd(t, full_matrices=False), *np.linalg.qr(t),
                *np.linalg.slogdet(s)]
    for x, y in zip(out, expected):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


def test_inputs_are_not_mutated(on):
    rng = _rng(3)
    a = spd(rng, (3, 3))
    b = rng.normal(size=(3,))
    copies = a.copy(), b.copy()
    ab, bb = on.put((a, b))
    on.run(fa.grad(lambda a, b: fnp.sum(la.solve(a, b)) + la.slogdet(a)[1]
                   + fnp.sum(la.cholesky(a)), argnums=(0, 1)), ab, bb)
    np.testing.assert_array_equal(on.get(ab), copies[0])
    np.testing.assert_array_equal(on.get(bb), copies[1])


# Closed-form derivatives --------------------------------------------------------
def test_closed_forms_of_determinants_and_inverse(on):
    rng = _rng(4)
    a = general(rng, (3, 3))
    ab = on.put(a)
    inv_t = np.linalg.inv(a).T
    np.testing.assert_allclose(on.run(fa.grad(lambda a: la.slogdet(a)[1]), ab), inv_t,
                               rtol=1e-12)
    np.testing.assert_allclose(on.run(fa.grad(la.det), ab), np.linalg.det(a) * inv_t, rtol=1e-10)
    # d tr(a^{-1}) = -(a^{-2})^T
    np.testing.assert_allclose(on.run(fa.grad(lambda a: fnp.einsum("ii->", la.inv(a))), ab),
                               -np.linalg.matrix_power(a, -2).T, rtol=1e-10)


def test_eigen_and_singular_value_gradients_are_outer_products(on):
    rng = _rng(5)
    s = distinct_symmetric(rng, (4, 4))
    sb = on.put(s)
    w, v = np.linalg.eigh(s)
    for i in range(4):
        np.testing.assert_allclose(on.run(fa.grad(lambda a, i=i: la.eigvalsh(a)[i]), sb),
                                   np.outer(v[:, i], v[:, i]), atol=1e-12)
    t = separated_singular(rng, (4, 3))
    tb = on.put(t)
    u, sv, vh = np.linalg.svd(t, full_matrices=False)
    for i in range(3):
        np.testing.assert_allclose(
            on.run(fa.grad(lambda a, i=i: la.svd(a, compute_uv=False)[i]), tb),
            np.outer(u[:, i], vh[i]), atol=1e-12)
    np.testing.assert_allclose(on.run(fa.grad(lambda a: la.norm(a, "nuc")), tb), u @ vh,
                               atol=1e-12)
    np.testing.assert_allclose(on.run(fa.grad(lambda a: la.norm(a, 2)), tb),
                               np.outer(u[:, 0], vh[0]), atol=1e-12)


def test_cholesky_logdet_gradient_is_the_inverse(on):
    rng = _rng(6)
    a = spd(rng, (2, 4, 4))

    def logdet(a):
        return 2 * fnp.sum(fnp.log(fnp.einsum("...ii->...i", la.cholesky(a))))

    g = on.run(fa.grad(logdet), on.put(a))
    np.testing.assert_allclose(g, np.linalg.inv(a), rtol=1e-10, atol=1e-12)


# Conventions for symmetric inputs ------------------------------------------------
@pytest.mark.parametrize("name", ["cholesky", "eigh", "eigvalsh"])
def test_symmetric_functions_symmetrize_tangents_and_gradients(name, on):
    rng = _rng(7)
    a = distinct_symmetric(rng, (3, 3)) + (6 * np.eye(3) if name == "cholesky" else 0)
    f = {"cholesky": la.cholesky, "eigh": lambda a: la.eigh(a)[1] * la.eigh(a)[1][0],
         "eigvalsh": la.eigvalsh}[name]
    u = rng.normal(size=(3, 3))
    ab = on.put(a)
    _, t_raw = on.run(fa.jvp, f, (ab,), (on.put(u),))
    _, t_sym = on.run(fa.jvp, f, (ab,), (on.put(_sym(u)),))
    np.testing.assert_allclose(t_raw, t_sym, atol=1e-12)
    # ... and agree with finite differences along symmetric directions.
    np.testing.assert_allclose(t_sym, _central(f, a, _sym(u)), atol=1e-6)
    weights = on.put(np.arange(np.size(f(a)), dtype=float).reshape(np.shape(f(a))))
    g = on.run(fa.grad(lambda a: fnp.sum(f(a) * weights)), ab)
    np.testing.assert_allclose(g, g.T, atol=1e-12)


def test_solve_triangular_reads_one_triangle(on):
    rng = _rng(8)
    a = rng.normal(size=(3, 3)) + 4 * np.eye(3)
    b = rng.normal(size=(3, 2))
    ab, bb = on.put((a, b))
    for lower, tri in [(True, np.tril), (False, np.triu)]:
        x = on.run(la.solve_triangular, ab, bb, lower)
        np.testing.assert_allclose(tri(a) @ x, b, atol=1e-12)
        g = on.run(fa.grad(lambda a, lo=lower: fnp.sum(la.solve_triangular(a, bb, lower=lo))),
                   ab)
        np.testing.assert_array_equal(g[tri(np.ones((3, 3))) == 0], 0.0)
    scipy_linalg = pytest.importorskip("scipy.linalg")
    np.testing.assert_allclose(on.run(lambda: la.solve_triangular(ab, bb[:, 0], lower=True)),
                               scipy_linalg.solve_triangular(a, b[:, 0], lower=True), rtol=1e-12)
    y, _ = on.run(fa.jvp, lambda a: la.solve_triangular(a, bb), (ab,), (ab,))
    np.testing.assert_allclose(y, scipy_linalg.solve_triangular(a, b), rtol=1e-12)


# Degenerate spectra: documented, and what happens -----------------------------
def test_degenerate_eigenvalues_documented_and_nan_for_vectors(on):
    for fun in (la.eigh, la.svd):
        doc = inspect.getdoc(fun).lower()
        assert "sign" in doc and ("repeated" in doc or "distinct" in doc), fun.__name__
    text = DOCS.read_text().lower()
    for phrase in ("degenerate", "gauge", "full_matrices=false", "solve_triangular",
                   "not supported"):
        assert phrase in text, phrase
    eye = np.eye(3)
    eye_b, c = on.put((eye, np.arange(9.0).reshape(3, 3)))
    # Eigenvalues differentiate at a repeated eigenvalue: d sum(w) = d tr(a) = I.
    np.testing.assert_allclose(on.run(fa.grad(lambda a: fnp.sum(la.eigvalsh(a))), eye_b), eye,
                               atol=1e-12)
    np.testing.assert_allclose(on.run(fa.grad(lambda a: fnp.sum(la.eigh(a)[0])), eye_b), eye,
                               atol=1e-12)
    # Eigenvectors do not: NaN, not a silently wrong number.
    g = on.run(fa.grad(lambda a: fnp.sum(la.eigh(a)[1] * c)), eye_b)
    assert np.isnan(g).any()
    # The same for singular vectors of a matrix with equal singular values.
    q = np.linalg.qr(_rng(9).normal(size=(3, 3)))[0]
    qb = on.put(q)
    np.testing.assert_allclose(on.run(fa.grad(lambda a: la.norm(a, "nuc")), qb), q, atol=1e-12)
    g = on.run(fa.grad(lambda a: fnp.sum(la.svd(a)[0] * c)), qb)
    assert np.isnan(g).any()


def test_rank_deficient_non_square_svd_vectors_have_no_derivative(on):
    t = np.zeros((4, 3))
    t[0, 0], t[1, 1] = 2.0, 1.0  # singular values exactly 2, 1 and 0
    tb = on.put(t)
    g = on.run(fa.grad(lambda a: fnp.sum(la.svd(a, compute_uv=False)[:2])), tb)
    expected = np.zeros((4, 3))
    expected[0, 0] = expected[1, 1] = 1.0
    np.testing.assert_allclose(g, expected, atol=1e-15)
    # u's third column turns with 1/s_3: no derivative at s_3 = 0.
    c = on.put(np.arange(12.0).reshape(4, 3))
    g = on.run(fa.grad(lambda a: fnp.sum(la.svd(a, full_matrices=False)[0] * c)), tb)
    assert np.isnan(g).any()


def test_pinv_derivative_holds_along_rank_preserving_directions(on):
    rng = _rng(11)
    x, y = rng.normal(size=(4, 2)), rng.normal(size=(2, 3))
    a = x @ y  # rank 2
    dx, dy = rng.normal(size=(4, 2)), rng.normal(size=(2, 3))
    direction = dx @ y + x @ dy  # tangent to the rank-2 matrices

    def f(a):
        return la.pinv(a, rcond=1e-10)

    _, t = on.run(fa.jvp, f, (on.put(a),), (on.put(direction),))

    def along(e):
        return np.linalg.pinv((x + e * dx) @ (y + e * dy), rcond=1e-10)

    np.testing.assert_allclose(t, (along(1e-6) - along(-1e-6)) / 2e-6, atol=1e-6)


# det at singular matrices: the adjugate, and second derivatives ----------------------
def _cofactors(a):
    """The cofactor matrix from its definition (signed minors), in NumPy."""
    n = a.shape[-1]
    out = np.empty_like(a)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, axis=0), j, axis=1)
            out[i, j] = (-1) ** (i + j) * np.linalg.det(minor)
    return out


def _cofactor_jacobian(a):
    """d cofactor(a)_ij / d a_kl: cofactors are quadratic, so central differences are exact."""
    n = a.shape[-1]
    out = np.empty((n, n, n, n), dtype=a.dtype)
    for k in range(n):
        for j in range(n):
            e = np.zeros_like(a)
            e[k, j] = 1.0
            out[:, :, k, j] = (_cofactors(a + e) - _cofactors(a - e)) / 2
    return out


def test_det_derivative_at_singular_matrices_is_the_adjugate(on):
    # adj([[a, b], [c, d]]) = [[d, -b], [-c, a]]; the gradient is adj(a)^T.
    a = on.put(np.array([[1.0, 2.0], [2.0, 4.0]]))
    np.testing.assert_allclose(on.run(fa.grad(la.det), a), [[4.0, -2.0], [-2.0, 1.0]],
                               atol=1e-14)
    # d^2 det / da_00 da_11 = 1, d^2 det / da_01 da_10 = -1, the rest 0 (det = ad - bc).
    expected = np.zeros((2, 2, 2, 2))
    expected[0, 0, 1, 1] = expected[1, 1, 0, 0] = 1.0
    expected[0, 1, 1, 0] = expected[1, 0, 0, 1] = -1.0
    np.testing.assert_allclose(on.run(fa.hessian(la.det), a), expected, atol=1e-14)
    # Rank 2 of 3: adj = [[-3, 6, -3], [6, -12, 6], [-3, 6, -3]] (symmetric here).
    b = on.put(np.arange(1.0, 10.0).reshape(3, 3))
    adj = np.array([[-3.0, 6.0, -3.0], [6.0, -12.0, 6.0], [-3.0, 6.0, -3.0]])
    np.testing.assert_allclose(on.run(fa.grad(la.det), b), adj.T, atol=1e-12)
    _, t = on.run(fa.jvp, la.det, (b,), (on.put(np.eye(3)),))
    assert t == pytest.approx(np.trace(adj), abs=1e-12)  # d det = tr(adj(b) db)
    # Rank 1 of 3: every 2x2 minor vanishes, so the adjugate is zero.
    c = on.put(np.outer([1.0, -2.0, 0.5], [2.0, 1.0, -1.0]))
    np.testing.assert_allclose(on.run(fa.grad(la.det), c), np.zeros((3, 3)), atol=1e-13)
    # The zero matrix: every derivative of det below order n vanishes.
    zero = on.put(np.zeros((3, 3)))
    np.testing.assert_array_equal(on.run(fa.grad(la.det), zero), np.zeros((3, 3)))
    np.testing.assert_array_equal(on.run(fa.hessian(la.det), zero), np.zeros((3,) * 4))


@pytest.mark.parametrize("rank", [2, 1])
def test_det_hessian_at_singular_matrices(rank, on):
    rng = _rng(30)
    a = rng.normal(size=(3, rank)) @ rng.normal(size=(rank, 3))
    assert np.linalg.matrix_rank(a) == rank
    ab = on.put(a)
    np.testing.assert_allclose(on.run(fa.grad(la.det), ab), _cofactors(a), atol=1e-12)
    h = on.run(fa.hessian(la.det), ab)
    np.testing.assert_allclose(h, _cofactor_jacobian(a), atol=1e-10)
    # ... and finite differences of the gradient (quadratic: central differences are exact).
    u = rng.normal(size=(3, 3))
    np.testing.assert_allclose(np.tensordot(h, u, axes=2), _central(fa.grad(la.det), a, u, 1e-3),
                               atol=1e-9)
    # Reverse over reverse, forward over forward, and batched.
    np.testing.assert_allclose(on.run(fa.jacrev(fa.jacrev(la.det)), ab), h, atol=1e-10)
    np.testing.assert_allclose(on.run(fa.jacfwd(fa.jacfwd(la.det)), ab), h, atol=1e-10)
    stack = np.stack([a, 2 * a, general(rng, (3, 3))])
    stack_b = on.put(stack)
    np.testing.assert_allclose(on.run(fa.vmap(fa.grad(la.det)), stack_b),
                               np.stack([_cofactors(x) for x in stack]), atol=1e-10)
    np.testing.assert_allclose(on.run(fa.vmap(fa.hessian(la.det)), stack_b)[:2],
                               np.stack([_cofactor_jacobian(x) for x in stack[:2]]), atol=1e-9)


def test_det_derivatives_at_nonsingular_and_degenerate_matrices(on):
    rng = _rng(31)
    a = general(rng, (3, 3))
    ab = on.put(a)
    np.testing.assert_allclose(on.run(fa.grad(la.det), ab), _cofactors(a), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(on.run(fa.hessian(la.det), ab), _cofactor_jacobian(a),
                               atol=1e-10)
    # Third order: finite differences of the Hessian.
    u = rng.normal(size=(3, 3))
    third = on.run(fa.jacfwd(fa.hessian(la.det)), ab)
    np.testing.assert_allclose(np.tensordot(third, u, axes=([4, 5], [0, 1])),
                               _central(fa.hessian(la.det), a, u, 1e-3), atol=1e-8)
    # Repeated singular values (the identity, an orthogonal matrix) are no problem.
    q = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    for m in (np.eye(3), q):
        mb = on.put(m)
        np.testing.assert_allclose(on.run(fa.grad(la.det), mb), _cofactors(m), atol=1e-12)
        np.testing.assert_allclose(on.run(fa.hessian(la.det), mb), _cofactor_jacobian(m),
                                   atol=1e-12)
        assert np.isfinite(on.run(fa.jacfwd(fa.hessian(la.det)), mb)).all()
    # 1x1 and 0x0 matrices.
    one = on.put(np.array([[3.0]]))
    assert on.run(fa.grad(la.det), one) == 1.0
    assert on.run(fa.hessian(la.det), one) == 0.0
    assert on.run(fa.grad(la.det), on.put(np.zeros((0, 0)))).shape == (0, 0)


def test_complex_det_derivative_at_a_singular_matrix(on):
    rng = _rng(32)
    z = (rng.normal(size=(3, 2)) + 1j * rng.normal(size=(3, 2))) @ (
        rng.normal(size=(2, 3)) + 1j * rng.normal(size=(2, 3)))
    zb = on.put(z)
    g = on.run(fa.grad(la.det, holomorphic=True), zb)
    np.testing.assert_allclose(g, _cofactors(z), atol=1e-12)
    np.testing.assert_allclose(on.run(fa.hessian(la.det, holomorphic=True), zb),
                               _cofactor_jacobian(z), atol=1e-10)


@pytest.mark.fixed_backend("LinAlgError on a singular matrix is NumPy's eager LAPACK check: Dask "
                           "sees the values only when computing, CuPy gives inf/NaN by default")
def test_singular_matrices_raise_where_numpy_does():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(np.linalg.LinAlgError):
        fa.grad(lambda a: fnp.sum(la.solve(a, np.ones(2))))(a)
    with pytest.raises(np.linalg.LinAlgError):
        fa.grad(lambda a: fnp.sum(la.inv(a)))(a)
    with pytest.raises(np.linalg.LinAlgError):
        # log|det| is -inf there and has no derivative.
        fa.grad(lambda a: la.slogdet(a)[1])(a)


# Norms at zero --------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{}, {"ord": 2}, {"ord": 3}, {"ord": 2, "axis": 0}])
def test_vector_norm_at_zero_has_subgradient_zero(kwargs, on):
    x = on.put(np.zeros(4))
    np.testing.assert_array_equal(on.run(fa.grad(lambda x: la.norm(x, **kwargs)), x),
                                  np.zeros(4))
    _, t = on.run(fa.jvp, lambda x: la.norm(x, **kwargs), (x,), (on.put(np.ones(4)),))
    assert t == 0.0
    h = on.run(fa.hessian(lambda x: la.norm(x, **kwargs)), x)
    np.testing.assert_array_equal(h, np.zeros((4, 4)))


def test_frobenius_norm_at_zero_and_rows_of_zeros(on):
    z = np.zeros((2, 3))
    zb = on.put(z)
    np.testing.assert_array_equal(on.run(fa.grad(lambda a: la.norm(a, "fro")), zb), z)
    np.testing.assert_array_equal(on.run(fa.grad(la.norm), zb), z)
    np.testing.assert_array_equal(on.run(fa.hessian(lambda a: la.norm(a, "fro")), zb),
                                  np.zeros((2, 3) * 2))
    x = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 4.0]])
    xb = on.put(x)
    g = on.run(fa.jacrev(lambda x: la.norm(x, axis=1)), xb)
    expected = np.zeros((2, 2, 3))
    expected[1, 1] = x[1] / 5.0
    np.testing.assert_allclose(g, expected, atol=1e-15)
    np.testing.assert_allclose(on.run(fa.vmap(fa.grad(la.norm)), xb), [[0, 0, 0], x[1] / 5.0],
                               atol=1e-15)


def test_norm_ties_split_the_derivative(on):
    x = on.put(np.array([1.0, -3.0, 3.0]))
    np.testing.assert_array_equal(on.run(fa.grad(lambda x: la.norm(x, np.inf)), x),
                                  [0.0, -0.5, 0.5])
    m = np.array([[1.0, 2.0], [-2.0, 1.0]])  # both columns have absolute sum 3
    np.testing.assert_array_equal(on.run(fa.grad(lambda a: la.norm(a, 1)), on.put(m)),
                                  0.5 * np.sign(m))


# float32 ------------------------------------------------------------------------
F32_CASES = {
    "solve": lambda a: la.solve(a, a[:, 0]), "solve_triangular":
    lambda a: la.solve_triangular(a, a, lower=True), "inv": la.inv, "det": la.det,
    "slogdet": lambda a: la.slogdet(a)[1], "cholesky": la.cholesky,
    "eigh": lambda a: la.eigh(a)[1] ** 2, "eigvalsh": la.eigvalsh,
    "svd": lambda a: la.svd(a)[0] ** 2, "svdvals": lambda a: la.svd(a, compute_uv=False),
    "qr": lambda a: la.qr(a)[1], "pinv": la.pinv, "lstsq": lambda a: la.lstsq(a, a[0])[0],
    "matrix_power": lambda a: la.matrix_power(a, -2), "multi_dot": lambda a: la.multi_dot(
        [a, a, a]), "norm": la.norm, "norm_nuc": lambda a: la.norm(a, "nuc"),
    "norm_p": lambda a: la.norm(a, 3, axis=0),
}


@pytest.mark.parametrize("name", sorted(F32_CASES))
def test_float32_in_float32_out(name, on):
    f = F32_CASES[name]
    a = spd(_rng(12), (3, 3)).astype(np.float32)
    ab = on.put(a)
    if on.name == "dask" and name == "lstsq":
        # By design: Dask's lstsq has no rcond, so a plain call is refused before any work
        # (docs/backends.md); under a transform funcad builds it from pinv, lazily.
        from funcad.backend.dask import NotLazyError

        with pytest.raises(NotLazyError):
            on.run(f, ab)
    else:
        assert on.run(f, ab).dtype == np.float32
    y, t = on.run(fa.jvp, f, (ab,), (ab,))
    assert y.dtype == np.float32 and t.dtype == np.float32
    np.testing.assert_allclose(y, f(a), rtol=1e-4, atol=1e-4)
    assert on.run(fa.grad(lambda a: fnp.sum(f(a))), ab).dtype == np.float32
    assert on.run(fa.hessian(lambda a: fnp.sum(f(a))), ab).dtype == np.float32


# jvp against vjp and Hessians for the main factorizations -----------------------
# Each case is made from its constant, so that a test can put the constant on its backend.
def _eigh_gauged(c):
    def f(a):
        w, v = la.eigh(a)
        return fnp.sum(w * w) + fnp.sum(v * fnp.sign(v[..., 0:1, :]) * c)

    return f


def _svd_gauged(c):
    def f(a):
        u, s, vh = la.svd(a, full_matrices=False)
        sign = fnp.sign(u[..., 0:1, :])
        return fnp.sum(s ** 3) + fnp.sum(u * sign * c) + fnp.sum(
            vh * fnp.reshape(sign, (-1, 1)))

    return f


def _slogdet_case(c):
    return lambda a: la.slogdet(a)[1]


def _cholesky_case(c):
    return lambda a: fnp.sum(la.cholesky(a) * c)


def _solve_case(c):
    return lambda a: fnp.sum(la.solve(a, c) ** 2)


SCALAR_CASES = {
    "slogdet": (_slogdet_case, None, general, (3, 3)),
    "cholesky": (_cholesky_case, np.arange(9.0).reshape(3, 3), spd, (3, 3)),
    "eigh": (_eigh_gauged, np.arange(9.0).reshape(3, 3), distinct_symmetric, (3, 3)),
    "svd": (_svd_gauged, np.arange(12.0).reshape(4, 3), separated_singular, (4, 3)),
    "solve": (_solve_case, np.arange(1.0, 4.0), general, (3, 3)),
}


@pytest.mark.parametrize("name", sorted(SCALAR_CASES))
def test_jvp_vjp_and_hessian(name, on):
    make, const, domain, shape = SCALAR_CASES[name]
    f = make(const)  # NumPy, for the finite-difference references
    fb = make(None if const is None else on.put(const))
    rng = _rng(13)
    a = domain(rng, shape)
    if name in ("cholesky", "eigh"):
        a = _sym(a)
    u = rng.normal(size=shape)
    if name in ("cholesky", "eigh"):
        u = _sym(u)  # their derivatives are those of the symmetric matrix
    ab, ub = on.put((a, u))
    _, t = on.run(fa.jvp, fb, (ab,), (ub,))
    g = on.run(fa.grad(fb), ab)
    assert t == pytest.approx(np.sum(g * u), rel=1e-10, abs=1e-10)
    assert t == pytest.approx(_central(f, a, u), rel=1e-6, abs=1e-6)
    h = on.run(fa.hessian(fb), ab)
    n = a.size
    np.testing.assert_allclose(h.reshape(n, n), h.reshape(n, n).T, atol=1e-8)
    # The Hessian applied to u is the derivative of the gradient along u.
    np.testing.assert_allclose(np.tensordot(h, u, axes=u.ndim), _central(fa.grad(f), a, u, 1e-5),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(on.run(fa.hvp, fb, (ab,), (ub,)),
                               np.tensordot(h, u, axes=u.ndim), atol=1e-9)
    # Batched: vmap of the gradient equals a loop.
    stack = np.stack([a, a + 0.01 * u])
    np.testing.assert_allclose(on.run(fa.vmap(fa.grad(fb)), on.put(stack)),
                               np.stack([on.run(fa.grad(fb), on.put(x)) for x in stack]),
                               atol=1e-12)


# lstsq ----------------------------------------------------------------------------
def test_lstsq_tuple_under_transforms(on):
    rng = _rng(14)
    a, b = separated_singular(rng, (5, 3)), rng.normal(size=(5,))
    ab, bb = on.put((a, b))

    def f(a, b):
        return la.lstsq(a, b)

    (x, res, rank, s), _ = on.run(fa.jvp, f, (ab, bb), (ab, bb))
    x0, res0, rank0, s0 = np.linalg.lstsq(a, b)
    np.testing.assert_allclose(x, x0, rtol=1e-12)
    np.testing.assert_allclose(res, res0, rtol=1e-10)
    assert res.shape == res0.shape == (1,)
    assert rank == rank0 == 3
    np.testing.assert_allclose(s, s0, rtol=1e-12)
    # Rank-deficient: NumPy gives no residuals, and neither does funcad where the rank
    # is known (on Dask it is not: residuals whenever m > n, as documented).
    deficient = np.concatenate([a[:, :2], a[:, :1]], axis=1)
    deficient_b = on.put(deficient)
    (x, res, rank, _), _ = on.run(fa.jvp, f, (deficient_b, bb), (deficient_b, bb))
    x0, res0, rank0, _ = np.linalg.lstsq(deficient, b)
    assert rank == rank0 == 2
    np.testing.assert_allclose(x, x0, rtol=1e-10)
    assert res.shape == ((1,) if on.name == "dask" else res0.shape) and res0.shape == (0,)
    # Under vmap the rank is one number per example (and residuals come whenever m > n).
    ranks = on.run(fa.vmap(lambda a: la.lstsq(a, bb)[2]), on.put(np.stack([a, deficient])))
    np.testing.assert_array_equal(ranks, [3, 2])


def test_lstsq_gradient_matches_normal_equations(on):
    rng = _rng(15)
    a, b = separated_singular(rng, (6, 3)), rng.normal(size=(6,))
    ab, bb = on.put((a, b))
    g = on.run(fa.grad(lambda b: fnp.sum(la.lstsq(ab, b)[0])), bb)
    np.testing.assert_allclose(g, a @ np.linalg.solve(a.T @ a, np.ones(3)), rtol=1e-10)


# matrix_power and multi_dot -------------------------------------------------------
def test_matrix_power_zero_and_negative(on):
    a = general(_rng(16), (2, 3, 3))
    ab = on.put(a)
    y, t = on.run(fa.jvp, lambda a: la.matrix_power(a, 0), (ab,), (ab,))
    np.testing.assert_array_equal(y, np.broadcast_to(np.eye(3), (2, 3, 3)))
    np.testing.assert_array_equal(t, np.zeros((2, 3, 3)))
    y, _ = on.run(fa.jvp, lambda a: la.matrix_power(a, -4), (ab,), (ab,))
    np.testing.assert_allclose(y, np.linalg.matrix_power(a, -4), rtol=1e-10)


def test_multi_dot_with_vector_ends(on):
    rng = _rng(17)
    v, m, w = rng.normal(size=3), rng.normal(size=(3, 4)), rng.normal(size=4)
    vb, mb, wb = on.put((v, m, w))
    y, _ = on.run(fa.jvp, lambda v: la.multi_dot([v, mb, mb.T, mb, wb]), (vb,), (vb,))
    np.testing.assert_allclose(y, np.linalg.multi_dot([v, m, m.T, m, w]), rtol=1e-12)
    assert np.shape(y) == ()


# Errors ---------------------------------------------------------------------------
def _traced_error(on, f, x, match, error=ValueError):
    """``f``'s error under grad at ``x`` put on ``on``, raised before any work."""
    xb = on.put(x)
    with pytest.raises(error, match=match), on.guard():
        fa.grad(lambda x: fnp.sum(f(x)))(xb)


@pytest.mark.parametrize("name", ["solve", "inv", "det", "slogdet", "cholesky", "eigh",
                                  "eigvalsh", "matrix_power", "solve_triangular"])
def test_non_square_input_is_refused(on, name):
    ones4 = on.put(np.ones(4))
    f = {"solve": lambda a: la.solve(a, ones4), "solve_triangular":
         lambda a: la.solve_triangular(a, ones4),
         "matrix_power": lambda a: la.matrix_power(a, 2)}.get(name, getattr(la, name))
    _traced_error(on, f, np.ones((4, 3)), r"\(4, 3\).*square")
    _traced_error(on, f, np.ones(3), r"\(3,\).*at least 2-D")


def test_svd_full_matrices_on_non_square_traced_input(on):
    t = separated_singular(_rng(18), (4, 3))
    _traced_error(on, lambda a: la.svd(a)[0], t, "full_matrices=False")
    _traced_error(on, lambda a: la.svd(a, full_matrices=True)[2], t.T, "full_matrices=False")
    # Square matrices and compute_uv=False are fine with the default.
    on.run(fa.grad(lambda a: fnp.sum(la.svd(a, compute_uv=False))), on.put(t))
    on.run(fa.grad(lambda a: fnp.sum(la.svd(a)[1])), on.put(t[:3]))


def test_qr_unsupported_modes_and_shapes(on):
    t = separated_singular(_rng(19), (4, 3))
    _traced_error(on, lambda a: la.qr(a)[0], t.T, "m < n")
    _traced_error(on, lambda a: la.qr(a, mode="complete")[0], t, "mode='complete'")
    _traced_error(on, lambda a: la.qr(a, mode="raw")[0], t, "mode='raw'")
    on.run(fa.grad(lambda a: fnp.sum(la.qr(a, mode="complete")[0])), on.put(t[:3]))


def test_other_bad_arguments(on):
    a = general(_rng(20), (3, 3))
    ones4, ones3, out, rcond = on.put((np.ones(4), np.ones(3), np.empty((3, 3)),
                                       np.array([0.1, 0.2])))
    _traced_error(on, lambda a: la.solve(a, ones4), a, "b has shape")
    _traced_error(on, lambda a: la.eigh(a, UPLO="X")[0], a, "UPLO")
    _traced_error(on, lambda a: la.norm(a[0], "fro"), a, "'fro' for vectors")
    _traced_error(on, lambda a: la.norm(a, "bad"), a, "invalid norm order")
    _traced_error(on, lambda a: la.norm(a, axis=(0, 0)), a, "duplicate axes")
    _traced_error(on, lambda a: la.norm(a[None], 2), a, "improper number of dimensions")
    _traced_error(on, lambda a: la.matrix_power(a, 1.5), a, "integer", TypeError)
    _traced_error(on, lambda a: la.multi_dot([a]), a, "at least two")
    _traced_error(on, lambda a: la.multi_dot([a, a], out=out), a, "out=", TypeError)
    _traced_error(on, lambda a: la.lstsq(a[None], ones3)[0], a, "vmap for stacks")
    _traced_error(on, lambda a: la.pinv(a, rcond=0.1, rtol=0.1), a, "rtol")
    _traced_error(on, lambda a: la.pinv(a, rcond=rcond), a, "one number")
