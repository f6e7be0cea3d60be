"""Student's t cdf, ``stdtr(df, t)``, with derivatives in ``df`` and ``t``.

The value is SciPy's. The derivative in ``t`` is the density; the one in
``df`` comes from the incomplete beta function's shape derivatives
(``incomplete.betainc_d``), or, where ``df`` is large and those would cancel,
from Fisher's large-df series.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

from funcad.primitives.arithmetic import add, divide, multiply, negative, subtract
from funcad.primitives.comparison import greater_equal, less, less_equal, logical_and, where
from funcad.primitives.elementwise import exp, log, log1p, sign, square
from funcad.primitives.incomplete import (
    betainc_d_p,
    elementwise_primitive,
    rules_from_slopes,
    scipy_value,
)
from funcad.primitives.special import digamma, log_beta
from funcad.primitives.special_values import isfinite

stdtr_p = elementwise_primitive("stdtr", scipy_value("stdtr"))


# Student's t: F(df, t) = 1/2 + sign(t) I_u(1/2, df/2) / 2 with u = t^2 / (df + t^2),
# = I_w(df/2, 1/2) / 2 for t < 0 and 1 - I_w(df/2, 1/2) / 2 for t > 0, w = 1 - u.
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _t_log_density_at_zero(df):
    # f(0) = 1 / (sqrt(df) B(1/2, df/2)); log_beta keeps large df exact.
    return subtract(negative(log_beta(0.5, multiply(df, 0.5))), multiply(log(df), 0.5))


def _t_density(df, t):
    """Student's t density; the normal one where df is infinite."""
    finite = isfinite(df)
    df = where(finite, df, 1.0)
    log_norm = _t_log_density_at_zero(df)
    log_kernel = multiply(multiply(add(df, 1.0), -0.5), log1p(divide(square(t), df)))
    normal = multiply(_INV_SQRT_2PI, exp(multiply(square(t), -0.5)))
    return where(finite, exp(add(log_norm, log_kernel)), normal)


# Where df is large, dF/d(df) = phi(t) (t^3 + t) / (4 df^2) + ... is a difference of
# nearly equal terms in the formula below (relative error ~1e-15 df^2): its asymptotic
# series F = Phi(t) - phi(t) sum_k R_k(t) / df^k (Fisher's) is used there instead.
_SERIES_TERMS = 12
_SERIES_DF = 200.0  # below, the direct formula is accurate to ~1e-12; above, t^4 <= 2 df


@functools.cache
def _t_series() -> tuple[tuple[float, ...], ...]:
    """Coefficients c[k][j] of dF/d(df) = phi(t) t sum_k sum_j c[k][j] t^(2j) / df^(k+2).

    From f/phi = C(df) exp(L): C = sqrt(2/df) Gamma((df+1)/2) / Gamma(df/2) by its
    Bernoulli-number series, L = t^2/2 - (df+1)/2 log(1 + t^2/df); each power of
    1/df is an even polynomial, integrated against phi by parts (its Phi parts cancel).
    """
    terms = _SERIES_TERMS
    bern = [Fraction(1)]
    for m in range(1, 2 * terms + 2):
        bern.append(-sum(math.comb(m + 1, k) * bern[k] for k in range(m)) / (m + 1))

    def padd(p, q):
        n = max(len(p), len(q))
        return [(p[i] if i < len(p) else 0) + (q[i] if i < len(q) else 0) for i in range(n)]

    def pmul(p, q):
        r = [Fraction(0)] * (len(p) + len(q) - 1)
        for i, u in enumerate(p):
            for j, v in enumerate(q):
                r[i + j] += u * v
        return r

    log_f = [[Fraction(0)] for _ in range(terms + 1)]  # polynomials in t, per 1/df^k
    for k in range(1, terms + 1):
        n = k + 1  # log C: (2^(1-n) - 2) B_n / (n (n-1)) (2/df)^(n-1), n even
        c = (Fraction(2) ** (1 - n) - 2) * bern[n] / (n * (n - 1)) * 2**k if n % 2 == 0 else 0
        poly = [Fraction(0)] * (2 * k + 3)
        poly[0] = c
        poly[2 * k + 2] = Fraction((-1) ** (k + 1), 2 * (k + 1))
        poly[2 * k] = Fraction((-1) ** k, 2 * k)
        log_f[k] = poly
    ratio = [[Fraction(1)]] + [[Fraction(0)] for _ in range(terms)]  # exp(log_f)
    for n in range(1, terms + 1):
        acc = [Fraction(0)]
        for k in range(1, n + 1):
            acc = padd(acc, [k * v for v in pmul(log_f[k], ratio[n - k])])
        ratio[n] = [v / n for v in acc]
    # int_-inf^t phi s^n ds = c_n Phi - phi Q_n: c_n = (n-1) c_(n-2), Q_n = t^(n-1) + (n-1) Q_(n-2).
    q_polys = {0: [Fraction(0)]}
    for n in range(2, 2 * (2 * terms + 1) + 1, 2):
        leading = [Fraction(0)] * (n - 1) + [Fraction(1)]
        q_polys[n] = padd(leading, [(n - 1) * v for v in q_polys[n - 2]])
    table = []
    for k in range(1, terms + 1):
        r_k = [Fraction(0)]
        for n, v in enumerate(ratio[k]):
            if v:
                r_k = padd(r_k, [v * w for w in q_polys[n]])
        # dF/d(df) = phi sum_k k R_k(t) / df^(k+1); R_k is odd in t.
        table.append(tuple(float(k * v) for v in r_k[1::2]))
    return tuple(table)


def _stdtr_slope_df_series(df, t):
    """dF/d(df) by the large-df series, to ~1e-13 where df >= 200 and t^4 <= 2 df."""
    t2 = square(t)
    inverse = divide(1.0, df)
    total = 0.0
    for coefficients in reversed(_t_series()):
        poly = coefficients[-1]
        for c in reversed(coefficients[:-1]):
            poly = add(multiply(poly, t2), c)
        total = multiply(add(total, poly), inverse)
    phi = multiply(_INV_SQRT_2PI, exp(multiply(t2, -0.5)))
    return multiply(multiply(phi, t), multiply(total, inverse))


def _stdtr_slope_df(df, t):
    """dF/d(df): -t f(t) / (2 df) from u's (or w's) dependence on df, plus the shape terms.

    The shape term is ``sign(t) dI_u(1/2, b)/db / 4`` where ``t**2 < df`` (u small:
    no cancellation) and ``-sign(t) dI_w(a, 1/2)/da / 4`` elsewhere. Where
    ``t**2 < 1e-14 df / (1 + df)`` the first is ``t f(0) (psi((df+1)/2) - psi(df/2)) / 2``
    to 1e-13: ``u ~ t**2`` would otherwise send ``sqrt(u)``'s infinite slope at t = 0
    into second derivatives. Each branch is evaluated at a point of its own region.
    """
    finite = logical_and(isfinite(df), isfinite(t))
    df = where(isfinite(df), df, 1.0)
    t = where(isfinite(t), t, 0.0)
    series = logical_and(greater_equal(df, _SERIES_DF),
                         less_equal(square(square(t)), multiply(df, 2.0)))
    series_value = _stdtr_slope_df_series(where(series, df, _SERIES_DF), where(series, t, 0.0))
    df = where(series, 1.0, df)
    t2 = square(t)
    density = _t_density(df, t)
    base = divide(multiply(t, density), multiply(df, -2.0))
    near = less(t2, df)
    threshold = divide(multiply(df, 1e-14), add(df, 1.0))
    tiny = less(t2, threshold)
    half = multiply(df, 0.5)
    slope_at_zero = multiply(multiply(exp(_t_log_density_at_zero(df)), 0.5),
                             subtract(digamma(add(half, 0.5)), digamma(half)))
    # df / (2 (df + 1)) is inside the near region and not tiny, for df > 4e-14.
    t_near = where(logical_and(near, greater_equal(t2, threshold)), t,
                   divide(df, multiply(add(df, 1.0), 2.0)))
    t2_near = square(t_near)
    u = divide(t2_near, add(df, t2_near))
    shape_near = multiply(multiply(sign(t_near), 0.25),
                          betainc_d_p.bind(0.5, half, u, orders=(0, 1)))
    t_far = where(near, add(df, 1.0), t)
    w = divide(df, add(df, square(t_far)))
    shape_far = multiply(multiply(sign(t_far), -0.25),
                         betainc_d_p.bind(half, 0.5, w, orders=(1, 0)))
    shape = where(near, where(tiny, multiply(t, slope_at_zero), shape_near), shape_far)
    return where(finite, where(series, series_value, add(base, shape)), 0.0)


rules_from_slopes(stdtr_p, _stdtr_slope_df, _t_density)

