"""Sweep rows for numerical routines, polynomials and NaN-ignoring order statistics.

(funcad.numpy.numerical, funcad.numpy.polynomial, funcad.numpy.nanfunctions)
"""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from tests.op_specs import AWAY_FROM_ZERO, POSITIVE, REAL, Row

NAN = np.nan
WINDOWS = ("concatenate", "gather", "einsum", "getitem")
SLICES = ("getitem", "subtract", "add", "multiply", "divide", "concatenate", "reshape")


def increasing(rng, shape):
    """Strictly increasing along the last axis, steps in [0.3, 1.3] from about -2."""
    return -2.0 + np.cumsum(rng.uniform(0.3, 1.3, shape), axis=-1)


def wrapped_phase(rng, shape):
    """A phase with jumps of up to 5 radians between neighbours (some beyond pi)."""
    return np.cumsum(rng.uniform(-5.0, 5.0, shape), axis=-1)


def rows():
    out = []

    def add(name, fun, ref, shapes, domains=None, prims=(), **kw):
        out.append(Row(name, fun, ref, shapes, domains, tuple(prims), **kw))

    # convolve, correlate: every mode, either input the longer.
    for shapes in [((5,), (3,)), ((3,), (5,)), ((4,), (4,)), ((1,), (3,))]:
        for mode in ["full", "same", "valid"]:
            for name in ["convolve", "correlate"]:
                add(name, lambda a, v, n=name, m=mode: getattr(fnp, n)(a, v, mode=m),
                    lambda a, v, n=name, m=mode: getattr(np, n)(a, v, mode=m), shapes,
                    prims=WINDOWS)

    # trapezoid: spacing 1, dx (traced), sample points along an axis or everywhere.
    add("trapezoid", fnp.trapezoid, np.trapezoid, ((3, 5),), prims=SLICES + ("sum",))
    add("trapezoid", lambda y, d: fnp.trapezoid(y, dx=d), lambda y, d: np.trapezoid(y, dx=d),
        ((3, 5), ()), (REAL, POSITIVE), prims=SLICES + ("sum",))
    add("trapezoid", lambda y, x: fnp.trapezoid(y, x), lambda y, x: np.trapezoid(y, x),
        ((3, 5), (5,)), (REAL, increasing), prims=SLICES + ("sum",))
    add("trapezoid", lambda y, x: fnp.trapezoid(y, x, axis=0),
        lambda y, x: np.trapezoid(y, x, axis=0), ((4, 3), (4,)), (REAL, increasing),
        prims=SLICES + ("sum",))
    add("trapezoid", lambda y, x: fnp.trapezoid(y, x, axis=1),
        lambda y, x: np.trapezoid(y, x, axis=1), ((2, 4, 3), (2, 4, 3)), prims=SLICES + ("sum",))

    # gradient: uniform (scalar, traced) and coordinate spacings, both edge orders.
    for edge in [1, 2]:
        add("gradient", lambda f, e=edge: fnp.gradient(f, edge_order=e),
            lambda f, e=edge: np.gradient(f, edge_order=e), ((6,),), prims=SLICES)
        add("gradient", lambda f, e=edge: fnp.stack(fnp.gradient(f, 0.5, edge_order=e)),
            lambda f, e=edge: np.stack(np.gradient(f, 0.5, edge_order=e)), ((4, 5),),
            prims=SLICES)
        add("gradient", lambda f, h, e=edge: fnp.gradient(f, h, axis=1, edge_order=e),
            lambda f, h, e=edge: np.gradient(f, h, axis=1, edge_order=e), ((3, 5), ()),
            (REAL, POSITIVE), prims=SLICES)
        add("gradient", lambda f, x, e=edge: fnp.gradient(f, x, edge_order=e),
            lambda f, x, e=edge: np.gradient(f, x, edge_order=e), ((6,), (6,)),
            (REAL, increasing), prims=SLICES)
        add("gradient", lambda f, x, e=edge: fnp.stack(fnp.gradient(f, x, 2.0, edge_order=e)),
            lambda f, x, e=edge: np.stack(np.gradient(f, x, 2.0, edge_order=e)),
            ((4, 3), (4,)), (REAL, increasing), prims=SLICES)
    add("gradient", lambda f: fnp.gradient(f, np.array([0.0, 1.0, 2.5, 3.0]), axis=0),
        lambda f: np.gradient(f, np.array([0.0, 1.0, 2.5, 3.0]), axis=0), ((4, 2),),
        prims=SLICES)

    # ediff1d, with traced and constant ends.
    add("ediff1d", fnp.ediff1d, np.ediff1d, ((3, 4),), prims=SLICES)
    add("ediff1d", lambda a, b, e: fnp.ediff1d(a, to_end=e, to_begin=b),
        lambda a, b, e: np.ediff1d(a, to_end=e, to_begin=b), ((5,), (2,), ()), prims=SLICES)
    add("ediff1d", lambda a: fnp.ediff1d(a, to_begin=[1.0, 2.0]),
        lambda a: np.ediff1d(a, to_begin=[1.0, 2.0]), ((2, 2),), prims=SLICES)

    # interp: x inside and outside the knots, left/right, periodic, 2-D x.
    interp_prims = ("gather", "where", "subtract", "divide", "multiply", "add", "astype")
    add("interp", fnp.interp, np.interp, ((7,), (5,), (5,)), ((-3.0, 3.0), increasing, REAL),
        prims=interp_prims)
    add("interp", lambda x, xp, fp, lo, hi: fnp.interp(x, xp, fp, left=lo, right=hi),
        lambda x, xp, fp, lo, hi: np.interp(x, xp, fp, left=lo, right=hi),
        ((2, 3), (4,), (4,), (), ()), ((-3.0, 3.0), increasing, REAL, REAL, REAL),
        prims=interp_prims)
    add("interp", lambda x, fp: fnp.interp(x, np.array([-1.0, 0.0, 0.5, 2.0]), fp, period=3.0),
        lambda x, fp: np.interp(x, np.array([-1.0, 0.0, 0.5, 2.0]), fp, period=3.0),
        ((6,), (4,)), ((-4.0, 4.0), REAL), prims=interp_prims + ("remainder", "concatenate"))
    add("interp", lambda xp: fnp.interp(np.array([-2.5, -0.3, 0.2, 0.9, 2.9]), xp,
                                        np.array([1.0, -1.0, 2.0, 0.5])),
        lambda xp: np.interp(np.array([-2.5, -0.3, 0.2, 0.9, 2.9]), xp,
                             np.array([1.0, -1.0, 2.0, 0.5])),
        ((4,),), (increasing,), prims=interp_prims)

    # unwrap: default period, another period and discont.
    add("unwrap", fnp.unwrap, np.unwrap, ((2, 8),), (wrapped_phase,),
        prims=("subtract", "add", "remainder", "where", "cumsum", "concatenate"))
    add("unwrap", lambda p: fnp.unwrap(p, discont=3.0, axis=0, period=4.0),
        lambda p: np.unwrap(p, discont=3.0, axis=0, period=4.0), ((7, 2),),
        (lambda rng, shape: np.swapaxes(wrapped_phase(rng, shape[:-2] + shape[-1:] + shape[-2:-1]),
                                        -1, -2),),
        prims=("subtract", "add", "remainder", "where", "cumsum", "concatenate"))

    # cov, corrcoef: rowvar, bias, ddof, y, and both kinds of weights.
    cov_prims = ("sum", "divide", "subtract", "multiply", "matmul", "transpose", "reshape")
    add("cov", fnp.cov, np.cov, ((3, 6),), prims=cov_prims)
    add("cov", lambda m: fnp.cov(m, rowvar=False, bias=True),
        lambda m: np.cov(m, rowvar=False, bias=True), ((6, 3),), prims=cov_prims)
    add("cov", lambda m, y: fnp.cov(m, y, ddof=2), lambda m, y: np.cov(m, y, ddof=2),
        ((6,), (2, 6)), prims=cov_prims + ("concatenate",))
    add("cov", lambda m: fnp.cov(m), lambda m: np.cov(m), ((5,),), prims=cov_prims)
    fweights = np.array([1, 3, 1, 2, 1, 2])
    for ddof in [None, 0, 2]:
        add("cov", lambda m, a, d=ddof: fnp.cov(m, ddof=d, fweights=fweights, aweights=a),
            lambda m, a, d=ddof: np.cov(m, ddof=d, fweights=fweights, aweights=a),
            ((2, 6), (6,)), (REAL, POSITIVE), prims=cov_prims)
    add("cov", lambda m, a: fnp.cov(m, aweights=a), lambda m, a: np.cov(m, aweights=a),
        ((3, 6), (6,)), (REAL, POSITIVE), prims=cov_prims)
    add("corrcoef", fnp.corrcoef, np.corrcoef, ((3, 6),),
        prims=cov_prims + ("sqrt", "maximum", "minimum"))
    add("corrcoef", lambda x, y: fnp.corrcoef(x, y, rowvar=False),
        lambda x, y: np.corrcoef(x, y, rowvar=False), ((6, 2), (6,)),
        prims=cov_prims + ("sqrt", "maximum", "minimum", "concatenate"))

    # vander: running products.
    add("vander", fnp.vander, np.vander, ((4,),), prims=("cumprod", "concatenate", "getitem"))
    add("vander", lambda x: fnp.vander(x, 3, increasing=True),
        lambda x: np.vander(x, 3, increasing=True), ((5,),), prims=("cumprod", "concatenate"))

    # apply_along_axis (vmapped), apply_over_axes.
    add("apply_along_axis", lambda a: fnp.apply_along_axis(lambda r: fnp.sum(r * r), 1, a),
        lambda a: np.apply_along_axis(lambda r: np.sum(r * r), 1, a), ((3, 4),),
        prims=("sum", "multiply", "transpose", "reshape"))
    add("apply_along_axis",
        lambda a: fnp.apply_along_axis(lambda r: fnp.outer(r[:2], fnp.sin(r)), 0, a),
        lambda a: np.apply_along_axis(lambda r: np.outer(r[:2], np.sin(r)), 0, a),
        ((3, 2, 2),), prims=("sin", "multiply", "transpose", "reshape"))
    add("apply_over_axes", lambda a: fnp.apply_over_axes(fnp.sum, a, [0, 2]),
        lambda a: np.apply_over_axes(np.sum, a, [0, 2]), ((2, 3, 4),), prims=("sum", "reshape"))

    # i0: the series (|x| <= 20) and the large-argument expansion meet at 20.
    add("i0", fnp.i0, np.i0, ((2, 3),), ((-3.0, 3.0),), prims=("bessel_i",))
    add("i0", fnp.i0, np.i0, ((4,),), ((17.0, 23.0),), prims=("bessel_i",))
    add("i0", fnp.i0, np.i0, ((3,),), prims=("bessel_i",),
        extra={"inputs": [np.array([0.0, -25.0, 1e-3])]})

    out += _polynomial_rows() + _nan_rows()
    return out


def _polynomial_rows():
    out = []

    def add(name, fun, ref, shapes, domains=None, prims=(), **kw):
        out.append(Row(name, fun, ref, shapes, domains, tuple(prims), **kw))

    horner = ("multiply", "add", "getitem")
    add("polyval", fnp.polyval, np.polyval, ((4,), (5,)), prims=horner)
    add("polyval", fnp.polyval, np.polyval, ((3,), (2, 3)), prims=horner)
    add("polyval", fnp.polyval, np.polyval, ((5,), ()), prims=horner)
    for shapes in [((4,), (2,)), ((2,), (4,)), ((3,), (3,))]:
        add("polyadd", fnp.polyadd, np.polyadd, shapes, prims=("add", "concatenate"))
        add("polysub", fnp.polysub, np.polysub, shapes, prims=("subtract", "concatenate"))
    add("polymul", fnp.polymul, np.polymul, ((4,), (3,)), prims=WINDOWS)
    add("polymul", fnp.polymul, np.polymul, ((2,), (5,)), prims=WINDOWS)
    add("polyder", fnp.polyder, np.polyder, ((5,),), prims=("multiply", "getitem"))
    add("polyder", lambda p: fnp.polyder(p, 3), lambda p: np.polyder(p, 3), ((5,),),
        prims=("multiply", "getitem"))
    add("polyint", fnp.polyint, np.polyint, ((4,),), prims=("divide", "concatenate"))
    add("polyint", lambda p, k: fnp.polyint(p, 2, k), lambda p, k: np.polyint(p, 2, k),
        ((4,), (2,)), prims=("divide", "concatenate", "getitem"))
    add("polyint", lambda p, k: fnp.polyint(p, 3, k), lambda p, k: np.polyint(p, 3, k),
        ((2,), ()), prims=("divide", "concatenate", "getitem", "multiply"))
    div = ("divide", "multiply", "subtract", "concatenate", "getitem")
    for shapes in [((5,), (3,)), ((4,), (4,)), ((2,), (4,)), ((4,), (1,))]:
        add("polydiv", lambda u, v: fnp.concatenate(fnp.polydiv(u, v)),
            lambda u, v: np.concatenate(np.polydiv(u, v)), shapes, (REAL, AWAY_FROM_ZERO),
            prims=div)
    fit = ("matmul", "svd", "multiply", "divide", "sqrt", "cumprod")
    add("polyfit", lambda x, y: fnp.polyfit(x, y, 2), lambda x, y: np.polyfit(x, y, 2),
        ((8,), (8,)), (increasing, REAL), prims=fit, tol=1e-4)
    add("polyfit", lambda x, y, w: fnp.polyfit(x, y, 3, w=w),
        lambda x, y, w: np.polyfit(x, y, 3, w=w), ((7,), (7, 2), (7,)),
        (increasing, REAL, POSITIVE), prims=fit, tol=1e-4)
    add("polyfit", lambda y: fnp.polyfit(np.linspace(-1.0, 1.0, 6), y, 2, cov=True)[1],
        lambda y: np.polyfit(np.linspace(-1.0, 1.0, 6), y, 2, cov=True)[1], ((6,),),
        prims=fit, tol=1e-4)
    real_roots = np.poly([0.5, -1.2, 2.0])
    add("roots", fnp.roots, np.roots, ((4,),), prims=("polyroots",),
        extra={"inputs": [real_roots]})
    add("roots", fnp.roots, np.roots, ((4,),), prims=("polyroots",),
        extra={"inputs": [np.array([1.0, 0.3, 1.2, -0.4])]})  # a complex pair
    add("poly", fnp.poly, np.poly, ((3,),), prims=("multiply", "add", "concatenate"))
    add("poly", fnp.poly, np.poly, ((1,),), prims=("multiply", "add", "concatenate"))
    return out


def _nan_rows():
    out = []

    def add(name, fun, ref, shapes, domains=None, prims=(), **kw):
        out.append(Row(name, fun, ref, shapes, domains, tuple(prims), **kw))

    with_nans = np.array([[0.5, NAN, -1.2, 2.0, 0.1], [NAN, 1.1, 0.3, -0.7, NAN],
                          [1.4, -0.4, NAN, 0.9, -1.9]])
    fixed = {"inputs": [with_nans]}
    order_prims = ("gather", "where", "subtract", "multiply", "add", "transpose", "reshape")
    for axis, keepdims in [(None, False), (0, False), (1, True), ((0, 1), False), (-1, False)]:
        add("nanmedian", lambda x, a=axis, k=keepdims: fnp.nanmedian(x, axis=a, keepdims=k),
            lambda x, a=axis, k=keepdims: np.nanmedian(x, axis=a, keepdims=k), ((3, 5),),
            prims=order_prims, extra=fixed)
        for q in [0.3, [0.0, 0.45, 1.0]]:
            add("nanquantile",
                lambda x, a=axis, k=keepdims, q=q: fnp.nanquantile(x, q, axis=a, keepdims=k),
                lambda x, a=axis, k=keepdims, q=q: np.nanquantile(x, q, axis=a, keepdims=k),
                ((3, 5),), prims=order_prims, extra=fixed)
        add("nanpercentile",
            lambda x, a=axis, k=keepdims: fnp.nanpercentile(x, [[10.0], [62.5]], axis=a,
                                                            keepdims=k),
            lambda x, a=axis, k=keepdims: np.nanpercentile(x, [[10.0], [62.5]], axis=a,
                                                           keepdims=k),
            ((3, 5),), prims=order_prims, extra=fixed)
    # NaN-free inputs drawn at random, and a 3-D one.
    add("nanmedian", lambda x: fnp.nanmedian(x, axis=(0, 2)),
        lambda x: np.nanmedian(x, axis=(0, 2)), ((2, 3, 4),), prims=order_prims)
    add("nanquantile", lambda x: fnp.nanquantile(x, np.array([0.2, 0.7]), axis=1),
        lambda x: np.nanquantile(x, np.array([0.2, 0.7]), axis=1), ((2, 5, 3),),
        prims=order_prims)
    for axis in [None, 0, 1]:
        add("nancumsum", lambda x, a=axis: fnp.nancumsum(x, axis=a),
            lambda x, a=axis: np.nancumsum(x, axis=a), ((3, 5),), prims=("where", "cumsum"),
            extra=fixed)
        add("nancumprod", lambda x, a=axis: fnp.nancumprod(x, axis=a),
            lambda x, a=axis: np.nancumprod(x, axis=a), ((3, 5),),
            prims=("where", "cumprod", "linear_recurrence"), extra=fixed)
        for name in ["nanargmax", "nanargmin"]:
            add(name, lambda x, n=name, a=axis: getattr(fnp, n)(x, axis=a),
                lambda x, n=name, a=axis: getattr(np, n)(x, axis=a), ((3, 5),),
                prims=("argmax", "argmin", "where", "any"), differentiable=False, extra=fixed)
    add("nanargmax", lambda x: fnp.nanargmax(x, axis=1, keepdims=True),
        lambda x: np.nanargmax(x, axis=1, keepdims=True), ((3, 5),),
        prims=("argmax", "where", "any"), differentiable=False, extra=fixed)
    return out
