"""Edge cases of the elementwise ufuncs beyond the core (funcad/numpy/elementwise.py).

Expected values come from NumPy or from closed forms, never from funcad itself.

The tests that compute run on the backend ``--backend`` names (``on`` in
``tests/conftest.py``; NumPy without it): inputs, and constants the functions
under test close over, are put there, the transforms run under the backend's
guard (Dask: no computing; CuPy: no copy to the host), and the results must be
that backend's arrays before they are read back and compared with NumPy. Tests
of NumPy-only behaviour (argument errors, Python scalars, result types) stay on
NumPy.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
from funcad.core.primitive import REGISTRY

PI = math.pi
LN2 = math.log(2.0)


def _grad_n(f, n):
    for _ in range(n):
        f = fa.grad(f)
    return f


# sinc -------------------------------------------------------------------------
def _sinc_d1(x):
    return (np.cos(PI * x) - np.sinc(x)) / x


def _sinc_d2(x):
    u = PI * x
    return PI**2 * (-np.sin(u) / u - 2 * np.cos(u) / u**2 + 2 * np.sin(u) / u**3)


def test_sinc_derivatives_at_zero_are_the_maclaurin_coefficients(on):
    # sinc(x) = sum (-1)^n (pi x)^(2n) / (2n+1)!: derivative 2n is (-1)^n pi^(2n) / (2n+1).
    zero, one = on.put(0.0), on.put(1.0)
    assert on.run(fa.grad(fnp.sinc), zero) == 0.0
    assert on.run(_grad_n(fnp.sinc, 2), zero) == pytest.approx(-PI**2 / 3, rel=1e-15)
    assert on.run(_grad_n(fnp.sinc, 3), zero) == 0.0
    assert on.run(_grad_n(fnp.sinc, 4), zero) == pytest.approx(PI**4 / 5, rel=1e-14)
    # Forward over forward, and forward over reverse, agree.
    second = on.run(lambda: fa.jvp(lambda x: fa.jvp(fnp.sinc, (x,), (one,))[1], (zero,),
                                   (one,))[1])
    assert second == pytest.approx(-PI**2 / 3, rel=1e-15)
    assert on.run(fa.hessian(fnp.sinc), zero) == pytest.approx(-PI**2 / 3, rel=1e-15)


@pytest.mark.parametrize("x", [1e-8, 1e-3, -0.2, 1 / PI - 1e-9, 1 / PI + 1e-9, 0.5, -1.7, 3.0])
def test_sinc_derivatives_away_from_zero_match_the_closed_form(x, on):
    # 1/pi is where the rules switch from the series to the closed form. Near 0 the
    # closed forms cancel, and the Taylor series of the derivatives is the reference.
    u2 = (PI * x) ** 2
    if abs(x) < 1e-2:
        d1 = PI**2 * x * (-1 / 3 + u2 / 30 - u2**2 / 840)
        d2 = PI**2 * (-1 / 3 + u2 / 10 - u2**2 / 168)
    else:
        d1, d2 = _sinc_d1(x), _sinc_d2(x)
    assert on.run(fa.grad(fnp.sinc), on.put(x)) == pytest.approx(d1, rel=1e-12)
    assert on.run(_grad_n(fnp.sinc, 2), on.put(x)) == pytest.approx(d2, rel=1e-12)


def test_sinc_derivatives_batched_through_zero(on):
    x = np.array([0.0, 0.25, -1.5, 0.0])
    xb = on.put(x)
    d2 = on.run(fa.vmap(_grad_n(fnp.sinc, 2)), xb)
    expected = [-PI**2 / 3, _sinc_d2(0.25), _sinc_d2(-1.5), -PI**2 / 3]
    np.testing.assert_allclose(d2, expected, rtol=1e-10)
    np.testing.assert_array_equal(on.run(fa.grad(lambda x: fnp.sinc(x).sum()), xb)[[0, 3]],
                                  [0.0, 0.0])


# logaddexp, hypot, arctan2 ------------------------------------------------------
def test_logaddexp_never_overflows(on):
    big, three, one = on.put(1000.0), on.put(3.0), on.put(1.0)
    inf, minus_inf = on.put(np.inf), on.put(-np.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f, base in [(fnp.logaddexp, math.e), (fnp.logaddexp2, 2.0)]:
            assert on.run(f, big, big) == np.logaddexp(1000.0, 1000.0) if base == math.e else True
            g = on.run(fa.grad(f, argnums=(0, 1)), big, big)
            np.testing.assert_allclose(g, [0.5, 0.5], rtol=1e-12)
            # d2/dx2 = log(base) p (1 - p) with p = 1/2 at a tie.
            h = on.run(fa.hessian(f, argnums=(0, 1)), big, big)
            c = math.log(base) / 4
            np.testing.assert_allclose(np.array(h, dtype=float), [[c, -c], [-c, c]], rtol=1e-10)
            # One argument -inf: the result is the other argument, which takes everything.
            assert on.run(f, minus_inf, three) == 3.0
            grad = fa.grad(f, argnums=(0, 1))
            np.testing.assert_array_equal(on.run(grad, minus_inf, three), [0.0, 1.0])
            np.testing.assert_array_equal(on.run(grad, three, minus_inf), [1.0, 0.0])
            # An infinite result is a maximum: ties split.
            np.testing.assert_array_equal(on.run(grad, minus_inf, minus_inf), [0.5, 0.5])
            np.testing.assert_array_equal(on.run(grad, inf, one), [1.0, 0.0])


def test_logaddexp_matches_the_logistic_function(on):
    x, y = np.array([-30.0, 0.5, 40.0]), np.array([2.0, 0.5, -700.0])
    xb, yb = on.put((x, y))
    gx, gy = on.run(fa.grad(lambda x, y: fnp.logaddexp(x, y).sum(), argnums=(0, 1)), xb, yb)
    gx2 = on.run(fa.grad(lambda x, y: fnp.logaddexp2(x, y).sum()), xb, yb)
    with np.errstate(over="ignore"):  # the reference overflows to 1/inf = 0
        np.testing.assert_allclose(gx, 1 / (1 + np.exp(y - x)), rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(gy, 1 / (1 + np.exp(x - y)), rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(gx2, 1 / (1 + 2.0 ** (y - x)), rtol=1e-12, atol=1e-300)


def test_hypot_is_stable_at_extreme_magnitudes(on):
    for scale in [1e300, 1e-300, 1.0]:
        x, y = 3.0 * scale, 4.0 * scale
        xb, yb = on.put((x, y))
        assert on.run(fnp.hypot, xb, yb) == np.hypot(x, y)
        np.testing.assert_allclose(on.run(fa.grad(fnp.hypot, argnums=(0, 1)), xb, yb), [0.6, 0.8],
                                   rtol=1e-15)
        # d2h/dx2 = y**2 / h**3, d2h/dxdy = -x y / h**3, without squaring anything.
        h = np.array(on.run(fa.hessian(fnp.hypot, argnums=(0, 1)), xb, yb), dtype=float)
        r = 5.0 * scale
        expected = np.array([[(4 / 5) ** 2, -12 / 25], [-12 / 25, (3 / 5) ** 2]]) / r
        np.testing.assert_allclose(h, expected, rtol=1e-13)
    zero = on.put(0.0)
    np.testing.assert_array_equal(on.run(fa.grad(fnp.hypot, argnums=(0, 1)), zero, zero),
                                  [0.0, 0.0])
    # arcsinh's derivative goes through hypot: 1 / sqrt(1 + x**2) for huge x.
    assert on.run(fa.grad(fnp.arcsinh), on.put(1e200)) == pytest.approx(1e-200, rel=1e-15)


def test_arctan2_derivatives(on):
    x1, x2 = np.array([1.0, -2.0, 1e200, 3e-200]), np.array([-0.5, 0.7, 1e200, -4e-200])
    g1, g2 = on.run(fa.grad(lambda a, b: fnp.arctan2(a, b).sum(), argnums=(0, 1)),
                    *on.put((x1, x2)))
    r2 = (x1 / np.hypot(x1, x2)) ** 2 + (x2 / np.hypot(x1, x2)) ** 2  # 1, without overflow
    np.testing.assert_allclose(g1, x2 / np.hypot(x1, x2) / np.hypot(x1, x2) / r2, rtol=1e-14)
    np.testing.assert_allclose(g2, -x1 / np.hypot(x1, x2) / np.hypot(x1, x2) / r2, rtol=1e-14)
    # At the origin the derivative is taken as zero and stays finite to second order.
    zero = on.put(0.0)
    np.testing.assert_array_equal(on.run(fa.grad(fnp.arctan2, argnums=(0, 1)), zero, zero),
                                  [0.0, 0.0])
    assert np.all(np.isfinite(np.array(on.run(fa.hessian(fnp.arctan2, argnums=(0, 1)), zero,
                                              zero), dtype=float)))


# Quotients -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["fmod", "remainder", "mod"])
def test_modulo_derivatives_follow_numpy_quotient(name, on):
    rng = np.random.default_rng(5)
    x1 = rng.uniform(-10, 10, 50)
    x2 = rng.uniform(0.3, 3, 50) * rng.choice([-1, 1], 50)
    # 1.0 / 0.1 rounds up to 10.0, but fmod(1.0, 0.1) = 1.0 - 9 * 0.1: the quotient is 9.
    x1, x2 = np.append(x1, [1.0, -1.0, 7.0]), np.append(x2, [0.1, 0.1, -2.0])
    ref = getattr(np, name)
    g1, g2 = on.run(fa.grad(lambda a, b: getattr(fnp, name)(a, b).sum(), argnums=(0, 1)),
                    *on.put((x1, x2)))
    np.testing.assert_array_equal(g1, np.ones_like(x1))
    np.testing.assert_array_equal(g2, -np.rint((x1 - ref(x1, x2)) / x2))
    assert g2[-3] == -9.0
    # Against central differences, where the quotient is not near a jump.
    q = x1 / x2
    smooth = np.abs(q - np.round(q)) > 1e-3
    h = 1e-7
    fd = (ref(x1, x2 + h) - ref(x1, x2 - h)) / (2 * h)
    np.testing.assert_allclose(g2[smooth], fd[smooth], atol=1e-5)
    assert smooth.sum() > 40


def test_floor_divide_and_divmod(on):
    x1, x2 = np.array([7.0, -7.0, 7.5, 1.0]), np.array([2.0, 2.0, -2.0, 0.1])
    x1b, x2b = on.put((x1, x2))
    q, r = on.run(fa.vmap(fnp.divmod), x1b, x2b)
    np.testing.assert_array_equal(q, np.floor_divide(x1, x2))
    np.testing.assert_array_equal(r, np.remainder(x1, x2))
    assert fnp.divmod(7.0, 2.0) == np.divmod(7.0, 2.0)  # Python numbers: NumPy's scalars
    g = on.run(fa.grad(lambda a, b: fnp.floor_divide(a, b).sum(), argnums=(0, 1)), x1b, x2b)
    np.testing.assert_array_equal(g, np.zeros((2, 4)))


def test_modf_under_transforms_matches_numpy(on):
    x = np.array([-2.5, 3.25, np.inf, -np.inf, 4.0, -0.75])
    xb = on.put(x)
    frac, whole = on.run(fa.vmap(fnp.modf), xb)
    np.testing.assert_array_equal(frac, np.modf(x)[0])
    np.testing.assert_array_equal(whole, np.modf(x)[1])
    np.testing.assert_array_equal(on.run(fa.grad(lambda x: fnp.modf(x)[0].sum()), xb),
                                  [1.0, 1.0, 0.0, 0.0, 1.0, 1.0])
    _, t = on.run(fa.jvp, lambda x: fnp.modf(x)[1], (xb,), (on.put(np.ones(6)),))
    np.testing.assert_array_equal(t, np.zeros(6))


# Step functions ----------------------------------------------------------------
STEPS = ["floor", "ceil", "trunc", "rint", "fix", "round", "around", "spacing", "sign"]


@pytest.mark.parametrize("name", STEPS)
def test_step_functions_have_zero_derivatives(name, on):
    x = np.array([-1.5, -0.3, 0.0, 0.5, 2.7], dtype=np.float32)
    xb = on.put(x)
    f = getattr(fnp, name)
    g = on.run(fa.grad(lambda x: f(x).sum()), xb)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, np.zeros(5))
    _, t = on.run(fa.jvp, f, (xb,), (on.put(np.ones(5, np.float32)),))
    np.testing.assert_array_equal(t, np.zeros(5))
    np.testing.assert_array_equal(on.run(fa.vmap(f), xb), getattr(np, name)(x))


def test_heaviside_derivative_goes_to_x2_at_zero(on):
    x1 = np.array([-1.0, 0.0, 2.0, -0.0])
    x2 = np.array([0.5, 0.25, 0.75, 0.1])
    x1b, x2b = on.put((x1, x2))
    g1, g2 = on.run(fa.grad(lambda a, b: fnp.heaviside(a, b).sum(), argnums=(0, 1)), x1b, x2b)
    np.testing.assert_array_equal(g1, np.zeros(4))
    np.testing.assert_array_equal(g2, (x1 == 0).astype(float))
    # A scalar x2 collects the derivative of every zero of x1.
    assert on.run(fa.grad(lambda h: fnp.heaviside(x1b, h).sum()), on.put(0.5)) == 2.0


def test_round_decimals(on):
    x = np.array([0.125, -2.675, 12345.6789])
    xb = on.put(x)
    for d in [0, 2, -2]:
        np.testing.assert_array_equal(on.run(fa.vmap(lambda x, d=d: fnp.round(x, d)), xb),
                                      np.round(x, d))
        np.testing.assert_array_equal(np.round(x, d),
                                      on.run(lambda x, d=d: fnp.round(x, decimals=d), xb))
    # Argument errors: NumPy's.
    with pytest.raises(TypeError, match="decimals must be an integer, got 1.5"):
        fnp.round(x, 1.5)
    with pytest.raises(TypeError, match="out="):
        fnp.round(x, 1, out=np.empty(3))


# nan_to_num and the classifiers --------------------------------------------------
def test_nan_to_num_passes_the_derivative_only_where_finite(on):
    for dtype in [np.float64, np.float32]:
        x = np.array([1.5, np.nan, np.inf, -np.inf, -2.0], dtype=dtype)
        xb = on.put(x)
        g = on.run(fa.grad(lambda x: (fnp.nan_to_num(x, posinf=3.0) * x).sum()),
                   on.put(np.where(np.isfinite(x), x, 2)))
        assert g.dtype == dtype
        g = on.run(fa.grad(lambda x: fnp.nan_to_num(x, nan=1.0, neginf=-5.0).sum()), xb)
        assert g.dtype == dtype
        np.testing.assert_array_equal(g, [1.0, 0.0, 0.0, 0.0, 1.0])
        y, t = on.run(fa.jvp, lambda x: fnp.nan_to_num(x, nan=1.0, neginf=-5.0), (xb,),
                      (on.put(np.ones(5, dtype)),))
        np.testing.assert_array_equal(y, np.nan_to_num(x, nan=1.0, neginf=-5.0))
        np.testing.assert_array_equal(t, [1.0, 0.0, 0.0, 0.0, 1.0])
    # Argument errors: NumPy's.
    with pytest.raises(TypeError, match="nan= is a traced value"):
        fa.grad(lambda v: fnp.nan_to_num(np.array([np.nan]), nan=v).sum())(1.0)


def test_nan_to_num_without_transforms_is_numpy(on):
    x = np.array([np.nan, 1.0, np.inf])
    xb = on.put(x)
    out = on.run(fnp.nan_to_num, xb)
    np.testing.assert_array_equal(out, np.nan_to_num(x))
    assert np.isnan(on.get(xb)[0])  # copy=True leaves the input alone


def test_classifiers_under_transforms(on):
    x = np.array([1.0, np.nan, np.inf, -np.inf, -0.0])
    xb = on.put(x)
    for name in ["isfinite", "isnan", "isinf", "signbit", "isposinf", "isneginf"]:
        f = getattr(fnp, name)
        np.testing.assert_array_equal(on.run(fa.vmap(f), xb), getattr(np, name)(x))
    # Used as masks, they carry no derivative themselves.
    g = on.run(fa.grad(lambda x: (2 * fnp.where(fnp.isfinite(x), x, 0.0)).sum()), xb)
    np.testing.assert_array_equal(g, [2.0, 0.0, 0.0, 0.0, 2.0])


# fmax, fmin, copysign -------------------------------------------------------------
@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_fmin_ignore_nan_and_split_ties(name, on):
    f = getattr(fnp, name)

    def grad(*args):
        return on.run(fa.grad(f, argnums=(0, 1)), *on.put(args))

    np.testing.assert_array_equal(grad(np.nan, 2.0), [0.0, 1.0])
    np.testing.assert_array_equal(grad(2.0, np.nan), [1.0, 0.0])
    np.testing.assert_array_equal(grad(2.0, 2.0), [0.5, 0.5])  # as maximum/minimum
    two = on.put(2.0)
    assert on.run(fa.grad(lambda x: getattr(fnp, name.replace("f", "", 1) + "imum")(x, two)),
                  two) == 0.5
    big, small = (1.0, 0.0) if name == "fmax" else (0.0, 1.0)
    np.testing.assert_array_equal(grad(3.0, -1.0), [big, small])


def test_copysign_derivative(on):
    x1 = np.array([2.0, -3.0, 0.0, 1.5])
    x2 = np.array([-1.0, -0.0, 5.0, 2.0])
    g1, g2 = on.run(fa.grad(lambda a, b: fnp.copysign(a, b).sum(), argnums=(0, 1)),
                    *on.put((x1, x2)))
    np.testing.assert_array_equal(g1, [-1.0, 1.0, 0.0, 1.0])  # sign(x1) sign(result); 0 at 0
    np.testing.assert_array_equal(g2, np.zeros(4))


# Closed forms to third order, cbrt at negative x ------------------------------------
def test_third_derivatives_match_closed_forms(on):
    def d(f, n, x):
        return on.run(_grad_n(f, n), on.put(x))

    for x in [0.3, 2.0, 17.0]:
        assert d(fnp.log2, 3, x) == pytest.approx(2 / (x**3 * LN2), rel=1e-13)
        assert d(fnp.log10, 3, x) == pytest.approx(2 / (x**3 * math.log(10)), rel=1e-13)
    for x in [-1.5, 0.0, 0.4, 3.0]:
        expected = (2 * x**2 - 1) / (1 + x**2) ** 2.5
        assert d(fnp.arcsinh, 3, x) == pytest.approx(expected, rel=1e-12)
    for x in [-0.5, 0.2]:  # arctanh''' = (2 + 6 x^2) / (1 - x^2)^3
        assert d(fnp.arctanh, 3, x) == pytest.approx((2 + 6 * x * x) / (1 - x * x) ** 3)
    for x in [1.5, 4.0]:  # arccosh'' = -x / (x^2 - 1)^(3/2)
        assert d(fnp.arccosh, 2, x) == pytest.approx(-x / (x * x - 1) ** 1.5, rel=1e-12)
    assert d(fnp.exp2, 3, 1.5) == pytest.approx(2**1.5 * LN2**3, rel=1e-14)


def test_cbrt_is_differentiable_at_negative_x(on):
    x = on.put(-8.0)
    assert on.run(fnp.cbrt, x) == -2.0
    assert on.run(fa.grad(fnp.cbrt), x) == pytest.approx(1 / 12, rel=1e-15)
    # d2/dx2 x^(1/3) = -2/9 x^(-5/3), and (-8)^(-5/3) = -1/32.
    assert on.run(_grad_n(fnp.cbrt, 2), x) == pytest.approx(1 / 144, rel=1e-14)


def test_degree_conversions_are_numpy_exact(on):
    x = np.linspace(-720, 720, 17)
    np.testing.assert_array_equal(on.run(fa.vmap(fnp.radians), on.put(x)), np.radians(x))
    np.testing.assert_array_equal(on.run(fa.vmap(fnp.degrees), on.put(x / 57)),
                                  np.degrees(x / 57))
    assert on.run(fa.grad(fnp.deg2rad), on.put(30.0)) == PI / 180
    assert on.run(fa.grad(fnp.rad2deg), on.put(1.0)) == 180 / PI


# power and float_power ----------------------------------------------------------------
def test_power_float32_and_negative_bases_with_integer_exponents(on):
    x = np.array([-2.0, -0.5, 3.0], dtype=np.float32)
    xb = on.put(x)
    g = on.run(fa.grad(lambda x: (x**3).sum()), xb)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 3 * x.astype(float) ** 2, rtol=1e-6)
    y = np.array([3.0, -2.0, 2.0], dtype=np.float32)
    with np.errstate(invalid="ignore"):  # log of the negative bases
        gx, gy = on.run(fa.grad(lambda a, b: fnp.power(a, b).sum(), argnums=(0, 1)), xb,
                        on.put(y))
    assert gx.dtype == gy.dtype == np.float32
    np.testing.assert_allclose(gx, y * x.astype(float) ** (y - 1), rtol=1e-6)
    # d/dy needs log(x): undefined for a negative base (nan), log(x) x**y for a positive one.
    assert np.isnan(gy[:2]).all()
    np.testing.assert_allclose(gy[2], np.log(3.0) * 9.0, rtol=1e-6)
    h = on.run(fa.hessian(lambda x: (x**3).sum()), xb)
    assert h.dtype == np.float32
    np.testing.assert_allclose(np.diag(h), 6 * x, rtol=1e-6)


def test_float_power(on):
    x = np.array([-2.0, 0.5, 3.0], dtype=np.float32)
    xb = on.put(x)
    y = on.run(fnp.float_power, xb, 3)
    assert y.dtype == np.float64 and np.array_equal(y, np.float_power(x, 3))
    y, t = on.run(fa.jvp, lambda x: fnp.float_power(x, 3), (xb,), (on.put(np.ones(3, np.float32)),))
    assert y.dtype == t.dtype == np.float64
    np.testing.assert_array_equal(y, np.float_power(x, 3))
    g = on.run(fa.grad(lambda x: fnp.float_power(x, 3).sum()), xb)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 3 * x.astype(float) ** 2, rtol=1e-7)
    assert fnp.float_power(2, -2) == np.float_power(2, -2)  # Python numbers: NumPy's scalar
    np.testing.assert_array_equal(
        on.run(fa.vmap(lambda b: fnp.float_power(2, b)), on.put(np.array([-1, 0, 3]))),
        np.float_power(2, np.array([-1, 0, 3])))


def test_ldexp(on):
    x, e = np.array([0.75, -3.0, 1e-310], dtype=np.float64), np.array([2, -3, 50])
    xb, eb = on.put((x, e))
    np.testing.assert_array_equal(on.run(fa.vmap(fnp.ldexp), xb, eb), np.ldexp(x, e))
    np.testing.assert_array_equal(on.run(fa.grad(lambda x: fnp.ldexp(x, eb).sum()), xb),
                                  np.ldexp(1.0, e))
    e2 = on.put(e[:2])
    g = on.run(fa.grad(lambda x: fnp.ldexp(x, e2).sum()), on.put(x.astype(np.float32)[:2]))
    assert g.dtype == np.float32


# float32 in, float32 out ---------------------------------------------------------------
def _inside(lo, hi):
    return np.array([lo + 0.1 * (hi - lo), lo + 0.45 * (hi - lo), lo + 0.8 * (hi - lo)])


UNARY32 = {
    "exp2": (-2, 2), "log2": (0.5, 2), "log10": (0.5, 2), "cbrt": (-2, 2), "arcsinh": (-2, 2),
    "arccosh": (1.2, 3), "arctanh": (-0.9, 0.9), "deg2rad": (-90, 90), "rad2deg": (-2, 2),
    "radians": (-90, 90), "degrees": (-2, 2), "positive": (-2, 2), "fabs": (-2, 2),
    "sinc": (-2, 2), "floor": (-2, 2), "ceil": (-2, 2), "trunc": (-2, 2), "rint": (-2, 2),
    "fix": (-2, 2), "round": (-2, 2), "around": (-2, 2), "spacing": (1, 2), "nan_to_num": (-2, 2),
    "asinh": (-2, 2), "acosh": (1.2, 3), "atanh": (-0.5, 0.5),
}
BINARY32 = ["arctan2", "hypot", "logaddexp", "logaddexp2", "fmod", "remainder", "mod",
            "copysign", "heaviside", "fmax", "fmin", "floor_divide", "atan2"]


def _check_float32(on, f, ref, args):
    args = [np.asarray(a, dtype=np.float32) for a in args]
    on_args = on.put(args)
    out = on.run(f, *on_args)
    expected = ref(*args)
    assert out.dtype == expected.dtype == np.float32
    np.testing.assert_array_equal(out, expected)
    argnums = tuple(range(len(args)))
    y, t = on.run(fa.jvp, f, tuple(on_args), tuple(on.put([np.ones_like(a) for a in args])))
    assert y.dtype == t.dtype == np.float32
    grads = on.run(fa.grad(lambda *a: f(*a).sum(), argnums=argnums), *on_args)
    assert all(g.dtype == np.float32 for g in grads)
    hess = on.run(fa.hessian(lambda *a: f(*a).sum(), argnums=argnums), *on_args)
    assert all(h.dtype == np.float32 for row in hess for h in row)
    batched = on.run(fa.vmap(fa.grad(lambda *a: f(*a).sum(), argnums=argnums)),
                     *on.put([np.stack([a, a]) for a in args]))
    assert all(g.dtype == np.float32 for g in batched)


@pytest.mark.parametrize("name", sorted(UNARY32))
def test_float32_unary(name, on):
    _check_float32(on, getattr(fnp, name), getattr(np, name), [_inside(*UNARY32[name])])


@pytest.mark.parametrize("name", BINARY32)
def test_float32_binary(name, on):
    _check_float32(on, getattr(fnp, name), getattr(np, name),
                   [np.array([1.3, -0.7, 2.9]), np.array([0.6, 1.7, -1.1])])


MINE = ["exp2", "log2", "log10", "cbrt", "arcsinh", "arccosh", "arctanh", "deg2rad", "rad2deg",
        "positive", "fabs", "sinc", "floor", "ceil", "trunc", "rint", "spacing", "round",
        "nan_to_num", "floor_divide", "heaviside", "arctan2", "hypot", "logaddexp", "logaddexp2",
        "fmod", "remainder", "copysign", "fmax", "fmin", "ldexp"]
PARAMS = {"sinc": {"order": 0}, "round": {"decimals": 1},
          "nan_to_num": {"nan": 0.0, "posinf": None, "neginf": None}}


@pytest.mark.parametrize("name", MINE)
def test_rules_compute_in_float32(name, on):
    # The rules themselves, not just the transforms' final cast, stay in float32.
    prim = REGISTRY[name]
    x = np.array([0.3, -0.5, 0.7] if name == "arctanh" else [1.3, 1.7, 2.9], dtype=np.float32)
    args = [x, np.array([3, -1, 2])] if name == "ldexp" else [x]
    if name in ("heaviside", "arctan2", "hypot", "logaddexp", "logaddexp2", "fmod", "remainder",
                "copysign", "fmax", "fmin", "floor_divide"):
        args.append(np.array([0.6, 1.9, -1.1], dtype=np.float32))
    args = on.put(args)
    params = PARAMS.get(name, {})
    with on.guard():
        ans = prim.impl(*args, **params)
    assert on.get(ans).dtype == np.float32
    g = on.put(np.ones(3, np.float32))
    for rules in (prim.jvps, prim.vjps):
        for i in range(len(args)):
            rule = rules[i]
            if rule is not None:
                with on.guard():
                    out = rule(g, ans, *args, **params)
                assert out is None or on.get(out).dtype == np.float32, (name, i)


# NumPy's own functions on traced values ----------------------------------------------------
def test_numpy_calls_on_traced_values_reach_funcad(on):
    x = np.array([0.0, 0.3, -1.2])

    def f(x):
        return (np.sinc(x) + np.hypot(x, 2.0) + np.logaddexp(x, 1.0) + np.floor(x)
                + np.round(x, 1) + np.fix(x) + np.nan_to_num(x) + np.arctan2(x, 1.0)).sum()

    expected = (_sinc_d1(np.where(x == 0, 1, x)) * (x != 0) + x / np.hypot(x, 2.0)
                + 1 / (1 + np.exp(1.0 - x)) + 1 + 1 / (1 + x * x))
    np.testing.assert_allclose(on.run(fa.grad(f), on.put(x)), expected, rtol=1e-12)


@pytest.mark.fixed_backend("plain calls on Python and NumPy scalars and NumPy arrays must return "
                           "exactly NumPy's results and types (NumPy scalars)")
def test_no_tracer_returns_what_numpy_returns():
    for f, ref, args in [(fnp.sinc, np.sinc, (0.5,)), (fnp.hypot, np.hypot, (3, 4)),
                         (fnp.round, np.round, (2.5,)), (fnp.fix, np.fix, (np.array([1, -2]),)),
                         (fnp.floor, np.floor, (np.array([1, -2]),)),
                         (fnp.exp2, np.exp2, (np.float32(3),)),
                         (fnp.isposinf, np.isposinf, (np.array([np.inf, 1.0]),)),
                         (fnp.modf, np.modf, (-0.5,))]:
        out, expected = f(*args), ref(*args)
        assert type(out) is type(expected)
        if isinstance(out, tuple):
            for a, b in zip(out, expected):
                assert a.dtype == b.dtype and a == b
        else:
            assert out.dtype == expected.dtype
            np.testing.assert_array_equal(out, expected)
