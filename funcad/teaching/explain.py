"""``explain``: a derivative laid out as the evaluation-trace tables of textbooks.

The function is staged into a program (``funcad.transforms.stage``), then the
program is walked with the primitives' own rules: forwards with the JVP rules
for the tangent trace, backwards with the VJP rules for the adjoint trace. The
numbers are therefore the ones ``jvp`` and ``grad`` compute; only their layout
is for people.
"""

from __future__ import annotations

from funcad import tree_util
from funcad.backend.dask import compute_together
from funcad.core.program import Var, format_params, format_value
from funcad.numpy.creation import ones_like, zeros_like
from funcad.primitives.arithmetic import add
from funcad.primitives.indexing import is_lazy_array
from funcad.teaching.formulas import (
    adjoint_term,
    barred,
    definition,
    dotted,
    join_terms,
    operand_name,
    tangent_term,
)
from funcad.teaching.tables import TraceTable
from funcad.transforms._api_util import (
    as_array,
    check_callable,
    check_inexact,
    finalize_all,
    input_arrays,
)
from funcad.transforms.jvp import check_tangent, output_tangent
from funcad.transforms.stage import check_untraced, stage
from funcad.transforms.vjp import _cast_like, check_cotangent


class Explanation:
    """Trace tables of one derivative; prints as text, renders as HTML in Jupyter.

    ``value`` is ``fun(*args)``; ``derivative`` is the JVP (``mode="fwd"``) or
    one gradient per argument (``mode="rev"``); ``tables`` the trace tables;
    ``program`` the staged program they describe.
    """

    def __init__(self, program, mode, tables, value, derivative):
        self.program = program
        self.mode = mode
        self.tables = tables
        self.value = value
        self.derivative = derivative

    def __str__(self) -> str:
        return "\n\n".join(str(t) for t in self.tables)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return "".join(t._repr_html_() for t in self.tables)


def explain(fun, mode: str = "fwd", *, tangents=None, cotangent=None, digits: int = 3):
    """Return ``explained(*args)``: the evaluation trace of ``fun``'s derivative at ``args``.

    ``mode="fwd"`` shows the primal trace and the forward tangent trace, seeded
    with ``tangents`` (default: ones for the first argument, zeros for the
    rest); ``mode="rev"`` shows the primal trace and the reverse adjoint trace,
    seeded with ``cotangent`` (default: ones for each floating-point output).
    Numbers show ``digits`` decimals (smaller ones ``digits`` significant
    digits); arrays of more than six elements, or more than two dimensions,
    show as their type. Integer and boolean values (comparisons, ``argmax``)
    appear in the primal trace only: they carry no derivative.

    >>> import funcad as fa, funcad.numpy as fnp
    >>> def f(x1, x2):
    ...     return fnp.log(x1) + x1 * x2 - fnp.sin(x2)
    >>> e = fa.explain(f, mode="rev")(2.0, 5.0)
    >>> print(e.tables[0])
    Forward primal trace
      v-1 = x1       = 2
      v0  = x2       = 5
      v1  = ln v-1   = 0.693
      v2  = v-1 × v0 = 10
      v3  = sin v0   = -0.959
      v4  = v1 + v2  = 10.693
      v5  = v4 − v3  = 11.652
      y   = v5       = 11.652
    >>> [round(float(g), 3) for g in e.derivative]
    [5.5, 1.716]
    """
    check_callable(fun, "explain")
    if mode not in ("fwd", "rev"):
        raise ValueError(f"explain: mode must be 'fwd' or 'rev', got {mode!r}.")
    if mode == "rev" and tangents is not None:
        raise ValueError("explain: tangents= seeds the forward trace; with mode='rev' "
                         "pass cotangent= instead, or use mode='fwd'.")
    if mode == "fwd" and cotangent is not None:
        raise ValueError("explain: cotangent= seeds the reverse trace; with mode='fwd' "
                         "pass tangents= instead, or use mode='rev'.")
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 0:
        raise ValueError(f"explain: digits must be a non-negative int, got {digits!r}.")

    def explained(*args):
        leaves = [as_array(x) for x in tree_util.tree_leaves(tuple(args))]
        check_untraced(leaves, "explain")
        for i, leaf in enumerate(leaves):
            check_inexact(leaf, "explain", f"input leaf {i}", fix=_INTEGER_FIX)
        seeds = _input_tangents(leaves, args, tangents) if mode == "fwd" else []
        program = stage(fun, *args, name="explain")
        shown = _Shown(digits)
        primal = _primal_table(program, shown)
        if mode == "fwd":
            table, out_leaves = _tangent_table(program, seeds, shown)
            derivative_tree = program.out_tree
        else:
            seeds = _output_cotangents(program, cotangent)
            table, out_leaves = _adjoint_table(program, seeds, shown)
            derivative_tree = program.in_tree
        shown.fill([primal, table])
        owned = input_arrays(leaves) + input_arrays([t for t in seeds if t is not None])
        values = finalize_all([x.value for x in program.outputs], owned, copy=True)
        value = tree_util.tree_unflatten(program.out_tree, values)
        derivative = tree_util.tree_unflatten(derivative_tree, finalize_all(out_leaves, owned))
        return Explanation(program, mode, [primal, table], value, derivative)

    return explained


_INTEGER_FIX = ("explain differentiates with respect to every argument: pass floats (2.0, "
                "x.astype(float)), or close over integer arguments, e.g. "
                "fa.explain(lambda x: f(x, n)).")


class _Shown:
    """The values the tables show, formatted once all are known.

    A table row holds the value's place here until ``fill``; lazy values are
    then computed in one pass (one graph), not one number at a time.
    """

    def __init__(self, digits: int) -> None:
        self.digits = digits
        self.values: list = []

    def __call__(self, value) -> int:
        self.values.append(value)
        return len(self.values) - 1

    def fill(self, tables) -> None:
        values = self.values
        lazy = [k for k, v in enumerate(values) if is_lazy_array(v)]
        if lazy:
            for k, v in zip(lazy, compute_together([values[k] for k in lazy])):
                values[k] = v
        texts = [format_value(v, self.digits) for v in values]
        for table in tables:
            table.rows = [(var, definition, texts[k]) for var, definition, k in table.rows]


def _input_tangents(leaves, args, tangents) -> list:
    if tangents is None:
        n_first = len(tree_util.tree_leaves(args[0])) if args else 0
        return [ones_like(x) if i < n_first else zeros_like(x) for i, x in enumerate(leaves)]
    if not isinstance(tangents, (tuple, list)):
        raise TypeError("explain: tangents must be a tuple with one entry per argument, "
                        f"got {type(tangents).__name__}; write tangents=(t1, t2).")
    t_leaves, t_tree = tree_util.tree_flatten(tuple(tangents))
    _, p_tree = tree_util.tree_flatten(tuple(args))
    if t_tree != p_tree:
        raise ValueError(f"explain: the arguments have structure {p_tree} but tangents "
                         f"have {t_tree}.")
    return [check_tangent(x, t, f"leaf {i}", "explain")[1]
            for i, (x, t) in enumerate(zip(leaves, t_leaves))]


def _inexact(x) -> bool:
    return getattr(getattr(x.value, "dtype", None), "kind", "f") in ("f", "c")


def _names(operands) -> list[str]:
    return [operand_name(x) for x in operands]


def _params_text(params) -> str:
    return format_params(params)[1:-1]


def _seed_title(title: str, names, seeds, mark, digits) -> str:
    parts = [f"{mark(n)} = {format_value(t, digits)}"
             for n, t in zip(names, seeds) if t is not None]
    return f"{title} ({', '.join(parts)})" if parts else title


def _primal_table(program, shown) -> TraceTable:
    table = TraceTable("Forward primal trace")
    for var, name in zip(program.inputs, program.input_names):
        table.add(var.name, name, shown(var.value))
    for eq in program.equations:
        text = definition(eq.primitive, _names(eq.operands), _params_text(eq.params))
        table.add(eq.out.name, text, shown(eq.out.value))
    for out, name in zip(program.outputs, program.output_names):
        table.add(name, operand_name(out), shown(out.value))
    return table


def _has_forward_rule(prim, i: int) -> bool:
    if prim.jvp_all is not None:
        return True
    return prim.jvps is not None and prim.jvps[i] is not None


def _tangent_table(program, seeds, shown):
    title = _seed_title("Forward tangent trace", program.input_names, seeds, dotted, shown.digits)
    table = TraceTable(title)
    tangent = {}
    for var, name, t in zip(program.inputs, program.input_names, seeds):
        tangent[id(var)] = t
        table.add(dotted(var.name), dotted(name), shown(t))
    for eq in program.equations:
        prim, out = eq.primitive, eq.out
        if not _inexact(out):
            continue  # integers and booleans carry no tangent
        differentiable = [isinstance(x, Var) and _inexact(x) and _has_forward_rule(prim, i)
                          for i, x in enumerate(eq.operands)]
        t_out = None
        terms = []
        if any(differentiable):
            names = _names(eq.operands)
            terms = [tangent_term(prim, i, names, out.name, _params_text(eq.params),
                                  dotted(x.name))
                     for i, x in enumerate(eq.operands) if differentiable[i]]
            arg_tangents = [tangent.get(id(x)) if ok else None
                            for x, ok in zip(eq.operands, differentiable)]
            values = [x.value for x in eq.operands]
            t_out = output_tangent(prim, arg_tangents, out.value, values, eq.params)
        tangent[id(out)] = zeros_like(out.value) if t_out is None else t_out
        table.add(dotted(out.name), join_terms(terms), shown(tangent[id(out)]))
    results = []
    for out, name in zip(program.outputs, program.output_names):
        traced = isinstance(out, Var) and id(out) in tangent
        t = tangent[id(out)] if traced else zeros_like(out.value)
        results.append(t)
        table.add(dotted(name), dotted(out.name) if traced else "0", shown(t))
    return table, results


def _output_cotangents(program, cotangent) -> list:
    """One seed per output: None for constants and integer or boolean outputs."""
    if cotangent is None:
        return [ones_like(x.value) if isinstance(x, Var) and _inexact(x) else None
                for x in program.outputs]
    c_leaves, c_tree = tree_util.tree_flatten(cotangent)
    if c_tree != program.out_tree:
        raise ValueError(f"explain: the output has structure {program.out_tree} but the "
                         f"cotangent has {c_tree}; pass one cotangent per output.")
    cts = [check_cotangent(c, x.value, k, "explain")
           for k, (c, x) in enumerate(zip(c_leaves, program.outputs))]
    return [c if isinstance(x, Var) and _inexact(x) else None
            for c, x in zip(cts, program.outputs)]


def _adjoint_table(program, seeds, shown):
    title = _seed_title("Reverse adjoint trace", program.output_names, seeds, barred, shown.digits)
    table = TraceTable(title)
    adjoint = {}
    for out, name, c in zip(program.outputs, program.output_names, seeds):
        if c is None:
            continue
        old = adjoint.get(id(out))
        adjoint[id(out)] = c if old is None else add(old, c)
        text = barred(name) if old is None else join_terms([barred(out.name), barred(name)])
        table.add(barred(out.name), text, shown(adjoint[id(out)]))
    for eq in reversed(program.equations):
        prim, out = eq.primitive, eq.out
        ct = adjoint.get(id(out))
        if ct is None or prim.vjps is None:
            continue
        values = [x.value for x in eq.operands]
        names = _names(eq.operands)
        for i, x in enumerate(eq.operands):
            rule = prim.vjps[i] if isinstance(x, Var) and _inexact(x) else None
            if rule is None:
                continue
            contribution = rule(ct, out.value, *values, **eq.params)
            if contribution is None:
                continue  # a symbolic zero: nothing flows back
            term = adjoint_term(prim, i, names, out.name, _params_text(eq.params),
                                barred(out.name))
            old = adjoint.get(id(x))
            if old is not None:
                contribution = add(old, contribution)
                term = join_terms([barred(x.name), term])
            adjoint[id(x)] = contribution
            table.add(barred(x.name), term, shown(contribution))
    results = []
    for var, name in zip(program.inputs, program.input_names):
        g = _cast_like(adjoint.get(id(var)), var.value)
        results.append(g)
        table.add(barred(name), barred(var.name), shown(g))
    return table, results
