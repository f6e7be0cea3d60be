"""The Bernoulli distribution, as ``scipy.stats.bernoulli``: logpmf, pmf, cdf, logcdf.

``k`` is data (0 or 1) and carries no derivative; ``p`` is differentiable.
Like an index, a NumPy ``k`` is accepted next to a CuPy ``p`` and copied there.
As in SciPy, the log-pmf is ``xlogy(k, p) + xlog1py(1 - k, -p)``.

>>> import funcad as fa
>>> from funcad.scipy.stats import bernoulli
>>> float(fa.grad(bernoulli.logpmf, argnums=1)(1, 0.25))  # 1 / p
4.0
"""

from __future__ import annotations

import operator

import funcad.numpy as fnp
from funcad.primitives.special import on_device_of, result_float_dtype
from funcad.scipy.special import xlog1py, xlogy
from funcad.scipy.stats._common import (
    both,
    compare,
    either,
    finish,
    invalid_unless,
    plain,
    plain_values,
    safe,
    scipy_stats,
)

__all__ = ["cdf", "logcdf", "logpmf", "pmf"]


def _parts(k, p, loc):
    """The log-pmf, the support {0, 1} and the invalid probabilities."""
    k = on_device_of(k, p, loc)
    k = k if (isinstance(loc, int) and loc == 0) else k - loc
    inside = either(compare(operator.eq, k, 0), compare(operator.eq, k, 1))
    j = safe(inside, k, 0.0)
    value = xlogy(j, p) + xlog1py(1 - j, -p)
    invalid = invalid_unless(both(compare(operator.ge, p, 0), compare(operator.le, p, 1)))
    return value, k, inside, invalid


def logpmf(k, p, loc=0):
    """Log of the Bernoulli probability of ``k`` with success probability ``p``."""
    if plain_values(k, p, loc):
        return plain(scipy_stats().bernoulli.logpmf, k, p, loc)
    value, k, inside, invalid = _parts(k, p, loc)
    return finish(value, k, invalid, inside)


def pmf(k, p, loc=0):
    """The Bernoulli probability of ``k`` with success probability ``p``."""
    if plain_values(k, p, loc):
        return plain(scipy_stats().bernoulli.pmf, k, p, loc)
    value, k, inside, invalid = _parts(k, p, loc)
    return finish(fnp.exp(value), k, invalid, inside, outside=0.0)


def _cdf_parts(k, p, loc):
    """P(K <= k) (1 - p on [0, 1), 1 above), the support test k >= 0, the invalid p."""
    k = on_device_of(k, p, loc)
    want = result_float_dtype(k, p, loc)
    k = k if (isinstance(loc, int) and loc == 0) else k - loc
    valid = both(compare(operator.ge, p, 0), compare(operator.le, p, 1))
    p = safe(valid, p, 0.5, k, p, loc)
    value = fnp.where(compare(operator.ge, k, 1), 1.0, 1.0 - p)
    if want is not None and value.dtype != want:  # as SciPy's (float64) for integer k
        value = fnp.astype(value, want)
    return value, k, compare(operator.ge, k, 0), invalid_unless(valid)


def cdf(k, p, loc=0):
    """The Bernoulli distribution function: 0 below 0, ``1 - p`` on [0, 1), 1 above."""
    if plain_values(k, p, loc):
        return plain(scipy_stats().bernoulli.cdf, k, p, loc)
    value, k, inside, invalid = _cdf_parts(k, p, loc)
    return finish(value, k, invalid, inside, outside=0.0)


def logcdf(k, p, loc=0):
    """Log of the Bernoulli distribution function."""
    if plain_values(k, p, loc):
        return plain(scipy_stats().bernoulli.logcdf, k, p, loc)
    value, k, inside, invalid = _cdf_parts(k, p, loc)
    # SciPy gives 0 for k >= 1 even for an invalid p (its logcdf sets that last).
    return fnp.where(compare(operator.ge, k, 1), 0.0, finish(fnp.log(value), k, invalid, inside))
