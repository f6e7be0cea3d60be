"""Arithmetic: add, subtract, multiply, divide, negative, power, maximum, minimum."""

from __future__ import annotations

from funcad import backend
from funcad.core.primitive import Primitive
from funcad.core.trace import Tracer
from funcad.primitives.comparison import equal, greater, less, where
from funcad.primitives._util import broadcasting_batch, shape_of, unbroadcast, vectorized_batch

add_p = Primitive("add")
subtract_p = Primitive("subtract")
multiply_p = Primitive("multiply")
divide_p = Primitive("divide")
negative_p = Primitive("negative")
power_p = Primitive("power")
maximum_p = Primitive("maximum")
minimum_p = Primitive("minimum")


def add(x, y):
    """Elementwise ``x + y`` with broadcasting."""
    if isinstance(x, Tracer) or isinstance(y, Tracer):
        return add_p.bind(x, y)
    return _add_impl(x, y)


def subtract(x, y):
    """Elementwise ``x - y`` with broadcasting."""
    if isinstance(x, Tracer) or isinstance(y, Tracer):
        return subtract_p.bind(x, y)
    return _subtract_impl(x, y)


def multiply(x, y):
    """Elementwise ``x * y`` with broadcasting."""
    if isinstance(x, Tracer) or isinstance(y, Tracer):
        return multiply_p.bind(x, y)
    return _multiply_impl(x, y)


def divide(x, y):
    """Elementwise ``x / y`` with broadcasting."""
    if isinstance(x, Tracer) or isinstance(y, Tracer):
        return divide_p.bind(x, y)
    return _divide_impl(x, y)


def negative(x):
    """Elementwise ``-x``."""
    if isinstance(x, Tracer):
        return negative_p.bind(x)
    return _negative_impl(x)


def power(x, y):
    """Elementwise ``x ** y``."""
    if isinstance(x, Tracer) or isinstance(y, Tracer):
        return power_p.bind(x, y)
    return _power_impl(x, y)


def maximum(x, y):
    """Elementwise maximum; at ties each side gets half the derivative."""
    if isinstance(x, Tracer) or isinstance(y, Tracer):
        return maximum_p.bind(x, y)
    return _maximum_impl(x, y)


def minimum(x, y):
    """Elementwise minimum; at ties each side gets half the derivative."""
    if isinstance(x, Tracer) or isinstance(y, Tracer):
        return minimum_p.bind(x, y)
    return _minimum_impl(x, y)


# add ------------------------------------------------------------------------
@add_p.def_impl
def _add_impl(x, y):
    return backend.of_pair(x, y).xp.add(x, y)


def _add_jvp(t, ans, x, y):
    return t


def _add_vjp_x(ct, ans, x, y):
    return unbroadcast(ct, shape_of(x))


def _add_vjp_y(ct, ans, x, y):
    return unbroadcast(ct, shape_of(y))


add_p.def_jvp(_add_jvp, _add_jvp)
add_p.def_vjp(_add_vjp_x, _add_vjp_y)
add_p.def_batch(broadcasting_batch(add_p))
add_p.linear = True


# subtract -------------------------------------------------------------------
@subtract_p.def_impl
def _subtract_impl(x, y):
    return backend.of_pair(x, y).xp.subtract(x, y)


def _subtract_jvp_y(t, ans, x, y):
    return negative(t)


def _subtract_vjp_y(ct, ans, x, y):
    return unbroadcast(negative(ct), shape_of(y))


subtract_p.def_jvp(_add_jvp, _subtract_jvp_y)
subtract_p.def_vjp(_add_vjp_x, _subtract_vjp_y)
subtract_p.def_batch(broadcasting_batch(subtract_p))
subtract_p.linear = True


# multiply -------------------------------------------------------------------
@multiply_p.def_impl
def _multiply_impl(x, y):
    return backend.of_pair(x, y).xp.multiply(x, y)


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
multiply_p.def_batch(broadcasting_batch(multiply_p))


# divide ---------------------------------------------------------------------
@divide_p.def_impl
def _divide_impl(x, y):
    return backend.of_pair(x, y).xp.true_divide(x, y)


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
divide_p.def_batch(broadcasting_batch(divide_p))


# negative -------------------------------------------------------------------
@negative_p.def_impl
def _negative_impl(x):
    return backend.of(x).xp.negative(x)


def _negative_jvp(t, ans, x):
    return negative(t)


negative_p.def_jvp(_negative_jvp)
negative_p.def_vjp(_negative_jvp)
negative_p.def_batch(vectorized_batch(negative_p))
negative_p.linear = True


# power ----------------------------------------------------------------------
@power_p.def_impl
def _power_impl(x, y):
    return backend.of_pair(x, y).xp.power(x, y)


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
    """d(x**y)/dy = log(x) * x**y, taken as 0 where x == 0 (as JAX does)."""
    from funcad.primitives.elementwise import log

    safe_x = where(equal(x, 0), 1.0, x)
    return where(equal(x, 0), 0.0, multiply(ans, log(safe_x)))


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
power_p.def_batch(broadcasting_batch(power_p))


# maximum, minimum -----------------------------------------------------------
@maximum_p.def_impl
def _maximum_impl(x, y):
    return backend.of_pair(x, y).xp.maximum(x, y)


@minimum_p.def_impl
def _minimum_impl(x, y):
    return backend.of_pair(x, y).xp.minimum(x, y)


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
maximum_p.def_batch(broadcasting_batch(maximum_p))
minimum_p.def_jvp(_minimum_jvp_x, _minimum_jvp_y)
minimum_p.def_vjp(_minimum_vjp_x, _minimum_vjp_y)
minimum_p.def_batch(broadcasting_batch(minimum_p))
