"""Rounding and other step functions: floor, ceil, trunc, rint, round, ...

These are piecewise constant, so their derivative is zero wherever it exists
(as in NumPy users' expectations and JAX): the rules return ``None``, the
symbolic zero, and cost nothing. ``heaviside`` is the one exception: its value
at ``x1 == 0`` is the second argument, so the derivative with respect to
``x2`` is one there.
"""

from __future__ import annotations

import operator

from funcad import backend
from funcad.core.primitive import Primitive
from funcad.core.trace import Tracer
from funcad.primitives._ufunc import binary_ufunc, unary_ufunc
from funcad.primitives._util import check_no_out, shape_of, unbroadcast, vectorized_batch
from funcad.primitives.comparison import equal, where


def _zero_chain(g, ans, *args, **params):
    return None


def _step(name: str, doc: str):
    """Register the unary ufunc ``name`` with a zero derivative."""
    prim, function = unary_ufunc(name, doc)
    prim.def_jvp(_zero_chain)
    prim.def_vjp(_zero_chain)
    return prim, function


floor_p, floor = _step("floor", "Elementwise largest integer <= x; zero derivative.")
ceil_p, ceil = _step("ceil", "Elementwise smallest integer >= x; zero derivative.")
trunc_p, trunc = _step("trunc", "Elementwise integer part, rounding toward 0; zero derivative.")
rint_p, rint = _step("rint", "Elementwise nearest integer, halves to even; zero derivative.")
spacing_p, spacing = _step("spacing", "Distance to the next float away from 0; zero derivative.")

floor_divide_p, floor_divide = binary_ufunc(
    "floor_divide", "Elementwise ``x1 // x2`` (floor of the quotient); zero derivative."
)
floor_divide_p.def_jvp(_zero_chain, _zero_chain)
floor_divide_p.def_vjp(_zero_chain, _zero_chain)


# round ----------------------------------------------------------------------
round_p = Primitive("round")


def round(a, decimals: int = 0, out=None):  # noqa: A001 - mirrors numpy.round
    """``a`` rounded to ``decimals`` decimal places, halves to even; zero derivative.

    >>> import funcad.numpy as fnp
    >>> fnp.round([0.25, 1.5, 2.5], 1).tolist()
    [0.2, 1.5, 2.5]
    """
    check_no_out(out, "round")
    try:
        decimals = operator.index(decimals)
    except TypeError:
        raise TypeError(
            f"round: decimals must be an integer, got {decimals!r} "
            f"({type(decimals).__name__}); pass e.g. decimals=2."
        ) from None
    if isinstance(a, Tracer):
        return round_p.bind(a, decimals=decimals)
    return backend.of(a).xp.round(a, decimals=decimals)


@round_p.def_impl
def _round_impl(a, *, decimals):
    return backend.of(a).xp.round(a, decimals=decimals)


round_p.def_jvp(_zero_chain)
round_p.def_vjp(_zero_chain)
round_p.def_batch(vectorized_batch(round_p))


# heaviside ------------------------------------------------------------------
heaviside_p, heaviside = binary_ufunc(
    "heaviside", "Step function: 0 for x1 < 0, x2 at x1 == 0, 1 for x1 > 0."
)


def _heaviside_jvp_x2(t, ans, x1, x2):
    return where(equal(x1, 0), t, 0.0)


def _heaviside_vjp_x2(ct, ans, x1, x2):
    return unbroadcast(where(equal(x1, 0), ct, 0.0), shape_of(x2))


heaviside_p.def_jvp(_zero_chain, _heaviside_jvp_x2)
heaviside_p.def_vjp(_zero_chain, _heaviside_vjp_x2)
