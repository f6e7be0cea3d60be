"""Reverse mode: a tape recorded in the forward pass, walked backwards.

Every primitive applied to this trace's tracers appends one entry
``(prim, primals, params, ans, parents)`` to the tape; ``parents`` lists
``(argument position, tape index)`` for the traced arguments. Entries are
appended in execution order, so walking the list backwards is a reverse
topological order: no recursion, time linear in the tape's length.

The same tape, walked forwards with the JVP rules, is ``linearize``'s linear
function: no primal is recomputed.
"""

from __future__ import annotations

from funcad import tree_util
from funcad.core.trace import Trace, new_trace
from funcad.numpy.array_tracer import ArrayTracer
from funcad.numpy.creation import zeros_like
from funcad.primitives._util import dtype_of, shape_of
from funcad.primitives.arithmetic import add
from funcad.primitives.comparison import astype
from funcad.primitives.complex import real
from funcad.transforms._api_util import (
    as_array,
    check_callable,
    check_inexact,
    finalize_all,
    input_arrays,
)
from funcad.transforms.jvp import _split_aux, check_tangent, output_tangent


class VJPTracer(ArrayTracer):
    __slots__ = ("_value", "index")

    def __init__(self, trace, primal, index):
        self._trace = trace
        self._value = primal
        self.index = index


class VJPTrace(Trace):
    __slots__ = ("tape",)

    def __init__(self):
        super().__init__()
        self.tape = []

    def new_input(self, primal):
        self.tape.append((None, (), None, primal, ()))
        return VJPTracer(self, primal, len(self.tape) - 1)

    def process(self, prim, args, params):
        primals, parents = [], []
        for i, arg in enumerate(args):
            if type(arg) is VJPTracer and arg._trace is self:
                primals.append(arg._value)
                parents.append((i, arg.index))
            else:
                primals.append(arg)
        ans = prim.bind(*primals, **params)
        if prim.vjps is None:
            return ans
        tape = self.tape
        tape.append((prim, primals, params, ans, parents))
        return VJPTracer(self, ans, len(tape) - 1)


def backward(tape, seeds, n_inputs: int) -> list:
    """Cotangents of the first ``n_inputs`` tape entries, given output ``seeds``.

    ``seeds`` maps tape index to cotangent. ``None`` results are symbolic zeros.
    """
    cts = [None] * len(tape)
    for index, ct in seeds:
        cts[index] = ct if cts[index] is None else add(cts[index], ct)
    start = max((index for index, _ in seeds), default=-1)
    for i in range(start, n_inputs - 1, -1):
        g = cts[i]
        if g is None:
            continue
        cts[i] = None
        prim, primals, params, ans, parents = tape[i]
        rules = prim.vjps
        for argnum, parent in parents:
            rule = rules[argnum]
            if rule is None:  # an argument with no derivative, like where's condition
                continue
            contribution = rule(g, ans, *primals, **params)
            if contribution is not None:
                old = cts[parent]
                cts[parent] = contribution if old is None else add(old, contribution)
    return cts[:n_inputs]


def forward_linear(tape, tangents, n_inputs: int) -> list:
    """Tangents of every tape entry, given tangents of the inputs (linearize)."""
    ts = list(tangents) + [None] * (len(tape) - n_inputs)
    for i in range(n_inputs, len(tape)):
        prim, primals, params, ans, parents = tape[i]
        arg_tangents = [None] * len(primals)
        for argnum, parent in parents:
            arg_tangents[argnum] = ts[parent]
        ts[i] = output_tangent(prim, arg_tangents, ans, primals, params)
    return ts


def check_cotangent(c, p, k: int, name: str):
    """Cotangent ``k`` as an array, checked against its output ``p``'s shape and kind."""
    c = as_array(c) if not hasattr(c, "shape") else c
    if shape_of(c) != shape_of(p):
        raise ValueError(
            f"{name}: cotangent {k} has shape {shape_of(c)} but the output has "
            f"shape {shape_of(p)}."
        )
    c_kind = getattr(dtype_of(c), "kind", None)
    p_kind = getattr(dtype_of(p), "kind", None) if hasattr(p, "dtype") else "f"
    if c_kind not in ("f", "c") or (c_kind == "c" and p_kind != "c"):
        raise ValueError(
            f"{name}: cotangent {k} has dtype {dtype_of(c)}; cotangents of real "
            f"outputs must be real floats (e.g. ct.astype(float)), those of complex "
            f"outputs real or complex floats."
        )
    return c


def _cast_like(ct, primal):
    if ct is None:
        return zeros_like(primal)
    if dtype_of(ct) != dtype_of(primal):
        if getattr(dtype_of(ct), "kind", None) == "c" and dtype_of(primal).kind != "c":
            # A real input's cotangent is the real part (JAX's convention).
            ct = real(ct)
        ct = astype(ct, dtype_of(primal))
    return ct


def _unwrap_output(x, trace):
    """(primal, tape index or None) of one output leaf."""
    if type(x) is VJPTracer and x._trace is trace:
        return x._value, x.index
    return x, None


def _record(fun, primals, has_aux, name, checked=False):
    """Run ``fun`` on a fresh tape. Returns what the backward pass needs."""
    leaves, in_tree = tree_util.tree_flatten(tuple(primals))
    leaves = [as_array(x) for x in leaves]
    if not checked:
        for i, leaf in enumerate(leaves):
            check_inexact(leaf, name, f"input leaf {i}")
    with new_trace(VJPTrace()) as trace:
        args = tree_util.tree_unflatten(in_tree, [trace.new_input(x) for x in leaves])
        out = fun(*args)
        aux = None
        if has_aux:
            out, aux = _split_aux(out, name)
            if aux is not None:
                aux = tree_util.tree_map(lambda a: _unwrap_output(a, trace)[0], aux)
        out_leaves, out_tree = tree_util.tree_flatten(out)
        unwrapped = [_unwrap_output(x, trace) for x in out_leaves]
    return trace.tape, leaves, in_tree, unwrapped, out_tree, aux


def vjp(fun, *primals, has_aux: bool = False):
    """Reverse-mode derivative: ``(fun(*primals), vjp_fn)``.

    ``vjp_fn(ct)`` returns one cotangent per primal, ``J^T ct``; it may be called
    any number of times.

    >>> import funcad as fa, funcad.numpy as fnp
    >>> f = lambda x1, x2: fnp.log(x1) + x1 * x2 - fnp.sin(x2)
    >>> y, f_vjp = fa.vjp(f, 2.0, 5.0)
    >>> [round(float(g), 4) for g in f_vjp(1.0)]
    [5.5, 1.7163]
    """
    check_callable(fun, "vjp")
    out, vjp_fn, aux = vjp_with_aux(fun, primals, has_aux, "vjp")
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def vjp_with_aux(fun, primals, has_aux: bool, name: str, checked: bool = False):
    """``vjp``'s body: always returns ``(out, vjp_fn, aux)``.

    ``name`` is the transform named in error messages; ``checked`` skips the
    input dtype check when the caller has made it.
    """
    tape, leaves, in_tree, outs, out_tree, aux = _record(fun, primals, has_aux, name, checked)
    originals = input_arrays(leaves)
    out_primals = [p for p, _ in outs]

    def vjp_fn(ct):
        ct_leaves, ct_tree = tree_util.tree_flatten(ct)
        if ct_tree != out_tree:
            raise ValueError(
                f"vjp_fn: the cotangent has structure {ct_tree} but fun's output has "
                f"structure {out_tree}; pass one cotangent per output."
            )
        seeds = []
        for k, (c, (p, index)) in enumerate(zip(ct_leaves, outs)):
            c = check_cotangent(c, p, k, "vjp_fn")
            if index is not None:
                seeds.append((index, c))
        cts = backward(tape, seeds, len(leaves))
        owned = originals + input_arrays(ct_leaves)
        cts = finalize_all([_cast_like(c, x) for c, x in zip(cts, leaves)], owned)
        return tree_util.tree_unflatten(in_tree, cts)

    # The tape holds the outputs for the backward pass: hand the caller copies.
    out = tree_util.tree_unflatten(out_tree, finalize_all(out_primals, originals, copy=True))
    if aux is not None:
        aux_leaves, aux_tree = tree_util.tree_flatten(aux)
        aux = tree_util.tree_unflatten(aux_tree, finalize_all(aux_leaves, originals, copy=True))
    return out, vjp_fn, aux


def linearize(fun, *primals):
    """``(fun(*primals), jvp_fn)``: ``jvp_fn(*tangents)`` is the linear map ``J @ t``.

    ``jvp_fn`` replays the recorded linear operations only; ``fun`` is not run
    again.

    >>> import funcad as fa, funcad.numpy as fnp
    >>> y, f_lin = fa.linearize(fnp.sin, 0.0)
    >>> float(f_lin(2.0))
    2.0
    """
    check_callable(fun, "linearize")
    tape, leaves, in_tree, outs, out_tree, _ = _record(fun, primals, False, "linearize")
    originals = input_arrays(leaves)

    def jvp_fn(*tangents):
        t_leaves, t_tree = tree_util.tree_flatten(tuple(tangents))
        if t_tree != in_tree:
            raise ValueError(
                f"linearize: jvp_fn takes tangents of structure {in_tree}, got {t_tree}."
            )
        checked = [check_tangent(x, t, f"leaf {i}", "linearize")[1]
                   for i, (t, x) in enumerate(zip(t_leaves, leaves))]
        ts = forward_linear(tape, checked, len(leaves))
        owned = originals + input_arrays(checked)
        out = []
        for p, index in outs:
            t = ts[index] if index is not None else None
            out.append(zeros_like(p) if t is None else t)
        return tree_util.tree_unflatten(out_tree, finalize_all(out, owned))

    out = finalize_all([p for p, _ in outs], originals, copy=True)
    out = tree_util.tree_unflatten(out_tree, out)
    return out, jvp_fn
