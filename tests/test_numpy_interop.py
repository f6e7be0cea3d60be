"""Plain-NumPy code differentiated through NumPy's dispatch protocols.

Each model is written twice: once with ``import numpy as np`` only (the tracer's
``__array_ufunc__``/``__array_function__`` route the calls to funcad.numpy) and once
with funcad.numpy; the transforms of both must agree.

The transforms run on the backend ``--backend`` names (the ``on`` fixture of
``tests/conftest.py``; NumPy without it): the NumPy-written models are called on
traced values whose data are on that backend, so the tracer's protocols must keep
them there. The data the models close over, and the constants they make, are put
on the backend too; the expected values are NumPy's. NumPy's own functions called
on a raw CuPy or Dask array are those libraries' business, not funcad's.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp

RNG = np.random.default_rng(20261206)
X = RNG.normal(size=(6, 3))
Y = (RNG.normal(size=6) > 0).astype(np.float64)
LABELS = np.array([0, 1, 1, 0, 1, 0])
T = np.linspace(-1.0, 1.0, 5)


def _as_is(x):
    return x


def _models(xp, linalg, put=_as_is):
    """The ten models, written against the namespace ``xp`` (NumPy or funcad.numpy).

    ``put`` moves the data the models close over and the constants they make to the
    backend of their inputs (NumPy's constants cannot meet CuPy arrays).
    """
    data, y_data, labels, grid = put((X, Y, LABELS, T))

    def logistic(w):
        z = data @ w[:3]
        return xp.mean(xp.logaddexp(0.0, z) - y_data * z)

    def mlp(w):
        w1, w2 = w[:6].reshape(3, 2), w[6:8]
        h = xp.tanh(data @ w1 + w[8])
        return xp.sum((h @ w2 - y_data) ** 2)

    def gaussian(w):
        a = w[:9].reshape(3, 3)
        cov = a @ a.T + 3.0 * put(xp.eye(3))
        r = w[9:12] - 0.5
        _, logdet = linalg.slogdet(cov)
        return -0.5 * (logdet + r @ linalg.solve(cov, r) + 3 * np.log(2 * np.pi))

    def softmax_xent(w):
        logits = data @ w[:6].reshape(3, 2)
        logits = logits - xp.max(logits, axis=1, keepdims=True)
        logp = logits - xp.log(xp.sum(xp.exp(logits), axis=1, keepdims=True))
        return -xp.mean(xp.take_along_axis(logp, labels[:, None], axis=1))

    def rnn(w):
        w_x, w_h = w[:6].reshape(2, 3), w[6:10].reshape(2, 2)
        h = put(xp.zeros(2))
        for step in range(4):
            h = xp.tanh(w_x @ data[step] + w_h @ h)
        return xp.sum(h**2)

    def polynomial(w):
        return xp.sum(xp.polyval(w[:4], grid) ** 2)

    def ridge(w):
        gram = data.T @ data + xp.exp(w[0]) * put(xp.eye(3))
        beta = linalg.solve(gram, data.T @ (y_data * w[1:7]))
        return xp.sum(beta**2)

    def normalise(w):
        z = (w - xp.mean(w)) / xp.std(w)
        return xp.sum(z**3)

    def bilinear(w):
        return xp.einsum("i,ij,j->", w[9:12], w[:9].reshape(3, 3), w[8:11])

    def smoothness(w):
        path = xp.cumsum(w)
        return xp.sum(xp.diff(path) ** 2) + xp.sum(xp.diff(w, n=2) ** 2)

    return {f.__name__: f for f in (logistic, mlp, gaussian, softmax_xent, rnn, polynomial,
                                    ridge, normalise, bilinear, smoothness)}


PLAIN = _models(np, np.linalg)
FUNCAD = _models(fnp, fnp.linalg)
NAMES = sorted(PLAIN)
W = RNG.normal(size=12)
BATCH = W + 0.1 * RNG.normal(size=(3, 12))


@functools.cache
def _models_on(on):
    """The NumPy-written and the funcad.numpy models with their data on backend ``on``."""
    return _models(np, np.linalg, on.put), _models(fnp, fnp.linalg, on.put)


@pytest.mark.parametrize("name", NAMES)
def test_value_and_grad_match_funcad_numpy(name, on):
    plain_on, ours_on = (models[name] for models in _models_on(on))
    plain, ours = PLAIN[name], FUNCAD[name]
    w = on.put(W)
    np.testing.assert_allclose(plain(W), on.run(ours_on, w), rtol=1e-12)
    np.testing.assert_allclose(on.run(fa.grad(plain_on), w), fa.grad(ours)(W),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_hessian_matches_funcad_numpy(name, on):
    plain_on = _models_on(on)[0][name]
    ours = FUNCAD[name]
    np.testing.assert_allclose(on.run(fa.hessian(plain_on), on.put(W)), fa.hessian(ours)(W),
                               rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name", NAMES)
def test_vmap_grad_matches_funcad_numpy(name, on):
    plain_on = _models_on(on)[0][name]
    plain, ours = PLAIN[name], FUNCAD[name]
    got = on.run(fa.vmap(fa.grad(plain_on)), on.put(BATCH))
    np.testing.assert_allclose(got, fa.vmap(fa.grad(ours))(BATCH), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got[1], fa.grad(plain)(BATCH[1]), rtol=1e-10, atol=1e-12)


def test_gaussian_grad_matches_finite_differences(on):
    f = PLAIN["gaussian"]
    eps = 1e-6
    fd = np.array([(f(W + eps * e) - f(W - eps * e)) / (2 * eps) for e in np.eye(12)])
    got = on.run(fa.grad(_models_on(on)[0]["gaussian"]), on.put(W))
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)


# ufunc methods and keywords.
def _ufunc_methods(w):
    m = w.reshape(3, 4)
    return (np.add.reduce(w) + np.sum(np.multiply.reduce(m, axis=1, keepdims=True) ** 2)
            + np.sum(np.add.accumulate(w) ** 2) + np.sum(np.multiply.accumulate(m, axis=1))
            + np.sum(np.maximum.reduce(m, axis=0)) + np.sum(np.multiply.outer(w[:3], w[3:5]))
            + np.sum(np.subtract.accumulate(w) ** 2) + np.add.reduce(w, axis=None, initial=2.0)
            + np.sum(np.add.reduce(m, axis=(0, 1))) + np.sum(np.multiply(w, w, out=None)))


def _ufunc_methods_reference(w):
    m = w.reshape(3, 4)
    sub_acc = fnp.stack([w[0]] + [w[0] - fnp.sum(w[1:k + 1]) for k in range(1, 12)])
    return (fnp.sum(w) + fnp.sum(fnp.prod(m, axis=1) ** 2) + fnp.sum(fnp.cumsum(w) ** 2)
            + fnp.sum(fnp.cumprod(m, axis=1)) + fnp.sum(fnp.max(m, axis=0))
            + fnp.sum(w[:3, None] * w[3:5]) + fnp.sum(sub_acc**2) + fnp.sum(w) + 2.0
            + fnp.sum(m) + fnp.sum(w * w))


def test_ufunc_methods_and_keywords(on):
    w = W + 2.0  # positive, distinct entries: no ties in maximum.reduce
    w_on = on.put(w)
    np.testing.assert_allclose(_ufunc_methods(w), on.run(_ufunc_methods_reference, w_on),
                               rtol=1e-12)
    np.testing.assert_allclose(on.run(fa.grad(_ufunc_methods), w_on),
                               fa.grad(_ufunc_methods_reference)(w), rtol=1e-10)
    batch = BATCH + 2.0
    np.testing.assert_allclose(on.run(fa.vmap(fa.grad(_ufunc_methods)), on.put(batch)),
                               fa.vmap(fa.grad(_ufunc_methods_reference))(batch), rtol=1e-10)


def test_ufunc_dtype_keyword_keeps_float32(on):
    def f(w):
        return np.sum(np.add(w, 1.0, dtype=np.float32) ** 2)

    w = np.arange(3, dtype=np.float32)
    w_on = on.put(w)
    g = on.run(fa.grad(f), w_on)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * (w + 1))
    g64 = on.run(fa.grad(lambda v: np.sum(np.multiply(v, v, dtype=np.float64))), w_on)
    assert g64.dtype == np.float32


@pytest.mark.parametrize("call, name, hint", [
    (lambda x: np.frexp(x), "numpy.frexp", "fnp.exp"),
    (lambda x: np.nextafter(x, 1.0), "numpy.nextafter", "docs/numpy.md"),
    (lambda x: np.put(x, [0], 1.0), "numpy.put", "fnp.at(x)[idx].set(v)"),
    (lambda x: np.copyto(x, 1.0), "numpy.copyto", "fnp.at(x)[idx].set(v)"),
    (lambda x: np.add.reduceat(x, [0]), "numpy.add.reduceat", "reduce each slice"),
    (lambda x: np.add.at(x, [0], 1.0), "numpy.add.at", "fnp.at(x)[idx].add(v)"),
    (lambda x: np.add(x, 1.0, where=x > 0), "numpy.add with where=", "fnp.where(mask"),
    (lambda x: np.add(x, 1.0, casting="unsafe"), "with casting=", "docs/numpy.md"),
])
def test_unsupported_numpy_call_names_alternative(call, name, hint, on):
    with on.guard(), pytest.raises(TypeError, match="funcad cannot differentiate") as info:
        fa.grad(lambda x: np.sum(call(x)))(on.put(np.ones(3)))
    assert name in str(info.value) and hint in str(info.value)


def test_ufunc_out_argument_is_refused(on):
    out = on.put(np.empty(3))
    with on.guard(), pytest.raises(TypeError, match="out="):
        fa.grad(lambda x: np.sum(np.add(x, 1.0, out=out)))(on.put(np.ones(3)))


# np.asarray / float() of a traced value raise on purpose: under vmap a traced value has
# no single concrete value, and under grad/jvp handing out the primal would silently drop
# the derivative. The messages point to fnp.asarray and fa.stop_gradient.
@pytest.mark.parametrize("transform", [fa.grad, lambda f: fa.vmap(f)])
@pytest.mark.parametrize("convert", [np.asarray, float])
def test_concrete_conversion_is_refused_with_alternatives(transform, convert, on):
    with on.guard(), pytest.raises(TypeError) as info:
        transform(lambda x: convert(x[0] if np.ndim(x) else x) * 1.0)(on.put(np.ones(2)))
    message = str(info.value)
    for part in ("vmap", "derivative", "fnp.asarray", "fa.stop_gradient"):
        assert part in message
