"""Sweep rows for user-defined derivatives and stop_gradient."""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from funcad.transforms.custom import custom_jvp, custom_vjp, stop_gradient
from tests.op_specs import Row


@custom_jvp
def _softplus(x):
    return fnp.log1p(fnp.exp(x))


@_softplus.defjvp
def _softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return _softplus(x), (1.0 - 1.0 / (1.0 + fnp.exp(x))) * t


@custom_vjp
def _tanh(x):
    return fnp.tanh(x)


def _tanh_fwd(x):
    y = fnp.tanh(x)
    return y, y


def _tanh_bwd(y, ct):
    return ((1.0 - y * y) * ct,)


_tanh.defvjp(_tanh_fwd, _tanh_bwd)


def rows() -> list[Row]:
    return [
        Row("custom_jvp", _softplus, lambda x: np.log1p(np.exp(x)), ((3, 4),),
            primitives=("custom_jvp_call",)),
        # Forward mode of a custom_vjp function raises, as in JAX: value and vmap only.
        Row("custom_vjp", _tanh, np.tanh, ((3, 4),), primitives=("custom_vjp_call",),
            differentiable=False),
        Row("stop_gradient", stop_gradient, lambda x: x, ((3, 4),),
            primitives=("stop_gradient",), differentiable=False),
    ]
