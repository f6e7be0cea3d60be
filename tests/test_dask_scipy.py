"""funcad.scipy on Dask arrays, and conversions of lazy traced values.

Values and derivatives of distributions and special functions are built under
a scheduler that refuses to compute (``no_compute``), must be Dask arrays, and
once computed must equal what the NumPy backend gives (SciPy's values, and
derivatives that ``test_sweep`` checks against finite differences). Where a
lazy value would have to be looked at (``int()`` under ``make_graph``, a
value-dependent shape or dtype) funcad refuses before anything is computed.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
import dask  # noqa: E402
import scipy.special as sc  # noqa: E402
import scipy.stats as st  # noqa: E402

import funcad as fa  # noqa: E402
import funcad.numpy as fnp  # noqa: E402
import funcad.scipy.special as fs  # noqa: E402
from funcad.backend import LazyShapeError, NotLazyError  # noqa: E402
from funcad.numpy._concrete import concrete, maybe_concrete  # noqa: E402
from funcad.scipy import stats  # noqa: E402
from tests.test_dask_sweep import no_compute  # noqa: E402

pytestmark = pytest.mark.fixed_backend("tests the Dask backend itself (what funcad.scipy builds lazily), on Dask whatever --backend says")


def lazy(x, chunk=2):
    """``x`` as a Dask array in chunks of ``chunk`` along every axis."""
    x = np.asarray(x)
    return da.from_array(x, chunks=tuple(min(chunk, max(s, 1)) for s in x.shape))


def computed(*values):
    """The Dask arrays among ``values``, all of them, computed in one pass."""
    assert all(isinstance(v, da.Array) for v in values), [type(v) for v in values]
    return dask.compute(*values, scheduler="sync")


def _points(seed=0, n=6):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.2, 3.0, n), rng.uniform(0.5, 2.0, n)


# Distributions: values, gradients, vmap --------------------------------------------------
CASES = [
    ("norm.logpdf", lambda x, p: stats.norm.logpdf(x, 0.3, p), lambda x, p: st.norm.logpdf(x, 0.3, p)),
    ("norm.logcdf", lambda x, p: stats.norm.logcdf(x, p, 1.5), lambda x, p: st.norm.logcdf(x, p, 1.5)),
    ("t.cdf", lambda x, p: stats.t.cdf(x, p * 3, 0.1, 1.2), lambda x, p: st.t.cdf(x, p * 3, 0.1, 1.2)),
    ("gamma.logpdf", stats.gamma.logpdf, st.gamma.logpdf),
    ("gamma.sf", lambda x, p: stats.gamma.sf(x, p, -0.1), lambda x, p: st.gamma.sf(x, p, -0.1)),
    ("beta.cdf", lambda x, p: stats.beta.cdf(x / 3.5, p, 2.0), lambda x, p: st.beta.cdf(x / 3.5, p, 2.0)),
    ("laplace.pdf", lambda x, p: stats.laplace.pdf(x, 1.0, p), lambda x, p: st.laplace.pdf(x, 1.0, p)),
    ("cauchy.logcdf", lambda x, p: stats.cauchy.logcdf(x, p), lambda x, p: st.cauchy.logcdf(x, p)),
    ("expon.logpdf", lambda x, p: stats.expon.logpdf(x, 0.1, p), lambda x, p: st.expon.logpdf(x, 0.1, p)),
]


@pytest.mark.parametrize("name,ours,ref", CASES, ids=[c[0] for c in CASES])
def test_distribution_values_and_gradients_stay_lazy(name, ours, ref):
    x, p = _points()
    with no_compute():
        value = ours(lazy(x), lazy(p))
        grads = fa.grad(lambda x, p: fnp.sum(ours(x, p)), argnums=(0, 1))(lazy(x), lazy(p))
        per_point = fa.vmap(fa.grad(ours, argnums=1))(lazy(x), lazy(p))
    value, gx, gp, per_point = computed(value, *grads, per_point)
    np.testing.assert_allclose(value, ref(x, p), rtol=1e-12)
    expected = fa.grad(lambda x, p: fnp.sum(ours(x, p)), argnums=(0, 1))(x, p)
    np.testing.assert_allclose(gx, expected[0], rtol=1e-12)
    np.testing.assert_allclose(gp, expected[1], rtol=1e-12)
    np.testing.assert_allclose(per_point, expected[1], rtol=1e-12)


def test_scalar_parameters_on_dask_decide_nothing_while_building():
    # A 0-d Dask scale: its validity test stays in the graph (SciPy's nan for scale <= 0).
    x = np.array([-1.0, 0.0, 2.0])
    with no_compute():
        good = stats.norm.logpdf(lazy(x), 0.0, lazy(2.0))
        bad = stats.norm.logpdf(lazy(x), 0.0, lazy(-1.0))
    good, bad = computed(good, bad)
    np.testing.assert_allclose(good, st.norm.logpdf(x, 0.0, 2.0), rtol=1e-12)
    assert np.isnan(bad).all()


def test_support_and_invalid_parameters_match_scipy_on_dask():
    x = np.array([-1.0, 0.0, 0.5, np.inf, np.nan])
    with no_compute():
        out = (stats.gamma.logpdf(lazy(x), 2.0), stats.gamma.cdf(lazy(x), lazy(1.5)),
               stats.beta.pdf(lazy(x), 2.0, lazy(-1.0)), stats.expon.sf(lazy(x)))
    for got, want in zip(computed(*out), (st.gamma.logpdf(x, 2.0), st.gamma.cdf(x, 1.5),
                                          st.beta.pdf(x, 2.0, -1.0), st.expon.sf(x))):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_discrete_distributions_on_dask():
    k, mu = np.array([0, 1, 3, 7]), np.array([0.5, 1.0, 2.5, 4.0])
    with no_compute():
        values = (stats.poisson.logpmf(k, lazy(mu)), stats.poisson.cdf(lazy(k + 0.5), lazy(mu)),
                  stats.bernoulli.pmf(k % 2, lazy(mu / 5)), stats.bernoulli.logcdf(lazy(k), 0.3))
        grad = fa.grad(lambda m: fnp.sum(stats.poisson.cdf(k, m)))(lazy(mu))
    got = computed(*values, grad)
    want = (st.poisson.logpmf(k, mu), st.poisson.cdf(k + 0.5, mu), st.bernoulli.pmf(k % 2, mu / 5),
            st.bernoulli.logcdf(k, 0.3), fa.grad(lambda m: fnp.sum(stats.poisson.cdf(k, m)))(mu))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_dirichlet_on_dask_checks_nothing_and_marks_bad_points():
    x = np.array([[0.2, 0.5], [0.3, 0.1], [0.5, 0.4]])
    alpha = np.array([0.5, 2.0, 3.0])
    with no_compute():
        value = stats.dirichlet.logpdf(lazy(x), lazy(alpha))
        grad = fa.grad(lambda a: fnp.sum(stats.dirichlet.logpdf(x, a)))(lazy(alpha))
        # SciPy raises for these; lazy values are not inspected: -inf off the simplex,
        # nan for a concentration <= 0, as under transforms.
        off = stats.dirichlet.logpdf(lazy(np.array([0.7, 0.7, 0.1])), lazy(alpha))
        invalid = stats.dirichlet.logpdf(lazy(x[:, 0]), lazy(np.array([1.0, -1.0, 2.0])))
    value, grad, off, invalid = computed(value, grad, off, invalid)
    np.testing.assert_allclose(value, st.dirichlet.logpdf(x, alpha), rtol=1e-12)
    np.testing.assert_allclose(grad, fa.grad(lambda a: fnp.sum(stats.dirichlet.logpdf(x, a)))(
        alpha), rtol=1e-12)
    assert off == -np.inf and np.isnan(invalid)


def test_float32_stays_float32_on_dask():
    x, p = (v.astype(np.float32) for v in _points())
    with no_compute():
        value = stats.norm.logpdf(lazy(x), 0.5, lazy(p))
        grad = fa.grad(lambda x: fnp.sum(stats.gamma.logpdf(x, 2.0)))(lazy(x))
        lse = fs.logsumexp(lazy(x))
        sm = fs.softmax(lazy(x))
    value, grad, lse, sm = computed(value, grad, lse, sm)
    assert value.dtype == grad.dtype == lse.dtype == sm.dtype == np.float32
    np.testing.assert_allclose(value, st.norm.logpdf(x, 0.5, p), rtol=1e-5)
    np.testing.assert_allclose(lse, sc.logsumexp(x), rtol=1e-6)


def test_multivariate_normal_on_dask():
    rng = np.random.default_rng(3)
    x, mean = rng.normal(size=(5, 2)), np.array([0.2, -0.1])
    cov = np.array([[1.5, 0.4], [0.4, 0.8]])
    with no_compute():
        dcov = lazy(cov, 2)
        values = (stats.multivariate_normal.logpdf(lazy(x), mean, dcov),
                  stats.multivariate_normal.cdf(lazy(x), lazy(mean), dcov),
                  fa.grad(lambda m: fnp.sum(stats.multivariate_normal.logcdf(x, m, dcov)))(
                      lazy(mean)))
    got = computed(*values)
    want = (st.multivariate_normal.logpdf(x, mean, cov),
            st.multivariate_normal.cdf(x, mean, cov),
            fa.grad(lambda m: fnp.sum(stats.multivariate_normal.logcdf(x, m, cov)))(mean))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)


# Special functions --------------------------------------------------------------------
LSE = [
    ("all", dict()),
    ("axis", dict(axis=1)),
    ("axes-keepdims", dict(axis=(0, 2), keepdims=True)),
]


@pytest.mark.parametrize("name,kw", LSE, ids=[n for n, _ in LSE])
def test_logsumexp_value_and_derivatives_on_dask(name, kw):
    a = np.random.default_rng(1).normal(size=(2, 3, 4)) * 3
    with no_compute():
        value = fs.logsumexp(lazy(a), **kw)
        grad = fa.grad(lambda a: fnp.sum(fs.logsumexp(a, **kw)))(lazy(a))
        hvp = fa.jvp(fa.grad(lambda a: fnp.sum(fs.logsumexp(a, **kw))), (lazy(a),),
                     (lazy(np.ones_like(a)),))[1]
    value, grad, hvp = computed(value, grad, hvp)
    np.testing.assert_allclose(value, sc.logsumexp(a, **kw), rtol=1e-13)
    f = fa.grad(lambda a: fnp.sum(fs.logsumexp(a, **kw)))
    np.testing.assert_allclose(grad, f(a), rtol=1e-12)
    np.testing.assert_allclose(hvp, fa.jvp(f, (a,), (np.ones_like(a),))[1], rtol=1e-10,
                               atol=1e-14)


def test_logsumexp_weights_and_signs_on_dask():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(4, 3)), rng.uniform(-2.0, 2.0, (4, 3))
    b[0, 1] = 0.0
    a[0, 1] = 800.0  # a weight of 0 drops its term, however large (SciPy's rule)
    with no_compute():
        out, sign = fs.logsumexp(lazy(a), axis=1, b=lazy(b), return_sign=True)
        plain = fs.logsumexp(lazy(a), axis=1, b=lazy(b))
        scalar_b = fs.logsumexp(lazy(a), b=2.0)
        grad_b = fa.grad(lambda b: fnp.sum(fs.logsumexp(a[1:], axis=1, b=b, return_sign=True)[0]))(
            lazy(b[1:]))
    out, sign, plain, scalar_b, grad_b = computed(out, sign, plain, scalar_b, grad_b)
    want_out, want_sign = sc.logsumexp(a, axis=1, b=b, return_sign=True)
    np.testing.assert_allclose(out, want_out, rtol=1e-13)
    np.testing.assert_array_equal(sign, want_sign)
    np.testing.assert_allclose(plain, sc.logsumexp(a, axis=1, b=b), rtol=1e-13)  # nan < 0
    np.testing.assert_allclose(scalar_b, sc.logsumexp(a, b=2.0), rtol=1e-13)
    np.testing.assert_allclose(grad_b, fa.grad(lambda b: fnp.sum(fs.logsumexp(
        a[1:], axis=1, b=b, return_sign=True)[0]))(b[1:]), rtol=1e-12)


def test_logsumexp_infinities_and_empty_axes_on_dask():
    a = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [np.nan, 0.0]])
    with no_compute():
        out = fs.logsumexp(lazy(a), axis=1)
        empty = fs.logsumexp(lazy(np.ones((2, 0))), axis=1)
        log_sm = fs.log_softmax(lazy(a[:1]), axis=1)
    out, empty, log_sm = computed(out, empty, log_sm)
    np.testing.assert_array_equal(out, sc.logsumexp(a, axis=1))
    np.testing.assert_array_equal(empty, sc.logsumexp(np.ones((2, 0)), axis=1))
    np.testing.assert_array_equal(log_sm, sc.log_softmax(a[:1], axis=1))


@pytest.mark.parametrize("axis", [None, 0, (0, 2)])
def test_softmax_and_log_softmax_on_dask(axis):
    x = np.random.default_rng(4).normal(size=(2, 3, 2)) * 5
    for ours, ref in ((fs.softmax, sc.softmax), (fs.log_softmax, sc.log_softmax)):
        def loss(x, ours=ours):
            return fnp.sum(ours(x, axis=axis) * np.arange(12.0).reshape(2, 3, 2))

        with no_compute():
            value = ours(lazy(x), axis=axis)
            grad = fa.grad(loss)(lazy(x))
            hvp = fa.jvp(fa.grad(loss), (lazy(x),), (lazy(np.ones_like(x)),))[1]
        value, grad, hvp = computed(value, grad, hvp)
        np.testing.assert_allclose(value, ref(x, axis=axis), rtol=1e-13)
        np.testing.assert_allclose(grad, fa.grad(loss)(x), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(hvp, fa.jvp(fa.grad(loss), (x,), (np.ones_like(x),))[1],
                                   rtol=1e-10, atol=1e-12)


def test_elementwise_special_functions_on_dask():
    x = np.array([0.3, 1.5, 2.5, 4.0])
    with no_compute():
        values = (fs.gammaln(lazy(x)), fs.betaln(lazy(x), 2.0), fs.gammainc(lazy(x), lazy(x[::-1])),
                  fs.xlogy(lazy(x), lazy(x)), fs.ndtr(lazy(x)))
        grad = fa.grad(lambda a: fnp.sum(fs.gammainc(a, x)))(lazy(x))
    got = computed(*values, grad)
    want = (sc.gammaln(x), sc.betaln(x, 2.0), sc.gammainc(x, x[::-1]), sc.xlogy(x, x), sc.ndtr(x),
            fa.grad(lambda a: fnp.sum(fs.gammainc(a, x)))(x))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_numpy_inputs_still_go_to_scipy():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert fs.logsumexp(a, axis=0).tolist() == sc.logsumexp(a, axis=0).tolist()
    assert fs.softmax(a).tolist() == sc.softmax(a).tolist()
    assert stats.norm.logpdf(a, 1.0, 2.0).tolist() == st.norm.logpdf(a, 1.0, 2.0).tolist()
    assert stats.dirichlet.logpdf(np.array([0.2, 0.8]), [1.0, 2.0]) == st.dirichlet.logpdf(
        np.array([0.2, 0.8]), [1.0, 2.0])
    with pytest.raises(ValueError, match="simplex"):
        stats.dirichlet.logpdf(np.array([0.7, 0.7]), np.array([1.0, 2.0]))


# Conversions of traced lazy values ----------------------------------------------------
CONVERSIONS = [("int", int), ("bool", bool), ("operator.index", operator.index),
               ("float", float)]


@pytest.mark.parametrize("name,convert", CONVERSIONS, ids=[n for n, _ in CONVERSIONS])
def test_staged_integer_conversions_refuse_lazy_values(name, convert):
    x = lazy(np.array([0.0, 3.0, 1.0]))

    def f(v):
        convert(fnp.argmax(v))
        return fnp.sum(v)

    with no_compute():
        with pytest.raises(NotLazyError, match=rf"^{name}\(\) of a traced int64 value whose "
                                               r"array is a lazy dask array.*x\.compute\(\)"):
            fa.make_graph(f)(x)
        with pytest.raises(NotLazyError, match="lazy dask array"):
            fa.explain(f)(x)


def test_staged_conversions_keep_their_numpy_behaviour():
    x = np.array([0.0, 3.0, 1.0])
    graph = fa.make_graph(lambda v: fnp.sum(v[: int(fnp.argmax(v)) + operator.index(
        fnp.argmin(v))]) if bool(fnp.any(v > 2)) else v)(x)
    assert "reduce_sum" in str(graph) or "sum" in str(graph)
    with pytest.raises(TypeError, match=r"float\(\)/int\(\) of a traced value"):
        fa.make_graph(lambda v: float(fnp.sum(v)))(x)
    with pytest.raises(TypeError, match="the truth value of a traced array"):
        fa.make_graph(lambda v: v if fnp.sum(v) else -v)(x)


@pytest.mark.parametrize("convert", [float, int, complex, bool])
def test_float_conversions_of_lazy_tracers_say_why(convert):
    x = lazy(np.array([0.5, 1.5]))
    with no_compute():
        with pytest.raises(TypeError, match=r"lazy dask array.*\.compute\(\)"):
            fa.grad(lambda v: fnp.sum(v) * convert(fnp.sum(v)))(x)
        with pytest.raises(TypeError, match=r"lazy dask array"):
            fa.vmap(lambda v: fnp.sum(v) * convert(fnp.sum(v)))(lazy(np.ones((2, 2))))
    # On NumPy values the message is as before, with nothing about laziness.
    with pytest.raises(TypeError) as info:
        fa.grad(lambda v: fnp.sum(v) * convert(fnp.sum(v)))(np.array([0.5, 1.5]))
    assert "lazy" not in str(info.value)


def test_concrete_values_of_lazy_arrays_are_not_handed_out():
    x = lazy(np.array([0.0, 2.0, 1.0]))
    with no_compute():
        assert maybe_concrete(x) is None
        assert maybe_concrete([np.ones(2), x]) is None
        assert maybe_concrete([np.ones(2), 1.0]) is not None
        with pytest.raises(LazyShapeError, match=r"funcad.numpy.f: the shape of the result "
                                                 r"depends on the values of a, a lazy dask "
                                                 r"array.*pass size=, or compute it first"):
            concrete(x, "f", "a", "pass size=")
        with pytest.raises(NotLazyError, match="the dtype of the result"):
            concrete(x, "f", "a", "use a.dtype", "dtype")
        # Under grad the value under the tracer is lazy too; under vmap the batch decides.
        with pytest.raises(LazyShapeError, match="extract"):
            fa.grad(lambda v: fnp.sum(fnp.extract(v > 0.5, v)))(x)
    with pytest.raises(TypeError, match="which vmap batches"):
        fa.vmap(lambda v: fnp.extract(v > 0.5, v))(lazy(np.ones((2, 3))))
    np.testing.assert_array_equal(maybe_concrete(np.arange(3)), np.arange(3))
