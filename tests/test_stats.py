"""Edge cases of funcad.scipy.stats: supports, invalid parameters, closed-form
derivatives, finite differences of SciPy's own values, shapes and dtypes.

The systematic checks per function and parameter are the sweep rows in
tests/specs/special.py.

The tests that compute run on the backend ``--backend`` names (the ``on``
fixture of ``tests/conftest.py``; NumPy without it): inputs, and the arrays the
functions under test close over, are put there, the transforms run under the
backend's guard, and the results must be that backend's arrays before they are
read back and compared with NumPy values. SciPy's plain path (untraced NumPy
inputs) and argument errors are checked on NumPy.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as st

import funcad as fa
import funcad.numpy as fnp
from funcad.scipy import stats as fst


@pytest.fixture(autouse=True)
def _quiet():
    # SciPy and funcad both evaluate log(0) and inf - inf at the edges on purpose.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


EDGES = np.array([-np.inf, -1.0, 0.0, 0.5, 1.0, 2.0, np.inf, np.nan])
ALL = ("logpdf", "pdf", "cdf", "logcdf", "sf")
CONTINUOUS = [
    ("norm", ALL, [(), (0.5, 2.0), (0.0, -1.0), (0.0, 0.0)]),
    ("expon", ALL, [(), (0.5, 2.0), (0.0, -1.0)]),
    ("laplace", ALL, [(), (0.5, 2.0), (0.0, -1.0)]),
    ("cauchy", ALL, [(), (0.5, 2.0), (0.0, -1.0)]),
    ("t", ALL, [(3.0,), (np.inf,), (0.7, 0.5, 2.0), (-1.0,), (3.0, 0.0, -1.0)]),
    ("gamma", ALL, [(2.0,), (0.5,), (1.0,), (2.0, -0.5, 2.0), (-1.0,), (np.nan,)]),
    ("beta", ALL,
     [(2.0, 3.0), (0.5, 0.5), (1.0, 1.0), (2.0, 3.0, -1.0, 3.0), (0.0, 1.0), (2.0, -1.0)]),
]


def _at(on, fun, *args):
    """fun(*args) with the arguments put on the backend, read back as NumPy arrays."""
    return on.run(fun, *on.put(args))


def _traced_value(on, f, x, *args):
    """The value of f(x, *args) computed under a transform (not SciPy's plain path)."""
    return on.run(fa.jvp, lambda x: f(x, *args), (on.put(x),), (on.put(np.ones_like(x)),))[0]


def _cases():
    for name, functions, parameter_sets in CONTINUOUS:
        for fn in functions:
            for params in parameter_sets:
                yield pytest.param(name, fn, params, id=f"{name}.{fn}{params}")


@pytest.mark.parametrize("name, fn, params", list(_cases()))
def test_values_at_the_edges_equal_scipy(name, fn, params, on):
    """-inf (or 0) outside the support, nan for invalid parameters or nan x, as SciPy."""
    ours, ref = getattr(getattr(fst, name), fn), getattr(getattr(st, name), fn)
    expected = ref(EDGES, *params)
    np.testing.assert_array_equal(ours(EDGES, *params), expected)  # SciPy's plain path
    traced = _traced_value(on, ours, EDGES, *params)
    np.testing.assert_allclose(traced, expected, rtol=1e-13, atol=0, equal_nan=True)
    batched = _at(on, fa.vmap(lambda x: ours(x, *params)), EDGES)
    np.testing.assert_allclose(batched, expected, rtol=1e-13, atol=0, equal_nan=True)


# Points inside and outside the supports, none on a boundary (where the value itself may
# be infinite, and masking it with where would be the caller's 0 * inf).
SPREAD = np.array([-1.5, 0.3, 0.7, 2.5])


def _has_finite_values(name, fn, params) -> bool:
    with np.errstate(all="ignore"):
        values = getattr(getattr(st, name), fn)(SPREAD, *params)
    return bool(np.all(np.isfinite(params)) and np.isfinite(values).any())


VALID_CASES = [case for case in _cases() if _has_finite_values(*case.values)]


@pytest.mark.parametrize("name, fn, params", VALID_CASES)
def test_edges_leak_no_nan_into_gradients(name, fn, params, on):
    """Points outside the support, where the formula would make inf or nan, add nothing."""
    ours = getattr(getattr(fst, name), fn)
    x = SPREAD

    def total(x, *params):
        values = ours(x, *params)
        return fnp.sum(fnp.where(fnp.isfinite(values), values, 0.0))

    grads = _at(on, fa.grad(total, argnums=tuple(range(len(params) + 1))), x, *params)
    assert all(np.all(np.isfinite(g)) for g in grads), grads


DISCRETE_K = np.array([-1.0, 0.0, 1.0, 2.0, 2.5, np.inf, np.nan])


@pytest.mark.parametrize("name, fn, p", [
    (name, fn, p) for name, ps in [("poisson", [2.0, 0.0, -1.0, np.nan]),
                                   ("bernoulli", [0.3, 1.0, 0.0, 1.5])]
    for fn in ("logpmf", "pmf", "cdf", "logcdf") for p in ps])
def test_discrete_values_at_the_edges_equal_scipy(name, fn, p, on):
    ours, ref = getattr(getattr(fst, name), fn), getattr(getattr(st, name), fn)
    expected = ref(DISCRETE_K, p)
    k_on = on.put(DISCRETE_K)
    traced = on.run(fa.jvp, lambda p: ours(k_on, p), (on.put(p),), (on.put(1.0),))[0]
    np.testing.assert_allclose(traced, expected, rtol=1e-13, atol=0, equal_nan=True)
    p_on = on.put(np.asarray(p))
    batched = _at(on, fa.vmap(lambda k: ours(k, fnp.asarray(p_on) * 1.0)), DISCRETE_K)
    np.testing.assert_allclose(batched, expected, rtol=1e-13, atol=0, equal_nan=True)


# Derivatives against finite differences of SciPy's values --------------------------------
FD_CASES = [
    ("norm", "logpdf", (0.3, -0.2, 1.4)), ("norm", "pdf", (0.3, -0.2, 1.4)),
    ("norm", "cdf", (0.3, -0.2, 1.4)), ("norm", "logcdf", (-3.0, 0.5, 0.7)),
    ("expon", "logpdf", (2.0, 0.3, 1.5)), ("expon", "pdf", (2.0, 0.3, 1.5)),
    ("expon", "cdf", (2.0, 0.3, 1.5)), ("expon", "logcdf", (2.0, 0.3, 1.5)),
    ("laplace", "logpdf", (1.0, 0.3, 1.5)), ("laplace", "pdf", (-1.0, 0.3, 1.5)),
    ("laplace", "cdf", (1.0, 0.3, 1.5)), ("laplace", "logcdf", (-1.0, 0.3, 1.5)),
    ("cauchy", "logpdf", (3.0, 0.3, 1.5)), ("cauchy", "pdf", (0.5, 0.3, 1.5)),
    ("cauchy", "cdf", (-3.0, 0.3, 1.5)), ("cauchy", "logcdf", (3.0, 0.3, 1.5)),
    ("t", "logpdf", (0.8, 4.5, -0.2, 1.3)), ("t", "pdf", (0.8, 4.5, -0.2, 1.3)),
    ("gamma", "logpdf", (1.7, 2.5, 0.2, 0.8)), ("gamma", "pdf", (1.7, 2.5, 0.2, 0.8)),
    ("beta", "logpdf", (0.4, 2.5, 1.5, 0.05, 0.9)), ("beta", "pdf", (0.4, 2.5, 1.5, 0.05, 0.9)),
    ("t", "cdf", (0.8, 4.5, -0.2, 1.3)), ("t", "logcdf", (-2.5, 4.5, -0.2, 1.3)),
    ("t", "sf", (0.8, 0.7, -0.2, 1.3)), ("gamma", "cdf", (1.7, 2.5, 0.2, 0.8)),
    ("gamma", "logcdf", (3.7, 2.5, 0.2, 0.8)), ("gamma", "sf", (0.4, 0.3, 0.2, 0.8)),
    ("beta", "cdf", (0.4, 2.5, 1.5, 0.05, 0.9)), ("beta", "logcdf", (0.8, 2.5, 1.5, 0.05, 0.9)),
    ("beta", "sf", (0.4, 0.2, 7.5, 0.05, 0.9)), ("norm", "sf", (0.3, -0.2, 1.4)),
    ("expon", "sf", (2.0, 0.3, 1.5)), ("laplace", "sf", (-1.0, 0.3, 1.5)),
    ("cauchy", "sf", (-3.0, 0.3, 1.5)),
]


@pytest.mark.parametrize("name, fn, args", FD_CASES, ids=[f"{n}.{f}" for n, f, _ in FD_CASES])
def test_gradient_in_every_argument_matches_finite_differences_of_scipy(name, fn, args, on):
    ours, ref = getattr(getattr(fst, name), fn), getattr(getattr(st, name), fn)
    grads = _at(on, fa.grad(ours, argnums=tuple(range(len(args)))), *args)
    for i, g in enumerate(grads):
        eps = 1e-6
        up = list(args)
        down = list(args)
        up[i] += eps
        down[i] -= eps
        expected = (ref(*up) - ref(*down)) / (2 * eps)
        np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-9, err_msg=f"argument {i}")


def test_parameter_gradients_in_closed_form(on):
    x, a, b = 0.3, 2.5, 1.5
    ga, gb = _at(on, fa.grad(fst.beta.logpdf, argnums=(1, 2)), x, a, b)
    np.testing.assert_allclose(ga, np.log(x) - sc.digamma(a) + sc.digamma(a + b), rtol=1e-13)
    np.testing.assert_allclose(gb, np.log1p(-x) - sc.digamma(b) + sc.digamma(a + b), rtol=1e-13)
    x, a, scale = 1.7, 2.5, 0.8
    ga, gs = _at(on, fa.grad(fst.gamma.logpdf, argnums=(1, 3)), x, a, 0.0, scale)
    np.testing.assert_allclose(ga, np.log(x / scale) - sc.digamma(a), rtol=1e-13)
    np.testing.assert_allclose(gs, x / scale**2 - a / scale, rtol=1e-13)
    k = np.array([0, 1, 4])
    k_on = on.put(k)
    g = _at(on, fa.grad(lambda mu: fnp.sum(fst.poisson.logpmf(k_on, mu))), 2.0)
    np.testing.assert_allclose(g, np.sum(k / 2.0 - 1), rtol=1e-14)
    k = np.array([0, 1, 1])
    k_on = on.put(k)
    g = _at(on, fa.grad(lambda p: fnp.sum(fst.bernoulli.logpmf(k_on, p))), 0.3)
    np.testing.assert_allclose(g, np.sum(k / 0.3 - (1 - k) / 0.7), rtol=1e-14)
    # Student t in df: 0.5 (psi((df+1)/2) - psi(df/2) - 1/df - log1p(x²/df)) + (df+1) x² / (2 df (df + x²)).
    x, df = 0.8, 4.5
    expected = 0.5 * (sc.digamma((df + 1) / 2) - sc.digamma(df / 2) - 1 / df
                      - np.log1p(x * x / df)) + (df + 1) * x * x / (2 * df * (df + x * x))
    np.testing.assert_allclose(_at(on, fa.grad(fst.t.logpdf, argnums=1), x, df), expected,
                               rtol=1e-13)


def test_conventions_at_kinks_and_limits(on):
    # Laplace: |x - loc| has derivative 0 at x == loc (abs'(0) = 0); the cdf is smooth.
    assert _at(on, fa.grad(fst.laplace.logpdf), 0.3, 0.3, 2.0) == 0.0
    np.testing.assert_allclose(_at(on, fa.grad(fst.laplace.cdf), 0.3, 0.3, 2.0), 0.25,
                               rtol=1e-15)
    np.testing.assert_allclose(_at(on, fa.grad(fa.grad(fst.laplace.cdf)), -1.0),
                               0.5 * np.exp(-1.0), rtol=1e-14)
    # The exponential cdf at loc takes the slope from the right, the density there.
    np.testing.assert_allclose(_at(on, fa.grad(fst.expon.cdf), 0.0), st.expon.pdf(0.0),
                               rtol=1e-15)
    # df = inf is the normal distribution, values and derivatives.
    v, g = _at(on, fa.value_and_grad(fst.t.logpdf), 0.7, np.inf)
    np.testing.assert_allclose(v, st.norm.logpdf(0.7), rtol=1e-15)
    np.testing.assert_allclose(g, -0.7, rtol=1e-15)
    # logcdf of the normal far in the left tail, and its slope.
    v, g = _at(on, fa.value_and_grad(fst.norm.logcdf), -45.0, 1.0, 1.0)
    assert v == st.norm.logcdf(-45.0, 1.0, 1.0)
    np.testing.assert_allclose(g, np.exp(st.norm.logpdf(-46.0) - sc.log_ndtr(-46.0)), rtol=1e-10)
    # Cauchy logpdf where z**2 would overflow.
    np.testing.assert_allclose(_at(on, fa.grad(fst.cauchy.logpdf), 1e200), -2e-200, rtol=1e-14)


# Distribution functions ------------------------------------------------------------------
CDF_GRID = {
    # Shapes from small to large, x from near 0 (or the left tail) to far in the right tail.
    "gamma": ([(0.05,), (0.5,), (1.0,), (4.0,), (60.0,), (900.0,)],
              np.array([1e-12, 1e-4, 0.03, 0.5, 1.0, 3.0, 20.0, 70.0, 400.0, 1000.0])),
    "beta": ([(0.1, 0.3), (0.5, 0.5), (1.0, 4.0), (3.0, 1.0), (25.0, 40.0), (300.0, 2.0)],
             np.array([1e-12, 1e-5, 0.01, 0.2, 0.4, 0.6, 0.9, 0.99, 1 - 1e-9])),
    "t": ([(0.4,), (1.0,), (3.0,), (30.0,), (1e4,), (np.inf,)],
          np.array([-1e10, -300.0, -5.0, -1.0, -1e-8, 0.0, 0.3, 2.0, 40.0, 1e6])),
}


@pytest.mark.parametrize("name", sorted(CDF_GRID))
@pytest.mark.parametrize("fn", ["cdf", "logcdf", "sf"])
def test_distribution_functions_equal_scipy_over_a_grid(name, fn, on):
    """Traced values are SciPy's, in both tails (logcdf: log1p(-sf) above the median)."""
    params, x = CDF_GRID[name]
    ours, ref = getattr(getattr(fst, name), fn), getattr(getattr(st, name), fn)
    for p in params:
        expected = ref(x, *p)
        np.testing.assert_allclose(_traced_value(on, ours, x, *p), expected, rtol=1e-12, atol=0)
        # Where the value is finite, so are the derivatives (no branch leaks inf or nan).
        finite = x[np.isfinite(expected)]
        grads = _at(on, fa.grad(lambda x, *p: fnp.sum(ours(x, *p)),
                                argnums=tuple(range(len(p) + 1))), finite, *p)
        assert all(np.all(np.isfinite(g)) for g in grads), (p, grads)


def test_discrete_cdf_derivatives_in_closed_form(on):
    k = np.array([0, 1, 2.5, 7])
    mu = 2.2
    k_on = on.put(k)
    g = _at(on, fa.grad(lambda mu: fnp.sum(fst.poisson.cdf(k_on, mu))), mu)
    np.testing.assert_allclose(g, -np.sum(st.poisson.pmf(np.floor(k), mu)), rtol=1e-13)
    g = _at(on, fa.grad(lambda mu: fnp.sum(fst.poisson.logcdf(k_on, mu))), mu)
    expected = -np.sum(st.poisson.pmf(np.floor(k), mu) / st.poisson.cdf(k, mu))
    np.testing.assert_allclose(g, expected, rtol=1e-13)
    k = np.array([-1, 0, 0.5, 1, 3])
    k_on, tail_on = on.put((k, k[1:]))
    g = _at(on, fa.grad(lambda p: fnp.sum(fst.bernoulli.cdf(k_on, p))), 0.3)
    assert g == -2.0  # 1 - p on [0, 1), constant elsewhere
    g = _at(on, fa.grad(lambda p: fnp.sum(fst.bernoulli.logcdf(tail_on, p))), 0.3)
    np.testing.assert_allclose(g, -2 / 0.7, rtol=1e-14)


def test_t_cdf_second_derivatives_at_the_location(on):
    """x == loc, where stdtr's shape term has a removable singularity, to second order."""
    args = np.array([0.4, 3.5, 0.4, 1.7])  # x, df, loc, scale
    hess = _at(on, fa.hessian(lambda v: fst.t.cdf(v[0], v[1], v[2], v[3])), args)
    grad = fa.grad(lambda v: fst.t.cdf(v[0], v[1], v[2], v[3]))
    eps = 1e-5
    for i in range(4):
        step = np.eye(4)[i] * eps
        column = (grad(args + step) - grad(args - step)) / (2 * eps)
        np.testing.assert_allclose(hess[:, i], column, rtol=1e-6, atol=1e-9)
    # dF/ddf is 0 at the centre for every df, so d2F/ddf2 is too.
    assert hess[1, 1] == 0.0


def test_cdf_gradients_batch_over_parameters(on):
    a = np.array([0.5, 2.0, 9.0])
    x = np.array([0.3, 2.5, 7.0])

    def grads(x, a):
        return fa.grad(fst.gamma.cdf, argnums=(0, 1))(x, a, 0.1, 1.5)

    batched = _at(on, fa.vmap(grads), x, a)
    for i in range(3):
        np.testing.assert_allclose([b[i] for b in batched], grads(x[i], a[i]), rtol=1e-14)
    df = np.array([1.0, 4.0, 30.0])
    batched = _at(on, fa.vmap(fa.grad(fst.t.logcdf, argnums=1)), x - 3.0, df)
    for i in range(3):
        np.testing.assert_allclose(batched[i], fa.grad(fst.t.logcdf, argnums=1)(x[i] - 3.0, df[i]),
                                   rtol=1e-14)


# Gaussian log-likelihoods ---------------------------------------------------------------
def test_hessian_of_a_gaussian_log_likelihood_is_closed_form(on):
    x = np.random.default_rng(0).normal(1.0, 2.0, size=20)
    theta = np.array([0.7, 1.8])
    x_on = on.put(x)

    def loglik(theta):
        return fnp.sum(fst.norm.logpdf(x_on, theta[0], theta[1]))

    mu, s = theta
    r = x - mu
    n = x.size
    expected = np.array([
        [-n / s**2, -2 * np.sum(r) / s**3],
        [-2 * np.sum(r) / s**3, n / s**2 - 3 * np.sum(r**2) / s**4],
    ])
    np.testing.assert_allclose(_at(on, fa.hessian(loglik), theta), expected, rtol=1e-12)
    g = _at(on, fa.grad(loglik), theta)
    np.testing.assert_allclose(g, [np.sum(r) / s**2, -n / s + np.sum(r**2) / s**3], rtol=1e-12)


def _spd(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T + d * np.eye(d)


def test_multivariate_normal_derivatives_in_closed_form(on):
    rng = np.random.default_rng(1)
    d = 3
    cov, mean = _spd(rng, d), rng.normal(size=d)
    xs = rng.normal(size=(5, d))
    precision = np.linalg.inv(cov)
    cov_on, mean_on, xs_on = on.put((cov, mean, xs))
    # Hessian in x is -cov^{-1}; the Hessian of the log-likelihood in mean is -n cov^{-1}.
    h = _at(on, fa.hessian(lambda x: fst.multivariate_normal.logpdf(x, mean_on, cov_on)), xs[0])
    np.testing.assert_allclose(h, -precision, rtol=1e-12)
    h = _at(on, fa.hessian(lambda m: fnp.sum(fst.multivariate_normal.logpdf(xs_on, m, cov_on))),
            mean)
    np.testing.assert_allclose(h, -5 * precision, rtol=1e-12)
    # In cov: -1/2 (P - P r r^T P) per point (symmetric), summed.
    g = _at(on, fa.grad(lambda c: fnp.sum(fst.multivariate_normal.logpdf(xs_on, mean_on, c))),
            cov)
    r = xs - mean
    expected = -0.5 * (5 * precision - precision @ (r.T @ r) @ precision)
    np.testing.assert_allclose(g, expected, rtol=1e-11)


@pytest.mark.parametrize("x_shape, mean, cov", [
    ((3,), "vector", "matrix"), ((4, 3), "vector", "matrix"), ((2, 4, 3), "vector", "matrix"),
    ((1, 3), "vector", "matrix"), ((4, 3), "vector", "diagonal"), ((4, 3), "vector", "scalar"),
    ((5,), None, "scalar1"), ((), "scalar", "scalar1"), ((4, 1), None, "matrix1"),
])
def test_multivariate_normal_shapes_and_values_follow_scipy(x_shape, mean, cov, on):
    rng = np.random.default_rng(2)
    d = 1 if cov in ("scalar1", "matrix1") else 3
    x = rng.normal(size=x_shape)
    m = {"vector": rng.normal(size=d), "scalar": 0.4, None: None}[mean]
    c = {"matrix": _spd(rng, 3), "diagonal": np.array([1.0, 2.0, 0.5]), "scalar": 1.7,
         "scalar1": 2.5, "matrix1": np.array([[2.5]])}[cov]
    m_on = None if m is None else on.put(m)
    c_on = on.put(c)
    for fn in ("logpdf", "pdf"):
        expected = getattr(st.multivariate_normal, fn)(x, m, c)
        ours = getattr(fst.multivariate_normal, fn)
        out = on.run(fa.jvp, lambda x, ours=ours: ours(x, m_on, c_on), (on.put(x),),
                     (on.put(np.ones_like(x)),))[0]
        assert np.shape(out) == np.shape(expected)
        np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_multivariate_normal_refuses_mismatched_shapes(on):
    x3, eye2, x24, m = on.put((np.zeros(3), np.eye(2), np.zeros((2, 4)), np.zeros(3)))
    with on.guard():
        with pytest.raises(ValueError, match="cov has shape"):
            fa.grad(lambda m: fnp.sum(fst.multivariate_normal.logpdf(x3, m, eye2)))(m)
        with pytest.raises(ValueError, match="last axis"):
            fa.grad(lambda m: fnp.sum(fst.multivariate_normal.logpdf(x24, m)))(m)


# Dirichlet ---------------------------------------------------------------------------------
def test_dirichlet_values_gradients_and_errors(on):
    alpha = np.array([1.5, 2.0, 0.7])
    x = np.array([0.2, 0.3, 0.5])
    v, g = _at(on, fa.value_and_grad(fst.dirichlet.logpdf, argnums=1), x, alpha)
    np.testing.assert_allclose(v, st.dirichlet.logpdf(x, alpha), rtol=1e-14)
    np.testing.assert_allclose(g, np.log(x) - sc.digamma(alpha) + sc.digamma(alpha.sum()),
                               rtol=1e-13)
    # In the K - 1 free components: (alpha_i - 1) / x_i - (alpha_K - 1) / x_K.
    g = _at(on, fa.grad(fst.dirichlet.logpdf), x[:2], alpha)
    np.testing.assert_allclose(g, (alpha[:2] - 1) / x[:2] - (alpha[2] - 1) / x[2], rtol=1e-13)
    # Off the simplex: SciPy raises, and so does funcad for untraced NumPy x (an argument
    # error, checked on NumPy); traced x gives -inf.
    off = np.array([0.2, 0.3, 0.6])
    with pytest.raises(ValueError):
        st.dirichlet.logpdf(off, alpha)
    with pytest.raises(ValueError, match="simplex"):
        fa.grad(lambda a: fst.dirichlet.logpdf(off, a))(alpha)
    alpha_on = on.put(alpha)
    assert on.run(fa.jvp, lambda x: fst.dirichlet.logpdf(x, alpha_on), (on.put(off),),
                  (on.put(np.ones(3)),))[0] == -np.inf
    with pytest.raises(ValueError, match="one-dimensional"):
        fa.grad(lambda x: fst.dirichlet.logpdf(x, alpha[None]))(x)
    with pytest.raises(ValueError, match="components"):
        fa.grad(lambda a: fst.dirichlet.logpdf(np.array([0.5, 0.5]), a))(np.ones(4))


# dtypes ------------------------------------------------------------------------------------
DTYPE_CASES = [
    ("norm", "logpdf", (0.5, 1.5)), ("norm", "cdf", (0.5, 1.5)), ("expon", "logcdf", (0.0, 1.5)),
    ("laplace", "logcdf", (0.1, 1.5)), ("cauchy", "pdf", (0.1, 1.5)), ("t", "logpdf", (3.0,)),
    ("gamma", "logpdf", (2.0,)), ("beta", "pdf", (2.0, 3.0)), ("t", "cdf", (3.0,)),
    ("t", "logcdf", (3.0, 0.5)), ("gamma", "cdf", (2.0,)), ("gamma", "logcdf", (0.7,)),
    ("beta", "cdf", (2.0, 3.0)), ("beta", "logcdf", (2.0, 3.0)), ("beta", "sf", (0.5, 3.0)),
    ("norm", "sf", (0.5, 1.5)), ("laplace", "sf", (0.1, 1.5)),
]


@pytest.mark.parametrize("name, fn, params", DTYPE_CASES,
                         ids=[f"{n}.{f}" for n, f, _ in DTYPE_CASES])
def test_float32_in_float32_out(name, fn, params, on):
    ours = getattr(getattr(fst, name), fn)
    x = np.array([0.2, 0.5, 0.8], np.float32)
    x_on = on.put(x)
    value = on.run(lambda x: ours(x, *params), x_on)
    assert value.dtype == np.float32  # SciPy itself would give float64
    np.testing.assert_allclose(value, getattr(getattr(st, name), fn)(x, *params), rtol=1e-6)
    y, y_dot = on.run(fa.jvp, lambda x: ours(x, *params), (x_on,), (on.put(np.ones_like(x)),))
    assert y.dtype == np.float32 and y_dot.dtype == np.float32
    g = _at(on, fa.grad(lambda p: fnp.sum(ours(x_on, p, *params[1:]))), np.float32(params[0]))
    assert g.dtype == np.float32


def test_float32_multivariate_normal_and_dirichlet(on):
    x = np.array([[0.2, -0.5], [1.0, 0.1]], np.float32)
    cov = np.array([[2.0, 0.3], [0.3, 1.0]], np.float32)
    x_on = on.put(x)
    g = _at(on, fa.grad(lambda c: fnp.sum(fst.multivariate_normal.logpdf(x_on, None, c))), cov)
    assert g.dtype == np.float32
    assert _at(on, lambda x, c: fst.multivariate_normal.logpdf(x, None, c), x, cov).dtype == \
        np.float32
    alpha = np.array([1.5, 2.0, 0.7], np.float32)
    assert _at(on, fa.grad(fst.dirichlet.logpdf, argnums=1), np.float32([0.2, 0.3]),
               alpha).dtype == np.float32


# Finite values at the edge of a parameter's range have finite derivatives. -----------
@pytest.mark.parametrize("fun, at, expected", [
    # d/dp [log p] = 1/p; the (1 - k) log(1 - p) term is 0 for k = 1 whatever p is.
    (lambda p: fst.bernoulli.logpmf(1, p), 1.0, 1.0),
    (lambda p: fst.bernoulli.logpmf(0, p), 0.0, -1.0),
    # d/dmu [k log mu - mu] = k/mu - 1, which is -1 for k = 0, also at mu = 0.
    (lambda m: fst.poisson.logpmf(0, m), 0.0, -1.0),
    # gamma(a=1) is the exponential: logpdf = -x; beta(1, 2): log 2 + log(1 - x).
    (lambda x: fst.gamma.logpdf(x, 1.0), 0.0, -1.0),
    (lambda x: fst.beta.logpdf(x, 1.0, 2.0), 0.0, -1.0),
], ids=["bernoulli-1", "bernoulli-0", "poisson", "gamma", "beta"])
def test_derivatives_at_the_edge_of_the_support_are_finite(fun, at, expected, on):
    assert _at(on, fa.grad(fun), at) == pytest.approx(expected, rel=1e-12)


def test_logistic_likelihood_gradient_where_expit_rounds_to_one(on):
    import funcad.scipy.special as fs

    z = 40.0
    g = _at(on, fa.grad(lambda z: fst.bernoulli.logpmf(1, fs.expit(z))), z)
    # d/dz log(expit(z)) = 1 - expit(z) = expit(-z).
    assert np.isfinite(g) and g == pytest.approx(sc.expit(-z), rel=1e-6)


def test_boundary_hessians_are_zero_not_nan(on):
    h = _at(on, fa.hessian(lambda v: fst.gamma.cdf(0.0, v[0], 0.0, v[1])), np.array([3.0, 2.0]))
    np.testing.assert_array_equal(h, np.zeros((2, 2)))
    for x in (0.0, 1.0):
        assert _at(on, fa.hessian(lambda x: fst.beta.cdf(x, 3.0, 3.0)), x) == 0.0


def test_t_logpdf_is_exact_at_huge_df(on):
    for df in (1e12, 1e16):
        y, y_dot = on.run(fa.jvp, lambda x, df=df: fst.t.logpdf(x, df), (on.put(1.0),),
                          (on.put(1.0),))
        np.testing.assert_allclose(y, st.t.logpdf(1.0, df), rtol=1e-14)
        np.testing.assert_allclose(y_dot, -1.0, rtol=1e-12)
