"""Every transform on every backend: results stay on the inputs' backend.

Parametrised by ``backend_name`` (see ``tests/conftest.py``: ``--backend`` or
``FUNCAD_TEST_BACKEND`` picks one; by default every available backend runs).
On Dask, every transform runs under a scheduler that refuses to compute, so
the results are lazy graphs; on CuPy, under a guard that fails on any copy to
the host. The computed results must equal the NumPy backend's.
"""

from __future__ import annotations

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
from tests._backends import ArrayBackend


@pytest.fixture
def be(backend_name):
    return ArrayBackend(backend_name)


def _close(actual, expected):
    for a, e in zip(fa.tree_util.tree_leaves(actual), fa.tree_util.tree_leaves(expected)):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)


def loss(w, X, y):  # noqa: N803 - X: the usual name of a design matrix
    """A small network's loss touching the families the backends must run."""
    hidden = fnp.tanh(X @ w[:, :3])
    mixed = fnp.einsum("ij,jk->ik", hidden, w[:3, 3:].T)
    out = fnp.sum(mixed, axis=1) + fnp.max(hidden, axis=1) * fnp.mean(w)
    resid = fnp.where(out > y, out - y, 0.5 * (y - out))
    stacked = fnp.reshape(fnp.transpose(fnp.stack([resid, out])), (-1,))
    return fnp.sum(stacked[::2] ** 2) + fnp.sum(fnp.exp(-fnp.abs(fnp.tensordot(w, w, 2))))


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(4, 6)), rng.normal(size=(8, 4)), rng.normal(size=8)


def test_grad_and_value_and_grad(be):
    w, X, y = _data()  # noqa: N806
    expected = fa.value_and_grad(loss, argnums=(0, 1))(w, X, y)
    with be.guard():
        got = fa.value_and_grad(loss, argnums=(0, 1))(be.put(w), be.put(X), be.put(y))
    _close(be.get(got), expected)


def test_jvp_vjp_and_linearize(be):
    w, X, y = _data(1)  # noqa: N806
    t = np.random.default_rng(2).normal(size=w.shape)
    f = lambda w: fnp.tanh(X @ w[:, :3]) * 2.0  # noqa: E731
    expected_jvp = fa.jvp(f, (w,), (t,))
    expected_ct = fa.vjp(f, w)[1](np.ones((8, 3)))
    expected_lin = fa.linearize(f, w)[1](t)
    g = lambda w: fnp.tanh(be.put(X) @ w[:, :3]) * 2.0  # noqa: E731
    with be.guard():
        jvp_out = fa.jvp(g, (be.put(w),), (be.put(t),))
        _, f_vjp = fa.vjp(g, be.put(w))
        ct = f_vjp(be.put(np.ones((8, 3))))
        _, f_lin = fa.linearize(g, be.put(w))
        lin = f_lin(be.put(t))
    _close(be.get(jvp_out), expected_jvp)
    _close(be.get(ct), expected_ct)
    _close(be.get(lin), expected_lin)


def test_vmap_and_per_example_gradients(be):
    w, X, y = _data(3)  # noqa: N806

    def example_loss(w, x, y):
        return (fnp.sum(fnp.tanh(x @ w)) - y) ** 2

    per_example = fa.vmap(fa.grad(example_loss), in_axes=(None, 0, 0))
    expected = per_example(w, X, y)
    with be.guard():
        got = per_example(be.put(w), be.put(X), be.put(y))
    _close(be.get(got), expected)


def test_jacobians_and_hessian(be):
    x = np.random.default_rng(4).normal(size=5)

    def f(x):
        return fnp.sin(x) * fnp.sum(x ** 2) + fnp.cumsum(x)

    def scalar(x):
        return fnp.sum(fnp.exp(x) * x[::-1]) + fnp.prod(fnp.cos(x))

    expected = (fa.jacfwd(f)(x), fa.jacrev(f)(x), fa.hessian(scalar)(x),
                fa.hvp(scalar, (x,), (x,)))
    with be.guard():
        bx = be.put(x)
        got = (fa.jacfwd(f)(bx), fa.jacrev(f)(bx), fa.hessian(scalar)(bx),
               fa.hvp(scalar, (bx,), (bx,)))
    _close(be.get(got), expected)


def test_second_order_nesting(be):
    x = np.random.default_rng(5).uniform(0.5, 1.5, size=4)
    f = lambda x: fnp.sum(fnp.log(x) * x ** 3)  # noqa: E731
    expected = fa.grad(lambda x: fnp.sum(fa.grad(f)(x) ** 2))(x)
    with be.guard():
        got = fa.grad(lambda x: fnp.sum(fa.grad(f)(x) ** 2))(be.put(x))
    _close(be.get(got), expected)


def test_float32_stays_float32(be):
    x = np.random.default_rng(6).normal(size=(3, 4)).astype(np.float32)
    f = lambda x: fnp.sum(fnp.tanh(x) @ x.T)  # noqa: E731
    with be.guard():
        g = fa.grad(f)(be.put(x))
    assert g.dtype == np.float32
    np.testing.assert_allclose(be.get(g), fa.grad(f)(x), rtol=1e-5)


def test_creation_follows_the_default_backend(be):
    before = fa.backend.default().name
    fa.backend.set_default(be.name)
    try:
        with be.guard():
            z = fnp.zeros((2, 3))
            o = fnp.ones_like(z)
            e = fnp.eye(3)
        assert isinstance(z, be.array_type) and isinstance(o, be.array_type)
        _close(be.get((z, o, e)), (np.zeros((2, 3)), np.ones((2, 3)), np.eye(3)))
    finally:
        fa.backend.set_default(before)


def test_custom_rules_checkpoint_and_stop_gradient(be):
    @fa.custom_jvp
    def softplus(x):
        return fnp.log1p(fnp.exp(x))

    @softplus.defjvp
    def softplus_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return softplus(x), t / (1.0 + fnp.exp(-x))

    @fa.custom_vjp
    def clipped(x):
        return fnp.tanh(x)

    def clipped_fwd(x):
        y = fnp.tanh(x)
        return y, y

    def clipped_bwd(y, g):
        return (fnp.clip(g * (1.0 - y * y), -0.1, 0.1),)

    clipped.defvjp(clipped_fwd, clipped_bwd)

    def f(x):
        inner = fa.checkpoint(lambda v: fnp.sin(v) * softplus(v))
        return fnp.sum(inner(x) + clipped(x) * fa.stop_gradient(x) ** 2)

    x = np.random.default_rng(7).normal(size=6)
    second = fa.jacrev(fa.grad(f))  # custom_vjp has no forward rule: reverse over reverse
    expected = (fa.grad(f)(x), second(x))
    with be.guard():
        got = (fa.grad(f)(be.put(x)), second(be.put(x)))
    _close(be.get(got), expected)


def test_pytree_arguments_and_results(be):
    params = {"w": np.random.default_rng(8).normal(size=(3, 2)), "b": np.array([0.5, -1.0])}
    x = np.random.default_rng(9).normal(size=(4, 3))

    def loss(p, x):
        out = fnp.tanh(x @ p["w"] + p["b"])
        return {"mean": fnp.mean(out), "parts": (fnp.sum(out ** 2), fnp.max(out))}

    def total(p, x):
        out = loss(p, x)
        return out["mean"] + out["parts"][0] - out["parts"][1]

    on = {k: be.put(v) for k, v in params.items()}
    expected = (fa.grad(total)(params, x), fa.jacrev(loss)(params, x))
    with be.guard():
        got = (fa.grad(total)(on, be.put(x)), fa.jacrev(loss)(on, be.put(x)))
    _close(be.get(got), expected)


def test_check_grads_runs_on_the_backend(be):
    """``check_grads`` reads values through the backend's one explicit transfer."""
    x = be.put(np.random.default_rng(10).uniform(0.5, 1.5, size=5))
    fa.check_grads(lambda v: fnp.sum(fnp.log(v) * fnp.sin(v)), (x,), order=2)
    wrong = fa.custom_jvp(lambda v: fnp.sin(v))
    wrong.defjvp(lambda primals, tangents: (fnp.sin(primals[0]), 2.0 * tangents[0]))
    with pytest.raises(AssertionError, match="check_grads: fwd-mode"):
        fa.check_grads(wrong, (x,), order=1)


def test_vmap_outputs_made_of_numbers_join_the_backend(be):
    x = np.array([1.0, 2.0, 3.0])
    with be.guard():
        out = fa.vmap(lambda v: (v * 2.0, -1.0, 3))(be.put(x))
    doubled, minus_one, three = be.get(out)
    _close((doubled, minus_one), (2.0 * x, np.full(3, -1.0)))
    np.testing.assert_array_equal(three, [3, 3, 3])
