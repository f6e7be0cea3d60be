"""Edge cases of funcad.scipy.special: overflow, far tails, zeros, conventions, dtypes.

Expected values come from SciPy or from closed forms, never from funcad itself.
The systematic checks (values, JVP/VJP, batching, second order) are the sweep
rows in tests/specs/special.py.
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


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


# Optional dependency ----------------------------------------------------------------
def test_funcad_and_funcad_numpy_do_not_import_scipy():
    done = _run("import sys, funcad, funcad.numpy, funcad.primitives.special, funcad.scipy\n"
                "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["funcad.scipy.special", "funcad.scipy.stats"])
def test_missing_scipy_raises_an_import_error_with_the_install_command(module):
    done = _run("import sys\nsys.modules['scipy'] = None  # as if SciPy were not installed\n"
                f"import {module}")
    assert done.returncode != 0
    assert "ImportError" in done.stderr
    assert 'pip install "funcad[scipy]"' in done.stderr


# Plain calls are SciPy's ------------------------------------------------------------
@pytest.mark.parametrize("name", UNARY)
def test_plain_calls_return_exactly_scipy(name):
    x = np.array([0.05, 0.3, 0.7, 0.95])
    out = getattr(fs, name)(x)
    np.testing.assert_array_equal(out, getattr(sc, name)(x))
    assert type(getattr(fs, name)(0.3)) is type(getattr(sc, name)(0.3))


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
def test_logsumexp_near_the_largest_double_does_not_overflow():
    a = np.array([1e308, 1e308])
    value, grad = fa.value_and_grad(fs.logsumexp)(a)
    assert value == sc.logsumexp(a) == 1e308
    np.testing.assert_array_equal(grad, [0.5, 0.5])  # softmax of equal entries
    np.testing.assert_allclose(fa.hessian(fs.logsumexp)(a), [[0.25, -0.25], [-0.25, 0.25]])
    a = np.array([[1.7e308, 1.7e308, 1.7e308], [1.7e308, -1.7e308, 0.0]])
    out, t = fa.jvp(lambda a: fs.logsumexp(a, axis=1), (a,), (np.ones_like(a),))
    np.testing.assert_array_equal(out, sc.logsumexp(a, axis=1))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(t, [1.0, 1.0])  # shifting every entry shifts the result
    g = fa.grad(lambda a: fs.logsumexp(a, axis=1).sum())(a)
    np.testing.assert_allclose(g, [[1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0]])


def test_logsumexp_with_weights_and_sign():
    a = np.array([1.0, 2.0, 0.5])
    b = np.array([1.0, -1.0, 0.25])
    s = np.sum(b * np.exp(a))  # negative
    (value, sign), f_vjp = fa.vjp(lambda a, b: fs.logsumexp(a, b=b, return_sign=True), a, b)
    ref_value, ref_sign = sc.logsumexp(a, b=b, return_sign=True)
    np.testing.assert_allclose(value, ref_value, rtol=1e-14)
    assert sign == ref_sign == -1.0
    ga, gb = f_vjp((1.0, 0.0))
    np.testing.assert_allclose(ga, b * np.exp(a) / s, rtol=1e-13)  # d log|s| = ds / s
    np.testing.assert_allclose(gb, np.exp(a) / s, rtol=1e-13)
    # The sign has no derivative.
    np.testing.assert_array_equal(f_vjp((0.0, 1.0))[0], np.zeros(3))
    # Without return_sign a negative sum is nan, as in SciPy.
    out = fa.jvp(lambda a: fs.logsumexp(a, b=b), (a,), (np.ones(3),))[0]
    assert np.isnan(out) and np.isnan(sc.logsumexp(a, b=b))


def test_logsumexp_weights_broadcast_and_their_gradient_sums_back():
    a = np.random.default_rng(2).normal(size=(4, 3))
    b = np.array([0.5, 2.0, 1.0])
    g = fa.grad(lambda b: fs.logsumexp(a, axis=1, b=b).sum())(b)
    expected = np.sum(np.exp(a) / np.sum(b * np.exp(a), axis=1, keepdims=True), axis=0)
    np.testing.assert_allclose(g, expected, rtol=1e-13)
    out = fa.vmap(lambda b: fs.logsumexp(a, axis=1, b=b))(np.stack([b, 2 * b]))
    np.testing.assert_allclose(out, [sc.logsumexp(a, axis=1, b=b),
                                     sc.logsumexp(a, axis=1, b=2 * b)], rtol=1e-14)


@pytest.mark.parametrize("axis, keepdims", [(None, True), ((0, 2), True), (-1, False),
                                            ((1,), True), ((), False)])
def test_logsumexp_axis_and_keepdims_shapes(axis, keepdims):
    a = np.random.default_rng(3).normal(size=(2, 3, 4))

    def f(a):
        return fs.logsumexp(a, axis=axis, keepdims=keepdims)

    out = fa.jvp(f, (a,), (np.ones_like(a),))[0]
    ref = sc.logsumexp(a, axis=axis, keepdims=keepdims)
    assert np.shape(out) == np.shape(ref)
    np.testing.assert_allclose(out, ref, rtol=1e-14)
    g = fa.grad(lambda a: fnp.sum(f(a)))(a)
    kept = sc.logsumexp(a, axis=axis, keepdims=True)
    np.testing.assert_allclose(g, np.exp(a - kept), rtol=1e-13)  # softmax over the axes
    batched = fa.vmap(f)(np.stack([a, a + 1.0]))
    np.testing.assert_allclose(batched, np.stack([ref, ref + 1.0]), rtol=1e-14)


def test_logsumexp_refuses_a_bad_axis_under_transforms():
    with pytest.raises(ValueError, match="axis=3"):
        fa.grad(lambda a: fs.logsumexp(a, axis=3))(np.ones((2, 2)))


def test_softmax_family_is_stable_for_huge_inputs():
    x = np.array([1000.0, 1000.0, -1000.0])
    s, s_dot = fa.jvp(fs.softmax, (x,), (np.array([1.0, 0.0, 0.0]),))
    np.testing.assert_allclose(s, [0.5, 0.5, 0.0])
    np.testing.assert_allclose(s_dot, [0.25, -0.25, 0.0])  # s (t - <s, t>)
    ls, ls_dot = fa.jvp(fs.log_softmax, (x,), (np.array([1.0, 0.0, 0.0]),))
    np.testing.assert_allclose(ls, [-np.log(2), -np.log(2), -2000 - np.log(2)], rtol=1e-15)
    np.testing.assert_allclose(ls_dot, [0.5, -0.5, -0.5])  # t - <softmax, t>
    h = fa.hessian(lambda x: fs.log_softmax(x)[2])(x)
    assert np.all(np.isfinite(h))


# log_ndtr, ndtr ---------------------------------------------------------------------
def _mills_slope(x):
    """phi(x) / Phi(x) for x << 0 from the asymptotic series of the Mills ratio."""
    t = -x
    u = 1 / (t * t)
    ratio = (1 - u * (1 - u * (3 - u * (15 - u * (105 - u * 945))))) / t
    return 1 / ratio


def test_log_ndtr_far_in_the_left_tail():
    x = -40.0
    value, slope = fa.value_and_grad(fs.log_ndtr)(x)
    assert value == sc.log_ndtr(x)
    np.testing.assert_allclose(slope, _mills_slope(x), rtol=1e-12)
    np.testing.assert_allclose(slope, np.exp(st.norm.logpdf(x) - sc.log_ndtr(x)), rtol=1e-11)
    # Second derivative: -r (x + r) with r = phi / Phi.
    r = _mills_slope(x)
    np.testing.assert_allclose(fa.grad(fa.grad(fs.log_ndtr))(x), -r * (x + r), rtol=1e-8)
    for x in [-1e3, -1e8, -1e150]:
        np.testing.assert_allclose(fa.grad(fs.log_ndtr)(x), _mills_slope(x), rtol=1e-12)
    # Far right: the slope underflows to 0, without nan.
    for x in [8.0, 40.0, 1e10]:
        slope, curvature = fa.grad(fs.log_ndtr)(x), fa.grad(fa.grad(fs.log_ndtr))(x)
        assert np.isfinite(slope) and np.isfinite(curvature)
        np.testing.assert_allclose(slope, st.norm.pdf(x) / sc.ndtr(x), rtol=1e-13, atol=1e-300)


def test_log_ndtr_slope_is_continuous_at_zero():
    left, right = fa.grad(fs.log_ndtr)(-1e-12), fa.grad(fs.log_ndtr)(0.0)
    np.testing.assert_allclose(right, st.norm.pdf(0.0) / 0.5, rtol=1e-15)
    np.testing.assert_allclose(left, right, rtol=1e-11)


# expit, logit -----------------------------------------------------------------------
@pytest.mark.parametrize("x", [-800.0, -30.0, 0.0, 30.0, 800.0])
def test_expit_is_stable_at_both_ends(x):
    value, slope = fa.value_and_grad(fs.expit)(x)
    assert value == sc.expit(x)
    # expit' = e^{-|x|} / (1 + e^{-|x|})**2, exact in relative terms at both ends.
    e = np.exp(-abs(x))
    np.testing.assert_allclose(slope, e / (1 + e) ** 2, rtol=1e-14, atol=0)
    assert np.isfinite(fa.grad(fa.grad(fs.expit))(x))


def test_logit_inverts_expit_and_its_slope_is_closed_form():
    p = np.array([1e-10, 0.25, 0.5, 0.9])
    g = fa.grad(lambda p: fs.logit(p).sum())(p)
    np.testing.assert_allclose(g, 1 / (p * (1 - p)), rtol=1e-14)
    np.testing.assert_allclose(fa.grad(lambda x: fs.logit(fs.expit(x)))(0.7), 1.0, rtol=1e-14)


# xlogy, xlog1py: JAX's conventions at x = 0 ----------------------------------------
def test_xlogy_at_zero():
    assert fa.jvp(lambda x: fs.xlogy(x, 0.0), (0.0,), (1.0,))[0] == sc.xlogy(0, 0) == 0
    assert fa.grad(fs.xlogy, argnums=1)(0.0, 2.0) == 0.0  # d/dy = x / y
    assert fa.grad(fs.xlogy)(0.0, 2.0) == np.log(2.0)  # d/dx = log(y), even at x = 0
    assert fa.grad(fs.xlogy)(0.0, 0.0) == -np.inf
    assert np.isnan(fa.grad(fs.xlogy, argnums=1)(0.0, 0.0))  # 0 / 0, as JAX
    np.testing.assert_allclose(fa.grad(fa.grad(fs.xlogy), argnums=1)(0.0, 2.0), 0.5)  # 1 / y


def test_xlog1py_at_zero():
    assert fa.jvp(lambda y: fs.xlog1py(0.0, y), (-1.0,), (1.0,))[0] == sc.xlog1py(0, -1) == 0
    assert fa.grad(fs.xlog1py, argnums=1)(0.0, 1.0) == 0.0
    np.testing.assert_allclose(fa.grad(fs.xlog1py)(0.0, 1e-20), 1e-20, rtol=1e-15)  # log1p


def test_xlogy_of_a_python_scalar_keeps_float32():
    y = np.array([0.5, 2.0], np.float32)
    assert fs.xlogy(2.0, y).dtype == np.float32  # SciPy itself would give float64
    assert fa.grad(lambda y: fs.xlogy(y, 3.0).sum())(y).dtype == np.float32


# The gamma family to higher order ----------------------------------------------------
def test_derivatives_of_gammaln_are_polygammas():
    x = 1.7
    d1 = fa.grad(fs.gammaln)
    d2 = fa.grad(d1)
    d3 = fa.grad(d2)
    d4 = fa.jacfwd(fa.jacrev(d2))
    for order, f in enumerate([d1, d2, d3, d4]):
        np.testing.assert_allclose(f(x), sc.polygamma(order, x), rtol=1e-13)


def test_erf_family_derivatives_in_closed_form():
    x = np.array([-3.0, -0.4, 0.0, 1.3])
    g = fa.vmap(fa.grad(fs.erf))(x)
    np.testing.assert_allclose(g, 2 / np.sqrt(np.pi) * np.exp(-x * x), rtol=1e-14)
    g = fa.vmap(fa.grad(fs.erfcx))(x)
    np.testing.assert_allclose(g, 2 * x * sc.erfcx(x) - 2 / np.sqrt(np.pi), rtol=1e-13,
                               atol=1e-15)
    y = np.array([-0.999, 0.0, 0.5, 0.999999])
    g = fa.vmap(fa.grad(fs.erfinv))(y)
    np.testing.assert_allclose(g, np.sqrt(np.pi) / 2 * np.exp(sc.erfinv(y) ** 2), rtol=1e-13)


# dtypes ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", UNARY + ["polygamma", "softmax", "log_softmax", "logsumexp",
                                          "betaln", "xlogy", "xlog1py"])
def test_float32_in_float32_out(name):
    x = np.array([0.2, 0.5, 0.8], np.float32)
    fun = {
        "polygamma": lambda x: fs.polygamma(1, x),
        "logsumexp": lambda x: fs.logsumexp(x, b=2.0),
        "betaln": lambda x: fs.betaln(x, 1.5),
        "xlogy": lambda x: fs.xlogy(x, x + 1),
        "xlog1py": lambda x: fs.xlog1py(x, x),
    }.get(name, getattr(fs, name))
    assert np.asarray(fun(x)).dtype == np.float32
    y, y_dot = fa.jvp(fun, (x,), (np.ones_like(x),))
    assert np.asarray(y).dtype == np.float32 and np.asarray(y_dot).dtype == np.float32
    assert fa.grad(lambda x: fnp.sum(fun(x)))(x).dtype == np.float32
    h = fa.hessian(lambda x: fnp.sum(fun(x)))(x)
    assert h.dtype == np.float32
