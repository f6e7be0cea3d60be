"""The table that drives the systematic sweep: one row per public function.

Each row names the funcad function (with its non-array parameters fixed), the
NumPy reference, the shapes and domains of its array arguments, and the
primitives it exercises. ``tests/test_sweep.py`` runs every check on every
row; ``test_every_primitive_has_a_row`` fails when a registered primitive has
none.

The core rows live here; each family adds its own in a module of
``tests/specs`` with a ``rows()`` function, collected in name order.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import funcad.numpy as fnp
from funcad.primitives.indexing import scatter_zeros

# Domains: (low, high) of uniform draws, chosen inside each function's domain.
REAL = (-2.0, 2.0)
POSITIVE = (0.5, 2.0)
UNIT = (-0.9, 0.9)
AWAY_FROM_ZERO = "away"  # |x| in [0.5, 2] with random sign
# A domain may also be a function ``draw(rng, shape)`` for inputs that are not
# uniform draws (symmetric positive definite matrices, integers, ties, ...);
# ``shape`` includes any leading batch dimensions.


@dataclass
class Row:
    name: str
    fun: Callable
    ref: Callable
    shapes: tuple
    domains: tuple | None = None
    primitives: tuple[str, ...] = ()
    differentiable: bool = True
    tol: float = 1e-5
    extra: dict = field(default_factory=dict)

    def domain(self, i):
        return REAL if self.domains is None else self.domains[i]


def _rows():
    rows = []

    def add(name, fun, ref, shapes, domains=None, prims=None, **kw):
        rows.append(Row(name, fun, ref, shapes, domains, prims or (name,), **kw))

    # Arithmetic, with broadcasting.
    for shapes in [((3, 4), (3, 4)), ((3, 4), (4,)), ((), (2, 3)), ((2, 1), (1, 3))]:
        add("add", fnp.add, np.add, shapes)
        add("subtract", fnp.subtract, np.subtract, shapes)
        add("multiply", fnp.multiply, np.multiply, shapes)
        add("divide", fnp.divide, np.divide, shapes, (REAL, AWAY_FROM_ZERO))
        add("maximum", fnp.maximum, np.maximum, shapes)
        add("minimum", fnp.minimum, np.minimum, shapes)
        add("power", fnp.power, np.power, shapes, (POSITIVE, REAL))
    add("power", lambda x: x**3, lambda x: x**3, ((4,),), prims=("power",))
    add("power", lambda x: 2.0**x, lambda x: 2.0**x, ((4,),), prims=("power",))
    add("power", lambda x: x**0, lambda x: x**0, ((4,),), prims=("power",))
    add("negative", fnp.negative, np.negative, ((2, 3),))
    add("operators", lambda x, y: (x + 1) * y - x / 2 - 3 * -y,
        lambda x, y: (x + 1) * y - x / 2 - 3 * -y, ((3,), (3,)),
        prims=("add", "subtract", "multiply", "divide", "negative"))
    add("where", lambda x, y: fnp.where(np.arange(12).reshape(3, 4) % 3 == 0, x, y),
        lambda x, y: np.where(np.arange(12).reshape(3, 4) % 3 == 0, x, y), ((3, 4), (4,)))
    add("where", lambda x: fnp.where(x, x**2, 0.0), lambda x: np.where(x, x**2, 0.0), ((5,),),
        (AWAY_FROM_ZERO,), prims=("where", "power"))  # a traced condition
    add("astype", lambda x: fnp.astype(x, np.int64) * x, lambda x: x.astype(np.int64) * x,
        ((5,),), (POSITIVE,), prims=("astype", "multiply"))  # integers carry no derivative
    add("astype", lambda x: fnp.astype(x, np.float32), lambda x: x.astype(np.float32),
        ((3,),), tol=1e-4, extra={"eps": 1e-2})  # linear: a large step is exact

    # Unary elementwise math.
    unary = {
        "exp": REAL, "log": POSITIVE, "log1p": POSITIVE, "expm1": REAL, "sqrt": POSITIVE,
        "square": REAL, "reciprocal": AWAY_FROM_ZERO, "sin": REAL, "cos": REAL,
        "tan": UNIT, "arcsin": UNIT, "arccos": UNIT, "arctan": REAL, "sinh": REAL,
        "cosh": REAL, "tanh": REAL, "absolute": AWAY_FROM_ZERO,
    }
    for name, domain in unary.items():
        add(name, getattr(fnp, name), getattr(np, name), ((2, 3),), (domain,))
    add("absolute", abs, abs, ((4,),), (AWAY_FROM_ZERO,), prims=("absolute",))

    # No derivative: values and batching only.
    for name in ["less", "less_equal", "greater", "greater_equal", "equal", "not_equal"]:
        add(name, getattr(fnp, name), getattr(np, name), ((3, 4), (4,)), differentiable=False)
    add("logical_and", lambda x, y: fnp.logical_and(x > 0, y > 0),
        lambda x, y: np.logical_and(x > 0, y > 0), ((3,), (3,)), differentiable=False,
        prims=("logical_and", "greater"))
    add("logical_or", lambda x, y: fnp.logical_or(x > 0, y > 0),
        lambda x, y: np.logical_or(x > 0, y > 0), ((3,), (3,)), differentiable=False,
        prims=("logical_or", "greater"))
    add("sign", fnp.sign, np.sign, ((5,),), differentiable=False)

    # Reductions.
    for axis, keepdims in [(None, False), (0, False), (1, True), ((0, 2), False), (-1, True)]:
        for name in ["sum", "max", "min", "prod", "mean"]:
            add(name, lambda x, n=name, a=axis, k=keepdims: getattr(fnp, n)(x, axis=a, keepdims=k),
                lambda x, n=name, a=axis, k=keepdims: getattr(np, n)(x, axis=a, keepdims=k),
                ((2, 3, 4),), prims=("sum", "divide") if name == "mean" else (name,))
    add("prod", lambda x: fnp.prod(x, axis=0),
        lambda x: np.prod(x, axis=0), ((3, 2),), prims=("prod",),
        extra={"inputs": [np.array([[0.0, 1.5], [2.0, 0.0], [-1.0, 0.0]])]})
    add("clip", lambda x: fnp.clip(x, -0.5, 0.7), lambda x: np.clip(x, -0.5, 0.7), ((8,),),
        prims=("maximum", "minimum"))

    # Shapes.
    add("reshape", lambda x: fnp.reshape(x, (4, -1)), lambda x: np.reshape(x, (4, -1)),
        ((2, 3, 4),))
    add("reshape", lambda x: x.reshape(6), lambda x: x.reshape(6), ((2, 3),), prims=("reshape",))
    add("transpose", fnp.transpose, np.transpose, ((2, 3, 4),))
    add("transpose", lambda x: fnp.transpose(x, (1, 2, 0)), lambda x: np.transpose(x, (1, 2, 0)),
        ((2, 3, 4),))
    add("transpose", lambda x: x.T, lambda x: x.T, ((2, 3),), prims=("transpose",))
    add("moveaxis", lambda x: fnp.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1),
        ((2, 3, 4),), prims=("transpose",))
    add("swapaxes", lambda x: fnp.swapaxes(x, 0, 2), lambda x: np.swapaxes(x, 0, 2),
        ((2, 3, 4),), prims=("transpose",))
    add("expand_dims", lambda x: fnp.expand_dims(x, 1), lambda x: np.expand_dims(x, 1),
        ((2, 3),), prims=("reshape",))
    add("squeeze", fnp.squeeze, np.squeeze, ((2, 1, 3, 1),), prims=("reshape",))
    add("broadcast_to", lambda x: fnp.broadcast_to(x, (2, 3, 4)),
        lambda x: np.broadcast_to(x, (2, 3, 4)), ((3, 1),))
    add("concatenate", lambda x, y, z: fnp.concatenate([x, y, z], axis=1),
        lambda x, y, z: np.concatenate([x, y, z], axis=1), ((2, 3), (2, 1), (2, 2)))
    add("concatenate", lambda x, y: fnp.concatenate([x, y], axis=None),
        lambda x, y: np.concatenate([x, y], axis=None), ((2, 3), (4,)),
        prims=("concatenate", "reshape"))
    add("broadcast_to", lambda x: fnp.broadcast_to(x, 3), lambda x: np.broadcast_to(x, 3), ((),))
    add("stack", lambda x, y: fnp.stack([x, y], axis=-1), lambda x, y: np.stack([x, y], axis=-1),
        ((2, 3), (2, 3)), prims=("concatenate", "reshape"))

    # Basic indexing.
    for idx in [1, -1, (slice(None), 2), (slice(None, None, 2),), (slice(3, 0, -1), None),
                (Ellipsis, 1), (None, Ellipsis, slice(1, None)), (0, slice(1, 3), 2)]:
        add("getitem", lambda x, i=idx: x[i], lambda x, i=idx: x[i], ((4, 3, 3),))
    add("scatter_zeros", lambda v: scatter_zeros(v, (slice(1, 3),), (4, 2)),
        lambda v: np.concatenate([np.zeros((1, 2), v.dtype), v, np.zeros((1, 2), v.dtype)]),
        ((2, 2),))

    # Contractions.
    for shapes in [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                   ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((3, 4), (2, 4, 5)),
                   ((2, 1, 3, 4), (5, 4, 2))]:
        add("matmul", fnp.matmul, np.matmul, shapes)
    add("matmul", lambda a, b: a @ b, lambda a, b: a @ b, ((2, 3), (3, 2)), prims=("matmul",))
    for spec, shapes in [("ij,jk->ik", ((2, 3), (3, 4))), ("ij,jk", ((2, 3), (3, 4))),
                         ("i,i->", ((3,), (3,))), ("ii->", ((3, 3),)), ("ii->i", ((3, 3),)),
                         ("ij->", ((2, 3),)), ("ij,k->ik", ((2, 3), (4,))),
                         ("...ij,...jk->...ik", ((2, 2, 3), (2, 3, 4))),
                         ("bij,bjk,kl->bil", ((2, 2, 3), (2, 3, 4), (4, 2))),
                         # Broadcast dimensions, named and under an ellipsis.
                         ("ij,ij->ij", ((1, 4), (3, 4))),
                         ("...i,...i->...", ((3, 1, 4), (5, 4)))]:
        add("einsum", lambda *ops, s=spec: fnp.einsum(s, *ops),
            lambda *ops, s=spec: np.einsum(s, *ops), shapes)
    for shapes in [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((2, 3, 4), (4, 2)), ((), (3,))]:
        add("dot", fnp.dot, np.dot, shapes, prims=("matmul", "einsum", "multiply"))
    add("tensordot", lambda a, b: fnp.tensordot(a, b, axes=([0, 2], [1, 0])),
        lambda a, b: np.tensordot(a, b, axes=([0, 2], [1, 0])), ((2, 3, 4), (4, 2, 5)),
        prims=("einsum",))
    add("tensordot", lambda a, b: fnp.tensordot(a, b, axes=1),
        lambda a, b: np.tensordot(a, b, axes=1), ((2, 3), (3, 4)), prims=("einsum",))
    return rows


def _family_rows():
    import tests.specs as specs

    rows = []
    for info in sorted(pkgutil.iter_modules(specs.__path__), key=lambda m: m.name):
        rows += importlib.import_module(f"tests.specs.{info.name}").rows()
    return rows


ROWS = _rows() + _family_rows()


def _keys(rows) -> list[str]:
    """``"name#k"`` for every row, ``k`` counting earlier rows of the same name."""
    seen: dict[str, int] = {}
    keys = []
    for row in rows:
        keys.append(f"{row.name}#{seen.get(row.name, 0)}")
        seen[row.name] = seen.get(row.name, 0) + 1
    return keys


# The stable names the backends' tables of unsupported rows use.
ROW_KEYS = _keys(ROWS)


def draw(row: Row, rng: np.random.Generator, batch: tuple[int, ...] = ()):
    """Random inputs for ``row`` inside its domains, with leading ``batch`` dims."""
    if "inputs" in row.extra:
        fixed = [np.array(x) for x in row.extra["inputs"]]
        if not batch:
            return fixed
        # Scaled copies keep the special values (zeros) of the fixed inputs.
        scales = rng.uniform(0.5, 2.0, batch)
        return [np.multiply.outer(scales, x) for x in fixed]
    out = []
    for i, shape in enumerate(row.shapes):
        domain = row.domain(i)
        if callable(domain):
            x = domain(rng, batch + shape)
        elif domain == AWAY_FROM_ZERO:
            x = rng.uniform(0.5, 2.0, batch + shape) * rng.choice([-1.0, 1.0], batch + shape)
        else:
            x = rng.uniform(*domain, batch + shape)
        out.append(np.asarray(x) if callable(domain) else np.asarray(x, dtype=np.float64))
    return out
