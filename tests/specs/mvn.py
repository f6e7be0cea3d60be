"""Sweep rows for multivariate_normal.cdf and logcdf in one and two dimensions.

There the traced values are exact (ndtr; Genz's bivariate algorithm), and so
is SciPy's plain path, so both can meet the sweep's 1e-12 against an exact
reference: the bivariate one below integrates ``pdf(t) ndtr((k - r t) /
sqrt(1 - r^2))`` over ``t < h`` with ``scipy.integrate.quad`` at 1e-15.
Three or more coordinates (a lattice estimate, accurate to about abseps) are
tested in tests/test_mvn_cdf.py instead.

Covariances are built inside the row functions (``a a^T + I``, or a unit
diagonal with a traced correlation) so every perturbation stays a valid
covariance. The correlation rows cover both of Genz's formulas (|r| below and
above 0.925), both signs, and ties ``h == sign(r) k``, where the expansion
near |r| = 1 has terms in |h - sign(r) k| whose kinks cancel.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.integrate as si
import scipy.special as sc

import funcad.numpy as fnp
from funcad.scipy.stats import multivariate_normal as mvn

_MODERATE = ("cholesky", "arcsin", "ndtr", "log_ndtr", "where", "sqrt")


def _in_numpy_dtype(out, *xs):
    """``out`` in the dtype NumPy gives the inputs (float32 data stays float32)."""
    want = np.result_type(*[x for x in xs if x is not None], 1.0)
    return np.asarray(out, dtype=np.float64).astype(want)


def bivariate_lower(h: float, k: float, r: float, epsabs: float = 1e-15) -> float:
    """P(X < h, Y < k) for standard normals with correlation r, by 1-D quadrature.

    ``epsabs=0`` asks quad for relative accuracy alone, for probabilities far below 1e-15.
    """
    if h == -np.inf or k == -np.inf:
        return 0.0
    if h == np.inf:
        return float(sc.ndtr(k))
    if k == np.inf:
        return float(sc.ndtr(h))
    s = np.sqrt((1.0 - r) * (1.0 + r))

    def integrand(t):
        return np.exp(-0.5 * t * t) / np.sqrt(2 * np.pi) * sc.ndtr((k - r * t) / s)

    # Split at the density's peak (when below h), where quad's substitution is weakest.
    edges = [-np.inf, 0.0, h] if h > 0 else [-np.inf, h]
    with warnings.catch_warnings():
        # quad warns that 1e-15 is out of reach where the integral is far smaller.
        warnings.simplefilter("ignore", si.IntegrationWarning)
        return sum(si.quad(integrand, a, b, epsabs=epsabs, epsrel=2e-14, limit=200)[0]
                   for a, b in zip(edges, edges[1:]))


def mvn_cdf_reference(x, mean, cov, lower=None):
    """The bivariate normal cdf (or box probability) at points ``x`` (..., 2)."""
    x64 = np.asarray(x, dtype=np.float64)
    mean64 = np.zeros(2) if mean is None else np.asarray(mean, dtype=np.float64)
    cov64 = np.asarray(cov, dtype=np.float64)
    s = np.sqrt(np.diag(cov64))
    r = cov64[1, 0] / (s[0] * s[1])

    def at(point):
        h, k = (point - mean64) / s
        return bivariate_lower(h, k, r)

    shape = x64.shape if lower is None else np.broadcast_shapes(x64.shape, np.shape(lower))
    up = np.broadcast_to(x64, shape).reshape(-1, 2)
    out = np.array([at(p) for p in up])
    if lower is not None:
        lo = np.broadcast_to(np.asarray(lower, dtype=np.float64), shape).reshape(-1, 2)
        out = out - np.array([at(np.array([a[0], b[1]])) + at(np.array([b[0], a[1]])) - at(a)
                              for a, b in zip(lo, up)])
    return out.reshape(shape[:-1])


def _spd(a):
    return a @ np.swapaxes(a, -1, -2) + np.eye(a.shape[-1], dtype=a.dtype)


def _traced_spd(a):
    return fnp.matmul(a, fnp.transpose(a)) + fnp.eye(2, dtype=a.dtype)


def _correlation(rho):
    """[[1, rho], [rho, 1]] from a traced rho, in rho's dtype."""
    eye = fnp.eye(2, dtype=rho.dtype)
    return eye + rho * (1.0 - eye)


def _tied(sign):
    """Points with h == sign * k: the tie of the expansion near |r| = 1."""

    def draw(rng, shape):
        x = rng.uniform(-2.0, 2.0, shape)
        x[..., 1] = sign * x[..., 0]
        return x

    draw.__name__ = f"tied_{'plus' if sign > 0 else 'minus'}"
    return draw


def _one_dimension(add):
    from tests.op_specs import POSITIVE, REAL

    def reference_cdf(x, m, v):
        return _in_numpy_dtype(sc.ndtr((x - m) / np.sqrt(v)), x, m, v)

    def reference_logcdf(x, m, v):
        return _in_numpy_dtype(sc.log_ndtr((x - m) / np.sqrt(v)), x, m, v)

    def reference_box(x, lo, m, v):
        scale = np.sqrt(np.asarray(v, dtype=np.float64))
        return _in_numpy_dtype(sc.ndtr((x - m) / scale) - sc.ndtr((lo - m) / scale), x, lo, m, v)

    add("cdf", lambda x, m, v: mvn.cdf(x, m, v), reference_cdf, ((4,), (), ()),
        (REAL, REAL, POSITIVE), ("ndtr", "sqrt"))
    add("logcdf", lambda x, m, v: mvn.logcdf(x, m, v), reference_logcdf, ((4,), (), ()),
        ((-9.0, 3.0), REAL, POSITIVE), ("log_ndtr", "sqrt"))
    add("cdf", lambda x, lo, m, v: mvn.cdf(x, m, v, lower_limit=lo), reference_box,
        ((4,), (), (), ()), (REAL, REAL, REAL, POSITIVE), ("ndtr", "sqrt"))


def _two_dimensions(add):
    from tests.op_specs import POSITIVE, REAL

    def reference(fn):
        def ref(x, m, a):
            value = mvn_cdf_reference(x, m, _spd(np.asarray(a, dtype=np.float64)))
            return _in_numpy_dtype(np.log(value) if fn == "logcdf" else value, x, m, a)

        return ref

    for fn in ("cdf", "logcdf"):
        add(fn, lambda x, m, a, fn=fn: getattr(mvn, fn)(x, m, _traced_spd(a)), reference(fn),
            ((3, 2), (2,), (2, 2)), (REAL, REAL, REAL), _MODERATE)

    def reference_box(x, lo, m, a):
        return _in_numpy_dtype(mvn_cdf_reference(x, m, _spd(np.asarray(a, dtype=np.float64)), lo), x, lo, m, a)

    add("cdf", lambda x, lo, m, a: mvn.cdf(x, m, _traced_spd(a), lower_limit=lo), reference_box,
        ((3, 2), (3, 2), (2,), (2, 2)), (REAL, REAL, REAL, REAL), _MODERATE)

    def reference_independent(x, m, v):
        return _in_numpy_dtype(np.prod(sc.ndtr((x - m) / np.sqrt(v)), axis=-1), x, m, v)

    add("cdf", lambda x, m, v: mvn.cdf(x, m, v), reference_independent,
        ((3, 2), (2,), (2,)), (REAL, REAL, POSITIVE), _MODERATE)

    def reference_correlated(fn):
        def ref(x, rho):
            cov = np.array([[1.0, rho], [rho, 1.0]])
            value = mvn_cdf_reference(x, None, cov)
            return _in_numpy_dtype(np.log(value) if fn == "logcdf" else value, x, rho)

        return ref

    # SciPy's plain path computes 1 - ndtr(-h) - ndtr(-k) + P(X > h, Y > k): its logcdf
    # meets 1e-12 only where the probability is not small, so those points stay above it.
    for low, high in [(-0.9, -0.3), (0.3, 0.9), (0.93, 0.99), (-0.99, -0.93)]:
        for fn, points in (("cdf", REAL), ("logcdf", (-1.0 if low > 0 else 0.0, 2.0))):
            add(fn, lambda x, rho, fn=fn: getattr(mvn, fn)(x, None, _correlation(rho)),
                reference_correlated(fn), ((4, 2), ()), (points, (low, high)), _MODERATE)
    for sign, correlations in [(1.0, (0.93, 0.99)), (-1.0, (-0.99, -0.93))]:
        add("cdf", lambda x, rho: mvn.cdf(x, None, _correlation(rho)),
            reference_correlated("cdf"), ((4, 2), ()), (_tied(sign), correlations), _MODERATE)


def rows():
    # Imported here: tests/test_mvn_cdf.py imports the references above without the sweep.
    from tests.op_specs import Row

    out = []

    def add(fn, fun, ref, shapes, domains, prims, **kw):
        out.append(Row(f"stats.multivariate_normal.{fn}", fun, ref, shapes, domains, prims, **kw))

    _one_dimension(add)
    _two_dimensions(add)
    return out
