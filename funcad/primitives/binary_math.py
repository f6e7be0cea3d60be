"""Binary elementwise math with broadcasting: arctan2, hypot, logaddexp, fmod, ...

Values come from the backend's ufuncs (stable: ``logaddexp`` never overflows,
``hypot`` never squares). The rules reuse the value ``ans`` where that keeps
them stable too, and are written so that they can be differentiated again.

Conventions where the derivative does not exist:

* ``hypot`` and ``arctan2`` at the origin: zero (like ``abs'(0)``); the plain
  formulas would divide 0 by 0.
* ``logaddexp``/``logaddexp2`` where the result is infinite (an argument is
  +inf, or both are -inf): it is a maximum there, so ties split evenly. An
  argument of -inf beside a finite one gets 0, the other 1.
* ``fmax``/``fmin``: as ``maximum``, ties split evenly; a NaN argument gets
  nothing and the other argument everything.
* ``fmod``/``remainder``: ``x1 - n * x2`` with the integer ``n`` held fixed, so
  d/dx1 = 1 and d/dx2 = -n, n recovered as ``rint((x1 - ans) / x2)``.
* ``copysign``: d/dx1 = sign(x1) * sign(ans), zero at x1 == 0; nothing flows
  to x2 (only its sign bit is used).
* ``ldexp``: linear in x1; the integer exponent x2 has no derivative.
"""

from __future__ import annotations

from funcad.primitives._ufunc import binary_ufunc
from funcad.primitives._util import shape_of, unbroadcast
from funcad.primitives.arithmetic import divide, multiply, negative, subtract
from funcad.primitives.comparison import equal, greater, less, logical_and, logical_or, where
from funcad.primitives.elementwise import exp, exp2, sign
from funcad.primitives.rounding import rint
from funcad.primitives.special_values import isinf, isnan

arctan2_p, arctan2 = binary_ufunc("arctan2", "Elementwise angle of the point (x2, x1), in radians.")
hypot_p, hypot = binary_ufunc("hypot", "Elementwise sqrt(x1**2 + x2**2), without overflow.")
logaddexp_p, logaddexp = binary_ufunc(
    "logaddexp", "Elementwise log(exp(x1) + exp(x2)), without overflow."
)
logaddexp2_p, logaddexp2 = binary_ufunc(
    "logaddexp2", "Elementwise log2(2**x1 + 2**x2), without overflow."
)
fmod_p, fmod = binary_ufunc("fmod", "Elementwise C remainder of x1 / x2 (sign of x1).")
remainder_p, remainder = binary_ufunc(
    "remainder", "Elementwise Python remainder ``x1 % x2`` (sign of x2)."
)
copysign_p, copysign = binary_ufunc("copysign", "Elementwise |x1| with the sign of x2.")
fmax_p, fmax = binary_ufunc(
    "fmax", "Elementwise maximum ignoring NaNs; ties split the derivative evenly."
)
fmin_p, fmin = binary_ufunc(
    "fmin", "Elementwise minimum ignoring NaNs; ties split the derivative evenly."
)
ldexp_p, ldexp = binary_ufunc("ldexp", "Elementwise x1 * 2**x2 for integer x2.")


def _define(prim, *parts):
    """Rules from ``parts[i](g, ans, x1, x2)``, ``g`` times d(ans)/d(x_i).

    A part is the JVP rule as it stands (the tangent broadcasts to the result)
    and, with the result summed back to the argument's shape, the VJP rule.
    """
    prim.def_jvp(*parts)
    prim.def_vjp(*[None if part is None else _summed_back(part, i) for i, part in enumerate(parts)])


def _summed_back(part, argnum):
    def vjp_rule(ct, ans, x1, x2):
        return unbroadcast(part(ct, ans, x1, x2), shape_of((x1, x2)[argnum]))

    vjp_rule.__name__ = f"{part.__name__}_vjp"
    return vjp_rule


def _safe(r):
    """``r`` with its zeros replaced by one, for dividing where the result is then 0."""
    return where(equal(r, 0), 1.0, r)


# arctan2 --------------------------------------------------------------------
def _arctan2_x1(g, ans, x1, x2):
    # x2 / (x1**2 + x2**2), as (x2 / h) / h: no overflow or underflow in the square.
    h = _safe(hypot(x1, x2))
    return multiply(g, divide(divide(x2, h), h))


def _arctan2_x2(g, ans, x1, x2):
    h = _safe(hypot(x1, x2))
    return negative(multiply(g, divide(divide(x1, h), h)))


_define(arctan2_p, _arctan2_x1, _arctan2_x2)


# hypot ----------------------------------------------------------------------
def _hypot_x1(g, ans, x1, x2):
    return multiply(g, divide(x1, _safe(ans)))


def _hypot_x2(g, ans, x1, x2):
    return multiply(g, divide(x2, _safe(ans)))


_define(hypot_p, _hypot_x1, _hypot_x2)


# logaddexp, logaddexp2 -------------------------------------------------------
def _log_weight(g, mine, other, ans, base_exp):
    """``g`` times the share of ``mine`` in the sum, ``base**(mine - ans)`` (at most 1)."""
    infinite = isinf(ans)
    # Both operands masked: inf - inf would warn before the where discards it.
    # A NaN result keeps the smooth branch, so NaN propagates to the derivative.
    gap = subtract(where(infinite, 0.0, mine), where(infinite, 0.0, ans))
    smooth = multiply(g, base_exp(gap))
    # An infinite result is a maximum: the larger argument takes all, ties split.
    kink = where(greater(mine, other), g, where(equal(mine, other), multiply(0.5, g), 0.0))
    return where(infinite, kink, smooth)


def _logaddexp_x1(g, ans, x1, x2):
    return _log_weight(g, x1, x2, ans, exp)


def _logaddexp_x2(g, ans, x1, x2):
    return _log_weight(g, x2, x1, ans, exp)


def _logaddexp2_x1(g, ans, x1, x2):
    return _log_weight(g, x1, x2, ans, exp2)


def _logaddexp2_x2(g, ans, x1, x2):
    return _log_weight(g, x2, x1, ans, exp2)


_define(logaddexp_p, _logaddexp_x1, _logaddexp_x2)
_define(logaddexp2_p, _logaddexp2_x1, _logaddexp2_x2)


# fmod, remainder ------------------------------------------------------------
def _pass_x1(g, ans, x1, x2):
    return g


def _modulo_x2(g, ans, x1, x2):
    # ans = x1 - n * x2 for an integer n; rint absorbs the rounding of x1 - ans,
    # where trunc(x1 / x2) can be off by one when the quotient rounds up.
    n = rint(divide(subtract(x1, ans), x2))
    return negative(multiply(g, n))


_define(fmod_p, _pass_x1, _modulo_x2)
_define(remainder_p, _pass_x1, _modulo_x2)


# copysign -------------------------------------------------------------------
def _copysign_x1(g, ans, x1, x2):
    return multiply(g, multiply(sign(x1), sign(ans)))


_define(copysign_p, _copysign_x1, None)


# fmax, fmin -----------------------------------------------------------------
def _pick(g, wins, ties):
    return where(wins, g, where(ties, multiply(0.5, g), 0.0))


def _not_nan(x):
    return equal(x, x)


def _fmax_x1(g, ans, x1, x2):
    wins = logical_or(greater(x1, x2), logical_and(isnan(x2), _not_nan(x1)))
    return _pick(g, wins, equal(x1, x2))


def _fmax_x2(g, ans, x1, x2):
    wins = logical_or(greater(x2, x1), logical_and(isnan(x1), _not_nan(x2)))
    return _pick(g, wins, equal(x1, x2))


def _fmin_x1(g, ans, x1, x2):
    wins = logical_or(less(x1, x2), logical_and(isnan(x2), _not_nan(x1)))
    return _pick(g, wins, equal(x1, x2))


def _fmin_x2(g, ans, x1, x2):
    wins = logical_or(less(x2, x1), logical_and(isnan(x1), _not_nan(x2)))
    return _pick(g, wins, equal(x1, x2))


_define(fmax_p, _fmax_x1, _fmax_x2)
_define(fmin_p, _fmin_x1, _fmin_x2)


# ldexp ----------------------------------------------------------------------
def _ldexp_x1(g, ans, x1, x2):
    # Linear in x1; x2 is an integer exponent with no derivative.
    return ldexp(g, x2)


_define(ldexp_p, _ldexp_x1, None)
