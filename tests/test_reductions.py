"""Edge cases of statistics, scans and logical reductions, against closed forms and NumPy.

The tests that compute run on the backend ``--backend`` names (``on`` in
``tests/conftest.py``; NumPy without it): inputs, and constants the functions
under test close over, are put there, the transforms run under the backend's
guard (Dask: no computing; CuPy: no copy to the host), and the results must be
that backend's arrays before they are read back and compared with NumPy (finite
difference references stay on NumPy). Tests of argument errors stay on NumPy.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
from funcad.core.trace import Tracer
from funcad.primitives.scan import linear_recurrence, products_of_others
from tests._reference import num_grad, num_jacobian


def _cumprod_jacobian(x):
    """d cumprod(x)[i] / d x[k]: the product of x[:i+1] without x[k] (0 for k > i)."""
    n = len(x)
    jac = np.zeros((n, n))
    for i, k in itertools.product(range(n), range(n)):
        if k <= i:
            jac[i, k] = np.prod([x[j] for j in range(i + 1) if j != k])
    return jac


def _cumprod_hessians(x):
    """d2 cumprod(x)[i] / d x[k] d x[l]: the product of x[:i+1] without x[k], x[l]."""
    n = len(x)
    hess = np.zeros((n, n, n))
    for i, k, m in itertools.product(range(n), range(n), range(n)):
        if k <= i and m <= i and k != m:
            hess[i, k, m] = np.prod([x[j] for j in range(i + 1) if j not in (k, m)])
    return hess


ZERO_CASES = [
    np.array([2.0, 0.0, 3.0, -1.5, 0.5]),
    np.array([0.0, 1.5, 2.0, -1.0]),
    np.array([1.2, 0.0, -0.8, 0.0, 1.1, 2.0]),
    np.array([0.7, -1.3, 0.9, 0.0]),
    np.array([0.0, 0.0, 0.0]),
    np.array([0.0, 2.0, 0.0, 3.0, 0.0, 1.5]),
]


# cumprod --------------------------------------------------------------------
@pytest.mark.parametrize("x", ZERO_CASES)
def test_cumprod_jacobian_is_exact_at_zeros(x, on):
    expected = _cumprod_jacobian(x)
    xb = on.put(x)
    np.testing.assert_allclose(on.run(fa.jacfwd(fnp.cumprod), xb), expected, rtol=1e-14, atol=0)
    np.testing.assert_allclose(on.run(fa.jacrev(fnp.cumprod), xb), expected, rtol=1e-14, atol=0)
    assert not np.isnan(on.run(fa.jacrev(fnp.cumprod), xb)).any()


@pytest.mark.parametrize("x", ZERO_CASES)
def test_cumprod_second_derivatives_are_exact_at_zeros(x, on):
    expected = _cumprod_hessians(x)
    xb = on.put(x)
    for outer, inner in [(fa.jacfwd, fa.jacrev), (fa.jacrev, fa.jacfwd), (fa.jacrev, fa.jacrev)]:
        np.testing.assert_allclose(on.run(outer(inner(fnp.cumprod)), xb), expected, rtol=1e-14,
                                   atol=0)


def test_cumprod_along_an_axis_with_zeros_under_vmap_of_grad(on):
    x = np.array([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [-1.0, 2.0, 0.5]])

    def last(row):
        return fnp.cumprod(row)[-1]

    expected = np.stack([_cumprod_jacobian(row)[-1] for row in x])
    np.testing.assert_allclose(on.run(fa.vmap(fa.grad(last)), on.put(x)), expected, rtol=1e-14)
    # The same Jacobian along axis 0 of the transposed input, without vmap.
    jac = on.run(fa.jacrev(lambda x: fnp.cumprod(x, axis=0)[-1]), on.put(x.T))
    for j in range(3):
        np.testing.assert_allclose(jac[j, :, j], expected[j], rtol=1e-14)


def test_cumprod_flattens_for_axis_none_and_takes_dtype(on):
    x = np.arange(1.0, 7.0).reshape(2, 3)
    xb = on.put(x)
    jac = on.run(fa.jacfwd(fnp.cumprod), xb)
    np.testing.assert_allclose(jac.reshape(6, 6), _cumprod_jacobian(x.ravel()), rtol=1e-14)
    y, t = on.run(fa.jvp, lambda x: fnp.cumprod(x, dtype=np.float32), (xb,),
                  (on.put(np.ones_like(x)),))
    assert y.dtype == np.float32 and t.dtype == np.float32
    np.testing.assert_array_equal(y, np.cumprod(x, dtype=np.float32))


# linear_recurrence and products_of_others ------------------------------------
def test_linear_recurrence_long_axes_match_the_loop(on):
    rng = np.random.default_rng(0)
    for n in [1, 2, 3, 17, 64, 1001]:
        a = rng.uniform(-1.0, 1.0, (2, n))
        a[:, ::7] = 0.0
        b = rng.normal(size=(2, n))
        h, carry = np.zeros_like(b), np.zeros(2)
        for i in range(n):
            carry = a[:, i] * carry + b[:, i]
            h[:, i] = carry
        ab, bb = on.put((a, b))
        np.testing.assert_allclose(on.run(linear_recurrence, ab, bb, 1), h, rtol=1e-12,
                                   atol=1e-12)
        back = on.run(lambda a, b: linear_recurrence(a[:, ::-1], b[:, ::-1], 1)[:, ::-1], ab, bb)
        np.testing.assert_allclose(on.run(lambda a, b: linear_recurrence(a, b, 1, reverse=True),
                                          ab, bb), back, rtol=1e-12, atol=1e-12)


def test_linear_recurrence_refuses_mismatched_shapes(on):
    a, b = on.put(np.ones(3)), on.put(np.ones(4))
    with pytest.raises(ValueError, match=r"a has shape \(3,\) and b has shape \(4,\)"), on.guard():
        linear_recurrence(a, b, 0)


def _others_reference(x, axis):
    """Each element's reduced partners multiplied, by replacing it with 1 (NumPy only)."""
    out = np.empty_like(x)
    for idx in np.ndindex(*x.shape):
        y = x.copy()
        y[idx] = 1.0
        group = tuple(slice(None) if a in axis else i for a, i in enumerate(idx))
        out[idx] = np.prod(y[group])
    return out


@pytest.mark.parametrize("axis", [(0,), (1,), (0, 2), (0, 1, 2)])
def test_products_of_others_matches_numpy(axis, on):
    rng = np.random.default_rng(1)
    x = rng.uniform(-2.0, 2.0, (3, 4, 2))
    x[0, 1, 0] = x[2, 1, 0] = x[1, 3, 1] = 0.0
    np.testing.assert_allclose(on.run(products_of_others, on.put(x), axis),
                               _others_reference(x, axis),
                               rtol=1e-13, atol=1e-15)


def test_products_of_others_derivatives_at_zeros(on):
    x = np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 0.0, 1.5, -1.0]])
    xb = on.put(x)

    def fast(x):
        return fnp.sum(products_of_others(x, (1,)) ** 2)

    # The function is a polynomial: central differences of its gradient are exact
    # up to rounding, zeros included. The finite differences of the gradient run on NumPy.
    np.testing.assert_allclose(
        on.run(fa.grad(fast), xb), num_grad(lambda x: np.sum(_others_reference(x, (1,)) ** 2), x),
        rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(on.run(fa.hessian(fast), xb),
                               num_jacobian(lambda x: fa.grad(fast)(x), x), rtol=1e-6, atol=1e-6)


# cumsum ---------------------------------------------------------------------
def test_cumsum_gradient_is_the_reversed_cumsum(on):
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    w = np.array([[1.0, -1.0, 2.0], [0.5, 3.0, -2.0]])
    xb, wb, w_flat = on.put((x, w, w.ravel()))
    g = on.run(fa.grad(lambda x: fnp.sum(wb * fnp.cumsum(x, axis=1))), xb)
    np.testing.assert_allclose(g, np.cumsum(w[:, ::-1], axis=1)[:, ::-1], rtol=1e-15)
    g = on.run(fa.grad(lambda x: fnp.sum(w_flat * fnp.cumsum(x))), xb)
    np.testing.assert_allclose(g.ravel(), np.cumsum(w.ravel()[::-1])[::-1], rtol=1e-15)


def test_cumsum_of_integers_under_vmap_matches_numpy(on):
    x = np.arange(12).reshape(3, 4)
    xb = on.put(x)
    np.testing.assert_array_equal(on.run(fa.vmap(fnp.cumsum), xb), np.cumsum(x, axis=1))
    np.testing.assert_array_equal(on.run(fa.vmap(lambda r: fnp.cumsum(r > 5)), xb),
                                  np.cumsum(x > 5, 1))


# argmax, argmin, any, all, count_nonzero ------------------------------------
def test_argmax_under_vmap_matches_numpy(on):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5, 3, 4))
    xb = on.put(x)
    for axis, keepdims in [(None, False), (None, True), (0, False), (1, True)]:
        for name in ["argmax", "argmin"]:
            out = on.run(fa.vmap(lambda r, n=name: getattr(fnp, n)(r, axis=axis,
                                                                  keepdims=keepdims)), xb)
            expected = np.stack([getattr(np, name)(r, axis=axis, keepdims=keepdims) for r in x])
            np.testing.assert_array_equal(out, expected)
            assert out.dtype == expected.dtype


def test_argmax_takes_the_first_of_tied_maxima(on):
    x = np.array([1.0, 3.0, 3.0, 2.0])
    assert on.run(fa.vmap(fnp.argmax), on.put(np.stack([x, x[::-1]]))).tolist() == [1, 1]
    assert on.run(fnp.argmin, on.put(np.array([2.0, 1.0, 1.0]))) == 1


def test_grad_through_x_at_argmax(on):
    x = np.array([0.5, -2.0, 3.0, 1.0])
    xb = on.put(x)
    # Selection by comparing with the index batches too: vmap of grad.
    rows = np.array([[0.5, 3.0, 1.0], [2.0, -1.0, 0.0]])
    positions = on.put(np.arange(3))

    def picked(r):
        return fnp.sum(fnp.where(positions == fnp.argmax(r), r, 0.0) ** 3)

    np.testing.assert_array_equal(on.run(fa.vmap(fa.grad(picked)), on.put(rows)),
                                  [[0, 27, 0], [12, 0, 0]])
    np.testing.assert_array_equal(on.run(fa.grad(lambda x: x[fnp.argmax(x)] * 2.0), xb),
                                  [0, 0, 2, 0])
    np.testing.assert_array_equal(on.run(fa.grad(lambda x: x[fnp.argmin(x)] ** 2), xb),
                                  [0, -4, 0, 0])


def test_logical_reductions_give_plain_results_on_traced_values(on):
    seen = {}

    def f(x):
        seen["argmax"] = fnp.argmax(x)
        seen["any"] = fnp.any(x > 1.0)
        seen["all"] = fnp.all(x, axis=0)
        seen["count"] = fnp.count_nonzero(x)
        return fnp.sum(x)

    x = on.put(np.array([0.0, 2.0, 1.0]))
    on.run(fa.grad(f), x)
    for name, value in seen.items():
        assert not isinstance(value, Tracer), name
    values = on.get([seen["argmax"], seen["any"], seen["all"], seen["count"]])
    assert tuple(values) == (1, True, False, 2)
    on.run(fa.jvp, f, (x,), (on.put(np.ones(3)),))
    assert not any(isinstance(v, Tracer) for v in seen.values())


def test_logical_reductions_under_vmap_of_booleans_and_nans(on):
    x = np.array([[0.0, np.nan], [0.0, 0.0], [1.0, 2.0]])
    xb = on.put(x)
    for name in ["any", "all", "count_nonzero"]:
        np.testing.assert_array_equal(on.run(fa.vmap(getattr(fnp, name)), xb),
                                      [getattr(np, name)(r) for r in x])
        np.testing.assert_array_equal(on.run(fa.vmap(lambda r, n=name: getattr(fnp, n)(r > 0.5)),
                                             xb),
                                      [getattr(np, name)(r > 0.5) for r in x])


def test_hessian_of_a_function_branching_on_any_is_zero_where_constant(on):
    def f(x):
        return fnp.where(fnp.any(x > 2.0), 0.0, fnp.sum(x**3))

    x = np.array([1.0, 0.5])
    np.testing.assert_allclose(on.run(fa.hessian(f), on.put(x)), np.diag(6 * x))


# var, std -------------------------------------------------------------------
@pytest.mark.parametrize("ddof", [0, 1, 2])
def test_var_gradient_and_ddof(ddof, on):
    x = np.array([1.0, 4.0, 2.0, 7.0, -3.0])
    xb = on.put(x)
    n = len(x)
    np.testing.assert_allclose(on.run(fa.grad(lambda x: fnp.var(x, ddof=ddof)), xb),
                               2 * (x - x.mean()) / (n - ddof), rtol=1e-14)
    np.testing.assert_allclose(on.run(fa.hessian(lambda x: fnp.var(x, ddof=ddof)), xb),
                               2 * (np.eye(n) - 1 / n) / (n - ddof), rtol=1e-14, atol=1e-15)
    std = np.std(x, ddof=ddof)
    np.testing.assert_allclose(on.run(fa.grad(lambda x: fnp.std(x, ddof=ddof)), xb),
                               (x - x.mean()) / ((n - ddof) * std), rtol=1e-14)
    np.testing.assert_allclose(on.run(fa.grad(lambda x: fnp.var(x, correction=ddof)), xb),
                               2 * (x - x.mean()) / (n - ddof), rtol=1e-14)


def test_ddof_and_correction_together_are_refused(on):
    x = on.put(np.ones(3))
    with on.guard():
        with pytest.raises(ValueError, match="ddof=1 and correction=1"):
            fnp.var(x, ddof=1, correction=1)
        with pytest.raises(ValueError, match="pass only one"):
            fa.grad(lambda x: fnp.nanstd(x, ddof=1, correction=0))(x)


def test_var_with_too_few_degrees_of_freedom_matches_numpy(on):
    x = np.array([[1.0, 2.0], [3.0, 5.0]])
    xb = on.put(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.var(x, axis=0, ddof=2)
        traced = on.run(fa.vmap(lambda r: fnp.var(r, ddof=2), in_axes=1), xb)
        nan_expected = np.nanvar(x, axis=0, ddof=2)
        nan_traced = on.run(fa.vmap(lambda r: fnp.nanvar(r, ddof=2), in_axes=1), xb)
    np.testing.assert_array_equal(traced, expected)
    np.testing.assert_array_equal(nan_traced, nan_expected)
    assert np.isnan(nan_traced).all()


def test_std_at_a_constant_input_has_a_nan_derivative_as_documented(on):
    x = np.full(4, 1.5)
    xb = on.put(x)
    assert on.run(fnp.std, xb) == 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        g = on.run(fa.grad(fnp.std), xb)
        _, t = on.run(fa.jvp, fnp.std, (xb,), (on.put(np.arange(4.0)),))
        two = on.put(np.array([[1.5, 1.5], [1.0, 3.0]]))
        g_rows = on.run(fa.grad(lambda x: fnp.sum(fnp.std(x, axis=1))), two)
        jac = on.run(fa.jacrev(lambda x: fnp.std(x, axis=1)), two)
    assert np.isnan(g).all() and np.isnan(t)
    # A slice with spread keeps its derivative next to a constant one.
    assert np.isnan(g_rows[0]).all()
    np.testing.assert_array_equal(g_rows[1], [-0.5, 0.5])
    assert np.isnan(jac[0, 0]).all()
    np.testing.assert_array_equal(jac[1, 1], [-0.5, 0.5])
    # var itself is smooth there: a zero derivative.
    np.testing.assert_array_equal(on.run(fa.grad(fnp.var), xb), np.zeros(4))


def test_var_with_a_given_mean_differentiates_through_it(on):
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    m = np.array([[0.5, 1.0]])

    def f(x, m):
        return fnp.sum(fnp.var(x, axis=0, mean=m))

    gx, gm = on.run(fa.grad(f, argnums=(0, 1)), *on.put((x, m)))
    np.testing.assert_allclose(gx, (x - m), rtol=1e-15)
    np.testing.assert_allclose(gm, -np.sum(x - m, axis=0, keepdims=True), rtol=1e-15)


# average --------------------------------------------------------------------
def test_average_derivative_with_respect_to_the_weights(on):
    a = np.array([1.0, 2.0, 4.0, -1.0])
    w = np.array([0.5, 1.0, 2.0, 1.5])
    ab, wb = on.put((a, w))
    avg = np.average(a, weights=w)
    np.testing.assert_allclose(on.run(fa.grad(lambda w: fnp.average(ab, weights=w)), wb),
                               (a - avg) / w.sum(), rtol=1e-14)
    # Second order in the weights: d2/dw_i dw_j = -((a_i - avg) + (a_j - avg)) / W**2.
    d = a - avg
    np.testing.assert_allclose(on.run(fa.hessian(lambda w: fnp.average(ab, weights=w)), wb),
                               -(d[:, None] + d[None, :]) / w.sum() ** 2, rtol=1e-13)
    np.testing.assert_allclose(on.run(fa.grad(lambda a: fnp.average(a, weights=wb)), ab),
                               w / w.sum(), rtol=1e-14)


def test_average_along_an_axis_with_returned_weights_sum(on):
    a = np.arange(6.0).reshape(3, 2)
    w = np.array([0.25, 0.75])
    ab = on.put(a)

    def both(w):
        avg, scale = fnp.average(ab, axis=1, weights=w, returned=True)
        return avg, scale

    (avg, scale), jac = on.run(fa.jvp, both, (on.put(w),), (on.put(np.array([1.0, 0.0])),))
    expected_avg, expected_scale = np.average(a, axis=1, weights=w, returned=True)
    np.testing.assert_allclose(avg, expected_avg, rtol=1e-15)
    np.testing.assert_array_equal(scale, expected_scale)
    np.testing.assert_allclose(jac[0], (a[:, 0] - expected_avg) / w.sum(), rtol=1e-14)
    np.testing.assert_array_equal(jac[1], np.ones(3))
    avg, scale = on.run(fa.vmap(lambda a: fnp.average(a, returned=True)), ab)
    np.testing.assert_array_equal(scale, [2.0, 2.0, 2.0])


def test_average_refuses_weights_that_sum_to_zero(on):
    if on.name == "dask":
        pytest.xfail("by design: on a lazy backend the check would compute the weights while "
                     "the graph is built (fnp.average's docstring and funcad/numpy/statistics.py)")
    a, zeros3 = on.put((np.ones((2, 3)), np.zeros(3)))
    with pytest.raises(ZeroDivisionError), on.guard():
        fa.grad(lambda a: fnp.sum(fnp.average(a, axis=1, weights=zeros3)))(a)


def test_average_refuses_bad_weights(on):
    a = on.put(np.ones((2, 3)))
    ones3, ones2 = on.put((np.ones(3), np.ones(2)))
    with on.guard():
        with pytest.raises(TypeError, match="axis"):
            fa.grad(lambda a: fnp.average(a, weights=ones3))(a)
        with pytest.raises(ValueError, match=r"have shape \(3,\)"):
            fa.grad(lambda a: fnp.sum(fnp.average(a, axis=1, weights=ones2)))(a)


# NaN-ignoring reductions ----------------------------------------------------
X_NAN = np.array([[0.5, np.nan, -1.2, 2.0], [np.nan, 1.1, 0.3, -0.7], [1.4, -0.4, np.nan, 0.9]])
VALID = ~np.isnan(X_NAN)
NAN_FUNCTIONS = ["nansum", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanprod"]


def _on_valid(name, axis):
    """The NaN function as a plain function of the valid entries only (NumPy reference)."""

    def f(values):
        x = X_NAN.copy()
        x[VALID] = values
        return getattr(np, name)(x, axis=axis)

    return f


@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("name", NAN_FUNCTIONS)
def test_nan_functions_ignore_nans_in_value_and_derivative(name, axis, on):
    fun = getattr(fnp, name)
    xb = on.put(X_NAN)
    jac = on.run(fa.jacrev(lambda x: fun(x, axis=axis)), xb)
    out_shape = np.shape(getattr(np, name)(X_NAN, axis=axis))
    assert jac.shape == out_shape + X_NAN.shape
    np.testing.assert_array_equal(jac[..., ~VALID], 0.0)
    expected = num_jacobian(_on_valid(name, axis), X_NAN[VALID])
    np.testing.assert_allclose(jac[..., VALID], expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(on.run(fa.jacfwd(lambda x: fun(x, axis=axis)), xb), jac,
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", NAN_FUNCTIONS)
def test_nan_functions_second_order_ignore_nans(name, on):
    fun = getattr(fnp, name)
    hess = on.run(fa.hessian(lambda x: fnp.sum(fun(x, axis=1) ** 2)), on.put(X_NAN))
    assert not np.isnan(hess).any()
    np.testing.assert_array_equal(hess[~VALID], 0.0)
    np.testing.assert_array_equal(hess[:, :, ~VALID], 0.0)

    def grad_on_valid(values):  # the finite-difference reference, on NumPy
        x = X_NAN.copy()
        x[VALID] = values
        return fa.grad(lambda x: fnp.sum(fun(x, axis=1) ** 2))(x)[VALID]

    expected = num_jacobian(grad_on_valid, X_NAN[VALID], eps=1e-5)
    np.testing.assert_allclose(hess[VALID][:, VALID], expected, rtol=1e-5, atol=1e-6)


def test_all_nan_slices_give_nan_values_and_zero_input_derivatives(on):
    x = on.put(np.array([[np.nan, np.nan], [1.0, np.nan]]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for name in ["nanmax", "nanmin", "nanmean", "nanvar"]:
            value = on.run(lambda x, n=name: getattr(fnp, n)(x, axis=1), x)
            traced = on.run(fa.vmap(getattr(fnp, name)), x)
            np.testing.assert_array_equal(traced, value)
            assert np.isnan(value[0]), name
            g = on.run(fa.grad(lambda x, n=name: getattr(fnp, n)(x, axis=1)[1]), x)
            expected = [[0.0, 0.0], [1.0 if name != "nanvar" else 0.0, 0.0]]
            np.testing.assert_array_equal(g, expected, err_msg=name)
        np.testing.assert_array_equal(on.run(fa.grad(lambda x: fnp.nansum(x)), x),
                                      [[0, 0], [1, 0]])
        np.testing.assert_array_equal(on.run(fa.grad(lambda x: fnp.nanprod(x * 2.0)), x),
                                      [[0, 0], [2, 0]])


def test_nanmax_ties_share_the_derivative(on):
    x = np.array([3.0, np.nan, 3.0, 1.0])
    np.testing.assert_array_equal(on.run(fa.grad(fnp.nanmax), on.put(x)), [0.5, 0.0, 0.5, 0.0])


# diff, ptp ------------------------------------------------------------------
def test_diff_jacobian_and_edges(on):
    x = np.array([1.0, 4.0, 9.0, 16.0])
    xb = on.put(x)
    np.testing.assert_array_equal(on.run(fa.jacfwd(lambda x: fnp.diff(x, n=2)), xb),
                                  [[1, -2, 1, 0], [0, 1, -2, 1]])
    p = 0.5
    g = on.run(fa.grad(lambda p: fnp.sum(fnp.diff(xb, prepend=p) ** 2)), on.put(p))
    assert g == pytest.approx(-2 * (x[0] - p))
    assert fnp.diff(xb, n=0) is xb
    # Argument errors: NumPy's.
    with pytest.raises(ValueError, match="n=-1"):
        fa.grad(lambda x: fnp.sum(fnp.diff(x, n=-1)))(x)
    out = on.run(fa.vmap(lambda r: fnp.diff(r > 2.0)),
                 on.put(np.array([[1.0, 3.0, 4.0], [5.0, 1.0, 0.0]])))
    np.testing.assert_array_equal(out, [[True, False], [True, False]])


def test_ptp_ties_share_the_derivative(on):
    x = np.array([2.0, -1.0, 2.0, -1.0, 0.0])
    np.testing.assert_array_equal(on.run(fa.grad(fnp.ptp), on.put(x)),
                                  [0.5, -0.5, 0.5, -0.5, 0.0])


# float32, out=, NumPy protocols ---------------------------------------------
# A case's function takes x, then the constants it needs (put on the test's backend).
FLOAT32_CASES = [
    ("var", lambda x: fnp.var(x, axis=0, ddof=1)),
    ("std", lambda x: fnp.std(x, axis=1)),
    ("average", lambda x: fnp.average(x, axis=0)),
    ("average", lambda x, w=np.ones(3, np.float32): fnp.average(x, axis=0, weights=w)),
    ("nansum", lambda x: fnp.nansum(x, axis=0)),
    ("nanmean", lambda x: fnp.nanmean(x, axis=1)),
    ("nanvar", lambda x: fnp.nanvar(x)),
    ("nanstd", lambda x: fnp.nanstd(x, axis=0)),
    ("nanmax", lambda x: fnp.nanmax(x, axis=1)),
    ("nanmin", lambda x: fnp.nanmin(x, axis=0)),
    ("nanprod", lambda x: fnp.nanprod(x, axis=1)),
    ("cumsum", lambda x: fnp.cumsum(x, axis=0)),
    ("cumprod", lambda x: fnp.cumprod(x)),
    ("diff", lambda x: fnp.diff(x, n=2, axis=0, append=np.float32(1.0))),
    ("ptp", lambda x: fnp.ptp(x, axis=1)),
]


FLOAT32_PARAMS = [(name, fun, False) for name, fun in FLOAT32_CASES] + [
    (name, fun, True) for name, fun in FLOAT32_CASES if name.startswith("nan")
]


@pytest.mark.parametrize("name, fun, with_nan", FLOAT32_PARAMS,
                         ids=[f"{n}-nan" if w else n for n, _, w in FLOAT32_PARAMS])
def test_float32_in_float32_out_and_float32_derivatives(name, fun, with_nan, on):
    x = np.array([[1.5, -0.5, 2.0, 0.25], [0.5, 1.0, -1.0, 3.0], [2.5, 0.0, 1.0, -2.0]],
                 np.float32)
    if with_nan:
        x[1, 2] = np.nan
    reference = fun(x.astype(np.float64))  # on NumPy
    # The constants a case closes over (its defaults after x) go to the backend too.
    defaults = on.put(list(fun.__defaults__ or ()))
    fun = functools.partial(fun, **dict(zip(fun.__code__.co_varnames[1:], defaults)))
    xb = on.put(x)
    value = on.run(fun, xb)
    assert value.dtype == np.float32
    y, t = on.run(fa.jvp, fun, (xb,), (on.put(np.ones_like(x)),))
    assert y.dtype == np.float32 and t.dtype == np.float32
    np.testing.assert_allclose(y, reference, rtol=1e-6, atol=1e-6)
    with on.guard():
        yb, f_vjp = fa.vjp(fun, xb)
        (ct,) = f_vjp(on.put(np.ones_like(y)))
    assert on.get(ct).dtype == np.float32
    assert on.run(fa.jacfwd(fun), xb).dtype == np.float32
    assert on.run(fa.hessian(lambda x: fnp.sum(fun(x))), xb).dtype == np.float32
    assert on.run(fa.vmap(fun), on.put(np.stack([x, x]))).dtype == np.float32


def test_float32_results_of_the_logical_reductions_are_numpy_integers_and_booleans(on):
    x = np.array([[1.0, 0.0], [2.0, 3.0]], np.float32)
    xb = on.put(x)
    assert on.run(fa.vmap(fnp.argmax), xb).dtype == np.argmax(x, axis=1).dtype
    assert on.run(fa.vmap(fnp.any), xb).dtype == np.bool_
    assert on.run(fa.vmap(fnp.count_nonzero), xb).dtype == np.count_nonzero(x, axis=1).dtype


@pytest.mark.parametrize("name", ["var", "std", "nansum", "nanmean", "nanvar", "nanstd", "nanmax",
                                  "nanmin", "nanprod", "cumsum", "cumprod", "argmax", "argmin",
                                  "any", "all", "ptp"])
def test_out_is_refused_as_by_the_other_reductions(on, name):
    fun = getattr(fnp, name)
    x, out = on.put((np.ones(3), np.empty(3)))
    with on.guard():
        with pytest.raises(TypeError, match=f"funcad.numpy.{name} does not write into out="):
            fun(x, out=out)
        with pytest.raises(TypeError, match="out="):
            fa.grad(lambda x: fnp.sum(fun(x, out=out)))(x)


def test_numpy_calls_on_traced_values_reach_these_functions(on):
    x = np.array([[1.0, 3.0], [2.0, 7.0]])
    xb = on.put(x)
    g = on.run(fa.grad(lambda x: np.var(x) + np.sum(np.cumsum(x, axis=0)) + np.nanmean(x)), xb)
    expected = num_grad(lambda x: np.var(x) + np.sum(np.cumsum(x, axis=0)) + np.nanmean(x), x)
    np.testing.assert_allclose(g, expected, rtol=1e-7)
    assert on.run(fa.vmap(lambda r: np.argmax(r)), xb).tolist() == [1, 1]


def test_inputs_are_not_modified(on):
    x = np.array([[1.0, np.nan, 0.0], [2.0, 0.0, 3.0]])
    keep = x.copy()
    xb = on.put(x)
    for fun in [fnp.nanvar, fnp.cumprod, fnp.nanmax, lambda x: fnp.diff(x, prepend=0.0)]:
        on.run(fa.jacrev(fun), xb)
        on.run(fa.jacfwd(fun), xb)
    on.run(lambda x: linear_recurrence(x[:, ::-1], x, 1, reverse=True), xb)
    np.testing.assert_array_equal(on.get(xb), keep)
    np.testing.assert_array_equal(x, keep)


def test_empty_and_single_element_scans(on):
    for fun in [fnp.cumsum, fnp.cumprod]:
        assert on.run(fa.jacfwd(fun), on.put(np.array([2.0]))).tolist() == [[1.0]]
        assert on.run(fa.jacrev(fun), on.put(np.zeros(0))).shape == (0, 0)
        assert math.isclose(on.run(fa.grad(lambda x, f=fun: f(x)[0]), on.put(np.float64(2.0))),
                            1.0)


def test_complex_variances_are_real_and_scans_follow_the_transpose_convention(on):
    complex_parts = pytest.importorskip("funcad.primitives.complex")
    z = np.array([[1 + 2j, 3 - 1j, np.nan], [-0.5 + 0.5j, 2j, 1.0]])
    for name in ["var", "std", "nanvar", "nanstd", "nanmean"]:
        expected = np.array([getattr(np, name)(r) for r in z])
        np.testing.assert_allclose(on.run(fa.vmap(getattr(fnp, name)), on.put(z)), expected,
                                   rtol=1e-14)
    w = z[1]

    def f(z):
        y = fnp.cumprod(z)
        return fnp.sum(complex_parts.real(y) ** 2 + complex_parts.imag(y) ** 2)

    try:
        fa.grad(f)(w)
    except TypeError:
        pytest.skip("complex inputs are not differentiated yet")
    # Differentiated on NumPy: the backend must too.
    g = on.run(fa.grad(f), on.put(w))
    # JAX's convention: df/dx - i df/dy, here by central differences.
    expected = [(f(w + e) - f(w - e) - 1j * (f(w + 1j * e) - f(w - 1j * e))) / 2e-6
                for e in np.eye(3) * 1e-6]
    np.testing.assert_allclose(g, expected, rtol=1e-6)
