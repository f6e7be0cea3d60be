"""Plain-NumPy references shared by the test modules: finite differences and
helpers for comparing pytrees of results. Nothing here imports funcad."""

from __future__ import annotations

import numpy as np


def num_jacobian(f, x, eps=1e-6):
    """Central finite-difference Jacobian of a plain-NumPy ``f`` at ``x``.

    Shape ``f(x).shape + x.shape``.
    """
    x = np.array(x, dtype=np.float64)
    y0 = np.asarray(f(x.copy()), dtype=np.float64)
    jac = np.zeros(y0.shape + x.shape)
    for idx in np.ndindex(*x.shape):
        xp = x.copy()
        xm = x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        d = (np.asarray(f(xp)) - np.asarray(f(xm))) / (2 * eps)
        jac[(Ellipsis,) + idx] = d
    return jac


def num_grad(f, x, eps=1e-6):
    """Central finite-difference gradient of a scalar plain-NumPy ``f``."""
    return num_jacobian(f, x, eps)


def num_grad_args(f, args, argnum, eps=1e-6):
    """Finite-difference gradient of scalar ``f(*args)`` w.r.t. ``args[argnum]``."""

    def g(a):
        full = list(args)
        full[argnum] = a
        return f(*full)

    return num_grad(g, args[argnum], eps)


def loop_vmap(f, args, in_axes, out_axis=0):
    """Reference batching: a Python loop over examples, stacked on ``out_axis``."""
    sizes = {np.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None}
    assert len(sizes) == 1
    (n,) = sizes
    outs = []
    for i in range(n):
        ex = [a if ax is None else np.take(a, i, axis=ax) for a, ax in zip(args, in_axes)]
        outs.append(np.asarray(f(*ex)))
    return np.stack(outs, axis=out_axis)


def rng(seed=0):
    return np.random.default_rng(seed)
