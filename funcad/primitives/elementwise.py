"""Unary elementwise math: exp, log, trigonometric, hyperbolic, ...

Each function here is ``f(x)`` with derivative ``f'(x)``; its rule
``chain(g, ans, x)`` returns ``g * f'(x)`` and serves as both the JVP (``g`` a
tangent) and the VJP (``g`` a cotangent), since the Jacobian is diagonal.
"""

from __future__ import annotations

from funcad.primitives._ufunc import unary_ufunc
from funcad.primitives.arithmetic import add, divide, multiply, negative, subtract


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
abs_p, absolute = _unary("absolute", _abs_chain, "Elementwise |x|; derivative sign(x).")
sign_p, sign = _unary("sign", None, "Elementwise sign; its derivative is zero.")
