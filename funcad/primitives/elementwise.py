"""Unary elementwise math: exp, log, trigonometric, hyperbolic, sinc, ...

Each function here is ``f(x)`` with derivative ``f'(x)``; its rule
``chain(g, ans, x)`` returns ``g * f'(x)`` and serves as both the JVP (``g`` a
tangent) and the VJP (``g`` a cotangent), since the Jacobian is diagonal.
Constants in rules are Python floats, so float32 stays float32. For complex
``z`` the chain rules are those of holomorphic functions; ``abs`` is the one
non-holomorphic function here and has its own rules.
"""

from __future__ import annotations

import math

from funcad import backend
from funcad.core.primitive import Primitive
from funcad.core.trace import Tracer
from funcad.primitives._ufunc import unary_ufunc
from funcad.primitives._util import dtype_of, vectorized_batch
from funcad.primitives.arithmetic import add, divide, multiply, negative, subtract
from funcad.primitives.comparison import equal, where
from funcad.primitives.complex import conj, real

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _unary(name: str, chain, doc: str):
    """Register the unary ufunc ``name`` with ``chain`` as its JVP and VJP."""
    prim, function = unary_ufunc(name, doc)
    if chain is not None:
        prim.def_jvp(chain)
        prim.def_vjp(chain)
    return prim, function


def _exp_chain(g, ans, x):
    return multiply(g, ans)


def _log_chain(g, ans, x):
    return divide(g, x)


def _log1p_chain(g, ans, x):
    return divide(g, add(x, 1))


def _expm1_chain(g, ans, x):
    return multiply(g, add(ans, 1))


def _sqrt_chain(g, ans, x):
    return divide(g, multiply(2, ans))


def _square_chain(g, ans, x):
    return multiply(g, multiply(2, x))


def _reciprocal_chain(g, ans, x):
    return negative(multiply(g, multiply(ans, ans)))


def _sin_chain(g, ans, x):
    return multiply(g, cos(x))


def _cos_chain(g, ans, x):
    return negative(multiply(g, sin(x)))


def _tan_chain(g, ans, x):
    return multiply(g, add(1, multiply(ans, ans)))


def _arcsin_chain(g, ans, x):
    return divide(g, sqrt(subtract(1, multiply(x, x))))


def _arccos_chain(g, ans, x):
    return negative(divide(g, sqrt(subtract(1, multiply(x, x)))))


def _arctan_chain(g, ans, x):
    return divide(g, add(1, multiply(x, x)))


def _sinh_chain(g, ans, x):
    return multiply(g, cosh(x))


def _cosh_chain(g, ans, x):
    return multiply(g, sinh(x))


def _tanh_chain(g, ans, x):
    return multiply(g, subtract(1, multiply(ans, ans)))


def _abs_chain(g, ans, x):
    # abs'(0) = sign(0) = 0, as in JAX.
    return multiply(g, sign(x))


def _times_unit_conjugate(g, z, ans):
    """``g`` times conj(z) / |z|, and 0 at z = 0; differentiable, unlike sign(z)."""
    zero = equal(ans, 0)
    # Dividing last rounds once: 2|z| conj(z) / |z| is exactly 2 conj(z).
    return where(zero, 0.0, divide(multiply(g, conj(z)), where(zero, 1.0, ans)))


def _abs_jvp(t, ans, x):
    if dtype_of(x).kind != "c":
        return _abs_chain(t, ans, x)
    return real(_times_unit_conjugate(t, x, ans))


def _abs_vjp(ct, ans, x):
    if dtype_of(x).kind != "c":
        return _abs_chain(ct, ans, x)
    # |z| is real: only the cotangent's real part pairs with it.
    if dtype_of(ct).kind == "c":
        ct = real(ct)
    return _times_unit_conjugate(ct, x, ans)


exp_p, exp = _unary("exp", _exp_chain, "Elementwise e**x.")
log_p, log = _unary("log", _log_chain, "Elementwise natural logarithm.")
log1p_p, log1p = _unary("log1p", _log1p_chain, "Elementwise log(1 + x), accurate near 0.")
expm1_p, expm1 = _unary("expm1", _expm1_chain, "Elementwise e**x - 1, accurate near 0.")
sqrt_p, sqrt = _unary("sqrt", _sqrt_chain, "Elementwise square root.")
square_p, square = _unary("square", _square_chain, "Elementwise x**2.")
reciprocal_p, reciprocal = _unary("reciprocal", _reciprocal_chain, "Elementwise 1/x.")
sin_p, sin = _unary("sin", _sin_chain, "Elementwise sine.")
cos_p, cos = _unary("cos", _cos_chain, "Elementwise cosine.")
tan_p, tan = _unary("tan", _tan_chain, "Elementwise tangent.")
arcsin_p, arcsin = _unary("arcsin", _arcsin_chain, "Elementwise inverse sine.")
arccos_p, arccos = _unary("arccos", _arccos_chain, "Elementwise inverse cosine.")
arctan_p, arctan = _unary("arctan", _arctan_chain, "Elementwise inverse tangent.")
sinh_p, sinh = _unary("sinh", _sinh_chain, "Elementwise hyperbolic sine.")
cosh_p, cosh = _unary("cosh", _cosh_chain, "Elementwise hyperbolic cosine.")
tanh_p, tanh = _unary("tanh", _tanh_chain, "Elementwise hyperbolic tangent.")
abs_p, absolute = _unary("absolute", None, "Elementwise |x|; derivative sign(x) for real x.")
abs_p.def_jvp(_abs_jvp)
abs_p.def_vjp(_abs_vjp)
sign_p, sign = _unary("sign", None, "Elementwise sign; its derivative is zero.")


# Exponentials and logarithms in other bases, cube root, inverse hyperbolics.
def _exp2_chain(g, ans, x):
    return multiply(g, multiply(ans, _LN2))


def _log2_chain(g, ans, x):
    return divide(g, multiply(x, _LN2))


def _log10_chain(g, ans, x):
    return divide(g, multiply(x, _LN10))


def _cbrt_chain(g, ans, x):
    # Through the value: 1 / (3 cbrt(x)**2) is real for negative x too.
    return divide(g, multiply(3, square(ans)))


def _arcsinh_chain(g, ans, x):
    if dtype_of(x).kind == "c":
        # The principal sqrt(1 + z**2) matches arcsinh's principal branch.
        return divide(g, sqrt(add(1.0, square(x))))
    # hypot(x, 1) = sqrt(x**2 + 1) without overflowing for |x| > 1e154.
    from funcad.primitives.binary_math import hypot

    return divide(g, hypot(x, 1.0))


def _arccosh_chain(g, ans, x):
    # sqrt(x - 1) * sqrt(x + 1): no cancellation near 1, no overflow for large x.
    return divide(g, multiply(sqrt(subtract(x, 1)), sqrt(add(x, 1))))


def _arctanh_chain(g, ans, x):
    # (1 - x)(1 + x) keeps its accuracy near |x| = 1, where 1 - x*x cancels.
    return divide(g, multiply(subtract(1, x), add(1, x)))


def _deg2rad_chain(g, ans, x):
    return multiply(g, math.pi / 180.0)


def _rad2deg_chain(g, ans, x):
    return multiply(g, 180.0 / math.pi)


def _positive_chain(g, ans, x):
    return g


exp2_p, exp2 = _unary("exp2", _exp2_chain, "Elementwise 2**x.")
log2_p, log2 = _unary("log2", _log2_chain, "Elementwise base-2 logarithm.")
log10_p, log10 = _unary("log10", _log10_chain, "Elementwise base-10 logarithm.")
cbrt_p, cbrt = _unary("cbrt", _cbrt_chain, "Elementwise real cube root (negative x allowed).")
arcsinh_p, arcsinh = _unary("arcsinh", _arcsinh_chain, "Elementwise inverse hyperbolic sine.")
arccosh_p, arccosh = _unary("arccosh", _arccosh_chain, "Elementwise inverse hyperbolic cosine.")
arctanh_p, arctanh = _unary("arctanh", _arctanh_chain, "Elementwise inverse hyperbolic tangent.")
deg2rad_p, deg2rad = _unary("deg2rad", _deg2rad_chain, "Elementwise degrees to radians.")
rad2deg_p, rad2deg = _unary("rad2deg", _rad2deg_chain, "Elementwise radians to degrees.")
positive_p, positive = _unary("positive", _positive_chain, "Elementwise ``+x`` (a copy).")
fabs_p, fabs = _unary("fabs", _abs_chain, "Elementwise |x| of real x; derivative sign(x).")
deg2rad_p.linear = rad2deg_p.linear = positive_p.linear = True


# sinc -----------------------------------------------------------------------
# One primitive for sinc and all its derivatives: ``order=k`` is the k-th
# derivative, whose own derivative is ``order=k+1``. That keeps every order
# exact at x = 0 (sinc'(0) = 0, sinc''(0) = -pi**2/3), where a rule written
# as (cos(pi x) - sinc(x)) / x would divide 0 by 0.
sinc_p = Primitive("sinc")


def sinc(x):
    """Normalised sinc, ``sin(pi x) / (pi x)``, with ``sinc(0) = 1``.

    >>> import funcad as fa, funcad.numpy as fnp
    >>> float(fa.grad(fnp.sinc)(0.0)), round(float(fa.grad(fa.grad(fnp.sinc))(0.0)), 12)
    (0.0, -3.289868133696)
    """
    if isinstance(x, Tracer):
        return sinc_p.bind(x, order=0)
    return backend.of(x).xp.sinc(x)


@sinc_p.def_impl
def _sinc_impl(x, *, order):
    xp = backend.of(x).xp
    if order == 0:
        return xp.sinc(x)
    return _sinc_derivative(xp, xp.asarray(x), order)


def _sinc_derivative(xp, x, k):
    """The k-th derivative of sinc at the concrete array ``x`` (k >= 1)."""
    if x.dtype.kind not in "fc":
        x = x.astype(xp.float64)
    u = math.pi * x
    # With s(u) = sin(u)/u, sinc^(k)(x) = pi**k s^(k)(u). Near 0 the Leibniz
    # closed form cancels catastrophically, so |u| < 1 sums the Maclaurin
    # series of s^(k) instead (24 orders of u: exact to rounding there).
    small = xp.abs(u) < 1.0
    u_small = xp.where(small, u, 0.0)
    series = xp.zeros_like(u)
    first = (k + 1) // 2
    for n in range(first, first + 13):
        m = 2 * n - k
        series = series + ((-1.0) ** n / ((2 * n + 1) * float(math.factorial(m)))) * u_small**m
    u_large = xp.where(small, 1.0, u)
    s, c = xp.sin(u_large), xp.cos(u_large)
    closed = xp.zeros_like(u)
    for j in range(k + 1):
        m = k - j
        # d^j sin(u) / du^j cycles sin, cos, -sin, -cos; d^m (1/u) = (-1)^m m! / u^(m+1).
        trig = (s, c, -s, -c)[j % 4]
        weight = float(math.comb(k, j) * math.factorial(m)) * (-1.0) ** m
        closed = closed + weight * trig / u_large ** (m + 1)
    return math.pi**k * xp.where(small, series, closed)


def _sinc_chain(g, ans, x, *, order):
    return multiply(g, sinc_p.bind(x, order=order + 1))


sinc_p.def_jvp(_sinc_chain)
sinc_p.def_vjp(_sinc_chain)
sinc_p.def_batch(vectorized_batch(sinc_p))
