"""Sweep rows: array-API names, ranges, logic and integer ufuncs, searching, set operations.

Functions whose result shape depends on the values (``nonzero``, ``unique``
without ``size=``, the set operations, ``trim_zeros``) cannot be batched, so
their rows fix the data that decides the shape, or use ``size=``; the rest is
tested in ``tests/test_numpy_surface.py``.
"""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from tests.op_specs import AWAY_FROM_ZERO, POSITIVE, REAL, Row

# Positions and masks that decide result shapes, fixed so that the data can be batched.
MASK = np.array([[True, False, True], [False, True, True]])
COLUMNS = np.array([True, False, True, True])
BINS = np.array([0, 3, 3, 1, 5, 0])
GRID = np.array([-1.5, -0.5, 0.25, 1.0, 2.0])


def _distinct(rng, shape):
    """Values with no ties (sorting, extrema and unique are differentiable there)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) / max(n, 1) * 4 - 2 + rng.uniform(0, 0.1 / max(n, 1), n)
            ).reshape(shape)


def _sorted(rng, shape):
    return np.sort(rng.uniform(-2, 2, shape), axis=-1)


def _ints(low, high):
    def draw(rng, shape):
        return rng.integers(low, high, shape)
    return draw


def _negative(rng, shape):
    return -rng.uniform(0.5, 2.0, shape)


def _geomspace_quiet(xp, start, stop, num, endpoint):
    """geomspace without NumPy's warning for its unused logarithm of ends of mixed signs."""
    with np.errstate(invalid="ignore"):
        return xp.geomspace(start, stop, num, endpoint)


def _padded(parts, size, fill):
    return np.stack([np.concatenate([p, np.full(size, fill, p.dtype)])[:size] for p in parts])


def _np_unique_fixed(x, size, fill, which):
    """NumPy's unique padded to ``size``: values (fill), index (0), counts (0)."""
    values, index, inverse, counts = np.unique(x, True, True, True)
    if which == "values":
        return np.concatenate([values, np.full(size, values[0] if fill is None else fill,
                                               values.dtype)])[:size]
    if which == "inverse":
        return inverse
    part = index if which == "index" else counts
    return np.concatenate([part, np.zeros(size, part.dtype)])[:size]


def _histogram2d_w(x, y, w, xp):
    return xp.histogram2d(x, y, bins=(2, 3), weights=w)[0]


def rows():
    out = []

    def add(name, fun, ref, shapes, prims, domains=None, **kw):
        out.append(Row(name, fun, ref, shapes, domains, prims, **kw))

    def pair(name, args, shapes, prims, kwargs=None, **kw):
        """A row calling fnp.<name> and np.<name> with the same fixed arguments."""
        kwargs = kwargs or {}
        add(name, lambda *xs: getattr(fnp, name)(*xs, *args, **kwargs),
            lambda *xs: getattr(np, name)(*xs, *args, **kwargs), shapes, prims, **kw)

    def both(name, f, shapes, prims, **kw):
        """A row running the same code ``f(xp, *xs)`` with funcad.numpy and with NumPy."""
        add(name, lambda *xs: f(fnp, *xs), lambda *xs: f(np, *xs), shapes, prims, **kw)

    # Array-API names.
    both("concat", lambda xp, x, y: xp.concat([x, y], axis=1), ((2, 3), (2, 2)), ("concatenate",))
    both("concat", lambda xp, x, y: xp.concat([x, y], axis=None), ((2, 3), (4,)),
         ("concatenate", "reshape"))
    pair("permute_dims", ((2, 0, 1),), ((2, 3, 4),), ("transpose",))
    pair("matrix_transpose", (), ((2, 3, 4),), ("transpose",))
    for kwargs, shape in [({"axis": 1, "include_initial": True}, (3, 4)), ({}, (5,)),
                          ({"include_initial": True}, ())]:
        pair("cumulative_sum", (), (shape,), ("cumsum", "concatenate"), kwargs)
        pair("cumulative_prod", (), (shape,), ("cumprod", "concatenate"), kwargs)
    for shapes, kwargs in [(((3, 4), (4,)), {}), (((3, 1, 4), (5, 4)), {}),
                           (((4, 3), (4, 1)), {"axis": 0}), (((2, 3), (2, 3)), {"axis": 0,
                                                                                "keepdims": True})]:
        pair("vecdot", (), shapes, ("einsum", "transpose", "reshape"), kwargs)
    pair("matvec", (), ((2, 3, 4), (4,)), ("einsum",))
    pair("matvec", (), ((3, 4), (2, 1, 4)), ("einsum",))
    pair("vecmat", (), ((3,), (2, 3, 4)), ("einsum",))
    both("unstack", lambda xp, x: xp.stack(xp.unstack(x, axis=1), axis=-1), ((2, 3, 2),),
         ("getitem", "concatenate", "reshape"))
    for name in ["asanyarray", "ascontiguousarray", "asfortranarray", "asarray_chkfinite",
                 "copy"]:
        pair(name, (), ((2, 3),), ())
    pair("ascontiguousarray", (), ((),), ("reshape",))
    both("broadcast_arrays", lambda xp, x, y: xp.concatenate(
        [xp.ravel(p) for p in xp.broadcast_arrays(x, y, 2.0)]), ((3, 1), (4,)),
        ("broadcast_to", "concatenate", "reshape"))
    for axis, start in [(2, 0), (0, 3), (1, -1), (1, 1)]:
        pair("rollaxis", (axis, start), ((2, 3, 4),), ("transpose",))
    for new_shape, shape in [((4, 5), (2, 3)), (2, (3,)), ((2, 0), (2,))]:
        pair("resize", (new_shape,), (shape,), ("concatenate", "getitem", "reshape"))
    for k in [0, 1, -2]:
        pair("diagflat", (k,), ((2, 2),), ("concatenate", "getitem", "reshape"))
    pair("iscomplex", (), ((2, 3),), (), differentiable=False)
    pair("isreal", (), ((2, 3),), (), differentiable=False)

    # Ranges, differentiable in their ends (and logspace's base).
    ramp = ("add", "multiply", "divide", "subtract", "concatenate", "reshape", "broadcast_to")
    geo = ramp + ("power", "log10", "sign")
    for num, endpoint in [(5, True), (4, False), (1, True)]:
        pair("geomspace", (num, endpoint), ((), ()), geo, domains=(POSITIVE, POSITIVE))
        pair("logspace", (num, endpoint), ((), ()), ramp + ("power",))
    pair("geomspace", (4,), ((), ()), geo, domains=(_negative, _negative))
    pair("geomspace", (3,), ((2,), (3, 1)), geo, {"axis": -1}, domains=(POSITIVE, POSITIVE))
    # Ends of either sign: with no point between them funcad takes no logarithm.
    for num, endpoint in [(2, True), (1, True), (1, False)]:
        both("geomspace", lambda xp, a, b, n=num, e=endpoint: _geomspace_quiet(xp, a, b, n, e),
             ((), (3,)), geo, domains=(AWAY_FROM_ZERO, AWAY_FROM_ZERO))
    both("logspace", lambda xp, a, b, base: xp.logspace(a, b, 4, base=base), ((), (), ()),
         ramp + ("power",), domains=((-1.0, 1.0), (-1.0, 1.0), POSITIVE))
    both("logspace", lambda xp, a, b, base: xp.logspace(a, b, 3, base=base, axis=1),
         ((2,), (), (2,)), ramp + ("power",), domains=((-1.0, 1.0), (-1.0, 1.0), POSITIVE))

    # Logic: comparisons of inexact values, no derivative.
    nd = {"differentiable": False}
    both("logical_not", lambda xp, x: xp.logical_not(x > 0), ((3, 4),), ("logical_not",), **nd)
    both("logical_xor", lambda xp, x, y: xp.logical_xor(x > 0, y > 0), ((3, 4), (4,)),
         ("logical_xor",), **nd)
    near = np.array([0.0, 1e-9, 1e-4, np.inf])
    both("isclose", lambda xp, x: xp.isclose(x, x + near), ((3, 4),), ("less_equal",), **nd)
    both("isclose", lambda xp, x, y: xp.isclose(x, x + 1e-6 * y, rtol=0.0, atol=1e-6),
         ((5,), (5,)), ("less_equal",), **nd)
    both("isclose", lambda xp, x: xp.isclose(xp.where(x > 0, x, xp.nan), xp.where(x > 0, x, xp.nan), equal_nan=True), ((5,),),
         ("isnan",), **nd)
    for name, f in [("allclose", lambda xp, x, y: xp.allclose(x, x + 1e-9 * y)),
                    ("allclose", lambda xp, x, y: xp.allclose(x, y)),
                    ("array_equal", lambda xp, x, y: xp.array_equal(x, x * 1.0)),
                    ("array_equal", lambda xp, x, y: xp.array_equal(x, y)),
                    ("array_equal", lambda xp, x, y: xp.array_equal(
                        xp.where(x > 0, x, xp.nan), xp.where(x > 0, x, xp.nan), equal_nan=True)),
                    ("array_equiv", lambda xp, x, y: xp.array_equiv(x, xp.maximum(x, -5.0))),
                    ("array_equiv", lambda xp, x, y: xp.array_equiv(x, y))]:
        both(name, lambda xp, x, y, f=f: xp.asarray(f(xp, x, y)), ((4,), (4,)), ("all",), **nd)
    both("isin", lambda xp, e, t: xp.isin(e, t), ((3, 4), (5,)), ("any", "equal"),
         domains=(_ints(0, 8), _ints(0, 8)), **nd)
    both("isin", lambda xp, e, t: xp.isin(e, t, invert=True), ((6,), (2, 2)), ("any", "equal"),
         domains=(_ints(0, 5), _ints(0, 5)), **nd)

    # Integer and boolean ufuncs.
    small = _ints(0, 64)
    for name in ["bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "lcm"]:
        pair(name, (), ((3, 4), (4,)), (name,), domains=(small, small), **nd)
    for name, prim in [("left_shift", "left_shift"), ("right_shift", "right_shift"),
                       ("bitwise_left_shift", "left_shift"),
                       ("bitwise_right_shift", "right_shift")]:
        pair(name, (), ((3, 4), (4,)), (prim,), domains=(small, _ints(0, 5)), **nd)
    for name in ["invert", "bitwise_not", "bitwise_invert", "bitwise_count"]:
        pair(name, (), ((3, 4),), ("invert" if name != "bitwise_count" else name,),
             domains=(_ints(-40, 40),), **nd)
    both("invert", lambda xp, x: xp.invert(x > 0), ((5,),), ("invert",), **nd)
    both("bitwise_and", lambda xp, x, y: xp.bitwise_and(x > 0, y < 0), ((5,), (5,)),
         ("bitwise_and",), **nd)

    # nonzero and friends, with JAX's size= (padded with fill_value, or cut).
    for size, fill in [(4, -1), (9, None), (1, (7, 8))]:
        add("nonzero", lambda x, s=size, f=fill: fnp.stack(fnp.nonzero(x > 0, size=s, fill_value=f)),
            lambda x, s=size, f=fill: _padded(np.nonzero(x > 0), s, f if f is not None else 0)
            if not isinstance(f, tuple) else np.stack(
                [np.concatenate([p, np.full(s, v)])[:s] for p, v in zip(np.nonzero(x > 0), f)]),
            ((2, 3),), ("argsort", "count_nonzero", "floor_divide", "remainder"), **nd)
    add("argwhere", lambda x: fnp.argwhere(x > 0, size=5), lambda x: np.concatenate(
        [np.argwhere(x > 0), np.zeros((5, 2), np.intp)])[:5], ((2, 3),), ("argsort",), **nd)
    add("flatnonzero", lambda x: fnp.flatnonzero(x > 0, size=3, fill_value=-1),
        lambda x: _padded([np.flatnonzero(x > 0)], 3, -1)[0], ((2, 3),), ("argsort",), **nd)
    add("where", lambda x: fnp.where(x > 0, size=4)[0],
        lambda x: _padded([np.where(x > 0)[0]], 4, 0)[0], ((6,),), ("argsort",), **nd)

    # searchsorted, digitize: every pair compared under vmap.
    for side in ["left", "right"]:
        pair("searchsorted", (side,), ((6,), (2, 3)), ("less", "less_equal", "count_nonzero"),
             domains=(_sorted, (-2.5, 2.5)), **nd)
    both("searchsorted", lambda xp, a, v: xp.searchsorted(a, v, sorter=xp.argsort(a)),
         ((5,), (4,)), ("argsort", "gather", "less"), **nd)
    both("searchsorted", lambda xp, a, v: xp.searchsorted(a, xp.where(v > 1, xp.nan, v), "right"),
         ((5,), (4,)), ("isnan",), domains=(_sorted, (-2.5, 2.5)), **nd)
    for right in [False, True]:
        pair("digitize", (right,), ((2, 4), (5,)), ("less",), domains=((-2.5, 2.5), _sorted), **nd)
        both("digitize", lambda xp, x, b, r=right: xp.digitize(x, b[::-1], r), ((4,), (5,)),
             ("less",), domains=((-2.5, 2.5), _sorted), **nd)
    pair("digitize", (GRID, True), ((3, 2),), ("less",), **nd)

    # Selections from fixed masks, differentiable in the values.
    add("extract", lambda x: fnp.extract(MASK, x), lambda x: np.extract(MASK, x), ((2, 3),),
        ("gather", "reshape"))
    for axis in [1, None]:
        add("compress", lambda x, a=axis: fnp.compress(COLUMNS, x, axis=a),
            lambda x, a=axis: np.compress(COLUMNS, x, axis=a), ((3, 4),), ("gather",))
    add("bincount", lambda w: fnp.bincount(BINS, w, minlength=8),
        lambda w: np.bincount(BINS, w, minlength=8), ((6,),), ("scatter", "astype"))
    add("bincount", lambda w: fnp.bincount(BINS, w), lambda w: np.bincount(BINS, w), ((6,),),
        ("scatter", "astype"))
    add("bincount", lambda i: fnp.bincount(i, length=5),
        lambda i: np.bincount(i[i < 5], minlength=5)[:5], ((7,),), ("scatter", "where"),
        domains=(_ints(0, 7),), **nd)
    add("bincount", lambda i, w: fnp.bincount(i, w, length=4),
        lambda i, w: np.bincount(i[i < 4], w[i < 4], minlength=4)[:4], ((7,), (7,)),
        ("scatter",), domains=(_ints(0, 6), (-1.0, 1.0)), **nd)

    # Histograms: weights through a scatter-add; edges (and densities) through min and max.
    points = np.array([-1.0, 0.2, 0.2, 0.7, 1.5, 3.0])
    for kwargs in [{"bins": 3}, {"bins": 4, "range": (-0.5, 2.0)},
                   {"bins": np.array([-2.0, 0.0, 0.5, 4.0])}, {"bins": 3, "density": True}]:
        add("histogram", lambda w, k=kwargs: fnp.histogram(points, weights=w, **k)[0],
            lambda w, k=kwargs: np.histogram(points, weights=w, **k)[0], ((6,),),
            ("scatter", "astype", "divide"))
    add("histogram", lambda x: fnp.histogram(x, 3)[1], lambda x: np.histogram(x, 3)[1],
        ((7,),), ("max", "min", "concatenate"), domains=(_distinct,))
    add("histogram", lambda x: fnp.histogram(x, 4, density=True)[0],
        lambda x: np.histogram(x, 4, density=True)[0], ((3, 4),), ("max", "min", "divide"),
        domains=(_distinct,))
    add("histogram", lambda x: fnp.histogram(x, 5)[0], lambda x: np.histogram(x, 5)[0],
        ((8,),), ("scatter", "less_equal", "count_nonzero"), domains=(_distinct,), **nd)
    pair("histogram_bin_edges", (4,), ((6,),), ("max", "min"), domains=(_distinct,))
    pair("histogram_bin_edges", (4, (0.0, 1.0)), ((6,),), ("max", "min"), **nd)
    add("histogram2d", lambda w: _histogram2d_w(points, points ** 2, w, fnp),
        lambda w: _histogram2d_w(points, points ** 2, w, np), ((6,),), ("scatter",))
    add("histogram2d", lambda x, y: fnp.histogram2d(x, y, 3)[2],
        lambda x, y: np.histogram2d(x, y, 3)[2], ((5,), (5,)), ("max", "min"),
        domains=(_distinct, _distinct))
    for kwargs in [{"bins": (2, 3)}, {"bins": [np.array([-2.0, 0.5, 4.0]), 2], "density": True}]:
        add("histogramdd", lambda w, k=kwargs: fnp.histogramdd(
            np.stack([points, -points], 1), weights=w, **k)[0],
            lambda w, k=kwargs: np.histogramdd(np.stack([points, -points], 1), weights=w, **k)[0],
            ((6,),), ("scatter", "divide"))
    add("histogramdd", lambda x: fnp.histogramdd(x, bins=2, density=True)[0],
        lambda x: np.histogramdd(x, bins=2, density=True)[0], ((6, 2),), ("max", "min"),
        domains=(_distinct,))

    # partition (a sort on traced values): rows read the kth elements, which NumPy fixes.
    for kth, axis in [(2, -1), ((0, 3), 0)]:
        add("partition", lambda x, k=kth, a=axis: fnp.take(fnp.partition(x, k, axis=a), k, axis=a),
            lambda x, k=kth, a=axis: np.take(np.partition(x, k, axis=a), k, axis=a), ((4, 5),),
            ("gather", "argsort"), domains=(_distinct,))
        add("argpartition", lambda x, k=kth, a=axis: fnp.take(fnp.take_along_axis(
            x, fnp.argpartition(x, k, axis=a), a), k, axis=a),
            lambda x, k=kth, a=axis: np.take(np.take_along_axis(
                x, np.argpartition(x, k, axis=a), a), k, axis=a), ((4, 5),),
            ("gather", "argsort"), domains=(_distinct,))
    add("partition", lambda x: fnp.partition(x, 5, axis=None)[5],
        lambda x: np.partition(x, 5, axis=None)[5], ((3, 4),), ("gather", "argsort"),
        domains=(_distinct,))

    # select, choose, piecewise.
    both("select", lambda xp, x, y, z: xp.select([x > 0.5, x < -0.5], [x ** 2, y], z),
         ((4,), (4,), (4,)), ("where", "power"), domains=(_distinct, REAL, REAL))
    both("select", lambda xp, x, y: xp.select([x > 0, y > 0], [x, 2.0]), ((3, 1), (4,)),
         ("where",), domains=(_distinct, _distinct))
    which = np.array([[0, 2, 1, 1], [2, 0, 0, 1]])
    both("choose", lambda xp, x, y, z: xp.choose(which, [x, y, z]), ((2, 4), (4,), ()),
         ("gather", "concatenate", "broadcast_to"))
    both("choose", lambda xp, x, y: xp.choose(which - 1, (x, y), mode="clip"), ((2, 4), (2, 4)),
         ("gather",))
    both("choose", lambda xp, x, y: xp.choose(which + 1, (x, y), mode="wrap"), ((2, 4), (2, 4)),
         ("gather",))
    both("choose", lambda xp, i, x: xp.choose(i, [x, -x, 2 * x]), ((5,), (5,)),
         ("gather", "remainder"), domains=(_ints(0, 3), REAL), **nd)
    funcs = [lambda v: v ** 2, np.sin, 0.5]
    add("piecewise", lambda x: fnp.piecewise(x, [x < 0, x > 1], funcs),
        lambda x: np.piecewise(x, [x < 0, x > 1], funcs), ((3, 4),), ("scatter", "gather"),
        domains=(_distinct,))
    add("piecewise", lambda x: fnp.piecewise(x, [MASK, ~MASK], [lambda v: v * 3, np.cos]),
        lambda x: np.piecewise(x, [MASK, ~MASK], [lambda v: v * 3, np.cos]), ((2, 3),),
        ("scatter", "gather", "cos"))
    # A 0-d x reaches the functions as a (1,) array, as in NumPy.
    add("piecewise", lambda x: fnp.piecewise(x, [x < 0, x >= 0], [np.negative, lambda v: v ** 2]),
        lambda x: np.piecewise(x, [x < 0, x >= 0], [np.negative, lambda v: v ** 2]), ((),),
        ("scatter", "gather", "reshape"), domains=(AWAY_FROM_ZERO,))

    # append, delete, insert: differentiable in the values, positions fixed.
    for args, shapes in [((None,), ((2, 3), (2,))), ((0,), ((2, 3), (1, 3))),
                         ((1,), ((2, 3), (2, 2)))]:
        pair("append", args, shapes, ("concatenate", "reshape"))
    for obj, axis in [(1, None), (slice(0, 3, 2), 1), ([0, -1], 0),
                      (np.array([True, False, True]), 1)]:
        pair("delete", (obj, axis), ((3, 3),), ("gather",))
    for obj, axis, vshape in [(1, None, ()), (1, 0, (3,)), ([0, 2, 2], 1, (3,)),
                              (slice(None, None, 2), 1, (2, 1)), (-1, 1, (3, 2)), (2, None, (2,))]:
        add("insert", lambda x, v, o=obj, a=axis: fnp.insert(x, o, v, axis=a),
            lambda x, v, o=obj, a=axis: np.insert(x, o, v, axis=a), ((2, 3), vshape),
            ("gather", "concatenate"))

    # unique with size= (fixed length), values from distinct data; counts from integers.
    for size, fill in [(6, None), (3, None), (8, -9.0)]:
        add("unique", lambda x, s=size, f=fill: fnp.unique(x, size=s, fill_value=f),
            lambda x, s=size, f=fill: _np_unique_fixed(x, s, f, "values"), ((2, 3),),
            ("gather", "argsort", "where"), domains=(_distinct,))
    for which_part, position in [("index", 1), ("inverse", 2), ("counts", 3)]:
        add("unique", lambda i, p=position: fnp.unique(i, True, True, True, size=6)[p],
            lambda i, w=which_part: _np_unique_fixed(i, 6, None, w), ((3, 4),),
            ("argsort", "scatter", "cumsum", "count_nonzero"), domains=(_ints(0, 8),), **nd)
    add("unique_values", lambda i: fnp.unique_values(i, size=5),
        lambda i: _np_unique_fixed(i, 5, None, "values"), ((8,),), ("argsort",),
        domains=(_ints(0, 5),), **nd)
    add("unique_counts", lambda i: fnp.unique_counts(i, size=6).counts,
        lambda i: _np_unique_fixed(i, 6, None, "counts"), ((8,),), ("argsort",),
        domains=(_ints(0, 5),), **nd)
    add("unique_inverse", lambda i: fnp.unique_inverse(i, size=6).inverse_indices,
        lambda i: _np_unique_fixed(i, 6, None, "inverse"), ((8,),), ("scatter",),
        domains=(_ints(0, 5),), **nd)
    add("unique_all", lambda i: fnp.unique_all(i, size=6).indices,
        lambda i: _np_unique_fixed(i, 6, None, "index"), ((8,),), ("argsort",),
        domains=(_ints(0, 5),), **nd)

    # lexsort (stable sorts under vmap), sort_complex.
    both("lexsort", lambda xp, a, b: xp.lexsort((a, b)), ((6,), (6,)), ("argsort", "gather"),
         domains=(_ints(0, 3), _ints(0, 3)), **nd)
    both("lexsort", lambda xp, k: xp.lexsort(k, axis=0), ((3, 4, 2),), ("argsort", "gather"),
         domains=(_ints(0, 2),), **nd)
    pair("sort_complex", (), ((5,),), ("gather", "argsort", "astype"), domains=(_distinct,))
    return out
