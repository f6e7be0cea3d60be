"""Edge cases of numerical routines, polynomials and NaN-ignoring order statistics.

Expected values come from NumPy (on plain arrays), closed forms or finite
differences, never from funcad's own output.

The tests that compute run on the backend ``--backend`` names (the ``on``
fixture in ``tests/conftest.py``; NumPy without it): inputs and the constants
they meet are put there, the transforms run under the backend's guard (Dask: no
computing; CuPy: no copy to the host), and the results must be that backend's
arrays before they are read back and compared with NumPy.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
from tests._reference import num_jacobian

NAN = np.nan
RNG_SEED = 20240611


def _rng(salt=0):
    return np.random.default_rng(RNG_SEED + salt)


def _not_lazy_on_dask(on, name, fun, *args):
    """On Dask: check that ``fun(*args)`` is refused before any work, and mark the test xfail."""
    if on.name != "dask":
        return
    from funcad.backend.dask import NotLazyError

    with pytest.raises(NotLazyError):
        on.run(fun, *args)
    pytest.xfail(f"Dask has no lazy numpy.{name}: funcad refuses it on Dask (NotLazyError) "
                 "by design (docs/backends.md, tests/test_dask_sweep.py)")


# convolve, correlate ----------------------------------------------------------
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("n, m", [(5, 3), (3, 5), (4, 4), (1, 2)])
def test_convolve_jacobians_are_numpys_linear_maps(mode, n, m, on):
    """convolve is bilinear: its Jacobian in a is convolve(e_i, v) column by column."""
    rng = _rng(n * 10 + m)
    a, v = rng.normal(size=n), rng.normal(size=m)
    ab, vb = on.put((a, v))
    for name in ["convolve", "correlate"]:
        ref = getattr(np, name)
        jac_a = np.stack([ref(e, v, mode) for e in np.eye(n)], axis=-1)
        jac_v = np.stack([ref(a, e, mode) for e in np.eye(m)], axis=-1)
        fun = getattr(fnp, name)
        got_a, got_v = on.run(fa.jacrev(lambda a, v: fun(a, v, mode), argnums=(0, 1)), ab, vb)
        np.testing.assert_allclose(got_a, jac_a, rtol=0, atol=1e-14)
        np.testing.assert_allclose(got_v, jac_v, rtol=0, atol=1e-14)


def test_convolve_gradient_is_a_correlation(on):
    rng = _rng(1)
    a, v, w = rng.normal(size=6), rng.normal(size=3), rng.normal(size=8)
    wb = on.put(w)
    grad_a, grad_v = on.run(fa.grad(lambda a, v: fnp.sum(wb * fnp.convolve(a, v)),
                                    argnums=(0, 1)), *on.put((a, v)))
    np.testing.assert_allclose(grad_a, np.correlate(w, v, "valid"), rtol=1e-13)
    np.testing.assert_allclose(grad_v, np.correlate(w, a, "valid"), rtol=1e-13)


def test_convolve_and_correlate_value_and_errors(on):
    a = np.array([1.0, 2.0, 3.0])
    v = np.array([0.0, 1.0, 0.5])
    ab, vb, empty = on.put((a, v, np.zeros(0)))
    y, _ = on.run(fa.jvp, lambda a: fnp.convolve(a, vb, "same"), (ab,), (ab,))
    np.testing.assert_array_equal(y, np.convolve(a, v, "same"))
    # np.convolve on a traced value dispatches to funcad.
    g = on.run(fa.grad(lambda a: np.convolve(a, vb).sum()), ab)
    np.testing.assert_allclose(g, np.full(3, v.sum()))
    with pytest.raises(ValueError, match="1-D"):
        fa.grad(lambda a: fnp.convolve(a.reshape(1, 3), vb).sum())(ab)
    with pytest.raises(ValueError, match="cannot be empty"):
        fa.grad(lambda a: fnp.correlate(a, empty).sum())(ab)
    with pytest.raises(ValueError, match="mode"):
        fa.grad(lambda a: fnp.convolve(a, vb, "middle").sum())(ab)


def test_correlate_conjugates_complex_v(on):
    a = np.array([1.0 + 1j, 2.0, -1j])
    v = np.array([0.5 - 2j, 1.0 + 0.5j])
    ab, vb = on.put((a, v))
    for mode in ["full", "same", "valid"]:
        y, _ = on.run(fa.jvp, lambda a: fnp.correlate(a, vb, mode), (ab,), (ab,))
        np.testing.assert_allclose(y, np.correlate(a, v, mode), rtol=1e-14)
        y, _ = on.run(fa.jvp, lambda a: fnp.correlate(vb, a, mode), (ab,), (ab,))
        np.testing.assert_allclose(y, np.correlate(v, a, mode), rtol=1e-14)


# trapezoid, gradient, ediff1d, unwrap -----------------------------------------
def test_trapezoid_weights_are_half_the_neighbouring_intervals(on):
    x = np.array([0.0, 0.5, 2.0, 2.5, 4.0])
    y = np.array([1.0, -2.0, 0.5, 3.0, 1.5])
    yb, xb = on.put((y, x))
    gy, gx = on.run(fa.grad(lambda y, x: fnp.trapezoid(y, x), argnums=(0, 1)), yb, xb)
    widths = np.diff(x)
    expected_y = np.concatenate([[widths[0]], widths[:-1] + widths[1:], [widths[-1]]]) / 2
    np.testing.assert_allclose(gy, expected_y, rtol=1e-15)
    expected_x = np.concatenate([[-(y[0] + y[1])], y[:-2] - y[2:], [y[-2] + y[-1]]]) / 2
    np.testing.assert_allclose(gx, expected_x, rtol=1e-15)
    # dx: the integral is linear in the spacing.
    assert float(on.run(fa.grad(lambda d: fnp.trapezoid(yb, dx=d)), on.put(2.0))) == (
        pytest.approx(np.trapezoid(y)))


def test_gradient_is_linear_with_numpys_coefficients(on):
    rng = _rng(2)
    f = rng.normal(size=(5, 4))
    x = np.array([0.0, 0.3, 1.0, 1.2, 2.5])
    fb, xb = on.put((f, x))
    for edge in [1, 2]:
        expected = np.stack([np.gradient(e, x, axis=0, edge_order=edge)
                             for e in np.eye(20).reshape(20, 5, 4)], axis=-1).reshape(5, 4, 5, 4)
        got = on.run(fa.jacfwd(lambda f: fnp.gradient(f, xb, axis=0, edge_order=edge)), fb)
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13)
        # Against the coordinates, finite differences of NumPy's gradient.
        numeric = num_jacobian(lambda x: np.gradient(f, x, axis=0, edge_order=edge), x)
        got_x = on.run(fa.jacrev(lambda x: fnp.gradient(fb, x, axis=0, edge_order=edge)), xb)
        np.testing.assert_allclose(got_x, numeric, rtol=1e-6, atol=1e-6)


def test_gradient_uniform_coordinates_take_numpys_uniform_formula(on):
    f = np.array([1.0, 4.0, 9.0, 16.0, 25.0])
    x = np.arange(5.0) * 0.5
    fb, xb, ib = on.put((f, x, np.array([0, 1, 3, 4, 7])))
    got, _ = on.run(fa.jvp, lambda f: fnp.gradient(f, xb, edge_order=2), (fb,), (fb,))
    np.testing.assert_array_equal(got, np.gradient(f, x, edge_order=2))
    # Integer coordinates are converted to float, as NumPy does.
    got, _ = on.run(fa.jvp, lambda f: fnp.gradient(f, ib), (fb,), (fb,))
    np.testing.assert_allclose(got, np.gradient(f, np.array([0, 1, 3, 4, 7])), rtol=1e-15)


def test_gradient_errors(on):
    f, coords = on.put((np.ones(3), np.arange(4.0)))
    with pytest.raises(ValueError, match="too small"):
        fa.jvp(lambda f: fnp.gradient(f[:2], edge_order=2), (f,), (f,))
    with pytest.raises(ValueError, match="greater than 2"):
        fa.jvp(lambda f: fnp.gradient(f, edge_order=3), (f,), (f,))
    with pytest.raises(ValueError, match="match the length"):
        fa.jvp(lambda f: fnp.gradient(f, coords), (f,), (f,))
    with pytest.raises(TypeError, match="spacing arguments"):
        fa.jvp(lambda f: fnp.gradient(f, 1.0, 2.0), (f,), (f,))


def test_ediff1d_ends_and_casting(on):
    a = np.array([[1.0, 4.0], [9.0, 16.0]])
    ab = on.put(a)
    got, _ = on.run(fa.jvp, lambda a: fnp.ediff1d(a, to_end=[7.0], to_begin=-1.0), (ab,), (ab,))
    np.testing.assert_array_equal(got, np.ediff1d(a, to_end=[7.0], to_begin=-1.0))
    g = on.run(fa.grad(lambda b: fnp.sum(fnp.ediff1d(ab, to_begin=b) * 2.0)),
               on.put(np.array([1.0, 2.0])))
    np.testing.assert_array_equal(g, [2.0, 2.0])
    with pytest.raises(TypeError, match="same_kind"):
        fa.vmap(lambda a: fnp.ediff1d(fnp.astype(a, np.int64), to_begin=0.5))(ab)


def test_unwrap_derivative_is_the_identity(on):
    p = np.array([0.0, 3.0, 6.5, 1.0, -2.5, 4.0])
    pb, tb = on.put((p, np.arange(6.0)))
    got, tangent = on.run(fa.jvp, fnp.unwrap, (pb,), (tb,))
    np.testing.assert_array_equal(got, np.unwrap(p))
    np.testing.assert_array_equal(tangent, np.arange(6.0))
    np.testing.assert_array_equal(on.run(fa.jacrev(fnp.unwrap), pb), np.eye(6))
    # Integer periods and a jump of exactly half a period, as NumPy.
    q = np.array([0.0, 1.0, 2.0, -1.0, 0.0, 2.0])
    qb = on.put(q)
    got, _ = on.run(fa.jvp, lambda q: fnp.unwrap(q, period=4), (qb,), (qb,))
    np.testing.assert_array_equal(got, np.unwrap(q, period=4))


# interp -----------------------------------------------------------------------
XP = np.array([-1.0, 0.0, 0.5, 2.0])
FP = np.array([1.0, 3.0, 2.0, 5.0])
SLOPES = np.diff(FP) / np.diff(XP)


def test_interp_values_at_knots_are_exact(on):
    xp_b, fp_b = on.put((XP, FP))
    got, _ = on.run(fa.jvp, lambda f: fnp.interp(xp_b, xp_b, f), (fp_b,), (fp_b,))
    np.testing.assert_array_equal(got, FP)
    xp = np.array([0.1, 0.3, 0.7])
    fp = np.array([0.1, 0.2, 0.3])
    xb, fb = on.put((xp, fp))
    got, _ = on.run(fa.jvp, lambda x: fnp.interp(x, xb, fb), (xb,), (xb,))
    np.testing.assert_array_equal(got, np.interp(xp, xp, fp))


def test_interp_derivative_at_knots_is_one_sided_as_jax(on):
    """Interior knot: the segment to the right; xp[0]: the first; xp[-1]: the last."""
    xp_b, fp_b = on.put((XP, FP))
    slope = on.run(fa.vmap(fa.grad(lambda x: fnp.interp(x, xp_b, fp_b))), xp_b)
    np.testing.assert_array_equal(slope, [SLOPES[0], SLOPES[1], SLOPES[2], SLOPES[2]])
    for x in XP:
        assert float(on.run(fa.grad(lambda x: fnp.interp(x, xp_b, fp_b)), on.put(x))) == (
            slope[list(XP).index(x)])
    # Outside the knots the value is left/right: no derivative in x.
    outside = on.run(fa.vmap(fa.grad(lambda x: fnp.interp(x, xp_b, fp_b, left=0.0, right=9.0))),
                     on.put(np.array([-3.0, 2.5])))
    np.testing.assert_array_equal(outside, [0.0, 0.0])
    points = on.put(np.array([-3.0, 0.2, 4.0]))
    g_left, g_right = on.run(fa.grad(lambda lo, hi: fnp.interp(points, xp_b, fp_b,
                                                               left=lo, right=hi).sum(),
                                     argnums=(0, 1)), *on.put((0.0, 9.0)))
    assert (g_left, g_right) == (1.0, 1.0)


def test_interp_derivatives_in_fp_and_xp_between_knots(on):
    x = np.array([0.2, 1.1, -0.25])
    xb, xp_b, fp_b = on.put((x, XP, FP))
    jac_fp = on.run(fa.jacfwd(lambda f: fnp.interp(xb, xp_b, f)), fp_b)
    expected = np.stack([np.interp(x, XP, e) for e in np.eye(4)], axis=-1)
    np.testing.assert_allclose(jac_fp, expected, rtol=1e-14, atol=1e-15)
    jac_xp = on.run(fa.jacrev(lambda p: fnp.interp(xb, p, fp_b)), xp_b)
    np.testing.assert_allclose(jac_xp, num_jacobian(lambda p: np.interp(x, p, FP), XP),
                               rtol=1e-6, atol=1e-7)


def test_interp_repeated_last_knot_and_one_point(on):
    xp = np.array([0.0, 1.0, 1.0])
    fp = np.array([0.0, 1.0, 3.0])
    x = np.array([0.5, 1.0, 2.0])
    xp_b, fp_b, xb = on.put((xp, fp, x))
    got, tangent = on.run(fa.jvp, lambda x: fnp.interp(x, xp_b, fp_b), (xb,), (on.put(np.ones(3)),))
    np.testing.assert_array_equal(got, np.interp(x, xp, fp))
    assert np.isfinite(tangent).all()
    points, knot = on.put((np.array([-1.0, 0.0, 2.0, NAN]), np.array([0.0])))
    got, _ = on.run(fa.jvp, lambda f: fnp.interp(points, knot, f),
                    (on.put(np.array([4.0])),), (on.put(np.ones(1)),))
    np.testing.assert_array_equal(got, np.interp(np.array([-1.0, 0.0, 2.0, NAN]), [0.0], [4.0]))


def test_interp_float64_results_and_errors(on):
    x32 = np.array([0.25, 0.75], np.float32)
    xp_b, fp_b = on.put((XP, FP))
    with on.guard():
        y, f_vjp = fa.vjp(lambda x: fnp.interp(x, xp_b, fp_b), on.put(x32))
        cotangent = f_vjp(on.put(np.ones(2)))[0]
    assert on.get(y).dtype == np.interp(x32, XP, FP).dtype == np.float64
    assert on.get(cotangent).dtype == np.float32
    with pytest.raises(ValueError, match="same length"):
        fa.grad(lambda f: fnp.interp(0.5, xp_b, f))(on.put(FP[:3]))
    with pytest.raises(ValueError, match="non-zero"):
        fa.grad(lambda f: fnp.interp(0.5, xp_b, f, period=0))(fp_b)


# cov, corrcoef ----------------------------------------------------------------
def test_cov_weights_match_numpy_and_differentiate(on):
    rng = _rng(3)
    m = rng.normal(size=(2, 7))
    fweights = np.array([1, 2, 0, 3, 1, 1, 2])
    aweights = rng.uniform(0.2, 2.0, 7)
    mb, fweights_b, aweights_b = on.put((m, fweights, aweights))
    for ddof in [None, 0, 1, 3]:
        def weighted(a, d=ddof):
            return fnp.cov(mb, ddof=d, fweights=fweights_b, aweights=a)

        got, _ = on.run(fa.jvp, weighted, (aweights_b,), (aweights_b,))
        np.testing.assert_allclose(got, np.cov(m, ddof=ddof, fweights=fweights,
                                               aweights=aweights), rtol=1e-13)
        numeric = num_jacobian(lambda a, d=ddof: np.cov(m, ddof=d, fweights=fweights,
                                                        aweights=a), aweights)
        np.testing.assert_allclose(on.run(fa.jacrev(weighted), aweights_b), numeric,
                                   rtol=1e-6, atol=1e-7)
    # Traced frequency weights act as real weights in NumPy's formula.
    def by_formula(f):
        centred = m - (m * f).sum(axis=1, keepdims=True) / f.sum()
        return (centred * f) @ centred.T / (f.sum() - 1)

    f = fweights.astype(float)
    np.testing.assert_allclose(by_formula(f), np.cov(m, fweights=fweights), rtol=1e-14)
    g = on.run(fa.jacfwd(lambda f: fnp.cov(mb, fweights=f)), on.put(f))
    np.testing.assert_allclose(g, num_jacobian(by_formula, f), rtol=1e-6, atol=1e-7)


def test_cov_errors_and_warning(on):
    m = on.put(np.ones((2, 3)))
    with pytest.raises(ValueError, match="more than 2"):
        fa.grad(lambda x: fnp.cov(x).sum())(on.put(np.ones((2, 2, 2))))
    x = np.array([[1.0, 2.0]])
    xb = on.put(x)
    with pytest.warns(RuntimeWarning, match="Degrees of freedom"), np.errstate(divide="ignore"):
        got, _ = on.run(fa.jvp, lambda x: fnp.cov(x, ddof=2), (xb,), (xb,))
    with pytest.warns(RuntimeWarning), np.errstate(divide="ignore"):
        expected = np.cov(x, ddof=2)
    np.testing.assert_array_equal(got, expected)
    if on.name == "dask":
        pytest.xfail("Dask: non-integer fweights and negative cov weights are not detected "
                     "before compute, by design (docs/backends.md: checks that need the values "
                     "are not made on Dask)")
    with pytest.raises(TypeError, match="integer"):
        fa.grad(lambda f: fnp.cov(m, fweights=f).sum())(on.put(np.array([1.0, 1.5, 1.0])))
    with pytest.raises(ValueError, match="negative"):
        fa.grad(lambda a: fnp.cov(m, aweights=a).sum())(on.put(np.array([1.0, -1.0, 1.0])))


def test_corrcoef_diagonal_has_zero_derivative(on):
    rng = _rng(4)
    x = rng.normal(size=(3, 6))
    xb = on.put(x)
    jac = on.run(fa.jacfwd(fnp.corrcoef), xb)
    diagonal = jac[np.arange(3), np.arange(3)]
    np.testing.assert_allclose(diagonal, 0.0, atol=1e-14)
    off = num_jacobian(np.corrcoef, x)
    np.testing.assert_allclose(jac, off, rtol=1e-6, atol=1e-7)
    # A single variable: c / c.
    row = on.put(x[0])
    got, _ = on.run(fa.jvp, fnp.corrcoef, (row,), (row,))
    assert got == np.corrcoef(x[0]) == 1.0


# vander, apply_along_axis, apply_over_axes ------------------------------------
def test_vander_derivative_is_exact_at_zero(on):
    x = np.array([0.0, 2.0, -1.5])
    xb = on.put(x)
    jac = on.run(fa.jacfwd(lambda x: fnp.vander(x, 4)), xb)
    powers = np.array([3, 2, 1, 0])
    expected = np.zeros((3, 4, 3))
    for i in range(3):
        expected[i, :, i] = powers * np.where(powers > 0, x[i] ** np.maximum(powers - 1, 0), 0)
    np.testing.assert_array_equal(jac, expected)


def test_apply_along_axis_falls_back_to_a_loop(on):
    """A function that needs concrete values works under grad (a loop) but not vmap."""
    a = np.array([[1.0, 5.0, 2.0], [4.0, 0.5, 3.0]])

    def peak_squared(row):
        return row[int(fnp.argmax(row))] ** 2

    def loss(a):
        return fnp.apply_along_axis(peak_squared, 1, a).sum()

    if on.name == "dask":
        from tests.test_dask_sweep import EagerComputeError

        with pytest.raises(EagerComputeError):
            on.run(fa.grad(loss), on.put(a))
        pytest.xfail("Dask: int() of a lazy argmax needs computing; data-dependent Python "
                     "control flow on a lazy value is not lazy by design")
    g = on.run(fa.grad(loss), on.put(a))
    np.testing.assert_array_equal(g, [[0.0, 10.0, 0.0], [8.0, 0.0, 0.0]])


def test_apply_functions_with_closures_over_traced_values(on):
    a = np.arange(6.0).reshape(2, 3)
    ab, s = on.put((a, 2.0))
    g = on.run(fa.grad(lambda s: fnp.apply_along_axis(lambda r: fnp.sum(r) * s, 0, ab).sum()), s)
    assert g == a.sum()
    g = on.run(fa.grad(lambda s: fnp.apply_over_axes(lambda x, ax: fnp.sum(x * s, ax), ab,
                                                     1).sum()), s)
    assert g == a.sum()
    with pytest.raises(ValueError, match="correct shape"):
        fa.grad(lambda a: fnp.apply_over_axes(lambda x, ax: fnp.sum(x), a, 0).sum())(ab)


# i0 ---------------------------------------------------------------------------
def test_i0_derivatives_follow_the_bessel_recurrence(on):
    special = pytest.importorskip("scipy.special")
    x = np.array([-30.0, -19.9, -3.0, -1e-3, 0.0, 0.7, 12.0, 20.0, 20.1, 45.0, 300.0])
    xb = on.put(x)
    np.testing.assert_allclose(on.run(fa.vmap(fa.grad(fnp.i0)), xb), special.i1(x), rtol=1e-14,
                               atol=1e-300)
    second = on.run(fa.vmap(fa.grad(fa.grad(fnp.i0))), xb)
    np.testing.assert_allclose(second, (special.i0(x) + special.iv(2, x)) / 2, rtol=1e-13)
    third = on.run(fa.vmap(fa.grad(fa.grad(fa.grad(fnp.i0)))), xb)
    np.testing.assert_allclose(third, (3 * special.i1(x) + special.iv(3, x)) / 4, rtol=1e-13)


def test_i0_at_zero_and_dtypes(on):
    zero = on.put(0.0)
    assert on.run(fa.grad(fnp.i0), zero) == 0.0
    assert on.run(fa.grad(fa.grad(fnp.i0)), zero) == 0.5
    x32 = np.array([0.5, -2.0], np.float32)
    xb = on.put(x32)
    with on.guard():
        y, f_vjp = fa.vjp(fnp.i0, xb)
        cotangent = f_vjp(on.put(np.ones(2, np.float32)))[0]
    assert on.get(y).dtype == np.i0(x32).dtype == np.float32
    assert on.get(cotangent).dtype == np.float32
    np.testing.assert_array_equal(on.run(fa.jvp, fnp.i0, (xb,), (xb,))[0], np.i0(x32))
    z = on.put(np.array([1j]))
    with pytest.raises(TypeError, match="complex"):
        fa.jvp(fnp.i0, (z,), (z,))


# polynomials ------------------------------------------------------------------
def test_polyval_gradient_is_the_powers(on):
    p = np.array([2.0, -1.0, 0.5, 3.0])
    x = np.array([0.0, 1.5, -2.0])
    pb, xb = on.put((p, x))
    np.testing.assert_array_equal(on.run(fa.jacrev(lambda p: fnp.polyval(p, xb)), pb),
                                  np.vander(x, 4))
    np.testing.assert_allclose(on.run(fa.vmap(fa.grad(lambda x: fnp.polyval(pb, x))), xb),
                               np.polyval(np.polyder(p), x), rtol=1e-15)


def test_polydiv_strips_the_remainder_as_numpy(on):
    u = np.array([1.0, -3.0, 3.0, -1.0])   # (x - 1)**3
    v = np.array([1.0, -1.0])
    ub, vb = on.put((u, v))
    q, r = on.run(fa.jvp, lambda u: fnp.polydiv(u, vb), (ub,), (ub,))[0]
    q_np, r_np = np.polydiv(u, v)
    np.testing.assert_array_equal(q, q_np)
    np.testing.assert_array_equal(r, r_np)      # an exact division: r == [0.]
    assert r.shape == (1,)
    # The quotient's derivative in u: d(u / v) = du / v.
    jac = on.run(fa.jacfwd(lambda u: fnp.polydiv(u, vb)[0]), ub)
    numeric = num_jacobian(lambda u: np.polydiv(u, v)[0], u)
    np.testing.assert_allclose(jac, numeric, rtol=1e-7, atol=1e-8)


def test_polyfit_full_and_cov_outputs_match_numpy(on):
    x = np.linspace(-1.0, 2.0, 9)
    y = 1.0 - 2.0 * x + 0.5 * x**2 + np.sin(3 * x) / 10
    xb, yb = on.put((x, y))
    _not_lazy_on_dask(on, "polyfit", fa.jvp, lambda y: fnp.polyfit(xb, y, 2), (yb,), (yb,))
    with on.guard():
        c, resids, rank, s, rcond = fa.jvp(lambda y: fnp.polyfit(xb, y, 2, full=True),
                                           (yb,), (yb,))[0]
    c, resids, s = on.get((c, resids, s))
    expected = np.polyfit(x, y, 2, full=True)
    for got, want in zip((c, resids, s), (expected[0], expected[1], expected[3])):
        np.testing.assert_allclose(got, want, rtol=1e-10)
    assert rank == expected[2] and rcond == expected[4]
    c, v = on.run(fa.jvp, lambda y: fnp.polyfit(xb, y, 2, cov="unscaled"), (yb,), (yb,))[0]
    np.testing.assert_allclose(v, np.polyfit(x, y, 2, cov="unscaled")[1], rtol=1e-10)
    # polyfit is linear in y: its Jacobian is the pseudo-inverse of the Vandermonde matrix.
    jac = on.run(fa.jacfwd(lambda y: fnp.polyfit(xb, y, 2)), yb)
    np.testing.assert_allclose(jac, np.linalg.pinv(np.vander(x, 3)), rtol=1e-9, atol=1e-12)


def test_roots_derivative_is_the_implicit_function(on):
    zeros = np.array([2.0, -1.0, 0.5])
    p = np.poly(zeros)
    pb = on.put(p)
    _not_lazy_on_dask(on, "roots", fa.jacfwd(fnp.roots), pb)
    # d r_i / d p_k = -r_i**(n-k) / p'(r_i).
    r = np.roots(p)
    expected = -np.vander(r, 4) / np.polyval(np.polyder(p), r)[:, None]
    np.testing.assert_allclose(on.run(fa.jacfwd(fnp.roots), pb), expected, rtol=1e-12)
    np.testing.assert_allclose(on.run(fa.jacrev(fnp.roots), pb), expected, rtol=1e-12)
    # Complex roots: the tangent against finite differences of NumPy's roots.
    pc = np.array([1.0, 0.3, 1.2, -0.4])
    t = np.array([0.3, -1.0, 0.5, 2.0])
    _, tangent = on.run(fa.jvp, fnp.roots, (on.put(pc),), (on.put(t),))
    eps = 1e-7
    numeric = (np.roots(pc + eps * t) - np.roots(pc - eps * t)) / (2 * eps)
    np.testing.assert_allclose(tangent, numeric, rtol=1e-6, atol=1e-7)
    # A trailing zero is a root at 0, which moves by -dp_n / p_{n-1}.
    q = np.array([1.0, -3.0, 2.0, 0.0])
    _, tangent = on.run(fa.jvp, fnp.roots, (on.put(q),), (on.put(np.array([0.0, 0.0, 0.0, 1.0])),))
    got = np.roots(q)
    assert got[-1] == 0.0 and tangent[-1] == pytest.approx(-1.0 / 2.0)
    # A repeated root has no finite derivative.
    with np.errstate(divide="ignore", invalid="ignore"):
        _, tangent = on.run(fa.jvp, fnp.roots, (on.put(np.array([1.0, -2.0, 1.0])),),
                            (on.put(np.ones(3)),))
    assert not np.isfinite(tangent).all()


def test_roots_and_poly_batch(on):
    ps = np.stack([np.poly([1.0, 2.0]), np.poly([-1.0, 3.0]), np.array([1.0, 0.0, 1.0])])
    psb = on.put(ps)
    _not_lazy_on_dask(on, "roots", fa.vmap(fnp.roots), psb)
    got = on.run(fa.vmap(fnp.roots), psb)
    assert got.dtype == np.complex128
    for row, p in zip(got, ps):
        np.testing.assert_allclose(row, np.roots(p), rtol=1e-14)
    zs = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]])
    np.testing.assert_allclose(on.run(fa.vmap(fnp.poly), on.put(zs)),
                               np.stack([np.poly(z) for z in zs]), rtol=1e-15)
    # A matrix gives its characteristic polynomial; d/da of the coefficient sum is
    # d det(I - a) = -cofactor(I - a), a closed form for 2x2: -[[1-d, c], [b, 1-a]].
    a = np.array([[2.0, 0.5], [-1.0, 0.25]])
    np.testing.assert_allclose(on.run(fa.vmap(fnp.poly), on.put(np.stack([a, 2 * a]))),
                               [np.poly(a), np.poly(2 * a)], rtol=1e-12)
    m = np.eye(2) - a
    np.testing.assert_allclose(on.run(fa.grad(lambda a: fnp.poly(a).sum()), on.put(a)),
                               -np.array([[m[1, 1], -m[1, 0]], [-m[0, 1], m[0, 0]]]), rtol=1e-10)


# nan functions ----------------------------------------------------------------
WITH_NANS = np.array([[0.5, NAN, -1.2, 2.0, 0.1],
                      [NAN, 1.1, 0.3, -0.7, NAN],
                      [1.4, -0.4, NAN, 0.9, -1.9]])


@pytest.mark.parametrize("name, args", [
    ("nanmedian", ()), ("nanquantile", (0.35,)), ("nanpercentile", ([20.0, 80.0],)),
    ("nancumsum", ()), ("nancumprod", ()),
])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_nan_entries_get_zero_derivative(name, args, axis, on):
    def fun(x):
        return getattr(fnp, name)(x, *args, axis=axis)

    xb = on.put(WITH_NANS)
    got, _ = on.run(fa.jvp, fun, (xb,), (xb,))
    np.testing.assert_allclose(got, getattr(np, name)(WITH_NANS, *args, axis=axis),
                               rtol=1e-14, equal_nan=True)
    jac = on.run(fa.jacrev(fun), xb)
    assert np.isfinite(jac).all()
    np.testing.assert_array_equal(jac[..., np.isnan(WITH_NANS)], 0.0)
    # Against finite differences in the non-NaN entries.
    valid = ~np.isnan(WITH_NANS)

    def on_valid(v):
        x = WITH_NANS.copy()
        x[valid] = v
        return getattr(np, name)(x, *args, axis=axis)

    numeric = num_jacobian(on_valid, WITH_NANS[valid])
    np.testing.assert_allclose(jac[..., valid], numeric, rtol=1e-6, atol=1e-7)


def test_nanmedian_all_nan_slice_warns_and_gives_nan(on):
    x = WITH_NANS.copy()
    x[:, 1] = NAN
    xb = on.put(x)
    if on.name == "dask":
        pytest.xfail("Dask: an all-NaN slice gives no warning before compute, by design "
                     "(docs/backends.md: checks that need the values are not made on Dask)")
    with pytest.warns(RuntimeWarning, match="All-NaN"):
        got, tangent = on.run(fa.jvp, lambda x: fnp.nanmedian(x, axis=0), (xb,),
                              (on.put(np.ones_like(x)),))
    with pytest.warns(RuntimeWarning, match="All-NaN"):
        expected = np.nanmedian(x, axis=0)
    np.testing.assert_array_equal(got, expected)
    assert np.isnan(got[1]) and tangent[1] == 0.0
    with pytest.warns(RuntimeWarning, match="All-NaN"):
        g = on.run(fa.grad(lambda x: fnp.nansum(fnp.nanquantile(x, 0.5, axis=0))), xb)
    np.testing.assert_array_equal(g[:, 1], 0.0)
    assert np.isfinite(g).all()


def test_nanargmax_and_nanargmin(on):
    wb = on.put(WITH_NANS)
    for name in ["nanargmax", "nanargmin"]:
        fun = getattr(fnp, name)
        for axis in [None, 0, 1]:
            got, _ = on.run(fa.jvp, lambda x, f=fun, a=axis: f(x, axis=a), (wb,), (wb,))
            np.testing.assert_array_equal(got, getattr(np, name)(WITH_NANS, axis=axis))
        x = WITH_NANS.copy()
        x[1] = NAN
        xb = on.put(x)
        # Inside vmap an all-NaN example gives -1, as JAX.
        got = on.run(fa.vmap(fun), xb)
        expected = [getattr(np, name)(row) if not np.isnan(row).all() else -1 for row in x]
        np.testing.assert_array_equal(got, expected)
        if on.name != "dask":
            with pytest.raises(ValueError, match="All-NaN"):
                fa.jvp(lambda x, f=fun: f(x, axis=1), (xb,), (xb,))
    # The index picks the element whose derivative flows.
    g = on.run(fa.grad(lambda x: x[fnp.nanargmax(x)] ** 2), on.put(np.array([1.0, NAN, 3.0])))
    np.testing.assert_array_equal(g, [0.0, 0.0, 6.0])
    if on.name == "dask":
        pytest.xfail("Dask: an all-NaN slice of nanargmax/nanargmin is not detected before "
                     "compute, by design (checks that need the values are not made on Dask)")


def test_nan_quantile_errors(on):
    x = on.put(WITH_NANS)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fa.jvp(lambda x: fnp.nanquantile(x, 1.5), (x,), (x,))
    with pytest.raises(ValueError, match=r"\[0, 100\]"):
        fa.jvp(lambda x: fnp.nanpercentile(x, -5.0), (x,), (x,))
    with pytest.raises(ValueError, match="linear"):
        fa.jvp(lambda x: fnp.nanquantile(x, 0.5, method="nearest"), (x,), (x,))
    with pytest.raises(TypeError, match="concrete"):
        fa.grad(lambda q: fnp.nanquantile(x, q))(on.put(0.5))


# NumPy's quantile dtypes: a Python number q is weak, an integer q picks elements (no
# promotion), a float array q takes part in the promotion. (nanquantile's q, nanpercentile's.)
Q_DTYPE_CASES = [(0.3, 30.0), (1, 100), ([0, 1], [0, 100]), (np.array([0, 1]), np.array([0, 100])),
                 (True, True), ([0.25, 0.5], [25.0, 50.0]), (np.float64(0.3), np.float64(30.0)),
                 (np.array(0.3), np.array(30.0)),
                 (np.array([0.25], np.float32), np.array([25.0], np.float32))]


@pytest.mark.parametrize("qs", Q_DTYPE_CASES, ids=[repr(q[0]) for q in Q_DTYPE_CASES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("name", ["nanquantile", "nanpercentile"])
def test_nan_quantile_result_dtypes_follow_numpy(name, dtype, qs, on):
    q = qs[name == "nanpercentile"]
    a = (4 * np.array([[0.5, -1.25, 2.0, 0.75], [1.5, 3.0, -0.5, 0.25]])).astype(dtype)
    if dtype != np.int64:
        a[0, 1] = np.nan
    # A NumPy array q is data: on the backend, as a user of that backend passes it.
    qb = on.put(q) if isinstance(q, np.ndarray) else q
    ab, ones = on.put((a, np.ones_like(a)))

    def fun(x):
        return getattr(fnp, name)(x, qb, axis=1)

    expected = getattr(np, name)(a, q, axis=1)
    values = [on.run(fa.vmap(fun), on.put(a[None]))[0]]
    if dtype != np.int64:
        values.append(on.run(fa.jvp, fun, (ab,), (ones,))[1])
        values.append(on.run(fa.jvp, fun, (ab,), (ones,))[0])
        np.testing.assert_allclose(values[-1], expected, rtol=1e-6, equal_nan=True)
        with on.guard():
            cotangent = fa.vjp(fun, ab)[1](on.put(np.ones_like(expected)))[0]
        assert on.get(cotangent).dtype == dtype
    np.testing.assert_allclose(values[0], expected, rtol=1e-6, equal_nan=True)
    for value in values:
        assert value.dtype == expected.dtype, (value.dtype, expected.dtype)


def test_nan_quantile_of_integer_q_takes_the_elements_as_numpy(on):
    a = np.array([1.0, np.inf, NAN, -np.inf])
    ab, ones = on.put((a, np.ones(4)))
    # Interpolating would give 0 * inf = NaN; NumPy takes the elements for integer q.
    for q in ([0, 1], np.array([1, 0])):
        qb = on.put(q) if isinstance(q, np.ndarray) else q
        got, tangent = on.run(fa.jvp, lambda x, q=qb: fnp.nanquantile(x, q), (ab,), (ones,))
        np.testing.assert_array_equal(got, np.nanquantile(a, q))
        np.testing.assert_array_equal(tangent, [1.0, 1.0])
    np.testing.assert_array_equal(
        on.run(fa.vmap(lambda x: fnp.nanquantile(x, 1)), on.put(a[None]))[0],
        np.nanquantile(a, 1))


# float32 ----------------------------------------------------------------------
# Each case's function takes ``put``, which moves the NumPy constants it makes to the backend.
COORDS = np.array([0.0, 1.0, 1.5, 3.0, 3.2])


def _gradient_at_coords(a, put):
    return fnp.gradient(a, put(COORDS))


FLOAT32_CASES = [
    ("convolve", lambda a, put: fnp.convolve(a, a[:2]), lambda a: np.convolve(a, a[:2])),
    ("correlate", lambda a, put: fnp.correlate(a, a[:3], "same"),
     lambda a: np.correlate(a, a[:3], "same")),
    ("trapezoid", lambda a, put: fnp.trapezoid(a), np.trapezoid),
    ("gradient", lambda a, put: fnp.gradient(a, 0.5, edge_order=2),
     lambda a: np.gradient(a, 0.5, edge_order=2)),
    ("gradient", _gradient_at_coords, lambda a: np.gradient(a, COORDS)),
    ("ediff1d", lambda a, put: fnp.ediff1d(a, to_begin=1.0),
     lambda a: np.ediff1d(a, to_begin=1.0)),
    ("unwrap", lambda a, put: fnp.unwrap(a), np.unwrap),
    ("cov", lambda a, put: fnp.cov(a), np.cov),
    ("cov", lambda a, put: fnp.cov(a, dtype=np.float32), lambda a: np.cov(a, dtype=np.float32)),
    ("corrcoef", lambda a, put: fnp.corrcoef(a, a**2, dtype=np.float32),
     lambda a: np.corrcoef(a, a**2, dtype=np.float32)),
    ("vander", lambda a, put: fnp.vander(a), np.vander),
    ("i0", lambda a, put: fnp.i0(a), np.i0),
    ("polyval", lambda a, put: fnp.polyval(a, a), lambda a: np.polyval(a, a)),
    ("polyadd", lambda a, put: fnp.polyadd(a, a[:2]), lambda a: np.polyadd(a, a[:2])),
    ("polymul", lambda a, put: fnp.polymul(a, a[:2]), lambda a: np.polymul(a, a[:2])),
    ("polyder", lambda a, put: fnp.polyder(a), np.polyder),
    ("polyint", lambda a, put: fnp.polyint(a), np.polyint),
    ("polydiv", lambda a, put: fnp.polydiv(a, a[:2])[0], lambda a: np.polydiv(a, a[:2])[0]),
    ("poly", lambda a, put: fnp.poly(a), np.poly),
    ("nanmedian", lambda a, put: fnp.nanmedian(a), np.nanmedian),
    ("nanquantile", lambda a, put: fnp.nanquantile(a, 0.3), lambda a: np.nanquantile(a, 0.3)),
    ("nanpercentile", lambda a, put: fnp.nanpercentile(a, [30.0]),
     lambda a: np.nanpercentile(a, [30.0])),
    ("nanquantile", lambda a, put: fnp.nanquantile(a, [0, 1]),
     lambda a: np.nanquantile(a, [0, 1])),
    ("nanpercentile", lambda a, put: fnp.nanpercentile(a, 30),
     lambda a: np.nanpercentile(a, 30)),
    ("nancumsum", lambda a, put: fnp.nancumsum(a), np.nancumsum),
    ("nancumprod", lambda a, put: fnp.nancumprod(a), np.nancumprod),
]


@pytest.mark.parametrize("name, fun, ref", FLOAT32_CASES, ids=[c[0] for c in FLOAT32_CASES])
def test_float32_follows_numpy(name, fun, ref, on):
    a = np.array([0.5, -1.25, 2.0, 0.75, 1.5], np.float32)
    if name.startswith("nan"):
        a[1] = np.nan
    expected = np.asarray(ref(a))

    def fun_on(x):
        return fun(x, on.put)

    ab, ones = on.put((a, np.ones_like(a)))
    y, tangent = on.run(fa.jvp, fun_on, (ab,), (ones,))
    assert np.asarray(y).dtype == expected.dtype
    assert np.asarray(tangent).dtype == expected.dtype
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6, equal_nan=True)
    with on.guard():
        _, f_vjp = fa.vjp(fun_on, ab)
        cotangent = f_vjp(on.put(np.ones(np.shape(y), expected.dtype)))[0]
    assert on.get(cotangent).dtype == np.float32


@pytest.mark.fixed_backend("NumPy scalar results of untraced calls are NumPy's behaviour")
def test_no_traced_argument_returns_numpys_result():
    a = np.array([1.0, 2.0, 4.0])
    assert type(fnp.interp(0.5, a, a)) is type(np.interp(0.5, a, a))
    assert type(fnp.i0(1.0)) is type(np.i0(1.0))
    assert fnp.polyval([1.0, 2.0], 3) == np.polyval([1.0, 2.0], 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert math.isnan(fnp.nanmedian(np.array([NAN])))
    np.testing.assert_array_equal(fnp.convolve([1, 2], [3, 4]), np.convolve([1, 2], [3, 4]))
