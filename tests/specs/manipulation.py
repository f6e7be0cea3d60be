"""Sweep rows: flips, roll, tile, repeat, pad, triangles, diagonals, splits, stacks, products."""

from __future__ import annotations

import warnings

import numpy as np

import funcad.numpy as fnp
from tests.op_specs import Row

SLICING = ("getitem", "concatenate")


def _joined(parts, xp):
    """Split results as one array: each part flattened and weighted by its position."""
    return xp.concatenate([xp.reshape(p, (-1,)) * (i + 1) for i, p in enumerate(parts)])


def _quiet(f):
    """``f`` with NumPy's deprecation of 2-vector cross products silenced."""
    def quiet(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return f(*args)
    return quiet


def rows():
    out = []

    def add(name, fun, ref, shapes, prims, domains=None, **kw):
        out.append(Row(name, fun, ref, shapes, domains, prims, **kw))

    def pair(name, args, shapes, prims, kwargs=None, **kw):
        """A row calling fnp.<name> and np.<name> with the same fixed arguments."""
        kwargs = kwargs or {}
        add(name, lambda *xs: getattr(fnp, name)(*xs, *args, **kwargs),
            lambda *xs: getattr(np, name)(*xs, *args, **kwargs), shapes, prims, **kw)

    # Flips and rotations.
    for axis in [None, 0, -1, (0, 2)]:
        pair("flip", (axis,), ((2, 3, 4),), ("getitem",))
    pair("fliplr", (), ((3, 4),), ("getitem",))
    pair("flipud", (), ((3, 4, 2),), ("getitem",))
    for k, axes in [(1, (0, 1)), (2, (1, 2)), (3, (2, 0)), (-1, (0, 1)), (4, (0, 1))]:
        pair("rot90", (k, axes), ((2, 3, 4),), ("getitem", "transpose"))

    # roll, tile, repeat.
    for shift, axis in [(1, None), (-5, None), (2, 1), ((1, -2), (0, 2)), (3, (1, 1))]:
        pair("roll", (shift, axis), ((2, 3, 4),), SLICING + ("reshape",))
    for reps, shape in [(2, (3,)), ((2, 1), (2, 3)), ((2, 1, 3), (2, 2)), (3, (2, 3)), ((0, 2), (2,))]:
        pair("tile", (reps,), (shape,), ("reshape", "broadcast_to"))
    for repeats, axis in [(2, None), (3, 1), ([1], 0)]:
        pair("repeat", (repeats, axis), ((2, 3),), ("reshape", "broadcast_to"))
    for repeats, axis in [([2, 0, 1], 1), ([1, 3], 0), ([0, 1, 1, 2, 0, 3], None)]:
        pair("repeat", (repeats, axis), ((2, 3),), ("gather", "reshape"))

    # pad: every mode, NumPy's forms of pad_width, pads longer than the axis.
    widths = [1, (1, 2), ((0, 2), (3, 1)), {1: (2, 0)}, ((4,), (7,))]
    for width in widths:
        for mode in ["constant", "edge", "reflect", "symmetric", "wrap"]:
            pair("pad", (width, mode), ((3, 2),), SLICING + ("broadcast_to",))
    for mode in ["reflect", "symmetric"]:
        pair("pad", ((5, 9), mode), ((3,),), SLICING + ("multiply", "subtract"),
             kwargs={"reflect_type": "odd"})
    pair("pad", ((2, 1), "reflect"), ((2, 1),), SLICING + ("broadcast_to",))  # singleton axis
    pair("pad", (((1, 2), (0, 1)),), ((2, 3),), ("concatenate",),
         kwargs={"constant_values": ((1.5, -2.0), (3.0, 4.0))})
    add("pad", lambda x, c: fnp.pad(x, (1, 2), constant_values=c),
        lambda x, c: np.pad(x, (1, 2), constant_values=c), ((2, 3), ()),
        ("concatenate", "broadcast_to", "getitem", "astype"))  # a traced constant

    # Triangles, diagonals, trace.
    for k in [-1, 0, 2]:
        pair("triu", (k,), ((3, 4),), ("where",))
        pair("tril", (k,), ((2, 3, 3),), ("where",))
    pair("tril", (0,), ((3,),), ("where",))  # 1-d input broadcasts to a square
    for k in [0, 2, -1]:
        pair("diag", (k,), ((3,),), SLICING + ("reshape",))
        pair("diag", (k,), ((3, 4),), ("transpose", "reshape", "getitem"))
    for offset, axis1, axis2 in [(0, 0, 1), (1, 0, 2), (-1, 2, 1), (3, 1, 2), (-5, 0, 1)]:
        pair("diagonal", (offset, axis1, axis2), ((2, 3, 4),), ("transpose", "reshape", "getitem"))
        pair("trace", (offset, axis1, axis2), ((2, 3, 4),), ("getitem", "sum"))

    # Splits, as one array.
    for name, args, shape in [("split", (2, 1), (3, 4)), ("split", ([1, 3], 0), (5, 2)),
                              ("array_split", (3, 1), (2, 5)),
                              ("array_split", ([-1, 1, 9], 0), (4, 2)),
                              ("hsplit", (2,), (2, 4)), ("hsplit", ([1],), (3,)),
                              ("vsplit", ([2],), (3, 2)), ("dsplit", (2,), (1, 2, 4))]:
        add(name, lambda x, n=name, a=args: _joined(getattr(fnp, n)(x, *a), fnp),
            lambda x, n=name, a=args: _joined(getattr(np, n)(x, *a), np), (shape,),
            ("getitem", "concatenate", "reshape", "multiply"))

    # atleast_nd, meshgrid.
    for n in (1, 2, 3):
        for shape in [(), (3,), (2, 3), (2, 1, 2)]:
            pair(f"atleast_{n}d", (), (shape,), ("reshape",))
    for indexing in ["xy", "ij"]:
        add("meshgrid", lambda a, b, c, i=indexing: fnp.stack(fnp.meshgrid(a, b, c, indexing=i)),
            lambda a, b, c, i=indexing: np.stack(np.meshgrid(a, b, c, indexing=i)),
            ((2,), (3,), (2, 2)), ("reshape", "broadcast_to", "concatenate"))
        add("meshgrid", lambda a, b, i=indexing: sum(
                g * (j + 1) for j, g in enumerate(fnp.meshgrid(a, b, indexing=i, sparse=True))),
            lambda a, b, i=indexing: sum(
                g * (j + 1) for j, g in enumerate(np.meshgrid(a, b, indexing=i, sparse=True))),
            ((3,), (2,)), ("reshape", "multiply", "add"))

    # Stacks and blocks.
    for name in ["vstack", "hstack", "dstack", "column_stack"]:
        for shapes in [((3,), (3,)), ((2, 3), (2, 3)), ((), ())]:
            add(name, lambda *xs, n=name: getattr(fnp, n)(list(xs)),
                lambda *xs, n=name: getattr(np, n)(list(xs)), shapes, ("concatenate", "reshape"))
    add("vstack", lambda a, b: fnp.vstack((a, b)), lambda a, b: np.vstack((a, b)),
        ((2, 3), (3,)), ("concatenate", "reshape"))
    add("hstack", lambda a, b: fnp.hstack((a, b)), lambda a, b: np.hstack((a, b)),
        ((2, 3), (2, 1)), ("concatenate",))
    add("block", lambda a, b, c: fnp.block([[a, b], [c]]), lambda a, b, c: np.block([[a, b], [c]]),
        ((2, 2), (2, 1), (1, 3)), ("concatenate",))
    add("block", lambda a, b: fnp.block([a, b]), lambda a, b: np.block([a, b]),
        ((2,), (3,)), ("concatenate",))
    add("block", lambda a, b: fnp.block([[[a]], [[b]]]), lambda a, b: np.block([[[a]], [[b]]]),
        ((2, 3), (2, 3)), ("concatenate", "reshape"))

    # Products.
    for shapes in [((3,), (4,)), ((2, 2), (3,)), ((), (2,))]:
        add("outer", fnp.outer, np.outer, shapes, ("reshape", "multiply"))
    for shapes in [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (4, 3)), ((2, 1, 3), (2, 3)), ((), (2, 3))]:
        add("inner", fnp.inner, np.inner, shapes, ("einsum", "multiply"))
    for shapes in [((4,), (4,)), ((2, 3), (3, 2))]:
        add("vdot", fnp.vdot, np.vdot, shapes, ("reshape", "matmul"))
    for shapes in [((2, 3), (2, 2)), ((3,), (2, 2)), ((2, 1, 2), (2, 3)), ((), (3,))]:
        add("kron", fnp.kron, np.kron, shapes, ("reshape", "multiply"))
    crossing = ("getitem", "multiply", "subtract", "negative", "concatenate", "transpose")
    for shapes, kwargs in [(((3,), (3,)), {}), (((4, 3), (3,)), {}), (((3, 4), (3, 4)), {"axis": 0}),
                           (((3, 2), (2, 3)), {"axisa": 0, "axisc": 0}),
                           (((2, 4), (4, 3)), {"axisa": 0}), (((4, 3), (2,)), {}),
                           (((2,), (2,)), {}), (((2, 2), (2, 2)), {"axisb": 0})]:
        add("cross", _quiet(lambda a, b, k=kwargs: fnp.cross(a, b, **k)),
            _quiet(lambda a, b, k=kwargs: np.cross(a, b, **k)), shapes, crossing)
    return out
