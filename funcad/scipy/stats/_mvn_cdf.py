"""The multivariate normal distribution function under transforms, deterministic.

Every path is written with funcad operations, so derivatives of any order in
the limits, the mean and the covariance come from autodiff:

* one coordinate: ``ndtr`` (``log_ndtr`` for the log);
* two: Genz's bivariate algorithm (Drezner and Wesolowsky's integral in the
  correlation, with a series for the singular part when ``|r| >= 0.925``),
  on fixed 20-point Gauss-Legendre nodes: exact to about 1e-15;
* three or more: Genz's separation of variables over the fixed lattice rule
  of ``_mvn_lattice``: a smooth function of every argument (no randomisation
  and no reordering of the variables, which would make it piecewise), whose
  accuracy grows with the number of points.

Infinite limits are replaced by finite ones before any arithmetic that could
make inf - inf, and their terms by the exact 0 or 1 with ``where``: a zero
cotangent times an infinite partial derivative would be nan.

NumPy builds only constants here (quadrature nodes, the lattice, dtype
limits); they are moved to the arguments' backend before they meet them.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

import funcad.numpy as fnp
from funcad.primitives._util import backend_of, shape_of
from funcad.primitives.special import result_float_dtype
from funcad.scipy.special import log_ndtr, ndtr
from funcad.scipy.stats._mvn_lattice import largest_prime_at_most, rule

# ndtr(-40) underflows to 0 and ndtr(40) rounds to 1, in float32 and float64.
_BIG = 40.0
# Genz's switch from the integral in arcsin(r) to the expansion near |r| = 1.
_HIGH_CORRELATION = 0.925
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)

# Lattice sizes: about 0.04 / abseps points (4000 for SciPy's default 1e-5).
_POINTS_PER_ACCURACY = 0.04
_MIN_POINTS = 1009
_MAX_POINTS = 65521


def lattice_size(maxpts, abseps: float) -> int:
    """The (prime) number of lattice points used for ``abseps`` and ``maxpts``."""
    target = _MAX_POINTS if abseps == 0 else math.ceil(_POINTS_PER_ACCURACY / abseps)
    target = min(_MAX_POINTS, max(_MIN_POINTS, target))
    if maxpts is not None:
        target = min(target, int(maxpts))
    return largest_prime_at_most(target)


# The inverse normal cdf -------------------------------------------------------------
def ndtri(p):
    """The inverse of ``ndtr`` on (0, 1), as a composite (Newton steps on log ndtr).

    A rational first guess (Abramowitz and Stegun 26.2.23, error < 4.5e-4) and
    three Newton steps on ``log_ndtr(y) = log(q)`` for ``q = min(p, 1 - p)``:
    relative accuracy about 1e-15 from q = 0.5 down to 1e-300. Newton's map
    has zero slope at the root, so the derivatives of the iterates converge
    to those of the inverse (``1 / pdf(y)``) as fast as the values.
    """
    upper = fnp.greater(p, 0.5)
    q = fnp.where(upper, 1.0 - p, p)
    log_q = fnp.log(q)
    t = fnp.sqrt(log_q * -2.0)
    numerator = 2.515517 + t * (0.802853 + t * 0.010328)
    denominator = 1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))
    y = numerator / denominator - t
    for _ in range(3):
        log_cdf = log_ndtr(y)
        # ndtr / pdf, the inverse slope, through logs: both underflow far left.
        y = y - (log_cdf - log_q) * fnp.exp(log_cdf + y * y * 0.5 + _LOG_SQRT_2PI)
    return fnp.where(upper, -y, y)


# Two coordinates --------------------------------------------------------------------
@lru_cache(maxsize=4)
def _gauss_legendre(dtype) -> tuple[np.ndarray, np.ndarray]:
    nodes, weights = np.polynomial.legendre.leggauss(20)
    return nodes.astype(dtype), weights.astype(dtype)


def _bvn_moderate(h, k, r, nodes, weights):
    """P(X > h, Y > k) for |r| < 0.925: ndtr(-h) ndtr(-k) plus the density integrated in r.

    (The derivative of the probability in r is the density, Plackett's identity;
    the integral runs over arcsin(r), where the integrand is smooth.)
    """
    hk = h * k
    hs = (h * h + k * k) * 0.5
    asr = fnp.arcsin(r)
    sn = fnp.sin(fnp.expand_dims(asr, -1) * ((nodes + 1.0) * 0.5))
    exponent = (sn * fnp.expand_dims(hk, -1) - fnp.expand_dims(hs, -1)) / (1.0 - sn * sn)
    integral = fnp.sum(fnp.exp(exponent) * weights, axis=-1)
    return integral * asr / (4 * math.pi) + ndtr(-h) * ndtr(-k)


def _bvn_strong(h, k, r, nodes, weights):
    """P(X > h, Y > k) for |r| >= 0.925: Genz's expansion about |r| = 1.

    With k' = sign(r) k, the singular part is ``ndtr(-max(h, k'))`` and a term
    in ``b = |h - k'|``. Both are taken from the side h >= k' at a tie (where,
    not max or abs): each is smooth from that side and their kinks cancel, so
    derivatives of every order are exact at h == k' too.
    """
    negative = fnp.less(r, 0.0)
    k = fnp.where(negative, -k, k)
    hk = h * k
    first = fnp.greater_equal(h, k)
    b = fnp.where(first, h - k, k - h)
    bs = b * b
    square = (1.0 - r) * (1.0 + r)
    singular = fnp.equal(square, 0.0)
    square = fnp.where(singular, 1.0, square)  # |r| = 1: no correction; keep it finite
    a = fnp.sqrt(square)
    c = (4.0 - hk) * 0.125
    d = (12.0 - hk) * 0.0625
    asr = (bs / square + hk) * -0.5
    series = 1.0 - c * (bs - square) * (1.0 - d * bs * 0.2) / 3.0 + c * d * square * square * 0.2
    correction = a * fnp.exp(asr) * series
    # exp(-hk/2) ndtr(-b/a) as one exponential: each factor alone can overflow.
    tail = fnp.exp(hk * -0.5 + log_ndtr(-b / a)) * _SQRT_2PI
    correction = correction - tail * b * (1.0 - c * bs * (1.0 - d * bs * 0.2) / 3.0)
    half = fnp.expand_dims(a * 0.5, -1)
    xs = fnp.square(half * (nodes + 1.0))
    rs = fnp.sqrt(1.0 - xs)
    bs_, hk_, c_, d_ = (fnp.expand_dims(v, -1) for v in (bs, hk, c, d))
    exact = fnp.exp(bs_ / xs * -0.5 - hk_ / (1.0 + rs)) / rs
    approximation = fnp.exp((bs_ / xs + hk_) * -0.5) * (1.0 + c_ * xs * (1.0 + d_ * xs))
    quadrature = fnp.sum((exact - approximation) * weights, axis=-1)
    correction = (correction + a * 0.5 * quadrature) * (-1.0 / (2 * math.pi))
    correction = fnp.where(singular, 0.0, correction)
    positive_part = correction + ndtr(-fnp.where(first, h, k))
    negative_part = fnp.where(first, 0.0, ndtr(-h) - ndtr(-k)) - correction
    return fnp.where(negative, negative_part, positive_part)


def bvn_lower(h, k, r):
    """P(X < h, Y < k) for standard normals with correlation r; h and k finite."""
    xp = backend_of(h).xp
    nodes, weights = (xp.asarray(v) for v in _gauss_legendre(np.dtype(result_float_dtype(h, k, r))))
    strong = fnp.greater_equal(fnp.abs(r), _HIGH_CORRELATION)
    # Each formula sees a safe r where it is not used: no inf or nan to leak into gradients.
    moderate = _bvn_moderate(-h, -k, fnp.where(strong, 0.0, r), nodes, weights)
    near_one = _bvn_strong(-h, -k, fnp.where(strong, r, _HIGH_CORRELATION), nodes, weights)
    return fnp.where(strong, near_one, moderate)


# Limits ------------------------------------------------------------------------------
def _clamped(z):
    """The argument limited to [-40, 40], with zero slope outside (the true one underflows)."""
    return fnp.where(fnp.greater(z, _BIG), _BIG, fnp.where(fnp.less(z, -_BIG), -_BIG, z))


class _Limit:
    """Limits minus the mean, made finite, with masks of where they were +inf and -inf."""

    def __init__(self, value, above, below):
        self.value, self.above, self.below = value, above, below

    @classmethod
    def of(cls, value, mean):
        above = fnp.equal(value, math.inf)
        below = fnp.equal(value, -math.inf)
        value = fnp.where(fnp.logical_or(above, below), 0.0, value)
        return cls(value if mean is None else value - mean, above, below)

    def column(self, i):
        """The ``i``-th coordinate of each point, as a column (n, 1)."""
        index = (slice(None), slice(i, i + 1))
        return _Limit(self.value[index], self.above[index], self.below[index])

    def standardized(self, scale):
        """(limit - mean) / scale clamped to +-40: ndtr is exactly 0 or 1 beyond."""
        z = _clamped(self.value / scale)
        z = fnp.where(self.above, _BIG, z)
        return fnp.where(self.below, -_BIG, z)

    def ndtr(self, offset, scale):
        """The normal cdf at (limit - mean - offset) / scale; exactly 0 or 1 at infinite limits."""
        value = ndtr(_clamped((self.value - offset) / scale))
        return fnp.where(self.above, 1.0, fnp.where(self.below, 0.0, value))


def _one(upper, lower, cov, log: bool):
    scale = fnp.sqrt(cov[0, 0])
    z = upper.value[:, 0] / scale
    z = fnp.where(upper.above[:, 0], math.inf, fnp.where(upper.below[:, 0], -math.inf, z))
    if lower is None:
        return log_ndtr(z) if log else ndtr(z)
    value = ndtr(z) - lower.column(0).ndtr(0.0, scale)[:, 0]
    return fnp.log(value) if log else value


def _two(upper, lower, cov):
    # Through the Cholesky factor, as in more dimensions: the lower triangle is read and
    # the derivative is that of the symmetric matrix.
    factor = fnp.linalg.cholesky(cov)
    s0 = factor[0, 0]
    s1 = fnp.sqrt(factor[1, 0] * factor[1, 0] + factor[1, 1] * factor[1, 1])
    r = factor[1, 0] / s1

    def lower_cdf(a, b):
        return bvn_lower(a.column(0).standardized(s0)[:, 0], b.column(1).standardized(s1)[:, 0],
                         r)

    if lower is None:
        value = lower_cdf(upper, upper)
        # Rounding can leave -1e-17 where the probability underflows; SciPy clips too.
        return fnp.where(fnp.less(value, 0.0), 0.0, value)
    return (lower_cdf(upper, upper) - lower_cdf(lower, upper) - lower_cdf(upper, lower)
            + lower_cdf(lower, lower))


def _genz(upper, lower, cov, n_points: int):
    """Genz's separation of variables: the mean over the lattice of a product of ndtr."""
    dim = shape_of(cov)[0]
    dtype = np.dtype(result_float_dtype(upper.value, cov))
    xp = backend_of(cov).xp
    points, weights = rule(n_points, dim - 1)
    points = xp.asarray(points, dtype=dtype)
    weights = xp.asarray(weights, dtype=dtype)
    tiny = float(np.finfo(dtype).tiny)
    top = 1.0 - float(np.finfo(dtype).epsneg)
    factor = fnp.linalg.cholesky(cov)
    ys = []

    def interval(i, offset):
        scale = factor[i, i]
        high = upper.column(i).ndtr(offset, scale)
        low = 0.0 if lower is None else lower.column(i).ndtr(offset, scale)
        return high, low

    high, low = interval(0, 0.0)
    value = high - low
    for i in range(1, dim):
        p = low + points[:, i - 1] * (high - low)
        # Where the interval underflows the product is 0 whatever y is; keep y finite.
        p = fnp.where(fnp.less(p, tiny), tiny, fnp.where(fnp.greater(p, top), top, p))
        ys.append(ndtri(p))
        offset = ys[0] * factor[i, 0]
        for j in range(1, i):
            offset = offset + ys[j] * factor[i, j]
        high, low = interval(i, offset)
        value = value * (high - low)
    return fnp.matmul(value, weights)


def cdf(x, mean, cov, lower_limit, n_points: int, log: bool):
    """The (log) cdf at points ``x`` (..., d) with a (d,) mean (or None) and (d, d) cov."""
    d = shape_of(cov)[0]
    shape = shape_of(x)
    if lower_limit is not None:
        shape = np.broadcast_shapes(shape, shape_of(lower_limit))
        lower_limit = fnp.reshape(fnp.broadcast_to(lower_limit, shape), (-1, d))
    x = fnp.reshape(fnp.broadcast_to(x, shape), (-1, d))
    upper = _Limit.of(x, mean)
    lower = None if lower_limit is None else _Limit.of(lower_limit, mean)
    if d == 1:
        value = _one(upper, lower, cov, log)
    else:
        value = _two(upper, lower, cov) if d == 2 else _genz(upper, lower, cov, n_points)
        if log:
            value = fnp.log(value)
    return fnp.squeeze(fnp.reshape(value, shape[:-1]))
