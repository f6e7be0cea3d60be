"""multivariate_normal.cdf and logcdf: closed forms, exact references, derivatives.

One and two coordinates are exact (the sweep rows in tests/specs/mvn.py check
them to 1e-12); here are the closed forms, the derivatives in closed form,
and the edges. Three or more coordinates are a deterministic lattice
estimate: its values are checked against closed forms and exact 1-D
quadratures (one-factor covariances) within the documented accuracy, and its
derivatives against closed forms and central differences of the same
deterministic function.

The tests that compute run on the backend ``--backend`` names (the ``on``
fixture in ``tests/conftest.py``; NumPy without it): the points, means,
covariances and limits are put there, the transforms run under the backend's
guard (Dask: no computing; CuPy: no copy to the host), and the results must be
that backend's arrays before they are read back and compared with the
references, which stay on NumPy.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.integrate as si
import scipy.special as sc
import scipy.stats as st

import funcad as fa
import funcad.numpy as fnp
from funcad.scipy.stats import _mvn_cdf
from funcad.scipy.stats import multivariate_normal as mvn
from tests._backends import ArrayBackend
from tests.specs.mvn import bivariate_lower

HOST = ArrayBackend("numpy")  # the references computed with funcad stay on NumPy


def _put(on, value):
    """A NumPy array on the backend; anything else (None, numbers, options) as it is."""
    return on.put(value) if isinstance(value, np.ndarray) else value


def traced(on, f, x, *args, **kwargs):
    """f(x, ...) computed under a transform (funcad's path, not SciPy's), on ``on``."""
    x = np.asarray(x, dtype=float)
    args = [_put(on, a) for a in args]
    kwargs = {k: _put(on, v) for k, v in kwargs.items()}
    xb, zero = on.put((x, np.zeros_like(x)))
    return on.run(lambda: fa.jvp(lambda x: f(x, *args, **kwargs), (xb,), (zero,))[0])


def correlation(rho):
    return np.array([[1.0, rho], [rho, 1.0]])


def one_factor(lam):
    """The covariance with unit diagonal and correlations lam_i lam_j."""
    cov = np.outer(lam, lam)
    np.fill_diagonal(cov, 1.0)
    return cov


def one_factor_cdf(h, lam):
    """P(X < h) for a one-factor covariance: X_i = lam_i Z + sqrt(1 - lam_i^2) E_i."""
    def integrand(z):
        return st.norm.pdf(z) * np.prod(sc.ndtr((h - lam * z) / np.sqrt(1 - lam**2)))

    return si.quad(integrand, -np.inf, np.inf, epsabs=1e-15, epsrel=1e-13, limit=200)[0]


def bivariate_density(h, k, r):
    return np.exp(-(h * h - 2 * r * h * k + k * k) / (2 * (1 - r * r))) / (
        2 * np.pi * np.sqrt(1 - r * r))


# Two coordinates: exact ------------------------------------------------------------------
CORRELATIONS = [0.0, 0.3, -0.3, 0.75, -0.8, 0.924, 0.925, -0.925, 0.97, -0.99, 0.9999]
POINTS_2D = [(0.0, 0.0), (1.0, -0.5), (-2.0, -3.0), (1.5, 1.5), (-1.0, 2.0), (-4.0, 1.0)]


def test_bivariate_values_equal_quadrature_and_the_orthant_formula(on):
    for r in CORRELATIONS:
        cov = correlation(r)
        # P(X1 < 0, X2 < 0) = 1/4 + arcsin(r) / (2 pi)
        assert abs(traced(on, mvn.cdf, [0.0, 0.0], None, cov)
                   - (0.25 + np.arcsin(r) / (2 * np.pi))) < 1e-15
        x = np.array(POINTS_2D)
        expected = [bivariate_lower(h, k, r) for h, k in x]
        np.testing.assert_allclose(traced(on, mvn.cdf, x, None, cov), expected, rtol=0,
                                   atol=5e-16)
        np.testing.assert_allclose(mvn.cdf(x, None, cov), expected, rtol=0, atol=1e-15)  # SciPy


def test_bivariate_lower_tail_keeps_relative_accuracy(on):
    """P(X < h, Y < k) is computed as the upper probability of (-X, -Y): no 1 - ... cancellation."""
    for r in [0.0, 0.5, 0.95]:
        for h, k in [(-8.0, -8.0), (-6.0, -3.0), (-10.0, -2.0)]:
            expected = np.log(bivariate_lower(h, k, r, epsabs=0.0))
            assert traced(on, mvn.logcdf, [h, k], None, correlation(r)) == pytest.approx(
                expected, rel=1e-13)


@pytest.mark.parametrize("r", CORRELATIONS[:-1])
def test_bivariate_derivatives_in_closed_form(r, on):
    """dF/dh = pdf(h) ndtr((k - r h) / s); dF/dr = the density; second order too."""
    s = np.sqrt(1 - r * r)
    x = np.array(POINTS_2D[:4])
    cov = on.put(correlation(r))
    for h, k in x:
        point = on.put(np.array([h, k]))
        g = on.run(fa.grad(mvn.cdf), point, None, cov)
        expected = [st.norm.pdf(h) * sc.ndtr((k - r * h) / s),
                    st.norm.pdf(k) * sc.ndtr((h - r * k) / s)]
        np.testing.assert_allclose(g, expected, rtol=1e-13, atol=1e-16)
        # The derivative in cov is that of the symmetric matrix: half to each off-diagonal.
        g_cov = on.run(fa.grad(mvn.cdf, argnums=2), point, None, cov)
        density = bivariate_density(h, k, r)
        np.testing.assert_allclose(g_cov[[0, 1], [1, 0]], density / 2, rtol=1e-12, atol=1e-14)
        hess = on.run(fa.hessian(mvn.cdf), point, None, cov)
        c = (k - r * h) / s
        d2h = -h * st.norm.pdf(h) * sc.ndtr(c) - st.norm.pdf(h) * st.norm.pdf(c) * r / s
        np.testing.assert_allclose(hess[0, 0], d2h, rtol=1e-11, atol=1e-14)
        np.testing.assert_allclose(hess[[0, 1], [1, 0]], density, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("r", [0.95, -0.95, 0.999])
def test_second_derivatives_at_ties_of_the_strong_correlation_expansion(r, on):
    """At h == sign(r) k the expansion's kinked terms are taken from one side: still exact."""
    s = np.sqrt(1 - r * r)
    h = 0.4
    k = np.sign(r) * h
    hess = on.run(fa.hessian(mvn.cdf), on.put(np.array([h, k])), None, on.put(correlation(r)))
    c = (k - r * h) / s
    d2h = -h * st.norm.pdf(h) * sc.ndtr(c) - st.norm.pdf(h) * st.norm.pdf(c) * r / s
    np.testing.assert_allclose(hess[0, 0], d2h, rtol=1e-10)
    np.testing.assert_allclose(hess[0, 1], bivariate_density(h, k, r), rtol=1e-10)


# Three and more coordinates: the lattice estimate -----------------------------------------
def test_orthant_probabilities_in_closed_form(on):
    rng = np.random.default_rng(0)
    for _ in range(3):
        a = rng.normal(size=(3, 3))
        cov = a @ a.T + 0.5 * np.eye(3)
        corr = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
        expected = 0.125 + (np.arcsin(corr[0, 1]) + np.arcsin(corr[0, 2])
                            + np.arcsin(corr[1, 2])) / (4 * np.pi)
        assert abs(traced(on, mvn.cdf, np.zeros(3), None, cov) - expected) < 1e-9
    for d, tol in [(3, 1e-10), (4, 1e-8), (5, 1e-7)]:  # equicorrelated 1/2: 1 / (d + 1)
        cov = np.full((d, d), 0.5) + 0.5 * np.eye(d)
        assert abs(traced(on, mvn.cdf, np.zeros(d), None, cov) - 1 / (d + 1)) < tol


def test_independent_components_give_the_product_of_ndtr(on):
    x, sd = np.array([0.3, -1.2, 2.0, 0.1, -0.4]), np.array([1.0, 0.5, 2.0, 1.5, 0.8])
    expected = np.prod(sc.ndtr(x / sd))
    assert traced(on, mvn.cdf, x, np.zeros(5), sd**2) == pytest.approx(expected, rel=1e-14)
    assert traced(on, mvn.cdf, [np.inf, 0.2, np.inf], np.zeros(3), 2.0) == pytest.approx(
        sc.ndtr(0.2 / np.sqrt(2)), rel=1e-14)


def test_values_equal_exact_quadratures_within_the_documented_accuracy(on):
    """One-factor covariances, whose cdf is a 1-D integral: errors as in docs/scipy.md."""
    rng = np.random.default_rng(1)
    for d, tol in [(3, 1e-9), (4, 1e-7), (5, 1e-6), (6, 1e-5), (8, 5e-5)]:
        for _ in range(2):
            lam = rng.uniform(-0.95, 0.95, d)
            h = rng.uniform(-1.5, 1.5, d)
            assert abs(traced(on, mvn.cdf, h, None, one_factor(lam))
                       - one_factor_cdf(h, lam)) < tol


def test_values_equal_scipy_at_a_tight_tolerance(on):
    rng = np.random.default_rng(2)
    a = rng.normal(size=(3, 3))
    cov, mean = a @ a.T + np.eye(3), rng.normal(size=3)
    x = mean + rng.normal(size=(2, 3))
    expected = st.multivariate_normal.cdf(x, mean, cov, abseps=1e-8, rng=np.random.default_rng(0))
    np.testing.assert_allclose(traced(on, mvn.cdf, x, mean, cov), expected, rtol=0, atol=5e-8)


def test_more_points_for_a_smaller_abseps_and_maxpts_caps_them(on):
    assert _mvn_cdf.lattice_size(None, 1e-5) == 3989
    assert _mvn_cdf.lattice_size(None, 1e-6) == 39989
    assert _mvn_cdf.lattice_size(None, 0.0) == _mvn_cdf.lattice_size(None, 1e-12) == 65521
    assert _mvn_cdf.lattice_size(1000, 1e-6) == 997
    lam = np.array([0.9, 0.7, -0.8, 0.6, 0.9, -0.5])
    h = np.array([0.5, -0.2, 0.3, 1.0, 0.0, 0.4])
    expected = one_factor_cdf(h, lam)
    errors = [abs(traced(on, mvn.cdf, h, None, one_factor(lam), abseps=e) - expected)
              for e in (1e-4, 1e-6)]
    assert errors[1] < errors[0] and errors[1] < 1e-6


def test_gradient_in_x_equals_density_times_conditional_cdf(on):
    """dF/dx_i = pdf_i(x_i) F_{d-1}(x_{-i} | x_i), the conditional cdf exact (d - 1 = 2)."""
    rng = np.random.default_rng(3)
    a = rng.normal(size=(3, 3))
    cov, mean = a @ a.T + np.eye(3), rng.normal(size=3)
    x = mean + rng.normal(size=3)
    expected = np.empty(3)
    for i in range(3):
        rest = [j for j in range(3) if j != i]
        c = cov[rest, i]
        conditional_mean = mean[rest] + c * (x[i] - mean[i]) / cov[i, i]
        conditional_cov = cov[np.ix_(rest, rest)] - np.outer(c, c) / cov[i, i]
        expected[i] = st.norm.pdf(x[i], mean[i], np.sqrt(cov[i, i])) * st.multivariate_normal.cdf(
            x[rest], conditional_mean, conditional_cov, rng=np.random.default_rng(0))
    g_x, g_mean = on.run(fa.grad(mvn.cdf, argnums=(0, 1)), *on.put((x, mean, cov)))
    np.testing.assert_allclose(g_x, expected, rtol=1e-8)
    np.testing.assert_array_equal(g_mean, -g_x)


def _central_differences(f, x, eps=1e-5):
    steps = np.eye(x.size).reshape((x.size,) + x.shape) * eps
    return np.array([(f(x + s) - f(x - s)) / (2 * eps) for s in steps]).reshape(
        x.shape + np.shape(f(x)))


def test_derivatives_match_central_differences_of_the_same_deterministic_function(on):
    rng = np.random.default_rng(4)
    a = rng.normal(size=(3, 3))
    cov, mean = a @ a.T + np.eye(3), rng.normal(size=3)
    x = mean + rng.normal(size=3)
    lower = x - 1.5
    lower_b = on.put(lower)

    def value(x, mean, cov):
        # The reference: the same deterministic function, on NumPy.
        return fa.jvp(lambda m: mvn.cdf(x, m, cov, lower_limit=lower), (mean,),
                      (np.zeros(3),))[0]

    def under_test(x, m, c):
        return mvn.cdf(x, m, c, lower_limit=lower_b)

    xb, mean_b, cov_b = on.put((x, mean, cov))
    grads = on.run(fa.grad(under_test, argnums=(0, 1, 2)), xb, mean_b, cov_b)
    np.testing.assert_allclose(grads[0], _central_differences(lambda v: value(v, mean, cov), x),
                               rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(grads[1], _central_differences(lambda v: value(x, v, cov), mean),
                               rtol=1e-7, atol=1e-10)
    # In cov along symmetric directions (the derivative is that of the symmetric matrix).
    for i, j in [(0, 0), (1, 0), (2, 1)]:
        e = np.zeros((3, 3))
        e[i, j] = e[j, i] = 1.0
        fd = (value(x, mean, cov + 1e-5 * e) - value(x, mean, cov - 1e-5 * e)) / 2e-5
        assert np.sum(grads[2] * e) == pytest.approx(fd, rel=1e-7, abs=1e-10)
    # jvp and vjp agree: <v, J u> = <J^T v, u>.
    u = [rng.normal(size=3), rng.normal(size=3), rng.normal(size=(3, 3))]
    u[2] = u[2] + u[2].T
    _, tangent = on.run(fa.jvp, under_test, (xb, mean_b, cov_b), tuple(on.put(u)))
    assert tangent == pytest.approx(sum(np.sum(g * t) for g, t in zip(grads, u)), rel=1e-12)


def test_second_order_in_x_matches_differences_of_the_gradient(on):
    cov = one_factor(np.array([0.8, -0.6, 0.7]))
    x = np.array([0.3, -0.2, 0.9])
    cov_b, xb = on.put((cov, x))
    grad = fa.grad(lambda x: mvn.cdf(x, None, cov))  # the reference, on NumPy
    grad_b = fa.grad(lambda x: mvn.cdf(x, None, cov_b))
    hess = on.run(fa.hessian(lambda x: mvn.cdf(x, None, cov_b)), xb)
    np.testing.assert_allclose(hess, hess.T, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(hess, _central_differences(grad, x), rtol=1e-6, atol=1e-9)
    # Reverse over forward: the Hessian-vector product through the vjp and the jvp.
    v = np.array([1.0, -2.0, 0.5])
    hvp = on.run(fa.jvp, grad_b, (xb,), (on.put(v),))[1]
    np.testing.assert_allclose(hvp, hess @ v, rtol=1e-10)


def test_vmap_over_points_mean_and_cov_equals_a_loop(on):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4, 3))
    covs = np.stack([one_factor(rng.uniform(-0.9, 0.9, 3)) for _ in range(4)])
    xb, covs_b, zeros = on.put((x, covs, np.zeros(3)))
    batched = on.run(fa.vmap(lambda x, c: mvn.cdf(x, None, c)), xb, covs_b)
    looped = [traced(HOST, mvn.cdf, x[i], None, covs[i]) for i in range(4)]
    np.testing.assert_allclose(batched, looped, rtol=1e-14, atol=1e-16)
    cov0 = on.put(covs[0])
    batched = on.run(fa.vmap(fa.grad(lambda x, m: mvn.logcdf(x, m, cov0)), in_axes=(0, None)),
                     xb, zeros)
    looped = [fa.grad(lambda x: mvn.logcdf(x, np.zeros(3), covs[0]))(x[i]) for i in range(4)]
    np.testing.assert_allclose(batched, looped, rtol=1e-12)


def test_deterministic_and_rng_is_not_used_under_transforms(on):
    cov = one_factor(np.array([0.5, 0.5, 0.5, 0.5]))
    a = traced(on, mvn.cdf, np.zeros(4), None, cov, rng=np.random.default_rng(1))
    b = traced(on, mvn.cdf, np.zeros(4), None, cov, rng=np.random.default_rng(2))
    assert a == b


@pytest.mark.parametrize("d", [1, 2, 3])
def test_float32_in_float32_out(d, on):
    cov = one_factor(np.linspace(0.3, 0.8, d)).astype(np.float32)
    x = np.linspace(-0.5, 0.7, 2 * d).reshape(2, d).astype(np.float32)
    xb, cov_b, ones = on.put((x, cov, np.ones_like(x)))
    y, tangent = on.run(fa.jvp, lambda x: mvn.cdf(x, None, cov_b), (xb,), (ones,))
    assert y.dtype == tangent.dtype == np.float32
    np.testing.assert_allclose(y, traced(HOST, mvn.cdf, x.astype(float), None,
                                         cov.astype(float)), atol=2e-6)
    g = on.run(fa.grad(lambda c: fnp.sum(mvn.logcdf(xb, None, c))), cov_b)
    assert g.dtype == np.float32 and np.all(np.isfinite(g))
    assert mvn.cdf(x, None, cov).dtype == np.float32  # SciPy's path, cast back


# Limits --------------------------------------------------------------------------------
@pytest.mark.parametrize("d", [1, 2, 3])
def test_lower_limits_and_infinite_limits_equal_scipy(d, on):
    rng = np.random.default_rng(6)
    a = rng.normal(size=(d, d))
    cov, mean = a @ a.T + np.eye(d), rng.normal(size=d)
    x = mean + rng.normal(size=(4, d))
    lower = x - rng.uniform(0.5, 2.0, size=(4, d))
    lower[0, 0] = -np.inf
    x[1, -1] = np.inf
    lower[2, 0] = x[2, 0] + 0.5  # above x: a negative (signed) box, as SciPy
    expected = st.multivariate_normal.cdf(x, mean, cov, lower_limit=lower, abseps=1e-8,
                                          rng=np.random.default_rng(0))
    ours = traced(on, mvn.cdf, x, mean, cov, lower_limit=lower)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-12 if d < 3 else 1e-8)
    lower_b = on.put(lower)
    grads = on.run(fa.grad(lambda x, m, c: fnp.sum(mvn.cdf(x, m, c, lower_limit=lower_b)),
                           argnums=(0, 1, 2)), *on.put((x, mean, cov)))
    assert all(np.all(np.isfinite(g)) for g in grads)
    assert grads[0][1, -1] == 0.0  # an infinite limit does not move


def test_infinite_coordinates_marginalise(on):
    cov = one_factor(np.array([0.6, -0.7, 0.5]))
    x = np.array([0.3, np.inf, -0.4])
    expected = bivariate_lower(0.3, -0.4, cov[0, 2])
    assert traced(on, mvn.cdf, x, None, cov) == pytest.approx(expected, abs=1e-9)
    assert traced(on, mvn.cdf, [0.3, -np.inf, -0.4], None, cov) == 0.0
    assert traced(on, mvn.cdf, [0.3, 1e300, -0.4], None, cov) == pytest.approx(expected,
                                                                                abs=1e-9)
    assert traced(on, mvn.cdf, [np.inf, 0.5], None, correlation(0.5)) == sc.ndtr(0.5)
    cov_b = on.put(cov)
    g = on.run(fa.grad(lambda x: mvn.cdf(x, None, cov_b)), on.put(x))
    assert g[1] == 0.0 and np.all(np.isfinite(g))


def test_logcdf_in_one_dimension_is_log_ndtr_in_the_far_tail(on):
    x = np.array([-40.0, -5.0, 3.0])
    np.testing.assert_allclose(traced(on, mvn.logcdf, x, 0.0, 1.0), sc.log_ndtr(x), rtol=1e-15)
    g = on.run(fa.grad(lambda x: fnp.sum(mvn.logcdf(x, 0.0, 1.0))), on.put(x))
    assert g[0] == pytest.approx(40.0, rel=1e-3)  # pdf / ndtr ~ -x


# The inverse normal cdf behind the lattice -----------------------------------------------
def test_ndtri_composite_and_its_derivatives(on):
    p = np.concatenate([np.logspace(-300, -1, 60), [0.3, 0.5, 0.7, 0.99, 1 - 1e-12]])
    np.testing.assert_allclose(on.run(_mvn_cdf.ndtri, on.put(p)), sc.ndtri(p), rtol=1e-14,
                               atol=1e-15)
    y = sc.ndtri(p[30:])
    tail = on.put(p[30:])
    g = on.run(fa.vmap(fa.grad(_mvn_cdf.ndtri)), tail)
    np.testing.assert_allclose(g, 1 / st.norm.pdf(y), rtol=1e-12)
    g2 = on.run(fa.vmap(fa.grad(fa.grad(_mvn_cdf.ndtri))), tail)
    np.testing.assert_allclose(g2, y / st.norm.pdf(y) ** 2, rtol=1e-10, atol=1e-14)


# Plain path and arguments -----------------------------------------------------------------
@pytest.mark.fixed_backend("untraced calls on NumPy inputs are SciPy's own plain path")
def test_plain_calls_are_scipy():
    cov = one_factor(np.array([0.5, 0.4, 0.3]))
    x = np.array([[0.1, 0.2, 0.3], [-1.0, 0.5, 0.0]])
    for fn in ("cdf", "logcdf"):
        ours = getattr(mvn, fn)(x, None, cov, rng=np.random.default_rng(3))
        expected = getattr(st.multivariate_normal, fn)(x, None, cov, rng=np.random.default_rng(3))
        np.testing.assert_array_equal(ours, expected)


def test_bad_arguments_are_refused_with_the_fix(on):
    cov, x, short = on.put((np.eye(3), np.zeros(3), np.zeros(2)))

    def call(**kwargs):
        return fa.grad(lambda x: mvn.cdf(x, None, cov, **kwargs))(x)

    with pytest.raises(ValueError, match="abseps=-1"):
        call(abseps=-1)
    with pytest.raises(ValueError, match="maxpts=0"):
        call(maxpts=0)
    with pytest.raises(ValueError, match="releps='x'"):
        call(releps="x")
    with pytest.raises(ValueError, match="lower_limit has shape"):
        call(lower_limit=short)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        on.run(lambda: call(maxpts=2000, abseps=1e-3))


def test_float32_logcdf_far_in_the_tail_is_computed_in_float64(on):
    cov = np.array([[1.0, 0.3, 0.2], [0.3, 1.0, 0.1], [0.2, 0.1, 1.0]])
    x = np.full(3, -12.0)
    want = st.multivariate_normal.logcdf(x, cov=cov, rng=np.random.default_rng(0))  # the cdf underflows in float32
    cov32 = on.put(cov.astype(np.float32))

    def f(x):
        return mvn.logcdf(x, cov=cov32)

    x32 = on.put(x.astype(np.float32))
    value, slope = on.run(fa.jvp, f, (x32,), (on.put(np.ones(3, np.float32)),))
    assert value.dtype == np.float32 and slope.dtype == np.float32
    np.testing.assert_allclose(value, want, rtol=1e-5)
    g = on.run(fa.grad(f), x32)
    assert g.dtype == np.float32 and np.all(np.isfinite(g)) and np.all(g > 0)
    # d log F / dx_i ~ -x_i (Mills) far in the tail; all of the same size.
    np.testing.assert_allclose(g.sum(), slope, rtol=1e-5)


def test_traced_cdf_refuses_bad_shapes_and_takes_an_infinite_maxpts(on):
    cov = np.eye(3) + 0.2
    cov_b, zeros2, zeros3 = on.put((cov, np.zeros(2), np.zeros(3)))
    with pytest.raises(ValueError, match=r"x has shape \(2,\).*length 3"):
        fa.grad(lambda x: mvn.cdf(x, cov=cov_b))(zeros2)
    with pytest.raises(ValueError, match=r"cov has shape \(2, 3, 3\)"):
        fa.grad(lambda c: mvn.cdf(zeros3, cov=c))(on.put(np.stack([cov, cov])))
    # maxpts = inf is no cap: the same lattice as maxpts = None.
    got = on.run(fa.grad(lambda x: mvn.cdf(x, cov=cov_b, maxpts=np.inf)), zeros3)
    np.testing.assert_array_equal(got, on.run(fa.grad(lambda x: mvn.cdf(x, cov=cov_b)), zeros3))
