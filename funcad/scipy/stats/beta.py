"""The beta distribution, as ``scipy.stats.beta``: logpdf, pdf, cdf, logcdf, sf.

The cdf is ``betainc(a, b, z)``; its derivatives in ``a`` and ``b`` come from a
continued fraction (``funcad.primitives.incomplete``). At the ends of the
support the cdf takes its slope from inside.

>>> import funcad as fa
>>> from funcad.scipy.stats import beta
>>> float(fa.grad(beta.logpdf)(0.5, 2.0, 2.0))  # (a - 1) / x - (b - 1) / (1 - x)
0.0
"""

from __future__ import annotations

import operator

import funcad.numpy as fnp
from funcad.primitives.special import weak_value
from funcad.scipy.special import betainc, betaincc, betaln, xlog1py, xlogy
from funcad.scipy.stats._common import (
    both,
    compare,
    finish,
    invalid_unless,
    log_cdf,
    minus_log_scale,
    over_scale,
    plain,
    plain_values,
    positive,
    safe,
    scipy_stats,
    select,
    standardize,
)

__all__ = ["cdf", "logcdf", "logpdf", "pdf", "sf"]


def _parts(x, a, b, loc, scale):
    """The standardised log-density, the support [0, 1] and the invalid parameters."""
    z = standardize(x, loc, scale)
    inside = both(compare(operator.ge, z, 0), compare(operator.le, z, 1))
    y = safe(inside, z, 0.5)
    # As SciPy: xlog1py(b - 1, -x) + xlogy(a - 1, x) - betaln(a, b).
    log_kernel = weak_value(xlog1py, b - 1.0, -y) + weak_value(xlogy, a - 1.0, y)
    value = log_kernel - weak_value(betaln, a, b)
    invalid = invalid_unless(both(both(positive(a), positive(b)), positive(scale)))
    return value, z, inside, invalid


def logpdf(x, a, b, loc=0, scale=1):
    """Log of the beta density with shapes ``a``, ``b`` on [loc, loc + scale]."""
    if plain_values(x, a, b, loc, scale):
        return plain(scipy_stats().beta.logpdf, x, a, b, loc, scale)
    value, z, inside, invalid = _parts(x, a, b, loc, scale)
    return finish(minus_log_scale(value, scale), z, invalid, inside)


def pdf(x, a, b, loc=0, scale=1):
    """The beta density with shapes ``a``, ``b`` on [loc, loc + scale]."""
    if plain_values(x, a, b, loc, scale):
        return plain(scipy_stats().beta.pdf, x, a, b, loc, scale)
    value, z, inside, invalid = _parts(x, a, b, loc, scale)
    return finish(over_scale(fnp.exp(value), scale), z, invalid, inside, outside=0.0)


def _cdf_parts(x, a, b, loc, scale):
    """The pieces of the cdf: z, z >= 0, the support, z there, a, b, the invalid parameters.

    z is replaced by 1/2 outside [0, 1], a and b by 1 where they are invalid.
    Above the support the cdf is 1.
    """
    z = standardize(x, loc, scale)
    above = compare(operator.ge, z, 0)
    inside = both(above, compare(operator.le, z, 1))
    valid = both(both(positive(a), positive(b)), positive(scale))
    a, b = safe(valid, a, 1.0, x, a, b, loc, scale), safe(valid, b, 1.0, x, a, b, loc, scale)
    return z, above, inside, safe(inside, z, 0.5), a, b, invalid_unless(valid)


def cdf(x, a, b, loc=0, scale=1):
    """The beta distribution function ``betainc(a, b, (x - loc) / scale)``."""
    if plain_values(x, a, b, loc, scale):
        return plain(scipy_stats().beta.cdf, x, a, b, loc, scale)
    z, above, inside, y, a, b, invalid = _cdf_parts(x, a, b, loc, scale)
    return finish(select(inside, betainc(a, b, y), 1.0), z, invalid, above, outside=0.0)


def logcdf(x, a, b, loc=0, scale=1):
    """Log of the beta distribution function; ``log1p(-sf)`` above the median, as SciPy."""
    if plain_values(x, a, b, loc, scale):
        return plain(scipy_stats().beta.logcdf, x, a, b, loc, scale)
    z, above, inside, y, a, b, invalid = _cdf_parts(x, a, b, loc, scale)
    value = log_cdf(betainc(a, b, y), betaincc(a, b, y))
    return finish(select(inside, value, 0.0), z, invalid, above)


def sf(x, a, b, loc=0, scale=1):
    """The beta survival function ``betaincc(a, b, (x - loc) / scale)``."""
    if plain_values(x, a, b, loc, scale):
        return plain(scipy_stats().beta.sf, x, a, b, loc, scale)
    z, above, inside, y, a, b, invalid = _cdf_parts(x, a, b, loc, scale)
    return finish(select(inside, betaincc(a, b, y), 0.0), z, invalid, above, outside=1.0)
