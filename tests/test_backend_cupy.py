"""The CuPy backend on a CUDA device: results stay on the GPU, no hidden host copies.

Every test here is skipped, with the reason, where CuPy is not installed or no
CUDA device is present (``cupy.cuda.runtime.getDeviceCount()``); on a machine
with a GPU they all run. Copies to the host are caught by patching
``cupy.ndarray.get`` and ``cupy.ndarray.__array__`` to raise.

The sweep at the end runs every row of ``op_specs`` on CuPy arrays (value, JVP
and VJP against the NumPy backend). It is strict: a failing row fails unless
``CUPY_UNSUPPORTED`` lists it with a reason; ``python -m tests.test_backend_cupy
--table`` on a GPU machine prints the rows that fail.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

from tests.conftest import backend_skip_reason

_REASON = backend_skip_reason("cupy")
pytestmark = pytest.mark.skipif(_REASON is not None, reason=f"CuPy backend: {_REASON}")

if _REASON is None:
    import cupy

import funcad as fa  # noqa: E402
import funcad.numpy as fnp  # noqa: E402
from tests.op_specs import ROWS, draw  # noqa: E402
from tests.test_backend_transforms import HostTransferError, no_host_transfer  # noqa: E402
from tests.test_sweep import _like, _rng  # noqa: E402

# Rows known to fail on CuPy, with the reason; empty until a GPU run lists them.
CUPY_UNSUPPORTED: dict[str, str] = {}


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


@pytest.mark.parametrize("row", ROWS, ids=[f"{i}-{r.name}" for i, r in enumerate(ROWS)])
def test_row_on_cupy(row):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            _check_row(row)
        except Exception:  # noqa: BLE001 - listed rows may fail in any way
            if row.name in CUPY_UNSUPPORTED:
                return
            raise
    assert row.name not in CUPY_UNSUPPORTED, f"{row.name} now works on CuPy"


if __name__ == "__main__":
    if "--table" in sys.argv:
        if _REASON is not None:
            sys.exit(f"CuPy backend: {_REASON}")
        failing = {}
        for row in ROWS:
            try:
                _check_row(row)
            except Exception as error:  # noqa: BLE001
                failing.setdefault(row.name, f"{type(error).__name__}: {error}"[:160])
        for name, reason in failing.items():
            print(f"    {name!r}: {reason!r},")
