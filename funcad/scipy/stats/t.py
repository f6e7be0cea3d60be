"""Student's t distribution, as ``scipy.stats.t``: logpdf, pdf, cdf, logcdf, sf.

``df = inf`` gives the normal distribution, as in SciPy. The cdf is SciPy's
``stdtr(df, z)``; its derivative in ``df`` goes through the incomplete beta
function's derivatives (``funcad.primitives.incomplete``).

>>> import funcad as fa
>>> from funcad.scipy.stats import t
>>> round(float(fa.grad(t.logpdf)(1.0, 3.0)), 6)  # -(df + 1) x / (df + x**2)
-1.0
"""

from __future__ import annotations

import math
import operator

import funcad.numpy as fnp
from funcad.primitives.special import log_beta, weak_value
from funcad.scipy.special import stdtr
from funcad.scipy.stats import norm
from funcad.scipy.stats._common import (
    both,
    compare,
    finish,
    invalid_unless,
    log_of,
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

def _standard_logpdf(z, df):
    is_normal = compare(operator.eq, df, math.inf)
    if is_normal is True:
        return norm.standard_logpdf(z)
    df = safe(invalid_unless(is_normal), df, 1.0, z, df)
    half = df * 0.5
    # log f(0) = -log B(1/2, df/2) - log(df) / 2; log_beta stays exact for large df.
    log_norm = -weak_value(log_beta, 0.5, half) - log_of(df) * 0.5
    value = log_norm - (df + 1) / 2 * fnp.log1p(z * z / df)
    if is_normal is False:
        return value
    # A Python z gives a Python float here, weak next to float32 data.
    return select(is_normal, weak_value(norm.standard_logpdf, z), value)


def logpdf(x, df, loc=0, scale=1):
    """Log of Student's t density with ``df`` degrees of freedom, shifted and scaled."""
    if plain_values(x, df, loc, scale):
        return plain(scipy_stats().t.logpdf, x, df, loc, scale)
    z = standardize(x, loc, scale)
    invalid = invalid_unless(both(positive(df), positive(scale)))
    return finish(minus_log_scale(_standard_logpdf(z, df), scale), z, invalid)


def pdf(x, df, loc=0, scale=1):
    """Student's t density with ``df`` degrees of freedom, shifted and scaled."""
    if plain_values(x, df, loc, scale):
        return plain(scipy_stats().t.pdf, x, df, loc, scale)
    z = standardize(x, loc, scale)
    invalid = invalid_unless(both(positive(df), positive(scale)))
    return finish(over_scale(fnp.exp(_standard_logpdf(z, df)), scale), z, invalid)


def _cdf_parts(x, df, loc, scale):
    """z, df (1 where invalid) and the invalid parameters."""
    valid = both(positive(df), positive(scale))
    return standardize(x, loc, scale), safe(valid, df, 1.0, x, df, loc, scale), \
        invalid_unless(valid)


def cdf(x, df, loc=0, scale=1):
    """Student's t distribution function, ``stdtr(df, (x - loc) / scale)``."""
    if plain_values(x, df, loc, scale):
        return plain(scipy_stats().t.cdf, x, df, loc, scale)
    z, df, invalid = _cdf_parts(x, df, loc, scale)
    return finish(stdtr(df, z), z, invalid)


def logcdf(x, df, loc=0, scale=1):
    """Log of Student's t distribution function; ``log1p(-sf)`` above the median, as SciPy."""
    if plain_values(x, df, loc, scale):
        return plain(scipy_stats().t.logcdf, x, df, loc, scale)
    z, df, invalid = _cdf_parts(x, df, loc, scale)
    # One tail probability, of -|z|; where(), not abs(), so that z = 0 has its slope.
    left = compare(operator.lt, z, 0)
    if isinstance(left, bool):  # a Python z stays a (weak) Python float
        tail = stdtr(df, z if left else -z)
        return finish(fnp.log(tail) if left else fnp.log1p(-tail), z, invalid)
    tail = stdtr(df, fnp.where(left, z, -z))
    # log sees 1/2 where not taken: far right the tail underflows to 0, log's slope is inf.
    value = fnp.where(left, fnp.log(fnp.where(left, tail, 0.5)), fnp.log1p(-tail))
    return finish(value, z, invalid)


def sf(x, df, loc=0, scale=1):
    """Student's t survival function, ``stdtr(df, -(x - loc) / scale)``."""
    if plain_values(x, df, loc, scale):
        return plain(scipy_stats().t.sf, x, df, loc, scale)
    z, df, invalid = _cdf_parts(x, df, loc, scale)
    return finish(stdtr(df, -z), z, invalid)
