"""Arithmetic: add, subtract, multiply, divide, negative, power, maximum, minimum."""

from __future__ import annotations

import math

from funcad.primitives._ufunc import binary_ufunc, unary_ufunc
from funcad.primitives._util import shape_of, unbroadcast
from funcad.primitives.comparison import equal, greater, less, where

add_p, add = binary_ufunc("add", "Elementwise ``x + y`` with broadcasting.")
subtract_p, subtract = binary_ufunc("subtract", "Elementwise ``x - y`` with broadcasting.")
multiply_p, multiply = binary_ufunc("multiply", "Elementwise ``x * y`` with broadcasting.")
divide_p, divide = binary_ufunc("divide", "Elementwise ``x / y`` with broadcasting.")
power_p, power = binary_ufunc("power", "Elementwise ``x ** y`` with broadcasting.")
maximum_p, maximum = binary_ufunc(
    "maximum", "Elementwise maximum; at ties each side gets half the derivative."
)
minimum_p, minimum = binary_ufunc(
    "minimum", "Elementwise minimum; at ties each side gets half the derivative."
)
negative_p, negative = unary_ufunc("negative", "Elementwise ``-x``.")


# add ------------------------------------------------------------------------
def _add_jvp(t, ans, x, y):
    return t


def _add_vjp_x(ct, ans, x, y):
    return unbroadcast(ct, shape_of(x))


def _add_vjp_y(ct, ans, x, y):
    return unbroadcast(ct, shape_of(y))


add_p.def_jvp(_add_jvp, _add_jvp)
add_p.def_vjp(_add_vjp_x, _add_vjp_y)
add_p.linear = True


# subtract -------------------------------------------------------------------
def _subtract_jvp_y(t, ans, x, y):
    return negative(t)


def _subtract_vjp_y(ct, ans, x, y):
    return unbroadcast(negative(ct), shape_of(y))


subtract_p.def_jvp(_add_jvp, _subtract_jvp_y)
subtract_p.def_vjp(_add_vjp_x, _subtract_vjp_y)
subtract_p.linear = True


# multiply -------------------------------------------------------------------
def _multiply_jvp_x(t, ans, x, y):
    return multiply(t, y)


def _multiply_jvp_y(t, ans, x, y):
    return multiply(x, t)


def _multiply_vjp_x(ct, ans, x, y):
    return unbroadcast(multiply(ct, y), shape_of(x))


def _multiply_vjp_y(ct, ans, x, y):
    return unbroadcast(multiply(x, ct), shape_of(y))


multiply_p.def_jvp(_multiply_jvp_x, _multiply_jvp_y)
multiply_p.def_vjp(_multiply_vjp_x, _multiply_vjp_y)


# divide ---------------------------------------------------------------------
def _divide_jvp_x(t, ans, x, y):
    return divide(t, y)


def _divide_jvp_y(t, ans, x, y):
    return negative(multiply(t, divide(ans, y)))


def _divide_vjp_x(ct, ans, x, y):
    return unbroadcast(divide(ct, y), shape_of(x))


def _divide_vjp_y(ct, ans, x, y):
    return unbroadcast(negative(multiply(ct, divide(ans, y))), shape_of(y))


divide_p.def_jvp(_divide_jvp_x, _divide_jvp_y)
divide_p.def_vjp(_divide_vjp_x, _divide_vjp_y)


# negative -------------------------------------------------------------------
def _negative_jvp(t, ans, x):
    return negative(t)


negative_p.def_jvp(_negative_jvp)
negative_p.def_vjp(_negative_jvp)
negative_p.linear = True


# power ----------------------------------------------------------------------
def _power_slope_x(x, y):
    """d(x**y)/dx, with the 0 * inf at y == 0 removed."""
    if isinstance(y, (int, float)):
        if y == 0:
            return 0.0
        if y == 1:
            return 1.0
        if y == 2:
            return multiply(2, x)
        return multiply(y, power(x, y - 1))
    return where(equal(y, 0), 0.0, multiply(y, power(x, subtract(y, 1))))


def _power_slope_y(ans, x):
    """d(x**y)/dy = log(x) * x**y: 0 where x == 0 (as JAX does), nan where x < 0."""
    from funcad.primitives.elementwise import log

    if isinstance(x, (int, float)):
        # A Python base stays a weak scalar, so float32 exponents stay float32.
        log_x = math.log(x) if x > 0 else (0.0 if x == 0 else math.nan)
        return multiply(ans, log_x)
    # Only a positive base has a real logarithm: 0 gives 0 (as JAX), negative nan.
    positive = greater(x, 0)
    slope = multiply(ans, log(where(positive, x, 1.0)))
    return where(positive, slope, where(equal(x, 0), 0.0, math.nan))


def _power_jvp_x(t, ans, x, y):
    return multiply(t, _power_slope_x(x, y))


def _power_jvp_y(t, ans, x, y):
    return multiply(t, _power_slope_y(ans, x))


def _power_vjp_x(ct, ans, x, y):
    return unbroadcast(multiply(ct, _power_slope_x(x, y)), shape_of(x))


def _power_vjp_y(ct, ans, x, y):
    return unbroadcast(multiply(ct, _power_slope_y(ans, x)), shape_of(y))


power_p.def_jvp(_power_jvp_x, _power_jvp_y)
power_p.def_vjp(_power_vjp_x, _power_vjp_y)


# maximum, minimum -----------------------------------------------------------
def _select_winner(g, mine, other, wins):
    """``g`` where this side wins, ``g/2`` at ties, 0 elsewhere."""
    return where(wins(mine, other), g, where(equal(mine, other), multiply(0.5, g), 0))


def _maximum_jvp_x(t, ans, x, y):
    return _select_winner(t, x, y, greater)


def _maximum_jvp_y(t, ans, x, y):
    return _select_winner(t, y, x, greater)


def _maximum_vjp_x(ct, ans, x, y):
    return unbroadcast(_select_winner(ct, x, y, greater), shape_of(x))


def _maximum_vjp_y(ct, ans, x, y):
    return unbroadcast(_select_winner(ct, y, x, greater), shape_of(y))


def _minimum_jvp_x(t, ans, x, y):
    return _select_winner(t, x, y, less)


def _minimum_jvp_y(t, ans, x, y):
    return _select_winner(t, y, x, less)


def _minimum_vjp_x(ct, ans, x, y):
    return unbroadcast(_select_winner(ct, x, y, less), shape_of(x))


def _minimum_vjp_y(ct, ans, x, y):
    return unbroadcast(_select_winner(ct, y, x, less), shape_of(y))


maximum_p.def_jvp(_maximum_jvp_x, _maximum_jvp_y)
maximum_p.def_vjp(_maximum_vjp_x, _maximum_vjp_y)
minimum_p.def_jvp(_minimum_jvp_x, _minimum_jvp_y)
minimum_p.def_vjp(_minimum_vjp_x, _minimum_vjp_y)
