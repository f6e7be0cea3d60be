"""The CuPy backend on a CUDA device: results stay on the GPU, no hidden host copies.

Every test here is skipped, with the reason, where CuPy is not installed or no
CUDA device is present (``cupy.cuda.runtime.getDeviceCount()``); on a machine
with a GPU they all run. ``tests/test_cupy_standin.py`` also runs them on a
NumPy-backed stand-in for CuPy (``tests/cupy_standin``), which follows CuPy's
rules without a GPU. Copies to the host are caught by patching
``cupy.ndarray.get`` and ``cupy.ndarray.__array__`` to raise.

The sweep at the end runs every row of ``op_specs`` on CuPy arrays (value, JVP
and VJP against the NumPy backend). It is strict: a row must pass unless
``CUPY_UNSUPPORTED`` lists it, and a listed row must fail in the listed way:

* ``mixing``: the row itself puts a NumPy array next to CuPy data (a constant
  it closes over); the contract is a ``TypeError`` naming both;
* ``missing``: CuPy lacks a function the row needs: ``NotOnDeviceError``.

``python -m tests.test_backend_cupy --table`` prints the rows that fail now.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

from tests.conftest import backend_skip_reason

_REASON = backend_skip_reason("cupy")
pytestmark = [
    pytest.mark.skipif(_REASON is not None, reason=f"CuPy backend: {_REASON}"),
    pytest.mark.fixed_backend("tests the CuPy backend itself, on CuPy whatever --backend says"),
    pytest.mark.cupy_backend,
]

if _REASON is None:
    import cupy

import funcad as fa  # noqa: E402
import funcad.numpy as fnp  # noqa: E402
from funcad.backend import NotOnDeviceError  # noqa: E402
from tests._backends import HostTransferError, no_host_transfer  # noqa: E402
from tests.op_specs import ROW_KEYS, ROWS, draw  # noqa: E402
from tests.test_sweep import _like, _rng  # noqa: E402

# Rows that fail on CuPy by contract: key -> (kind, reason); see the module docstring.
CUPY_UNSUPPORTED: dict[str, tuple[str, str]] = {
    'where#0': ("mixing", "the row's condition is a NumPy array (np.arange(12) % 3 == 0)"),
    'heaviside#0': ("mixing", "the row's x1 (steps) is a NumPy array"),
    'ldexp#0': ("mixing", "the row's exponents are a NumPy array"),
    'gradient#10': ("mixing", "the row's coordinates are a NumPy array (data: the result depends on them)"),
    'interp#2': ("mixing", "the row's knots are a NumPy array"),
    'interp#3': ("mixing", "the row's knot values are a NumPy array"),
    'polyfit#2': ("mixing", "the row's x is a NumPy array"),
    'isclose#0': ("mixing", 'the row adds a NumPy array (near) to a CuPy one'),
    'histogram#0': ("mixing", "the row's sample is a NumPy array, its weights CuPy"),
    'histogram#1': ("mixing", "the row's sample is a NumPy array, its weights CuPy"),
    'histogram#2': ("mixing", "the row's sample is a NumPy array, its weights CuPy"),
    'histogram#3': ("mixing", "the row's sample is a NumPy array, its weights CuPy"),
    'histogram2d#0': ("mixing", "the row's sample is a NumPy array, its weights CuPy"),
    'histogramdd#0': ("mixing", "the row's sample is a NumPy array, its weights CuPy"),
    'histogramdd#1': ("mixing", "the row's sample is a NumPy array, its weights CuPy"),
    'stats.dirichlet.logpdf#1': ("mixing", "the row's x is a NumPy array next to a CuPy alpha"),
    'stats.dirichlet.pdf#1': ("mixing", "the row's x is a NumPy array next to a CuPy alpha"),
    'stats.multivariate_normal.logpdf#0': ("mixing", 'the row adds fnp.eye(3), made on the default (NumPy) backend'),
    'stats.multivariate_normal.pdf#0': ("mixing", 'the row adds fnp.eye(3), made on the default (NumPy) backend'),
    'stats.multivariate_normal.cdf#2': ("mixing", 'the row builds its covariance with fnp.eye(2), made on the default (NumPy) backend'),
    'stats.multivariate_normal.cdf#3': ("mixing", 'the row builds its covariance with fnp.eye(2), made on the default (NumPy) backend'),
    'stats.multivariate_normal.cdf#5': ("mixing", 'the row builds its covariance with fnp.eye(2), made on the default (NumPy) backend'),
    'stats.multivariate_normal.cdf#6': ("mixing", 'the row builds its covariance with fnp.eye(2), made on the default (NumPy) backend'),
    'stats.multivariate_normal.cdf#7': ("mixing", 'the row builds its covariance with fnp.eye(2), made on the default (NumPy) backend'),
    'stats.multivariate_normal.cdf#8': ("mixing", 'the row builds its covariance with fnp.eye(2), made on the default (NumPy) backend'),
    'stats.multivariate_normal.cdf#9': ("mixing", 'the row builds its covariance with fnp.eye(2), made on the default (NumPy) backend'),
    'stats.multivariate_normal.cdf#10': ("mixing", 'the row builds its covariance with fnp.eye(2), made on the default (NumPy) backend'),
    'stats.multivariate_normal.logcdf#1': ("mixing", 'the row builds its covariance with fnp.eye(2), made on the default (NumPy) backend'),
    'stats.multivariate_normal.logcdf#2': ("mixing", 'the row builds its covariance with fnp.eye(2), made on the default (NumPy) backend'),
    'stats.multivariate_normal.logcdf#3': ("mixing", 'the row builds its covariance with fnp.eye(2), made on the default (NumPy) backend'),
    'stats.multivariate_normal.logcdf#4': ("mixing", 'the row builds its covariance with fnp.eye(2), made on the default (NumPy) backend'),
    'stats.multivariate_normal.logcdf#5': ("mixing", 'the row builds its covariance with fnp.eye(2), made on the default (NumPy) backend'),
}


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(5, 4)), rng.normal(size=(7, 5))


def _net(w, X):  # noqa: N803
    h = fnp.tanh(X @ w)
    return fnp.sum(fnp.einsum("ij,ij->i", h, h)) + fnp.sum(fnp.exp(-w ** 2)) * fnp.mean(X[1:])


def _on_device(x) -> bool:
    return isinstance(x, cupy.ndarray)


def test_the_guard_catches_a_host_copy():
    x = cupy.ones(3)
    with no_host_transfer():
        with pytest.raises(HostTransferError):
            x.get()
        with pytest.raises(HostTransferError):
            np.asarray(x)
        with pytest.raises(HostTransferError):
            x.tolist()
        # One value read (a synchronisation, through a 0-d get) is let through.
        assert float(x[0]) == 1.0 and bool(x.sum() == 3.0)


def test_transforms_never_copy_to_the_host():
    w, X = _data()  # noqa: N806
    gw, gX = cupy.asarray(w), cupy.asarray(X)  # noqa: N806
    t = cupy.asarray(np.random.default_rng(1).normal(size=w.shape))
    with no_host_transfer():
        g = fa.grad(_net, argnums=(0, 1))(gw, gX)
        y, y_dot = fa.jvp(lambda w: _net(w, gX), (gw,), (t,))
        _, f_vjp = fa.vjp(lambda w: fnp.tanh(gX @ w), gw)
        (ct,) = f_vjp(cupy.ones((7, 4)))
        per_row = fa.vmap(fa.grad(lambda w, x: fnp.sum(fnp.tanh(x @ w))), in_axes=(None, 0))(
            gw, gX)
        hess = fa.hessian(lambda v: fnp.sum(fnp.sin(v) * v[::-1] ** 2))(gw[:, 0])
        jac = fa.jacfwd(lambda v: fnp.cumsum(v * v))(gw[:, 0])
    for out in (*g, y, y_dot, ct, per_row, hess, jac):
        assert _on_device(out), type(out)
    np.testing.assert_allclose(g[0].get(), fa.grad(_net)(w, X), rtol=1e-10)
    np.testing.assert_allclose(y_dot.get(), fa.jvp(lambda w: _net(w, X), (w,),
                                                   (t.get(),))[1], rtol=1e-10)
    np.testing.assert_allclose(hess.get(), fa.hessian(
        lambda v: fnp.sum(fnp.sin(v) * v[::-1] ** 2))(w[:, 0]), rtol=1e-10)


def test_mixing_numpy_and_cupy_names_both():
    with pytest.raises(TypeError, match="cannot mix (numpy and cupy|cupy and numpy) arrays"):
        fnp.add(np.ones(3), cupy.ones(3))
    with pytest.raises(TypeError, match=r"x.get\(\)"):
        fa.grad(lambda x: fnp.sum(x * np.ones(3)))(cupy.ones(3))


def test_einsum_runs_through_opt_einsum_on_the_device():
    a, b = cupy.ones((3, 4)), cupy.arange(8.0).reshape(4, 2)
    with no_host_transfer():
        out = fnp.einsum("ij,jk->ik", a, b)
        direct = fa.backend.of(a).einsum("ij,jk->ik", a, b)
    assert _on_device(out) and _on_device(direct)
    np.testing.assert_allclose(out.get(), np.ones((3, 4)) @ np.arange(8.0).reshape(4, 2))


def test_default_backend_cupy_creates_on_the_device():
    before = fa.backend.default().name
    fa.backend.set_default("cupy")
    try:
        assert _on_device(fnp.zeros(3)) and _on_device(fnp.eye(2))
        assert _on_device(fa.grad(lambda x: x ** 2)(3.0))
    finally:
        fa.backend.set_default(before)


def test_outputs_are_owned_and_float32_stays():
    x = cupy.asarray(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    y, t = fa.jvp(lambda x: x, (x,), (x,))
    assert not cupy.may_share_memory(y, x) and not cupy.may_share_memory(t, x)
    g = fa.grad(lambda x: fnp.sum(x ** 2))(x)
    assert g.dtype == np.float32


def test_scipy_parameters_join_the_device():
    """Integer orders and counts, lists and Python numbers go to the device with the data."""
    from funcad.scipy import special
    from funcad.scipy.stats import bernoulli, poisson
    from funcad.scipy.stats import multivariate_normal as mvn

    rng = np.random.default_rng(7)
    a = rng.normal(size=(3, 3))
    cov, x, m = a @ a.T + np.eye(3), rng.normal(size=(4, 3)), rng.normal(size=3)
    gcov, gx, gm = cupy.asarray(cov), cupy.asarray(x), cupy.asarray(m)
    mu, p, s = np.array([1.0, 2.0, 3.0]), np.array([0.3, 0.6]), np.array([0.5, 1.5])
    gmu, gp, gs = cupy.asarray(mu), cupy.asarray(p), cupy.asarray(s)

    def cdf_grad(c, x, m):
        return fa.grad(lambda c: fnp.sum(mvn.cdf(x, m, c)))(c)

    def limited_cdf_grad(x, m, c):
        return fa.grad(lambda x: fnp.sum(mvn.cdf(x, m, c, lower_limit=[-1.0] * 3)))(x)

    def shape_grads(s):
        return (fa.grad(lambda a: fnp.sum(special.gammainc(a, 1.5)))(s),
                fa.grad(lambda a: fnp.sum(special.betainc(a, 2.0, 0.3)))(s))

    cases = [
        (cdf_grad, (gcov, gx, gm), (cov, x, m)),
        (lambda x: mvn.logpdf(x[:, 0], cov=1), (gx,), (x,)),
        (lambda x: mvn.logpdf(x, [0.0, 0.0, 0.0], 2.0), (gx,), (x,)),
        (limited_cdf_grad, (gx, gm, gcov), (x, m, cov)),
        (lambda s: special.polygamma([1, 2], s), (gs,), (s,)),
        (lambda s: fa.jacfwd(lambda v: special.polygamma(np.array([0, 1]), v))(s), (gs,), (s,)),
        (lambda mu: fa.grad(lambda mu: fnp.sum(poisson.logpmf([0, 1, 3], mu)))(mu),
         (gmu,), (mu,)),
        (lambda mu: fa.vmap(lambda mu: poisson.cdf(np.array([0, 1, 3]), mu))(mu[None]),
         (gmu,), (mu,)),
        (lambda p: fa.grad(lambda p: fnp.sum(bernoulli.logcdf(np.array([0, 1]), p)))(p),
         (gp,), (p,)),
        (shape_grads, (gs,), (s,)),
    ]
    for f, on_device, on_host in cases:
        with no_host_transfer():
            got = f(*on_device)
        for g, e in zip(fa.tree_util.tree_leaves(got), fa.tree_util.tree_leaves(f(*on_host))):
            assert _on_device(g), type(g)
            np.testing.assert_allclose(g.get(), e, rtol=1e-10, atol=1e-12)


# The sweep ---------------------------------------------------------------------


def _check_row(row):
    rng = _rng(row)
    xs = draw(row, rng)
    put = [cupy.asarray(x) for x in xs]
    with no_host_transfer():
        out = row.fun(*put)
    assert _on_device(out), type(out)
    np.testing.assert_allclose(out.get(), row.fun(*xs), rtol=1e-9, atol=1e-11)
    if not row.differentiable:
        return
    us = [_like(rng, x).astype(x.dtype) if x.dtype.kind in "fc" else _like(rng, x) for x in xs]
    v = _like(rng, np.asarray(out.get()))
    with no_host_transfer():
        _, y_dot = fa.jvp(row.fun, tuple(put), tuple(cupy.asarray(u) for u in us))
        cts = fa.vjp(row.fun, *put)[1](cupy.asarray(v.astype(out.dtype)))
    np.testing.assert_allclose(y_dot.get(), fa.jvp(row.fun, tuple(xs), tuple(us))[1],
                               rtol=1e-9, atol=1e-11)
    for ct, expected in zip(cts, fa.vjp(row.fun, *xs)[1](v.astype(out.dtype))):
        np.testing.assert_allclose(ct.get(), expected, rtol=1e-9, atol=1e-11)


_FAILURES = {"mixing": TypeError, "missing": NotOnDeviceError}


def _fails_as_listed(key, error) -> bool:
    kind, _ = CUPY_UNSUPPORTED[key]
    if kind == "mixing":
        message = str(error)
        return isinstance(error, TypeError) and (
            "cannot mix" in message or "numpy.ndarray" in message)
    return isinstance(error, _FAILURES[kind])


@pytest.mark.parametrize("row,key", list(zip(ROWS, ROW_KEYS)), ids=ROW_KEYS)
def test_row_on_cupy(row, key):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            _check_row(row)
        except Exception as error:  # noqa: BLE001 - a listed row must fail as listed
            if key in CUPY_UNSUPPORTED and _fails_as_listed(key, error):
                return
            raise
    assert key not in CUPY_UNSUPPORTED, f"{key} now works on CuPy: remove it from the table"


def test_table_names_rows_that_exist():
    assert not sorted(set(CUPY_UNSUPPORTED) - set(ROW_KEYS))
    assert {kind for kind, _ in CUPY_UNSUPPORTED.values()} <= set(_FAILURES)


def _failing_rows():
    failing = {}
    for row, key in zip(ROWS, ROW_KEYS):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                _check_row(row)
            except Exception as error:  # noqa: BLE001
                failing[key] = f"{type(error).__name__}: {error}"[:160]
    return failing


if __name__ == "__main__":
    if "--table" in sys.argv:
        if _REASON is not None:
            sys.exit(f"CuPy backend: {_REASON}")
        for key, reason in _failing_rows().items():
            print(f"    {key!r}: {reason!r},")
