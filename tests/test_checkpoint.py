"""checkpoint (remat): values and derivatives equal the plain function's; less memory.

The checkpointed side runs on the backend ``--backend`` names (``sweep_backend``
in ``tests/conftest.py``; NumPy without it): inputs are put there, the
transforms run under the backend's guard (Dask: no computing; CuPy: no copy to
the host), and the results must be that backend's arrays before they are read
back and compared with the plain function's on NumPy.
"""

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


def test_value_and_plain_call(xw, on):
    x, w = xw
    _close(on.run(cblock, *on.put(xw)), block(x, w))
    assert remat is checkpoint


def test_grad(xw, on):
    x, w = xw
    _close(on.run(fa.grad(_loss(cblock), argnums=(0, 1)), *on.put(xw)),
           fa.grad(_loss(block), argnums=(0, 1))(*xw))
    assert x.shape == (3, 4)


def test_vjp(xw, on):
    ct = np.random.default_rng(1).normal(size=(3, 4))
    with on.guard():
        y1, f1 = fa.vjp(cblock, *on.put(xw))
        ct1 = f1(on.put(ct))
    y2, f2 = fa.vjp(block, *xw)
    _close(on.get(y1), y2)
    _close(on.get(ct1), f2(ct))


def test_jvp_is_allowed(xw, on):
    # Unlike a user's custom_vjp, checkpoint has a forward mode: it runs the function.
    rng = np.random.default_rng(2)
    ts = (rng.normal(size=(3, 4)), rng.normal(size=(4, 4)))
    xw_on = on.put(xw)
    _close(on.run(fa.jvp, cblock, xw_on, on.put(ts)), fa.jvp(block, xw, ts))
    _close(on.run(fa.jvp, cblock, xw_on, on.put((ts[0], np.zeros((4, 4))))),
           fa.jvp(block, xw, (ts[0], np.zeros((4, 4)))))


def test_linearize(xw, on):
    t = np.ones((3, 4))
    x_on, w_on = on.put(xw)
    _close(on.run(lambda: fa.linearize(lambda x: cblock(x, w_on), x_on)[1](on.put(t))),
           fa.linearize(lambda x: block(x, xw[1]), xw[0])[1](t))


def test_jacrev_jacfwd_hessian(xw, on):
    xw_on = on.put(xw)
    for transform in (fa.jacrev, fa.jacfwd, fa.hessian):
        _close(on.run(transform(_loss(cblock), argnums=(0, 1)), *xw_on),
               transform(_loss(block), argnums=(0, 1))(*xw))
    _close(on.run(fa.jacrev(cblock), *xw_on), fa.jacrev(block)(*xw))


def test_grad_of_grad(on):
    def scalar(step, ramp, w):
        return lambda s: fnp.sum(step(s * ramp, w) ** 3)

    ramp, w = np.arange(1.0, 4.0), 0.3 * np.eye(3)
    on_ramp, on_w, s = on.put(ramp), on.put(w), on.put(0.7)
    d2 = on.run(fa.grad(fa.grad(scalar(cblock, on_ramp, on_w))), s)
    _close(d2, fa.grad(fa.grad(scalar(block, ramp, w)))(0.7))
    _close(on.run(fa.grad(fa.grad(fa.grad(scalar(cblock, on_ramp, on_w)))), s),
           fa.grad(fa.grad(fa.grad(scalar(block, ramp, w))))(0.7))


def test_vmap(xw, on):
    xs = np.stack([xw[0], xw[0] + 1.0, -xw[0]])
    xs_on, (x_on, w_on) = on.put(xs), on.put(xw)
    _close(on.run(fa.vmap(cblock, (0, None)), xs_on, w_on),
           fa.vmap(block, (0, None))(xs, xw[1]))
    _close(on.run(fa.vmap(fa.grad(_loss(cblock), argnums=(0, 1)), (0, None)), xs_on, w_on),
           fa.vmap(fa.grad(_loss(block), argnums=(0, 1)), (0, None))(xs, xw[1]))
    # Differentiating through a vmapped checkpoint: the recomputation is vmapped too.

    def outer(step, xs):
        return lambda w: fnp.sum(fa.vmap(step, (0, None))(xs, w) ** 2)

    _close(on.run(fa.grad(outer(cblock, xs_on)), w_on), fa.grad(outer(block, xs))(xw[1]))
    ws = np.stack([xw[1], 2.0 * xw[1]], axis=-1)
    _close(on.run(fa.vmap(fa.grad(_loss(cblock), argnums=1), (None, -1)), x_on, on.put(ws)),
           fa.vmap(fa.grad(_loss(block), argnums=1), (None, -1))(xw[0], ws))


def test_nested_checkpoints(xw, on):
    inner = checkpoint(block)
    outer = checkpoint(lambda x, w: inner(inner(x, w), w))
    plain = lambda x, w: block(block(x, w), w)  # noqa: E731
    loss = lambda f: lambda x, w: fnp.sum(f(x, w) ** 2)  # noqa: E731
    xw_on = on.put(xw)
    _close(on.run(fa.grad(loss(outer), argnums=(0, 1)), *xw_on),
           fa.grad(loss(plain), argnums=(0, 1))(*xw))
    _close(on.run(fa.hessian(loss(outer)), *xw_on), fa.hessian(loss(plain))(*xw))
    _close(on.run(fa.jvp, outer, xw_on, xw_on), fa.jvp(plain, xw, xw))


def test_pytrees_and_multiple_outputs(xw, on):
    x, w = xw

    def f(params, inputs):
        h = fnp.tanh(inputs["x"] @ params[0])
        return {"h": h, "s": fnp.sum(h * params[1]), "pair": (h * 2.0, fnp.exp(params[1]))}

    cf = checkpoint(f)
    params, inputs = (w, np.float64(0.3)), {"x": x}
    on_params, on_inputs = on.put(params), {"x": on.put(x)}
    _close(on.run(cf, on_params, on_inputs), f(params, inputs))

    def loss(g):
        def scalar(params, inputs):
            out = g(params, inputs)
            return out["s"] + fnp.sum(out["h"] ** 2) + fnp.sum(out["pair"][0]) * out["pair"][1]

        return scalar

    _close(on.run(fa.grad(loss(cf), argnums=(0, 1)), on_params, on_inputs),
           fa.grad(loss(f), argnums=(0, 1))(params, inputs))
    _close(on.run(fa.jacrev(cf), on_params, on_inputs), fa.jacrev(f)(params, inputs))
    _close(on.run(fa.jacfwd(cf), on_params, on_inputs), fa.jacfwd(f)(params, inputs))


def test_output_independent_of_inputs_and_integer_argument(xw, on):
    def make(ones):
        def f(x, n):
            return x * n, ones

        return f

    f, on_f = make(np.ones(2)), make(on.put(np.ones(2)))
    cf = checkpoint(on_f)
    loss = lambda g: lambda x: fnp.sum(g(x, 3)[0]) + fnp.sum(g(x, 3)[1])  # noqa: E731
    x_on = on.put(xw[0])
    _close(on.run(fa.grad(loss(cf)), x_on), np.full((3, 4), 3.0))
    _close(on.run(fa.grad(loss(cf)), x_on), fa.grad(loss(f))(xw[0]))


def test_static_argnums_and_decorator(xw, on):
    @checkpoint
    def decorated(x, w):
        return block(x, w)

    @checkpoint(static_argnums=(1,))
    def power(x, kind):
        return fnp.sum(fnp.tanh(x) ** 2) if kind == "sq" else fnp.sum(fnp.tanh(x))

    x_on, w_on = on.put(xw)
    _close(on.run(fa.grad(_loss(decorated)), x_on, w_on), fa.grad(_loss(block))(*xw))
    _close(on.run(fa.grad(power), x_on, "sq"),
           fa.grad(lambda x: fnp.sum(fnp.tanh(x) ** 2))(xw[0]))
    _close(on.run(fa.grad(lambda x: power(x, kind="sum")), x_on), 1.0 - np.tanh(xw[0]) ** 2)


def test_float32(on):
    x = np.linspace(-1.0, 1.0, 6, dtype=np.float32).reshape(2, 3)
    w = np.eye(3, dtype=np.float32)
    x_on, w_on = on.put((x, w))
    g = on.run(fa.grad(_loss(cblock), argnums=(0, 1)), x_on, w_on)
    assert all(a.dtype == np.float32 for a in g)
    assert on.run(cblock, x_on, w_on).dtype == np.float32
    _close(g, fa.grad(_loss(block), argnums=(0, 1))(x, w), rtol=1e-6)
    t = on.run(fa.jvp, cblock, (x_on, w_on), (x_on, w_on))[1]
    assert t.dtype == np.float32


def test_bad_arguments(on):
    with pytest.raises(TypeError, match="callable"):
        checkpoint(3)
    with pytest.raises(TypeError, match="policy"):
        checkpoint(block, policy="dots_saveable")
    with pytest.raises(TypeError, match="prevent_cse"):
        checkpoint(block, prevent_cse="yes")
    with pytest.raises(TypeError, match="static_argnums"):
        checkpoint(block, static_argnums=(-1,))
    x, y = on.put((np.ones(2), np.ones(2)))
    with pytest.raises(TypeError, match="positional arguments"), on.guard():
        checkpoint(block, static_argnums=(5,))(x, y)


def test_closure_over_traced_value_gives_the_right_derivatives(on):
    # The checkpointed function closes over w: that call is not checkpointed, and the
    # derivatives stay exact. d/dw sum(x * w**2) = 2 w sum(x).
    x = np.arange(1.0, 4.0)
    x_on, two = on.put(x), on.put(2.0)

    def loss(w):
        return fnp.sum(checkpoint(lambda x: x * w * w)(x_on))

    assert on.run(fa.grad(loss), two) == pytest.approx(4.0 * x.sum(), rel=1e-12)
    assert on.run(fa.grad(fa.grad(loss)), two) == pytest.approx(2.0 * x.sum(), rel=1e-12)
    per_example = on.run(fa.vmap(fa.grad(lambda w, x: fnp.sum(checkpoint(lambda v: v * w)(x))),
                                   in_axes=(None, 0)), two, on.put(np.stack([x, 2 * x])))
    np.testing.assert_allclose(per_example, [x.sum(), 2 * x.sum()], rtol=1e-12)


def test_does_not_mutate_inputs(xw, on):
    x, w = xw
    x0, w0 = x.copy(), w.copy()
    x_on, w_on = on.put(xw)
    on.run(fa.grad(_loss(cblock), argnums=(0, 1)), x_on, w_on)
    np.testing.assert_array_equal(on.get(x_on), x0)
    np.testing.assert_array_equal(on.get(w_on), w0)


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


@pytest.mark.fixed_backend("measures host memory with tracemalloc, which sees NumPy's "
                           "allocations only")
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


def test_vmapped_multiple_outputs_under_grad_and_hessian(on):
    def f(x, n):
        return {"a": fnp.sin(x) * n, "b": (fnp.cos(x) ** 2, x * x)}

    def loss(g):
        def per_row(r):
            out = g(r, 2)
            return out["a"] + out["b"][0] * out["b"][1]

        return lambda x: fnp.sum(fa.vmap(per_row)(x) ** 2)

    x = np.random.default_rng(4).normal(size=(3, 4))
    cf = checkpoint(f)
    x_on = on.put(x)
    _close(on.run(fa.grad(loss(cf)), x_on), fa.grad(loss(f))(x))
    _close(on.run(fa.hessian(loss(cf)), x_on), fa.hessian(loss(f))(x))
    _close(on.run(fa.jvp, loss(cf), (x_on,), (x_on,)), fa.jvp(loss(f), (x,), (x,)))
