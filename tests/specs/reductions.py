"""Sweep rows for statistics, scans and logical reductions (funcad.numpy.reductions)."""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from funcad.primitives.scan import linear_recurrence
from tests.op_specs import POSITIVE, REAL, Row

NAN = np.nan
_AXES = [(None, False), (0, False), (1, True), ((0, 2), False), (-1, True)]


def _with_zeros(rng, shape):
    """Uniform draws with about a quarter of the elements exactly zero."""
    x = rng.uniform(-2.0, 2.0, shape)
    return np.where(rng.uniform(size=shape) < 0.25, 0.0, x)


def _loop_recurrence(a, b, axis, reverse=False):
    """h[i] = a[i] h[i-1] + b[i], one step at a time (the definition)."""
    a, b = np.moveaxis(a, axis, -1), np.moveaxis(b, axis, -1)
    if reverse:
        a, b = a[..., ::-1], b[..., ::-1]
    h = np.zeros_like(b)
    carry = np.zeros(b.shape[:-1])
    for i in range(b.shape[-1]):
        carry = a[..., i] * carry + b[..., i]
        h[..., i] = carry
    if reverse:
        h = h[..., ::-1]
    return np.moveaxis(h, -1, axis)


def rows():
    out = []

    def add(name, fun, ref, shapes, domains=None, prims=(), **kw):
        out.append(Row(name, fun, ref, shapes, domains, tuple(prims), **kw))

    moments = ("sum", "divide", "subtract", "multiply")

    # var, std: axes, keepdims and ddof together, on 3-D inputs.
    for (axis, keepdims), ddof in zip(_AXES, [0, 1, 0, 2, 1]):
        for name, extra in [("var", ()), ("std", ("sqrt",))]:
            add(name, lambda x, n=name, a=axis, k=keepdims, d=ddof:
                getattr(fnp, n)(x, axis=a, keepdims=k, ddof=d),
                lambda x, n=name, a=axis, k=keepdims, d=ddof:
                getattr(np, n)(x, axis=a, keepdims=k, ddof=d),
                ((2, 3, 4),), prims=moments + extra)
    add("var", lambda x: fnp.var(x, axis=1, correction=1), lambda x: np.var(x, axis=1, ddof=1),
        ((3, 4),), prims=moments)
    add("var", lambda x, m: fnp.var(x, axis=0, mean=m), lambda x, m: np.var(x, axis=0, mean=m),
        ((4, 3), (1, 3)), prims=moments)

    # average: no weights, weights of a's shape, weights along one axis or several.
    for axis, keepdims in _AXES:
        add("average", lambda x, a=axis, k=keepdims: fnp.average(x, axis=a, keepdims=k),
            lambda x, a=axis, k=keepdims: np.average(x, axis=a, keepdims=k),
            ((2, 3, 4),), prims=("sum", "divide"))
    add("average", lambda x, w: fnp.average(x, weights=w), lambda x, w: np.average(x, weights=w),
        ((3, 4), (3, 4)), (REAL, POSITIVE), prims=("sum", "multiply", "divide"))
    add("average", lambda x, w: fnp.average(x, axis=1, weights=w),
        lambda x, w: np.average(x, axis=1, weights=w),
        ((2, 3, 4), (3,)), (REAL, POSITIVE), prims=("sum", "multiply", "divide", "reshape"))
    add("average", lambda x, w: fnp.average(x, axis=(2, 0), weights=w, keepdims=True),
        lambda x, w: np.average(x, axis=(2, 0), weights=w, keepdims=True),
        ((2, 3, 4), (4, 2)), (REAL, POSITIVE),
        prims=("sum", "multiply", "divide", "reshape", "transpose"))
    add("average", lambda x, w: fnp.stack(fnp.average(x, axis=0, weights=w, returned=True)),
        lambda x, w: np.stack(np.average(x, axis=0, weights=w, returned=True)),
        ((3, 2), (3,)), (REAL, POSITIVE),
        prims=("sum", "multiply", "divide", "reshape", "broadcast_to", "concatenate"))

    # NaN-ignoring reductions on NaN-free inputs: the same as the plain ones.
    for axis, keepdims in _AXES[:4]:
        for name in ["nansum", "nanmean", "nanmax", "nanmin", "nanprod", "nanvar", "nanstd"]:
            add(name, lambda x, n=name, a=axis, k=keepdims: getattr(fnp, n)(x, axis=a, keepdims=k),
                lambda x, n=name, a=axis, k=keepdims: getattr(np, n)(x, axis=a, keepdims=k),
                ((2, 3, 4),), prims=("where", "sum", "max", "min", "prod", "divide", "sqrt"))
    add("nanvar", lambda x: fnp.nanvar(x, axis=0, ddof=1), lambda x: np.nanvar(x, axis=0, ddof=1),
        ((4, 3),), prims=("where", "sum", "divide"))

    # NaNs at fixed places: they contribute nothing; no slice is all NaN.
    with_nans = np.array([[0.5, NAN, -1.2, 2.0], [NAN, 1.1, 0.3, -0.7], [1.4, -0.4, NAN, 0.9]])
    for axis in [None, 0, 1]:
        for name in ["nansum", "nanmean", "nanmax", "nanmin", "nanprod", "nanvar", "nanstd"]:
            add(name, lambda x, n=name, a=axis: getattr(fnp, n)(x, axis=a),
                lambda x, n=name, a=axis: getattr(np, n)(x, axis=a), ((3, 4),),
                prims=("where", "sum", "max", "min", "prod"), extra={"inputs": [with_nans]})
    add("nanstd", lambda x: fnp.nanstd(x, axis=1, ddof=1),
        lambda x: np.nanstd(x, axis=1, ddof=1), ((3, 4),), prims=("where", "sqrt"),
        extra={"inputs": [with_nans]})

    # cumsum, cumprod: axis None flattens; cumprod also through zeros.
    for axis in [None, 0, 1, -1]:
        add("cumsum", lambda x, a=axis: fnp.cumsum(x, axis=a),
            lambda x, a=axis: np.cumsum(x, axis=a), ((2, 3, 4),), prims=("cumsum",))
        add("cumprod", lambda x, a=axis: fnp.cumprod(x, axis=a),
            lambda x, a=axis: np.cumprod(x, axis=a), ((2, 3, 4),),
            prims=("cumprod", "linear_recurrence"))
    add("cumsum", lambda x: fnp.cumsum(x), lambda x: np.cumsum(x), ((),), prims=("cumsum",))
    add("cumprod", lambda x: fnp.cumprod(x, axis=0), lambda x: np.cumprod(x, axis=0), ((7, 3),),
        (_with_zeros,), prims=("cumprod", "linear_recurrence"))
    zeros = np.array([[0.0, 1.5, 2.0, -1.0, 0.5],   # a zero first
                      [1.2, 0.0, -0.8, 0.0, 1.1],   # two zeros
                      [0.7, -1.3, 0.9, 1.4, 0.0],   # a zero last
                      [0.0, 0.0, 0.0, 0.0, 0.0]])
    for axis in [0, 1]:
        add("cumprod", lambda x, a=axis: fnp.cumprod(x, axis=a),
            lambda x, a=axis: np.cumprod(x, axis=a), ((4, 5),),
            prims=("cumprod", "linear_recurrence"), extra={"inputs": [zeros]})
    add("cumprod", lambda x: fnp.cumprod(x, axis=None), lambda x: np.cumprod(x, axis=None),
        ((4, 5),), prims=("cumprod", "linear_recurrence"),
        extra={"inputs": [zeros + np.eye(4, 5)]})

    # The recurrence behind cumprod's derivatives, against its definition.
    for shape, axis, reverse in [((6,), 0, False), ((5, 3), 0, True), ((2, 7), -1, False),
                                 ((3, 8, 2), 1, True)]:
        add("linear_recurrence",
            lambda a, b, x=axis, r=reverse: linear_recurrence(a, b, x, r),
            lambda a, b, x=axis, r=reverse: _loop_recurrence(a, b, x, r), (shape, shape),
            prims=("linear_recurrence",))
    add("linear_recurrence", lambda a, b: linear_recurrence(a, b, 1),
        lambda a, b: _loop_recurrence(a, b, 1), ((3, 5), (3, 5)), (_with_zeros, REAL),
        prims=("linear_recurrence",))

    # diff: orders, axes, prepend and append (scalars and arrays, traced or not).
    add("diff", fnp.diff, np.diff, ((2, 3, 4),), prims=("subtract", "getitem"))
    add("diff", lambda x: fnp.diff(x, n=2, axis=0), lambda x: np.diff(x, n=2, axis=0),
        ((5, 3),), prims=("subtract", "getitem"))
    add("diff", lambda x: fnp.diff(x, n=3, axis=1), lambda x: np.diff(x, n=3, axis=1),
        ((2, 5, 3),), prims=("subtract", "getitem"))
    add("diff", lambda x: fnp.diff(x, prepend=0.5, append=-1.0),
        lambda x: np.diff(x, prepend=0.5, append=-1.0), ((3, 4),),
        prims=("subtract", "getitem", "concatenate"))
    add("diff", lambda x, p: fnp.diff(x, axis=0, prepend=p),
        lambda x, p: np.diff(x, axis=0, prepend=p), ((3, 4), (2, 4)),
        prims=("subtract", "getitem", "concatenate"))
    add("diff", lambda x, p: fnp.diff(x, n=2, append=p), lambda x, p: np.diff(x, n=2, append=p),
        ((3, 4), ()), prims=("subtract", "getitem", "concatenate", "broadcast_to"))

    # ptp: max - min.
    for axis, keepdims in _AXES:
        add("ptp", lambda x, a=axis, k=keepdims: fnp.ptp(x, axis=a, keepdims=k),
            lambda x, a=axis, k=keepdims: np.ptp(x, axis=a, keepdims=k), ((2, 3, 4),),
            prims=("max", "min", "subtract"))

    # No derivative: values and batching only.
    for name in ["argmax", "argmin"]:
        for axis, keepdims in [(None, False), (None, True), (0, False), (-1, True), (1, False)]:
            add(name, lambda x, n=name, a=axis, k=keepdims: getattr(fnp, n)(x, axis=a, keepdims=k),
                lambda x, n=name, a=axis, k=keepdims: getattr(np, n)(x, axis=a, keepdims=k),
                ((2, 3, 4),), prims=(name,), differentiable=False)
    for name in ["any", "all", "count_nonzero"]:
        for axis, keepdims in _AXES + [((), False)]:
            add(name, lambda x, n=name, a=axis, k=keepdims: getattr(fnp, n)(x, axis=a, keepdims=k),
                lambda x, n=name, a=axis, k=keepdims: getattr(np, n)(x, axis=a, keepdims=k),
                ((2, 3, 4),), (_with_zeros,), prims=(name,), differentiable=False)
        add(name, lambda x, n=name: getattr(fnp, n)(x, axis=1),
            lambda x, n=name: getattr(np, n)(x, axis=1), ((3, 2),), (_with_zeros,),
            prims=(name,), differentiable=False,
            extra={"inputs": [np.array([[0.0, 0.0], [1.0, NAN], [0.0, 2.0]])]})
    return out
