"""Sweep rows: the elementwise ufuncs beyond the core (funcad/numpy/elementwise.py).

Domains stay inside each function's domain, and piecewise-constant functions
(rounding, floor_divide, fmod's quotient) get inputs away from their jumps, so
that finite differences are valid there.
"""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from tests.op_specs import AWAY_FROM_ZERO, POSITIVE, REAL, UNIT, Row

BROADCASTS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((), (2, 3)), ((2, 1), (1, 3))]
SPECIALS = np.array([1.5, np.nan, np.inf, -np.inf, -0.0, 0.0, -2.0])


def _off_grid(rng, shape):
    """Integers plus fractions in (0.1, 0.4) or (0.6, 0.9): away from integers and halves."""
    frac = rng.uniform(0.1, 0.4, shape) + 0.5 * rng.integers(0, 2, shape)
    return rng.integers(-3, 3, shape) + frac


def _tenths(rng, shape):
    return _off_grid(rng, shape) / 10


def _tens(rng, shape):
    return _off_grid(rng, shape) * 10


def _quotient_pair(shape1, shape2, seed):
    """(x1, x2) with every x1 / x2 at least 0.1 from an integer, where the quotient functions
    (floor_divide, fmod, remainder) are smooth."""
    rng = np.random.default_rng(seed)
    while True:
        x1 = rng.uniform(-4.0, 4.0, shape1)
        x2 = rng.uniform(0.5, 2.0, shape2) * rng.choice([-1.0, 1.0], shape2)
        q = x1 / x2
        if np.all(np.abs(q - np.round(q)) > 0.1):
            return [np.asarray(x1), x2]


def _integers(rng, shape):
    return rng.integers(-3, 4, shape)


def rows():
    out = []

    def add(name, fun, ref, shapes, domains=None, prims=None, **kw):
        out.append(Row(name, fun, ref, shapes, domains, prims or (name,), **kw))

    # Smooth unary functions.
    unary = {
        "exp2": REAL, "log2": POSITIVE, "log10": POSITIVE, "cbrt": AWAY_FROM_ZERO,
        "arcsinh": (-3.0, 3.0), "arccosh": (1.2, 3.0), "arctanh": UNIT, "deg2rad": (-200.0, 200.0),
        "rad2deg": REAL, "positive": REAL, "fabs": AWAY_FROM_ZERO, "sinc": (-2.5, 2.5),
    }
    for name, domain in unary.items():
        add(name, getattr(fnp, name), getattr(np, name), ((2, 3),), (domain,))
    for alias, name, domain in [("radians", "deg2rad", (-200.0, 200.0)),
                                ("degrees", "rad2deg", REAL), ("asinh", "arcsinh", REAL),
                                ("acosh", "arccosh", (1.2, 3.0)), ("atanh", "arctanh", UNIT)]:
        add(alias, getattr(fnp, alias), getattr(np, alias), ((4,),), (domain,), prims=(name,))
    # sinc through 0, where its rules switch to the Maclaurin series.
    add("sinc", fnp.sinc, np.sinc, ((5,),), prims=("sinc",),
        extra={"inputs": [np.array([0.0, 1e-3, -0.2, 1.0, 0.31])]})

    # Rounding: zero derivatives away from the jumps.
    for name in ["floor", "ceil", "trunc", "rint", "fix"]:
        add(name, getattr(fnp, name), getattr(np, name), ((2, 3),), (_off_grid,),
            prims=("trunc",) if name == "fix" else (name,))
    for decimals, domain in [(0, _off_grid), (1, _tenths), (-1, _tens)]:
        add("round", lambda x, d=decimals: fnp.round(x, d),
            lambda x, d=decimals: np.round(x, d), ((2, 3),), (domain,))
    add("around", lambda x: fnp.around(x, decimals=1), lambda x: np.around(x, decimals=1),
        ((4,),), (_tenths,), prims=("round",))
    add("spacing", fnp.spacing, np.spacing, ((2, 3),), ((1.1, 1.9),))
    add("modf[0]", lambda x: fnp.modf(x)[0], lambda x: np.modf(x)[0], ((2, 3),), (_off_grid,),
        prims=("trunc", "subtract", "where"))
    add("modf[1]", lambda x: fnp.modf(x)[1], lambda x: np.modf(x)[1], ((2, 3),), (_off_grid,),
        prims=("trunc",))

    # Quotients: floor_divide, fmod, remainder (= mod), divmod.
    for k, shapes in enumerate(BROADCASTS):
        inputs = {"inputs": _quotient_pair(*shapes, seed=k)}
        for name in ["floor_divide", "fmod", "remainder", "mod"]:
            add(name, getattr(fnp, name), getattr(np, name), shapes,
                prims=("remainder",) if name == "mod" else (name,), extra=inputs)
    add("divmod[0]", lambda x, y: fnp.divmod(x, y)[0], lambda x, y: np.divmod(x, y)[0],
        ((3, 4), (4,)), prims=("floor_divide",), extra={"inputs": _quotient_pair((3, 4), (4,), 7)})
    add("divmod[1]", lambda x, y: fnp.divmod(x, y)[1], lambda x, y: np.divmod(x, y)[1],
        ((3, 4), (4,)), prims=("remainder",), extra={"inputs": _quotient_pair((3, 4), (4,), 8)})

    # Smooth binary functions, with broadcasting.
    for shapes in BROADCASTS:
        add("arctan2", fnp.arctan2, np.arctan2, shapes, (REAL, AWAY_FROM_ZERO))
        add("hypot", fnp.hypot, np.hypot, shapes, (REAL, AWAY_FROM_ZERO))
        add("logaddexp", fnp.logaddexp, np.logaddexp, shapes)
        add("logaddexp2", fnp.logaddexp2, np.logaddexp2, shapes)
        add("copysign", fnp.copysign, np.copysign, shapes, (AWAY_FROM_ZERO, AWAY_FROM_ZERO))
        add("fmax", fnp.fmax, np.fmax, shapes)
        add("fmin", fnp.fmin, np.fmin, shapes)
        add("float_power", fnp.float_power, np.float_power, shapes, (POSITIVE, REAL),
            prims=("astype", "power"))
    add("atan2", fnp.atan2, np.atan2, ((3,), (3,)), (REAL, AWAY_FROM_ZERO), prims=("arctan2",))
    big = np.array([1000.0, -1000.0, 700.0, 3.0])
    for name in ["logaddexp", "logaddexp2"]:
        add(name, getattr(fnp, name), getattr(np, name), ((4,), (4,)),
            extra={"inputs": [big, np.array([999.5, -1001.0, -700.0, 2.0])]})
    # NaNs: fmax and fmin take the other argument.
    with_nan = [np.array([1.0, np.nan, 2.0, -1.0]), np.array([np.nan, 0.5, 1.0, 3.0])]
    add("fmax", fnp.fmax, np.fmax, ((4,), (4,)), extra={"inputs": with_nan})
    add("fmin", fnp.fmin, np.fmin, ((4,), (4,)), extra={"inputs": with_nan})
    # heaviside: x1 at 0 passes the derivative to x2; x1 itself is held away from 0.
    steps = np.array([[-1.5, 0.0, 2.0], [0.0, 0.7, -0.0]])
    add("heaviside", lambda h: fnp.heaviside(steps, h), lambda h: np.heaviside(steps, h),
        ((3,),))
    add("heaviside", fnp.heaviside, np.heaviside, ((2, 3), (3,)), (AWAY_FROM_ZERO, REAL))
    add("float_power", lambda x: fnp.float_power(x, 3.0), lambda x: np.float_power(x, 3.0),
        ((5,),), (AWAY_FROM_ZERO,), prims=("astype", "power"))  # negative bases
    add("float_power", lambda x: fnp.float_power(2, x), lambda x: np.float_power(2, x),
        ((5,),), prims=("astype", "power"))
    exponents = np.array([[-2, 0, 3]])
    add("ldexp", lambda x: fnp.ldexp(x, exponents), lambda x: np.ldexp(x, exponents),
        ((2, 3),))
    add("ldexp", fnp.ldexp, np.ldexp, ((2, 3), (3,)), (REAL, _integers), differentiable=False)

    # NaN and infinity.
    add("nan_to_num", fnp.nan_to_num, np.nan_to_num, ((2, 3),))
    add("nan_to_num", lambda x: fnp.nan_to_num(x, nan=1.5, posinf=10.0, neginf=-10.0),
        lambda x: np.nan_to_num(x, nan=1.5, posinf=10.0, neginf=-10.0), ((7,),),
        extra={"inputs": [SPECIALS]})
    add("nan_to_num", lambda x: fnp.nan_to_num(x), lambda x: np.nan_to_num(x), ((7,),),
        extra={"inputs": [SPECIALS]})
    for name in ["isfinite", "isnan", "isinf", "signbit", "isposinf", "isneginf"]:
        prims = {"isposinf": ("isinf", "greater", "logical_and"),
                 "isneginf": ("isinf", "less", "logical_and")}.get(name, (name,))
        add(name, getattr(fnp, name), getattr(np, name), ((7,),), prims=prims,
            differentiable=False, extra={"inputs": [SPECIALS]})
    add("signbit", fnp.signbit, np.signbit, ((2, 3),), differentiable=False)
    return out
