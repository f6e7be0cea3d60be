"""Transforms against independent references.

Every expected value is a closed form evaluated in plain NumPy, a central
finite difference of a plain-NumPy function, or a Python loop over examples
(for ``vmap``). The funcad side uses ``funcad.numpy``; the reference side
never calls funcad.
"""

# Matrix names (A, W, X, H, J) follow the mathematics.
# ruff: noqa: N803, N806

from __future__ import annotations

import collections
import copy
import threading

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
from funcad.core import trace as fa_trace
from tests._reference import loop_vmap, num_grad_args, num_jacobian, rng

RTOL = 1e-10
ATOL = 1e-12
FD_RTOL = 1e-6
FD_ATOL = 1e-7


def close(actual, expected, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=rtol, atol=atol)


def close_fd(actual, expected):
    close(actual, expected, rtol=FD_RTOL, atol=FD_ATOL)


def close_tree(actual, expected, rtol=RTOL, atol=ATOL):
    a_leaves, a_def = fa.tree_util.tree_flatten(actual)
    e_leaves, e_def = fa.tree_util.tree_flatten(expected)
    assert a_def == e_def, f"structure {a_def} != {e_def}"
    for a, e in zip(a_leaves, e_leaves):
        assert np.shape(a) == np.shape(e), f"shape {np.shape(a)} != {np.shape(e)}"
        close(a, e, rtol, atol)


def put_tree(on, tree):
    """``tree`` (dicts included) with every leaf on the backend."""
    return fa.tree_util.tree_map(on.put, tree)


def is_array(on, x):
    """``x`` is an array of the backend (on NumPy: an ndarray, not a NumPy scalar)."""
    return isinstance(x, np.ndarray if on.name == "numpy" else on.array_type)


X3 = np.array([0.3, -1.2, 2.1])
X23 = rng(1).normal(size=(2, 3))


# ---------------------------------------------------------------------------
# grad on elementwise functions: closed-form derivatives
# ---------------------------------------------------------------------------

UNARY = [
    # name, funcad function, closed-form derivative (NumPy), point(s)
    ("sin", fnp.sin, np.cos, X3),
    ("cos", fnp.cos, lambda x: -np.sin(x), X3),
    ("exp", fnp.exp, np.exp, X3),
    ("log", fnp.log, lambda x: 1 / x, np.abs(X3) + 0.5),
    ("tanh", fnp.tanh, lambda x: 1 - np.tanh(x) ** 2, X3),
    ("sqrt", fnp.sqrt, lambda x: 0.5 / np.sqrt(x), np.abs(X3) + 0.5),
    ("cube", lambda x: x ** 3, lambda x: 3 * x ** 2, X3),
    ("reciprocal", lambda x: 1.0 / x, lambda x: -1 / x ** 2, np.abs(X3) + 0.5),
    ("x_pow_x", lambda x: x ** x, lambda x: x ** x * (np.log(x) + 1), np.abs(X3) + 0.5),
    ("sin_times_x", lambda x: fnp.sin(x) * x, lambda x: np.cos(x) * x + np.sin(x), X3),
    ("exp_over_1p", lambda x: fnp.exp(x) / (1 + x * x),
     lambda x: np.exp(x) / (1 + x * x) - np.exp(x) * 2 * x / (1 + x * x) ** 2, X3),
    ("tanh_of_sin", lambda x: fnp.tanh(fnp.sin(x)),
     lambda x: (1 - np.tanh(np.sin(x)) ** 2) * np.cos(x), X3),
]


@pytest.mark.parametrize("name,f,df,xs", UNARY, ids=[u[0] for u in UNARY])
def test_grad_scalar_closed_form(name, f, df, xs, on):
    for x in xs:
        close(on.get(fa.grad(f)(on.put(float(x)))), df(x))


@pytest.mark.parametrize("name,f,df,xs", UNARY, ids=[u[0] for u in UNARY])
def test_grad_of_sum_is_elementwise_derivative(name, f, df, xs, on):
    close(on.get(fa.grad(lambda x: fnp.sum(f(x)))(on.put(xs))), df(xs))


# ---------------------------------------------------------------------------
# Seeds: the textbook examples
# ---------------------------------------------------------------------------


def baydin(x1, x2):
    return fnp.log(x1) + x1 * x2 - fnp.sin(x2)


def baydin_np(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def test_seed_baydin_forward_trace(on):
    y, y_dot = on.get(fa.jvp(baydin, on.put((2.0, 5.0)), on.put((1.0, 0.0))))
    close(y, baydin_np(2.0, 5.0))
    close(y, 11.652, rtol=0, atol=5e-4)  # the slide's rounded value
    close(y_dot, 1 / 2.0 + 5.0)  # v̇1 + v̇2 = 0.5 + 5
    _, y_dot2 = on.get(fa.jvp(baydin, on.put((2.0, 5.0)), on.put((0.0, 1.0))))
    close(y_dot2, 2.0 - np.cos(5.0))


def test_seed_baydin_reverse_trace(on):
    g1, g2 = on.get(fa.grad(baydin, argnums=(0, 1))(*on.put((2.0, 5.0))))
    close(g1, 1 / 2.0 + 5.0)
    close(g2, 2.0 - np.cos(5.0))
    close(g2, 1.716, rtol=0, atol=5e-4)
    y, f_vjp = fa.vjp(baydin, *on.put((2.0, 5.0)))
    close(on.get(y), baydin_np(2.0, 5.0))
    close_tree(on.get(f_vjp(on.put(1.0))), (1 / 2.0 + 5.0, 2.0 - np.cos(5.0)))
    close_fd(g1, num_grad_args(baydin_np, (2.0, 5.0), 0))
    close_fd(g2, num_grad_args(baydin_np, (2.0, 5.0), 1))


def classroom(x, y):
    return x ** 3 + y * x * fnp.exp(x) + y


def classroom_np(x, y):
    return x ** 3 + y * x * np.exp(x) + y


def test_seed_classroom_function(on):
    x, y = 2.0, 3.0
    xb, yb = on.put((x, y))
    dfdx = 3 * x ** 2 + y * np.exp(x) * (1 + x)
    dfdy = x * np.exp(x) + 1
    v, (gx, gy) = on.get(fa.value_and_grad(classroom, argnums=(0, 1))(xb, yb))
    close(v, classroom_np(x, y))
    close(gx, dfdx)
    close(gy, dfdy)
    close(on.get(fa.jvp(classroom, (xb, yb), on.put((1.0, 0.0)))[1]), dfdx)
    close(on.get(fa.jvp(classroom, (xb, yb), on.put((0.0, 1.0)))[1]), dfdy)
    close_fd(gx, num_grad_args(classroom_np, (x, y), 0))
    close_fd(gy, num_grad_args(classroom_np, (x, y), 1))
    # second derivatives
    close(on.get(fa.grad(fa.grad(classroom))(xb, yb)), 6 * x + y * np.exp(x) * (2 + x))
    close(on.get(fa.grad(fa.grad(classroom), argnums=1)(xb, yb)), np.exp(x) * (1 + x))


def test_seed_jacobian_of_cube_is_3_eye(on):
    expected = 3 * np.eye(3)  # d(x^3)/dx = 3x^2 = 3 at x = 1
    for jac in (fa.jacobian, fa.jacrev, fa.jacfwd):
        close(on.get(jac(lambda x: x ** 3)(on.put(np.ones(3)))), expected)


def test_seed_hessian_of_sum_cube_is_6_eye(on):
    close(on.get(fa.hessian(lambda x: (x ** 3).sum())(on.put(np.ones(3)))), 6 * np.eye(3))


def test_seed_vmap_square_plus_x_over_tensor_of_twos(on):
    x = np.full((3, 3, 3), 2.0)
    out = fa.vmap(lambda x: x ** 2 + x)(on.put(x))
    assert out.shape == (3, 3, 3)
    out = on.get(out)
    close(out, x ** 2 + x)
    close(out, np.full((3, 3, 3), 2.0 ** 2 + 2.0))


def test_seed_vmap_dot_and_vmap_vmap_dot(on):
    r = rng(2)
    a, b = r.normal(size=(5, 4)), r.normal(size=(5, 4))
    close(on.get(fa.vmap(fnp.dot)(*on.put((a, b)))), np.einsum("nd,nd->n", a, b))
    a3, b3 = r.normal(size=(5, 4, 3)), r.normal(size=(5, 4, 3))
    out = fa.vmap(fa.vmap(fnp.dot))(*on.put((a3, b3)))
    assert out.shape == (5, 4)
    close(on.get(out), np.einsum("ndc,ndc->nd", a3, b3))


def rnn_step(W_x, W_h, x, prev_h):  # noqa: N803
    return fnp.tanh(W_x @ x.T + W_h @ prev_h.T)


def rnn_step_np(W_x, W_h, x, prev_h):  # noqa: N803
    return np.tanh(W_x @ x.T + W_h @ prev_h.T)


def test_seed_rnn_step_gradient_vs_closed_form_and_finite_differences(on):
    r = rng(3)
    B, D, H = 2, 3, 4
    args = (r.normal(size=(H, D)) * 0.5, r.normal(size=(H, H)) * 0.5,
            r.normal(size=(B, D)), r.normal(size=(B, H)))
    R = r.normal(size=(H, B))
    Rb = on.put(R)

    def loss(*a):
        return fnp.sum(rnn_step(*a) * Rb)

    def loss_np(*a):
        return np.sum(rnn_step_np(*a) * R)

    grads = on.get(fa.grad(loss, argnums=(0, 1, 2, 3))(*on.put(args)))
    nh = rnn_step_np(*args)
    delta = R * (1 - nh ** 2)  # (H, B)
    W_x, W_h, x, prev_h = args
    closed = (delta @ x, delta @ prev_h, delta.T @ W_x, delta.T @ W_h)
    for k in range(4):
        assert grads[k].shape == args[k].shape
        close(grads[k], closed[k])
        close_fd(grads[k], num_grad_args(loss_np, args, k))


def test_seed_rnn_unrolled_bptt_vs_finite_differences(on):
    r = rng(4)
    B, D, H, T = 2, 3, 4, 5
    W_x, W_h = r.normal(size=(H, D)) * 0.5, r.normal(size=(H, H)) * 0.5
    xs = r.normal(size=(T, B, D))
    h0 = r.normal(size=(B, H))
    xs_b = on.put(xs)

    def loss(W_x, W_h, h0):  # noqa: N803
        h = h0
        for t in range(T):
            h = rnn_step(W_x, W_h, xs_b[t], h).T
        return fnp.sum(h ** 2)

    def loss_np(W_x, W_h, h0):  # noqa: N803
        h = h0
        for t in range(T):
            h = rnn_step_np(W_x, W_h, xs[t], h).T
        return np.sum(h ** 2)

    args = (W_x, W_h, h0)
    grads = on.get(fa.grad(loss, argnums=(0, 1, 2))(*on.put(args)))
    for k in range(3):
        close_fd(grads[k], num_grad_args(loss_np, args, k))


# ---------------------------------------------------------------------------
# grad / value_and_grad: argnums, has_aux, kwargs, integers
# ---------------------------------------------------------------------------


def three_args(x, y, z):
    return fnp.sum(fnp.sin(x) * y) + fnp.sum(z ** 2) * fnp.sum(x)


def three_args_grads_np(x, y, z):
    return (np.cos(x) * y + np.sum(z ** 2), np.sin(x), 2 * z * np.sum(x))


THREE = (np.array([0.5, -0.7]), np.array([1.5, 2.5]), np.array([0.1, 0.2, 0.3]))

ARGNUMS_CASES = [
    (0, 0), (1, 1), (2, 2), (-1, 2), (-3, 0), (-2, 1),
    ((0,), (0,)), ((0, 2), (0, 2)), ((2, 0), (2, 0)), ((-1, 1), (2, 1)), ((0, 1, 2), (0, 1, 2)),
]


@pytest.mark.parametrize("argnums,positions", ARGNUMS_CASES, ids=[str(a) for a, _ in ARGNUMS_CASES])
def test_grad_argnums(argnums, positions, on):
    expected = three_args_grads_np(*THREE)
    three = on.put(THREE)
    g = on.get(fa.grad(three_args, argnums=argnums)(*three))
    if isinstance(positions, tuple):
        assert isinstance(g, tuple) and len(g) == len(positions)
        for gi, p in zip(g, positions):
            close(gi, expected[p])
    else:
        assert not isinstance(g, tuple)
        close(g, expected[positions])
    v, g2 = on.get(fa.value_and_grad(three_args, argnums=argnums)(*three))
    x, y, z = THREE
    close(v, np.sum(np.sin(x) * y) + np.sum(z ** 2) * np.sum(x))
    close_tree(g2, g)


def test_grad_has_aux_and_value_and_grad_has_aux(on):
    x = np.array([0.5, 1.5, -2.0])
    xb = on.put(x)

    def f(x):
        y = fnp.sin(x)
        return fnp.sum(y * y), {"y": y, "n": 3}

    g, aux = fa.grad(f, has_aux=True)(xb)
    g = on.get(g)
    close(g, 2 * np.sin(x) * np.cos(x))
    assert set(aux) == {"y", "n"}
    assert is_array(on, aux["y"])
    close(on.get(aux["y"]), np.sin(x))
    assert aux["n"] == 3
    (v, aux2), g2 = fa.value_and_grad(f, has_aux=True)(xb)
    close(on.get(v), np.sum(np.sin(x) ** 2))
    close(on.get(aux2["y"]), np.sin(x))
    close(on.get(g2), g)
    g3, aux3 = on.get(fa.grad(lambda a, b: (fnp.sum(a * b), a + b), argnums=(0, 1),
                              has_aux=True)(*on.put((x, 2 * x))))
    close_tree(g3, (2 * x, x))
    close(aux3, 3 * x)


def test_grad_keyword_arguments_pass_through_undifferentiated(on):
    x = np.array([1.0, -2.0])
    xb = on.put(x)

    def f(x, scale=1.0, offset=None):
        out = scale * fnp.sum(x ** 2)
        return out if offset is None else out + fnp.sum(offset * x)

    close(on.get(fa.grad(f)(xb, scale=3.0)), 2 * 3.0 * x)
    off = np.array([0.5, 0.25])
    off_b = on.put(off)
    close(on.get(fa.grad(f)(xb, scale=2.0, offset=off_b)), 2 * 2.0 * x + off)
    v, g = on.get(fa.value_and_grad(f)(xb, offset=off_b))
    close(v, np.sum(x ** 2) + np.sum(off * x))
    close(g, 2 * x + off)
    close(on.get(fa.jacfwd(f)(xb, scale=3.0)), 6 * x)
    close(on.get(fa.jacrev(f)(xb, scale=3.0)), 6 * x)
    # argnums counts positional arguments only
    g0, g1 = on.get(fa.grad(lambda a, b, k=1.0: fnp.sum(a * b * k), argnums=(0, 1))(
        xb, on.put(2 * x), k=5.0))
    close(g0, 10 * x)
    close(g1, 5 * x)


def test_grad_with_integer_non_differentiated_arguments(on):
    close(on.get(fa.grad(lambda x, n: x ** n)(on.put(2.0), 3)), 3 * 2.0 ** 2)
    close(on.get(fa.grad(lambda n, x: x ** n, argnums=1)(4, on.put(1.5))), 4 * 1.5 ** 3)
    x = np.array([1.0, 2.0, 3.0])
    xb = on.put(x)
    close(on.get(fa.grad(lambda x, i: x[i] * x[i])(xb, 2)), np.array([0.0, 0.0, 2 * 3.0]))
    close(on.get(fa.grad(lambda x, m: fnp.sum(x * m))(xb, on.put(np.array([1, 0, 2])))),
          np.array([1.0, 0.0, 2.0]))
    v, g = on.get(fa.value_and_grad(lambda k, x: k * fnp.sum(x), argnums=-1)(
        on.put(np.int64(4)), xb))
    close(v, 4 * x.sum())
    close(g, np.full(3, 4.0))
    close(on.get(fa.jacfwd(lambda x, n: x ** n)(xb, 2)), np.diag(2 * x))
    close(on.get(fa.jacrev(lambda x, n: x ** n)(xb, 2)), np.diag(2 * x))


def test_grad_pytree_argument(on):
    params = {"w": np.array([[1.0, 2.0], [3.0, -1.0]]), "b": np.array([0.5, -0.5]),
              "extra": (np.array(2.0), [np.array([1.0, 3.0])])}
    x = np.array([0.3, -0.4])

    def loss(p, x):
        h = fnp.tanh(p["w"] @ x + p["b"])
        return fnp.sum(h ** 2) * p["extra"][0] + fnp.sum(p["extra"][1][0] * x)

    g = on.get(fa.grad(loss)(put_tree(on, params), on.put(x)))
    assert set(g) == {"w", "b", "extra"}
    assert isinstance(g["extra"], tuple) and isinstance(g["extra"][1], list)
    h = np.tanh(params["w"] @ x + params["b"])
    s = params["extra"][0]
    delta = 2 * h * (1 - h ** 2) * s
    close(g["w"], np.outer(delta, x))
    close(g["b"], delta)
    close(g["extra"][0], np.sum(h ** 2))
    close(g["extra"][1][0], x)


def test_grad_size_one_array_output_is_accepted(on):
    x = np.array([1.0, -2.0, 3.0])
    close(on.get(fa.grad(lambda x: fnp.sum(x ** 2, keepdims=True))(on.put(x))), 2 * x)
    close(on.get(fa.grad(lambda x: fnp.reshape(fnp.sum(x ** 2), (1, 1)))(on.put(x))), 2 * x)


def test_grad_of_function_returning_python_scalar_is_zero(on):
    # the API accepts Python scalars as outputs; a constant has zero derivative
    g = fa.grad(lambda x: 1.0)(on.put(2.0))
    close(on.get(g), 0.0)
    g = fa.grad(lambda x: 3.0)(on.put(np.array([1.0, 2.0])))
    close(on.get(g), np.zeros(2))


def test_grad_with_respect_to_unused_argument_is_zero(on):
    x, y = np.array([1.0, 2.0]), np.array([[3.0, 4.0]])
    gx, gy = on.get(fa.grad(lambda x, y: fnp.sum(x ** 2), argnums=(0, 1))(*on.put((x, y))))
    close(gx, 2 * x)
    assert gy.shape == y.shape
    close(gy, np.zeros_like(y))


# ---------------------------------------------------------------------------
# jvp
# ---------------------------------------------------------------------------


def test_jvp_vs_finite_differences_directional(on):
    r = rng(5)
    A = r.normal(size=(4, 3))
    x, t = r.normal(size=3), r.normal(size=3)
    Ab = on.put(A)

    def f(x):
        return fnp.sin(Ab @ x) * fnp.sum(x ** 2)

    def f_np(x):
        return np.sin(A @ x) * np.sum(x ** 2)

    y, y_dot = on.get(fa.jvp(f, on.put((x,)), on.put((t,))))
    close(y, f_np(x))
    close_fd(y_dot, num_jacobian(f_np, x) @ t)
    closed = np.cos(A @ x) * (A @ t) * np.sum(x ** 2) + np.sin(A @ x) * 2 * (x @ t)
    close(y_dot, closed)


def test_jvp_pytree_primals_and_tangents(on):
    p = {"a": np.array([1.0, 2.0]), "b": (np.array(0.5), [np.array([3.0, -1.0, 2.0])])}
    t = {"a": np.array([0.1, -0.2]), "b": (np.array(1.0), [np.array([0.0, 1.0, 2.0])])}
    z, tz = np.array(2.0), np.array(-1.0)

    def f(d, z):
        a, (s, (c,)) = d["a"], d["b"]
        return {"u": a * s * z, "v": (fnp.sum(fnp.exp(c)) + s,)}

    out, out_dot = on.get(fa.jvp(f, put_tree(on, (p, z)), put_tree(on, (t, tz))))
    a, s, c = p["a"], p["b"][0], p["b"][1][0]
    ta, ts, tc = t["a"], t["b"][0], t["b"][1][0]
    close_tree(out, {"u": a * s * z, "v": (np.sum(np.exp(c)) + s,)})
    close_tree(out_dot, {"u": ta * s * z + a * ts * z + a * s * tz,
                         "v": (np.sum(np.exp(c) * tc) + ts,)})


def test_jvp_multiple_outputs_and_constant_output(on):
    x, t = np.array([0.2, 0.4]), np.array([1.0, -1.0])
    ones = on.put(np.ones(3))
    out, out_dot = on.get(fa.jvp(lambda x: (fnp.sin(x), ones, x * 0.0 + 1.0),
                                 on.put((x,)), on.put((t,))))
    close_tree(out, (np.sin(x), np.ones(3), np.ones(2)))
    close_tree(out_dot, (np.cos(x) * t, np.zeros(3), np.zeros(2)))


def test_jvp_has_aux(on):
    x, t = np.array([0.3, 0.6]), np.array([2.0, 1.0])
    out, out_dot, aux = fa.jvp(lambda x: (fnp.exp(x), {"sq": x * x}), on.put((x,)), on.put((t,)),
                               has_aux=True)
    close(on.get(out), np.exp(x))
    close(on.get(out_dot), np.exp(x) * t)
    assert is_array(on, aux["sq"])
    close(on.get(aux["sq"]), x * x)


def test_jvp_python_scalars_and_linearity_in_tangent(on):
    # Python scalars in and out: the same on every backend, so not put
    y, yd = fa.jvp(lambda x, y: x * y + fnp.sin(x), (1.5, 2.0), (1.0, 0.0))
    close(yd, 2.0 + np.cos(1.5))
    x = np.array([0.1, 0.7, -0.3])
    t1, t2 = np.array([1.0, 0.0, 2.0]), np.array([-1.0, 3.0, 0.5])
    f = lambda x: fnp.tanh(x) * fnp.sum(x)  # noqa: E731
    xb = on.put(x)
    d1 = on.get(fa.jvp(f, (xb,), (on.put(t1),))[1])
    d2 = on.get(fa.jvp(f, (xb,), (on.put(t2),))[1])
    d12 = on.get(fa.jvp(f, (xb,), (on.put(2 * t1 - 3 * t2),))[1])
    close(d12, 2 * d1 - 3 * d2)


# ---------------------------------------------------------------------------
# vjp
# ---------------------------------------------------------------------------


def test_vjp_fn_called_repeatedly_gives_same_answer_and_is_linear(on):
    r = rng(6)
    A = r.normal(size=(4, 3))
    x = r.normal(size=3)
    Ab = on.put(A)
    y, f_vjp = fa.vjp(lambda x: fnp.tanh(Ab @ x), on.put(x))
    close(on.get(y), np.tanh(A @ x))
    J = (1 - np.tanh(A @ x) ** 2)[:, None] * A
    cts = [r.normal(size=4) for _ in range(3)]
    first = [f_vjp(on.put(c)) for c in cts]
    for _ in range(3):
        again = [f_vjp(on.put(c)) for c in cts]
        for a, b in zip(again, first):
            assert isinstance(a, tuple) and len(a) == 1
            np.testing.assert_array_equal(on.get(a[0]), on.get(b[0]))
    first = on.get(first)
    for c, (g,) in zip(cts, first):
        close(g, J.T @ c)


def test_vjp_pytree_outputs_and_inputs(on):
    x, y = np.array([0.5, 1.0]), np.array(2.0)

    def f(x, y):
        return {"a": fnp.sin(x) * y, "b": (x * x, y ** 3)}

    out, f_vjp = fa.vjp(f, *on.put((x, y)))
    close_tree(on.get(out), {"a": np.sin(x) * y, "b": (x * x, y ** 3)})
    ca, cb0, cb1 = np.array([1.0, -2.0]), np.array([0.5, 0.25]), np.array(3.0)
    gx, gy = on.get(f_vjp(put_tree(on, {"a": ca, "b": (cb0, cb1)})))
    close(gx, np.cos(x) * y * ca + 2 * x * cb0)
    close(gy, np.sum(np.sin(x) * ca) + 3 * y ** 2 * cb1)


def test_vjp_has_aux(on):
    x = np.array([0.1, 0.2])
    out, f_vjp, aux = fa.vjp(lambda x: (fnp.exp(x), (x + 1, "tag")), on.put(x), has_aux=True)
    close(on.get(out), np.exp(x))
    (g,) = on.get(f_vjp(on.put(np.array([1.0, 2.0]))))
    close(g, np.exp(x) * np.array([1.0, 2.0]))
    assert is_array(on, aux[0]) and aux[1] == "tag"
    close(on.get(aux[0]), x + 1)


def test_vjp_matches_transposed_finite_difference_jacobian(on):
    r = rng(7)
    x = r.normal(size=(2, 3))

    def f(x):
        return fnp.sum(x * x, axis=0) * fnp.exp(x[0])

    def f_np(x):
        return np.sum(x * x, axis=0) * np.exp(x[0])

    _, f_vjp = fa.vjp(f, on.put(x))
    ct = r.normal(size=3)
    J = num_jacobian(f_np, x)  # (3, 2, 3)
    close_fd(on.get(f_vjp(on.put(ct))[0]), np.tensordot(ct, J, axes=1))


# ---------------------------------------------------------------------------
# linearize
# ---------------------------------------------------------------------------


def test_linearize_agrees_with_jvp_and_does_not_rerun_fun(on):
    calls = []
    x = np.array([0.4, -0.9, 1.3])
    xb = on.put(x)

    def f(x):
        calls.append(1)
        return fnp.sin(x) * fnp.sum(x ** 2)

    y, f_lin = fa.linearize(f, xb)
    assert len(calls) == 1
    close(on.get(y), np.sin(x) * np.sum(x ** 2))
    r = rng(8)
    for _ in range(4):
        t = r.normal(size=3)
        got = on.get(f_lin(on.put(t)))
        closed = np.cos(x) * t * np.sum(x ** 2) + np.sin(x) * 2 * (x @ t)
        close(got, closed)
        n_before = len(calls)
        close(got, on.get(fa.jvp(f, (xb,), (on.put(t),))[1]))  # jvp does run f
        assert len(calls) == n_before + 1
        calls.pop()
    assert len(calls) == 1


def test_linearize_pytree_and_multiple_primals(on):
    calls = collections.Counter()
    a, b = np.array([1.0, 2.0]), {"k": np.array(0.5)}
    primals = put_tree(on, (a, b))

    def f(a, b):
        calls["f"] += 1
        return (a * b["k"], fnp.exp(b["k"]))

    out, f_lin = fa.linearize(f, *primals)
    close_tree(on.get(out), (a * 0.5, np.exp(0.5)))
    ta, tb = np.array([0.1, 0.2]), {"k": np.array(2.0)}
    tangents = put_tree(on, (ta, tb))
    got = on.get(f_lin(*tangents))
    close_tree(got, (ta * 0.5 + a * 2.0, np.exp(0.5) * 2.0))
    close_tree(got, on.get(fa.jvp(f, primals, tangents)[1]))
    assert calls["f"] == 2  # once by linearize, once by the jvp reference


# ---------------------------------------------------------------------------
# vmap
# ---------------------------------------------------------------------------


def _f_elementwise(x, y):
    return fnp.sin(x) * y + fnp.sum(x)


def _f_elementwise_np(x, y):
    return np.sin(x) * y + np.sum(x)


def _f_matvec(W, x):  # noqa: N803
    return fnp.tanh(W @ x)


def _f_matvec_np(W, x):  # noqa: N803
    return np.tanh(W @ x)


R = rng(9)
A_345 = R.normal(size=(3, 4, 5))
B_35 = R.normal(size=(3, 5))
W_45 = R.normal(size=(4, 5))
W_645 = R.normal(size=(6, 4, 5))
X_56 = R.normal(size=(5, 6))

VMAP_CASES = [
    # id, fun, reference per-example fun, args, in_axes, out_axes
    ("in0_out0", _f_elementwise, _f_elementwise_np, (B_35, B_35[::-1].copy()), 0, 0),
    ("in1", _f_elementwise, _f_elementwise_np, (B_35.T.copy(), B_35.T.copy()), 1, 0),
    ("in_neg1", _f_elementwise, _f_elementwise_np, (B_35.T.copy(), B_35.T.copy()), -1, 0),
    ("tuple_mixed", _f_elementwise, _f_elementwise_np, (B_35, B_35.T.copy()), (0, 1), 0),
    ("tuple_none", _f_matvec, _f_matvec_np, (W_45, X_56), (None, 1), 0),
    ("tuple_none_out1", _f_matvec, _f_matvec_np, (W_45, X_56), (None, 1), 1),
    ("tuple_none_out_neg1", _f_matvec, _f_matvec_np, (W_45, X_56), (None, 1), -1),
    ("batched_matrix", _f_matvec, _f_matvec_np, (W_645, X_56.T.copy()), (0, 0), 0),
    ("batched_matrix_axis2", _f_matvec, _f_matvec_np,
     (np.moveaxis(W_645, 0, 2).copy(), X_56), (2, -1), 0),
    ("3d_axis1_out1", lambda a: fnp.sum(a * a, axis=0), lambda a: np.sum(a * a, axis=0),
     (A_345,), 1, 1),
    ("3d_axis2_out0", lambda a: a.T @ a, lambda a: a.T @ a, (A_345,), 2, 0),
    ("3d_axisneg2_outneg1", lambda a: fnp.exp(a) - a, lambda a: np.exp(a) - a, (A_345,), -2, -1),
]


@pytest.mark.parametrize("name,f,f_np,args,in_axes,out_axes", VMAP_CASES,
                         ids=[c[0] for c in VMAP_CASES])
def test_vmap_in_axes_out_axes_vs_loop(name, f, f_np, args, in_axes, out_axes, on):
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
    expected = loop_vmap(f_np, args, axes, out_axis=out_axes)
    got = fa.vmap(f, in_axes=in_axes, out_axes=out_axes)(*on.put(args))
    assert is_array(on, got)
    assert got.shape == expected.shape
    close(on.get(got), expected)


@pytest.mark.parametrize("name,f,f_np,args,in_axes,out_axes", VMAP_CASES,
                         ids=[c[0] for c in VMAP_CASES])
@pytest.mark.parametrize("chunk_size", [1, 2, 4, 100])
def test_vmap_chunk_size_matches_unchunked(name, f, f_np, args, in_axes, out_axes, chunk_size,
                                           on):
    args = on.put(args)
    full = fa.vmap(f, in_axes=in_axes, out_axes=out_axes)(*args)
    chunked = fa.vmap(f, in_axes=in_axes, out_axes=out_axes, chunk_size=chunk_size)(*args)
    assert chunked.shape == full.shape
    close(on.get(chunked), on.get(full))


def test_vmap_nested_pytree_in_axes_prefix_with_dicts(on):
    r = rng(10)
    params = {"w": r.normal(size=(4, 3)), "b": r.normal(size=(5, 4))}  # b batched
    xs = (r.normal(size=(3, 5)), r.normal(size=2))  # first batched on axis 1, second not
    params_b, xs_b = put_tree(on, params), on.put(xs)

    def f(p, xy):
        x, s = xy
        return fnp.tanh(p["w"] @ x + p["b"]) * fnp.sum(s)

    in_axes = ({"w": None, "b": 0}, (1, None))
    got = on.get(fa.vmap(f, in_axes=in_axes)(params_b, xs_b))
    expected = np.stack([np.tanh(params["w"] @ xs[0][:, i] + params["b"][i]) * np.sum(xs[1])
                         for i in range(5)])
    close(got, expected)
    close(on.get(fa.vmap(f, in_axes=in_axes, chunk_size=2)(params_b, xs_b)), expected)
    # a leaf of the prefix standing for a whole subtree
    both = {"w": r.normal(size=(5, 4, 3)), "b": r.normal(size=(5, 4))}
    got2 = on.get(fa.vmap(f, in_axes=(0, (1, None)))(put_tree(on, both), xs_b))
    expected2 = np.stack([np.tanh(both["w"][i] @ xs[0][:, i] + both["b"][i]) * np.sum(xs[1])
                          for i in range(5)])
    close(got2, expected2)


def test_vmap_pytree_out_axes_and_none(on):
    r = rng(11)
    X, w = r.normal(size=(4, 3)), r.normal(size=3)
    Xb, wb = on.put((X, w))

    def f(x, w):
        return {"prod": x * w, "sum": (fnp.sum(x),), "const": w * 2}

    got = on.get(fa.vmap(f, in_axes=(0, None),
                         out_axes={"prod": 1, "sum": (0,), "const": None})(Xb, wb))
    close(got["prod"], (X * w).T)
    close(got["sum"][0], X.sum(axis=1))
    assert got["const"].shape == (3,)
    close(got["const"], w * 2)
    got2 = on.get(fa.vmap(lambda x, w: (x * w, w + 1), in_axes=(0, None), out_axes=(-1, None),
                          chunk_size=3)(Xb, wb))
    close(got2[0], (X * w).T)
    close(got2[1], w + 1)


def test_vmap_axis_size_with_all_none_in_axes(on):
    x = np.array([1.0, 2.0])
    xb = on.put(x)
    got = fa.vmap(lambda x: x * 2, in_axes=None, axis_size=4)(xb)
    assert got.shape == (4, 2)
    close(on.get(got), np.tile(x * 2, (4, 1)))
    got2 = fa.vmap(lambda x, y: x + y, in_axes=(None, None), axis_size=3, out_axes=1)(xb, xb)
    assert got2.shape == (2, 3)
    close(on.get(got2), np.tile(2 * x, (3, 1)).T)


def test_vmap_outputs_independent_of_batch_are_broadcast(on):
    X = rng(12).normal(size=(5, 3))
    c = np.array([7.0, 8.0])
    Xb, cb = on.put((X, c))
    out = fa.vmap(lambda x: (fnp.sum(x), cb, 3.0, cb * 2))(Xb)
    close(on.get(out[0]), X.sum(axis=1))
    close(on.get(out[1]), np.tile(c, (5, 1)))
    close(on.get(out[2]), np.full(5, 3.0))  # a Python number: on the mapped inputs' backend
    close(on.get(out[3]), np.tile(2 * c, (5, 1)))
    out1 = fa.vmap(lambda x: cb, out_axes=1)(Xb)
    close(on.get(out1), np.tile(c, (5, 1)).T)
    out_chunked = fa.vmap(lambda x: (fnp.sum(x), cb), chunk_size=2)(Xb)
    close(on.get(out_chunked[1]), np.tile(c, (5, 1)))


def test_vmap_keyword_arguments_pass_through_unbatched(on):
    X = rng(13).normal(size=(4, 3))
    got = fa.vmap(lambda x, scale=1.0: scale * fnp.sum(x ** 2))(on.put(X), scale=2.5)
    close(on.get(got), 2.5 * np.sum(X ** 2, axis=1))


def test_vmap_of_scalar_examples_and_integer_unmapped_argument(on):
    xs = np.linspace(0.1, 1.0, 7)
    xs_b = on.put(xs)
    close(on.get(fa.vmap(lambda x, n: x ** n, in_axes=(0, None))(xs_b, 3)), xs ** 3)
    close(on.get(fa.vmap(fnp.sin)(xs_b)), np.sin(xs))


# ---------------------------------------------------------------------------
# jacfwd / jacrev / jacobian
# ---------------------------------------------------------------------------

JAC_TRANSFORMS = [("jacfwd", fa.jacfwd), ("jacrev", fa.jacrev), ("jacobian", fa.jacobian)]
JAC_IDS = [j[0] for j in JAC_TRANSFORMS]


@pytest.mark.parametrize("name,jac", JAC_TRANSFORMS, ids=JAC_IDS)
def test_jacobian_shape_is_out_shape_plus_in_shape(name, jac, on):
    r = rng(14)
    A = r.normal(size=(4, 6))
    Ab, X23b = on.put((A, X23))

    def f(X):  # (2, 3) -> (4,)
        return fnp.tanh(Ab @ fnp.reshape(X, (6,)))

    def f_np(X):
        return np.tanh(A @ X.reshape(6))

    J = jac(f)(X23b)
    assert J.shape == (4, 2, 3)
    J = on.get(J)
    closed = ((1 - f_np(X23) ** 2)[:, None] * A).reshape(4, 2, 3)
    close(J, closed)
    close_fd(J, num_jacobian(f_np, X23))
    # matrix -> matrix
    J2 = jac(lambda X: fnp.sin(X).T)(X23b)
    assert J2.shape == (3, 2, 2, 3)
    expected = np.zeros((3, 2, 2, 3))
    for i in range(2):
        for j in range(3):
            expected[j, i, i, j] = np.cos(X23[i, j])
    close(on.get(J2), expected)
    # scalar -> vector and vector -> scalar
    arange3 = on.put(np.arange(3.0))
    close(on.get(jac(lambda s: s * arange3)(on.put(2.0))), np.arange(3.0))
    Js = jac(lambda x: fnp.sum(x ** 2))(on.put(X3))
    assert Js.shape == (3,)
    close(on.get(Js), 2 * X3)
    close(on.get(jac(fnp.sin)(on.put(0.7))), np.cos(0.7))


@pytest.mark.parametrize("name,jac", JAC_TRANSFORMS, ids=JAC_IDS)
def test_jacobian_tuple_argnums(name, jac, on):
    x, y = np.array([0.5, -1.0]), np.array([2.0, 0.3, 1.1])
    xb, yb = on.put((x, y))

    def f(x, y):  # (2,), (3,) -> (2,)
        return fnp.sin(x) * fnp.sum(y ** 2)

    Jx, Jy = on.get(jac(f, argnums=(0, 1))(xb, yb))
    assert Jx.shape == (2, 2) and Jy.shape == (2, 3)
    close(Jx, np.diag(np.cos(x) * np.sum(y ** 2)))
    close(Jy, np.outer(np.sin(x), 2 * y))
    (Jy_only,) = on.get(jac(f, argnums=(1,))(xb, yb))
    close(Jy_only, Jy)
    close(on.get(jac(f, argnums=-1)(xb, yb)), Jy)


@pytest.mark.parametrize("name,jac", JAC_TRANSFORMS, ids=JAC_IDS)
def test_jacobian_pytree_inputs_and_outputs(name, jac, on):
    d = {"a": np.array([1.0, 2.0]), "b": np.array([0.5, -0.5, 1.5])}

    def f(d):
        return {"u": d["a"] * fnp.sum(d["b"]), "v": (fnp.sin(d["b"]), fnp.sum(d["a"] ** 2))}

    J = on.get(jac(f)(put_tree(on, d)))
    a, b = d["a"], d["b"]
    expected = {
        "u": {"a": np.eye(2) * np.sum(b), "b": np.outer(a, np.ones(3))},
        "v": ({"a": np.zeros((3, 2)), "b": np.diag(np.cos(b))},
              {"a": 2 * a, "b": np.zeros(3)}),
    }
    close_tree(J, expected)


@pytest.mark.parametrize("name,jac", JAC_TRANSFORMS[:2], ids=JAC_IDS[:2])
def test_jacobian_has_aux(name, jac, on):
    x = np.array([0.2, 0.4, 0.6])
    J, aux = jac(lambda x: (x ** 2, {"m": fnp.sum(x)}), has_aux=True)(on.put(x))
    close(on.get(J), np.diag(2 * x))
    assert isinstance(aux["m"], on.array_type)  # NumPy: (np.ndarray, np.generic)
    close(on.get(aux["m"]), np.sum(x))


@pytest.mark.parametrize("name,jac", JAC_TRANSFORMS[:2], ids=JAC_IDS[:2])
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 50])
def test_jacobian_chunk_size(name, jac, chunk_size, on):
    r = rng(15)
    A = r.normal(size=(5, 7))
    x = r.normal(size=7)
    Ab = on.put(A)
    J = jac(lambda x: fnp.exp(Ab @ x) * x[:5], chunk_size=chunk_size)(on.put(x))
    J = on.get(J)
    expected = np.exp(A @ x)[:, None] * A * x[:5, None]
    expected[np.arange(5), np.arange(5)] += np.exp(A @ x)
    close(J, expected)


def test_jacfwd_jacrev_agree_on_random_function(on):
    r = rng(16)
    A = r.normal(size=(3, 4))
    x = r.normal(size=4)
    Ab, xb = on.put((A, x))

    def f(x):
        return fnp.tanh(Ab @ x) * fnp.exp(fnp.sum(x) / 4) + x[1:] ** 2

    def f_np(x):
        return np.tanh(A @ x) * np.exp(np.sum(x) / 4) + x[1:] ** 2

    Jf, Jr = on.get(fa.jacfwd(f)(xb)), on.get(fa.jacrev(f)(xb))
    close(Jf, Jr)
    close_fd(Jf, num_jacobian(f_np, x))


# ---------------------------------------------------------------------------
# hessian / hvp
# ---------------------------------------------------------------------------

S = rng(17).normal(size=(4, 4))
SYM = S + S.T


def _lse_hess(x):
    p = np.exp(x - x.max())
    p /= p.sum()
    return np.diag(p) - np.outer(p, p)


HESS_CASES = [
    # id, fun(x, *constants), closed-form Hessian (NumPy), constants (put on the backend)
    ("sum_cube", lambda x: fnp.sum(x ** 3), lambda x: np.diag(6 * x), ()),
    ("quadratic", lambda x, S: x @ (S @ x), lambda x: S + S.T, (S,)),
    ("logsumexp", lambda x: fnp.log(fnp.sum(fnp.exp(x))), _lse_hess, ()),
    ("sin_prod", lambda x: fnp.sin(x[0] * x[1]) + x[2] * x[3] ** 2,
     lambda x: np.array([
         [-np.sin(x[0] * x[1]) * x[1] ** 2,
          np.cos(x[0] * x[1]) - np.sin(x[0] * x[1]) * x[0] * x[1], 0, 0],
         [np.cos(x[0] * x[1]) - np.sin(x[0] * x[1]) * x[0] * x[1],
          -np.sin(x[0] * x[1]) * x[0] ** 2, 0, 0],
         [0, 0, 0, 2 * x[3]],
         [0, 0, 2 * x[3], 2 * x[2]],
     ]), ()),
    ("norm_sq_exp", lambda x: fnp.exp(fnp.sum(x * x) / 4),
     lambda x: np.exp(x @ x / 4) * (np.eye(4) / 2 + np.outer(x, x) / 4), ()),
]
HX = np.array([0.3, -0.8, 1.2, 0.5])


def _with_constants(f, consts, on):
    """``f`` of ``x`` alone, its constants put on the backend once."""
    consts = on.put(consts)
    return lambda x: f(x, *consts)


@pytest.mark.parametrize("name,f,H,consts", HESS_CASES, ids=[c[0] for c in HESS_CASES])
def test_hessian_closed_forms(name, f, H, consts, on):
    f, hx = _with_constants(f, consts, on), on.put(HX)
    got = fa.hessian(f)(hx)
    assert got.shape == (4, 4)
    close(on.get(got), H(HX))
    chunked = fa.hessian(f, chunk_size=3)(hx)
    chunked = on.get(chunked)
    close(chunked, H(HX))


@pytest.mark.parametrize("name,f,H,consts", HESS_CASES, ids=[c[0] for c in HESS_CASES])
def test_jacfwd_jacrev_compositions_equal_hessian(name, f, H, consts, on):
    f, hx = _with_constants(f, consts, on), on.put(HX)
    expected = H(HX)
    close(on.get(fa.jacfwd(fa.jacrev(f))(hx)), expected)
    close(on.get(fa.jacrev(fa.jacfwd(f))(hx)), expected)
    close(on.get(fa.jacfwd(fa.jacfwd(f))(hx)), expected)
    close(on.get(fa.jacrev(fa.jacrev(f))(hx)), expected)
    close(on.get(fa.jacfwd(fa.grad(f))(hx)), expected)


@pytest.mark.parametrize("name,f,H,consts", HESS_CASES, ids=[c[0] for c in HESS_CASES])
def test_hvp_equals_hessian_times_v(name, f, H, consts, on):
    f, hx = _with_constants(f, consts, on), on.put(HX)
    r = rng(18)
    for _ in range(2):
        v = r.normal(size=4)
        close(on.get(fa.hvp(f, (hx,), (on.put(v),))), H(HX) @ v)


def test_hessian_of_matrix_input_shape(on):
    X = X23

    def f(X):
        return fnp.sum(fnp.sin(X) * X[0])  # X[0] broadcast over rows

    Hm = fa.hessian(f)(on.put(X))
    assert Hm.shape == (2, 3, 2, 3)
    Hm = on.get(Hm)
    flat = lambda v: np.sum(np.sin(v.reshape(2, 3)) * v.reshape(2, 3)[0])  # noqa: E731
    close(Hm.reshape(6, 6), _fd_hessian(flat, X.ravel()), rtol=1e-5, atol=1e-6)


def _fd_hessian(f, x, eps=1e-4):
    n = x.size
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            e_i, e_j = np.eye(n)[i] * eps, np.eye(n)[j] * eps
            H[i, j] = (f(x + e_i + e_j) - f(x + e_i - e_j) - f(x - e_i + e_j)
                       + f(x - e_i - e_j)) / (4 * eps * eps)
    return H


def test_hessian_tuple_argnums_gives_nested_tuples(on):
    r = rng(19)
    A = r.normal(size=(2, 3))
    x, y = np.array([0.4, -0.6]), np.array([1.0, 0.5, -0.2])
    Ab, xb, yb = on.put((A, x, y))

    def f(x, y):
        return x @ (Ab @ y) + fnp.sum(x ** 3) + fnp.sum(fnp.sin(y))

    H = on.get(fa.hessian(f, argnums=(0, 1))(xb, yb))
    assert isinstance(H, tuple) and len(H) == 2
    assert all(isinstance(row, tuple) and len(row) == 2 for row in H)
    (Hxx, Hxy), (Hyx, Hyy) = H
    assert Hxx.shape == (2, 2) and Hxy.shape == (2, 3)
    assert Hyx.shape == (3, 2) and Hyy.shape == (3, 3)
    close(Hxx, np.diag(6 * x))
    close(Hxy, A)
    close(Hyx, A.T)
    close(Hyy, np.diag(-np.sin(y)))
    close(on.get(fa.hessian(f, argnums=1)(xb, yb)), np.diag(-np.sin(y)))


def test_hvp_with_multiple_primals(on):
    x, y = np.array([0.4, -0.6]), np.array([1.0, 0.5])
    vx, vy = np.array([1.0, 2.0]), np.array([-1.0, 0.5])

    def f(x, y):
        return fnp.sum(x * x * y)

    got = on.get(fa.hvp(f, on.put((x, y)), on.put((vx, vy))))
    # H = [[diag(2y), diag(2x)], [diag(2x), 0]]
    close_tree(got, (2 * y * vx + 2 * x * vy, 2 * x * vx))


# ---------------------------------------------------------------------------
# Nesting and perturbation confusion
# ---------------------------------------------------------------------------


def test_triple_grad_of_sin(on):
    one, two = on.put((1.0, 2.0))
    close(on.get(fa.grad(fa.grad(fa.grad(fnp.sin)))(one)), -np.cos(1.0), rtol=1e-14)
    close(on.get(fa.grad(fa.grad(fa.grad(fa.grad(fnp.sin))))(one)), np.sin(1.0), rtol=1e-14)
    close(on.get(fa.grad(fa.grad(lambda x: x ** 5))(two)), 20 * 2.0 ** 3)


def test_perturbation_confusion_api_example(on):
    g = fa.grad(lambda x: x * fa.grad(lambda y: x * y)(1.0))(on.put(3.0))
    assert on.get(g) == 2 * 3.0


def _siskind_pearlmutter_cases():
    """d/dx (x * d/dy (x + y)|_{y=1}) at x = 1 is 1; confusion gives 2.

    Each case takes the outer point and the backend (for the inputs the cases make).
    """

    def rev_rev(x0, on):
        return fa.grad(lambda x: x * fa.grad(lambda y: x + y)(1.0))(x0)

    def fwd_fwd(x0, on):
        return fa.jvp(lambda x: x * fa.jvp(lambda y: x + y, (1.0,), (1.0,))[1], (x0,),
                      on.put((1.0,)))[1]

    def fwd_rev(x0, on):
        return fa.jvp(lambda x: x * fa.grad(lambda y: x + y)(1.0), (x0,), on.put((1.0,)))[1]

    def rev_fwd(x0, on):
        return fa.grad(lambda x: x * fa.jvp(lambda y: x + y, (1.0,), (1.0,))[1])(x0)

    def jac_jac(x0, on):
        return fa.jacfwd(lambda x: x * fa.jacrev(lambda y: x + y)(1.0))(x0)

    def vmap_inside(x0, on):
        ones = on.put(np.ones(3))
        return fa.grad(lambda x: x * fa.vmap(fa.grad(lambda y: x + y))(ones)[0])(x0)

    return [("rev_rev", rev_rev), ("fwd_fwd", fwd_fwd), ("fwd_rev", fwd_rev),
            ("rev_fwd", rev_fwd), ("jac_jac", jac_jac), ("vmap_inside", vmap_inside)]


@pytest.mark.parametrize("name,d", _siskind_pearlmutter_cases(),
                         ids=[c[0] for c in _siskind_pearlmutter_cases()])
def test_siskind_pearlmutter_perturbation_confusion(name, d, on):
    # inner derivative d/dy (x + y) = 1, so the outer function is x and its derivative 1
    for x0 in (1.0, 2.5):
        got = d(on.put(x0), on)
        close(on.get(got), 1.0)


def test_inner_derivative_evaluated_at_outer_variable(on):
    # g(x) = d/dy (x y^2) at y = x = 2 x^2; d/dx (x g(x)) = d/dx 2x^3 = 6 x^2
    for x0 in (2.0, -0.5):
        xb = on.put(x0)
        close(on.get(fa.grad(lambda x: x * fa.grad(lambda y: x * y ** 2)(x))(xb)), 6 * x0 ** 2)
        close(on.get(fa.jvp(lambda x: x * fa.grad(lambda y: x * y ** 2)(x), (xb,),
                            on.put((1.0,)))[1]),
              6 * x0 ** 2)
        got = fa.grad(lambda x: x * fa.jvp(lambda y: x * y ** 2, (x,), (1.0,))[1])(xb)
        close(on.get(got), 6 * x0 ** 2)


def test_closure_returning_function_perturbation_confusion(on):
    # Manzyuk et al. style: a derivative of a closure built from the outer variable.
    def make(x):
        return lambda y: fnp.sin(x * y)

    # the same derivative operator applied at two levels to the same closure
    D = fa.grad
    f = lambda x: D(lambda y: x * y * y)(x)  # 2x^2  # noqa: E731
    three = on.put(3.0)
    close(on.get(D(f)(three)), 4 * 3.0)
    close(on.get(D(lambda x: x * D(f)(x))(three)), 8 * 3.0)  # d/dx 4x^2 = 8x
    # h(x) = d/dy sin(x y)|_{y=2} = x cos(2x);  h'(x) = cos(2x) - 2x sin(2x)
    for x0 in (0.3, 1.1):
        expected = np.cos(2 * x0) - 2 * x0 * np.sin(2 * x0)
        xb = on.put(x0)
        got = fa.grad(lambda x: fa.grad(make(x))(2.0))(xb)
        close(on.get(got), expected)
        got = fa.jvp(lambda x: fa.jvp(make(x), (2.0,), (1.0,))[1], (xb,), on.put((1.0,)))[1]
        close(on.get(got), expected)


def test_vmap_of_grad_vs_loop_per_example_gradients(on):
    r = rng(20)
    w, X, y = r.normal(size=3), r.normal(size=(6, 3)), r.normal(size=6)
    wb, Xb, yb = on.put((w, X, y))

    def loss(w, x, y):
        return (fnp.tanh(x @ w) - y) ** 2

    g = fa.vmap(fa.grad(loss), in_axes=(None, 0, 0))(wb, Xb, yb)
    assert g.shape == (6, 3)
    g = on.get(g)
    pred = np.tanh(X @ w)
    closed = (2 * (pred - y) * (1 - pred ** 2))[:, None] * X
    close(g, closed)
    loop = np.stack([on.get(fa.grad(loss)(wb, Xb[i], yb[i])) for i in range(6)])
    close(g, loop)
    close(on.get(fa.vmap(fa.grad(loss), in_axes=(None, 0, 0), chunk_size=4)(wb, Xb, yb)), closed)


def test_grad_of_sum_of_vmap(on):
    X = rng(21).normal(size=(4, 3))
    Xb = on.put(X)

    def f(row):
        return fnp.sum(fnp.sin(row) * row)

    g = on.get(fa.grad(lambda x: fa.vmap(f)(x).sum())(Xb))
    close(g, np.cos(X) * X + np.sin(X))
    g2 = on.get(fa.grad(lambda x: fnp.sum(fa.vmap(f, in_axes=1)(x)))(Xb))
    close(g2, np.cos(X) * X + np.sin(X))
    g3 = on.get(fa.grad(lambda x: fa.vmap(f, chunk_size=3)(x).sum())(Xb))
    close(g3, np.cos(X) * X + np.sin(X))


def test_jvp_of_vjp_and_vjp_of_jvp(on):
    r = rng(22)
    x, v, ct = r.normal(size=3), r.normal(size=3), r.normal(size=3)
    xb, vb, ctb = on.put((x, v, ct))

    def pullback(x):
        return fa.vjp(fnp.sin, x)[1](ctb)[0]  # cos(x) * ct

    out, out_dot = on.get(fa.jvp(pullback, (xb,), (vb,)))
    close(out, np.cos(x) * ct)
    close(out_dot, -np.sin(x) * ct * v)

    def pushforward(x):
        return fa.jvp(fnp.sin, (x,), (vb,))[1]  # cos(x) * v

    out, f_vjp = fa.vjp(pushforward, xb)
    close(on.get(out), np.cos(x) * v)
    close(on.get(f_vjp(ctb)[0]), -np.sin(x) * v * ct)

    # vjp of vjp with a cotangent that depends on the differentiated variable
    def pb2(x):
        return fa.vjp(lambda z: z ** 3, x)[1](x)[0]  # 3 x^2 * x = 3 x^3

    close(on.get(fa.grad(lambda x: fnp.sum(pb2(x)))(xb)), 9 * x ** 2)


def test_differentiating_with_respect_to_tangents_and_cotangents(on):
    r = rng(25)
    x, v, ct = r.normal(size=3), r.normal(size=3), r.normal(size=3)
    xb, vb, ctb = on.put((x, v, ct))
    # jvp is linear in the tangent: d/dv sum(cos(x) * v) = cos(x)
    close(on.get(fa.grad(lambda v: fnp.sum(fa.jvp(fnp.sin, (xb,), (v,))[1]))(vb)), np.cos(x))
    # vjp_fn is linear in the cotangent
    close(on.get(fa.grad(lambda c: fnp.sum(fa.vjp(fnp.sin, xb)[1](c)[0]))(ctb)), np.cos(x))
    # vmapping a jvp over the basis gives the Jacobian, and a vjp its transpose
    A = r.normal(size=(3, 3))
    Ab, eye = on.put((A, np.eye(3)))
    J = fa.vmap(lambda t: fa.jvp(lambda z: Ab @ fnp.sin(z), (xb,), (t,))[1], out_axes=1)(eye)
    close(on.get(J), A * np.cos(x))
    _, f_vjp = fa.vjp(lambda z: Ab @ fnp.sin(z), xb)
    close(on.get(fa.vmap(lambda c: f_vjp(c)[0])(eye)), A * np.cos(x))
    # a tangent that is itself a function of the outer variable: d/dx [cos(x) * x] summed
    close(on.get(fa.grad(lambda x: fnp.sum(fa.jvp(fnp.sin, (x,), (x,))[1]))(xb)),
          np.cos(x) - x * np.sin(x))


def test_plain_numpy_calls_on_traced_values(on):
    # the contract: np.sin(tracer), np.sum(tracer), ndarray @ tracer are intercepted
    # (on CuPy and Dask the matrix is the backend's array: ``cupy.ndarray @ tracer``)
    x = np.array([0.2, -0.4, 0.9])
    W = rng(26).normal(size=(2, 3))
    xb, Wb = on.put((x, W))
    close(on.get(fa.grad(lambda z: np.sum(np.sin(z)))(xb)), np.cos(x))
    close(on.get(fa.grad(lambda z: fnp.sum(Wb @ z))(xb)), W.sum(axis=0))
    close(on.get(fa.vmap(lambda z: np.exp(z) * 2)(xb)), np.exp(x) * 2)


def test_vmap_of_vmap_closure_and_grad_over_nested_vmap(on):
    xs, ys = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0])
    xs_b, ys_b = on.put((xs, ys))
    close(on.get(fa.vmap(lambda x: fa.vmap(lambda y: x * y)(ys_b))(xs_b)), np.outer(xs, ys))
    close(on.get(fa.vmap(lambda y: fa.vmap(lambda x: x * y)(xs_b), out_axes=1)(ys_b)),
          np.outer(xs, ys))
    # d/dx_i sum_j sin(x_i y_j) = sum_j y_j cos(x_i y_j)
    g = fa.grad(lambda xs: fa.vmap(lambda x: fa.vmap(lambda y: fnp.sin(x * y))(ys_b))(xs).sum())(
        xs_b)
    close(on.get(g), (np.cos(np.outer(xs, ys)) * ys).sum(axis=1))
    # per-element inner derivative at the outer value: d/dy (x y^2)|_{y=x} = 2x^2; grad of sum: 4x
    close(on.get(fa.grad(lambda xs: fa.vmap(lambda x: fa.grad(lambda y: x * y ** 2)(x))(xs).sum())(
        xs_b)), 4 * xs)


def test_vmap_of_jacobians_and_hessians(on):
    X = rng(23).normal(size=(5, 3))
    Xb = on.put(X)
    J = fa.vmap(fa.jacfwd(fnp.sin))(Xb)
    assert J.shape == (5, 3, 3)
    J = on.get(J)
    close(J, np.stack([np.diag(np.cos(x)) for x in X]))
    close(on.get(fa.vmap(fa.jacrev(fnp.sin))(Xb)), J)
    H = fa.vmap(fa.hessian(lambda x: fnp.sum(x ** 3)))(Xb)
    close(on.get(H), np.stack([np.diag(6 * x) for x in X]))


def test_grad_of_hessian_trace(on):
    # d/dx trace(H(sum(x^4))) = d/dx sum(12 x^2) = 24 x
    x = np.array([0.5, -1.0, 2.0])
    eye = on.put(np.eye(3))

    def tr_hess(x):
        H = fa.hessian(lambda z: fnp.sum(z ** 4))(x)
        return fnp.sum(H * eye)

    close(on.get(fa.grad(tr_hess)(on.put(x))), 24 * x)


# ---------------------------------------------------------------------------
# Properties of results
# ---------------------------------------------------------------------------


def _scalar_results():
    return [
        ("grad", lambda: [fa.grad(fnp.sin)(1.0)]),
        ("grad_np_scalar_in", lambda: [fa.grad(fnp.sin)(np.float64(1.0))]),
        ("grad_0d_array_in", lambda: [fa.grad(fnp.sin)(np.array(1.0))]),
        ("grad_grad", lambda: [fa.grad(fa.grad(fnp.sin))(1.0)]),
        ("value_and_grad", lambda: list(fa.value_and_grad(fnp.sin)(1.0))),
        ("jvp", lambda: list(fa.jvp(fnp.sin, (1.0,), (1.0,)))),
        ("vjp", lambda: (lambda r: [r[0], r[1](1.0)[0]])(fa.vjp(fnp.sin, 1.0))),
        ("linearize", lambda: (lambda r: [r[0], r[1](1.0)])(fa.linearize(fnp.sin, 1.0))),
        ("jacfwd", lambda: [fa.jacfwd(fnp.sin)(1.0)]),
        ("jacrev", lambda: [fa.jacrev(fnp.sin)(1.0)]),
        ("hessian", lambda: [fa.hessian(fnp.sin)(1.0)]),
        ("hvp", lambda: [fa.hvp(fnp.sin, (1.0,), (1.0,))]),
        ("grad_of_vector_sum", lambda: fa.grad(lambda x, y: fnp.sum(x) * y, argnums=(1,))(
            np.ones(3), 2.0)),
        ("jvp_vector_to_scalar", lambda: list(fa.jvp(fnp.sum, (np.ones(3),), (np.ones(3),)))),
    ]


@pytest.mark.fixed_backend("NumPy scalar results (type np.float64) are NumPy's behaviour; "
                           "CuPy and Dask return 0-d arrays")
@pytest.mark.parametrize("name,thunk", _scalar_results(), ids=[c[0] for c in _scalar_results()])
def test_zero_d_results_are_numpy_float64_scalars(name, thunk):
    for r in thunk():
        assert type(r) is np.float64, f"{name}: got {type(r).__name__}"


def _array_results():
    x = np.array([0.5, -1.0, 2.0])
    t = np.array([1.0, 2.0, 3.0])
    X = np.arange(6.0).reshape(2, 3)
    w = np.array([1.0, 2.0, 3.0])

    def ident(z):
        return z

    cases = [
        ("grad_sum", lambda: ([fa.grad(fnp.sum)(x)], [x])),
        ("grad_linear", lambda: ([fa.grad(lambda a, b: fnp.sum(a * b))(x, t)], [x, t])),
        ("grad_dict", lambda: (list(fa.grad(lambda d: fnp.sum(d["a"]))({"a": x}).values()), [x])),
        ("vjp_identity_out", lambda: ([fa.vjp(ident, x)[0]], [x])),
        ("vjp_identity_ct", lambda: ([fa.vjp(ident, x)[1](t)[0]], [x, t])),
        ("vjp_scale_ct", lambda: ([fa.vjp(lambda z: z * 1.0, x)[1](t)[0]], [x, t])),
        ("jvp_identity", lambda: (list(fa.jvp(ident, (x,), (t,))), [x, t])),
        ("linearize_identity_out", lambda: ([fa.linearize(ident, x)[0]], [x])),
        ("linearize_identity_t", lambda: ([fa.linearize(ident, x)[1](t)], [x, t])),
        ("vmap_identity", lambda: ([fa.vmap(ident)(X)], [X])),
        ("vmap_identity_axis1", lambda: ([fa.vmap(ident, in_axes=1)(X)], [X])),
        ("vmap_none_out", lambda: (list(fa.vmap(lambda a, b: (a, b), in_axes=(0, None),
                                                out_axes=(0, None))(X, w)), [X, w])),
        ("vmap_broadcast", lambda: ([fa.vmap(lambda a: w)(X)], [X, w])),
        ("vmap_chunked", lambda: ([fa.vmap(ident, chunk_size=1)(X)], [X])),
        ("jacfwd_identity", lambda: ([fa.jacfwd(ident)(x)], [x])),
        ("jacrev_identity", lambda: ([fa.jacrev(ident)(x)], [x])),
        ("hessian", lambda: ([fa.hessian(lambda z: fnp.sum(z ** 3))(x)], [x])),
        ("hvp", lambda: ([fa.hvp(lambda z: fnp.sum(z * z), (x,), (t,))], [x, t])),
        ("value_and_grad_has_aux", lambda: (
            (lambda r: [r[1]])(fa.value_and_grad(lambda z: (fnp.sum(z), 0), has_aux=True)(x)),
            [x])),
    ]
    return cases


@pytest.mark.fixed_backend("checks NumPy's flags.writeable, np.shares_memory and in-place "
                           "updates of np.ndarray results (host memory)")
@pytest.mark.parametrize("name,thunk", _array_results(), ids=[c[0] for c in _array_results()])
def test_array_results_are_writable_and_own_their_memory(name, thunk):
    results, inputs = thunk()
    for r in results:
        assert type(r) is np.ndarray, f"{name}: got {type(r).__name__}"
        assert r.flags.writeable, f"{name}: result is read-only"
        for i in inputs:
            assert not np.shares_memory(r, i), f"{name}: result shares memory with an input"
        before = r.copy()
        r -= 1.0  # research code updates results in place
        close(r, before - 1.0)


def _float32_cases():
    # each case takes the backend its inputs go to
    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    t = np.array([1.0, 0.5, -0.5], dtype=np.float32)
    X = np.arange(6, dtype=np.float32).reshape(2, 3) / 6

    def f(z):
        return fnp.sum(fnp.sin(z) * z * 2.0 + 1.0)

    return [
        ("grad", lambda on: [fa.grad(f)(on.put(x))]),
        ("grad_scalar", lambda on: [fa.grad(fnp.sin)(on.put(np.float32(1.0)))]),
        ("grad_grad_scalar", lambda on: [fa.grad(fa.grad(fnp.sin))(on.put(np.float32(1.0)))]),
        ("value_and_grad", lambda on: list(fa.value_and_grad(f)(on.put(x)))),
        ("jvp", lambda on: list(fa.jvp(lambda z: fnp.exp(z) * 3.0, (on.put(x),), (on.put(t),)))),
        ("vjp", lambda on: (lambda r: [r[0], r[1](on.put(t))[0]])(
            fa.vjp(lambda z: fnp.tanh(z) / 2.0, on.put(x)))),
        ("linearize", lambda on: (lambda r: [r[0], r[1](on.put(t))])(
            fa.linearize(fnp.cos, on.put(x)))),
        ("jacfwd", lambda on: [fa.jacfwd(lambda z: z ** 2)(on.put(x))]),
        ("jacrev", lambda on: [fa.jacrev(lambda z: z ** 2)(on.put(x))]),
        ("hessian", lambda on: [fa.hessian(f)(on.put(x))]),
        ("hvp", lambda on: [fa.hvp(f, (on.put(x),), (on.put(t),))]),
        ("vmap_grad", lambda on: [fa.vmap(fa.grad(f))(on.put(X))]),
        ("vmap", lambda on: [fa.vmap(lambda z: z * 2.0)(on.put(X))]),
        ("grad_mixed_pytree", lambda on: list(fa.grad(lambda d: fnp.sum(d["a"] ** 2))(
            {"a": on.put(x)}).values())),
    ]


@pytest.mark.parametrize("name,thunk", _float32_cases(), ids=[c[0] for c in _float32_cases()])
def test_float32_inputs_give_float32_results(name, thunk, on):
    results = thunk(on)
    for r in results:
        assert r.dtype == np.float32, f"{name}: got {r.dtype}"
        assert isinstance(r, (np.ndarray, np.float32) if on.name == "numpy" else on.array_type)
    for r in on.get(results):  # the computed values keep the dtype too
        assert r.dtype == np.float32, f"{name}: computed {r.dtype}"


def test_float32_values_are_correct(on):
    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    g = on.get(fa.grad(lambda z: fnp.sum(fnp.sin(z)))(on.put(x)))
    assert g.dtype == np.float32
    close(g, np.cos(x.astype(np.float64)), rtol=1e-6, atol=1e-7)


def _mutation_cases():
    # inputs as NumPy arrays; the test puts them on its backend
    r = rng(24)
    x = r.normal(size=3)
    X = r.normal(size=(4, 3))
    t = r.normal(size=3)
    d = {"a": r.normal(size=2), "b": [r.normal(size=3)]}

    def f(z):
        return fnp.sum(fnp.sin(z) * z)

    return [
        ("grad", lambda a: fa.grad(f)(a[0]), [x]),
        ("grad_pytree", lambda a: fa.grad(lambda q: fnp.sum(q["a"] ** 2) + fnp.sum(q["b"][0]))(
            a[0]), [d]),
        ("value_and_grad", lambda a: fa.value_and_grad(f)(a[0]), [x]),
        ("jvp", lambda a: fa.jvp(fnp.sin, (a[0],), (a[1],)), [x, t]),
        ("vjp", lambda a: fa.vjp(fnp.sin, a[0])[1](a[1]), [x, t]),
        ("vjp_identity", lambda a: fa.vjp(lambda z: z, a[0])[1](a[1]), [x, t]),
        ("linearize", lambda a: fa.linearize(fnp.sin, a[0])[1](a[1]), [x, t]),
        ("vmap", lambda a: fa.vmap(lambda z: z * 2.0, in_axes=1)(a[0]), [X]),
        ("vmap_chunked", lambda a: fa.vmap(lambda z, w: z @ w, in_axes=(0, None),
                                           chunk_size=3)(a[0], a[1]), [X, t]),
        ("jacfwd", lambda a: fa.jacfwd(fnp.sin)(a[0]), [x]),
        ("jacrev", lambda a: fa.jacrev(lambda q: q["a"] * fnp.sum(q["b"][0]))(a[0]), [d]),
        ("hessian", lambda a: fa.hessian(f)(a[0]), [x]),
        ("hvp", lambda a: fa.hvp(f, (a[0],), (a[1],)), [x, t]),
        ("vmap_grad", lambda a: fa.vmap(fa.grad(f))(a[0]), [X]),
    ]


@pytest.mark.parametrize("name,call,inputs", _mutation_cases(),
                         ids=[c[0] for c in _mutation_cases()])
def test_transforms_do_not_mutate_inputs(name, call, inputs, on):
    inputs = put_tree(on, inputs)
    before = copy.deepcopy(on.get(inputs))
    results = call(inputs)
    # mutate every result in place: must not reach back into the inputs either
    # (CuPy arrays are always writable; Dask arrays cannot be written to)
    for leaf in fa.tree_util.tree_leaves(results):
        if on.name == "cupy" and isinstance(leaf, on.array_type):
            leaf += 100.0
        elif isinstance(leaf, np.ndarray) and leaf.flags.writeable:
            leaf += 100.0
    after = on.get(inputs)
    for b, a in zip(fa.tree_util.tree_leaves(before), fa.tree_util.tree_leaves(after)):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------
# Robustness
# ---------------------------------------------------------------------------


def test_grad_through_100k_step_python_loop(on):
    """A long Python loop: no recursion limit in the backward pass.

    On Dask a shorter chain: Dask's own cost grows with the graph (a 200k-task
    chain of 100k steps and their transposes takes minutes to build and run).
    """
    n = 2_000 if on.name == "dask" else 100_000
    c = 1.0 + 1e-6

    def f(x):
        for _ in range(n):
            x = x * c
        return x

    g = on.get(fa.grad(f)(on.put(1.0)))
    ref = 1.0
    for _ in range(n):  # d/dx of x*c*c*...*c is the same product of c's
        ref *= c
    close(g, ref, rtol=1e-12)


class BoomError(Exception):
    pass


def _raising_calls():
    # each call takes the backend its inputs go to
    def bad(x):
        _ = fnp.sin(x) * 2.0  # some traced work before the failure
        raise ERR

    x = np.array([0.5, 1.0])
    return [
        ("grad", lambda on: fa.grad(lambda z: fnp.sum(bad(z)))(on.put(x))),
        ("value_and_grad", lambda on: fa.value_and_grad(lambda z: fnp.sum(bad(z)))(on.put(x))),
        ("jvp", lambda on: fa.jvp(bad, on.put((x,)), on.put((x,)))),
        ("vjp", lambda on: fa.vjp(bad, on.put(x))),
        ("linearize", lambda on: fa.linearize(bad, on.put(x))),
        ("vmap", lambda on: fa.vmap(bad)(on.put(x))),
        ("vmap_chunked", lambda on: fa.vmap(bad, chunk_size=1)(on.put(x))),
        ("jacfwd", lambda on: fa.jacfwd(bad)(on.put(x))),
        ("jacrev", lambda on: fa.jacrev(bad)(on.put(x))),
        ("hessian", lambda on: fa.hessian(lambda z: fnp.sum(bad(z)))(on.put(x))),
        ("grad_grad", lambda on: fa.grad(fa.grad(lambda z: bad(z)[0]))(on.put(1.0))),
        ("grad_of_vmap", lambda on: fa.grad(lambda z: fnp.sum(fa.vmap(bad)(z)))(on.put(x))),
        ("vmap_of_grad", lambda on: fa.vmap(fa.grad(lambda z: bad(z)))(on.put(x))),
        ("nested_inner", lambda on: fa.grad(lambda z: z * fa.grad(lambda w: bad(w) * z)(z))(
            on.put(1.0))),
    ]


ERR = BoomError("boom from inside the transformed function")


@pytest.mark.parametrize("name,call", _raising_calls(), ids=[c[0] for c in _raising_calls()])
def test_exception_propagates_unchanged_and_next_call_works(name, call, on):
    with pytest.raises(BoomError) as info:
        call(on)
    assert info.value is ERR
    assert fa_trace.current_depth() == 0
    close(on.get(fa.grad(fa.grad(fnp.sin))(on.put(1.0))), -np.sin(1.0))
    close(on.get(fa.vmap(fa.grad(fnp.sin))(on.put(np.array([0.1, 0.2])))), np.cos([0.1, 0.2]))
    assert fa_trace.current_depth() == 0


def _leaking_transforms():
    # each transform takes the backend its inputs go to
    return [
        ("grad", lambda f, on: fa.grad(lambda z: fnp.sum(f(z)))(on.put(np.array([1.0, 2.0])))),
        ("jvp", lambda f, on: fa.jvp(f, on.put((np.array([1.0, 2.0]),)),
                                     on.put((np.array([1.0, 1.0]),)))),
        ("vjp", lambda f, on: fa.vjp(f, on.put(np.array([1.0, 2.0])))),
        ("linearize", lambda f, on: fa.linearize(f, on.put(np.array([1.0, 2.0])))),
        ("vmap", lambda f, on: fa.vmap(f)(on.put(np.array([[1.0, 2.0]])))),
        ("jacfwd", lambda f, on: fa.jacfwd(f)(on.put(np.array([1.0, 2.0])))),
        ("jacrev", lambda f, on: fa.jacrev(f)(on.put(np.array([1.0, 2.0])))),
    ]


@pytest.mark.parametrize("name,transform", _leaking_transforms(),
                         ids=[c[0] for c in _leaking_transforms()])
def test_escaped_tracer_raises_escaped_tracer_error(name, transform, on):
    leaked = []

    def f(z):
        leaked.append(z)
        return fnp.sin(z)

    transform(f, on)
    assert leaked
    tracer = leaked[-1]
    with pytest.raises(fa.EscapedTracerError):
        tracer * 2.0
    with pytest.raises(fa.EscapedTracerError):
        fnp.sin(tracer)
    with pytest.raises(fa.EscapedTracerError):
        on.put(np.array([1.0, 2.0])) + tracer
    # used inside a later transform, in either operand order
    with pytest.raises(fa.EscapedTracerError):
        fa.grad(lambda y: fnp.sum(y * tracer))(on.put(np.array([1.0, 2.0])))
    with pytest.raises(fa.EscapedTracerError):
        fa.grad(lambda y: fnp.sum(tracer * y))(on.put(np.array([1.0, 2.0])))
    assert fa_trace.current_depth() == 0
    close(on.get(fa.grad(fnp.sin)(on.put(0.3))), np.cos(0.3))


def test_transforms_in_eight_threads_at_once(on):
    n_threads, n_iter = 8, 15
    barrier = threading.Barrier(n_threads)
    errors: list = []

    def worker(k):
        try:
            barrier.wait()
            r = rng(100 + k)
            for _ in range(n_iter):
                x = r.normal(size=4)
                xb = on.put(x)
                scale = float(k + 1)
                close(on.get(fa.grad(lambda z: scale * fnp.sum(fnp.sin(z)))(xb)),
                      scale * np.cos(x))
                nested = fa.grad(lambda z: z * fa.grad(lambda y: z * y)(1.0))(on.put(scale))
                close(on.get(nested), 2 * scale)
                X = r.normal(size=(3, 4))
                close(on.get(fa.vmap(fa.grad(lambda z: fnp.sum(z ** 3) * scale))(on.put(X))),
                      3 * scale * X ** 2)
                close(on.get(fa.hessian(lambda z: fnp.sum(z ** 3))(xb)), np.diag(6 * x))
                close(on.get(fa.jacrev(lambda z: z * scale)(xb)), scale * np.eye(4))
                close(on.get(fa.jvp(fnp.exp, (xb,), (xb,))[1]), np.exp(x) * x)
                assert fa_trace.current_depth() == 0
        except BaseException as e:  # noqa: BLE001
            errors.append((k, e))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
