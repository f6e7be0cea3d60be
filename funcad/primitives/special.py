"""Special functions computed by SciPy, with their derivatives.

Error functions, the gamma family, the logistic pair, the normal cdf,
``xlogy``/``xlog1py``, and the stable ``logsumexp``/``softmax`` reductions.
SciPy is optional, so this module is not imported by ``funcad.primitives``:
``funcad.scipy.special`` imports it, which registers the primitives. Their
implementations fetch ``scipy.special`` on first use, so importing this module
does not import SciPy.

Unary functions have one rule ``chain(g, ans, x) = g * f'(x)`` serving as JVP
and VJP (the Jacobian is diagonal), as in ``elementwise.py``. Each derivative
is written with funcad functions, and most of them with the primitives of this
module (``gammaln' = digamma``, ``digamma' = polygamma(1, .)``,
``polygamma(n, .)' = polygamma(n + 1, .)``), so every order is available.
"""

from __future__ import annotations

import math

from funcad import backend
from funcad.core.primitive import Primitive
from funcad.primitives._ufunc import binary_ufunc, unary_ufunc
from funcad.primitives._util import (
    backend_of,
    batch_size,
    dtype_of,
    move_to_front,
    on_lazy_blocks,
    shape_of,
    unbroadcast,
)
from funcad.primitives.arithmetic import add, divide, multiply, negative, subtract
from funcad.primitives.comparison import (
    astype,
    equal,
    greater,
    less,
    less_equal,
    logical_and,
    where,
)
from funcad.primitives.elementwise import exp, log, log1p, reciprocal, square
from funcad.primitives.reduction import expand_reduced
from funcad.primitives.reduction import sum as sum_


def scipy_special(*arrays):
    """The ``scipy.special`` of the backend owning ``arrays`` (``cupyx.scipy.special`` on CuPy)."""
    if len(arrays) == 1:
        return backend.of(arrays[0]).special()
    return backend.of_many(*[a for a in arrays if a is not None]).special()


_TWO_OVER_SQRT_PI = 1.1283791670955126  # 2 / sqrt(pi)
_HALF_SQRT_PI = 0.886226925452758  # sqrt(pi) / 2
_INV_SQRT_2PI = 0.3989422804014327  # 1 / sqrt(2 pi)
_SQRT_HALF_PI = 1.2533141373155003  # sqrt(pi / 2)
_SQRT_HALF = 0.7071067811865476  # 1 / sqrt(2)


def on_device_of(value, *operands):
    """``value``, a parameter without derivative (an order, a count), on ``operands``' backend.

    See :func:`funcad.backend.parameter_on`.
    """
    arrays = [x for x in operands
              if x is not None and not isinstance(x, (bool, int, float, complex))]
    return backend.parameter_on(backend_of(arrays[0]), value) if arrays else value


def result_float_dtype(*args):
    """The dtype NumPy gives the arrays among ``args`` next to a Python float, or None.

    Python scalars are weak (NEP 50) and ``None`` (an absent argument) is skipped.
    """
    arrays = [a for a in args if a is not None and not isinstance(a, (bool, int, float))]
    if not arrays:
        return None
    xp = backend_of(arrays[0]).xp
    return xp.result_type(*[dtype_of(a) or xp.asarray(a).dtype for a in arrays], 1.0)


def with_float_dtype(out, *args):
    """``out`` cast to the floating dtype NumPy would give ``args``.

    SciPy promotes ``xlogy(float32_array, 2.0)``, ``polygamma(1, float32)`` and
    its distributions to float64; NumPy 2 keeps float32, and so does funcad.
    """
    want = result_float_dtype(*args)
    if want is None or want.kind != "f" or dtype_of(out) == want:
        return out
    return backend_of(out).xp.asarray(out).astype(want)[()]


def weak_value(fn, *args):
    """``fn(*args)``, a Python float when every argument is a Python number.

    A NumPy float64 scalar would turn float32 operands into float64 (NEP 50); a
    Python float stays weak.
    """
    if all(isinstance(a, (bool, int, float)) for a in args):
        return float(fn(*args))
    return fn(*args)


# Unary functions ---------------------------------------------------------------------
def _unary(name: str, chain, doc: str):
    """Register the SciPy ufunc ``name`` with ``chain`` as its JVP and VJP."""

    def impl(x):
        return getattr(scipy_special(x), name)(x)

    prim, function = unary_ufunc(name, doc, impl=impl)
    prim.def_jvp(chain)
    prim.def_vjp(chain)
    return prim, function


def _gaussian(x):
    """exp(-x**2)."""
    return exp(negative(square(x)))


def _erf_chain(g, ans, x):
    return multiply(g, multiply(_TWO_OVER_SQRT_PI, _gaussian(x)))


def _erfc_chain(g, ans, x):
    return multiply(g, multiply(-_TWO_OVER_SQRT_PI, _gaussian(x)))


def _erfinv_chain(g, ans, x):
    return multiply(g, multiply(_HALF_SQRT_PI, exp(square(ans))))


def _erfcx_chain(g, ans, x):
    # erfcx(x) = exp(x**2) erfc(x), so erfcx' = 2 x erfcx(x) - 2 / sqrt(pi).
    return multiply(g, subtract(multiply(multiply(2, x), ans), _TWO_OVER_SQRT_PI))


def _gammaln_chain(g, ans, x):
    return multiply(g, digamma(x))


def _digamma_chain(g, ans, x):
    return multiply(g, polygamma(1, x))


def _expit_chain(g, ans, x):
    # expit(x) * expit(-x) rather than ans * (1 - ans): no cancellation for large x.
    return multiply(g, multiply(ans, expit(negative(x))))


def _logit_chain(g, ans, x):
    return divide(g, multiply(x, subtract(1, x)))


def _normal_pdf(x):
    return multiply(_INV_SQRT_2PI, exp(multiply(-0.5, square(x))))


def _ndtr_chain(g, ans, x):
    return multiply(g, _normal_pdf(x))


def _log_ndtr_slope(x):
    """pdf(x) / ndtr(x), the derivative of log_ndtr, without underflow or cancellation.

    For x < 0 it equals 1 / (sqrt(pi/2) erfcx(-x/sqrt(2))): pdf and ndtr both
    underflow below x = -38, their ratio (about -x) does not. For x >= 0,
    ndtr(x) >= 1/2 and the plain ratio is exact. Each branch sees only inputs
    of its own side, so the other branch never makes an inf or nan that a zero
    cotangent would turn into nan.
    """
    left_side = less(x, 0)
    x_left = where(left_side, x, 0.0)
    x_right = where(left_side, 0.0, x)
    left = reciprocal(multiply(_SQRT_HALF_PI, erfcx(multiply(-_SQRT_HALF, x_left))))
    right = divide(_normal_pdf(x_right), ndtr(x_right))
    return where(left_side, left, right)


def _log_ndtr_chain(g, ans, x):
    return multiply(g, _log_ndtr_slope(x))


erf_p, erf = _unary("erf", _erf_chain, "The error function, 2/sqrt(pi) * integral of exp(-t**2).")
erfc_p, erfc = _unary("erfc", _erfc_chain, "The complementary error function, 1 - erf(x).")
erfinv_p, erfinv = _unary("erfinv", _erfinv_chain, "The inverse of erf on (-1, 1).")
erfcx_p, erfcx = _unary("erfcx", _erfcx_chain, "The scaled complementary error function.")
gammaln_p, gammaln = _unary("gammaln", _gammaln_chain, "log|Gamma(x)|; derivative digamma.")
digamma_p, digamma = _unary("digamma", _digamma_chain, "psi(x) = d/dx log Gamma(x).")
expit_p, expit = _unary("expit", _expit_chain, "The logistic sigmoid 1 / (1 + exp(-x)).")
logit_p, logit = _unary("logit", _logit_chain, "log(p / (1 - p)), the inverse of expit.")
ndtr_p, ndtr = _unary("ndtr", _ndtr_chain, "The standard normal cdf.")
log_ndtr_p, log_ndtr = _unary(
    "log_ndtr", _log_ndtr_chain, "log of the standard normal cdf, accurate for x << 0."
)


# log B(a, b) without the cancellation of log-gammas ----------------------------------
_STIRLING_FROM = 100.0  # Stirling's series below is exact to ~1e-25 from here on


def _stirling_correction(x):
    """Log Gamma(x) - ((x - 1/2) log x - x + log(2 pi) / 2), for x >= 100."""
    r = reciprocal(x)
    r2 = square(r)
    series = subtract(1.0 / 1680.0, multiply(r2, 1.0 / 1188.0))
    for c in (1.0 / 1260.0, 1.0 / 360.0, 1.0 / 12.0):
        series = subtract(c, multiply(r2, series))
    return multiply(r, series)


def log_beta(a, b):
    """log|B(a, b)|, accurate (with its derivatives) when one argument is large.

    ``gammaln(b) - gammaln(a + b)`` loses ``log(b) b eps`` to cancellation
    (everything at b = 1e16); where ``b`` and ``a + b`` exceed 100 (``b`` the
    larger argument) the difference is taken from Stirling's series, whose
    leading terms cancel in closed form, as R's ``lbeta``. Each branch sees
    only arguments of its own region, so neither makes an inf a zero
    cotangent would turn into nan.
    """
    a_first = less_equal(a, b)
    lo, hi = where(a_first, a, b), where(a_first, b, a)
    large = logical_and(greater(hi, _STIRLING_FROM), greater(add(lo, hi), _STIRLING_FROM))
    big = where(large, hi, 2.0 * _STIRLING_FROM)
    lo_big = where(large, lo, 1.0)
    total = add(lo_big, big)
    ratio = subtract(subtract(lo_big, multiply(subtract(big, 0.5), log1p(divide(lo_big, big)))),
                     multiply(lo_big, log(total)))
    ratio = add(ratio, subtract(_stirling_correction(big), _stirling_correction(total)))
    small = where(large, 1.0, hi)
    plain = subtract(gammaln(small), gammaln(add(lo, small)))
    return add(gammaln(lo), where(large, ratio, plain))


# Binary functions --------------------------------------------------------------------
def _binary(name: str, impl, doc: str):
    """Register a broadcasting binary SciPy function; returns (primitive, function)."""
    return binary_ufunc(name, doc, impl=impl)


def _polygamma_impl(n, x):
    lazy = on_lazy_blocks(_polygamma_impl, n, x)
    if lazy is not None:
        return with_float_dtype(lazy, x)  # the order n does not take part in the dtype
    out = scipy_special(n, x).polygamma(n, x)
    return out if dtype_of(out) == dtype_of(x) else with_float_dtype(out, x)


# SciPy's dtype differs from NumPy's only for an array next to a Python scalar.
def _xlogy_impl(x, y):
    out = scipy_special(x, y).xlogy(x, y)
    return with_float_dtype(out, x, y) if _one_python_scalar(x, y) else out


def _xlog1py_impl(x, y):
    out = scipy_special(x, y).xlog1py(x, y)
    return with_float_dtype(out, x, y) if _one_python_scalar(x, y) else out


def _one_python_scalar(x, y) -> bool:
    return isinstance(x, (int, float)) != isinstance(y, (int, float))


polygamma_p, _polygamma = _binary(
    "polygamma", _polygamma_impl, "The n-th derivative of digamma; differentiable in x."
)


def polygamma(n, x):
    """The ``n``-th derivative of digamma at ``x``, SciPy's signature; differentiable in x."""
    return _polygamma(on_device_of(n, x), x)


xlogy_p, xlogy = _binary("xlogy", _xlogy_impl, "x * log(y), with 0 where x == 0.")
xlog1py_p, xlog1py = _binary("xlog1py", _xlog1py_impl, "x * log1p(y), with 0 where x == 0.")


def _polygamma_slope(n, x):
    return polygamma(add(n, 1), x)


def _polygamma_jvp(t, ans, n, x):
    return multiply(t, _polygamma_slope(n, x))


def _polygamma_vjp(ct, ans, n, x):
    return unbroadcast(multiply(ct, _polygamma_slope(n, x)), shape_of(x))


polygamma_p.def_jvp(None, _polygamma_jvp)
polygamma_p.def_vjp(None, _polygamma_vjp)


# xlogy and xlog1py take JAX's derivatives: d/dx = log(y) (or log1p(y)) even at
# x == 0, and d/dy = x / y (x / (1 + y)), except that where x and the denominator
# are both 0 d/dy is 0, not nan: xlogy(0, y) is 0 for every y. That keeps
# bernoulli.logpmf(1, p) differentiable at p = 1 (expit rounds to 1 for z > 37).
# A Python scalar ``y`` gives a Python float, which stays weak (float32 stays float32).
def _log_of(y):
    if isinstance(y, (int, float)):
        return math.log(y) if y > 0 else (-math.inf if y == 0 else math.nan)
    return log(y)


def _log1p_of(y):
    if isinstance(y, (int, float)):
        return math.log1p(y) if y > -1 else (-math.inf if y == -1 else math.nan)
    return log1p(y)


def _ratio(x, denominator):
    """``x / denominator``, taken as 0 where both are 0."""
    if isinstance(x, (int, float)):
        return 0.0 if x == 0 else divide(x, denominator)
    both_zero = logical_and(equal(x, 0), equal(denominator, 0))
    return divide(x, add(denominator, astype(both_zero, dtype_of(x))))


def _xlogy_jvp_x(t, ans, x, y):
    return multiply(t, _log_of(y))


def _xlogy_jvp_y(t, ans, x, y):
    return multiply(t, _ratio(x, y))


def _xlogy_vjp_x(ct, ans, x, y):
    return unbroadcast(multiply(ct, _log_of(y)), shape_of(x))


def _xlogy_vjp_y(ct, ans, x, y):
    return unbroadcast(multiply(ct, _ratio(x, y)), shape_of(y))


def _xlog1py_jvp_x(t, ans, x, y):
    return multiply(t, _log1p_of(y))


def _xlog1py_jvp_y(t, ans, x, y):
    return multiply(t, _ratio(x, add(y, 1)))


def _xlog1py_vjp_x(ct, ans, x, y):
    return unbroadcast(multiply(ct, _log1p_of(y)), shape_of(x))


def _xlog1py_vjp_y(ct, ans, x, y):
    return unbroadcast(multiply(ct, _ratio(x, add(y, 1))), shape_of(y))


xlogy_p.def_jvp(_xlogy_jvp_x, _xlogy_jvp_y)
xlogy_p.def_vjp(_xlogy_vjp_x, _xlogy_vjp_y)
xlog1py_p.def_jvp(_xlog1py_jvp_x, _xlog1py_jvp_y)
xlog1py_p.def_vjp(_xlog1py_vjp_x, _xlog1py_vjp_y)


# softmax, log_softmax ----------------------------------------------------------------
# Primitives, like logsumexp below (see there why); SciPy shifts by the max, and the
# rules are written in the output, which is bounded: softmax' = s (t - <s, t>),
# log_softmax' = t - <exp(ans), t>.
softmax_p = Primitive("softmax")
log_softmax_p = Primitive("log_softmax")


@softmax_p.def_impl
def _softmax_impl(x, *, axis):
    return scipy_special(x).softmax(x, axis=axis if shape_of(x) else None)


@log_softmax_p.def_impl
def _log_softmax_impl(x, *, axis):
    return scipy_special(x).log_softmax(x, axis=axis if shape_of(x) else None)


def _softmax_rule(g, ans, x, *, axis):
    # The Jacobian diag(s) - s s^T is symmetric: one rule for JVP and VJP.
    return multiply(ans, subtract(g, sum_(multiply(ans, g), axis=axis, keepdims=True)))


def _log_softmax_jvp(t, ans, x, *, axis):
    return subtract(t, sum_(multiply(exp(ans), t), axis=axis, keepdims=True))


def _log_softmax_vjp(ct, ans, x, *, axis):
    return subtract(ct, multiply(exp(ans), sum_(ct, axis=axis, keepdims=True)))


def _normalizer_batch(prim):
    def batch_normalizer(args, bdims, *, axis):
        (x,), (bdim,) = args, bdims
        return prim.bind(x, axis=tuple(i + (i >= bdim) for i in axis)), bdim

    batch_normalizer.__name__ = f"_{prim.name}_batch"
    return batch_normalizer


softmax_p.def_jvp(_softmax_rule)
softmax_p.def_vjp(_softmax_rule)
softmax_p.def_batch(_normalizer_batch(softmax_p))
log_softmax_p.def_jvp(_log_softmax_jvp)
log_softmax_p.def_vjp(_log_softmax_vjp)
log_softmax_p.def_batch(_normalizer_batch(log_softmax_p))


# logsumexp ---------------------------------------------------------------------------
# A primitive rather than ``m + log(sum(exp(x - m)))``: without a stop-gradient
# on the shift ``m = max(x)`` the derivative would flow through ``max`` (its
# terms cancel only to rounding, and ties split them), and SciPy's value is
# more accurate than the composite where one element dominates. Its derivative
# is the softmax primitive (below), whose own rules give the second order.
# ``axis`` is a sorted tuple; arguments are ``(a,)`` or ``(a, b)`` of one shape.
logsumexp_p = Primitive("logsumexp")
logsumexp_sign_p = Primitive("logsumexp_sign")


def _scipy_logsumexp(a, b, axis, keepdims):
    # SciPy returns shape (1,) for a 0-d input with axis=(); axis=None is the same sum.
    if not shape_of(a):
        axis = None
    return scipy_special(a, b).logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=True)


@logsumexp_p.def_impl
def _logsumexp_impl(a, b=None, *, axis, keepdims):
    return _scipy_logsumexp(a, b, axis, keepdims)[0]


@logsumexp_sign_p.def_impl
def _logsumexp_sign_impl(a, b=None, *, axis, keepdims):
    return _scipy_logsumexp(a, b, axis, keepdims)[1]


def _logsumexp_weights(a, b, axis, with_b):
    """The derivative of the output by ``a`` (``with_b``) or by ``b``.

    ``exp(a - ans)`` is written ``softmax(a)``, and with ``b``,
    ``[b *] softmax(a) / sum(b * softmax(a))``: the same function, but
    normalised exactly, where ``exp(a - ans)`` is 1 for ``a = [1e308, 1e308]``
    (``ans`` rounds to ``1e308``). The sign of the sum comes with the division.
    """
    if 0 in (shape_of(a)[i] for i in axis):
        # Nothing is summed: the output (-inf) does not depend on ``a`` or ``b``.
        return backend_of(a).xp.zeros(shape_of(a), dtype_of(a))
    p = softmax_p.bind(a, axis=axis)
    if b is None:
        return p
    p = divide(p, sum_(multiply(b, p), axis=axis, keepdims=True))
    return multiply(b, p) if with_b else p


def _logsumexp_jvp_a(t, ans, a, b=None, *, axis, keepdims):
    w = _logsumexp_weights(a, b, axis, True)
    return sum_(multiply(t, w), axis=axis, keepdims=keepdims)


def _logsumexp_jvp_b(t, ans, a, b, *, axis, keepdims):
    w = _logsumexp_weights(a, b, axis, False)
    return sum_(multiply(t, w), axis=axis, keepdims=keepdims)


def _logsumexp_vjp_a(ct, ans, a, b=None, *, axis, keepdims):
    w = _logsumexp_weights(a, b, axis, True)
    return multiply(expand_reduced(ct, shape_of(a), axis, keepdims), w)


def _logsumexp_vjp_b(ct, ans, a, b, *, axis, keepdims):
    w = _logsumexp_weights(a, b, axis, False)
    return multiply(expand_reduced(ct, shape_of(b), axis, keepdims), w)


def _logsumexp_batch(prim):
    def batch_logsumexp(args, bdims, *, axis, keepdims):
        if len(args) == 1:
            (a,), (bdim,) = args, bdims
            shifted = tuple(i + (i >= bdim) for i in axis)
            out_bdim = bdim if keepdims else bdim - sum(i < bdim for i in shifted)
            return prim.bind(a, axis=shifted, keepdims=keepdims), out_bdim
        size = batch_size(args, bdims)
        moved = [move_to_front(x, d, size) for x, d in zip(args, bdims)]
        return prim.bind(*moved, axis=tuple(i + 1 for i in axis), keepdims=keepdims), 0

    batch_logsumexp.__name__ = f"_{prim.name}_batch"
    return batch_logsumexp


logsumexp_p.def_jvp(_logsumexp_jvp_a, _logsumexp_jvp_b)
logsumexp_p.def_vjp(_logsumexp_vjp_a, _logsumexp_vjp_b)
logsumexp_p.def_batch(_logsumexp_batch(logsumexp_p))
# The sign is piecewise constant: no derivative rules.
logsumexp_sign_p.def_batch(_logsumexp_batch(logsumexp_sign_p))
