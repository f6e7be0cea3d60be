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
import time

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
def test_grad_scalar_closed_form(name, f, df, xs):
    for x in xs:
        close(fa.grad(f)(float(x)), df(x))


@pytest.mark.parametrize("name,f,df,xs", UNARY, ids=[u[0] for u in UNARY])
def test_grad_of_sum_is_elementwise_derivative(name, f, df, xs):
    close(fa.grad(lambda x: fnp.sum(f(x)))(xs), df(xs))


# ---------------------------------------------------------------------------
# Seeds: the textbook examples
# ---------------------------------------------------------------------------


def baydin(x1, x2):
    return fnp.log(x1) + x1 * x2 - fnp.sin(x2)


def baydin_np(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def test_seed_baydin_forward_trace():
    y, y_dot = fa.jvp(baydin, (2.0, 5.0), (1.0, 0.0))
    close(y, baydin_np(2.0, 5.0))
    close(y, 11.652, rtol=0, atol=5e-4)  # the slide's rounded value
    close(y_dot, 1 / 2.0 + 5.0)  # v̇1 + v̇2 = 0.5 + 5
    _, y_dot2 = fa.jvp(baydin, (2.0, 5.0), (0.0, 1.0))
    close(y_dot2, 2.0 - np.cos(5.0))


def test_seed_baydin_reverse_trace():
    g1, g2 = fa.grad(baydin, argnums=(0, 1))(2.0, 5.0)
    close(g1, 1 / 2.0 + 5.0)
    close(g2, 2.0 - np.cos(5.0))
    close(g2, 1.716, rtol=0, atol=5e-4)
    y, f_vjp = fa.vjp(baydin, 2.0, 5.0)
    close(y, baydin_np(2.0, 5.0))
    close_tree(f_vjp(1.0), (1 / 2.0 + 5.0, 2.0 - np.cos(5.0)))
    close_fd(g1, num_grad_args(baydin_np, (2.0, 5.0), 0))
    close_fd(g2, num_grad_args(baydin_np, (2.0, 5.0), 1))


def classroom(x, y):
    return x ** 3 + y * x * fnp.exp(x) + y


def classroom_np(x, y):
    return x ** 3 + y * x * np.exp(x) + y


def test_seed_classroom_function():
    x, y = 2.0, 3.0
    dfdx = 3 * x ** 2 + y * np.exp(x) * (1 + x)
    dfdy = x * np.exp(x) + 1
    v, (gx, gy) = fa.value_and_grad(classroom, argnums=(0, 1))(x, y)
    close(v, classroom_np(x, y))
    close(gx, dfdx)
    close(gy, dfdy)
    close(fa.jvp(classroom, (x, y), (1.0, 0.0))[1], dfdx)
    close(fa.jvp(classroom, (x, y), (0.0, 1.0))[1], dfdy)
    close_fd(gx, num_grad_args(classroom_np, (x, y), 0))
    close_fd(gy, num_grad_args(classroom_np, (x, y), 1))
    # second derivatives
    close(fa.grad(fa.grad(classroom))(x, y), 6 * x + y * np.exp(x) * (2 + x))
    close(fa.grad(fa.grad(classroom), argnums=1)(x, y), np.exp(x) * (1 + x))


def test_seed_jacobian_of_cube_is_3_eye():
    expected = 3 * np.eye(3)  # d(x^3)/dx = 3x^2 = 3 at x = 1
    for jac in (fa.jacobian, fa.jacrev, fa.jacfwd):
        close(jac(lambda x: x ** 3)(np.ones(3)), expected)


def test_seed_hessian_of_sum_cube_is_6_eye():
    close(fa.hessian(lambda x: (x ** 3).sum())(np.ones(3)), 6 * np.eye(3))


def test_seed_vmap_square_plus_x_over_tensor_of_twos():
    x = np.full((3, 3, 3), 2.0)
    out = fa.vmap(lambda x: x ** 2 + x)(x)
    assert out.shape == (3, 3, 3)
    close(out, x ** 2 + x)
    close(out, np.full((3, 3, 3), 2.0 ** 2 + 2.0))


def test_seed_vmap_dot_and_vmap_vmap_dot():
    r = rng(2)
    a, b = r.normal(size=(5, 4)), r.normal(size=(5, 4))
    close(fa.vmap(fnp.dot)(a, b), np.einsum("nd,nd->n", a, b))
    a3, b3 = r.normal(size=(5, 4, 3)), r.normal(size=(5, 4, 3))
    out = fa.vmap(fa.vmap(fnp.dot))(a3, b3)
    assert out.shape == (5, 4)
    close(out, np.einsum("ndc,ndc->nd", a3, b3))


def rnn_step(W_x, W_h, x, prev_h):  # noqa: N803
    return fnp.tanh(W_x @ x.T + W_h @ prev_h.T)


def rnn_step_np(W_x, W_h, x, prev_h):  # noqa: N803
    return np.tanh(W_x @ x.T + W_h @ prev_h.T)


def test_seed_rnn_step_gradient_vs_closed_form_and_finite_differences():
    r = rng(3)
    B, D, H = 2, 3, 4
    args = (r.normal(size=(H, D)) * 0.5, r.normal(size=(H, H)) * 0.5,
            r.normal(size=(B, D)), r.normal(size=(B, H)))
    R = r.normal(size=(H, B))

    def loss(*a):
        return fnp.sum(rnn_step(*a) * R)

    def loss_np(*a):
        return np.sum(rnn_step_np(*a) * R)

    grads = fa.grad(loss, argnums=(0, 1, 2, 3))(*args)
    nh = rnn_step_np(*args)
    delta = R * (1 - nh ** 2)  # (H, B)
    W_x, W_h, x, prev_h = args
    closed = (delta @ x, delta @ prev_h, delta.T @ W_x, delta.T @ W_h)
    for k in range(4):
        assert grads[k].shape == args[k].shape
        close(grads[k], closed[k])
        close_fd(grads[k], num_grad_args(loss_np, args, k))


def test_seed_rnn_unrolled_bptt_vs_finite_differences():
    r = rng(4)
    B, D, H, T = 2, 3, 4, 5
    W_x, W_h = r.normal(size=(H, D)) * 0.5, r.normal(size=(H, H)) * 0.5
    xs = r.normal(size=(T, B, D))
    h0 = r.normal(size=(B, H))

    def loss(W_x, W_h, h0):  # noqa: N803
        h = h0
        for t in range(T):
            h = rnn_step(W_x, W_h, xs[t], h).T
        return fnp.sum(h ** 2)

    def loss_np(W_x, W_h, h0):  # noqa: N803
        h = h0
        for t in range(T):
            h = rnn_step_np(W_x, W_h, xs[t], h).T
        return np.sum(h ** 2)

    args = (W_x, W_h, h0)
    grads = fa.grad(loss, argnums=(0, 1, 2))(*args)
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
def test_grad_argnums(argnums, positions):
    expected = three_args_grads_np(*THREE)
    g = fa.grad(three_args, argnums=argnums)(*THREE)
    if isinstance(positions, tuple):
        assert isinstance(g, tuple) and len(g) == len(positions)
        for gi, p in zip(g, positions):
            close(gi, expected[p])
    else:
        assert not isinstance(g, tuple)
        close(g, expected[positions])
    v, g2 = fa.value_and_grad(three_args, argnums=argnums)(*THREE)
    x, y, z = THREE
    close(v, np.sum(np.sin(x) * y) + np.sum(z ** 2) * np.sum(x))
    close_tree(g2, g)


def test_grad_has_aux_and_value_and_grad_has_aux():
    x = np.array([0.5, 1.5, -2.0])

    def f(x):
        y = fnp.sin(x)
        return fnp.sum(y * y), {"y": y, "n": 3}

    g, aux = fa.grad(f, has_aux=True)(x)
    close(g, 2 * np.sin(x) * np.cos(x))
    assert set(aux) == {"y", "n"}
    assert isinstance(aux["y"], np.ndarray)
    close(aux["y"], np.sin(x))
    assert aux["n"] == 3
    (v, aux2), g2 = fa.value_and_grad(f, has_aux=True)(x)
    close(v, np.sum(np.sin(x) ** 2))
    close(aux2["y"], np.sin(x))
    close(g2, g)
    g3, aux3 = fa.grad(lambda a, b: (fnp.sum(a * b), a + b), argnums=(0, 1), has_aux=True)(x, 2 * x)
    close_tree(g3, (2 * x, x))
    close(aux3, 3 * x)


def test_grad_keyword_arguments_pass_through_undifferentiated():
    x = np.array([1.0, -2.0])

    def f(x, scale=1.0, offset=None):
        out = scale * fnp.sum(x ** 2)
        return out if offset is None else out + fnp.sum(offset * x)

    close(fa.grad(f)(x, scale=3.0), 2 * 3.0 * x)
    off = np.array([0.5, 0.25])
    close(fa.grad(f)(x, scale=2.0, offset=off), 2 * 2.0 * x + off)
    v, g = fa.value_and_grad(f)(x, offset=off)
    close(v, np.sum(x ** 2) + np.sum(off * x))
    close(g, 2 * x + off)
    close(fa.jacfwd(f)(x, scale=3.0), 6 * x)
    close(fa.jacrev(f)(x, scale=3.0), 6 * x)
    # argnums counts positional arguments only
    g0, g1 = fa.grad(lambda a, b, k=1.0: fnp.sum(a * b * k), argnums=(0, 1))(x, 2 * x, k=5.0)
    close(g0, 10 * x)
    close(g1, 5 * x)


def test_grad_with_integer_non_differentiated_arguments():
    close(fa.grad(lambda x, n: x ** n)(2.0, 3), 3 * 2.0 ** 2)
    close(fa.grad(lambda n, x: x ** n, argnums=1)(4, 1.5), 4 * 1.5 ** 3)
    x = np.array([1.0, 2.0, 3.0])
    close(fa.grad(lambda x, i: x[i] * x[i])(x, 2), np.array([0.0, 0.0, 2 * 3.0]))
    close(fa.grad(lambda x, m: fnp.sum(x * m))(x, np.array([1, 0, 2])), np.array([1.0, 0.0, 2.0]))
    v, g = fa.value_and_grad(lambda k, x: k * fnp.sum(x), argnums=-1)(np.int64(4), x)
    close(v, 4 * x.sum())
    close(g, np.full(3, 4.0))
    close(fa.jacfwd(lambda x, n: x ** n)(x, 2), np.diag(2 * x))
    close(fa.jacrev(lambda x, n: x ** n)(x, 2), np.diag(2 * x))


def test_grad_pytree_argument():
    params = {"w": np.array([[1.0, 2.0], [3.0, -1.0]]), "b": np.array([0.5, -0.5]),
              "extra": (np.array(2.0), [np.array([1.0, 3.0])])}
    x = np.array([0.3, -0.4])

    def loss(p, x):
        h = fnp.tanh(p["w"] @ x + p["b"])
        return fnp.sum(h ** 2) * p["extra"][0] + fnp.sum(p["extra"][1][0] * x)

    g = fa.grad(loss)(params, x)
    assert set(g) == {"w", "b", "extra"}
    assert isinstance(g["extra"], tuple) and isinstance(g["extra"][1], list)
    h = np.tanh(params["w"] @ x + params["b"])
    s = params["extra"][0]
    delta = 2 * h * (1 - h ** 2) * s
    close(g["w"], np.outer(delta, x))
    close(g["b"], delta)
    close(g["extra"][0], np.sum(h ** 2))
    close(g["extra"][1][0], x)


def test_grad_size_one_array_output_is_accepted():
    x = np.array([1.0, -2.0, 3.0])
    close(fa.grad(lambda x: fnp.sum(x ** 2, keepdims=True))(x), 2 * x)
    close(fa.grad(lambda x: fnp.reshape(fnp.sum(x ** 2), (1, 1)))(x), 2 * x)


def test_grad_of_function_returning_python_scalar_is_zero():
    # the API accepts Python scalars as outputs; a constant has zero derivative
    g = fa.grad(lambda x: 1.0)(2.0)
    close(g, 0.0)
    g = fa.grad(lambda x: 3.0)(np.array([1.0, 2.0]))
    close(g, np.zeros(2))


def test_grad_with_respect_to_unused_argument_is_zero():
    x, y = np.array([1.0, 2.0]), np.array([[3.0, 4.0]])
    gx, gy = fa.grad(lambda x, y: fnp.sum(x ** 2), argnums=(0, 1))(x, y)
    close(gx, 2 * x)
    assert gy.shape == y.shape
    close(gy, np.zeros_like(y))


# ---------------------------------------------------------------------------
# jvp
# ---------------------------------------------------------------------------


def test_jvp_vs_finite_differences_directional():
    r = rng(5)
    A = r.normal(size=(4, 3))
    x, t = r.normal(size=3), r.normal(size=3)

    def f(x):
        return fnp.sin(A @ x) * fnp.sum(x ** 2)

    def f_np(x):
        return np.sin(A @ x) * np.sum(x ** 2)

    y, y_dot = fa.jvp(f, (x,), (t,))
    close(y, f_np(x))
    close_fd(y_dot, num_jacobian(f_np, x) @ t)
    closed = np.cos(A @ x) * (A @ t) * np.sum(x ** 2) + np.sin(A @ x) * 2 * (x @ t)
    close(y_dot, closed)


def test_jvp_pytree_primals_and_tangents():
    p = {"a": np.array([1.0, 2.0]), "b": (np.array(0.5), [np.array([3.0, -1.0, 2.0])])}
    t = {"a": np.array([0.1, -0.2]), "b": (np.array(1.0), [np.array([0.0, 1.0, 2.0])])}
    z, tz = np.array(2.0), np.array(-1.0)

    def f(d, z):
        a, (s, (c,)) = d["a"], d["b"]
        return {"u": a * s * z, "v": (fnp.sum(fnp.exp(c)) + s,)}

    out, out_dot = fa.jvp(f, (p, z), (t, tz))
    a, s, c = p["a"], p["b"][0], p["b"][1][0]
    ta, ts, tc = t["a"], t["b"][0], t["b"][1][0]
    close_tree(out, {"u": a * s * z, "v": (np.sum(np.exp(c)) + s,)})
    close_tree(out_dot, {"u": ta * s * z + a * ts * z + a * s * tz,
                         "v": (np.sum(np.exp(c) * tc) + ts,)})


def test_jvp_multiple_outputs_and_constant_output():
    x, t = np.array([0.2, 0.4]), np.array([1.0, -1.0])
    out, out_dot = fa.jvp(lambda x: (fnp.sin(x), np.ones(3), x * 0.0 + 1.0), (x,), (t,))
    close_tree(out, (np.sin(x), np.ones(3), np.ones(2)))
    close_tree(out_dot, (np.cos(x) * t, np.zeros(3), np.zeros(2)))


def test_jvp_has_aux():
    x, t = np.array([0.3, 0.6]), np.array([2.0, 1.0])
    out, out_dot, aux = fa.jvp(lambda x: (fnp.exp(x), {"sq": x * x}), (x,), (t,), has_aux=True)
    close(out, np.exp(x))
    close(out_dot, np.exp(x) * t)
    assert isinstance(aux["sq"], np.ndarray)
    close(aux["sq"], x * x)


def test_jvp_python_scalars_and_linearity_in_tangent():
    y, yd = fa.jvp(lambda x, y: x * y + fnp.sin(x), (1.5, 2.0), (1.0, 0.0))
    close(yd, 2.0 + np.cos(1.5))
    x = np.array([0.1, 0.7, -0.3])
    t1, t2 = np.array([1.0, 0.0, 2.0]), np.array([-1.0, 3.0, 0.5])
    f = lambda x: fnp.tanh(x) * fnp.sum(x)  # noqa: E731
    d1 = fa.jvp(f, (x,), (t1,))[1]
    d2 = fa.jvp(f, (x,), (t2,))[1]
    d12 = fa.jvp(f, (x,), (2 * t1 - 3 * t2,))[1]
    close(d12, 2 * d1 - 3 * d2)


# ---------------------------------------------------------------------------
# vjp
# ---------------------------------------------------------------------------


def test_vjp_fn_called_repeatedly_gives_same_answer_and_is_linear():
    r = rng(6)
    A = r.normal(size=(4, 3))
    x = r.normal(size=3)
    y, f_vjp = fa.vjp(lambda x: fnp.tanh(A @ x), x)
    close(y, np.tanh(A @ x))
    J = (1 - np.tanh(A @ x) ** 2)[:, None] * A
    cts = [r.normal(size=4) for _ in range(3)]
    first = [f_vjp(c) for c in cts]
    for _ in range(3):
        again = [f_vjp(c) for c in cts]
        for a, b in zip(again, first):
            assert isinstance(a, tuple) and len(a) == 1
            np.testing.assert_array_equal(a[0], b[0])
    for c, (g,) in zip(cts, first):
        close(g, J.T @ c)


def test_vjp_pytree_outputs_and_inputs():
    x, y = np.array([0.5, 1.0]), np.array(2.0)

    def f(x, y):
        return {"a": fnp.sin(x) * y, "b": (x * x, y ** 3)}

    out, f_vjp = fa.vjp(f, x, y)
    close_tree(out, {"a": np.sin(x) * y, "b": (x * x, y ** 3)})
    ca, cb0, cb1 = np.array([1.0, -2.0]), np.array([0.5, 0.25]), np.array(3.0)
    gx, gy = f_vjp({"a": ca, "b": (cb0, cb1)})
    close(gx, np.cos(x) * y * ca + 2 * x * cb0)
    close(gy, np.sum(np.sin(x) * ca) + 3 * y ** 2 * cb1)


def test_vjp_has_aux():
    x = np.array([0.1, 0.2])
    out, f_vjp, aux = fa.vjp(lambda x: (fnp.exp(x), (x + 1, "tag")), x, has_aux=True)
    close(out, np.exp(x))
    (g,) = f_vjp(np.array([1.0, 2.0]))
    close(g, np.exp(x) * np.array([1.0, 2.0]))
    assert isinstance(aux[0], np.ndarray) and aux[1] == "tag"
    close(aux[0], x + 1)


def test_vjp_matches_transposed_finite_difference_jacobian():
    r = rng(7)
    x = r.normal(size=(2, 3))

    def f(x):
        return fnp.sum(x * x, axis=0) * fnp.exp(x[0])

    def f_np(x):
        return np.sum(x * x, axis=0) * np.exp(x[0])

    _, f_vjp = fa.vjp(f, x)
    ct = r.normal(size=3)
    J = num_jacobian(f_np, x)  # (3, 2, 3)
    close_fd(f_vjp(ct)[0], np.tensordot(ct, J, axes=1))


# ---------------------------------------------------------------------------
# linearize
# ---------------------------------------------------------------------------


def test_linearize_agrees_with_jvp_and_does_not_rerun_fun():
    calls = []
    x = np.array([0.4, -0.9, 1.3])

    def f(x):
        calls.append(1)
        return fnp.sin(x) * fnp.sum(x ** 2)

    y, f_lin = fa.linearize(f, x)
    assert len(calls) == 1
    close(y, np.sin(x) * np.sum(x ** 2))
    r = rng(8)
    for _ in range(4):
        t = r.normal(size=3)
        got = f_lin(t)
        closed = np.cos(x) * t * np.sum(x ** 2) + np.sin(x) * 2 * (x @ t)
        close(got, closed)
        n_before = len(calls)
        close(got, fa.jvp(f, (x,), (t,))[1])  # jvp does run f
        assert len(calls) == n_before + 1
        calls.pop()
    assert len(calls) == 1


def test_linearize_pytree_and_multiple_primals():
    calls = collections.Counter()
    a, b = np.array([1.0, 2.0]), {"k": np.array(0.5)}

    def f(a, b):
        calls["f"] += 1
        return (a * b["k"], fnp.exp(b["k"]))

    out, f_lin = fa.linearize(f, a, b)
    close_tree(out, (a * 0.5, np.exp(0.5)))
    ta, tb = np.array([0.1, 0.2]), {"k": np.array(2.0)}
    got = f_lin(ta, tb)
    close_tree(got, (ta * 0.5 + a * 2.0, np.exp(0.5) * 2.0))
    close_tree(got, fa.jvp(f, (a, b), (ta, tb))[1])
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
def test_vmap_in_axes_out_axes_vs_loop(name, f, f_np, args, in_axes, out_axes):
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
    expected = loop_vmap(f_np, args, axes, out_axis=out_axes)
    got = fa.vmap(f, in_axes=in_axes, out_axes=out_axes)(*args)
    assert isinstance(got, np.ndarray)
    assert got.shape == expected.shape
    close(got, expected)


@pytest.mark.parametrize("name,f,f_np,args,in_axes,out_axes", VMAP_CASES,
                         ids=[c[0] for c in VMAP_CASES])
@pytest.mark.parametrize("chunk_size", [1, 2, 4, 100])
def test_vmap_chunk_size_matches_unchunked(name, f, f_np, args, in_axes, out_axes, chunk_size):
    full = fa.vmap(f, in_axes=in_axes, out_axes=out_axes)(*args)
    chunked = fa.vmap(f, in_axes=in_axes, out_axes=out_axes, chunk_size=chunk_size)(*args)
    assert chunked.shape == full.shape
    close(chunked, full)


def test_vmap_nested_pytree_in_axes_prefix_with_dicts():
    r = rng(10)
    params = {"w": r.normal(size=(4, 3)), "b": r.normal(size=(5, 4))}  # b batched
    xs = (r.normal(size=(3, 5)), r.normal(size=2))  # first batched on axis 1, second not

    def f(p, xy):
        x, s = xy
        return fnp.tanh(p["w"] @ x + p["b"]) * fnp.sum(s)

    in_axes = ({"w": None, "b": 0}, (1, None))
    got = fa.vmap(f, in_axes=in_axes)(params, xs)
    expected = np.stack([np.tanh(params["w"] @ xs[0][:, i] + params["b"][i]) * np.sum(xs[1])
                         for i in range(5)])
    close(got, expected)
    close(fa.vmap(f, in_axes=in_axes, chunk_size=2)(params, xs), expected)
    # a leaf of the prefix standing for a whole subtree
    both = {"w": r.normal(size=(5, 4, 3)), "b": r.normal(size=(5, 4))}
    got2 = fa.vmap(f, in_axes=(0, (1, None)))(both, xs)
    expected2 = np.stack([np.tanh(both["w"][i] @ xs[0][:, i] + both["b"][i]) * np.sum(xs[1])
                          for i in range(5)])
    close(got2, expected2)


def test_vmap_pytree_out_axes_and_none():
    r = rng(11)
    X, w = r.normal(size=(4, 3)), r.normal(size=3)

    def f(x, w):
        return {"prod": x * w, "sum": (fnp.sum(x),), "const": w * 2}

    got = fa.vmap(f, in_axes=(0, None), out_axes={"prod": 1, "sum": (0,), "const": None})(X, w)
    close(got["prod"], (X * w).T)
    close(got["sum"][0], X.sum(axis=1))
    assert got["const"].shape == (3,)
    close(got["const"], w * 2)
    got2 = fa.vmap(lambda x, w: (x * w, w + 1), in_axes=(0, None), out_axes=(-1, None),
                   chunk_size=3)(X, w)
    close(got2[0], (X * w).T)
    close(got2[1], w + 1)


def test_vmap_axis_size_with_all_none_in_axes():
    x = np.array([1.0, 2.0])
    got = fa.vmap(lambda x: x * 2, in_axes=None, axis_size=4)(x)
    assert got.shape == (4, 2)
    close(got, np.tile(x * 2, (4, 1)))
    got2 = fa.vmap(lambda x, y: x + y, in_axes=(None, None), axis_size=3, out_axes=1)(x, x)
    assert got2.shape == (2, 3)
    close(got2, np.tile(2 * x, (3, 1)).T)


def test_vmap_outputs_independent_of_batch_are_broadcast():
    X = rng(12).normal(size=(5, 3))
    c = np.array([7.0, 8.0])
    out = fa.vmap(lambda x: (fnp.sum(x), c, 3.0, c * 2))(X)
    close(out[0], X.sum(axis=1))
    close(out[1], np.tile(c, (5, 1)))
    close(out[2], np.full(5, 3.0))
    close(out[3], np.tile(2 * c, (5, 1)))
    out1 = fa.vmap(lambda x: c, out_axes=1)(X)
    close(out1, np.tile(c, (5, 1)).T)
    out_chunked = fa.vmap(lambda x: (fnp.sum(x), c), chunk_size=2)(X)
    close(out_chunked[1], np.tile(c, (5, 1)))


def test_vmap_keyword_arguments_pass_through_unbatched():
    X = rng(13).normal(size=(4, 3))
    got = fa.vmap(lambda x, scale=1.0: scale * fnp.sum(x ** 2))(X, scale=2.5)
    close(got, 2.5 * np.sum(X ** 2, axis=1))


def test_vmap_of_scalar_examples_and_integer_unmapped_argument():
    xs = np.linspace(0.1, 1.0, 7)
    close(fa.vmap(lambda x, n: x ** n, in_axes=(0, None))(xs, 3), xs ** 3)
    close(fa.vmap(fnp.sin)(xs), np.sin(xs))


# ---------------------------------------------------------------------------
# jacfwd / jacrev / jacobian
# ---------------------------------------------------------------------------

JAC_TRANSFORMS = [("jacfwd", fa.jacfwd), ("jacrev", fa.jacrev), ("jacobian", fa.jacobian)]
JAC_IDS = [j[0] for j in JAC_TRANSFORMS]


@pytest.mark.parametrize("name,jac", JAC_TRANSFORMS, ids=JAC_IDS)
def test_jacobian_shape_is_out_shape_plus_in_shape(name, jac):
    r = rng(14)
    A = r.normal(size=(4, 6))

    def f(X):  # (2, 3) -> (4,)
        return fnp.tanh(A @ fnp.reshape(X, (6,)))

    def f_np(X):
        return np.tanh(A @ X.reshape(6))

    J = jac(f)(X23)
    assert J.shape == (4, 2, 3)
    closed = ((1 - f_np(X23) ** 2)[:, None] * A).reshape(4, 2, 3)
    close(J, closed)
    close_fd(J, num_jacobian(f_np, X23))
    # matrix -> matrix
    J2 = jac(lambda X: fnp.sin(X).T)(X23)
    assert J2.shape == (3, 2, 2, 3)
    expected = np.zeros((3, 2, 2, 3))
    for i in range(2):
        for j in range(3):
            expected[j, i, i, j] = np.cos(X23[i, j])
    close(J2, expected)
    # scalar -> vector and vector -> scalar
    close(jac(lambda s: s * np.arange(3.0))(2.0), np.arange(3.0))
    Js = jac(lambda x: fnp.sum(x ** 2))(X3)
    assert Js.shape == (3,)
    close(Js, 2 * X3)
    close(jac(fnp.sin)(0.7), np.cos(0.7))


@pytest.mark.parametrize("name,jac", JAC_TRANSFORMS, ids=JAC_IDS)
def test_jacobian_tuple_argnums(name, jac):
    x, y = np.array([0.5, -1.0]), np.array([2.0, 0.3, 1.1])

    def f(x, y):  # (2,), (3,) -> (2,)
        return fnp.sin(x) * fnp.sum(y ** 2)

    Jx, Jy = jac(f, argnums=(0, 1))(x, y)
    assert Jx.shape == (2, 2) and Jy.shape == (2, 3)
    close(Jx, np.diag(np.cos(x) * np.sum(y ** 2)))
    close(Jy, np.outer(np.sin(x), 2 * y))
    (Jy_only,) = jac(f, argnums=(1,))(x, y)
    close(Jy_only, Jy)
    close(jac(f, argnums=-1)(x, y), Jy)


@pytest.mark.parametrize("name,jac", JAC_TRANSFORMS, ids=JAC_IDS)
def test_jacobian_pytree_inputs_and_outputs(name, jac):
    d = {"a": np.array([1.0, 2.0]), "b": np.array([0.5, -0.5, 1.5])}

    def f(d):
        return {"u": d["a"] * fnp.sum(d["b"]), "v": (fnp.sin(d["b"]), fnp.sum(d["a"] ** 2))}

    J = jac(f)(d)
    a, b = d["a"], d["b"]
    expected = {
        "u": {"a": np.eye(2) * np.sum(b), "b": np.outer(a, np.ones(3))},
        "v": ({"a": np.zeros((3, 2)), "b": np.diag(np.cos(b))},
              {"a": 2 * a, "b": np.zeros(3)}),
    }
    close_tree(J, expected)


@pytest.mark.parametrize("name,jac", JAC_TRANSFORMS[:2], ids=JAC_IDS[:2])
def test_jacobian_has_aux(name, jac):
    x = np.array([0.2, 0.4, 0.6])
    J, aux = jac(lambda x: (x ** 2, {"m": fnp.sum(x)}), has_aux=True)(x)
    close(J, np.diag(2 * x))
    assert isinstance(aux["m"], (np.ndarray, np.generic))
    close(aux["m"], np.sum(x))


@pytest.mark.parametrize("name,jac", JAC_TRANSFORMS[:2], ids=JAC_IDS[:2])
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 50])
def test_jacobian_chunk_size(name, jac, chunk_size):
    r = rng(15)
    A = r.normal(size=(5, 7))
    x = r.normal(size=7)
    J = jac(lambda x: fnp.exp(A @ x) * x[:5], chunk_size=chunk_size)(x)
    expected = np.exp(A @ x)[:, None] * A * x[:5, None]
    expected[np.arange(5), np.arange(5)] += np.exp(A @ x)
    close(J, expected)


def test_jacfwd_jacrev_agree_on_random_function():
    r = rng(16)
    A = r.normal(size=(3, 4))
    x = r.normal(size=4)

    def f(x):
        return fnp.tanh(A @ x) * fnp.exp(fnp.sum(x) / 4) + x[1:] ** 2

    def f_np(x):
        return np.tanh(A @ x) * np.exp(np.sum(x) / 4) + x[1:] ** 2

    Jf, Jr = fa.jacfwd(f)(x), fa.jacrev(f)(x)
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
    ("sum_cube", lambda x: fnp.sum(x ** 3), lambda x: np.diag(6 * x)),
    ("quadratic", lambda x: x @ (S @ x), lambda x: S + S.T),
    ("logsumexp", lambda x: fnp.log(fnp.sum(fnp.exp(x))), _lse_hess),
    ("sin_prod", lambda x: fnp.sin(x[0] * x[1]) + x[2] * x[3] ** 2,
     lambda x: np.array([
         [-np.sin(x[0] * x[1]) * x[1] ** 2,
          np.cos(x[0] * x[1]) - np.sin(x[0] * x[1]) * x[0] * x[1], 0, 0],
         [np.cos(x[0] * x[1]) - np.sin(x[0] * x[1]) * x[0] * x[1],
          -np.sin(x[0] * x[1]) * x[0] ** 2, 0, 0],
         [0, 0, 0, 2 * x[3]],
         [0, 0, 2 * x[3], 2 * x[2]],
     ])),
    ("norm_sq_exp", lambda x: fnp.exp(fnp.sum(x * x) / 4),
     lambda x: np.exp(x @ x / 4) * (np.eye(4) / 2 + np.outer(x, x) / 4)),
]
HX = np.array([0.3, -0.8, 1.2, 0.5])


@pytest.mark.parametrize("name,f,H", HESS_CASES, ids=[c[0] for c in HESS_CASES])
def test_hessian_closed_forms(name, f, H):
    got = fa.hessian(f)(HX)
    assert got.shape == (4, 4)
    close(got, H(HX))
    close(fa.hessian(f, chunk_size=3)(HX), H(HX))


@pytest.mark.parametrize("name,f,H", HESS_CASES, ids=[c[0] for c in HESS_CASES])
def test_jacfwd_jacrev_compositions_equal_hessian(name, f, H):
    expected = H(HX)
    close(fa.jacfwd(fa.jacrev(f))(HX), expected)
    close(fa.jacrev(fa.jacfwd(f))(HX), expected)
    close(fa.jacfwd(fa.jacfwd(f))(HX), expected)
    close(fa.jacrev(fa.jacrev(f))(HX), expected)
    close(fa.jacfwd(fa.grad(f))(HX), expected)


@pytest.mark.parametrize("name,f,H", HESS_CASES, ids=[c[0] for c in HESS_CASES])
def test_hvp_equals_hessian_times_v(name, f, H):
    r = rng(18)
    for _ in range(2):
        v = r.normal(size=4)
        close(fa.hvp(f, (HX,), (v,)), H(HX) @ v)


def test_hessian_of_matrix_input_shape():
    X = X23

    def f(X):
        return fnp.sum(fnp.sin(X) * X[0])  # X[0] broadcast over rows

    Hm = fa.hessian(f)(X)
    assert Hm.shape == (2, 3, 2, 3)
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


def test_hessian_tuple_argnums_gives_nested_tuples():
    r = rng(19)
    A = r.normal(size=(2, 3))
    x, y = np.array([0.4, -0.6]), np.array([1.0, 0.5, -0.2])

    def f(x, y):
        return x @ (A @ y) + fnp.sum(x ** 3) + fnp.sum(fnp.sin(y))

    H = fa.hessian(f, argnums=(0, 1))(x, y)
    assert isinstance(H, tuple) and len(H) == 2
    assert all(isinstance(row, tuple) and len(row) == 2 for row in H)
    (Hxx, Hxy), (Hyx, Hyy) = H
    assert Hxx.shape == (2, 2) and Hxy.shape == (2, 3)
    assert Hyx.shape == (3, 2) and Hyy.shape == (3, 3)
    close(Hxx, np.diag(6 * x))
    close(Hxy, A)
    close(Hyx, A.T)
    close(Hyy, np.diag(-np.sin(y)))
    close(fa.hessian(f, argnums=1)(x, y), np.diag(-np.sin(y)))


def test_hvp_with_multiple_primals():
    x, y = np.array([0.4, -0.6]), np.array([1.0, 0.5])
    vx, vy = np.array([1.0, 2.0]), np.array([-1.0, 0.5])

    def f(x, y):
        return fnp.sum(x * x * y)

    got = fa.hvp(f, (x, y), (vx, vy))
    # H = [[diag(2y), diag(2x)], [diag(2x), 0]]
    close_tree(got, (2 * y * vx + 2 * x * vy, 2 * x * vx))


# ---------------------------------------------------------------------------
# Nesting and perturbation confusion
# ---------------------------------------------------------------------------


def test_triple_grad_of_sin():
    close(fa.grad(fa.grad(fa.grad(fnp.sin)))(1.0), -np.cos(1.0), rtol=1e-14)
    close(fa.grad(fa.grad(fa.grad(fa.grad(fnp.sin))))(1.0), np.sin(1.0), rtol=1e-14)
    close(fa.grad(fa.grad(lambda x: x ** 5))(2.0), 20 * 2.0 ** 3)


def test_perturbation_confusion_api_example():
    assert fa.grad(lambda x: x * fa.grad(lambda y: x * y)(1.0))(3.0) == 2 * 3.0


def _siskind_pearlmutter_cases():
    """d/dx (x * d/dy (x + y)|_{y=1}) at x = 1 is 1; confusion gives 2."""

    def rev_rev(x0):
        return fa.grad(lambda x: x * fa.grad(lambda y: x + y)(1.0))(x0)

    def fwd_fwd(x0):
        return fa.jvp(lambda x: x * fa.jvp(lambda y: x + y, (1.0,), (1.0,))[1], (x0,), (1.0,))[1]

    def fwd_rev(x0):
        return fa.jvp(lambda x: x * fa.grad(lambda y: x + y)(1.0), (x0,), (1.0,))[1]

    def rev_fwd(x0):
        return fa.grad(lambda x: x * fa.jvp(lambda y: x + y, (1.0,), (1.0,))[1])(x0)

    def jac_jac(x0):
        return fa.jacfwd(lambda x: x * fa.jacrev(lambda y: x + y)(1.0))(x0)

    def vmap_inside(x0):
        return fa.grad(lambda x: x * fa.vmap(fa.grad(lambda y: x + y))(np.ones(3))[0])(x0)

    return [("rev_rev", rev_rev), ("fwd_fwd", fwd_fwd), ("fwd_rev", fwd_rev),
            ("rev_fwd", rev_fwd), ("jac_jac", jac_jac), ("vmap_inside", vmap_inside)]


@pytest.mark.parametrize("name,d", _siskind_pearlmutter_cases(),
                         ids=[c[0] for c in _siskind_pearlmutter_cases()])
def test_siskind_pearlmutter_perturbation_confusion(name, d):
    # inner derivative d/dy (x + y) = 1, so the outer function is x and its derivative 1
    for x0 in (1.0, 2.5):
        close(d(x0), 1.0)


def test_inner_derivative_evaluated_at_outer_variable():
    # g(x) = d/dy (x y^2) at y = x = 2 x^2; d/dx (x g(x)) = d/dx 2x^3 = 6 x^2
    for x0 in (2.0, -0.5):
        close(fa.grad(lambda x: x * fa.grad(lambda y: x * y ** 2)(x))(x0), 6 * x0 ** 2)
        close(fa.jvp(lambda x: x * fa.grad(lambda y: x * y ** 2)(x), (x0,), (1.0,))[1],
              6 * x0 ** 2)
        close(fa.grad(lambda x: x * fa.jvp(lambda y: x * y ** 2, (x,), (1.0,))[1])(x0),
              6 * x0 ** 2)


def test_closure_returning_function_perturbation_confusion():
    # Manzyuk et al. style: a derivative of a closure built from the outer variable.
    def make(x):
        return lambda y: fnp.sin(x * y)

    # h(x) = d/dy sin(x y)|_{y=2} = x cos(2x);  h'(x) = cos(2x) - 2x sin(2x)
    for x0 in (0.3, 1.1):
        expected = np.cos(2 * x0) - 2 * x0 * np.sin(2 * x0)
        close(fa.grad(lambda x: fa.grad(make(x))(2.0))(x0), expected)
        close(fa.jvp(lambda x: fa.jvp(make(x), (2.0,), (1.0,))[1], (x0,), (1.0,))[1], expected)
    # the same derivative operator applied at two levels to the same closure
    D = fa.grad
    f = lambda x: D(lambda y: x * y * y)(x)  # 2x^2  # noqa: E731
    close(D(f)(3.0), 4 * 3.0)
    close(D(lambda x: x * D(f)(x))(3.0), 8 * 3.0)  # d/dx 4x^2 = 8x


def test_vmap_of_grad_vs_loop_per_example_gradients():
    r = rng(20)
    w, X, y = r.normal(size=3), r.normal(size=(6, 3)), r.normal(size=6)

    def loss(w, x, y):
        return (fnp.tanh(x @ w) - y) ** 2

    g = fa.vmap(fa.grad(loss), in_axes=(None, 0, 0))(w, X, y)
    assert g.shape == (6, 3)
    pred = np.tanh(X @ w)
    closed = (2 * (pred - y) * (1 - pred ** 2))[:, None] * X
    close(g, closed)
    loop = np.stack([fa.grad(loss)(w, X[i], y[i]) for i in range(6)])
    close(g, loop)
    close(fa.vmap(fa.grad(loss), in_axes=(None, 0, 0), chunk_size=4)(w, X, y), closed)


def test_grad_of_sum_of_vmap():
    X = rng(21).normal(size=(4, 3))

    def f(row):
        return fnp.sum(fnp.sin(row) * row)

    g = fa.grad(lambda x: fa.vmap(f)(x).sum())(X)
    close(g, np.cos(X) * X + np.sin(X))
    g2 = fa.grad(lambda x: fnp.sum(fa.vmap(f, in_axes=1)(x)))(X)
    close(g2, np.cos(X) * X + np.sin(X))
    g3 = fa.grad(lambda x: fa.vmap(f, chunk_size=3)(x).sum())(X)
    close(g3, np.cos(X) * X + np.sin(X))


def test_jvp_of_vjp_and_vjp_of_jvp():
    r = rng(22)
    x, v, ct = r.normal(size=3), r.normal(size=3), r.normal(size=3)

    def pullback(x):
        return fa.vjp(fnp.sin, x)[1](ct)[0]  # cos(x) * ct

    out, out_dot = fa.jvp(pullback, (x,), (v,))
    close(out, np.cos(x) * ct)
    close(out_dot, -np.sin(x) * ct * v)

    def pushforward(x):
        return fa.jvp(fnp.sin, (x,), (v,))[1]  # cos(x) * v

    out, f_vjp = fa.vjp(pushforward, x)
    close(out, np.cos(x) * v)
    close(f_vjp(ct)[0], -np.sin(x) * v * ct)

    # vjp of vjp with a cotangent that depends on the differentiated variable
    def pb2(x):
        return fa.vjp(lambda z: z ** 3, x)[1](x)[0]  # 3 x^2 * x = 3 x^3

    close(fa.grad(lambda x: fnp.sum(pb2(x)))(x), 9 * x ** 2)


def test_differentiating_with_respect_to_tangents_and_cotangents():
    r = rng(25)
    x, v, ct = r.normal(size=3), r.normal(size=3), r.normal(size=3)
    # jvp is linear in the tangent: d/dv sum(cos(x) * v) = cos(x)
    close(fa.grad(lambda v: fnp.sum(fa.jvp(fnp.sin, (x,), (v,))[1]))(v), np.cos(x))
    # vjp_fn is linear in the cotangent
    close(fa.grad(lambda c: fnp.sum(fa.vjp(fnp.sin, x)[1](c)[0]))(ct), np.cos(x))
    # vmapping a jvp over the basis gives the Jacobian, and a vjp its transpose
    A = r.normal(size=(3, 3))
    J = fa.vmap(lambda t: fa.jvp(lambda z: A @ fnp.sin(z), (x,), (t,))[1], out_axes=1)(np.eye(3))
    close(J, A * np.cos(x))
    _, f_vjp = fa.vjp(lambda z: A @ fnp.sin(z), x)
    close(fa.vmap(lambda c: f_vjp(c)[0])(np.eye(3)), A * np.cos(x))
    # a tangent that is itself a function of the outer variable: d/dx [cos(x) * x] summed
    close(fa.grad(lambda x: fnp.sum(fa.jvp(fnp.sin, (x,), (x,))[1]))(x),
          np.cos(x) - x * np.sin(x))


def test_plain_numpy_calls_on_traced_values():
    # the contract: np.sin(tracer), np.sum(tracer), ndarray @ tracer are intercepted
    x = np.array([0.2, -0.4, 0.9])
    W = rng(26).normal(size=(2, 3))
    close(fa.grad(lambda z: np.sum(np.sin(z)))(x), np.cos(x))
    close(fa.grad(lambda z: fnp.sum(W @ z))(x), W.sum(axis=0))
    close(fa.vmap(lambda z: np.exp(z) * 2)(x), np.exp(x) * 2)


def test_vmap_of_vmap_closure_and_grad_over_nested_vmap():
    xs, ys = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0])
    close(fa.vmap(lambda x: fa.vmap(lambda y: x * y)(ys))(xs), np.outer(xs, ys))
    close(fa.vmap(lambda y: fa.vmap(lambda x: x * y)(xs), out_axes=1)(ys), np.outer(xs, ys))
    # d/dx_i sum_j sin(x_i y_j) = sum_j y_j cos(x_i y_j)
    g = fa.grad(lambda xs: fa.vmap(lambda x: fa.vmap(lambda y: fnp.sin(x * y))(ys))(xs).sum())(xs)
    close(g, (np.cos(np.outer(xs, ys)) * ys).sum(axis=1))
    # per-element inner derivative at the outer value: d/dy (x y^2)|_{y=x} = 2x^2; grad of sum: 4x
    close(fa.grad(lambda xs: fa.vmap(lambda x: fa.grad(lambda y: x * y ** 2)(x))(xs).sum())(xs),
          4 * xs)


def test_vmap_of_jacobians_and_hessians():
    X = rng(23).normal(size=(5, 3))
    J = fa.vmap(fa.jacfwd(fnp.sin))(X)
    assert J.shape == (5, 3, 3)
    close(J, np.stack([np.diag(np.cos(x)) for x in X]))
    close(fa.vmap(fa.jacrev(fnp.sin))(X), J)
    H = fa.vmap(fa.hessian(lambda x: fnp.sum(x ** 3)))(X)
    close(H, np.stack([np.diag(6 * x) for x in X]))


def test_grad_of_hessian_trace():
    # d/dx trace(H(sum(x^4))) = d/dx sum(12 x^2) = 24 x
    x = np.array([0.5, -1.0, 2.0])

    def tr_hess(x):
        H = fa.hessian(lambda z: fnp.sum(z ** 4))(x)
        return fnp.sum(H * np.eye(3))

    close(fa.grad(tr_hess)(x), 24 * x)


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
    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    t = np.array([1.0, 0.5, -0.5], dtype=np.float32)
    X = np.arange(6, dtype=np.float32).reshape(2, 3) / 6

    def f(z):
        return fnp.sum(fnp.sin(z) * z * 2.0 + 1.0)

    return [
        ("grad", lambda: [fa.grad(f)(x)]),
        ("grad_scalar", lambda: [fa.grad(fnp.sin)(np.float32(1.0))]),
        ("grad_grad_scalar", lambda: [fa.grad(fa.grad(fnp.sin))(np.float32(1.0))]),
        ("value_and_grad", lambda: list(fa.value_and_grad(f)(x))),
        ("jvp", lambda: list(fa.jvp(lambda z: fnp.exp(z) * 3.0, (x,), (t,)))),
        ("vjp", lambda: (lambda r: [r[0], r[1](t)[0]])(fa.vjp(lambda z: fnp.tanh(z) / 2.0, x))),
        ("linearize", lambda: (lambda r: [r[0], r[1](t)])(fa.linearize(fnp.cos, x))),
        ("jacfwd", lambda: [fa.jacfwd(lambda z: z ** 2)(x)]),
        ("jacrev", lambda: [fa.jacrev(lambda z: z ** 2)(x)]),
        ("hessian", lambda: [fa.hessian(f)(x)]),
        ("hvp", lambda: [fa.hvp(f, (x,), (t,))]),
        ("vmap_grad", lambda: [fa.vmap(fa.grad(f))(X)]),
        ("vmap", lambda: [fa.vmap(lambda z: z * 2.0)(X)]),
        ("grad_mixed_pytree", lambda: list(fa.grad(lambda d: fnp.sum(d["a"] ** 2))(
            {"a": x}).values())),
    ]


@pytest.mark.parametrize("name,thunk", _float32_cases(), ids=[c[0] for c in _float32_cases()])
def test_float32_inputs_give_float32_results(name, thunk):
    for r in thunk():
        assert r.dtype == np.float32, f"{name}: got {r.dtype}"
        assert isinstance(r, (np.ndarray, np.float32))


def test_float32_values_are_correct():
    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    g = fa.grad(lambda z: fnp.sum(fnp.sin(z)))(x)
    close(g, np.cos(x.astype(np.float64)), rtol=1e-6, atol=1e-7)


def _mutation_cases():
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
def test_transforms_do_not_mutate_inputs(name, call, inputs):
    before = copy.deepcopy(inputs)
    results = call(inputs)
    # mutate every result in place: must not reach back into the inputs either
    for leaf in fa.tree_util.tree_leaves(results):
        if isinstance(leaf, np.ndarray) and leaf.flags.writeable:
            leaf += 100.0
    for b, a in zip(fa.tree_util.tree_leaves(before), fa.tree_util.tree_leaves(inputs)):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------
# Robustness
# ---------------------------------------------------------------------------


def test_grad_through_100k_step_python_loop():
    n = 100_000
    c = 1.0 + 1e-6

    def f(x):
        for _ in range(n):
            x = x * c
        return x

    start = time.perf_counter()
    g = fa.grad(f)(1.0)
    elapsed = time.perf_counter() - start
    ref = 1.0
    for _ in range(n):  # d/dx of x*c*c*...*c is the same product of c's
        ref *= c
    close(g, ref, rtol=1e-12)
    assert elapsed < 10.0, f"took {elapsed:.1f} s"


class BoomError(Exception):
    pass


def _raising_calls():
    def bad(x):
        _ = fnp.sin(x) * 2.0  # some traced work before the failure
        raise ERR

    x = np.array([0.5, 1.0])
    return [
        ("grad", lambda: fa.grad(lambda z: fnp.sum(bad(z)))(x)),
        ("value_and_grad", lambda: fa.value_and_grad(lambda z: fnp.sum(bad(z)))(x)),
        ("jvp", lambda: fa.jvp(bad, (x,), (x,))),
        ("vjp", lambda: fa.vjp(bad, x)),
        ("linearize", lambda: fa.linearize(bad, x)),
        ("vmap", lambda: fa.vmap(bad)(x)),
        ("vmap_chunked", lambda: fa.vmap(bad, chunk_size=1)(x)),
        ("jacfwd", lambda: fa.jacfwd(bad)(x)),
        ("jacrev", lambda: fa.jacrev(bad)(x)),
        ("hessian", lambda: fa.hessian(lambda z: fnp.sum(bad(z)))(x)),
        ("grad_grad", lambda: fa.grad(fa.grad(lambda z: bad(z)[0]))(1.0)),
        ("grad_of_vmap", lambda: fa.grad(lambda z: fnp.sum(fa.vmap(bad)(z)))(x)),
        ("vmap_of_grad", lambda: fa.vmap(fa.grad(lambda z: bad(z)))(x)),
        ("nested_inner", lambda: fa.grad(lambda z: z * fa.grad(lambda w: bad(w) * z)(z))(1.0)),
    ]


ERR = BoomError("boom from inside the transformed function")


@pytest.mark.parametrize("name,call", _raising_calls(), ids=[c[0] for c in _raising_calls()])
def test_exception_propagates_unchanged_and_next_call_works(name, call):
    with pytest.raises(BoomError) as info:
        call()
    assert info.value is ERR
    assert fa_trace.current_depth() == 0
    close(fa.grad(fa.grad(fnp.sin))(1.0), -np.sin(1.0))
    close(fa.vmap(fa.grad(fnp.sin))(np.array([0.1, 0.2])), np.cos([0.1, 0.2]))
    assert fa_trace.current_depth() == 0


def _leaking_transforms():
    return [
        ("grad", lambda f: fa.grad(lambda z: fnp.sum(f(z)))(np.array([1.0, 2.0]))),
        ("jvp", lambda f: fa.jvp(f, (np.array([1.0, 2.0]),), (np.array([1.0, 1.0]),))),
        ("vjp", lambda f: fa.vjp(f, np.array([1.0, 2.0]))),
        ("linearize", lambda f: fa.linearize(f, np.array([1.0, 2.0]))),
        ("vmap", lambda f: fa.vmap(f)(np.array([[1.0, 2.0]]))),
        ("jacfwd", lambda f: fa.jacfwd(f)(np.array([1.0, 2.0]))),
        ("jacrev", lambda f: fa.jacrev(f)(np.array([1.0, 2.0]))),
    ]


@pytest.mark.parametrize("name,transform", _leaking_transforms(),
                         ids=[c[0] for c in _leaking_transforms()])
def test_escaped_tracer_raises_escaped_tracer_error(name, transform):
    leaked = []

    def f(z):
        leaked.append(z)
        return fnp.sin(z)

    transform(f)
    assert leaked
    tracer = leaked[-1]
    with pytest.raises(fa.EscapedTracerError):
        tracer * 2.0
    with pytest.raises(fa.EscapedTracerError):
        fnp.sin(tracer)
    with pytest.raises(fa.EscapedTracerError):
        np.array([1.0, 2.0]) + tracer
    # used inside a later transform, in either operand order
    with pytest.raises(fa.EscapedTracerError):
        fa.grad(lambda y: fnp.sum(y * tracer))(np.array([1.0, 2.0]))
    with pytest.raises(fa.EscapedTracerError):
        fa.grad(lambda y: fnp.sum(tracer * y))(np.array([1.0, 2.0]))
    assert fa_trace.current_depth() == 0
    close(fa.grad(fnp.sin)(0.3), np.cos(0.3))


def test_transforms_in_eight_threads_at_once():
    n_threads, n_iter = 8, 15
    barrier = threading.Barrier(n_threads)
    errors: list = []

    def worker(k):
        try:
            barrier.wait()
            r = rng(100 + k)
            for _ in range(n_iter):
                x = r.normal(size=4)
                scale = float(k + 1)
                close(fa.grad(lambda z: scale * fnp.sum(fnp.sin(z)))(x), scale * np.cos(x))
                close(fa.grad(lambda z: z * fa.grad(lambda y: z * y)(1.0))(scale), 2 * scale)
                X = r.normal(size=(3, 4))
                close(fa.vmap(fa.grad(lambda z: fnp.sum(z ** 3) * scale))(X), 3 * scale * X ** 2)
                close(fa.hessian(lambda z: fnp.sum(z ** 3))(x), np.diag(6 * x))
                close(fa.jacrev(lambda z: z * scale)(x), scale * np.eye(4))
                close(fa.jvp(fnp.exp, (x,), (x,))[1], np.exp(x) * x)
                assert fa_trace.current_depth() == 0
        except BaseException as e:  # noqa: BLE001
            errors.append((k, e))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
