"""Regularised incomplete gamma and beta functions, with derivatives in every argument.

``gammainc``/``gammaincc`` and ``betainc``/``betaincc`` take their values from
SciPy (Student's t cdf, built on ``betainc_d``, is in ``student.py``).
Their derivatives in ``x`` are densities, closed forms. Their derivatives
in the shape parameters have no closed form: the primitives ``gammainc_da``
(``d^k P(a, x) / da^k``, ``order=k``) and ``betainc_d``
(``d^(i+j) I_x(a, b) / da^i db^j``, ``orders=(i, j)``) compute them here, and
their own derivatives are again those primitives (one order higher in a
shape) or, in ``x``, the shape derivatives of the density written with
funcad functions; so every order is available.

Both evaluate the classic expansions in truncated Taylor arithmetic in the
shape parameters (arrays of Taylor coefficients, shape ``(i+1, j+1, ...)``), so
that the k-th coefficient is the k-th derivative over k!: for the incomplete
gamma, the series ``P = x^a e^-x sum_n x^n / Gamma(a+n+1)`` (positive terms)
where ``x <= max(a, 1)``, else the continued fraction of ``Q`` (Legendre's, as
in Numerical Recipes' ``gcf``); for the incomplete beta, the continued
fraction of Numerical Recipes' ``betacf``, rewritten without divisions
(``a G = a + K(N_n / (a + n))``), on ``I_x(a, b)`` where
``x < (a+1)/(a+b+2)`` and on ``1 - I_(1-x)(b, a)`` elsewhere. The derivative
of the prefactor ``x^a (1-x)^b / B(a, b)`` comes from polygammas. This is the
approach of Moore (1982) and JAX's ``igamma_grad_a``, and of Boik and
Robison-Cox (1998) for ``betainc``, carried to any order.

Continued fractions run by the forward recurrence, rescaled each step; a
fraction's derivatives converge more slowly than its value and then gather
rounding noise, so each run stops at twice the number of steps its coefficients
needed to settle (docs/scipy.md gives the accuracy measured).
"""

from __future__ import annotations

import math

from funcad import backend
from funcad.core.primitive import Primitive
from funcad.primitives._util import (
    backend_of,
    broadcasting_batch,
    on_lazy_blocks,
    shape_of,
    unbroadcast,
)
from funcad.primitives.arithmetic import add, multiply, negative, subtract
from funcad.primitives.comparison import (
    astype,
    equal,
    greater,
    less,
    logical_and,
    where,
)
from funcad.primitives.elementwise import exp, log, log1p
from funcad.primitives.special import (
    digamma,
    gammaln,
    log_beta,
    polygamma,
    result_float_dtype,
    scipy_special,
    xlog1py,
    xlogy,
)

_CAP = 100_000  # at most this many terms or steps
_UNDERFLOW = -760.0  # exp of less is 0 in float64


# Truncated Taylor arithmetic: arrays of shape (I, J, *elements) ---------------------
def _mul(x, y):
    out = x[:1, :1] * y
    for p in range(x.shape[0]):
        for q in range(x.shape[1]):
            if p or q:
                out[p:, q:] += x[p, q] * y[: y.shape[0] - p, : y.shape[1] - q]
    return out


def _div(x, y):
    z = x.copy()
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            for p in range(i + 1):
                for q in range(j + 1):
                    if p or q:
                        z[i, j] -= y[p, q] * z[i - p, j - q]
            z[i, j] /= y[0, 0]
    return z


def _exp(h):
    """exp(h), from e' = h' e along each variable."""
    e = h.copy()
    e[0, 0] = backend_of(h).xp.exp(h[0, 0])
    for i in range(h.shape[0]):
        for j in range(h.shape[1]):
            if i:
                e[i, j] = sum(p * h[p, q] * e[i - p, j - q]
                              for p in range(1, i + 1) for q in range(j + 1)) / i
            elif j:
                e[0, j] = sum(q * h[0, q] * e[0, j - q] for q in range(1, j + 1)) / j
    return e


def _times_linear(y, c, alpha=None, beta=None):
    """``y * (c + alpha s + beta t)`` for the shape variables s, t."""
    out = c * y
    if alpha is not None and y.shape[0] > 1:
        out[1:] += alpha * y[:-1]
    if beta is not None and y.shape[1] > 1:
        out[:, 1:] += beta * y[:, :-1]
    return out


def _log_gamma_ratio(xp, a, b, shape):
    """Taylor coefficients of -log B(a + s, b + t) (of -log Gamma(a + s) when b is None)."""
    sc = scipy_special(a)
    h = xp.zeros(shape + a.shape)
    h[0, 0] = -(sc.gammaln(a) if b is None else sc.betaln(a, b))
    for i in range(shape[0]):
        for j in range(shape[1]):
            if i + j:
                fact = math.factorial(i) * math.factorial(j)
                if b is not None:
                    h[i, j] += sc.polygamma(i + j - 1, a + b) / fact
                if j == 0:
                    h[i, j] -= sc.polygamma(i - 1, a) / fact
                if i == 0:
                    h[i, j] -= sc.polygamma(j - 1, b) / fact
    return h


def _continued_fraction(xp, start, step, shape, size):
    """``b0 + K(p_n / q_n)``: Taylor arrays ``(B, A)`` of its last convergent ``A / B``.

    ``start`` is ``b0``; ``step(n, y1, y2)`` is ``q_n y1 + p_n y2``, the recurrence
    that both numerators and denominators follow.
    """
    # All four scaled alike (the convergents keep their value): b0 ~ x could square
    # to an overflow in the first step.
    scale = xp.abs(start[0, 0])
    scale = xp.where((scale > 0) & xp.isfinite(scale), scale, 1.0)
    a1, a2 = start / scale, xp.zeros(shape + size)
    b1, b2 = xp.zeros(shape + size), xp.zeros(shape + size)
    a2[0, 0], b1[0, 0] = 1.0 / scale, 1.0 / scale
    # An element settles (for good) once each coefficient of A/B moves by < 1e-14 of
    # itself plus the value over 4 steps. Not the value alone: at an integer shape its
    # fraction ends (a zero numerator), the derivatives' does not; not itself alone:
    # growing rounding noise could keep it above. All run to twice the last count.
    settled = xp.zeros(size, dtype=bool)
    previous, stop, n = None, None, 0
    while n < _CAP and (stop is None or n < stop):
        n += 1
        a_new, b_new = step(n, a1, a2), step(n, b1, b2)
        scale = xp.abs(a_new[0, 0])
        a1, a2, b1, b2 = a_new / scale, a1 / scale, b_new / scale, b1 / scale
        if stop is None and n % 4 == 0:
            ratio = _div(b1, a1)
            if previous is not None:
                small = xp.abs(ratio - previous) <= 1e-14 * (xp.abs(ratio) + xp.abs(ratio[0, 0]))
                settled = settled | xp.all(small.reshape((-1,) + size), axis=0)
                # A nan or inf never settles; it must not hold the others to the cap.
                settled = settled | ~xp.all(xp.isfinite(ratio).reshape((-1,) + size), axis=0)
                stop = 2 * n + 8 if xp.all(settled) else None
            previous = ratio
    return b1, a1


# d^k P(a, x) / da^k ------------------------------------------------------------------
def _gamma_series(xp, a, x, k):
    """Taylor coefficients in a of P(a, x) by its series (all terms positive)."""
    shape = (k + 1, 1)
    h = _log_gamma_ratio(xp, a + 1.0, None, shape)
    h[0, 0] += a * xp.log(x) - x
    h[1, 0] += xp.log(x)
    term = _exp(h)
    total = term.copy()
    settled, n = None, 0
    while n < _CAP and (settled is None or n < settled):
        n += 1
        for i in range(k + 1):  # term *= x / (a + n + s)
            term[i] = (x * term[i] - (term[i - 1] if i else 0.0)) / (a + n)
        total += term
        small = xp.abs(term) <= 1e-17 * xp.abs(total)
        if xp.all(small):
            break
        if settled is None and xp.all(small[0]):
            settled = 2 * n + 16
    return total


def _gamma_fraction(xp, a, x, k):
    """Taylor coefficients in a of Q(a, x) by its continued fraction (x > max(a, 1))."""
    shape = (k + 1, 1)
    h = _log_gamma_ratio(xp, a, None, shape)
    h[0, 0] += a * xp.log(x) - x
    h[1, 0] += xp.log(x)
    start = xp.zeros(shape + a.shape)
    start[0, 0], start[1, 0] = x + 1.0 - a, -1.0

    def gamma_step(n, y1, y2):
        # b_n = x + 2n + 1 - a, a_n = n (a - n)
        return _times_linear(y1, x + (2 * n + 1) - a, -1.0) + _times_linear(y2, n * (a - n), n)

    b, a_ = _continued_fraction(xp, start, gamma_step, shape, a.shape)
    return _mul(_exp(h), _div(b, a_))


def gammainc_derivative(a, x, order: int):
    """d^order P(a, x) / da^order at concrete arrays, in float64 (order >= 1)."""
    # Python numbers among the arguments go along with the arrays' backend.
    xp = backend.of_many(a, x).xp
    a, x = xp.broadcast_arrays(xp.asarray(a, dtype=xp.float64), xp.asarray(x, dtype=xp.float64))
    valid = (a > 0) & (a < xp.inf) & (x >= 0)
    inside = valid & (x > 0) & (x < xp.inf)
    out = xp.where(valid, 0.0, xp.nan)
    # Where the prefactor x^a e^-x / Gamma(a) underflows (times any power of log x
    # the derivatives bring), every derivative is 0: no series or fraction to run.
    with xp.errstate(all="ignore"):
        log_prefactor = xp.where(inside, a * xp.log(x) - x - scipy_special(a).gammaln(a), 0.0)
    inside = inside & (log_prefactor > _UNDERFLOW - 50.0 * order)
    series = inside & ((x <= 1) | (x <= a))
    scale = float(math.factorial(order))
    if series.any():
        out[series] = _gamma_series(xp, a[series], x[series], order)[order, 0] * scale
    fraction = inside & ~series
    if fraction.any():
        out[fraction] = -_gamma_fraction(xp, a[fraction], x[fraction], order)[order, 0] * scale
    return out


# d^(i+j) I_x(a, b) / da^i db^j --------------------------------------------------------
def _beta_fraction(xp, a, b, x, i, j):
    """Taylor coefficients in (a, b) of I_x(a, b) by its continued fraction.

    ``I = x^a (1-x)^b / (a B(a, b)) / G``. Both ``1 / (a B)`` and ``1 / G`` (with
    ``a G = a + K(N_n / (a + n))``) have an a-coefficient of order ``1 / a``, of
    opposite signs: for a tiny ``a`` their product cancels to nothing. So the
    prefactor keeps ``log Gamma(a + b) - log Gamma(a + 1) - log Gamma(b)`` and the
    fraction is ``G`` itself, ``1 + K``: ``N_1 = -a (a + b) x`` carries the factor
    ``a``, divided out.
    """
    shape = (i + 1, j + 1)
    sc = scipy_special(a)
    h = xp.zeros(shape + a.shape)
    # a B(a, b) = (a + b) B(a + 1, b): no log a to cancel against.
    h[0, 0] = -sc.betaln(a + 1.0, b) - xp.log(a + b) + a * xp.log(x) + b * xp.log1p(-x)
    for p in range(i + 1):
        for q in range(j + 1):
            if p + q:
                fact = math.factorial(p) * math.factorial(q)
                h[p, q] += sc.polygamma(p + q - 1, a + b) / fact
                if q == 0:
                    h[p, q] -= sc.polygamma(p - 1, a + 1.0) / fact
                if p == 0:
                    h[p, q] -= sc.polygamma(q - 1, b) / fact
    if i:
        h[1, 0] += xp.log(x)
    if j:
        h[0, 1] += xp.log1p(-x)
    start = xp.zeros(shape + a.shape)
    start[0, 0] = 1.0

    def beta_step(n, y1, y2):
        m, odd = divmod(n, 2)
        if n == 1:  # N_1 / a = -(a + b) x
            y2 = _times_linear(y2, -(a + b) * x, -x, -x)
        elif odd:  # N_n = -(a + m)(a + b + m) x
            y2 = _times_linear(_times_linear(y2, a + m, 1.0), -(a + b + m) * x, -x, -x)
        else:  # N_n = m (b - m) x
            y2 = _times_linear(y2, m * (b - m) * x, None, m * x)
        return _times_linear(y1, a + n, 1.0) + y2

    b_, a_ = _continued_fraction(xp, start, beta_step, shape, a.shape)
    return _mul(_exp(h), _div(b_, a_))


def betainc_derivative(a, b, x, i: int, j: int):
    """d^(i+j) I_x(a, b) / da^i db^j at concrete arrays, in float64 (i + j >= 1)."""
    # stdtr's rules pass a Python 1/2 as a shape: the arrays' backend, not a's.
    xp = backend.of_many(a, b, x).xp
    a, b, x = xp.broadcast_arrays(*(xp.asarray(v, dtype=xp.float64) for v in (a, b, x)))
    valid = (a > 0) & (a < xp.inf) & (b > 0) & (b < xp.inf) & (x >= 0) & (x <= 1)
    inside = valid & (x > 0) & (x < 1)
    out = xp.where(valid, 0.0, xp.nan)
    with xp.errstate(all="ignore"):
        log_prefactor = xp.where(inside, a * xp.log(x) + b * xp.log1p(-x)
                                 - scipy_special(a, b).betaln(a, b), 0.0)
    inside = inside & (log_prefactor > _UNDERFLOW - 50.0 * (i + j))
    # Also where 1 - x rounds to 1 (a huge b): the mirrored fraction would see x = 1.
    direct = inside & ((x < (a + 1) / (a + b + 2)) | (1.0 - x == 1.0))
    scale = float(math.factorial(i) * math.factorial(j))
    if direct.any():
        taylor = _beta_fraction(xp, a[direct], b[direct], x[direct], i, j)
        out[direct] = taylor[i, j] * scale
    mirrored = inside & ~direct
    if mirrored.any():
        # I_x(a, b) = 1 - I_(1-x)(b, a); 1 - x is exact for x >= 1/2.
        taylor = _beta_fraction(xp, b[mirrored], a[mirrored], 1.0 - x[mirrored], j, i)
        out[mirrored] = -taylor[j, i] * scale
    return out


# Primitives -----------------------------------------------------------------------------
def _concrete(out, *args):
    """A kernel's float64 result in the dtype NumPy gives ``args``; a scalar when 0-d."""
    want = result_float_dtype(*args)
    if want is not None and want.kind == "f" and out.dtype != want:
        out = out.astype(want)
    return out[()] if out.ndim == 0 else out


def _with_float_scalars(args):
    """``args`` with Python numbers as arrays of the result's dtype, for the rules.

    A Python float next to float32 data stays float32 (NEP 50), and functions
    such as ``digamma`` of a Python float would give a (strong) float64 scalar.
    """
    numbers = [isinstance(v, (bool, int, float)) for v in args]
    if all(numbers) or not any(numbers):
        return args
    dtype = result_float_dtype(*args)
    xp = backend_of(args[numbers.index(False)]).xp
    return tuple(xp.asarray(v, dtype=dtype) if isinstance(v, (bool, int, float)) else v
                 for v in args)


def rules_from_slopes(prim, *slopes):
    """JVP and VJP rules of an elementwise primitive from its partial derivatives.

    ``slopes[i](*args, **params)`` is the derivative by argument ``i``.
    """
    slopes = [_in_float64(s) for s in slopes]
    prim.def_jvp(*[_jvp_from_slope(s) for s in slopes])
    prim.def_vjp(*[_vjp_from_slope(s, i) for i, s in enumerate(slopes)])


def _in_float64(slope):
    """``slope`` evaluated in float64 and cast back for float32 arguments.

    The densities subtract log-gammas of size a log a: in float32 their
    difference loses everything at a shape of 1e5.
    """
    def slope_in_float64(*args, **params):
        want = result_float_dtype(*args)
        if want is None or want.kind != "f" or want.itemsize >= 8:
            return slope(*args, **params)
        wide = [v if isinstance(v, (bool, int, float)) else astype(v, "float64") for v in args]
        return astype(slope(*wide, **params), want)

    slope_in_float64.__name__ = slope.__name__
    return slope_in_float64


def _jvp_from_slope(slope):
    def jvp_from_slope(t, ans, *args, **params):
        return multiply(t, slope(*_with_float_scalars(args), **params))

    jvp_from_slope.__name__ = f"{slope.__name__}_jvp"
    return jvp_from_slope


def _vjp_from_slope(slope, i):
    def vjp_from_slope(ct, ans, *args, **params):
        g = multiply(ct, slope(*_with_float_scalars(args), **params))
        return unbroadcast(g, shape_of(args[i]))

    vjp_from_slope.__name__ = f"{slope.__name__}_vjp"
    return vjp_from_slope


def elementwise_primitive(name: str, impl):
    prim = Primitive(name)
    impl.__name__ = f"_{name}_impl"
    prim.def_impl(impl)
    prim.def_batch(broadcasting_batch(prim))
    return prim


def scipy_value(name: str):
    def scipy_value(*args):
        out = getattr(scipy_special(*args), name)(*args)
        want = result_float_dtype(*args)
        return out if want is None or want.kind != "f" or out.dtype == want else out.astype(want)

    return scipy_value


def _gammainc_da_impl(a, x, *, order):
    lazy = on_lazy_blocks(_gammainc_da_impl, a, x, order=order)
    if lazy is not None:
        return lazy
    return _concrete(gammainc_derivative(a, x, order), a, x)


def _betainc_d_impl(a, b, x, *, orders):
    lazy = on_lazy_blocks(_betainc_d_impl, a, b, x, orders=orders)
    if lazy is not None:
        return lazy
    return _concrete(betainc_derivative(a, b, x, *orders), a, b, x)


gammainc_p = elementwise_primitive("gammainc", scipy_value("gammainc"))
gammaincc_p = elementwise_primitive("gammaincc", scipy_value("gammaincc"))
gammainc_da_p = elementwise_primitive("gammainc_da", _gammainc_da_impl)
betainc_p = elementwise_primitive("betainc", scipy_value("betainc"))
betaincc_p = elementwise_primitive("betaincc", scipy_value("betaincc"))
betainc_d_p = elementwise_primitive("betainc_d", _betainc_d_impl)


# Densities and their shape derivatives, with funcad functions (differentiable again).
def _bell(slopes, order: int):
    """d^order exp(f) / exp(f), from ``slopes[i]``, the (i + 1)-th derivative of f."""
    y = [1.0]
    for m in range(order):
        terms = [multiply(float(math.comb(m, i)), multiply(slopes[i], y[m - i]))
                 for i in range(m + 1)]
        y.append(_sum(terms))
    return y[order]


def _sum(terms):
    total = terms[0]
    for term in terms[1:]:
        total = add(total, term)
    return total


def _density_at_zero(a, at_one):
    """The limit at x = 0 of a density ~ x^(a-1) c: 0 for a > 1, c = ``at_one`` at a = 1, else inf.

    Evaluating the density at 0 itself gives the right value but a nan slope
    (xlogy's infinite slope in x times exp(-inf)).
    """
    return where(greater(a, 1.0), 0.0, where(equal(a, 1.0), at_one, math.inf))


def _gamma_log_density(a, x):
    return subtract(subtract(xlogy(subtract(a, 1.0), x), x), gammaln(a))


def _gamma_density_da(a, x, order: int):
    """d^order / da^order of the gamma density x^(a-1) e^-x / Gamma(a) (0 at x = 0)."""
    positive = greater(x, 0)
    at_zero = equal(x, 0)
    x = where(positive, x, 1.0)  # log(x) below, finite where the result is replaced
    if order == 0:
        edge = where(at_zero, _density_at_zero(a, 1.0), 0.0)
        return where(positive, exp(_gamma_log_density(a, x)), edge)
    slopes = [subtract(log(x), digamma(a))]
    slopes += [negative(polygamma(k, a)) for k in range(1, order)]
    value = multiply(exp(_gamma_log_density(a, x)), _bell(slopes, order))
    return where(positive, value, 0.0)


def _beta_log_density(a, b, x):
    return subtract(add(xlogy(subtract(a, 1.0), x), xlog1py(subtract(b, 1.0), negative(x))),
                    log_beta(a, b))


def _beta_density_d(a, b, x, i: int, j: int):
    """d^(i+j) / da^i db^j of the beta density (0 at x = 0 and 1 for i + j >= 1)."""
    inside = logical_and(greater(x, 0), less(x, 1))
    x_in = where(inside, x, 0.5)
    if i == j == 0:
        edge = where(equal(x, 0), _density_at_zero(a, b),
                     where(equal(x, 1), _density_at_zero(b, a), 0.0))
        return where(inside, exp(_beta_log_density(a, b, x_in)), edge)
    x = x_in
    ab = add(a, b)
    slope = {(1, 0): add(subtract(log(x), digamma(a)), digamma(ab)),
             (0, 1): add(subtract(log1p(negative(x)), digamma(b)), digamma(ab))}
    for p in range(i + 1):
        for q in range(j + 1):
            if p + q >= 2:
                s = polygamma(p + q - 1, ab)
                s = subtract(s, polygamma(p - 1, a)) if q == 0 else s
                slope[p, q] = subtract(s, polygamma(q - 1, b)) if p == 0 else s
    y = {(0, 0): 1.0}
    for total in range(1, i + j + 1):
        for p in range(max(0, total - j), min(i, total) + 1):
            y[p, total - p] = _bivariate_bell(slope, y, p, total - p)
    value = multiply(exp(_beta_log_density(a, b, x)), y[i, j])
    return where(inside, value, 0.0)


def _bivariate_bell(slope, y, i, j):
    """d^(i+j) exp(f) / da^i db^j / exp(f) from lower ones: Leibniz on f_a exp(f) (or f_b)."""
    if i:
        return _sum([multiply(float(math.comb(i - 1, p) * math.comb(j, q)),
                              multiply(slope[p + 1, q], y[i - 1 - p, j - q]))
                     for p in range(i) for q in range(j + 1)])
    return _sum([multiply(float(math.comb(j - 1, q)), multiply(slope[0, q + 1], y[0, j - 1 - q]))
                 for q in range(j)])


# The slopes of gammainc (order 0) and of its shape derivatives gammainc_da (order k);
# likewise betainc (orders (0, 0)) and betainc_d. The complements' are the negatives.
def _gamma_slope_a(a, x, *, order=0):
    return gammainc_da_p.bind(a, x, order=order + 1)


def _gamma_slope_x(a, x, *, order=0):
    return _gamma_density_da(a, x, order)


def _beta_slope_a(a, b, x, *, orders=(0, 0)):
    return betainc_d_p.bind(a, b, x, orders=(orders[0] + 1, orders[1]))


def _beta_slope_b(a, b, x, *, orders=(0, 0)):
    return betainc_d_p.bind(a, b, x, orders=(orders[0], orders[1] + 1))


def _beta_slope_x(a, b, x, *, orders=(0, 0)):
    return _beta_density_d(a, b, x, *orders)


def _negated(slope):
    def negated_slope(*args, **params):
        return negative(slope(*args, **params))

    negated_slope.__name__ = f"{slope.__name__}_negated"
    return negated_slope


rules_from_slopes(gammainc_p, _gamma_slope_a, _gamma_slope_x)
rules_from_slopes(gammaincc_p, _negated(_gamma_slope_a), _negated(_gamma_slope_x))
rules_from_slopes(gammainc_da_p, _gamma_slope_a, _gamma_slope_x)
rules_from_slopes(betainc_p, _beta_slope_a, _beta_slope_b, _beta_slope_x)
rules_from_slopes(betaincc_p, *[_negated(s) for s in (_beta_slope_a, _beta_slope_b,
                                                         _beta_slope_x)])
rules_from_slopes(betainc_d_p, _beta_slope_a, _beta_slope_b, _beta_slope_x)
