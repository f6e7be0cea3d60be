"""Sweep rows: advanced indexing, take, functional updates, sorting and quantiles."""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from tests.op_specs import Row

IDX = np.array([2, 0, 2, -1])  # repeated and negative indices
PAIRS = np.array([[0, 1], [1, 1]])
MASK = np.array([True, False, True, True])


def _numpy_update(x, idx, v, method):
    out = x.copy()
    if method == "set":
        out[idx] = v
    else:
        getattr(np, {"add": "add", "multiply": "multiply", "min": "minimum",
                     "max": "maximum"}[method]).at(out, idx, v)
    return out


def _distinct(rng, shape):
    """Values with no ties, so that sorting and extrema are differentiable."""
    n = int(np.prod(shape))
    return (rng.permutation(n) / n * 4 - 2 + rng.uniform(0, 0.1 / n, n)).reshape(shape)


def rows():
    out = []

    def add(name, fun, ref, shapes, domains=None, prims=("gather",), **kw):
        out.append(Row(name, fun, ref, shapes, domains, prims, **kw))

    for label, idx in [("i", IDX), ("list", [1, 1, 3]), ("col", (slice(None), PAIRS)),
                       ("i-slice", (IDX, slice(1, None))), ("separated", (PAIRS, slice(None), PAIRS)),
                       ("int-separated", (0, slice(None), PAIRS[0])), ("ellipsis", (Ellipsis, PAIRS[1])),
                       ("mask", MASK), ("pair", (IDX, IDX[::-1])), ("newaxis", (None, IDX)),
                       ("empty-ellipsis", (slice(None), PAIRS[0], Ellipsis, PAIRS[1]))]:
        add(f"getitem[{label}]", lambda x, i=idx: x[i], lambda x, i=idx: x[i], ((4, 3, 2),))
    add("getitem[mask2d]", lambda x: x[MASK[:, None] & np.array([True, False, True])],
        lambda x: x[MASK[:, None] & np.array([True, False, True])], ((4, 3),))
    add("take", lambda x: fnp.take(x, PAIRS, axis=1), lambda x: np.take(x, PAIRS, axis=1), ((3, 4),))
    add("take", lambda x: fnp.take(x, IDX), lambda x: np.take(x, IDX), ((2, 3),))
    add("take_along_axis", lambda x: fnp.take_along_axis(x, np.array([[0, 2], [1, 1]]), 1),
        lambda x: np.take_along_axis(x, np.array([[0, 2], [1, 1]]), 1), ((2, 3),))

    # Functional updates, differentiated in both the array and the values.
    for method in ["set", "add", "multiply", "min", "max"]:
        for label, idx, vshape in [("i", IDX, (4, 3)), ("basic", (slice(1, 3), 0), (2,)),
                                   ("col", (Ellipsis, PAIRS), (5, 2, 2)), ("scalar", PAIRS, ())]:
            add(f"at.{method}[{label}]",
                lambda x, v, i=idx, m=method: getattr(fnp.at(x)[i], m)(v),
                lambda x, v, i=idx, m=method: _numpy_update(x, i, v, m),
                ((5, 3), vshape), prims=("scatter",),
                domains=(_distinct, _distinct) if method in ("min", "max") else None)
    add("at.multiply[zeros]", lambda x, v: fnp.at(x)[IDX].multiply(v),
        lambda x, v: _numpy_update(x, IDX, v, "multiply"), ((5,), (4,)), prims=("scatter",),
        extra={"inputs": [np.array([1.5, -1.0, 2.0, 0.5, 3.0]), np.array([0.0, 2.0, 1.5, 0.0])]})
    add("at.get", lambda x: fnp.at(x)[IDX].get(), lambda x: x[IDX], ((5,),))

    # Sorting and order statistics.
    for axis in [-1, 0, None]:
        add("sort", lambda x, a=axis: fnp.sort(x, axis=a), lambda x, a=axis: np.sort(x, axis=a),
            ((3, 4),), (_distinct,), prims=("gather", "argsort"))
    add("argsort", lambda x: fnp.argsort(x, axis=0), lambda x: np.argsort(x, axis=0), ((4, 3),),
        (_distinct,), prims=("argsort",), differentiable=False)
    for axis, keepdims in [(None, False), (0, False), ((0, 2), True), (-1, False)]:
        add("median", lambda x, a=axis, k=keepdims: fnp.median(x, axis=a, keepdims=k),
            lambda x, a=axis, k=keepdims: np.median(x, axis=a, keepdims=k), ((3, 4, 2),),
            (_distinct,), prims=("gather", "argsort"))
    add("quantile", lambda x: fnp.quantile(x, np.array([0.0, 0.3, 0.75, 1.0]), axis=1),
        lambda x: np.quantile(x, np.array([0.0, 0.3, 0.75, 1.0]), axis=1), ((3, 5),),
        (_distinct,), prims=("gather", "argsort"))
    add("quantile", lambda x: fnp.quantile(x, 0.4, keepdims=True),
        lambda x: np.quantile(x, 0.4, keepdims=True), ((3, 5),), (_distinct,),
        prims=("gather", "argsort"))
    add("percentile", lambda x: fnp.percentile(x, [10, 90], axis=0),
        lambda x: np.percentile(x, [10, 90], axis=0), ((6, 2),), (_distinct,),
        prims=("gather", "argsort"))
    return out
