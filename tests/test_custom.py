"""custom_jvp, custom_vjp and stop_gradient under every transform.

The tests that compute run on the backend ``--backend`` names (``sweep_backend``
in ``tests/conftest.py``; NumPy without it): inputs are put there, the
transforms run under the backend's guard (Dask: no computing; CuPy: no copy to
the host), and the results must be that backend's arrays before they are read
back and compared with NumPy.
"""

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
from funcad.core.trace import current_depth
from funcad.transforms.custom import custom_jvp, custom_vjp, stop_gradient


@custom_jvp
def log1pexp(x):
    return fnp.log1p(fnp.exp(x))


@log1pexp.defjvp
def _log1pexp_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return log1pexp(x), (1.0 - 1.0 / (1.0 + fnp.exp(x))) * t


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@custom_vjp
def clip_gradient(lo, hi, x):
    return x


def _clip_fwd(lo, hi, x):
    return x, (lo, hi)


def _clip_bwd(res, g):
    lo, hi = res
    return None, None, fnp.clip(g, lo, hi)


clip_gradient.defvjp(_clip_fwd, _clip_bwd)


@custom_jvp
def round_ste(x):
    return fnp.round(x)


@round_ste.defjvp
def _round_ste_jvp(primals, tangents):
    return round_ste(primals[0]), tangents[0]


X = np.array([-1.5, 0.2, 0.7, 2.0])


def test_log1pexp_values_and_derivatives(on):
    xb = on.put(X)
    np.testing.assert_allclose(on.run(log1pexp, xb), np.log1p(np.exp(X)), rtol=1e-13)
    with np.errstate(over="ignore"):
        assert float(on.run(fa.grad(log1pexp), on.put(1000.0))) == 1.0
    for x in X:
        x_on = on.put(x)
        assert float(on.run(fa.grad(log1pexp), x_on)) == pytest.approx(_sigmoid(x), rel=1e-13)
        s = _sigmoid(x)
        assert float(on.run(fa.grad(fa.grad(log1pexp)), x_on)) == pytest.approx(
            s * (1 - s), rel=1e-12)
        assert float(on.run(fa.grad(fa.grad(fa.grad(log1pexp))), x_on)) == pytest.approx(
            s * (1 - s) * (1 - 2 * s), rel=1e-10, abs=1e-14)
    y, t = on.run(fa.jvp, log1pexp, (xb,), (on.put(np.full(4, 2.0)),))
    np.testing.assert_allclose(t, 2 * _sigmoid(X), rtol=1e-13)
    np.testing.assert_allclose(on.run(lambda: fa.vjp(log1pexp, xb)[1](on.put(np.full(4, 3.0)))[0]),
                               3 * _sigmoid(X), rtol=1e-13)
    np.testing.assert_allclose(on.run(fa.jacrev(log1pexp), xb), np.diag(_sigmoid(X)),
                               rtol=1e-13)
    np.testing.assert_allclose(on.run(fa.jacfwd(log1pexp), xb), np.diag(_sigmoid(X)),
                               rtol=1e-13)
    h = on.run(fa.hessian(lambda x: fnp.sum(log1pexp(x))), xb)
    s = _sigmoid(X)
    np.testing.assert_allclose(h, np.diag(s * (1 - s)), rtol=1e-12)


def test_custom_rule_is_used_not_the_function(on):
    xb = on.put(np.array([1000.0, 0.0]))
    with np.errstate(over="ignore"):
        g = on.run(fa.vmap(fa.grad(log1pexp)), xb)
        np.testing.assert_allclose(g, [1.0, 0.5])
        g = on.run(fa.grad(lambda x: fnp.sum(fa.vmap(log1pexp)(x))), xb)
        np.testing.assert_allclose(g, [1.0, 0.5])
        _, t = on.run(fa.jvp, fa.vmap(log1pexp), (xb,), (on.put(np.ones(2)),))
        np.testing.assert_allclose(t, [1.0, 0.5])


def test_vmap_of_custom_jvp(on):
    xs = np.array([[0.1, 0.2], [1.0, -1.0], [3.0, 0.5]])
    xb = on.put(xs)
    np.testing.assert_allclose(on.run(fa.vmap(log1pexp), xb), np.log1p(np.exp(xs)),
                               rtol=1e-13)
    np.testing.assert_allclose(on.run(fa.vmap(log1pexp, in_axes=1), xb),
                               np.log1p(np.exp(xs.T)), rtol=1e-13)
    g = on.run(fa.vmap(fa.grad(lambda x: fnp.sum(log1pexp(x)))), xb)
    np.testing.assert_allclose(g, _sigmoid(xs), rtol=1e-13)
    j = on.run(fa.jacrev(fa.vmap(log1pexp)), on.put(xs[0]))
    np.testing.assert_allclose(j, np.diag(_sigmoid(xs[0])), rtol=1e-13)


def test_straight_through_estimator(on):
    np.testing.assert_array_equal(on.run(round_ste, on.put(np.array([0.4, 1.6, -2.7]))),
                                  [0.0, 2.0, -3.0])
    np.testing.assert_array_equal(on.run(fa.grad(lambda x: fnp.sum(round_ste(x) ** 2)),
                                       on.put(np.array([0.4, 1.6]))), [0.0, 4.0])
    assert float(on.run(fa.grad(round_ste), on.put(1.7))) == 1.0
    np.testing.assert_array_equal(on.run(fa.vmap(fa.grad(round_ste)),
                                       on.put(np.array([0.2, 3.9]))), [1, 1])


def test_float32_preserved(on):
    x = on.put(np.array([0.5, 1.5], dtype=np.float32))
    assert on.run(log1pexp, x).dtype == np.float32
    assert on.run(fa.grad(lambda x: fnp.sum(log1pexp(x))), x).dtype == np.float32
    assert on.run(fa.grad(lambda x: fnp.sum(clip_gradient(-1.0, 1.0, x))), x).dtype == np.float32


def test_gradient_clipping(on):
    f = lambda x: fnp.sum(4.0 * clip_gradient(-1.0, 1.0, x) * x)  # noqa: E731
    x = np.array([-2.0, 0.1, 3.0])
    # d/dx of 4 x * clip_gradient(x): 4 * c(x) + clip(4 * x)
    np.testing.assert_allclose(on.run(fa.grad(f), on.put(x)), 4 * x + np.clip(4 * x, -1, 1))
    two = on.put(2.0)
    assert float(on.run(fa.grad(lambda x: 5.0 * clip_gradient(-1.0, 1.0, x)), two)) == 1.0
    assert float(on.run(fa.grad(lambda x: 0.5 * clip_gradient(-1.0, 1.0, x)), two)) == 0.5
    xb = on.put(np.array([1.0, 2.0]))
    g = on.run(fa.vmap(fa.grad(lambda x: 3.0 * clip_gradient(-1.0, 1.0, x))), xb)
    np.testing.assert_array_equal(g, [1.0, 1.0])
    np.testing.assert_array_equal(on.run(fa.jacrev(lambda x: 3.0 * clip_gradient(-2.0, 2.0, x)),
                                       xb), np.diag([2.0, 2.0]))
    # The batched custom_vjp's residuals (Python numbers) join the inputs' backend.
    g = on.run(fa.grad(lambda x: fnp.sum(fa.vmap(
        lambda v: 3.0 * clip_gradient(-1.0, 1.0, v))(x))), xb)
    np.testing.assert_array_equal(g, [1.0, 1.0])


@custom_vjp
def sin_vjp(x):
    return fnp.sin(x)


def _sin_fwd(x):
    return fnp.sin(x), fnp.cos(x)


def _sin_bwd(cos_x, g):
    return (cos_x * g,)


sin_vjp.defvjp(_sin_fwd, _sin_bwd)


def test_custom_vjp_nested_grad(on):
    x = 0.7
    x_on = on.put(x)
    assert float(on.run(fa.grad(sin_vjp), x_on)) == pytest.approx(np.cos(x), rel=1e-14)
    # The residual cos(x) is traced by the outer grad.
    assert float(on.run(fa.grad(fa.grad(sin_vjp)), x_on)) == pytest.approx(-np.sin(x),
                                                                               rel=1e-14)
    xs = np.array([0.1, 0.5, 2.0])
    xb = on.put(xs)
    np.testing.assert_allclose(on.run(fa.vmap(fa.grad(sin_vjp)), xb), np.cos(xs), rtol=1e-14)
    np.testing.assert_allclose(on.run(fa.jacrev(fa.vmap(sin_vjp)), xb), np.diag(np.cos(xs)),
                               rtol=1e-14)
    np.testing.assert_allclose(on.run(fa.jacrev(fa.jacrev(lambda v: fnp.sum(sin_vjp(v)))), xb),
                               np.diag(-np.sin(xs)), rtol=1e-14)


def test_forward_mode_of_custom_vjp_raises_and_trace_is_clean(on):
    one, ones = on.put(1.0), on.put(np.ones(2))
    for transform in (lambda: fa.jvp(sin_vjp, (one,), (one,)),
                      lambda: fa.jacfwd(sin_vjp)(ones),
                      lambda: fa.hessian(lambda x: fnp.sum(sin_vjp(x)))(ones)):
        with pytest.raises(TypeError, match=r"forward-mode autodiff \(jvp\).*sin_vjp.*custom_jvp"):
            with on.guard():
                transform()
        assert current_depth() == 0


@pytest.mark.fixed_backend("no array anywhere: the errors come from the user's rules, called "
                           "with Python floats")
def test_bad_rules_raise_and_trace_is_clean():
    @custom_jvp
    def f(x):
        return x

    with pytest.raises(AttributeError, match="defjvp"):
        f(1.0)

    @f.defjvp
    def f_jvp(primals, tangents):
        return primals[0]

    with pytest.raises(TypeError, match="pair"):
        fa.grad(f)(1.0)
    assert current_depth() == 0

    @custom_vjp
    def g(x, y):
        return x * y

    g.defvjp(lambda x, y: (x * y, (x, y)), lambda res, ct: (ct,))
    with pytest.raises(TypeError, match="one cotangent per differentiable argument"):
        fa.grad(g)(1.0, 2.0)
    assert current_depth() == 0


def test_pytrees_and_multiple_outputs(on):
    @custom_jvp
    def f(p):
        return {"s": fnp.sin(p["a"]) * p["b"], "c": fnp.cos(p["a"])}

    @f.defjvp
    def f_jvp(primals, tangents):
        (p,), (t,) = primals, tangents
        out = f(p)
        return out, {"s": fnp.cos(p["a"]) * t["a"] * p["b"] + fnp.sin(p["a"]) * t["b"],
                     "c": -fnp.sin(p["a"]) * t["a"]}

    p = {"a": np.array([0.3, 1.1]), "b": np.array([2.0, -1.0])}
    pb = {k: on.put(v) for k, v in p.items()}
    out = on.run(f, pb)
    np.testing.assert_allclose(out["s"], np.sin(p["a"]) * p["b"])
    g = on.run(fa.grad(lambda p: fnp.sum(f(p)["s"]) + fnp.sum(f(p)["c"])), pb)
    np.testing.assert_allclose(g["a"], np.cos(p["a"]) * p["b"] - np.sin(p["a"]), rtol=1e-14)
    np.testing.assert_allclose(g["b"], np.sin(p["a"]), rtol=1e-14)
    _, t = on.run(fa.jvp, f, (pb,), ({"a": on.put(np.ones(2)), "b": on.put(np.zeros(2))},))
    np.testing.assert_allclose(t["c"], -np.sin(p["a"]), rtol=1e-14)

    @custom_vjp
    def h(x, y):
        return x * y, x + y

    def h_fwd(x, y):
        return (x * y, x + y), (x, y)

    def h_bwd(res, cts):
        x, y = res
        c1, c2 = cts
        return c1 * y + c2, c1 * x + c2

    h.defvjp(h_fwd, h_bwd)
    gx, gy = on.run(fa.grad(lambda x, y: fnp.sum(h(x, y)[0] * h(x, y)[1]), argnums=(0, 1)),
                  on.put(np.array([1.0, 2.0])), on.put(np.array([3.0, -1.0])))
    # d/dx (x y (x + y)) = 2 x y + y^2
    np.testing.assert_allclose(gx, [2 * 3 + 9, 2 * 2 * -1 + 1])
    np.testing.assert_allclose(gy, [2 * 3 + 1, 2 * 2 * -1 + 4])
    xs = np.array([[1.0, 2.0], [0.5, 0.25]])
    a, b = on.run(fa.vmap(h), on.put(xs), on.put(xs))
    np.testing.assert_allclose(a, xs * xs)
    np.testing.assert_allclose(b, 2 * xs)


def test_nondiff_argnums(on):
    @custom_jvp
    def scaled(n, x):
        return n * fnp.sin(x)

    calls = []

    @scaled.defjvp
    def scaled_jvp(n, primals, tangents):
        calls.append(n)
        (x,), (t,) = primals, tangents
        return scaled(n, x), n * fnp.cos(x) * t

    scaled = custom_jvp(scaled.fun, nondiff_argnums=(0,))
    scaled.defjvp(scaled_jvp)
    half = on.put(0.5)
    assert float(on.run(fa.grad(scaled, argnums=1), 3, half)) == pytest.approx(3 * np.cos(0.5))
    assert calls and calls[0] == 3
    assert float(on.run(lambda: scaled(2, x=half))) == pytest.approx(2 * np.sin(0.5))


def test_stop_gradient_under_every_transform(on):
    x = np.array([1.0, 2.0])
    xb, ones = on.put(x), on.put(np.ones(2))
    f = lambda x: fnp.sum(x * stop_gradient(x))  # noqa: E731
    np.testing.assert_array_equal(on.run(fa.grad(f), xb), x)
    np.testing.assert_array_equal(on.run(fa.jvp, stop_gradient, (xb,), (ones,))[1], [0, 0])
    np.testing.assert_array_equal(on.run(lambda: fa.vjp(stop_gradient, xb)[1](ones)[0]),
                                  [0, 0])
    np.testing.assert_array_equal(on.run(fa.jacfwd(stop_gradient), xb), np.zeros((2, 2)))
    np.testing.assert_array_equal(on.run(fa.jacrev(stop_gradient), xb), np.zeros((2, 2)))
    np.testing.assert_array_equal(
        on.run(fa.hessian(lambda x: fnp.sum(stop_gradient(x) * x ** 2)), xb), np.diag(2 * x))
    eye = on.put(np.eye(2))
    np.testing.assert_array_equal(on.run(fa.vmap(stop_gradient), eye), np.eye(2))
    np.testing.assert_array_equal(on.run(fa.vmap(fa.grad(f)), eye), np.eye(2))
    np.testing.assert_array_equal(on.run(stop_gradient, xb), x)
    # A Python number among the leaves stays a Python number, whatever the backend.
    with on.guard():
        tree = stop_gradient({"a": xb, "b": (2.0,)})
    np.testing.assert_array_equal(on.get(tree["a"]), x)
    assert float(tree["b"][0]) == 2.0
    g = on.run(fa.grad(lambda p: fnp.sum(stop_gradient(p)["a"] * p["a"])), {"a": xb})
    np.testing.assert_array_equal(g["a"], x)
    assert stop_gradient(np.float32(1.5)).dtype == np.float32
    assert current_depth() == 0
