"""Edge cases of funcad.scipy.special: overflow, far tails, zeros, conventions, dtypes.

Expected values come from SciPy or from closed forms, never from funcad itself.
The systematic checks (values, JVP/VJP, batching, second order) are the sweep
rows in tests/specs/special.py.

The tests that compute run on the backend ``--backend`` names (the ``on``
fixture of ``tests/conftest.py``; NumPy without it): inputs, and the constants
the functions under test close over, are put there, the transforms run under
the backend's guard, and the results must be that backend's arrays before they
are read back and compared with NumPy values. Tests of plain calls (SciPy's own
results and types) and of import behaviour stay on NumPy.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as st

import funcad as fa
import funcad.numpy as fnp
import funcad.scipy.special as fs

UNARY = ["erf", "erfc", "erfinv", "erfcx", "gammaln", "digamma", "expit", "logit", "ndtr",
         "log_ndtr"]


@pytest.fixture(autouse=True)
def _quiet():
    # log(0), 0/0 and friends at the edges are expected; their values are asserted.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _at(on, fun, *args):
    """fun(*args) with the arguments put on the backend, read back as NumPy arrays."""
    return on.run(fun, *on.put(args))


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


# Optional dependency ----------------------------------------------------------------
@pytest.mark.fixed_backend("checks which modules a fresh interpreter imports: no array")
def test_funcad_and_funcad_numpy_do_not_import_scipy():
    done = _run("import sys, funcad, funcad.numpy, funcad.primitives.special, funcad.scipy\n"
                "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.fixed_backend("checks the ImportError of a fresh interpreter without SciPy: no array")
@pytest.mark.parametrize("module", ["funcad.scipy.special", "funcad.scipy.stats"])
def test_missing_scipy_raises_an_import_error_with_the_install_command(module):
    done = _run("import sys\nsys.modules['scipy'] = None  # as if SciPy were not installed\n"
                f"import {module}")
    assert done.returncode != 0
    assert "ImportError" in done.stderr
    assert 'pip install "funcad[scipy]"' in done.stderr


# Plain calls are SciPy's ------------------------------------------------------------
@pytest.mark.fixed_backend("plain calls must return exactly SciPy's results and result types "
                           "(NumPy arrays and scalars); SciPy computes on NumPy only")
@pytest.mark.parametrize("name", UNARY)
def test_plain_calls_return_exactly_scipy(name):
    x = np.array([0.05, 0.3, 0.7, 0.95])
    out = getattr(fs, name)(x)
    np.testing.assert_array_equal(out, getattr(sc, name)(x))
    assert type(getattr(fs, name)(0.3)) is type(getattr(sc, name)(0.3))


@pytest.mark.fixed_backend("plain calls must return exactly SciPy's results (NumPy arrays); "
                           "SciPy computes on NumPy only")
def test_plain_reductions_return_exactly_scipy():
    a = np.random.default_rng(0).normal(size=(3, 4))
    b = np.random.default_rng(1).uniform(-1, 2, size=(3, 4))
    for kw in [{}, {"axis": 1}, {"axis": 0, "keepdims": True}, {"b": b, "axis": 1},
               {"b": b, "return_sign": True}]:
        np.testing.assert_array_equal(fs.logsumexp(a, **kw), sc.logsumexp(a, **kw))
    np.testing.assert_array_equal(fs.softmax(a, axis=0), sc.softmax(a, axis=0))
    np.testing.assert_array_equal(fs.log_softmax(a), sc.log_softmax(a))
    np.testing.assert_array_equal(fs.xlogy(a, b ** 2), sc.xlogy(a, b ** 2))
    np.testing.assert_array_equal(fs.polygamma(2, b ** 2 + 0.1), sc.polygamma(2, b ** 2 + 0.1))
    np.testing.assert_array_equal(fs.betaln(b ** 2 + 0.1, 2.0), sc.betaln(b ** 2 + 0.1, 2.0))


# logsumexp ----------------------------------------------------------------------------
def test_logsumexp_near_the_largest_double_does_not_overflow(on):
    a = np.array([1e308, 1e308])
    value, grad = _at(on, fa.value_and_grad(fs.logsumexp), a)
    assert value == sc.logsumexp(a) == 1e308
    np.testing.assert_array_equal(grad, [0.5, 0.5])  # softmax of equal entries
    np.testing.assert_allclose(_at(on, fa.hessian(fs.logsumexp), a),
                               [[0.25, -0.25], [-0.25, 0.25]])
    a = np.array([[1.7e308, 1.7e308, 1.7e308], [1.7e308, -1.7e308, 0.0]])
    out, t = on.run(fa.jvp, lambda a: fs.logsumexp(a, axis=1), (on.put(a),),
                    (on.put(np.ones_like(a)),))
    np.testing.assert_array_equal(out, sc.logsumexp(a, axis=1))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(t, [1.0, 1.0])  # shifting every entry shifts the result
    g = _at(on, fa.grad(lambda a: fs.logsumexp(a, axis=1).sum()), a)
    np.testing.assert_allclose(g, [[1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0]])


def test_logsumexp_with_weights_and_sign(on):
    a = np.array([1.0, 2.0, 0.5])
    b = np.array([1.0, -1.0, 0.25])
    s = np.sum(b * np.exp(a))  # negative
    a_on, b_on = on.put((a, b))
    with on.guard():
        (value, sign), f_vjp = fa.vjp(lambda a, b: fs.logsumexp(a, b=b, return_sign=True),
                                      a_on, b_on)
        ga, gb = f_vjp(on.put((1.0, 0.0)))
        no_sign = f_vjp(on.put((0.0, 1.0)))[0]
        out = fa.jvp(lambda a: fs.logsumexp(a, b=b_on), (a_on,), (on.put(np.ones(3)),))[0]
    value, sign, ga, gb, no_sign, out = on.get((value, sign, ga, gb, no_sign, out))
    ref_value, ref_sign = sc.logsumexp(a, b=b, return_sign=True)
    np.testing.assert_allclose(value, ref_value, rtol=1e-14)
    assert sign == ref_sign == -1.0
    np.testing.assert_allclose(ga, b * np.exp(a) / s, rtol=1e-13)  # d log|s| = ds / s
    np.testing.assert_allclose(gb, np.exp(a) / s, rtol=1e-13)
    # The sign has no derivative.
    np.testing.assert_array_equal(no_sign, np.zeros(3))
    # Without return_sign a negative sum is nan, as in SciPy.
    assert np.isnan(out) and np.isnan(sc.logsumexp(a, b=b))


def test_logsumexp_weights_broadcast_and_their_gradient_sums_back(on):
    a = np.random.default_rng(2).normal(size=(4, 3))
    b = np.array([0.5, 2.0, 1.0])
    a_on = on.put(a)
    g = _at(on, fa.grad(lambda b: fs.logsumexp(a_on, axis=1, b=b).sum()), b)
    expected = np.sum(np.exp(a) / np.sum(b * np.exp(a), axis=1, keepdims=True), axis=0)
    np.testing.assert_allclose(g, expected, rtol=1e-13)
    out = _at(on, fa.vmap(lambda b: fs.logsumexp(a_on, axis=1, b=b)), np.stack([b, 2 * b]))
    np.testing.assert_allclose(out, [sc.logsumexp(a, axis=1, b=b),
                                     sc.logsumexp(a, axis=1, b=2 * b)], rtol=1e-14)


@pytest.mark.parametrize("axis, keepdims", [(None, True), ((0, 2), True), (-1, False),
                                            ((1,), True), ((), False)])
def test_logsumexp_axis_and_keepdims_shapes(axis, keepdims, on):
    a = np.random.default_rng(3).normal(size=(2, 3, 4))

    def f(a):
        return fs.logsumexp(a, axis=axis, keepdims=keepdims)

    out = on.run(fa.jvp, f, (on.put(a),), (on.put(np.ones_like(a)),))[0]
    ref = sc.logsumexp(a, axis=axis, keepdims=keepdims)
    assert np.shape(out) == np.shape(ref)
    np.testing.assert_allclose(out, ref, rtol=1e-14)
    g = _at(on, fa.grad(lambda a: fnp.sum(f(a))), a)
    kept = sc.logsumexp(a, axis=axis, keepdims=True)
    np.testing.assert_allclose(g, np.exp(a - kept), rtol=1e-13)  # softmax over the axes
    batched = _at(on, fa.vmap(f), np.stack([a, a + 1.0]))
    np.testing.assert_allclose(batched, np.stack([ref, ref + 1.0]), rtol=1e-14)


def test_logsumexp_refuses_a_bad_axis_under_transforms(on):
    a = on.put(np.ones((2, 2)))
    with pytest.raises(ValueError, match="axis=3"), on.guard():
        fa.grad(lambda a: fs.logsumexp(a, axis=3))(a)


def test_softmax_family_is_stable_for_huge_inputs(on):
    x = on.put(np.array([1000.0, 1000.0, -1000.0]))
    e0 = on.put(np.array([1.0, 0.0, 0.0]))
    s, s_dot = on.run(fa.jvp, fs.softmax, (x,), (e0,))
    np.testing.assert_allclose(s, [0.5, 0.5, 0.0])
    np.testing.assert_allclose(s_dot, [0.25, -0.25, 0.0])  # s (t - <s, t>)
    ls, ls_dot = on.run(fa.jvp, fs.log_softmax, (x,), (e0,))
    np.testing.assert_allclose(ls, [-np.log(2), -np.log(2), -2000 - np.log(2)], rtol=1e-15)
    np.testing.assert_allclose(ls_dot, [0.5, -0.5, -0.5])  # t - <softmax, t>
    h = on.run(fa.hessian(lambda x: fs.log_softmax(x)[2]), x)
    assert np.all(np.isfinite(h))


# log_ndtr, ndtr ---------------------------------------------------------------------
def _mills_slope(x):
    """phi(x) / Phi(x) for x << 0 from the asymptotic series of the Mills ratio."""
    t = -x
    u = 1 / (t * t)
    ratio = (1 - u * (1 - u * (3 - u * (15 - u * (105 - u * 945))))) / t
    return 1 / ratio


def test_log_ndtr_far_in_the_left_tail(on):
    x = -40.0
    value, slope = _at(on, fa.value_and_grad(fs.log_ndtr), x)
    assert value == sc.log_ndtr(x)
    np.testing.assert_allclose(slope, _mills_slope(x), rtol=1e-12)
    np.testing.assert_allclose(slope, np.exp(st.norm.logpdf(x) - sc.log_ndtr(x)), rtol=1e-11)
    # Second derivative: -r (x + r) with r = phi / Phi.
    r = _mills_slope(x)
    np.testing.assert_allclose(_at(on, fa.grad(fa.grad(fs.log_ndtr)), x), -r * (x + r),
                               rtol=1e-8)
    for x in [-1e3, -1e8, -1e150]:
        np.testing.assert_allclose(_at(on, fa.grad(fs.log_ndtr), x), _mills_slope(x),
                                   rtol=1e-12)
    # Far right: the slope underflows to 0, without nan.
    for x in [8.0, 40.0, 1e10]:
        slope, curvature = (_at(on, fa.grad(fs.log_ndtr), x),
                            _at(on, fa.grad(fa.grad(fs.log_ndtr)), x))
        assert np.isfinite(slope) and np.isfinite(curvature)
        np.testing.assert_allclose(slope, st.norm.pdf(x) / sc.ndtr(x), rtol=1e-13, atol=1e-300)


def test_log_ndtr_slope_is_continuous_at_zero(on):
    left, right = _at(on, fa.grad(fs.log_ndtr), -1e-12), _at(on, fa.grad(fs.log_ndtr), 0.0)
    np.testing.assert_allclose(right, st.norm.pdf(0.0) / 0.5, rtol=1e-15)
    np.testing.assert_allclose(left, right, rtol=1e-11)


# expit, logit -----------------------------------------------------------------------
@pytest.mark.parametrize("x", [-800.0, -30.0, 0.0, 30.0, 800.0])
def test_expit_is_stable_at_both_ends(x, on):
    value, slope = _at(on, fa.value_and_grad(fs.expit), x)
    assert value == sc.expit(x)
    # expit' = e^{-|x|} / (1 + e^{-|x|})**2, exact in relative terms at both ends.
    e = np.exp(-abs(x))
    np.testing.assert_allclose(slope, e / (1 + e) ** 2, rtol=1e-14, atol=0)
    assert np.isfinite(_at(on, fa.grad(fa.grad(fs.expit)), x))


def test_logit_inverts_expit_and_its_slope_is_closed_form(on):
    p = np.array([1e-10, 0.25, 0.5, 0.9])
    g = _at(on, fa.grad(lambda p: fs.logit(p).sum()), p)
    np.testing.assert_allclose(g, 1 / (p * (1 - p)), rtol=1e-14)
    np.testing.assert_allclose(_at(on, fa.grad(lambda x: fs.logit(fs.expit(x))), 0.7), 1.0,
                               rtol=1e-14)


# xlogy, xlog1py: JAX's conventions at x = 0 ----------------------------------------
def test_xlogy_at_zero(on):
    assert on.run(fa.jvp, lambda x: fs.xlogy(x, 0.0), (on.put(0.0),), (on.put(1.0),))[0] == \
        sc.xlogy(0, 0) == 0
    assert _at(on, fa.grad(fs.xlogy, argnums=1), 0.0, 2.0) == 0.0  # d/dy = x / y
    assert _at(on, fa.grad(fs.xlogy), 0.0, 2.0) == np.log(2.0)  # d/dx = log(y), even at x = 0
    assert _at(on, fa.grad(fs.xlogy), 0.0, 0.0) == -np.inf
    # xlogy(0, y) is 0 for every y: d/dy is 0 there, where JAX gives 0 / 0 = nan.
    assert _at(on, fa.grad(fs.xlogy, argnums=1), 0.0, 0.0) == 0.0
    np.testing.assert_allclose(_at(on, fa.grad(fa.grad(fs.xlogy), argnums=1), 0.0, 2.0),
                               0.5)  # 1 / y


def test_xlog1py_at_zero(on):
    assert on.run(fa.jvp, lambda y: fs.xlog1py(0.0, y), (on.put(-1.0),), (on.put(1.0),))[0] \
        == sc.xlog1py(0, -1) == 0
    assert _at(on, fa.grad(fs.xlog1py, argnums=1), 0.0, 1.0) == 0.0
    np.testing.assert_allclose(_at(on, fa.grad(fs.xlog1py), 0.0, 1e-20), 1e-20,
                               rtol=1e-15)  # log1p


def test_xlogy_of_a_python_scalar_keeps_float32(on):
    y = np.array([0.5, 2.0], np.float32)
    # SciPy itself would give float64.
    assert _at(on, lambda y: fs.xlogy(2.0, y), y).dtype == np.float32
    assert _at(on, fa.grad(lambda y: fs.xlogy(y, 3.0).sum()), y).dtype == np.float32


# The gamma family to higher order ----------------------------------------------------
def test_derivatives_of_gammaln_are_polygammas(on):
    x = 1.7
    d1 = fa.grad(fs.gammaln)
    d2 = fa.grad(d1)
    d3 = fa.grad(d2)
    d4 = fa.jacfwd(fa.jacrev(d2))
    for order, f in enumerate([d1, d2, d3, d4]):
        np.testing.assert_allclose(_at(on, f, x), sc.polygamma(order, x), rtol=1e-13)


def test_erf_family_derivatives_in_closed_form(on):
    x = np.array([-3.0, -0.4, 0.0, 1.3])
    g = _at(on, fa.vmap(fa.grad(fs.erf)), x)
    np.testing.assert_allclose(g, 2 / np.sqrt(np.pi) * np.exp(-x * x), rtol=1e-14)
    g = _at(on, fa.vmap(fa.grad(fs.erfcx)), x)
    np.testing.assert_allclose(g, 2 * x * sc.erfcx(x) - 2 / np.sqrt(np.pi), rtol=1e-13,
                               atol=1e-15)
    y = np.array([-0.999, 0.0, 0.5, 0.999999])
    g = _at(on, fa.vmap(fa.grad(fs.erfinv)), y)
    np.testing.assert_allclose(g, np.sqrt(np.pi) / 2 * np.exp(sc.erfinv(y) ** 2), rtol=1e-13)


# dtypes ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", UNARY + ["polygamma", "softmax", "log_softmax", "logsumexp",
                                          "betaln", "xlogy", "xlog1py"])
def test_float32_in_float32_out(name, on):
    x = on.put(np.array([0.2, 0.5, 0.8], np.float32))
    fun = {
        "polygamma": lambda x: fs.polygamma(1, x),
        "logsumexp": lambda x: fs.logsumexp(x, b=2.0),
        "betaln": lambda x: fs.betaln(x, 1.5),
        "xlogy": lambda x: fs.xlogy(x, x + 1),
        "xlog1py": lambda x: fs.xlog1py(x, x),
    }.get(name, getattr(fs, name))
    assert on.run(fun, x).dtype == np.float32
    y, y_dot = on.run(fa.jvp, fun, (x,), (on.put(np.ones(3, np.float32)),))
    assert np.asarray(y).dtype == np.float32 and np.asarray(y_dot).dtype == np.float32
    assert on.run(fa.grad(lambda x: fnp.sum(fun(x))), x).dtype == np.float32
    h = on.run(fa.hessian(lambda x: fnp.sum(fun(x))), x)
    assert h.dtype == np.float32


# Incomplete gamma and beta functions, Student's t cdf --------------------------------
def _richardson(f, a, h, levels=4):
    """df/da by central differences with steps h, h/2, h/4, h/8, Richardson-extrapolated."""
    d = [(f(a + h / 2**i) - f(a - h / 2**i)) / (2 * h / 2**i) for i in range(levels)]
    for m in range(1, levels):
        d = [(4**m * d[i + 1] - d[i]) / (4**m - 1) for i in range(len(d) - 1)]
    return d[0]


def _step(s, x):
    """A step for a shape parameter s at x: a small part of the scale s, sqrt(s), 1/|log x|."""
    logs = np.maximum(np.abs(np.log(x)), np.abs(np.log1p(-np.minimum(x, 0.5))))
    return 0.05 * np.minimum(np.minimum(s, np.sqrt(s)), 1 / np.maximum(logs, 1e-3))


def _tangent(on, f, x):
    """Elementwise derivative of an elementwise f at the array x, by one forward pass."""
    return on.run(fa.jvp, f, (on.put(x),), (on.put(np.ones_like(x)),))[1]


INCOMPLETE = {
    "gammainc": (lambda a, x: fs.gammainc(a, x), lambda a, x: sc.gammainc(a, x)),
    "gammaincc": (lambda a, x: fs.gammaincc(a, x), lambda a, x: sc.gammaincc(a, x)),
    "betainc": (lambda a, x: fs.betainc(a, 2.5, x), lambda a, x: sc.betainc(a, 2.5, x)),
    "betaincc": (lambda a, x: fs.betaincc(a, 2.5, x), lambda a, x: sc.betaincc(a, 2.5, x)),
    "stdtr": (fs.stdtr, sc.stdtr),
}


@pytest.mark.fixed_backend("plain calls must return exactly SciPy's results and np.float64 "
                           "scalars; SciPy computes on NumPy only")
def test_incomplete_plain_calls_return_exactly_scipy():
    a = np.array([0.3, 1.0, 4.0])
    x = np.array([0.2, 0.5, 0.9])
    for name, args in [("gammainc", (a, x)), ("gammaincc", (a, x)), ("betainc", (a, a, x)),
                       ("betaincc", (a, a, x)), ("stdtr", (a, x - 0.5))]:
        np.testing.assert_array_equal(getattr(fs, name)(*args), getattr(sc, name)(*args))
        assert type(getattr(fs, name)(*[v[0] for v in args])) is np.float64


@pytest.mark.parametrize("name", sorted(INCOMPLETE))
def test_incomplete_traced_values_are_scipys_everywhere(name, on):
    """Small and large shapes, x near 0, far in both tails, at the ends, and bad inputs."""
    ours, ref = INCOMPLETE[name]
    shapes = np.array([1e-3, 0.05, 0.5, 1.0, 3.0, 40.0, 500.0, 1e4, np.inf, 0.0, -1.0, np.nan])
    if name.startswith("gamma"):
        xs = np.array([0.0, 1e-300, 1e-8, 0.3, 1.0, 2.5, 30.0, 800.0, 1e5, np.inf, -1.0, np.nan])
    elif name == "stdtr":
        xs = np.array([-np.inf, -1e8, -30.0, -2.0, -1e-9, 0.0, 1e-9, 0.4, 3.0, 1e6, np.inf, np.nan])
    else:
        xs = np.array([0.0, 1e-300, 1e-9, 0.01, 0.3, 0.5, 0.7, 0.99, 1 - 1e-12, 1.0, 1.5, np.nan])
    a, x = (v.ravel() for v in np.meshgrid(shapes, xs))
    expected = ref(a, x)
    a_on, x_on = on.put((a, x))
    for wrt in (0, 1):
        traced = on.run(fa.jvp, lambda *v: ours(*v), (a_on, x_on),
                        tuple(on.put(np.ones_like(a) * (i == wrt)) for i in range(2)))[0]
        np.testing.assert_array_equal(traced, expected)
    np.testing.assert_array_equal(on.run(fa.vmap(ours), a_on, x_on), expected)


def test_gammainc_derivative_in_a_matches_richardson_differences_of_scipy(on):
    a, q = (v.ravel() for v in np.meshgrid([0.05, 0.5, 1.0, 2.5, 10.0, 50.0, 300.0],
                                           [1e-10, 0.01, 0.3, 0.7, 0.99, 1 - 1e-10]))
    x = sc.gammaincinv(a, q)
    upper = q > 0.5  # difference the smaller of P and Q, which SciPy gives accurately

    def smaller(a):
        return np.where(upper, -sc.gammaincc(a, x), sc.gammainc(a, x))

    expected = _richardson(smaller, a, _step(a, x))
    x_on = on.put(x)
    np.testing.assert_allclose(_tangent(on, lambda a: fs.gammainc(a, x_on), a), expected,
                               rtol=2e-8)
    np.testing.assert_allclose(_tangent(on, lambda a: fs.gammaincc(a, x_on), a), -expected,
                               rtol=2e-8)


def test_gammainc_derivatives_in_closed_form_at_a_equal_one(on):
    # P(1, x) = 1 - e^-x: d/da = -E1(x) - e^-x (log x + euler_gamma), d/dx = e^-x, and
    # d2/dadx = e^-x (log x - digamma(1)) (the density times its log-slope).
    x = np.array([1e-6, 0.1, 1.0, 1.2, 3.0, 20.0])
    euler = -sc.digamma(1.0)
    # Below x = 1 the same, with E1's series: (log x + euler) (1 - e^-x) + sum (-x)^k / (k k!).
    k = np.arange(1, 30)[:, None]
    series = (np.log(x) + euler) * -np.expm1(-x) + np.sum((-x) ** k / (k * sc.factorial(k)), 0)
    expected = np.where(x < 1, series, -sc.exp1(x) - np.exp(-x) * (np.log(x) + euler))
    x_on = on.put(x)
    da = _tangent(on, lambda a: fs.gammainc(a, x_on), np.ones_like(x))
    np.testing.assert_allclose(da, expected, rtol=1e-12)
    dadx = _at(on, fa.vmap(fa.grad(fa.grad(fs.gammainc, argnums=1))), np.ones_like(x), x)
    np.testing.assert_allclose(dadx, np.exp(-x) * (np.log(x) + euler), rtol=1e-12)


def test_shape_derivatives_at_integer_shapes(on):
    """There the value's continued fraction ends (a zero partial numerator); not the
    derivatives', which must run on: near x = a (slow convergence) they are checked."""
    a = np.array([1.0, 1.0, 2.0, 3.0])
    x = np.array([1.01, 1.1, 2.2, 3.3])
    expected = _richardson(lambda a: -sc.gammaincc(a, x), a, _step(a, x))
    x_on = on.put(x)
    np.testing.assert_allclose(_tangent(on, lambda a: fs.gammainc(a, x_on), a), expected,
                               rtol=1e-9)
    a, b = (v.ravel() for v in np.meshgrid([1.0, 3.0, 6.0], [1.0, 2.0, 5.0]))
    a_on, b_on = on.put((a, b))
    for side in (0.98, 1.02):
        x = side * (a + 1) / (a + b + 2)
        x_on = on.put(x)
        for i, shape in enumerate((a, b)):
            def scipy_value(s, i=i):
                return sc.betainc(s, b, x) if i == 0 else sc.betainc(a, s, x)

            def ours(s, i=i, x_on=x_on):
                return fs.betainc(s, b_on, x_on) if i == 0 else fs.betainc(a_on, s, x_on)

            np.testing.assert_allclose(_tangent(on, ours, shape),
                                       _richardson(scipy_value, shape, _step(shape, x)),
                                       rtol=1e-9)


def _quadrature_gamma(a, x, k):
    """d^k P(a, x) / da^k = integral_0^x of the density times its k-th log-slope polynomial."""
    from scipy.integrate import quad

    psi = [sc.polygamma(j, a) for j in range(3)]

    def integrand(t):
        s = np.log(t) - psi[0]
        poly = [s, s * s - psi[1], s**3 - 3 * s * psi[1] - psi[2]][k - 1]
        return np.exp((a - 1) * np.log(t) - t - sc.gammaln(a)) * poly

    lower = max(0.0, a - 40 * np.sqrt(a)) if a > 50 else 0.0
    return quad(integrand, lower, x, epsabs=0, epsrel=1e-12, limit=500)[0]


@pytest.mark.parametrize("a, q", [(0.7, 0.2), (3.0, 0.6), (40.0, 0.05), (300.0, 0.9)])
def test_gammainc_second_and_third_derivatives_in_a(a, q, on):
    x = float(sc.gammaincinv(a, q))
    d1 = fa.grad(fs.gammainc)
    d2 = fa.grad(d1)
    # jvp of grad against Richardson differences of grad, and both against quadrature.
    x_on = on.put(x)
    _, jvp_of_grad = on.run(fa.jvp, lambda a: d1(a, x_on), (on.put(a),), (on.put(1.0),))
    np.testing.assert_allclose(jvp_of_grad, _richardson(lambda a: d1(a, x), a, _step(a, x)),
                               rtol=1e-8)
    np.testing.assert_allclose(_at(on, d2, a, x), _quadrature_gamma(a, x, 2), rtol=1e-10)
    np.testing.assert_allclose(_at(on, fa.grad(d2), a, x), _quadrature_gamma(a, x, 3),
                               rtol=1e-9)
    # Mixed: d2/dadx is the density's slope in a, (log x - digamma(a)) times the density.
    density = np.exp((a - 1) * np.log(x) - x - sc.gammaln(a))
    np.testing.assert_allclose(_at(on, fa.grad(d1, argnums=1), a, x),
                               density * (np.log(x) - sc.digamma(a)), rtol=1e-11)


def test_betainc_derivatives_in_a_and_b_match_richardson_differences_of_scipy(on):
    shapes = [0.1, 0.5, 1.0, 3.0, 20.0, 200.0]
    a, b, q = (v.ravel() for v in np.meshgrid(shapes, shapes, [1e-8, 0.05, 0.5, 0.95, 1 - 1e-8]))
    x = sc.betaincinv(a, b, q)
    keep = (x > 0) & (x < 1)
    a, b, q, x = a[keep], b[keep], q[keep], x[keep]
    upper = q >= 0.5

    def smaller(a, b):
        return np.where(upper, -sc.betaincc(a, b, x), sc.betainc(a, b, x))

    da = _richardson(lambda s: smaller(s, b), a, _step(a, x))
    db = _richardson(lambda s: smaller(a, s), b, _step(b, x))
    a_on, b_on, x_on = on.put((a, b, x))
    np.testing.assert_allclose(_tangent(on, lambda a: fs.betainc(a, b_on, x_on), a), da,
                               rtol=2e-8)
    np.testing.assert_allclose(_tangent(on, lambda b: fs.betainc(a_on, b, x_on), b), db,
                               rtol=2e-8)
    np.testing.assert_allclose(_tangent(on, lambda b: fs.betaincc(a_on, b, x_on), b), -db,
                               rtol=2e-8)


def test_betainc_derivatives_in_closed_form(on):
    # I_x(a, 1) = x^a and I_x(1, b) = 1 - (1 - x)^b, at every order in the free shape.
    x = np.array([1e-9, 0.05, 0.5, 0.97, 1 - 1e-9])
    a = np.array([0.3, 2.0, 7.0, 0.6, 40.0])
    ones = np.ones_like(x)
    d1 = fa.grad(fs.betainc)
    np.testing.assert_allclose(_at(on, fa.vmap(d1), a, ones, x), x**a * np.log(x), rtol=1e-12)
    # At x = 1 - 1e-9 the second derivative is 1e-18 next to I = 1: its error is 1e-16 of
    # I's scale there (the continued fraction gives it as a difference of larger terms).
    np.testing.assert_allclose(_at(on, fa.vmap(fa.grad(d1)), a, ones, x), x**a * np.log(x) ** 2,
                               rtol=1e-11, atol=1e-23)
    db = fa.grad(fs.betainc, argnums=1)
    np.testing.assert_allclose(_at(on, fa.vmap(db), ones, a, x), -(1 - x) ** a * np.log1p(-x),
                               rtol=1e-11)
    np.testing.assert_allclose(_at(on, fa.vmap(fa.grad(db, argnums=1)), ones, a, x),
                               -(1 - x) ** a * np.log1p(-x) ** 2, rtol=1e-10, atol=1e-23)


@pytest.mark.parametrize("a, b, x", [(0.4, 3.0, 0.05), (2.5, 1.5, 0.6), (30.0, 8.0, 0.85)])
def test_betainc_second_derivatives_match_differences_of_the_gradient(a, b, x, on):
    args = np.array([a, b, x])
    hess = _at(on, fa.hessian(lambda v: fs.betainc(v[0], v[1], v[2])), args)
    grad = fa.grad(lambda v: fs.betainc(v[0], v[1], v[2]))
    for i in range(3):
        h = 1e-3 * min(args[i], 1 - args[i] if i == 2 else 1.0)
        column = _richardson(lambda s: grad(np.where(np.arange(3) == i, s, args)), args[i], h)
        np.testing.assert_allclose(hess[:, i], column, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(hess, hess.T, rtol=1e-12)


def test_stdtr_derivative_in_df_matches_richardson_differences_of_scipy(on):
    df, t = (v.ravel() for v in np.meshgrid([0.3, 1.0, 2.5, 10.0, 100.0],
                                            [-20.0, -3.0, -1.0, -0.2, 0.7, 2.0, 8.0]))
    # Difference the smaller tail, F(-|t|); dF/ddf is odd in t.
    expected = -np.sign(t) * _richardson(lambda d: sc.stdtr(d, -np.abs(t)), df,
                                         0.05 * np.minimum(df, np.sqrt(df)))
    df_on, t_on = on.put((df, t))
    np.testing.assert_allclose(_tangent(on, lambda d: fs.stdtr(d, t_on), df), expected,
                               rtol=1e-8)
    np.testing.assert_allclose(_tangent(on, lambda t: fs.stdtr(df_on, t), t), st.t.pdf(t, df),
                               rtol=1e-13)


@pytest.mark.parametrize("df", [0.3, 1.0, 4.0, 60.0])
def test_stdtr_is_smooth_at_zero(df, on):
    # d2F/ddf dt at t = 0 is d f(0)/ddf = f(0) ((digamma((df+1)/2) - digamma(df/2)) / 2 - 1/(2 df)).
    f0 = st.t.pdf(0.0, df)
    mixed = f0 * ((sc.digamma((df + 1) / 2) - sc.digamma(df / 2)) / 2 - 1 / (2 * df))
    hess = _at(on, fa.hessian(lambda v: fs.stdtr(v[0], v[1])), np.array([df, 0.0]))
    np.testing.assert_allclose(hess, [[0.0, mixed], [mixed, 0.0]], rtol=1e-12, atol=1e-300)
    # Just off zero, dF/ddf = t * mixed + O(t**3).
    for t in [1e-9, 1e-6, -1e-4]:
        np.testing.assert_allclose(_at(on, fa.grad(fs.stdtr), df, t), t * mixed, rtol=1e-7)


def test_stdtr_at_infinite_df_and_t(on):
    t = np.array([-2.0, 0.0, 0.5])
    inf = np.full(3, np.inf)
    t_on, inf_on = on.put((t, inf))
    value, slope = on.run(fa.jvp, lambda t: fs.stdtr(inf_on, t), (t_on,), (on.put(np.ones(3)),))
    np.testing.assert_array_equal(value, sc.stdtr(inf, t))
    np.testing.assert_allclose(value, sc.ndtr(t), rtol=1e-14)
    np.testing.assert_allclose(slope, st.norm.pdf(t), rtol=1e-15)
    np.testing.assert_array_equal(_tangent(on, lambda d: fs.stdtr(d, t_on), inf), np.zeros(3))
    ends = np.array([-np.inf, np.inf])
    grads = _at(on, fa.vmap(fa.grad(fs.stdtr, argnums=(0, 1))), np.array([3.0, 3.0]), ends)
    np.testing.assert_array_equal(grads, np.zeros((2, 2)))


def test_incomplete_shape_derivatives_at_the_ends_and_for_bad_parameters(on):
    def da(*args):
        return _at(on, fa.grad(fs.gammainc), *args)

    assert da(2.0, 0.0) == 0.0 and da(2.0, np.inf) == 0.0  # P is 0 and 1 for every a there
    assert np.isnan(da(-1.0, 1.0)) and np.isnan(da(2.0, -1.0)) and np.isnan(da(np.nan, 1.0))
    for argnum in (0, 1):
        def d(*args, argnum=argnum):
            return _at(on, fa.grad(fs.betainc, argnums=argnum), *args)

        assert d(2.0, 3.0, 0.0) == 0.0 and d(2.0, 3.0, 1.0) == 0.0
        assert np.isnan(d(2.0, 3.0, 1.5)) and np.isnan(d(-2.0, 3.0, 0.5))
    # The x-derivatives are the densities, also at x = 0 (a = 1: e^0 = 1).
    assert _at(on, fa.grad(fs.gammainc, argnums=1), 1.0, 0.0) == 1.0
    np.testing.assert_allclose(_at(on, fa.grad(fs.betainc, argnums=2), 2.0, 3.0, 0.25),
                               st.beta.pdf(0.25, 2.0, 3.0), rtol=1e-14)


@pytest.mark.parametrize("name", ["gammainc", "gammaincc", "betainc", "betaincc", "stdtr"])
def test_incomplete_float32_in_float32_out(name, on):
    x = np.array([0.2, 0.5, 0.8], np.float32)
    fun = {
        "gammainc": lambda x: fs.gammainc(x + 1, x),
        "gammaincc": lambda x: fs.gammaincc(2.5, x),
        "betainc": lambda x: fs.betainc(x * 3, 2.0, x),
        "betaincc": lambda x: fs.betaincc(1.5, x * 4, x),
        "stdtr": lambda x: fs.stdtr(x * 5, x - 0.4),
    }[name]
    x_on = on.put(x)
    assert on.run(fun, x_on).dtype == np.float32
    y, y_dot = on.run(fa.jvp, fun, (x_on,), (on.put(np.ones_like(x)),))
    assert y.dtype == np.float32 and y_dot.dtype == np.float32
    assert on.run(fa.grad(lambda x: fnp.sum(fun(x))), x_on).dtype == np.float32
    h = on.run(fa.hessian(lambda x: fnp.sum(fun(x))), x_on)
    assert h.dtype == np.float32
    # The values too: those at the float32 inputs, computed in float64, rounded.
    wide = x.astype(np.float64)
    y64, y_dot64 = fa.jvp(fun, (wide,), (np.ones_like(wide),))
    np.testing.assert_allclose(y, y64, rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(y_dot, y_dot64, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(h, fa.hessian(lambda x: fnp.sum(fun(x)))(wide), rtol=1e-4, atol=1e-6)


def test_incomplete_float32_slopes_at_large_shapes(on):
    # The densities are taken in float64: in float32 their log-gammas cancel.
    a, x = np.float32(1e5), np.float32(1e5 + 300)
    g = _at(on, fa.grad(fs.gammainc, 1), a, x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, st.gamma.pdf(np.float64(x), np.float64(a)), rtol=1e-6)
    g = _at(on, fa.grad(fs.betainc, 2), a, a, np.float32(0.5))
    np.testing.assert_allclose(g, st.beta.pdf(0.5, 1e5, 1e5), rtol=1e-6)
    g = _at(on, fa.grad(fs.stdtr, 1), a, np.float32(0.7))
    np.testing.assert_allclose(g, st.t.pdf(np.float64(np.float32(0.7)), 1e5), rtol=1e-6)


def test_xlogy_derivative_in_y_is_zero_where_x_and_y_are_zero(on):
    assert _at(on, fa.grad(lambda y: fs.xlogy(0.0, y)), 0.0) == 0.0
    assert _at(on, fa.grad(lambda y: fs.xlog1py(0.0, y)), -1.0) == 0.0
    # Elsewhere the derivatives are log(y) and x / y; the mixed one is 1 / y, also at x = 0.
    np.testing.assert_allclose(
        _at(on, fa.hessian(lambda v: fs.xlogy(v[0], v[1])), np.array([0.0, 2.0])),
        [[0.0, 0.5], [0.5, 0.0]])


def test_logsumexp_over_an_empty_axis_has_zero_derivatives(on):
    x = np.zeros((0, 3))
    x_on = on.put(x)
    y, t = on.run(fa.jvp, lambda x: fs.logsumexp(x, axis=0), (x_on,), (x_on,))
    np.testing.assert_array_equal(y, sc.logsumexp(x, axis=0))
    assert on.run(fa.grad(lambda x: fnp.sum(fs.logsumexp(x, axis=0))), x_on).shape == (0, 3)
    np.testing.assert_array_equal(t, np.zeros(3))


# Regressions: boundaries, large shapes, underflowing prefactors ----------------------
def test_incomplete_second_derivatives_at_the_ends_of_the_support(on):
    # x^(a-1) densities: the slope in x at x = 0 is 0 for a > 2; in a it is 0 (P = 0 there).
    h = _at(on, fa.hessian(lambda v: fs.gammainc(v[0], v[1])), np.array([3.0, 0.0]))
    np.testing.assert_array_equal(h, np.zeros((2, 2)))
    for x in (0.0, 1.0):
        assert _at(on, fa.hessian(lambda x: fs.betainc(3.0, 3.0, x)), x) == 0.0
    # At a = 1 the density's limit is 1 / Gamma(1) = 1 (gamma) and b (beta at x = 0).
    assert _at(on, fa.grad(fs.gammainc, 1), 1.0, 0.0) == 1.0
    assert _at(on, fa.grad(fs.betainc, 2), 1.0, 2.5, 0.0) == 2.5
    assert _at(on, fa.grad(fs.betainc, 2), 2.5, 1.0, 1.0) == 2.5


def test_betaln_is_exact_for_a_large_argument(on):
    b = 1e5
    # Gamma(b + 5/2) / Gamma(b) = (b + 3/2)(b + 1/2) Gamma(b + 1/2) / Gamma(b), the last
    # from its asymptotic series, exact to 1e-17 here.
    ratio = np.log((b + 1.5) * (b + 0.5)) + 0.5 * np.log(b) - 1 / (8 * b) + 1 / (192 * b**3)
    y, y_dot = on.run(fa.jvp, lambda a: fs.betaln(a, b), (on.put(2.5),), (on.put(1.0),))
    np.testing.assert_allclose(y, sc.gammaln(2.5) - ratio, rtol=1e-15)
    np.testing.assert_allclose(y_dot, sc.digamma(2.5) - sc.digamma(b + 2.5), rtol=1e-14)
    y, y_dot = on.run(fa.jvp, lambda a: fs.betaln(a, 1e16), (on.put(0.5),), (on.put(1.0),))
    np.testing.assert_allclose(y, sc.betaln(0.5, 1e16), rtol=1e-15)
    np.testing.assert_allclose(y_dot, sc.digamma(0.5) - sc.digamma(1e16), rtol=1e-15)
    # Both arguments large, symmetric, and a negative one next to a large one.
    for a, b in ((200.0, 300.0), (300.0, 200.0), (-150.5, 300.0), (3.0, 150.0)):
        np.testing.assert_allclose(on.run(fa.jvp, lambda a, b=b: fs.betaln(a, b),
                                          (on.put(a),), (on.put(1.0),))[0],
                                   sc.betaln(a, b), rtol=1e-14)


def test_stdtr_slope_in_t_is_the_normal_density_at_huge_df(on):
    phi = np.exp(-0.5) / np.sqrt(2 * np.pi)
    for df in (1e12, 1e16):
        np.testing.assert_allclose(_at(on, fa.grad(fs.stdtr, 1), df, 1.0), phi, rtol=1e-12)


def test_incomplete_shape_derivatives_where_the_prefactor_underflows(on):
    # x^a e^-x / Gamma(a) and x^a (1-x)^b / B(a, b) are 0 in float64: so is every slope.
    assert _at(on, fa.grad(fs.gammainc), 0.5, 1e155) == 0.0
    assert _at(on, fa.grad(fs.betainc, (0, 1)), 1e155, 3.0, 0.5) == (0.0, 0.0)
    # One such element does not hold the others to the iteration cap.
    x = np.array([1e155, 2.0, 3.0])
    x_on = on.put(x)
    g = _at(on, fa.jacfwd(lambda a: fs.gammainc(a, x_on)), 0.5)
    want = [_richardson(lambda a: sc.gammainc(a, v), 0.5, 1e-2) for v in x[1:]]
    np.testing.assert_allclose(g, [0.0, *want], rtol=1e-8)


def test_stdtr_derivative_in_df_is_finite_for_huge_df(on):
    # 1 - u rounds to 1 (u = t^2 / (df + t^2)): the slope stays finite and tiny.
    for df in (1e20, 1e300):
        g = _at(on, fa.grad(fs.stdtr), df, 3.0)
        assert np.isfinite(g) and abs(g) < 1e-15


def test_betainc_shape_derivatives_for_a_tiny_shape(on):
    # As a -> 0, 1/B(a, b) = a + O(a^2) and I_x(a, b) = 1 - (1/B) int_x^1 t^(a-1) (1-t)^(b-1):
    # d/da I_x(0+, b) = -int_x^1 (1-t)^(b-1) / t dt = -2 artanh(sqrt(1-x)) for b = 1/2.
    x = 1e-3
    limit = -2 * np.arctanh(np.sqrt(1 - x))
    for a in (1e-6, 1e-4, 1e-3):
        np.testing.assert_allclose(_at(on, fa.grad(fs.betainc), a, 0.5, x),
                                   _richardson(lambda s: sc.betainc(s, 0.5, x), a, a / 4),
                                   rtol=1e-8)
    for a in (1e-10, 1e-13, 1e-16):  # the slope moves by O(a log a) from its limit
        np.testing.assert_allclose(_at(on, fa.grad(fs.betainc), a, 0.5, x), limit, rtol=1e-8)
    # Mirrored (x above (a+1)/(a+b+2)): d/db I_x(1/2, 0+) = int_0^x t^(-1/2) / (1-t) dt.
    x = 0.9
    limit = 2 * np.arctanh(np.sqrt(x))
    np.testing.assert_allclose(_at(on, fa.grad(fs.betainc, 1), 0.5, 1e-3, x),
                               _richardson(lambda s: sc.betainc(0.5, s, x), 1e-3, 2.5e-4),
                               rtol=1e-8)
    for b in (1e-10, 1e-16):
        np.testing.assert_allclose(_at(on, fa.grad(fs.betainc, 1), 0.5, b, x), limit,
                                   rtol=1e-8)
    # stdtr(df, 1) = 1/2 + (df/4) 2 artanh(1/sqrt(1+df)) + o(df): slope (log(4/df) - 1)/4.
    np.testing.assert_allclose(_at(on, fa.grad(fs.stdtr), 1e-20, 1.0), (np.log(4e20) - 1) / 4,
                               rtol=1e-8)


def _stdtr_df_series(df, t):
    """The first two terms of dF/d(df) at large df: phi (R_1 / df^2 + 2 R_2 / df^3)."""
    r1 = (t**3 + t) / 4
    r2 = (3 * t**7 - 7 * t**5 - 5 * t**3 - 3 * t) / 96
    return st.norm.pdf(t) * (r1 / df**2 + 2 * r2 / df**3)


def test_stdtr_derivative_in_df_at_large_df(on):
    t = np.array([-3.0, -0.5, 0.3, 1.0, 2.0, 4.0])
    t_on = on.put(t)
    for df in (1e5, 1e8, 1e12):
        g = _tangent(on, lambda d: fs.stdtr(d, t_on), np.full(6, df))
        np.testing.assert_allclose(g, _stdtr_df_series(df, t), rtol=1e-12 + 1e4 / df**2)
        # Second order: d/d(df) of the series.
        d2 = _tangent(on, lambda d: fa.vmap(fa.grad(fs.stdtr))(d, t_on), np.full(6, df))
        want = -st.norm.pdf(t) * ((t**3 + t) / (2 * df**3))
        np.testing.assert_allclose(d2, want, rtol=1e-12 + 1e4 / df)
    # Where it is accurate (df = 1e3 .. 4e3, step 50), Richardson differences of SciPy.
    df = np.array([1e3, 4e3])
    t = np.array([1.0, -2.0])
    want = -np.sign(t) * _richardson(lambda d: sc.stdtr(d, -np.abs(t)), df, df / 20)
    t_on = on.put(t)
    np.testing.assert_allclose(_tangent(on, lambda d: fs.stdtr(d, t_on), df), want, rtol=1e-6)


def test_stdtr_derivative_in_df_is_continuous_where_the_series_takes_over(on):
    # The series is used for df >= 200 and t^4 <= 2 df; the direct formula elsewhere.
    eps = 1e-13  # moves the slope itself by ~3e-13
    # The direct formula's own error grows ~1e-15 df^2 (1e-9 at df = 1e4, large t).
    for df, t, rtol in [(200.0, 1.5, 1e-10), (200.0, -3.0, 1e-10), (1e3, 2e3 ** 0.25, 1e-10),
                        (1e4, -(2e4 ** 0.25), 1e-8)]:
        if abs(t) ** 4 <= 2 * df and df > 200:
            below = _at(on, fa.grad(fs.stdtr), df, t * (1 + eps))
        else:
            below = _at(on, fa.grad(fs.stdtr), df * (1 - eps), t)
        above = _at(on, fa.grad(fs.stdtr), df, t)
        np.testing.assert_allclose(below, above, rtol=rtol)
