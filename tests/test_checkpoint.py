"""checkpoint (remat): values and derivatives equal the plain function's; less memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
from funcad import tree_util
from funcad.transforms.checkpoint import checkpoint, remat

RTOL = 1e-12


def _close(a, b, rtol=RTOL):
    la, lb = tree_util.tree_leaves(a), tree_util.tree_leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb):
        assert np.shape(x) == np.shape(y)
        assert np.asarray(x).dtype == np.asarray(y).dtype
        np.testing.assert_allclose(x, y, rtol=rtol, atol=1e-13)


def block(x, w):
    """A few nonlinear operations whose intermediates checkpointing drops."""
    h = fnp.tanh(x @ w)
    return fnp.sin(h) * h + x


cblock = checkpoint(block)


def _loss(step):
    def loss(x, w):
        return fnp.sum(step(step(x, w), w) ** 2)

    return loss


@pytest.fixture
def xw():
    rng = np.random.default_rng(0)
    return rng.normal(size=(3, 4)), 0.5 * rng.normal(size=(4, 4))


def test_value_and_plain_call(xw):
    x, w = xw
    _close(cblock(x, w), block(x, w))
    assert remat is checkpoint


def test_grad(xw):
    x, w = xw
    _close(fa.grad(_loss(cblock), argnums=(0, 1))(*xw), fa.grad(_loss(block), argnums=(0, 1))(*xw))
    assert x.shape == (3, 4)


def test_vjp(xw):
    ct = np.random.default_rng(1).normal(size=(3, 4))
    y1, f1 = fa.vjp(cblock, *xw)
    y2, f2 = fa.vjp(block, *xw)
    _close(y1, y2)
    _close(f1(ct), f2(ct))


def test_jvp_is_allowed(xw):
    # Unlike a user's custom_vjp, checkpoint has a forward mode: it runs the function.
    rng = np.random.default_rng(2)
    ts = (rng.normal(size=(3, 4)), rng.normal(size=(4, 4)))
    _close(fa.jvp(cblock, xw, ts), fa.jvp(block, xw, ts))
    _close(fa.jvp(cblock, xw, (ts[0], np.zeros((4, 4)))), fa.jvp(block, xw, (ts[0], np.zeros((4, 4)))))


def test_linearize(xw):
    t = np.ones((3, 4))
    _close(fa.linearize(lambda x: cblock(x, xw[1]), xw[0])[1](t),
           fa.linearize(lambda x: block(x, xw[1]), xw[0])[1](t))


def test_jacrev_jacfwd_hessian(xw):
    for transform in (fa.jacrev, fa.jacfwd, fa.hessian):
        _close(transform(_loss(cblock), argnums=(0, 1))(*xw),
               transform(_loss(block), argnums=(0, 1))(*xw))
    _close(fa.jacrev(cblock)(*xw), fa.jacrev(block)(*xw))


def test_grad_of_grad():
    def scalar(step):
        return lambda s: fnp.sum(step(s * np.arange(1.0, 4.0), 0.3 * np.eye(3)) ** 3)

    d2 = fa.grad(fa.grad(scalar(cblock)))(0.7)
    _close(d2, fa.grad(fa.grad(scalar(block)))(0.7))
    _close(fa.grad(fa.grad(fa.grad(scalar(cblock))))(0.7),
           fa.grad(fa.grad(fa.grad(scalar(block))))(0.7))


def test_vmap(xw):
    xs = np.stack([xw[0], xw[0] + 1.0, -xw[0]])
    _close(fa.vmap(cblock, (0, None))(xs, xw[1]), fa.vmap(block, (0, None))(xs, xw[1]))
    _close(fa.vmap(fa.grad(_loss(cblock), argnums=(0, 1)), (0, None))(xs, xw[1]),
           fa.vmap(fa.grad(_loss(block), argnums=(0, 1)), (0, None))(xs, xw[1]))
    # Differentiating through a vmapped checkpoint: the recomputation is vmapped too.

    def outer(step):
        return lambda w: fnp.sum(fa.vmap(step, (0, None))(xs, w) ** 2)

    _close(fa.grad(outer(cblock))(xw[1]), fa.grad(outer(block))(xw[1]))
    ws = np.stack([xw[1], 2.0 * xw[1]], axis=-1)
    _close(fa.vmap(fa.grad(_loss(cblock), argnums=1), (None, -1))(xw[0], ws),
           fa.vmap(fa.grad(_loss(block), argnums=1), (None, -1))(xw[0], ws))


def test_nested_checkpoints(xw):
    inner = checkpoint(block)
    outer = checkpoint(lambda x, w: inner(inner(x, w), w))
    plain = lambda x, w: block(block(x, w), w)  # noqa: E731
    loss = lambda f: lambda x, w: fnp.sum(f(x, w) ** 2)  # noqa: E731
    _close(fa.grad(loss(outer), argnums=(0, 1))(*xw), fa.grad(loss(plain), argnums=(0, 1))(*xw))
    _close(fa.hessian(loss(outer))(*xw), fa.hessian(loss(plain))(*xw))
    _close(fa.jvp(outer, xw, xw), fa.jvp(plain, xw, xw))


def test_pytrees_and_multiple_outputs(xw):
    x, w = xw

    def f(params, inputs):
        h = fnp.tanh(inputs["x"] @ params[0])
        return {"h": h, "s": fnp.sum(h * params[1]), "pair": (h * 2.0, fnp.exp(params[1]))}

    cf = checkpoint(f)
    params, inputs = (w, np.float64(0.3)), {"x": x}
    _close(cf(params, inputs), f(params, inputs))

    def loss(g):
        def scalar(params, inputs):
            out = g(params, inputs)
            return out["s"] + fnp.sum(out["h"] ** 2) + fnp.sum(out["pair"][0]) * out["pair"][1]

        return scalar

    _close(fa.grad(loss(cf), argnums=(0, 1))(params, inputs),
           fa.grad(loss(f), argnums=(0, 1))(params, inputs))
    _close(fa.jacrev(cf)(params, inputs), fa.jacrev(f)(params, inputs))
    _close(fa.jacfwd(cf)(params, inputs), fa.jacfwd(f)(params, inputs))


def test_output_independent_of_inputs_and_integer_argument(xw):
    def f(x, n):
        return x * n, np.ones(2)

    cf = checkpoint(f)
    loss = lambda g: lambda x: fnp.sum(g(x, 3)[0]) + fnp.sum(g(x, 3)[1])  # noqa: E731
    _close(fa.grad(loss(cf))(xw[0]), np.full((3, 4), 3.0))
    _close(fa.grad(loss(cf))(xw[0]), fa.grad(loss(f))(xw[0]))


def test_static_argnums_and_decorator(xw):
    @checkpoint
    def decorated(x, w):
        return block(x, w)

    @checkpoint(static_argnums=(1,))
    def power(x, kind):
        return fnp.sum(fnp.tanh(x) ** 2) if kind == "sq" else fnp.sum(fnp.tanh(x))

    _close(fa.grad(_loss(decorated))(*xw), fa.grad(_loss(block))(*xw))
    _close(fa.grad(power)(xw[0], "sq"), fa.grad(lambda x: fnp.sum(fnp.tanh(x) ** 2))(xw[0]))
    _close(fa.grad(lambda x: power(x, kind="sum"))(xw[0]), 1.0 - np.tanh(xw[0]) ** 2)


def test_float32():
    x = np.linspace(-1.0, 1.0, 6, dtype=np.float32).reshape(2, 3)
    w = np.eye(3, dtype=np.float32)
    g = fa.grad(_loss(cblock), argnums=(0, 1))(x, w)
    assert all(a.dtype == np.float32 for a in g)
    assert cblock(x, w).dtype == np.float32
    _close(g, fa.grad(_loss(block), argnums=(0, 1))(x, w), rtol=1e-6)
    t = fa.jvp(cblock, (x, w), (x, w))[1]
    assert t.dtype == np.float32


def test_bad_arguments():
    with pytest.raises(TypeError, match="callable"):
        checkpoint(3)
    with pytest.raises(TypeError, match="policy"):
        checkpoint(block, policy="dots_saveable")
    with pytest.raises(TypeError, match="prevent_cse"):
        checkpoint(block, prevent_cse="yes")
    with pytest.raises(TypeError, match="static_argnums"):
        checkpoint(block, static_argnums=(-1,))
    with pytest.raises(TypeError, match="positional arguments"):
        checkpoint(block, static_argnums=(5,))(np.ones(2), np.ones(2))


def test_closure_over_traced_value_gives_the_right_derivatives():
    # The checkpointed function closes over w: that call is not checkpointed, and the
    # derivatives stay exact. d/dw sum(x * w**2) = 2 w sum(x).
    x = np.arange(1.0, 4.0)

    def loss(w):
        return fnp.sum(checkpoint(lambda x: x * w * w)(x))

    assert fa.grad(loss)(2.0) == pytest.approx(4.0 * x.sum(), rel=1e-12)
    assert fa.grad(fa.grad(loss))(2.0) == pytest.approx(2.0 * x.sum(), rel=1e-12)
    per_example = fa.vmap(fa.grad(lambda w, x: fnp.sum(checkpoint(lambda v: v * w)(x))),
                          in_axes=(None, 0))(2.0, np.stack([x, 2 * x]))
    np.testing.assert_allclose(per_example, [x.sum(), 2 * x.sum()], rtol=1e-12)


def test_does_not_mutate_inputs(xw):
    x, w = xw
    x0, w0 = x.copy(), w.copy()
    fa.grad(_loss(cblock), argnums=(0, 1))(x, w)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(w, w0)


# Memory: a deep MLP, each layer checkpointed. ---------------------------------


def _layer(x, w, b):
    return fnp.tanh(x @ w + b)


def _mlp_loss(step):
    def loss(params, x):
        for w, b in params:
            x = step(x, w, b)
        return fnp.sum(x * x)

    return loss


def _peak(fun, *args) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fun(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


def test_checkpointing_lowers_peak_memory():
    # 50 layers, width 256, batch 256. The weights' gradients (25 MiB) are kept
    # either way; the batch is large enough that the activations, which
    # checkpointing drops, dominate the rest (measured ratio 0.53).
    rng = np.random.default_rng(3)
    width, batch = 256, 256
    params = [(rng.normal(size=(width, width)) / 16.0, 0.1 * rng.normal(size=width))
              for _ in range(50)]
    x = rng.normal(size=(batch, width))
    plain = fa.grad(_mlp_loss(_layer))
    remat_grad = fa.grad(_mlp_loss(checkpoint(_layer)))
    _close(remat_grad(params, x), plain(params, x))
    mem_plain = _peak(plain, params, x)
    mem_remat = _peak(remat_grad, params, x)
    assert mem_remat < 0.6 * mem_plain, (mem_remat, mem_plain)


def test_vmapped_multiple_outputs_under_grad_and_hessian():
    def f(x, n):
        return {"a": fnp.sin(x) * n, "b": (fnp.cos(x) ** 2, x * x)}

    def loss(g):
        def per_row(r):
            out = g(r, 2)
            return out["a"] + out["b"][0] * out["b"][1]

        return lambda x: fnp.sum(fa.vmap(per_row)(x) ** 2)

    x = np.random.default_rng(4).normal(size=(3, 4))
    cf = checkpoint(f)
    _close(fa.grad(loss(cf))(x), fa.grad(loss(f))(x))
    _close(fa.hessian(loss(cf))(x), fa.hessian(loss(f))(x))
    _close(fa.jvp(loss(cf), (x,), (x,)), fa.jvp(loss(f), (x,), (x,)))
