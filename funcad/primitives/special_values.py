"""NaN and infinity: the tests isfinite, isnan, isinf, signbit, and nan_to_num.

The tests return booleans and have no derivative. ``nan_to_num`` is the
identity on finite values, so its derivative passes through there and is
zero where it replaced a NaN or an infinity by a constant.
"""

from __future__ import annotations

from funcad import backend
from funcad.core.primitive import Primitive
from funcad.core.trace import Tracer
from funcad.primitives._ufunc import unary_ufunc
from funcad.primitives._util import vectorized_batch
from funcad.primitives.comparison import where

isfinite_p, isfinite = unary_ufunc(
    "isfinite", "Elementwise: neither NaN nor infinite, as booleans; not differentiable."
)
isnan_p, isnan = unary_ufunc("isnan", "Elementwise: is NaN, as booleans; not differentiable.")
isinf_p, isinf = unary_ufunc(
    "isinf", "Elementwise: is +inf or -inf, as booleans; not differentiable."
)
signbit_p, signbit = unary_ufunc(
    "signbit", "Elementwise: the sign bit is set (x < 0 or -0.0), as booleans."
)


# nan_to_num -----------------------------------------------------------------
nan_to_num_p = Primitive("nan_to_num")


def nan_to_num(x, copy: bool = True, nan=0.0, posinf=None, neginf=None):
    """``x`` with NaN, +inf and -inf replaced; derivative 1 where ``x`` is finite, else 0.

    With no traced value this is ``numpy.nan_to_num`` (``copy=False`` then
    writes into ``x`` as NumPy does); traced values are never modified, so
    ``copy`` is ignored under transforms.

    >>> import funcad as fa, funcad.numpy as fnp
    >>> fa.grad(lambda x: fnp.nan_to_num(x).sum())(fnp.array([1.0, fnp.inf])).tolist()
    [1.0, 0.0]
    """
    for name, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if isinstance(value, Tracer):
            raise TypeError(
                f"nan_to_num: {name}= is a traced value; the replacement values are "
                f"constants, not differentiated. Pass a number, or use fnp.where(fnp.isnan(x), "
                f"value, x) to differentiate through the replacement."
            )
    if isinstance(x, Tracer):
        return nan_to_num_p.bind(x, nan=nan, posinf=posinf, neginf=neginf)
    return backend.of(x).xp.nan_to_num(x, copy=copy, nan=nan, posinf=posinf, neginf=neginf)


@nan_to_num_p.def_impl
def _nan_to_num_impl(x, *, nan, posinf, neginf):
    return backend.of(x).xp.nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)


def _nan_to_num_chain(g, ans, x, *, nan, posinf, neginf):
    return where(isfinite(x), g, 0.0)


nan_to_num_p.def_jvp(_nan_to_num_chain)
nan_to_num_p.def_vjp(_nan_to_num_chain)
nan_to_num_p.def_batch(vectorized_batch(nan_to_num_p))
