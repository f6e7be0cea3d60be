"""Staging: one more trace, recording every primitive application as a program.

``stage(fun, *args)`` runs ``fun`` under a :class:`StagingTrace`. Each
primitive that reaches the trace is evaluated as usual and appended to a
:class:`~funcad.core.program.Program` as one equation, so the program lists
exactly the primitives the other transforms would process, with their values.
Staging nests like any transform: ``stage(grad(f), x)`` records the primitives
that ``grad`` runs.
"""

from __future__ import annotations

import inspect
import operator
import re

from funcad import backend, tree_util
from funcad.backend import NotLazyError
from funcad.core.program import Equation, Literal, Program, Var
from funcad.core.trace import Trace, Tracer, new_trace
from funcad.numpy.array_tracer import ArrayTracer
from funcad.primitives._util import backend_of
from funcad.transforms._api_util import as_array, check_callable


class StagedTracer(ArrayTracer):
    __slots__ = ("_value", "var")

    def __init__(self, trace, value, var):
        self._trace = trace
        self._value = value
        self.var = var

    # Integer and boolean values (comparisons, argmax) are plain values under
    # jvp and vjp, so Python control flow on them works there: it must here too.
    # Converting a float still raises, as it would drop the derivative; so does
    # converting a lazy (Dask) value, which would compute the graph being built.
    def _plain(self, convert, name: str, otherwise):
        if getattr(self.dtype, "kind", None) not in ("b", "i", "u"):
            return otherwise(self)
        be = backend_of(self._value)
        if be.lazy:
            raise NotLazyError(
                f"{name}() of a traced {self.dtype} value whose array is a lazy {be.name} "
                f"array: Python control flow on it would compute the graph while funcad "
                f"builds one. Keep the choice in the graph (fnp.where(cond, a, b), sizes "
                f"given as Python ints), or compute the inputs first (x.compute()) and "
                f"use the NumPy backend."
            )
        return convert(self._value)

    def __bool__(self):
        return self._plain(bool, "bool", ArrayTracer.__bool__)

    def __int__(self):
        return self._plain(int, "int", ArrayTracer.__float__)

    def __index__(self):
        return self._plain(operator.index, "operator.index", ArrayTracer.__float__)

    def __float__(self):
        return self._plain(float, "float", ArrayTracer.__float__)


class StagingTrace(Trace):
    __slots__ = ("equations", "next_number")

    def __init__(self, first_number: int):
        super().__init__()
        self.equations = []
        self.next_number = first_number

    def new_var(self, value) -> Var:
        var = Var(self.next_number, value)
        self.next_number += 1
        return var

    def process(self, prim, args, params):
        operands, values = [], []
        for arg in args:
            if type(arg) is StagedTracer and arg._trace is self:
                operands.append(arg.var)
                values.append(arg._value)
            else:
                operands.append(Literal(arg))
                values.append(arg)
        ans = prim.bind(*values, **params)
        out = self.new_var(ans)
        self.equations.append(Equation(prim, operands, dict(params), out))
        return StagedTracer(self, ans, out)


def input_names(fun, args) -> list[str]:
    """One name per input leaf: the parameter's name, indexed for pytree arguments.

    Names that would read as trace variables (``v1``) or outputs (``y``) are
    replaced by ``x1, x2, ...``.
    """
    try:
        params = [p for p in inspect.signature(fun).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = []
    for i, arg in enumerate(args):
        base = params[i].name if i < len(params) else f"x{i + 1}"
        if _RESERVED.fullmatch(base):
            base = f"x{i + 1}"
        names += _leaf_names(base, arg)
    return names


_RESERVED = re.compile(r"v-?\d+|y\d*")


def _leaf_names(base: str, tree) -> list[str]:
    """``p['w']``, ``p['b']``: names of the leaves of one argument, in flattening order."""
    if isinstance(tree, dict):
        return [n for key in sorted(tree) for n in _leaf_names(f"{base}[{key!r}]", tree[key])]
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return [n for field, x in zip(tree._fields, tree)
                for n in _leaf_names(f"{base}.{field}", x)]
    if isinstance(tree, (list, tuple)):
        return [n for k, x in enumerate(tree) for n in _leaf_names(f"{base}[{k}]", x)]
    leaves = tree_util.tree_leaves(tree)
    if len(leaves) == 1 and leaves[0] is tree:
        return [base]
    return [f"{base}[{k}]" for k in range(len(leaves))]


def check_untraced(leaves, name: str) -> None:
    """Staging shows values: it refuses arguments traced by an enclosing transform."""
    for i, leaf in enumerate(leaves):
        if isinstance(leaf, Tracer):
            raise TypeError(
                f"{name}: argument leaf {i} is a traced value: {name} was called inside a "
                f"transform. Call it outside, on the transformed function instead, e.g. "
                f"fa.{name}(fa.grad(f))(x)."
            )


def stage(fun, *args, name: str = "stage") -> Program:
    """The program ``fun`` runs at ``args``: one equation per primitive.

    >>> import funcad.numpy as fnp
    >>> print(stage(lambda x, y: fnp.sin(x) * y, 1.0, 2.0))
    program(v-1:f64[], v0:f64[]):
        v1:f64[] = sin v-1
        v2:f64[] = multiply v1 v0
        return v2
    """
    check_callable(fun, name)
    leaves, in_tree = tree_util.tree_flatten(tuple(args))
    leaves = [as_array(x) for x in leaves]
    check_untraced(leaves, name)
    # The program keeps its values for display: copies, so that later changes to
    # the caller's arrays do not show up in it.
    leaves = [x.copy() if backend.is_array(x) else x for x in leaves]
    trace = StagingTrace(first_number=1 - len(leaves))
    with new_trace(trace):
        inputs = [trace.new_var(x) for x in leaves]
        tracers = [StagedTracer(trace, x, v) for x, v in zip(leaves, inputs)]
        out = fun(*tree_util.tree_unflatten(in_tree, tracers))
        out_leaves, out_tree = tree_util.tree_flatten(out)
        outputs = [x.var if type(x) is StagedTracer and x._trace is trace
                   else Literal(as_array(x)) for x in out_leaves]
    equations = in_depth_order(trace.equations, inputs)
    output_names = ["y"] if len(outputs) == 1 else [f"y{k + 1}" for k in range(len(outputs))]
    return Program(inputs, input_names(fun, args), equations, outputs, output_names,
                   in_tree, out_tree)


def in_depth_order(equations, inputs) -> list:
    """The equations sorted (stably) by their depth from the inputs, renumbered.

    Operations that depend only on earlier levels come together, the layout of
    textbook evaluation traces; the program stays in a topological order, so
    it computes the same values.
    """
    depth = {id(v): 0 for v in inputs}
    depths = []
    for eq in equations:
        d = 1 + max((depth.get(id(x), 0) for x in eq.operands), default=0)
        depth[id(eq.out)] = d
        depths.append(d)
    ordered = [eq for _, _, eq in sorted(zip(depths, range(len(equations)), equations))]
    for number, eq in enumerate(ordered, start=1):
        eq.out.number = number
    return ordered
