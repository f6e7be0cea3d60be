"""Modified Bessel functions of the first kind, ``I_n(x)`` for integer ``n >= 0``.

NumPy has only ``i0``; its derivative is ``I_1``, whose derivative needs
``I_0`` and ``I_2``, and so on: one primitive ``bessel_i`` with the order as a
parameter serves every derivative, through the recurrence
``I_n' = (I_{n-1} + I_{n+1}) / 2`` (with ``I_{-1} = I_1``), which never
divides by ``x`` and so stays exact at ``x = 0``.

Order 0 is NumPy's ``i0``. Higher orders are computed here: the power series
``sum_k (x/2)**(2k+n) / (k! (k+n)!)`` for ``|x| <= 20``, whose terms are all of
one sign (no cancellation), and the large-argument expansion
``e**x / sqrt(2 pi x) * sum_k (-1)**k a_k(n) / x**k`` beyond, where its
smallest term is below 1e-17 relative. ``I_n(-x) = (-1)**n I_n(x)``.
"""

from __future__ import annotations

import math

from funcad import backend
from funcad.core.primitive import Primitive
from funcad.primitives._util import vectorized_batch
from funcad.primitives.arithmetic import add, multiply

bessel_i_p = Primitive("bessel_i")

_SERIES_LIMIT = 20.0
_SERIES_TERMS = 64
_ASYMPTOTIC_TERMS = 40


def bessel_i(x, order: int):
    """``I_order(x)``, the modified Bessel function of the first kind (integer order >= 0)."""
    return bessel_i_p.bind(x, order=int(order))


def _bessel_i_values(xp, x, n: int):
    """``I_n`` at the concrete real array ``x`` in float64, for ``n >= 1``."""
    x = xp.asarray(x, dtype=xp.float64)
    ax = xp.abs(x)
    small = ax <= _SERIES_LIMIT
    # Series on |x| <= 20, with the large arguments replaced by 0 so they cost nothing.
    half = xp.where(small, ax, 0.0) / 2.0
    quarter_sq = half * half
    term = half**n / float(math.factorial(n))
    series = term
    for k in range(1, _SERIES_TERMS):
        term = term * quarter_sq / float(k * (k + n))
        series = series + term
    # Expansion for |x| > 20 (the placeholder 2 * limit keeps small entries finite).
    big = xp.where(small, 2.0 * _SERIES_LIMIT, ax)
    mu = 4.0 * n * n
    coefficient = xp.ones_like(big)
    expansion = coefficient
    for k in range(1, _ASYMPTOTIC_TERMS):
        coefficient = coefficient * (-(mu - (2 * k - 1) ** 2) / (8.0 * k)) / big
        expansion = expansion + coefficient
    # e**x as (e**(x/2))**2: x/2 is exact, and the product overflows only with the result.
    with xp.errstate(over="ignore"):
        root = xp.exp(0.5 * big)
        asymptotic = root * (root * (expansion / xp.sqrt(2.0 * math.pi * big)))
    values = xp.where(small, series, asymptotic)
    if n % 2:
        values = xp.where(x < 0, -values, values)
    return values


@bessel_i_p.def_impl
def _bessel_i_impl(x, *, order):
    xp = backend.of(x).xp
    if order == 0:
        return xp.i0(x)
    x = xp.asarray(x)
    out = _bessel_i_values(xp, x, order)
    # float32 in, float32 out, as NumPy's i0 does.
    if x.dtype.kind == "f" and x.dtype != out.dtype:
        out = out.astype(x.dtype)
    return out


def _bessel_i_chain(g, ans, x, *, order):
    if order == 0:
        return multiply(g, bessel_i(x, 1))
    both = add(bessel_i(x, order - 1), bessel_i(x, order + 1))
    return multiply(g, multiply(both, 0.5))


bessel_i_p.def_jvp(_bessel_i_chain)
bessel_i_p.def_vjp(_bessel_i_chain)
bessel_i_p.def_batch(vectorized_batch(bessel_i_p))

